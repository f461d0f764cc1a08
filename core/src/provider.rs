//! Token services and their dialects: where to ask, how to ask, and how to read the answer.
use std::time::Duration;

use serde_json::Value;
use url::Url;

use crate::error::{Error, ErrorKind, Result};
use crate::secret::Secret;

/// A token service. Each variant knows its endpoint layout and wire dialect.
#[derive(Clone, Debug, PartialEq)]
pub enum Provider {
    /// AGENTIC STAR SaaS: `{auth_url}/federation/auth/v1/{token,authorize}`, OIDC discovery under it.
    AgenticStar {
        /// The auth host, e.g. `https://auth.agenticstar.jp`.
        auth_url: Url,
    },
    /// AGENTIC STAR Marketplace: JSON `POST {base_url}/api/v1/auth/external-service-token`.
    Marketplace {
        /// The Marketplace API host.
        base_url: Url,
    },
    /// Eggplant DAI (Keycloak): `{base_url}/auth/realms/{realm}/protocol/openid-connect/token`.
    Keycloak {
        /// The Keycloak host, without `/auth`.
        base_url: Url,
        /// The realm name (no `/`).
        realm: String,
    },
    /// The wrapped token API: `POST {api_url}/auth/token`, answers under `{"data": ...}`.
    Wrapped {
        /// The API host the token route hangs under.
        api_url: Url,
    },
    /// Any OIDC server, endpoints found by discovery at `{issuer}/.well-known/openid-configuration`.
    Oidc {
        /// The issuer identifier; its discovery document must name the same one.
        issuer: Url,
    },
    /// Any OAuth 2.0 server with endpoints given directly.
    OAuth {
        /// The token endpoint.
        token_url: Url,
        /// The authorization endpoint, for the authorization-code flow; none for machine-only use.
        authorize_url: Option<Url>,
    },
}

fn parse_url(s: &str) -> Result<Url> {
    Url::parse(s.trim()).map_err(|e| Error::config(format!("invalid URL {s:?}: {e}")))
}

fn join(base: &Url, path: &str) -> Url {
    let mut u = base.clone();
    let p = format!("{}{}", base.path().trim_end_matches('/'), path);
    u.set_path(&p);
    u.set_query(None);
    u
}

impl Provider {
    /// AGENTIC STAR SaaS at its auth host, e.g. `https://auth.agenticstar.jp`.
    pub fn agenticstar(auth_url: &str) -> Result<Self> {
        Ok(Provider::AgenticStar { auth_url: parse_url(auth_url)? })
    }
    /// AGENTIC STAR Marketplace at its API host.
    pub fn marketplace(base_url: &str) -> Result<Self> {
        Ok(Provider::Marketplace { base_url: parse_url(base_url)? })
    }
    /// Eggplant DAI / Keycloak at its host, in `realm`; a config error for an empty realm or one with `/`.
    pub fn keycloak(base_url: &str, realm: &str) -> Result<Self> {
        if realm.is_empty() || realm.contains('/') {
            return Err(Error::config("keycloak realm must be a non-empty name without '/'"));
        }
        Ok(Provider::Keycloak { base_url: parse_url(base_url)?, realm: realm.to_owned() })
    }
    /// The wrapped token API at its API host.
    pub fn wrapped(api_url: &str) -> Result<Self> {
        Ok(Provider::Wrapped { api_url: parse_url(api_url)? })
    }
    /// Any OIDC server, by issuer (endpoints come from discovery).
    pub fn oidc(issuer: &str) -> Result<Self> {
        Ok(Provider::Oidc { issuer: parse_url(issuer)? })
    }
    /// Any OAuth 2.0 server, by its endpoints.
    pub fn oauth(token_url: &str, authorize_url: Option<&str>) -> Result<Self> {
        Ok(Provider::OAuth {
            token_url: parse_url(token_url)?,
            authorize_url: authorize_url.map(parse_url).transpose()?,
        })
    }

