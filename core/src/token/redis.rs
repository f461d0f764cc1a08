//! `RedisStore`: one token store for every process and host (MSAL's distributed cache, plus
//! single flight across hosts).
//!
//! Layout under the prefix (default `agenticstar:`), for a store key K:
//! - `{prefix}{K}`: a hash `{v: version, d: data}`, with a TTL until the refresh token (or the
//!   access token) expires; `d` is the token JSON, or `e1:` + base64(nonce ‖ XChaCha20-Poly1305
//!   ciphertext) with the Redis key as associated data when an encryption key is set;
//! - `{prefix}{K}:lease`: the renewal lease, `SET NX PX`, kept alive by its holder every third of
//!   its lifetime and lapsing on its own when the holder dies;
//! - channel `{prefix}events`: the key of every save, clear and lease release, so waiters wake at
//!   once (polling is the fallback when the subscription is down).
//!
//! Saves are compare-and-set on the version (a Lua script), so a holder whose lease lapsed can
//! never overwrite a newer rotated refresh token.
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use redis::aio::MultiplexedConnection;
use serde::Deserialize;

use super::store::{Lease, StoredToken, TokenStore, Versioned};
use super::unix_now;
use crate::error::{Error, ErrorKind, Result};
use crate::secret::Secret;

/// How a [`RedisStore`] connects and keeps tokens. Deserializes from the `tokenStore` object form
/// (camelCase keys).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RedisOptions {
    /// `redis://[user:password@]host[:port][/db]` or `rediss://` (TLS).
    pub url: String,
    /// Prepended to every key and the channel.
    #[serde(default = "default_prefix")]
    pub key_prefix: String,
    /// Force TLS on a `redis://` URL.
    #[serde(default)]
    pub tls: bool,
    /// The ACL user; overrides the URL's.
    #[serde(default)]
    pub username: Option<String>,
    /// The password; overrides the URL's (keeps it out of a URL that may be logged).
    #[serde(default)]
    pub password: Option<Secret>,
    /// 32 bytes, base64: tokens are encrypted at rest (XChaCha20-Poly1305).
    #[serde(default)]
    pub encryption_key: Option<Secret>,
    /// The renewal lease's lifetime; a dead holder's lease lapses after at most this.
    #[serde(default = "default_lease_ms")]
    pub lease_ms: u64,
    /// Connect and command timeout: past it Redis counts as unreachable for that call.
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// At most this TTL on stored tokens (default: until the refresh or access token expires).
    #[serde(default)]
    pub max_ttl_secs: Option<u64>,
}

fn default_prefix() -> String {
    "agenticstar:".into()
}
fn default_lease_ms() -> u64 {
    10_000
}
fn default_timeout_ms() -> u64 {
    2_000
}

impl RedisOptions {
    /// Options for `url` with every default.
    pub fn new(url: impl Into<String>) -> Self {
        RedisOptions {
            url: url.into(),
            key_prefix: default_prefix(),
            tls: false,
            username: None,
            password: None,
            encryption_key: None,
            lease_ms: default_lease_ms(),
            timeout_ms: default_timeout_ms(),
            max_ttl_secs: None,
        }
    }
}

/// Tokens in Redis, shared by every process and host; see the module docs for the layout.
#[derive(Clone)]
pub struct RedisStore {
    shared: Arc<Shared>,
}

struct Shared {
    client: redis::Client,
    config: redis::AsyncConnectionConfig,
    prefix: String,
    channel: String,
    cipher: Option<XChaCha20Poly1305>,
    lease: Duration,
    max_ttl: Option<Duration>,
    conn: tokio::sync::Mutex<Option<MultiplexedConnection>>,
    /// Woken by the subscriber task on every event.
    events: tokio::sync::Notify,
    subscriber: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("prefix", &self.shared.prefix)
            .field("encrypted", &self.shared.cipher.is_some())
            .finish_non_exhaustive()
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        if let Some(h) = self.subscriber.lock().unwrap_or_else(|p| p.into_inner()).take() {
            h.abort();
        }
    }
}

fn store_err(what: &str, e: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::Store, format!("redis: {what}: {e}"))
}

