use std::sync::Arc;
use std::time::Duration;

use reqwest::header;
use serde_json::Value;
use url::Url;

use crate::authcode::{self, AuthorizationRequest, AuthorizeOptions};
use crate::chat::{ChatCompletion, ChatRequest, ChatStream, spawn_stream};
use crate::error::{Error, ErrorKind, Result};
use crate::http::{HttpConfig, RetryPolicy, check_redirect, display_url, parse_retry_after, read_body, with_retries};
use crate::oidc::{IdClaims, IdTokenCheck, validate_id_token};
use crate::provider::{ClientAuthMethod, Credentials, Provider, TokenResponse, classify_error};
use crate::request_options::{CallSettings, RequestOptions};
use crate::response::ResponseMeta;
use crate::secret::Secret;
use crate::token::{
    AuthFlow, AuthServer, Grant, ManagerConfig, MemoryStore, StoreErrorListener, Token, TokenListener, TokenManager,
    TokenStore,
};
use sha2::Digest;

/// The SDK's entry point: tokens, chat and raw API calls over one connection pool.
/// Cheap to clone; clones share tokens and connections.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<ClientInner>,
}

#[derive(Clone)]
pub(crate) struct ClientInner {
    pub runtime: Option<tokio::runtime::Handle>,
    pub http: reqwest::Client,
    pub http_config: HttpConfig,
    pub retry: RetryPolicy,
    pub api_url: Option<Url>,
    pub tokens: TokenManager,
    pub enforce_scopes: bool,
    pub max_line_bytes: usize,
    pub max_event_bytes: usize,
    pub id_token_leeway: Duration,
    pub accumulate: bool,
    pub max_reply_bytes: usize,
    /// What a call without options gets: the client's timeout and retries, and the extra
    /// headers, query and body fields of [`Client::with_options`].
    pub call_defaults: CallSettings,
    /// Tried before `x-request-id` / `request-id` for a response's request id.
    pub request_id_header: Option<String>,
}

/// The outcome of a completed sign-in.
#[derive(Clone, Debug)]
pub struct SignIn {
    /// The tokens the sign-in obtained (already saved to the store).
    pub token: Token,
    /// The validated id_token's claims, when one was issued.
    pub id_claims: Option<IdClaims>,
}

/// An answer to [`Client::request`].
#[derive(Clone, Debug)]
pub struct RawResponse {
    /// HTTP status code.
    pub status: u16,
    /// The `Content-Type` header, if sent.
    pub content_type: Option<String>,
    /// The body, read in full (at most 64 MiB).
    pub body: Vec<u8>,
    /// Status, headers and request id.
    pub response: ResponseMeta,
}

impl RawResponse {
    /// The server's request id (quote it to support).
    pub fn request_id(&self) -> Option<&str> {
        self.response.request_id.as_deref()
    }
    /// The first value of header `name` (any case; secret values are `***`).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.response.header(name)
    }
    /// The body parsed as JSON, or `unexpected_response`.
    pub fn json(&self) -> Result<Value> {
        serde_json::from_slice(&self.body).map_err(|e| {
            Error::new(ErrorKind::UnexpectedResponse, format!("response is not JSON: {e}"))
                .with_status(self.status)
                .with_excerpt(&self.body)
        })
    }
    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Builds a [`Client`]. Only the provider and credentials are required.
