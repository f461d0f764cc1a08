use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{Error, ErrorKind, Result};

/// The `model` sent when a request names none (the AGENTIC STAR agent).
pub const DEFAULT_MODEL: &str = "AGENTIC STAR";

/// Calls `$m!` with [`Role`]'s variants and their docs. The core defines `Role` from this list,
/// and a binding that must spell the enum out (uniffi's remote enum) expands the same list.
#[macro_export]
macro_rules! for_each_role {
    ($m:ident) => {
        $m! {
            /// Instructions that frame the conversation.
            System,
            /// OpenAI's newer name for system instructions; sent as given.
            Developer,
            /// The end user.
            User,
            /// The model; may carry `tool_calls` instead of content.
            Assistant,
            /// The result of a tool call; needs `tool_call_id`.
            Tool,
        }
    };
}

macro_rules! define_role {
    ($($(#[$doc:meta])* $v:ident,)*) => {
        /// Who speaks a [`Message`]; serialized as the wire's lowercase names.
        #[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
        #[serde(rename_all = "lowercase")]
        pub enum Role {
            $($(#[$doc])* $v,)*
        }
    };
}

for_each_role!(define_role);

impl Role {
    /// The wire name (`"user"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::System => "system",
            Role::Developer => "developer",
            Role::User => "user",
            Role::Assistant => "assistant",
            Role::Tool => "tool",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        serde_json::from_value(Value::String(s.to_owned())).map_err(|_| {
            Error::config(format!("unknown message role {s:?} (expected system, developer, user, assistant or tool)"))
        })
    }
}

/// A message's content: a plain string, or an array of typed parts (text, images, audio).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum Content {
    /// `"content": "..."`.
    Text(String),
    /// `"content": [{"type": ...}, ...]`.
    Parts(Vec<ContentPart>),
}

impl From<&str> for Content {
    fn from(s: &str) -> Self {
        Content::Text(s.to_owned())
    }
}

impl From<String> for Content {
    fn from(s: String) -> Self {
        Content::Text(s)
    }
}

impl From<Vec<ContentPart>> for Content {
    fn from(p: Vec<ContentPart>) -> Self {
        Content::Parts(p)
    }
}

impl Content {
    /// The text of the content (text parts concatenated).
    pub fn text(&self) -> String {
        match self {
            Content::Text(t) => t.clone(),
            Content::Parts(p) => p
                .iter()
                .filter_map(|p| if let ContentPart::Text { text } = p { Some(text.as_str()) } else { None })
                .collect(),
        }
    }
}

/// One part of an array content, tagged by `type` as on the wire.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ContentPart {
    /// `{"type": "text", "text": ...}`.
    Text {
        /// The text.
        text: String,
    },
    /// `{"type": "image_url", "image_url": {...}}`.
    ImageUrl {
        /// Where the image is.
        image_url: ImageUrl,
    },
    /// `{"type": "input_audio", "input_audio": {...}}`.
    InputAudio {
        /// The audio.
        input_audio: InputAudio,
    },
    /// An assistant's refusal, as returned by the API.
    Refusal {
        /// Why the assistant refused.
        refusal: String,
    },
}

impl ContentPart {
    /// A text part.
    pub fn text(text: impl Into<String>) -> Self {
        ContentPart::Text { text: text.into() }
    }
    /// An image part by URL, with the server's default `detail`.
    pub fn image_url(url: impl Into<String>) -> Self {
        ContentPart::ImageUrl { image_url: ImageUrl { url: url.into(), detail: None } }
    }
}

/// An image given by URL (`https://…` or a `data:` URL).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ImageUrl {
    /// `https://…` or `data:image/…;base64,…`.
    pub url: String,
    /// `auto`, `low` or `high`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// Base64 audio with its format (`wav`, `mp3`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct InputAudio {
    /// The audio bytes, base64-encoded.
    pub data: String,
    /// The encoding: `wav` or `mp3`.
    pub format: String,
}

/// A tool call an assistant made, as sent back in the conversation.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ToolCall {
    /// The call's id; the `tool` message that answers it repeats it as `tool_call_id`.
    pub id: String,
    /// Always `function` today.
    #[serde(rename = "type", default = "function_type")]
    pub kind: String,
    /// The function called and its arguments.
    pub function: FunctionCall,
}

