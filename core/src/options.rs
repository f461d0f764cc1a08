//! [`ClientOptions`]: every option of a [`Client`](crate::Client) as one serde shape.
//!
//! This is the one place where an option's name, default, unit and validation live. Bindings fill
//! it from their language's natural form (Python kwargs, a JS options object, a Kotlin/Swift
//! record) as JSON and call [`ClientOptions::from_json`]; they decide nothing about the values.
//!
//! The JSON shape: camelCase keys, unknown keys rejected (a typo is an error, not a silent
//! default). **Durations are seconds, as JSON numbers (fractions allowed)**; a negative, infinite
//! or NaN duration is a `config` error naming the key. Node's convention is milliseconds:
//! [`ClientOptions::from_json_millis`] reads the same shape with durations in ms ([`DURATION_KEYS`]
//! lists them), so no binding converts units itself.
//!
//! ```
//! # fn main() -> agenticstar::Result<()> {
//! let opts = agenticstar::ClientOptions::from_json(serde_json::json!({
//!     "provider": {"type": "agenticstar", "authUrl": "https://auth.agenticstar.jp"},
//!     "clientId": "my-client",
//!     "clientSecret": "my-secret",
//!     "timeout": 12.5,
//! }))?;
//! let client = opts.build()?;
//! # let _ = client; Ok(()) }
//! ```
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::client::ClientBuilder;
use crate::error::{Error, Result};
use crate::http::{HttpConfig, RetryPolicy};
use crate::provider::{ClientAuthMethod, Credentials, Provider};
use crate::secret::Secret;
use crate::token::AuthFlow;

/// Renew tokens this long before expiry (never more than half a token's life).
pub const DEFAULT_REFRESH_WINDOW: Duration = Duration::from_secs(300);
/// Clock skew allowed when checking an id_token's `exp` / `iat`.
pub const DEFAULT_ID_TOKEN_LEEWAY: Duration = Duration::from_secs(60);
/// The hard edge before expiry: callers inside it wait for the renewal.
pub const DEFAULT_EXPIRY_SKEW: Duration = Duration::from_secs(10);

/// Where tokens come from, as JSON: `{"type": "keycloak", "baseUrl": "...", "realm": "..."}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all_fields = "camelCase", deny_unknown_fields)]
pub enum ProviderOptions {
    /// AGENTIC STAR SaaS.
    #[serde(rename = "agenticstar", alias = "saas")]
    AgenticStar {
        /// e.g. `https://auth.agenticstar.jp`.
        auth_url: String,
    },
    /// AGENTIC STAR Marketplace.
    #[serde(rename = "marketplace")]
    Marketplace {
        /// The Marketplace host.
        base_url: String,
    },
    /// Eggplant DAI (Keycloak).
    #[serde(rename = "keycloak", alias = "eggplant")]
    Keycloak {
        /// The Keycloak host.
        base_url: String,
        /// The realm name.
        realm: String,
    },
    /// The wrapped token API.
    #[serde(rename = "wrapped")]
    Wrapped {
        /// The API base, e.g. `https://api.example.com/v1`.
        api_url: String,
    },
    /// Any OIDC server (endpoints by discovery).
    #[serde(rename = "oidc")]
    Oidc {
        /// The issuer URL.
        issuer: String,
    },
    /// Any OAuth 2.0 server with its endpoints given.
    #[serde(rename = "oauth")]
    OAuth {
        /// The token endpoint.
        token_url: String,
        /// The authorization endpoint, for the authorization code flow.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        authorize_url: Option<String>,
    },
}

impl ProviderOptions {
    /// The core provider (URLs parsed and checked).
    pub fn to_provider(&self) -> Result<Provider> {
        match self {
            ProviderOptions::AgenticStar { auth_url } => Provider::agenticstar(auth_url),
            ProviderOptions::Marketplace { base_url } => Provider::marketplace(base_url),
            ProviderOptions::Keycloak { base_url, realm } => Provider::keycloak(base_url, realm),
            ProviderOptions::Wrapped { api_url } => Provider::wrapped(api_url),
            ProviderOptions::Oidc { issuer } => Provider::oidc(issuer),
            ProviderOptions::OAuth { token_url, authorize_url } => Provider::oauth(token_url, authorize_url.as_deref()),
        }
    }
}

