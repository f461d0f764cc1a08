//! The JSON-RPC-over-HTTP layer against a JSON-RPC peer on loopback whose bearer check asks the
//! emulator (real tokens: expiry, revocation, resource), so renewals are the real ones.
use crate::common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use agenticstar::jsonrpc::{AnswerBody, Message, Recorder, RpcClient, RpcOptions};
use agenticstar::{Client, ErrorKind, HttpConfig};
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use common::{Emu, c};
use serde_json::{Value, json};

#[derive(Default)]
struct Peer {
    emu: String,
    base: std::sync::OnceLock<String>,
    posts: AtomicU64,
    notifications: AtomicU64,
    disconnects: AtomicU64,
    reject_all: std::sync::atomic::AtomicBool,
}

struct OnDrop(Arc<Peer>);
impl Drop for OnDrop {
    fn drop(&mut self) {
        self.0.disconnects.fetch_add(1, Ordering::SeqCst);
    }
}

fn sse(parts: Vec<String>, peer: Arc<Peer>, then_hang: bool) -> Response {
    let guard = OnDrop(peer);
    let items = futures::stream::iter(parts.into_iter().map(|p| Ok::<_, std::io::Error>(Bytes::from(p))));
    let tail = futures::stream::unfold((then_hang, guard), |(hang, g)| async move {
        if hang {
            futures::future::pending::<()>().await;
        }
        drop(g);
        None::<(Result<Bytes, std::io::Error>, (bool, OnDrop))>
    });
    let body = Body::from_stream(futures::StreamExt::chain(items, tail));
    ([("content-type", "text/event-stream")], body).into_response()
}

async fn rpc(State(peer): State<Arc<Peer>>, headers: HeaderMap, body: Bytes) -> Response {
    peer.posts.fetch_add(1, Ordering::SeqCst);
    let base = peer.base.get().unwrap().clone();
    let challenge = format!(
        r#"Bearer error="invalid_token", error_description="token not active", resource_metadata="{base}/.well-known/oauth-protected-resource/rpc", scope="mcp:all""#
    );
    let unauthorized = || (StatusCode::UNAUTHORIZED, [("www-authenticate", challenge.clone())], "").into_response();
    let Some(auth) = headers.get("authorization").and_then(|v| v.to_str().ok()) else { return unauthorized() };
    let me = reqwest::Client::new().get(format!("{}/v1/me", peer.emu)).header("authorization", auth).send().await;
    let me: Value = match me {
        Ok(r) if r.status().is_success() => r.json().await.unwrap(),
        _ => return unauthorized(),
    };
    if peer.reject_all.load(Ordering::SeqCst) {
        return unauthorized();
    }
    let msg: Value = serde_json::from_slice(&body).unwrap();
    let Some(id) = msg.get("id").cloned() else {
        peer.notifications.fetch_add(1, Ordering::SeqCst);
        return StatusCode::ACCEPTED.into_response();
    };
    let method = msg["method"].as_str().unwrap_or("").to_owned();
    let ok = |result: Value| axum::Json(json!({"jsonrpc": "2.0", "id": id, "result": result})).into_response();
    match method.as_str() {
        "echo" => ok(json!({
            "params": msg["params"],
            "custom": headers.get("x-custom").and_then(|v| v.to_str().ok()),
            "fixed": headers.get("a2a-version").and_then(|v| v.to_str().ok()),
            "resource": me.get("resource"),
        })),
        "stream" => {
            let note = json!({"jsonrpc":"2.0","method":"notifications/progress","params":{"progress":1}});
            let resp = json!({"jsonrpc":"2.0","id":id,"result":{"done":true}});
            sse(
                vec![
                    "id: ev-1\nretry: 1500\ndata:\n\n".into(),
                    format!(": keep-alive\n\nevent: message\ndata: {note}\n\n"),
                    format!("id: ev-2\ndata: {resp}\n\n"),
                ],
                peer.clone(),
                false,
            )
        }
        "error" => {
            axum::Json(json!({"jsonrpc":"2.0","id":id,"error":{"code":-32602,"message":"bad params","data":{"why":1}}}))
                .into_response()
        }
        "error400" => (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"jsonrpc":"2.0","id":null,"error":{"code":-32020,"message":"missing header"}})),
        )
            .into_response(),
        "scope" => (
            StatusCode::FORBIDDEN,
            [("www-authenticate", r#"Bearer error="insufficient_scope", scope="mcp:admin""#)],
            "",
        )
            .into_response(),
        "huge_line" => sse(vec![format!("data: {}\n\n", "x".repeat(4096))], peer.clone(), true),
        "silent" => sse(vec![], peer.clone(), true),
        "cut" => sse(vec!["id: ev-9\nretry: 10\ndata:\n\n".into()], peer.clone(), false),
        "html" => ([("content-type", "text/html")], "<html>").into_response(),
        _ => axum::Json(json!({"jsonrpc":"2.0","id":id,"error":{"code":-32601,"message":"Method not found"}}))
            .into_response(),
    }
}