fn function_type() -> String {
    "function".into()
}

impl ToolCall {
    /// A `function` call; `arguments` is JSON text.
    pub fn function(id: impl Into<String>, name: impl Into<String>, arguments: impl Into<String>) -> Self {
        ToolCall {
            id: id.into(),
            kind: function_type(),
            function: FunctionCall { name: name.into(), arguments: arguments.into() },
        }
    }
}

/// The function of a [`ToolCall`]; `arguments` is JSON text, as the model produced it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FunctionCall {
    /// The function's name.
    pub name: String,
    /// Its arguments as JSON text (not parsed: models may produce invalid JSON).
    pub arguments: String,
}

/// One chat message, in the wire's shape: `{"role", "content", "name", "tool_calls",
/// "tool_call_id"}`. Every binding hands messages to the core in this shape.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Message {
    /// Who speaks.
    pub role: Role,
    /// Required except on an assistant message that carries `tool_calls`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<Content>,
    /// A participant's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// An assistant's tool calls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_calls: Option<Vec<ToolCall>>,
    /// Which call a `tool` message answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
    /// Further fields, sent as given.
    #[serde(flatten, default, skip_serializing_if = "Map::is_empty")]
    pub extra: Map<String, Value>,
}

impl Message {
    /// A message of `role` with `content` and nothing else.
    pub fn new(role: Role, content: impl Into<Content>) -> Self {
        Message {
            role,
            content: Some(content.into()),
            name: None,
            tool_calls: None,
            tool_call_id: None,
            extra: Map::new(),
        }
    }
    /// Add a further field to this message.
    pub fn with(mut self, key: impl Into<String>, value: Value) -> Self {
        self.extra.insert(key.into(), value);
        self
    }
    /// A user message.
    pub fn user(content: impl Into<Content>) -> Self {
        Self::new(Role::User, content)
    }
    /// A system message.
    pub fn system(content: impl Into<Content>) -> Self {
        Self::new(Role::System, content)
    }
    /// An assistant message (an earlier reply, for context).
    pub fn assistant(content: impl Into<Content>) -> Self {
        Self::new(Role::Assistant, content)
    }
    /// An assistant turn that called tools (no content).
    pub fn assistant_tool_calls(calls: Vec<ToolCall>) -> Self {
        Message { tool_calls: Some(calls), content: None, ..Self::new(Role::Assistant, "") }
    }
    /// The result of the tool call `tool_call_id`.
    pub fn tool(tool_call_id: impl Into<String>, content: impl Into<Content>) -> Self {
        Message { tool_call_id: Some(tool_call_id.into()), ..Self::new(Role::Tool, content) }
    }
    /// Set the participant's `name`.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The rules the API enforces, checked before sending so the mistake is named locally.
    fn check(&self, i: usize) -> Result<()> {
        let fail = |what: &str| Err(Error::config(format!("messages[{i}] ({}): {what}", self.role.as_str())));
        match self.role {
            Role::Tool if self.tool_call_id.as_deref().is_none_or(str::is_empty) => {
                fail("a tool message needs tool_call_id")
            }
            Role::Tool => Ok(()),
            _ if self.tool_call_id.is_some() => fail("only a tool message has tool_call_id"),
            Role::Assistant => match (&self.content, &self.tool_calls) {
                (None, None) => fail("an assistant message needs content or tool_calls"),
                _ => Ok(()),
            },
            _ if self.tool_calls.is_some() => fail("only an assistant message has tool_calls"),
            _ if self.content.is_none() => fail("content is required"),
            _ => Ok(()),
        }
    }
}

/// A chat completion request. `extra` fields are sent as given (temperature, tools, ...).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChatRequest {
    /// The model or agent; `None` sends [`DEFAULT_MODEL`].
    pub model: Option<String>,
    /// The conversation, oldest first; at least one.
    pub messages: Vec<Message>,
    /// Further top-level fields of the body, sent as given.
    pub extra: Map<String, Value>,
}

