//! Interop with the official Python MCP server (PyPI mcp==2.3.0, served by uvicorn), started by
//! this test: both eras, OAuth resource server requiring `mcp:all` with RFC 8707 resource checks.
//! Needs the venv in interop/mcp-python (scripts/test.sh makes it). Without it the test is
//! skipped, unless AGENTICSTAR_REQUIRE_INTEROP=1 makes that a failure.
use crate::common;

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use agenticstar::mcp::{Content, Era, McpClient, McpOptions};
use agenticstar::{Client, ErrorKind};
use common::{Emu, c};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};

struct PyPeer {
    url: String,
    base: String,
    _child: tokio::process::Child,
    _stdout: tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
}

impl PyPeer {
    async fn log(&self) -> Vec<Value> {
        reqwest::get(format!("{}/_requests", self.base)).await.unwrap().json().await.unwrap()
    }
    async fn posted_methods(&self) -> Vec<String> {
        self.log().await.iter().filter_map(|e| e["body"]["method"].as_str().map(str::to_owned)).collect()
    }
}

fn python() -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../interop/mcp-python/.venv/bin/python");
    if p.exists() {
        return Some(p);
    }
    assert!(
        std::env::var("AGENTICSTAR_REQUIRE_INTEROP").is_err(),
        "interop/mcp-python/.venv is missing (scripts/test.sh installs mcp==2.3.0 there)"
    );
    eprintln!("skipped: interop/mcp-python/.venv is missing");
    None
}