async fn start_peer(emu: &Emu) -> (Arc<Peer>, String) {
    let peer = Arc::new(Peer { emu: emu.url.clone(), ..Default::default() });
    let app = axum::Router::new().route("/rpc", axum::routing::post(rpc)).with_state(peer.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    peer.base.set(base.clone()).unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (peer, format!("{base}/rpc"))
}

fn agent_client(emu: &Emu, http: HttpConfig) -> Client {
    emu.builder(emu.saas(), c::SAAS_AGENT_CLIENT_ID, c::SAAS_AGENT_CLIENT_SECRET).http_config(http).build().unwrap()
}

fn mcp_opts() -> RpcOptions {
    RpcOptions { scopes: vec!["mcp:all".into()], ..Default::default() }
}

#[tokio::test]
async fn json_answers_correlate_ids_and_carry_headers() {
    let emu = Emu::start().await;
    let (_peer, url) = start_peer(&emu).await;
    let opts = RpcOptions { headers: vec![("A2A-Version".into(), "1.0".into())], ..mcp_opts() };
    let rpc = RpcClient::new(&agent_client(&emu, HttpConfig::default()), &url, opts).unwrap();
    let r = rpc.call("echo", Some(json!({"a": 1})), &[("X-Custom".into(), "yes".into())]).await.unwrap();
    assert_eq!(r["params"], json!({"a": 1}));
    assert_eq!(r["custom"], "yes");
    assert_eq!(r["fixed"], "1.0");
    assert_eq!(rpc.next_id(), json!(2), "ids count up per client");
    let bad = rpc.call("echo", None, &[("bad header".into(), "x".into())]).await.unwrap_err();
    assert_eq!(bad.kind(), ErrorKind::Config);
}

#[tokio::test]
async fn sse_answers_deliver_notifications_then_the_response_and_keep_id_and_retry() {
    let emu = Emu::start().await;
    let (_peer, url) = start_peer(&emu).await;
    let rpc = RpcClient::new(&agent_client(&emu, HttpConfig::default()), &url, mcp_opts()).unwrap();
    let mut seen = Vec::new();
    let r = rpc.call_with("stream", None, &[], |m| seen.push(m.clone())).await.unwrap();
    assert_eq!(r, json!({"done": true}));
    assert!(matches!(&seen[..], [Message::Notification { method, .. }] if method == "notifications/progress"));

    let id = rpc.next_id();
    let answer = rpc.post(&agenticstar::jsonrpc::request(&id, "stream", None), &[]).await.unwrap();
    let AnswerBody::Stream(mut s) = answer.body else { panic!("expected a stream") };
    let first = s.next().await.unwrap().unwrap();
    assert_eq!((first.id.as_deref(), first.message.is_none()), (Some("ev-1"), true), "priming event kept");
    assert_eq!(s.last_event_id(), Some("ev-1"));
    assert_eq!(s.retry(), Some(Duration::from_millis(1500)));
    let m = s.response_for(&id, |_| {}).await.unwrap().unwrap();
    assert_eq!(m.into_result(None).unwrap(), json!({"done": true}));
    assert_eq!(s.last_event_id(), Some("ev-2"));
    assert!(s.next().await.is_none());

    // A stream that ends before the response: the layer says so; the id and retry stay readable.
    let id = rpc.next_id();
    let AnswerBody::Stream(mut s) = rpc.post(&agenticstar::jsonrpc::request(&id, "cut", None), &[]).await.unwrap().body
    else {
        panic!()
    };
    assert!(s.response_for(&id, |_| {}).await.unwrap().is_none());
    assert_eq!((s.last_event_id(), s.retry()), (Some("ev-9"), Some(Duration::from_millis(10))));
    let e = rpc.call("cut", None, &[]).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::StreamTruncated);
}

