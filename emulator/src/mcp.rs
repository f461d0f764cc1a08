//! An MCP server (Streamable HTTP) on `/mcp` behind `mcp:all`, speaking both eras: revision
//! 2026-07-28 (stateless, `_meta` + routing headers, `server/discover`, `input_required`,
//! `subscriptions/listen`) when `MCP-Protocol-Version` names it, the 2025 handshake era
//! (`initialize`, `Mcp-Session-Id`, 404 for unknown sessions, GET streams with `Last-Event-ID`
//! replay, DELETE) otherwise. The RFC 9728 metadata is at
//! `/.well-known/oauth-protected-resource/mcp`; a token asked for another RFC 8707 resource is
//! refused.
//!
//! Tools: `echo {text}`, `add {a, b}` (structured `{result}`), `progress {steps}` (one
//! `notifications/progress` per step, `mcp_step_delay_ms` apart), `resumable {}` (legacy: the
//! POST stream is cut after a priming event with `retry: 300`; the result waits for GET +
//! `Last-Event-ID`), `confirm {}` (current: `input_required` with an elicitation until answered).

use std::collections::{HashMap, VecDeque};
use std::io;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::{Value, json};

use crate::faults::StreamFault;
use crate::http::{BodyKind, Incoming, json_reply};
use crate::state::{Ctx, DisconnectGuard, random_hex};

type Reply = Result<Response, Response>;

const CURRENT: &str = "2026-07-28";
const LEGACY: [&str; 3] = ["2025-11-25", "2025-06-18", "2025-03-26"];
const SCOPE: &str = "mcp:all";
const RETRY_MS: u64 = 300;

/// Legacy sessions: id → negotiated version and events kept for `Last-Event-ID` replay.
#[derive(Default)]
pub struct Sessions {
    map: HashMap<String, Session>,
}

struct Session {
    version: String,
    /// (event id, data) in order.
    events: Vec<(String, String)>,
    next_event: u64,
}

fn url(ctx: &Ctx) -> String {
    format!("{}/mcp", ctx.base)
}

fn prm_url(ctx: &Ctx) -> String {
    format!("{}/.well-known/oauth-protected-resource/mcp", ctx.base)
}

pub async fn prm(State(ctx): State<Ctx>, req: Incoming) -> Reply {
    ctx.arrive("mcp.prm", &req, BodyKind::None).await?;
    Ok(json_reply(
        StatusCode::OK,
        json!({
            "resource": url(&ctx),
            "authorization_servers": [format!("{}/federation/auth/v1", ctx.base)],
            "scopes_supported": [SCOPE],
            "bearer_methods_supported": ["header"],
        }),
    ))
}

fn challenge(ctx: &Ctx, status: StatusCode, error: &str) -> Response {
    let h = format!(r#"Bearer error="{error}", resource_metadata="{}", scope="{SCOPE}""#, prm_url(ctx));
    let mut r = json_reply(status, json!({"error": error}));
    r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_str(&h).unwrap());
    r
}

fn authorize(ctx: &Ctx, req: &Incoming) -> Result<(), Response> {
    let issued = ctx.with(|s| req.bearer().and_then(|t| s.active_token(t)).cloned());
    let Some(who) = issued else { return Err(challenge(ctx, StatusCode::UNAUTHORIZED, "invalid_token")) };
    if who.resource.as_deref().is_some_and(|r| r.trim_end_matches('/') != url(ctx)) {
        return Err(challenge(ctx, StatusCode::UNAUTHORIZED, "invalid_token"));
    }
    if !who.scope.split(' ').any(|s| s == SCOPE) {
        return Err(challenge(ctx, StatusCode::FORBIDDEN, "insufficient_scope"));
    }
    Ok(())
}

fn result(id: &Value, r: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "result": r})
}

fn error(id: &Value, code: i64, message: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
}

fn rpc_reply(status: StatusCode, body: Value) -> Response {
    json_reply(status, body)
}

