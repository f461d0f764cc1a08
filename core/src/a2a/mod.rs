//! A2A (Agent2Agent v1.0) client over the JSON-RPC binding, on the client's tokens.
//!
//! [`A2aClient::from_card`] reads the agent card (`/.well-known/agent-card.json`, public), picks
//! the first interface whose binding is `JSONRPC` at protocol version 1.x (its `tenant` is sent
//! back in every call), works out which bearer scopes the card's `securityRequirements` ask for,
//! and refuses to go on when the token provably lacks them or when the agent offers nothing this
//! client speaks ([`ErrorKind::UnsupportedAgent`]). Every call
//! is a POST through [`crate::jsonrpc::RpcClient`] (one layer for MCP and A2A: tokens, one
//! refresh + retry on 401, bounded reads) with `A2A-Version: 1.0`.
//!
//! Streams ([`A2aClient::send_streaming_message`], [`A2aClient::subscribe_to_task`]) yield typed
//! [`StreamEvent`]s and end after the event that puts the task in a terminal or interrupted state
//! (v1.0 has no `final` flag); a stream that stops earlier is `stream_truncated` (resume with
//! `subscribe_to_task`, which opens with a task snapshot). A2A error codes -32001…-32009 become
//! their own error kinds (`task_not_found`, `task_not_cancelable`, …) with `code` and the
//! JSON-RPC `data` (google.rpc details) in `details`; `event: error` mid-stream too.
//!
//! ```no_run
//! # async fn demo(client: &agenticstar::Client) -> agenticstar::Result<()> {
//! use agenticstar::a2a::{A2aClient, A2aOptions, Message, TaskAssembler};
//! let agent = A2aClient::from_card(client, "https://agent.example.com", A2aOptions::default()).await?;
//! let mut stream = agent.send_streaming_message(Message::user("hello"), None);
//! let mut task = TaskAssembler::new();
//! while let Some(event) = stream.next().await {
//!     task.apply(&event?)?;
//! }
//! println!("{:?}", task.artifacts());
//! # Ok(()) }
//! ```

mod assemble;
mod client;
mod record;
pub(crate) mod service;
mod types;

pub use assemble::TaskAssembler;
pub use client::{A2aClient, A2aOptions, A2aStream, BearerRequirement, card_url};
pub use record::normalize_recording;
pub use types::*;

use crate::error::{Error, ErrorKind};

/// The protocol version this client speaks (sent as `A2A-Version`).
pub const PROTOCOL_VERSION: &str = "1.0";
/// Where agents publish their card.
pub const AGENT_CARD_PATH: &str = "/.well-known/agent-card.json";
/// The AGENTIC STAR scope for A2A.
pub const DEFAULT_SCOPE: &str = "a2a:all";

/// The error kind of an A2A error code.
pub fn kind_for_code(code: i64) -> Option<ErrorKind> {
    Some(match code {
        -32001 => ErrorKind::TaskNotFound,
        -32002 => ErrorKind::TaskNotCancelable,
        -32003 => ErrorKind::PushNotificationNotSupported,
        -32004 => ErrorKind::UnsupportedOperation,
        -32005 => ErrorKind::ContentTypeNotSupported,
        -32006 => ErrorKind::InvalidAgentResponse,
        -32007 => ErrorKind::ExtendedCardNotConfigured,
        -32008 => ErrorKind::ExtensionSupportRequired,
        -32009 => ErrorKind::VersionNotSupported,
        _ => return None,
    })
}

/// A JSON-RPC error from an agent, re-kinded when its code is one of A2A's.
pub(crate) fn typed(e: Error) -> Error {
    if e.kind() != ErrorKind::JsonRpc {
        return e;
    }
    match e.code().and_then(|c| c.parse::<i64>().ok()).and_then(kind_for_code) {
        Some(kind) => e.with_kind(kind),
        None => e,
    }
}
