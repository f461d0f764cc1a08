//! Interop with the official TypeScript MCP SDK server (@modelcontextprotocol/sdk 1.32.2), legacy
//! era only, with its InMemoryEventStore for resumable streams; started by this test. Needs
//! `npm ci` in interop/mcp-node (scripts/test.sh does it); skipped without it unless
//! AGENTICSTAR_REQUIRE_INTEROP=1.
use crate::common;

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use agenticstar::mcp::{Era, McpClient, McpOptions};
use agenticstar::{Client, ErrorKind};
use common::{Emu, c};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};

struct NodePeer {
    url: String,
    base: String,
    retry_ms: u64,
    _child: tokio::process::Child,
    _stdout: tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
}

impl NodePeer {
    async fn log(&self) -> Vec<Value> {
        reqwest::get(format!("{}/_requests", self.base)).await.unwrap().json().await.unwrap()
    }
}

async fn start(emu: &Emu) -> Option<NodePeer> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../interop/mcp-node");
    if !dir.join("node_modules/@modelcontextprotocol/sdk").exists() {
        assert!(std::env::var("AGENTICSTAR_REQUIRE_INTEROP").is_err(), "interop/mcp-node is not installed (npm ci)");
        eprintln!("skipped: run `npm ci` in interop/mcp-node");
        return None;
    }
    let mut child = tokio::process::Command::new("node")
        .arg("server.mjs")
        .arg(&emu.url)
        .current_dir(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("node starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line()).await.expect("ready").unwrap().unwrap();
    let v: Value = serde_json::from_str(&line).unwrap();
    let url = v["url"].as_str().unwrap().to_owned();
    let base = url.trim_end_matches("/mcp").to_owned();
    Some(NodePeer { url, base, retry_ms: v["retryMs"].as_u64().unwrap(), _child: child, _stdout: lines })
}

fn agent(emu: &Emu) -> Client {
    emu.builder(emu.saas(), c::SAAS_AGENT_CLIENT_ID, c::SAAS_AGENT_CLIENT_SECRET).build().unwrap()
}

#[tokio::test]
async fn detection_falls_back_to_legacy_and_a_cut_stream_resumes_exactly_once_after_retry() {
    let emu = Emu::start().await;
    let Some(peer) = start(&emu).await else { return };
    let mcp = McpClient::connect(&agent(&emu), McpOptions::new(&peer.url)).await.unwrap();
    let info = mcp.server();
    assert_eq!((info.era, info.protocol_version.as_str()), (Era::Legacy, "2025-11-25"));
    assert_eq!(info.server_info["name"], "node-peer");
    let sid = mcp.session_id().unwrap();

    let tools = mcp.list_tools().await.unwrap();
    assert!(tools.iter().any(|t| t.name == "add"));
    let mut n = 0;
    let mut on_progress = |_p: agenticstar::mcp::Progress| n += 1;
    let r = mcp.call_tool("add", json!({"a": 2, "b": 3}), Some(&mut on_progress)).await.unwrap().complete().unwrap();
    assert_eq!((r.structured_content, n), (Some(json!({"result": 5})), 1));

    let r = mcp.call_tool("resumable", json!({}), None).await.unwrap().complete().unwrap();
    assert_eq!(r.text(), "resumed-result");
    let log = peer.log().await;
    let cut = log.iter().find_map(|e| e["cut"].as_u64()).expect("the tool cut its stream");
    let resumes: Vec<&Value> =
        log.iter().filter(|e| e["method"] == "GET" && e["headers"]["last-event-id"].is_string()).collect();
    assert_eq!(resumes.len(), 1, "exactly one resumption: {log:#?}");
    assert!(resumes[0]["t"].as_u64().unwrap() >= cut + peer.retry_ms, "resumed no earlier than retry");
    assert_eq!(resumes[0]["headers"]["mcp-session-id"], sid);

    let read = mcp.read_resource("greeting://hello").await.unwrap().complete().unwrap();
    assert_eq!(read.contents[0].text.as_deref(), Some("Hello, world"));
    let mut args = serde_json::Map::new();
    args.insert("code".into(), json!("y"));
    assert!(mcp.get_prompt("review", args).await.unwrap().complete().unwrap().messages[0].content.as_text().is_some());

    mcp.close().await.unwrap();
    let log = peer.log().await;
    let del = log.iter().rev().find(|e| e["method"] == "DELETE").expect("close sent DELETE");
    assert_eq!(del["headers"]["mcp-session-id"], sid);
    let methods: Vec<&str> = log.iter().filter_map(|e| e["body"]["method"].as_str()).collect();
    assert_eq!(&methods[..3], &["server/discover", "initialize", "notifications/initialized"]);
}

#[tokio::test]
async fn dropping_a_legacy_call_sends_notifications_cancelled_and_unauthorized_is_typed() {
    let emu = Emu::start().await;
    let Some(peer) = start(&emu).await else { return };
    let opts = McpOptions { resource: Some("https://elsewhere.example/mcp".into()), ..McpOptions::new(&peer.url) };
    let e = McpClient::connect(&agent(&emu), opts).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unauthorized);
    assert!(
        e.details().unwrap()["resourceMetadata"]
            .as_str()
            .unwrap()
            .ends_with("/.well-known/oauth-protected-resource/mcp")
    );

    let mcp = McpClient::connect(&agent(&emu), McpOptions::new(&peer.url)).await.unwrap();
    let m2 = mcp.clone();
    let call = tokio::spawn(async move { m2.call_tool("resumable", json!({}), None).await });
    // Drop it while it waits to resume.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !peer.log().await.iter().any(|e| e["cut"].is_u64()) {
        assert!(tokio::time::Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    call.abort();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let log = peer.log().await;
        if let Some(c) = log.iter().find(|e| e["body"]["method"] == "notifications/cancelled") {
            assert!(c["body"]["params"]["requestId"].is_number());
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "no notifications/cancelled: {log:#?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
