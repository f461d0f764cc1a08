//! uniffi bindings of the agenticstar core for Kotlin (Android, JVM) and Swift (iOS, macOS).
//!
//! This crate only translates. Runtime rule: the core needs tokio for its I/O, but exported async
//! functions are polled by the foreign executor (Kotlin coroutines, Swift tasks). So every exported
//! future only awaits runtime-agnostic things: a `JoinHandle` of work spawned on [`rt`], or a
//! channel (the chat stream). No `async_runtime` attribute, no second runtime.
// The error enum is big (seven fields inline, as uniffi needs them); it is only built on failures.
#![allow(clippy::result_large_err)]

mod client;
mod error;
mod logging;
mod service;
mod stream;
mod types;

use std::future::Future;
use std::sync::OnceLock;

pub use client::*;
pub use error::*;
pub use logging::*;
pub use service::*;
pub use stream::*;
pub use types::*;

uniffi::setup_scaffolding!();

static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();

/// The crate's own runtime; built on first use, never dropped (apps do not unload the library).
pub(crate) fn rt() -> &'static tokio::runtime::Runtime {
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("agenticstar")
            .enable_all()
            .build()
            .expect("cannot start the agenticstar runtime")
    })
}

/// Aborts the task when the foreign side drops the future (Kotlin coroutine cancelled).
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Run core work on [`rt`] and await it from any executor. Cancelling the caller aborts the work;
/// the core keeps its own state safe (token renewals run as their own tasks).
pub(crate) async fn on_rt<T, F>(fut: F) -> Result<T>
where
    T: Send + 'static,
    F: Future<Output = agenticstar::Result<T>> + Send + 'static,
{
    let mut task = AbortOnDrop(rt().spawn(fut));
    joined((&mut task.0).await)
}

/// Like [`on_rt`] but the work finishes even if the caller goes away (a code exchange must not be
/// cut between the server spending the code and the tokens being stored).
pub(crate) async fn on_rt_detached<T, F>(fut: F) -> Result<T>
where
    T: Send + 'static,
    F: Future<Output = agenticstar::Result<T>> + Send + 'static,
{
    joined(rt().spawn(fut).await)
}

fn joined<T>(r: std::result::Result<agenticstar::Result<T>, tokio::task::JoinError>) -> Result<T> {
    match r {
        Ok(r) => r.map_err(Into::into),
        Err(e) => Err(AgenticStarError::new(
            agenticstar::ErrorKind::Internal,
            if e.is_panic() { "the SDK panicked (a bug)" } else { "the call was cancelled" },
        )),
    }
}

/// Test builds only (`--features test-hooks`, which `run-tests.sh` sets; never in the generated
/// bindings or the packages): a uniffi call that panics, so the Kotlin suite proves a panic comes
/// back as an exception and the process lives on.
#[cfg(feature = "test-hooks")]
#[unsafe(no_mangle)]
pub extern "C" fn agenticstar_ffi_test_panic(status: &mut uniffi::RustCallStatus) {
    uniffi::rust_call(status, || -> std::result::Result<(), uniffi::RustCallError> {
        panic!("forced panic at the FFI boundary")
    })
}
