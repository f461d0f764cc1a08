//! `agenticstar._native`: the pyo3 translation layer over the `agenticstar` core.
//!
//! Everything here converts arguments and results; the logic (tokens, retries, SSE, errors) is the
//! core's. The Python package (`python/src/agenticstar`) adds the sync/async client shapes.
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::time::Duration;

use agenticstar::{Error, ErrorKind};
use futures::FutureExt;
use pyo3::IntoPyObjectExt;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::Value;

mod chat;
mod client;
mod log;
#[cfg(feature = "bench")]
mod parity;
mod runtime;
mod service;
mod store;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    log::install();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<client::Provider>()?;
    m.add_class::<client::NativeClient>()?;
    m.add_class::<client::Token>()?;
    m.add_class::<client::AuthorizationRequest>()?;
    m.add_class::<client::SignIn>()?;
    m.add_class::<client::Response>()?;
    m.add_class::<client::ResponseMeta>()?;
    m.add_class::<chat::NativeChatStream>()?;
    m.add_class::<chat::ChatChunk>()?;
    m.add_class::<chat::ChunkChoice>()?;
    m.add_class::<chat::Delta>()?;
    m.add_class::<chat::ToolCallDelta>()?;
    m.add_class::<chat::FunctionDelta>()?;
    m.add_class::<chat::Usage>()?;
    m.add_class::<chat::ChatCompletion>()?;
    m.add_class::<chat::CompletionChoice>()?;
    m.add_class::<chat::CompletionMessage>()?;
    m.add_class::<service::NativeService>()?;
    m.add_class::<service::NativeJsonStream>()?;
    m.add_function(wrap_pyfunction!(error_kinds, m)?)?;
    m.add_function(wrap_pyfunction!(service_kinds, m)?)?;
    m.add_function(wrap_pyfunction!(client_option_defaults, m)?)?;
    m.add_function(wrap_pyfunction!(service_methods, m)?)?;
    m.add_function(wrap_pyfunction!(error_classes, m)?)?;
    #[cfg(debug_assertions)]
    m.add_function(wrap_pyfunction!(_panic_for_tests, m)?)?;
    #[cfg(feature = "bench")]
    parity::register(m)?;
    let at_exit = wrap_pyfunction!(runtime::_at_exit, m)?;
    m.py().import("atexit")?.call_method1("register", (at_exit,))?;
    Ok(())
}

/// Every error kind of the core (`agenticstar._exceptions` must have a class for each).
#[pyfunction]
fn error_kinds() -> Vec<&'static str> {
    ErrorKind::ALL.iter().map(|k| k.as_str()).collect()
}

/// The core's table of error class names and parents as JSON text (`[{kind, className, parent}]`).
#[pyfunction]
fn error_classes() -> String {
    serde_json::to_string(&agenticstar::surface::error_classes()).unwrap_or_default()
}

/// Every service kind `NativeClient.service` opens.
#[pyfunction]
fn service_kinds() -> Vec<&'static str> {
    agenticstar::surface::SERVICE_KINDS.to_vec()
}

/// The methods of a service kind as JSON text (`[{"name", "kind"}]`), or None for an unknown kind.
#[pyfunction]
fn service_methods(kind: &str) -> Option<String> {
    agenticstar::surface::methods_of(kind).and_then(|m| serde_json::to_string(m).ok())
}

/// The core's client option defaults as JSON text (camelCase keys, durations in seconds).
#[pyfunction]
fn client_option_defaults() -> String {
    agenticstar::ClientOptions::defaults_json().to_string()
}

/// Raise a Rust panic inside the extension (sync, or inside an awaited future) so the tests can
/// check that it surfaces as `InternalError` instead of aborting the interpreter. Debug (test)
/// builds only: the released wheels do not have it.
#[cfg(debug_assertions)]
#[pyfunction]
fn _panic_for_tests(py: Python<'_>, asynchronous: bool) -> PyResult<Bound<'_, PyAny>> {
    dispatch(py, asynchronous, async {
        if std::hint::black_box(true) {
            panic!("deliberate panic for the tests");
        }
        Ok(())
    })
}

// ---- errors --------------------------------------------------------------------------------

static MAKE_ERROR: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// The core error as the matching exception class of `agenticstar._exceptions`.
pub fn to_pyerr(py: Python<'_>, e: &Error) -> PyErr {
    let make = || -> PyResult<PyErr> {
        let f = MAKE_ERROR.get_or_try_init(py, || -> PyResult<_> {
            Ok(py.import("agenticstar._exceptions")?.getattr("_from_native")?.unbind())
        })?;
        let details = serde_json::to_string(&agenticstar::surface::ErrorDetails::from(e)).unwrap_or_default();
        Ok(PyErr::from_value(f.bind(py).call1((details,))?))
    };
    make().unwrap_or_else(|err| err)
}

pub fn config_error(py: Python<'_>, message: impl Into<String>) -> PyErr {
    to_pyerr(py, &Error::new(ErrorKind::Config, message))
}

fn panic_error(p: Box<dyn std::any::Any + Send>) -> Error {
    let msg = p
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    Error::new(
        ErrorKind::Internal,
        format!("internal error in agenticstar (a bug, please report it): {}", agenticstar::redact::scrub(&msg)),
    )
}

/// A core result that becomes a Python value or raises the matching exception once the GIL is
/// held (future_into_py needs the error as a `PyErr`, which must be built with the GIL).
pub struct Out<T>(agenticstar::Result<T>);

impl<'py, T: IntoPyObject<'py>> IntoPyObject<'py> for Out<T> {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;
    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self.0 {
            Ok(v) => v.into_bound_py_any(py),
            Err(e) => Err(to_pyerr(py, &e)),
        }
    }
}

