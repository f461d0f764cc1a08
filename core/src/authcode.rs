//! Authorization Code flow with PKCE: the authorize URL, the callback, and what must be checked.
use base64::Engine;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use url::Url;

use crate::error::{Error, ErrorKind, Result};
use crate::secret::Secret;

/// What to ask for at the authorize endpoint.
#[derive(Clone, Debug)]
pub struct AuthorizeOptions {
    pub redirect_uri: String,
    /// Space-separated scopes; none means the client's registered scopes.
    pub scope: Option<String>,
    /// Login screen language(s), e.g. `"en"` or `"ja en"` (ja, en, fr, es, th, id, ar).
    pub ui_locales: Option<String>,
    /// PKCE S256 (on by default; turn off only for servers that reject it).
    pub pkce: bool,
    /// Further query parameters (`prompt`, `login_hint`, ...).
    pub extra: Vec<(String, String)>,
}

impl AuthorizeOptions {
    pub fn new(redirect_uri: impl Into<String>) -> Self {
        AuthorizeOptions {
            redirect_uri: redirect_uri.into(),
            scope: None,
            ui_locales: None,
            pkce: true,
            extra: Vec::new(),
        }
    }
    pub fn scope(mut self, s: impl Into<String>) -> Self {
        self.scope = Some(s.into());
        self
    }
    pub fn ui_locales(mut self, s: impl Into<String>) -> Self {
        self.ui_locales = Some(s.into());
        self
    }
}

/// A started sign-in: send the user to `url`, keep the rest until the callback arrives.
/// Serializable so a web app or mobile app can keep it across the browser round trip.
#[derive(Clone, Serialize, Deserialize)]
pub struct AuthorizationRequest {
    pub url: String,
    pub redirect_uri: String,
    pub state: Secret,
    pub nonce: Secret,
    pub code_verifier: Option<Secret>,
    /// Whether an id_token must come back (the scope asked for `openid`).
    #[serde(default)]
    pub expects_id_token: bool,
}

impl std::fmt::Debug for AuthorizationRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL carries state and nonce: show only where it goes.
        let u = Url::parse(&self.url)
            .map(|u| format!("{}://{}{}", u.scheme(), u.host_str().unwrap_or(""), u.path()))
            .unwrap_or_default();
        f.debug_struct("AuthorizationRequest")
            .field("endpoint", &u)
            .field("redirect_uri", &self.redirect_uri)
            .finish_non_exhaustive()
    }
}

