//! A Model Context Protocol client over Streamable HTTP, on the client's tokens.
//!
//! [`McpClient::connect`] speaks both eras in use:
//!
//! - **current** (revision `2026-07-28`): stateless. Every request carries `params._meta` with
//!   the protocol version, client info and capabilities, and the headers `MCP-Protocol-Version`,
//!   `Mcp-Method`, `Mcp-Name` (`tools/call`, `resources/read`, `prompts/get`; non-ASCII as
//!   `=?base64?…?=`) and `Mcp-Param-*` for tool parameters marked `x-mcp-header`. Results may be
//!   `input_required` ([`Outcome::InputRequired`], answered with [`McpClient::answer`]); change
//!   notifications come on a `subscriptions/listen` stream.
//! - **legacy** (`2025-03-26` … `2025-11-25`): `initialize` + `notifications/initialized`, the
//!   `Mcp-Session-Id` on every request, a 404 re-initializes once transparently, `close()` sends
//!   DELETE, change notifications on the GET stream. A response stream cut after a priming event
//!   is resumed with GET + `Last-Event-ID` after the announced `retry`. Server requests on any
//!   stream are answered (`ping` → `{}`, anything else → -32601: no client capabilities are
//!   advertised). Dropping a call sends `notifications/cancelled`.
//!
//! Era detection sends `server/discover` first; a current-era answer (or -32022 naming a version
//! we speak) means current, any other JSON-RPC or 4xx answer means legacy. Auth errors, network
//! errors and 5xx are not a verdict and are returned. [`McpOptions::era`] forces one.
//!
//! Tokens come from the client's token manager for the RFC 8707 resource (the MCP URL by
//! default) with `mcp:all` needed; the 401/403 handling is the [`jsonrpc`] layer's.

pub mod service;
mod types;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

pub use service::McpService;
pub use types::*;

use crate::error::{Error, ErrorKind, Result};
use crate::jsonrpc::{self, AnswerBody, Message, Recorder, RpcClient, RpcOptions, RpcStream, codes};

/// The current revision.
pub const LATEST_VERSION: &str = "2026-07-28";
/// Stateless revisions this client speaks.
pub const CURRENT_VERSIONS: &[&str] = &["2026-07-28"];
/// Handshake revisions this client speaks, newest first.
pub const LEGACY_VERSIONS: &[&str] = &["2025-11-25", "2025-06-18", "2025-03-26"];
/// JSON-RPC code for a missing or mismatched routing header (current era).
pub const HEADER_MISMATCH: i64 = -32020;
/// JSON-RPC code for an unsupported protocol version; `data.supported` lists the server's.
pub const UNSUPPORTED_PROTOCOL_VERSION: i64 = -32022;

const META_VERSION: &str = "io.modelcontextprotocol/protocolVersion";
const META_CLIENT_INFO: &str = "io.modelcontextprotocol/clientInfo";
const META_CAPABILITIES: &str = "io.modelcontextprotocol/clientCapabilities";
/// Resumptions of one call before giving up (each after the server's `retry`).
const MAX_RESUMES: usize = 5;
/// Reconnection pause when a server sends no `retry`.
const DEFAULT_RETRY: Duration = Duration::from_secs(1);
/// Auto-paging stops here: a server that keeps returning cursors is broken.
const MAX_PAGES: usize = 1000;

/// Which protocol era a connection speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Era {
    /// Revision 2026-07-28, stateless.
    Current,
    /// 2025-03-26 … 2025-11-25, `initialize` and sessions.
    Legacy,
}

/// How to connect. JSON form (camelCase) is what every language passes.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct McpOptions {
    /// The MCP endpoint, e.g. `https://agent.example.com/mcp`.
    pub url: String,
    /// Force an era (None: detect).
    pub era: Option<Era>,
    /// Scopes the endpoint needs (default `["mcp:all"]`).
    pub scopes: Vec<String>,
    /// RFC 8707 resource to ask tokens for (default: the URL, canonicalized).
    pub resource: Option<String>,
    /// Send a resource indicator at all (default true; turn off for token servers that refuse it).
    pub send_resource: bool,
    /// Send the bearer token (default true; false to see what the server says without one).
    pub bearer: bool,
    /// Ask for a token of its own with these scopes (client credentials only).
    pub token_scope: Option<String>,
    /// Extra headers on every request.
    pub headers: BTreeMap<String, String>,
    /// `clientInfo.name` (default `agenticstar`).
    pub client_name: String,
    /// `clientInfo.version` (default: this SDK's version).
    pub client_version: String,
    /// The handshake version offered in the legacy era (default `2025-11-25`).
    pub legacy_version: String,
}

