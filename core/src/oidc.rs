//! OpenID Connect: discovery, the JWKS cache and id_token validation.
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::error::{Error, ErrorKind, Result};
use crate::http::HttpConfig;

/// The parts of a discovery document the SDK uses.
#[derive(Clone, Debug, Deserialize)]
pub struct Metadata {
    /// The issuer identifier; must equal the provider's issuer and every id_token's `iss`.
    pub issuer: String,
    /// Where the Authorization Code flow sends the user.
    #[serde(default)]
    pub authorization_endpoint: Option<Url>,
    /// Where tokens are requested.
    #[serde(default)]
    pub token_endpoint: Option<Url>,
    /// The JSON Web Key Set that signs id_tokens.
    #[serde(default)]
    pub jwks_uri: Option<Url>,
    /// PKCE methods the server accepts (`S256`, `plain`); absent means unstated.
    #[serde(default)]
    pub code_challenge_methods_supported: Option<Vec<String>>,
    /// Client authentication methods the token endpoint accepts (`client_secret_post`, ...).
    #[serde(default)]
    pub token_endpoint_auth_methods_supported: Option<Vec<String>>,
    /// RFC 8628 device authorization endpoint.
    #[serde(default)]
    pub device_authorization_endpoint: Option<Url>,
    /// RFC 7009 token revocation endpoint.
    #[serde(default)]
    pub revocation_endpoint: Option<Url>,
    /// OIDC Core §5.3 UserInfo endpoint.
    #[serde(default)]
    pub userinfo_endpoint: Option<Url>,
    /// RFC 7662 token introspection endpoint.
    #[serde(default)]
    pub introspection_endpoint: Option<Url>,
    /// RFC 9207: the server puts `iss` in every authorization response.
    #[serde(default)]
    pub authorization_response_iss_parameter_supported: bool,
}

async fn get_json(http: &reqwest::Client, cfg: &HttpConfig, url: &Url, what: &str) -> Result<Vec<u8>> {
    let resp = http
        .get(url.clone())
        .timeout(cfg.request_timeout)
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| Error::from_reqwest(&e, what))?;
    let status = resp.status().as_u16();
    crate::http::check_redirect(&resp, "GET", url)?;
    let body = crate::http::read_body(resp, 1 << 20, cfg.request_timeout).await?;
    if !(200..300).contains(&status) {
        let json = serde_json::from_slice(&body).ok();
        return Err(
            crate::provider::classify_error(status, json.as_ref(), &body).map_message(|m| format!("{what}: {m}"))
        );
    }
    Ok(body)
}

impl Metadata {
    pub(crate) async fn fetch(http: &reqwest::Client, cfg: &HttpConfig, url: &Url) -> Result<Metadata> {
        let body = get_json(http, cfg, url, "OIDC discovery").await?;
        serde_json::from_slice(&body).map_err(|e| {
            Error::new(ErrorKind::UnexpectedResponse, format!("OIDC discovery document is invalid: {e}"))
                .with_excerpt(&body)
        })
    }
}

/// Signing keys by key id, fetched again when a token names a key we do not know (key rotation),
/// at most once per cooldown so that forged key ids cannot make us hammer the server.
pub struct JwksCache {
    state: Mutex<JwksState>,
    refetch_cooldown: Duration,
}

#[derive(Default)]
struct JwksState {
    keys: Option<JwkSet>,
    last_refetch: Option<Instant>,
}

impl Default for JwksCache {
    fn default() -> Self {
        JwksCache { state: Mutex::default(), refetch_cooldown: Duration::from_secs(30) }
    }
}

impl JwksCache {
    fn find(&self, kid: Option<&str>, alg: Algorithm) -> Option<Jwk> {
        let st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let set = st.keys.as_ref()?;
        match kid {
            Some(k) => set.find(k).cloned(),
            // No kid: acceptable only when exactly one key could match the algorithm.
            None => {
                let fam = alg.family();
                let mut it = set
                    .keys
                    .iter()
                    .filter(|k| k.is_supported() && DecodingKey::from_jwk(k).is_ok_and(|d| d.family() == fam));
                let first = it.next().cloned();
                if it.next().is_some() { None } else { first }
            }
        }
    }

