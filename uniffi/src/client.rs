//! The client object and the platform token store.
use std::sync::Arc;

use agenticstar::{ErrorKind, StoredToken};

use crate::error::{AgenticStarError, Result};
use crate::stream::{ChatListener, ChatStream, StreamHandle, pump};
use crate::types::*;
use crate::{on_rt, on_rt_detached, rt};

/// Where the app keeps tokens between launches: Keychain on iOS, EncryptedSharedPreferences or
/// DataStore + Keystore on Android. Values are opaque JSON strings holding secrets (the refresh
/// token): store them encrypted. Called on an SDK background thread; blocking is fine.
/// The client holds the store: a store that holds the client back would never be freed.
#[uniffi::export(foreign)]
pub trait TokenStore: Send + Sync {
    fn load(&self, key: String) -> Result<Option<String>>;
    fn save(&self, key: String, value: String) -> Result<()>;
    fn clear(&self, key: String) -> Result<()>;
}

/// Adapts the foreign store to the core's async trait; foreign code runs off the runtime workers.
struct ForeignStore(Arc<dyn TokenStore>);

impl ForeignStore {
    async fn call<T: Send + 'static>(
        &self,
        what: &'static str,
        f: impl FnOnce(&dyn TokenStore) -> Result<T> + Send + 'static,
    ) -> agenticstar::Result<T> {
        let store = self.0.clone();
        tokio::task::spawn_blocking(move || f(&*store))
            .await
            .unwrap_or_else(|_| Err(AgenticStarError::new(ErrorKind::Store, "the token store panicked")))
            .map_err(|e| e.into_core(ErrorKind::Store, what))
    }
}

#[async_trait::async_trait]
impl agenticstar::TokenStore for ForeignStore {
    async fn load(&self, key: &str) -> agenticstar::Result<Option<StoredToken>> {
        let key = key.to_owned();
        match self.call("token store load", move |s| s.load(key)).await? {
            None => Ok(None),
            Some(json) => serde_json::from_str(&json).map(Some).map_err(|e| {
                agenticstar::Error::new(ErrorKind::Store, format!("token store: saved value is unreadable: {e}"))
            }),
        }
    }
    async fn save(&self, key: &str, token: &StoredToken) -> agenticstar::Result<()> {
        let (key, json) = (key.to_owned(), serde_json::to_string(token).unwrap_or_default());
        self.call("token store save", move |s| s.save(key, json)).await
    }
    async fn clear(&self, key: &str) -> agenticstar::Result<()> {
        let key = key.to_owned();
        self.call("token store clear", move |s| s.clear(key)).await
    }
}

/// The SDK's entry point: tokens, sign-in and chat over one connection pool. Thread-safe; make
/// one per app and share it.
#[derive(uniffi::Object)]
pub struct Client(agenticstar::Client);

#[uniffi::export]
impl Client {
    /// `tokenStore`: where tokens persist (null: in memory only, lost when the app exits). What the
    /// options leave out (scope, API URL, token store) comes from the `AGENTICSTAR_*` variables.
    #[uniffi::constructor(default(token_store = None, options))]
    pub fn new(
        provider: Arc<Provider>,
        credentials: Arc<Credentials>,
        options: ClientOptions,
        token_store: Option<Arc<dyn TokenStore>>,
    ) -> Result<Arc<Self>> {
        Self::from_env(Some(provider), Some(credentials), options, token_store)
    }

    /// A client configured by the `AGENTICSTAR_*` environment variables (the CLI's names) for
    /// whatever is not given here: `AGENTICSTAR_PROVIDER` / `AGENTICSTAR_AUTH_URL` /
    /// `AGENTICSTAR_REALM` for the provider, `AGENTICSTAR_CLIENT_ID` / `AGENTICSTAR_CLIENT_SECRET`
    /// for the credentials, `AGENTICSTAR_SCOPE`, `AGENTICSTAR_API_URL`, `AGENTICSTAR_TOKEN_FILE`.
    #[uniffi::constructor(default(provider = None, credentials = None, token_store = None, options))]
    pub fn from_env(
        provider: Option<Arc<Provider>>,
        credentials: Option<Arc<Credentials>>,
        options: ClientOptions,
        token_store: Option<Arc<dyn TokenStore>>,
    ) -> Result<Arc<Self>> {
        let mut o = options.to_core()?;
        o.provider = provider.map(|p| (&p.0).into());
        if let Some(c) = credentials {
            let c = &c.0;
            (o.client_id, o.client_secret, o.auth_method, o.scope) =
                (c.client_id.clone(), c.client_secret.clone(), Some(c.auth_method), c.scope.clone());
        }
        let mut b = o.with_env()?.builder("mobile")?.runtime(rt().handle().clone());
        if let Some(s) = token_store {
            b = b.token_store(Arc::new(ForeignStore(s)));
        }
        Ok(Arc::new(Client(b.build()?)))
    }

    /// A valid access token: cached while fresh, renewed once for all concurrent callers.
    pub async fn get_token(&self) -> Result<Arc<Token>> {
        let c = self.0.clone();
        on_rt(async move { c.get_token().await }).await.map(|t| Arc::new(Token(t)))
    }

