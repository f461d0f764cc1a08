//! Where tokens live between calls and between runs.
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Result};
use crate::secret::Secret;

/// A token as persisted: wall-clock expiry, since a monotonic instant means nothing after a restart.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct StoredToken {
    pub access_token: Secret,
    #[serde(default = "bearer")]
    pub token_type: String,
    #[serde(default)]
    pub scope: Option<String>,
    /// Unix seconds.
    #[serde(default)]
    pub expires_at: Option<u64>,
    #[serde(default)]
    pub lifetime_secs: Option<u64>,
    #[serde(default)]
    pub refresh_token: Option<Secret>,
    #[serde(default)]
    pub refresh_expires_at: Option<u64>,
    #[serde(default)]
    pub id_token: Option<Secret>,
}

fn bearer() -> String {
    "Bearer".into()
}

/// A stored token and the version a compare-and-set write ([`TokenStore::save_if`]) must match.
#[derive(Clone, Debug, PartialEq)]
pub struct Versioned {
    pub token: StoredToken,
    /// Grows with every write; 0 for stores that do not version.
    pub version: u64,
}

/// The answer of [`TokenStore::lease`].
pub enum Lease {
    /// This process renews; other processes wait until the guard is dropped (or, if this process
    /// dies, until the store lets the lease lapse).
    Held(Box<dyn Send>),
    /// Another process holds the lease: wait with [`TokenStore::changed`], then look again.
    Busy,
}

/// Persistence for tokens (Keychain, EncryptedSharedPreferences, a file, Redis, a database...).
///
/// A renewal goes: take the [`lease`](TokenStore::lease) (single flight across processes), load
/// what the store holds (another process may have renewed), ask the token endpoint if still
/// needed, [`save_if`](TokenStore::save_if) the version it loaded, drop the lease. Only `load`,
/// `save` and `clear` are required; the defaults give a store without cross-process coordination.
/// `FileStore` leases with an advisory file lock (the OS drops it when a holder dies); `RedisStore`
/// with `SET NX PX` and a compare-and-set script.
#[async_trait]
pub trait TokenStore: Send + Sync {
    async fn load(&self, key: &str) -> Result<Option<StoredToken>>;
    async fn save(&self, key: &str, token: &StoredToken) -> Result<()>;
    async fn clear(&self, key: &str) -> Result<()>;
    /// A guard that excludes other processes until dropped. Default: no cross-process lock.
    async fn lock(&self, _key: &str) -> Result<Option<Box<dyn Send>>> {
        Ok(None)
    }
    /// Take the renewal lease for `key`. Default: [`lock`](TokenStore::lock), which waits.
    async fn lease(&self, key: &str) -> Result<Lease> {
        Ok(Lease::Held(Box::new(self.lock(key).await?)))
    }
    /// `load` with the version to give `save_if`. Default: version 0.
    async fn load_versioned(&self, key: &str) -> Result<Option<Versioned>> {
        Ok(self.load(key).await?.map(|token| Versioned { token, version: 0 }))
    }
    /// Save only if the stored version is still `expected` (`None`: nothing stored), so a holder
    /// whose lease lapsed can never overwrite a newer rotated refresh token. `Ok(false)`: someone
    /// else wrote first. Default: an unconditional `save`.
    async fn save_if(&self, key: &str, token: &StoredToken, expected: Option<u64>) -> Result<bool> {
        let _ = expected;
        self.save(key, token).await.map(|()| true)
    }
    /// Wait until `key` may have changed from version `seen` (another process saved or dropped
    /// its lease), at most `max_wait`. Default: a short poll.
    async fn changed(&self, key: &str, seen: Option<u64>, max_wait: Duration) {
        let _ = (key, seen);
        tokio::time::sleep(max_wait.min(Duration::from_millis(100))).await;
    }
}

/// The default store: tokens live as long as the process.
#[derive(Default)]
pub struct MemoryStore(Mutex<HashMap<String, StoredToken>>);