impl Default for McpOptions {
    fn default() -> Self {
        McpOptions {
            url: String::new(),
            era: None,
            scopes: vec!["mcp:all".into()],
            resource: None,
            send_resource: true,
            bearer: true,
            token_scope: None,
            headers: BTreeMap::new(),
            client_name: "agenticstar".into(),
            client_version: env!("CARGO_PKG_VERSION").into(),
            legacy_version: LEGACY_VERSIONS[0].into(),
        }
    }
}

impl McpOptions {
    /// The defaults for the endpoint `url`.
    pub fn new(url: impl Into<String>) -> Self {
        McpOptions { url: url.into(), ..Default::default() }
    }
}

/// What the server said about itself when the connection was made.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerInfo {
    /// The era the connection speaks.
    pub era: Era,
    /// The revision agreed (`protocolVersion`), e.g. `2026-07-28`.
    pub protocol_version: String,
    /// `serverInfo` (legacy `initialize`; current: `_meta` serverInfo of `server/discover`, if given).
    pub server_info: Value,
    /// The server's `capabilities` object (`tools`, `resources`, `prompts`, ...).
    pub capabilities: Value,
    /// Hints for the model on how to use this server, if it gives any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions: Option<String>,
    /// Current era: the versions `server/discover` listed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub supported_versions: Vec<String>,
}

struct Session {
    info: ServerInfo,
    session_id: Option<String>,
    /// Bumped by every (re-)initialize, so concurrent 404s re-initialize once.
    generation: u64,
}

struct Inner {
    rpc: RpcClient,
    opts: McpOptions,
    session: Mutex<Session>,
    init_lock: tokio::sync::Mutex<()>,
    /// Tool name → (argument path, header token) for `x-mcp-header` parameters.
    tool_headers: Mutex<HashMap<String, ParamHeaders>>,
    runtime: Option<tokio::runtime::Handle>,
}

/// An MCP connection. Cheap to clone; clones share the session.
#[derive(Clone)]
pub struct McpClient {
    inner: Arc<Inner>,
}

/// (argument path, header token) pairs of one tool.
type ParamHeaders = Vec<(Vec<String>, String)>;

type OnMessage<'a> = &'a mut (dyn FnMut(&Message) + Send);

impl McpClient {
    /// Connect to `opts.url`, detecting (or forcing) the era.
    pub async fn connect(client: &crate::Client, opts: McpOptions) -> Result<McpClient> {
        let resource = if opts.send_resource {
            Some(match &opts.resource {
                Some(r) => r.clone(),
                None => canonical_resource(&opts.url)?,
            })
        } else {
            None
        };
        let rpc = RpcClient::new(
            client,
            &opts.url,
            RpcOptions {
                scopes: opts.scopes.clone(),
                token_scope: opts.token_scope.clone(),
                resource,
                bearer: opts.bearer,
                headers: opts.headers.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                ..RpcOptions::default()
            },
        )?;
        let placeholder = ServerInfo {
            era: Era::Current,
            protocol_version: LATEST_VERSION.into(),
            server_info: Value::Null,
            capabilities: Value::Null,
            instructions: None,
            supported_versions: Vec::new(),
        };
        let mcp = McpClient {
            inner: Arc::new(Inner {
                rpc,
                opts,
                session: Mutex::new(Session { info: placeholder, session_id: None, generation: 0 }),
                init_lock: tokio::sync::Mutex::new(()),
                tool_headers: Mutex::new(HashMap::new()),
                runtime: client.inner().runtime.clone(),
            }),
        };
        match mcp.inner.opts.era {
            Some(Era::Current) => mcp.discover(LATEST_VERSION).await?,
            Some(Era::Legacy) => mcp.initialize(0).await?,
            None => mcp.detect().await?,
        }
        Ok(mcp)
    }

    /// Record every message from now on (for session vectors); see [`recording`](Self::recording).
    pub fn start_recording(&self) -> Recorder {
        let r = Recorder::new();
        self.inner.rpc.set_recorder(Some(r.clone()));
        r
    }

    /// What was recorded since [`start_recording`](Self::start_recording).
    pub fn recording(&self) -> Vec<Value> {
        self.inner.rpc.recorder().map(|r| r.entries()).unwrap_or_default()
    }

    /// The era, version and what the server said about itself.
    pub fn server(&self) -> ServerInfo {
        self.lock().info.clone()
    }

    /// The legacy session id, if the server gave one.
    pub fn session_id(&self) -> Option<String> {
        self.lock().session_id.clone()
    }