pub struct ClientBuilder {
    provider: Option<Provider>,
    credentials: Option<Credentials>,
    api_url: Option<Url>,
    http: HttpConfig,
    retry: RetryPolicy,
    refresh_window: Duration,
    flow: AuthFlow,
    store: Option<Arc<dyn TokenStore>>,
    store_key: Option<String>,
    listener: Option<Arc<dyn TokenListener>>,
    store_errors: Option<Arc<dyn StoreErrorListener>>,
    strict_store: bool,
    expiry_skew: Duration,
    enforce_scopes: Option<bool>,
    runtime: Option<tokio::runtime::Handle>,
    max_line_bytes: usize,
    max_event_bytes: usize,
    id_token_leeway: Duration,
    accumulate: bool,
    max_reply_bytes: usize,
    request_id_header: Option<String>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            provider: None,
            credentials: None,
            api_url: None,
            http: HttpConfig::default(),
            retry: RetryPolicy::default(),
            refresh_window: crate::options::DEFAULT_REFRESH_WINDOW,
            flow: AuthFlow::default(),
            store: None,
            store_key: None,
            listener: None,
            store_errors: None,
            strict_store: false,
            expiry_skew: crate::options::DEFAULT_EXPIRY_SKEW,
            enforce_scopes: None,
            runtime: None,
            max_line_bytes: crate::sse::DEFAULT_MAX_LINE,
            max_event_bytes: crate::sse::DEFAULT_MAX_EVENT,
            id_token_leeway: crate::options::DEFAULT_ID_TOKEN_LEEWAY,
            accumulate: true,
            max_reply_bytes: crate::chat::DEFAULT_MAX_REPLY_BYTES,
            request_id_header: None,
        }
    }
}

impl ClientBuilder {
    /// Every plain setting, for the test that proves `ClientOptions` defaults agree with these.
    #[cfg(test)]
    pub(crate) fn defaults_view(&self) -> String {
        format!(
            "{:?} {:?} {:?} {:?} {:?} {:?} {} {} {:?} {:?} {} {} {}",
            self.http,
            self.retry,
            self.refresh_window,
            self.flow,
            self.store_key,
            self.enforce_scopes,
            self.max_line_bytes,
            self.max_event_bytes,
            self.id_token_leeway,
            self.expiry_skew,
            self.strict_store,
            self.accumulate,
            self.max_reply_bytes,
        )
    }
}

