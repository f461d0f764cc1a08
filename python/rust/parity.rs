//! The core's pure functions, so the pytest suite runs the shared vectors in testdata/ against
//! exactly what the Rust, Node and Kotlin suites run.
use agenticstar::sse::SseDecoder;
use agenticstar::{Dialect, Error, ErrorKind};
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

/// Read a token endpoint answer in `dialect` (`oauth`, `marketplace`, `wrapped`) as a dict.
#[pyfunction]
fn parse_token_response<'py>(py: Python<'py>, dialect: &str, status: u16, body: &[u8]) -> PyResult<Bound<'py, PyDict>> {
    let d = Dialect::from_name(dialect).ok_or_else(|| raise(py, Error::new(ErrorKind::Config, "unknown dialect")))?;
    let t = agenticstar::provider::parse_token_response(d, status, None, body).map_err(|e| raise(py, e))?;
    let out = PyDict::new(py);
    out.set_item("access_token", t.access_token.expose())?;
    out.set_item("token_type", t.token_type)?;
    out.set_item("expires_in", t.expires_in)?;
    out.set_item("refresh_token", t.refresh_token.as_ref().map(|s| s.expose()))?;
    out.set_item("id_token", t.id_token.as_ref().map(|s| s.expose()))?;
    out.set_item("scope", t.scope)?;
    Ok(out)
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

/// The code from a callback URL, checked against the state that was sent.
#[pyfunction]
fn parse_callback(py: Python<'_>, expected_state: &str, callback_url: &str) -> PyResult<String> {
    agenticstar::authcode::parse_callback_with_state(expected_state, callback_url)
        .map(|c| c.expose().to_owned())
        .map_err(|e| raise(py, e))
}

#[pyfunction]
fn scopes_allow(granted: &str, scope: &str) -> bool {
    agenticstar::Scopes::parse(granted).allows(scope)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(sse_decode, m)?)?;
    m.add_function(wrap_pyfunction!(parse_token_response, m)?)?;
    m.add_function(wrap_pyfunction!(decode_chat_event, m)?)?;
    m.add_function(wrap_pyfunction!(parse_callback, m)?)?;
    m.add_function(wrap_pyfunction!(scopes_allow, m)?)?;
    Ok(())
}
