//! Values that cross the boundary. Anything holding a secret is an object (opaque, no
//! auto-generated `toString`/`description` showing it); plain data are records.
use std::collections::HashMap;
use std::sync::Arc;

use agenticstar::ErrorKind;
use agenticstar::chat;

use crate::error::{AgenticStarError, Result};

// ---------- providers and credentials ----------

/// A token service. Build one with the constructor of its kind; URLs are checked here.
#[derive(Debug, uniffi::Object)]
#[uniffi::export(Debug)]
pub struct Provider(pub(crate) agenticstar::Provider);

#[uniffi::export]
impl Provider {
    /// AGENTIC STAR SaaS (`https://auth.agenticstar.jp`): OIDC, client credentials and sign-in.
    #[uniffi::constructor]
    pub fn agenticstar(auth_url: String) -> Result<Arc<Self>> {
        Ok(Arc::new(Self(agenticstar::Provider::agenticstar(&auth_url)?)))
    }
    /// AGENTIC STAR Marketplace (JSON token endpoint under `base_url`).
    #[uniffi::constructor]
    pub fn marketplace(base_url: String) -> Result<Arc<Self>> {
        Ok(Arc::new(Self(agenticstar::Provider::marketplace(&base_url)?)))
    }
    /// Eggplant DAI (Keycloak realm).
    #[uniffi::constructor]
    pub fn keycloak(base_url: String, realm: String) -> Result<Arc<Self>> {
        Ok(Arc::new(Self(agenticstar::Provider::keycloak(&base_url, &realm)?)))
    }
    /// The wrapped token API (`POST {api_url}/auth/token`).
    #[uniffi::constructor]
    pub fn wrapped(api_url: String) -> Result<Arc<Self>> {
        Ok(Arc::new(Self(agenticstar::Provider::wrapped(&api_url)?)))
    }
    /// Any OIDC server, found by discovery under `issuer`.
    #[uniffi::constructor]
    pub fn oidc(issuer: String) -> Result<Arc<Self>> {
        Ok(Arc::new(Self(agenticstar::Provider::oidc(&issuer)?)))
    }
    /// Any OAuth 2.0 server with its endpoints given directly.
    #[uniffi::constructor(default(authorize_url = None))]
    pub fn oauth(token_url: String, authorize_url: Option<String>) -> Result<Arc<Self>> {
        Ok(Arc::new(Self(agenticstar::Provider::oauth(&token_url, authorize_url.as_deref())?)))
    }
    /// By name, as in configuration files: agenticstar, marketplace, keycloak, wrapped, oidc, oauth.
    #[uniffi::constructor(default(realm = None))]
    pub fn from_name(name: String, url: String, realm: Option<String>) -> Result<Arc<Self>> {
        Ok(Arc::new(Self(agenticstar::Provider::from_name(&name, &url, realm.as_deref())?)))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum ClientAuthMethod {
    /// id and secret in the form body (the vendor default).
    ClientSecretPost,
    /// HTTP Basic.
    ClientSecretBasic,
}

/// The application's registration. The secret never leaves this object.
#[derive(uniffi::Object)]
#[uniffi::export(Debug)]
pub struct Credentials(pub(crate) agenticstar::Credentials);

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f) // the core's Debug shows the secret as ***
    }
}

#[uniffi::export]
impl Credentials {
    /// `scope`: space-separated scopes to request with client credentials.
    #[uniffi::constructor(default(scope = None, auth_method = None))]
    pub fn new(
        client_id: String,
        client_secret: String,
        scope: Option<String>,
        auth_method: Option<ClientAuthMethod>,
    ) -> Arc<Self> {
        let mut c = agenticstar::Credentials::new(client_id, client_secret);
        c.scope = scope;
        if auth_method == Some(ClientAuthMethod::ClientSecretBasic) {
            c.auth_method = agenticstar::ClientAuthMethod::ClientSecretBasic;
        }
        Arc::new(Self(c))
    }
    pub fn client_id(&self) -> String {
        self.0.client_id.clone()
    }
}

/// How the client gets tokens when it has no usable refresh token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, uniffi::Enum)]
#[serde(rename_all = "snake_case")]
pub enum AuthFlow {
    /// Server-to-server: the client's own credentials (the default).
    ClientCredentials,
    /// A user signs in (Authorization Code + PKCE); without a refresh token they sign in again.
    AuthorizationCode,
}

