//! An A2A v1.0 agent (JSON-RPC binding): a streaming echo agent behind `a2a:all`.
//!
//! The agent opens a task for each new message, starts work, sends the message back as one
//! artifact chunk per word (`append` after the first, `lastChunk` on the last; `a2a_word_delay_ms`
//! apart) and completes. A message ending in `?` is answered with INPUT_REQUIRED instead; the
//! next message on that task is then echoed. `CancelTask` stops the agent and ends every stream
//! of the task with CANCELED.

use std::collections::HashMap;
use std::io;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::{Value, json};
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

use crate::http::{BodyKind, Incoming, json_reply};
use crate::state::{Ctx, Dialect, DisconnectGuard, random_hex};

type Reply = Result<Response, Response>;

const SCOPE: &str = "a2a:all";
const TERMINAL: [&str; 4] = ["TASK_STATE_COMPLETED", "TASK_STATE_FAILED", "TASK_STATE_CANCELED", "TASK_STATE_REJECTED"];
const INTERRUPTED: [&str; 2] = ["TASK_STATE_INPUT_REQUIRED", "TASK_STATE_AUTH_REQUIRED"];
const DEFAULT_PAGE_SIZE: usize = 50;

/// The agent's tasks, in creation order.
#[derive(Default)]
pub struct Tasks {
    order: Vec<String>,
    map: HashMap<String, Entry>,
}

struct Entry {
    task: Value,
    owner: String,
    events: broadcast::Sender<Value>,
    cancel: CancellationToken,
}

fn card(ctx: &Ctx, extended: bool) -> Value {
    let description = if extended {
        "Echoes your message back, one artifact chunk per word. (Extended card: for callers with a2a:all.)"
    } else {
        "Echoes your message back, one artifact chunk per word."
    };
    json!({
        "name": "AGENTIC STAR emulator echo agent",
        "description": description,
        "version": "1.0.0",
        "supportedInterfaces": [
            {"url": format!("{}/a2a", ctx.base), "protocolBinding": "JSONRPC", "protocolVersion": "1.0"}
        ],
        "provider": {"organization": "agenticstar emulator", "url": ctx.base.to_string()},
        "capabilities": {"streaming": true, "extendedAgentCard": true},
        "securitySchemes": {"bearer": {"httpAuthSecurityScheme": {"scheme": "Bearer", "bearerFormat": "JWT"}}},
        "securityRequirements": [{"schemes": {"bearer": {"list": [SCOPE]}}}],
        "defaultInputModes": ["text/plain"],
        "defaultOutputModes": ["text/plain"],
        "skills": [{"id": "echo", "name": "Echo", "description": "Echo the message word by word; end it with ? to be asked for input", "tags": ["echo"]}],
    })
}

pub async fn agent_card(State(ctx): State<Ctx>, req: Incoming) -> Reply {
    ctx.arrive("a2a.card", &req, BodyKind::None).await?;
    Ok(json_reply(StatusCode::OK, card(&ctx, false)))
}

fn rpc_result(id: &Value, result: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "result": result})
}

fn rpc_error(id: &Value, code: i64, message: &str) -> Value {
    let reason = match code {
        -32001 => "TASK_NOT_FOUND",
        -32002 => "TASK_NOT_CANCELABLE",
        -32004 => "UNSUPPORTED_OPERATION",
        -32009 => "VERSION_NOT_SUPPORTED",
        -32600 => "INVALID_REQUEST",
        -32601 => "METHOD_NOT_FOUND",
        -32602 => "INVALID_PARAMS",
        _ => "INTERNAL_ERROR",
    };
    let data = json!([{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": reason, "domain": "a2a-protocol.org", "metadata": {}}]);
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message, "data": data}})
}