    /// Build from a provider name as used by the CLI and the bindings.
    pub fn from_name(name: &str, url: &str, realm: Option<&str>) -> Result<Self> {
        match name {
            "agenticstar" | "saas" => Self::agenticstar(url),
            "marketplace" => Self::marketplace(url),
            "keycloak" | "eggplant" => Self::keycloak(url, realm.unwrap_or_default()),
            "wrapped" => Self::wrapped(url),
            "oidc" => Self::oidc(url),
            "oauth" => Self::oauth(url, None),
            other => Err(Error::config(format!(
                "unknown provider {other:?} (expected agenticstar, marketplace, keycloak, wrapped, oidc or oauth)"
            ))),
        }
    }

    /// The wire dialect its token endpoint speaks.
    pub fn dialect(&self) -> Dialect {
        match self {
            Provider::AgenticStar { .. } | Provider::Oidc { .. } | Provider::OAuth { .. } => Dialect::OAuth,
            Provider::Keycloak { .. } => Dialect::OAuth,
            Provider::Marketplace { .. } => Dialect::Marketplace,
            Provider::Wrapped { .. } => Dialect::Wrapped,
        }
    }

    /// The OIDC issuer identifier, for providers that have one.
    pub(crate) fn issuer(&self) -> Option<Url> {
        Some(match self {
            Provider::AgenticStar { auth_url } => join(auth_url, "/federation/auth/v1"),
            Provider::Keycloak { base_url, realm } => join(base_url, &format!("/auth/realms/{realm}")),
            Provider::Oidc { issuer } => issuer.clone(),
            _ => return None,
        })
    }

    /// Where OIDC discovery lives, for providers that have it.
    pub(crate) fn discovery_url(&self) -> Option<Url> {
        Some(join(&self.issuer()?, "/.well-known/openid-configuration"))
    }

    /// Endpoints known without discovery (`None` for [`Provider::Oidc`]).
    pub(crate) fn static_endpoints(&self) -> Option<Endpoints> {
        let (token_url, authorize_url) = match self {
            Provider::AgenticStar { auth_url } => {
                (join(auth_url, "/federation/auth/v1/token"), Some(join(auth_url, "/federation/auth/v1/authorize")))
            }
            Provider::Marketplace { base_url } => (join(base_url, "/api/v1/auth/external-service-token"), None),
            Provider::Keycloak { base_url, realm } => (
                join(base_url, &format!("/auth/realms/{realm}/protocol/openid-connect/token")),
                Some(join(base_url, &format!("/auth/realms/{realm}/protocol/openid-connect/auth"))),
            ),
            Provider::Wrapped { api_url } => (join(api_url, "/auth/token"), None),
            Provider::OAuth { token_url, authorize_url } => (token_url.clone(), authorize_url.clone()),
            Provider::Oidc { .. } => return None,
        };
        Some(Endpoints { token_url, authorize_url })
    }

    /// Whether this service's `scope` values are the documented AGENTIC STAR permissions, so a
    /// call can be refused before sending. Marketplace has no scope restrictions.
    pub fn enforces_scopes(&self) -> bool {
        matches!(self, Provider::AgenticStar { .. })
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Endpoints {
    pub token_url: Url,
    pub authorize_url: Option<Url>,
}

/// How a token service speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// RFC 6749 form POST with `grant_type`, JSON answer; also Keycloak's error bodies.
    OAuth,
    /// JSON `{client_id, client_secret}` in, `{"success": true, ...}` out.
    Marketplace,
    /// Form `client_id`, `client_secret` with no `grant_type`; `{"data": {...}}` / `{"error": {...}}`.
    Wrapped,
}

impl Dialect {
    /// The name `from_name` reads: `oauth`, `marketplace`, `wrapped`.
    pub fn as_str(self) -> &'static str {
        match self {
            Dialect::OAuth => "oauth",
            Dialect::Marketplace => "marketplace",
            Dialect::Wrapped => "wrapped",
        }
    }
    /// The dialect named `oauth`, `marketplace` or `wrapped`.
    pub fn from_name(s: &str) -> Option<Self> {
        Some(match s {
            "oauth" => Dialect::OAuth,
            "marketplace" => Dialect::Marketplace,
            "wrapped" => Dialect::Wrapped,
            _ => return None,
        })
    }
}

