//! Tokens, the token endpoint client, stores and the token manager.
mod manager;
#[cfg(feature = "redis")]
mod redis;
mod server;
mod spec;
mod store;

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub(crate) use manager::ManagerConfig;
pub use manager::{AuthFlow, StoreErrorListener, TokenListener, TokenManager};
#[cfg(feature = "redis")]
pub use redis::{RedisOptions, RedisStore};
pub use server::Audience;
pub(crate) use server::{AuthServer, Grant};
pub use spec::{OpenedStore, open_store, spec_from_text};
pub use store::{FileStore, Lease, MemoryStore, StoredToken, TokenStore, Versioned};

use crate::provider::TokenResponse;
use crate::scope::Scopes;
use crate::secret::Secret;

/// An access token with what the SDK knows about it. Cheap to clone.
#[derive(Clone)]
pub struct Token(Arc<TokenInner>);

struct TokenInner {
    access_token: Secret,
    token_type: String,
    scopes: Option<Scopes>,
    /// Monotonic expiry: wall-clock jumps must not make a token look fresh or stale.
    expires_at: Option<Instant>,
    expires_at_unix: Option<u64>,
    lifetime: Option<Duration>,
    refresh_token: Option<Secret>,
    refresh_expires_at_unix: Option<u64>,
    id_token: Option<Secret>,
}

fn clamp_lifetime(secs: u64) -> u64 {
    secs.min(crate::provider::MAX_LIFETIME_SECS)
}

/// `secs` (already clamped) from now; never overflows the monotonic clock.
fn instant_in(secs: u64) -> Instant {
    let now = Instant::now();
    now.checked_add(Duration::from_secs(secs)).unwrap_or(now)
}

pub(crate) fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

impl Token {
    /// A token fresh from the endpoint. A refresh answer without refresh_token keeps `previous_refresh`.
    pub(crate) fn from_response(r: TokenResponse, previous_refresh: Option<Secret>) -> Token {
        let now = unix_now();
        let expires_in = r.expires_in.map(clamp_lifetime);
        Token(Arc::new(TokenInner {
            access_token: r.access_token,
            token_type: r.token_type,
            scopes: r.scope.as_deref().map(Scopes::parse),
            expires_at: expires_in.map(instant_in),
            expires_at_unix: expires_in.map(|s| now.saturating_add(s)),
            lifetime: expires_in.map(Duration::from_secs),
            refresh_token: r.refresh_token.or(previous_refresh),
            // Keycloak says 0 for refresh tokens without a lifetime of their own (offline tokens).
            refresh_expires_at_unix: r
                .refresh_expires_in
                .filter(|s| *s > 0)
                .map(|s| now.saturating_add(clamp_lifetime(s))),
            id_token: r.id_token,
        }))
    }

    pub(crate) fn from_stored(s: StoredToken) -> Token {
        let now = unix_now();
        // A store is as untrusted as a server: clamp what it says before it meets the clock.
        let expires_at = s.expires_at.map(|e| instant_in(clamp_lifetime(e.saturating_sub(now))));
        Token(Arc::new(TokenInner {
            access_token: s.access_token,
            token_type: s.token_type,
            scopes: s.scope.as_deref().map(Scopes::parse),
            expires_at,
            expires_at_unix: s.expires_at,
            lifetime: s.lifetime_secs.map(|l| Duration::from_secs(clamp_lifetime(l))),
            refresh_token: s.refresh_token,
            refresh_expires_at_unix: s.refresh_expires_at,
            id_token: s.id_token,
        }))
    }

    /// The form a [`TokenStore`] persists (wall-clock expiry instead of an `Instant`).
    pub fn to_stored(&self) -> StoredToken {
        let t = &self.0;
        StoredToken {
            access_token: t.access_token.clone(),
            token_type: t.token_type.clone(),
            scope: t.scopes.as_ref().map(|s| s.to_string()),
            expires_at: t.expires_at_unix,
            lifetime_secs: t.lifetime.map(|l| l.as_secs()),
            refresh_token: t.refresh_token.clone(),
            refresh_expires_at: t.refresh_expires_at_unix,
            id_token: t.id_token.clone(),
        }
    }

