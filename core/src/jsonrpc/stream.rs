//! An SSE answer carrying JSON-RPC messages.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::time::Instant;

use super::message::Message;
use crate::error::{Error, ErrorKind, Result};
use crate::sse::SseDecoder;

/// One SSE event of an answer stream.
#[derive(Clone, Debug, PartialEq)]
pub struct StreamEvent {
    /// The SSE event type (`"message"` unless the server named another, e.g. `"error"`).
    pub event: String,
    /// The event's `id` (the last event id at dispatch), or None when the stream never set one.
    pub id: Option<String>,
    /// The JSON-RPC message in `data`; None for an event with empty data (a priming event).
    pub message: Option<Message>,
}

/// A JSON-RPC answer arriving as Server-Sent Events. Reads are bounded by the client's line and
/// event limits, its idle timeout (keep-alive comments count as activity) and its optional whole
/// stream limit. Dropping it closes the connection at once.
pub struct RpcStream {
    resp: reqwest::Response,
    status: u16,
    decoder: SseDecoder,
    queue: VecDeque<Result<StreamEvent>>,
    idle: Duration,
    deadline: Option<Instant>,
    ended: bool,
    recorder: Option<super::Recorder>,
}

impl RpcStream {
    pub(crate) fn new(
        resp: reqwest::Response,
        limits: (usize, usize),
        idle: Duration,
        total: Option<Duration>,
        recorder: Option<super::Recorder>,
    ) -> Self {
        let status = resp.status().as_u16();
        RpcStream {
            resp,
            status,
            decoder: SseDecoder::with_limits(limits.0, limits.1),
            queue: VecDeque::new(),
            idle,
            deadline: total.map(|t| Instant::now() + t),
            ended: false,
            recorder,
        }
    }

    /// The HTTP status of the answer.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The last event id seen (kept from data-less events too), for `Last-Event-ID` on resume.
    pub fn last_event_id(&self) -> Option<&str> {
        Some(self.decoder.last_event_id()).filter(|s| !s.is_empty())
    }

    /// The server's reconnection time (`retry:`), if it sent one.
    pub fn retry(&self) -> Option<Duration> {
        self.decoder.retry().map(Duration::from_millis)
    }

    /// The next event, `None` when the server ended the stream cleanly. A broken connection is
    /// `stream_truncated`, silence past the idle timeout `timeout`, an oversized line or event
    /// `stream_too_large`, a `data` that is not a JSON-RPC message `stream_decode`. Cancel-safe.
    pub async fn next(&mut self) -> Option<Result<StreamEvent>> {
        loop {
            if let Some(ev) = self.queue.pop_front() {
                if ev.is_err() {
                    self.ended = true;
                    self.queue.clear();
                }
                return Some(ev);
            }
            if self.ended {
                return None;
            }
            let mut wait = self.idle;
            if let Some(d) = self.deadline {
                wait = wait.min(d.saturating_duration_since(Instant::now()));
            }
            let chunk = match tokio::time::timeout(wait, self.resp.chunk()).await {
                Err(_) => {
                    self.ended = true;
                    let msg = if self.deadline.is_some_and(|d| Instant::now() >= d) {
                        "the stream did not finish within the stream timeout".to_owned()
                    } else {
                        format!("no data from the stream for {:?} (idle timeout)", self.idle)
                    };
                    return Some(Err(Error::new(ErrorKind::Timeout, msg).with_status(self.status)));
                }
                Ok(Err(e)) => {
                    self.ended = true;
                    let cause = Error::from_reqwest(&e, "stream interrupted");
                    return Some(Err(Error::new(
                        ErrorKind::StreamTruncated,
                        format!("the stream broke off: {}", cause.message()),
                    )
                    .with_status(self.status)));
                }
                Ok(Ok(None)) => {
                    self.ended = true;
                    self.decoder.finish();
                    continue;
                }
                Ok(Ok(Some(c))) => c,
            };
            let status = self.status;
            let queue = &mut self.queue;
            let recorder = &self.recorder;
            let fed = self.decoder.feed(&chunk, |ev| {
                let message = if ev.data.trim().is_empty() {
                    Ok(None)
                } else {
                    Message::parse(ev.data)
                        .map(Some)
                        .map_err(|e| Error::new(ErrorKind::StreamDecode, e.message().to_owned()).with_status(status))
                };
                let item = message.map(|message| StreamEvent {
                    event: ev.event.to_owned(),
                    id: Some(ev.id.to_owned()).filter(|s| !s.is_empty()),
                    message,
                });
                if let (Some(r), Ok(item)) = (recorder, &item) {
                    r.received(item);
                }
                queue.push_back(item);
            });
            if let Err(e) = fed {
                self.queue.push_back(Err(Error::new(ErrorKind::StreamTooLarge, e.to_string()).with_status(status)));
            }
        }
    }

    /// Read until the response (or error) whose id is `id`, handing every other message to
    /// `on_message`. `Ok(None)` when the stream ended first (the caller may resume it).
    pub async fn response_for(
        &mut self,
        id: &serde_json::Value,
        mut on_message: impl FnMut(&Message),
    ) -> Result<Option<Message>> {
        while let Some(ev) = self.next().await {
            let Some(m) = ev?.message else { continue };
            if m.response_id() == Some(id) {
                return Ok(Some(m));
            }
            on_message(&m);
        }
        Ok(None)
    }
}

impl std::fmt::Debug for RpcStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RpcStream").field("status", &self.status).field("last_event_id", &self.last_event_id()).finish()
    }
}
