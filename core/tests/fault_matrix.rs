//! Fault matrix: what a server or network can do to a token request or a chat stream, one test per
//! cell. Each ends in its documented typed error (or documented recovery), within a deadline.
mod common;

use std::time::Duration;

use agenticstar::chat::ChatRequest;
use agenticstar::{Client, Credentials, ErrorKind, HttpConfig, Provider, RetryPolicy};
use common::{Emu, c};
use serde_json::{Value, json};

/// No cell may hang: every outcome must arrive well within this.
const DEADLINE: Duration = Duration::from_secs(30);

fn client(e: &Emu, http: HttpConfig) -> Client {
    e.builder(e.saas(), c::SAAS_CC_CLIENT_ID, c::SAAS_CC_CLIENT_SECRET).http_config(http).build().unwrap()
}

fn fast() -> HttpConfig {
    HttpConfig {
        request_timeout: Duration::from_millis(500),
        stream_idle_timeout: Duration::from_millis(500),
        ..Default::default()
    }
}

/// Token cell: inject `faults`, then get a token. `Ok(())` means the documented recovery.
async fn token_cell(faults: &[Value]) -> Result<(), ErrorKind> {
    let e = Emu::start().await;
    for f in faults {
        e.fault(f.clone()).await;
    }
    let r = tokio::time::timeout(DEADLINE, client(&e, fast()).get_token()).await.expect("token cell hung");
    r.map(|_| ()).map_err(|err| {
        assert!(err.message().len() < 400, "message stays short");
        err.kind()
    })
}

/// Chat cell: config + faults, then stream to the end. Returns the text or the error kind.
async fn chat_cell(config: Value, faults: &[Value], http: HttpConfig) -> Result<String, ErrorKind> {
    let e = Emu::start().await;
    e.config(config).await;
    let client = e
        .builder(e.saas(), c::SAAS_CC_CLIENT_ID, c::SAAS_CC_CLIENT_SECRET)
        .http_config(http)
        .stream_limits(256 * 1024, 1 << 20)
        .build()
        .unwrap();
    client.get_token().await.unwrap();
    for f in faults {
        e.fault(f.clone()).await;
    }
    let run = async {
        let mut s = client.chat_stream(ChatRequest::user("hi"));
        while let Some(item) = s.next().await {
            item.map_err(|e| e.kind())?;
        }
        Ok(s.text().to_owned())
    };
    tokio::time::timeout(DEADLINE, run).await.expect("chat cell hung")
}

fn status(endpoint: &str, code: u16, times: u32) -> Value {
    json!({"endpoint": endpoint, "status": code, "times": times, "body": {"error": "server_error", "error_description": "x"}})
}

// ---- token requests ----

#[tokio::test]
async fn token_500() {
    assert_eq!(token_cell(&[status("saas.token", 500, 10)]).await, Err(ErrorKind::ServerError));
}
#[tokio::test]
async fn token_502() {
    assert_eq!(token_cell(&[status("saas.token", 502, 10)]).await, Err(ErrorKind::ServerError));
}
#[tokio::test]
async fn token_503_then_recovers() {
    assert_eq!(token_cell(&[status("saas.token", 503, 2)]).await, Ok(()));
}
#[tokio::test]
async fn token_429_with_retry_after_recovers() {
    assert_eq!(
        token_cell(&[json!({"endpoint": "saas.token", "status": 429, "headers": {"Retry-After": "1"}})]).await,
        Ok(())
    );
}
#[tokio::test]
async fn token_429_without_retry_after_recovers() {
    assert_eq!(token_cell(&[json!({"endpoint": "saas.token", "status": 429, "times": 2})]).await, Ok(()));
}
#[tokio::test]
async fn token_429_forever_is_rate_limited() {
    assert_eq!(
        token_cell(&[json!({"endpoint": "saas.token", "status": 429, "times": 10})]).await,
        Err(ErrorKind::RateLimited)
    );
}
#[tokio::test]
async fn token_connection_refused() {
    let client = Client::builder()
        .provider(Provider::agenticstar("http://127.0.0.1:9").unwrap())
        .credentials(Credentials::new("a", "b"))
        .retry_policy(RetryPolicy { initial_backoff: Duration::from_millis(10), ..Default::default() })
        .build()
        .unwrap();
    assert_eq!(client.get_token().await.unwrap_err().kind(), ErrorKind::Network);
}
#[tokio::test]
async fn token_reset_recovers_then_fails() {
    assert_eq!(token_cell(&[json!({"endpoint": "saas.token", "drop": true})]).await, Ok(()));
    assert_eq!(
        token_cell(&[json!({"endpoint": "saas.token", "drop": true, "times": 10})]).await,
        Err(ErrorKind::Network)
    );
}
#[tokio::test]
async fn token_slow_headers() {
    assert_eq!(
        token_cell(&[json!({"endpoint": "saas.token", "delay_ms": 3000, "times": 10})]).await,
        Err(ErrorKind::Timeout)
    );
}
#[tokio::test]
async fn token_html_error_page() {
    let html = json!({"endpoint": "saas.token", "status": 502, "times": 10, "content_type": "text/html", "body": "<html><h1>502 Bad Gateway</h1></html>"});
    assert_eq!(token_cell(&[html]).await, Err(ErrorKind::ServerError));
}
#[tokio::test]
async fn token_wrong_content_type() {
    assert_eq!(
        token_cell(&[json!({"endpoint": "saas.token", "status": 200, "content_type": "text/plain", "body": "OK"})])
            .await,
        Err(ErrorKind::UnexpectedResponse)
    );
}
#[tokio::test]
async fn token_empty_200() {
    assert_eq!(
        token_cell(&[json!({"endpoint": "saas.token", "status": 200, "body": ""})]).await,
        Err(ErrorKind::UnexpectedResponse)
    );
}
#[tokio::test]
async fn token_garbage_json() {
    assert_eq!(
        token_cell(&[json!({"endpoint": "saas.token", "status": 200, "body": "{\"access_token\": 12, "})]).await,
        Err(ErrorKind::UnexpectedResponse)
    );
}

