//! A token store named by a string or an options object: the `tokenStore` option every binding
//! passes through unchanged, interpreted here once.
use std::sync::Arc;

use serde_json::Value;

use super::store::{FileStore, MemoryStore, TokenStore};
use crate::error::{Error, Result};

/// A store opened from its spec, and whether a failed save must fail the caller (`strict`).
pub struct OpenedStore {
    /// The opened store.
    pub store: Arc<dyn TokenStore>,
    /// A failed save fails the caller instead of being reported and ignored.
    pub strict: bool,
}

/// Open the store `spec` names:
/// - `"memory"`: in-process only (the default);
/// - `"redis://host:6379/0"`, `"rediss://..."`: `RedisStore` (feature `redis`);
/// - `"file:/path/tokens.json"` or a plain path: [`FileStore`];
/// - an object `{"url": ..., "keyPrefix", "tls", "username", "password", "encryptionKey",
///   "leaseMs", "timeoutMs", "maxTtlSecs", "strict"}` (the Redis keys only with a Redis URL).
pub fn open_store(spec: &Value) -> Result<OpenedStore> {
    let (url, mut rest, strict) = match spec {
        // Options as JSON text, from languages whose options carry strings only (Kotlin, Swift).
        Value::String(s) if s.trim_start().starts_with('{') => return open_store(&spec_from_text(s)?),
        Value::String(s) => (s.clone(), serde_json::Map::new(), false),
        Value::Object(o) => {
            let mut o = o.clone();
            let strict = match o.remove("strict") {
                None | Some(Value::Null) => false,
                Some(Value::Bool(b)) => b,
                Some(_) => return Err(Error::config("tokenStore.strict must be a boolean")),
            };
            let url = match o.get("url") {
                Some(Value::String(s)) => s.clone(),
                _ => return Err(Error::config("tokenStore needs a url")),
            };
            (url, o, strict)
        }
        _ => return Err(Error::config("tokenStore must be a string or an object with a url")),
    };
    let store: Arc<dyn TokenStore> = if url.starts_with("redis://") || url.starts_with("rediss://") {
        rest.insert("url".into(), Value::String(url.clone()));
        redis_store(Value::Object(std::mem::take(&mut rest)))?
    } else {
        rest.remove("url");
        if let Some(k) = rest.keys().next() {
            return Err(Error::config(format!("tokenStore.{k} applies to Redis URLs only")));
        }
        match url.as_str() {
            "memory" | "memory:" => Arc::new(MemoryStore::default()),
            _ if url.contains("://") && !url.starts_with("file://") => {
                return Err(Error::config("tokenStore: unsupported URL (memory, a path, file:, redis://, rediss://)"));
            }
            _ => {
                let path = url.strip_prefix("file://").or_else(|| url.strip_prefix("file:")).unwrap_or(&url);
                if path.is_empty() {
                    return Err(Error::config("tokenStore: empty path"));
                }
                Arc::new(FileStore::new(path))
            }
        }
    };
    Ok(OpenedStore { store, strict })
}

/// A `tokenStore` spec given as text, for languages whose options carry no JSON value (Kotlin,
/// Swift): a JSON object (`{"url": "redis://...", ...}`) is the options object, anything else the
/// path or URL itself.
pub fn spec_from_text(text: &str) -> Result<Value> {
    if text.trim_start().starts_with('{') {
        serde_json::from_str(text).map_err(|e| Error::config(format!("tokenStore: not a JSON object: {e}")))
    } else {
        Ok(Value::String(text.to_owned()))
    }
}

#[cfg(feature = "redis")]
fn redis_store(options: Value) -> Result<Arc<dyn TokenStore>> {
    let o: super::RedisOptions =
        serde_json::from_value(options).map_err(|e| Error::config(format!("tokenStore: {e}")))?;
    Ok(Arc::new(super::RedisStore::with_options(o)?))
}

#[cfg(not(feature = "redis"))]
fn redis_store(_: Value) -> Result<Arc<dyn TokenStore>> {
    Err(Error::config("tokenStore: this build has no Redis support (cargo feature `redis`)"))
}