fn deny(status: StatusCode, challenge: &str, error: &str) -> Response {
    let mut r = json_reply(status, json!({"error": error}));
    if let Ok(v) = HeaderValue::from_str(challenge) {
        r.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    r
}

pub async fn rpc(State(ctx): State<Ctx>, req: Incoming) -> Reply {
    ctx.arrive("a2a.rpc", &req, BodyKind::Json).await?;
    let who = ctx.with(|s| req.bearer().and_then(|t| s.active_token(t)).cloned());
    let Some(who) = who else {
        return Err(deny(StatusCode::UNAUTHORIZED, "Bearer error=\"invalid_token\"", "invalid_token"));
    };
    if who.dialect == Dialect::Saas && !who.scope.split(' ').any(|s| s == SCOPE) {
        let challenge = format!("Bearer error=\"insufficient_scope\", scope=\"{SCOPE}\"");
        return Err(deny(StatusCode::FORBIDDEN, &challenge, "insufficient_scope"));
    }
    let ok = |v: Value| Ok(json_reply(StatusCode::OK, v));
    let Some(body) = req.json().filter(Value::is_object) else {
        return ok(json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32700, "message": "Invalid JSON payload"}}));
    };
    let id = body.get("id").cloned().unwrap_or(Value::Null);
    let Some(method) = body.get("method").and_then(Value::as_str) else {
        return ok(rpc_error(&id, -32600, "Method is required"));
    };
    let version = req.headers.get("a2a-version").and_then(|v| v.to_str().ok()).unwrap_or("0.3").trim().to_owned();
    if version != "1.0" && !version.starts_with("1.0.") {
        return ok(rpc_error(
            &id,
            -32009,
            &format!("A2A version '{version}' is not supported. Expected version '1.0'."),
        ));
    }
    let params = body.get("params").cloned().unwrap_or_else(|| json!({}));
    let owner = who.sub.clone();
    let answer = match method {
        "SendMessage" => send(&ctx, &owner, &params, false).await.map(|(task, _)| json!({"task": task})),
        "SendStreamingMessage" => {
            return match send(&ctx, &owner, &params, true).await {
                Ok((task, rx)) => Ok(sse(ctx, id, vec![json!({"task": task})], rx)),
                Err((code, msg)) => ok(rpc_error(&id, code, &msg)),
            };
        }
        "SubscribeToTask" => {
            let task_id = params.get("id").and_then(Value::as_str).unwrap_or("");
            let found = ctx.with(|s| {
                let e = s.a2a.map.get(task_id).filter(|e| e.owner == owner)?;
                Some((e.task.clone(), e.events.subscribe()))
            });
            return match found {
                None => ok(rpc_error(&id, -32001, "Task not found")),
                Some((task, _)) if is_terminal(&task) => {
                    ok(rpc_error(&id, -32004, &format!("Task {task_id} is in terminal state: {}", state_of(&task))))
                }
                Some((task, rx)) => Ok(sse(ctx, id, vec![json!({"task": task})], rx)),
            };
        }
        "GetTask" => get(&ctx, &owner, &params),
        "ListTasks" => list(&ctx, &owner, &params),
        "CancelTask" => cancel(&ctx, &owner, &params),
        "GetExtendedAgentCard" => Ok(card(&ctx, true)),
        _ => Err((-32601, "Method not found".to_owned())),
    };
    match answer {
        Ok(result) => ok(rpc_result(&id, result)),
        Err((code, msg)) => ok(rpc_error(&id, code, &msg)),
    }
}

fn state_of(task: &Value) -> &str {
    task.pointer("/status/state").and_then(Value::as_str).unwrap_or("")
}

fn is_terminal(task: &Value) -> bool {
    TERMINAL.contains(&state_of(task))
}

fn text_of(message: &Value) -> String {
    let parts = message.get("parts").and_then(Value::as_array).cloned().unwrap_or_default();
    parts.iter().filter_map(|p| p.get("text").and_then(Value::as_str)).collect::<Vec<_>>().join(" ")
}

fn uuid() -> String {
    let h = random_hex(16);
    format!("{}-{}-4{}-a{}-{}", &h[0..8], &h[8..12], &h[13..16], &h[17..20], &h[20..32])
}

fn timestamp() -> String {
    let d = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs();
    let (days, rem) = (secs / 86400, secs % 86400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:06}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        d.subsec_micros()
    )
}

