//! The core's one log stream. Every `tracing` event of target `agenticstar` (renewals, retries,
//! licence back-off, store trouble) becomes a [`LogRecord`]: a level and a message scrubbed by
//! [`crate::redact::scrub`], handed to the one sink a binding installs with [`set_sink`] (Python
//! `logging`, a Node callback, SLF4J, a Swift handler). The core never formats a secret into an
//! event; the scrub is the second line of defence.
//!
//! A Rust program that installs its own `tracing` subscriber gets the same events there and needs
//! none of this (the sink is then never called).
use std::fmt::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Once, RwLock};

use tracing::field::{Field, Visit};
use tracing::subscriber::Interest;
use tracing::{Event, Level, Metadata};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

/// How much a record matters, most severe first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LogLevel {
    /// Something failed that the caller will not see as an error (a listener panicked).
    Error = 1,
    /// Degraded but working: a retry, a failed background renewal, an unreachable store.
    Warn = 2,
    /// The token lifecycle: a token requested or renewed, a 401 answered by renewing.
    Info = 3,
    /// Details: each token request, discovery fallbacks.
    Debug = 4,
    /// Everything.
    Trace = 5,
}

impl LogLevel {
    /// Every level, most severe first.
    pub const ALL: [LogLevel; 5] = [LogLevel::Error, LogLevel::Warn, LogLevel::Info, LogLevel::Debug, LogLevel::Trace];

    /// `error`, `warn`, `info`, `debug` or `trace`.
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Error => "error",
            LogLevel::Warn => "warn",
            LogLevel::Info => "info",
            LogLevel::Debug => "debug",
            LogLevel::Trace => "trace",
        }
    }

    /// The level named (any case; `warning` too), or None.
    pub fn from_name(s: &str) -> Option<LogLevel> {
        match s.trim().to_ascii_lowercase().as_str() {
            "error" => Some(LogLevel::Error),
            "warn" | "warning" => Some(LogLevel::Warn),
            "info" => Some(LogLevel::Info),
            "debug" => Some(LogLevel::Debug),
            "trace" => Some(LogLevel::Trace),
            _ => None,
        }
    }

    fn of(l: &Level) -> LogLevel {
        match *l {
            Level::ERROR => LogLevel::Error,
            Level::WARN => LogLevel::Warn,
            Level::INFO => LogLevel::Info,
            Level::DEBUG => LogLevel::Debug,
            Level::TRACE => LogLevel::Trace,
        }
    }
}

/// The variable that switches on a binding's default logger (stderr) at a level: `AGENTICSTAR_LOG=debug`.
pub const LOG_ENV: &str = "AGENTICSTAR_LOG";

/// The level `AGENTICSTAR_LOG` names, if it is set to one.
pub fn env_level() -> Option<LogLevel> {
    std::env::var(LOG_ENV).ok().and_then(|v| LogLevel::from_name(&v))
}

/// One event of the stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogRecord {
    /// How much it matters.
    pub level: LogLevel,
    /// The module that logged it, e.g. `agenticstar::token::manager`.
    pub module: String,
    /// What happened, with the event's fields as ` key=value` after the text; secrets scrubbed.
    pub message: String,
}

/// Where records go.
pub type LogSink = Arc<dyn Fn(&LogRecord) + Send + Sync>;

static SINK: RwLock<Option<LogSink>> = RwLock::new(None);
static MAX: AtomicU8 = AtomicU8::new(0);
static INSTALL: Once = Once::new();

/// Send the stream to `sink`, records up to `max_level` (None: stop). The first call installs
/// the process-wide `tracing` subscriber that feeds it (a no-op if the program has its own).
/// The sink runs on whichever thread logged (often a runtime worker): it must not block for
/// long, and must not wait for the thread that is calling into the SDK.
pub fn set_sink(sink: Option<LogSink>, max_level: LogLevel) {
    INSTALL.call_once(|| {
        let _ = tracing::subscriber::set_global_default(tracing_subscriber::registry().with(SinkLayer));
    });
    let on = sink.is_some();
    *SINK.write().unwrap_or_else(|p| p.into_inner()) = sink;
    MAX.store(if on { max_level as u8 } else { 0 }, Ordering::Release);
    // Callsites cached their interest under the old level.
    tracing::callsite::rebuild_interest_cache();
}

fn ours(meta: &Metadata<'_>) -> bool {
    meta.target() == "agenticstar" || meta.target().starts_with("agenticstar::")
}

struct SinkLayer;

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

impl<S: tracing::Subscriber> Layer<S> for SinkLayer {
    fn register_callsite(&self, meta: &'static Metadata<'static>) -> Interest {
        // Everything else (hyper, reqwest...) is switched off at the callsite: zero cost.
        if ours(meta) && (LogLevel::of(meta.level()) as u8) <= MAX.load(Ordering::Acquire) {
            Interest::always()
        } else {
            Interest::never()
        }
    }
    fn enabled(&self, meta: &Metadata<'_>, _: Context<'_, S>) -> bool {
        ours(meta) && (LogLevel::of(meta.level()) as u8) <= MAX.load(Ordering::Acquire)
    }
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let Some(sink) = SINK.read().unwrap_or_else(|p| p.into_inner()).clone() else { return };
        let mut text = Text::default();
        event.record(&mut text);
        let meta = event.metadata();
        let record = LogRecord {
            level: LogLevel::of(meta.level()),
            module: meta.module_path().unwrap_or("agenticstar").to_owned(),
            message: crate::redact::scrub(&text.0),
        };
        // A failing foreign logger must not take the SDK's thread down with it.
        let _ = catch_unwind(AssertUnwindSafe(|| sink(&record)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn records_reach_the_sink_scrubbed_and_filtered_by_level() {
        let got = Arc::new(Mutex::new(Vec::<LogRecord>::new()));
        let g = got.clone();
        set_sink(Some(Arc::new(move |r: &LogRecord| g.lock().unwrap().push(r.clone()))), LogLevel::Info);
        let token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlc2lnbmF0dXJl";
        tracing::warn!(target: "agenticstar", attempt = 2, "retrying access_token={token}");
        tracing::debug!(target: "agenticstar", "below the level");
        tracing::warn!(target: "hyper", "not ours");
        set_sink(None, LogLevel::Trace);
        tracing::error!(target: "agenticstar", "after the sink is gone");
        // Other tests of this binary log at the same time: keep this module's records.
        let got: Vec<_> = got.lock().unwrap().iter().filter(|r| r.module == module_path!()).cloned().collect();
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].level, LogLevel::Warn);
        assert!(got[0].message.starts_with("retrying ") && got[0].message.ends_with(" attempt=2"), "{:?}", got[0]);
        assert!(!got[0].message.contains(token), "{:?}", got[0]);
        assert_eq!(got[0].module, "agenticstar::logging::tests");
        assert_eq!(LogLevel::from_name("WARNING"), Some(LogLevel::Warn));
        assert!(LogLevel::ALL.iter().all(|l| LogLevel::from_name(l.as_str()) == Some(*l)));
    }
}