fn header<'a>(req: &'a Incoming, name: &str) -> Option<&'a str> {
    req.headers.get(name).and_then(|v| v.to_str().ok())
}

fn decode_header(v: &str) -> Option<String> {
    match v.strip_prefix("=?base64?").and_then(|r| r.strip_suffix("?=")) {
        Some(b) => base64::engine::general_purpose::STANDARD.decode(b).ok().and_then(|d| String::from_utf8(d).ok()),
        None => Some(v.to_owned()),
    }
}

/// An SSE body from frames sent `delay` apart (the first at once).
fn sse(frames: Vec<String>, delay: Duration, ctx: &Ctx) -> Response {
    let mut steps = Vec::new();
    for (i, f) in frames.into_iter().enumerate() {
        if i > 0 && !delay.is_zero() {
            steps.push(Step::Pause(delay));
        }
        steps.push(Step::Send(Bytes::from(f)));
    }
    play(steps, ctx)
}

enum Step {
    Send(Bytes),
    Pause(Duration),
    /// Stay open, silent, until shutdown.
    Hang,
    /// Break the connection off.
    Abort,
}

/// An SSE answer played step by step.
fn play(steps: Vec<Step>, ctx: &Ctx) -> Response {
    let shutdown = ctx.shutdown.clone();
    let guard = DisconnectGuard::new(ctx.clone(), "mcp.disconnects");
    let stream = futures::stream::unfold((VecDeque::from(steps), guard), move |(mut q, mut guard)| {
        let shutdown = shutdown.clone();
        async move {
            loop {
                let Some(step) = q.pop_front() else {
                    guard.finish();
                    return None;
                };
                match step {
                    Step::Send(b) => return Some((Ok::<_, io::Error>(b), (q, guard))),
                    Step::Pause(d) => {
                        if shutdown.run_until_cancelled(tokio::time::sleep(d)).await.is_none() {
                            guard.finish();
                            return None;
                        }
                    }
                    Step::Hang => {
                        shutdown.cancelled().await;
                        guard.finish();
                        return None;
                    }
                    Step::Abort => {
                        guard.finish();
                        q.clear();
                        return Some((Err(io::Error::other("fault: disconnect")), (q, guard)));
                    }
                }
            }
        }
    });
    sse_response(Body::from_stream(stream))
}

/// A queued `stream` fault: the POST's answer is an event stream that misbehaves at once. The
/// oversized ones then stay open, so only the client leaving ends them (`mcp.disconnects`).
fn faulted(kind: StreamFault, ctx: &Ctx) -> Response {
    let xs = || Step::Send(Bytes::from_static(&crate::chat::XS));
    let data = || Step::Send(Bytes::from_static(b"data: "));
    let mut steps: Vec<Step> = match kind {
        // 16 MiB of `data: xxx…` without a newline.
        StreamFault::HugeLine => std::iter::once(data()).chain((0..256).map(|_| xs())).collect(),
        // One 10 MiB event over 16 KiB lines.
        StreamFault::HugeEvent => (0..640)
            .map(|_| Step::Send(Bytes::from([b"data: ".as_slice(), &crate::chat::XS[..16 * 1024], b"\n"].concat())))
            .collect(),
        // Let hyper flush the head before the body fails.
        StreamFault::Disconnect => vec![Step::Pause(Duration::from_millis(20)), Step::Abort],
        _ => Vec::new(),
    };
    if kind != StreamFault::Disconnect {
        steps.push(Step::Hang);
    }
    play(steps, ctx)
}

fn sse_response(body: Body) -> Response {
    let mut r = Response::new(body);
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    r
}

fn frame(msg: &Value) -> String {
    format!("event: message\ndata: {msg}\n\n")
}

