//! The OpenAI-compatible Chat API plus two plain bearer-protected endpoints.

use std::io;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use crate::faults::StreamFault;
use crate::http::{BodyKind, Incoming, json_reply};
use crate::state::{Ctx, Dialect, DisconnectGuard, Issued, now};

type Reply = Result<Response, Response>;

const DEFAULT_MODEL: &str = "AGENTIC STAR";
/// Building block of the 16 MiB `huge_line` fault, sent 256 times.
pub(crate) static XS: [u8; 1 << 16] = [b'x'; 1 << 16];

fn api_error(status: StatusCode, kind: &str, code: &str, message: &str) -> Response {
    json_reply(status, json!({ "error": { "message": message, "type": kind, "code": code } }))
}

fn invalid_request(message: &str) -> Response {
    api_error(StatusCode::BAD_REQUEST, "invalid_request_error", "invalid_request", message)
}

/// The caller's token, if it was issued here and is still active.
fn caller(ctx: &Ctx, req: &Incoming) -> Result<Issued, Response> {
    let token = req.bearer();
    ctx.with(|s| token.and_then(|t| s.active_token(t)).cloned()).ok_or_else(|| {
        let mut response = api_error(
            StatusCode::UNAUTHORIZED,
            "invalid_request_error",
            "invalid_token",
            "Invalid or expired access token",
        );
        let challenge = HeaderValue::from_static("Bearer error=\"invalid_token\"");
        response.headers_mut().insert(header::WWW_AUTHENTICATE, challenge);
        response
    })
}

pub async fn models(State(ctx): State<Ctx>, req: Incoming) -> Reply {
    ctx.arrive("models", &req, BodyKind::None).await?;
    caller(&ctx, &req)?;
    Ok(json_reply(StatusCode::OK, json!({ "object": "list", "data": [{ "id": DEFAULT_MODEL, "object": "model" }] })))
}

pub async fn me(State(ctx): State<Ctx>, req: Incoming) -> Reply {
    ctx.arrive("me", &req, BodyKind::None).await?;
    let who = caller(&ctx, &req)?;
    let mut body = json!({ "sub": who.sub, "client_id": who.client_id, "scope": who.scope });
    if let Some(r) = &who.resource {
        body["resource"] = json!(r);
    }
    Ok(json_reply(StatusCode::OK, body))
}

/// Text of a message whose content is a string or a list of `{"type":"text","text":..}` parts.
fn text_of(message: &Value) -> String {
    match message.get("content") {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Array(parts)) => parts.iter().filter_map(|p| p.get("text").and_then(Value::as_str)).collect(),
        _ => String::new(),
    }
}

