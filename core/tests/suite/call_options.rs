//! Raw responses (status, headers, request id on results and errors) and per-call options
//! (timeout, retries, extra headers/query/body, `with_options`) against the emulator.
use crate::common;

use std::time::Duration;

use agenticstar::chat::ChatRequest;
use agenticstar::{ErrorKind, RequestOptions};
use common::*;
use serde_json::json;

fn is_emulator_id(id: Option<&str>) -> bool {
    id.is_some_and(|i| i.starts_with("req_") && i.len() > 4)
}

#[tokio::test]
async fn results_carry_status_headers_and_request_id() {
    let e = Emu::start().await;
    let client = e.saas_cc();

    let done = client.chat(ChatRequest::user("hi")).await.unwrap();
    let r = done.response.as_ref().expect("a completion has its response");
    assert_eq!(r.status, 200);
    assert!(is_emulator_id(r.request_id.as_deref()), "{r:?}");
    assert_eq!(r.header("X-Request-Id"), r.request_id.as_deref());
    assert!(r.header("content-type").unwrap().starts_with("application/json"));

    let mut s = client.chat_stream(ChatRequest::user("hi"));
    s.next().await.unwrap().unwrap();
    let r = s.response().expect("known after the first chunk");
    assert!(r.header("content-type").unwrap().starts_with("text/event-stream"));
    assert!(is_emulator_id(r.request_id.as_deref()));
    // Two calls, two ids.
    assert_ne!(r.request_id, done.response.as_ref().unwrap().request_id);

    let raw = client.request("GET", "/v1/models", None).await.unwrap();
    assert!(is_emulator_id(raw.request_id()));
    assert_eq!(raw.response.status, 200);
}

#[tokio::test]
async fn errors_carry_status_headers_request_id_and_www_authenticate() {
    let e = Emu::start().await;
    let client = e.saas_cc();
    e.fault(json!({"endpoint": "chat.completions", "status": 429, "times": 4,
        "headers": {"Retry-After": "0", "X-RateLimit-Remaining": "0", "Set-Cookie": "sid=s3cret-cookie"},
        "body": {"error": {"message": "slow down"}}}))
        .await;
    let err = client.chat(ChatRequest::user("hi")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    assert_eq!(err.status(), Some(429));
    assert!(is_emulator_id(err.request_id()), "{err:?}");
    let r = err.response().unwrap();
    assert_eq!(r.header("x-ratelimit-remaining"), Some("0"));
    // A secret-bearing header is kept by name only, everywhere the error can be shown.
    assert_eq!(r.header("set-cookie"), Some("***"));
    let details = serde_json::to_string(&agenticstar::surface::ErrorDetails::from(&err)).unwrap();
    for shown in [format!("{err:?}"), err.to_string(), details.clone()] {
        assert!(!shown.contains("s3cret"), "{shown}");
    }
    assert!(details.contains("\"requestId\":\"req_"), "{details}");

    // A 401 from the API after the one renewal: the challenge is there.
    e.fault(json!({"endpoint": "chat.completions", "status": 401, "times": 2,
        "headers": {"WWW-Authenticate": "Bearer error=\"invalid_token\""},
        "body": {"error": {"message": "expired", "code": "invalid_token"}}}))
        .await;
    let mut s = client.chat_stream(ChatRequest::user("hi"));
    let err = s.next().await.unwrap().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Authentication);
    assert_eq!(err.www_authenticate(), Some("Bearer error=\"invalid_token\""));
    assert!(is_emulator_id(err.request_id()));

    // Token endpoint errors too.
    let bad = e.builder(e.saas(), c::SAAS_CC_CLIENT_ID, "wrong").build().unwrap();
    let err = bad.get_token().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidClient);
    assert!(is_emulator_id(err.request_id()), "{err:?}");
}

#[tokio::test]
async fn a_configured_request_id_header_comes_first() {
    let e = Emu::start().await;
    let client = e
        .builder(e.saas(), c::SAAS_CC_CLIENT_ID, c::SAAS_CC_CLIENT_SECRET)
        .request_id_header("X-Trace-Id")
        .unwrap()
        .build()
        .unwrap();
    e.fault(json!({"endpoint": "models", "status": 200, "headers": {"X-Trace-Id": "trace-7"}, "body": {"data": []}}))
        .await;
    assert_eq!(client.request("GET", "/v1/models", None).await.unwrap().request_id(), Some("trace-7"));
    // Without that header, the usual one.
    assert!(is_emulator_id(client.request("GET", "/v1/models", None).await.unwrap().request_id()));
}

