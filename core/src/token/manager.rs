//! The token manager: cached, single-flight, refreshed ahead of expiry, persisted, rotation-safe.
use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use futures::future::{BoxFuture, FutureExt, Shared};

use super::Token;
use super::server::{Audience, AuthServer, Grant};
use super::store::TokenStore;
use crate::error::{Error, ErrorKind, Result};
use crate::provider::TokenResponse;

/// How the session gets new tokens when it has no usable refresh token.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Flow {
    /// Re-acquire with the client's own credentials (server-to-server).
    #[default]
    ClientCredentials,
    /// A user signed in with the Authorization Code flow; without a valid refresh token they must sign in again.
    AuthorizationCode,
}

/// Told of every new token (after it was saved), e.g. to update an app's own state.
pub trait TokenListener: Send + Sync {
    fn on_token(&self, token: &Token);
}

impl<F: Fn(&Token) + Send + Sync> TokenListener for F {
    fn on_token(&self, token: &Token) {
        self(token)
    }
}

type Renewal = Shared<BoxFuture<'static, Result<Token>>>;

/// Gets and keeps a valid access token. Clone it freely: clones share one cache.
#[derive(Clone)]
pub struct TokenManager {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub server: Arc<AuthServer>,
    flow: Flow,
    window: Duration,
    store: Arc<dyn TokenStore>,
    store_key: String,
    listener: Option<Arc<dyn TokenListener>>,
    /// Where renewals run: the client's configured runtime, else the caller's.
    runtime: Option<tokio::runtime::Handle>,
    state: Mutex<State>,
    /// Scopes and resource this manager's tokens are asked for (default: the configured ones).
    audience: Audience,
    /// The client's own manager, for managers made by [`TokenManager::for_audience`]: a signed-in
    /// user's refresh token lives there and is shared by every audience.
    root: Option<Weak<Inner>>,
    /// Held around renewals of a user session, so two audiences never spend one rotating refresh
    /// token concurrently (the second would get `invalid_grant`).
    family: Arc<tokio::sync::Mutex<()>>,
    /// Managers per audience, kept by the root so every caller of an audience shares one cache.
    derived: Mutex<HashMap<Audience, TokenManager>>,
}

#[derive(Default)]
struct State {
    token: Option<Token>,
    /// The current token was rejected by an API (401): renew before using it again.
    stale: bool,
    loaded: bool,
    renewal: Option<Renewal>,
    /// After "licenses exhausted" we wait before asking again instead of hammering the server.
    backoff: Option<(Instant, Error)>,
    backoff_step: u32,
}

impl TokenManager {
    pub(crate) fn new(
        server: AuthServer,
        flow: Flow,
        window: Duration,
        store: Arc<dyn TokenStore>,
        store_key: String,
        listener: Option<Arc<dyn TokenListener>>,
        runtime: Option<tokio::runtime::Handle>,
    ) -> Self {
        TokenManager {
            inner: Arc::new(Inner {
                server: Arc::new(server),
                flow,
                window,
                store,
                store_key,
                listener,
                runtime,
                state: Mutex::new(State::default()),
                audience: Audience::default(),
                root: None,
                family: Default::default(),
                derived: Default::default(),
            }),
        }
    }

    /// The manager of tokens for `audience` (scopes and/or an RFC 8707 resource), sharing this
    /// one's server, store, runtime and user session. Its tokens are cached, renewed (single
    /// flight) and stored on their own, under `<store key>#resource=…#scope=…`; the resource is
    /// sent in every token request, refreshes included. The same audience always gives the same
    /// manager; the default audience gives this one.
    pub fn for_audience(&self, audience: Audience) -> TokenManager {
        if audience.is_default() || audience == self.inner.audience {
            return self.clone();
        }
        let root = match self.inner.root.as_ref().and_then(Weak::upgrade) {
            Some(r) => r,
            None => self.inner.clone(),
        };
        let mut map = root.derived.lock().unwrap_or_else(|p| p.into_inner());
        map.entry(audience.clone())
            .or_insert_with(|| {
                let mut key = root.store_key.clone();
                if let Some(r) = &audience.resource {
                    key.push_str(&format!("#resource={r}"));
                }
                if let Some(s) = &audience.scope {
                    key.push_str(&format!("#scope={s}"));
                }
                TokenManager {
                    inner: Arc::new(Inner {
                        server: root.server.clone(),
                        flow: root.flow,
                        window: root.window,
                        store: root.store.clone(),
                        store_key: key,
                        listener: None,
                        runtime: root.runtime.clone(),
                        state: Mutex::new(State::default()),
                        audience,
                        root: Some(Arc::downgrade(&root)),
                        family: root.family.clone(),
                        derived: Default::default(),
                    }),
                }
            })
            .clone()
    }