impl ClientBuilder {
    /// The token service to use (required).
    pub fn provider(mut self, p: Provider) -> Self {
        self.provider = Some(p);
        self
    }
    /// The application's client id and secret (required).
    pub fn credentials(mut self, c: Credentials) -> Self {
        self.credentials = Some(c);
        self
    }
    /// Base URL of the agent API (`https://api.agenticstar.jp`); paths like `/v1/chat/completions` go under it.
    pub fn api_url(mut self, url: &str) -> Result<Self> {
        self.api_url = Some(Url::parse(url).map_err(|e| Error::config(format!("api_url is not a URL: {e}")))?);
        Ok(self)
    }
    /// Timeouts, proxy, extra root certificates and the plain-http switch for every request.
    pub fn http_config(mut self, c: HttpConfig) -> Self {
        self.http = c;
        self
    }
    /// How token requests are retried (5xx, 429, connection failures).
    pub fn retry_policy(mut self, r: RetryPolicy) -> Self {
        self.retry = r;
        self
    }
    /// Renew tokens this long before expiry (default 5 minutes; never more than half a token's life).
    pub fn refresh_window(mut self, d: Duration) -> Self {
        self.refresh_window = d;
        self
    }
    /// How new tokens are obtained when there is no usable refresh token (default client credentials).
    pub fn flow(mut self, f: AuthFlow) -> Self {
        self.flow = f;
        self
    }
    /// Where tokens persist between runs (default: in memory only).
    pub fn token_store(mut self, s: Arc<dyn TokenStore>) -> Self {
        self.store = Some(s);
        self
    }
    /// The key tokens are saved under (default: endpoint, client id, flow and a digest of the secret).
    pub fn store_key(mut self, k: impl Into<String>) -> Self {
        self.store_key = Some(k.into());
        self
    }
    /// Told of every new token after it was saved.
    pub fn on_token(mut self, l: Arc<dyn TokenListener>) -> Self {
        self.listener = Some(l);
        self
    }
    /// The store a `tokenStore` spec names (see [`crate::token::open_store`]), with its `strict`.
    pub fn token_store_spec(mut self, spec: &serde_json::Value) -> Result<Self> {
        let opened = crate::token::open_store(spec)?;
        self.store = Some(opened.store);
        self.strict_store |= opened.strict;
        Ok(self)
    }
    /// Told of every failed token store operation (also streamed by `tokens().store_errors()`).
    pub fn on_store_error(mut self, l: Arc<dyn StoreErrorListener>) -> Self {
        self.store_errors = Some(l);
        self
    }
    /// Make a failed save an error for the caller (default: logged and reported, the token is used).
    pub fn strict_store(mut self, on: bool) -> Self {
        self.strict_store = on;
        self
    }
    /// The hard edge: this long before expiry (default 10 s, at most a tenth of the lifetime)
    /// callers stop being served the cached token and wait for the renewal.
    pub fn expiry_skew(mut self, d: Duration) -> Self {
        self.expiry_skew = d;
        self
    }
    /// Refuse calls the token's scopes do not cover (default: on for AGENTIC STAR SaaS only).
    pub fn enforce_scopes(mut self, on: bool) -> Self {
        self.enforce_scopes = Some(on);
        self
    }
    /// Run background work (token renewals, stream readers) on this runtime instead of the caller's.
    pub fn runtime(mut self, h: tokio::runtime::Handle) -> Self {
        self.runtime = Some(h);
        self
    }
    /// Limits on one SSE line and one event's data (memory stays bounded on hostile streams).
    pub fn stream_limits(mut self, max_line_bytes: usize, max_event_bytes: usize) -> Self {
        self.max_line_bytes = max_line_bytes;
        self.max_event_bytes = max_event_bytes;
        self
    }
    /// Clock skew allowed when checking an ID token's `exp`, `iat` and `nbf` (default 60 s).
    pub fn id_token_leeway(mut self, d: Duration) -> Self {
        self.id_token_leeway = d;
        self
    }
    /// Whether streams keep the reply's text for `text()` / `completion()` (default on). Off, a
    /// reply of any length streams in constant memory.
    pub fn accumulate(mut self, on: bool) -> Self {
        self.accumulate = on;
        self
    }
    /// The most reply text a stream keeps while accumulating (default 64 MiB); beyond it the
    /// stream fails with `stream_too_large`.
    pub fn max_reply_bytes(mut self, n: usize) -> Self {
        self.max_reply_bytes = n;
        self
    }