    async fn key(
        &self,
        http: &reqwest::Client,
        cfg: &HttpConfig,
        jwks_uri: &Url,
        kid: Option<&str>,
        alg: Algorithm,
    ) -> Result<Jwk> {
        if let Some(k) = self.find(kid, alg) {
            return Ok(k);
        }
        let may_fetch = {
            let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
            let first = st.keys.is_none();
            let cooled = st.last_refetch.is_none_or(|t| t.elapsed() >= self.refetch_cooldown);
            if !first && cooled {
                st.last_refetch = Some(Instant::now());
            }
            first || cooled
        };
        if may_fetch {
            let body = get_json(http, cfg, jwks_uri, "JWKS").await?;
            let set: JwkSet = serde_json::from_slice(&body)
                .map_err(|e| Error::new(ErrorKind::UnexpectedResponse, format!("JWKS is invalid: {e}")))?;
            self.state.lock().unwrap_or_else(|p| p.into_inner()).keys = Some(set);
            if let Some(k) = self.find(kid, alg) {
                return Ok(k);
            }
        }
        Err(Error::new(
            ErrorKind::IdTokenSignature,
            format!("id_token is signed with an unknown key ({})", kid.unwrap_or("no kid")),
        ))
    }
}

/// Claims of a validated id_token.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct IdClaims {
    /// Issuer (checked against the provider's).
    pub iss: String,
    /// Subject: the user's stable id at the issuer.
    pub sub: String,
    /// The nonce sent with the authorization request (checked when one was sent).
    #[serde(default)]
    pub nonce: Option<String>,
    /// Expiry, Unix seconds.
    #[serde(default)]
    pub exp: u64,
    /// The user's display name, if the server includes it.
    #[serde(default)]
    pub name: Option<String>,
    /// The user's email address, if the server includes it.
    #[serde(default)]
    pub email: Option<String>,
    /// Every other claim (`aud`, `iat`, `azp`, custom ones), as sent.
    #[serde(flatten)]
    pub extra: HashMap<String, serde_json::Value>,
}

/// Algorithms accepted for id_tokens; `none` and HMAC (client-secret keyed) are never accepted.
const ALLOWED: &[Algorithm] = &[
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
];

/// What an id_token must match to be accepted.
pub struct IdTokenCheck<'a> {
    /// The expected `iss`.
    pub issuer: &'a str,
    /// This client's id: the expected `aud` (and `azp`, when present).
    pub client_id: &'a str,
    /// The nonce sent with the authorization request; the token must carry the same.
    pub nonce: Option<&'a str>,
    /// Clock skew allowed for `exp`, `iat` and `nbf`.
    pub leeway: Duration,
}

/// Validate signature (against the JWKS), iss, aud, exp (with leeway) and nonce; each failure has its own kind.
pub(crate) async fn validate_id_token(
    jwks: &JwksCache,
    http: &reqwest::Client,
    cfg: &HttpConfig,
    jwks_uri: &Url,
    id_token: &str,
    check: &IdTokenCheck<'_>,
) -> Result<IdClaims> {
    let header = jsonwebtoken::decode_header(id_token)
        .map_err(|e| Error::new(ErrorKind::IdTokenInvalid, format!("id_token is malformed: {e}")))?;
    let jwk = jwks.key(http, cfg, jwks_uri, header.kid.as_deref(), header.alg).await?;
    verify_id_token(&jwk, id_token, check)
}

