use std::fmt;
use std::time::Duration;

/// The one list of error kinds: each variant, its docs and its stable code. Calls `$m! { ... }`
/// with `/// doc` `Variant = "code",` entries, so the core's [`ErrorKind`] and a binding's own
/// error type (uniffi's `AgenticStarError`) are both generated from it.
#[macro_export]
macro_rules! for_each_error_kind {
    ($m:ident) => {
        $m! {
            /// Bad configuration or argument (no request was made).
            Config = "config",
            /// A non-loopback endpoint was given over plain http.
            InsecureTransport = "insecure_transport",
            /// The server rejected the client's id or secret (`invalid_client`, Keycloak 401).
            InvalidClient = "invalid_client",
            /// The server says the request was malformed or incomplete (`invalid_request`, 400).
            InvalidRequest = "invalid_request",
            /// A code or refresh token was rejected (`invalid_grant`) outside a refresh.
            InvalidGrant = "invalid_grant",
            /// The session's refresh token is no longer accepted: the user has to sign in again.
            SignInRequired = "sign_in_required",
            /// The client may not use this grant (`unauthorized_client`, `unsupported_grant_type`).
            UnauthorizedClient = "unauthorized_client",
            /// The bearer token was rejected by the API even after one renewal (401).
            Authentication = "authentication",
            /// A protocol endpoint (MCP, A2A) refused the bearer token after one renewal, or got none
            /// (401); `details` carry its `WWW-Authenticate` challenge (`resourceMetadata`, `scope`, `error`).
            Unauthorized = "unauthorized",
            /// Access refused (403) for a reason other than licences.
            Forbidden = "forbidden",
            /// Keycloak 403: not enough available concurrent user licences. Back off.
            LicensesExhausted = "licenses_exhausted",
            /// The token provably lacks the scope a call needs; nothing was sent.
            InsufficientScope = "insufficient_scope",
            /// 429: slow down (see `retry_after`).
            RateLimited = "rate_limited",
            /// 5xx from the server.
            ServerError = "server_error",
            /// Any other error status from an API, with its `code` / `code_reason` when it gave one.
            Api = "api_error",
            /// A 3xx answer: redirects are never followed (credentials must not travel to another URL);
            /// the message names the `Location`.
            Redirect = "redirect",
            /// A time limit passed (connect, request or idle-between-chunks).
            Timeout = "timeout",
            /// Connection refused, reset, DNS or TLS failure.
            Network = "network",
            /// A 2xx answer that is not what the protocol promises (wrong content type, bad JSON, empty).
            UnexpectedResponse = "unexpected_response",
            /// The authorization server redirected back with `error=` (e.g. `access_denied`).
            AuthorizationDenied = "authorization_denied",
            /// The `state` in the callback does not match the one sent.
            StateMismatch = "state_mismatch",
            /// A device sign-in (RFC 8628) was not approved before its code expired (`expired_token`).
            DeviceCodeExpired = "device_code_expired",
            /// The callback's RFC 9207 `iss` names another issuer than the one the flow started with (a mix-up attack).
            CallbackIssuerMismatch = "callback_issuer_mismatch",
            /// The callback has no `iss` although the server advertises `authorization_response_iss_parameter_supported`.
            CallbackIssuerMissing = "callback_issuer_missing",
            /// The callback is malformed: a repeated parameter, or an origin or path other than the `redirect_uri`.
            CallbackInvalid = "callback_invalid",
            /// The discovery document's `issuer` is not the configured issuer (OIDC Discovery §4.3).
            DiscoveryIssuerMismatch = "discovery_issuer_mismatch",
            /// id_token signature invalid or signed by an unknown key.
            IdTokenSignature = "id_token_signature",
            /// id_token `nonce` does not match.
            IdTokenNonce = "id_token_nonce",
            /// id_token `aud` is not this client.
            IdTokenAudience = "id_token_audience",
            /// id_token `iss` is not the issuer.
            IdTokenIssuer = "id_token_issuer",
            /// id_token expired.
            IdTokenExpired = "id_token_expired",
            /// id_token `nbf` or `iat` lies in the future (beyond the leeway).
            IdTokenNotYetValid = "id_token_not_yet_valid",
            /// id_token has several audiences but no `azp`, or an `azp` naming another client.
            IdTokenAzp = "id_token_azp",
            /// The JWKS key the id_token names may not verify it (`use` other than `sig`, `key_ops`
            /// without `verify`, or an `alg` other than the token's; RFC 7517 §4.2–4.4).
            IdTokenKey = "id_token_key",
            /// id_token missing or malformed.
            IdTokenInvalid = "id_token_invalid",
            /// The stream ended (or the connection broke) before `data: [DONE]`.
            StreamTruncated = "stream_truncated",
            /// A stream chunk is not valid JSON of the expected shape.
            StreamDecode = "stream_decode",
            /// The server sent an error inside the stream (`event: error` or an error object).
            StreamError = "stream_error",
            /// A line or event exceeded the configured size limit.
            StreamTooLarge = "stream_too_large",
            /// The token store failed to load or save.
            Store = "store",
            /// The server answered with a JSON-RPC error; `code` is its code, `details` `{code, message, data}`.
            JsonRpc = "jsonrpc_error",
            /// A bug: a panic was caught at a boundary.
            Internal = "internal",
            /// A2A -32001: no such task (or not visible to this caller).
            TaskNotFound = "task_not_found",
            /// A2A -32002: the task is in a terminal state and cannot be canceled.
            TaskNotCancelable = "task_not_cancelable",
            /// A2A -32003: the agent does not do push notifications.
            PushNotificationNotSupported = "push_notification_not_supported",
            /// A2A -32004: the agent does not do this (e.g. subscribing to a finished task).
            UnsupportedOperation = "unsupported_operation",
            /// A2A -32005: the agent does not accept or produce these media types.
            ContentTypeNotSupported = "content_type_not_supported",
            /// A2A -32006: the agent's answer breaks the protocol (also detected client-side).
            InvalidAgentResponse = "invalid_agent_response",
            /// A2A -32007: the agent has no extended card.
            ExtendedCardNotConfigured = "extended_card_not_configured",
            /// A2A -32008: the agent requires an extension the request did not declare.
            ExtensionSupportRequired = "extension_support_required",
            /// A2A -32009: the agent does not speak this protocol version.
            VersionNotSupported = "version_not_supported",
            /// The agent card offers no interface (binding) or security scheme this client speaks.
            UnsupportedAgent = "unsupported_agent",
        }
    };
}