#[tokio::test]
async fn notifications_get_202_and_no_answer() {
    let emu = Emu::start().await;
    let (peer, url) = start_peer(&emu).await;
    let rpc = RpcClient::new(&agent_client(&emu, HttpConfig::default()), &url, mcp_opts()).unwrap();
    rpc.notify("notifications/initialized", None, &[]).await.unwrap();
    assert_eq!(peer.notifications.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn jsonrpc_errors_are_typed_with_code_message_and_data() {
    let emu = Emu::start().await;
    let (_peer, url) = start_peer(&emu).await;
    let rpc = RpcClient::new(&agent_client(&emu, HttpConfig::default()), &url, mcp_opts()).unwrap();
    let e = rpc.call("error", None, &[]).await.unwrap_err();
    assert_eq!((e.kind(), e.code()), (ErrorKind::JsonRpc, Some("-32602")));
    assert_eq!(e.details().unwrap(), &json!({"code": -32602, "message": "bad params", "data": {"why": 1}}));
    let e = rpc.call("error400", None, &[]).await.unwrap_err();
    assert_eq!((e.kind(), e.code(), e.status()), (ErrorKind::JsonRpc, Some("-32020"), Some(400)));
    let e = rpc.call("html", None, &[]).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnexpectedResponse);
}

#[tokio::test]
async fn a_revoked_token_is_renewed_once_and_the_call_retried() {
    let emu = Emu::start().await;
    let (peer, url) = start_peer(&emu).await;
    let client = agent_client(&emu, HttpConfig::default());
    let rpc = RpcClient::new(&client, &url, mcp_opts()).unwrap();
    rpc.call("echo", None, &[]).await.unwrap();
    let old = rpc.tokens().current().unwrap();
    emu.admin("/admin/revoke", json!({"access_token": old.access_token().expose()})).await;
    rpc.call("echo", None, &[]).await.unwrap();
    assert_eq!(emu.count("saas.token"), 2, "one renewal");
    assert_eq!(peer.posts.load(Ordering::SeqCst), 3, "one retry");
    assert!(!rpc.tokens().current().unwrap().access_token().expose().eq(old.access_token().expose()));
}

#[tokio::test]
async fn fifty_concurrent_calls_on_a_rejected_token_make_one_token_request() {
    let emu = Emu::start().await;
    let (_peer, url) = start_peer(&emu).await;
    let rpc = RpcClient::new(&agent_client(&emu, HttpConfig::default()), &url, mcp_opts()).unwrap();
    let t = rpc.tokens().get_token().await.unwrap();
    emu.admin("/admin/revoke", json!({"access_token": t.access_token().expose()})).await;
    let calls = (0..50).map(|i| {
        let rpc = rpc.clone();
        async move { rpc.call("echo", Some(json!({"i": i})), &[]).await }
    });
    for r in futures::future::join_all(calls).await {
        r.unwrap();
    }
    assert_eq!(emu.count("saas.token"), 2, "the first token and exactly one renewal");
}

#[tokio::test]
async fn a_second_401_is_a_typed_unauthorized_with_the_challenge_and_no_loop() {
    let emu = Emu::start().await;
    let (peer, url) = start_peer(&emu).await;
    peer.reject_all.store(true, Ordering::SeqCst);
    let rpc = RpcClient::new(&agent_client(&emu, HttpConfig::default()), &url, mcp_opts()).unwrap();
    let e = rpc.call("echo", None, &[]).await.unwrap_err();
    assert_eq!((e.kind(), e.status(), e.code()), (ErrorKind::Unauthorized, Some(401), Some("invalid_token")));
    let d = e.details().unwrap();
    assert!(d["resourceMetadata"].as_str().unwrap().ends_with("/.well-known/oauth-protected-resource/rpc"));
    assert_eq!(d["scope"], "mcp:all");
    assert_eq!((emu.count("saas.token"), peer.posts.load(Ordering::SeqCst)), (2, 2));

    // Without a token at all.
    let anon = RpcClient::new(
        &agent_client(&emu, HttpConfig::default()),
        &url,
        RpcOptions { bearer: false, ..Default::default() },
    )
    .unwrap();
    let e = anon.call("echo", None, &[]).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unauthorized);
    assert_eq!(e.details().unwrap()["scope"], "mcp:all");
}

