//! JSON-RPC 2.0 messages and their errors.

use serde_json::{Map, Value, json};

use crate::error::{Error, ErrorKind, Result};

/// Standard and well-known JSON-RPC error codes.
pub mod codes {
    /// The text is not valid JSON.
    pub const PARSE_ERROR: i64 = -32700;
    /// The JSON is not a valid request object.
    pub const INVALID_REQUEST: i64 = -32600;
    /// The method does not exist or is not offered.
    pub const METHOD_NOT_FOUND: i64 = -32601;
    /// The params are wrong for the method.
    pub const INVALID_PARAMS: i64 = -32602;
    /// The server failed while handling the request.
    pub const INTERNAL_ERROR: i64 = -32603;
}

/// One JSON-RPC message as received (no batches: neither MCP nor A2A uses them).
#[derive(Clone, Debug, PartialEq)]
pub enum Message {
    /// A request from the server (it expects an answer with the same `id`).
    Request {
        /// The id to answer with (a string or a number).
        id: Value,
        /// The method called.
        method: String,
        /// Its parameters, if sent.
        params: Option<Value>,
    },
    /// A notification (no `id`, no answer).
    Notification {
        /// The method called.
        method: String,
        /// Its parameters, if sent.
        params: Option<Value>,
    },
    /// A successful answer to the request with `id`.
    Response {
        /// The id of the request answered.
        id: Value,
        /// The method's result.
        result: Value,
    },
    /// An error answer; `id` is `null` when the server could not read the request's id.
    Error {
        /// The id of the request answered, or `null`.
        id: Value,
        /// What went wrong.
        error: RpcError,
    },
}

/// A JSON-RPC `error` object.
#[derive(Clone, Debug, PartialEq)]
pub struct RpcError {
    /// The error code: see [`codes`]; MCP and A2A define their own beyond them.
    pub code: i64,
    /// A short description, from the server.
    pub message: String,
    /// Further details the server attached, as sent.
    pub data: Option<Value>,
}

impl RpcError {
    /// The typed SDK error: kind `jsonrpc_error`, `code` the JSON-RPC code as a string and
    /// `details` = `{"code", "message", "data"}`.
    pub fn into_error(self, status: Option<u16>) -> Error {
        let mut details = json!({"code": self.code, "message": self.message});
        if let Some(d) = &self.data {
            details["data"] = d.clone();
        }
        let e = Error::new(
            ErrorKind::JsonRpc,
            format!("JSON-RPC error {}: {}", self.code, crate::redact::scrub(&self.message)),
        )
        .with_code(Some(self.code.to_string()), None)
        .with_details(details);
        match status {
            Some(s) => e.with_status(s),
            None => e,
        }
    }

    fn from_value(v: &Value) -> Option<RpcError> {
        let o = v.as_object()?;
        Some(RpcError {
            code: o.get("code")?.as_i64()?,
            message: o.get("message").and_then(Value::as_str).unwrap_or("").to_owned(),
            data: o.get("data").cloned(),
        })
    }
}

