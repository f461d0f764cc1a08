//! The four token dialects: AGENTIC STAR SaaS (OIDC), Marketplace, Keycloak (Eggplant DAI)
//! and the wrapped token API.

use std::collections::BTreeMap;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use url::Url;

use crate::clients::*;
use crate::faults::IdTokenSpoil;
use crate::http::{Basic, BodyKind, Incoming, json_reply, no_store};
use crate::keys::{KEYS, jwks};
use crate::state::{self, Code, Ctx, Dialect, Grant, IdTokenAlg, Issued, now, random_hex};

type Reply = Result<Response, Response>;

/// `aud` of every JWT access token.
const AUDIENCE: &str = "agenticstar-api";
/// Authorization codes live this long (seconds).
const CODE_LIFETIME: u64 = 60;
const WRAPPED_LIFETIME: u64 = 3600;
/// RFC 8628 §3.4 grant type.
pub const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// Polls this much early still count as on time (the client's sleep and the network jitter).
const POLL_TOLERANCE_MS: u64 = 50;

pub struct Client {
    pub id: &'static str,
    secret: &'static str,
    dialect: Dialect,
    pub scope: &'static str,
    pub grants: &'static [&'static str],
}

const CLIENTS: [Client; 7] = [
    Client {
        id: SAAS_CC_CLIENT_ID,
        secret: SAAS_CC_CLIENT_SECRET,
        dialect: Dialect::Saas,
        scope: "openid chat:all",
        grants: &["client_credentials"],
    },
    Client {
        id: SAAS_APP_CLIENT_ID,
        secret: SAAS_APP_CLIENT_SECRET,
        dialect: Dialect::Saas,
        scope: "openid chat:exec chat:history chat:file mcp:all",
        grants: &["authorization_code", "refresh_token", DEVICE_GRANT],
    },
    Client {
        id: SAAS_AGENT_CLIENT_ID,
        secret: SAAS_AGENT_CLIENT_SECRET,
        dialect: Dialect::Saas,
        scope: "openid mcp:all a2a:all",
        grants: &["client_credentials"],
    },
    Client {
        id: SAAS_MGMT_CLIENT_ID,
        secret: SAAS_MGMT_CLIENT_SECRET,
        dialect: Dialect::Saas,
        scope: "openid users:read logs:read",
        grants: &["client_credentials"],
    },
    Client {
        id: MARKETPLACE_CLIENT_ID,
        secret: MARKETPLACE_CLIENT_SECRET,
        dialect: Dialect::Marketplace,
        scope: "openid",
        grants: &[],
    },
    Client {
        id: KEYCLOAK_CLIENT_ID,
        secret: KEYCLOAK_CLIENT_SECRET,
        dialect: Dialect::Keycloak,
        scope: "email template:dai:agents profile",
        grants: &["client_credentials"],
    },
    Client { id: WRAPPED_CLIENT_ID, secret: WRAPPED_CLIENT_SECRET, dialect: Dialect::Wrapped, scope: "", grants: &[] },
];

fn find_client(dialect: Dialect, id: &str) -> Option<&'static Client> {
    CLIENTS.iter().find(|c| c.dialect == dialect && c.id == id)
}

pub(crate) enum AuthError {
    Missing,
    Invalid { basic: bool },
}

/// client_secret_basic wins over client_secret_post when both are present.
pub(crate) fn authenticate(
    req: &Incoming,
    form: &BTreeMap<String, String>,
    dialect: Dialect,
) -> Result<&'static Client, AuthError> {
    let given = |name: &str| form.get(name).filter(|v| !v.is_empty()).cloned();
    let (id, secret, basic) = match req.basic() {
        Basic::Given(id, secret) => (id, secret, true),
        Basic::Malformed => return Err(AuthError::Invalid { basic: true }),
        Basic::Absent => match (given("client_id"), given("client_secret")) {
            (Some(id), Some(secret)) => (id, secret, false),
            _ => return Err(AuthError::Missing),
        },
    };
    find_client(dialect, &id).filter(|c| c.secret == secret).ok_or(AuthError::Invalid { basic })
}