macro_rules! define_error_kinds {
    ($($(#[$doc:meta])* $v:ident = $code:literal,)*) => {
        /// What went wrong, as a stable code shared by every binding (`Error::kind().as_str()`).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorKind {
            $($(#[$doc])* $v,)*
        }

        impl ErrorKind {
            /// Every kind, for bindings to check they map them all.
            pub const ALL: &'static [ErrorKind] = &[$(ErrorKind::$v,)*];

            /// Stable snake_case code, the same in every language.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorKind::$v => $code,)*
                }
            }
        }
    };
}

for_each_error_kind!(define_error_kinds);

impl ErrorKind {
    /// The kind whose [`as_str`](Self::as_str) is `code`.
    pub fn from_code(code: &str) -> Option<ErrorKind> {
        ErrorKind::ALL.iter().copied().find(|k| k.as_str() == code)
    }

    /// Whether a token request failing this way may be retried after a pause.
    pub fn is_transient(self) -> bool {
        matches!(self, ErrorKind::RateLimited | ErrorKind::ServerError | ErrorKind::Timeout | ErrorKind::Network)
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The one error type of the SDK. Cheap to clone (single-flight callers share it).
///
/// Messages and excerpts are scrubbed of secrets when the error is made, so `Display` and `Debug`
/// are safe to log.
#[derive(Clone, PartialEq)]
pub struct Error(Box<Inner>);

#[derive(Clone, PartialEq)]
struct Inner {
    kind: ErrorKind,
    message: String,
    status: Option<u16>,
    code: Option<String>,
    code_reason: Option<String>,
    retry_after: Option<Duration>,
    body_excerpt: Option<String>,
    /// Protocol-specific details (JSON-RPC `data`, `resourceMetadata`, `scope`, ...).
    details: Option<serde_json::Value>,
    /// The answer's status, headers (secret values masked) and request id.
    response: Option<Box<crate::response::ResponseMeta>>,
}

/// A result with [`Error`] as the error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The message is scrubbed of secrets here, so no caller can forget to.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error(Box::new(Inner {
            kind,
            message: crate::redact::scrub(&message.into()),
            status: None,
            code: None,
            code_reason: None,
            retry_after: None,
            body_excerpt: None,
            details: None,
            response: None,
        }))
    }
    pub(crate) fn config(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Config, message)
    }
    pub(crate) fn with_status(mut self, status: u16) -> Self {
        self.0.status = Some(status);
        self
    }
    pub(crate) fn with_code(mut self, code: Option<String>, reason: Option<String>) -> Self {
        self.0.code = code;
        self.0.code_reason = reason;
        self
    }
    pub(crate) fn with_retry_after(mut self, d: Option<Duration>) -> Self {
        self.0.retry_after = d;
        self
    }
    pub(crate) fn with_excerpt(mut self, body: &[u8]) -> Self {
        self.0.body_excerpt = Some(crate::redact::excerpt(body));
        self
    }
    /// Attach protocol-specific details (must not hold secrets).
    pub fn with_details(mut self, details: serde_json::Value) -> Self {
        self.0.details = Some(details);
        self
    }
    /// Attach the answer that caused the error (its status too, when none is set yet).
    pub(crate) fn with_response(mut self, meta: &crate::response::ResponseMeta) -> Self {
        self.0.status.get_or_insert(meta.status);
        self.0.response = Some(Box::new(meta.clone()));
        self
    }
    pub(crate) fn map_message(mut self, f: impl FnOnce(&str) -> String) -> Self {
        self.0.message = crate::redact::scrub(&f(&self.0.message));
        self
    }

    /// The stable category (its snake_case code is what bindings expose).
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }
    /// What went wrong, for people; scrubbed of secrets.
    pub fn message(&self) -> &str {
        &self.0.message
    }
    /// HTTP status, when the error came from an answer.
    pub fn status(&self) -> Option<u16> {
        self.0.status
    }
    /// The server's error code (`invalid_client`, `401021`, `insufficient_scope`, ...).
    pub fn code(&self) -> Option<&str> {
        self.0.code.as_deref()
    }
    /// The wrapped token API's `code_reason`.
    pub fn code_reason(&self) -> Option<&str> {
        self.0.code_reason.as_deref()
    }
    /// How long the server asked us to wait (Retry-After), or the back-off still running.
    pub fn retry_after(&self) -> Option<Duration> {
        self.0.retry_after
    }
    /// A short, secret-scrubbed excerpt of the body that caused the error.
    pub fn body_excerpt(&self) -> Option<&str> {
        self.0.body_excerpt.as_deref()
    }

    /// Protocol-specific details (JSON-RPC `data`, `resourceMetadata`, `scope`, ...).
    pub fn details(&self) -> Option<&serde_json::Value> {
        self.0.details.as_ref()
    }

    /// The HTTP answer behind the error (status, headers with secret values masked, request id),
    /// when it came from one.
    pub fn response(&self) -> Option<&crate::response::ResponseMeta> {
        self.0.response.as_deref()
    }
    /// The server's request id for the failed call (quote it to support).
    pub fn request_id(&self) -> Option<&str> {
        self.0.response.as_ref()?.request_id.as_deref()
    }
    /// The answer's headers (names lower-case; secret values `***`); empty without an answer.
    pub fn headers(&self) -> &[(String, String)] {
        self.0.response.as_ref().map_or(&[], |r| r.headers.as_slice())
    }
    /// The answer's `WWW-Authenticate` challenge (401 / 403), when it had one.
    pub fn www_authenticate(&self) -> Option<&str> {
        self.0.response.as_ref()?.www_authenticate()
    }

    /// Classify a reqwest failure; never includes the URL's query (it may carry a code).
    pub(crate) fn from_reqwest(e: &reqwest::Error, what: &str) -> Self {
        let kind = if e.is_timeout() { ErrorKind::Timeout } else { ErrorKind::Network };
        let mut cause = String::new();
        let mut src: Option<&dyn std::error::Error> = std::error::Error::source(e);
        while let Some(s) = src {
            cause = s.to_string();
            src = s.source();
        }
        let msg = if cause.is_empty() {
            format!("{what}: {}", if e.is_timeout() { "timed out" } else { "request failed" })
        } else {
            format!("{what}: {}", crate::redact::scrub(&cause))
        };
        Error::new(kind, msg)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.message)?;
        if let Some(s) = self.0.status {
            write!(f, " (HTTP {s}")?;
            if let Some(c) = &self.0.code {
                write!(f, ", code {c}")?;
            }
            f.write_str(")")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.0.kind).field("message", &self.0.message);
        if let Some(s) = self.0.status {
            d.field("status", &s);
        }
        if let Some(c) = &self.0.code {
            d.field("code", c);
        }
        if let Some(c) = &self.0.code_reason {
            d.field("code_reason", c);
        }
        if let Some(r) = self.0.retry_after {
            d.field("retry_after", &r);
        }
        if let Some(b) = &self.0.body_excerpt {
            d.field("body_excerpt", b);
        }
        if let Some(x) = &self.0.details {
            d.field("details", x);
        }
        if let Some(r) = &self.0.response {
            d.field("request_id", &r.request_id).field("headers", &r.headers);
        }
        d.finish()
    }
}

impl std::error::Error for Error {}

impl Error {
    pub(crate) fn with_kind(mut self, kind: ErrorKind) -> Self {
        self.0.kind = kind;
        self
    }
}
