//! Configuration from the environment: the `AGENTICSTAR_*` variables, read by every constructor
//! (each binding's and the CLI's) for what the caller left out. Explicit arguments win.
//!
//! ```no_run
//! # fn main() -> agenticstar::Result<()> {
//! // AGENTICSTAR_AUTH_URL=https://auth.agenticstar.jp AGENTICSTAR_CLIENT_ID=... AGENTICSTAR_CLIENT_SECRET=...
//! let client = agenticstar::ClientOptions::from_env()?.build()?;
//! # let _ = client; Ok(()) }
//! ```
//!
//! The secret belongs to the id: `AGENTICSTAR_CLIENT_SECRET` is used only when the client id also
//! comes from `AGENTICSTAR_CLIENT_ID` or equals it, and never for a client whose `authMethod` is
//! `none` (a public client), so an explicit other application never sends this one's secret.
use serde_json::Value;

use crate::error::{Error, Result};
use crate::options::{ClientOptions, ProviderOptions};
use crate::provider::{ClientAuthMethod, Provider};
use crate::secret::Secret;

/// `agenticstar` (the default), `marketplace`, `keycloak`, `wrapped`, `oidc` or `oauth`.
pub const PROVIDER: &str = "AGENTICSTAR_PROVIDER";
/// The token service's URL (SaaS auth host, Marketplace domain, Keycloak base, wrapped API URL,
/// OIDC issuer or OAuth token URL).
pub const AUTH_URL: &str = "AGENTICSTAR_AUTH_URL";
/// The Keycloak realm.
pub const REALM: &str = "AGENTICSTAR_REALM";
/// The agent API's base URL (`apiUrl`).
pub const API_URL: &str = "AGENTICSTAR_API_URL";
/// The application's id (`clientId`).
pub const CLIENT_ID: &str = "AGENTICSTAR_CLIENT_ID";
/// The application's secret (`clientSecret`).
pub const CLIENT_SECRET: &str = "AGENTICSTAR_CLIENT_SECRET";
/// Scope requested with client credentials (`scope`).
pub const SCOPE: &str = "AGENTICSTAR_SCOPE";
/// A token file (`tokenStore`); the CLI's default store path too.
pub const TOKEN_FILE: &str = "AGENTICSTAR_TOKEN_FILE";

/// Every variable a constructor reads (test harnesses clear exactly these).
pub const VARS: &[&str] = &[PROVIDER, AUTH_URL, REALM, API_URL, CLIENT_ID, CLIENT_SECRET, SCOPE, TOKEN_FILE];

/// The connection settings the variables (or the CLI's flags, which have the same names) give.
/// Empty or blank values count as unset.
#[derive(Clone, Debug, Default)]
pub struct EnvOptions {
    /// [`PROVIDER`].
    pub provider: Option<String>,
    /// [`AUTH_URL`].
    pub auth_url: Option<String>,
    /// [`REALM`].
    pub realm: Option<String>,
    /// [`API_URL`].
    pub api_url: Option<String>,
    /// [`CLIENT_ID`].
    pub client_id: Option<String>,
    /// [`CLIENT_SECRET`].
    pub client_secret: Option<Secret>,
    /// [`SCOPE`].
    pub scope: Option<String>,
    /// [`TOKEN_FILE`].
    pub token_file: Option<String>,
}

impl EnvOptions {
    /// Read the process environment.
    pub fn from_env() -> Self {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Read the variables through `get` (a map in tests).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Self {
        let var = |k: &str| get(k).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        EnvOptions {
            provider: var(PROVIDER),
            auth_url: var(AUTH_URL),
            realm: var(REALM),
            api_url: var(API_URL),
            client_id: var(CLIENT_ID),
            client_secret: var(CLIENT_SECRET).map(Secret::from),
            scope: var(SCOPE),
            token_file: var(TOKEN_FILE),
        }
    }

    /// These settings, each missing one taken from `fallback` (flags over the environment). The
    /// fallback's secret comes along only with its own client id.
    pub fn or(self, fallback: EnvOptions) -> EnvOptions {
        let same_app = self.client_id.is_none() || self.client_id == fallback.client_id;
        EnvOptions {
            provider: self.provider.or(fallback.provider),
            auth_url: self.auth_url.or(fallback.auth_url),
            realm: self.realm.or(fallback.realm),
            api_url: self.api_url.or(fallback.api_url),
            client_secret: self.client_secret.or(if same_app { fallback.client_secret } else { None }),
            client_id: self.client_id.or(fallback.client_id),
            scope: self.scope.or(fallback.scope),
            token_file: self.token_file.or(fallback.token_file),
        }
    }

    /// Fill what `o` leaves out (no provider, an empty client id, no secret, scope, API URL or
    /// token store); what `o` sets stays.
    pub fn apply(self, o: &mut ClientOptions) -> Result<()> {
        let named = |var: &str, e: Error| Error::config(format!("{var}: {}", e.message()));
        if o.provider.is_none() {
            match (&self.auth_url, &self.provider) {
                (Some(url), name) => {
                    let p = Provider::from_name(name.as_deref().unwrap_or("agenticstar"), url, self.realm.as_deref())
                        .map_err(|e| named(AUTH_URL, e))?;
                    o.provider = Some(ProviderOptions::from(&p));
                }
                (None, Some(_)) => return Err(Error::config(format!("{PROVIDER} is set but {AUTH_URL} is not"))),
                (None, None) => {}
            }
        }
        let id_from_env = o.client_id.is_empty();
        let same_app = id_from_env || self.client_id.as_deref() == Some(o.client_id.as_str());
        if id_from_env && let Some(id) = self.client_id {
            o.client_id = id;
        }
        if o.client_secret.is_none() && same_app && o.auth_method != Some(ClientAuthMethod::None) {
            o.client_secret = self.client_secret;
        }
        if o.scope.is_none() {
            o.scope = self.scope;
        }
        if o.api_url.is_none() {
            o.api_url = self.api_url;
        }
        if o.token_store.is_none()
            && let Some(f) = self.token_file
        {
            o.token_store = Some(Value::String(format!("file:{f}")));
        }
        Ok(())
    }
}

impl ClientOptions {
    /// These options with what they leave out read from the `AGENTICSTAR_*` variables (see
    /// [`crate::env`]); every binding's constructor calls this.
    pub fn with_env(mut self) -> Result<Self> {
        EnvOptions::from_env().apply(&mut self)?;
        Ok(self)
    }

