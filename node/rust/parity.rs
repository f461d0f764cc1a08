//! In-memory entry points to the core's decoders for bench/ only (cargo feature `bench`, which
//! bench/node/run.sh sets; never in the package). Tests go through the public client instead.
use agenticstar::sse::SseDecoder;
use agenticstar::{Error, ErrorKind};
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