fn tools() -> Value {
    json!([
        {"name": "echo", "description": "Echo the text back",
         "inputSchema": {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]}},
        {"name": "add", "description": "Add two integers",
         "inputSchema": {"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}, "required": ["a", "b"]},
         "outputSchema": {"type": "object", "properties": {"result": {"type": "integer"}}}},
        {"name": "progress", "description": "Report progress `steps` times, then finish",
         "inputSchema": {"type": "object", "properties": {"steps": {"type": "integer"}}}},
        {"name": "resumable", "description": "Legacy era: the answer arrives after the stream is resumed",
         "inputSchema": {"type": "object", "properties": {}}},
        {"name": "confirm", "description": "Asks for confirmation first (input_required, revision 2026-07-28)",
         "inputSchema": {"type": "object", "properties": {}}},
    ])
}

fn text(t: &str) -> Value {
    json!({"content": [{"type": "text", "text": t}]})
}

/// What a request does: an answer now, progress then an answer, or (legacy) a cut stream.
enum Plan {
    Now(Value),
    Progress { steps: u64, token: Option<Value>, then: Value },
    Resumable(Value),
}

fn plan(method: &str, params: &Value, current: bool) -> Result<Plan, (i64, String)> {
    let args = params.get("arguments").cloned().unwrap_or(json!({}));
    let now = |v: Value| Ok(Plan::Now(v));
    match method {
        "ping" => now(json!({})),
        "tools/list" => now(json!({"tools": tools()})),
        "tools/call" => match params.get("name").and_then(Value::as_str).unwrap_or("") {
            "echo" => {
                let t = args.get("text").and_then(Value::as_str).unwrap_or("").to_owned();
                let mut r = text(&t);
                r["structuredContent"] = json!({"text": t});
                now(r)
            }
            "add" => {
                let (a, b) = (args["a"].as_i64().unwrap_or(0), args["b"].as_i64().unwrap_or(0));
                let mut r = text(&(a + b).to_string());
                r["structuredContent"] = json!({"result": a + b});
                now(r)
            }
            "progress" => Ok(Plan::Progress {
                steps: args.get("steps").and_then(Value::as_u64).unwrap_or(3).min(1000),
                token: params.pointer("/_meta/progressToken").cloned(),
                then: text("done"),
            }),
            "resumable" if !current => Ok(Plan::Resumable(text("resumed"))),
            "resumable" => now(text("resumed")),
            "confirm" if current => {
                let answer = params.pointer("/inputResponses/confirm/action").and_then(Value::as_str);
                match answer {
                    Some("accept") if params.get("requestState").and_then(Value::as_str) == Some("confirm-1") => {
                        now(text("confirmed"))
                    }
                    Some(_) => now(text("declined")),
                    None => now(json!({
                        "resultType": "input_required",
                        "inputRequests": {"confirm": {"method": "elicitation/create", "params": {
                            "message": "Proceed?", "requestedSchema": {"type": "object", "properties": {}}}}},
                        "requestState": "confirm-1",
                    })),
                }
            }
            "confirm" => now(text("confirmed")),
            other => Err((-32602, format!("Unknown tool: {other}"))),
        },
        "resources/list" => now(json!({"resources": [
            {"uri": "emulator://readme", "name": "readme", "mimeType": "text/plain"}]})),
        "resources/templates/list" => now(json!({"resourceTemplates": [
            {"uriTemplate": "emulator://echo/{text}", "name": "echo"}]})),
        "resources/read" => {
            let uri = params.get("uri").and_then(Value::as_str).unwrap_or("");
            let t = match uri {
                "emulator://readme" => "The agenticstar emulator's MCP endpoint.".to_owned(),
                u if u.starts_with("emulator://echo/") => u["emulator://echo/".len()..].to_owned(),
                _ => return Err((-32002, format!("Resource not found: {uri}"))),
            };
            now(json!({"contents": [{"uri": uri, "mimeType": "text/plain", "text": t}]}))
        }
        "prompts/list" => now(json!({"prompts": [
            {"name": "greet", "description": "Greet someone", "arguments": [{"name": "name", "required": true}]}]})),
        "prompts/get" => {
            let name = params.pointer("/arguments/name").and_then(Value::as_str).unwrap_or("you");
            now(json!({"messages": [{"role": "user", "content": {"type": "text", "text": format!("Hello, {name}!")}}]}))
        }
        "completion/complete" => {
            let v = params.pointer("/argument/value").and_then(Value::as_str).unwrap_or("");
            let values: Vec<&str> = ["Alice", "Bob", "Carol"].into_iter().filter(|n| n.starts_with(v)).collect();
            now(json!({"completion": {"values": values, "total": values.len(), "hasMore": false}}))
        }
        "logging/setLevel" if !current => now(json!({})),
        _ => Err((-32601, format!("Method not found: {method}"))),
    }
}