    /// The header naming the server's request id, tried before `x-request-id` and `request-id`.
    pub fn request_id_header(mut self, name: impl Into<String>) -> Result<Self> {
        let name = name.into().to_ascii_lowercase();
        reqwest::header::HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| Error::config(format!("requestIdHeader: {name:?} is not a header name")))?;
        self.request_id_header = Some(name);
        Ok(self)
    }

    /// Check the settings and build the client; a config error names what is wrong.
    pub fn build(self) -> Result<Client> {
        let provider = self.provider.ok_or_else(|| Error::config("a provider is required"))?;
        let creds = self.credentials.ok_or_else(|| Error::config("credentials are required"))?;
        if creds.client_id.is_empty() {
            return Err(Error::config("client_id is empty"));
        }
        // A method that sends a secret needs one; say so now rather than at the first token request.
        match creds.auth_method {
            ClientAuthMethod::None => {}
            m => {
                creds.secret_for(m.as_str())?;
            }
        }
        if matches!(provider.dialect(), crate::provider::Dialect::Marketplace | crate::provider::Dialect::Wrapped) {
            creds.secret_for(&format!("the {} token service", provider.dialect().as_str()))?;
        }
        let http = self.http.build()?;
        // Check the fixed endpoints now so a misconfiguration fails at build, not at first use.
        if let Some(e) = provider.static_endpoints() {
            self.http.check_url(&e.token_url, "token endpoint")?;
        }
        if let Some(u) = provider.discovery_url() {
            self.http.check_url(&u, "discovery URL")?;
        }
        let api_url = self.api_url.or_else(|| default_api_url(&provider));
        if let Some(u) = &api_url {
            self.http.check_url(u, "api_url")?;
        }
        let location = provider
            .static_endpoints()
            .map(|e| e.token_url.to_string())
            .or_else(|| provider.discovery_url().map(|u| u.to_string()))
            .unwrap_or_default();
        let store_key = self.store_key.unwrap_or_else(|| {
            let flow = match self.flow {
                AuthFlow::ClientCredentials => "client",
                AuthFlow::AuthorizationCode => "user",
            };
            // A digest of the secret (never the secret): a changed secret must not reuse tokens
            // that the old one obtained.
            let secret = match &creds.client_secret {
                Some(s) => {
                    let d =
                        sha2::Sha256::digest([b"agenticstar store key\0".as_slice(), s.expose().as_bytes()].concat());
                    d[..8].iter().map(|b| format!("{b:02x}")).collect::<String>()
                }
                None => "public".to_owned(),
            };
            format!("{location}#{}#{flow}#{secret}", creds.client_id)
        });
        let enforce_scopes = self.enforce_scopes.unwrap_or_else(|| provider.enforces_scopes());
        let server = AuthServer::new(provider, creds, http.clone(), self.http.clone(), self.retry.clone());
        let store = self.store.unwrap_or_else(|| Arc::new(MemoryStore::default()));
        let tokens = TokenManager::new(ManagerConfig {
            server,
            flow: self.flow,
            window: self.refresh_window,
            skew: self.expiry_skew,
            store,
            store_key,
            listener: self.listener,
            store_errors: self.store_errors,
            strict_store: self.strict_store,
            runtime: self.runtime.clone(),
        });
        let call_defaults =
            CallSettings { timeout: self.http.request_timeout, retry: self.retry.clone(), ..Default::default() };
        Ok(Client {
            inner: Arc::new(ClientInner {
                call_defaults,
                request_id_header: self.request_id_header,
                runtime: self.runtime,
                http,
                http_config: self.http,
                retry: self.retry,
                api_url,
                tokens,
                enforce_scopes,
                max_line_bytes: self.max_line_bytes,
                max_event_bytes: self.max_event_bytes,
                id_token_leeway: self.id_token_leeway,
                accumulate: self.accumulate,
                max_reply_bytes: self.max_reply_bytes,
            }),
        })
    }
}

/// Where the agent API lives when it shares the token service's host.
fn default_api_url(p: &Provider) -> Option<Url> {
    match p {
        Provider::Marketplace { base_url } => Some(base_url.clone()),
        Provider::Wrapped { api_url } => {
            let mut u = api_url.clone();
            let path = u.path().trim_end_matches('/').trim_end_matches("/v1").to_owned();
            u.set_path(&path);
            Some(u)
        }
        _ => None,
    }
}

/// An error answer from the agent API (not the token endpoint): 401 means the bearer token.
pub(crate) fn api_error(status: u16, json: Option<&Value>, body: &[u8], retry_after: Option<Duration>) -> Error {
    let e = classify_error(status, json, body).with_retry_after(retry_after);
    let kind = match status {
        401 => ErrorKind::Authentication,
        403 if e.code() == Some("insufficient_scope") => ErrorKind::InsufficientScope,
        403 => ErrorKind::Forbidden,
        429 => ErrorKind::RateLimited,
        500..=599 => ErrorKind::ServerError,
        _ => ErrorKind::Api,
    };
    e.with_kind(kind)
}

impl Client {
    /// Start building a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The runtime background work runs on (`None`: the caller's).
    pub(crate) fn runtime(&self) -> Option<tokio::runtime::Handle> {
        self.inner.runtime.clone()
    }

    /// The token manager behind this client (renewals, sign-in state, store events).
    pub fn tokens(&self) -> &TokenManager {
        &self.inner.tokens
    }

    /// The runtime background work runs on, when one was configured.
    pub(crate) fn runtime_handle(&self) -> Option<tokio::runtime::Handle> {
        self.inner.runtime.clone()
    }

