//! The core's log stream (`agenticstar::logging`) into `logging.getLogger("agenticstar")`.
//!
//! Records are rare (renewals, retries), so taking the GIL per record is cheap enough; the logger
//! filters by its own level (`isEnabledFor`), so `logging` configuration works as usual. The core
//! scrubs secrets from every record.
use std::sync::Arc;

use agenticstar::logging::{LogLevel, LogRecord};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

static LOGGER: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

fn forward(r: &LogRecord) {
    let level = match r.level {
        LogLevel::Error => 40,
        LogLevel::Warn => 30,
        LogLevel::Info => 20,
        LogLevel::Debug => 10,
        LogLevel::Trace => 5,
    };
    // Dropped when the interpreter is shutting down.
    crate::runtime::attach(|py| {
        let Ok(logger) = LOGGER.get_or_try_init(py, || -> PyResult<_> {
            Ok(py.import("logging")?.call_method1("getLogger", ("agenticstar",))?.unbind())
        }) else {
            return;
        };
        let logger = logger.bind(py);
        let enabled = logger.call_method1("isEnabledFor", (level,)).and_then(|b| b.is_truthy()).unwrap_or(false);
        if let Err(e) = if enabled { logger.call_method1("log", (level, &r.message)).map(drop) } else { Ok(()) } {
            e.write_unraisable(py, None);
        }
    });
}

/// Send the core's records to `logging` (every level: the logger decides).
pub fn install() {
    agenticstar::logging::set_sink(Some(Arc::new(forward)), LogLevel::Trace);
}
