//! Streaming, pull-based (`ChatStream.next()`) and push-based (`ChatListener`).
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::error::{AgenticStarError, Result};
use crate::types::{ChatChunk, ChatCompletion, ResponseMeta};

/// A streamed reply, read with `next()` until it returns null.
///
/// `cancel()` (any thread) closes the HTTP connection and makes `next()` return null. Swift's
/// `Task.cancel()` does not reach Rust futures, hence the explicit method; dropping or closing
/// the object cancels too.
#[derive(uniffi::Object)]
pub struct ChatStream {
    // A tokio Mutex (runtime-agnostic) so `next()` can be awaited on a foreign executor.
    inner: tokio::sync::Mutex<agenticstar::chat::ChatStream>,
    cancel: CancellationToken,
}

impl ChatStream {
    pub(crate) fn new(s: agenticstar::chat::ChatStream) -> Self {
        ChatStream { cancel: s.cancellation_token(), inner: tokio::sync::Mutex::new(s) }
    }
}

#[uniffi::export]
impl ChatStream {
    /// The next delta, or null at the end (after `[DONE]` or `cancel()`).
    /// Cancel-safe: a cancelled call loses nothing, the next call continues.
    pub async fn next(&self) -> Result<Option<ChatChunk>> {
        let mut s = self.inner.lock().await;
        Ok(s.next().await.transpose()?.map(Into::into))
    }

    /// Every delta already received (at least one), or null at the end. Fewer crossings of the
    /// language boundary than `next()` when the reply streams fast.
    pub async fn next_batch(&self) -> Result<Option<Vec<ChatChunk>>> {
        let mut s = self.inner.lock().await;
        Ok(s.next_batch().await.transpose()?.map(|b| b.into_iter().map(Into::into).collect()))
    }

    /// Read the rest and return the whole reply (including what `next()` already returned).
    pub async fn collect(&self) -> Result<ChatCompletion> {
        let mut s = self.inner.lock().await;
        while let Some(b) = s.next_batch().await {
            b?;
        }
        Ok(s.completion().into())
    }

    /// Status, headers and request id of the answer, once its head arrived (after the first
    /// `next()`); null before, or while another call reads the stream.
    pub fn response(&self) -> Option<ResponseMeta> {
        self.inner.try_lock().ok()?.response().map(Into::into)
    }

    /// Stop now: the connection is closed and `next()` returns null. Idempotent.
    pub fn cancel(&self) {
        self.cancel.cancel();
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }
}

/// Receives a streamed reply (`Client.chatStreamTo`). Called on an SDK thread, one call at a time,
/// in order; return quickly (hand work to your own dispatcher / main actor).
/// Exactly one of `onComplete` / `onError` ends every stream, also after `cancel()` (onComplete).
#[uniffi::export(foreign)]
pub trait ChatListener: Send + Sync {
    /// Throwing from here cancels the stream, then `onError` reports it.
    fn on_delta(&self, delta: ChatChunk) -> Result<()>;
    fn on_error(&self, error: AgenticStarError);
    fn on_complete(&self);
}

/// Controls a stream delivered to a [`ChatListener`]. Unlike [`ChatStream`], dropping (or garbage
/// collecting) this handle does NOT cancel: apps often ignore it. Call `cancel()` to stop.
#[derive(uniffi::Object)]
pub struct StreamHandle {
    cancel: CancellationToken,
    done: CancellationToken,
}

#[uniffi::export]
impl StreamHandle {
    /// Stop the stream; the listener then gets `onComplete`.
    pub fn cancel(&self) {
        self.cancel.cancel();
    }
    /// Whether the listener has received its final call.
    pub fn is_finished(&self) -> bool {
        self.done.is_cancelled()
    }
}

/// Pump `stream` into `listener` on a blocking-pool thread, so slow listener code never stalls
/// the runtime's workers. The listener is owned by the pump alone and dropped when the stream
/// ends: a listener that keeps the handle forms no lasting reference cycle.
pub(crate) fn pump(mut stream: agenticstar::chat::ChatStream, listener: Arc<dyn ChatListener>) -> Arc<StreamHandle> {
    let cancel = stream.cancellation_token();
    let done = CancellationToken::new();
    let handle = Arc::new(StreamHandle { cancel: cancel.clone(), done: done.clone() });
    let rt = crate::rt().handle().clone();
    crate::rt().spawn_blocking(move || {
        let run = std::panic::AssertUnwindSafe(|| {
            loop {
                let batch = match rt.block_on(stream.next_batch()) {
                    Some(Ok(b)) => b,
                    Some(Err(e)) => return listener.on_error(e.into()),
                    None => return listener.on_complete(),
                };
                for c in batch {
                    if cancel.is_cancelled() {
                        return listener.on_complete();
                    }
                    if let Err(e) = listener.on_delta(c.into()) {
                        cancel.cancel();
                        return listener.on_error(e);
                    }
                }
            }
        });
        if std::panic::catch_unwind(run).is_err() {
            cancel.cancel(); // never let a panic cross into the foreign thread pool
        }
        done.cancel();
    });
    handle
}