fn capabilities() -> Value {
    json!({"tools": {"listChanged": true}, "resources": {"listChanged": true}, "prompts": {"listChanged": true}, "completions": {}})
}

pub async fn rpc(State(ctx): State<Ctx>, req: Incoming) -> Reply {
    let kind = if req.method == axum::http::Method::POST { BodyKind::Json } else { BodyKind::None };
    let fault = ctx.arrive("mcp", &req, kind).await?;
    authorize(&ctx, &req)?;
    if let (Some(stream), "POST") = (fault.and_then(|f| f.stream), req.method.as_str()) {
        return Ok(faulted(stream, &ctx));
    }
    let version_header = header(&req, "mcp-protocol-version").map(str::to_owned);
    let current = version_header.as_deref().is_some_and(|v| !LEGACY.contains(&v));
    match req.method.as_str() {
        "GET" if current => Ok(StatusCode::METHOD_NOT_ALLOWED.into_response()),
        "GET" => legacy_get(&ctx, &req),
        "DELETE" if current => Ok(StatusCode::METHOD_NOT_ALLOWED.into_response()),
        "DELETE" => {
            let sid = header(&req, "mcp-session-id").unwrap_or("");
            let gone = ctx.with(|s| s.mcp.map.remove(sid).is_some());
            Ok(if gone { StatusCode::OK } else { StatusCode::NOT_FOUND }.into_response())
        }
        "POST" => {
            let Some(msg) = req.json() else {
                return Ok(rpc_reply(StatusCode::BAD_REQUEST, error(&Value::Null, -32700, "Parse error")));
            };
            if current {
                current_post(&ctx, &req, msg, version_header.as_deref().unwrap_or(""))
            } else {
                legacy_post(&ctx, &req, msg)
            }
        }
        _ => Ok(StatusCode::METHOD_NOT_ALLOWED.into_response()),
    }
}

