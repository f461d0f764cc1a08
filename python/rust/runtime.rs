//! The extension's one tokio runtime, rebuilt in a forked child, and the glue that lets
//! pyo3-async-runtimes run futures on it.
//!
//! `pyo3_async_runtimes::tokio` keeps its runtime in a `OnceLock`: after `fork()` the child inherits
//! a runtime whose worker threads do not exist, and every await hangs. Here the runtime is tagged
//! with the pid that built it; a child sees another pid and builds its own. The parent's runtime is
//! leaked in the child on purpose: dropping it would try to join threads that are gone.
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use pyo3::prelude::*;

use pyo3_async_runtimes::TaskLocals;
use pyo3_async_runtimes::generic::{ContextExt, JoinError, Runtime};
use tokio::runtime::Runtime as TokioRuntime;

static RT: AtomicPtr<TokioRuntime> = AtomicPtr::new(std::ptr::null_mut());
static RT_PID: AtomicU32 = AtomicU32::new(0);
static BUILD: Mutex<()> = Mutex::new(());

/// The runtime of this process (built on first use, and again after fork).
pub fn runtime() -> &'static TokioRuntime {
    let pid = std::process::id();
    if RT_PID.load(Ordering::Acquire) == pid {
        // SAFETY: the pointer was published (from a leaked Box, never freed) before the pid.
        return unsafe { &*RT.load(Ordering::Acquire) };
    }
    let _g = BUILD.lock().unwrap_or_else(|p| p.into_inner());
    if RT_PID.load(Ordering::Acquire) != pid {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .thread_name("agenticstar-tokio")
            .build()
            .expect("cannot start the tokio runtime");
        RT.store(Box::into_raw(Box::new(rt)), Ordering::Release);
        RT_PID.store(pid, Ordering::Release);
    }
    // SAFETY: as above.
    unsafe { &*RT.load(Ordering::Acquire) }
}

tokio::task_local! {
    static LOCALS: std::cell::OnceCell<TaskLocals>;
}

/// pyo3-async-runtimes' view of [`runtime`].
pub struct Rt;

pub struct Join(tokio::task::JoinError);

impl JoinError for Join {
    fn is_panic(&self) -> bool {
        self.0.is_panic()
    }
    fn into_panic(self) -> Box<dyn std::any::Any + Send + 'static> {
        self.0.into_panic()
    }
}

pub struct Handle(tokio::task::JoinHandle<()>);

impl Future for Handle {
    type Output = Result<(), Join>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<Self::Output> {
        Pin::new(&mut self.0).poll(cx).map_err(Join)
    }
}

impl Runtime for Rt {
    type JoinError = Join;
    type JoinHandle = Handle;
    fn spawn<F: Future<Output = ()> + Send + 'static>(fut: F) -> Handle {
        Handle(runtime().spawn(fut))
    }
    fn spawn_blocking<F: FnOnce() + Send + 'static>(f: F) -> Handle {
        // pyo3-async-runtimes calls this only to hand a result to Python (it attaches inside):
        // gate it like every other worker-thread entry into Python.
        Handle(runtime().spawn_blocking(move || {
            attach(|_| f());
        }))
    }
}

impl ContextExt for Rt {
    fn scope<F, R>(locals: TaskLocals, fut: F) -> Pin<Box<dyn Future<Output = R> + Send>>
    where
        F: Future<Output = R> + Send + 'static,
    {
        let cell = std::cell::OnceCell::new();
        let _ = cell.set(locals);
        Box::pin(LOCALS.scope(cell, fut))
    }
    fn get_task_locals() -> Option<TaskLocals> {
        LOCALS.try_with(|c| c.get().cloned()).unwrap_or_default()
    }
}

// ---- touching Python from the runtime's threads ---------------------------------------------

static EXITING: AtomicBool = AtomicBool::new(false);
static ATTACHED: AtomicUsize = AtomicUsize::new(0);

/// Run `f` attached to Python, unless the interpreter is shutting down (then None).
///
/// Before 3.13 (and with abi3 pyo3 cannot check), a thread that takes the GIL while the
/// interpreter finalizes is killed with pthread_exit, which cannot unwind through Rust frames:
/// the process aborts. So every entry from a worker thread goes through here, and the atexit
/// hook below waits for those in progress and turns the later ones away.
pub fn attach<R>(f: impl FnOnce(Python<'_>) -> R) -> Option<R> {
    struct Leave;
    impl Drop for Leave {
        fn drop(&mut self) {
            ATTACHED.fetch_sub(1, Ordering::SeqCst);
        }
    }
    ATTACHED.fetch_add(1, Ordering::SeqCst);
    let _leave = Leave;
    if EXITING.load(Ordering::SeqCst) {
        return None;
    }
    Some(Python::attach(f))
}

/// Registered with `atexit`: from now on worker threads leave Python alone.
#[pyfunction]
pub fn _at_exit(py: Python<'_>) {
    EXITING.store(true, Ordering::SeqCst);
    py.detach(|| {
        // Let the ones already inside finish (bounded: a stuck token store must not hang exit).
        let deadline = Instant::now() + Duration::from_secs(2);
        while ATTACHED.load(Ordering::SeqCst) > 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
    });
}