async fn start(emu: &Emu) -> Option<PyPeer> {
    let py = python()?;
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../interop/mcp-python");
    let mut child = tokio::process::Command::new(py)
        .arg("server.py")
        .arg(port.to_string())
        .arg(&emu.url)
        .current_dir(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("python starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    loop {
        let line = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
            .await
            .expect("the MCP server is ready in time")
            .unwrap()
            .expect("the MCP server exited");
        if line.trim() == "READY" {
            break;
        }
    }
    let base = format!("http://127.0.0.1:{port}");
    Some(PyPeer { url: format!("{base}/mcp"), base, _child: child, _stdout: lines })
}

fn agent(emu: &Emu) -> Client {
    emu.builder(emu.saas(), c::SAAS_AGENT_CLIENT_ID, c::SAAS_AGENT_CLIENT_SECRET).build().unwrap()
}

#[tokio::test]
async fn current_era_tools_resources_prompts_and_progress() {
    let emu = Emu::start().await;
    let Some(peer) = start(&emu).await else { return };
    let mcp = McpClient::connect(&agent(&emu), McpOptions::new(&peer.url)).await.unwrap();
    let info = mcp.server();
    assert_eq!((info.era, info.protocol_version.as_str()), (Era::Current, "2026-07-28"));
    assert!(mcp.session_id().is_none());

    let tools = mcp.list_tools().await.unwrap();
    assert!(tools.iter().any(|t| t.name == "add"), "{tools:?}");
    let progress = Arc::new(Mutex::new(Vec::new()));
    let p2 = progress.clone();
    let mut on_progress = move |p: agenticstar::mcp::Progress| p2.lock().unwrap().push(p);
    let r = mcp.call_tool("add", json!({"a": 2, "b": 3}), Some(&mut on_progress)).await.unwrap().complete().unwrap();
    assert_eq!(r.structured_content, Some(json!({"result": 5})));
    assert!(!progress.lock().unwrap().is_empty(), "at least one progress callback");
    assert_eq!(progress.lock().unwrap()[0].message.as_deref(), Some("adding"));

    let resources = mcp.list_resources().await.unwrap();
    assert!(resources.iter().any(|r| r.uri == "greeting://hello"));
    let read = mcp.read_resource("greeting://hello").await.unwrap().complete().unwrap();
    assert_eq!(read.contents[0].text.as_deref(), Some("Hello, world"));
    let prompts = mcp.list_prompts().await.unwrap();
    assert!(prompts.iter().any(|p| p.name == "review"));
    let mut args = serde_json::Map::new();
    args.insert("code".into(), json!("x = 1"));
    let prompt = mcp.get_prompt("review", args).await.unwrap().complete().unwrap();
    assert!(matches!(&prompt.messages[0].content, Content::Text { text, .. } if text.contains("x = 1")));
    mcp.list_resource_templates().await.unwrap();

    // The server saw no initialize, and the routing headers on every POST.
    let log = peer.log().await;
    let methods: Vec<&str> = log.iter().filter_map(|e| e["body"]["method"].as_str()).collect();
    assert!(!methods.contains(&"initialize"), "{methods:?}");
    assert_eq!(methods[0], "server/discover");
    let call = log.iter().find(|e| e["body"]["method"] == "tools/call").unwrap();
    assert_eq!(call["headers"]["mcp-protocol-version"], "2026-07-28");
    assert_eq!(call["headers"]["mcp-method"], "tools/call");
    assert_eq!(call["headers"]["mcp-name"], "add");
    assert_eq!(call["body"]["params"]["_meta"]["io.modelcontextprotocol/protocolVersion"], "2026-07-28");
    assert!(call["headers"].get("mcp-session-id").is_none());
}

#[tokio::test]
async fn forced_legacy_keeps_the_session_and_reinitializes_once_after_it_is_deleted() {
    let emu = Emu::start().await;
    let Some(peer) = start(&emu).await else { return };
    let opts = McpOptions { era: Some(Era::Legacy), ..McpOptions::new(&peer.url) };
    let mcp = McpClient::connect(&agent(&emu), opts).await.unwrap();
    assert_eq!(mcp.server().era, Era::Legacy);
    let sid = mcp.session_id().expect("the server set a session id");
    let r = mcp.call_tool("add", json!({"a": 2, "b": 3}), None).await.unwrap().complete().unwrap();
    assert_eq!(r.structured_content, Some(json!({"result": 5})));
    let log = peer.log().await;
    let call = log.iter().find(|e| e["body"]["method"] == "tools/call").unwrap();
    assert_eq!(call["headers"]["mcp-session-id"], sid);
    assert_eq!(call["headers"]["mcp-protocol-version"], "2025-11-25");

    // Delete the session out of band: the next call's 404 leads to one new initialize.
    let token = mcp.rpc().tokens().get_token().await.unwrap();
    let del = reqwest::Client::new()
        .delete(&peer.url)
        .header("mcp-session-id", &sid)
        .header("mcp-protocol-version", "2025-11-25")
        .bearer_auth(token.access_token().expose())
        .send()
        .await
        .unwrap();
    assert!(del.status().is_success(), "{}", del.status());
    let r = mcp.call_tool("add", json!({"a": 1, "b": 1}), None).await.unwrap().complete().unwrap();
    assert_eq!(r.structured_content, Some(json!({"result": 2})));
    assert_ne!(mcp.session_id().unwrap(), sid);
    let inits = peer.posted_methods().await.iter().filter(|m| *m == "initialize").count();
    assert_eq!(inits, 2, "one transparent re-initialize");
    mcp.close().await.unwrap();
    assert_eq!(peer.log().await.last().unwrap()["method"], "DELETE");
}

#[tokio::test]
async fn no_token_or_bad_token_is_a_typed_unauthorized_pointing_at_the_prm_document() {
    let emu = Emu::start().await;
    let Some(peer) = start(&emu).await else { return };
    // A token for another resource is refused by validate_token_resource: renewal cannot help.
    let opts = McpOptions { resource: Some("https://elsewhere.example/mcp".into()), ..McpOptions::new(&peer.url) };
    let e = McpClient::connect(&agent(&emu), opts).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unauthorized, "{e:?}");
    assert_eq!(emu.count("saas.token"), 2, "exactly one renewal, no loop");
    let prm = e.details().unwrap()["resourceMetadata"].as_str().unwrap().to_owned();
    assert!(prm.ends_with("/.well-known/oauth-protected-resource/mcp"), "{prm}");
    let doc: Value = reqwest::get(&prm).await.unwrap().json().await.unwrap();
    assert_eq!(doc["resource"], peer.url);
    assert_eq!(doc["scopes_supported"], json!(["mcp:all"]));

    // No token at all: the raw layer without a bearer.
    let rpc = agenticstar::jsonrpc::RpcClient::new(
        &agent(&emu),
        &peer.url,
        agenticstar::jsonrpc::RpcOptions { bearer: false, ..Default::default() },
    )
    .unwrap();
    let e = rpc.call("tools/list", None, &[]).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unauthorized);
    assert!(e.details().unwrap()["resourceMetadata"].is_string());
}