fn current_post(ctx: &Ctx, req: &Incoming, msg: Value, version: &str) -> Reply {
    let Some(id) = msg.get("id").cloned() else { return Ok(StatusCode::ACCEPTED.into_response()) };
    let method = msg["method"].as_str().unwrap_or("").to_owned();
    let params = msg.get("params").cloned().unwrap_or(json!({}));
    let meta = params.get("_meta");
    let body_version = meta.and_then(|m| m.get("io.modelcontextprotocol/protocolVersion")).and_then(Value::as_str);
    if meta.and_then(|m| m.get("io.modelcontextprotocol/clientCapabilities")).is_none() || body_version.is_none() {
        return Ok(rpc_reply(StatusCode::BAD_REQUEST, error(&id, -32602, "params._meta lacks the protocol envelope")));
    }
    let name_key = match method.as_str() {
        "tools/call" | "prompts/get" => Some("name"),
        "resources/read" => Some("uri"),
        _ => None,
    };
    let name_ok = name_key.is_none_or(|k| {
        params.get(k).and_then(Value::as_str) == header(req, "mcp-name").and_then(decode_header).as_deref()
    });
    if body_version != Some(version) || header(req, "mcp-method") != Some(method.as_str()) || !name_ok {
        return Ok(rpc_reply(StatusCode::BAD_REQUEST, error(&id, -32020, "routing headers do not match the request")));
    }
    if version != CURRENT {
        let mut e = error(&id, -32022, "Unsupported protocol version");
        e["error"]["data"] = json!({"supported": [CURRENT], "requested": version});
        return Ok(rpc_reply(StatusCode::BAD_REQUEST, e));
    }
    match method.as_str() {
        "server/discover" => {
            return Ok(rpc_reply(
                StatusCode::OK,
                result(
                    &id,
                    json!({
                        "supportedVersions": [CURRENT],
                        "capabilities": capabilities(),
                        "instructions": "The agenticstar emulator's MCP endpoint.",
                        "resultType": "complete",
                        "_meta": {"io.modelcontextprotocol/serverInfo": {"name": "agenticstar-emulator", "version": env!("CARGO_PKG_VERSION")}},
                    }),
                ),
            ));
        }
        "subscriptions/listen" => {
            let ack = json!({"jsonrpc": "2.0", "method": "notifications/subscriptions/acknowledged",
                             "params": {"notifications": params.get("notifications").cloned().unwrap_or(json!({}))}});
            let shutdown = ctx.shutdown.clone();
            let first = futures::stream::once(async move { Ok::<_, io::Error>(Bytes::from(frame(&ack))) });
            let rest = futures::stream::once(async move {
                shutdown.cancelled().await;
                Err::<Bytes, _>(io::Error::other("shutdown"))
            });
            return Ok(sse_response(Body::from_stream(futures::StreamExt::chain(first, rest))));
        }
        _ => {}
    }
    answer(ctx, &id, &method, &params, true, None)
}

fn answer(ctx: &Ctx, id: &Value, method: &str, params: &Value, current: bool, session: Option<&str>) -> Reply {
    let delay = Duration::from_millis(ctx.with(|s| s.settings.chunk_delay_ms).max(10));
    let with_result = |r: Value| {
        let mut r = r;
        if current && r.get("resultType").is_none() {
            r["resultType"] = json!("complete");
        }
        result(id, r)
    };
    match plan(method, params, current) {
        Err((code, m)) => {
            let status = if code == -32601 && current { StatusCode::NOT_FOUND } else { StatusCode::OK };
            Ok(rpc_reply(status, error(id, code, &m)))
        }
        Ok(Plan::Now(r)) => Ok(rpc_reply(StatusCode::OK, with_result(r))),
        Ok(Plan::Progress { steps, token, then }) => {
            let mut frames = Vec::new();
            if let Some(t) = token {
                for i in 1..=steps {
                    let n = json!({"jsonrpc": "2.0", "method": "notifications/progress",
                                   "params": {"progressToken": t, "progress": i, "total": steps, "message": format!("step {i}")}});
                    frames.push(frame(&n));
                }
            }
            frames.push(frame(&with_result(then)));
            Ok(sse(frames, delay, ctx))
        }
        Ok(Plan::Resumable(r)) => {
            let sid = session.unwrap_or("");
            let data = with_result(r).to_string();
            let primed = ctx.with(|s| {
                let sess = s.mcp.map.get_mut(sid)?;
                sess.next_event += 1;
                let priming = format!("{sid}-{}", sess.next_event);
                sess.events.push((priming.clone(), String::new()));
                sess.next_event += 1;
                sess.events.push((format!("{sid}-{}", sess.next_event), data));
                Some(priming)
            });
            let Some(priming) = primed else {
                return Ok(rpc_reply(StatusCode::NOT_FOUND, error(id, -32001, "Session not found")));
            };
            // The priming event, then the stream ends: the client must resume to get the answer.
            Ok(sse(vec![format!("id: {priming}\nretry: {RETRY_MS}\ndata: \n\n")], delay, ctx))
        }
    }
}