// ---- chat streams ----

#[tokio::test]
async fn chat_500() {
    assert_eq!(chat_cell(json!({}), &[status("chat.completions", 500, 10)], fast()).await, Err(ErrorKind::ServerError));
}
#[tokio::test]
async fn chat_502_html() {
    let html = json!({"endpoint": "chat.completions", "status": 502, "times": 10, "content_type": "text/html", "body": "<html>Bad Gateway</html>"});
    assert_eq!(chat_cell(json!({}), &[html], fast()).await, Err(ErrorKind::ServerError));
}
#[tokio::test]
async fn chat_503_then_recovers() {
    assert!(chat_cell(json!({}), &[status("chat.completions", 503, 1)], fast()).await.is_ok());
}
#[tokio::test]
async fn chat_429_with_retry_after_recovers() {
    let f = json!({"endpoint": "chat.completions", "status": 429, "headers": {"Retry-After": "1"}, "body": {"error": {"message": "slow down"}}});
    assert!(chat_cell(json!({}), &[f], fast()).await.is_ok());
}
#[tokio::test]
async fn chat_429_forever() {
    let f = json!({"endpoint": "chat.completions", "status": 429, "times": 10, "body": {"error": {"message": "slow down"}}});
    assert_eq!(chat_cell(json!({}), &[f], fast()).await, Err(ErrorKind::RateLimited));
}
#[tokio::test]
async fn chat_connection_refused() {
    let e = Emu::start().await;
    let client = Client::builder()
        .provider(e.saas())
        .credentials(Credentials::new(c::SAAS_CC_CLIENT_ID, c::SAAS_CC_CLIENT_SECRET))
        .api_url("http://127.0.0.1:9")
        .unwrap()
        .retry_policy(RetryPolicy { initial_backoff: Duration::from_millis(10), ..Default::default() })
        .build()
        .unwrap();
    let err = client.chat_stream(ChatRequest::user("x")).collect().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Network);
}
#[tokio::test]
async fn chat_reset_mid_body() {
    let f = json!({"endpoint": "chat.completions", "stream": "disconnect", "after_chunks": 2});
    assert_eq!(chat_cell(json!({}), &[f], fast()).await, Err(ErrorKind::StreamTruncated));
}
#[tokio::test]
async fn chat_reset_before_response() {
    let f = json!({"endpoint": "chat.completions", "drop": true, "times": 10});
    assert_eq!(chat_cell(json!({}), &[f], fast()).await, Err(ErrorKind::Network));
}
#[tokio::test]
async fn chat_slow_headers() {
    let f = json!({"endpoint": "chat.completions", "delay_ms": 3000, "times": 10});
    assert_eq!(chat_cell(json!({}), &[f], fast()).await, Err(ErrorKind::Timeout));
}
#[tokio::test]
async fn chat_slow_drip_body_is_delivered() {
    let f = json!({"endpoint": "chat.completions", "stream": "drip", "after_chunks": 0});
    let text = chat_cell(json!({"reply": "ok"}), &[f], fast()).await.unwrap();
    assert_eq!(text, "ok");
}
#[tokio::test]
async fn chat_slow_drip_body_hits_the_stream_limit() {
    let f = json!({"endpoint": "chat.completions", "stream": "drip", "after_chunks": 0});
    let http = HttpConfig { stream_timeout: Some(Duration::from_millis(300)), ..fast() };
    assert_eq!(chat_cell(json!({"reply": "a longer reply that drips"}), &[f], http).await, Err(ErrorKind::Timeout));
}
#[tokio::test]
async fn chat_never_ends() {
    let f = json!({"endpoint": "chat.completions", "stream": "never_end", "after_chunks": 1});
    assert_eq!(chat_cell(json!({}), &[f], fast()).await, Err(ErrorKind::Timeout));
}
#[tokio::test]
async fn chat_endless_line() {
    let f = json!({"endpoint": "chat.completions", "stream": "huge_line", "after_chunks": 1});
    assert_eq!(chat_cell(json!({}), &[f], fast()).await, Err(ErrorKind::StreamTooLarge));
}
#[tokio::test]
async fn chat_huge_event() {
    let f = json!({"endpoint": "chat.completions", "stream": "huge_event", "after_chunks": 1});
    assert_eq!(chat_cell(json!({}), &[f], fast()).await, Err(ErrorKind::StreamTooLarge));
}
#[tokio::test]
async fn chat_invalid_utf8_is_replaced() {
    let f = json!({"endpoint": "chat.completions", "stream": "invalid_utf8", "after_chunks": 1});
    let text = chat_cell(json!({}), &[f], fast()).await.unwrap();
    assert!(text.contains("bad \u{FFFD}\u{FFFD} bytes"), "{text}");
}
#[tokio::test]
async fn chat_wrong_content_type() {
    let f = json!({"endpoint": "chat.completions", "status": 200, "content_type": "text/plain", "body": "data: hello"});
    assert_eq!(chat_cell(json!({}), &[f], fast()).await, Err(ErrorKind::UnexpectedResponse));
}
#[tokio::test]
async fn chat_empty_200() {
    let f = json!({"endpoint": "chat.completions", "status": 200, "content_type": "text/event-stream", "body": ""});
    assert_eq!(chat_cell(json!({}), &[f], fast()).await, Err(ErrorKind::StreamTruncated));
}
#[tokio::test]
async fn chat_expired_token_everywhere() {
    // Every token the server issues is already expired: renewal cannot help, so it is final.
    assert_eq!(chat_cell(json!({"token_lifetime_secs": 0}), &[], fast()).await, Err(ErrorKind::Authentication));
}
#[tokio::test]
async fn chat_revoked_token_recovers() {
    let e = Emu::start().await;
    let client = client(&e, fast());
    client.get_token().await.unwrap();
    e.admin("/admin/revoke", json!({"all": true})).await;
    assert!(client.chat_stream(ChatRequest::user("x")).collect().await.is_ok());
}
#[tokio::test]
async fn chat_wrong_audience_token() {
    let f = json!({"endpoint": "chat.completions", "status": 401, "times": 2, "headers": {"WWW-Authenticate": "Bearer error=\"invalid_token\""},
        "body": {"error": {"message": "token audience is not this API", "code": "invalid_token"}}});
    assert_eq!(chat_cell(json!({}), &[f], fast()).await, Err(ErrorKind::Authentication));
}
#[tokio::test]
async fn refresh_token_already_used() {
    let e = Emu::start().await;
    let app = e
        .builder(e.saas(), c::SAAS_APP_CLIENT_ID, c::SAAS_APP_CLIENT_SECRET)
        .flow(agenticstar::Flow::AuthorizationCode)
        .build()
        .unwrap();
    let req = app
        .authorize_url(
            &agenticstar::authcode::AuthorizeOptions::new("http://127.0.0.1:7777/cb").scope("openid chat:exec"),
        )
        .await
        .unwrap();
    let signed = app.complete_authorization(&req, &e.approve(&req.url).await).await.unwrap();
    // Another party spends the refresh token first.
    reqwest::Client::new()
        .post(format!("{}/federation/auth/v1/token", e.url))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", signed.token.refresh_token().unwrap().expose()),
            ("client_id", c::SAAS_APP_CLIENT_ID),
            ("client_secret", c::SAAS_APP_CLIENT_SECRET),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(app.tokens().force_refresh().await.unwrap_err().kind(), ErrorKind::SignInRequired);
}
