//! Where outbound requests run (`fetch`, Extism's `http_request`): on the tokio runtime of
//! the thread that makes them when warren made that runtime (an isolate's own, in a server
//! or a plugin worker: no thread crossing), else on the process's I/O runtime, one thread
//! ("warren-io") made on first use and kept, for callers that block (a Wasm host call
//! waiting for its answer) or that drive a runtime of their own, which may lack I/O.

use std::cell::RefCell;
use std::future::Future;
use std::sync::OnceLock;

thread_local! {
    /// The runtime [`local`] made on this thread: it has I/O, and it drives this thread.
    static LOCAL: RefCell<Option<tokio::runtime::Handle>> = const { RefCell::new(None) };
}

/// Makes the calling thread's own runtime (current-thread, I/O and time), on which this
/// thread's outbound requests then run: for a thread that drives its [`Runtime`]s with it
/// (`block_on` of their event loop), as warren's own threads and `warren run` do. Without
/// it a thread's fetches run on the shared I/O thread, and each crosses to it and back.
///
/// [`Runtime`]: crate::Runtime
///
/// # Errors
/// The system's, when the runtime could not be made.
pub fn local() -> std::io::Result<tokio::runtime::Runtime> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    LOCAL.with(|l| *l.borrow_mut() = Some(runtime.handle().clone()));
    Ok(runtime)
}

/// The process's I/O runtime, or why it could not be made.
fn shared() -> Result<&'static tokio::runtime::Runtime, String> {
    static RUNTIME: OnceLock<Result<tokio::runtime::Runtime, String>> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .thread_name("warren-io")
                .enable_all()
                .build()
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// Runs `task` on the process's I/O runtime.
///
/// # Errors
/// The system's, when its thread could not be made.
pub(crate) fn spawn_shared(task: impl Future<Output = ()> + Send + 'static) -> Result<(), String> {
    shared()?.spawn(task);
    Ok(())
}

/// Runs `task` on the runtime [`local`] made on this thread, or on the process's I/O
/// runtime when it made none. (A runtime a library user drives may have no I/O driver, and
/// tokio cannot be asked: only warren's own are trusted with sockets.)
///
/// # Errors
/// As [`spawn_shared`].
pub(crate) fn spawn(task: impl Future<Output = ()> + Send + 'static) -> Result<(), String> {
    match LOCAL.with(|l| l.borrow().clone()) {
        Some(here) => {
            here.spawn(task);
            Ok(())
        }
        None => spawn_shared(task),
    }
}
