//! A2A v1.0 objects in their JSON-RPC (proto-JSON) shape: camelCase keys, SCREAMING_SNAKE
//! enums, no `kind` field, default values omitted. Unknown fields are kept in `extra`, so an
//! object read from a newer agent goes back out unchanged.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

fn is_false(b: &bool) -> bool {
    !*b
}

/// `GET /.well-known/agent-card.json`: who the agent is and how to reach it.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AgentCard {
    /// Human-readable name of the agent.
    #[serde(default)]
    pub name: String,
    /// What the agent does, for people and for models choosing an agent.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Ordered by preference: the first one we speak is used.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub supported_interfaces: Vec<AgentInterface>,
    /// The organization that runs the agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<AgentProvider>,
    /// The agent's own version (not the A2A protocol version).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub version: String,
    /// Where the agent's documentation lives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation_url: Option<String>,
    /// Optional protocol features the agent supports.
    #[serde(default)]
    pub capabilities: AgentCapabilities,
    /// Schemes by name; `security_requirements` refers to them by these keys.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub security_schemes: BTreeMap<String, SecurityScheme>,
    /// Alternatives: meeting any one of them (all its schemes) is enough. Empty: no auth needed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub security_requirements: Vec<SecurityRequirement>,
    /// Media types every skill accepts unless the skill says otherwise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub default_input_modes: Vec<String>,
    /// Media types every skill produces unless the skill says otherwise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub default_output_modes: Vec<String>,
    /// What the agent can do.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skills: Vec<AgentSkill>,
    /// URL of an icon for the agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon_url: Option<String>,
    /// Further fields (signatures, extensions, pre-1.0 compatibility fields), kept as sent.
    #[serde(flatten, default, skip_serializing_if = "Map::is_empty")]
    pub extra: Map<String, Value>,
}

/// One way to reach the agent.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AgentInterface {
    /// Endpoint URL for this binding.
    pub url: String,
    /// `JSONRPC`, `HTTP+JSON` or `GRPC`.
    #[serde(default)]
    pub protocol_binding: String,
    /// A2A protocol version this interface speaks (`1.0`); empty means unstated.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub protocol_version: String,
    /// Sent back in every request's `tenant` param.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub tenant: String,
}

/// The organization behind an agent.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AgentProvider {
    /// The organization's name.
    #[serde(default)]
    pub organization: String,
    /// The organization's website.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub url: String,
}

/// Optional protocol features an agent supports.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AgentCapabilities {
    /// Serves `SendStreamingMessage` and `SubscribeToTask` (Server-Sent Events).
    #[serde(default, skip_serializing_if = "is_false")]
    pub streaming: bool,
    /// Can push task updates to a webhook the caller registers.
    #[serde(default, skip_serializing_if = "is_false")]
    pub push_notifications: bool,
    /// Serves a fuller card to authenticated callers (`GetExtendedAgentCard`).
    #[serde(default, skip_serializing_if = "is_false")]
    pub extended_agent_card: bool,
    /// Protocol extensions the agent supports, kept as sent.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extensions: Vec<Value>,
}

/// One capability the agent advertises.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AgentSkill {
    /// Unique id of the skill within the card.
    #[serde(default)]
    pub id: String,
    /// Human-readable name.
    #[serde(default)]
    pub name: String,
    /// What the skill does.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Keywords for finding the skill.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Further fields (examples, input/output modes, security requirements), kept as sent.
    #[serde(flatten, default, skip_serializing_if = "Map::is_empty")]
    pub extra: Map<String, Value>,
}

/// How the agent authenticates callers: exactly one of the fields is set (a proto `oneof`).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SecurityScheme {
    /// HTTP authentication (`Authorization` header, RFC 7235): Bearer, Basic, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_auth_security_scheme: Option<HttpAuthSecurityScheme>,
    /// An API key in a header, query parameter or cookie, kept as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key_security_scheme: Option<Value>,
    /// OAuth 2.0 flows and their endpoints, kept as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oauth2_security_scheme: Option<Value>,
    /// OpenID Connect discovery URL, kept as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_id_connect_security_scheme: Option<Value>,
    /// Mutual TLS, kept as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mtls_security_scheme: Option<Value>,
}