/// How the client proves its identity at the token endpoint.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ClientAuthMethod {
    /// `client_id` and `client_secret` in the form body (what the vendor docs show).
    #[default]
    ClientSecretPost,
    /// HTTP Basic with the url-encoded id and secret (RFC 6749 §2.3.1).
    ClientSecretBasic,
    /// A public client (RFC 8252 native apps, PKCE): `client_id` in the form, no secret at all.
    None,
}

impl ClientAuthMethod {
    /// The registration names (`token_endpoint_auth_method`): `client_secret_post`,
    /// `client_secret_basic`, `none`.
    pub fn from_name(s: &str) -> Result<Self> {
        Ok(match s {
            "client_secret_post" | "post" => ClientAuthMethod::ClientSecretPost,
            "client_secret_basic" | "basic" => ClientAuthMethod::ClientSecretBasic,
            "none" => ClientAuthMethod::None,
            other => {
                return Err(Error::config(format!(
                    "auth_method must be client_secret_post, client_secret_basic or none, not {other:?}"
                )));
            }
        })
    }
    /// The registration name (`client_secret_post`, `client_secret_basic`, `none`).
    pub fn as_str(self) -> &'static str {
        match self {
            ClientAuthMethod::ClientSecretPost => "client_secret_post",
            ClientAuthMethod::ClientSecretBasic => "client_secret_basic",
            ClientAuthMethod::None => "none",
        }
    }
}

/// The application's registration.
#[derive(Clone, Debug)]
pub struct Credentials {
    /// The registered client id.
    pub client_id: String,
    /// None for a public client (a native app using PKCE), which authenticates with nothing but its id.
    pub client_secret: Option<Secret>,
    /// How the id and secret reach the token endpoint.
    pub auth_method: ClientAuthMethod,
    /// Scope to request with client credentials (space separated); none by default.
    pub scope: Option<String>,
}

impl Credentials {
    /// A confidential client sending its secret in the form body (`client_secret_post`).
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<Secret>) -> Self {
        Credentials {
            client_id: client_id.into(),
            client_secret: Some(client_secret.into()),
            auth_method: ClientAuthMethod::default(),
            scope: None,
        }
    }
    /// A public client (RFC 8252): no secret, `token_endpoint_auth_method: none`; use PKCE.
    pub fn public(client_id: impl Into<String>) -> Self {
        Credentials {
            client_id: client_id.into(),
            client_secret: None,
            auth_method: ClientAuthMethod::None,
            scope: None,
        }
    }
    /// What the bindings build from: an optional secret and an optional method name. Without a
    /// method, a secret means `client_secret_post` and no secret means `none`.
    pub fn from_parts(
        client_id: impl Into<String>,
        client_secret: Option<Secret>,
        auth_method: Option<&str>,
    ) -> Result<Self> {
        let method = match auth_method {
            Some(m) => ClientAuthMethod::from_name(m)?,
            None if client_secret.is_some() => ClientAuthMethod::ClientSecretPost,
            None => ClientAuthMethod::None,
        };
        Ok(Credentials { client_id: client_id.into(), client_secret, auth_method: method, scope: None })
    }
    /// The secret, or a config error naming what needs it.
    pub(crate) fn secret_for(&self, what: &str) -> Result<&str> {
        match &self.client_secret {
            Some(s) if !s.expose().is_empty() => Ok(s.expose()),
            _ => {
                Err(Error::config(format!("{what} needs a client_secret (a public client uses auth_method \"none\")")))
            }
        }
    }
    /// Set how the client authenticates.
    pub fn auth_method(mut self, m: ClientAuthMethod) -> Self {
        self.auth_method = m;
        self
    }
    /// Ask for this scope (space separated) with client credentials.
    pub fn scope(mut self, s: impl Into<String>) -> Self {
        self.scope = Some(s.into());
        self
    }
}

/// What the token endpoint gave, in any dialect.
#[derive(Clone, Debug)]
pub struct TokenResponse {
    /// The bearer token for API calls.
    pub access_token: Secret,
    /// Always `Bearer` (any case on the wire); other types are rejected.
    pub token_type: String,
    /// Seconds until `access_token` expires, clamped to `0..=MAX_LIFETIME_SECS`; none if unstated.
    pub expires_in: Option<u64>,
    /// Token for getting a new access token without the user, if issued.
    pub refresh_token: Option<Secret>,
    /// Seconds until `refresh_token` expires (Keycloak sends it); none if unstated.
    pub refresh_expires_in: Option<u64>,
    /// The OIDC ID token (a JWT about the user), if issued.
    pub id_token: Option<Secret>,
    /// The granted scope (space separated), if the server stated it.
    pub scope: Option<String>,
}