/// Requested scopes intersected with the allowed ones (all of them when none are requested);
/// `None` when nothing is left.
pub(crate) fn narrow(requested: Option<&String>, allowed: &str) -> Option<String> {
    let Some(requested) = requested.filter(|r| !r.trim().is_empty()) else {
        return Some(allowed.to_owned());
    };
    let kept: Vec<&str> = allowed.split(' ').filter(|a| requested.split_whitespace().any(|r| r == *a)).collect();
    (!kept.is_empty()).then(|| kept.join(" "))
}

fn remember(s: &mut state::State, token: &str, client: &Client, sub: &str, scope: &str, expires_at: u64) {
    remember_for(s, token, client, sub, scope, expires_at, None)
}

fn remember_for(
    s: &mut state::State,
    token: &str,
    client: &Client,
    sub: &str,
    scope: &str,
    expires_at: u64,
    resource: Option<&str>,
) {
    let issued = Issued {
        client_id: client.id.to_owned(),
        sub: sub.to_owned(),
        scope: scope.to_owned(),
        resource: resource.map(str::to_owned),
        dialect: client.dialect,
        expires_at,
        revoked: false,
        family: None,
    };
    s.tokens.insert(token.to_owned(), issued);
    s.newest_tokens.insert(client.id.to_owned(), token.to_owned());
    let live = s.live_tokens(client.id);
    let peak = s.licence_peaks.entry(client.id.to_owned()).or_default();
    *peak = (*peak).max(live);
}

/// An RS256 access token signed with the current RSA key, remembered for bearer checks.
fn issue_jwt(s: &mut state::State, iss: &str, client: &Client, sub: &str, scope: &str, lifetime: u64) -> String {
    issue_jwt_for(s, iss, client, sub, scope, lifetime, None)
}

/// An access token whose audience is the RFC 8707 `resource` it was asked for, if any.
fn issue_jwt_for(
    s: &mut state::State,
    iss: &str,
    client: &Client,
    sub: &str,
    scope: &str,
    lifetime: u64,
    resource: Option<&str>,
) -> String {
    let iat = now();
    let claims = json!({
        "iss": iss, "sub": sub, "aud": resource.unwrap_or(AUDIENCE), "azp": client.id, "client_id": client.id,
        "scope": scope, "iat": iat, "exp": iat + lifetime, "jti": random_hex(16),
    });
    let token = KEYS.rsa[s.rsa_key].sign(&claims);
    remember_for(s, &token, client, sub, scope, iat + lifetime, resource);
    token
}

pub(crate) fn saas_issuer(ctx: &Ctx) -> String {
    format!("{}/federation/auth/v1", ctx.base)
}

fn keycloak_issuer(ctx: &Ctx) -> String {
    format!("{}/auth/realms/dai", ctx.base)
}

pub(crate) fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    no_store(json_reply(status, json!({ "error": error, "error_description": description })))
}

pub(crate) fn invalid_client(basic: bool) -> Response {
    let mut response = oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "Invalid client credentials");
    if basic {
        let challenge = HeaderValue::from_static("Basic realm=\"agenticstar\"");
        response.headers_mut().insert(header::WWW_AUTHENTICATE, challenge);
    }
    response
}

// ---------------------------------------------------------------- SaaS

pub async fn saas_discovery(State(ctx): State<Ctx>, req: Incoming) -> Reply {
    ctx.arrive("saas.discovery", &req, BodyKind::None).await?;
    let iss = saas_issuer(&ctx);
    Ok(json_reply(
        StatusCode::OK,
        json!({
            "issuer": iss,
            "authorization_endpoint": format!("{iss}/authorize"),
            "token_endpoint": format!("{iss}/token"),
            "jwks_uri": format!("{iss}/jwks"),
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "client_credentials", "refresh_token", DEVICE_GRANT],
            "device_authorization_endpoint": format!("{iss}/device_authorization"),
            "revocation_endpoint": format!("{iss}/revoke"),
            "introspection_endpoint": format!("{iss}/introspect"),
            "userinfo_endpoint": format!("{iss}/userinfo"),
            "scopes_supported": [
                "openid", "chat:all", "chat:exec", "chat:history", "chat:file",
                "mcp:all", "a2a:all", "users:read", "users:manage", "logs:read",
            ],
            "subject_types_supported": ["public"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "code_challenge_methods_supported": ["S256", "plain"],
            "id_token_signing_alg_values_supported": ["RS256", "ES256"],
            "ui_locales_supported": ["ja", "en", "fr", "es", "th", "id", "ar"],
        }),
    ))
}