    /// The JSON-RPC transport (its token manager, recorder).
    pub fn rpc(&self) -> &RpcClient {
        &self.inner.rpc
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Session> {
        self.inner.session.lock().unwrap_or_else(|p| p.into_inner())
    }

    async fn detect(&self) -> Result<()> {
        match self.discover(LATEST_VERSION).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == ErrorKind::JsonRpc && e.code() == Some(&UNSUPPORTED_PROTOCOL_VERSION.to_string()) => {
                let supported: Vec<String> = e
                    .details()
                    .and_then(|d| d.pointer("/data/supported"))
                    .and_then(|s| serde_json::from_value(s.clone()).ok())
                    .unwrap_or_default();
                if let Some(v) = CURRENT_VERSIONS.iter().rev().find(|v| supported.iter().any(|s| s == *v)) {
                    return self.discover(v).await;
                }
                if !supported.is_empty() && !supported.iter().any(|s| LEGACY_VERSIONS.contains(&s.as_str())) {
                    return Err(e.map_message(|m| format!("{m}: the server speaks no MCP version this client does")));
                }
                self.initialize(0).await
            }
            Err(e) if is_legacy_verdict(&e) => {
                tracing::debug!(target: "agenticstar", "server/discover refused ({}); using the legacy handshake", e.message());
                self.initialize(0).await
            }
            Err(e) => Err(e),
        }
    }

    async fn discover(&self, version: &str) -> Result<()> {
        let params = self.current_params(json!({}), version);
        let headers = current_headers(version, "server/discover", None);
        let id = self.inner.rpc.next_id();
        let answer = self.inner.rpc.post(&jsonrpc::request(&id, "server/discover", Some(params)), &headers).await?;
        let status = answer.status;
        let result = jsonrpc::response_of(answer, &id, |_| {}).await?.into_result(Some(status))?;
        let supported: Vec<String> = result
            .get("supportedVersions")
            .and_then(|s| serde_json::from_value(s.clone()).ok())
            .ok_or_else(|| unexpected("server/discover result has no supportedVersions"))?;
        if !supported.iter().any(|s| s == version) {
            // A discover-answering server that lists no current version is a legacy server.
            if self.inner.opts.era.is_none() && supported.iter().any(|s| LEGACY_VERSIONS.contains(&s.as_str())) {
                return self.initialize(0).await;
            }
            return Err(Error::new(
                ErrorKind::UnexpectedResponse,
                format!("the server does not support MCP {version} (it lists {supported:?})"),
            ));
        }
        let info = ServerInfo {
            era: Era::Current,
            protocol_version: version.to_owned(),
            server_info: result.pointer("/_meta/io.modelcontextprotocol~1serverInfo").cloned().unwrap_or(Value::Null),
            capabilities: result.get("capabilities").cloned().unwrap_or(json!({})),
            instructions: result.get("instructions").and_then(Value::as_str).map(str::to_owned),
            supported_versions: supported,
        };
        self.lock().info = info;
        Ok(())
    }

    /// (Re-)initialize a legacy session, unless another caller did since `generation`.
    async fn initialize(&self, generation: u64) -> Result<()> {
        let _guard = self.inner.init_lock.lock().await;
        if self.lock().generation != generation {
            return Ok(());
        }
        let o = &self.inner.opts;
        let params = json!({
            "protocolVersion": o.legacy_version,
            "capabilities": {},
            "clientInfo": {"name": o.client_name, "version": o.client_version},
        });
        let id = self.inner.rpc.next_id();
        let answer = self.inner.rpc.post(&jsonrpc::request(&id, "initialize", Some(params)), &[]).await?;
        let session_id = answer.header("mcp-session-id").map(str::to_owned);
        let status = answer.status;
        let result = jsonrpc::response_of(answer, &id, |_| {}).await?.into_result(Some(status))?;
        let version = result
            .get("protocolVersion")
            .and_then(Value::as_str)
            .ok_or_else(|| unexpected("initialize result has no protocolVersion"))?
            .to_owned();
        if !LEGACY_VERSIONS.contains(&version.as_str()) {
            return Err(Error::new(
                ErrorKind::UnexpectedResponse,
                format!(
                    "the server answered initialize with protocol version {version:?}, which this client does not speak"
                ),
            ));
        }
        let info = ServerInfo {
            era: Era::Legacy,
            protocol_version: version.clone(),
            server_info: result.get("serverInfo").cloned().unwrap_or(Value::Null),
            capabilities: result.get("capabilities").cloned().unwrap_or(json!({})),
            instructions: result.get("instructions").and_then(Value::as_str).map(str::to_owned),
            supported_versions: Vec::new(),
        };
        {
            let mut s = self.lock();
            s.info = info;
            s.session_id = session_id;
            s.generation += 1;
        }
        let headers = self.legacy_headers();
        self.inner.rpc.notify("notifications/initialized", None, &headers).await
    }