// ---- running core futures ------------------------------------------------------------------

/// Run `fut` for Python: as an awaitable on the extension's runtime (`asynchronous`), or to
/// completion on this thread with the GIL released. Panics become `InternalError`.
pub fn dispatch<'py, T, F>(py: Python<'py>, asynchronous: bool, fut: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = agenticstar::Result<T>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    let fut = async move { AssertUnwindSafe(fut).catch_unwind().await.unwrap_or_else(|p| Err(panic_error(p))) };
    if asynchronous {
        pyo3_async_runtimes::generic::future_into_py::<runtime::Rt, _, Out<T>>(py, async move { Ok(Out(fut.await)) })
    } else {
        Out(block(py, fut)?).into_bound_py_any(py)
    }
}

/// Block this thread on `fut` without the GIL. Every 250 ms the GIL is taken briefly to let
/// Ctrl-C (KeyboardInterrupt) through; that drops `fut`, and every core future is cancel-safe.
pub fn block<T: Send, F>(py: Python<'_>, fut: F) -> PyResult<agenticstar::Result<T>>
where
    F: Future<Output = agenticstar::Result<T>> + Send,
{
    if tokio::runtime::Handle::try_current().is_ok() {
        // block_on inside a runtime thread would panic (or deadlock the worker).
        return Err(config_error(
            py,
            "the synchronous Client cannot be called from inside an SDK callback (on_token, token_store); use AsyncClient or call it later",
        ));
    }
    py.detach(|| {
        runtime::runtime().block_on(async {
            tokio::pin!(fut);
            loop {
                tokio::select! {
                    r = &mut fut => return Ok(r),
                    _ = tokio::time::sleep(Duration::from_millis(250)) => runtime::attach(|py| py.check_signals()).unwrap_or(Ok(()))?,
                }
            }
        })
    })
}

// ---- JSON <-> Python -----------------------------------------------------------------------

pub fn json_to_py<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => i.into_bound_py_any(py)?,
            (_, Some(u)) => u.into_bound_py_any(py)?,
            _ => n.as_f64().unwrap_or(f64::NAN).into_bound_py_any(py)?,
        },
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(a) => {
            PyList::new(py, a.iter().map(|x| json_to_py(py, x)).collect::<PyResult<Vec<_>>>()?)?.into_any()
        }
        Value::Object(m) => {
            let d = PyDict::new(py);
            for (k, x) in m {
                d.set_item(k, json_to_py(py, x)?)?;
            }
            d.into_any()
        }
    })
}

pub fn py_to_json(o: &Bound<'_, PyAny>) -> PyResult<Value> {
    if o.is_none() {
        Ok(Value::Null)
    } else if let Ok(b) = o.cast::<PyBool>() {
        Ok(Value::Bool(b.is_true()))
    } else if o.is_instance_of::<PyInt>() {
        match o.extract::<i64>() {
            Ok(i) => Ok(i.into()),
            Err(_) => Ok(o.extract::<u64>()?.into()),
        }
    } else if o.is_instance_of::<PyFloat>() {
        Ok(serde_json::Number::from_f64(o.extract()?).map(Value::Number).unwrap_or(Value::Null))
    } else if let Ok(s) = o.cast::<PyString>() {
        Ok(Value::String(s.to_cow()?.into_owned()))
    } else if let Ok(d) = o.cast::<PyDict>() {
        let mut m = serde_json::Map::new();
        for (k, v) in d.iter() {
            let k = k
                .cast::<PyString>()
                .map_err(|_| pyo3::exceptions::PyTypeError::new_err("JSON object keys must be str"))?;
            m.insert(k.to_cow()?.into_owned(), py_to_json(&v)?);
        }
        Ok(Value::Object(m))
    } else if o.is_instance_of::<PyList>() || o.is_instance_of::<PyTuple>() {
        Ok(Value::Array(o.try_iter()?.map(|x| py_to_json(&x?)).collect::<PyResult<_>>()?))
    } else if o.hasattr("items")? {
        py_to_json(&PyDict::from_sequence(&o.call_method0("items")?)?.into_any())
    } else {
        Err(pyo3::exceptions::PyTypeError::new_err(format!("{} is not JSON serializable", o.get_type().name()?)))
    }
}

/// Python's repr of an optional string, for `__repr__`s.
pub fn q<S: AsRef<str>>(s: Option<S>) -> String {
    match s {
        None => "None".into(),
        Some(s) => format!("'{}'", s.as_ref().escape_debug().to_string().replace("\\\"", "\"")),
    }
}