    /// The bearer token for API calls.
    pub fn access_token(&self) -> &Secret {
        &self.0.access_token
    }
    /// Always `Bearer`.
    pub fn token_type(&self) -> &str {
        &self.0.token_type
    }
    /// The granted scopes, when the server said.
    pub fn scopes(&self) -> Option<&Scopes> {
        self.0.scopes.as_ref()
    }
    /// Time left before expiry (zero once expired); None if the server gave no lifetime.
    pub fn expires_in(&self) -> Option<Duration> {
        self.0.expires_at.map(|e| e.saturating_duration_since(Instant::now()))
    }
    /// Whether the granted scopes allow `scope`, directly or through an including one (`chat:all`
    /// covers `chat:exec`); false when the server did not say what it granted.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes().is_some_and(|s| s.allows(scope))
    }
    /// Expiry as Unix seconds (wall clock), for display and storage.
    pub fn expires_at_unix(&self) -> Option<u64> {
        self.0.expires_at_unix
    }
    /// Seconds of life the server granted.
    pub fn lifetime(&self) -> Option<Duration> {
        self.0.lifetime
    }
    /// Token for renewing without the user, if one was issued.
    pub fn refresh_token(&self) -> Option<&Secret> {
        self.0.refresh_token.as_ref()
    }
    /// The OIDC ID token, if one was issued.
    pub fn id_token(&self) -> Option<&Secret> {
        self.0.id_token.as_ref()
    }
    /// Past its expiry; never true for a token without a lifetime.
    pub fn is_expired(&self) -> bool {
        self.0.expires_at.is_some_and(|e| Instant::now() >= e)
    }

    /// More than the refresh window left. The window never exceeds half the lifetime, so
    /// short-lived tokens (Keycloak's 5 minutes) are still used for half their life.
    pub(crate) fn is_fresh(&self, window: Duration) -> bool {
        let Some(expires_at) = self.0.expires_at else { return true };
        let window = match self.0.lifetime {
            Some(l) => window.min(l / 2),
            None => window,
        };
        Instant::now().checked_add(window).is_some_and(|t| t < expires_at)
    }

    /// Before the hard edge: expiry minus `skew` (at most a tenth of the lifetime). Past it,
    /// callers wait for a renewal instead of being served this token.
    pub(crate) fn before_hard_edge(&self, skew: Duration) -> bool {
        self.until_hard_edge(skew) > Duration::ZERO
    }

    /// Time left before the hard edge (zero past it; a long time without a known expiry).
    pub(crate) fn until_hard_edge(&self, skew: Duration) -> Duration {
        let Some(expires_at) = self.0.expires_at else { return Duration::from_secs(86_400) };
        let skew = match self.0.lifetime {
            Some(l) => skew.min(l / 10),
            None => skew,
        };
        expires_at.checked_sub(skew).map_or(Duration::ZERO, |edge| edge.saturating_duration_since(Instant::now()))
    }

    /// This token with another refresh token (a sibling's renewal rotated it).
    pub(crate) fn with_refresh(&self, rt: Option<Secret>) -> Token {
        let t = &self.0;
        Token(Arc::new(TokenInner {
            access_token: t.access_token.clone(),
            token_type: t.token_type.clone(),
            scopes: t.scopes.clone(),
            expires_at: t.expires_at,
            expires_at_unix: t.expires_at_unix,
            lifetime: t.lifetime,
            refresh_token: rt,
            refresh_expires_at_unix: t.refresh_expires_at_unix,
            id_token: t.id_token.clone(),
        }))
    }

    pub(crate) fn same_access(&self, other: &str) -> bool {
        self.0.access_token.expose() == other
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Token")
            .field("access_token", &self.0.access_token)
            .field("token_type", &self.0.token_type)
            .field("scopes", &self.0.scopes)
            .field("expires_in", &self.expires_in())
            .field("refresh_token", &self.0.refresh_token)
            .field("id_token", &self.0.id_token)
            .finish()
    }
}

/// Size-bounded only: callers must bound it in time themselves; prefer `http::read_body`.
pub(crate) use crate::http::read_limited as read_limited_pub;
