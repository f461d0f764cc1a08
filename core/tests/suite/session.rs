//! Device sign-in (RFC 8628), sign-out with revocation (RFC 7009) and userinfo, against the emulator.
use crate::common;

use agenticstar::{AuthFlow, Client, ErrorKind, MemoryStore, TokenStore};
use common::{Emu, c};
use serde_json::{Value, json};

fn app(e: &Emu) -> Client {
    e.builder(e.saas(), c::SAAS_APP_CLIENT_ID, c::SAAS_APP_CLIENT_SECRET)
        .flow(AuthFlow::AuthorizationCode)
        .build()
        .unwrap()
}

async fn decide(e: &Emu, user_code: &str, action: &str) {
    e.admin("/admin/device", json!({"user_code": user_code, "action": action})).await;
}

async fn introspect(e: &Emu, token: &str) -> Value {
    let r = reqwest::Client::new()
        .post(format!("{}/federation/auth/v1/introspect", e.url))
        .form(&[("token", token), ("client_id", c::SAAS_APP_CLIENT_ID), ("client_secret", c::SAAS_APP_CLIENT_SECRET)])
        .send()
        .await
        .unwrap();
    r.json().await.unwrap()
}

#[tokio::test]
async fn device_flow_signs_in_and_stores_the_session() {
    let e = Emu::start().await;
    e.config(json!({"device_interval_secs": 1})).await;
    let store = std::sync::Arc::new(MemoryStore::default());
    let client = e
        .builder(e.saas(), c::SAAS_APP_CLIENT_ID, c::SAAS_APP_CLIENT_SECRET)
        .flow(AuthFlow::AuthorizationCode)
        .token_store(store.clone())
        .build()
        .unwrap();
    let auth = client.device_authorization(Some("openid chat:exec")).await.unwrap();
    assert_eq!(auth.interval, 1);
    assert!(auth.verification_uri.ends_with("/federation/auth/v1/device"));
    assert!(auth.verification_uri_complete.as_deref().unwrap().contains(&auth.user_code));
    let dbg = format!("{auth:?}");
    assert!(!dbg.contains(auth.device_code.expose()) && !dbg.contains(&auth.user_code));

    // The user approves through the verification page after a few polls.
    let (e2, code) = (e.url.clone(), auth.user_code.clone());
    let approver = tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
        let r = reqwest::Client::new()
            .post(format!("{e2}/federation/auth/v1/device"))
            .form(&[("user_code", code.as_str()), ("action", "approve")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    });
    let signed = client.complete_device_authorization(&auth).await.unwrap();
    approver.await.unwrap();
    let claims = signed.id_claims.expect("id_token validated");
    assert_eq!((claims.sub.as_str(), claims.email.as_deref()), (c::USER_SUB, Some(c::USER_EMAIL)));
    assert!(signed.token.refresh_token().is_some());
    let polls = e.requests("saas.token").await;
    assert!(polls.len() >= 2, "polled while pending: {polls:?}");
    assert!(polls.iter().all(|p| p["form"]["grant_type"] == "urn:ietf:params:oauth:grant-type:device_code"));
    // Stored like a browser sign-in: a new client on the same store uses it and refreshes it.
    let stored = store.load(client.tokens().store_key()).await.unwrap().unwrap();
    assert_eq!(stored.access_token.expose(), signed.token.access_token().expose());
    let again = e
        .builder(e.saas(), c::SAAS_APP_CLIENT_ID, c::SAAS_APP_CLIENT_SECRET)
        .flow(AuthFlow::AuthorizationCode)
        .token_store(store)
        .build()
        .unwrap();
    assert_eq!(again.get_token().await.unwrap().access_token().expose(), signed.token.access_token().expose());
    let refreshed = again.tokens().force_refresh().await.unwrap();
    assert_ne!(refreshed.access_token().expose(), signed.token.access_token().expose(), "refreshed");
    let reply = again.chat_stream(agenticstar::chat::ChatRequest::user("hi")).collect().await.unwrap();
    assert!(reply.text().contains("hi"));
}