fn legacy_post(ctx: &Ctx, req: &Incoming, msg: Value) -> Reply {
    let method = msg.get("method").and_then(Value::as_str).unwrap_or("").to_owned();
    let id = msg.get("id").cloned();
    if method == "initialize" {
        let id = id.unwrap_or(Value::Null);
        let asked = msg.pointer("/params/protocolVersion").and_then(Value::as_str).unwrap_or("");
        let version = if LEGACY.contains(&asked) { asked } else { LEGACY[0] }.to_owned();
        let sid = random_hex(16);
        ctx.with(|s| {
            s.mcp.map.insert(sid.clone(), Session { version: version.clone(), events: Vec::new(), next_event: 0 })
        });
        let r = result(
            &id,
            json!({"protocolVersion": version, "capabilities": capabilities(),
                   "serverInfo": {"name": "agenticstar-emulator", "version": env!("CARGO_PKG_VERSION")},
                   "instructions": "The agenticstar emulator's MCP endpoint."}),
        );
        let mut resp = rpc_reply(StatusCode::OK, r);
        resp.headers_mut().insert("mcp-session-id", HeaderValue::from_str(&sid).unwrap());
        return Ok(resp);
    }
    let Some(sid) = header(req, "mcp-session-id").map(str::to_owned) else {
        return Ok(rpc_reply(
            StatusCode::BAD_REQUEST,
            error(&id.unwrap_or(Value::Null), -32000, "Bad Request: No valid session ID provided"),
        ));
    };
    let Some(version) = ctx.with(|s| s.mcp.map.get(&sid).map(|x| x.version.clone())) else {
        return Ok(rpc_reply(StatusCode::NOT_FOUND, error(&id.unwrap_or(Value::Null), -32001, "Session not found")));
    };
    if header(req, "mcp-protocol-version").is_some_and(|v| v != version) {
        return Ok(rpc_reply(
            StatusCode::BAD_REQUEST,
            error(&id.unwrap_or(Value::Null), -32000, "Bad Request: protocol version mismatch"),
        ));
    }
    // Notifications and responses to our (never sent) requests.
    let Some(id) = id.filter(|_| msg.get("method").is_some()) else { return Ok(StatusCode::ACCEPTED.into_response()) };
    let params = msg.get("params").cloned().unwrap_or(json!({}));
    answer(ctx, &id, &method, &params, false, Some(&sid))
}

fn legacy_get(ctx: &Ctx, req: &Incoming) -> Reply {
    let Some(sid) = header(req, "mcp-session-id").map(str::to_owned) else {
        return Ok(rpc_reply(
            StatusCode::BAD_REQUEST,
            error(&Value::Null, -32000, "Bad Request: No valid session ID provided"),
        ));
    };
    let events = ctx.with(|s| s.mcp.map.get(&sid).map(|x| x.events.clone()));
    let Some(events) = events else {
        return Ok(rpc_reply(StatusCode::NOT_FOUND, error(&Value::Null, -32001, "Session not found")));
    };
    match header(req, "last-event-id") {
        // Replay what followed that event on its stream, then end.
        Some(last) => {
            let frames: Vec<String> = events
                .iter()
                .skip_while(|(id, _)| id != last)
                .skip(1)
                .filter(|(_, d)| !d.is_empty())
                .map(|(id, d)| format!("id: {id}\nevent: message\ndata: {d}\n\n"))
                .collect();
            Ok(sse(frames, Duration::ZERO, ctx))
        }
        // The server-message stream: silent until shutdown (keep-alive comments every 15 s).
        None => {
            let shutdown = ctx.shutdown.clone();
            let stream = futures::stream::unfold((), move |()| {
                let shutdown = shutdown.clone();
                async move {
                    shutdown.run_until_cancelled(tokio::time::sleep(Duration::from_secs(15))).await?;
                    Some((Ok::<_, io::Error>(Bytes::from_static(b": keep-alive\n\n")), ()))
                }
            });
            Ok(sse_response(Body::from_stream(stream)))
        }
    }
}