pub async fn saas_jwks(State(ctx): State<Ctx>, req: Incoming) -> Reply {
    ctx.arrive("saas.jwks", &req, BodyKind::None).await?;
    Ok(json_reply(StatusCode::OK, jwks(ctx.with(|s| s.rsa_key))))
}

/// Only the local loopback callbacks and the documented example URI are registered.
fn redirect_allowed(uri: &Url) -> bool {
    uri.fragment().is_none()
        && (uri.as_str() == APP_REDIRECT_URI
            || (uri.scheme() == "http" && matches!(uri.host_str(), Some("127.0.0.1" | "localhost"))))
}

/// Errors that cannot be trusted to go back to the client are shown, never redirected.
fn error_page(message: &str) -> Response {
    let page = format!("<!doctype html><title>Authorization error</title><h1>Authorization error</h1><p>{message}</p>");
    (StatusCode::BAD_REQUEST, Html(page)).into_response()
}

/// Auto-approves the test user, as if she had logged in and consented.
pub async fn saas_authorize(State(ctx): State<Ctx>, req: Incoming) -> Reply {
    let fault = ctx.arrive("saas.authorize", &req, BodyKind::None).await?;
    let q = &req.query;
    let param = |name: &str| q.get(name).map(String::as_str).filter(|v| !v.is_empty());
    let client = param("client_id")
        .and_then(|id| find_client(Dialect::Saas, id))
        .filter(|c| c.grants.contains(&"authorization_code"))
        .ok_or_else(|| error_page("Unknown client_id."))?;
    let redirect_uri = param("redirect_uri").ok_or_else(|| error_page("Missing redirect_uri."))?;
    let mut location = Url::parse(redirect_uri)
        .ok()
        .filter(redirect_allowed)
        .ok_or_else(|| error_page("Unregistered redirect_uri."))?;

    // Appends to any query the redirect URI already has, and echoes state.
    let mut redirect = |params: &[(&str, &str)]| -> Reply {
        let mut pairs = location.query_pairs_mut();
        pairs.extend_pairs(params);
        if let Some(state) = param("state") {
            pairs.append_pair("state", state);
        }
        drop(pairs);
        let value = HeaderValue::try_from(location.as_str()).map_err(|_| error_page("Bad redirect_uri."))?;
        let mut response = Response::new(Body::empty());
        *response.status_mut() = StatusCode::FOUND;
        response.headers_mut().insert(header::LOCATION, value);
        Ok(response)
    };

    if param("response_type") != Some("code") {
        return redirect(&[("error", "unsupported_response_type")]);
    }
    if fault.is_some_and(|f| f.deny == Some(true)) {
        return redirect(&[("error", "access_denied"), ("error_description", "The user denied the request")]);
    }
    let challenge = match (param("code_challenge"), param("code_challenge_method").unwrap_or("plain")) {
        (None, _) => None,
        (Some(challenge), method @ ("S256" | "plain")) => Some((challenge.to_owned(), method.to_owned())),
        (Some(_), _) => {
            return redirect(&[
                ("error", "invalid_request"),
                ("error_description", "Unsupported code_challenge_method"),
            ]);
        }
    };
    let Some(scope) = narrow(q.get("scope"), client.scope) else {
        return redirect(&[
            ("error", "invalid_scope"),
            ("error_description", "None of the requested scopes is allowed"),
        ]);
    };
    let code = random_hex(16);
    let now = now();
    let grant = Grant {
        client_id: client.id.to_owned(),
        scope,
        nonce: param("nonce").map(str::to_owned),
        auth_time: now,
        expires_at: now + CODE_LIFETIME,
        family: random_hex(8),
    };
    ctx.with(|s| s.codes.insert(code.clone(), Code { grant, redirect_uri: redirect_uri.to_owned(), challenge }));
    redirect(&[("code", &code)])
}