#[tokio::test]
async fn device_flow_obeys_slow_down() {
    let e = Emu::start().await;
    e.config(json!({"device_interval_secs": 1})).await;
    let client = app(&e);
    let auth = client.device_authorization(None).await.unwrap();
    // The server says slow_down once; the emulator answers every later poll that comes sooner
    // than the grown interval (1 + 5 s) with slow_down again, growing it further, so a client that
    // did not slow down would never see the approval before the code expires.
    decide(&e, &auth.user_code, "slow_down").await;
    decide(&e, &auth.user_code, "approve").await;
    let short = agenticstar::DeviceAuthorization { expires_at: agenticstar_now() + 15, ..auth };
    let signed = client.complete_device_authorization(&short).await.unwrap();
    assert!(signed.token.refresh_token().is_some());
    assert_eq!(e.count("saas.token"), 2, "one slow_down, then one poll after interval + 5 s");
}

fn agenticstar_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

#[tokio::test]
async fn device_flow_denied_and_expired_are_typed() {
    let e = Emu::start().await;
    e.config(json!({"device_interval_secs": 1})).await;
    let client = app(&e);

    let auth = client.device_authorization(Some("openid")).await.unwrap();
    decide(&e, &auth.user_code, "deny").await;
    let err = client.complete_device_authorization(&auth).await.unwrap_err();
    assert_eq!((err.kind(), err.code()), (ErrorKind::AuthorizationDenied, Some("access_denied")));

    // The server's expired_token (this client believes the code lives longer).
    e.config(json!({"device_code_lifetime_secs": 1})).await;
    let auth = client.device_authorization(None).await.unwrap();
    let long = agenticstar::DeviceAuthorization { expires_at: agenticstar_now() + 30, ..auth };
    let err = client.complete_device_authorization(&long).await.unwrap_err();
    assert!(err.message().contains("has expired"), "the server's answer: {err}");
    assert_eq!((err.kind(), err.code()), (ErrorKind::DeviceCodeExpired, Some("expired_token")));

    // Polling stops at expires_in even when the server would keep answering pending.
    e.config(json!({"device_code_lifetime_secs": 600})).await;
    let auth = client.device_authorization(None).await.unwrap();
    let short = agenticstar::DeviceAuthorization { expires_at: agenticstar_now() + 2, ..auth };
    let before = e.count("saas.token");
    let err = client.complete_device_authorization(&short).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::DeviceCodeExpired);
    assert!(e.count("saas.token") - before <= 2);
    assert!(client.get_token().await.is_err(), "no session was stored");

    // A client not allowed the grant, and a provider without the endpoint.
    let cc = e.saas_cc();
    assert_eq!(cc.device_authorization(None).await.unwrap_err().kind(), ErrorKind::UnauthorizedClient);
    let mp = e.builder(agenticstar::Provider::marketplace(&e.url).unwrap(), "mp-client", "mp-secret").build().unwrap();
    assert_eq!(mp.device_authorization(None).await.unwrap_err().kind(), ErrorKind::Config);
}

