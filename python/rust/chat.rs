//! Chat types (thin views over the core's structs, converted field by field on access) and the stream.
use std::sync::Arc;

use agenticstar::chat as c;
use pyo3::prelude::*;
use pyo3::types::PyList;
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;

use crate::{dispatch, json_to_py, q, to_pyerr};

/// `to_dict()` for any of the serde types below.
fn to_dict<'py, T: serde::Serialize>(py: Python<'py>, v: &T) -> PyResult<Bound<'py, PyAny>> {
    json_to_py(py, &serde_json::to_value(v).unwrap_or_default())
}

/// Token counts of a reply.
#[pyclass(module = "agenticstar._native", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct Usage(c::Usage);

#[pymethods]
impl Usage {
    #[getter]
    fn prompt_tokens(&self) -> u64 {
        self.0.prompt_tokens
    }
    #[getter]
    fn completion_tokens(&self) -> u64 {
        self.0.completion_tokens
    }
    #[getter]
    fn total_tokens(&self) -> u64 {
        self.0.total_tokens
    }
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_dict(py, &self.0)
    }
    fn __repr__(&self) -> String {
        format!(
            "Usage(prompt_tokens={}, completion_tokens={}, total_tokens={})",
            self.0.prompt_tokens, self.0.completion_tokens, self.0.total_tokens
        )
    }
}

#[pyclass(module = "agenticstar._native", frozen)]
pub struct FunctionDelta(c::FunctionDelta);

#[pymethods]
impl FunctionDelta {
    #[getter]
    fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }
    #[getter]
    fn arguments(&self) -> Option<&str> {
        self.0.arguments.as_deref()
    }
    fn __repr__(&self) -> String {
        format!("FunctionDelta(name={}, arguments={})", q(self.0.name.as_ref()), q(self.0.arguments.as_ref()))
    }
}

#[pyclass(module = "agenticstar._native", frozen)]
pub struct ToolCallDelta(c::ToolCallDelta);

#[pymethods]
impl ToolCallDelta {
    #[getter]
    fn index(&self) -> u32 {
        self.0.index
    }
    #[getter]
    fn id(&self) -> Option<&str> {
        self.0.id.as_deref()
    }
    #[getter]
    fn r#type(&self) -> Option<&str> {
        self.0.kind.as_deref()
    }
    #[getter]
    fn function(&self) -> Option<FunctionDelta> {
        self.0.function.clone().map(FunctionDelta)
    }
    fn __repr__(&self) -> String {
        format!("ToolCallDelta(index={}, id={}, type={})", self.0.index, q(self.0.id.as_ref()), q(self.0.kind.as_ref()))
    }
}

/// What one chunk adds to a choice.
#[pyclass(module = "agenticstar._native", frozen)]
pub struct Delta(c::Delta);

#[pymethods]
impl Delta {
    #[getter]
    fn role(&self) -> Option<&str> {
        self.0.role.as_deref()
    }
    #[getter]
    fn content(&self) -> Option<&str> {
        self.0.content.as_deref()
    }
    #[getter]
    fn tool_calls(&self) -> Option<Vec<ToolCallDelta>> {
        self.0.tool_calls.as_ref().map(|v| v.iter().cloned().map(ToolCallDelta).collect())
    }
    fn __repr__(&self) -> String {
        format!("Delta(role={}, content={})", q(self.0.role.as_ref()), q(self.0.content.as_ref()))
    }
}

#[pyclass(module = "agenticstar._native", frozen)]
pub struct ChunkChoice(c::ChunkChoice);

#[pymethods]
impl ChunkChoice {
    #[getter]
    fn index(&self) -> u32 {
        self.0.index
    }
    #[getter]
    fn delta(&self) -> Delta {
        Delta(self.0.delta.clone())
    }
    #[getter]
    fn finish_reason(&self) -> Option<&str> {
        self.0.finish_reason.as_deref()
    }
    fn __repr__(&self) -> String {
        format!(
            "ChunkChoice(index={}, delta={}, finish_reason={})",
            self.0.index,
            Delta(self.0.delta.clone()).__repr__(),
            q(self.0.finish_reason.as_ref())
        )
    }
}

