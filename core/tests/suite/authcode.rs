//! Authorization Code + PKCE end to end against the emulator, and id_token validation.
use crate::common;

use agenticstar::authcode::AuthorizeOptions;
use agenticstar::{AuthFlow, Client, ErrorKind};
use common::{Emu, c};
use serde_json::json;

fn app(e: &Emu) -> Client {
    e.builder(e.saas(), c::SAAS_APP_CLIENT_ID, c::SAAS_APP_CLIENT_SECRET)
        .flow(AuthFlow::AuthorizationCode)
        .build()
        .unwrap()
}

fn opts() -> AuthorizeOptions {
    AuthorizeOptions::new("http://127.0.0.1:7777/callback")
        .scope("openid chat:exec chat:history mcp:all")
        .ui_locales("en")
}

#[tokio::test]
async fn full_flow_with_pkce_refresh_and_rotation() {
    let e = Emu::start().await;
    let client = app(&e);
    let err = client.get_token().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::SignInRequired, "no session yet");

    let req = client.authorize_url(&opts()).await.unwrap();
    let callback = e.approve(&req.url).await;
    assert!(callback.starts_with("http://127.0.0.1:7777/callback?code="));
    let auth = e.requests("saas.authorize").await;
    assert_eq!(auth[0]["query"]["ui_locales"], "en");
    assert_eq!(auth[0]["query"]["code_challenge_method"], "S256");

    let signed = client.complete_authorization(&req, &callback).await.unwrap();
    let claims = signed.id_claims.unwrap();
    assert_eq!((claims.sub.as_str(), claims.email.as_deref()), (c::USER_SUB, Some(c::USER_EMAIL)));
    assert!(signed.token.scopes().unwrap().allows("chat:exec"));
    let tok = e.requests("saas.token").await;
    assert_eq!(tok[0]["form"]["grant_type"], "authorization_code");
    assert_eq!(tok[0]["form"]["code_verifier"], req.code_verifier.as_ref().unwrap().expose());

    // Cached now; a forced refresh rotates the refresh token.
    assert_eq!(client.get_token().await.unwrap().access_token(), signed.token.access_token());
    let old_rt = signed.token.refresh_token().unwrap().clone();
    let refreshed = client.tokens().force_refresh().await.unwrap();
    assert_ne!(refreshed.refresh_token().unwrap(), &old_rt, "rotated");
    assert_eq!(e.requests("saas.token").await[1]["form"]["grant_type"], "refresh_token");

    // The old refresh token is now rejected by the server.
    let r = reqwest::Client::new()
        .post(format!("{}/federation/auth/v1/token", e.url))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", old_rt.expose()),
            ("client_id", c::SAAS_APP_CLIENT_ID),
            ("client_secret", c::SAAS_APP_CLIENT_SECRET),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["error"], "invalid_grant");

    // The code is single use.
    let again = client.complete_authorization(&req, &callback).await.unwrap_err();
    assert_eq!(again.kind(), ErrorKind::InvalidGrant);
}

#[tokio::test]
async fn refresh_answer_without_refresh_token_keeps_the_old_one() {
    let e = Emu::start().await;
    e.config(json!({"rotate_refresh_tokens": false})).await;
    let client = app(&e);
    let req = client.authorize_url(&opts()).await.unwrap();
    let signed = client.complete_authorization(&req, &e.approve(&req.url).await).await.unwrap();
    let rt = signed.token.refresh_token().unwrap().clone();
    let refreshed = client.tokens().force_refresh().await.unwrap();
    assert_eq!(refreshed.refresh_token(), Some(&rt));
    client.tokens().force_refresh().await.unwrap();
}

#[tokio::test]
async fn invalid_grant_on_refresh_means_sign_in_again_without_looping() {
    let e = Emu::start().await;
    let client = app(&e);
    let req = client.authorize_url(&opts()).await.unwrap();
    client.complete_authorization(&req, &e.approve(&req.url).await).await.unwrap();
    e.admin("/admin/reset", json!({})).await; // the server forgets every refresh token
    let err = client.tokens().force_refresh().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::SignInRequired);
    let n = e.count("saas.token");
    assert_eq!(client.get_token().await.unwrap_err().kind(), ErrorKind::SignInRequired);
    assert_eq!(e.count("saas.token"), n, "no further request after invalid_grant");
}

