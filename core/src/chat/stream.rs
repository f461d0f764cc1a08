use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};

use tokio::sync::mpsc;
use tokio_util::sync::{CancellationToken, DropGuard};

use super::types::{ChatChunk, ChatCompletion, CompletionChoice, CompletionMessage, StreamItem, Usage, decode_event};
use crate::client::ClientInner;
use crate::error::{Error, ErrorKind, Result};
use crate::request_options::CallSettings;
use crate::response::ResponseMeta;
use crate::sse::SseDecoder;

/// Batches in flight between the network task and the consumer; bounded so a slow consumer
/// slows the reads (TCP backpressure) instead of growing memory.
const CHANNEL_BATCHES: usize = 16;
/// Ready batches are merged up to this many chunks, so a binding crosses its boundary rarely.
const MAX_MERGED: usize = 1024;

/// A streamed reply. Read it with [`ChatStream::next`] (or as a `futures::Stream`); dropping it or
/// calling [`ChatStream::cancel`] closes the HTTP connection at once.
///
/// The network task decodes everything that arrived together and hands it over as one batch, so
/// bindings can cross their language boundary once per batch ([`ChatStream::next_batch`]).
pub struct ChatStream {
    rx: mpsc::Receiver<Result<Vec<ChatChunk>>>,
    buf: VecDeque<ChatChunk>,
    cancel: CancellationToken,
    _guard: DropGuard,
    finished: bool,
    /// An error that arrived behind merged chunks: delivered by the next call.
    pending: Option<Error>,
    acc: Accumulator,
    /// Keep the reply's text for `text()` / `completion()` (on by default).
    accumulate: bool,
    /// The most text kept while accumulating; more is `stream_too_large`.
    max_reply_bytes: usize,
    /// Set by the network task when the answer's head arrives (before the first batch is sent).
    response: Arc<OnceLock<ResponseMeta>>,
}

/// The default limit on a kept reply (64 MiB): far above any real reply, far below trouble.
pub const DEFAULT_MAX_REPLY_BYTES: usize = 64 << 20;

#[derive(Default)]
struct Accumulator {
    id: Option<String>,
    model: Option<String>,
    created: Option<i64>,
    role: Option<String>,
    text: String,
    finish_reason: Option<String>,
    usage: Option<Usage>,
}

impl Accumulator {
    fn add(&mut self, c: &ChatChunk, keep_text: bool) {
        if self.id.is_none() {
            self.id.clone_from(&c.id);
            self.model.clone_from(&c.model);
            self.created = c.created;
        }
        for ch in c.choices.iter().filter(|ch| ch.index == 0) {
            if let Some(r) = &ch.delta.role {
                self.role = Some(r.clone());
            }
            if let Some(t) = ch.delta.content.as_ref().filter(|_| keep_text) {
                self.text.push_str(t);
            }
            if let Some(f) = &ch.finish_reason {
                self.finish_reason = Some(f.clone());
            }
        }
        if let Some(u) = &c.usage {
            self.usage = Some(u.clone());
        }
    }
}

impl ChatStream {
    pub(crate) fn new(rx: mpsc::Receiver<Result<Vec<ChatChunk>>>, cancel: CancellationToken) -> Self {
        ChatStream {
            rx,
            buf: VecDeque::new(),
            _guard: cancel.clone().drop_guard(),
            cancel,
            finished: false,
            pending: None,
            acc: Accumulator::default(),
            accumulate: true,
            max_reply_bytes: DEFAULT_MAX_REPLY_BYTES,
            response: Arc::default(),
        }
    }

    /// A stream that fails at once (bad request detected before sending).
    pub(crate) fn failed(e: Error) -> Self {
        let (tx, rx) = mpsc::channel(1);
        let _ = tx.try_send(Err(e));
        Self::new(rx, CancellationToken::new())
    }

