//! The one surface every binding translates.
//!
//! Capabilities that are not on a hot path (MCP, A2A, and whatever comes next) reach Python, Node,
//! Kotlin and Swift through this module and nothing else: a binding wraps [`Service`] and
//! [`JsonStream`] once, generically, and each language's idiomatic class is a table of method names
//! forwarding JSON to [`Service::call`] / [`Service::open`]. A new capability is therefore written
//! once, here in core: it implements [`Service`], lists its methods in [`Service::methods`], and
//! [`open_service`] learns its name. No binding Rust changes.
//!
//! Arguments and results are JSON values in one shape (camelCase keys, as the protocols use);
//! errors cross as [`ErrorDetails`].

pub mod echo;
mod kinds;
mod shapes;
mod stream;
mod token_events;

pub use kinds::{ErrorClass, class_name, error_classes, parent};
pub use shapes::{
    authorization_request_from_json, authorization_request_json, authorize_options_from_json, sign_in_json,
    stored_token_from_json, stored_token_json, token_json,
};
pub use stream::{JsonSink, JsonStream};

use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, ErrorKind, Result};

/// Whether a method answers once or streams items.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MethodKind {
    /// [`Service::call`]: one JSON result.
    Call,
    /// [`Service::open`]: a [`JsonStream`] of items.
    Stream,
}

/// One method of a [`Service`], as bindings (and their tests) see it.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct MethodSpec {
    /// snake_case name; Node/Kotlin/Swift use its camelCase form.
    pub name: &'static str,
    /// How it answers.
    pub kind: MethodKind,
}

impl MethodSpec {
    /// A method answering once.
    pub const fn call(name: &'static str) -> Self {
        MethodSpec { name, kind: MethodKind::Call }
    }
    /// A method answering with a stream.
    pub const fn stream(name: &'static str) -> Self {
        MethodSpec { name, kind: MethodKind::Stream }
    }
}

/// A capability reachable from every language by method name.
pub trait Service: Send + Sync + 'static {
    /// Every method this service answers (bindings' tests check their wrappers against it).
    fn methods(&self) -> &'static [MethodSpec];

    /// Run a [`MethodKind::Call`] method. The future is `'static` (it owns what it needs), so a
    /// binding may spawn it or hand it to a foreign executor; dropping it cancels the call.
    fn call(&self, method: &str, args: Value) -> BoxFuture<'static, Result<Value>>;

    /// Start a [`MethodKind::Stream`] method. Not async: failures arrive as the stream's first item.
    fn open(&self, method: &str, args: Value) -> JsonStream;

    /// Close the service (ends sessions at the server where the protocol has them).
    fn close(&self) -> BoxFuture<'static, Result<()>> {
        Box::pin(async { Ok(()) })
    }
}

/// A call's result with the answer that carried it ([`call_with`]).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RawResult {
    /// The method's JSON result.
    pub data: Value,
    /// Status, headers and request id of the HTTP answer that carried the result (the last one
    /// when the call took several requests, e.g. pages); `None` for methods that send nothing.
    pub response: Option<crate::ResponseMeta>,
}

/// Run a [`MethodKind::Call`] method with per-call `options` (timeout, retries, extra headers and
/// query; extra body fields go into the JSON-RPC `params`) over the client's defaults, and return
/// its result with its answer's [`ResponseMeta`](crate::ResponseMeta). What every binding's
/// service glue calls; `Service::call` is this without options and answer.
pub fn call_with(
    service: &dyn Service,
    method: &str,
    args: Value,
    options: crate::RequestOptions,
) -> BoxFuture<'static, Result<RawResult>> {
    // Bad options fail the call even when it sends nothing.
    if let Err(e) = options.validate() {
        return Box::pin(async move { Err(e) });
    }
    let scope = crate::request_options::CallScope::new(options);
    let call = service.call(method, args);
    Box::pin(async move {
        let data = scope.clone().run(call).await?;
        Ok(RawResult { data, response: scope.response() })
    })
}

/// Start a [`MethodKind::Stream`] method with per-call `options` (as [`call_with`]).
pub fn open_with(service: &dyn Service, method: &str, args: Value, options: crate::RequestOptions) -> JsonStream {
    match options.validate() {
        Ok(()) => crate::request_options::CallScope::new(options).run_sync(|| service.open(method, args)),
        Err(e) => JsonStream::failed(e),
    }
}

