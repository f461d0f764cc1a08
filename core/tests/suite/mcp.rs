//! McpClient against the emulator's MCP endpoint over real HTTP: both eras, progress, resumption,
//! input_required, change notifications, auth errors, and the recorded-session vector that the
//! Python and Node suites replay through the core surface (testdata/mcp_session.json).
use crate::common;

use std::time::Duration;

use agenticstar::mcp::{Era, McpClient, McpOptions, Outcome};
use agenticstar::{Client, ErrorKind};
use common::{Emu, c};
use serde_json::{Map, Value, json};

fn agent(emu: &Emu) -> Client {
    agent_with(emu, agenticstar::HttpConfig::default())
}

fn agent_with(emu: &Emu, http: agenticstar::HttpConfig) -> Client {
    emu.builder(emu.saas(), c::SAAS_AGENT_CLIENT_ID, c::SAAS_AGENT_CLIENT_SECRET).http_config(http).build().unwrap()
}

fn url(emu: &Emu) -> String {
    format!("{}/mcp", emu.url)
}

#[tokio::test]
async fn current_era_against_the_emulator() {
    let emu = Emu::start().await;
    let mcp = McpClient::connect(&agent(&emu), McpOptions::new(url(&emu))).await.unwrap();
    let info = mcp.server();
    assert_eq!((info.era, info.server_info["name"].as_str()), (Era::Current, Some("agenticstar-emulator")));
    let tools = mcp.list_tools().await.unwrap();
    assert_eq!(tools.len(), 5);
    let mut seen = Vec::new();
    let mut on_progress = |p: agenticstar::mcp::Progress| seen.push(p.progress);
    let r = mcp.call_tool("progress", json!({"steps": 3}), Some(&mut on_progress)).await.unwrap().complete().unwrap();
    assert_eq!((r.text(), seen), ("done".to_owned(), vec![1.0, 2.0, 3.0]));

    // input_required, typed, answered with the helper.
    let Outcome::InputRequired(ir) = mcp.call_tool("confirm", json!({}), None).await.unwrap() else {
        panic!("expected input_required")
    };
    assert_eq!(ir.input_requests["confirm"]["method"], "elicitation/create");
    let mut answers = Map::new();
    answers.insert("confirm".into(), json!({"action": "accept", "content": {}}));
    let Outcome::Complete(done) = mcp.answer(&ir, answers, None).await.unwrap() else { panic!() };
    assert_eq!(done["content"][0]["text"], "confirmed");

    let r = mcp.read_resource("emulator://echo/日本").await.unwrap().complete().unwrap();
    assert_eq!(r.contents[0].text.as_deref(), Some("日本"), "Mcp-Name carried non-ASCII as base64");
    let c = mcp.complete(json!({"type": "ref/prompt", "name": "greet"}), "name", "B", None).await.unwrap();
    assert_eq!(c["values"], json!(["Bob"]));
    assert_eq!(mcp.list_resource_templates().await.unwrap()[0].uri_template, "emulator://echo/{text}");

    let mut n = mcp.notifications(vec![]);
    let ack = tokio::time::timeout(Duration::from_secs(5), n.next()).await.unwrap().unwrap().unwrap();
    assert_eq!(ack["method"], "notifications/subscriptions/acknowledged");
    drop(n);
    let reqs = emu.requests("mcp").await;
    assert!(reqs.iter().all(|r| r["json"]["method"] != "initialize"));
}

#[tokio::test]
async fn legacy_era_sessions_resumption_and_reinitialize() {
    let emu = Emu::start().await;
    let opts = McpOptions { era: Some(Era::Legacy), ..McpOptions::new(url(&emu)) };
    let mcp = McpClient::connect(&agent(&emu), opts).await.unwrap();
    assert_eq!(mcp.server().era, Era::Legacy);
    let r = mcp.call_tool("resumable", json!({}), None).await.unwrap().complete().unwrap();
    assert_eq!(r.text(), "resumed");
    let gets: Vec<Value> = emu.requests("mcp").await.into_iter().filter(|r| r["method"] == "GET").collect();
    assert_eq!(gets.len(), 1, "one resumption");
    // The session disappears (emulator reset of sessions by DELETE out of band).
    let token = mcp.rpc().tokens().get_token().await.unwrap();
    reqwest::Client::new()
        .delete(url(&emu))
        .header("mcp-session-id", mcp.session_id().unwrap())
        .bearer_auth(token.access_token().expose())
        .send()
        .await
        .unwrap();
    assert_eq!(mcp.call_tool("add", json!({"a": 1, "b": 2}), None).await.unwrap().complete().unwrap().text(), "3");
    let inits = emu.requests("mcp").await.iter().filter(|r| r["json"]["method"] == "initialize").count();
    assert_eq!(inits, 2);
    mcp.close().await.unwrap();
    assert_eq!(emu.requests("mcp").await.last().unwrap()["method"], "DELETE");
}