type RpcFailure = (i64, String);

/// Start (or continue) a task for the message in `params`; the task as first sent, and a
/// receiver of its later events (subscribed before the agent starts, so nothing is missed).
async fn send(
    ctx: &Ctx,
    owner: &str,
    params: &Value,
    streaming: bool,
) -> Result<(Value, broadcast::Receiver<Value>), RpcFailure> {
    let mut message =
        params.get("message").filter(|m| m.is_object()).cloned().ok_or((-32602, "message is required".to_owned()))?;
    let text = text_of(&message);
    if message.get("role").and_then(Value::as_str) != Some("ROLE_USER") || text.trim().is_empty() {
        return Err((-32602, "message must be a ROLE_USER message with text".to_owned()));
    }
    let return_immediately =
        params.pointer("/configuration/returnImmediately").and_then(Value::as_bool).unwrap_or(false);
    let delay = Duration::from_millis(ctx.with(|s| s.settings.a2a_word_delay_ms));
    let given_task = message.get("taskId").and_then(Value::as_str).map(str::to_owned);
    let (task_id, rx, cancel) = ctx.with(|s| match given_task {
        Some(tid) => {
            let e =
                s.a2a.map.get_mut(&tid).filter(|e| e.owner == owner).ok_or((-32001, "Task not found".to_owned()))?;
            if state_of(&e.task) != "TASK_STATE_INPUT_REQUIRED" {
                return Err((-32602, format!("Task {tid} is not waiting for input")));
            }
            message["contextId"] = e.task["contextId"].clone();
            push_history(&mut e.task, &message);
            e.task["status"] = json!({"state": "TASK_STATE_SUBMITTED", "timestamp": timestamp()});
            e.cancel = CancellationToken::new();
            Ok((tid, e.events.subscribe(), e.cancel.clone()))
        }
        None => {
            let tid = uuid();
            let cid = message.get("contextId").and_then(Value::as_str).map(str::to_owned).unwrap_or_else(uuid);
            message["taskId"] = json!(tid);
            message["contextId"] = json!(cid);
            let task =
                json!({"id": tid, "contextId": cid, "status": {"state": "TASK_STATE_SUBMITTED"}, "history": [message]});
            let (tx, rx) = broadcast::channel(1024);
            let cancel = CancellationToken::new();
            s.a2a.order.push(tid.clone());
            s.a2a.map.insert(tid.clone(), Entry { task, owner: owner.to_owned(), events: tx, cancel: cancel.clone() });
            Ok((tid, rx, cancel))
        }
    })?;
    let first = ctx.with(|s| s.a2a.map.get(&task_id).map(|e| e.task.clone())).unwrap_or_default();
    let asks = text.trim_end().ends_with('?') && first["history"].as_array().is_some_and(|h| h.len() == 1);
    let run = tokio::spawn(agent(ctx.clone(), task_id.clone(), text, asks, delay, cancel));
    if !streaming && !return_immediately {
        let _ = run.await;
        let done = ctx.with(|s| s.a2a.map.get(&task_id).map(|e| e.task.clone())).unwrap_or_default();
        return Ok((done, rx));
    }
    Ok((first, rx))
}

fn push_history(task: &mut Value, message: &Value) {
    if let Some(h) = task.get_mut("history").and_then(Value::as_array_mut) {
        h.push(message.clone());
    }
}