#[tokio::test]
async fn a_revoked_token_is_renewed_once_and_fifty_calls_on_an_expired_token_make_one_token_request() {
    let emu = Emu::start().await;
    let Some(peer) = start(&emu).await else { return };
    let mcp = McpClient::connect(&agent(&emu), McpOptions::new(&peer.url)).await.unwrap();
    assert_eq!(emu.count("saas.token"), 1);
    let t = mcp.rpc().tokens().current().unwrap();
    emu.admin("/admin/revoke", json!({"access_token": t.access_token().expose()})).await;
    let before = peer.log().await.len();
    mcp.list_tools().await.unwrap();
    assert_eq!(emu.count("saas.token"), 2, "one refresh");
    assert_eq!(peer.log().await.len() - before, 2, "one retry");

    emu.config(json!({"token_lifetime_secs": 2})).await;
    mcp.rpc().tokens().force_refresh().await.unwrap();
    emu.config(json!({"token_lifetime_secs": 3600})).await; // the renewal is long-lived
    tokio::time::sleep(Duration::from_millis(2100)).await; // the token is now expired
    let calls = (0..50).map(|i| {
        let mcp = mcp.clone();
        async move { mcp.call_tool("add", json!({"a": i, "b": 1}), None).await }
    });
    for (i, r) in futures::future::join_all(calls).await.into_iter().enumerate() {
        let r = r.unwrap().complete().unwrap();
        assert_eq!(r.structured_content, Some(json!({"result": i + 1})));
    }
    assert_eq!(emu.count("saas.token"), 4, "50 concurrent calls, 1 token request");
}

#[tokio::test]
async fn a_server_that_accepts_only_the_newest_token_gets_one_refresh_and_one_retry() {
    let emu = Emu::start().await;
    let Some(peer) = start(&emu).await else { return };
    // The peer asks the emulator about every token, so the emulator's rule is the server's.
    emu.config(json!({"newest_token_only": true})).await;
    let mcp = McpClient::connect(&agent(&emu), McpOptions::new(&peer.url)).await.unwrap();
    let other = McpClient::connect(&agent(&emu), McpOptions::new(&peer.url)).await.unwrap();
    // The two instances take turns invalidating each other's token: each call costs exactly one
    // refresh and one retry, never a loop.
    for i in 0..3 {
        for m in [&mcp, &other] {
            let (tokens, posts) = (emu.count("saas.token"), peer.log().await.len());
            let r = m.call_tool("add", json!({"a": i, "b": 1}), None).await.unwrap().complete().unwrap();
            assert_eq!(r.structured_content, Some(json!({"result": i + 1})));
            assert_eq!((emu.count("saas.token") - tokens, peer.log().await.len() - posts), (1, 2));
        }
    }
}

#[tokio::test]
async fn cancelling_a_call_closes_its_connection() {
    let emu = Emu::start().await;
    let Some(peer) = start(&emu).await else { return };
    let mcp = McpClient::connect(&agent(&emu), McpOptions::new(&peer.url)).await.unwrap();
    let m2 = mcp.clone();
    let (mut on_progress, rx) = common::on_first_progress();
    let call = tokio::spawn(async move { m2.call_tool("slow", json!({"seconds": 30}), Some(&mut on_progress)).await });
    tokio::time::timeout(Duration::from_secs(20), rx).await.unwrap().unwrap();
    call.abort();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        if peer.log().await.iter().any(|e| e["cancelled"] == "slow") {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "the server never saw the call end");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn the_service_surface_streams_progress_then_the_result() {
    let emu = Emu::start().await;
    let Some(peer) = start(&emu).await else { return };
    let svc = agenticstar::surface::open_service(&agent(&emu), "mcp", json!({"url": peer.url})).await.unwrap();
    assert!(agenticstar::surface::SERVICE_KINDS.contains(&"mcp"));
    let tools = svc.call("list_tools", json!({})).await.unwrap();
    assert!(tools.as_array().unwrap().iter().any(|t| t["name"] == "add"));
    let mut s = svc.open("call_tool_stream", json!({"name": "add", "arguments": {"a": 2, "b": 3}}));
    let mut items = Vec::new();
    while let Some(i) = s.next().await {
        items.push(i.unwrap());
    }
    assert_eq!(items.first().unwrap()["type"], "progress");
    let last = items.last().unwrap();
    assert_eq!((&last["type"], &last["result"]["structuredContent"]), (&json!("result"), &json!({"result": 5})));
    let e = svc.call("call_tool", json!({"nope": 1})).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
    svc.close().await.unwrap();
}