pub async fn completions(State(ctx): State<Ctx>, req: Incoming) -> Reply {
    let fault = ctx.arrive("chat.completions", &req, BodyKind::JsonBytes).await?;
    let who = caller(&ctx, &req)?;
    // Only SaaS tokens carry meaningful scopes; Marketplace has no scope restrictions.
    let has_chat = who.scope.split(' ').any(|s| s == "chat:exec" || s == "chat:all");
    if who.dialect == Dialect::Saas && !has_chat {
        return Err(api_error(
            StatusCode::FORBIDDEN,
            "permission_error",
            "insufficient_scope",
            "The access token lacks scope chat:exec",
        ));
    }
    let body =
        req.json().filter(Value::is_object).ok_or_else(|| invalid_request("Request body must be a JSON object"))?;
    let messages = body
        .get("messages")
        .and_then(Value::as_array)
        .filter(|m| !m.is_empty() && m.iter().all(Value::is_object))
        .ok_or_else(|| invalid_request("messages must be a non-empty array of message objects"))?;
    let last_user = messages
        .iter()
        .rev()
        .find(|m| m.get("role").and_then(Value::as_str) == Some("user"))
        .or(messages.last())
        .map(text_of)
        .unwrap_or_default();
    let prompt_chars: usize = messages.iter().map(|m| text_of(m).chars().count()).sum();
    let model = body.get("model").and_then(Value::as_str).unwrap_or(DEFAULT_MODEL);

    let (settings, seq) = ctx.with(|s| {
        s.completions += 1;
        (s.settings.clone(), s.completions)
    });
    let reply = settings.reply.clone().unwrap_or_else(|| format!("こんにちは！🌸 You said: {last_user}"));
    let chars: Vec<char> = reply.chars().collect();
    let pieces: Vec<String> = chars.chunks(settings.chunk_chars.max(1)).map(String::from_iter).collect();
    let usage = json!({
        "prompt_tokens": prompt_chars / 4,
        "completion_tokens": pieces.len(),
        "total_tokens": prompt_chars / 4 + pieces.len(),
    });
    let (id, created) = (format!("chatcmpl-{seq}"), now());

    if body.get("stream").and_then(Value::as_bool) != Some(true) {
        return Ok(json_reply(
            StatusCode::OK,
            json!({
                "id": id, "object": "chat.completion", "created": created, "model": model,
                "choices": [{
                    "index": 0,
                    "message": { "role": "assistant", "content": reply },
                    "finish_reason": "stop",
                }],
                "usage": usage,
            }),
        ));
    }

    if let Some(chunks) = fault.as_ref().and_then(|f| f.replay.as_ref()).and_then(|r| r.bytes().ok()) {
        let mut plan = Plan { steps: Vec::new(), delay: Duration::ZERO, split: false, drip: false, complete: false };
        for c in chunks {
            plan.steps.push(Step::Yield);
            plan.send(c);
        }
        return Ok(plan.into_response(ctx));
    }
    if settings.stream_chunks > 0 {
        return Ok(synthetic(ctx, settings.stream_chunks, model, &id, created));
    }

    let chunk = |choices: Value| json!({ "id": id, "object": "chat.completion.chunk", "created": created, "model": model, "choices": choices });
    let choice = |delta: Value, finish: Value| json!([{ "index": 0, "delta": delta, "finish_reason": finish }]);
    let stream_fault = fault.as_ref().and_then(|f| f.stream);
    let fault_at = fault.and_then(|f| f.after_chunks).unwrap_or(0).min(pieces.len());
    let mut plan = Plan {
        steps: Vec::new(),
        delay: Duration::from_millis(settings.chunk_delay_ms),
        split: stream_fault == Some(StreamFault::SplitUtf8),
        drip: false,
        complete: false,
    };

    plan.event(&chunk(choice(json!({ "role": "assistant", "content": "" }), Value::Null)));
    for i in 0..=pieces.len() {
        if i == fault_at && stream_fault.is_some_and(|f| plan.interrupt(f)) {
            return Ok(plan.into_response(ctx));
        }
        let Some(piece) = pieces.get(i) else { break };
        plan.event(&chunk(choice(json!({ "content": piece }), Value::Null)));
        if settings.keepalive_every > 0 && (i + 1) % settings.keepalive_every == 0 {
            plan.send(": keep-alive\n\n");
        }
    }
    plan.event(&chunk(choice(json!({}), json!("stop"))));
    if body.pointer("/stream_options/include_usage").and_then(Value::as_bool) == Some(true) {
        let mut last = chunk(json!([]));
        last["usage"] = usage;
        plan.event(&last);
    }
    if stream_fault != Some(StreamFault::MissingDone) {
        plan.send("data: [DONE]\n\n");
        plan.complete = true;
    }
    Ok(plan.into_response(ctx))
}

/// One step of a prepared SSE response. The whole response is planned up front, then played
/// back one body frame at a time, so pacing and faults happen at exact byte positions.
enum Step {
    Send(Bytes),
    Pause(Duration),
    /// Lets hyper flush what it has buffered, so the next frame becomes a separate write.
    Yield,
    /// End the body with an error: hyper then aborts the connection mid-body.
    Abort,
    /// Send nothing more, but keep the connection open.
    Hang,
}

struct Plan {
    steps: Vec<Step>,
    delay: Duration,
    /// split_utf8: every byte goes out as its own frame.
    split: bool,
    /// drip: from the fault on, every byte is its own frame, 10 ms apart.
    drip: bool,
    /// Ends with `data: [DONE]`, so reaching the end counts as `chat.completed`.
    complete: bool,
}

impl Plan {
    fn send(&mut self, bytes: impl Into<Bytes>) {
        let bytes: Bytes = bytes.into();
        if self.drip {
            for i in 0..bytes.len() {
                self.steps.push(Step::Pause(Duration::from_millis(10)));
                self.steps.push(Step::Send(bytes.slice(i..=i)));
            }
        } else if self.split {
            for i in 0..bytes.len() {
                self.steps.push(Step::Yield);
                self.steps.push(Step::Send(bytes.slice(i..=i)));
            }
        } else {
            self.steps.push(Step::Send(bytes));
        }
    }

    /// A `data:` event, paced by `chunk_delay_ms` after the first one.
    fn event(&mut self, chunk: &Value) {
        if !self.steps.is_empty() && !self.delay.is_zero() {
            self.steps.push(Step::Pause(self.delay));
        }
        self.send(format!("data: {chunk}\n\n"));
    }