impl ChatRequest {
    /// A request for `messages` with the default model.
    pub fn new(messages: Vec<Message>) -> Self {
        ChatRequest { messages, ..Default::default() }
    }
    /// One user message.
    pub fn user(text: impl Into<String>) -> Self {
        Self::new(vec![Message::user(text.into())])
    }
    /// Set the model.
    pub fn model(mut self, model: impl Into<String>) -> Self {
        self.model = Some(model.into());
        self
    }
    /// Add a top-level body field (`temperature`, `tools`, ...).
    pub fn extra(mut self, key: impl Into<String>, value: Value) -> Self {
        self.extra.insert(key.into(), value);
        self
    }

    /// An OpenAI-style request body (`{"model"?, "messages": [...], ...}`) as a request: `model`
    /// and `messages` are typed, every other field is sent as given; `stream` is the client's to set.
    /// This is how every binding hands a request to the core.
    pub fn from_json(body: Value) -> Result<Self> {
        let Value::Object(mut obj) = body else {
            return Err(Error::config("a chat request must be an object like {\"messages\": [...]}"));
        };
        let messages = match obj.remove("messages") {
            Some(Value::Array(list)) => list
                .into_iter()
                .enumerate()
                .map(|(i, m)| {
                    serde_json::from_value::<Message>(m)
                        .map_err(|e| Error::config(format!("messages[{i}] is not a chat message: {e}")))
                })
                .collect::<Result<Vec<_>>>()?,
            None | Some(Value::Null) => Vec::new(),
            Some(_) => return Err(Error::config("messages must be an array")),
        };
        let model = match obj.remove("model") {
            Some(Value::String(m)) => Some(m),
            None | Some(Value::Null) => None,
            Some(_) => return Err(Error::config("model must be a string")),
        };
        obj.remove("stream");
        Ok(ChatRequest { model, messages, extra: obj })
    }

    /// The JSON body sent for this request.
    pub fn body(&self, stream: bool) -> Result<Value> {
        if self.messages.is_empty() {
            return Err(Error::config("a chat request needs at least one message"));
        }
        for (i, m) in self.messages.iter().enumerate() {
            m.check(i)?;
        }
        let mut m = self.extra.clone();
        m.insert("model".into(), Value::String(self.model.clone().unwrap_or_else(|| DEFAULT_MODEL.into())));
        m.insert("messages".into(), serde_json::to_value(&self.messages).unwrap_or(Value::Null));
        m.insert("stream".into(), Value::Bool(stream));
        Ok(Value::Object(m))
    }
}

/// Token counts the server reports (on the last chunk of a stream, or on a completion).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Usage {
    /// Tokens of the request's messages.
    #[serde(default)]
    pub prompt_tokens: u64,
    /// Tokens generated.
    #[serde(default)]
    pub completion_tokens: u64,
    /// Both together.
    #[serde(default)]
    pub total_tokens: u64,
}

/// A piece of a streamed function call: `name` comes once, `arguments` in fragments to concatenate.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct FunctionDelta {
    /// The function's name (on the call's first delta).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The next fragment of the arguments' JSON text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arguments: Option<String>,
}

/// A piece of a streamed tool call; deltas with the same `index` belong to one call.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct ToolCallDelta {
    /// Which call of the reply this piece belongs to (0-based).
    #[serde(default)]
    pub index: u32,
    /// The call's id (on its first delta).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `function` (on its first delta).
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The function's name and an arguments fragment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function: Option<FunctionDelta>,
}

/// What one chunk adds to a choice's message.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Delta {
    /// `assistant`, usually on the first chunk only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// The next piece of text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// Pieces of tool calls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_calls: Option<Vec<ToolCallDelta>>,
}

/// One choice of a streamed chunk.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct ChunkChoice {
    /// Which choice (0 unless the request asked for `n` > 1).
    #[serde(default)]
    pub index: u32,
    /// What this chunk adds.
    #[serde(default)]
    pub delta: Delta,
    /// Why the choice ended (`stop`, `length`, `tool_calls`, ...), on its last chunk.
    #[serde(default)]
    pub finish_reason: Option<String>,
}

/// One `data:` payload of the stream. Unknown fields are ignored.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct ChatChunk {
    /// The completion's id (the same on every chunk of a reply).
    #[serde(default)]
    pub id: Option<String>,
    /// The model that answered.
    #[serde(default)]
    pub model: Option<String>,
    /// When the completion was created, in seconds since the Unix epoch.
    #[serde(default)]
    pub created: Option<i64>,
    /// The choices this chunk adds to (empty on a usage-only chunk).
    #[serde(default)]
    pub choices: Vec<ChunkChoice>,
    /// Token counts, on the last chunk when the server sends them.
    #[serde(default)]
    pub usage: Option<Usage>,
}