    /// The scopes and resource this manager's tokens are for.
    pub fn audience(&self) -> &Audience {
        &self.inner.audience
    }

    pub(crate) fn server(&self) -> &AuthServer {
        &self.inner.server
    }

    pub fn flow(&self) -> Flow {
        self.inner.flow
    }

    /// The key under which this session's tokens are stored.
    pub fn store_key(&self) -> &str {
        &self.inner.store_key
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.inner.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A valid access token: the cached one while it has more than the refresh window left,
    /// otherwise a renewed one. Concurrent callers share one renewal and its outcome.
    pub async fn get_token(&self) -> Result<Token> {
        if let Some(t) = self.cached() {
            return Ok(t);
        }
        self.renew().await
    }

    /// The cached token if it is fresh (no I/O). This is the hot path.
    pub fn cached(&self) -> Option<Token> {
        let st = self.state();
        match &st.token {
            Some(t) if !st.stale && t.is_fresh(self.inner.window) => Some(t.clone()),
            _ => None,
        }
    }

    /// The token held now, fresh or not (for display).
    pub fn current(&self) -> Option<Token> {
        self.state().token.clone()
    }

    /// Renew now even if the cached token is fresh (joins a renewal already under way).
    pub async fn force_refresh(&self) -> Result<Token> {
        {
            let mut st = self.state();
            if st.renewal.is_none() {
                st.stale = true;
            }
        }
        self.renew().await
    }

    /// An API rejected `access_token` (401). Only that token is dropped: if a newer one is
    /// already cached, or a renewal from it is under way, callers get that instead.
    pub fn invalidate(&self, access_token: &str) {
        let mut st = self.state();
        if st.token.as_ref().is_some_and(|t| t.same_access(access_token)) {
            tracing::info!(target: "agenticstar", "access token rejected by the API; it will be renewed");
            st.stale = true;
        }
    }

    /// The session held here or, before the first call loaded it, in the store (fresh or not).
    pub(crate) async fn session(&self) -> Option<Token> {
        if let Some(t) = self.current() {
            return Some(t);
        }
        match self.inner.store.load(&self.inner.store_key).await {
            Ok(s) => s.map(Token::from_stored),
            Err(e) => {
                tracing::warn!(target: "agenticstar", "token store load failed: {e}");
                None
            }
        }
    }

    /// Forget the session here and in the store, without telling the server (see `Client::sign_out`).
    pub async fn clear(&self) -> Result<()> {
        {
            let mut st = self.state();
            st.token = None;
            st.stale = false;
            st.loaded = true;
        }
        self.inner.store.clear(&self.inner.store_key).await
    }

    fn renew(&self) -> BoxFuture<'static, Result<Token>> {
        let fut: Renewal = {
            let mut st = self.state();
            if let Some(t) = st.token.as_ref().filter(|t| !st.stale && t.is_fresh(self.inner.window)) {
                return futures::future::ready(Ok(t.clone())).boxed();
            }
            if let Some(r) = &st.renewal {
                r.clone()
            } else {
                if let Some((until, err)) = &st.backoff {
                    let now = Instant::now();
                    if now < *until {
                        let e = err.clone().with_retry_after(Some(*until - now));
                        return futures::future::ready(Err(e)).boxed();
                    }
                }
                let inner = self.inner.clone();
                // Run the renewal as its own task: if the caller that started it is cancelled,
                // the answer (maybe a rotated refresh token) is still received and stored.
                let task = async move {
                    let outcome = AssertUnwindSafe(renew_once(&inner)).catch_unwind().await;
                    let outcome =
                        outcome.unwrap_or_else(|_| Err(Error::new(ErrorKind::Internal, "token renewal panicked")));
                    finish(&inner, &outcome);
                    outcome
                };
                let fut: BoxFuture<'static, Result<Token>> =
                    match self.inner.runtime.clone().map_or_else(tokio::runtime::Handle::try_current, Ok) {
                        Ok(h) => {
                            let jh = h.spawn(task);
                            async move {
                                jh.await.unwrap_or_else(|_| {
                                    Err(Error::new(ErrorKind::Internal, "token renewal task was cancelled"))
                                })
                            }
                            .boxed()
                        }
                        Err(_) => task.boxed(),
                    };
                let shared = fut.shared();
                st.renewal = Some(shared.clone());
                shared
            }
        };
        fut.boxed()
    }