/// The members a chunk and a completion share (the core gives both the same accessors); `$extra`
/// are the class's own.
macro_rules! reply_class {
    ($ty:ident, $choice:ident, { $($extra:tt)* }) => {
        #[pymethods]
        impl $ty {
            /// The first choice's text ("" when none).
            #[getter]
            fn text(&self) -> &str {
                self.0.text()
            }
            #[getter]
            fn finish_reason(&self) -> Option<&str> {
                self.0.finish_reason()
            }
            #[getter]
            fn choices(&self) -> Vec<$choice> {
                self.0.choices.iter().cloned().map($choice).collect()
            }
            #[getter]
            fn usage(&self) -> Option<Usage> {
                self.0.usage.clone().map(Usage)
            }
            #[getter]
            fn id(&self) -> Option<&str> {
                self.0.id.as_deref()
            }
            #[getter]
            fn model(&self) -> Option<&str> {
                self.0.model.as_deref()
            }
            #[getter]
            fn created(&self) -> Option<i64> {
                self.0.created
            }
            fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                to_dict(py, &self.0)
            }
            fn __repr__(&self) -> String {
                format!(
                    concat!(stringify!($ty), "(id={}, text={}, finish_reason={})"),
                    q(self.0.id.as_ref()),
                    q(Some(self.0.text())),
                    q(self.0.finish_reason())
                )
            }
            $($extra)*
        }
    };
}

/// One streamed piece of a reply. `text` is the first choice's new text ("" when none).
#[pyclass(module = "agenticstar._native", frozen)]
pub struct ChatChunk(c::ChatChunk);

reply_class!(ChatChunk, ChunkChoice, {
    /// The first choice's delta (empty when the chunk has no choices, e.g. the usage chunk).
    #[getter]
    fn delta(&self) -> Delta {
        Delta(self.0.choices.first().map(|c| c.delta.clone()).unwrap_or_default())
    }
});

#[pyclass(module = "agenticstar._native", frozen)]
pub struct CompletionMessage(c::CompletionMessage);

#[pymethods]
impl CompletionMessage {
    #[getter]
    fn role(&self) -> &str {
        &self.0.role
    }
    #[getter]
    fn content(&self) -> Option<&str> {
        self.0.content.as_deref()
    }
    #[getter]
    fn tool_calls<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.0.tool_calls.as_ref().map(|v| json_to_py(py, v)).transpose()
    }
    fn __repr__(&self) -> String {
        format!("CompletionMessage(role={}, content={})", q(Some(&self.0.role)), q(self.0.content.as_ref()))
    }
}

#[pyclass(module = "agenticstar._native", frozen)]
pub struct CompletionChoice(c::CompletionChoice);

#[pymethods]
impl CompletionChoice {
    #[getter]
    fn index(&self) -> u32 {
        self.0.index
    }
    #[getter]
    fn message(&self) -> CompletionMessage {
        CompletionMessage(self.0.message.clone())
    }
    #[getter]
    fn finish_reason(&self) -> Option<&str> {
        self.0.finish_reason.as_deref()
    }
    fn __repr__(&self) -> String {
        format!("CompletionChoice(index={}, finish_reason={})", self.0.index, q(self.0.finish_reason.as_ref()))
    }
}

/// A whole reply: from `chat.create()`, or accumulated by a stream.
#[pyclass(module = "agenticstar._native", frozen)]
pub struct ChatCompletion(c::ChatCompletion);

impl From<c::ChatCompletion> for ChatCompletion {
    fn from(v: c::ChatCompletion) -> Self {
        ChatCompletion(v)
    }
}

reply_class!(ChatCompletion, CompletionChoice, {
    /// Status, headers and request id of the answer (None for a completion a stream accumulated
    /// before its answer arrived).
    #[getter]
    fn response(&self) -> Option<crate::client::ResponseMeta> {
        self.0.response.clone().map(crate::client::ResponseMeta)
    }
});

