//! The core's pure functions, exposed so every language runs the shared vectors in testdata/,
//! plus a deliberate panic to prove panics never cross the FFI boundary.
use agenticstar::sse::SseDecoder;
use agenticstar::{Dialect, Error, ErrorKind};

use crate::{ChatChunk, Result};

#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct SseEvent {
    pub event: String,
    pub data: String,
    pub id: String,
}

#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct SseOutcome {
    pub events: Vec<SseEvent>,
    /// The last valid `retry` value, in milliseconds.
    pub retry: Option<u64>,
}

/// Feed `chunks` to the SSE decoder in order and end the stream.
#[uniffi::export]
pub fn sse_decode(chunks: Vec<Vec<u8>>) -> Result<SseOutcome> {
    let mut d = SseDecoder::new();
    let mut events = Vec::new();
    for c in &chunks {
        d.feed(c, |e| events.push(SseEvent { event: e.event.into(), data: e.data.into(), id: e.id.into() }))
            .map_err(|e| Error::new(ErrorKind::StreamTooLarge, e.to_string()))?;
    }
    d.finish();
    Ok(SseOutcome { events, retry: d.retry() })
}

/// What a token endpoint answer holds, read in `dialect` (`oauth`, `marketplace`, `wrapped`).
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct TokenFields {
    pub access_token: String,
    pub token_type: String,
    pub expires_in: Option<u64>,
    pub refresh_token: Option<String>,
    pub id_token: Option<String>,
    pub scope: Option<String>,
}

#[uniffi::export]
pub fn parse_token_response(dialect: String, status: u16, body: Vec<u8>) -> Result<TokenFields> {
    let d = Dialect::from_name(&dialect)
        .ok_or_else(|| Error::new(ErrorKind::Config, format!("unknown dialect {dialect:?}")))?;
    let t = agenticstar::provider::parse_token_response(d, status, None, &body)?;
    Ok(TokenFields {
        access_token: t.access_token.expose().into(),
        token_type: t.token_type,
        expires_in: t.expires_in,
        refresh_token: t.refresh_token.map(|s| s.expose().into()),
        id_token: t.id_token.map(|s| s.expose().into()),
        scope: t.scope,
    })
}

/// One chat stream event: a delta, `None` for `[DONE]`, or the stream's typed error.
#[uniffi::export]
pub fn decode_chat_event(event: String, data: String) -> Result<Option<ChatChunk>> {
    match agenticstar::chat::decode_event(&event, &data)? {
        agenticstar::chat::StreamItem::Chunk(c) => Ok(Some(c.into())),
        agenticstar::chat::StreamItem::Done => Ok(None),
    }
}

/// The code from an authorization callback URL, checked against the state that was sent.
#[uniffi::export]
pub fn parse_callback(expected_state: String, callback_url: String) -> Result<String> {
    Ok(agenticstar::authcode::parse_callback_with_state(&expected_state, &callback_url)?.expose().into())
}

/// Whether `granted` scopes allow `scope` (with the documented inclusions).
#[uniffi::export]
pub fn scopes_allow(granted: String, scope: String) -> bool {
    agenticstar::Scopes::parse(&granted).allows(&scope)
}

/// Panics on purpose. The generated code turns it into an exception; the process lives on.
#[uniffi::export]
pub fn debug_panic(message: String) {
    panic!("{message}");
}