    /// The next chunk; `None` after `data: [DONE]` or after [`cancel`](Self::cancel).
    /// Cancel-safe: dropping this future loses nothing.
    pub async fn next(&mut self) -> Option<Result<ChatChunk>> {
        if self.cancel.is_cancelled() {
            // Cancelled means "no more", even for chunks already received but not yet handed out.
            self.finished = true;
            return None;
        }
        if let Some(c) = self.buf.pop_front() {
            return Some(Ok(c));
        }
        match self.next_batch().await? {
            Ok(mut b) => {
                // next_batch accumulated the whole batch already; keep the rest for later calls.
                let first = b.remove(0);
                self.buf.extend(b);
                Some(Ok(first))
            }
            Err(e) => Some(Err(e)),
        }
    }

    /// Every chunk that is ready (at least one), or `None` at the end. Never returns an empty batch.
    pub async fn next_batch(&mut self) -> Option<Result<Vec<ChatChunk>>> {
        if self.cancel.is_cancelled() {
            self.finished = true;
            return None;
        }
        if !self.buf.is_empty() {
            return Some(Ok(self.buf.drain(..).collect()));
        }
        if let Some(e) = self.pending.take() {
            return Some(Err(e));
        }
        if self.finished {
            return None;
        }
        let item = tokio::select! {
            biased;
            item = self.rx.recv() => item,
            _ = self.cancel.cancelled() => None,
        };
        self.take(item)
    }

    /// Like [`next_batch`](Self::next_batch) without waiting: `None` if nothing is ready yet,
    /// `Some(None)` at the end.
    pub fn try_next_batch(&mut self) -> Option<Option<Result<Vec<ChatChunk>>>> {
        if self.cancel.is_cancelled() {
            self.finished = true;
            return Some(None);
        }
        if !self.buf.is_empty() {
            return Some(Some(Ok(self.buf.drain(..).collect())));
        }
        if let Some(e) = self.pending.take() {
            return Some(Some(Err(e)));
        }
        if self.finished || self.cancel.is_cancelled() {
            self.finished = true;
            return Some(None);
        }
        match self.rx.try_recv() {
            Ok(item) => Some(self.take(Some(item))),
            Err(mpsc::error::TryRecvError::Empty) => None,
            Err(mpsc::error::TryRecvError::Disconnected) => Some(self.take(None)),
        }
    }

    fn take(&mut self, item: Option<Result<Vec<ChatChunk>>>) -> Option<Result<Vec<ChatChunk>>> {
        match item {
            Some(Ok(mut batch)) => {
                // Merge whatever else is already waiting: one hand-over instead of many.
                while batch.len() < MAX_MERGED {
                    match self.rx.try_recv() {
                        Ok(Ok(more)) => batch.extend(more),
                        Ok(Err(e)) => {
                            self.pending = Some(e);
                            self.finished = true;
                            break;
                        }
                        Err(_) => break,
                    }
                }
                for c in &batch {
                    self.acc.add(c, self.accumulate);
                }
                if self.accumulate && self.acc.text.len() > self.max_reply_bytes {
                    // Stop reading: a reply this long would only grow memory further.
                    self.cancel.cancel();
                    self.finished = true;
                    self.pending = None;
                    return Some(Err(Error::new(
                        ErrorKind::StreamTooLarge,
                        format!(
                            "the reply passed max_reply_bytes ({} bytes) while being accumulated; \
                             turn accumulation off to stream replies of any length",
                            self.max_reply_bytes
                        ),
                    )));
                }
                Some(Ok(batch))
            }
            Some(Err(e)) => {
                self.finished = true;
                Some(Err(e))
            }
            None => {
                self.finished = true;
                None
            }
        }
    }

    /// Stop keeping the reply's text (finish reason and usage are still tracked), so a reply of
    /// any length streams in constant memory. `text()` then returns what was kept before.
    pub fn set_accumulate(&mut self, on: bool) {
        self.accumulate = on;
    }

    /// The most reply text kept while accumulating (default 64 MiB); beyond it the stream ends
    /// with `stream_too_large`.
    pub fn set_max_reply_bytes(&mut self, n: usize) {
        self.max_reply_bytes = n;
    }

    /// Stop now: the connection is closed and `next` returns `None`. Safe from any thread.
    pub fn cancel(&self) {
        self.cancel.cancel();
    }