impl Message {
    /// Classify one JSON value; anything that is not a JSON-RPC 2.0 message is an error.
    pub fn from_value(v: Value) -> Result<Message> {
        let Value::Object(mut o) = v else {
            return Err(bad("a JSON-RPC message must be an object"));
        };
        if o.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
            return Err(bad("not a JSON-RPC 2.0 message (jsonrpc != \"2.0\")"));
        }
        let id = o.remove("id");
        if let Some(method) = o.get("method").and_then(Value::as_str).map(str::to_owned) {
            let params = o.remove("params");
            return Ok(match id {
                Some(id) if !id.is_null() => Message::Request { id, method, params },
                _ => Message::Notification { method, params },
            });
        }
        if let Some(err) = o.get("error") {
            let error = RpcError::from_value(err).ok_or_else(|| bad("malformed JSON-RPC error object"))?;
            return Ok(Message::Error { id: id.unwrap_or(Value::Null), error });
        }
        match (id, o.remove("result")) {
            (Some(id), Some(result)) => Ok(Message::Response { id, result }),
            _ => Err(bad("JSON-RPC message has neither method, result nor error")),
        }
    }

    /// Parse one message from text (an SSE `data` or a JSON body).
    pub fn parse(text: &str) -> Result<Message> {
        let v: Value = serde_json::from_str(text).map_err(|e| {
            Error::new(ErrorKind::StreamDecode, format!("JSON-RPC message is not valid JSON: {e}"))
                .with_excerpt(text.as_bytes())
        })?;
        Message::from_value(v)
    }

    /// The id of a response or error (None for requests' and notifications' purposes).
    pub fn response_id(&self) -> Option<&Value> {
        match self {
            Message::Response { id, .. } | Message::Error { id, .. } => Some(id),
            _ => None,
        }
    }

    /// The message as JSON again (for recording and for forwarding to a caller).
    pub fn to_value(&self) -> Value {
        let mut o = Map::new();
        o.insert("jsonrpc".into(), json!("2.0"));
        match self {
            Message::Request { id, method, params } => {
                o.insert("id".into(), id.clone());
                o.insert("method".into(), json!(method));
                if let Some(p) = params {
                    o.insert("params".into(), p.clone());
                }
            }
            Message::Notification { method, params } => {
                o.insert("method".into(), json!(method));
                if let Some(p) = params {
                    o.insert("params".into(), p.clone());
                }
            }
            Message::Response { id, result } => {
                o.insert("id".into(), id.clone());
                o.insert("result".into(), result.clone());
            }
            Message::Error { id, error } => {
                o.insert("id".into(), id.clone());
                let mut e = json!({"code": error.code, "message": error.message});
                if let Some(d) = &error.data {
                    e["data"] = d.clone();
                }
                o.insert("error".into(), e);
            }
        }
        Value::Object(o)
    }

    /// The result of a response, or the typed error of an error answer.
    pub fn into_result(self, status: Option<u16>) -> Result<Value> {
        match self {
            Message::Response { result, .. } => Ok(result),
            Message::Error { error, .. } => Err(error.into_error(status)),
            _ => Err(bad("expected a JSON-RPC response, got a request or notification")),
        }
    }
}

/// A request message.
pub fn request(id: &Value, method: &str, params: Option<Value>) -> Value {
    let mut v = json!({"jsonrpc": "2.0", "id": id, "method": method});
    if let Some(p) = params {
        v["params"] = p;
    }
    v
}

/// A notification message.
pub fn notification(method: &str, params: Option<Value>) -> Value {
    let mut v = json!({"jsonrpc": "2.0", "method": method});
    if let Some(p) = params {
        v["params"] = p;
    }
    v
}

/// A response message answering `id`.
pub fn response(id: &Value, result: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "result": result})
}

/// An error message answering `id`.
pub fn error_response(id: &Value, code: i64, message: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
}

fn bad(msg: &str) -> Error {
    Error::new(ErrorKind::UnexpectedResponse, msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_every_shape() {
        let r = Message::parse(r#"{"jsonrpc":"2.0","id":1,"result":{"x":1}}"#).unwrap();
        assert_eq!(r, Message::Response { id: json!(1), result: json!({"x":1}) });
        let n = Message::parse(r#"{"jsonrpc":"2.0","method":"notifications/progress","params":{"p":1}}"#).unwrap();
        assert!(matches!(n, Message::Notification { ref method, .. } if method == "notifications/progress"));
        let q = Message::parse(r#"{"jsonrpc":"2.0","id":"a","method":"ping"}"#).unwrap();
        assert!(matches!(q, Message::Request { ref id, .. } if id == "a"));
        let e = Message::parse(
            r#"{"jsonrpc":"2.0","id":null,"error":{"code":-32000,"message":"No valid session","data":[1]}}"#,
        )
        .unwrap();
        let err = e.into_result(Some(400)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::JsonRpc);
        assert_eq!(err.code(), Some("-32000"));
        assert_eq!(err.status(), Some(400));
        assert_eq!(err.details().unwrap()["data"], json!([1]));
        assert_eq!(q.to_value(), json!({"jsonrpc":"2.0","id":"a","method":"ping"}));
    }

    #[test]
    fn rejects_non_messages() {
        for bad in [
            r#"[]"#,
            r#"{"id":1,"result":1}"#,
            r#"{"jsonrpc":"2.0","id":1}"#,
            r#"{"jsonrpc":"2.0","error":{}}"#,
            "nope",
        ] {
            assert!(Message::parse(bad).is_err(), "{bad}");
        }
    }
}
