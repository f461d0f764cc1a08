//! The native half of `ChatStream`: batches of chunks as JSON text, cancellation, accumulation.
use std::sync::Arc;

use agenticstar::chat::{ChatChunk, ChatStream, compact};
use agenticstar::{Error, ErrorKind};
use napi::bindgen_prelude::*;
use napi_derive::napi;
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;

use crate::{spawn, to_napi};

/// Hand-over (merging what is ready, a trailing error after its chunks) and the compact encoding
/// are the core's (`chat::compact`): a read here is one core `next_batch`.
struct Reader {
    stream: ChatStream,
}

impl Reader {
    fn finish(&mut self, batch: Option<agenticstar::Result<Vec<ChatChunk>>>) -> agenticstar::Result<String> {
        match batch {
            None => Ok(String::new()),
            Some(b) => compact::encode(&b?),
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
        NativeChatStream { cancel: s.cancellation_token(), inner: Arc::new(Mutex::new(Reader { stream: s })) }
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
            let first = r.stream.next_batch().await;
            r.finish(first)
        })
    }

    /// The fast path: what is ready now without a trip through the runtime. `null` when nothing is
    /// ready yet (call `nextBatch`), "" at the end.
    #[napi(catch_unwind)]
    pub fn try_next_batch(&self) -> Result<Option<String>> {
        let Ok(mut r) = self.inner.try_lock() else { return Ok(None) };
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

    /// Status, headers and request id of the answer, once its head arrived (after the first batch).
    #[napi(catch_unwind)]
    pub fn response(&self) -> Result<Option<crate::convert::NativeResponseMeta>> {
        Ok(self.locked()?.stream.response().map(Into::into))
    }

    /// What was received so far as one completion (JSON text).
    #[napi(catch_unwind)]
    pub fn completion(&self) -> Result<String> {
        Ok(serde_json::to_string(&self.locked()?.stream.completion()).unwrap_or_default())
    }
}
