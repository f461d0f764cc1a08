use std::sync::Arc;

use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use url::Url;

use super::types::{
    AgentCard, AgentInterface, ListTasksParams, ListTasksResponse, Message, SendMessageConfiguration,
    SendMessageResponse, StreamEvent, Task,
};
use super::{AGENT_CARD_PATH, PROTOCOL_VERSION, typed};
use crate::error::{Error, ErrorKind, Result};
use crate::jsonrpc::{self, Answer, AnswerBody, Recorder, RpcClient, RpcOptions, RpcStream};

/// Largest agent card accepted.
const MAX_CARD_BYTES: usize = 1 << 20;
/// `ListTasks` pages followed at most (a server that pages forever is a broken server).
const MAX_PAGES: usize = 1000;

/// How an [`A2aClient`] talks to its agent. JSON: camelCase keys, every field optional.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct A2aOptions {
    /// Send the client's bearer token (default true).
    pub bearer: bool,
    /// Ask the token endpoint for a token with these scopes (space-separated) for this agent
    /// alone, instead of the client's own token (client credentials only). Default: none.
    pub token_scope: Option<String>,
    /// A2A extension URIs this client supports (sent as `A2A-Extensions`).
    pub extensions: Vec<String>,
    /// Keep every JSON-RPC message sent and received (see [`A2aClient::recording`]).
    pub record: bool,
}

impl Default for A2aOptions {
    fn default() -> Self {
        A2aOptions { bearer: true, token_scope: None, extensions: Vec::new(), record: false }
    }
}

/// What the card's `securityRequirements` ask of a caller with an OAuth bearer token.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct BearerRequirement {
    /// The card's names of the schemes of the alternative we meet (e.g. `["bearer"]`).
    pub schemes: Vec<String>,
    /// Every scope those schemes list (e.g. `["a2a:all"]`).
    pub scopes: Vec<String>,
}

/// A client for one A2A agent, over its first JSON-RPC interface. Cheap to clone.
#[derive(Clone)]
pub struct A2aClient {
    inner: Arc<Inner>,
}

struct Inner {
    card_url: Url,
    card: AgentCard,
    interface: AgentInterface,
    requirement: Option<BearerRequirement>,
    rpc: RpcClient,
    opts: A2aOptions,
}

/// The card's URL for `url`: a URL ending in `.json` is the card itself; anything else is the
/// agent's base URL, under which the card is at [`AGENT_CARD_PATH`].
pub fn card_url(url: &str) -> Result<Url> {
    let u = Url::parse(url).map_err(|e| Error::config(format!("agent URL is not a URL: {e}")))?;
    if u.path().ends_with(".json") {
        return Ok(u);
    }
    let mut c = u.clone();
    c.set_path(&format!("{}{AGENT_CARD_PATH}", u.path().trim_end_matches('/')));
    c.set_query(None);
    c.set_fragment(None);
    Ok(c)
}

impl A2aClient {
    /// Read the agent card at `url` (or under it, see [`card_url`]) and connect to the agent's
    /// first JSON-RPC interface. Fails before any call when the agent offers no JSON-RPC 1.x
    /// interface or no security requirement a bearer token meets (`unsupported_agent`), or when
    /// the token lacks the scopes the card asks for (`insufficient_scope`).
    pub async fn from_card(client: &crate::Client, url: &str, opts: A2aOptions) -> Result<A2aClient> {
        let card_url = card_url(url)?;
        let card = fetch_card(client, &card_url).await?;
        let agent = Self::with_card(client, card_url, card, opts)?;
        agent.check_token().await?;
        Ok(agent)
    }

    /// Connect with a card already in hand (`card_url` resolves relative interface URLs).
    pub fn with_card(client: &crate::Client, card_url: Url, card: AgentCard, opts: A2aOptions) -> Result<A2aClient> {
        let interface = pick_interface(&card, &card_url)?;
        let requirement = bearer_requirement(&card)?;
        let mut headers = vec![("A2A-Version".to_owned(), PROTOCOL_VERSION.to_owned())];
        if !opts.extensions.is_empty() {
            headers.push(("A2A-Extensions".to_owned(), opts.extensions.join(", ")));
        }
        let rpc = RpcClient::new(
            client,
            &interface.url,
            RpcOptions {
                scopes: requirement.as_ref().map(|r| r.scopes.clone()).unwrap_or_default(),
                token_scope: opts.token_scope.clone(),
                headers,
                bearer: opts.bearer,
                ..RpcOptions::default()
            },
        )?;
        if opts.record {
            rpc.set_recorder(Some(Recorder::new()));
        }
        Ok(A2aClient { inner: Arc::new(Inner { card_url, card, interface, requirement, rpc, opts }) })
    }