    /// A handle that cancels this stream from elsewhere (an AbortSignal, a task, another thread).
    pub fn cancellation_token(&self) -> CancellationToken {
        self.cancel.clone()
    }

    /// Status, headers and request id of the answer, once its head has arrived: always after
    /// the first chunk (or the first error from an answer, which carries it too) was read.
    pub fn response(&self) -> Option<&ResponseMeta> {
        self.response.get()
    }

    /// The text received so far (first choice).
    pub fn text(&self) -> &str {
        &self.acc.text
    }
    /// The first choice's `finish_reason`, once a chunk has carried one.
    pub fn finish_reason(&self) -> Option<&str> {
        self.acc.finish_reason.as_deref()
    }
    /// The token counts, once the server has sent them.
    pub fn usage(&self) -> Option<&Usage> {
        self.acc.usage.as_ref()
    }
    /// True once nothing more will arrive (`[DONE]`, an error, the end of the body or a cancel);
    /// chunks already received may still be waiting for `next`.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// What was received so far, as one completion.
    pub fn completion(&self) -> ChatCompletion {
        let a = &self.acc;
        ChatCompletion {
            id: a.id.clone(),
            model: a.model.clone(),
            created: a.created,
            choices: vec![CompletionChoice {
                index: 0,
                message: CompletionMessage {
                    role: a.role.clone().unwrap_or_else(|| "assistant".into()),
                    content: Some(a.text.clone()),
                    tool_calls: None,
                },
                finish_reason: a.finish_reason.clone(),
            }],
            usage: a.usage.clone(),
            response: self.response.get().cloned(),
        }
    }

    /// Read to the end and return the whole completion.
    pub async fn collect(mut self) -> Result<ChatCompletion> {
        while let Some(b) = self.next_batch().await {
            b?;
        }
        Ok(self.completion())
    }
}

impl futures::Stream for ChatStream {
    type Item = Result<ChatChunk>;
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let fut = this.next();
        futures::pin_mut!(fut);
        fut.poll(cx)
    }
}

use std::future::Future;

/// Start the network task for one streamed request.
pub(crate) fn spawn_stream(client: Arc<ClientInner>, body: serde_json::Value, call: CallSettings) -> ChatStream {
    let (accumulate, max_reply_bytes) = (client.accumulate, client.max_reply_bytes);
    let (tx, rx) = mpsc::channel(CHANNEL_BATCHES);
    let cancel = CancellationToken::new();
    let task_cancel = cancel.clone();
    let runtime = client.runtime.clone().or_else(|| tokio::runtime::Handle::try_current().ok());
    let response: Arc<OnceLock<ResponseMeta>> = Arc::default();
    let meta = response.clone();
    let run = async move {
        let work = async {
            match client.http_config.stream_timeout {
                Some(limit) => {
                    tokio::time::timeout(limit, produce(&client, body, &call, &meta, &tx)).await.unwrap_or_else(|_| {
                        Err(Error::new(ErrorKind::Timeout, format!("the stream did not finish within {limit:?}")))
                    })
                }
                None => produce(&client, body, &call, &meta, &tx).await,
            }
        };
        // A panic must not look like a clean end of stream to the consumer.
        let work = async {
            futures::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(work))
                .await
                .unwrap_or_else(|_| Err(Error::new(ErrorKind::Internal, "the stream reader panicked (a bug)")))
        };
        tokio::select! {
            // Cancelling drops `work`, and with it the response: the connection closes at once.
            _ = task_cancel.cancelled() => {}
            r = work => if let Err(e) = r {
                let _ = tx.send(Err(e)).await;
            }
        }
    };
    match runtime {
        Some(h) => {
            h.spawn(run);
        }
        None => return ChatStream::failed(Error::config("chat_stream needs a tokio runtime")),
    }
    let mut s = ChatStream::new(rx, cancel);
    s.accumulate = accumulate;
    s.max_reply_bytes = max_reply_bytes;
    s.response = response;
    s
}

