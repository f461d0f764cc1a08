//! SaaS session endpoints beyond the token endpoint: device authorization (RFC 8628) with its
//! verification page, revocation (RFC 7009), introspection (RFC 7662) and UserInfo (OIDC).

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::clients::*;
use crate::http::{BodyKind, Incoming, json_reply, no_store};
use crate::oauth::{AuthError, Client, DEVICE_GRANT, authenticate, invalid_client, narrow, oauth_error, saas_issuer};
use crate::state::{self, Ctx, DeviceCode, DeviceStatus, Dialect, now, random_hex};

type Reply = Result<Response, Response>;

fn client_of(req: &Incoming) -> Result<&'static Client, Response> {
    authenticate(req, &req.form(), Dialect::Saas).map_err(|e| match e {
        AuthError::Missing => invalid_client(false),
        AuthError::Invalid { basic } => invalid_client(basic),
    })
}

/// `BCDF-GHJK`: letters without vowels (no words) and without look-alikes, RFC 8628 §6.1.
fn user_code() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"BCDFGHJKLMNPQRSTVWXZ";
    let mut rng = rand::rng();
    let mut pick = || ALPHABET[rng.random_range(0..ALPHABET.len())] as char;
    let a: String = (0..4).map(|_| pick()).collect();
    let b: String = (0..4).map(|_| pick()).collect();
    format!("{a}-{b}")
}

pub async fn device_authorization(State(ctx): State<Ctx>, req: Incoming) -> Reply {
    ctx.arrive("saas.device", &req, BodyKind::Form).await?;
    let client = client_of(&req)?;
    if !client.grants.contains(&DEVICE_GRANT) {
        return Err(oauth_error(StatusCode::BAD_REQUEST, "unauthorized_client", "Client may not use the device flow"));
    }
    let form = req.form();
    let scope = narrow(form.get("scope"), client.scope).ok_or_else(|| {
        oauth_error(StatusCode::BAD_REQUEST, "invalid_scope", "None of the requested scopes is allowed")
    })?;
    let device_code = random_hex(24);
    let code = user_code();
    let (lifetime, interval) = ctx.with(|s| {
        let (lifetime, interval) = (s.settings.device_code_lifetime_secs, s.settings.device_interval_secs);
        s.device_codes.insert(
            device_code.clone(),
            DeviceCode {
                client_id: client.id.to_owned(),
                scope,
                user_code: code.clone(),
                expires_at: now() + lifetime,
                interval_ms: interval * 1000,
                last_poll: None,
                status: DeviceStatus::Pending,
                slow_down_next: false,
            },
        );
        (lifetime, interval)
    });
    let uri = format!("{}/device", saas_issuer(&ctx));
    Ok(no_store(json_reply(
        StatusCode::OK,
        json!({
            "device_code": device_code,
            "user_code": code,
            "verification_uri": uri,
            "verification_uri_complete": format!("{uri}?user_code={code}"),
            "expires_in": lifetime,
            "interval": interval,
        }),
    )))
}

#[derive(Clone, Copy, PartialEq)]
enum Action {
    Approve,
    Deny,
    SlowDown,
}

/// Acts on a pending user code (codes are compared without case or dash).
fn decide(s: &mut state::State, user_code: &str, action: Action) -> bool {
    let norm = |c: &str| c.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_ascii_uppercase();
    let wanted = norm(user_code);
    let found = s
        .device_codes
        .values_mut()
        .find(|d| d.status == DeviceStatus::Pending && now() < d.expires_at && norm(&d.user_code) == wanted);
    match found {
        Some(d) => {
            match action {
                Action::Approve => d.status = DeviceStatus::Approved,
                Action::Deny => d.status = DeviceStatus::Denied,
                Action::SlowDown => d.slow_down_next = true,
            }
            true
        }
        None => false,
    }
}

/// The verification page: GET shows a form, POST `user_code` + `action=approve|deny` decides as
/// the test user (who is always logged in here).
pub async fn device_page(State(ctx): State<Ctx>, req: Incoming) -> Response {
    let form = if req.method == axum::http::Method::POST { req.form() } else { req.query.clone() };
    let code = form.get("user_code").cloned().unwrap_or_default();
    let page = |status: StatusCode, body: String| {
        (status, Html(format!("<!doctype html><title>Device sign-in</title><h1>Device sign-in</h1>{body}")))
            .into_response()
    };
    if req.method != axum::http::Method::POST {
        let code = html_escape(&code);
        return page(
            StatusCode::OK,
            format!(
                "<form method=post><input name=user_code value=\"{code}\">\
                 <button name=action value=approve>Approve</button><button name=action value=deny>Deny</button></form>"
            ),
        );
    }
    let approve = form.get("action").map(String::as_str) != Some("deny");
    let action = if approve { Action::Approve } else { Action::Deny };
    if ctx.with(|s| decide(s, &code, action)) {
        page(StatusCode::OK, format!("<p>{}</p>", if approve { "Approved." } else { "Denied." }))
    } else {
        page(StatusCode::BAD_REQUEST, "<p>Unknown or expired code.</p>".into())
    }
}

