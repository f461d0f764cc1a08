//! [`RequestOptions`]: what one call may change (timeout, retries, extra headers, query and body
//! fields), and [`Client::with_options`](crate::Client::with_options) to make them a client's
//! defaults. The one place where these options are read and validated; bindings fill the JSON.
//!
//! The JSON shape follows [`ClientOptions`](crate::ClientOptions): camelCase keys, unknown keys
//! rejected, `timeout` in seconds ([`RequestOptions::from_json_millis`] reads milliseconds, for
//! Node). `headers` / `query` are accepted for `extraHeaders` / `extraQuery` (openai-node's names).
use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::http::RetryPolicy;
use crate::response::ResponseMeta;

/// Options of one call (chat, chat stream, raw request), over the client's defaults. Every field
/// is optional: absent means the client's value.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct RequestOptions {
    /// Seconds: replaces the client's `timeout` for this call (the whole answer of a non-streamed
    /// call; a stream's response headers). Token requests keep the client's: they are shared.
    #[serde(deserialize_with = "seconds", skip_serializing_if = "Option::is_none")]
    pub timeout: Option<f64>,
    /// Replaces the client's `maxRetries` for this call (0: one attempt only).
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    pub max_retries: Option<u32>,
    /// Headers to send besides (or instead of) the SDK's; `Authorization` is the client's own.
    #[serde(alias = "headers", deserialize_with = "nullable", skip_serializing_if = "BTreeMap::is_empty")]
    pub extra_headers: BTreeMap<String, String>,
    /// Query parameters to add (strings, numbers or booleans).
    #[serde(alias = "query", deserialize_with = "nullable", skip_serializing_if = "BTreeMap::is_empty")]
    pub extra_query: BTreeMap<String, Value>,
    /// Fields merged into the JSON body's top level (they win over the SDK's).
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Map::is_empty")]
    pub extra_body: Map<String, Value>,
}

/// A number: `null` is refused, since bindings leave out what was not given and a NaN or an
/// infinity becomes `null` in JSON (a bad timeout must not turn into the default).
fn seconds<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<f64>, D::Error> {
    match Option::<f64>::deserialize(d)? {
        Some(v) => Ok(Some(v)),
        None => Err(serde::de::Error::custom("timeout must be a non-negative number of seconds, not null/NaN")),
    }
}

/// `null` reads as the default (bindings may send nulls for "not given").
fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de> + Default>(d: D) -> std::result::Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

