//! The Chat API stream over real HTTP against the emulator: bytes, faults, auth, cancellation.
use crate::common;

use std::time::Duration;

use agenticstar::chat::{ChatRequest, Message};
use agenticstar::{Client, ErrorKind};
use common::{Emu, c, idle};
use futures::StreamExt;
use serde_json::json;

async fn read_all(client: &Client, text: &str) -> (Vec<String>, Option<agenticstar::Error>) {
    let mut s = client.chat_stream(ChatRequest::user(text));
    let mut deltas = Vec::new();
    while let Some(item) = s.next().await {
        match item {
            Ok(c) => deltas.push(c.text().to_owned()),
            Err(e) => return (deltas, Some(e)),
        }
    }
    (deltas, None)
}

#[tokio::test]
async fn streams_a_reply_to_done() {
    let e = Emu::start().await;
    let client = e.saas_cc();
    let mut s = client.chat_stream(
        ChatRequest::new(vec![Message::system("be brief"), Message::user("こんにちは 👋")])
            .extra("stream_options", json!({"include_usage": true})),
    );
    let mut n = 0;
    while let Some(c) = s.next().await {
        c.unwrap();
        n += 1;
    }
    assert_eq!(s.text(), "こんにちは！🌸 You said: こんにちは 👋");
    assert_eq!(s.finish_reason(), Some("stop"));
    assert!(s.usage().unwrap().completion_tokens > 0);
    assert!(n > 5);
    let req = &e.requests("chat.completions").await[0];
    assert_eq!((req["json"]["model"].as_str(), req["json"]["stream"].as_bool()), (Some("AGENTIC STAR"), Some(true)));
    assert_eq!(req["json"]["stream_options"]["include_usage"], true, "extra fields pass through");
    assert_eq!(e.wait_count("chat.completed", 1).await, 1);
}

#[tokio::test]
async fn multibyte_text_split_across_tcp_writes() {
    let e = Emu::start().await;
    e.fault(json!({"endpoint": "chat.completions", "stream": "split_utf8"})).await;
    e.config(json!({"reply": "日本語とemoji 🎌🍣 が1バイトずつ届く"})).await;
    let (deltas, err) = read_all(&e.saas_cc(), "x").await;
    assert!(err.is_none(), "{err:?}");
    assert_eq!(deltas.concat(), "日本語とemoji 🎌🍣 が1バイトずつ届く");
}

#[tokio::test]
async fn keep_alive_comments_are_ignored() {
    let e = Emu::start().await;
    e.config(json!({"keepalive_every": 1})).await;
    let (deltas, err) = read_all(&e.saas_cc(), "ping").await;
    assert!(err.is_none());
    assert_eq!(deltas.concat(), "こんにちは！🌸 You said: ping");
}

async fn fault_kind(stream_fault: &str) -> (String, agenticstar::Error) {
    let e = Emu::start().await;
    e.fault(json!({"endpoint": "chat.completions", "stream": stream_fault, "after_chunks": 2})).await;
    let client =
        e.builder(e.saas(), c::SAAS_CC_CLIENT_ID, c::SAAS_CC_CLIENT_SECRET).http_config(idle(500)).build().unwrap();
    let (deltas, err) = read_all(&client, "hello").await;
    (deltas.concat(), err.unwrap_or_else(|| panic!("{stream_fault} must end in an error")))
}

#[tokio::test]
async fn missing_done_is_truncated() {
    let (text, err) = fault_kind("missing_done").await;
    assert_eq!(err.kind(), ErrorKind::StreamTruncated);
    assert!(text.ends_with("hello"), "everything before the end was delivered: {text}");
}

#[tokio::test]
async fn disconnect_mid_stream_is_truncated() {
    let (text, err) = fault_kind("disconnect").await;
    assert_eq!(err.kind(), ErrorKind::StreamTruncated);
    assert!(!text.is_empty());
}

#[tokio::test]
async fn malformed_chunk_is_a_decode_error() {
    let (_, err) = fault_kind("malformed").await;
    assert_eq!(err.kind(), ErrorKind::StreamDecode);
    assert!(err.body_excerpt().unwrap().contains("choices"));
}

#[tokio::test]
async fn error_event_and_error_object() {
    let (_, err) = fault_kind("error_event").await;
    assert_eq!(
        (err.kind(), err.code(), err.message()),
        (ErrorKind::StreamError, Some("agent_error"), "Upstream agent failed")
    );
    let (_, err) = fault_kind("error_object").await;
    assert_eq!((err.kind(), err.code()), (ErrorKind::StreamError, Some("rate_limited")));
}