async fn produce(
    client: &ClientInner,
    body: serde_json::Value,
    call: &CallSettings,
    response: &OnceLock<ResponseMeta>,
    tx: &mpsc::Sender<Result<Vec<ChatChunk>>>,
) -> Result<()> {
    client.check_scope(&["chat:exec"]).await?;
    let mut resp =
        client.send_authorized(reqwest::Method::POST, "/v1/chat/completions", Some(&body), true, call).await?;
    let meta = client.meta(&resp);
    let _ = response.set(meta.clone());
    let status = meta.status;
    // Errors from this answer carry its headers and request id.
    let failed = |e: Error| e.with_response(&meta);
    let ctype = resp
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if !ctype.starts_with("text/event-stream") {
        let body = match crate::http::read_body(resp, 64 * 1024, call.timeout).await {
            Ok(b) => b,
            Err(e) if e.kind() == ErrorKind::Timeout => return Err(failed(e)),
            Err(_) => Vec::new(),
        };
        if let Some(v) = serde_json::from_slice::<serde_json::Value>(&body).ok().filter(|v| v.get("error").is_some()) {
            return Err(failed(crate::client::api_error(status, Some(&v), &body, None)));
        }
        let what = if ctype.is_empty() { "no content type".to_owned() } else { ctype };
        return Err(failed(
            Error::new(
                ErrorKind::UnexpectedResponse,
                format!("expected an event stream (text/event-stream), got {what}"),
            )
            .with_excerpt(&body),
        ));
    }
    let idle = client.http_config.stream_idle_timeout;
    let mut decoder = SseDecoder::with_limits(client.max_line_bytes, client.max_event_bytes);
    let mut batch: Vec<ChatChunk> = Vec::new();
    let mut done = false;
    let mut failure: Option<Error> = None;
    loop {
        let chunk = match tokio::time::timeout(idle, resp.chunk()).await {
            Err(_) => {
                return Err(failed(Error::new(
                    ErrorKind::Timeout,
                    format!("no data from the stream for {idle:?} (idle timeout)"),
                )));
            }
            Ok(Err(e)) => {
                let cause = Error::from_reqwest(&e, "stream interrupted");
                return Err(failed(Error::new(
                    ErrorKind::StreamTruncated,
                    format!("the stream ended before [DONE]: {}", cause.message()),
                )));
            }
            Ok(Ok(None)) => break,
            Ok(Ok(Some(c))) => c,
        };
        let fed = decoder.feed(&chunk, |ev| {
            if done || failure.is_some() {
                return;
            }
            match decode_event(ev.event, ev.data) {
                Ok(StreamItem::Chunk(c)) => batch.push(c),
                Ok(StreamItem::Done) => done = true,
                Err(e) => failure = Some(failed(e)),
            }
        });
        if let Err(e) = fed {
            failure.get_or_insert_with(|| failed(Error::new(ErrorKind::StreamTooLarge, e.to_string())));
        }
        if !batch.is_empty() && tx.send(Ok(std::mem::take(&mut batch))).await.is_err() {
            return Ok(()); // consumer gone
        }
        if let Some(e) = failure {
            return Err(e);
        }
        if done {
            return Ok(());
        }
    }
    decoder.finish();
    Err(failed(Error::new(ErrorKind::StreamTruncated, "the stream ended before [DONE]")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(text: &str) -> ChatChunk {
        serde_json::from_value(serde_json::json!({"choices": [{"index": 0, "delta": {"content": text}}]})).unwrap()
    }

    #[tokio::test]
    async fn cancel_means_no_more_even_for_chunks_already_received() {
        let (tx, rx) = mpsc::channel(4);
        tx.send(Ok(vec![chunk("a"), chunk("b"), chunk("c")])).await.unwrap();
        let mut s = ChatStream::new(rx, CancellationToken::new());
        assert_eq!(s.next().await.unwrap().unwrap().choices[0].delta.content.as_deref(), Some("a"));
        s.cancel();
        assert!(s.next().await.is_none(), "a buffered chunk came after cancel()");
        assert!(s.next_batch().await.is_none());
        assert!(matches!(s.try_next_batch(), Some(None)));
    }
}