impl fmt::Debug for RequestOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Header values may be keys: only their names are shown.
        f.debug_struct("RequestOptions")
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .field("extra_headers", &self.extra_headers.keys().collect::<Vec<_>>())
            .field("extra_query", &self.extra_query.keys().collect::<Vec<_>>())
            .field("extra_body", &self.extra_body.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl RequestOptions {
    /// Parse the JSON shape; unknown keys and wrong types are `config` errors.
    pub fn from_json(v: Value) -> Result<Self> {
        serde_json::from_value(v).map_err(|e| Error::config(format!("invalid request options: {e}")))
    }

    /// [`Self::from_json`] from JSON text.
    pub fn from_json_str(s: &str) -> Result<Self> {
        serde_json::from_str(s).map_err(|e| Error::config(format!("invalid request options: {e}")))
    }

    /// [`Self::from_json`] with `timeout` in milliseconds (Node).
    pub fn from_json_millis(mut v: Value) -> Result<Self> {
        crate::options::millis_to_secs(&mut v, &["timeout"]);
        Self::from_json(v)
    }

    /// [`Self::from_json_millis`] from JSON text.
    pub fn from_json_millis_str(s: &str) -> Result<Self> {
        let v = serde_json::from_str(s).map_err(|e| Error::config(format!("invalid request options: {e}")))?;
        Self::from_json_millis(v)
    }

    /// Set the timeout (builder style).
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = Some(d.as_secs_f64());
        self
    }

    /// Set the retries (builder style).
    pub fn max_retries(mut self, n: u32) -> Self {
        self.max_retries = Some(n);
        self
    }

    /// Add a header (builder style).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.extra_headers.insert(name.into(), value.into());
        self
    }

    /// Add a query parameter (builder style).
    pub fn query(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.extra_query.insert(name.into(), value.into());
        self
    }

    /// Add a body field (builder style).
    pub fn body_field(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.extra_body.insert(name.into(), value.into());
        self
    }

    /// A `config` error if a value is bad (a negative timeout, an invalid header...).
    pub fn validate(&self) -> Result<()> {
        self.apply(&CallSettings::default()).map(|_| ())
    }

    /// These options over `base`: validated, a call's settings.
    pub(crate) fn apply(&self, base: &CallSettings) -> Result<CallSettings> {
        let mut s = base.clone();
        if let Some(t) = self.timeout {
            s.timeout = crate::options::secs("timeout", t)?;
        }
        if let Some(n) = self.max_retries {
            s.retry.max_retries = n;
        }
        for (k, v) in &self.extra_headers {
            let name = HeaderName::from_bytes(k.as_bytes())
                .map_err(|_| Error::config(format!("extraHeaders: {k:?} is not a valid header name")))?;
            if name == reqwest::header::AUTHORIZATION {
                return Err(Error::config("extraHeaders: Authorization is set by the client from its tokens"));
            }
            let mut value = HeaderValue::from_str(v)
                .map_err(|_| Error::config(format!("extraHeaders: the value of {k} is not a valid header value")))?;
            value.set_sensitive(crate::redact::is_secret_header(k));
            s.headers.insert(name, value);
        }
        for (k, v) in &self.extra_query {
            let v = match v {
                Value::String(x) => x.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                _ => return Err(Error::config(format!("extraQuery: {k} must be a string, number or boolean"))),
            };
            s.query.retain(|(q, _)| q != k);
            s.query.push((k.clone(), v));
        }
        for (k, v) in &self.extra_body {
            s.body.insert(k.clone(), v.clone());
        }
        Ok(s)
    }
}

/// A call's settings: the client's defaults with the call's [`RequestOptions`] applied.
#[derive(Clone, Debug, Default)]
pub(crate) struct CallSettings {
    pub timeout: Duration,
    pub retry: RetryPolicy,
    pub headers: HeaderMap,
    pub query: Vec<(String, String)>,
    pub body: Map<String, Value>,
}

impl CallSettings {
    /// `url` with the extra query parameters.
    pub(crate) fn url(&self, mut url: url::Url) -> url::Url {
        if !self.query.is_empty() {
            url.query_pairs_mut().extend_pairs(self.query.iter());
        }
        url
    }

    /// The JSON body with the extra fields merged in (an error if there is a body that is not an object).
    pub(crate) fn body(&self, json: Option<&Value>) -> Result<Option<Value>> {
        if self.body.is_empty() {
            return Ok(json.cloned());
        }
        let mut m = match json {
            None => Map::new(),
            Some(Value::Object(m)) => m.clone(),
            Some(_) => return Err(Error::config("extraBody needs a JSON object body")),
        };
        for (k, v) in &self.body {
            m.insert(k.clone(), v.clone());
        }
        Ok(Some(Value::Object(m)))
    }

    /// A JSON-RPC message with the extra body fields merged into a request's `params` (the
    /// envelope's own keys are the protocol's); notifications and responses go as they are.
    pub(crate) fn rpc_message(&self, message: &Value) -> Result<Value> {
        let is_request = message.get("method").is_some() && message.get("id").is_some();
        if self.body.is_empty() || !is_request {
            return Ok(message.clone());
        }
        let mut m = message.clone();
        let params = m.as_object_mut().map(|o| o.entry("params").or_insert_with(|| Value::Object(Map::new())));
        match params {
            Some(Value::Object(p)) => {
                for (k, v) in &self.body {
                    p.insert(k.clone(), v.clone());
                }
                Ok(m)
            }
            _ => Err(Error::config("extraBody needs a request whose params are a JSON object")),
        }
    }
}