/// Everything optional about a client: the core's `ClientOptions` (same names, durations in
/// seconds). Null means the core's default; the core validates every value.
#[derive(Clone, Debug, Default, serde::Serialize, uniffi::Record)]
#[serde(rename_all = "camelCase")]
pub struct ClientOptions {
    /// Base URL of the agent API (`https://api.agenticstar.jp`). Marketplace and wrapped know theirs.
    #[uniffi(default = None)]
    pub api_url: Option<String>,
    /// Client credentials (the default) or a signed-in user.
    #[uniffi(default = None)]
    pub flow: Option<AuthFlow>,
    /// Key of this session in the token store (default: derived from provider, client and flow).
    #[uniffi(default = None)]
    pub store_key: Option<String>,
    /// A store the core opens: a file path (`file:PATH`) or a `redis://` URL. A store object is
    /// the constructor's `tokenStore` argument instead.
    #[uniffi(default = None)]
    pub token_store: Option<String>,
    /// Make a failed token store save an error for the caller (default: reported, not thrown).
    #[uniffi(default = None)]
    pub strict_store: Option<bool>,
    /// Seconds: renew tokens this long before they expire.
    #[uniffi(default = None)]
    pub refresh_window: Option<f64>,
    /// Seconds: the hard edge before expiry where callers wait for the renewal.
    #[uniffi(default = None)]
    pub expiry_skew: Option<f64>,
    /// Refuse calls the token's scopes do not cover (default: on for AGENTIC STAR SaaS only).
    #[uniffi(default = None)]
    pub enforce_scopes: Option<bool>,
    /// Seconds: TCP + TLS connect limit.
    #[uniffi(default = None)]
    pub connect_timeout: Option<f64>,
    /// Seconds: limit for token and non-streamed requests.
    #[uniffi(default = None)]
    pub timeout: Option<f64>,
    /// Seconds: longest silence allowed inside a stream.
    #[uniffi(default = None)]
    pub stream_idle_timeout: Option<f64>,
    /// Seconds: limit on a whole stream (default: none).
    #[uniffi(default = None)]
    pub stream_timeout: Option<f64>,
    /// Retries of transient failures (5xx, 429, network); 0 disables them.
    #[uniffi(default = None)]
    pub max_retries: Option<i32>,
    /// Seconds: the first back-off pause (doubling, equal jitter: each pause is 50–100% of its step).
    #[uniffi(default = None)]
    pub initial_backoff: Option<f64>,
    /// Seconds: the longest back-off pause.
    #[uniffi(default = None)]
    pub max_backoff: Option<f64>,
    /// Seconds: a longer Retry-After is not waited out; the error carries it.
    #[uniffi(default = None)]
    pub max_retry_after: Option<f64>,
    /// Bytes: the longest SSE line accepted.
    #[uniffi(default = None)]
    pub max_line_bytes: Option<u64>,
    /// Bytes: the largest SSE event accepted.
    #[uniffi(default = None)]
    pub max_event_bytes: Option<u64>,
    /// Seconds: clock skew allowed on id_token times.
    #[uniffi(default = None)]
    pub id_token_leeway: Option<f64>,
    /// Keep the streamed reply's text for `completion()` (off: constant memory).
    #[uniffi(default = None)]
    pub accumulate: Option<bool>,
    /// Bytes: the most reply text a stream keeps while accumulating.
    #[uniffi(default = None)]
    pub max_reply_bytes: Option<u64>,
    /// User-Agent header (default `agenticstar-mobile/<version>`).
    #[uniffi(default = None)]
    pub user_agent: Option<String>,
    /// Explicit proxy URL; otherwise HTTP(S)_PROXY apply.
    #[uniffi(default = None)]
    pub proxy: Option<String>,
    /// Extra trusted root certificates, PEM.
    #[uniffi(default = [])]
    pub ca_certs: Vec<String>,
    /// Allow plain http to non-loopback hosts (closed test networks only).
    #[uniffi(default = None)]
    pub allow_insecure_http: Option<bool>,
    /// The header naming the server's request id, tried before `x-request-id` and `request-id`.
    #[uniffi(default = None)]
    pub request_id_header: Option<String>,
}

