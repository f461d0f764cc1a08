//! In-memory entry points to the core's decoders for bench/ only (cargo feature `bench`, which
//! bench/python/run.sh sets; never in the package). Tests go through the public client instead.
use agenticstar::sse::SseDecoder;
use agenticstar::{Error, ErrorKind};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::to_pyerr;

fn raise(py: Python<'_>, e: Error) -> PyErr {
    to_pyerr(py, &e)
}

/// Feed `chunks` in order and end the stream: `([(event, data, id)], retry)`.
#[pyfunction]
#[allow(clippy::type_complexity)]
fn sse_decode(py: Python<'_>, chunks: Vec<Vec<u8>>) -> PyResult<(Vec<(String, String, String)>, Option<u64>)> {
    let mut d = SseDecoder::new();
    let mut events = Vec::new();
    for c in &chunks {
        d.feed(c, |e| events.push((e.event.to_owned(), e.data.to_owned(), e.id.to_owned())))
            .map_err(|e| raise(py, Error::new(ErrorKind::StreamTooLarge, e.to_string())))?;
    }
    d.finish();
    Ok((events, d.retry()))
}

/// One chat stream event: `None` for `[DONE]`, else `{"text", "role", "finish_reason"}`.
#[pyfunction]
fn decode_chat_event<'py>(py: Python<'py>, event: &str, data: &str) -> PyResult<Option<Bound<'py, PyDict>>> {
    match agenticstar::chat::decode_event(event, data).map_err(|e| raise(py, e))? {
        agenticstar::chat::StreamItem::Done => Ok(None),
        agenticstar::chat::StreamItem::Chunk(c) => {
            let out = PyDict::new(py);
            out.set_item("text", c.text())?;
            out.set_item("role", c.choices.first().and_then(|ch| ch.delta.role.clone()))?;
            out.set_item("finish_reason", c.finish_reason())?;
            Ok(Some(out))
        }
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(sse_decode, m)?)?;
    m.add_function(wrap_pyfunction!(decode_chat_event, m)?)?;
    Ok(())
}
