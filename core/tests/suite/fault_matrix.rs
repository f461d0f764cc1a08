//! Fault matrix: what a server or network can do to a token request or a chat stream, one test per
//! cell. Each ends in its documented typed error (or documented recovery), within a deadline.
use crate::common;

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

/// Every cell runs under this: an outcome that does not arrive in time fails the cell.
async fn bounded<T>(what: &str, f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(DEADLINE, f).await.unwrap_or_else(|_| panic!("{what} hung"))
}

/// A body that sends its first byte and then nothing, never closing.
fn stall(endpoint: &str, code: u16, content_type: &str, body: Value, times: u32) -> Value {
    json!({"endpoint": endpoint, "status": code, "content_type": content_type, "body": body, "stall_after_bytes": 1, "times": times})
}

/// Token cell: inject `faults`, then get a token. `Ok(())` means the documented recovery.
async fn token_cell(faults: &[Value]) -> Result<(), ErrorKind> {
    let e = Emu::start().await;
    for f in faults {
        e.fault(f.clone()).await;
    }
    let r = bounded("token cell", client(&e, fast()).get_token()).await;
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
    bounded("chat cell", run).await
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
    assert_eq!(bounded("token cell", client.get_token()).await.unwrap_err().kind(), ErrorKind::Network);
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
    let err = bounded("chat cell", client.chat_stream(ChatRequest::user("x")).collect()).await.unwrap_err();
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
    assert!(bounded("chat cell", client.chat_stream(ChatRequest::user("x")).collect()).await.is_ok());
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
        .flow(agenticstar::AuthFlow::AuthorizationCode)
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
    assert_eq!(
        bounded("refresh cell", app.tokens().force_refresh()).await.unwrap_err().kind(),
        ErrorKind::SignInRequired
    );
}

// ---- bodies that stall: every read is bounded by the request timeout ----

#[tokio::test]
async fn token_body_stalls() {
    let f = stall("saas.token", 200, "application/json", json!({"access_token": "abc", "expires_in": 60}), 10);
    assert_eq!(token_cell(&[f]).await, Err(ErrorKind::Timeout));
}
#[tokio::test]
async fn chat_error_body_stalls() {
    let f = stall("chat.completions", 500, "application/json", json!({"error": {"message": "boom"}}), 10);
    assert_eq!(chat_cell(json!({}), &[f], fast()).await, Err(ErrorKind::ServerError));
}
#[tokio::test]
async fn chat_json_200_body_stalls() {
    let f = stall("chat.completions", 200, "application/json", json!({"error": {"message": "boom"}}), 10);
    assert_eq!(chat_cell(json!({}), &[f], fast()).await, Err(ErrorKind::Timeout));
}
#[tokio::test]
async fn chat_create_body_stalls() {
    let e = Emu::start().await;
    let client = client(&e, fast());
    client.get_token().await.unwrap();
    e.fault(stall("chat.completions", 200, "application/json", json!({"choices": []}), 10)).await;
    let err = bounded("chat.create cell", client.chat(ChatRequest::user("x"))).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
}
#[tokio::test]
async fn raw_request_body_stalls() {
    let e = Emu::start().await;
    let client = client(&e, fast());
    e.fault(stall("models", 200, "application/json", json!({"data": []}), 10)).await;
    let err = bounded("raw request cell", client.request("GET", "/v1/models", None)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
}
#[tokio::test]
async fn discovery_body_stalls() {
    let e = Emu::start().await;
    let app = e
        .builder(
            Provider::oidc(&format!("{}/federation/auth/v1", e.url)).unwrap(),
            c::SAAS_APP_CLIENT_ID,
            c::SAAS_APP_CLIENT_SECRET,
        )
        .http_config(fast())
        .build()
        .unwrap();
    e.fault(stall("saas.discovery", 200, "application/json", json!({"issuer": "x"}), 10)).await;
    let opts = agenticstar::authcode::AuthorizeOptions::new("http://127.0.0.1:7777/cb");
    let err = bounded("discovery cell", app.authorize_url(&opts)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
}
#[tokio::test]
async fn jwks_body_stalls() {
    let e = Emu::start().await;
    let app = e
        .builder(e.saas(), c::SAAS_APP_CLIENT_ID, c::SAAS_APP_CLIENT_SECRET)
        .http_config(fast())
        .flow(agenticstar::AuthFlow::AuthorizationCode)
        .build()
        .unwrap();
    let opts = agenticstar::authcode::AuthorizeOptions::new("http://127.0.0.1:7777/cb").scope("openid chat:exec");
    let req = app.authorize_url(&opts).await.unwrap();
    let callback = e.approve(&req.url).await;
    e.fault(stall("saas.jwks", 200, "application/json", json!({"keys": []}), 10)).await;
    let err = bounded("jwks cell", app.complete_authorization(&req, &callback)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
}