    pub(crate) fn inner(&self) -> &Arc<ClientInner> {
        &self.inner
    }

    /// A valid access token (cached while fresh; renewed once for all concurrent callers).
    pub async fn get_token(&self) -> Result<Token> {
        self.inner.tokens.get_token().await
    }

    /// Start the Authorization Code flow: the URL to open, plus the state/nonce/PKCE to keep.
    pub async fn authorize_url(&self, opts: &AuthorizeOptions) -> Result<AuthorizationRequest> {
        let server = self.inner.tokens.server();
        let endpoints = server.endpoints().await?;
        let url =
            endpoints.authorize_url.ok_or_else(|| Error::config("this provider has no authorization endpoint"))?;
        self.inner.http_config.check_url(&url, "authorization endpoint")?;
        // The issuer the callback must name (RFC 9207); only OIDC-only providers need discovery here.
        let issuer = match server.provider.discovery_url() {
            None => authcode::IssuerInfo::default(),
            Some(_) => match server.metadata().await {
                Ok(m) => authcode::IssuerInfo {
                    issuer: Some(m.issuer.clone()),
                    iss_required: m.authorization_response_iss_parameter_supported,
                },
                Err(e)
                    if server.provider.static_endpoints().is_some()
                        && e.kind() != ErrorKind::DiscoveryIssuerMismatch =>
                {
                    tracing::debug!(target: "agenticstar", "no discovery document ({}); the callback's iss is not checked", e.kind());
                    authcode::IssuerInfo::default()
                }
                Err(e) => return Err(e),
            },
        };
        authcode::build(&url, &server.creds.client_id, opts, issuer)
    }

    /// Finish the flow from the URL the browser was redirected to: check state, exchange the
    /// code (with the PKCE verifier), validate the id_token, and keep the tokens.
    pub async fn complete_authorization(&self, request: &AuthorizationRequest, callback_url: &str) -> Result<SignIn> {
        let code = authcode::parse_callback(request, callback_url)?;
        self.exchange_code(request, code).await
    }

    /// Exchange a code received by other means (the state must already have been checked).
    pub async fn exchange_code(&self, request: &AuthorizationRequest, code: Secret) -> Result<SignIn> {
        let server = self.inner.tokens.server();
        let grant = Grant::AuthorizationCode {
            code,
            redirect_uri: request.redirect_uri.clone(),
            code_verifier: request.code_verifier.clone(),
        };
        let resp = server.request(&grant).await?;
        self.finish_sign_in(resp, Some(request.nonce.expose()), request.expects_id_token).await
    }

    /// Validate the id_token of a user sign-in (code or device flow) and keep the tokens.
    pub(crate) async fn finish_sign_in(
        &self,
        resp: TokenResponse,
        nonce: Option<&str>,
        expects_id_token: bool,
    ) -> Result<SignIn> {
        let server = self.inner.tokens.server();
        let id_claims = match (&resp.id_token, server.provider.discovery_url()) {
            (Some(id), Some(_)) => {
                let meta = server.metadata().await?;
                let jwks_uri = meta.jwks_uri.as_ref().ok_or_else(|| {
                    Error::new(ErrorKind::IdTokenInvalid, "discovery has no jwks_uri to check the id_token")
                })?;
                let check = IdTokenCheck {
                    issuer: &meta.issuer,
                    client_id: &server.creds.client_id,
                    nonce,
                    leeway: self.inner.id_token_leeway,
                };
                Some(validate_id_token(&server.jwks, &server.http, &server.cfg, jwks_uri, id.expose(), &check).await?)
            }
            (Some(_), None) => {
                tracing::warn!(target: "agenticstar", "id_token not validated: this provider has no discovery document");
                None
            }
            (None, _) if expects_id_token => {
                return Err(Error::new(
                    ErrorKind::IdTokenInvalid,
                    "the scope asked for openid but no id_token came back",
                ));
            }
            (None, _) => None,
        };
        let token = self.inner.tokens.adopt(resp).await?;
        Ok(SignIn { token, id_claims })
    }