/// The echo agent for one turn of a task.
async fn agent(ctx: Ctx, task_id: String, text: String, asks: bool, delay: Duration, cancel: CancellationToken) {
    let status = |state: &str, message: Option<Value>| {
        let mut st = json!({"state": state, "timestamp": timestamp()});
        if let Some(m) = message {
            st["message"] = m;
        }
        json!({"statusUpdate": {"taskId": task_id, "contextId": Value::Null, "status": st}})
    };
    if !emit(&ctx, &task_id, status("TASK_STATE_WORKING", None)) {
        return;
    }
    if asks {
        let ask = json!({"messageId": uuid(), "role": "ROLE_AGENT", "taskId": task_id,
            "parts": [{"text": "What should I echo? Reply on this task."}]});
        emit(&ctx, &task_id, status("TASK_STATE_INPUT_REQUIRED", Some(ask)));
        return;
    }
    let words: Vec<&str> = text.split_whitespace().collect();
    for (i, word) in words.iter().enumerate() {
        if i > 0 && !delay.is_zero() && cancel.run_until_cancelled(tokio::time::sleep(delay)).await.is_none() {
            return;
        }
        if cancel.is_cancelled() {
            return;
        }
        let chunk = if i == 0 { (*word).to_owned() } else { format!(" {word}") };
        let mut update = json!({"artifactUpdate": {"taskId": task_id, "contextId": Value::Null,
            "artifact": {"artifactId": "echo", "name": "echo", "parts": [{"text": chunk}]}}});
        if i > 0 {
            update["artifactUpdate"]["append"] = json!(true);
        }
        if i + 1 == words.len() {
            update["artifactUpdate"]["lastChunk"] = json!(true);
        }
        if !emit(&ctx, &task_id, update) {
            return;
        }
    }
    emit(&ctx, &task_id, status("TASK_STATE_COMPLETED", None));
}

/// Apply `event` to the task and send it to its streams; false once the task is gone or final.
fn emit(ctx: &Ctx, task_id: &str, mut event: Value) -> bool {
    ctx.with(|s| {
        let Some(e) = s.a2a.map.get_mut(task_id) else { return false };
        if is_terminal(&e.task) {
            return false;
        }
        let cid = e.task["contextId"].clone();
        if let Some(inner) = event.as_object_mut().and_then(|o| o.values_mut().next()) {
            inner["contextId"] = cid;
        }
        if let Some(u) = event.get("statusUpdate") {
            e.task["status"] = u["status"].clone();
            if let Some(m) = u.pointer("/status/message") {
                push_history(&mut e.task, m);
            }
        } else if let Some(u) = event.get("artifactUpdate") {
            apply_chunk(&mut e.task, u);
        }
        let _ = e.events.send(event);
        true
    })
}

fn apply_chunk(task: &mut Value, update: &Value) {
    let artifact = update["artifact"].clone();
    let id = artifact["artifactId"].clone();
    if task.get("artifacts").is_none() {
        task["artifacts"] = json!([]);
    }
    let Some(list) = task["artifacts"].as_array_mut() else { return };
    let existing = list.iter_mut().find(|a| a["artifactId"] == id);
    match (update["append"].as_bool().unwrap_or(false), existing) {
        (true, Some(a)) => {
            let more = artifact["parts"].as_array().cloned().unwrap_or_default();
            if let Some(p) = a["parts"].as_array_mut() {
                p.extend(more);
            }
        }
        (false, Some(a)) => *a = artifact,
        (_, None) => list.push(artifact),
    }
}

fn get(ctx: &Ctx, owner: &str, params: &Value) -> Result<Value, RpcFailure> {
    let id = params.get("id").and_then(Value::as_str).unwrap_or("");
    let mut task = ctx
        .with(|s| s.a2a.map.get(id).filter(|e| e.owner == owner).map(|e| e.task.clone()))
        .ok_or((-32001, "Task not found".to_owned()))?;
    if let Some(n) = params.get("historyLength").and_then(Value::as_u64)
        && let Some(h) = task.get_mut("history").and_then(Value::as_array_mut)
    {
        let keep = h.len().saturating_sub(n as usize);
        h.drain(..keep);
    }
    Ok(task)
}

