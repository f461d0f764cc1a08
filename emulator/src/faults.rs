//! Queued faults (`POST /admin/faults`) and the generic ways of misbehaving.

use std::collections::BTreeMap;
use std::io;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::Response;
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::state::ENDPOINTS;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdTokenSpoil {
    Tamper,
    WrongNonce,
    WrongAud,
    Expired,
    WrongIss,
    /// `aud` lists this client and another, with no `azp`.
    ExtraAudience,
    /// `azp` names another client.
    WrongAzp,
    /// `nbf` an hour in the future.
    FutureNbf,
    /// `iat` an hour in the future.
    FutureIat,
    /// `iat` as a string.
    StringIat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StreamFault {
    Disconnect,
    Malformed,
    ErrorEvent,
    ErrorObject,
    MissingDone,
    NeverEnd,
    HugeLine,
    SplitUtf8,
    /// After N chunks, a chunk whose content holds bytes that are not UTF-8; the stream goes on.
    InvalidUtf8,
    /// After N chunks, one event of 10 MiB spread over 16 KiB `data:` lines, then the end.
    HugeEvent,
    /// After N chunks, the rest of the stream one byte every 10 ms (slow but never idle).
    Drip,
}

/// One queued fault, in the same shape it is posted and listed.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fault {
    pub endpoint: String,
    #[serde(default = "one")]
    pub times: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// A string is sent as is; any other JSON value is serialized.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub headers: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub drop: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deny: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<IdTokenSpoil>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream: Option<StreamFault>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after_chunks: Option<usize>,
    /// `chat.completions`: answer a streamed request with exactly these bytes, each chunk its own
    /// body frame and write (a parity vector's stream with its chunk splits).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replay: Option<Replay>,
    /// With `status`: send the head (with the full Content-Length) and this many bytes of the
    /// body, then nothing more, never closing (a body that stalls).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stall_after_bytes: Option<usize>,
}

/// The bytes of a replayed stream: UTF-8 text chunks or hex-encoded raw chunks.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Replay {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chunks: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hex_chunks: Option<Vec<String>>,
}

impl Replay {
    /// The chunks as bytes; `Err` names what is wrong.
    pub fn bytes(&self) -> Result<Vec<Vec<u8>>, String> {
        match (&self.chunks, &self.hex_chunks) {
            (Some(c), None) => Ok(c.iter().map(|c| c.as_bytes().to_vec()).collect()),
            (None, Some(h)) => h.iter().map(|h| unhex(h).ok_or_else(|| format!("{h:?} is not hex"))).collect(),
            _ => Err("replay needs exactly one of chunks, hex_chunks".into()),
        }
    }
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| s.get(i..i + 2).and_then(|b| u8::from_str_radix(b, 16).ok())).collect()
}

fn one() -> u32 {
    1
}