    /// The agent card as read.
    pub fn card(&self) -> &AgentCard {
        &self.inner.card
    }

    /// Where the card was read.
    pub fn card_url(&self) -> &Url {
        &self.inner.card_url
    }

    /// The interface in use (the first JSON-RPC one).
    pub fn interface(&self) -> &AgentInterface {
        &self.inner.interface
    }

    /// What the card requires of a bearer token; None when it requires no authentication.
    pub fn requirement(&self) -> Option<&BearerRequirement> {
        self.inner.requirement.as_ref()
    }

    /// The JSON-RPC layer underneath (tokens, recorder).
    pub fn rpc(&self) -> &RpcClient {
        &self.inner.rpc
    }

    /// Every message sent and received so far, with ids and times replaced by placeholders (the
    /// same exchange gives the same JSON in every language). Empty unless `record` was set.
    pub fn recording(&self) -> Vec<Value> {
        self.inner.rpc.recorder().map(|r| super::normalize_recording(&r.entries())).unwrap_or_default()
    }

    /// Fail when the token provably lacks a scope the card asks for (nothing is sent).
    pub async fn check_token(&self) -> Result<()> {
        let Some(req) = self.inner.requirement.as_ref().filter(|r| !r.scopes.is_empty()) else { return Ok(()) };
        if !self.inner.opts.bearer {
            return Ok(());
        }
        let token = self.inner.rpc.tokens().get_token().await?;
        let Some(granted) = token.scopes().filter(|s| !s.is_empty()) else { return Ok(()) };
        let missing: Vec<&String> = req.scopes.iter().filter(|s| !granted.allows(s)).collect();
        if missing.is_empty() {
            return Ok(());
        }
        Err(Error::new(
            ErrorKind::InsufficientScope,
            format!(
                "the agent's card requires scope {} (scheme {}); the access token has: {granted}",
                req.scopes.join(" "),
                req.schemes.join(" + ")
            ),
        )
        .with_code(Some("insufficient_scope".into()), None)
        .with_details(json!({"requiredScopes": req.scopes, "missingScopes": missing, "schemes": req.schemes})))
    }

    /// `params` with the interface's tenant, when it has one.
    fn params(&self, mut params: Value) -> Value {
        if !self.inner.interface.tenant.is_empty()
            && let Some(o) = params.as_object_mut()
        {
            o.insert("tenant".into(), json!(self.inner.interface.tenant));
        }
        params
    }

    /// Any JSON-RPC method of the agent (e.g. the `*TaskPushNotificationConfig` family), with the
    /// tenant added and A2A errors typed.
    pub async fn call(&self, method: &str, params: Value) -> Result<Value> {
        self.check_token().await?;
        self.inner.rpc.call(method, Some(self.params(params)), &[]).await.map_err(typed)
    }

    async fn call_as<T: serde::de::DeserializeOwned>(&self, method: &str, params: Value) -> Result<T> {
        let v = self.call(method, params).await?;
        decode(method, v)
    }

    /// `SendMessage`: the task the message started or continued, or the agent's direct reply.
    pub async fn send_message(
        &self,
        message: Message,
        configuration: Option<SendMessageConfiguration>,
    ) -> Result<SendMessageResponse> {
        self.call_as("SendMessage", send_params(message, configuration)).await
    }

    /// `SendStreamingMessage`: the task (or a single message), its updates, ending at a terminal
    /// or interrupted state. The request is sent on the first `next()`.
    pub fn send_streaming_message(
        &self,
        message: Message,
        configuration: Option<SendMessageConfiguration>,
    ) -> A2aStream {
        self.stream("SendStreamingMessage", send_params(message, configuration))
    }

    /// `SubscribeToTask`: follow a running task (after a dropped stream, or from a second place);
    /// opens with a snapshot of the task.
    pub fn subscribe_to_task(&self, id: &str) -> A2aStream {
        self.stream("SubscribeToTask", json!({"id": id}))
    }

    /// `GetTask`, with at most `history_length` messages of history.
    pub async fn get_task(&self, id: &str, history_length: Option<u32>) -> Result<Task> {
        let mut p = json!({"id": id});
        if let Some(h) = history_length {
            p["historyLength"] = json!(h);
        }
        self.call_as("GetTask", p).await
    }

    /// One page of `ListTasks` (`page_token` empty for the first).
    pub async fn list_tasks_page(&self, params: &ListTasksParams, page_token: &str) -> Result<ListTasksResponse> {
        let mut p = serde_json::to_value(params).map_err(|e| Error::config(format!("ListTasks params: {e}")))?;
        if !page_token.is_empty() {
            p["pageToken"] = json!(page_token);
        }
        self.call_as("ListTasks", p).await
    }