#[tokio::test]
async fn stalled_stream_hits_the_idle_timeout() {
    let start = std::time::Instant::now();
    let (_, err) = fault_kind("never_end").await;
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert!(start.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn huge_line_is_bounded() {
    let e = Emu::start().await;
    e.fault(json!({"endpoint": "chat.completions", "stream": "huge_line", "after_chunks": 1})).await;
    let client = e
        .builder(e.saas(), c::SAAS_CC_CLIENT_ID, c::SAAS_CC_CLIENT_SECRET)
        .stream_limits(64 * 1024, 1 << 20)
        .build()
        .unwrap();
    let (_, err) = read_all(&client, "x").await;
    assert_eq!(err.unwrap().kind(), ErrorKind::StreamTooLarge);
}

#[tokio::test]
async fn wrong_content_type_and_error_bodies() {
    let e = Emu::start().await;
    let client = e.saas_cc();
    e.fault(json!({"endpoint": "chat.completions", "status": 200, "content_type": "text/html", "body": "<html>login page</html>"})).await;
    let (_, err) = read_all(&client, "x").await;
    let err = err.unwrap();
    assert_eq!((err.kind(), err.status()), (ErrorKind::UnexpectedResponse, Some(200)));
    assert!(err.message().contains("text/html") && err.body_excerpt().unwrap().contains("login page"));

    e.fault(json!({"endpoint": "chat.completions", "status": 200, "content_type": "application/json", "body": ""}))
        .await;
    assert_eq!(read_all(&client, "x").await.1.unwrap().kind(), ErrorKind::UnexpectedResponse);

    e.fault(json!({"endpoint": "chat.completions", "status": 400, "body": {"error": {"message": "bad model", "type": "invalid_request_error", "code": "model_not_found"}}})).await;
    let err = read_all(&client, "x").await.1.unwrap();
    assert_eq!((err.kind(), err.status(), err.code()), (ErrorKind::Api, Some(400), Some("model_not_found")));
    // API errors name the method and URL (the port included) before the server's message.
    assert_eq!(err.message(), format!("POST {}/v1/chat/completions: bad model", e.url));

    e.fault(json!({"endpoint": "chat.completions", "status": 500, "times": 4, "body": {"error": {"message": "boom"}}}))
        .await;
    assert_eq!(read_all(&client, "x").await.1.unwrap().kind(), ErrorKind::ServerError);
}

#[tokio::test]
async fn a_401_renews_the_token_and_retries_once() {
    let e = Emu::start().await;
    let client = e.saas_cc();
    client.get_token().await.unwrap();
    e.admin("/admin/revoke", json!({"all": true})).await;
    let (deltas, err) = read_all(&client, "again").await;
    assert!(err.is_none(), "{err:?}");
    assert!(deltas.concat().ends_with("again"));
    assert_eq!(e.count("saas.token"), 2);
    assert_eq!(e.count("chat.completions"), 2);

    // A second 401 is final.
    e.fault(json!({"endpoint": "chat.completions", "status": 401, "times": 2, "body": {"error": {"message": "Invalid or expired access token", "code": "invalid_token"}}})).await;
    let err = read_all(&client, "x").await.1.unwrap();
    assert_eq!((err.kind(), err.status()), (ErrorKind::Authentication, Some(401)));
}

#[tokio::test]
async fn missing_chat_scope_fails_before_sending() {
    let e = Emu::start().await;
    let client = e.builder(e.saas(), c::SAAS_MGMT_CLIENT_ID, c::SAAS_MGMT_CLIENT_SECRET).build().unwrap();
    let err = read_all(&client, "x").await.1.unwrap();
    assert_eq!(err.kind(), ErrorKind::InsufficientScope);
    assert!(err.message().contains("chat:exec"));
    assert_eq!(e.count("chat.completions"), 0);
    // Marketplace tokens carry only "openid" but have no scope restrictions.
    let mp = e
        .builder(
            agenticstar::Provider::marketplace(&e.url).unwrap(),
            c::MARKETPLACE_CLIENT_ID,
            c::MARKETPLACE_CLIENT_SECRET,
        )
        .build()
        .unwrap();
    assert!(read_all(&mp, "x").await.1.is_none());
}

#[tokio::test]
async fn every_dialect_can_chat() {
    let e = Emu::start().await;
    let providers = [
        (
            agenticstar::Provider::keycloak(&e.url, c::KEYCLOAK_REALM).unwrap(),
            c::KEYCLOAK_CLIENT_ID,
            c::KEYCLOAK_CLIENT_SECRET,
        ),
        (
            agenticstar::Provider::wrapped(&format!("{}/v1", e.url)).unwrap(),
            c::WRAPPED_CLIENT_ID,
            c::WRAPPED_CLIENT_SECRET,
        ),
    ];
    for (p, id, secret) in providers {
        let client = e.builder(p, id, secret).build().unwrap();
        let (d, err) = read_all(&client, "hi").await;
        assert!(err.is_none() && d.concat().ends_with("hi"));
    }
}

#[tokio::test]
async fn dropping_the_stream_closes_the_connection() {
    let e = Emu::start().await;
    e.config(json!({"chunk_delay_ms": 50})).await;
    let client = e.saas_cc();
    let mut s = client.chat_stream(ChatRequest::user("a long reply please"));
    s.next().await.unwrap().unwrap();
    drop(s);
    assert_eq!(e.wait_count("chat.disconnects", 1).await, 1, "the server saw the disconnect");

    let s = client.chat_stream(ChatRequest::user("cancel me"));
    let token = s.cancellation_token();
    let reader = tokio::spawn(async move {
        let mut s = s;
        let mut n = 0;
        while let Some(c) = s.next().await {
            c.unwrap();
            n += 1;
        }
        n
    });
    tokio::time::sleep(Duration::from_millis(120)).await;
    token.cancel();
    let n = reader.await.unwrap();
    assert!(n < 10, "cancel ends iteration quietly");
    assert_eq!(e.wait_count("chat.disconnects", 2).await, 2);
}

#[tokio::test]
async fn futures_stream_and_collect() {
    let e = Emu::start().await;
    let client = e.saas_cc();
    let texts: Vec<String> =
        client.chat_stream(ChatRequest::user("s")).map(|c| c.unwrap().text().to_owned()).collect().await;
    assert!(texts.concat().ends_with("You said: s"));
    let done = client.chat_stream(ChatRequest::user("t")).collect().await.unwrap();
    assert_eq!((done.text(), done.finish_reason()), ("こんにちは！🌸 You said: t", Some("stop")));
}

#[tokio::test]
async fn non_streaming_and_raw_requests() {
    let e = Emu::start().await;
    let client = e.saas_cc();
    let done = client.chat(ChatRequest::user("whole")).await.unwrap();
    assert_eq!(done.text(), "こんにちは！🌸 You said: whole");
    assert!(done.usage.is_some());
    let me = client.request("GET", "/v1/me", None).await.unwrap().json().unwrap();
    assert_eq!(me["client_id"], c::SAAS_CC_CLIENT_ID);
    let models = client.request("get", "v1/models", None).await.unwrap();
    assert_eq!(models.status, 200);
    e.admin("/admin/revoke", json!({"all": true})).await;
    assert_eq!(client.request("GET", "/v1/me", None).await.unwrap().status, 200, "401 renewal applies to raw requests");
    let err = client.request("GET", "/v1/nope", None).await.unwrap_err();
    assert_eq!((err.kind(), err.status()), (ErrorKind::Api, Some(404)));
}

#[tokio::test]
async fn ready_batches_are_merged_and_a_trailing_error_is_kept() {
    let e = Emu::start().await;
    e.config(json!({"stream_chunks": 5000})).await;
    let client = e.saas_cc();
    let mut s = client.chat_stream(ChatRequest::user("x"));
    tokio::time::sleep(Duration::from_millis(300)).await; // let several network reads queue up
    let (mut total, mut largest) = (0, 0);
    while let Some(b) = s.next_batch().await {
        let b = b.unwrap();
        assert!(!b.is_empty());
        total += b.len();
        largest = largest.max(b.len());
    }
    assert_eq!(total, 5001, "5000 content chunks + the finish chunk");
    assert!(largest > 100, "queued reads were handed over together (largest batch {largest})");

    e.config(json!({"stream_chunks": 0})).await;
    e.fault(json!({"endpoint": "chat.completions", "stream": "error_event", "after_chunks": 3})).await;
    let mut s = client.chat_stream(ChatRequest::user("x"));
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut chunks = 0;
    let err = loop {
        match s.next_batch().await.expect("the error is not lost") {
            Ok(b) => chunks += b.len(),
            Err(e) => break e,
        }
    };
    assert_eq!((chunks, err.kind()), (4, ErrorKind::StreamError), "role chunk + 3 content chunks, then the error");
    assert!(s.next_batch().await.is_none());
}