/// The core stream, read a batch at a time. The Python wrappers `ChatStream` / `AsyncChatStream`
/// iterate the batches, so the boundary is crossed once per batch, not once per chunk.
#[pyclass(module = "agenticstar._native", frozen)]
pub struct NativeChatStream {
    inner: Arc<Mutex<Reader>>,
    cancel: CancellationToken,
}

/// Hand-over (merging what is ready, a trailing error after its chunks) is the core's: a read
/// here is one core `next_batch`.
struct Reader {
    s: c::ChatStream,
}

impl Reader {
    async fn next(&mut self) -> agenticstar::Result<Batch> {
        self.s.next_batch().await.transpose().map(Batch)
    }

    fn try_next(&mut self) -> Option<agenticstar::Result<Batch>> {
        Some(self.s.try_next_batch()?.transpose().map(Batch))
    }
}

/// A batch as a Python list; the end of the stream is the empty list (the core never yields an empty batch).
struct Batch(Option<Vec<c::ChatChunk>>);

impl<'py> IntoPyObject<'py> for Batch {
    type Target = PyList;
    type Output = Bound<'py, PyList>;
    type Error = PyErr;
    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        PyList::new(py, self.0.unwrap_or_default().into_iter().map(ChatChunk))
    }
}

impl NativeChatStream {
    pub fn new(s: c::ChatStream) -> Self {
        NativeChatStream { cancel: s.cancellation_token(), inner: Arc::new(Mutex::new(Reader { s })) }
    }

    fn with<T>(&self, f: impl FnOnce(&c::ChatStream) -> T) -> PyResult<T> {
        // Only contended while a read is pending; the accumulated values are read after the loop.
        self.inner
            .try_lock()
            .map(|r| f(&r.s))
            .map_err(|_| pyo3::exceptions::PyRuntimeError::new_err("the stream is being read"))
    }
}

#[pymethods]
impl NativeChatStream {
    /// The next batch (`[]` at the end), waiting for it: an awaitable when `asynchronous`.
    fn next_batch<'py>(&self, py: Python<'py>, asynchronous: bool) -> PyResult<Bound<'py, PyAny>> {
        let inner = self.inner.clone();
        dispatch(py, asynchronous, async move { inner.lock().await.next().await })
    }

    /// The next batch if one is already there (`[]` at the end), else None: the fast path that
    /// needs no asyncio future (async) and no GIL release (sync).
    fn try_next_batch<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyList>>> {
        let Ok(mut r) = self.inner.try_lock() else { return Ok(None) };
        match r.try_next() {
            None => Ok(None),
            Some(Ok(b)) => b.into_pyobject(py).map(Some),
            Some(Err(e)) => Err(to_pyerr(py, &e)),
        }
    }

    /// Stop now and close the connection; works while a read is pending.
    fn cancel(&self) {
        self.cancel.cancel();
    }

    #[getter]
    fn text(&self) -> PyResult<String> {
        self.with(|s| s.text().to_owned())
    }
    #[getter]
    fn finish_reason(&self) -> PyResult<Option<String>> {
        self.with(|s| s.finish_reason().map(str::to_owned))
    }
    #[getter]
    fn usage(&self) -> PyResult<Option<Usage>> {
        self.with(|s| s.usage().cloned().map(Usage))
    }
    #[getter]
    fn is_finished(&self) -> PyResult<bool> {
        self.with(|s| s.is_finished())
    }
    /// Status, headers and request id, once the answer's head arrived (after the first chunk).
    #[getter]
    fn response(&self) -> PyResult<Option<crate::client::ResponseMeta>> {
        self.with(|s| s.response().cloned().map(crate::client::ResponseMeta))
    }
    fn completion(&self) -> PyResult<ChatCompletion> {
        self.with(|s| ChatCompletion(s.completion()))
    }
}