#[tokio::test]
async fn per_call_max_retries_and_timeout_win_over_the_client() {
    let e = Emu::start().await;
    let client = e.saas_cc(); // default: 3 retries, 30 s timeout
    e.fault(json!({"endpoint": "chat.completions", "status": 503, "times": 1, "body": {"error": {"message": "busy"}}}))
        .await;
    let err = client.chat_with(ChatRequest::user("hi"), &RequestOptions::default().max_retries(0)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ServerError);
    assert_eq!(e.count("chat.completions"), 1, "max_retries=0 must make one attempt");
    // The client's own default still retries.
    e.fault(json!({"endpoint": "chat.completions", "status": 503, "times": 1, "body": {"error": {"message": "busy"}}}))
        .await;
    client.chat(ChatRequest::user("hi")).await.unwrap();
    assert_eq!(e.count("chat.completions"), 3);

    e.fault(json!({"endpoint": "chat.completions", "delay_ms": 3000})).await;
    let quick = RequestOptions::default().timeout(Duration::from_millis(200)).max_retries(0);
    let err = client.chat_with(ChatRequest::user("hi"), &quick).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err:?}");
    e.fault(json!({"endpoint": "chat.completions", "delay_ms": 3000})).await;
    let mut s = client.chat_stream_with(ChatRequest::user("hi"), &quick);
    assert_eq!(s.next().await.unwrap().unwrap_err().kind(), ErrorKind::Timeout);
    e.fault(json!({"endpoint": "models", "delay_ms": 3000})).await;
    let err = client.request_with("GET", "/v1/models", None, &quick).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
}

