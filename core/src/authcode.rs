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
    /// Where the server sends the user back; must match a registered redirect URI exactly.
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
    /// Options for `redirect_uri`: PKCE on, the client's registered scopes.
    pub fn new(redirect_uri: impl Into<String>) -> Self {
        AuthorizeOptions {
            redirect_uri: redirect_uri.into(),
            scope: None,
            ui_locales: None,
            pkce: true,
            extra: Vec::new(),
        }
    }
    /// Ask for these scopes (space separated).
    pub fn scope(mut self, s: impl Into<String>) -> Self {
        self.scope = Some(s.into());
        self
    }
    /// Show the login screen in these languages.
    pub fn ui_locales(mut self, s: impl Into<String>) -> Self {
        self.ui_locales = Some(s.into());
        self
    }
}

/// A started sign-in: send the user to `url`, keep the rest until the callback arrives.
/// Serializable so a web app or mobile app can keep it across the browser round trip.
#[derive(Clone, Serialize, Deserialize)]
pub struct AuthorizationRequest {
    /// The authorize URL to open in the browser.
    pub url: String,
    /// The redirect URI sent, which the code exchange must repeat.
    pub redirect_uri: String,
    /// Random `state` the callback must return (CSRF protection).
    pub state: Secret,
    /// Random `nonce` the id_token must carry (replay protection).
    pub nonce: Secret,
    /// The PKCE verifier sent with the code exchange; none without PKCE.
    pub code_verifier: Option<Secret>,
    /// Whether an id_token must come back (the scope asked for `openid`).
    #[serde(default)]
    pub expects_id_token: bool,
    /// The issuer the flow started with (from discovery): the callback's RFC 9207 `iss` must name it.
    #[serde(default)]
    pub issuer: Option<String>,
    /// The server advertises `authorization_response_iss_parameter_supported`: a callback without
    /// `iss` is refused.
    #[serde(default)]
    pub iss_required: bool,
}

impl std::fmt::Debug for AuthorizationRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL carries state and nonce: show only where it goes.
        let u = Url::parse(&self.url).map(|u| crate::http::display_url(&u)).unwrap_or_default();
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

/// What the authorization server said about itself (discovery), for checking its callback.
#[derive(Clone, Debug, Default)]
pub(crate) struct IssuerInfo {
    pub issuer: Option<String>,
    pub iss_required: bool,
}

pub(crate) fn build(
    authorize_endpoint: &Url,
    client_id: &str,
    opts: &AuthorizeOptions,
    issuer: IssuerInfo,
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
        issuer: issuer.issuer,
        iss_required: issuer.iss_required,
    })
}

/// Read the redirect the browser came back with (a full URL or just its `?query`): refuse
/// repeated parameters and, for a full URL, any origin or path other than the `redirect_uri`;
/// check the RFC 9207 `iss`; surface `error`; check `state` in constant time; return the code.
pub fn parse_callback(request: &AuthorizationRequest, callback: &str) -> Result<Secret> {
    let check = CallbackCheck {
        state: request.state.expose(),
        redirect_uri: Some(&request.redirect_uri),
        issuer: request.issuer.as_deref(),
        iss_required: request.iss_required,
    };
    check_callback(&check, callback)
}

/// [`parse_callback`] given only the state that was sent (no origin or issuer check).
pub fn parse_callback_with_state(expected_state: &str, callback: &str) -> Result<Secret> {
    check_callback(
        &CallbackCheck { state: expected_state, redirect_uri: None, issuer: None, iss_required: false },
        callback,
    )
}

struct CallbackCheck<'a> {
    state: &'a str,
    redirect_uri: Option<&'a str>,
    issuer: Option<&'a str>,
    iss_required: bool,
}

fn invalid(m: impl Into<String>) -> Error {
    Error::new(ErrorKind::CallbackInvalid, m)
}

