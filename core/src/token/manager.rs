//! The token manager: cached, single-flight, renewed behind the caller's back, persisted, rotation-safe.
//!
//! Two windows decide what `get_token` does with the cached token:
//! - before the soft window (the refresh window) it is returned as is: the hot path, no I/O;
//! - inside the soft window it is still returned at cache speed, and the first caller starts one
//!   renewal in the background (botocore's advisory refresh, MSAL's `refresh_in`);
//! - past the hard edge (expiry minus a small skew), or once an API rejected it, callers wait for
//!   the renewal, single flight.
//!
//! A background renewal that fails transiently is retried with back-off while the token is valid;
//! its error reaches callers only past the hard edge.
use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use futures::future::{BoxFuture, FutureExt, Shared};

use super::Token;
use super::server::{Audience, AuthServer, Grant};
use super::store::{Lease, TokenStore, Versioned};
use crate::error::{Error, ErrorKind, Result};
use crate::provider::TokenResponse;

/// How the session gets new tokens when it has no usable refresh token.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AuthFlow {
    /// Re-acquire with the client's own credentials (server-to-server).
    #[default]
    ClientCredentials,
    /// A user signed in with the Authorization Code flow; without a valid refresh token they must sign in again.
    AuthorizationCode,
}

/// Told of every new token (after it was saved), e.g. to update an app's own state.
pub trait TokenListener: Send + Sync {
    /// Called with the new token.
    fn on_token(&self, token: &Token);
}

impl<F: Fn(&Token) + Send + Sync> TokenListener for F {
    fn on_token(&self, token: &Token) {
        self(token)
    }
}

/// Told of every failed token store operation (load, save, lease, clear). The error is of kind
/// `store`; its details say `{"operation": "save"}` etc. Called on the renewal task: keep it short.
pub trait StoreErrorListener: Send + Sync {
    /// Called with the `store` error.
    fn on_store_error(&self, error: &Error);
}

impl<F: Fn(&Error) + Send + Sync> StoreErrorListener for F {
    fn on_store_error(&self, error: &Error) {
        self(error)
    }
}

type Renewal = Shared<BoxFuture<'static, Result<Token>>>;

/// How long a renewal waits for another process's lease before renewing on its own.
const MAX_LEASE_WAIT: Duration = Duration::from_secs(60);
/// Back-off of a failing background renewal: 1 s, 2 s, 4 s ... at most this.
const MAX_BACKGROUND_PAUSE: Duration = Duration::from_secs(30);

/// What the manager is built with.
pub(crate) struct ManagerConfig {
    pub server: AuthServer,
    pub flow: AuthFlow,
    /// The soft window.
    pub window: Duration,
    /// The hard edge is this long before expiry (at most a tenth of the lifetime).
    pub skew: Duration,
    pub store: Arc<dyn TokenStore>,
    pub store_key: String,
    pub listener: Option<Arc<dyn TokenListener>>,
    pub store_errors: Option<Arc<dyn StoreErrorListener>>,
    /// A failed save fails the renewal (the token is kept and saved again on the next call).
    pub strict_store: bool,
    pub runtime: Option<tokio::runtime::Handle>,
}

/// Gets and keeps a valid access token. Clone it freely: clones share one cache.
#[derive(Clone)]
pub struct TokenManager {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub server: Arc<AuthServer>,
    flow: AuthFlow,
    window: Duration,
    skew: Duration,
    store: Arc<dyn TokenStore>,
    store_key: String,
    listener: Option<Arc<dyn TokenListener>>,
    store_errors: Option<Arc<dyn StoreErrorListener>>,
    /// Every store failure, for the generic event stream bindings forward (`token_events`).
    store_events: tokio::sync::broadcast::Sender<Error>,
    strict_store: bool,
    /// Wakes a background renewal pausing between attempts when a caller starts waiting for it.
    urgent: tokio::sync::Notify,
    /// False after a store failure: one warning per outage, then quiet until it works again.
    store_healthy: AtomicBool,
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
    /// Strict store: the current token could not be saved; save it before handing it out.
    unsaved: bool,
    loaded: bool,
    renewal: Option<Renewal>,
    /// A background renewal failed for good while the token was valid; callers see this error
    /// once the token is past the hard edge.
    failed: Option<Error>,
    /// After "licenses exhausted" we wait before asking again instead of hammering the server.
    backoff: Option<(Instant, Error)>,
    backoff_step: u32,
}