impl ChatChunk {
    /// The first choice's content delta ("" when none).
    pub fn text(&self) -> &str {
        self.choices.first().and_then(|c| c.delta.content.as_deref()).unwrap_or("")
    }
    /// The first `finish_reason` of any choice, if this chunk ends one.
    pub fn finish_reason(&self) -> Option<&str> {
        self.choices.iter().find_map(|c| c.finish_reason.as_deref())
    }
}

/// What one SSE event of the chat stream means.
#[derive(Clone, Debug, PartialEq)]
pub enum StreamItem {
    /// A chunk of the reply.
    Chunk(ChatChunk),
    /// `data: [DONE]`: the reply is complete.
    Done,
}

/// Decode one dispatched SSE event of the chat stream. Pure: fuzzing and parity vectors drive it.
pub fn decode_event(event: &str, data: &str) -> Result<StreamItem> {
    if event == "error" {
        return Err(stream_error(data));
    }
    if data.len() == 6 && data == "[DONE]" {
        return Ok(StreamItem::Done);
    }
    match serde_json::from_str::<ChatChunk>(data) {
        Ok(c) if c.choices.is_empty() && c.usage.is_none() && data.contains("\"error\"") => Err(stream_error(data)),
        Ok(c) => Ok(StreamItem::Chunk(c)),
        Err(e) => {
            // An error object where a chunk should be is the server's error, not our decode failure.
            if serde_json::from_str::<Value>(data).ok().is_some_and(|v| v.get("error").is_some()) {
                return Err(stream_error(data));
            }
            Err(Error::new(ErrorKind::StreamDecode, format!("stream chunk is not a valid chat chunk: {e}"))
                .with_excerpt(data.as_bytes()))
        }
    }
}

fn stream_error(data: &str) -> Error {
    let v: Option<Value> = serde_json::from_str(data).ok();
    let e = v.as_ref().and_then(|v| v.get("error")).or(v.as_ref());
    let field = |k: &str| {
        e.and_then(|e| e.get(k))
            .and_then(|x| x.as_str().map(str::to_owned).or_else(|| x.is_number().then(|| x.to_string())))
    };
    let message = field("message")
        .or_else(|| e.and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_else(|| "the server reported an error in the stream".into());
    Error::new(ErrorKind::StreamError, crate::redact::scrub(&message))
        .with_code(field("code"), field("type"))
        .with_excerpt(data.as_bytes())
}

/// A whole (non-streamed, or accumulated) completion.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct ChatCompletion {
    /// The completion's id.
    #[serde(default)]
    pub id: Option<String>,
    /// The model that answered.
    #[serde(default)]
    pub model: Option<String>,
    /// When it was created, in seconds since the Unix epoch.
    #[serde(default)]
    pub created: Option<i64>,
    /// The answers (one unless the request asked for `n` > 1).
    #[serde(default)]
    pub choices: Vec<CompletionChoice>,
    /// Token counts, when the server sends them.
    #[serde(default)]
    pub usage: Option<Usage>,
    /// Status, headers and request id of the answer (not part of the JSON).
    #[serde(skip)]
    pub response: Option<crate::response::ResponseMeta>,
}

/// One answer of a [`ChatCompletion`].
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct CompletionChoice {
    /// Which choice (0-based).
    #[serde(default)]
    pub index: u32,
    /// The assistant's message.
    #[serde(default)]
    pub message: CompletionMessage,
    /// Why it ended (`stop`, `length`, `tool_calls`, ...).
    #[serde(default)]
    pub finish_reason: Option<String>,
}

/// The message of a [`CompletionChoice`].
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct CompletionMessage {
    /// `assistant`.
    #[serde(default)]
    pub role: String,
    /// The whole text (`None` when the reply is only tool calls).
    #[serde(default)]
    pub content: Option<String>,
    /// The tool calls, as the server sent them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_calls: Option<Value>,
}

