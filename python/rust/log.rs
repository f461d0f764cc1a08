//! Forward the core's `tracing` events (target "agenticstar") to `logging.getLogger("agenticstar")`.
//!
//! A small Layer instead of pyo3-log: the core logs with `tracing` (not `log`), and the events are
//! rare (renewals, retries), so taking the GIL per event is cheap enough. The core never puts
//! secrets in these messages.
use std::fmt::Write;

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use tracing::field::{Field, Visit};
use tracing::subscriber::Interest;
use tracing::{Event, Level, Metadata};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

static LOGGER: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

struct PyLogLayer;

fn ours(meta: &Metadata<'_>) -> bool {
    meta.target() == "agenticstar" || meta.target().starts_with("agenticstar::")
}

#[derive(Default)]
struct Text(String);

impl Visit for Text {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.0, "{value:?}");
        } else {
            let _ = write!(self.0, " {}={value:?}", field.name());
        }
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.0.push_str(value);
        } else {
            let _ = write!(self.0, " {}={value}", field.name());
        }
    }
}

impl<S: tracing::Subscriber> Layer<S> for PyLogLayer {
    fn register_callsite(&self, meta: &'static Metadata<'static>) -> Interest {
        // Everything else (hyper, reqwest...) is switched off at the callsite: zero cost.
        if ours(meta) { Interest::always() } else { Interest::never() }
    }
    fn enabled(&self, meta: &Metadata<'_>, _: Context<'_, S>) -> bool {
        ours(meta)
    }
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let level = match *event.metadata().level() {
            Level::ERROR => 40,
            Level::WARN => 30,
            Level::INFO => 20,
            Level::DEBUG => 10,
            Level::TRACE => 5,
        };
        let mut text = Text::default();
        event.record(&mut text);
        // Dropped when the interpreter is shutting down.
        crate::runtime::attach(|py| {
            let Ok(logger) = LOGGER.get_or_try_init(py, || -> PyResult<_> {
                Ok(py.import("logging")?.call_method1("getLogger", ("agenticstar",))?.unbind())
            }) else {
                return;
            };
            let logger = logger.bind(py);
            let enabled = logger.call_method1("isEnabledFor", (level,)).and_then(|b| b.is_truthy()).unwrap_or(false);
            if let Err(e) = if enabled { logger.call_method1("log", (level, text.0)).map(drop) } else { Ok(()) } {
                e.write_unraisable(py, None);
            }
        });
    }
}

/// Install the bridge as the process-wide subscriber (a no-op if another one is installed).
pub fn install() {
    let _ = tracing::subscriber::set_global_default(tracing_subscriber::registry().with(PyLogLayer));
}