    /// A client sharing this one's token manager (one cache, one renewal for both) and connection
    /// pool, whose calls default to `options` over this client's defaults (timeout, retries, extra
    /// headers, query and body fields). Token requests keep the original settings.
    pub fn with_options(&self, options: &RequestOptions) -> Result<Client> {
        let mut inner = (*self.inner).clone();
        inner.call_defaults = options.apply(&self.inner.call_defaults)?;
        // Services opened from the new client (MCP, A2A) see the same timeout and retries.
        inner.http_config.request_timeout = inner.call_defaults.timeout;
        inner.retry = inner.call_defaults.retry.clone();
        Ok(Client { inner: Arc::new(inner) })
    }

    /// Stream a chat reply. Not async: errors (auth, HTTP) arrive as the stream's first item.
    pub fn chat_stream(&self, request: ChatRequest) -> ChatStream {
        self.chat_stream_with(request, &RequestOptions::default())
    }

    /// [`Self::chat_stream`] with per-call options.
    pub fn chat_stream_with(&self, request: ChatRequest, options: &RequestOptions) -> ChatStream {
        match request.body(true).and_then(|b| Ok((b, options.apply(&self.inner.call_defaults)?))) {
            Ok((body, call)) => spawn_stream(self.inner.clone(), body, call),
            Err(e) => ChatStream::failed(e),
        }
    }

    /// A whole reply in one answer (`stream: false`); its `response` holds status, headers and
    /// request id.
    pub async fn chat(&self, request: ChatRequest) -> Result<ChatCompletion> {
        self.chat_with(request, &RequestOptions::default()).await
    }

    /// [`Self::chat`] with per-call options.
    pub async fn chat_with(&self, request: ChatRequest, options: &RequestOptions) -> Result<ChatCompletion> {
        let body = request.body(false)?;
        let call = options.apply(&self.inner.call_defaults)?;
        self.inner.check_scope(&["chat:exec"]).await?;
        let resp = self
            .inner
            .send_authorized(reqwest::Method::POST, "/v1/chat/completions", Some(&body), false, &call)
            .await?;
        let meta = self.inner.meta(&resp);
        let bytes = read_body(resp, 64 << 20, call.timeout).await.map_err(|e| e.with_response(&meta))?;
        let mut completion: ChatCompletion = serde_json::from_slice(&bytes).map_err(|e| {
            Error::new(ErrorKind::UnexpectedResponse, format!("chat completion is not valid JSON: {e}"))
                .with_excerpt(&bytes)
                .with_response(&meta)
        })?;
        completion.response = Some(meta);
        Ok(completion)
    }

    /// An authenticated call to any other endpoint of the API (history, files, management...),
    /// with the same token renewal and 401 handling. Error statuses become typed errors.
    pub async fn request(&self, method: &str, path: &str, json: Option<&Value>) -> Result<RawResponse> {
        self.request_with(method, path, json, &RequestOptions::default()).await
    }

    /// [`Self::request`] with per-call options.
    pub async fn request_with(
        &self,
        method: &str,
        path: &str,
        json: Option<&Value>,
        options: &RequestOptions,
    ) -> Result<RawResponse> {
        let method = reqwest::Method::from_bytes(method.to_ascii_uppercase().as_bytes())
            .map_err(|_| Error::config(format!("invalid HTTP method {method:?}")))?;
        let call = options.apply(&self.inner.call_defaults)?;
        let resp = self.inner.send_authorized(method, path, json, false, &call).await?;
        let meta = self.inner.meta(&resp);
        let content_type = resp.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let body = read_body(resp, 64 << 20, call.timeout).await.map_err(|e| e.with_response(&meta))?;
        Ok(RawResponse { status: meta.status, content_type, body, response: meta })
    }
}