    /// Every task matching `params`, following `nextPageToken` to the end.
    pub async fn list_tasks(&self, params: &ListTasksParams) -> Result<Vec<Task>> {
        let mut tasks = Vec::new();
        let mut token = String::new();
        for _ in 0..MAX_PAGES {
            let page = self.list_tasks_page(params, &token).await?;
            tasks.extend(page.tasks);
            if page.next_page_token.is_empty() {
                return Ok(tasks);
            }
            if page.next_page_token == token {
                return Err(Error::new(
                    ErrorKind::InvalidAgentResponse,
                    "ListTasks returned the same page token twice",
                ));
            }
            token = page.next_page_token;
        }
        Err(Error::new(ErrorKind::InvalidAgentResponse, format!("ListTasks did not end within {MAX_PAGES} pages")))
    }

    /// `CancelTask`: the task as it is after the request (CANCELED once the agent stopped).
    pub async fn cancel_task(&self, id: &str) -> Result<Task> {
        self.call_as("CancelTask", json!({"id": id})).await
    }

    /// `GetExtendedAgentCard`: the card the agent shows authenticated callers.
    pub async fn extended_card(&self) -> Result<AgentCard> {
        self.call_as("GetExtendedAgentCard", json!({})).await
    }

    fn stream(&self, method: &'static str, params: Value) -> A2aStream {
        let agent = self.clone();
        let id = self.inner.rpc.next_id();
        let message = jsonrpc::request(&id, method, Some(self.params(params)));
        let start: BoxFuture<'static, Result<Answer>> = Box::pin(async move {
            agent.check_token().await?;
            agent.inner.rpc.post(&message, &[]).await
        });
        A2aStream { state: State::Start(start), method, status: 0 }
    }
}

fn send_params(message: Message, configuration: Option<SendMessageConfiguration>) -> Value {
    let mut p = json!({"message": message});
    if let Some(c) = configuration {
        p["configuration"] = json!(c);
    }
    p
}

fn decode<T: serde::de::DeserializeOwned>(method: &str, v: Value) -> Result<T> {
    serde_json::from_value(v).map_err(|e| {
        Error::new(
            ErrorKind::InvalidAgentResponse,
            format!("{method}: the agent's result has an unexpected shape: {e}"),
        )
    })
}

async fn fetch_card(client: &crate::Client, url: &Url) -> Result<AgentCard> {
    let c = client.inner();
    c.http_config.check_url(url, "agent card URL")?;
    let limit = c.http_config.request_timeout;
    let read = async {
        let resp = c
            .http
            .get(url.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| Error::from_reqwest(&e, "agent card"))?;
        let status = resp.status().as_u16();
        let body = crate::token::read_limited_pub(resp, MAX_CARD_BYTES).await?;
        Ok::<_, Error>((status, body))
    };
    let (status, body) = tokio::time::timeout(limit, read)
        .await
        .map_err(|_| Error::new(ErrorKind::Timeout, format!("no agent card within {limit:?}")))??;
    if status != 200 {
        let json: Option<Value> = serde_json::from_slice(&body).ok();
        return Err(crate::client::api_error(status, json.as_ref(), &body, None)
            .map_message(|m| format!("agent card at {}: {m}", url.path())));
    }
    serde_json::from_slice(&body).map_err(|e| {
        Error::new(ErrorKind::UnexpectedResponse, format!("the agent card is not a valid card: {e}"))
            .with_status(status)
            .with_excerpt(&body)
    })
}

/// The first interface we speak: JSON-RPC at protocol version 1.x (an empty version is 1.0's default).
fn pick_interface(card: &AgentCard, card_url: &Url) -> Result<AgentInterface> {
    let speaks = |i: &&AgentInterface| {
        i.protocol_binding.eq_ignore_ascii_case("JSONRPC")
            && (i.protocol_version.is_empty() || i.protocol_version == "1" || i.protocol_version.starts_with("1."))
    };
    let Some(found) = card.supported_interfaces.iter().find(speaks) else {
        let offered: Vec<String> = card
            .supported_interfaces
            .iter()
            .map(|i| format!("{} {}", i.protocol_binding, i.protocol_version).trim().to_owned())
            .collect();
        let what = if offered.is_empty() {
            "no supportedInterfaces (a pre-1.0 card?)".to_owned()
        } else {
            format!("only {}", offered.join(", "))
        };
        return Err(Error::new(
            ErrorKind::UnsupportedAgent,
            format!("the agent offers no JSON-RPC interface for A2A {PROTOCOL_VERSION}: it lists {what}"),
        )
        .with_details(json!({"supportedInterfaces": card.supported_interfaces})));
    };
    let mut i = found.clone();
    let url = card_url.join(&i.url).map_err(|e| {
        Error::new(ErrorKind::InvalidAgentResponse, format!("the card's interface URL {:?} is not a URL: {e}", i.url))
    })?;
    i.url = url.to_string();
    Ok(i)
}