/// The offline part of id_token validation, given the key the token names. Pure: fuzzed.
pub fn verify_id_token(jwk: &Jwk, id_token: &str, check: &IdTokenCheck<'_>) -> Result<IdClaims> {
    let invalid = |m: String| Error::new(ErrorKind::IdTokenInvalid, m);
    let header = jsonwebtoken::decode_header(id_token).map_err(|e| invalid(format!("id_token is malformed: {e}")))?;
    if !ALLOWED.contains(&header.alg) {
        return Err(Error::new(
            ErrorKind::IdTokenSignature,
            format!("id_token algorithm {:?} is not accepted", header.alg),
        ));
    }
    check_key_permits(jwk, header.alg)?;
    let key = DecodingKey::from_jwk(jwk).map_err(|e| invalid(format!("JWKS key unusable: {e}")))?;
    let mut v = Validation::new(header.alg);
    v.set_issuer(&[check.issuer]);
    v.set_audience(&[check.client_id]);
    v.leeway = check.leeway.as_secs();
    v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    let data = jsonwebtoken::decode::<IdClaims>(id_token, &key, &v).map_err(|e| {
        use jsonwebtoken::errors::ErrorKind as J;
        let kind = match e.kind() {
            J::InvalidSignature | J::InvalidAlgorithm | J::InvalidEcdsaKey | J::InvalidRsaKey(_) => {
                ErrorKind::IdTokenSignature
            }
            J::ExpiredSignature => ErrorKind::IdTokenExpired,
            J::InvalidAudience => ErrorKind::IdTokenAudience,
            J::InvalidIssuer => ErrorKind::IdTokenIssuer,
            _ => ErrorKind::IdTokenInvalid,
        };
        Error::new(kind, format!("id_token rejected: {e}"))
    })?;
    check_claims(&data.claims, check)?;
    if let Some(expected) = check.nonce {
        let got = data.claims.nonce.as_deref().unwrap_or("");
        if !bool::from(subtle::ConstantTimeEq::ct_eq(got.as_bytes(), expected.as_bytes())) {
            return Err(Error::new(ErrorKind::IdTokenNonce, "id_token nonce does not match the one sent"));
        }
    }
    Ok(data.claims)
}

/// RFC 7517 §4.2–4.4: a key published for encryption, or restricted to other operations or to
/// another algorithm, must not verify signatures.
fn check_key_permits(jwk: &Jwk, alg: Algorithm) -> Result<()> {
    use jsonwebtoken::jwk::{KeyOperations, PublicKeyUse};
    let refuse =
        |why: String| Err(Error::new(ErrorKind::IdTokenKey, format!("JWKS key may not verify this id_token: {why}")));
    match &jwk.common.public_key_use {
        None | Some(PublicKeyUse::Signature) => {}
        Some(other) => return refuse(format!("its use is {other:?}, not sig")),
    }
    if let Some(ops) = &jwk.common.key_operations
        && !ops.contains(&KeyOperations::Verify)
    {
        return refuse("its key_ops lack verify".into());
    }
    if let Some(ka) = &jwk.common.key_algorithm
        && ka.to_string() != format!("{alg:?}")
    {
        return refuse(format!("it is for {ka}, the token is signed with {alg:?}"));
    }
    Ok(())
}

/// OIDC Core §3.1.3.7 beyond signature, iss, aud and exp: `azp` (items 4–5), `iat` (item 10,
/// required) and `nbf`, each a number of seconds and not in the future beyond the leeway.
fn check_claims(claims: &IdClaims, check: &IdTokenCheck<'_>) -> Result<()> {
    use serde_json::Value;
    let now = crate::token::unix_now() as f64;
    let leeway = check.leeway.as_secs_f64();
    let time = |k: &str| match claims.extra.get(k) {
        None => Ok(None),
        Some(Value::Number(n)) => Ok(n.as_f64()),
        Some(_) => Err(Error::new(ErrorKind::IdTokenInvalid, format!("id_token {k} is not a number"))),
    };
    let Some(iat) = time("iat")? else {
        return Err(Error::new(ErrorKind::IdTokenInvalid, "id_token has no iat"));
    };
    for (k, t) in [("iat", Some(iat)), ("nbf", time("nbf")?)] {
        if let Some(t) = t.filter(|t| *t > now + leeway) {
            return Err(Error::new(
                ErrorKind::IdTokenNotYetValid,
                format!("id_token {k} is {:.0} s in the future", t - now),
            ));
        }
    }
    let several_audiences = matches!(claims.extra.get("aud"), Some(Value::Array(a)) if a.len() > 1);
    match claims.extra.get("azp") {
        None if several_audiences => {
            Err(Error::new(ErrorKind::IdTokenAzp, "id_token has several audiences but no azp"))
        }
        None => Ok(()),
        Some(Value::String(azp)) if azp == check.client_id => Ok(()),
        Some(other) => Err(Error::new(
            ErrorKind::IdTokenAzp,
            format!("id_token azp is {}, not this client", crate::redact::excerpt(other.to_string().as_bytes())),
        )),
    }
}