impl From<&Provider> for ProviderOptions {
    fn from(p: &Provider) -> Self {
        match p {
            Provider::AgenticStar { auth_url } => ProviderOptions::AgenticStar { auth_url: auth_url.to_string() },
            Provider::Marketplace { base_url } => ProviderOptions::Marketplace { base_url: base_url.to_string() },
            Provider::Keycloak { base_url, realm } => {
                ProviderOptions::Keycloak { base_url: base_url.to_string(), realm: realm.clone() }
            }
            Provider::Wrapped { api_url } => ProviderOptions::Wrapped { api_url: api_url.to_string() },
            Provider::Oidc { issuer } => ProviderOptions::Oidc { issuer: issuer.to_string() },
            Provider::OAuth { token_url, authorize_url } => ProviderOptions::OAuth {
                token_url: token_url.to_string(),
                authorize_url: authorize_url.as_ref().map(|u| u.to_string()),
            },
        }
    }
}

/// The options that are durations (seconds in the JSON shape, milliseconds for
/// [`ClientOptions::from_json_millis`]).
pub const DURATION_KEYS: &[&str] = &[
    "refreshWindow",
    "timeout",
    "connectTimeout",
    "streamIdleTimeout",
    "streamTimeout",
    "initialBackoff",
    "maxBackoff",
    "maxRetryAfter",
    "expirySkew",
    "idTokenLeeway",
];

/// Every option of a client. `Default` holds every default; [`Self::defaults_json`] shows them.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ClientOptions {
    /// Required: the token service.
    pub provider: Option<ProviderOptions>,
    /// Required: the application's id.
    pub client_id: String,
    /// The application's secret (never serialized, never in `Debug`).
    #[serde(skip_serializing)]
    pub client_secret: Option<Secret>,
    /// How the client authenticates: `client_secret_post`, `client_secret_basic` or `none` (a
    /// public client). Default: `client_secret_post` with a secret, `none` without.
    pub auth_method: Option<ClientAuthMethod>,
    /// Scope requested with client credentials (space separated); none by default.
    pub scope: Option<String>,
    /// `client_credentials` (default) or `authorization_code` (a signed-in user).
    pub flow: AuthFlow,
    /// Base URL of the agent API. Default: the provider's own host for Marketplace and wrapped.
    pub api_url: Option<String>,
    /// Seconds: renew tokens this long before expiry (never more than half a token's life).
    pub refresh_window: f64,
    /// Seconds: whole-request limit of token and non-streaming calls (and a stream's headers).
    pub timeout: f64,
    /// Seconds: TCP + TLS connect limit.
    pub connect_timeout: f64,
    /// Seconds: longest silence allowed inside a stream (keep-alives count).
    pub stream_idle_timeout: f64,
    /// Seconds: optional limit on a whole stream; none by default.
    pub stream_timeout: Option<f64>,
    /// Retries of transient failures (5xx, 429, network) after the first attempt; 0 disables.
    pub max_retries: u32,
    /// Seconds: the first back-off pause (doubling, equal jitter: each pause is 50–100% of its step).
    pub initial_backoff: f64,
    /// Seconds: the longest back-off pause.
    pub max_backoff: f64,
    /// Seconds: a longer Retry-After is not waited out; the error is returned with it.
    pub max_retry_after: f64,
    /// Where tokens persist: `memory` (the default: this process only), a file path (0600, shared
    /// safely between processes) or `file:PATH`, `redis://…` / `rediss://…`, or an object with a
    /// `url` and store options (see [`crate::token::open_store`]).
    pub token_store: Option<Value>,
    /// Make a failed token store save an error for the caller (default: logged and reported).
    pub strict_store: bool,
    /// Seconds: the hard edge before expiry where callers wait for the renewal (at most a tenth
    /// of the lifetime).
    pub expiry_skew: f64,
    /// Key of this session in the store (default: derived from provider, client and flow).
    pub store_key: Option<String>,
    /// Refuse calls the token's scopes do not cover (default: on for AGENTIC STAR SaaS only).
    pub enforce_scopes: Option<bool>,
    /// Bytes: the longest SSE line accepted.
    pub max_line_bytes: usize,
    /// Bytes: the largest SSE event data accepted.
    pub max_event_bytes: usize,
    /// Seconds: clock skew allowed on id_token times.
    pub id_token_leeway: f64,
    /// Whether streams keep the reply's text for `text()` / `completion()`; off, a reply of any
    /// length streams in constant memory.
    pub accumulate: bool,
    /// Bytes: the most reply text a stream keeps while accumulating.
    pub max_reply_bytes: usize,
    /// Explicit proxy URL; otherwise HTTP(S)_PROXY / NO_PROXY apply.
    pub proxy: Option<String>,
    /// Extra trusted root certificates, PEM (one or many per entry).
    pub ca_certs: Vec<String>,
    /// User-Agent header (default: `agenticstar-<language>/<version>`).
    pub user_agent: Option<String>,
    /// Allow plain http to non-loopback hosts (closed test networks only).
    pub allow_insecure_http: bool,
    /// The header naming the server's request id, tried before `x-request-id` and `request-id`.
    pub request_id_header: Option<String>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        let http = HttpConfig::default();
        let retry = RetryPolicy::default();
        ClientOptions {
            provider: None,
            client_id: String::new(),
            client_secret: None,
            auth_method: None,
            scope: None,
            flow: AuthFlow::default(),
            api_url: None,
            refresh_window: DEFAULT_REFRESH_WINDOW.as_secs_f64(),
            timeout: http.request_timeout.as_secs_f64(),
            connect_timeout: http.connect_timeout.as_secs_f64(),
            stream_idle_timeout: http.stream_idle_timeout.as_secs_f64(),
            stream_timeout: http.stream_timeout.map(|d| d.as_secs_f64()),
            max_retries: retry.max_retries,
            initial_backoff: retry.initial_backoff.as_secs_f64(),
            max_backoff: retry.max_backoff.as_secs_f64(),
            max_retry_after: retry.max_retry_after.as_secs_f64(),
            token_store: None,
            strict_store: false,
            expiry_skew: DEFAULT_EXPIRY_SKEW.as_secs_f64(),
            store_key: None,
            enforce_scopes: None,
            max_line_bytes: crate::sse::DEFAULT_MAX_LINE,
            max_event_bytes: crate::sse::DEFAULT_MAX_EVENT,
            id_token_leeway: DEFAULT_ID_TOKEN_LEEWAY.as_secs_f64(),
            accumulate: true,
            max_reply_bytes: crate::chat::DEFAULT_MAX_REPLY_BYTES,
            proxy: None,
            ca_certs: Vec::new(),
            user_agent: None,
            allow_insecure_http: http.allow_insecure_http,
            request_id_header: None,
        }
    }
}