#[tokio::test]
async fn sign_out_revokes_then_clears_and_userinfo_has_the_profile() {
    let e = Emu::start().await;
    let client = app(&e);
    let req = client
        .authorize_url(&agenticstar::authcode::AuthorizeOptions::new("http://127.0.0.1:9/cb").scope("openid chat:exec"))
        .await
        .unwrap();
    let cb = e.approve(&req.url).await;
    let signed = client.complete_authorization(&req, &cb).await.unwrap();

    let info = client.userinfo().await.unwrap();
    assert_eq!(info["sub"], c::USER_SUB);
    assert_eq!(info["email"], c::USER_EMAIL);
    assert_eq!(info["name"], c::USER_NAME);

    let access = signed.token.access_token().expose().to_owned();
    let refresh = signed.token.refresh_token().unwrap().expose().to_owned();
    assert_eq!(introspect(&e, &refresh).await["active"], true);
    let out = client.sign_out().await.unwrap();
    assert!(out.revocation_supported && out.revocation_error.is_none());
    assert_eq!(out.revoked, ["refresh_token", "access_token"]);
    assert_eq!(introspect(&e, &access).await["active"], false);
    assert_eq!(introspect(&e, &refresh).await["active"], false);
    let hints: Vec<Value> =
        e.requests("saas.revoke").await.iter().map(|r| r["form"]["token_type_hint"].clone()).collect();
    assert_eq!(hints, [json!("refresh_token"), json!("access_token")]);
    assert_eq!(client.get_token().await.unwrap_err().kind(), ErrorKind::SignInRequired);
    // With nothing signed in, userinfo is typed too.
    assert_eq!(client.userinfo().await.unwrap_err().kind(), ErrorKind::SignInRequired);
}

#[tokio::test]
async fn failed_revocation_is_reported_and_the_session_still_cleared() {
    let e = Emu::start().await;
    let client = app(&e);
    let req = client
        .authorize_url(&agenticstar::authcode::AuthorizeOptions::new("http://127.0.0.1:9/cb").scope("openid"))
        .await
        .unwrap();
    let signed = client.complete_authorization(&req, &e.approve(&req.url).await).await.unwrap();
    e.fault(json!({"endpoint": "saas.revoke", "status": 400, "times": 8,
                   "body": {"error": "unsupported_token_type", "error_description": "nope"}}))
        .await;
    let out = client.sign_out().await.unwrap();
    let err = out.revocation_error.expect("reported");
    assert_eq!((err.kind(), err.code()), (ErrorKind::InvalidRequest, Some("unsupported_token_type")));
    assert!(out.revoked.is_empty());
    assert_eq!(client.get_token().await.unwrap_err().kind(), ErrorKind::SignInRequired);
    assert_eq!(introspect(&e, signed.token.refresh_token().unwrap().expose()).await["active"], true);
}

#[tokio::test]
async fn userinfo_errors_are_typed() {
    let e = Emu::start().await;
    // A client-credentials token with openid: only its sub.
    let cc = e.saas_cc();
    assert_eq!(cc.userinfo().await.unwrap()["sub"], c::SAAS_CC_CLIENT_ID);
    // Without openid: 403 insufficient_scope.
    let mgmt = e
        .builder(e.saas(), c::SAAS_MGMT_CLIENT_ID, c::SAAS_MGMT_CLIENT_SECRET)
        .credentials(
            agenticstar::Credentials::new(c::SAAS_MGMT_CLIENT_ID, c::SAAS_MGMT_CLIENT_SECRET).scope("users:read"),
        )
        .build()
        .unwrap();
    let err = mgmt.userinfo().await.unwrap_err();
    assert_eq!((err.kind(), err.status()), (ErrorKind::InsufficientScope, Some(403)));
    // A revoked token: renewed once, and then it works.
    let t = cc.get_token().await.unwrap();
    e.admin("/admin/revoke", json!({"access_token": t.access_token().expose()})).await;
    assert_eq!(cc.userinfo().await.unwrap()["sub"], c::SAAS_CC_CLIENT_ID);
    // Always 401: authentication.
    e.fault(json!({"endpoint": "saas.userinfo", "times": 2, "status": 401, "body": {"error": "invalid_token"},
                   "headers": {"WWW-Authenticate": "Bearer error=\"invalid_token\""}}))
        .await;
    assert_eq!(cc.userinfo().await.unwrap_err().kind(), ErrorKind::Authentication);
    // A provider without discovery has no userinfo.
    let mp = e.builder(agenticstar::Provider::marketplace(&e.url).unwrap(), "mp-client", "mp-secret").build().unwrap();
    assert_eq!(mp.userinfo().await.unwrap_err().kind(), ErrorKind::Config);
}
