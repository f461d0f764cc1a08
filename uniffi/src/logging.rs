//! The core's log stream (`agenticstar::logging`) to a foreign handler: SLF4J in Kotlin
//! (`AgenticStarLogging.useSlf4j()`), a closure or `os.Logger` in Swift.
use std::sync::Arc;

/// How much a log record matters, most severe first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum LogLevel {
    /// Something failed that no caller sees as an error (a listener threw).
    Error,
    /// Degraded but working: a retry, a failed background renewal, an unreachable store.
    Warn,
    /// The token lifecycle: a token requested or renewed, a 401 answered by renewing.
    Info,
    /// Details: each token request, discovery fallbacks.
    Debug,
    /// Everything.
    Trace,
}

impl LogLevel {
    fn to_core(self) -> agenticstar::logging::LogLevel {
        use agenticstar::logging::LogLevel as L;
        match self {
            LogLevel::Error => L::Error,
            LogLevel::Warn => L::Warn,
            LogLevel::Info => L::Info,
            LogLevel::Debug => L::Debug,
            LogLevel::Trace => L::Trace,
        }
    }
    fn of(l: agenticstar::logging::LogLevel) -> Self {
        use agenticstar::logging::LogLevel as L;
        match l {
            L::Error => LogLevel::Error,
            L::Warn => LogLevel::Warn,
            L::Info => LogLevel::Info,
            L::Debug => LogLevel::Debug,
            L::Trace => LogLevel::Trace,
        }
    }
}

/// Receives the SDK's log records (secrets already scrubbed). Called on SDK threads: return
/// quickly, and never wait for a thread that is calling into the SDK.
#[uniffi::export(with_foreign)]
pub trait LogHandler: Send + Sync {
    /// `module`: where it came from, e.g. `agenticstar::token::manager`.
    fn log(&self, level: LogLevel, module: String, message: String);
}

/// Send the SDK's records up to `maxLevel` to `handler` (null: stop logging).
#[uniffi::export]
pub fn set_log_handler(handler: Option<Arc<dyn LogHandler>>, max_level: LogLevel) {
    let sink = handler.map(|h| -> agenticstar::logging::LogSink {
        Arc::new(move |r| h.log(LogLevel::of(r.level), r.module.clone(), r.message.clone()))
    });
    agenticstar::logging::set_sink(sink, max_level.to_core());
}