impl SecurityScheme {
    /// Whether an OAuth bearer access token satisfies this scheme (HTTP Bearer, OAuth 2, OIDC).
    pub fn takes_bearer_token(&self) -> bool {
        self.http_auth_security_scheme.as_ref().is_some_and(|h| h.scheme.eq_ignore_ascii_case("bearer"))
            || self.oauth2_security_scheme.is_some()
            || self.open_id_connect_security_scheme.is_some()
    }

    /// A short name for messages: `bearer`, `basic`, `apiKey`, `oauth2`, `openIdConnect`, `mtls`.
    pub fn describe(&self) -> String {
        if let Some(h) = &self.http_auth_security_scheme {
            return h.scheme.to_ascii_lowercase();
        }
        let named = [
            (self.api_key_security_scheme.is_some(), "apiKey"),
            (self.oauth2_security_scheme.is_some(), "oauth2"),
            (self.open_id_connect_security_scheme.is_some(), "openIdConnect"),
            (self.mtls_security_scheme.is_some(), "mtls"),
        ];
        named.iter().find(|(set, _)| *set).map_or("unknown", |(_, n)| n).to_owned()
    }
}

/// An HTTP `Authorization` scheme (RFC 7235).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct HttpAuthSecurityScheme {
    /// The scheme name, case-insensitive: `Bearer`, `Basic`, ...
    #[serde(default)]
    pub scheme: String,
    /// Hint at the token format, e.g. `JWT`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub bearer_format: String,
    /// Free-text description of the scheme.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
}

/// Schemes that must all be satisfied, each with the scopes it needs.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SecurityRequirement {
    /// Scheme name (a key of `AgentCard::security_schemes`) to the scopes it needs.
    #[serde(default)]
    pub schemes: BTreeMap<String, StringList>,
}

/// A proto list wrapper: `{"list": [...]}`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct StringList {
    /// The strings.
    #[serde(default)]
    pub list: Vec<String>,
}

/// Who sent a message.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub enum Role {
    /// `ROLE_USER`: sent by the client (a user or a calling agent).
    #[serde(rename = "ROLE_USER")]
    User,
    /// `ROLE_AGENT`: sent by the agent.
    #[serde(rename = "ROLE_AGENT")]
    Agent,
    /// `ROLE_UNSPECIFIED`, and any role this client does not know.
    #[default]
    #[serde(rename = "ROLE_UNSPECIFIED", other)]
    Unspecified,
}

/// One piece of content: exactly one of `text`, `raw` (base64), `url`, `data` is set.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Part {
    /// Plain text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Bytes, base64 as proto-JSON writes them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw: Option<String>,
    /// A file by URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Structured JSON data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
    /// Free-form metadata of this part.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
    /// File name, for `raw` and `url` parts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
    /// MIME type of the content, e.g. `text/plain` or `image/png`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
}

impl Part {
    /// A text part.
    pub fn text(t: impl Into<String>) -> Self {
        Part { text: Some(t.into()), ..Default::default() }
    }
    /// A structured-data part.
    pub fn data(v: Value) -> Self {
        Part { data: Some(v), ..Default::default() }
    }
}

/// A message between the user (or calling agent) and the agent.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    /// Unique id chosen by the sender.
    #[serde(default)]
    pub message_id: String,
    /// The conversation this message belongs to; the agent assigns one when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_id: Option<String>,
    /// The task this message continues (e.g. answering `TASK_STATE_INPUT_REQUIRED`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
    /// Who sent it.
    #[serde(default)]
    pub role: Role,
    /// The content, in order.
    #[serde(default)]
    pub parts: Vec<Part>,
    /// Free-form metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
    /// URIs of the protocol extensions this message uses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extensions: Vec<String>,
    /// Ids of other tasks the agent should take as context.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reference_task_ids: Vec<String>,
}

impl Message {
    /// A user message with one text part and a fresh message id.
    pub fn user(text: impl Into<String>) -> Self {
        Message { message_id: new_id(), role: Role::User, parts: vec![Part::text(text)], ..Default::default() }
    }
    /// The text parts joined.
    pub fn text(&self) -> String {
        text_of(&self.parts)
    }
}

