//! MCP result shapes the specification fixes, typed; unknown fields are kept in `extra`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A tool the server offers (`tools/list`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tool {
    /// The name `tools/call` takes.
    pub name: String,
    /// A name for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// What the tool does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// JSON Schema of the arguments (`inputSchema`).
    #[serde(default)]
    pub input_schema: Value,
    /// JSON Schema of `structuredContent` (`outputSchema`), if the tool declares one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_schema: Option<Value>,
    /// Hints such as `readOnlyHint`, `destructiveHint` (untrusted: the server says so).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<Value>,
    /// Fields this client does not model (`_meta`, `icons`, ...).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One content block of a tool result or prompt message.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Content {
    /// `{"type": "text"}`.
    Text {
        /// The text.
        text: String,
        /// Other fields (`annotations`, `_meta`).
        #[serde(flatten)]
        extra: Map<String, Value>,
    },
    /// `{"type": "image"}`.
    Image {
        /// The image bytes, base64-encoded.
        data: String,
        /// e.g. `image/png`.
        #[serde(rename = "mimeType")]
        mime_type: String,
        /// Other fields (`annotations`, `_meta`).
        #[serde(flatten)]
        extra: Map<String, Value>,
    },
    /// `{"type": "audio"}`.
    Audio {
        /// The audio bytes, base64-encoded.
        data: String,
        /// e.g. `audio/wav`.
        #[serde(rename = "mimeType")]
        mime_type: String,
        /// Other fields (`annotations`, `_meta`).
        #[serde(flatten)]
        extra: Map<String, Value>,
    },
    /// `{"type": "resource_link"}`: a resource named by URI, to read separately.
    ResourceLink {
        /// The resource's URI.
        uri: String,
        /// Its name ("" when the server gives none).
        #[serde(default)]
        name: String,
        /// Other fields (`title`, `description`, `mimeType`, ...).
        #[serde(flatten)]
        extra: Map<String, Value>,
    },
    /// `{"type": "resource"}`: an embedded resource.
    Resource {
        /// The resource's contents.
        resource: ResourceContents,
        /// Other fields (`annotations`, `_meta`).
        #[serde(flatten)]
        extra: Map<String, Value>,
    },
}

impl Content {
    /// The text of a text block.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Content::Text { text, .. } => Some(text),
            _ => None,
        }
    }
}

/// The result of `tools/call`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallToolResult {
    /// What the tool returned, as content blocks.
    #[serde(default)]
    pub content: Vec<Content>,
    /// The result as JSON matching the tool's `outputSchema` (`structuredContent`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub structured_content: Option<Value>,
    /// `Some(true)` when the tool failed; the failure is described in `content` (not a JSON-RPC error).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_error: Option<bool>,
    /// Fields this client does not model (`_meta`, ...).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl CallToolResult {
    /// All text blocks joined.
    pub fn text(&self) -> String {
        self.content.iter().filter_map(Content::as_text).collect::<Vec<_>>().join("")
    }
}

/// A resource (`resources/list`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Resource {
    /// The URI `resources/read` takes.
    pub uri: String,
    /// Its name ("" when the server gives none).
    #[serde(default)]
    pub name: String,
    /// A name for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// What it holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Its media type, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    /// Fields this client does not model (`size`, `annotations`, `_meta`, ...).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A resource template (`resources/templates/list`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceTemplate {
    /// An RFC 6570 URI template (`uriTemplate`).
    pub uri_template: String,
    /// Its name ("" when the server gives none).
    #[serde(default)]
    pub name: String,
    /// What its resources hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The media type of every matching resource, if they share one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    /// Fields this client does not model (`title`, `annotations`, `_meta`, ...).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The contents of a resource: text or base64 `blob`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceContents {
    /// The resource's URI.
    pub uri: String,
    /// Its media type, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    /// Text contents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Binary contents, base64-encoded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blob: Option<String>,
    /// Fields this client does not model (`_meta`, ...).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The result of `resources/read`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadResourceResult {
    /// The contents (several for a resource that has parts).
    #[serde(default)]
    pub contents: Vec<ResourceContents>,
    /// Fields this client does not model (`_meta`, ...).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A prompt (`prompts/list`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Prompt {
    /// The name `prompts/get` takes.
    pub name: String,
    /// A name for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// What the prompt is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The arguments it takes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub arguments: Vec<PromptArgument>,
    /// Fields this client does not model (`icons`, `_meta`, ...).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One argument of a [`Prompt`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PromptArgument {
    /// The argument's key in `prompts/get`'s `arguments`.
    pub name: String,
    /// What it means.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Whether it must be given (absent means optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
    /// Fields this client does not model (`title`, ...).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One message of a prompt.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PromptMessage {
    /// `user` or `assistant`.
    pub role: String,
    /// The message's one content block.
    pub content: Content,
}

/// The result of `prompts/get`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetPromptResult {
    /// What the prompt is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The prompt, filled in with the arguments.
    #[serde(default)]
    pub messages: Vec<PromptMessage>,
    /// Fields this client does not model (`_meta`, ...).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A `notifications/progress` for a call.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    /// Work done so far; increases with every notification (units are the server's).
    pub progress: f64,
    /// The whole amount of work, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<f64>,
    /// What is being done now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// A result with `resultType: "input_required"` (revision 2026-07-28): the server needs answers
/// to `input_requests` (elicitation, sampling, roots, keyed by the server) before it can finish.
/// Answer with [`McpClient::answer`](super::McpClient::answer).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InputRequired {
    /// What the server asks (`inputRequests`), keyed by its ids; answers use the same keys.
    #[serde(default)]
    pub input_requests: Map<String, Value>,
    /// Opaque server state (`requestState`), echoed back with the answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_state: Option<String>,
    /// The method of the request to retry.
    pub method: String,
    /// Its params, without `_meta` and earlier answers.
    pub params: Value,
}

/// What a call that may need input gives back.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome<T> {
    /// The server finished.
    Complete(T),
    /// The server needs answers first.
    InputRequired(InputRequired),
}

impl<T> Outcome<T> {
    /// The complete result, or a `config` error when the server asked for input.
    pub fn complete(self) -> crate::Result<T> {
        match self {
            Outcome::Complete(t) => Ok(t),
            Outcome::InputRequired(_) => Err(crate::Error::config(
                "the server asked for input (input_required); answer it with McpClient::answer",
            )),
        }
    }
}