/// Redis errors can echo arguments; say only what kind of failure it was.
fn redis_err(what: &str, e: &redis::RedisError) -> Error {
    let why = if e.is_timeout() {
        "timed out".to_owned()
    } else if e.is_io_error() || e.is_connection_dropped() || e.is_connection_refusal() {
        "unreachable".to_owned()
    } else {
        format!("{:?}", e.kind())
    };
    store_err(what, why)
}

const SAVE_IF: &str = r"
local cur = redis.call('HGET', KEYS[1], 'v')
if ARGV[1] ~= '*' then
  if ARGV[1] == '' then
    if cur then return -1 end
  elseif cur ~= ARGV[1] then
    return -1
  end
end
local v = (tonumber(cur) or 0) + 1
redis.call('HSET', KEYS[1], 'v', v, 'd', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PUBLISH', ARGV[4], KEYS[1])
return v
";
const EXTEND: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
";
const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('PUBLISH', ARGV[2], KEYS[1])
  return 1
end
return 0
";

impl RedisStore {
    /// A store for `redis://` / `rediss://` `url` with default options. Does not connect yet:
    /// the first operation does (and every later one after Redis was unreachable).
    pub fn new(url: &str) -> Result<Self> {
        Self::with_options(RedisOptions::new(url))
    }

    /// A store with every option; the URL and the key are checked now, the connection made later.
    pub fn with_options(o: RedisOptions) -> Result<Self> {
        let mut url = url::Url::parse(&o.url).map_err(|e| Error::config(format!("token store URL: {e}")))?;
        match url.scheme() {
            "redis" | "rediss" => {}
            s => {
                return Err(Error::config(format!(
                    "token store URL: unsupported scheme {s:?} (redis:// or rediss://)"
                )));
            }
        }
        if o.tls && url.scheme() == "redis" {
            let rest = url.as_str()["redis".len()..].to_owned();
            url = url::Url::parse(&format!("rediss{rest}"))
                .map_err(|e| Error::config(format!("token store URL: {e}")))?;
        }
        if let Some(u) = &o.username {
            url.set_username(u).map_err(|_| Error::config("token store URL: cannot set a username"))?;
        }
        if let Some(p) = &o.password {
            url.set_password(Some(p.expose())).map_err(|_| Error::config("token store URL: cannot set a password"))?;
        }
        let client =
            redis::Client::open(url.as_str()).map_err(|e| Error::config(format!("token store URL: {:?}", e.kind())))?;
        let cipher = match &o.encryption_key {
            Some(k) => {
                let key = STANDARD
                    .decode(k.expose().trim())
                    .ok()
                    .filter(|k| k.len() == 32)
                    .ok_or_else(|| Error::config("token store encryptionKey must be 32 bytes in base64"))?;
                Some(XChaCha20Poly1305::new_from_slice(&key).map_err(|_| Error::config("token store encryptionKey"))?)
            }
            None => None,
        };
        if o.lease_ms < 100 {
            return Err(Error::config("token store leaseMs must be at least 100"));
        }
        let timeout = Duration::from_millis(o.timeout_ms.max(1));
        let config = redis::AsyncConnectionConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout));
        Ok(RedisStore {
            shared: Arc::new(Shared {
                client,
                config,
                channel: format!("{}events", o.key_prefix),
                prefix: o.key_prefix,
                cipher,
                lease: Duration::from_millis(o.lease_ms),
                max_ttl: o.max_ttl_secs.map(Duration::from_secs),
                conn: tokio::sync::Mutex::new(None),
                events: tokio::sync::Notify::new(),
                subscriber: Mutex::new(None),
            }),
        })
    }

    fn key(&self, key: &str) -> String {
        format!("{}{key}", self.shared.prefix)
    }

    async fn conn(&self) -> Result<MultiplexedConnection> {
        let mut slot = self.shared.conn.lock().await;
        if let Some(c) = slot.as_ref() {
            return Ok(c.clone());
        }
        let c = self
            .shared
            .client
            .get_multiplexed_async_connection_with_config(&self.shared.config)
            .await
            .map_err(|e| redis_err("connect", &e))?;
        *slot = Some(c.clone());
        Ok(c)
    }

    /// Run one command; a connection-level failure drops the connection so the next call reconnects.
    async fn run<T: redis::FromRedisValue>(
        &self,
        what: &str,
        cmd: impl AsyncFnOnce(&mut MultiplexedConnection) -> redis::RedisResult<T>,
    ) -> Result<T> {
        let mut c = self.conn().await?;
        match cmd(&mut c).await {
            Ok(v) => Ok(v),
            Err(e) => {
                if e.is_io_error() || e.is_connection_dropped() || e.is_timeout() || e.is_connection_refusal() {
                    *self.shared.conn.lock().await = None;
                }
                Err(redis_err(what, &e))
            }
        }
    }

    fn seal(&self, redis_key: &str, token: &StoredToken) -> Result<String> {
        let json = serde_json::to_string(token).map_err(|e| store_err("encode", e))?;
        let Some(cipher) = &self.shared.cipher else { return Ok(json) };
        let mut nonce = [0u8; 24];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut nonce);
        let ct = cipher
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: json.as_bytes(), aad: redis_key.as_bytes() })
            .map_err(|_| store_err("encrypt", "failed"))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ct);
        Ok(format!("e1:{}", STANDARD.encode(out)))
    }

    fn open(&self, redis_key: &str, data: &str) -> Result<StoredToken> {
        let json = match (&self.shared.cipher, data.strip_prefix("e1:")) {
            (Some(cipher), Some(b64)) => {
                let raw = STANDARD.decode(b64).map_err(|_| store_err("decrypt", "not base64"))?;
                if raw.len() < 24 {
                    return Err(store_err("decrypt", "too short"));
                }
                let (nonce, ct) = raw.split_at(24);
                let plain = cipher
                    .decrypt(XNonce::from_slice(nonce), Payload { msg: ct, aad: redis_key.as_bytes() })
                    .map_err(|_| store_err("decrypt", "authentication failed (another encryption key?)"))?;
                String::from_utf8(plain).map_err(|_| store_err("decrypt", "not UTF-8"))?
            }
            (Some(_), None) => return Err(store_err("decrypt", "the stored token is not encrypted")),
            (None, Some(_)) => return Err(store_err("decrypt", "the stored token is encrypted and no key is set")),
            (None, None) => data.to_owned(),
        };
        serde_json::from_str(&json).map_err(|e| store_err("unreadable token", e))
    }

    /// Until the refresh token (or, without one, the access token) expires, plus a minute; capped.
    fn ttl(&self, t: &StoredToken) -> Duration {
        let until = match &t.refresh_token {
            Some(_) => t.refresh_expires_at,
            None => t.expires_at,
        };
        let ttl = match until {
            Some(at) => Duration::from_secs(at.saturating_sub(unix_now()).saturating_add(60)),
            None => Duration::from_secs(30 * 86_400),
        };
        self.shared.max_ttl.map_or(ttl, |m| ttl.min(m)).max(Duration::from_secs(1))
    }

    /// Start (or restart after a failure) the task that turns channel messages into wake-ups.
    fn ensure_subscriber(&self) {
        let mut slot = self.shared.subscriber.lock().unwrap_or_else(|p| p.into_inner());
        if slot.as_ref().is_some_and(|h| !h.is_finished()) {
            return;
        }
        let Ok(rt) = tokio::runtime::Handle::try_current() else { return };
        let weak = Arc::downgrade(&self.shared);
        *slot = Some(rt.spawn(async move {
            use futures::StreamExt;
            let Some(shared) = weak.upgrade() else { return };
            let (client, channel) = (shared.client.clone(), shared.channel.clone());
            drop(shared);
            let Ok(Ok(mut pubsub)) = tokio::time::timeout(Duration::from_secs(2), client.get_async_pubsub()).await
            else {
                return;
            };
            if pubsub.subscribe(&channel).await.is_err() {
                return;
            }
            let mut messages = pubsub.into_on_message();
            while messages.next().await.is_some() {
                let Some(shared) = weak.upgrade() else { return };
                shared.events.notify_waiters();
            }
        }));
    }
}