    /// The defaults with the `AGENTICSTAR_*` variables applied.
    pub fn from_env() -> Result<Self> {
        ClientOptions::default().with_env()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> EnvOptions {
        let m: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        EnvOptions::from_lookup(|k| m.get(k).cloned())
    }

    const FULL: &[(&str, &str)] = &[
        (AUTH_URL, "https://auth.example"),
        (CLIENT_ID, "env-app"),
        (CLIENT_SECRET, "env-secret"),
        (SCOPE, "chat"),
        (API_URL, "https://api.example"),
        (TOKEN_FILE, "/tmp/t.json"),
    ];

    #[test]
    fn absent_options_come_from_the_environment() {
        let mut o = ClientOptions::default();
        env(FULL).apply(&mut o).unwrap();
        assert_eq!(o.provider, Some(ProviderOptions::AgenticStar { auth_url: "https://auth.example/".into() }));
        assert_eq!(o.client_id, "env-app");
        assert_eq!(o.client_secret.as_ref().map(Secret::expose), Some("env-secret"));
        assert_eq!(o.scope.as_deref(), Some("chat"));
        assert_eq!(o.api_url.as_deref(), Some("https://api.example"));
        assert_eq!(o.token_store, Some(Value::String("file:/tmp/t.json".into())));
        o.builder("rust").unwrap();
    }

    #[test]
    fn explicit_options_win() {
        let mut o = ClientOptions::from_json(serde_json::json!({
            "provider": {"type": "oidc", "issuer": "https://idp.example"},
            "clientId": "env-app", "clientSecret": "mine", "scope": "a", "apiUrl": "https://mine.example",
            "tokenStore": "memory",
        }))
        .unwrap();
        env(FULL).apply(&mut o).unwrap();
        assert_eq!(o.provider, Some(ProviderOptions::Oidc { issuer: "https://idp.example".into() }));
        assert_eq!(o.client_secret.as_ref().map(Secret::expose), Some("mine"));
        assert_eq!((o.scope.as_deref(), o.api_url.as_deref()), (Some("a"), Some("https://mine.example")));
        assert_eq!(o.token_store, Some(Value::String("memory".into())));
    }

    #[test]
    fn the_secret_stays_with_its_client_id() {
        let mut o = ClientOptions { client_id: "other-app".into(), ..Default::default() };
        env(FULL).apply(&mut o).unwrap();
        assert!(o.client_secret.is_none(), "another app must not get this one's secret");
        let mut public = ClientOptions { auth_method: Some(ClientAuthMethod::None), ..Default::default() };
        env(FULL).apply(&mut public).unwrap();
        assert!(public.client_secret.is_none());
        // Flags over the environment: the same rule.
        let flags = EnvOptions { client_id: Some("other-app".into()), ..Default::default() };
        assert!(flags.or(env(FULL)).client_secret.is_none());
        let flags = EnvOptions { client_id: Some("env-app".into()), ..Default::default() };
        assert!(flags.or(env(FULL)).client_secret.is_some());
    }

    #[test]
    fn provider_names_and_bad_values() {
        let mut o = ClientOptions::default();
        env(&[(PROVIDER, "keycloak"), (AUTH_URL, "https://kc.example"), (REALM, "r")]).apply(&mut o).unwrap();
        assert_eq!(
            o.provider,
            Some(ProviderOptions::Keycloak { base_url: "https://kc.example/".into(), realm: "r".into() })
        );
        let e = env(&[(PROVIDER, "saml"), (AUTH_URL, "https://x.example")]).apply(&mut ClientOptions::default());
        assert!(e.unwrap_err().message().contains(AUTH_URL));
        let e = env(&[(PROVIDER, "oidc")]).apply(&mut ClientOptions::default()).unwrap_err();
        assert!(e.message().contains(AUTH_URL), "{e}");
        // Blank counts as unset; nothing set changes nothing.
        let mut o = ClientOptions::default();
        env(&[(AUTH_URL, "  "), (CLIENT_ID, "")]).apply(&mut o).unwrap();
        assert!(o.provider.is_none() && o.client_id.is_empty());
    }
}