#[tokio::test]
async fn auth_errors_are_typed() {
    let emu = Emu::start().await;
    // No mcp:all in the token: refused before any request.
    let e = McpClient::connect(&emu.saas_cc(), McpOptions::new(url(&emu))).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InsufficientScope);
    assert_eq!(emu.count("mcp"), 0);
    // A token for another resource: one renewal, then unauthorized with the PRM document.
    let opts = McpOptions { resource: Some("https://other.example/mcp".into()), ..McpOptions::new(url(&emu)) };
    let e = McpClient::connect(&agent(&emu), opts).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unauthorized);
    assert_eq!(emu.count("mcp"), 2);
    let prm = e.details().unwrap()["resourceMetadata"].as_str().unwrap().to_owned();
    let doc: Value = reqwest::get(prm).await.unwrap().json().await.unwrap();
    assert_eq!(doc["resource"], url(&emu));
}

/// The session every language records (current era, through the surface service).
pub async fn record_session(svc: &dyn agenticstar::surface::Service) -> Vec<Value> {
    svc.call("start_recording", json!({})).await.unwrap();
    svc.call("list_tools", json!({})).await.unwrap();
    let mut s = svc.open("call_tool_stream", json!({"name": "progress", "arguments": {"steps": 2}}));
    while let Some(i) = s.next().await {
        i.unwrap();
    }
    svc.call("call_tool", json!({"name": "add", "arguments": {"a": 2, "b": 3}})).await.unwrap();
    let ir = svc.call("call_tool", json!({"name": "confirm", "arguments": {}})).await.unwrap();
    svc.call("answer", json!({"input": ir, "responses": {"confirm": {"action": "accept"}}})).await.unwrap();
    svc.call("read_resource", json!({"uri": "emulator://readme"})).await.unwrap();
    svc.call("get_prompt", json!({"name": "greet", "arguments": {"name": "Alice"}})).await.unwrap();
    let v = svc.call("recording", json!({})).await.unwrap();
    v.as_array().unwrap().clone()
}

#[tokio::test]
async fn the_recorded_session_matches_the_shared_vector() {
    let emu = Emu::start().await;
    let svc = agenticstar::surface::open_service(&agent(&emu), "mcp", json!({"url": url(&emu)})).await.unwrap();
    let got = Value::Array(record_session(svc.as_ref()).await);
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata/mcp_session.json");
    if std::env::var("AGENTICSTAR_WRITE_VECTORS").is_ok() {
        std::fs::write(&path, serde_json::to_string_pretty(&got).unwrap() + "\n").unwrap();
    }
    let want: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(got, want, "the recorded MCP session differs from testdata/mcp_session.json");
}

#[tokio::test]
async fn the_chat_streams_line_limit_and_idle_timeout_apply_to_mcp_streams() {
    let emu = Emu::start().await;
    let small = emu
        .builder(emu.saas(), c::SAAS_AGENT_CLIENT_ID, c::SAAS_AGENT_CLIENT_SECRET)
        .stream_limits(100, 100)
        .build()
        .unwrap();
    let mcp = McpClient::connect(&small, McpOptions::new(url(&emu))).await.unwrap();
    let e = mcp.call_tool("progress", json!({"steps": 2}), None).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::StreamTooLarge, "{e:?}");

    emu.config(json!({"chunk_delay_ms": 2000})).await;
    let slow = agent_with(&emu, common::idle(300));
    let mcp = McpClient::connect(&slow, McpOptions::new(url(&emu))).await.unwrap();
    let e = mcp.call_tool("progress", json!({"steps": 2}), None).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e:?}");
}