impl TokenManager {
    pub(crate) fn new(c: ManagerConfig) -> Self {
        TokenManager {
            inner: Arc::new(Inner {
                server: Arc::new(c.server),
                flow: c.flow,
                window: c.window,
                skew: c.skew,
                store: c.store,
                store_key: c.store_key,
                listener: c.listener,
                store_errors: c.store_errors,
                store_events: tokio::sync::broadcast::channel(64).0,
                strict_store: c.strict_store,
                urgent: tokio::sync::Notify::new(),
                store_healthy: AtomicBool::new(true),
                runtime: c.runtime,
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
                        skew: root.skew,
                        store: root.store.clone(),
                        store_key: key,
                        listener: None,
                        store_errors: root.store_errors.clone(),
                        store_events: root.store_events.clone(),
                        strict_store: root.strict_store,
                        urgent: tokio::sync::Notify::new(),
                        store_healthy: AtomicBool::new(true),
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

    /// The flow that gets new tokens for this manager.
    pub fn flow(&self) -> AuthFlow {
        self.inner.flow
    }

    /// The key under which this session's tokens are stored.
    pub fn store_key(&self) -> &str {
        &self.inner.store_key
    }

    /// Every failed token store operation from now on (a `store` error whose details name the
    /// operation). Bindings forward this through the `token_events` surface service.
    pub fn store_errors(&self) -> tokio::sync::broadcast::Receiver<Error> {
        self.inner.store_events.subscribe()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.inner.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A valid access token: the cached one until the hard edge (renewed in the background from
    /// the soft window on), otherwise a renewed one. Concurrent callers share one renewal.
    pub async fn get_token(&self) -> Result<Token> {
        if let Some(t) = self.cached() {
            return Ok(t);
        }
        self.renew().await
    }

    /// The cached token if it can be used now (no I/O). This is the hot path. Inside the soft
    /// window it also starts the background renewal (needs a tokio runtime: the client's, else
    /// the caller's; without one it answers `None` and `get_token` renews inline).
    pub fn cached(&self) -> Option<Token> {
        let mut st = self.state();
        let t = st.token.as_ref()?;
        if st.stale || st.unsaved {
            return None;
        }
        if t.is_fresh(self.inner.window) {
            return Some(t.clone());
        }
        if !t.before_hard_edge(self.inner.skew) {
            return None;
        }
        let t = t.clone();
        if st.renewal.is_some() || st.failed.is_some() || st.backoff.as_ref().is_some_and(|(u, _)| Instant::now() < *u)
        {
            return Some(t);
        }
        let handle = self.inner.runtime.clone().map_or_else(tokio::runtime::Handle::try_current, Ok).ok()?;
        tracing::debug!(target: "agenticstar", "token inside the refresh window; renewing in the background");
        let _background = self.start_renewal(&mut st, Some(handle));
        Some(t)
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
    pub async fn sign_out(&self) -> Result<()> {
        {
            let mut st = self.state();
            st.token = None;
            st.stale = false;
            st.unsaved = false;
            st.failed = None;
            st.loaded = true;
        }
        self.inner.store.clear(&self.inner.store_key).await
    }

    fn renew(&self) -> BoxFuture<'static, Result<Token>> {
        let mut st = self.state();
        if let Some(t) = st.token.as_ref().filter(|t| !st.stale && !st.unsaved && t.is_fresh(self.inner.window)) {
            return futures::future::ready(Ok(t.clone())).boxed();
        }
        if let Some(r) = &st.renewal {
            // A caller is waiting now: a background renewal pausing between attempts tries at once.
            self.inner.urgent.notify_one();
            return r.clone().boxed();
        }
        if let Some(e) = st.failed.take() {
            // The background renewal gave up while the token was valid; now the caller needs to know.
            if e.kind() == ErrorKind::SignInRequired {
                st.token = None;
                st.stale = false;
            }
            return futures::future::ready(Err(e)).boxed();
        }
        if let Some((until, err)) = &st.backoff {
            let now = Instant::now();
            if now < *until {
                let e = err.clone().with_retry_after(Some(*until - now));
                return futures::future::ready(Err(e)).boxed();
            }
        }
        let handle = self.inner.runtime.clone().map_or_else(tokio::runtime::Handle::try_current, Ok).ok();
        self.start_renewal(&mut st, handle).boxed()
    }

    /// Start the one renewal (as its own task when there is a runtime: if the caller that started
    /// it is cancelled, the answer, maybe a rotated refresh token, is still received and stored).
    fn start_renewal(&self, st: &mut State, handle: Option<tokio::runtime::Handle>) -> Renewal {
        let inner = self.inner.clone();
        let task = async move {
            let outcome = AssertUnwindSafe(renewal(&inner)).catch_unwind().await;
            outcome.unwrap_or_else(|_| {
                let e = Error::new(ErrorKind::Internal, "token renewal panicked");
                let e = Err(e);
                finish(&inner, &e);
                e
            })
        };
        let fut: BoxFuture<'static, Result<Token>> = match handle {
            Some(h) => {
                let jh = h.spawn(task);
                async move {
                    jh.await
                        .unwrap_or_else(|_| Err(Error::new(ErrorKind::Internal, "token renewal task was cancelled")))
                }
                .boxed()
            }
            None => task.boxed(),
        };
        let shared = fut.shared();
        st.renewal = Some(shared.clone());
        shared
    }

    /// Adopt tokens obtained outside a renewal (the authorization code exchange).
    pub(crate) async fn adopt(&self, resp: TokenResponse) -> Result<Token> {
        let token = Token::from_response(resp, None);
        let lease = match self.inner.store.lease(&self.inner.store_key).await {
            Ok(Lease::Held(g)) => Some(g),
            Ok(Lease::Busy) => None,
            Err(e) => {
                store_failed(&self.inner, "lease", e);
                None
            }
        };
        let saved = persist(&self.inner, &token, None).await;
        drop(lease);
        let mut st = self.state();
        st.token = Some(token.clone());
        st.stale = false;
        st.unsaved = saved.is_err();
        st.failed = None;
        st.loaded = true;
        st.backoff = None;
        saved.map(|_| token)
    }
}

fn lock(inner: &Inner) -> std::sync::MutexGuard<'_, State> {
    inner.state.lock().unwrap_or_else(|p| p.into_inner())
}

/// The renewal task: one attempt, and while the current token is before the hard edge, retries
/// of transient failures with back-off. Records the outcome for later callers.
async fn renewal(inner: &Arc<Inner>) -> Result<Token> {
    let mut attempt = 0u32;
    loop {
        let outcome = renew_once(inner).await;
        let Err(e) = &outcome else {
            finish(inner, &outcome);
            return outcome;
        };
        let (current, stale) = {
            let st = lock(inner);
            (st.token.clone(), st.stale)
        };
        let valid = current.filter(|c| !stale && c.before_hard_edge(inner.skew));
        match valid {
            Some(c) if e.kind().is_transient() => {
                attempt += 1;
                let pause = Duration::from_secs(1u64 << (attempt - 1).min(5)).min(MAX_BACKGROUND_PAUSE);
                let pause = pause.min(c.until_hard_edge(inner.skew));
                tracing::warn!(target: "agenticstar", "background token renewal failed ({}); the current token is still valid, retrying in {pause:?}", e.kind());
                tokio::select! {
                    _ = tokio::time::sleep(pause) => {}
                    _ = inner.urgent.notified() => {}
                }
            }
            // (Licences have their own back-off; a strict store's failed save is for callers now.)
            Some(_) if !matches!(e.kind(), ErrorKind::LicensesExhausted | ErrorKind::Store) => {
                tracing::warn!(target: "agenticstar", "background token renewal failed ({}); the current token is used until it expires", e.kind());
                let mut st = lock(inner);
                st.renewal = None;
                st.failed = Some(e.clone());
                return outcome;
            }
            _ => {
                // Past the hard edge. A server hiccup while the old token still works: keep using it.
                let current = lock(inner).token.clone();
                let usable = current.filter(|c| !stale && !c.is_expired());
                if let (true, Some(c)) = (e.kind().is_transient(), usable) {
                    tracing::warn!(target: "agenticstar", "token renewal failed ({}); the current token is still valid", e.kind());
                    let ok = Ok(c);
                    finish(inner, &ok);
                    return ok;
                }
                finish(inner, &outcome);
                return outcome;
            }
        }
    }
}

/// Record the outcome so the next caller sees it, and let a new renewal start.
fn finish(inner: &Inner, outcome: &Result<Token>) {
    let mut st = lock(inner);
    st.renewal = None;
    match outcome {
        Ok(t) => {
            st.token = Some(t.clone());
            st.stale = false;
            st.failed = None;
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
            st.unsaved = false;
        }
        Err(_) => {}
    }
}

/// A store operation failed: tell the listeners every time, log once per outage.
fn store_failed(inner: &Inner, operation: &str, e: Error) -> Error {
    let e = Error::new(ErrorKind::Store, format!("token store {operation} failed: {}", e.message()))
        .with_details(serde_json::json!({ "operation": operation }));
    if inner.store_healthy.swap(false, Ordering::Relaxed) {
        tracing::warn!(target: "agenticstar", "{e}; working from the in-process cache until the store is back");
    } else {
        tracing::debug!(target: "agenticstar", "{e}");
    }
    if let Some(l) = &inner.store_errors
        && std::panic::catch_unwind(AssertUnwindSafe(|| l.on_store_error(&e))).is_err()
    {
        tracing::error!(target: "agenticstar", "store error listener panicked");
    }
    let _ = inner.store_events.send(e.clone());
    e
}

fn store_ok(inner: &Inner) {
    if !inner.store_healthy.load(Ordering::Relaxed) && !inner.store_healthy.swap(true, Ordering::Relaxed) {
        tracing::info!(target: "agenticstar", "token store reachable again");
    }
}

/// Save (compare-and-set on `expected` when the version is known), then tell the listener; both
/// happen before any caller receives the token. `Ok(false)`: the store holds a newer version.
/// `Err` only for a strict store.
async fn persist(inner: &Inner, token: &Token, expected: Option<Option<u64>>) -> Result<bool> {
    let stored = token.to_stored();
    let saved = match expected {
        Some(v) => inner.store.save_if(&inner.store_key, &stored, v).await,
        None => inner.store.save(&inner.store_key, &stored).await.map(|()| true),
    };
    let result = match saved {
        Ok(true) => {
            store_ok(inner);
            Ok(true)
        }
        Ok(false) => {
            // Someone stored a newer version while our lease had lapsed; theirs stands.
            tracing::warn!(target: "agenticstar", "the token store holds a newer token than this renewal; not overwriting it");
            Ok(false)
        }
        Err(e) => {
            let e = store_failed(inner, "save", e);
            if inner.strict_store { Err(e) } else { Ok(true) }
        }
    };
    if let Some(l) = &inner.listener
        && std::panic::catch_unwind(AssertUnwindSafe(|| l.on_token(token))).is_err()
    {
        tracing::error!(target: "agenticstar", "token listener panicked");
    }
    result
}

/// What the store holds, or `Err(())` when it could not be read (already reported).
async fn load(inner: &Inner) -> std::result::Result<Option<Versioned>, ()> {
    match inner.store.load_versioned(&inner.store_key).await {
        Ok(v) => {
            store_ok(inner);
            Ok(v)
        }
        Err(e) => {
            store_failed(inner, "load", e);
            Err(())
        }
    }
}

/// A token another process stored that is newer than ours and still fresh.
fn usable_from_store(inner: &Inner, stored: &Versioned, current: Option<&Token>) -> Option<Token> {
    let differs = current.is_none_or(|c| !c.same_access(stored.token.access_token.expose()));
    let t = Token::from_stored(stored.token.clone());
    (differs && t.is_fresh(inner.window)).then_some(t)
}

/// Take the store's lease, waiting (woken by the store, not a fixed sleep) while another process
/// renews, and take its token if it lands. `Ok(None)`: renew without a lease (store unreachable).
async fn take_lease(inner: &Inner, current: Option<&Token>) -> std::result::Result<Option<Box<dyn Send>>, Token> {
    let start = Instant::now();
    let mut seen: Option<u64> = None;
    loop {
        match inner.store.lease(&inner.store_key).await {
            Ok(Lease::Held(g)) => return Ok(Some(g)),
            Ok(Lease::Busy) if start.elapsed() < MAX_LEASE_WAIT => {
                inner.store.changed(&inner.store_key, seen, Duration::from_millis(250)).await;
                if let Ok(Some(v)) = load(inner).await {
                    if let Some(t) = usable_from_store(inner, &v, current) {
                        tracing::debug!(target: "agenticstar", "another process renewed the token");
                        return Err(t);
                    }
                    seen = Some(v.version);
                }
            }
            Ok(Lease::Busy) => {
                tracing::warn!(target: "agenticstar", "another process has held the renewal lease for {MAX_LEASE_WAIT:?}; renewing without it");
                return Ok(None);
            }
            Err(e) => {
                store_failed(inner, "lease", e);
                return Ok(None);
            }
        }
    }
}

async fn renew_once(inner: &Inner) -> Result<Token> {
    let _family = match inner.flow {
        AuthFlow::AuthorizationCode => Some(inner.family.lock().await),
        AuthFlow::ClientCredentials => None,
    };
    let (mut current, loaded, unsaved) = {
        let st = lock(inner);
        (st.token.clone(), st.loaded, st.unsaved)
    };
    if let (true, Some(t)) = (unsaved, current.as_ref()) {
        // Strict store: the token we hold was never saved; save it before handing it out.
        persist(inner, t, None).await?;
        lock(inner).unsaved = false;
        return Ok(t.clone());
    }
    // Single flight across processes sharing the store: the lease, then what the store holds.
    let lease = match take_lease(inner, current.as_ref()).await {
        Ok(lease) => lease,
        Err(theirs) => return Ok(theirs),
    };
    let stored = load(inner).await;
    let expected = match &stored {
        Ok(v) => Some(v.as_ref().map(|v| v.version)),
        Err(()) => None,
    };
    if let Ok(Some(v)) = stored {
        if let Some(t) = usable_from_store(inner, &v, current.as_ref()) {
            tracing::debug!(target: "agenticstar", "using the token found in the store");
            return Ok(t);
        }
        let differs = current.as_ref().is_none_or(|c| !c.same_access(v.token.access_token.expose()));
        if differs || !loaded {
            // Stale but maybe with a newer refresh token than ours.
            let t = Token::from_stored(v.token);
            if t.refresh_token().is_some() || current.is_none() {
                current = Some(t);
            }
        }
    }
    lock(inner).loaded = true;

    // A user session's refresh token belongs to the root manager (it may have rotated since).
    let root = inner.root.as_ref().and_then(Weak::upgrade).filter(|_| inner.flow == AuthFlow::AuthorizationCode);
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
                    if inner.flow == AuthFlow::ClientCredentials {
                        tracing::info!(target: "agenticstar", "refresh token rejected; acquiring a new token with client credentials");
                        acquire(inner).await
                    } else {
                        if let Err(e) = inner.store.clear(&inner.store_key).await {
                            store_failed(inner, "clear", e);
                        }
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
        None if inner.flow == AuthFlow::ClientCredentials => acquire(inner).await,
        None => Err(Error::new(
            ErrorKind::SignInRequired,
            "no signed-in session: complete the authorization code flow first",
        )),
    };
    let t = result?;
    let saved = persist(inner, &t, expected).await;
    // A compare-and-set that lost: the store's newer token (and rotated refresh token) wins.
    let theirs = if matches!(saved, Ok(false)) { load(inner).await.ok().flatten() } else { None };
    drop(lease);
    if let Err(e) = saved {
        let mut st = lock(inner);
        st.token = Some(t);
        st.stale = false;
        st.unsaved = true;
        return Err(e);
    }
    if let Some(v) = theirs
        && !t.same_access(v.token.access_token.expose())
    {
        let stored = Token::from_stored(v.token);
        if stored.is_fresh(inner.window) {
            return Ok(stored);
        }
    }
    Ok(t)
}

async fn acquire(inner: &Inner) -> Result<Token> {
    tracing::info!(target: "agenticstar", "requesting an access token with client credentials");
    Ok(Token::from_response(inner.server.request_for(&Grant::ClientCredentials, &inner.audience).await?, None))
}

/// The user session's current refresh token: the root's in memory, else its stored one.
async fn root_refresh_token(root: &Inner) -> Option<crate::secret::Secret> {
    let held = lock(root).token.as_ref().and_then(|t| t.refresh_token().cloned());
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
        let mut st = lock(root);
        let Some(t) = st.token.as_ref() else { return };
        let t = t.with_refresh(rt);
        st.token = Some(t.clone());
        t
    };
    let _ = persist(root, &updated, None).await;
}
