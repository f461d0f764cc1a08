//! Python objects as the core's TokenStore and TokenListener.
use std::sync::Arc;

use agenticstar::{Error, ErrorKind, StoredToken, TokenListener, TokenStore};
use async_trait::async_trait;
use pyo3::prelude::*;

use crate::client::Token;
use crate::{json_to_py, py_to_json};

/// Any object with `load(key) -> dict | None`, `save(key, dict)` and optionally `clear(key)`.
pub struct PyTokenStore(Arc<Py<PyAny>>);

impl PyTokenStore {
    pub fn new(obj: Py<PyAny>) -> Self {
        PyTokenStore(Arc::new(obj))
    }

    /// Call the store on a blocking thread: it may do I/O, and it must not hold a tokio worker
    /// while it waits for the GIL.
    async fn call<T: Send + 'static>(
        &self,
        what: &'static str,
        f: impl FnOnce(&Bound<'_, PyAny>) -> PyResult<T> + Send + 'static,
    ) -> agenticstar::Result<T> {
        let obj = self.0.clone(); // an Arc: no GIL needed on this worker thread
        let r = tokio::task::spawn_blocking(move || {
            crate::runtime::attach(|py| f(obj.bind(py)).map_err(|e| describe(py, &e)))
        })
        .await
        .map_err(|_| Error::new(ErrorKind::Store, format!("token store {what}: the call panicked")))?
        .ok_or_else(|| Error::new(ErrorKind::Store, format!("token store {what}: Python is shutting down")))?;
        // The exception's type only: its text is the application's and might hold a token.
        r.map_err(|ty| Error::new(ErrorKind::Store, format!("token store {what} raised {ty}")))
    }
}

fn describe(py: Python<'_>, e: &PyErr) -> String {
    e.get_type(py).name().map(|n| n.to_string()).unwrap_or_else(|_| "an exception".into())
}

#[async_trait]
impl TokenStore for PyTokenStore {
    async fn load(&self, key: &str) -> agenticstar::Result<Option<StoredToken>> {
        let key = key.to_owned();
        let v = self.call("load", move |o| o.call_method1("load", (key,)).and_then(|r| py_to_json(&r))).await?;
        if v.is_null() {
            return Ok(None);
        }
        serde_json::from_value(v)
            .map(Some)
            .map_err(|e| Error::new(ErrorKind::Store, format!("token store load returned an unusable token: {e}")))
    }
    async fn save(&self, key: &str, token: &StoredToken) -> agenticstar::Result<()> {
        let (key, v) = (key.to_owned(), serde_json::to_value(token).unwrap_or_default());
        self.call("save", move |o| o.call_method1("save", (key, json_to_py(o.py(), &v)?)).map(drop)).await
    }
    async fn clear(&self, key: &str) -> agenticstar::Result<()> {
        let key = key.to_owned();
        self.call(
            "clear",
            move |o| if o.hasattr("clear")? { o.call_method1("clear", (key,)).map(drop) } else { Ok(()) },
        )
        .await
    }
}

/// `on_token=`: called with each new Token, after it was saved. Runs on a worker thread.
pub struct PyListener(pub Py<PyAny>);

impl TokenListener for PyListener {
    fn on_token(&self, token: &agenticstar::Token) {
        crate::runtime::attach(|py| {
            if let Err(e) = self.0.call1(py, (Token(token.clone()),)) {
                // Logged, not raised: the token was already saved and the caller still gets it.
                let kw = pyo3::types::PyDict::new(py);
                let logged = kw
                    .set_item("exc_info", e.value(py))
                    .and_then(|_| py.import("logging")?.call_method1("getLogger", ("agenticstar",)))
                    .and_then(|l| l.call_method("error", ("on_token callback raised an exception",), Some(&kw)));
                if logged.is_err() {
                    e.write_unraisable(py, Some(self.0.bind(py)));
                }
            }
        });
    }
}