/// An `mcp:all` token for the emulator's /mcp fetched out of band, as another instance of the
/// same application would: with `newest_token_only` it makes every earlier token invalid.
async fn token_elsewhere(emu: &Emu) -> String {
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", c::SAAS_AGENT_CLIENT_ID),
        ("client_secret", c::SAAS_AGENT_CLIENT_SECRET),
        ("scope", "mcp:all"),
    ];
    let r: Value = reqwest::Client::new()
        .post(format!("{}/federation/auth/v1/token", emu.url))
        .form(&form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    r["access_token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_server_that_accepts_only_the_newest_token_gets_one_refresh_and_one_retry() {
    let emu = Emu::start().await;
    emu.config(json!({"newest_token_only": true})).await;
    let mcp = McpClient::connect(&agent(&emu), McpOptions::new(url(&emu))).await.unwrap();
    token_elsewhere(&emu).await;
    let (tokens, posts) = (emu.count("saas.token"), emu.count("mcp"));
    let r = mcp.call_tool("add", json!({"a": 2, "b": 3}), None).await.unwrap().complete().unwrap();
    assert_eq!(r.structured_content, Some(json!({"result": 5})));
    assert_eq!((emu.count("saas.token") - tokens, emu.count("mcp") - posts), (1, 2), "one refresh, one retry");
    // Two instances of the application now take turns invalidating each other's token: every
    // call still costs exactly one refresh and one retry, never a loop.
    let other = McpClient::connect(&agent(&emu), McpOptions::new(url(&emu))).await.unwrap();
    for i in 0..3 {
        for m in [&mcp, &other] {
            let (tokens, posts) = (emu.count("saas.token"), emu.count("mcp"));
            let r = m.call_tool("add", json!({"a": i, "b": 1}), None).await.unwrap().complete().unwrap();
            assert_eq!(r.structured_content, Some(json!({"result": i + 1})));
            assert_eq!((emu.count("saas.token") - tokens, emu.count("mcp") - posts), (1, 2));
        }
    }
}

#[tokio::test]
async fn fifty_concurrent_calls_on_an_expired_token_make_one_token_request() {
    let emu = Emu::start().await;
    emu.config(json!({"token_lifetime_secs": 3})).await;
    let mcp = McpClient::connect(&agent(&emu), McpOptions::new(url(&emu))).await.unwrap();
    emu.config(json!({"token_lifetime_secs": 3600})).await;
    tokio::time::sleep(Duration::from_millis(3100)).await; // the token has expired
    let calls = (0..50).map(|i| {
        let mcp = mcp.clone();
        async move { mcp.call_tool("add", json!({"a": i, "b": 1}), None).await }
    });
    for (i, r) in futures::future::join_all(calls).await.into_iter().enumerate() {
        assert_eq!(r.unwrap().complete().unwrap().structured_content, Some(json!({"result": i + 1})));
    }
    assert_eq!(emu.count("saas.token"), 2, "the first token and one renewal for all 50 calls");
}

#[tokio::test]
async fn the_default_line_and_event_limits_and_the_idle_timeout_apply_to_mcp_streams() {
    let emu = Emu::start().await;
    let mcp = McpClient::connect(&agent(&emu), McpOptions::new(url(&emu))).await.unwrap();
    for (n, kind) in [(1, "huge_line"), (2, "huge_event")] {
        emu.fault(json!({"endpoint": "mcp", "stream": kind})).await;
        let e = mcp.call_tool("add", json!({"a": 1, "b": 1}), None).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::StreamTooLarge, "{kind}: {e:?}");
        assert_eq!(emu.wait_count("mcp.disconnects", n).await, n, "the client left the oversized stream");
    }
    emu.fault(json!({"endpoint": "mcp", "stream": "disconnect"})).await;
    let e = mcp.call_tool("add", json!({"a": 1, "b": 1}), None).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::StreamTruncated, "{e:?}");

    let slow = agent_with(&emu, common::idle(300));
    let mcp = McpClient::connect(&slow, McpOptions::new(url(&emu))).await.unwrap();
    emu.fault(json!({"endpoint": "mcp", "stream": "never_end"})).await;
    let started = std::time::Instant::now();
    let e = mcp.call_tool("add", json!({"a": 1, "b": 1}), None).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e:?}");
    assert!(started.elapsed() >= Duration::from_millis(300), "not before the idle timeout");
    assert_eq!(emu.wait_count("mcp.disconnects", 3).await, 3, "the timed-out stream was closed");
    // A JSON answer whose body stalls is bounded by the request timeout.
    let strict =
        agent_with(&emu, agenticstar::HttpConfig { request_timeout: Duration::from_millis(500), ..Default::default() });
    let mcp = McpClient::connect(&strict, McpOptions::new(url(&emu))).await.unwrap();
    let body = json!({"jsonrpc": "2.0", "id": 2, "result": {"content": []}}).to_string();
    emu.fault(json!({"endpoint": "mcp", "status": 200, "body": body, "stall_after_bytes": 10})).await;
    let e = mcp.call_tool("add", json!({"a": 1, "b": 1}), None).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e:?}");
}

/// The request ids of the `notifications/cancelled` the emulator received.
async fn cancelled_ids(emu: &Emu) -> Vec<Value> {
    let reqs = emu.requests("mcp").await;
    reqs.iter()
        .filter(|r| r["json"]["method"] == "notifications/cancelled")
        .map(|r| r["json"]["params"]["requestId"].clone())
        .collect()
}

#[tokio::test]
async fn cancelling_a_call_closes_its_connection_seen_by_the_emulator() {
    let emu = Emu::start().await;
    emu.config(json!({"chunk_delay_ms": 200})).await;
    for (n, era) in [(1, Era::Current), (2, Era::Legacy)] {
        let opts = McpOptions { era: Some(era), ..McpOptions::new(url(&emu)) };
        let mcp = McpClient::connect(&agent(&emu), opts).await.unwrap();
        let (mut on_progress, rx) = common::on_first_progress();
        let call =
            tokio::spawn(
                async move { mcp.call_tool("progress", json!({"steps": 1000}), Some(&mut on_progress)).await },
            );
        rx.await.unwrap();
        assert_eq!(emu.count("mcp.disconnects"), n - 1);
        call.abort();
        assert_eq!(emu.wait_count("mcp.disconnects", n).await, n, "{era:?}: the emulator saw the connection close");
    }
    // The legacy era also tells the server, naming the request.
    let id =
        emu.requests("mcp").await.iter().rev().find(|r| r["json"]["method"] == "tools/call").unwrap()["json"]["id"]
            .clone();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while cancelled_ids(&emu).await.is_empty() {
        assert!(tokio::time::Instant::now() < deadline, "no notifications/cancelled");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(cancelled_ids(&emu).await, vec![id]);
}