    fn current_params(&self, mut params: Value, version: &str) -> Value {
        let o = &self.inner.opts;
        if !params.is_object() {
            params = json!({});
        }
        let meta = params.as_object_mut().unwrap().entry("_meta").or_insert_with(|| json!({}));
        if let Some(m) = meta.as_object_mut() {
            m.insert(META_VERSION.into(), json!(version));
            m.insert(META_CLIENT_INFO.into(), json!({"name": o.client_name, "version": o.client_version}));
            m.insert(META_CAPABILITIES.into(), json!({}));
        }
        params
    }

    fn legacy_headers(&self) -> Vec<(String, String)> {
        let s = self.lock();
        let mut h = vec![("MCP-Protocol-Version".to_owned(), s.info.protocol_version.clone())];
        if let Some(id) = &s.session_id {
            h.push(("Mcp-Session-Id".to_owned(), id.clone()));
        }
        h
    }

    fn param_headers(&self, tool: &str, args: &Value) -> Vec<(String, String)> {
        let map = self.inner.tool_headers.lock().unwrap_or_else(|p| p.into_inner());
        let Some(paths) = map.get(tool) else { return Vec::new() };
        let mut out = Vec::new();
        for (path, token) in paths {
            let mut v = args;
            for k in path {
                match v.get(k) {
                    Some(x) => v = x,
                    None => {
                        v = &Value::Null;
                        break;
                    }
                }
            }
            let rendered = match v {
                Value::Bool(b) => b.to_string(),
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                _ => continue,
            };
            out.push((format!("Mcp-Param-{token}"), encode_header_value(&rendered)));
        }
        out
    }

    /// Send `method` and return its result; notifications of the exchange go to `on_message`.
    /// With `progress`, `_meta.progressToken` is set (to the request id).
    async fn request(&self, method: &str, params: Value, progress: bool, on_message: OnMessage<'_>) -> Result<Value> {
        let mut reinitialized = false;
        loop {
            let (era, version, generation) = {
                let s = self.lock();
                (s.info.era, s.info.protocol_version.clone(), s.generation)
            };
            let id = self.inner.rpc.next_id();
            let mut params = match era {
                Era::Current => self.current_params(params.clone(), &version),
                Era::Legacy => {
                    let mut p = if params.is_object() { params.clone() } else { json!({}) };
                    if progress {
                        p.as_object_mut().unwrap().entry("_meta").or_insert_with(|| json!({}));
                    }
                    p
                }
            };
            if progress && let Some(m) = params.get_mut("_meta").and_then(Value::as_object_mut) {
                m.insert("progressToken".into(), id.clone());
            }
            let headers = match era {
                Era::Current => {
                    let name = match method {
                        "tools/call" | "prompts/get" => params.get("name").and_then(Value::as_str),
                        "resources/read" => params.get("uri").and_then(Value::as_str),
                        _ => None,
                    };
                    let mut h = current_headers(&version, method, name);
                    if method == "tools/call"
                        && let Some(n) = name
                    {
                        h.extend(self.param_headers(n, params.get("arguments").unwrap_or(&Value::Null)));
                    }
                    h
                }
                Era::Legacy => self.legacy_headers(),
            };
            let message = jsonrpc::request(&id, method, Some(params));
            // Legacy servers learn of a dropped call from notifications/cancelled.
            let mut guard = CancelGuard {
                client: (era == Era::Legacy).then(|| self.clone()),
                id: id.clone(),
                headers: headers.clone(),
            };
            let answer = match self.inner.rpc.post(&message, &headers).await {
                Err(e) if era == Era::Legacy && e.status() == Some(404) && !reinitialized => {
                    guard.client = None;
                    tracing::info!(target: "agenticstar", "MCP session gone (404); initializing again");
                    reinitialized = true;
                    self.initialize(generation).await?;
                    continue;
                }
                r => r?,
            };
            let status = answer.status;
            let result = match answer.body {
                AnswerBody::Stream(s) => self.read_response(*s, &id, &headers, on_message).await,
                _ => jsonrpc::response_of(answer, &id, |_| {}).await.and_then(|m| m.into_result(Some(status))),
            };
            guard.client = None;
            return result;
        }
    }

