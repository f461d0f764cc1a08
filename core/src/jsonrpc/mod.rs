//! JSON-RPC 2.0 over HTTP, on the client's tokens: the one transport of MCP and A2A.
//!
//! An [`RpcClient`] posts one JSON-RPC message per HTTP request to one endpoint and reads the
//! answer, which is either `application/json` (one message), `text/event-stream` (an
//! [`RpcStream`] of messages: notifications, server requests, then the response) or `202
//! Accepted` (a notification or response was taken). It adds:
//!
//! - **Tokens**: every request carries a bearer token from the client's
//!   [`TokenManager`], for the [`RpcOptions::resource`] (RFC 8707; a token
//!   per resource, cached and stored under its own key, the resource sent again on refresh) and
//!   [`RpcOptions::token_scope`]. Before the first request a token that provably lacks every
//!   [`RpcOptions::scopes`] fails with `insufficient_scope` (when the client enforces scopes).
//! - **401**: that very token is invalidated and renewed once (single flight: concurrent
//!   callers share one token request), the request is retried once; a second 401 is an
//!   [`ErrorKind::Unauthorized`] error whose `details` hold the `WWW-Authenticate` Bearer
//!   challenge: `resourceMetadata` (the RFC 9728 document), `scope`, `error`, `errorDescription`.
//! - **403 `insufficient_scope`**: [`ErrorKind::InsufficientScope`] with `details.scope` (what
//!   the server asked for) and `details.requiredScopes` (the union with the token's scopes, to
//!   ask for in a step-up).
//! - **JSON-RPC errors** (in a 2xx answer, a stream, or an error status' body):
//!   [`ErrorKind::JsonRpc`], `code` = the JSON-RPC code as a string, `details` = `{code,
//!   message, data}`, `status` = the HTTP status.
//! - **Bounds**: headers within the client's request timeout; JSON bodies within it and
//!   [`RpcOptions::max_body_bytes`]; streams within the client's SSE line/event limits, idle
//!   timeout and optional whole-stream timeout. Dropping a future or an [`RpcStream`] closes
//!   its connection.
//! - **Recording**: with [`RpcClient::set_recorder`], every message sent and received is kept as
//!   JSON (without tokens or session ids), for session vectors shared by every language.
//!
//! ```no_run
//! # async fn demo(client: &agenticstar::Client) -> agenticstar::Result<()> {
//! use agenticstar::jsonrpc::{RpcClient, RpcOptions};
//! let rpc = RpcClient::new(client, "https://agent.example.com/a2a", RpcOptions {
//!     scopes: vec!["a2a:all".into()],
//!     headers: vec![("A2A-Version".into(), "1.0".into())],
//!     ..RpcOptions::default()
//! })?;
//! let task = rpc.call("GetTask", Some(serde_json::json!({"id": "t1"})), &[]).await?;
//! # let _ = task; Ok(()) }
//! ```

mod auth;
mod message;
mod stream;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::{self, HeaderMap, HeaderName, HeaderValue};
use serde_json::{Map, Value, json};
use url::Url;

pub use auth::{bearer_challenge, challenge_details};
pub use message::{Message, RpcError, codes, error_response, notification, request, response};
pub use stream::{RpcStream, StreamEvent};

use crate::client::{ClientInner, api_error};
use crate::error::{Error, ErrorKind, Result};
use crate::token::{Audience, Token, TokenManager};

/// Default limit on a JSON answer's body.
pub const DEFAULT_MAX_BODY: usize = 16 << 20;

/// How an [`RpcClient`] authenticates and bounds its calls.
#[derive(Clone, Debug)]
pub struct RpcOptions {
    /// Scopes any one of which the endpoint needs (`mcp:all`, `a2a:all`); checked against the
    /// token before the first request and named in `insufficient_scope` errors.
    pub scopes: Vec<String>,
    /// Ask the token endpoint for these scopes (space-separated) in a token of its own, instead
    /// of using the client's token (client credentials only; None by default).
    pub token_scope: Option<String>,
    /// RFC 8707 resource indicator (the endpoint's canonical URL): tokens are asked for it.
    pub resource: Option<String>,
    /// Headers sent with every request (e.g. `A2A-Version: 1.0`).
    pub headers: Vec<(String, String)>,
    /// Send a bearer token (default true).
    pub bearer: bool,
    /// Limit on one JSON answer's body (default [`DEFAULT_MAX_BODY`]).
    pub max_body_bytes: usize,
    /// Limit on reading a JSON answer; None: the client's request timeout.
    pub request_timeout: Option<Duration>,
}