/// A duration option: finite, non-negative seconds.
pub(crate) fn secs(key: &str, v: f64) -> Result<Duration> {
    if v.is_finite() && v >= 0.0 {
        Duration::try_from_secs_f64(v).map_err(|_| Error::config(format!("{key} is too large: {v} seconds")))
    } else {
        Err(Error::config(format!("{key} must be a non-negative number of seconds, not {v}")))
    }
}

/// Rewrite the millisecond values of `keys` in a JSON object as seconds (Node's unit to the core's).
pub(crate) fn millis_to_secs(v: &mut Value, keys: &[&str]) {
    if let Value::Object(map) = v {
        for key in keys {
            if let Some(ms) = map.get_mut(*key)
                && let Some(n) = ms.as_f64()
            {
                // Non-finite values cannot be JSON numbers; negatives fail validation later.
                *ms = serde_json::Number::from_f64(n / 1000.0).map(Value::Number).unwrap_or(Value::Null);
            }
        }
    }
}

impl ClientOptions {
    /// Parse the JSON shape; unknown keys and wrong types are `config` errors.
    pub fn from_json(v: Value) -> Result<Self> {
        serde_json::from_value(v).map_err(|e| Error::config(format!("invalid client options: {e}")))
    }

    /// [`Self::from_json`] from JSON text.
    pub fn from_json_str(s: &str) -> Result<Self> {
        serde_json::from_str(s).map_err(|e| Error::config(format!("invalid client options: {e}")))
    }

    /// [`Self::from_json`] with every duration ([`DURATION_KEYS`]) in milliseconds (Node).
    pub fn from_json_millis(mut v: Value) -> Result<Self> {
        millis_to_secs(&mut v, DURATION_KEYS);
        Self::from_json(v)
    }

    /// [`Self::from_json_millis`] from JSON text.
    pub fn from_json_millis_str(s: &str) -> Result<Self> {
        let v = serde_json::from_str(s).map_err(|e| Error::config(format!("invalid client options: {e}")))?;
        Self::from_json_millis(v)
    }

    /// Every default as JSON (what bindings' tests compare the defaults they show against).
    pub fn defaults_json() -> Value {
        serde_json::to_value(ClientOptions::default()).unwrap_or(Value::Null)
    }

