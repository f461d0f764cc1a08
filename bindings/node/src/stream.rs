//! The native half of `ChatStream`: batches of chunks as JSON text, cancellation, accumulation.
use std::sync::Arc;

use agenticstar::chat::{ChatChunk, ChatStream};
use agenticstar::{Error, ErrorKind};
use napi::bindgen_prelude::*;
use napi_derive::napi;
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;

use crate::{spawn, to_napi};

/// A batch crosses as one JSON text: `{"h": [id, model, created], "c": [...]}`. A chunk of the
/// common shape (one choice, same id/model/created as the header, no tool calls or usage) is just
/// `[content, finish_reason, role]`; any other chunk is written out whole. Short strings mean less
/// UTF-8 to UTF-16 transcoding and a cheaper `JSON.parse` on the JS side, which rebuilds the
/// OpenAI wire shape. End of stream is the empty string.
#[derive(serde::Serialize)]
struct Batch<'a> {
    h: (&'a Option<String>, &'a Option<String>, Option<i64>),
    c: Vec<Entry<'a>>,
}

#[derive(serde::Serialize)]
#[serde(untagged)]
enum Entry<'a> {
    Simple(&'a Option<String>, &'a Option<String>, &'a Option<String>),
    Full(&'a ChatChunk),
}

fn encode(batch: &[ChatChunk]) -> agenticstar::Result<String> {
    let Some(first) = batch.first() else { return Ok("{\"h\":[null,null,null],\"c\":[]}".into()) };
    let entry = |c: &'_ ChatChunk| -> bool {
        c.id == first.id
            && c.model == first.model
            && c.created == first.created
            && c.usage.is_none()
            && c.choices.len() == 1
            && c.choices[0].index == 0
            && c.choices[0].delta.tool_calls.is_none()
    };
    let c = batch
        .iter()
        .map(|ch| {
            if entry(ch) {
                let choice = &ch.choices[0];
                Entry::Simple(&choice.delta.content, &choice.finish_reason, &choice.delta.role)
            } else {
                Entry::Full(ch)
            }
        })
        .collect();
    serde_json::to_string(&Batch { h: (&first.id, &first.model, first.created), c })
        .map_err(|e| Error::new(ErrorKind::Internal, format!("encode chunks: {e}")))
}

struct Reader {
    stream: ChatStream,
    /// An error that arrived behind chunks already handed over: reported by the next read.
    pending: Option<Error>,
}

impl Reader {
    /// Append every further batch that is already queued, so a fast producer and a busy consumer
    /// cross the boundary once for many chunks (the core hands over one batch per network read).
    fn drain_into(&mut self, out: &mut Vec<ChatChunk>) {
        while let Some(Some(item)) = self.stream.try_next_batch() {
            match item {
                Ok(b) => out.extend(b),
                Err(e) => {
                    self.pending = Some(e);
                    break;
                }
            }
        }
    }

    fn finish(&mut self, first: Option<agenticstar::Result<Vec<ChatChunk>>>) -> agenticstar::Result<String> {
        match first {
            None => Ok(String::new()),
            Some(Err(e)) => Err(e),
            Some(Ok(mut batch)) => {
                self.drain_into(&mut batch);
                encode(&batch)
            }
        }
    }
}

#[napi]
pub struct NativeChatStream {
    inner: Arc<Mutex<Reader>>,
    // Separate from the mutex so cancelling works while a read is pending.
    cancel: CancellationToken,
}

impl NativeChatStream {
    pub(crate) fn new(s: ChatStream) -> Self {
        NativeChatStream {
            cancel: s.cancellation_token(),
            inner: Arc::new(Mutex::new(Reader { stream: s, pending: None })),
        }
    }

    fn locked(&self) -> Result<tokio::sync::MutexGuard<'_, Reader>> {
        self.inner.try_lock().map_err(|_| {
            to_napi(Error::new(ErrorKind::Config, "the stream is being read; ask again when the pending read settles"))
        })
    }
}

#[napi]
impl NativeChatStream {
    /// Every chunk that is ready (waits for at least one); "" at the end.
    #[napi(catch_unwind)]
    pub fn next_batch<'e>(&self, env: &'e Env) -> Result<PromiseRaw<'e, String>> {
        let inner = self.inner.clone();
        spawn(env, async move {
            let mut r = inner.lock().await;
            if let Some(e) = r.pending.take() {
                return Err(e);
            }
            let first = r.stream.next_batch().await;
            r.finish(first)
        })
    }

    /// The fast path: what is ready now without a trip through the runtime. `null` when nothing is
    /// ready yet (call `nextBatch`), "" at the end.
    #[napi(catch_unwind)]
    pub fn try_next_batch(&self) -> Result<Option<String>> {
        let Ok(mut r) = self.inner.try_lock() else { return Ok(None) };
        if let Some(e) = r.pending.take() {
            return Err(to_napi(e));
        }
        match r.stream.try_next_batch() {
            None => Ok(None),
            Some(first) => r.finish(first).map(Some).map_err(to_napi),
        }
    }

    /// Close the connection now; a pending or later read returns "".
    #[napi(catch_unwind)]
    pub fn cancel(&self) {
        self.cancel.cancel();
    }

    /// The text received so far (first choice).
    #[napi(catch_unwind)]
    pub fn text(&self) -> Result<String> {
        Ok(self.locked()?.stream.text().to_owned())
    }

    /// What was received so far as one completion (JSON text).
    #[napi(catch_unwind)]
    pub fn completion(&self) -> Result<String> {
        Ok(serde_json::to_string(&self.locked()?.stream.completion()).unwrap_or_default())
    }
}