fn html_escape(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '<' => "&lt;".into(),
            '>' => "&gt;".into(),
            '"' => "&quot;".into(),
            '&' => "&amp;".into(),
            c => c.to_string(),
        })
        .collect()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Decision {
    user_code: String,
    action: String,
}

/// `POST /admin/device {"user_code", "action": "approve"|"deny"|"slow_down"}`; `GET` lists the codes.
pub async fn admin_device(State(ctx): State<Ctx>, req: Incoming) -> Reply {
    if req.method == axum::http::Method::GET {
        let list: Vec<Value> = ctx.with(|s| {
            s.device_codes
                .values()
                .map(|d| json!({"user_code": d.user_code, "client_id": d.client_id, "scope": d.scope, "status": d.status}))
                .collect()
        });
        return Ok(json_reply(StatusCode::OK, json!(list)));
    }
    let bad = |m: String| json_reply(StatusCode::BAD_REQUEST, json!({ "error": m }));
    let d: Decision = serde_json::from_slice(&req.body).map_err(|e| bad(e.to_string()))?;
    let action = match d.action.as_str() {
        "approve" => Action::Approve,
        "deny" => Action::Deny,
        "slow_down" => Action::SlowDown,
        other => return Err(bad(format!("action must be approve, deny or slow_down, not {other:?}"))),
    };
    if ctx.with(|s| decide(s, &d.user_code, action)) {
        Ok(json_reply(StatusCode::OK, json!({ "ok": true })))
    } else {
        Err(json_reply(
            StatusCode::NOT_FOUND,
            json!({ "error": "no pending device authorization with that user_code" }),
        ))
    }
}

/// RFC 7009: 200 whether or not the token was known; only the owning client can revoke.
pub async fn revoke(State(ctx): State<Ctx>, req: Incoming) -> Reply {
    ctx.arrive("saas.revoke", &req, BodyKind::Form).await?;
    let client = client_of(&req)?;
    let form = req.form();
    let token = form
        .get("token")
        .filter(|t| !t.is_empty())
        .ok_or_else(|| oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "Missing parameter: token"))?;
    ctx.with(|s| {
        if let Some(t) = s.tokens.get_mut(token).filter(|t| t.client_id == client.id) {
            t.revoked = true;
        }
        if s.refresh_tokens.get(token).is_some_and(|g| g.client_id == client.id) {
            s.refresh_tokens.remove(token);
        }
    });
    Ok(StatusCode::OK.into_response())
}

/// RFC 7662: `{"active": false}` for anything not issued to this client and still good.
pub async fn introspect(State(ctx): State<Ctx>, req: Incoming) -> Reply {
    ctx.arrive("saas.introspect", &req, BodyKind::Form).await?;
    let client = client_of(&req)?;
    let form = req.form();
    let token = form.get("token").cloned().unwrap_or_default();
    let answer = ctx.with(|s| {
        if let Some(t) = s.active_token(&token).filter(|t| t.client_id == client.id) {
            return json!({"active": true, "token_type": "access_token", "client_id": t.client_id, "sub": t.sub,
                          "scope": t.scope, "exp": t.expires_at});
        }
        match s.refresh_tokens.get(&token).filter(|g| g.client_id == client.id && now() < g.expires_at) {
            Some(g) => json!({"active": true, "token_type": "refresh_token", "client_id": g.client_id,
                              "scope": g.scope, "exp": g.expires_at}),
            None => json!({ "active": false }),
        }
    });
    Ok(no_store(json_reply(StatusCode::OK, answer)))
}

/// OIDC Core §5.3: the test user's claims for a user token; 401 with a Bearer challenge otherwise.
pub async fn userinfo(State(ctx): State<Ctx>, req: Incoming) -> Reply {
    ctx.arrive("saas.userinfo", &req, BodyKind::None).await?;
    let issued = ctx.with(|s| req.bearer().and_then(|t| s.active_token(t)).cloned());
    let Some(issued) = issued else {
        let mut r = oauth_error(StatusCode::UNAUTHORIZED, "invalid_token", "Invalid or expired access token");
        let challenge = HeaderValue::from_static("Bearer error=\"invalid_token\"");
        r.headers_mut().insert(header::WWW_AUTHENTICATE, challenge);
        return Err(r);
    };
    if !issued.scope.split(' ').any(|s| s == "openid") {
        let mut r = oauth_error(StatusCode::FORBIDDEN, "insufficient_scope", "The openid scope is required");
        let challenge = HeaderValue::from_static("Bearer error=\"insufficient_scope\", scope=\"openid\"");
        r.headers_mut().insert(header::WWW_AUTHENTICATE, challenge);
        return Err(r);
    }
    let claims = if issued.sub == USER_SUB {
        json!({ "sub": USER_SUB, "name": USER_NAME, "email": USER_EMAIL, "email_verified": true })
    } else {
        json!({ "sub": issued.sub })
    };
    Ok(json_reply(StatusCode::OK, claims))
}