/// Checks a code (already removed from the table: codes are single use, even on failure).
fn redeem(
    code: Option<Code>,
    client: &Client,
    redirect_uri: &str,
    verifier: Option<&String>,
) -> Result<Grant, &'static str> {
    let code = code.ok_or("Code not valid")?;
    if code.grant.client_id != client.id {
        return Err("Code was issued to another client");
    }
    if now() >= code.grant.expires_at {
        return Err("Code is expired");
    }
    if code.redirect_uri != redirect_uri {
        return Err("Incorrect redirect_uri");
    }
    if let Some((challenge, method)) = &code.challenge {
        let verifier = verifier.ok_or("PKCE verification failed: Missing code_verifier")?;
        let derived = match method.as_str() {
            "S256" => URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())),
            _ => verifier.clone(),
        };
        if derived != *challenge {
            return Err("PKCE verification failed: Code mismatch");
        }
    }
    Ok(code.grant)
}

/// What one successful SaaS token response is about.
pub(crate) struct Session {
    /// Carried into the refresh token, if one is issued.
    pub grant: Grant,
    /// Scope of this access token (a refresh may narrow it).
    pub scope: String,
    /// A user session (sub = the test user) rather than a client acting for itself.
    pub user: bool,
    pub issue_refresh: bool,
    /// RFC 8707 resource the token is for.
    pub resource: Option<String>,
}

pub async fn saas_token(State(ctx): State<Ctx>, req: Incoming) -> Reply {
    let fault = ctx.arrive("saas.token", &req, BodyKind::Form).await?;
    let spoil = fault.and_then(|f| f.id_token);
    let form = req.form();
    let param = |name: &str| form.get(name).filter(|v| !v.is_empty());
    let missing =
        |name: &str| oauth_error(StatusCode::BAD_REQUEST, "invalid_request", &format!("Missing parameter: {name}"));
    let bad = |error: &str, description: &str| oauth_error(StatusCode::BAD_REQUEST, error, description);

    let grant_type = param("grant_type").ok_or_else(|| missing("grant_type"))?;
    let client = authenticate(&req, &form, Dialect::Saas).map_err(|e| match e {
        AuthError::Missing => invalid_client(false),
        AuthError::Invalid { basic } => invalid_client(basic),
    })?;
    if !["client_credentials", "authorization_code", "refresh_token", DEVICE_GRANT].contains(&grant_type.as_str()) {
        return Err(bad("unsupported_grant_type", "Unsupported grant_type"));
    }
    if !client.grants.contains(&grant_type.as_str()) {
        return Err(bad("unauthorized_client", "Client is not allowed to use this grant_type"));
    }

    let session = match grant_type.as_str() {
        "client_credentials" => {
            let scope = narrow(form.get("scope"), client.scope)
                .ok_or_else(|| bad("invalid_scope", "None of the requested scopes is allowed"))?;
            let grant = Grant {
                client_id: client.id.to_owned(),
                scope: scope.clone(),
                nonce: None,
                auth_time: now(),
                expires_at: 0,
                family: random_hex(8),
            };
            Session { grant, scope, user: false, issue_refresh: false, resource: None }
        }
        "authorization_code" => {
            let code = param("code").ok_or_else(|| missing("code"))?;
            let redirect_uri = param("redirect_uri").ok_or_else(|| missing("redirect_uri"))?;
            let entry = ctx.with(|s| s.codes.remove(code));
            let grant = redeem(entry, client, redirect_uri, param("code_verifier"))
                .map_err(|description| bad("invalid_grant", description))?;
            Session { scope: grant.scope.clone(), grant, user: true, issue_refresh: true, resource: None }
        }
        DEVICE_GRANT => {
            let device_code = param("device_code").ok_or_else(|| missing("device_code"))?;
            ctx.with(|s| poll_device(s, client, device_code)).map_err(|(error, description)| bad(error, description))?
        }
        _ => {
            let token = param("refresh_token").ok_or_else(|| missing("refresh_token"))?;
            ctx.with(|s| {
                if let Some(family) = s.spent_refresh_tokens.get(token).cloned()
                    && s.settings.refresh_reuse_detection
                {
                    // A spent token came back: someone holds a copy, so nothing of the grant is trusted.
                    s.count("saas.refresh_reuse");
                    s.revoke_family(&family);
                    return Err(bad("invalid_grant", "Token is not active"));
                }
                let grant = s
                    .refresh_tokens
                    .get(token)
                    .filter(|g| g.client_id == client.id && now() < g.expires_at)
                    .cloned()
                    .ok_or_else(|| bad("invalid_grant", "Token is not active"))?;
                let scope = narrow(form.get("scope"), &grant.scope)
                    .ok_or_else(|| bad("invalid_scope", "Requested scope exceeds the grant"))?;
                // Rotation: the presented token dies as soon as it has been used once.
                let rotate = s.settings.rotate_refresh_tokens;
                if rotate {
                    s.refresh_tokens.remove(token);
                    s.spent_refresh_tokens.insert(token.to_owned(), grant.family.clone());
                }
                Ok(Session { grant, scope, user: true, issue_refresh: rotate, resource: None })
            })?
        }
    };
    let session = Session { resource: param("resource").cloned(), ..session };
    Ok(ctx.with(|s| saas_tokens(s, &saas_issuer(&ctx), client, session, spoil)))
}