    /// Injects a mid-stream fault; returns true when the stream ends there.
    fn interrupt(&mut self, fault: StreamFault) -> bool {
        match fault {
            StreamFault::Disconnect => {
                // Hyper would discard still-buffered frames when the body fails, so give it
                // time to flush what was "sent" before aborting.
                self.steps.push(Step::Pause(Duration::from_millis(20)));
                self.steps.push(Step::Abort);
            }
            StreamFault::NeverEnd => self.steps.push(Step::Hang),
            StreamFault::Malformed => {
                self.send("data: {\"choices\": [\n\n");
                return false;
            }
            StreamFault::ErrorEvent => self.send(
                "event: error\ndata: {\"error\":{\"message\":\"Upstream agent failed\",\"type\":\"server_error\",\"code\":\"agent_error\"}}\n\n",
            ),
            StreamFault::ErrorObject => {
                self.send("data: {\"error\":{\"message\":\"Rate limit in stream\",\"code\":\"rate_limited\"}}\n\n")
            }
            StreamFault::HugeLine => {
                self.send("data: ");
                for _ in 0..256 {
                    self.send(Bytes::from_static(&XS));
                }
            }
            StreamFault::InvalidUtf8 => {
                self.send(Bytes::from_static(b"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"bad \xff\xfe bytes\"},\"finish_reason\":null}]}\n\n"));
                return false;
            }
            StreamFault::HugeEvent => {
                for _ in 0..640 {
                    self.send("data: ");
                    self.send(Bytes::from_static(&XS[..16 * 1024]));
                    self.send("\n");
                }
            }
            StreamFault::Drip => {
                self.drip = true;
                return false;
            }
            StreamFault::MissingDone | StreamFault::SplitUtf8 => return false,
        }
        true
    }

    fn into_response(self, ctx: Ctx) -> Response {
        let player = Player {
            steps: self.steps.into_iter(),
            complete: self.complete,
            shutdown: ctx.shutdown.clone(),
            guard: DisconnectGuard::new(ctx, "chat.disconnects"),
        };
        let stream = futures::stream::unfold(player, |mut p| async move { p.next().await.map(|item| (item, p)) });
        let mut response = Response::new(Body::from_stream(stream));
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        response
    }
}

struct Player {
    steps: std::vec::IntoIter<Step>,
    complete: bool,
    shutdown: CancellationToken,
    guard: DisconnectGuard,
}

impl Player {
    async fn next(&mut self) -> Option<io::Result<Bytes>> {
        loop {
            let Some(step) = self.steps.next() else {
                if !self.guard.finished() && self.complete {
                    self.guard.ctx().with(|s| s.count("chat.completed"));
                }
                self.guard.finish();
                return None;
            };
            match step {
                Step::Send(bytes) => return Some(Ok(bytes)),
                Step::Yield => tokio::task::yield_now().await,
                Step::Pause(delay) => {
                    if self.shutdown.run_until_cancelled(tokio::time::sleep(delay)).await.is_none() {
                        return self.abort();
                    }
                }
                Step::Hang => {
                    self.shutdown.cancelled().await;
                    return self.abort();
                }
                Step::Abort => return self.abort(),
            }
        }
    }

    /// Server-side ends (faults, shutdown) are not client disconnects.
    fn abort(&mut self) -> Option<io::Result<Bytes>> {
        self.guard.finish();
        self.steps = Vec::new().into_iter();
        Some(Err(io::Error::other("stream aborted")))
    }
}

/// Texts of the generated stream: English, Japanese and emoji, as real replies mix them.
const SYNTHETIC: [&str; 4] = ["The agent is thinking ", "こんにちは、世界。", "🌸🍣 emoji ", "and more words, "];

/// `stream_chunks` generated chunks at full speed, ~16 KiB per body frame, then `[DONE]`.
fn synthetic(ctx: Ctx, total: u64, model: &str, id: &str, created: u64) -> Response {
    let events: Vec<Bytes> = SYNTHETIC
        .iter()
        .map(|t| {
            let c = json!({ "id": id, "object": "chat.completion.chunk", "created": created, "model": model,
                "choices": [{ "index": 0, "delta": { "content": t }, "finish_reason": null }] });
            Bytes::from(format!("data: {c}\n\n"))
        })
        .collect();
    let tail = Bytes::from(format!(
        "data: {}\n\ndata: [DONE]\n\n",
        json!({ "id": id, "object": "chat.completion.chunk", "created": created, "model": model,
            "choices": [{ "index": 0, "delta": {}, "finish_reason": "stop" }] })
    ));
    let guard = DisconnectGuard::new(ctx, "chat.disconnects");
    let stream = futures::stream::unfold((0u64, guard, Some(tail)), move |(sent, mut guard, tail)| {
        let events = events.clone();
        async move {
            if sent >= total {
                let t = tail?;
                guard.ctx().with(|s| s.count("chat.completed"));
                guard.finish();
                return Some((Ok::<_, io::Error>(t), (sent, guard, None)));
            }
            let mut frame = Vec::with_capacity(16 * 1024 + 256);
            let mut n = sent;
            while n < total && frame.len() < 16 * 1024 {
                frame.extend_from_slice(&events[(n % events.len() as u64) as usize]);
                n += 1;
            }
            Some((Ok(Bytes::from(frame)), (n, guard, tail)))
        }
    });
    let mut response = Response::new(Body::from_stream(stream));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}
