//! [`McpClient`] on the core surface: the same methods, as JSON, for every language.

use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{InputRequired, McpClient, Outcome};
use crate::error::Result;
use crate::surface::{JsonStream, MethodSpec, Service, args, to_json, unknown_method};

/// The methods of the `"mcp"` service. Arguments and results are the MCP JSON shapes (camelCase).
/// Results that may need input (`call_tool`, `read_resource`, `get_prompt`, `answer`) are the
/// result object, or `{"resultType":"input_required","inputRequests","requestState","method","params"}`
/// to pass back to `answer` with `responses`.
pub const METHODS: &[MethodSpec] = &[
    MethodSpec::call("server"),
    MethodSpec::call("session_id"),
    MethodSpec::call("list_tools"),
    MethodSpec::call("call_tool"),
    MethodSpec::stream("call_tool_stream"),
    MethodSpec::call("answer"),
    MethodSpec::stream("answer_stream"),
    MethodSpec::call("list_resources"),
    MethodSpec::call("list_resource_templates"),
    MethodSpec::call("read_resource"),
    MethodSpec::call("list_prompts"),
    MethodSpec::call("get_prompt"),
    MethodSpec::call("complete"),
    MethodSpec::call("ping"),
    MethodSpec::call("send_request"),
    MethodSpec::stream("notifications"),
    MethodSpec::call("start_recording"),
    MethodSpec::call("recording"),
];

/// The `"mcp"` [`Service`].
pub struct McpService {
    client: McpClient,
}

impl McpService {
    /// The service over a connected client.
    pub fn new(client: McpClient) -> Self {
        McpService { client }
    }
    /// The client it calls.
    pub fn client(&self) -> &McpClient {
        &self.client
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CallTool {
    name: String,
    #[serde(default)]
    arguments: Value,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Uri {
    uri: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GetPrompt {
    name: String,
    #[serde(default)]
    arguments: Map<String, Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Complete {
    #[serde(rename = "ref")]
    reference: Value,
    argument: Argument,
    #[serde(default)]
    context: Option<Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Argument {
    name: String,
    value: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Answer {
    input: InputRequired,
    #[serde(default)]
    responses: Map<String, Value>,
}

/// `{"jsonrpcMethod", "params"}` (not `method`: that name is taken by the bindings' own `call`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct SendRequest {
    jsonrpc_method: String,
    #[serde(default)]
    params: Value,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Notifications {
    #[serde(default)]
    resource_subscriptions: Vec<String>,
}

fn outcome_json<T: serde::Serialize>(o: Outcome<T>) -> Result<Value> {
    match o {
        Outcome::Complete(t) => to_json(&t),
        Outcome::InputRequired(i) => {
            let mut v = to_json(&i)?;
            v["resultType"] = json!("input_required");
            Ok(v)
        }
    }
}

impl Service for McpService {
    fn methods(&self) -> &'static [MethodSpec] {
        METHODS
    }

    fn call(&self, method: &str, a: Value) -> BoxFuture<'static, Result<Value>> {
        let c = self.client.clone();
        let method = method.to_owned();
        Box::pin(async move {
            match method.as_str() {
                "server" => to_json(&c.server()),
                "session_id" => Ok(json!(c.session_id())),
                "list_tools" => to_json(&c.list_tools().await?),
                "call_tool" => {
                    let a: CallTool = args(&method, a)?;
                    outcome_json(c.call_tool(&a.name, a.arguments, None).await?)
                }
                "answer" => {
                    let a: Answer = args(&method, a)?;
                    outcome_json(c.answer(&a.input, a.responses, None).await?)
                }
                "list_resources" => to_json(&c.list_resources().await?),
                "list_resource_templates" => to_json(&c.list_resource_templates().await?),
                "read_resource" => {
                    let a: Uri = args(&method, a)?;
                    outcome_json(c.read_resource(&a.uri).await?)
                }
                "list_prompts" => to_json(&c.list_prompts().await?),
                "get_prompt" => {
                    let a: GetPrompt = args(&method, a)?;
                    outcome_json(c.get_prompt(&a.name, a.arguments).await?)
                }
                "complete" => {
                    let a: Complete = args(&method, a)?;
                    c.complete(a.reference, &a.argument.name, &a.argument.value, a.context).await
                }
                "ping" => c.ping().await.map(|_| json!({})),
                "send_request" => {
                    let a: SendRequest = args(&method, a)?;
                    c.send_request(&a.jsonrpc_method, a.params).await
                }
                "start_recording" => {
                    c.start_recording();
                    Ok(json!({}))
                }
                "recording" => Ok(Value::Array(c.recording())),
                _ => Err(unknown_method("mcp", &method)),
            }
        })
    }

    fn open(&self, method: &str, a: Value) -> JsonStream {
        let c = self.client.clone();
        let rt = c.inner.runtime.clone();
        match method {
            // Progress items, then the result: {"type":"progress",progress,total?,message?} … {"type":"result","result"}.
            "call_tool_stream" | "answer_stream" => {
                let method = method.to_owned();
                JsonStream::spawn(rt, move |sink| async move {
                    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
                    let mut on_progress = move |p: super::Progress| {
                        let mut v = serde_json::to_value(&p).unwrap_or_default();
                        v["type"] = json!("progress");
                        let _ = tx.send(v);
                    };
                    let call = async {
                        if method == "call_tool_stream" {
                            let a: CallTool = args(&method, a)?;
                            outcome_json(c.call_tool(&a.name, a.arguments, Some(&mut on_progress)).await?)
                        } else {
                            let a: Answer = args(&method, a)?;
                            outcome_json(c.answer(&a.input, a.responses, Some(&mut on_progress)).await?)
                        }
                    };
                    tokio::pin!(call);
                    let result = loop {
                        tokio::select! {
                            biased;
                            Some(p) = rx.recv() => if !sink.send(p).await { return Ok(()) },
                            r = &mut call => break r?,
                        }
                    };
                    while let Ok(p) = rx.try_recv() {
                        if !sink.send(p).await {
                            return Ok(());
                        }
                    }
                    sink.send(json!({"type": "result", "result": result})).await;
                    Ok(())
                })
            }
            "notifications" => match args::<Notifications>(method, a) {
                Ok(n) => c.notifications(n.resource_subscriptions),
                Err(e) => JsonStream::failed(e),
            },
            _ => JsonStream::failed(unknown_method("mcp", method)),
        }
    }

    fn close(&self) -> BoxFuture<'static, Result<()>> {
        let c = self.client.clone();
        Box::pin(async move { c.close().await })
    }
}