/// Options of one call over the client's defaults (`Client.withOptions` makes them a client's
/// defaults): the core's `RequestOptions`, same names, `timeout` in seconds. Null means the
/// client's value; the core validates every value.
#[derive(Clone, Debug, Default, serde::Serialize, uniffi::Record)]
#[serde(rename_all = "camelCase")]
pub struct RequestOptions {
    /// Seconds for this call (non-streamed: the whole answer; a stream: its response headers).
    #[uniffi(default = None)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<f64>,
    /// Retries of this call on 5xx, 429 and connection failures (0: one attempt).
    #[uniffi(default = None)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_retries: Option<i32>,
    /// Extra headers (`Authorization` is the client's own).
    #[uniffi(default = None)]
    pub extra_headers: Option<HashMap<String, String>>,
    /// Extra query parameters.
    #[uniffi(default = None)]
    pub extra_query: Option<HashMap<String, String>>,
    /// Fields merged into the JSON body's top level, as a JSON object text.
    #[uniffi(default = None)]
    #[serde(skip)]
    pub extra_body_json: Option<String>,
}

impl RequestOptions {
    /// The core's options. A NaN timeout serializes as null, which the core refuses.
    pub(crate) fn to_core(o: Option<Self>) -> agenticstar::Result<agenticstar::RequestOptions> {
        let Some(o) = o else { return Ok(Default::default()) };
        let mut v =
            serde_json::to_value(&o).map_err(|e| agenticstar::Error::new(ErrorKind::Internal, e.to_string()))?;
        if let Some(b) = &o.extra_body_json {
            v["extraBody"] = serde_json::from_str(b)
                .map_err(|e| agenticstar::Error::new(ErrorKind::Config, format!("extraBodyJson is not JSON: {e}")))?;
        }
        agenticstar::RequestOptions::from_json(v)
    }
}

/// Status, headers and request id of an answer (`ChatCompletion.response`, `ChatStream.response()`,
/// `RawResponse.response`, and the same fields on errors).
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct ResponseMeta {
    pub status: i32,
    /// Names lower-case (a repeated header's values joined with ", "); secret values are "***".
    pub headers: HashMap<String, String>,
    /// The server's id for this request (quote it to support).
    pub request_id: Option<String>,
}

impl From<&agenticstar::ResponseMeta> for ResponseMeta {
    fn from(m: &agenticstar::ResponseMeta) -> Self {
        ResponseMeta {
            status: m.status.into(),
            headers: m.header_map().into_iter().collect(),
            request_id: m.request_id.clone(),
        }
    }
}

impl ClientOptions {
    /// The core's options: this record's JSON (nulls left out, so the core's defaults apply).
    pub(crate) fn to_core(&self) -> Result<agenticstar::ClientOptions> {
        let mut v =
            serde_json::to_value(self).map_err(|e| AgenticStarError::new(ErrorKind::Internal, e.to_string()))?;
        if let serde_json::Value::Object(m) = &mut v {
            m.retain(|_, x| !x.is_null());
        }
        Ok(agenticstar::ClientOptions::from_json(v)?)
    }
}

// ---------- tokens and sign-in ----------

/// An access token. Opaque so that logging it never prints the secret.
#[derive(uniffi::Object)]
#[uniffi::export(Debug)]
pub struct Token(pub(crate) agenticstar::Token);

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f) // redacted by the core
    }
}

#[uniffi::export]
impl Token {
    /// The bearer value. Keep it out of logs.
    pub fn access_token(&self) -> String {
        self.0.access_token().expose().to_owned()
    }
    pub fn token_type(&self) -> String {
        self.0.token_type().to_owned()
    }
    /// Granted scopes (empty when the server did not say).
    pub fn scopes(&self) -> Vec<String> {
        self.0.scopes().map(|s| s.as_slice().to_vec()).unwrap_or_default()
    }
    /// Seconds left before expiry; null when the server gave no lifetime.
    pub fn expires_in(&self) -> Option<f64> {
        self.0.expires_in().map(|d| d.as_secs_f64())
    }
    /// Expiry as Unix seconds.
    pub fn expires_at(&self) -> Option<i64> {
        self.0.expires_at_unix().map(|t| t as i64)
    }
    /// Whether the granted scopes allow `scope`, directly or through an including one
    /// (`chat:all` covers `chat:exec`).
    pub fn has_scope(&self, scope: String) -> bool {
        self.0.has_scope(&scope)
    }
    pub fn has_refresh_token(&self) -> bool {
        self.0.refresh_token().is_some()
    }
    pub fn id_token(&self) -> Option<String> {
        self.0.id_token().map(|s| s.expose().to_owned())
    }
    pub fn is_expired(&self) -> bool {
        self.0.is_expired()
    }
}