/// The state of a task. Unknown states read as `Unspecified`.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub enum TaskState {
    /// `TASK_STATE_SUBMITTED`: received, not started yet.
    #[serde(rename = "TASK_STATE_SUBMITTED")]
    Submitted,
    /// `TASK_STATE_WORKING`: in progress.
    #[serde(rename = "TASK_STATE_WORKING")]
    Working,
    /// `TASK_STATE_COMPLETED`: finished successfully (terminal).
    #[serde(rename = "TASK_STATE_COMPLETED")]
    Completed,
    /// `TASK_STATE_FAILED`: finished with an error (terminal).
    #[serde(rename = "TASK_STATE_FAILED")]
    Failed,
    /// `TASK_STATE_CANCELED`: canceled before it finished (terminal).
    #[serde(rename = "TASK_STATE_CANCELED")]
    Canceled,
    /// `TASK_STATE_INPUT_REQUIRED`: the agent waits for another message from the caller.
    #[serde(rename = "TASK_STATE_INPUT_REQUIRED")]
    InputRequired,
    /// `TASK_STATE_REJECTED`: the agent declined the task (terminal).
    #[serde(rename = "TASK_STATE_REJECTED")]
    Rejected,
    /// `TASK_STATE_AUTH_REQUIRED`: the caller must authenticate further before the agent goes on.
    #[serde(rename = "TASK_STATE_AUTH_REQUIRED")]
    AuthRequired,
    /// `TASK_STATE_UNSPECIFIED`, and any state this client does not know.
    #[default]
    #[serde(rename = "TASK_STATE_UNSPECIFIED", other)]
    Unspecified,
}

impl TaskState {
    /// No further updates will come (completed, failed, canceled, rejected).
    pub fn is_terminal(self) -> bool {
        matches!(self, TaskState::Completed | TaskState::Failed | TaskState::Canceled | TaskState::Rejected)
    }
    /// The agent waits for the caller (input or auth required): a stream closes here too.
    pub fn is_interrupted(self) -> bool {
        matches!(self, TaskState::InputRequired | TaskState::AuthRequired)
    }
    /// The wire name (`TASK_STATE_COMPLETED`).
    pub fn as_str(self) -> &'static str {
        match self {
            TaskState::Unspecified => "TASK_STATE_UNSPECIFIED",
            TaskState::Submitted => "TASK_STATE_SUBMITTED",
            TaskState::Working => "TASK_STATE_WORKING",
            TaskState::Completed => "TASK_STATE_COMPLETED",
            TaskState::Failed => "TASK_STATE_FAILED",
            TaskState::Canceled => "TASK_STATE_CANCELED",
            TaskState::InputRequired => "TASK_STATE_INPUT_REQUIRED",
            TaskState::Rejected => "TASK_STATE_REJECTED",
            TaskState::AuthRequired => "TASK_STATE_AUTH_REQUIRED",
        }
    }
}

/// A task's state at one moment, with what the agent said about it.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TaskStatus {
    /// The state.
    #[serde(default)]
    pub state: TaskState,
    /// The agent's message about this status (e.g. which input it needs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<Message>,
    /// RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
}

/// Output of a task.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Artifact {
    /// Unique id within the task; artifact updates name it.
    #[serde(default)]
    pub artifact_id: String,
    /// Human-readable name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Human-readable description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The content, in order.
    #[serde(default)]
    pub parts: Vec<Part>,
    /// Free-form metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
    /// URIs of the protocol extensions this artifact uses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extensions: Vec<String>,
}

impl Artifact {
    /// The text parts joined.
    pub fn text(&self) -> String {
        text_of(&self.parts)
    }
}

/// A unit of work the agent runs.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Task {
    /// Id assigned by the agent.
    pub id: String,
    /// The conversation the task belongs to.
    #[serde(default)]
    pub context_id: String,
    /// Current status.
    #[serde(default)]
    pub status: TaskStatus,
    /// Outputs produced so far.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub artifacts: Vec<Artifact>,
    /// Messages exchanged so far (as many as `history_length` asked for).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<Message>,
    /// Free-form metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
}

impl Task {
    /// The artifact with this id.
    pub fn artifact(&self, id: &str) -> Option<&Artifact> {
        self.artifacts.iter().find(|a| a.artifact_id == id)
    }
}

/// Stream event: a task's status changed.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TaskStatusUpdateEvent {
    /// The task it is about.
    #[serde(default)]
    pub task_id: String,
    /// The task's conversation.
    #[serde(default)]
    pub context_id: String,
    /// The new status.
    #[serde(default)]
    pub status: TaskStatus,
    /// Free-form metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
}