#[tokio::test]
async fn insufficient_scope_before_sending_and_from_the_server() {
    let emu = Emu::start().await;
    let (peer, url) = start_peer(&emu).await;
    // saas-cc-client's token has `openid chat:all`: refused before any request reaches the peer.
    let rpc = RpcClient::new(&emu.saas_cc(), &url, mcp_opts()).unwrap();
    let e = rpc.call("echo", None, &[]).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InsufficientScope);
    assert_eq!(peer.posts.load(Ordering::SeqCst), 0);

    let rpc = RpcClient::new(&agent_client(&emu, HttpConfig::default()), &url, mcp_opts()).unwrap();
    let e = rpc.call("scope", None, &[]).await.unwrap_err();
    assert_eq!((e.kind(), e.status()), (ErrorKind::InsufficientScope, Some(403)));
    let d = e.details().unwrap();
    assert_eq!(d["scope"], "mcp:admin");
    assert_eq!(d["requiredScopes"], json!(["openid", "mcp:all", "a2a:all", "mcp:admin"]));
    assert!(e.message().contains("mcp:admin"));
}

#[tokio::test]
async fn the_resource_is_part_of_the_token_key_and_sent_on_every_token_request() {
    let emu = Emu::start().await;
    let (_peer, url) = start_peer(&emu).await;
    let client = agent_client(&emu, HttpConfig::default());
    let opts = RpcOptions { resource: Some(url.clone()), ..mcp_opts() };
    let rpc = RpcClient::new(&client, &url, opts.clone()).unwrap();
    let r = rpc.call("echo", None, &[]).await.unwrap();
    assert_eq!(r["resource"], url, "the token was issued for the resource");
    assert!(rpc.tokens().store_key().ends_with(&format!("#resource={url}")));
    assert!(client.tokens().current().is_none(), "the client's own token is another one");
    // Same audience, same manager: no second token request.
    let again = RpcClient::new(&client, &url, opts).unwrap();
    again.call("echo", None, &[]).await.unwrap();
    assert_eq!(emu.count("saas.token"), 1);
    // Renewal after a 401 asks for the same resource.
    let t = rpc.tokens().current().unwrap();
    emu.admin("/admin/revoke", json!({"access_token": t.access_token().expose()})).await;
    let r = rpc.call("echo", None, &[]).await.unwrap();
    assert_eq!(r["resource"], url);
    let forms: Vec<Value> =
        emu.requests("saas.token").await.into_iter().map(|r| r["form"]["resource"].clone()).collect();
    assert_eq!(forms, vec![json!(url), json!(url)]);
}