/// Read a token endpoint's answer in `dialect`. Pure: this is what fuzzing and the parity vectors drive.
pub fn parse_token_response(
    dialect: Dialect,
    status: u16,
    retry_after: Option<Duration>,
    body: &[u8],
) -> Result<TokenResponse> {
    let json: Option<Value> = serde_json::from_slice(body).ok();
    if !(200..300).contains(&status) {
        return Err(classify_error(status, json.as_ref(), body).with_retry_after(retry_after));
    }
    let unexpected = |why: &str| {
        Error::new(ErrorKind::UnexpectedResponse, format!("token endpoint answered {status} but {why}"))
            .with_status(status)
            .with_excerpt(body)
    };
    let Some(root) = json else {
        return Err(if body.iter().all(u8::is_ascii_whitespace) {
            unexpected("the body is empty")
        } else {
            unexpected("the body is not JSON")
        });
    };
    let obj = match dialect {
        Dialect::Wrapped => match root.get("data") {
            Some(d) => d,
            None if root.get("error").is_some() => return Err(classify_error(status, Some(&root), body)),
            None => return Err(unexpected("it has no \"data\" object")),
        },
        Dialect::Marketplace => {
            if root.get("success").and_then(Value::as_bool) == Some(false) {
                return Err(classify_error(status, Some(&root), body));
            }
            &root
        }
        Dialect::OAuth => {
            if root.get("error").is_some() && root.get("access_token").is_none() {
                return Err(classify_error(status, Some(&root), body));
            }
            &root
        }
    };
    let Some(obj) = obj.as_object() else {
        return Err(unexpected("the token is not a JSON object"));
    };
    let access_token = match obj.get("access_token") {
        Some(Value::String(s)) if !s.is_empty() => {
            if !is_b64token(s) {
                return Err(unexpected("access_token has characters a Bearer header cannot carry (RFC 6750 b64token)"));
            }
            Secret::from(s.as_str())
        }
        _ => return Err(unexpected("it has no access_token")),
    };
    // Servers are sloppy about token_type's case and presence; a non-bearer type is not usable here.
    let token_type = match obj.get("token_type") {
        None | Some(Value::Null) => "Bearer".to_owned(),
        Some(Value::String(t)) if t.eq_ignore_ascii_case("bearer") => "Bearer".to_owned(),
        Some(other) => return Err(unexpected(&format!("token_type is {}, not Bearer", excerpt_value(other)))),
    };
    let secret_field = |k: &str| match obj.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) if s.bytes().all(|b| (0x21..=0x7e).contains(&b)) => Ok(Some(Secret::from(s.as_str()))),
        Some(Value::String(_)) => Err(unexpected(&format!("{k} has characters outside visible ASCII"))),
        Some(_) => Err(unexpected(&format!("{k} is not a string"))),
    };
    let lifetime = |k: &str| seconds(obj.get(k)).map_err(|why| unexpected(&format!("{k} {why}")));
    let scope = match obj.get("scope") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(unexpected("scope is not a string")),
    };
    Ok(TokenResponse {
        access_token,
        token_type,
        expires_in: lifetime("expires_in")?,
        refresh_token: secret_field("refresh_token")?,
        refresh_expires_in: lifetime("refresh_expires_in")?,
        id_token: secret_field("id_token")?,
        scope,
    })
}

/// The longest lifetime believed (10 years). Longer values are clamped: they mean "long", and a
/// bigger one would overflow clocks (`Instant + Duration` panics).
pub const MAX_LIFETIME_SECS: u64 = 10 * 365 * 24 * 3600;

/// RFC 6750 §2.1 b64token: what an `Authorization: Bearer` header can carry (no space, CR or LF).
fn is_b64token(s: &str) -> bool {
    let body = s.trim_end_matches('=');
    !body.is_empty() && body.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b))
}

fn excerpt_value(v: &Value) -> String {
    crate::redact::excerpt(v.to_string().as_bytes())
}