fn list(ctx: &Ctx, owner: &str, params: &Value) -> Result<Value, RpcFailure> {
    let size = params.get("pageSize").and_then(Value::as_u64).map_or(DEFAULT_PAGE_SIZE, |n| n.clamp(1, 100) as usize);
    let start: usize = match params.get("pageToken").and_then(Value::as_str).filter(|t| !t.is_empty()) {
        Some(t) => t.parse().map_err(|_| (-32602, "invalid pageToken".to_owned()))?,
        None => 0,
    };
    let context = params.get("contextId").and_then(Value::as_str);
    let status = params.get("status").and_then(Value::as_str);
    let artifacts = params.get("includeArtifacts").and_then(Value::as_bool).unwrap_or(false);
    let all: Vec<Value> = ctx.with(|s| {
        s.a2a
            .order
            .iter()
            .filter_map(|id| s.a2a.map.get(id))
            .filter(|e| e.owner == owner)
            .map(|e| e.task.clone())
            .filter(|t| context.is_none_or(|c| t["contextId"] == c))
            .filter(|t| status.is_none_or(|st| state_of(t) == st))
            .collect()
    });
    let total = all.len();
    let mut page: Vec<Value> = all.into_iter().skip(start).take(size).collect();
    if !artifacts {
        for t in &mut page {
            if let Some(o) = t.as_object_mut() {
                o.remove("artifacts");
            }
        }
    }
    let next = if start + page.len() < total { (start + page.len()).to_string() } else { String::new() };
    Ok(json!({"tasks": page, "nextPageToken": next, "pageSize": size, "totalSize": total}))
}

fn cancel(ctx: &Ctx, owner: &str, params: &Value) -> Result<Value, RpcFailure> {
    let id = params.get("id").and_then(Value::as_str).unwrap_or("").to_owned();
    let running = ctx.with(|s| {
        let e = s.a2a.map.get(&id).filter(|e| e.owner == owner).ok_or((-32001, "Task not found".to_owned()))?;
        if is_terminal(&e.task) {
            return Err((-32002, "Task cannot be canceled".to_owned()));
        }
        e.cancel.cancel();
        Ok(())
    });
    running?;
    let update =
        json!({"statusUpdate": {"taskId": id, "status": {"state": "TASK_STATE_CANCELED", "timestamp": timestamp()}}});
    emit(ctx, &id, update);
    ctx.with(|s| s.a2a.map.get(&id).map(|e| e.task.clone())).ok_or((-32001, "Task not found".to_owned()))
}

/// Whether a stream ends after `result` (a terminal or interrupted state, or a message).
fn ends(result: &Value) -> bool {
    let state = result
        .pointer("/statusUpdate/status/state")
        .or_else(|| result.pointer("/task/status/state"))
        .and_then(Value::as_str)
        .unwrap_or("");
    TERMINAL.contains(&state) || INTERRUPTED.contains(&state) || result.get("message").is_some()
}

/// An SSE answer: `first` results, then the task's events until one ends the stream. Counts
/// `a2a.disconnects` when the client leaves before that.
fn sse(ctx: Ctx, id: Value, first: Vec<Value>, rx: broadcast::Receiver<Value>) -> Response {
    struct Feed {
        pending: std::vec::IntoIter<Value>,
        rx: broadcast::Receiver<Value>,
        id: Value,
        done: bool,
        guard: DisconnectGuard,
    }
    let feed = Feed {
        pending: first.into_iter(),
        rx,
        id,
        done: false,
        guard: DisconnectGuard::new(ctx.clone(), "a2a.disconnects"),
    };
    let shutdown = ctx.shutdown.clone();
    let stream = futures::stream::unfold(feed, move |mut f| {
        let shutdown = shutdown.clone();
        async move {
            if f.done {
                f.guard.finish();
                return None;
            }
            let result = match f.pending.next() {
                Some(r) => r,
                None => loop {
                    match shutdown.run_until_cancelled(f.rx.recv()).await {
                        Some(Ok(r)) => break r,
                        Some(Err(broadcast::error::RecvError::Lagged(_))) => continue,
                        Some(Err(broadcast::error::RecvError::Closed)) | None => {
                            f.guard.finish();
                            return Some((Err(io::Error::other("stream ended")), f));
                        }
                    }
                },
            };
            f.done = ends(&result);
            let frame = Bytes::from(format!("data: {}\n\n", rpc_result(&f.id, result)));
            Some((Ok::<_, io::Error>(frame), f))
        }
    });
    let mut response = Response::new(Body::from_stream(stream));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}