/// RFC 8628 §3.5: one poll. Too early a poll gets `slow_down` and a 5 s longer interval.
fn poll_device(
    s: &mut state::State,
    client: &Client,
    device_code: &str,
) -> Result<Session, (&'static str, &'static str)> {
    let entry = s.device_codes.get_mut(device_code).filter(|d| d.client_id == client.id);
    let entry = entry.ok_or(("invalid_grant", "Device code not valid"))?;
    if now() >= entry.expires_at {
        s.device_codes.remove(device_code);
        return Err(("expired_token", "The device code has expired"));
    }
    let polled = std::time::Instant::now();
    let early = entry
        .last_poll
        .is_some_and(|last| (polled.duration_since(last).as_millis() as u64) + POLL_TOLERANCE_MS < entry.interval_ms);
    entry.last_poll = Some(polled);
    if early || std::mem::take(&mut entry.slow_down_next) {
        entry.interval_ms += 5000;
        return Err(("slow_down", "Polling too fast; slow down"));
    }
    match entry.status {
        state::DeviceStatus::Pending => Err(("authorization_pending", "The user has not yet approved")),
        state::DeviceStatus::Denied => {
            s.device_codes.remove(device_code);
            Err(("access_denied", "The user denied the request"))
        }
        state::DeviceStatus::Approved => {
            let d = s.device_codes.remove(device_code).ok_or(("invalid_grant", "Device code not valid"))?;
            let grant = Grant {
                client_id: d.client_id,
                scope: d.scope.clone(),
                nonce: None,
                auth_time: now(),
                expires_at: 0,
                family: random_hex(8),
            };
            Ok(Session { scope: d.scope, grant, user: true, issue_refresh: true, resource: None })
        }
    }
}

pub(crate) fn saas_tokens(
    s: &mut state::State,
    iss: &str,
    client: &Client,
    session: Session,
    spoil: Option<IdTokenSpoil>,
) -> Response {
    let lifetime = s.settings.token_lifetime_secs;
    let sub = if session.user { USER_SUB } else { client.id };
    let access_token = issue_jwt_for(s, iss, client, sub, &session.scope, lifetime, session.resource.as_deref());
    if let Some(t) = s.tokens.get_mut(&access_token) {
        t.family = Some(session.grant.family.clone());
    }
    let mut body = json!({
        "access_token": access_token,
        "id_token": id_token(s, iss, client, &session, lifetime, spoil),
        "token_type": "Bearer",
        "expires_in": lifetime,
        "scope": session.scope,
    });
    if session.issue_refresh {
        let token = format!("rt-{}", random_hex(24));
        let lifetime = s.settings.refresh_token_lifetime_secs;
        let grant = Grant { expires_at: now() + lifetime, ..session.grant };
        s.refresh_tokens.insert(token.clone(), grant);
        body["refresh_token"] = json!(token);
        body["refresh_expires_in"] = json!(lifetime);
    }
    no_store(json_reply(StatusCode::OK, body))
}

