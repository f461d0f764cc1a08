//! The core surface (`agenticstar::surface`), wrapped once: every capability reaches Python
//! through `NativeService` / `NativeJsonStream`, with arguments and results as JSON text that
//! `agenticstar._service` parses. No per-capability Rust lives here.
use std::sync::Arc;

use agenticstar::surface::{self, JsonStream, Service};
use pyo3::prelude::*;
use tokio_util::sync::CancellationToken;

use crate::client::ResponseMeta;
use crate::dispatch;

fn parse(method: &str, args: &str) -> agenticstar::Result<serde_json::Value> {
    serde_json::from_str(args).map_err(|e| {
        agenticstar::Error::new(agenticstar::ErrorKind::Config, format!("{method}: arguments are not JSON: {e}"))
    })
}

fn text(v: &impl serde::Serialize) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

/// A service opened with `NativeClient.service(kind, options)`.
#[pyclass(module = "agenticstar._native", frozen)]
pub struct NativeService(pub Arc<dyn Service>);

#[pymethods]
impl NativeService {
    /// `[{"name": ..., "kind": "call" | "stream"}, ...]` as JSON text.
    fn methods(&self) -> String {
        text(&self.0.methods())
    }

    /// Run a call method with per-call options (JSON, seconds); `(result JSON text, ResponseMeta | None)`.
    #[pyo3(signature = (asynchronous, method, args, options=None))]
    fn call<'py>(
        &self,
        py: Python<'py>,
        asynchronous: bool,
        method: String,
        args: &str,
        options: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let r = parse(&method, args)
            .and_then(|a| Ok(surface::call_with(&*self.0, &method, a, surface::call_options(options, false)?)));
        dispatch(py, asynchronous, async move {
            let a = r?.await?;
            Ok((text(&a.data), a.response.map(ResponseMeta)))
        })
    }

    /// Start a stream method with per-call options (errors arrive from the first read).
    #[pyo3(signature = (method, args, options=None))]
    fn open(&self, method: &str, args: &str, options: Option<&str>) -> NativeJsonStream {
        let s = match parse(method, args).and_then(|a| Ok((a, surface::call_options(options, false)?))) {
            Ok((a, o)) => surface::open_with(&*self.0, method, a, o),
            Err(e) => JsonStream::failed(e),
        };
        NativeJsonStream::new(s)
    }

    fn close<'py>(&self, py: Python<'py>, asynchronous: bool) -> PyResult<Bound<'py, PyAny>> {
        let f = self.0.close();
        dispatch(py, asynchronous, f)
    }
}

/// The items of a stream method, handed over in batches (the core merges what is ready).
#[pyclass(module = "agenticstar._native", frozen)]
pub struct NativeJsonStream {
    inner: Arc<tokio::sync::Mutex<JsonStream>>,
    cancel: CancellationToken,
}

impl NativeJsonStream {
    fn new(s: JsonStream) -> Self {
        NativeJsonStream { cancel: s.cancellation_token(), inner: Arc::new(tokio::sync::Mutex::new(s)) }
    }
}

#[pymethods]
impl NativeJsonStream {
    /// Every ready item as a JSON array text (waits for at least one); None at the end.
    fn next_batch<'py>(&self, py: Python<'py>, asynchronous: bool) -> PyResult<Bound<'py, PyAny>> {
        let inner = self.inner.clone();
        dispatch(py, asynchronous, async move {
            inner.lock().await.next_batch().await.transpose().map(|b| b.map(|b| text(&b)))
        })
    }

    /// Stop now: the producer is dropped (its connection closes); reads return None.
    fn cancel(&self) {
        self.cancel.cancel();
    }
}
