//! A2A on the core surface: the same methods, in JSON, for every language.

use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::{Value, json};

use super::client::{A2aClient, A2aOptions, A2aStream};
use super::types::{ListTasksParams, Message, Part, Role, SendMessageConfiguration, StreamEvent};
use super::{TaskAssembler, new_id};
use crate::error::Result;
use crate::surface::{JsonStream, MethodSpec, Service, args, to_json, unknown_method};

pub(crate) const METHODS: &[MethodSpec] = &[
    MethodSpec::call("card"),
    MethodSpec::call("send_message"),
    MethodSpec::stream("send_streaming_message"),
    MethodSpec::call("get_task"),
    MethodSpec::call("list_tasks"),
    MethodSpec::call("cancel_task"),
    MethodSpec::stream("subscribe_to_task"),
    MethodSpec::call("extended_card"),
    MethodSpec::call("rpc"),
    MethodSpec::call("assemble"),
    MethodSpec::call("recording"),
];

/// Options of `open_service(client, "a2a", …)`: the agent's URL and [`A2aOptions`].
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OpenOptions {
    url: String,
    #[serde(flatten)]
    options: A2aOptions,
}

pub(crate) async fn open(client: crate::Client, options: Value) -> Result<Box<dyn Service>> {
    let o: OpenOptions = args("a2a", options)?;
    let runtime = client.inner().runtime.clone();
    let agent = A2aClient::from_card(&client, &o.url, o.options).await?;
    Ok(Box::new(A2aService { agent, runtime }))
}

struct A2aService {
    agent: A2aClient,
    runtime: Option<tokio::runtime::Handle>,
}

/// A message given as `{"message": {...}}` or, for short, `{"text": "...", "contextId"?, "taskId"?}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SendArgs {
    message: Option<Message>,
    text: Option<String>,
    context_id: Option<String>,
    task_id: Option<String>,
    message_id: Option<String>,
    configuration: Option<SendMessageConfiguration>,
}

impl SendArgs {
    fn split(self, method: &str) -> Result<(Message, Option<SendMessageConfiguration>)> {
        let message = match (self.message, self.text) {
            (Some(m), None) => m,
            (None, Some(t)) => Message {
                message_id: self.message_id.unwrap_or_else(new_id),
                context_id: self.context_id,
                task_id: self.task_id,
                role: Role::User,
                parts: vec![Part::text(t)],
                ..Default::default()
            },
            _ => return Err(crate::Error::config(format!("{method}: give either message or text"))),
        };
        Ok((message, self.configuration))
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct IdArgs {
    id: String,
    history_length: Option<u32>,
}

/// `{"jsonrpcMethod", "params"}` (not `method`: that name is taken by the bindings' own `call`).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CallArgs {
    jsonrpc_method: String,
    #[serde(default)]
    params: Value,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AssembleArgs {
    events: Vec<StreamEvent>,
}

impl Service for A2aService {
    fn methods(&self) -> &'static [MethodSpec] {
        METHODS
    }

    fn call(&self, method: &str, a: Value) -> BoxFuture<'static, Result<Value>> {
        let agent = self.agent.clone();
        let method = method.to_owned();
        Box::pin(async move {
            match method.as_str() {
                "card" => Ok(json!({
                    "card": agent.card(),
                    "cardUrl": agent.card_url().as_str(),
                    "interface": agent.interface(),
                    "requirement": agent.requirement(),
                })),
                "send_message" => {
                    let (m, c) = args::<SendArgs>(&method, a)?.split(&method)?;
                    to_json(&agent.send_message(m, c).await?)
                }
                "get_task" => {
                    let a: IdArgs = args(&method, a)?;
                    to_json(&agent.get_task(&a.id, a.history_length).await?)
                }
                "list_tasks" => {
                    let p: ListTasksParams = args(&method, a)?;
                    to_json(&agent.list_tasks(&p).await?)
                }
                "cancel_task" => {
                    let a: IdArgs = args(&method, a)?;
                    to_json(&agent.cancel_task(&a.id).await?)
                }
                "extended_card" => to_json(&agent.extended_card().await?),
                "rpc" => {
                    let a: CallArgs = args(&method, a)?;
                    let params = if a.params.is_null() { json!({}) } else { a.params };
                    agent.call(&a.jsonrpc_method, params).await
                }
                "assemble" => {
                    let a: AssembleArgs = args(&method, a)?;
                    let mut t = TaskAssembler::new();
                    for e in &a.events {
                        t.apply(e)?;
                    }
                    to_json(&t)
                }
                "recording" => Ok(Value::Array(agent.recording())),
                other => Err(unknown_method("a2a", other)),
            }
        })
    }

    fn open(&self, method: &str, a: Value) -> JsonStream {
        let stream = match method {
            "send_streaming_message" => match args::<SendArgs>(method, a).and_then(|s| s.split(method)) {
                Ok((m, c)) => self.agent.send_streaming_message(m, c),
                Err(e) => A2aStream::failed(e),
            },
            "subscribe_to_task" => match args::<IdArgs>(method, a) {
                Ok(a) => self.agent.subscribe_to_task(&a.id),
                Err(e) => A2aStream::failed(e),
            },
            other => A2aStream::failed(unknown_method("a2a", other)),
        };
        JsonStream::spawn(self.runtime.clone(), move |sink| async move {
            let mut stream = stream;
            while let Some(ev) = stream.next().await {
                if !sink.send(to_json(&ev?)?).await {
                    break;
                }
            }
            Ok(())
        })
    }
}