#[tokio::test]
async fn rotated_refresh_with_concurrent_callers_spends_the_token_once() {
    let e = Emu::start().await;
    e.config(json!({"token_lifetime_secs": 1})).await;
    let client = app(&e);
    let req = client.authorize_url(&opts()).await.unwrap();
    client.complete_authorization(&req, &e.approve(&req.url).await).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    e.fault(json!({"endpoint": "saas.token", "delay_ms": 100})).await;
    let calls = (0..100).map(|_| {
        let c = client.clone();
        tokio::spawn(async move { c.get_token().await })
    });
    for r in futures::future::join_all(calls).await {
        r.unwrap().expect("every caller gets the refreshed token; nobody spends the old refresh token twice");
    }
    assert_eq!(e.count("saas.token"), 2, "one exchange + one refresh");
}

#[tokio::test]
async fn callback_errors() {
    let e = Emu::start().await;
    let client = app(&e);
    let req = client.authorize_url(&opts()).await.unwrap();
    let cb = e.approve(&req.url).await;
    let forged = cb.replace(&format!("state={}", req.state.expose()), "state=forged");
    assert_eq!(client.complete_authorization(&req, &forged).await.unwrap_err().kind(), ErrorKind::StateMismatch);

    e.fault(json!({"endpoint": "saas.authorize", "deny": true})).await;
    let req = client.authorize_url(&opts()).await.unwrap();
    let cb = e.approve(&req.url).await;
    let err = client.complete_authorization(&req, &cb).await.unwrap_err();
    assert_eq!((err.kind(), err.code()), (ErrorKind::AuthorizationDenied, Some("access_denied")));
}

#[tokio::test]
async fn pkce_verifier_must_match() {
    let e = Emu::start().await;
    let client = app(&e);
    let mut req = client.authorize_url(&opts()).await.unwrap();
    let cb = e.approve(&req.url).await;
    req.code_verifier = Some(agenticstar::authcode::random_string(48).into());
    assert_eq!(client.complete_authorization(&req, &cb).await.unwrap_err().kind(), ErrorKind::InvalidGrant);
}

async fn spoiled(kind: &str) -> ErrorKind {
    let e = Emu::start().await;
    let client = app(&e);
    e.fault(json!({"endpoint": "saas.token", "id_token": kind})).await;
    let req = client.authorize_url(&opts()).await.unwrap();
    let cb = e.approve(&req.url).await;
    let err = client.complete_authorization(&req, &cb).await.unwrap_err();
    assert!(client.tokens().current().is_none(), "a rejected sign-in keeps no token");
    err.kind()
}

#[tokio::test]
async fn id_token_failures_are_distinct() {
    assert_eq!(spoiled("tamper").await, ErrorKind::IdTokenSignature);
    assert_eq!(spoiled("wrong_nonce").await, ErrorKind::IdTokenNonce);
    assert_eq!(spoiled("wrong_aud").await, ErrorKind::IdTokenAudience);
    assert_eq!(spoiled("expired").await, ErrorKind::IdTokenExpired);
    assert_eq!(spoiled("wrong_iss").await, ErrorKind::IdTokenIssuer);
}

#[tokio::test]
async fn es256_and_key_rotation() {
    let e = Emu::start().await;
    let client = app(&e);
    let sign_in = || async {
        let req = client.authorize_url(&opts()).await.unwrap();
        let cb = e.approve(&req.url).await;
        client.complete_authorization(&req, &cb).await
    };
    sign_in().await.unwrap();
    assert_eq!(e.count("saas.jwks"), 1);
    e.config(json!({"id_token_alg": "ES256"})).await;
    sign_in().await.unwrap();
    e.admin("/admin/rotate_keys", json!({})).await;
    e.config(json!({"id_token_alg": "RS256"})).await;
    sign_in().await.expect("unknown kid triggers one JWKS refetch");
    assert_eq!(e.count("saas.jwks"), 2);
    sign_in().await.unwrap();
    assert_eq!(e.count("saas.jwks"), 2, "cached again");
}