    /// Read a response stream to its response; a legacy stream cut after an event id is resumed
    /// with GET + Last-Event-ID after the server's `retry`.
    async fn read_response(
        &self,
        mut stream: RpcStream,
        id: &Value,
        headers: &[(String, String)],
        on_message: OnMessage<'_>,
    ) -> Result<Value> {
        let mut resumes = 0;
        loop {
            let status = stream.status();
            while let Some(ev) = stream.next().await {
                let Some(m) = ev?.message else { continue };
                match &m {
                    Message::Response { id: got, .. } | Message::Error { id: got, .. } if got == id => {
                        return m.into_result(Some(status));
                    }
                    Message::Request { .. } => self.answer_server_request(&m),
                    _ => on_message(&m),
                }
            }
            let last = stream.last_event_id().map(str::to_owned);
            let era = self.lock().info.era;
            match last {
                Some(last) if era == Era::Legacy && resumes < MAX_RESUMES => {
                    resumes += 1;
                    let wait = stream.retry().unwrap_or(DEFAULT_RETRY);
                    tracing::debug!(target: "agenticstar", "response stream ended early; resuming after {wait:?}");
                    tokio::time::sleep(wait).await;
                    let mut h = headers.to_vec();
                    h.push(("Last-Event-ID".into(), last));
                    match self.inner.rpc.get(&h).await?.body {
                        AnswerBody::Stream(s) => stream = *s,
                        _ => {
                            return Err(Error::new(
                                ErrorKind::StreamTruncated,
                                "the server refused to resume the stream",
                            ));
                        }
                    }
                }
                _ => {
                    return Err(Error::new(ErrorKind::StreamTruncated, "the stream ended before the response")
                        .with_status(status));
                }
            }
        }
    }

    /// Server-to-client requests (legacy): `ping` is answered, anything else is -32601 (we
    /// advertise no capabilities). Sent from a task so the stream keeps being read.
    fn answer_server_request(&self, m: &Message) {
        let Message::Request { id, method, .. } = m else { return };
        let reply = if method == "ping" {
            jsonrpc::response(id, json!({}))
        } else {
            jsonrpc::error_response(id, codes::METHOD_NOT_FOUND, "Method not found")
        };
        let me = self.clone();
        let headers = self.legacy_headers();
        let fut = async move {
            if let Err(e) = me.inner.rpc.post(&reply, &headers).await {
                tracing::debug!(target: "agenticstar", "answering a server request failed: {e}");
            }
        };
        if let Some(h) = self.inner.runtime.clone().or_else(|| tokio::runtime::Handle::try_current().ok()) {
            h.spawn(fut);
        }
    }

    async fn request_outcome(&self, method: &str, params: Value, on_message: OnMessage<'_>) -> Result<Outcome<Value>> {
        let progress = method == "tools/call";
        let result = self.request(method, params.clone(), progress, on_message).await?;
        if result.get("resultType").and_then(Value::as_str) == Some("input_required") {
            let mut p = params;
            if let Some(o) = p.as_object_mut() {
                o.remove("_meta");
                o.remove("inputResponses");
                o.remove("requestState");
            }
            return Ok(Outcome::InputRequired(InputRequired {
                input_requests: result.get("inputRequests").and_then(Value::as_object).cloned().unwrap_or_default(),
                request_state: result.get("requestState").and_then(Value::as_str).map(str::to_owned),
                method: method.to_owned(),
                params: p,
            }));
        }
        Ok(Outcome::Complete(result))
    }