/// The options and the answer of one service call (MCP, A2A), for the JSON-RPC layer beneath it:
/// [`crate::surface::call_with`] runs the call inside a scope, and every request the call sends
/// reads the options from it and leaves its answer's [`ResponseMeta`] there. A task-local, so the
/// protocol clients in between need not thread them through every method.
#[derive(Clone, Default)]
pub(crate) struct CallScope {
    options: std::sync::Arc<RequestOptions>,
    response: std::sync::Arc<std::sync::Mutex<Option<ResponseMeta>>>,
}

tokio::task_local! {
    static CALL: CallScope;
}

impl CallScope {
    /// A scope for a call with these options.
    pub(crate) fn new(options: RequestOptions) -> Self {
        CallScope { options: std::sync::Arc::new(options), ..Default::default() }
    }

    /// The scope the current task runs in, if any.
    pub(crate) fn current() -> Option<CallScope> {
        CALL.try_with(Clone::clone).ok()
    }

    /// Run `f` inside this scope.
    pub(crate) async fn run<F: std::future::Future>(self, f: F) -> F::Output {
        CALL.scope(self, f).await
    }

    /// Call `f` (which may start a stream) inside this scope.
    pub(crate) fn run_sync<R>(self, f: impl FnOnce() -> R) -> R {
        CALL.sync_scope(self, f)
    }

    /// Whether the call gives its own timeout.
    pub(crate) fn sets_timeout(&self) -> bool {
        self.options.timeout.is_some()
    }

    /// The call's settings: its options over `base` (validated).
    pub(crate) fn settings(&self, base: &CallSettings) -> Result<CallSettings> {
        self.options.apply(base)
    }

    /// Remember the answer of the call's latest request.
    pub(crate) fn answered(&self, meta: ResponseMeta) {
        *self.response.lock().unwrap_or_else(|p| p.into_inner()) = Some(meta);
    }

    /// The answer of the call's last request, if one was sent.
    pub(crate) fn response(&self) -> Option<ResponseMeta> {
        self.response.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parse_validate_and_merge() {
        let o = RequestOptions::from_json_millis(
            json!({"timeout": 1500, "maxRetries": 0, "headers": {"X-A": "1"}, "query": {"n": 2, "b": true}, "extraBody": {"k": 1}}),
        )
        .unwrap();
        let s = o.apply(&CallSettings::default()).unwrap();
        assert_eq!(s.timeout, Duration::from_millis(1500));
        assert_eq!(s.retry.max_retries, 0);
        assert_eq!(s.headers["x-a"], "1");
        assert_eq!(s.query, vec![("b".into(), "true".into()), ("n".into(), "2".into())]);
        assert_eq!(s.body(Some(&json!({"k": 0, "m": 1}))).unwrap(), Some(json!({"k": 1, "m": 1})));
        assert!(s.body(Some(&json!([1]))).is_err());
        // Nulls are "not given", except for a timeout (a NaN in JSON is null).
        assert_eq!(
            RequestOptions::from_json(json!({"maxRetries": null, "extraHeaders": null})).unwrap(),
            RequestOptions::default()
        );
        assert!(RequestOptions::from_json_millis(json!({"timeout": null})).is_err());
    }

    #[test]
    fn bad_values_are_config_errors() {
        let base = CallSettings::default();
        for bad in [
            json!({"timeout": -1}),
            json!({"extraHeaders": {"bad name": "x"}}),
            json!({"extraHeaders": {"x": "line\nbreak"}}),
            json!({"extraHeaders": {"authorization": "Bearer x"}}),
            json!({"extraQuery": {"a": [1]}}),
        ] {
            let e = RequestOptions::from_json(bad.clone()).unwrap().apply(&base).err().unwrap();
            assert_eq!(e.kind(), crate::ErrorKind::Config, "{bad}");
        }
        assert!(RequestOptions::from_json(json!({"timeoutt": 1})).unwrap_err().message().contains("timeoutt"));
        assert!(RequestOptions::from_json(json!({"timeout": "1"})).is_err());
        let d = format!("{:?}", RequestOptions::default().header("x-api-key", "s3cret"));
        assert!(!d.contains("s3cret"), "{d}");
    }
}