impl Fault {
    /// Rejects faults that could never apply, so a typo fails loudly in the test that made it
    /// instead of silently never firing; also guarantees the canned reply can be built later.
    pub fn validate(&self) -> Result<(), String> {
        let only_for = |set: bool, endpoint: &str, what: &str| {
            if set && self.endpoint != endpoint {
                Err(format!("{what} faults only apply to {endpoint}"))
            } else {
                Ok(())
            }
        };
        if !ENDPOINTS.contains(&self.endpoint.as_str()) {
            return Err(format!("unknown endpoint {:?}; expected one of {ENDPOINTS:?}", self.endpoint));
        }
        if self.times == 0 {
            return Err("times must be at least 1".into());
        }
        only_for(self.deny.is_some(), "saas.authorize", "deny")?;
        only_for(self.id_token.is_some(), "saas.token", "id_token")?;
        match (self.stream, self.endpoint.as_str()) {
            (None, _) | (Some(_), "chat.completions") => {}
            (
                Some(StreamFault::NeverEnd | StreamFault::HugeLine | StreamFault::HugeEvent | StreamFault::Disconnect),
                "mcp",
            ) if self.after_chunks.is_none() => {}
            (Some(_), "mcp") => {
                return Err(
                    "mcp stream faults are never_end, huge_line, huge_event, disconnect (no after_chunks)".into()
                );
            }
            (Some(_), _) => return Err("stream faults only apply to chat.completions and mcp".into()),
        }
        only_for(self.replay.is_some(), "chat.completions", "replay")?;
        if let Some(r) = &self.replay {
            r.bytes()?;
            if self.stream.is_some() {
                return Err("replay and stream do not combine".into());
            }
        }
        if self.after_chunks.is_some() && self.stream.is_none() {
            return Err("after_chunks needs stream".into());
        }
        match self.status {
            Some(code) if !(200..=599).contains(&code) => {
                return Err("status must be between 200 and 599".into());
            }
            None if self.body.is_some()
                || self.content_type.is_some()
                || self.headers.is_some()
                || self.stall_after_bytes.is_some() =>
            {
                return Err("body, content_type, headers and stall_after_bytes need status".into());
            }
            _ => {}
        }
        if let Some(ct) = &self.content_type {
            HeaderValue::try_from(ct.as_str()).map_err(|_| "invalid content_type")?;
        }
        for (name, value) in self.headers.iter().flatten() {
            HeaderName::try_from(name.as_str()).map_err(|_| format!("invalid header name {name:?}"))?;
            HeaderValue::try_from(value.as_str()).map_err(|_| format!("invalid header value {value:?}"))?;
        }
        let effects = [
            self.status.is_some(),
            self.delay_ms.is_some(),
            self.drop == Some(true),
            self.deny == Some(true),
            self.id_token.is_some(),
            self.stream.is_some(),
            self.replay.is_some(),
        ];
        if !effects.contains(&true) {
            return Err("a fault needs one of status, delay_ms, drop, deny, id_token, stream, replay".into());
        }
        Ok(())
    }

    /// Delay, then drop or answer with the canned reply; `Ok` means "continue normally".
    pub async fn apply_generic(self) -> Result<Fault, Response> {
        if let Some(ms) = self.delay_ms {
            tokio::time::sleep(Duration::from_millis(ms)).await;
        }
        if self.drop == Some(true) {
            return Err(dropped());
        }
        match self.status {
            Some(status) => Err(self.canned(status)),
            None => Ok(self),
        }
    }

    fn canned(&self, status: u16) -> Response {
        let body = match &self.body {
            None => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
        };
        let mut response = match self.stall_after_bytes {
            Some(n) => {
                let len = body.len();
                let head = Bytes::from(body.into_bytes()).slice(..n.min(len));
                let stalled = futures::stream::once(async move { Ok::<_, io::Error>(head) })
                    .chain(futures::stream::once(futures::future::pending::<Result<Bytes, io::Error>>()));
                let mut r = Response::new(Body::from_stream(stalled));
                r.headers_mut().insert(header::CONTENT_LENGTH, HeaderValue::from(len));
                r
            }
            None => Response::new(Body::from(body)),
        };
        // validate() vetted status, content type and headers, so nothing here is dropped.
        *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let headers = response.headers_mut();
        let content_type = self.content_type.as_deref().unwrap_or("application/json");
        if let Ok(value) = HeaderValue::try_from(content_type) {
            headers.insert(header::CONTENT_TYPE, value);
        }
        for (name, value) in self.headers.iter().flatten() {
            if let (Ok(name), Ok(value)) = (HeaderName::try_from(name.as_str()), HeaderValue::try_from(value.as_str()))
            {
                headers.insert(name, value);
            }
        }
        response
    }
}

/// A response whose body fails before its first byte. Hyper buffers the head and then polls
/// the body in the same turn, so the error closes the socket before anything is written:
/// the client sees the connection close with no response at all.
pub fn dropped() -> Response {
    let failing = futures::stream::once(async { Err::<Bytes, _>(io::Error::other("fault: drop")) });
    Response::new(Body::from_stream(failing))
}

/// Consumes one use of the oldest fault queued for `endpoint`.
pub fn take(faults: &mut Vec<Fault>, endpoint: &str) -> Option<Fault> {
    let index = faults.iter().position(|f| f.endpoint == endpoint)?;
    faults[index].times -= 1;
    if faults[index].times == 0 { Some(faults.remove(index)) } else { Some(faults[index].clone()) }
}
