//! Everything the emulator remembers, behind one `Arc<Mutex<State>>`.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::faults::Fault;
use crate::http::{BodyKind, Incoming};

/// Endpoints that are counted, accept faults and have their requests recorded.
pub const ENDPOINTS: [&str; 20] = [
    "saas.token",
    "saas.device",
    "saas.revoke",
    "saas.introspect",
    "saas.userinfo",
    "saas.authorize",
    "saas.discovery",
    "saas.jwks",
    "marketplace.token",
    "keycloak.token",
    "keycloak.discovery",
    "keycloak.jwks",
    "wrapped.token",
    "chat.completions",
    "models",
    "me",
    "a2a.card",
    "a2a.rpc",
    "mcp",
    "mcp.prm",
];
/// Counters that record outcomes rather than requests.
const STREAM_COUNTERS: [&str; 6] = [
    "chat.completed",
    "chat.disconnects",
    "a2a.disconnects",
    "mcp.disconnects",
    "saas.refresh_reuse",
    "licences.refused",
];
/// Recorded requests kept per endpoint.
const MAX_RECORDS: usize = 200;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum IdTokenAlg {
    RS256,
    ES256,
}

/// Runtime behaviour; `GET/POST /admin/config` shows and patches exactly these fields.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub token_lifetime_secs: u64,
    pub marketplace_lifetime_secs: u64,
    pub keycloak_lifetime_secs: u64,
    pub refresh_token_lifetime_secs: u64,
    pub rotate_refresh_tokens: bool,
    pub id_token_alg: IdTokenAlg,
    pub licenses_exhausted: bool,
    /// Keycloak: when > 0, a token request is refused with 403 "Not enough available concurrent
    /// user licenses" while the client already holds this many live tokens (licences).
    pub licence_limit: u64,
    /// Presenting a spent rotated refresh token revokes the whole grant (its refresh and access
    /// tokens), as oidc-provider and Keycloak do.
    pub refresh_reuse_detection: bool,
    pub reply: Option<String>,
    pub chunk_chars: usize,
    pub chunk_delay_ms: u64,
    pub keepalive_every: usize,
    /// When > 0, streamed replies are this many generated chunks sent at full speed (benchmarks,
    /// constant-memory checks), built lazily so even gigabytes never sit in memory.
    pub stream_chunks: u64,
    /// RFC 8628 `interval` of new device authorizations (seconds; polls sooner get `slow_down`).
    pub device_interval_secs: u64,
    /// `expires_in` of new device authorizations (seconds).
    pub device_code_lifetime_secs: u64,
    /// Pause between the A2A echo agent's artifact chunks.
    pub a2a_word_delay_ms: u64,
    /// Bearer endpoints accept only the newest access token of a client: each token issued to
    /// it makes its earlier ones invalid (an issuer that rotates tokens).
    pub newest_token_only: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            token_lifetime_secs: 3600,
            marketplace_lifetime_secs: 1800,
            keycloak_lifetime_secs: 300,
            refresh_token_lifetime_secs: 86400,
            rotate_refresh_tokens: true,
            id_token_alg: IdTokenAlg::RS256,
            licenses_exhausted: false,
            licence_limit: 0,
            refresh_reuse_detection: true,
            reply: None,
            chunk_chars: 4,
            chunk_delay_ms: 0,
            keepalive_every: 0,
            stream_chunks: 0,
            device_interval_secs: 5,
            device_code_lifetime_secs: 600,
            a2a_word_delay_ms: 20,
            newest_token_only: false,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Saas,
    Marketplace,
    Keycloak,
    Wrapped,
}

/// An issued access token; bearer checks look tokens up here rather than verifying JWTs.
#[derive(Clone)]
pub struct Issued {
    pub client_id: String,
    pub sub: String,
    pub scope: String,
    /// The RFC 8707 resource it was issued for (its `aud`).
    pub resource: Option<String>,
    pub dialect: Dialect,
    pub expires_at: u64,
    pub revoked: bool,
    /// The grant (sign-in) this token belongs to, for revoking it on refresh-token reuse.
    pub family: Option<String>,
}

/// What a user approved at /authorize; carried by codes and refresh tokens.
#[derive(Clone)]
pub struct Grant {
    pub client_id: String,
    pub scope: String,
    pub nonce: Option<String>,
    pub auth_time: u64,
    pub expires_at: u64,
    /// Identifies one sign-in across its rotated refresh tokens.
    pub family: String,
}

pub struct Code {
    pub grant: Grant,
    pub redirect_uri: String,
    /// (challenge, method) when PKCE was used.
    pub challenge: Option<(String, String)>,
}

/// Where a device authorization stands (the user acts through /device or /admin/device).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceStatus {
    Pending,
    Approved,
    Denied,
}

/// An RFC 8628 device authorization, keyed by its device code.
pub struct DeviceCode {
    pub client_id: String,
    pub scope: String,
    pub user_code: String,
    pub expires_at: u64,
    /// Current polling interval; grows by 5 s with every `slow_down`.
    pub interval_ms: u64,
    pub last_poll: Option<std::time::Instant>,
    pub status: DeviceStatus,
    /// Set by `/admin/device` `slow_down`: the next poll gets `slow_down` whatever its timing.
    pub slow_down_next: bool,
}