/// Holds the lease; keeps it alive while held, releases it when dropped.
struct LeaseGuard {
    store: RedisStore,
    key: String,
    owner: String,
    keepalive: tokio::task::JoinHandle<()>,
}

impl Drop for LeaseGuard {
    fn drop(&mut self) {
        self.keepalive.abort();
        let (store, key, owner) = (self.store.clone(), std::mem::take(&mut self.key), std::mem::take(&mut self.owner));
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            rt.spawn(async move {
                let channel = store.shared.channel.clone();
                let _ = store
                    .run::<i64>("release lease", async |c| {
                        redis::Script::new(RELEASE).key(&key).arg(&owner).arg(&channel).invoke_async(c).await
                    })
                    .await;
            });
        }
    }
}

#[async_trait]
impl TokenStore for RedisStore {
    async fn load(&self, key: &str) -> Result<Option<StoredToken>> {
        Ok(self.load_versioned(key).await?.map(|v| v.token))
    }

    async fn save(&self, key: &str, token: &StoredToken) -> Result<()> {
        self.save_raw(key, token, "*".into()).await.map(|_| ())
    }

    async fn clear(&self, key: &str) -> Result<()> {
        let (k, channel) = (self.key(key), self.shared.channel.clone());
        self.run::<()>("clear", async |c| {
            redis::pipe().cmd("DEL").arg(&k).ignore().cmd("PUBLISH").arg(&channel).arg(&k).ignore().query_async(c).await
        })
        .await
    }