fn id_token(
    s: &state::State,
    iss: &str,
    client: &Client,
    session: &Session,
    lifetime: u64,
    spoil: Option<IdTokenSpoil>,
) -> String {
    let iat = now();
    let mut claims = json!({
        "iss": iss,
        "sub": if session.user { USER_SUB } else { client.id },
        "aud": client.id,
        "azp": client.id,
        "iat": iat,
        "exp": iat + lifetime,
        "auth_time": session.grant.auth_time,
    });
    if let Some(nonce) = &session.grant.nonce {
        claims["nonce"] = json!(nonce);
    }
    if session.user {
        claims["name"] = json!(USER_NAME);
        claims["email"] = json!(USER_EMAIL);
    }
    match spoil {
        Some(IdTokenSpoil::WrongNonce) => claims["nonce"] = json!("not-the-nonce-you-sent"),
        Some(IdTokenSpoil::WrongAud) => claims["aud"] = json!("someone-else"),
        Some(IdTokenSpoil::WrongIss) => claims["iss"] = json!("https://issuer.invalid"),
        Some(IdTokenSpoil::Expired) => {
            claims["iat"] = json!(iat.saturating_sub(7200));
            claims["exp"] = json!(iat.saturating_sub(3600));
        }
        Some(IdTokenSpoil::ExtraAudience) => {
            claims["aud"] = json!([client.id, "someone-else"]);
            claims.as_object_mut().map(|c| c.remove("azp"));
        }
        Some(IdTokenSpoil::WrongAzp) => claims["azp"] = json!("someone-else"),
        Some(IdTokenSpoil::FutureNbf) => claims["nbf"] = json!(iat + 3600),
        Some(IdTokenSpoil::FutureIat) => claims["iat"] = json!(iat + 3600),
        Some(IdTokenSpoil::StringIat) => claims["iat"] = json!(iat.to_string()),
        Some(IdTokenSpoil::Tamper) | None => {}
    }
    let key = match s.settings.id_token_alg {
        IdTokenAlg::RS256 => &KEYS.rsa[s.rsa_key],
        IdTokenAlg::ES256 => &KEYS.ec,
    };
    let token = key.sign(&claims);
    if spoil == Some(IdTokenSpoil::Tamper) { tamper(&token) } else { token }
}

/// Changes the first signature character: the token still parses, but no longer verifies.
fn tamper(token: &str) -> String {
    let (signed, signature) = token.rsplit_once('.').unwrap_or((token, ""));
    let replacement = if signature.starts_with('A') { "B" } else { "A" };
    format!("{signed}.{replacement}{}", signature.get(1..).unwrap_or(""))
}

// ---------------------------------------------------------------- Marketplace

pub async fn marketplace_token(State(ctx): State<Ctx>, req: Incoming) -> Reply {
    ctx.arrive("marketplace.token", &req, BodyKind::Json).await?;
    let body = req.json();
    let field = |name: &str| body.as_ref().and_then(|b| b.get(name)).and_then(Value::as_str).filter(|v| !v.is_empty());
    let fail = |status, message| json_reply(status, json!({ "success": false, "message": message }));
    let (Some(id), Some(secret)) = (field("client_id"), field("client_secret")) else {
        return Err(fail(StatusCode::BAD_REQUEST, "client_id and client_secret are required"));
    };
    let client = find_client(Dialect::Marketplace, id)
        .filter(|c| c.secret == secret)
        .ok_or_else(|| fail(StatusCode::UNAUTHORIZED, "Invalid client credentials"))?;
    let (token, lifetime) = ctx.with(|s| {
        let lifetime = s.settings.marketplace_lifetime_secs;
        (issue_jwt(s, &ctx.base, client, client.id, client.scope, lifetime), lifetime)
    });
    Ok(json_reply(
        StatusCode::OK,
        json!({
            "success": true, "access_token": token, "token_type": "Bearer",
            "expires_in": lifetime, "scope": client.scope,
        }),
    ))
}

// ---------------------------------------------------------------- Keycloak (Eggplant DAI)

fn check_realm(realm: &str) -> Result<(), Response> {
    if realm == "dai" {
        Ok(())
    } else {
        Err(json_reply(StatusCode::NOT_FOUND, json!({ "error": "Realm does not exist" })))
    }
}