/// A chunk of an artifact: `append` adds its parts to the artifact sent before under the same
/// id, otherwise it replaces it; `last_chunk` marks the end.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TaskArtifactUpdateEvent {
    /// The task it is about.
    #[serde(default)]
    pub task_id: String,
    /// The task's conversation.
    #[serde(default)]
    pub context_id: String,
    /// The chunk; its `artifact_id` names the artifact it belongs to.
    #[serde(default)]
    pub artifact: Artifact,
    /// Add the parts to the artifact received before instead of replacing it.
    #[serde(default, skip_serializing_if = "is_false")]
    pub append: bool,
    /// This is the artifact's final chunk.
    #[serde(default, skip_serializing_if = "is_false")]
    pub last_chunk: bool,
    /// Free-form metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
}

/// One item of a stream (`SendStreamingMessage`, `SubscribeToTask`), as `{"task": …}` etc.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub enum StreamEvent {
    /// `{"task": …}`: a snapshot of the task, usually first.
    Task(Task),
    /// `{"message": …}`: a direct reply; the stream ends with it.
    Message(Message),
    /// `{"statusUpdate": …}`: the task's status changed.
    StatusUpdate(TaskStatusUpdateEvent),
    /// `{"artifactUpdate": …}`: a chunk of an artifact.
    ArtifactUpdate(TaskArtifactUpdateEvent),
}

impl StreamEvent {
    /// Whether the stream ends after this event: a terminal or interrupted state, or a message.
    pub fn ends_stream(&self) -> bool {
        match self {
            StreamEvent::Task(t) => t.status.state.is_terminal() || t.status.state.is_interrupted(),
            StreamEvent::Message(_) => true,
            StreamEvent::StatusUpdate(s) => s.status.state.is_terminal() || s.status.state.is_interrupted(),
            StreamEvent::ArtifactUpdate(_) => false,
        }
    }
    /// The task state this event carries, if any.
    pub fn state(&self) -> Option<TaskState> {
        match self {
            StreamEvent::Task(t) => Some(t.status.state),
            StreamEvent::StatusUpdate(s) => Some(s.status.state),
            _ => None,
        }
    }
}

/// `SendMessage` answers with a task or, for a quick reply, a message.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub enum SendMessageResponse {
    /// `{"task": …}`: the task the message started or continued.
    Task(Task),
    /// `{"message": …}`: a direct reply, no task.
    Message(Message),
}

/// Options of `SendMessage` / `SendStreamingMessage`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SendMessageConfiguration {
    /// Media types the caller accepts as output.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accepted_output_modes: Vec<String>,
    /// Return at most this many history messages with the task.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history_length: Option<u32>,
    /// Answer as soon as the task exists instead of when it finishes (non-streaming only).
    #[serde(default, skip_serializing_if = "is_false")]
    pub return_immediately: bool,
    /// Where the agent should push updates of this task (webhook config), kept as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_push_notification_config: Option<Value>,
}

/// Filters for `ListTasks`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ListTasksParams {
    /// Only tasks of this conversation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_id: Option<String>,
    /// Only tasks in this state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<TaskState>,
    /// At most this many tasks per page (the agent may cap it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_size: Option<u32>,
    /// At most this many history messages per task.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history_length: Option<u32>,
    /// RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_timestamp_after: Option<String>,
    /// Include each task's artifacts.
    #[serde(default, skip_serializing_if = "is_false")]
    pub include_artifacts: bool,
}

/// One page of `ListTasks`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ListTasksResponse {
    /// The tasks of this page.
    #[serde(default)]
    pub tasks: Vec<Task>,
    /// Pass back as `pageToken` for the next page; empty on the last page.
    #[serde(default)]
    pub next_page_token: String,
    /// The page size the agent used.
    #[serde(default)]
    pub page_size: u32,
    /// How many tasks match the filters in all.
    #[serde(default)]
    pub total_size: u32,
}

fn text_of(parts: &[Part]) -> String {
    parts.iter().filter_map(|p| p.text.as_deref()).collect()
}

/// A random UUID v4 string (message ids are the client's to choose).
pub fn new_id() -> String {
    let b: [u8; 16] = rand::random();
    let h = |r: std::ops::Range<usize>| b[r].iter().map(|x| format!("{x:02x}")).collect::<String>();
    let v = (b[6] & 0x0f) | 0x40;
    let var = (b[8] & 0x3f) | 0x80;
    format!("{}-{}-{v:02x}{:02x}-{var:02x}{:02x}-{}", h(0..4), h(4..6), b[7], b[9], h(10..16))
}