/// The first alternative of `securityRequirements` whose every scheme takes an OAuth bearer token.
fn bearer_requirement(card: &AgentCard) -> Result<Option<BearerRequirement>> {
    if card.security_requirements.is_empty() {
        return Ok(None);
    }
    let mut seen = Vec::new();
    for req in &card.security_requirements {
        if req.schemes.is_empty() {
            return Ok(None);
        }
        let mut ok = true;
        for name in req.schemes.keys() {
            match card.security_schemes.get(name) {
                Some(s) if s.takes_bearer_token() => {}
                Some(s) => {
                    seen.push(format!("{name} ({})", s.describe()));
                    ok = false;
                }
                None => {
                    seen.push(format!("{name} (not defined in securitySchemes)"));
                    ok = false;
                }
            }
        }
        if ok {
            let mut scopes: Vec<String> = Vec::new();
            for s in req.schemes.values().flat_map(|l| l.list.iter()) {
                if !scopes.contains(s) {
                    scopes.push(s.clone());
                }
            }
            return Ok(Some(BearerRequirement { schemes: req.schemes.keys().cloned().collect(), scopes }));
        }
    }
    Err(Error::new(
        ErrorKind::UnsupportedAgent,
        format!(
            "no security requirement of the agent is met by an OAuth bearer token: it asks for {}",
            seen.join(", ")
        ),
    )
    .with_details(json!({"securityRequirements": card.security_requirements})))
}

enum State {
    Start(BoxFuture<'static, Result<Answer>>),
    Open(Box<RpcStream>),
    Json(Value),
    Done,
}

/// The events of a streaming call, typed. Ends (`None`) after the event that puts the task in a
/// terminal or interrupted state, or after a single `Message`; the connection is closed then, and
/// when the stream is dropped or [`close`](Self::close)d. Cancel-safe.
pub struct A2aStream {
    state: State,
    method: &'static str,
    status: u16,
}

impl A2aStream {
    /// A stream whose only item is `e`.
    pub fn failed(e: Error) -> A2aStream {
        let start: BoxFuture<'static, Result<Answer>> = Box::pin(async move { Err(e) });
        A2aStream { state: State::Start(start), method: "", status: 0 }
    }

    /// Stop now and close the connection.
    pub fn close(&mut self) {
        self.state = State::Done;
    }

    /// The next event; `None` once the stream ended. An error ends the stream.
    pub async fn next(&mut self) -> Option<Result<StreamEvent>> {
        loop {
            match &mut self.state {
                State::Done => return None,
                State::Start(fut) => match fut.await {
                    Ok(answer) => {
                        self.status = answer.status;
                        self.state = match answer.body {
                            AnswerBody::Stream(s) => State::Open(s),
                            AnswerBody::Json(v) => State::Json(v),
                            AnswerBody::Empty => {
                                return self.fail(Error::new(
                                    ErrorKind::UnexpectedResponse,
                                    format!("{}: empty answer", self.method),
                                ));
                            }
                        };
                    }
                    Err(e) => return self.fail(typed(e)),
                },
                State::Json(v) => {
                    // An error before the stream started (task not found, terminal task, ...).
                    let v = std::mem::take(v);
                    self.state = State::Done;
                    return Some(self.event(jsonrpc::Message::from_value(v)));
                }
                State::Open(s) => match s.next().await {
                    None => {
                        return self.fail(Error::new(
                            ErrorKind::StreamTruncated,
                            format!(
                                "{}: the stream ended before the task reached a final state (resume with subscribe_to_task)",
                                self.method
                            ),
                        ));
                    }
                    Some(Err(e)) => return self.fail(e),
                    Some(Ok(ev)) => {
                        let Some(m) = ev.message else { continue };
                        if !matches!(m, jsonrpc::Message::Response { .. } | jsonrpc::Message::Error { .. }) {
                            continue;
                        }
                        return Some(self.event(Ok(m)));
                    }
                },
            }
        }
    }

    fn fail(&mut self, e: Error) -> Option<Result<StreamEvent>> {
        self.state = State::Done;
        Some(Err(e))
    }

    fn event(&mut self, m: Result<jsonrpc::Message>) -> Result<StreamEvent> {
        let r = m
            .and_then(|m| m.into_result(Some(self.status)))
            .map_err(typed)
            .and_then(|v| decode::<StreamEvent>(self.method, v));
        match &r {
            Ok(ev) if !ev.ends_stream() => {}
            _ => self.state = State::Done,
        }
        r
    }
}