#[async_trait]
impl TokenStore for MemoryStore {
    async fn load(&self, key: &str) -> Result<Option<StoredToken>> {
        Ok(self.0.lock().unwrap_or_else(|p| p.into_inner()).get(key).cloned())
    }
    async fn save(&self, key: &str, token: &StoredToken) -> Result<()> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).insert(key.to_owned(), token.clone());
        Ok(())
    }
    async fn clear(&self, key: &str) -> Result<()> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).remove(key);
        Ok(())
    }
}

/// A JSON file of tokens by key, readable by its owner only (0600), replaced atomically, with a
/// `<file>.lock` advisory lock so several processes can share it.
#[derive(Clone, Debug)]
pub struct FileStore {
    path: PathBuf,
}

fn store_err(what: &str, e: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::Store, format!("token file: {what}: {e}"))
}

impl FileStore {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FileStore { path: path.into() }
    }

    /// `$AGENTICSTAR_TOKEN_FILE`, else `~/.config/agenticstar/tokens.json` (XDG_CONFIG_HOME honoured).
    pub fn default_path() -> PathBuf {
        if let Some(p) = std::env::var_os("AGENTICSTAR_TOKEN_FILE") {
            return p.into();
        }
        let base = std::env::var_os("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
            .unwrap_or_else(|| PathBuf::from("."));
        base.join("agenticstar").join("tokens.json")
    }

    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    fn read_all(&self) -> Result<HashMap<String, StoredToken>> {
        match std::fs::read(&self.path) {
            Ok(b) if b.is_empty() => Ok(HashMap::new()),
            Ok(b) => serde_json::from_slice(&b).map_err(|e| store_err("unreadable", e)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(HashMap::new()),
            Err(e) => Err(store_err("read", e)),
        }
    }

    fn write_all(&self, all: &HashMap<String, StoredToken>) -> Result<()> {
        use std::io::Write;
        let dir = self.path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
        std::fs::create_dir_all(dir).map_err(|e| store_err("create directory", e))?;
        let tmp = self.path.with_extension(format!("tmp{}", std::process::id()));
        let mut f = open_private(&tmp).map_err(|e| store_err("write", e))?;
        let body = serde_json::to_vec_pretty(all).map_err(|e| store_err("encode", e))?;
        f.write_all(&body).and_then(|_| f.sync_all()).map_err(|e| store_err("write", e))?;
        std::fs::rename(&tmp, &self.path).map_err(|e| store_err("replace", e))
    }

    fn lock_path(&self) -> PathBuf {
        let mut p = self.path.clone().into_os_string();
        p.push(".lock");
        p.into()
    }
}

fn open_private(path: &std::path::Path) -> std::io::Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path)
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f).await.unwrap_or_else(|_| Err(Error::new(ErrorKind::Store, "token file task failed")))
}

#[async_trait]
impl TokenStore for FileStore {
    async fn load(&self, key: &str) -> Result<Option<StoredToken>> {
        let (s, key) = (self.clone(), key.to_owned());
        blocking(move || Ok(s.read_all()?.remove(&key))).await
    }
    async fn save(&self, key: &str, token: &StoredToken) -> Result<()> {
        let (s, key, token) = (self.clone(), key.to_owned(), token.clone());
        blocking(move || {
            let mut all = s.read_all().unwrap_or_default();
            all.insert(key, token);
            s.write_all(&all)
        })
        .await
    }
    async fn clear(&self, key: &str) -> Result<()> {
        let (s, key) = (self.clone(), key.to_owned());
        blocking(move || {
            let mut all = s.read_all()?;
            if all.remove(&key).is_some() {
                s.write_all(&all)?;
            }
            Ok(())
        })
        .await
    }
    async fn lock(&self, _key: &str) -> Result<Option<Box<dyn Send>>> {
        let p = self.lock_path();
        blocking(move || {
            if let Some(d) = p.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(d).map_err(|e| store_err("create directory", e))?;
            }
            let f = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&p)
                .map_err(|e| store_err("lock", e))?;
            f.lock().map_err(|e| store_err("lock", e))?; // released when the file is closed
            Ok(Some(Box::new(f) as Box<dyn Send>))
        })
        .await
    }
}