/// A started sign-in: open `url()` in the browser (ASWebAuthenticationSession, Custom Tabs), keep
/// this object (or `toJson()` in secure storage if the app may be killed) until the callback.
#[derive(uniffi::Object)]
#[uniffi::export(Debug)]
pub struct AuthorizationRequest(pub(crate) agenticstar::authcode::AuthorizationRequest);

impl std::fmt::Debug for AuthorizationRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f) // no state, nonce or verifier
    }
}

#[uniffi::export]
impl AuthorizationRequest {
    /// Restore a request saved with `toJson()`.
    #[uniffi::constructor]
    pub fn from_json(json: String) -> Result<Arc<Self>> {
        serde_json::from_str(&json)
            .map(|r| Arc::new(Self(r)))
            .map_err(|e| AgenticStarError::new(ErrorKind::Config, format!("not a saved authorization request: {e}")))
    }
    pub fn url(&self) -> String {
        self.0.url.clone()
    }
    pub fn redirect_uri(&self) -> String {
        self.0.redirect_uri.clone()
    }
    /// Everything needed to finish the sign-in later. It holds the PKCE verifier: store it securely.
    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.0).unwrap_or_default()
    }
}

/// Claims of the validated id_token.
#[derive(Clone, Debug, uniffi::Record)]
pub struct IdClaims {
    pub issuer: String,
    pub subject: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub expires_at: i64,
    /// Every other claim, as a JSON object.
    pub extra_json: String,
}

/// The outcome of a completed sign-in.
#[derive(uniffi::Record)]
pub struct SignIn {
    pub token: Arc<Token>,
    /// Null when the provider issued no id_token.
    pub claims: Option<IdClaims>,
}

impl From<agenticstar::SignIn> for SignIn {
    fn from(s: agenticstar::SignIn) -> Self {
        SignIn {
            token: Arc::new(Token(s.token)),
            claims: s.id_claims.map(|c| IdClaims {
                issuer: c.iss,
                subject: c.sub,
                name: c.name,
                email: c.email,
                expires_at: c.exp as i64,
                extra_json: serde_json::to_string(&c.extra).unwrap_or_else(|_| "{}".into()),
            }),
        }
    }
}

// ---------- chat ----------

// The request model mirrors core's `chat::Message` field for field; the `From`s below are
// mechanical, every rule (e.g. a tool message needs `tool_call_id`) is the core's.

// The core's `chat::Role` itself, as a uniffi remote type: uniffi needs its variants spelled out,
// so they come from the core's own list (and the compiler checks them against the core's enum).
pub type Role = chat::Role;

