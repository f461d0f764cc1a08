//! One error enum, one variant per core `ErrorKind`: Kotlin gets a sealed `AgenticStarException`
//! with a subclass per kind, Swift an `AgenticStarError` enum with a case per kind.
use agenticstar::{Error, ErrorKind};

/// What every error carries, whatever its kind (see [`AgenticStarError::details`]).
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct ErrorDetails {
    /// The stable snake_case code shared by every language (`invalid_client`, `rate_limited`, ...).
    pub kind: String,
    /// What went wrong, for people. Never contains a secret.
    pub detail: String,
    pub status: Option<i32>,
    /// The server's error code (`invalid_client`, `401021`, `insufficient_scope`, ...).
    pub code: Option<String>,
    /// The wrapped token API's `code_reason`.
    pub code_reason: Option<String>,
    /// Seconds the server asked us to wait.
    pub retry_after: Option<f64>,
    /// A short, secret-scrubbed excerpt of the body that caused the error.
    pub body_excerpt: Option<String>,
    /// Protocol-specific details as JSON text (JSON-RPC `data`, `resourceMetadata`, ...).
    pub details_json: Option<String>,
}

// Every variant repeats the fields so they pattern-match directly (`catch (e: RateLimited) { e.retryAfter }`).
// The field is `detail`, not `message`: Kotlin's generated exception overrides `message` itself.
macro_rules! error_enum {
    ($($(#[$doc:meta])* $v:ident),* $(,)?) => {
        /// An SDK error. `kind` is the stable code; the variant is the same idea as a type.
        #[derive(Debug, Clone, thiserror::Error, uniffi::Error)]
        #[uniffi::export(Display)]
        pub enum AgenticStarError {
            $($(#[$doc])*
            #[error("{detail}")]
            $v {
                kind: String,
                detail: String,
                status: Option<i32>,
                code: Option<String>,
                code_reason: Option<String>,
                retry_after: Option<f64>,
                body_excerpt: Option<String>,
                details_json: Option<String>,
            },)*
        }

        impl AgenticStarError {
            fn from_details(kind: ErrorKind, d: ErrorDetails) -> Self {
                let ErrorDetails { kind: k, detail, status, code, code_reason, retry_after, body_excerpt, details_json } = d;
                match kind {
                    $(ErrorKind::$v => Self::$v { kind: k, detail, status, code, code_reason, retry_after, body_excerpt, details_json },)*
                    // A kind added to the core later: the class is generic but `kind` stays exact.
                    _ => Self::Internal { kind: k, detail, status, code, code_reason, retry_after, body_excerpt, details_json },
                }
            }
            fn parts(&self) -> ErrorDetails {
                match self {
                    $(Self::$v { kind, detail, status, code, code_reason, retry_after, body_excerpt, details_json } => ErrorDetails {
                        kind: kind.clone(), detail: detail.clone(), status: *status, code: code.clone(),
                        code_reason: code_reason.clone(), retry_after: *retry_after, body_excerpt: body_excerpt.clone(),
                        details_json: details_json.clone(),
                    },)*
                }
            }
        }
    };
}

error_enum! {
    /// Bad configuration or argument (no request was made).
    Config,
    /// A non-loopback endpoint was given over plain http.
    InsecureTransport,
    /// The server rejected the client's id or secret.
    InvalidClient,
    /// The server says the request was malformed (400 `invalid_request`).
    InvalidRequest,
    /// A code or refresh token was rejected (`invalid_grant`).
    InvalidGrant,
    /// The session's refresh token is no longer accepted: the user has to sign in again.
    SignInRequired,
    /// The client may not use this grant.
    UnauthorizedClient,
    /// The API rejected the bearer token even after one renewal (401).
    Authentication,
    /// A protocol endpoint (MCP, A2A) refused the bearer token (401); details hold its challenge.
    Unauthorized,
    /// Access refused (403).
    Forbidden,
    /// Keycloak 403: no concurrent user licence available. Back off.
    LicensesExhausted,
    /// The token lacks the scope the call needs; nothing was sent.
    InsufficientScope,
    /// 429: slow down (see `retry_after`).
    RateLimited,
    /// 5xx from the server.
    ServerError,
    /// Any other error status, with the server's `code` when it gave one.
    Api,
    /// A time limit passed (connect, request, or idle between stream chunks).
    Timeout,
    /// Connection refused, reset, DNS or TLS failure.
    Network,
    /// A 2xx answer that is not what the protocol promises.
    UnexpectedResponse,
    /// The authorization server redirected back with `error=` (e.g. `access_denied`).
    AuthorizationDenied,
    /// The callback's `state` does not match the request's.
    StateMismatch,
    IdTokenSignature,
    IdTokenNonce,
    IdTokenAudience,
    IdTokenIssuer,
    IdTokenExpired,
    IdTokenInvalid,
    /// The stream ended (or the connection broke) before `data: [DONE]`.
    StreamTruncated,
    /// A stream chunk is not a valid chat chunk.
    StreamDecode,
    /// The server reported an error inside the stream.
    StreamError,
    /// A line or event exceeded the size limit.
    StreamTooLarge,
    /// The token store failed.
    Store,
    /// A JSON-RPC error answer; `code` is its code, details `{code, message, data}`.
    JsonRpc,
    /// A2A -32001: no such task.
    TaskNotFound,
    /// A2A -32002: the task is terminal and cannot be canceled.
    TaskNotCancelable,
    /// A2A -32003.
    PushNotificationNotSupported,
    /// A2A -32004.
    UnsupportedOperation,
    /// A2A -32005.
    ContentTypeNotSupported,
    /// A2A -32006: the agent's answer breaks the protocol.
    InvalidAgentResponse,
    /// A2A -32007.
    ExtendedCardNotConfigured,
    /// A2A -32008.
    ExtensionSupportRequired,
    /// A2A -32009.
    VersionNotSupported,
    /// The agent card offers no interface or security scheme this client speaks.
    UnsupportedAgent,
    /// A 3xx answer: redirects are never followed; the message names the `Location`.
    Redirect,
    /// The callback's RFC 9207 `iss` names another issuer (a mix-up attack).
    CallbackIssuerMismatch,
    /// The callback has no `iss` although the server says it always sends one.
    CallbackIssuerMissing,
    /// The callback is malformed (a repeated parameter, another origin or path).
    CallbackInvalid,
    /// The discovery document's `issuer` is not the configured issuer.
    DiscoveryIssuerMismatch,
    /// The id_token's `nbf` or `iat` lies in the future.
    IdTokenNotYetValid,
    /// Several audiences without `azp`, or an `azp` naming another client.
    IdTokenAzp,
    /// The JWKS key may not verify this id_token (`use`, `key_ops` or `alg`).
    IdTokenKey,
    /// A device sign-in (RFC 8628) was not approved before its code expired.
    DeviceCodeExpired,
    /// A bug (a panic or a failed task) caught at the boundary.
    Internal,
}

#[uniffi::export]
impl AgenticStarError {
    /// The fields common to every kind, without matching on the variant.
    pub fn details(&self) -> ErrorDetails {
        self.parts()
    }
}

impl From<Error> for AgenticStarError {
    fn from(e: Error) -> Self {
        let d = ErrorDetails {
            kind: e.kind().as_str().to_owned(),
            detail: e.message().to_owned(),
            status: e.status().map(i32::from),
            code: e.code().map(str::to_owned),
            code_reason: e.code_reason().map(str::to_owned),
            retry_after: e.retry_after().map(|d| d.as_secs_f64()),
            body_excerpt: e.body_excerpt().map(str::to_owned),
            details_json: e.details().map(|d| d.to_string()),
        };
        Self::from_details(e.kind(), d)
    }
}

impl AgenticStarError {
    pub(crate) fn new(kind: ErrorKind, detail: impl Into<String>) -> Self {
        Error::new(kind, detail).into()
    }

    /// Back into a core error, for errors a foreign implementation (token store) returned.
    pub(crate) fn into_core(self, kind: ErrorKind, context: &str) -> Error {
        Error::new(kind, format!("{context}: {}", self.parts().detail))
    }
}

/// A foreign callback threw something other than an `AgenticStarError`.
impl From<uniffi::UnexpectedUniFFICallbackError> for AgenticStarError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        Self::new(ErrorKind::Internal, format!("callback failed: {}", e.reason))
    }
}

pub type Result<T, E = AgenticStarError> = std::result::Result<T, E>;