    /// Build the client (user agent `agenticstar-rust/<version>` unless set).
    pub fn build(self) -> Result<crate::Client> {
        self.builder("rust")?.build()
    }

    /// Validate every option and fill a [`ClientBuilder`]; `sdk` names the language in the default
    /// user agent. Bindings add what JSON cannot carry (a foreign token store, a listener, their
    /// runtime) before `build()`.
    pub fn builder(self, sdk: &str) -> Result<ClientBuilder> {
        let provider = self
            .provider
            .as_ref()
            .ok_or_else(|| Error::config("a provider is required (or set AGENTICSTAR_AUTH_URL)"))?
            .to_provider()?;
        let mut creds = Credentials::from_parts(
            self.client_id.clone(),
            self.client_secret.clone(),
            self.auth_method.map(ClientAuthMethod::as_str),
        )?;
        creds.scope = self.scope.clone();
        let http = HttpConfig {
            connect_timeout: secs("connectTimeout", self.connect_timeout)?,
            request_timeout: secs("timeout", self.timeout)?,
            stream_idle_timeout: secs("streamIdleTimeout", self.stream_idle_timeout)?,
            stream_timeout: self.stream_timeout.map(|s| secs("streamTimeout", s)).transpose()?,
            user_agent: self.user_agent.clone().unwrap_or_else(|| format!("agenticstar-{sdk}/{}", crate::VERSION)),
            proxy: self.proxy.clone(),
            extra_root_certs_pem: self.ca_certs.iter().map(|p| p.as_bytes().to_vec()).collect(),
            allow_insecure_http: self.allow_insecure_http,
        };
        let retry = RetryPolicy {
            max_retries: self.max_retries,
            initial_backoff: secs("initialBackoff", self.initial_backoff)?,
            max_backoff: secs("maxBackoff", self.max_backoff)?,
            max_retry_after: secs("maxRetryAfter", self.max_retry_after)?,
        };
        if self.max_line_bytes == 0 || self.max_event_bytes == 0 {
            return Err(Error::config("maxLineBytes and maxEventBytes must be positive"));
        }
        let mut b = ClientBuilder::default()
            .provider(provider)
            .credentials(creds)
            .flow(self.flow)
            .http_config(http)
            .retry_policy(retry)
            .refresh_window(secs("refreshWindow", self.refresh_window)?)
            .stream_limits(self.max_line_bytes, self.max_event_bytes)
            .id_token_leeway(secs("idTokenLeeway", self.id_token_leeway)?)
            .expiry_skew(secs("expirySkew", self.expiry_skew)?)
            .strict_store(self.strict_store)
            .accumulate(self.accumulate)
            .max_reply_bytes(self.max_reply_bytes);
        if let Some(u) = &self.api_url {
            b = b.api_url(u)?;
        }
        if let Some(k) = self.store_key {
            b = b.store_key(k);
        }
        if let Some(e) = self.enforce_scopes {
            b = b.enforce_scopes(e);
        }
        if let Some(s) = &self.token_store {
            b = b.token_store_spec(s)?;
        }
        if let Some(h) = self.request_id_header {
            b = b.request_id_header(h)?;
        }
        Ok(b)
    }
}

/// The names of the enums options take, shared by every parser (CLI, bindings, serde).
macro_rules! named_enum {
    ($ty:ty, $what:literal, { $($variant:path => $name:literal),* $(,)? }) => {
        impl $ty {
            /// The option value naming this variant.
            pub fn as_str(self) -> &'static str {
                match self { $($variant => $name,)* }
            }
        }
        impl FromStr for $ty {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self> {
                match s {
                    $($name => Ok($variant),)*
                    other => Err(Error::config(format!(
                        concat!($what, " must be one of {}, not {:?}"),
                        [$($name),*].join(", "),
                        other
                    ))),
                }
            }
        }
        impl Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                s.parse().map_err(|e: Error| serde::de::Error::custom(e.message()))
            }
        }
    };
}

named_enum!(AuthFlow, "flow", {
    AuthFlow::ClientCredentials => "client_credentials",
    AuthFlow::AuthorizationCode => "authorization_code",
});

impl FromStr for ClientAuthMethod {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        ClientAuthMethod::from_name(s)
    }
}