pub async fn keycloak_token(State(ctx): State<Ctx>, Path(realm): Path<String>, req: Incoming) -> Reply {
    ctx.arrive("keycloak.token", &req, BodyKind::Form).await?;
    check_realm(&realm)?;
    let form = req.form();
    let missing = |name: &str| {
        let description = format!("Missing form parameter: {name}");
        json_reply(StatusCode::BAD_REQUEST, json!({ "error": "invalid_request", "error_description": description }))
    };
    let grant_type = form.get("grant_type").filter(|g| !g.is_empty()).ok_or_else(|| missing("grant_type"))?;
    if grant_type != "client_credentials" {
        let body = json!({ "error": "unsupported_grant_type", "error_description": "Unsupported grant_type" });
        return Err(json_reply(StatusCode::BAD_REQUEST, body));
    }
    let client = authenticate(&req, &form, Dialect::Keycloak).map_err(|e| match e {
        AuthError::Missing if form.get("client_id").is_some_and(|id| !id.is_empty()) => missing("client_secret"),
        AuthError::Missing => missing("client_id"),
        AuthError::Invalid { .. } => json_reply(
            StatusCode::UNAUTHORIZED,
            json!({ "message": "Not Authorized", "description": "The credentials you provided are not valid." }),
        ),
    })?;
    let issuer = keycloak_issuer(&ctx);
    let issued = ctx.with(|s| {
        let lifetime = s.settings.keycloak_lifetime_secs;
        let limit = s.settings.licence_limit;
        let exhausted = s.settings.licenses_exhausted || (limit > 0 && s.live_tokens(client.id) >= limit);
        if exhausted {
            s.count("licences.refused");
        }
        (!exhausted).then(|| (issue_jwt(s, &issuer, client, client.id, client.scope, lifetime), lifetime))
    });
    let Some((token, lifetime)) = issued else {
        return Err(json_reply(
            StatusCode::FORBIDDEN,
            json!({ "message": "Forbidden", "description": "Not enough available concurrent user licenses" }),
        ));
    };
    Ok(json_reply(
        StatusCode::OK,
        json!({
            "access_token": token, "expires_in": lifetime, "refresh_expires_in": 0,
            "token_type": "Bearer", "not-before-policy": 0, "scope": client.scope,
        }),
    ))
}

pub async fn keycloak_discovery(State(ctx): State<Ctx>, Path(realm): Path<String>, req: Incoming) -> Reply {
    ctx.arrive("keycloak.discovery", &req, BodyKind::None).await?;
    check_realm(&realm)?;
    let iss = keycloak_issuer(&ctx);
    Ok(json_reply(
        StatusCode::OK,
        json!({
            "issuer": iss,
            "token_endpoint": format!("{iss}/protocol/openid-connect/token"),
            "jwks_uri": format!("{iss}/protocol/openid-connect/certs"),
            "grant_types_supported": ["client_credentials"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "id_token_signing_alg_values_supported": ["RS256", "ES256"],
        }),
    ))
}

pub async fn keycloak_jwks(State(ctx): State<Ctx>, Path(realm): Path<String>, req: Incoming) -> Reply {
    ctx.arrive("keycloak.jwks", &req, BodyKind::None).await?;
    check_realm(&realm)?;
    Ok(json_reply(StatusCode::OK, jwks(ctx.with(|s| s.rsa_key))))
}

// ---------------------------------------------------------------- Wrapped token API

pub async fn wrapped_token(State(ctx): State<Ctx>, req: Incoming) -> Reply {
    ctx.arrive("wrapped.token", &req, BodyKind::Form).await?;
    let form = req.form();
    let client = authenticate(&req, &form, Dialect::Wrapped).map_err(|e| match e {
        AuthError::Missing => wrapped_error(StatusCode::BAD_REQUEST),
        AuthError::Invalid { .. } => wrapped_error(StatusCode::UNAUTHORIZED),
    })?;
    let token = format!("sk-{}", random_hex(16));
    ctx.with(|s| remember(s, &token, client, client.id, client.scope, now() + WRAPPED_LIFETIME));
    Ok(json_reply(
        StatusCode::OK,
        json!({ "data": { "access_token": token, "token_type": "Bearer", "expires_in": WRAPPED_LIFETIME } }),
    ))
}

/// The wrapped API's documented error bodies (403/404/500 are only produced via faults).
fn wrapped_error(status: StatusCode) -> Response {
    let (code, reason, message) = match status.as_u16() {
        400 => ("400013", "invalid_request", "Missing or invalid parameters"),
        401 => ("401021", "invalid_client", "Invalid client_id, client_secret, or session_key"),
        403 => ("403001", "forbidden", "Access forbidden for this resource"),
        404 => ("404001", "not_found", "Resource or endpoint not found"),
        _ => ("500999", "API_ERROR", "Api Error, please contact customer service"),
    };
    json_reply(status, json!({ "error": { "code": code, "code_reason": reason, "message": message } }))
}
