//! The core's pure functions, so the node:test suite runs the shared vectors in testdata/ against
//! exactly what the Rust, Python and Kotlin suites run.
use agenticstar::sse::SseDecoder;
use agenticstar::{Dialect, Error, ErrorKind};
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::to_napi;

#[napi(object)]
pub struct SseEvent {
    pub event: String,
    pub data: String,
    pub id: String,
}

#[napi(object)]
pub struct SseOutcome {
    pub events: Vec<SseEvent>,
    pub retry: Option<f64>,
}

/// Feed `chunks` in order and end the stream.
#[napi(catch_unwind)]
pub fn sse_decode(chunks: Vec<Buffer>) -> Result<SseOutcome> {
    let mut d = SseDecoder::new();
    let mut events = Vec::new();
    for c in &chunks {
        d.feed(c, |e| events.push(SseEvent { event: e.event.into(), data: e.data.into(), id: e.id.into() }))
            .map_err(|e| to_napi(Error::new(ErrorKind::StreamTooLarge, e.to_string())))?;
    }
    d.finish();
    Ok(SseOutcome { events, retry: d.retry().map(|r| r as f64) })
}

#[napi(object)]
pub struct TokenFields {
    pub access_token: String,
    pub token_type: String,
    pub expires_in: Option<f64>,
    pub refresh_token: Option<String>,
    pub id_token: Option<String>,
    pub scope: Option<String>,
}

/// Read a token endpoint answer in `dialect` (`oauth`, `marketplace`, `wrapped`).
#[napi(catch_unwind)]
pub fn parse_token_response(dialect: String, status: u32, body: Buffer) -> Result<TokenFields> {
    let d = Dialect::from_name(&dialect).ok_or_else(|| to_napi(Error::new(ErrorKind::Config, "unknown dialect")))?;
    let status = u16::try_from(status).map_err(|_| to_napi(Error::new(ErrorKind::Config, "status out of range")))?;
    let t = agenticstar::provider::parse_token_response(d, status, None, &body).map_err(to_napi)?;
    Ok(TokenFields {
        access_token: t.access_token.expose().into(),
        token_type: t.token_type,
        expires_in: t.expires_in.map(|s| s as f64),
        refresh_token: t.refresh_token.map(|s| s.expose().into()),
        id_token: t.id_token.map(|s| s.expose().into()),
        scope: t.scope,
    })
}

#[napi(object)]
pub struct ChatEvent {
    pub text: String,
    pub role: Option<String>,
    pub finish_reason: Option<String>,
}

/// One chat stream event: null for `[DONE]`, else the first choice's text, role and finish reason.
#[napi(catch_unwind)]
pub fn decode_chat_event(event: String, data: String) -> Result<Option<ChatEvent>> {
    match agenticstar::chat::decode_event(&event, &data).map_err(to_napi)? {
        agenticstar::chat::StreamItem::Done => Ok(None),
        agenticstar::chat::StreamItem::Chunk(c) => Ok(Some(ChatEvent {
            text: c.text().into(),
            role: c.choices.first().and_then(|ch| ch.delta.role.clone()),
            finish_reason: c.finish_reason().map(str::to_owned),
        })),
    }
}

/// The code from a callback URL, checked against the state that was sent.
#[napi(catch_unwind)]
pub fn parse_callback(expected_state: String, callback_url: String) -> Result<String> {
    agenticstar::authcode::parse_callback_with_state(&expected_state, &callback_url)
        .map(|c| c.expose().to_owned())
        .map_err(to_napi)
}