    /// Adopt tokens obtained outside a renewal (the authorization code exchange).
    pub(crate) async fn adopt(&self, resp: TokenResponse) -> Result<Token> {
        let token = Token::from_response(resp, None);
        let _lock = self.inner.store.lock(&self.inner.store_key).await?;
        publish(&self.inner, &token).await;
        let mut st = self.state();
        st.token = Some(token.clone());
        st.stale = false;
        st.loaded = true;
        st.backoff = None;
        Ok(token)
    }
}

/// Record the outcome so the next caller sees it, and let a new renewal start.
fn finish(inner: &Inner, outcome: &Result<Token>) {
    let mut st = inner.state.lock().unwrap_or_else(|p| p.into_inner());
    st.renewal = None;
    match outcome {
        Ok(t) => {
            st.token = Some(t.clone());
            st.stale = false;
            st.backoff = None;
            st.backoff_step = 0;
        }
        Err(e) if e.kind() == ErrorKind::LicensesExhausted => {
            st.backoff_step = (st.backoff_step + 1).min(6);
            let pause = Duration::from_secs(5u64 << (st.backoff_step - 1)).min(Duration::from_secs(300));
            tracing::warn!(target: "agenticstar", "no concurrent user licence available; not asking again for {pause:?}");
            st.backoff = Some((Instant::now() + pause, e.clone()));
        }
        Err(e) if e.kind() == ErrorKind::SignInRequired => {
            // The refresh token is dead: drop it so later calls fail at once instead of looping.
            st.token = None;
            st.stale = false;
        }
        Err(_) => {}
    }
}

/// Save, then tell the listener; both happen before any caller receives the token.
async fn publish(inner: &Inner, token: &Token) {
    if let Err(e) = inner.store.save(&inner.store_key, &token.to_stored()).await {
        tracing::error!(target: "agenticstar", "could not save the new token: {e}");
    }
    if let Some(l) = &inner.listener
        && std::panic::catch_unwind(AssertUnwindSafe(|| l.on_token(token))).is_err()
    {
        tracing::error!(target: "agenticstar", "token listener panicked");
    }
}

