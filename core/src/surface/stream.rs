//! A stream of JSON items handed over in batches, for every binding alike.

use std::collections::VecDeque;

use serde_json::Value;
use tokio::sync::mpsc;
use tokio_util::sync::{CancellationToken, DropGuard};

use crate::error::{Error, ErrorKind, Result};

/// Items in flight between the producer and the consumer; bounded so a slow consumer slows the
/// producer (and its TCP reads) instead of growing memory.
const CHANNEL_ITEMS: usize = 64;
/// Ready items are merged up to this many per hand-over, so a binding crosses its boundary rarely.
const MAX_MERGED: usize = 256;

/// The producer side of a [`JsonStream`].
#[derive(Clone)]
pub struct JsonSink {
    tx: mpsc::Sender<Result<Value>>,
    cancel: CancellationToken,
}

impl JsonSink {
    /// Send one item; `false` when the consumer is gone (stop producing).
    pub async fn send(&self, item: Value) -> bool {
        self.tx.send(Ok(item)).await.is_ok()
    }
    /// End the stream with an error.
    pub async fn fail(&self, e: Error) {
        let _ = self.tx.send(Err(e)).await;
    }
    /// Resolves when the consumer cancelled or dropped the stream.
    pub async fn cancelled(&self) {
        tokio::select! {
            _ = self.cancel.cancelled() => {}
            _ = self.tx.closed() => {}
        }
    }
}

/// A stream of JSON items. Dropping it or [`cancel`](Self::cancel) stops the producer at once
/// (its connection closes). Cancel-safe: dropping a `next*` future loses nothing.
pub struct JsonStream {
    rx: mpsc::Receiver<Result<Value>>,
    buf: VecDeque<Value>,
    pending: Option<Error>,
    finished: bool,
    cancel: CancellationToken,
    _guard: DropGuard,
}

impl JsonStream {
    /// A stream fed by `producer`, spawned on `runtime` (or the current one). The producer's
    /// error, or a panic in it, ends the stream as its last item; it is dropped on cancel.
    pub fn spawn<F, Fut>(runtime: Option<tokio::runtime::Handle>, producer: F) -> JsonStream
    where
        F: FnOnce(JsonSink) -> Fut,
        Fut: std::future::Future<Output = Result<()>> + Send + 'static,
    {
        let (tx, rx) = mpsc::channel(CHANNEL_ITEMS);
        let cancel = CancellationToken::new();
        let sink = JsonSink { tx: tx.clone(), cancel: cancel.clone() };
        // A stream opened inside a call's scope (`open_with`) keeps its options in the task.
        let scope = crate::request_options::CallScope::current();
        let work = producer(sink);
        let task_cancel = cancel.clone();
        let run = async move {
            let work: futures::future::BoxFuture<'static, Result<()>> = match scope {
                Some(s) => Box::pin(s.run(work)),
                None => Box::pin(work),
            };
            let work = futures::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(work));
            tokio::select! {
                _ = task_cancel.cancelled() => {}
                r = work => {
                    let r = r.unwrap_or_else(|_| Err(Error::new(ErrorKind::Internal, "a stream producer panicked (a bug)")));
                    if let Err(e) = r {
                        let _ = tx.send(Err(e)).await;
                    }
                }
            }
        };
        match runtime.or_else(|| tokio::runtime::Handle::try_current().ok()) {
            Some(h) => {
                h.spawn(run);
            }
            None => return JsonStream::failed(Error::config("streams need a tokio runtime")),
        }
        JsonStream::new(rx, cancel)
    }

    /// A stream whose only item is `e`.
    pub fn failed(e: Error) -> JsonStream {
        let (tx, rx) = mpsc::channel(1);
        let _ = tx.try_send(Err(e));
        JsonStream::new(rx, CancellationToken::new())
    }

    fn new(rx: mpsc::Receiver<Result<Value>>, cancel: CancellationToken) -> Self {
        JsonStream {
            rx,
            buf: VecDeque::new(),
            pending: None,
            finished: false,
            _guard: cancel.clone().drop_guard(),
            cancel,
        }
    }

    /// The next item, or `None` at the end (or after [`cancel`](Self::cancel)).
    pub async fn next(&mut self) -> Option<Result<Value>> {
        if let Some(v) = self.buf.pop_front() {
            return Some(Ok(v));
        }
        match self.next_batch().await? {
            Ok(b) => {
                self.buf.extend(b);
                self.buf.pop_front().map(Ok)
            }
            Err(e) => Some(Err(e)),
        }
    }

    /// Every item that is ready (at least one), or `None` at the end. An error that arrives
    /// behind items is delivered by the following call, so nothing is lost.
    pub async fn next_batch(&mut self) -> Option<Result<Vec<Value>>> {
        if !self.buf.is_empty() {
            return Some(Ok(self.buf.drain(..).collect()));
        }
        if let Some(e) = self.pending.take() {
            return Some(Err(e));
        }
        if self.finished {
            return None;
        }
        let first = tokio::select! {
            biased;
            item = self.rx.recv() => item,
            _ = self.cancel.cancelled() => None,
        };
        match first {
            None => {
                self.finished = true;
                None
            }
            Some(Err(e)) => {
                self.finished = true;
                Some(Err(e))
            }
            Some(Ok(v)) => {
                let mut batch = vec![v];
                while batch.len() < MAX_MERGED {
                    match self.rx.try_recv() {
                        Ok(Ok(v)) => batch.push(v),
                        Ok(Err(e)) => {
                            self.pending = Some(e);
                            self.finished = true;
                            break;
                        }
                        Err(_) => break,
                    }
                }
                Some(Ok(batch))
            }
        }
    }

    /// Stop now: the producer is dropped and `next` returns `None`. Safe from any thread.
    pub fn cancel(&self) {
        self.cancel.cancel();
    }

    /// A handle that cancels this stream from elsewhere (an AbortSignal, another thread).
    pub fn cancellation_token(&self) -> CancellationToken {
        self.cancel.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[tokio::test]
    async fn items_then_trailing_error_are_all_delivered() {
        let mut s = JsonStream::spawn(None, |sink| async move {
            for i in 0..3 {
                sink.send(json!(i)).await;
            }
            Err(Error::new(ErrorKind::StreamError, "boom"))
        });
        let mut got = Vec::new();
        let mut err = None;
        while let Some(b) = s.next_batch().await {
            match b {
                Ok(b) => got.extend(b),
                Err(e) => err = Some(e),
            }
        }
        assert_eq!(got, vec![json!(0), json!(1), json!(2)]);
        assert_eq!(err.unwrap().kind(), ErrorKind::StreamError);
    }

    #[tokio::test]
    async fn cancel_drops_the_producer() {
        let (done_tx, done_rx) = tokio::sync::oneshot::channel::<()>();
        let s = JsonStream::spawn(None, |sink| async move {
            let _guard = done_tx; // dropped when the producer is dropped
            sink.send(json!("first")).await;
            futures::future::pending::<()>().await;
            Ok(())
        });
        s.cancel();
        assert!(tokio::time::timeout(std::time::Duration::from_secs(5), done_rx).await.is_ok());
    }

    #[tokio::test]
    async fn panic_becomes_internal() {
        let mut s = JsonStream::spawn(None, |_sink| async move {
            if true {
                panic!("forced");
            }
            Ok(())
        });
        assert_eq!(s.next().await.unwrap().unwrap_err().kind(), ErrorKind::Internal);
    }
}