#[tokio::test]
async fn extra_headers_query_and_body_reach_the_server() {
    let e = Emu::start().await;
    let client = e.saas_cc();
    let o = RequestOptions::default()
        .header("X-Custom", "yes")
        .query("trace", 1)
        .body_field("temperature", 0.25)
        .body_field("metadata", json!({"k": "v"}));
    client.chat_with(ChatRequest::user("hi"), &o).await.unwrap();
    let r = e.requests("chat.completions").await;
    let last = r.last().unwrap();
    assert_eq!(last["query"], json!({"trace": "1"}), "{last}");
    assert_eq!(last["headers"]["x-custom"], json!("yes"), "{last}");
    let body: serde_json::Value = serde_json::from_str(last["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["temperature"], json!(0.25));
    assert_eq!(body["metadata"], json!({"k": "v"}));
    assert_eq!(body["messages"][0]["content"], json!("hi"));

    let err = client
        .chat_with(ChatRequest::user("hi"), &RequestOptions::default().header("authorization", "Bearer x"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    let err = client
        .request_with("GET", "/v1/models", None, &RequestOptions::from_json(json!({"timeout": -1})).unwrap())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
}

#[tokio::test]
async fn with_options_shares_the_token_manager() {
    let e = Emu::start().await;
    let client = e.saas_cc();
    let strict = client.with_options(&RequestOptions::default().max_retries(0).header("X-Tenant", "t1")).unwrap();
    client.chat(ChatRequest::user("a")).await.unwrap();
    strict.chat(ChatRequest::user("b")).await.unwrap();
    assert_eq!(e.count("saas.token"), 1, "both clients must share one token");
    let r = e.requests("chat.completions").await;
    assert!(r[0]["headers"].get("x-tenant").is_none());
    assert_eq!(r[1]["headers"]["x-tenant"], json!("t1"));

    // The derived client's defaults differ: no retries.
    e.fault(json!({"endpoint": "chat.completions", "status": 503, "times": 1, "body": {"error": {"message": "busy"}}}))
        .await;
    assert_eq!(strict.chat(ChatRequest::user("c")).await.unwrap_err().kind(), ErrorKind::ServerError);
    // Per-call options still win over the derived defaults.
    e.fault(json!({"endpoint": "chat.completions", "status": 503, "times": 1, "body": {"error": {"message": "busy"}}}))
        .await;
    strict.chat_with(ChatRequest::user("d"), &RequestOptions::default().max_retries(2)).await.unwrap();
    // The original keeps its own.
    e.fault(json!({"endpoint": "chat.completions", "status": 503, "times": 1, "body": {"error": {"message": "busy"}}}))
        .await;
    client.chat(ChatRequest::user("e")).await.unwrap();
    assert!(client.with_options(&RequestOptions::default().header("bad name", "x")).is_err());
}

#[tokio::test]
async fn service_errors_from_an_answer_carry_it_too() {
    use agenticstar::mcp::{McpClient, McpOptions};
    let e = Emu::start().await;
    let agent = e.builder(e.saas(), c::SAAS_AGENT_CLIENT_ID, c::SAAS_AGENT_CLIENT_SECRET).build().unwrap();
    // A token for another resource: the MCP endpoint refuses it with a challenge.
    let opts =
        McpOptions { resource: Some("https://other.example/mcp".into()), ..McpOptions::new(format!("{}/mcp", e.url)) };
    let err = McpClient::connect(&agent, opts).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthorized);
    assert!(is_emulator_id(err.request_id()), "{err:?}");
    assert!(err.www_authenticate().unwrap().contains("resource_metadata="), "{err:?}");
}

/// MCP and A2A calls through the core surface (what every binding calls): a result's answer, an
/// error's answer, per-call retries, timeout, headers, query and params, streams included.
#[tokio::test]
async fn service_calls_take_per_call_options_and_give_their_answer() {
    use agenticstar::surface::{self, call_with, open_with};
    let e = Emu::start().await;
    let agent = e.builder(e.saas(), c::SAAS_AGENT_CLIENT_ID, c::SAAS_AGENT_CLIENT_SECRET).build().unwrap();
    let mcp = surface::open_service(&agent, "mcp", json!({"url": format!("{}/mcp", e.url)})).await.unwrap();
    let none = RequestOptions::default;

    let r = call_with(&*mcp, "list_tools", json!({}), none()).await.unwrap();
    assert!(r.data.as_array().is_some_and(|t| !t.is_empty()), "{:?}", r.data);
    let meta = r.response.expect("a call that sent a request has its answer");
    assert_eq!(meta.status, 200);
    assert!(is_emulator_id(meta.request_id.as_deref()), "{meta:?}");
    // A method that sends nothing has no answer.
    assert!(call_with(&*mcp, "recording", json!({}), none()).await.unwrap().response.is_none());

    // A 503 is retried by default (the server did not act on it) and not with max_retries=0; the
    // error carries its answer.
    let busy = json!({"endpoint": "mcp", "status": 503, "times": 1, "headers": {"Retry-After": "0"}, "body": {"error": "busy"}});
    e.fault(busy.clone()).await;
    let before = e.count("mcp");
    let err = call_with(&*mcp, "ping", json!({}), none().max_retries(0)).await.unwrap_err();
    assert_eq!(err.status(), Some(503), "{err:?}");
    assert!(is_emulator_id(err.request_id()), "{err:?}");
    assert_eq!(e.count("mcp") - before, 1);
    e.fault(busy).await;
    call_with(&*mcp, "ping", json!({}), none()).await.unwrap();
    assert_eq!(e.count("mcp") - before, 3);

    // A per-call timeout wins over the client's 30 s; a timeout is not retried (a tool may have run).
    e.fault(json!({"endpoint": "mcp", "delay_ms": 3000})).await;
    let before = e.count("mcp");
    let err = call_with(&*mcp, "ping", json!({}), none().timeout(Duration::from_millis(200))).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err:?}");
    assert_eq!(e.count("mcp") - before, 1);

    // Extra headers and query reach the server; extra body fields go into the params.
    let o = none().header("X-Custom", "yes").query("trace", 1).body_field("traceTag", "t1");
    call_with(&*mcp, "call_tool", json!({"name": "add", "arguments": {"a": 2, "b": 3}}), o.clone()).await.unwrap();
    let last = e.requests("mcp").await.pop().unwrap();
    assert_eq!(last["headers"]["x-custom"], json!("yes"), "{last}");
    assert_eq!(last["query"], json!({"trace": "1"}), "{last}");
    let body = &last["json"];
    assert_eq!(body["params"]["traceTag"], json!("t1"), "{body}");
    assert_eq!(body["params"]["name"], json!("add"), "{body}");
    // ... in a stream too.
    let mut s = open_with(&*mcp, "call_tool_stream", json!({"name": "add", "arguments": {"a": 1, "b": 1}}), o);
    while s.next_batch().await.transpose().unwrap().is_some() {}
    let last = e.requests("mcp").await.pop().unwrap();
    assert_eq!(last["headers"]["x-custom"], json!("yes"), "{last}");

    // A client's default body fields are for chat bodies; its headers apply to services too.
    let tenant = agent.with_options(&none().header("X-Tenant", "t1").body_field("temperature", 0.5)).unwrap();
    let scoped = surface::open_service(&tenant, "mcp", json!({"url": format!("{}/mcp", e.url)})).await.unwrap();
    call_with(&*scoped, "ping", json!({}), none()).await.unwrap();
    let last = e.requests("mcp").await.pop().unwrap();
    assert_eq!(last["headers"]["x-tenant"], json!("t1"), "{last}");
    assert!(last["json"]["params"].get("temperature").is_none(), "{last}");

    // Bad options fail the call before anything is sent.
    let bad = RequestOptions::from_json(json!({"timeout": -1})).unwrap();
    assert_eq!(call_with(&*mcp, "recording", json!({}), bad).await.unwrap_err().kind(), ErrorKind::Config);

    // A2A: the same layer.
    let a2a = surface::open_service(&agent, "a2a", json!({"url": e.url})).await.unwrap();
    let r = call_with(&*a2a, "send_message", json!({"text": "hi"}), none().header("X-Custom", "a2a")).await.unwrap();
    assert!(is_emulator_id(r.response.unwrap().request_id.as_deref()));
    assert_eq!(e.requests("a2a.rpc").await.pop().unwrap()["headers"]["x-custom"], json!("a2a"));
    e.fault(json!({"endpoint": "a2a.rpc", "status": 429, "times": 1, "headers": {"Retry-After": "0"}, "body": {}}))
        .await;
    let err = call_with(&*a2a, "list_tasks", json!({}), none().max_retries(0)).await.unwrap_err();
    assert_eq!(err.status(), Some(429), "{err:?}");
    assert!(is_emulator_id(err.request_id()));
}