impl Default for RpcOptions {
    fn default() -> Self {
        RpcOptions {
            scopes: Vec::new(),
            token_scope: None,
            resource: None,
            headers: Vec::new(),
            bearer: true,
            max_body_bytes: DEFAULT_MAX_BODY,
            request_timeout: None,
        }
    }
}

/// An HTTP answer to one JSON-RPC POST (or GET/DELETE).
#[derive(Debug)]
pub struct Answer {
    /// HTTP status code.
    pub status: u16,
    /// Response headers.
    pub headers: HeaderMap,
    /// The body, by `Content-Type`.
    pub body: AnswerBody,
}

/// What came back.
#[derive(Debug)]
pub enum AnswerBody {
    /// One JSON value (a message, normally).
    Json(Value),
    /// An event stream of messages.
    Stream(Box<RpcStream>),
    /// No body: 202 Accepted, 204, or 405 to a GET/DELETE the server does not offer.
    Empty,
}

impl Answer {
    /// A response header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Messages sent and received, as JSON, in order. Clone to share; see [`RpcClient::set_recorder`].
#[derive(Clone, Default)]
pub struct Recorder(Arc<Mutex<Vec<Value>>>);

impl Recorder {
    /// An empty recorder.
    pub fn new() -> Self {
        Self::default()
    }
    /// Everything recorded so far.
    pub fn entries(&self) -> Vec<Value> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
    /// Add an entry of the caller's own (e.g. a protocol-level event).
    pub fn push(&self, v: Value) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).push(v);
    }
    fn sent(&self, http: &str, headers: &HeaderMap, message: Option<&Value>) {
        let mut h = Map::new();
        for (k, v) in headers {
            let name = k.as_str();
            let kept = name.starts_with("mcp-") || name.starts_with("a2a-") || name == "last-event-id";
            if !kept {
                continue;
            }
            // Session ids and event ids differ from run to run; record that one was sent.
            let value = if name == "mcp-session-id" || name == "last-event-id" {
                "*".to_owned()
            } else {
                v.to_str().unwrap_or("").to_owned()
            };
            h.insert(name.to_owned(), json!(value));
        }
        let mut e = json!({"dir": "send", "http": http, "headers": h});
        if let Some(m) = message {
            e["message"] = m.clone();
        }
        self.push(e);
    }
    fn answered(&self, status: u16, body: &str) {
        self.push(json!({"dir": "recv", "status": status, "body": body}));
    }
    fn received(&self, ev: &StreamEvent) {
        let mut e = json!({"dir": "recv", "event": ev.event});
        if let Some(m) = &ev.message {
            e["message"] = m.to_value();
        }
        self.push(e);
    }
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Recorder({} entries)", self.0.lock().map(|v| v.len()).unwrap_or(0))
    }
}

/// A JSON-RPC endpoint reached over HTTP with the client's tokens. Cheap to clone; clones share
/// the id counter, tokens and connections.
#[derive(Clone)]
pub struct RpcClient {
    inner: Arc<Inner>,
}

struct Inner {
    client: Arc<ClientInner>,
    url: Url,
    tokens: TokenManager,
    headers: HeaderMap,
    opts: RpcOptions,
    next_id: AtomicU64,
    recorder: Mutex<Option<Recorder>>,
}

impl RpcClient {
    /// A client for the endpoint at `url` (https, or http on loopback).
    pub fn new(client: &crate::Client, url: &str, opts: RpcOptions) -> Result<RpcClient> {
        let ci = client.inner().clone();
        let url = Url::parse(url).map_err(|e| Error::config(format!("endpoint URL is not a URL: {e}")))?;
        ci.http_config.check_url(&url, "endpoint URL")?;
        let headers = header_map(&opts.headers)?;
        let audience = Audience { scope: opts.token_scope.clone(), resource: opts.resource.clone() };
        let tokens = ci.tokens.for_audience(audience);
        Ok(RpcClient {
            inner: Arc::new(Inner {
                client: ci,
                url,
                tokens,
                headers,
                opts,
                next_id: AtomicU64::new(1),
                recorder: Mutex::new(None),
            }),
        })
    }

    /// The endpoint.
    pub fn url(&self) -> &Url {
        &self.inner.url
    }

    /// The manager of this endpoint's tokens.
    pub fn tokens(&self) -> &TokenManager {
        &self.inner.tokens
    }

    /// Record every message from now on (None stops).
    pub fn set_recorder(&self, r: Option<Recorder>) {
        *self.inner.recorder.lock().unwrap_or_else(|p| p.into_inner()) = r;
    }