#[tokio::test]
async fn stream_limits_and_idle_timeout_apply_and_dropping_closes_the_connection() {
    let emu = Emu::start().await;
    let (peer, url) = start_peer(&emu).await;
    let client = emu
        .builder(emu.saas(), c::SAAS_AGENT_CLIENT_ID, c::SAAS_AGENT_CLIENT_SECRET)
        .http_config(common::idle(300))
        .stream_limits(1024, 1024)
        .build()
        .unwrap();
    let rpc = RpcClient::new(&client, &url, mcp_opts()).unwrap();
    let e = rpc.call("huge_line", None, &[]).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::StreamTooLarge);
    let e = rpc.call("silent", None, &[]).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);

    let before = peer.disconnects.load(Ordering::SeqCst);
    let slow = RpcClient::new(&agent_client(&emu, HttpConfig::default()), &url, mcp_opts()).unwrap();
    let call = tokio::spawn(async move { slow.call("silent", None, &[]).await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    call.abort();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while peer.disconnects.load(Ordering::SeqCst) == before && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(peer.disconnects.load(Ordering::SeqCst) > before, "the server saw the connection close");
}

#[tokio::test]
async fn the_recorder_keeps_messages_without_secrets() {
    let emu = Emu::start().await;
    let (_peer, url) = start_peer(&emu).await;
    let rpc = RpcClient::new(&agent_client(&emu, HttpConfig::default()), &url, mcp_opts()).unwrap();
    let rec = Recorder::new();
    rpc.set_recorder(Some(rec.clone()));
    rpc.call("stream", None, &[("Mcp-Session-Id".into(), "secret-session".into())]).await.unwrap();
    let entries = rec.entries();
    let text = serde_json::to_string(&entries).unwrap();
    assert!(!text.contains("secret-session") && !text.contains("Bearer"));
    assert_eq!(entries[0]["message"]["method"], "stream");
    assert_eq!(entries[0]["headers"]["mcp-session-id"], "*");
    let methods: Vec<&str> = entries.iter().filter_map(|e| e["message"]["method"].as_str()).collect();
    assert_eq!(methods, vec!["stream", "notifications/progress"]);
    assert_eq!(entries.last().unwrap()["message"]["result"], json!({"done": true}));
}

#[tokio::test]
async fn a_user_sessions_rotating_refresh_token_is_shared_by_resource_tokens() {
    use agenticstar::authcode::AuthorizeOptions;
    let emu = Emu::start().await;
    let (_peer, url) = start_peer(&emu).await;
    let client = emu
        .builder(emu.saas(), c::SAAS_APP_CLIENT_ID, c::SAAS_APP_CLIENT_SECRET)
        .flow(agenticstar::AuthFlow::AuthorizationCode)
        .build()
        .unwrap();
    let req =
        client.authorize_url(&AuthorizeOptions::new("http://127.0.0.1:7777/cb").scope("openid mcp:all")).await.unwrap();
    client.complete_authorization(&req, &emu.approve(&req.url).await).await.unwrap();
    let rt0 = client.tokens().current().unwrap().refresh_token().unwrap().expose().to_owned();

    // The resource's token comes from the user's refresh token, with the resource.
    let rpc = RpcClient::new(&client, &url, RpcOptions { resource: Some(url.clone()), ..mcp_opts() }).unwrap();
    let r = rpc.call("echo", None, &[]).await.unwrap();
    assert_eq!(r["resource"], url);
    let forms = emu.requests("saas.token").await;
    assert_eq!(
        (forms[1]["form"]["grant_type"].as_str(), forms[1]["form"]["resource"].as_str()),
        (Some("refresh_token"), Some(url.as_str()))
    );
    assert_eq!(forms[1]["form"]["refresh_token"], rt0);
    // The emulator rotated it: the session keeps the new one, so its own renewal still works.
    let rt1 = client.tokens().current().unwrap().refresh_token().unwrap().expose().to_owned();
    assert_ne!(rt0, rt1);
    client.tokens().force_refresh().await.unwrap();
    // And the resource token's next renewal uses the newest one again, with the resource.
    rpc.tokens().force_refresh().await.unwrap();
    let forms = emu.requests("saas.token").await;
    assert_eq!(forms.len(), 4);
    assert_eq!(forms[3]["form"]["resource"], json!(url));
    assert_ne!(forms[3]["form"]["refresh_token"], json!(rt1), "the rotated token from the session's own renewal");
}
