use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{Error, ErrorKind, Result};

pub const DEFAULT_MODEL: &str = "AGENTIC STAR";

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Message {
    pub role: String,
    pub content: String,
    /// Further fields sent as given (`name`, `tool_call_id`, `tool_calls`, ...).
    #[serde(flatten, default, skip_serializing_if = "Map::is_empty")]
    pub extra: Map<String, Value>,
}

impl Message {
    pub fn new(role: impl Into<String>, content: impl Into<String>) -> Self {
        Message { role: role.into(), content: content.into(), extra: Map::new() }
    }
    /// Add a field to this message (e.g. `tool_call_id` on a tool result).
    pub fn with(mut self, key: impl Into<String>, value: Value) -> Self {
        self.extra.insert(key.into(), value);
        self
    }
    pub fn user(content: impl Into<String>) -> Self {
        Self::new("user", content)
    }
    pub fn system(content: impl Into<String>) -> Self {
        Self::new("system", content)
    }
    pub fn assistant(content: impl Into<String>) -> Self {
        Self::new("assistant", content)
    }
}

/// A chat completion request. `extra` fields are sent as given (temperature, tools, ...).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChatRequest {
    pub model: Option<String>,
    pub messages: Vec<Message>,
    pub extra: Map<String, Value>,
}

impl ChatRequest {
    pub fn new(messages: Vec<Message>) -> Self {
        ChatRequest { messages, ..Default::default() }
    }
    /// One user message.
    pub fn user(text: impl Into<String>) -> Self {
        Self::new(vec![Message::user(text)])
    }
    pub fn model(mut self, model: impl Into<String>) -> Self {
        self.model = Some(model.into());
        self
    }
    pub fn extra(mut self, key: impl Into<String>, value: Value) -> Self {
        self.extra.insert(key.into(), value);
        self
    }

    pub(crate) fn body(&self, stream: bool) -> Result<Value> {
        if self.messages.is_empty() {
            return Err(Error::config("a chat request needs at least one message"));
        }
        let mut m = self.extra.clone();
        m.insert("model".into(), Value::String(self.model.clone().unwrap_or_else(|| DEFAULT_MODEL.into())));
        m.insert("messages".into(), serde_json::to_value(&self.messages).unwrap_or(Value::Null));
        m.insert("stream".into(), Value::Bool(stream));
        Ok(Value::Object(m))
    }
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Usage {
    #[serde(default)]
    pub prompt_tokens: u64,
    #[serde(default)]
    pub completion_tokens: u64,
    #[serde(default)]
    pub total_tokens: u64,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct FunctionDelta {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arguments: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct ToolCallDelta {
    #[serde(default)]
    pub index: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function: Option<FunctionDelta>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Delta {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_calls: Option<Vec<ToolCallDelta>>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct ChunkChoice {
    #[serde(default)]
    pub index: u32,
    #[serde(default)]
    pub delta: Delta,
    #[serde(default)]
    pub finish_reason: Option<String>,
}

/// One `data:` payload of the stream. Unknown fields are ignored.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct ChatChunk {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub created: Option<i64>,
    #[serde(default)]
    pub choices: Vec<ChunkChoice>,
    #[serde(default)]
    pub usage: Option<Usage>,
}

impl ChatChunk {
    /// The first choice's content delta ("" when none).
    pub fn text(&self) -> &str {
        self.choices.first().and_then(|c| c.delta.content.as_deref()).unwrap_or("")
    }
    pub fn finish_reason(&self) -> Option<&str> {
        self.choices.iter().find_map(|c| c.finish_reason.as_deref())
    }
}

/// What one SSE event of the chat stream means.
#[derive(Clone, Debug, PartialEq)]
pub enum StreamItem {
    Chunk(ChatChunk),
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
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub created: Option<i64>,
    #[serde(default)]
    pub choices: Vec<CompletionChoice>,
    #[serde(default)]
    pub usage: Option<Usage>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct CompletionChoice {
    #[serde(default)]
    pub index: u32,
    #[serde(default)]
    pub message: CompletionMessage,
    #[serde(default)]
    pub finish_reason: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct CompletionMessage {
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub content: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_calls: Option<Value>,
}

impl ChatCompletion {
    pub fn text(&self) -> &str {
        self.choices.first().and_then(|c| c.message.content.as_deref()).unwrap_or("")
    }
    pub fn finish_reason(&self) -> Option<&str> {
        self.choices.first().and_then(|c| c.finish_reason.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