    async fn paged<T: serde::de::DeserializeOwned>(&self, method: &str, key: &str) -> Result<Vec<T>> {
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let params = match &cursor {
                Some(c) => json!({"cursor": c}),
                None => json!({}),
            };
            let page = self.request(method, params, false, &mut |_| {}).await?;
            let items = page.get(key).cloned().unwrap_or(json!([]));
            let items: Vec<T> = serde_json::from_value(items)
                .map_err(|e| unexpected(&format!("{method}: {key} has an unexpected shape: {e}")))?;
            out.extend(items);
            match page.get("nextCursor").and_then(Value::as_str) {
                Some(c) if !c.is_empty() && cursor.as_deref() != Some(c) => cursor = Some(c.to_owned()),
                _ => return Ok(out),
            }
        }
        Err(unexpected(&format!("{method}: more than {MAX_PAGES} pages")))
    }

    /// Every tool (follows `nextCursor`). Remembers `x-mcp-header` parameters for `call_tool`.
    pub async fn list_tools(&self) -> Result<Vec<Tool>> {
        let tools: Vec<Tool> = self.paged("tools/list", "tools").await?;
        let mut map = self.inner.tool_headers.lock().unwrap_or_else(|p| p.into_inner());
        for t in &tools {
            let mut found = Vec::new();
            collect_x_mcp_headers(&t.input_schema, &mut Vec::new(), &mut found, 0);
            map.insert(t.name.clone(), found);
        }
        Ok(tools)
    }

    /// Call a tool. `on_progress` receives its `notifications/progress`. Dropping the future
    /// closes the connection (and, legacy, sends `notifications/cancelled`).
    pub async fn call_tool(
        &self,
        name: &str,
        arguments: Value,
        on_progress: Option<&mut (dyn FnMut(Progress) + Send)>,
    ) -> Result<Outcome<CallToolResult>> {
        let params = json!({"name": name, "arguments": if arguments.is_null() { json!({}) } else { arguments }});
        self.call_with_progress("tools/call", params, on_progress).await.and_then(typed_outcome)
    }

    async fn call_with_progress(
        &self,
        method: &str,
        params: Value,
        mut on_progress: Option<&mut (dyn FnMut(Progress) + Send)>,
    ) -> Result<Outcome<Value>> {
        let mut on_message = |m: &Message| {
            if let (Message::Notification { method, params: Some(p) }, Some(f)) = (m, on_progress.as_mut())
                && method == "notifications/progress"
                && let Ok(pr) = serde_json::from_value::<Progress>(p.clone())
            {
                f(pr);
            }
        };
        self.request_outcome(method, params, &mut on_message).await
    }

    /// Answer an `input_required` result: the original request again with `inputResponses`
    /// (keyed like `input_requests`) and the echoed `requestState`.
    pub async fn answer(
        &self,
        input: &InputRequired,
        responses: Map<String, Value>,
        on_progress: Option<&mut (dyn FnMut(Progress) + Send)>,
    ) -> Result<Outcome<Value>> {
        let mut params = if input.params.is_object() { input.params.clone() } else { json!({}) };
        let o = params.as_object_mut().unwrap();
        o.insert("inputResponses".into(), Value::Object(responses));
        if let Some(s) = &input.request_state {
            o.insert("requestState".into(), json!(s));
        }
        self.call_with_progress(&input.method, params, on_progress).await
    }

    /// `resources/list`, every page.
    pub async fn list_resources(&self) -> Result<Vec<Resource>> {
        self.paged("resources/list", "resources").await
    }

    /// `resources/templates/list`, every page.
    pub async fn list_resource_templates(&self) -> Result<Vec<ResourceTemplate>> {
        self.paged("resources/templates/list", "resourceTemplates").await
    }

    /// `resources/read` of `uri`.
    pub async fn read_resource(&self, uri: &str) -> Result<Outcome<ReadResourceResult>> {
        self.request_outcome("resources/read", json!({"uri": uri}), &mut |_| {}).await.and_then(typed_outcome)
    }

    /// `prompts/list`, every page.
    pub async fn list_prompts(&self) -> Result<Vec<Prompt>> {
        self.paged("prompts/list", "prompts").await
    }

    /// `prompts/get`: the prompt `name` filled in with `arguments`.
    pub async fn get_prompt(&self, name: &str, arguments: Map<String, Value>) -> Result<Outcome<GetPromptResult>> {
        let params = json!({"name": name, "arguments": arguments});
        self.request_outcome("prompts/get", params, &mut |_| {}).await.and_then(typed_outcome)
    }

    /// `completion/complete`: `reference` is `{"type":"ref/prompt","name":…}` or
    /// `{"type":"ref/resource","uri":…}`; returns the `completion` object (`values`, `total`, `hasMore`).
    pub async fn complete(
        &self,
        reference: Value,
        argument: &str,
        value: &str,
        context: Option<Value>,
    ) -> Result<Value> {
        let mut params = json!({"ref": reference, "argument": {"name": argument, "value": value}});
        if let Some(c) = context {
            params["context"] = c;
        }
        let r = self.request("completion/complete", params, false, &mut |_| {}).await?;
        Ok(r.get("completion").cloned().unwrap_or(r))
    }

    /// `ping`.
    pub async fn ping(&self) -> Result<()> {
        self.request("ping", json!({}), false, &mut |_| {}).await.map(|_| ())
    }

    /// Any other request, as JSON.
    pub async fn send_request(&self, method: &str, params: Value) -> Result<Value> {
        self.request(method, params, false, &mut |_| {}).await
    }

    /// Change notifications (`notifications/*/list_changed`, `notifications/resources/updated`, …)
    /// as `{"type":"notification","method","params"}` items, until the stream is dropped.
    /// Current era: a `subscriptions/listen` request (with `resource_subscriptions`); legacy:
    /// the GET stream, resumed with `Last-Event-ID` after `retry` when it ends. A legacy server
    /// without a GET stream (405) ends the stream at once.
    pub fn notifications(&self, resource_subscriptions: Vec<String>) -> crate::surface::JsonStream {
        let me = self.clone();
        crate::surface::JsonStream::spawn(self.inner.runtime.clone(), move |sink| async move {
            me.produce_notifications(resource_subscriptions, sink).await
        })
    }

    async fn produce_notifications(&self, uris: Vec<String>, sink: crate::surface::JsonSink) -> Result<()> {
        let item = |m: &Message| match m {
            Message::Notification { method, params } => {
                Some(json!({"type": "notification", "method": method, "params": params.clone().unwrap_or(json!({}))}))
            }
            _ => None,
        };
        let (era, version) = {
            let s = self.lock();
            (s.info.era, s.info.protocol_version.clone())
        };
        if era == Era::Current {
            let id = self.inner.rpc.next_id();
            let mut filter =
                json!({"toolsListChanged": true, "promptsListChanged": true, "resourcesListChanged": true});
            if !uris.is_empty() {
                filter["resourceSubscriptions"] = json!(uris);
            }
            let params = self.current_params(json!({"notifications": filter}), &version);
            let headers = current_headers(&version, "subscriptions/listen", None);
            let answer =
                self.inner.rpc.post(&jsonrpc::request(&id, "subscriptions/listen", Some(params)), &headers).await?;
            let AnswerBody::Stream(mut s) = answer.body else {
                let status = answer.status;
                return jsonrpc::response_of(answer, &id, |_| {}).await?.into_result(Some(status)).map(|_| ());
            };
            while let Some(ev) = s.next().await {
                let Some(m) = ev?.message else { continue };
                if m.response_id() == Some(&id) {
                    return m.into_result(None).map(|_| ());
                }
                if let Some(v) = item(&m)
                    && !sink.send(v).await
                {
                    return Ok(());
                }
            }
            return Ok(());
        }
        for uri in &uris {
            self.request("resources/subscribe", json!({"uri": uri}), false, &mut |_| {}).await?;
        }
        let mut last: Option<String> = None;
        let mut failures = 0;
        loop {
            let mut h = self.legacy_headers();
            if let Some(l) = &last {
                h.push(("Last-Event-ID".into(), l.clone()));
            }
            let answer = match self.inner.rpc.get(&h).await {
                Ok(a) => a,
                Err(e) if failures < 3 && e.kind().is_transient() => {
                    failures += 1;
                    tokio::time::sleep(DEFAULT_RETRY).await;
                    continue;
                }
                Err(e) => return Err(e),
            };
            let AnswerBody::Stream(mut s) = answer.body else { return Ok(()) };
            failures = 0;
            while let Some(ev) = s.next().await {
                let ev = match ev {
                    Ok(ev) => ev,
                    Err(e) if e.kind() == ErrorKind::StreamTruncated => break,
                    Err(e) => return Err(e),
                };
                let Some(m) = ev.message else { continue };
                if matches!(m, Message::Request { .. }) {
                    self.answer_server_request(&m);
                } else if let Some(v) = item(&m)
                    && !sink.send(v).await
                {
                    return Ok(());
                }
            }
            last = s.last_event_id().map(str::to_owned).or(last);
            tokio::time::sleep(s.retry().unwrap_or(DEFAULT_RETRY)).await;
        }
    }

    /// End the connection: legacy sends DELETE with the session id (200, or 405 when the server
    /// does not allow it); the current era has nothing to end.
    pub async fn close(&self) -> Result<()> {
        let (era, has_session) = {
            let s = self.lock();
            (s.info.era, s.session_id.is_some())
        };
        if era == Era::Legacy && has_session {
            let h = self.legacy_headers();
            match self.inner.rpc.delete(&h).await {
                Ok(_) => {}
                Err(e) if e.status() == Some(404) => {}
                Err(e) => return Err(e),
            }
            self.lock().session_id = None;
        }
        Ok(())
    }
}