pub struct State {
    pub settings: Settings,
    pub counters: BTreeMap<&'static str, u64>,
    pub faults: Vec<Fault>,
    pub requests: HashMap<&'static str, VecDeque<Value>>,
    pub tokens: HashMap<String, Issued>,
    /// Per client: the access token issued to it last (`newest_token_only`).
    pub newest_tokens: HashMap<String, String>,
    pub codes: HashMap<String, Code>,
    pub refresh_tokens: HashMap<String, Grant>,
    pub device_codes: HashMap<String, DeviceCode>,
    /// Rotated-away refresh tokens and the grant family they belonged to (reuse detection).
    pub spent_refresh_tokens: HashMap<String, String>,
    /// Per client: the most live tokens it ever held at once (licences).
    pub licence_peaks: BTreeMap<String, u64>,
    /// Index into `keys::KEYS.rsa`: 0 = rsa-1, 1 = rsa-2 after rotation.
    pub rsa_key: usize,
    /// Source of `chatcmpl-<n>` ids.
    pub completions: u64,
    /// The A2A agent's tasks.
    pub a2a: crate::a2a::Tasks,
    /// The MCP endpoint's legacy sessions.
    pub mcp: crate::mcp::Sessions,
}

impl Default for State {
    fn default() -> Self {
        Self {
            settings: Settings::default(),
            // All keys present from the start so GET /admin/counters always lists them.
            counters: ENDPOINTS.iter().chain(&STREAM_COUNTERS).map(|k| (*k, 0)).collect(),
            faults: Vec::new(),
            requests: HashMap::new(),
            tokens: HashMap::new(),
            newest_tokens: HashMap::new(),
            codes: HashMap::new(),
            refresh_tokens: HashMap::new(),
            device_codes: HashMap::new(),
            spent_refresh_tokens: HashMap::new(),
            licence_peaks: BTreeMap::new(),
            rsa_key: 0,
            completions: 0,
            a2a: Default::default(),
            mcp: Default::default(),
        }
    }
}

impl State {
    pub fn count(&mut self, key: &'static str) {
        *self.counters.entry(key).or_default() += 1;
    }

    /// Live (issued, unexpired, unrevoked) tokens of `client_id`: the licences it holds.
    pub fn live_tokens(&self, client_id: &str) -> u64 {
        let now = now();
        self.tokens.values().filter(|t| t.client_id == client_id && !t.revoked && now < t.expires_at).count() as u64
    }

    /// Revoke one sign-in: its refresh tokens and every access token issued from it.
    pub fn revoke_family(&mut self, family: &str) {
        self.refresh_tokens.retain(|_, g| g.family != family);
        for t in self.tokens.values_mut().filter(|t| t.family.as_deref() == Some(family)) {
            t.revoked = true;
        }
    }

    /// The access token if it was issued here, is unexpired and not revoked (and, with
    /// `newest_token_only`, is its client's newest).
    pub fn active_token(&self, token: &str) -> Option<&Issued> {
        let newest = |t: &Issued| {
            !self.settings.newest_token_only || self.newest_tokens.get(&t.client_id).is_some_and(|n| n == token)
        };
        self.tokens.get(token).filter(|t| !t.revoked && now() < t.expires_at && newest(t))
    }
}

/// Shared handle given to every handler.
#[derive(Clone)]
pub struct Ctx {
    pub state: Arc<Mutex<State>>,
    /// `http://host:port`, used for issuers and discovery documents.
    pub base: Arc<str>,
    /// Cancelled by `Emulator::shutdown`, so streams that would otherwise hang end too.
    pub shutdown: CancellationToken,
}

impl Ctx {
    /// Runs `f` under the lock; being synchronous, it cannot hold the lock across an await.
    pub fn with<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        f(&mut self.state.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Bookkeeping every endpoint does first: count, record, and apply the next queued fault.
    /// Generic faults (delay, drop, canned reply) are handled here; `Err` is the reply to send.
    /// The fault is returned so handlers can apply endpoint-specific kinds.
    pub async fn arrive(
        &self,
        endpoint: &'static str,
        req: &Incoming,
        kind: BodyKind,
    ) -> Result<Option<Fault>, Response> {
        let record = req.record(kind);
        let fault = self.with(|s| {
            s.count(endpoint);
            let log = s.requests.entry(endpoint).or_default();
            if log.len() == MAX_RECORDS {
                log.pop_front();
            }
            log.push_back(record);
            crate::faults::take(&mut s.faults, endpoint)
        });
        match fault {
            Some(fault) => fault.apply_generic().await.map(Some),
            None => Ok(None),
        }
    }
}

/// Counts `counter` (`chat.disconnects`, `a2a.disconnects`, `mcp.disconnects`) when a streamed
/// body is dropped before [`finish`](Self::finish): hyper drops the body as soon as the client
/// goes away (it watches the socket for EOF even while the stream pauses or hangs).
pub struct DisconnectGuard {
    ctx: Ctx,
    counter: &'static str,
    finished: bool,
}

impl DisconnectGuard {
    pub fn new(ctx: Ctx, counter: &'static str) -> Self {
        Self { ctx, counter, finished: false }
    }

    /// The stream ended on the server's side: not a disconnect.
    pub fn finish(&mut self) {
        self.finished = true;
    }

    pub fn finished(&self) -> bool {
        self.finished
    }

    pub fn ctx(&self) -> &Ctx {
        &self.ctx
    }
}

impl Drop for DisconnectGuard {
    fn drop(&mut self) {
        if !self.finished {
            self.ctx.with(|s| s.count(self.counter));
        }
    }
}

pub fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// `n` random bytes as lowercase hex.
pub fn random_hex(n: usize) -> String {
    use rand::RngCore;
    let mut bytes = vec![0u8; n];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