macro_rules! remote_role {
    ($($(#[$doc:meta])* $v:ident,)*) => {
        /// Who speaks a message (`tool`: the result of a tool call; it needs `toolCallId`).
        #[uniffi::remote(Enum)]
        pub enum Role {
            $($(#[$doc])* $v,)*
        }
    };
}
agenticstar::for_each_role!(remote_role);

/// A message's content: a plain string, or typed parts.
#[derive(Clone, Debug, PartialEq, uniffi::Enum)]
pub enum Content {
    Text { text: String },
    Parts { parts: Vec<ContentPart> },
}

/// One part of an array content.
#[derive(Clone, Debug, PartialEq, uniffi::Enum)]
pub enum ContentPart {
    Text {
        text: String,
    },
    /// `detail`: `auto`, `low` or `high`.
    ImageUrl {
        url: String,
        detail: Option<String>,
    },
    InputAudio {
        data: String,
        format: String,
    },
    Refusal {
        refusal: String,
    },
}

/// A tool call an assistant made; `arguments` is JSON text.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct ToolCall {
    pub id: String,
    pub name: String,
    pub arguments: String,
}

/// One chat message (the wire's `role`, `content`, `name`, `tool_calls`, `tool_call_id`).
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct Message {
    pub role: Role,
    /// Required except on an assistant message with `tool_calls`.
    pub content: Option<Content>,
    #[uniffi(default = None)]
    pub name: Option<String>,
    #[uniffi(default = None)]
    pub tool_calls: Option<Vec<ToolCall>>,
    #[uniffi(default = None)]
    pub tool_call_id: Option<String>,
}

impl From<ContentPart> for chat::ContentPart {
    fn from(p: ContentPart) -> Self {
        match p {
            ContentPart::Text { text } => chat::ContentPart::Text { text },
            ContentPart::ImageUrl { url, detail } => {
                chat::ContentPart::ImageUrl { image_url: chat::ImageUrl { url, detail } }
            }
            ContentPart::InputAudio { data, format } => {
                chat::ContentPart::InputAudio { input_audio: chat::InputAudio { data, format } }
            }
            ContentPart::Refusal { refusal } => chat::ContentPart::Refusal { refusal },
        }
    }
}

impl From<Message> for chat::Message {
    fn from(m: Message) -> Self {
        chat::Message {
            role: m.role,
            content: m.content.map(|c| match c {
                Content::Text { text } => chat::Content::Text(text),
                Content::Parts { parts } => chat::Content::Parts(parts.into_iter().map(Into::into).collect()),
            }),
            name: m.name,
            tool_calls: m
                .tool_calls
                .map(|v| v.into_iter().map(|t| chat::ToolCall::function(t.id, t.name, t.arguments)).collect()),
            tool_call_id: m.tool_call_id,
            extra: Default::default(),
        }
    }
}

#[derive(Clone, Debug, uniffi::Record)]
pub struct ChatRequest {
    pub messages: Vec<Message>,
    /// Null: the service's default model ("AGENTIC STAR").
    #[uniffi(default = None)]
    pub model: Option<String>,
    /// Further request fields as a JSON object (`{"tools": [...]}`), sent as given; a typed field
    /// below wins over the same key here.
    #[uniffi(default = None)]
    pub extra_json: Option<String>,
    /// Sampling temperature (wire `temperature`).
    #[uniffi(default = None)]
    pub temperature: Option<f64>,
    /// Nucleus sampling (wire `top_p`).
    #[uniffi(default = None)]
    pub top_p: Option<f64>,
    /// The most tokens to generate (wire `max_tokens`).
    #[uniffi(default = None)]
    pub max_tokens: Option<u32>,
    /// Sequences where the reply stops (wire `stop`).
    #[uniffi(default = None)]
    pub stop: Option<Vec<String>>,
    /// Deterministic sampling seed (wire `seed`).
    #[uniffi(default = None)]
    pub seed: Option<i64>,
    /// Wire `presence_penalty`.
    #[uniffi(default = None)]
    pub presence_penalty: Option<f64>,
    /// Wire `frequency_penalty`.
    #[uniffi(default = None)]
    pub frequency_penalty: Option<f64>,
    /// An end-user id for abuse monitoring (wire `user`).
    #[uniffi(default = None)]
    pub user: Option<String>,
}

impl ChatRequest {
    pub(crate) fn to_core(&self) -> Result<chat::ChatRequest> {
        let mut r = chat::ChatRequest::new(self.messages.iter().cloned().map(Into::into).collect());
        r.model = self.model.clone();
        if let Some(extra) = &self.extra_json {
            match serde_json::from_str::<serde_json::Value>(extra) {
                Ok(serde_json::Value::Object(m)) => r.extra = m,
                _ => return Err(AgenticStarError::new(ErrorKind::Config, "extra_json must be a JSON object")),
            }
        }
        // The record's typed fields under their wire names (the core sends extra fields as given).
        let typed = [
            ("temperature", self.temperature.map(serde_json::Value::from)),
            ("top_p", self.top_p.map(serde_json::Value::from)),
            ("max_tokens", self.max_tokens.map(serde_json::Value::from)),
            ("stop", self.stop.clone().map(serde_json::Value::from)),
            ("seed", self.seed.map(serde_json::Value::from)),
            ("presence_penalty", self.presence_penalty.map(serde_json::Value::from)),
            ("frequency_penalty", self.frequency_penalty.map(serde_json::Value::from)),
            ("user", self.user.clone().map(serde_json::Value::from)),
        ];
        for (k, v) in typed {
            if let Some(v) = v {
                r.extra.insert(k.into(), v);
            }
        }
        Ok(r)
    }
}

#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct Usage {
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
    pub total_tokens: i64,
}

impl From<chat::Usage> for Usage {
    fn from(u: chat::Usage) -> Self {
        Usage {
            prompt_tokens: u.prompt_tokens as i64,
            completion_tokens: u.completion_tokens as i64,
            total_tokens: u.total_tokens as i64,
        }
    }
}

#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct ToolCallDelta {
    pub index: i32,
    pub id: Option<String>,
    pub function_name: Option<String>,
    /// A piece of the arguments' JSON text.
    pub function_arguments: Option<String>,
}

#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct ChoiceDelta {
    pub index: i32,
    pub role: Option<String>,
    pub content: Option<String>,
    pub tool_calls: Vec<ToolCallDelta>,
    pub finish_reason: Option<String>,
}

