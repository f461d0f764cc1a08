//! The core's log stream (`agenticstar::logging`) to the JS callback `setLogger` installs.
//!
//! A *weak* threadsafe function called non-blocking: a record never keeps Node's event loop alive
//! (napi-rs#1732) and a runtime thread never waits for the JS thread, which may itself be waiting
//! inside the SDK.
use std::sync::Arc;

use agenticstar::logging::{LogLevel, LogSink};
use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;

/// One record of the core's log stream (secrets already scrubbed).
#[napi(object)]
pub struct NativeLogRecord {
    /// error | warn | info | debug | trace
    pub level: String,
    pub module: String,
    pub message: String,
}

/// Send the core's records up to `level` to `callback` (null: stop).
#[napi]
// The type is spelled out: napi's .d.ts generator does not resolve aliases.
pub fn set_log_callback(
    callback: Option<ThreadsafeFunction<NativeLogRecord, (), NativeLogRecord, Status, false, true>>,
    level: String,
) -> Result<()> {
    let max = LogLevel::from_name(&level)
        .ok_or_else(|| crate::config_err(format!("level must be error, warn, info, debug or trace, not {level:?}")))?;
    let sink = callback.map(|f| -> LogSink {
        Arc::new(move |r| {
            let rec = NativeLogRecord {
                level: r.level.as_str().into(),
                module: r.module.clone(),
                message: r.message.clone(),
            };
            f.call(rec, ThreadsafeFunctionCallMode::NonBlocking);
        })
    });
    agenticstar::logging::set_sink(sink, max);
    Ok(())
}

/// The level `AGENTICSTAR_LOG` names, if any (the TS layer then logs to the console).
#[napi]
pub fn log_level_from_env() -> Option<String> {
    agenticstar::logging::env_level().map(|l| l.as_str().to_owned())
}