    async fn lease(&self, key: &str) -> Result<Lease> {
        let lease_key = format!("{}:lease", self.key(key));
        // The pid shows who holds it (for operators and the tests); the random part makes it unique.
        let owner = format!("{}-{:016x}", std::process::id(), rand::random::<u64>());
        let ms = self.shared.lease.as_millis() as u64;
        let got: Option<String> = self
            .run("lease", async |c| {
                redis::cmd("SET").arg(&lease_key).arg(&owner).arg("NX").arg("PX").arg(ms).query_async(c).await
            })
            .await?;
        if got.is_none() {
            self.ensure_subscriber();
            return Ok(Lease::Busy);
        }
        let store = self.clone();
        let (k, o) = (lease_key.clone(), owner.clone());
        let keepalive = tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(ms / 3)).await;
                let kept = store
                    .run::<i64>("extend lease", async |c| {
                        redis::Script::new(EXTEND).key(&k).arg(&o).arg(ms).invoke_async(c).await
                    })
                    .await;
                if matches!(kept, Ok(0)) {
                    tracing::warn!(target: "agenticstar", "the token renewal lease lapsed while renewing");
                    return;
                }
            }
        });
        Ok(Lease::Held(Box::new(LeaseGuard { store: self.clone(), key: lease_key, owner, keepalive })))
    }

    async fn load_versioned(&self, key: &str) -> Result<Option<Versioned>> {
        let k = self.key(key);
        let (v, d): (Option<u64>, Option<String>) =
            self.run("load", async |c| redis::cmd("HMGET").arg(&k).arg("v").arg("d").query_async(c).await).await?;
        match d {
            Some(d) => Ok(Some(Versioned { token: self.open(&k, &d)?, version: v.unwrap_or(0) })),
            None => Ok(None),
        }
    }

    async fn save_if(&self, key: &str, token: &StoredToken, expected: Option<u64>) -> Result<bool> {
        let expected = expected.map(|v| v.to_string()).unwrap_or_default();
        Ok(self.save_raw(key, token, expected).await? >= 0)
    }

    async fn changed(&self, key: &str, seen: Option<u64>, max_wait: Duration) {
        self.ensure_subscriber();
        let notified = self.shared.events.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        // Something may have changed before we started listening.
        let k = self.key(key);
        let lease_key = format!("{k}:lease");
        let now: Result<(Option<u64>, bool)> = self
            .run("poll", async |c| {
                redis::pipe().cmd("HGET").arg(&k).arg("v").cmd("EXISTS").arg(&lease_key).query_async(c).await
            })
            .await;
        match now {
            Ok((v, leased)) if v != seen || !leased => return,
            Err(_) => return tokio::time::sleep(max_wait).await,
            _ => {}
        }
        let _ = tokio::time::timeout(max_wait, notified).await;
    }
}

impl RedisStore {
    /// The compare-and-set script: the new version, or -1 when `expected` no longer matches.
    async fn save_raw(&self, key: &str, token: &StoredToken, expected: String) -> Result<i64> {
        let k = self.key(key);
        let data = self.seal(&k, token)?;
        let ttl = self.ttl(token).as_millis() as u64;
        let channel = self.shared.channel.clone();
        self.run("save", async |c| {
            redis::Script::new(SAVE_IF).key(&k).arg(&expected).arg(&data).arg(ttl).arg(&channel).invoke_async(c).await
        })
        .await
    }
}