/// A lifetime in seconds as a number (integer or float) or a numeric string, clamped to
/// `0..=MAX_LIFETIME_SECS`: zero or negative means already expired. Absent or null is `None`;
/// anything else is an error (the caller makes it `unexpected_response`).
fn seconds(v: Option<&Value>) -> std::result::Result<Option<u64>, &'static str> {
    let f = match v {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(n)) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => return Ok(Some(i.clamp(0, MAX_LIFETIME_SECS as i64) as u64)),
            (None, Some(u)) => return Ok(Some(u.min(MAX_LIFETIME_SECS))),
            _ => n.as_f64().ok_or("is not a number")?,
        },
        Some(Value::String(s)) => s.trim().parse::<f64>().map_err(|_| "is not a number")?,
        Some(_) => return Err("is not a number"),
    };
    if f.is_nan() {
        return Err("is not a number");
    }
    // `as` saturates for floats (and infinities); clamp once more to the documented range.
    Ok(Some((f.max(0.0) as u64).min(MAX_LIFETIME_SECS)))
}

fn kind_for_code(code: &str) -> Option<ErrorKind> {
    Some(match code {
        "invalid_client" | "unauthorized" => ErrorKind::InvalidClient,
        "invalid_request" | "invalid_scope" => ErrorKind::InvalidRequest,
        "invalid_grant" => ErrorKind::InvalidGrant,
        "unauthorized_client" | "unsupported_grant_type" => ErrorKind::UnauthorizedClient,
        "access_denied" | "forbidden" => ErrorKind::Forbidden,
        "temporarily_unavailable" | "server_error" | "API_ERROR" => ErrorKind::ServerError,
        "slow_down" | "rate_limited" | "rate_limit_exceeded" => ErrorKind::RateLimited,
        _ => return None,
    })
}

pub(crate) fn kind_for_status(status: u16) -> ErrorKind {
    match status {
        400 => ErrorKind::InvalidRequest,
        401 => ErrorKind::InvalidClient,
        403 => ErrorKind::Forbidden,
        429 => ErrorKind::RateLimited,
        500..=599 => ErrorKind::ServerError,
        _ => ErrorKind::Api,
    }
}