impl ClientInner {
    /// Status, headers and request id of an answer.
    pub(crate) fn meta(&self, resp: &reqwest::Response) -> ResponseMeta {
        ResponseMeta::from_response(resp, self.request_id_header.as_deref())
    }

    /// Fail before sending when the token provably lacks every one of `needed`.
    pub(crate) async fn check_scope(&self, needed: &[&str]) -> Result<()> {
        if !self.enforce_scopes {
            return Ok(());
        }
        let token = self.tokens.get_token().await?;
        match token.scopes() {
            Some(s) if !s.is_empty() && !s.allows_any(needed) => Err(Error::new(
                ErrorKind::InsufficientScope,
                format!("the access token lacks scope {} (it has: {s})", needed[0]),
            )
            .with_code(Some("insufficient_scope".into()), None)),
            _ => Ok(()),
        }
    }

    /// Send with a bearer token; on 401 invalidate that very token, renew, and try once more.
    pub(crate) async fn send_authorized(
        &self,
        method: reqwest::Method,
        path: &str,
        json: Option<&Value>,
        stream: bool,
        call: &CallSettings,
    ) -> Result<reqwest::Response> {
        let base = self.api_url.as_ref().ok_or_else(|| Error::config("api_url is not configured"))?;
        let url = call.url(join_path(base, path)?);
        self.http_config.check_url(&url, "api_url")?;
        let body = call.body(json)?;
        let json = body.as_ref();
        let limit = call.timeout;
        with_retries(&call.retry, "API request", || async {
            let mut renewed = false;
            loop {
                let token = self.tokens.get_token().await?;
                let mut req = self.http.request(method.clone(), url.clone()).bearer_auth(token.access_token().expose());
                req = if stream {
                    req.header(header::ACCEPT, "text/event-stream")
                } else {
                    req.timeout(limit).header(header::ACCEPT, "application/json")
                };
                if let Some(j) = json {
                    req = req.json(j);
                }
                if !call.headers.is_empty() {
                    // Replaces same-named headers set above (e.g. Accept); Authorization was refused.
                    req = req.headers(call.headers.clone());
                }
                // Streams have no whole-request timeout, but their headers must still come in time.
                let resp = tokio::time::timeout(limit, req.send())
                    .await
                    .map_err(|_| Error::new(ErrorKind::Timeout, format!("no response from the API within {limit:?}")))?
                    .map_err(|e| Error::from_reqwest(&e, "API request"))?;
                let status = resp.status().as_u16();
                if status == 401 && !renewed {
                    tracing::info!(target: "agenticstar", "API answered 401; renewing the token and retrying once");
                    self.tokens.invalidate(token.access_token().expose());
                    renewed = true;
                    continue;
                }
                if (200..300).contains(&status) {
                    return Ok(resp);
                }
                let meta = self.meta(&resp);
                check_redirect(&resp, method.as_str(), &url).map_err(|e| e.with_response(&meta))?;
                let retry_after = parse_retry_after(resp.headers().get(header::RETRY_AFTER));
                // An error body that stalls must not hold the caller: it is only an excerpt.
                let body = read_body(resp, 64 * 1024, limit).await.unwrap_or_default();
                let v: Option<Value> = serde_json::from_slice(&body).ok();
                let e = api_error(status, v.as_ref(), &body, retry_after).with_response(&meta);
                return Err(e.map_message(|m| format!("{method} {}: {m}", display_url(&url))));
            }
        })
        .await
    }
}

fn join_path(base: &Url, path: &str) -> Result<Url> {
    if path.contains("://") {
        return Err(Error::config("request path must be relative to api_url"));
    }
    let mut u = base.clone();
    let (p, q) = path.split_once('?').map_or((path, None), |(p, q)| (p, Some(q)));
    u.set_path(&format!("{}/{}", base.path().trim_end_matches('/'), p.trim_start_matches('/')));
    u.set_query(q);
    Ok(u)
}