impl Serialize for ClientAuthMethod {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ClientAuthMethod {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(|e: Error| serde::de::Error::custom(e.message()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn base() -> Value {
        json!({"provider": {"type": "agenticstar", "authUrl": "https://auth.example"}, "clientId": "c", "clientSecret": "s"})
    }

    #[test]
    fn duration_keys_are_exactly_the_seconds_fields() {
        // Every f64 option is a duration and every duration is listed: set each to a sentinel and
        // see which fields a millisecond reading divides.
        let mut v = base();
        let defaults = ClientOptions::defaults_json();
        let floats: Vec<&String> =
            defaults.as_object().unwrap().iter().filter(|(_, x)| x.is_f64()).map(|(k, _)| k).collect();
        for k in &floats {
            assert!(DURATION_KEYS.contains(&k.as_str()), "{k} is a number of seconds but not in DURATION_KEYS");
        }
        for k in DURATION_KEYS {
            v[*k] = json!(1500);
        }
        let o = ClientOptions::from_json_millis(v).unwrap();
        assert_eq!(o.timeout, 1.5);
        assert_eq!(o.stream_timeout, Some(1.5));
        assert_eq!(o.expiry_skew, 1.5);
        let mut bad = base();
        bad["timeout"] = json!(-5);
        assert!(ClientOptions::from_json_millis(bad).unwrap().builder("node").is_err());
    }

    #[test]
    fn defaults_agree_with_the_builder() {
        let from_options = ClientOptions::from_json(base()).unwrap().builder("rust").unwrap();
        let builder = ClientBuilder::default();
        assert_eq!(from_options.defaults_view(), builder.defaults_view());
        // And with the types that own them.
        let d = ClientOptions::default();
        assert_eq!(d.timeout, HttpConfig::default().request_timeout.as_secs_f64());
        assert_eq!(d.max_retries, RetryPolicy::default().max_retries);
    }

    #[test]
    fn bad_durations_are_config_errors_naming_the_key() {
        for (k, v) in [("timeout", json!(-1.0)), ("connectTimeout", json!(-0.5)), ("refreshWindow", json!(1e300))] {
            let mut o = base();
            o[k] = v;
            let e = ClientOptions::from_json(o).unwrap().builder("rust").err().unwrap();
            assert_eq!(e.kind(), crate::ErrorKind::Config);
            assert!(e.message().contains(k), "{e}");
        }
        let e = ClientOptions::from_json(json!({"timeout": "10"})).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Config);
    }

    #[test]
    fn unknown_keys_and_enum_values_are_rejected() {
        let mut o = base();
        o["timeoutt"] = json!(1);
        assert!(ClientOptions::from_json(o).unwrap_err().message().contains("timeoutt"));
        let mut o = base();
        o["flow"] = json!("implicit");
        assert!(ClientOptions::from_json(o).unwrap_err().message().contains("client_credentials"));
        assert_eq!("client_secret_basic".parse::<ClientAuthMethod>().unwrap(), ClientAuthMethod::ClientSecretBasic);
        assert!("x".parse::<AuthFlow>().is_err());
    }

    #[test]
    fn secret_is_never_serialized_or_debugged() {
        let o = ClientOptions::from_json(base()).unwrap();
        assert!(!format!("{o:?}").contains("\"s\""));
        assert!(serde_json::to_value(&o).unwrap().get("clientSecret").is_none());
    }

    #[test]
    fn providers_round_trip() {
        for p in [
            json!({"type": "keycloak", "baseUrl": "https://dai.example/", "realm": "r"}),
            json!({"type": "oauth", "tokenUrl": "https://a.example/token"}),
            json!({"type": "marketplace", "baseUrl": "https://m.example/"}),
        ] {
            let o: ProviderOptions = serde_json::from_value(p.clone()).unwrap();
            assert_eq!(ProviderOptions::from(&o.to_provider().unwrap()), o);
        }
        assert!(serde_json::from_value::<ProviderOptions>(json!({"type": "saml", "url": "x"})).is_err());
    }

    #[test]
    fn token_store_specs() {
        for (spec, ok) in [
            (json!("memory"), true),
            (json!("/tmp/x/tokens.json"), true),
            (json!("ftp://x"), false),
            // Options as JSON text (Kotlin/Swift): read as the object form.
            (json!(r#"{"url": "memory"}"#), true),
            (json!(r#"{"url": "memory", "leaseMs": 5}"#), false),
            (json!("{not json"), false),
        ] {
            let mut o = base();
            o["tokenStore"] = spec.clone();
            assert_eq!(ClientOptions::from_json(o).unwrap().builder("rust").is_ok(), ok, "{spec}");
        }
    }
}