impl ChatCompletion {
    /// The first choice's content ("" when none).
    pub fn text(&self) -> &str {
        self.choices.first().and_then(|c| c.message.content.as_deref()).unwrap_or("")
    }
    /// The first choice's `finish_reason`.
    pub fn finish_reason(&self) -> Option<&str> {
        self.choices.first().and_then(|c| c.finish_reason.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn decodes_chunks_done_and_errors() {
        let c = match decode_event("message", r#"{"choices":[{"delta":{"content":"Hello"}}],"x":1}"#).unwrap() {
            StreamItem::Chunk(c) => c,
            _ => panic!(),
        };
        assert_eq!(c.text(), "Hello");
        assert_eq!(decode_event("message", "[DONE]").unwrap(), StreamItem::Done);
        assert_eq!(decode_event("message", "{not json").unwrap_err().kind(), ErrorKind::StreamDecode);
        let e = decode_event("error", r#"{"error":{"message":"boom","code":"agent_error"}}"#).unwrap_err();
        assert_eq!((e.kind(), e.message(), e.code()), (ErrorKind::StreamError, "boom", Some("agent_error")));
        let e = decode_event("message", r#"{"error":{"message":"limit","code":"rate_limited"}}"#).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::StreamError);
        assert_eq!(decode_event("message", r#"{"choices":"x"}"#).unwrap_err().kind(), ErrorKind::StreamDecode);
    }

    #[test]
    fn messages_keep_every_wire_field() {
        let wire = json!([
            {"role": "system", "content": "be brief", "name": "rules"},
            {"role": "user", "content": [{"type": "text", "text": "what is this?"},
                {"type": "image_url", "image_url": {"url": "https://x/y.png", "detail": "low"}}]},
            {"role": "assistant", "tool_calls": [{"id": "call_1", "type": "function",
                "function": {"name": "lookup", "arguments": "{\"q\":1}"}}]},
            {"role": "tool", "tool_call_id": "call_1", "content": "42"},
        ]);
        let req = ChatRequest::from_json(json!({"messages": wire, "model": "m", "temperature": 0.5, "stream": false}))
            .unwrap();
        let built = ChatRequest::new(vec![
            Message::system("be brief").name("rules"),
            Message::user(vec![
                ContentPart::text("what is this?"),
                ContentPart::ImageUrl {
                    image_url: ImageUrl { url: "https://x/y.png".into(), detail: Some("low".into()) },
                },
            ]),
            Message::assistant_tool_calls(vec![ToolCall::function("call_1", "lookup", "{\"q\":1}")]),
            Message::tool("call_1", "42"),
        ])
        .model("m")
        .extra("temperature", json!(0.5));
        assert_eq!(req, built);
        let body = req.body(true).unwrap();
        assert_eq!(body["messages"], wire);
        assert_eq!((body["stream"].clone(), body["temperature"].clone()), (json!(true), json!(0.5)));
    }

    #[test]
    fn bad_messages_are_config_errors() {
        let bad = |m: Value| ChatRequest::from_json(json!({"messages": [m]})).and_then(|r| r.body(true)).unwrap_err();
        for (m, says) in [
            (json!({"role": "tool", "content": "x"}), "tool_call_id"),
            (json!({"role": "user", "content": "x", "tool_call_id": "c"}), "only a tool message"),
            (json!({"role": "user"}), "content is required"),
            (json!({"role": "assistant"}), "content or tool_calls"),
            (json!({"role": "user", "content": "x", "tool_calls": []}), "only an assistant"),
            (json!({"role": "wizard", "content": "x"}), "messages[0]"),
            (json!({"role": "user", "content": 5}), "messages[0]"),
            (json!({"role": "user", "content": [{"type": "video", "url": "x"}]}), "messages[0]"),
        ] {
            let e = bad(m.clone());
            assert_eq!(e.kind(), ErrorKind::Config, "{m}");
            assert!(e.message().contains(says), "{m}: {}", e.message());
        }
        assert_eq!(ChatRequest::from_json(json!([])).unwrap_err().kind(), ErrorKind::Config);
        assert_eq!(ChatRequest::from_json(json!({"messages": [], "model": 1})).unwrap_err().kind(), ErrorKind::Config);
        assert_eq!("tool".parse::<Role>().unwrap(), Role::Tool);
        assert!("x".parse::<Role>().is_err());
    }
}