/// One piece of a streamed reply. `text` is the first choice's new text ("" when none).
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct ChatChunk {
    pub text: String,
    pub finish_reason: Option<String>,
    pub id: Option<String>,
    pub model: Option<String>,
    pub created: Option<i64>,
    pub choices: Vec<ChoiceDelta>,
    /// Only on the last chunk, when the request asked for usage.
    pub usage: Option<Usage>,
}

impl From<chat::ChatChunk> for ChatChunk {
    fn from(c: chat::ChatChunk) -> Self {
        ChatChunk {
            text: c.text().to_owned(),
            finish_reason: c.finish_reason().map(str::to_owned),
            id: c.id,
            model: c.model,
            created: c.created,
            choices: c
                .choices
                .into_iter()
                .map(|ch| ChoiceDelta {
                    index: ch.index as i32,
                    role: ch.delta.role,
                    content: ch.delta.content,
                    tool_calls: ch
                        .delta
                        .tool_calls
                        .unwrap_or_default()
                        .into_iter()
                        .map(|t| ToolCallDelta {
                            index: t.index as i32,
                            id: t.id,
                            function_name: t.function.as_ref().and_then(|f| f.name.clone()),
                            function_arguments: t.function.and_then(|f| f.arguments),
                        })
                        .collect(),
                    finish_reason: ch.finish_reason,
                })
                .collect(),
            usage: c.usage.map(Into::into),
        }
    }
}

#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct CompletionChoice {
    pub index: i32,
    pub role: String,
    pub content: Option<String>,
    /// Tool calls as JSON, when the model made some.
    pub tool_calls_json: Option<String>,
    pub finish_reason: Option<String>,
}

/// A whole reply. `text` is the first choice's content.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct ChatCompletion {
    pub text: String,
    pub finish_reason: Option<String>,
    pub id: Option<String>,
    pub model: Option<String>,
    pub created: Option<i64>,
    pub choices: Vec<CompletionChoice>,
    pub usage: Option<Usage>,
    /// Status, headers and request id of the answer (null for a stream's accumulation before
    /// its answer arrived).
    pub response: Option<ResponseMeta>,
}

impl From<chat::ChatCompletion> for ChatCompletion {
    fn from(c: chat::ChatCompletion) -> Self {
        ChatCompletion {
            response: c.response.as_ref().map(Into::into),
            text: c.text().to_owned(),
            finish_reason: c.finish_reason().map(str::to_owned),
            id: c.id,
            model: c.model,
            created: c.created,
            choices: c
                .choices
                .into_iter()
                .map(|ch| CompletionChoice {
                    index: ch.index as i32,
                    role: ch.message.role,
                    content: ch.message.content,
                    tool_calls_json: ch.message.tool_calls.map(|v| v.to_string()),
                    finish_reason: ch.finish_reason,
                })
                .collect(),
            usage: c.usage.map(Into::into),
        }
    }
}

/// The answer to `Client.request`.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct RawResponse {
    pub status: i32,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
    /// Status, headers and request id.
    pub response: ResponseMeta,
}
