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
    /// The access token.
    pub access_token: Secret,
    /// The token type the server gave (default `Bearer`).
    #[serde(default = "bearer")]
    pub token_type: String,
    /// The granted scopes, space-separated (RFC 6749 §3.3), if the server said.
    #[serde(default)]
    pub scope: Option<String>,
    /// When the access token expires, in Unix seconds (`None`: the server gave no `expires_in`).
    #[serde(default)]
    pub expires_at: Option<u64>,
    /// The access token's whole lifetime (`expires_in` when issued), in seconds; the refresh window
    /// is a share of it.
    #[serde(default)]
    pub lifetime_secs: Option<u64>,
    /// The refresh token, if one was issued.
    #[serde(default)]
    pub refresh_token: Option<Secret>,
    /// When the refresh token expires, in Unix seconds, if the server said
    /// (`refresh_expires_in`, Keycloak).
    #[serde(default)]
    pub refresh_expires_at: Option<u64>,
    /// The OIDC ID token of a sign-in, if one was issued.
    #[serde(default)]
    pub id_token: Option<Secret>,
}

fn bearer() -> String {
    "Bearer".into()
}

/// A stored token and the version a compare-and-set write ([`TokenStore::save_if`]) must match.
#[derive(Clone, Debug, PartialEq)]
pub struct Versioned {
    /// The token.
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
    /// The token stored under `key`, or `None`.
    async fn load(&self, key: &str) -> Result<Option<StoredToken>>;
    /// Store `token` under `key`, replacing what was there.
    async fn save(&self, key: &str, token: &StoredToken) -> Result<()>;
    /// Forget `key` (no error if nothing is stored).
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
///
/// Safe in shared directories: each write goes through a randomly named temporary file created
/// `O_CREAT|O_EXCL|O_NOFOLLOW` with mode 0600 and renamed over the token file; a directory that
/// other users may write to (and that is not sticky) is refused, and so is a token or lock file
/// owned by another user or reached through a symlink. A leading `~` is the home directory.
#[derive(Clone, Debug)]
pub struct FileStore {
    path: PathBuf,
}

fn store_err(what: &str, e: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::Store, format!("token file: {what}: {e}"))
}

/// `~` and `~/…` are the home directory (`$HOME`), as a shell would expand them.
fn expand_home(path: PathBuf) -> PathBuf {
    let Some(s) = path.to_str() else { return path };
    let rest = match s.strip_prefix('~') {
        Some("") => "",
        Some(r) if r.starts_with('/') => &r[1..],
        _ => return path,
    };
    match std::env::var_os("HOME").filter(|h| !h.is_empty()) {
        Some(home) => PathBuf::from(home).join(rest),
        None => path,
    }
}

impl FileStore {
    /// A store in the JSON file at `path` (a leading `~/` is the home directory). Nothing is read
    /// or created until the first operation.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FileStore { path: expand_home(path.into()) }
    }

    fn dir(&self) -> &std::path::Path {
        self.path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."))
    }

    /// Refuse a directory where another user could swap our files (writable by others, not sticky).
    fn check_dir(&self) -> Result<()> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let dir = self.dir();
            match std::fs::metadata(dir) {
                Ok(m) if m.permissions().mode() & 0o002 != 0 && m.permissions().mode() & 0o1000 == 0 => {
                    return Err(store_err(
                        "unsafe directory",
                        format!("{} is writable by other users and not sticky", dir.display()),
                    ));
                }
                _ => {}
            }
        }
        Ok(())
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

    /// The file, with `~` expanded.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// The file's bytes, or None if there is none. Refuses symlinks and other users' files.
    fn read_raw(&self) -> Result<Option<Vec<u8>>> {
        use std::io::Read;
        self.check_dir()?;
        let mut f = match open_nofollow(&self.path, false) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(store_err("read", e)),
        };
        check_owner(&f, &self.path)?;
        let mut b = Vec::new();
        f.read_to_end(&mut b).map_err(|e| store_err("read", e))?;
        Ok(Some(b))
    }

    fn read_all(&self) -> Result<HashMap<String, StoredToken>> {
        match self.read_raw()? {
            Some(b) if !b.is_empty() => serde_json::from_slice(&b).map_err(|e| store_err("unreadable", e)),
            _ => Ok(HashMap::new()),
        }
    }

    fn write_all(&self, all: &HashMap<String, StoredToken>) -> Result<()> {
        use std::io::Write;
        let dir = self.dir();
        std::fs::create_dir_all(dir).map_err(|e| store_err("create directory", e))?;
        self.check_dir()?;
        // A fresh, unpredictable name opened O_CREAT|O_EXCL|O_NOFOLLOW, 0600: nothing another
        // user prepared (a symlink, their own file) can be written through or be left theirs.
        let mut tmp = tempfile::Builder::new()
            .prefix(".agenticstar-tokens-")
            .suffix(".tmp")
            .make_in(dir, open_new_private)
            .map_err(|e| store_err("write", e))?;
        let body = serde_json::to_vec_pretty(all).map_err(|e| store_err("encode", e))?;
        let f = tmp.as_file_mut();
        f.write_all(&body).and_then(|_| f.sync_all()).map_err(|e| store_err("write", e))?;
        tmp.persist(&self.path).map_err(|e| store_err("replace", e.error))?;
        Ok(())
    }

    fn lock_path(&self) -> PathBuf {
        let mut p = self.path.clone().into_os_string();
        p.push(".lock");
        p.into()
    }
}

fn open_new_private(path: &std::path::Path) -> std::io::Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.read(true).write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    o.open(path)
}

/// Open an existing file (or create the lock file) without following a symlink.
fn open_nofollow(path: &std::path::Path, create: bool) -> std::io::Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.read(true);
    if create {
        o.write(true).create(true).truncate(false);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    o.open(path)
}

/// A file another user owns may hold tokens they planted, or be read by them: refuse it.
fn check_owner(f: &std::fs::File, path: &std::path::Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let m = f.metadata().map_err(|e| store_err("stat", e))?;
        // SAFETY: geteuid has no preconditions and cannot fail.
        let me = unsafe { libc::geteuid() };
        if m.uid() != me {
            return Err(store_err(
                "unsafe file",
                format!("{} is owned by another user (uid {})", path.display(), m.uid()),
            ));
        }
    }
    let _ = (f, path);
    Ok(())
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
            // An unreadable file is replaced; an unsafe one (foreign, symlink, open directory) is not.
            let mut all: HashMap<String, StoredToken> =
                s.read_raw()?.and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default();
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
        let (s, p) = (self.clone(), self.lock_path());
        blocking(move || {
            s.check_dir()?;
            if let Some(d) = p.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(d).map_err(|e| store_err("create directory", e))?;
            }
            let f = open_nofollow(&p, true).map_err(|e| store_err("lock", e))?;
            check_owner(&f, &p)?;
            f.lock().map_err(|e| store_err("lock", e))?; // released when the file is closed
            Ok(Some(Box::new(f) as Box<dyn Send>))
        })
        .await
    }
}