    /// The recorder, if one is set.
    pub fn recorder(&self) -> Option<Recorder> {
        self.inner.recorder.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// A fresh request id (1, 2, 3, … per client).
    pub fn next_id(&self) -> Value {
        json!(self.inner.next_id.fetch_add(1, Ordering::Relaxed))
    }

    /// The client's SSE limits and timeouts, for streams opened by hand.
    pub fn stream_limits(&self) -> (usize, usize, Duration) {
        let c = &self.inner.client;
        (c.max_line_bytes, c.max_event_bytes, c.http_config.stream_idle_timeout)
    }

    /// POST one message with extra `headers`; the answer as it came.
    pub async fn post(&self, message: &Value, headers: &[(String, String)]) -> Result<Answer> {
        self.send(reqwest::Method::POST, Some(message), headers).await
    }

    /// GET the endpoint as an event stream (MCP's server-message stream and resumption). A 405
    /// (not offered) is an [`AnswerBody::Empty`] answer, not an error.
    pub async fn get(&self, headers: &[(String, String)]) -> Result<Answer> {
        self.send(reqwest::Method::GET, None, headers).await
    }

    /// DELETE the endpoint (MCP session end); the status (405: the server does not allow it).
    pub async fn delete(&self, headers: &[(String, String)]) -> Result<u16> {
        Ok(self.send(reqwest::Method::DELETE, None, headers).await?.status)
    }

    /// Call `method` and return its result. Messages other than the response (notifications,
    /// server requests) in a streamed answer are dropped; see [`call_with`](Self::call_with).
    pub async fn call(&self, method: &str, params: Option<Value>, headers: &[(String, String)]) -> Result<Value> {
        self.call_with(method, params, headers, |_| {}).await
    }

    /// Call `method`, handing every other message of a streamed answer to `on_message`.
    pub async fn call_with(
        &self,
        method: &str,
        params: Option<Value>,
        headers: &[(String, String)],
        on_message: impl FnMut(&Message),
    ) -> Result<Value> {
        let id = self.next_id();
        let answer = self.post(&request(&id, method, params), headers).await?;
        response_of(answer, &id, on_message).await?.into_result(None)
    }

    /// Send a notification (the server answers 202).
    pub async fn notify(&self, method: &str, params: Option<Value>, headers: &[(String, String)]) -> Result<()> {
        self.post(&notification(method, params), headers).await.map(|_| ())
    }

    async fn send(
        &self,
        method: reqwest::Method,
        body: Option<&Value>,
        headers: &[(String, String)],
    ) -> Result<Answer> {
        let inner = &self.inner;
        let c = &inner.client;
        // A service call's options (timeout, retries, extra headers, query and params) over the
        // client's defaults; outside a call, the defaults alone.
        let scope = crate::request_options::CallScope::current();
        // The client's default body fields are for the chat API's body, not JSON-RPC params.
        let mut base = c.call_defaults.clone();
        base.body.clear();
        let call = match &scope {
            Some(s) => s.settings(&base)?,
            None => base,
        };
        let limit = match inner.opts.request_timeout {
            Some(t) if !scope.as_ref().is_some_and(|s| s.sets_timeout()) => t,
            _ => call.timeout,
        };
        let url = call.url(inner.url.clone());
        let mut extra = header_map(headers)?;
        extra.extend(call.headers.clone());
        let body = body.map(|b| call.rpc_message(b)).transpose()?;
        let recorder = self.recorder();
        if let Some(r) = &recorder {
            let mut all = inner.headers.clone();
            all.extend(extra.clone());
            r.sent(method.as_str(), &all, body.as_ref());
        }
        let bytes =
            body.as_ref().map(serde_json::to_vec).transpose().map_err(|e| Error::config(format!("message: {e}")))?;
        let mut attempt = 0;
        let resp = loop {
            match self.attempt(&method, &url, &extra, bytes.as_deref(), limit, recorder.as_ref()).await {
                Ok(resp) => break resp,
                Err((e, may_retry)) => {
                    attempt += 1;
                    match call.retry.delay(attempt, &e).filter(|_| may_retry) {
                        Some(d) => {
                            tracing::warn!(target: "agenticstar", "JSON-RPC request failed ({}: {}); retry {attempt} in {d:?}", e.kind(), e.message());
                            tokio::time::sleep(d).await;
                        }
                        None => return Err(e),
                    }
                }
            }
        };
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        if let Some(s) = &scope {
            s.answered(crate::response::ResponseMeta::from_parts(status, &headers, c.request_id_header.as_deref()));
        }
        self.answer(resp, status, headers, limit, recorder.as_ref()).await
    }

    /// One try (with its one token renewal on 401): a 2xx answer (or a 405 to GET/DELETE), or the
    /// error and whether retrying is safe. Only failures where the server cannot have acted on the
    /// message are retried (no connection; 408, 429, 503): a tool call must not run twice.
    async fn attempt(
        &self,
        method: &reqwest::Method,
        url: &Url,
        extra: &HeaderMap,
        bytes: Option<&[u8]>,
        limit: Duration,
        recorder: Option<&Recorder>,
    ) -> std::result::Result<reqwest::Response, (Error, bool)> {
        let inner = &self.inner;
        let c = &inner.client;
        let mut renewed = false;
        loop {
            let token =
                if inner.opts.bearer { Some(inner.tokens.get_token().await.map_err(|e| (e, false))?) } else { None };
            if let Some(t) = &token {
                self.check_scope(t).map_err(|e| (e, false))?;
            }
            let mut req = c.http.request(method.clone(), url.clone()).headers(inner.headers.clone());
            req = match *method {
                reqwest::Method::POST => req.header(header::ACCEPT, "application/json, text/event-stream"),
                reqwest::Method::GET => req.header(header::ACCEPT, "text/event-stream"),
                _ => req,
            };
            req = req.headers(extra.clone());
            if let Some(b) = bytes {
                req = req.header(header::CONTENT_TYPE, "application/json").body(b.to_vec());
            }
            if let Some(t) = &token {
                req = req.bearer_auth(t.access_token().expose());
            }
            let resp = match tokio::time::timeout(limit, req.send()).await {
                Err(_) => {
                    return Err((
                        Error::new(ErrorKind::Timeout, format!("no answer from the endpoint within {limit:?}")),
                        false,
                    ));
                }
                Ok(Err(e)) => return Err((Error::from_reqwest(&e, "JSON-RPC request"), e.is_connect())),
                Ok(Ok(r)) => r,
            };
            let status = resp.status().as_u16();
            if status == 401
                && let Some(t) = token.as_ref().filter(|_| !renewed)
            {
                tracing::info!(target: "agenticstar", "endpoint answered 401; renewing the token and retrying once");
                inner.tokens.invalidate(t.access_token().expose());
                renewed = true;
                continue;
            }
            if (200..300).contains(&status) || (status == 405 && method != reqwest::Method::POST) {
                return Ok(resp);
            }
            let headers = resp.headers().clone();
            let challenge = headers.get(header::WWW_AUTHENTICATE).and_then(|v| v.to_str().ok()).map(str::to_owned);
            // The error carries the answer's headers and request id, as the chat API's do.
            let meta = crate::response::ResponseMeta::from_parts(status, &headers, c.request_id_header.as_deref());
            let body = crate::http::read_body(resp, 64 * 1024, limit).await.unwrap_or_default();
            if let Some(r) = recorder {
                r.answered(status, &String::from_utf8_lossy(&body));
            }
            let e = self.error_for(status, challenge.as_deref(), token.as_ref(), &headers, &body);
            return Err((e.with_response(&meta), matches!(status, 408 | 429 | 503)));
        }
    }

    fn check_scope(&self, token: &Token) -> Result<()> {
        let needed = &self.inner.opts.scopes;
        if !self.inner.client.enforce_scopes || needed.is_empty() {
            return Ok(());
        }
        let needed: Vec<&str> = needed.iter().map(String::as_str).collect();
        match token.scopes() {
            Some(s) if !s.is_empty() && !s.allows_any(&needed) => Err(Error::new(
                ErrorKind::InsufficientScope,
                format!("the access token lacks scope {} (it has: {s})", needed.join(" or ")),
            )
            .with_code(Some("insufficient_scope".into()), None)
            .with_details(json!({"requiredScopes": needed}))),
            _ => Ok(()),
        }
    }

    async fn answer(
        &self,
        resp: reqwest::Response,
        status: u16,
        headers: HeaderMap,
        limit: Duration,
        recorder: Option<&Recorder>,
    ) -> Result<Answer> {
        let ctype = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
        if ctype.starts_with("text/event-stream") {
            if let Some(r) = recorder {
                r.answered(status, "sse");
            }
            let c = &self.inner.client;
            let stream = RpcStream::new(
                resp,
                (c.max_line_bytes, c.max_event_bytes),
                c.http_config.stream_idle_timeout,
                c.http_config.stream_timeout,
                recorder.cloned(),
            );
            return Ok(Answer { status, headers, body: AnswerBody::Stream(Box::new(stream)) });
        }
        let body = crate::http::read_body(resp, self.inner.opts.max_body_bytes, limit).await?;
        if body.iter().all(u8::is_ascii_whitespace) {
            if let Some(r) = recorder {
                r.answered(status, "");
            }
            return Ok(Answer { status, headers, body: AnswerBody::Empty });
        }
        if !ctype.starts_with("application/json") && !ctype.contains("+json") {
            let what = if ctype.is_empty() { "no content type".to_owned() } else { ctype };
            return Err(Error::new(
                ErrorKind::UnexpectedResponse,
                format!("expected application/json or text/event-stream, got {what}"),
            )
            .with_status(status)
            .with_excerpt(&body));
        }
        let v: Value = serde_json::from_slice(&body).map_err(|e| {
            Error::new(ErrorKind::UnexpectedResponse, format!("answer is not valid JSON: {e}"))
                .with_status(status)
                .with_excerpt(&body)
        })?;
        if let Some(r) = recorder {
            r.answered(status, "json");
            r.push(json!({"dir": "recv", "event": "json", "message": v}));
        }
        Ok(Answer { status, headers, body: AnswerBody::Json(v) })
    }

    fn error_for(
        &self,
        status: u16,
        challenge: Option<&str>,
        token: Option<&Token>,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Error {
        let json: Option<Value> = serde_json::from_slice(body).ok();
        let rpc = json.clone().and_then(|v| Message::from_value(v).ok());
        let details = challenge_details(challenge);
        let code = details.get("error").and_then(Value::as_str).map(str::to_owned);
        match status {
            401 => {
                let mut msg = "the endpoint rejected the access token (401) after one renewal".to_owned();
                if token.is_none() {
                    msg = "the endpoint requires a bearer token (401)".to_owned();
                }
                if let Some(d) = details.get("errorDescription").and_then(Value::as_str) {
                    msg.push_str(&format!(": {d}"));
                }
                Error::new(ErrorKind::Unauthorized, msg)
                    .with_status(401)
                    .with_code(code, None)
                    .with_details(details)
                    .with_excerpt(body)
            }
            403 if code.as_deref() == Some("insufficient_scope") => {
                let asked = details.get("scope").and_then(Value::as_str).unwrap_or("").to_owned();
                let mut required: Vec<String> =
                    token.and_then(Token::scopes).map(|s| s.as_slice().to_vec()).unwrap_or_default();
                for s in asked.split_ascii_whitespace() {
                    if !required.iter().any(|r| r == s) {
                        required.push(s.to_owned());
                    }
                }
                let mut d = details;
                d["requiredScopes"] = json!(required);
                Error::new(
                    ErrorKind::InsufficientScope,
                    format!("the endpoint needs scope {asked:?} (403 insufficient_scope)"),
                )
                .with_status(403)
                .with_code(code, None)
                .with_details(d)
            }
            _ => match rpc {
                Some(Message::Error { error, .. }) => error.into_error(Some(status)),
                _ => {
                    let retry_after = crate::http::parse_retry_after(headers.get(header::RETRY_AFTER));
                    let e = api_error(status, json.as_ref(), body, retry_after);
                    if details.as_object().is_some_and(|o| !o.is_empty()) { e.with_details(details) } else { e }
                }
            },
        }
    }
}

/// The response to request `id` in an answer: the JSON body, or read from the stream (other
/// messages go to `on_message`). A stream that ends first is `stream_truncated`.
pub async fn response_of(answer: Answer, id: &Value, on_message: impl FnMut(&Message)) -> Result<Message> {
    let status = answer.status;
    match answer.body {
        AnswerBody::Json(v) => {
            let m = Message::from_value(v).map_err(|e| e.with_status(status))?;
            match m.response_id() {
                Some(got) if got == id || got.is_null() => Ok(m),
                _ => Err(Error::new(
                    ErrorKind::UnexpectedResponse,
                    format!("answer is not the response to request {id}"),
                )
                .with_status(status)),
            }
        }
        AnswerBody::Stream(mut s) => match s.response_for(id, on_message).await? {
            Some(m) => Ok(m),
            None => {
                Err(Error::new(ErrorKind::StreamTruncated, "the stream ended before the response").with_status(status))
            }
        },
        AnswerBody::Empty => {
            Err(Error::new(ErrorKind::UnexpectedResponse, "the request got an empty answer").with_status(status))
        }
    }
}

fn header_map(pairs: &[(String, String)]) -> Result<HeaderMap> {
    let mut h = HeaderMap::new();
    for (k, v) in pairs {
        let name =
            HeaderName::from_bytes(k.as_bytes()).map_err(|_| Error::config(format!("invalid header name {k:?}")))?;
        let value = HeaderValue::from_str(v).map_err(|_| Error::config(format!("invalid value for header {k}")))?;
        h.insert(name, value);
    }
    Ok(h)
}