    /// The cached token if it is still fresh; never does I/O.
    pub fn cached_token(&self) -> Option<Arc<Token>> {
        self.0.tokens().cached().map(|t| Arc::new(Token(t)))
    }

    /// Renew now even if the cached token is fresh.
    pub async fn force_refresh(&self) -> Result<Arc<Token>> {
        let c = self.0.clone();
        on_rt(async move { c.tokens().force_refresh().await }).await.map(|t| Arc::new(Token(t)))
    }

    /// Forget the session here and in the token store.
    pub async fn sign_out(&self) -> Result<()> {
        let c = self.0.clone();
        on_rt_detached(async move { c.tokens().sign_out().await }).await
    }

    /// Start the Authorization Code flow (PKCE S256, state, nonce).
    /// `redirectUri`: your app's callback (custom scheme, universal / app link, or loopback).
    #[uniffi::method(default(scope = None, ui_locales = None))]
    pub async fn authorize_url(
        &self,
        redirect_uri: String,
        scope: Option<String>,
        ui_locales: Option<String>,
    ) -> Result<Arc<AuthorizationRequest>> {
        let c = self.0.clone();
        let mut opts = agenticstar::authcode::AuthorizeOptions::new(redirect_uri);
        opts.scope = scope;
        opts.ui_locales = ui_locales;
        on_rt(async move { c.authorize_url(&opts).await }).await.map(|r| Arc::new(AuthorizationRequest(r)))
    }

    /// Finish sign-in from the URL the browser came back with: checks state, exchanges the code
    /// with the PKCE verifier, validates the id_token and keeps (and stores) the tokens.
    pub async fn complete_authorization(
        &self,
        request: Arc<AuthorizationRequest>,
        callback_url: String,
    ) -> Result<SignIn> {
        let c = self.0.clone();
        on_rt_detached(async move { c.complete_authorization(&request.0, &callback_url).await }).await.map(Into::into)
    }

    /// A client sharing this one's tokens (one cache, one renewal) and connections, whose calls
    /// default to `options`; token requests keep this client's settings.
    pub fn with_options(&self, options: RequestOptions) -> Result<Arc<Self>> {
        Ok(Arc::new(Client(self.0.with_options(&RequestOptions::to_core(Some(options))?)?)))
    }

    /// A whole reply in one answer; its `response` has the status, headers and request id.
    /// `options`: timeout, retries, extra headers/query/body for this call.
    #[uniffi::method(default(options = None))]
    pub async fn chat(&self, request: ChatRequest, options: Option<RequestOptions>) -> Result<ChatCompletion> {
        let (c, r, o) = (self.0.clone(), request.to_core()?, RequestOptions::to_core(options)?);
        on_rt(async move { c.chat_with(r, &o).await }).await.map(Into::into)
    }

    /// Stream a reply; read it with `next()`. Errors (auth, HTTP) come from the first `next()`.
    #[uniffi::method(default(options = None))]
    pub fn chat_stream(&self, request: ChatRequest, options: Option<RequestOptions>) -> Result<Arc<ChatStream>> {
        let o = RequestOptions::to_core(options)?;
        Ok(Arc::new(ChatStream::new(self.0.chat_stream_with(request.to_core()?, &o))))
    }

    /// Stream a reply to `listener`; the handle cancels it.
    #[uniffi::method(default(options = None))]
    pub fn chat_stream_to(
        &self,
        request: ChatRequest,
        listener: Arc<dyn ChatListener>,
        options: Option<RequestOptions>,
    ) -> Result<Arc<StreamHandle>> {
        let o = RequestOptions::to_core(options)?;
        Ok(pump(self.0.chat_stream_with(request.to_core()?, &o), listener))
    }

    /// Open a service of the core (`serviceKinds()`) on this client's tokens and connections;
    /// `optionsJson` is the service's options as a JSON object.
    #[uniffi::method(default(options_json = "{}"))]
    pub async fn service(&self, kind: String, options_json: String) -> Result<Arc<crate::service::Service>> {
        crate::service::open(self.0.clone(), kind, options_json).await
    }

    /// An authenticated call to any other API endpoint (`GET /v1/models`, ...), with the same
    /// token renewal. `jsonBody`: a JSON text, or null. Error statuses become typed errors.
    #[uniffi::method(default(json_body = None, options = None))]
    pub async fn request(
        &self,
        method: String,
        path: String,
        json_body: Option<String>,
        options: Option<RequestOptions>,
    ) -> Result<RawResponse> {
        let body = match json_body {
            Some(j) => Some(
                serde_json::from_str::<serde_json::Value>(&j)
                    .map_err(|e| AgenticStarError::new(ErrorKind::Config, format!("json_body is not JSON: {e}")))?,
            ),
            None => None,
        };
        let (c, o) = (self.0.clone(), RequestOptions::to_core(options)?);
        let r = on_rt(async move { c.request_with(&method, &path, body.as_ref(), &o).await }).await?;
        let response = (&r.response).into();
        Ok(RawResponse { status: r.status.into(), content_type: r.content_type, body: r.body, response })
    }
}