/// Turn an error answer of any dialect into one typed error, keeping codes and a scrubbed excerpt.
pub(crate) fn classify_error(status: u16, json: Option<&Value>, body: &[u8]) -> Error {
    let s = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
    let (mut kind, code, reason, message) = match json {
        // Wrapped API: {"error": {"code", "code_reason", "message"}}
        Some(j) if j.get("error").is_some_and(Value::is_object) => {
            let e = &j["error"];
            let code = s(e.get("code")).or_else(|| e.get("code").filter(|c| c.is_number()).map(|c| c.to_string()));
            let reason = s(e.get("code_reason")).or_else(|| s(e.get("type")));
            let k = reason.as_deref().and_then(kind_for_code).or_else(|| code.as_deref().and_then(kind_for_code));
            (k, code, reason, s(e.get("message")))
        }
        // RFC 6749: {"error": "invalid_client", "error_description": "..."}
        // A prose `error` (the wrapped API's 403/404 bodies) is a message, not a code.
        Some(j) if j["error"].as_str().is_some_and(|e| e.contains(' ')) => (None, None, None, s(j.get("error"))),
        Some(j) if j.get("error").is_some_and(Value::is_string) => {
            let code = s(j.get("error"));
            let k = code.as_deref().and_then(kind_for_code);
            let msg = s(j.get("error_description")).or_else(|| code.clone());
            (k, code, None, msg)
        }
        // Keycloak gateway: {"message", "description"}; Marketplace: {"success": false, "message"}
        Some(j) if j.get("message").is_some() || j.get("description").is_some() => {
            let msg = match (s(j.get("message")), s(j.get("description"))) {
                (Some(m), Some(d)) => Some(format!("{m}: {d}")),
                (m, d) => m.or(d),
            };
            (None, None, None, msg)
        }
        _ => (None, None, None, None),
    };
    let lower = message.as_deref().unwrap_or_default().to_ascii_lowercase();
    if status == 403 && (lower.contains("licenses") || lower.contains("licences")) {
        kind = Some(ErrorKind::LicensesExhausted);
    }
    // The status wins for throttling and outages whatever the body says.
    let kind = match status {
        429 => ErrorKind::RateLimited,
        500..=599 if kind != Some(ErrorKind::RateLimited) => ErrorKind::ServerError,
        _ => kind.unwrap_or_else(|| kind_for_status(status)),
    };
    let message = match message {
        Some(m) => crate::redact::scrub(&m),
        None if json.is_none() && !body.is_empty() => "error answer is not JSON".to_owned(),
        None => "error answer without a message".to_owned(),
    };
    Error::new(kind, message).with_status(status).with_code(code, reason).with_excerpt(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(d: Dialect, status: u16, body: &str) -> Error {
        parse_token_response(d, status, None, body.as_bytes()).unwrap_err()
    }

    #[test]
    fn success_shapes() {
        let t = parse_token_response(
            Dialect::OAuth,
            200,
            None,
            br#"{"access_token":"a","expires_in":"300","scope":"x y"}"#,
        )
        .unwrap();
        assert_eq!((t.access_token.expose(), t.expires_in, t.token_type.as_str()), ("a", Some(300), "Bearer"));
        let t = parse_token_response(
            Dialect::Wrapped,
            200,
            None,
            br#"{"data":{"access_token":"sk-1","token_type":"Bearer","expires_in":3600}}"#,
        )
        .unwrap();
        assert_eq!(t.expires_in, Some(3600));
        let t = parse_token_response(
            Dialect::Marketplace,
            200,
            None,
            br#"{"success":true,"access_token":"m","token_type":"bearer","expires_in":1800,"scope":"openid"}"#,
        )
        .unwrap();
        assert_eq!(t.scope.as_deref(), Some("openid"));
        assert_eq!(
            err(Dialect::OAuth, 200, r#"{"access_token":"a","token_type":"mac"}"#).kind(),
            ErrorKind::UnexpectedResponse
        );
        assert_eq!(err(Dialect::OAuth, 200, "").kind(), ErrorKind::UnexpectedResponse);
        assert_eq!(err(Dialect::OAuth, 200, "<html>").kind(), ErrorKind::UnexpectedResponse);
    }

    #[test]
    fn error_shapes() {
        let e = err(
            Dialect::Wrapped,
            401,
            r#"{"error":{"code":"401021","code_reason":"invalid_client","message":"Invalid client_id"}}"#,
        );
        assert_eq!(
            (e.kind(), e.code(), e.code_reason(), e.status()),
            (ErrorKind::InvalidClient, Some("401021"), Some("invalid_client"), Some(401))
        );
        let e = err(
            Dialect::Wrapped,
            500,
            r#"{"error":{"code":"500999","code_reason":"API_ERROR","message":"Api Error"}}"#,
        );
        assert_eq!(e.kind(), ErrorKind::ServerError);
        let e = err(
            Dialect::OAuth,
            403,
            r#"{"message":"Forbidden","description":"Not enough available concurrent user licenses"}"#,
        );
        assert_eq!(e.kind(), ErrorKind::LicensesExhausted);
        let e = err(
            Dialect::OAuth,
            401,
            r#"{"message":"Not Authorized","description":"The credentials you provided are not valid."}"#,
        );
        assert_eq!(e.kind(), ErrorKind::InvalidClient);
        let e = err(Dialect::OAuth, 400, r#"{"error":"invalid_grant","error_description":"Token is not active"}"#);
        assert_eq!((e.kind(), e.code()), (ErrorKind::InvalidGrant, Some("invalid_grant")));
        let e = err(Dialect::Marketplace, 200, r#"{"success":false,"message":"nope"}"#);
        assert_eq!(e.kind(), ErrorKind::Api);
        let e = err(Dialect::Marketplace, 401, r#"{"success":false,"message":"Invalid client credentials"}"#);
        assert_eq!(e.kind(), ErrorKind::InvalidClient);
        assert_eq!(err(Dialect::OAuth, 503, "<html>down</html>").kind(), ErrorKind::ServerError);
        assert_eq!(err(Dialect::OAuth, 429, "").kind(), ErrorKind::RateLimited);
    }
}