impl std::fmt::Debug for McpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = self.lock();
        f.debug_struct("McpClient")
            .field("url", &self.inner.opts.url)
            .field("era", &s.info.era)
            .field("protocol_version", &s.info.protocol_version)
            .finish()
    }
}

/// Sends `notifications/cancelled` if a legacy call is dropped before its answer.
struct CancelGuard {
    client: Option<McpClient>,
    id: Value,
    headers: Vec<(String, String)>,
}

impl Drop for CancelGuard {
    fn drop(&mut self) {
        let Some(c) = self.client.take() else { return };
        let params = json!({"requestId": self.id, "reason": "cancelled by the client"});
        let headers = std::mem::take(&mut self.headers);
        let rt = c.inner.runtime.clone().or_else(|| tokio::runtime::Handle::try_current().ok());
        let fut = async move {
            let _ = c.inner.rpc.notify("notifications/cancelled", Some(params), &headers).await;
        };
        if let Some(h) = rt {
            h.spawn(fut);
        }
    }
}

fn typed_outcome<T: serde::de::DeserializeOwned>(o: Outcome<Value>) -> Result<Outcome<T>> {
    Ok(match o {
        Outcome::Complete(v) => Outcome::Complete(
            serde_json::from_value(v).map_err(|e| unexpected(&format!("result has an unexpected shape: {e}")))?,
        ),
        Outcome::InputRequired(i) => Outcome::InputRequired(i),
    })
}

fn unexpected(msg: &str) -> Error {
    Error::new(ErrorKind::UnexpectedResponse, msg)
}

