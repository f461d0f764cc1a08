//! Security scan: run every flow with known secrets and logs at the most verbose level, then look
//! for those secrets in everything captured (logs of every crate, Debug, Display, errors).
mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use agenticstar::authcode::AuthorizeOptions;
use agenticstar::chat::ChatRequest;
use agenticstar::{AuthFlow, Credentials};
use common::{Emu, c};
use serde_json::json;

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn no_secret_in_logs_debug_or_errors() {
    let capture = Capture::default();
    let writer = capture.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .init();

    let e = Emu::start().await;
    let mut seen: Vec<String> = vec![c::SAAS_CC_CLIENT_SECRET.into(), c::SAAS_APP_CLIENT_SECRET.into()];
    let mut texts: Vec<String> = Vec::new();

    // Client credentials + chat + a 401 renewal + an error echoing the secret.
    let client = e.saas_cc();
    let t = client.get_token().await.unwrap();
    seen.push(t.access_token().expose().into());
    texts.push(format!("{t:?} {:?}", Credentials::new("id", c::SAAS_CC_CLIENT_SECRET)));
    e.admin("/admin/revoke", json!({"all": true})).await;
    let done = client.chat_stream(ChatRequest::user("secret scan")).collect().await.unwrap();
    texts.push(format!("{done:?}"));
    seen.push(client.get_token().await.unwrap().access_token().expose().into());
    e.fault(json!({"endpoint": "saas.token", "status": 400, "body": {"error": "invalid_request", "error_description": format!("client_secret={} rejected", c::SAAS_CC_CLIENT_SECRET)}})).await;
    let err = e
        .builder(e.saas(), c::SAAS_CC_CLIENT_ID, c::SAAS_CC_CLIENT_SECRET)
        .build()
        .unwrap()
        .get_token()
        .await
        .unwrap_err();
    texts.push(format!("{err} {err:?}"));

    // Authorization code: code, PKCE verifier, state, nonce, refresh and id tokens.
    let app = e
        .builder(e.saas(), c::SAAS_APP_CLIENT_ID, c::SAAS_APP_CLIENT_SECRET)
        .flow(AuthFlow::AuthorizationCode)
        .build()
        .unwrap();
    let req =
        app.authorize_url(&AuthorizeOptions::new("http://127.0.0.1:7777/cb").scope("openid chat:exec")).await.unwrap();
    let cb = e.approve(&req.url).await;
    let code = url::Url::parse(&cb).unwrap().query_pairs().find(|(k, _)| k == "code").unwrap().1.into_owned();
    let signed = app.complete_authorization(&req, &cb).await.unwrap();
    let refreshed = app.tokens().force_refresh().await.unwrap();
    for s in [
        &code,
        req.code_verifier.as_ref().unwrap().expose(),
        signed.token.access_token().expose(),
        signed.token.refresh_token().unwrap().expose(),
        signed.token.id_token().unwrap().expose(),
        refreshed.refresh_token().unwrap().expose(),
    ] {
        seen.push(s.to_owned());
    }
    texts.push(format!("{req:?} {signed:?} {refreshed:?}"));
    // A replayed code fails; the error must not echo it.
    let err = app.complete_authorization(&req, &cb).await.unwrap_err();
    texts.push(format!("{err} {err:?}"));

    let logs = String::from_utf8_lossy(&capture.0.lock().unwrap()).into_owned();
    assert!(logs.contains("refreshing the access token"), "logs were captured at TRACE");
    texts.push(logs);
    for text in &texts {
        for secret in &seen {
            assert!(
                !text.contains(secret.as_str()),
                "secret leaked into: {}",
                &text[text.find(secret.as_str()).unwrap().saturating_sub(200)..][..300.min(text.len())]
            );
        }
    }
}