/// Same scheme, host, port and path (the query and fragment may differ).
fn same_endpoint(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host() == b.host()
        && a.port_or_known_default() == b.port_or_known_default()
        && a.path() == b.path()
}

fn check_callback(check: &CallbackCheck<'_>, callback: &str) -> Result<Secret> {
    let callback = callback.trim();
    let query = match Url::parse(callback) {
        Ok(u) => {
            if let Some(expected) = check.redirect_uri.and_then(|r| Url::parse(r).ok())
                && !same_endpoint(&u, &expected)
            {
                return Err(invalid(format!(
                    "callback arrived at {}, not at the redirect_uri {}",
                    crate::http::display_url(&u),
                    crate::http::display_url(&expected)
                )));
            }
            u.query().unwrap_or("").to_owned()
        }
        Err(_) => callback.trim_start_matches('?').to_owned(),
    };
    let mut params: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        // Which copy would win is the attacker's choice (`state=x&state=<real>`): none does.
        if params.insert(k.clone().into_owned(), v.into_owned()).is_some() {
            return Err(invalid(format!("callback repeats the parameter {:?}", crate::redact::scrub(&k))));
        }
    }
    // RFC 9207 §2.4: the issuer is checked before anything else in the response is used.
    match (params.get("iss"), check.issuer) {
        (Some(iss), Some(expected)) if iss != expected => {
            return Err(Error::new(
                ErrorKind::CallbackIssuerMismatch,
                format!(
                    "callback names issuer {:?}, not {expected:?} (possible mix-up attack)",
                    crate::redact::scrub(iss)
                ),
            ));
        }
        (None, _) if check.iss_required => {
            return Err(Error::new(
                ErrorKind::CallbackIssuerMissing,
                "callback has no iss although the server advertises authorization_response_iss_parameter_supported",
            ));
        }
        _ => {}
    }
    let state = params.get("state");
    let state_ok =
        state.is_some_and(|s| bool::from(subtle::ConstantTimeEq::ct_eq(s.as_bytes(), check.state.as_bytes())));
    if let Some(err) = params.get("error") {
        // An error redirect with a foreign state may be forged: report the mismatch instead.
        if !state_ok && state.is_some() {
            return Err(Error::new(ErrorKind::StateMismatch, "callback state does not match the request"));
        }
        let msg = match params.get("error_description") {
            Some(d) => format!("authorization failed: {err}: {d}"),
            None => format!("authorization failed: {err}"),
        };
        return Err(Error::new(ErrorKind::AuthorizationDenied, msg).with_code(Some(crate::redact::scrub(err)), None));
    }
    if !state_ok {
        return Err(Error::new(
            ErrorKind::StateMismatch,
            if state.is_none() { "callback has no state" } else { "callback state does not match the request" },
        ));
    }
    match params.remove("code") {
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
            IssuerInfo::default(),
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
        assert_eq!(parse_callback(&r, "?code=abc&state=other").unwrap_err().kind(), ErrorKind::StateMismatch);
        assert_eq!(parse_callback(&r, "?code=abc").unwrap_err().kind(), ErrorKind::StateMismatch);
        let e = parse_callback(&r, &format!("?error=access_denied&error_description=no&state={s}")).unwrap_err();
        assert_eq!((e.kind(), e.code()), (ErrorKind::AuthorizationDenied, Some("access_denied")));
        assert_eq!(parse_callback(&r, &format!("?state={s}")).unwrap_err().kind(), ErrorKind::UnexpectedResponse);
        for bad in [
            format!("http://x/cb?code=abc&state={s}"),
            format!("http://127.0.0.1:9/other?code=abc&state={s}"),
            format!("https://127.0.0.1:9/cb?code=abc&state={s}"),
            format!("?code=abc&state=WRONG&state={s}"),
            format!("?code=a&code=b&state={s}"),
        ] {
            assert_eq!(parse_callback(&r, &bad).unwrap_err().kind(), ErrorKind::CallbackInvalid, "{bad}");
        }
    }
}