async fn renew_once(inner: &Inner) -> Result<Token> {
    let _family = match inner.flow {
        Flow::AuthorizationCode => Some(inner.family.lock().await),
        Flow::ClientCredentials => None,
    };
    let (mut current, loaded) = {
        let st = inner.state.lock().unwrap_or_else(|p| p.into_inner());
        (st.token.clone(), st.loaded)
    };
    // Another process sharing the store may have renewed already; hold its lock while we decide.
    let _lock = inner.store.lock(&inner.store_key).await.unwrap_or_else(|e| {
        tracing::warn!(target: "agenticstar", "token store lock failed: {e}");
        None
    });
    match inner.store.load(&inner.store_key).await {
        Ok(Some(stored)) => {
            let differs = current.as_ref().is_none_or(|c| !c.same_access(stored.access_token.expose()));
            if differs || !loaded {
                let t = Token::from_stored(stored);
                if differs && t.is_fresh(inner.window) {
                    tracing::debug!(target: "agenticstar", "using the token found in the store");
                    return Ok(t);
                }
                // Stale but maybe with a newer refresh token than ours.
                if t.refresh_token().is_some() || current.is_none() {
                    current = Some(t);
                }
            }
        }
        Ok(None) => {}
        Err(e) => tracing::warn!(target: "agenticstar", "token store load failed: {e}"),
    }
    inner.state.lock().unwrap_or_else(|p| p.into_inner()).loaded = true;

    // A user session's refresh token belongs to the root manager (it may have rotated since).
    let root = inner.root.as_ref().and_then(Weak::upgrade).filter(|_| inner.flow == Flow::AuthorizationCode);
    let refresh = match &root {
        Some(root) => root_refresh_token(root).await,
        None => current.as_ref().and_then(|t| t.refresh_token().cloned()),
    };
    let result = match refresh {
        Some(rt) => {
            tracing::info!(target: "agenticstar", "refreshing the access token");
            match inner.server.request_for(&Grant::RefreshToken(rt.clone()), &inner.audience).await {
                Ok(resp) => {
                    let t = Token::from_response(resp, Some(rt.clone()));
                    if let Some(root) = &root
                        && t.refresh_token().is_some_and(|n| n != &rt)
                    {
                        adopt_rotated(root, t.refresh_token().cloned()).await;
                    }
                    Ok(t)
                }
                Err(e) if e.kind() == ErrorKind::InvalidGrant => {
                    if inner.flow == Flow::ClientCredentials {
                        tracing::info!(target: "agenticstar", "refresh token rejected; acquiring a new token with client credentials");
                        acquire(inner).await
                    } else {
                        let _ = inner.store.clear(&inner.store_key).await;
                        Err(Error::new(
                            ErrorKind::SignInRequired,
                            format!("the session has ended ({}); sign in again", e.message()),
                        )
                        .with_status(e.status().unwrap_or(400))
                        .with_code(e.code().map(str::to_owned), None))
                    }
                }
                Err(e) => Err(e),
            }
        }
        None if inner.flow == Flow::ClientCredentials => acquire(inner).await,
        None => Err(Error::new(
            ErrorKind::SignInRequired,
            "no signed-in session: complete the authorization code flow first",
        )),
    };
    match result {
        Ok(t) => {
            publish(inner, &t).await;
            Ok(t)
        }
        // A server hiccup while the old token still works: keep using it and try again next call.
        Err(e) if e.kind().is_transient() => match current.filter(|c| !c.is_expired()) {
            Some(c) if !inner.state.lock().unwrap_or_else(|p| p.into_inner()).stale => {
                tracing::warn!(target: "agenticstar", "token renewal failed ({}); the current token is still valid", e.kind());
                Ok(c)
            }
            _ => Err(e),
        },
        Err(e) => Err(e),
    }
}

async fn acquire(inner: &Inner) -> Result<Token> {
    tracing::info!(target: "agenticstar", "requesting an access token with client credentials");
    Ok(Token::from_response(inner.server.request_for(&Grant::ClientCredentials, &inner.audience).await?, None))
}

/// The user session's current refresh token: the root's in memory, else its stored one.
async fn root_refresh_token(root: &Inner) -> Option<crate::secret::Secret> {
    let held =
        root.state.lock().unwrap_or_else(|p| p.into_inner()).token.as_ref().and_then(|t| t.refresh_token().cloned());
    if held.is_some() {
        return held;
    }
    match root.store.load(&root.store_key).await {
        Ok(Some(s)) => s.refresh_token,
        _ => None,
    }
}

/// A sibling's refresh rotated the session's refresh token: the root keeps (and stores) the new one.
async fn adopt_rotated(root: &Inner, rt: Option<crate::secret::Secret>) {
    let updated = {
        let mut st = root.state.lock().unwrap_or_else(|p| p.into_inner());
        let Some(t) = st.token.as_ref() else { return };
        let t = t.with_refresh(rt);
        st.token = Some(t.clone());
        t
    };
    publish(root, &updated).await;
}