/// A refusal of `server/discover` that means "legacy server": a JSON-RPC error, or a 4xx that
/// is not about auth.
fn is_legacy_verdict(e: &Error) -> bool {
    match e.kind() {
        ErrorKind::JsonRpc => true,
        ErrorKind::Api | ErrorKind::UnexpectedResponse | ErrorKind::InvalidRequest => {
            e.status().is_some_and(|s| (400..500).contains(&s))
        }
        _ => false,
    }
}

fn current_headers(version: &str, method: &str, name: Option<&str>) -> Vec<(String, String)> {
    let mut h =
        vec![("MCP-Protocol-Version".to_owned(), version.to_owned()), ("Mcp-Method".to_owned(), method.to_owned())];
    if let Some(n) = name {
        h.push(("Mcp-Name".to_owned(), encode_header_value(n)));
    }
    h
}

/// A header value as is when it is plain printable ASCII without edge whitespace, else
/// `=?base64?<standard base64 of its UTF-8>?=`.
pub fn encode_header_value(v: &str) -> String {
    let plain = v.bytes().all(|b| (0x20..=0x7e).contains(&b))
        && v.trim() == v
        && !(v.starts_with("=?base64?") && v.ends_with("?="));
    if plain {
        v.to_owned()
    } else {
        format!("=?base64?{}?=", base64::engine::general_purpose::STANDARD.encode(v.as_bytes()))
    }
}

/// `x-mcp-header` annotations reachable through `properties` only (as the SDKs do).
fn collect_x_mcp_headers(schema: &Value, path: &mut Vec<String>, out: &mut Vec<(Vec<String>, String)>, depth: usize) {
    if depth > 32 {
        return;
    }
    if !path.is_empty()
        && let Some(t) = schema.get("x-mcp-header").and_then(Value::as_str)
        && !t.is_empty()
        && t.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
    {
        out.push((path.clone(), t.to_owned()));
    }
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        for (k, sub) in props {
            path.push(k.clone());
            collect_x_mcp_headers(sub, path, out, depth + 1);
            path.pop();
        }
    }
}

/// RFC 8707 §2 / MCP: the canonical server URI — lower-case scheme and host, no fragment.
fn canonical_resource(url: &str) -> Result<String> {
    let mut u = url::Url::parse(url).map_err(|e| Error::config(format!("MCP URL is not a URL: {e}")))?;
    u.set_fragment(None);
    let mut s = u.to_string();
    // `Url` adds "/" to an empty path; the MCP spec's canonical form has none.
    if u.path() == "/" && u.query().is_none() && !url.trim_end_matches('#').ends_with('/') {
        s.pop();
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_values_are_base64_wrapped_when_not_plain_ascii() {
        assert_eq!(encode_header_value("add"), "add");
        assert_eq!(encode_header_value("日本"), "=?base64?5pel5pys?=");
        assert_eq!(encode_header_value(" x"), "=?base64?IHg=?=");
        assert_eq!(encode_header_value("=?base64?x?="), "=?base64?PT9iYXNlNjQ/eD89?=");
    }

    #[test]
    fn x_mcp_header_params_are_found_through_properties() {
        let schema = json!({"type":"object","properties":{
            "region":{"type":"string","x-mcp-header":"Region"},
            "opts":{"type":"object","properties":{"dry":{"type":"boolean","x-mcp-header":"Dry-Run"}}},
            "bad":{"type":"string","x-mcp-header":"no spaces"},
            "list":{"type":"array","items":{"x-mcp-header":"Ignored"}}}});
        let mut out = Vec::new();
        collect_x_mcp_headers(&schema, &mut Vec::new(), &mut out, 0);
        out.sort();
        assert_eq!(
            out,
            vec![(vec!["opts".into(), "dry".into()], "Dry-Run".into()), (vec!["region".into()], "Region".into())]
        );
    }

    #[test]
    fn canonical_resource_drops_fragment_and_keeps_path() {
        assert_eq!(canonical_resource("HTTPS://Agent.Example.com/mcp#x").unwrap(), "https://agent.example.com/mcp");
        assert_eq!(canonical_resource("https://agent.example.com").unwrap(), "https://agent.example.com");
        assert_eq!(canonical_resource("http://127.0.0.1:8000/mcp").unwrap(), "http://127.0.0.1:8000/mcp");
    }

    #[test]
    fn options_parse_from_json() {
        let o: McpOptions = serde_json::from_value(json!({"url": "http://x/mcp", "era": "legacy"})).unwrap();
        assert_eq!((o.era, o.scopes.clone()), (Some(Era::Legacy), vec!["mcp:all".to_string()]));
        assert!(serde_json::from_value::<McpOptions>(json!({"url": "u", "bogus": 1})).is_err());
    }
}