/// `n` bytes from the OS CSPRNG, base64url without padding.
pub fn random_string(n: usize) -> String {
    let mut b = vec![0u8; n];
    // ThreadRng is a CSPRNG (ChaCha12) seeded and periodically reseeded from the OS.
    rand::rng().fill_bytes(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

/// RFC 7636 S256: BASE64URL(SHA256(verifier)).
pub fn pkce_challenge(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

pub(crate) fn build(
    authorize_endpoint: &Url,
    client_id: &str,
    opts: &AuthorizeOptions,
) -> Result<AuthorizationRequest> {
    Url::parse(&opts.redirect_uri).map_err(|e| Error::config(format!("redirect_uri is not a URL: {e}")))?;
    let state = random_string(32);
    let nonce = random_string(32);
    let verifier = opts.pkce.then(|| random_string(48)); // 64 chars, within RFC 7636's 43..128
    let mut url = authorize_endpoint.clone();
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("response_type", "code")
            .append_pair("client_id", client_id)
            .append_pair("redirect_uri", &opts.redirect_uri);
        if let Some(s) = &opts.scope {
            q.append_pair("scope", s);
        }
        q.append_pair("state", &state).append_pair("nonce", &nonce);
        if let Some(l) = &opts.ui_locales {
            q.append_pair("ui_locales", l);
        }
        if let Some(v) = &verifier {
            q.append_pair("code_challenge", &pkce_challenge(v)).append_pair("code_challenge_method", "S256");
        }
        for (k, v) in &opts.extra {
            q.append_pair(k, v);
        }
    }
    Ok(AuthorizationRequest {
        url: url.into(),
        redirect_uri: opts.redirect_uri.clone(),
        state: state.into(),
        nonce: nonce.into(),
        code_verifier: verifier.map(Secret::from),
        expects_id_token: opts.scope.as_deref().is_some_and(|s| s.split_ascii_whitespace().any(|x| x == "openid")),
    })
}

/// Read the redirect the browser came back with (a full URL or just its `?query`): surface
/// `error`, check `state` in constant time, and return the code.
pub fn parse_callback(request: &AuthorizationRequest, callback: &str) -> Result<Secret> {
    parse_callback_with_state(request.state.expose(), callback)
}

/// [`parse_callback`] given only the state that was sent.
pub fn parse_callback_with_state(expected_state: &str, callback: &str) -> Result<Secret> {
    let callback = callback.trim();
    let query = match Url::parse(callback) {
        Ok(u) => u.query().unwrap_or("").to_owned(),
        Err(_) => callback.trim_start_matches('?').to_owned(),
    };
    let mut code = None;
    let mut state = None;
    let mut error = None;
    let mut description = None;
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        match &*k {
            "code" => code = Some(v.into_owned()),
            "state" => state = Some(v.into_owned()),
            "error" => error = Some(v.into_owned()),
            "error_description" => description = Some(v.into_owned()),
            _ => {}
        }
    }
    let state_ok = state
        .as_deref()
        .is_some_and(|s| bool::from(subtle::ConstantTimeEq::ct_eq(s.as_bytes(), expected_state.as_bytes())));
    if let Some(err) = error {
        // An error redirect with a foreign state may be forged: report the mismatch instead.
        if !state_ok && state.is_some() {
            return Err(Error::new(ErrorKind::StateMismatch, "callback state does not match the request"));
        }
        let msg = match description {
            Some(d) => format!("authorization failed: {err}: {}", crate::redact::scrub(&d)),
            None => format!("authorization failed: {err}"),
        };
        return Err(Error::new(ErrorKind::AuthorizationDenied, msg).with_code(Some(crate::redact::scrub(&err)), None));
    }
    if !state_ok {
        return Err(Error::new(
            ErrorKind::StateMismatch,
            if state.is_none() { "callback has no state" } else { "callback state does not match the request" },
        ));
    }
    match code {
        Some(c) if !c.is_empty() => Ok(Secret::from(c)),
        _ => Err(Error::new(ErrorKind::UnexpectedResponse, "callback has neither code nor error")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req() -> AuthorizationRequest {
        build(
            &Url::parse("https://auth.example.com/authorize").unwrap(),
            "cid",
            &AuthorizeOptions::new("http://127.0.0.1:9/cb").ui_locales("en"),
        )
        .unwrap()
    }

    #[test]
    fn url_has_everything() {
        let r = req();
        let u = Url::parse(&r.url).unwrap();
        let q: std::collections::HashMap<_, _> = u.query_pairs().into_owned().collect();
        assert_eq!(q["response_type"], "code");
        assert_eq!(q["state"], r.state.expose());
        assert_eq!(q["nonce"], r.nonce.expose());
        assert_eq!(q["ui_locales"], "en");
        assert_eq!(q["code_challenge_method"], "S256");
        assert_eq!(q["code_challenge"], pkce_challenge(r.code_verifier.as_ref().unwrap().expose()));
        assert_ne!(req().state, r.state, "random per request");
        assert!(!format!("{r:?}").contains(r.state.expose()));
    }

    #[test]
    fn pkce_rfc7636_vector() {
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn callback_outcomes() {
        let r = req();
        let s = r.state.expose();
        assert_eq!(parse_callback(&r, &format!("http://127.0.0.1:9/cb?code=abc&state={s}")).unwrap().expose(), "abc");
        assert_eq!(parse_callback(&r, &format!("?code=abc&state={s}")).unwrap().expose(), "abc");
        assert_eq!(
            parse_callback(&r, "http://x/cb?code=abc&state=other").unwrap_err().kind(),
            ErrorKind::StateMismatch
        );
        assert_eq!(parse_callback(&r, "http://x/cb?code=abc").unwrap_err().kind(), ErrorKind::StateMismatch);
        let e =
            parse_callback(&r, &format!("http://x/cb?error=access_denied&error_description=no&state={s}")).unwrap_err();
        assert_eq!((e.kind(), e.code()), (ErrorKind::AuthorizationDenied, Some("access_denied")));
        assert_eq!(
            parse_callback(&r, &format!("http://x/cb?state={s}")).unwrap_err().kind(),
            ErrorKind::UnexpectedResponse
        );
    }
}