/// The per-call options of a binding's JSON (`null` or absent: none; `millis`: Node's unit).
pub fn call_options(json: Option<&str>, millis: bool) -> Result<crate::RequestOptions> {
    match json.map(str::trim) {
        None | Some("") | Some("null") => Ok(crate::RequestOptions::default()),
        Some(j) if millis => crate::RequestOptions::from_json_millis_str(j),
        Some(j) => crate::RequestOptions::from_json_str(j),
    }
}

/// The error for a method name a service does not have (a binding/core mismatch: a bug).
pub fn unknown_method(service: &str, method: &str) -> Error {
    Error::config(format!("{service} has no method {method:?}"))
}

/// Decode a method's JSON arguments into its typed form.
pub fn args<T: serde::de::DeserializeOwned>(method: &str, args: Value) -> Result<T> {
    let args = if args.is_null() { Value::Object(Default::default()) } else { args };
    serde_json::from_value(args).map_err(|e| Error::config(format!("{method}: invalid arguments: {e}")))
}

/// Encode a typed result as JSON.
pub fn to_json<T: Serialize>(v: &T) -> Result<Value> {
    serde_json::to_value(v).map_err(|e| Error::new(ErrorKind::Internal, format!("result not serializable: {e}")))
}

/// Every service kind [`open_service`] knows, for bindings' tests.
pub const SERVICE_KINDS: &[&str] = &["echo", "a2a", "mcp", "token_events"];

/// The methods of a service kind without opening one (bindings' tests check their wrappers'
/// method tables against this, for every kind in [`SERVICE_KINDS`]).
pub fn methods_of(kind: &str) -> Option<&'static [MethodSpec]> {
    match kind {
        "echo" => Some(echo::METHODS),
        "a2a" => Some(crate::a2a::service::METHODS),
        "mcp" => Some(crate::mcp::service::METHODS),
        "token_events" => Some(token_events::METHODS),
        _ => None,
    }
}

/// Open a service of `kind` (e.g. `"mcp"`, `"a2a"`) on `client`'s tokens and connections.
/// `options` is the service's own JSON options object (URL, protocol choices, ...).
pub fn open_service(
    client: &crate::Client,
    kind: &str,
    options: Value,
) -> BoxFuture<'static, Result<Box<dyn Service>>> {
    let client = client.clone();
    let kind = kind.to_owned();
    Box::pin(async move {
        match kind.as_str() {
            // A diagnostic (no I/O): proves each binding's generic glue end to end.
            "echo" => Ok(Box::new(echo::EchoService::new(client.runtime())) as Box<dyn Service>),
            "a2a" => crate::a2a::service::open(client, options).await,
            "mcp" => {
                let opts: crate::mcp::McpOptions = args("mcp options", options)?;
                let c = crate::mcp::McpClient::connect(&client, opts).await?;
                Ok(Box::new(crate::mcp::McpService::new(c)) as Box<dyn Service>)
            }
            "token_events" => Ok(Box::new(token_events::TokenEvents::new(&client)) as Box<dyn Service>),
            _ => Err(Error::config(format!("unknown service kind {kind:?} (known: {})", SERVICE_KINDS.join(", ")))),
        }
    })
}

/// One JSON shape for an error, the same in every language.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ErrorDetails {
    /// [`ErrorKind::as_str`].
    pub kind: String,
    /// Scrubbed human-readable message.
    pub message: String,
    /// HTTP status, when an answer caused it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The server's error code (OAuth `error`, wrapped API code, JSON-RPC code as a string).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The wrapped token API's `code_reason`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code_reason: Option<String>,
    /// Retry-After, in milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after_ms: Option<u64>,
    /// A scrubbed excerpt of the body.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body_excerpt: Option<String>,
    /// Protocol-specific details (JSON-RPC `data`, `resourceMetadata`, `scope`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<Value>,
    /// The server's request id, when an answer caused the error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// The answer's headers as one object (names lower-case, secret values `***`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headers: Option<Value>,
    /// The answer's `WWW-Authenticate` challenge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub www_authenticate: Option<String>,
}

impl From<&Error> for ErrorDetails {
    fn from(e: &Error) -> Self {
        ErrorDetails {
            kind: e.kind().as_str().to_owned(),
            message: e.message().to_owned(),
            status: e.status(),
            code: e.code().map(str::to_owned),
            code_reason: e.code_reason().map(str::to_owned),
            retry_after_ms: e.retry_after().map(|d| d.as_millis().min(u64::MAX as u128) as u64),
            body_excerpt: e.body_excerpt().map(str::to_owned),
            details: e.details().cloned(),
            request_id: e.request_id().map(str::to_owned),
            headers: e.response().and_then(|r| serde_json::to_value(r.header_map()).ok()),
            www_authenticate: e.www_authenticate().map(str::to_owned),
        }
    }
}
