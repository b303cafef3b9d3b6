//! Why an isolate stopped running, in one place: `process.exit()`, a panic in a fast host
//! call, the heap limit, the time limit, or a plain termination request. Each is detected
//! here and turned into its error.

use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::error::{Error, JsError, Limit, LimitKind, Trap, TrapKind};
use crate::runtime::state::State;

/// Installs the near-heap-limit callback: instead of letting V8 abort the process, stop the
/// isolate and give it a little room to unwind; `hit` records that it fired. The runtime
/// reports [`Error::Limit`].
pub(crate) fn install_heap_limit(isolate: &mut v8::OwnedIsolate, hit: Arc<AtomicBool>) {
    let data = Box::new((isolate.thread_safe_handle(), hit));
    let data = Box::into_raw(data) as *mut std::ffi::c_void;
    isolate.add_near_heap_limit_callback(near_heap_limit, data);
    // The box leaks one small allocation per limited isolate; it must outlive every
    // possible callback, which can come until the isolate is gone.
}

extern "C" fn near_heap_limit(
    data: *mut std::ffi::c_void,
    current: usize,
    _initial: usize,
) -> usize {
    // SAFETY: `data` is the box made in `install_heap_limit`, never freed.
    let (handle, hit) = unsafe { &*(data as *const (v8::IsolateHandle, Arc<AtomicBool>)) };
    handle.terminate_execution();
    hit.store(true, Ordering::SeqCst);
    // Room to unwind the termination; the isolate is retired afterwards.
    // Besides half the current limit: 16 MiB to unwind, plus room for the largest single object V8 allocates (just under 1 GiB: a Wasm
    // `array.new` of 2^30 bytes or more traps, a string is at most 2^29 two-byte characters).
    // Without it one allocation bigger than what is left, such as an `array.new` in a global's
    // initialiser evaluated during instantiation, made V8 abort the process ("Fatal JavaScript
    // out of memory: CALL_AND_RETRY_LAST") where the termination should have stopped it.
    // Such an object may take the isolate past its cap once, briefly, on its way to being
    // stopped.
    const UNWIND_ROOM: usize = (16 << 20) + (1 << 30);
    current + current / 2 + UNWIND_ROOM
}

/// Whether this isolate's heap-limit callback fired (the runtime is then retired: the flag
/// stays set).
pub(crate) fn heap_limit_hit(isolate: &v8::Isolate) -> bool {
    isolate
        .get_slot::<Rc<State>>()
        .is_some_and(|s| s.heap_limit_hit.load(Ordering::SeqCst))
}

fn exit_code(isolate: &v8::Isolate) -> Option<i32> {
    isolate
        .get_slot::<Rc<State>>()
        .and_then(|s| s.exit_code.get())
}

/// Whether the program asked to exit (`process.exit`, WASI's `proc_exit`). Whatever was
/// thrown while the stack unwound after that (the `unreachable` a C program executes right
/// after `proc_exit` returns) is not the outcome: the exit is.
pub(crate) fn exiting(isolate: &v8::Isolate) -> bool {
    exit_code(isolate).is_some()
}

/// A stop that was requested during a call that nonetheless returned: a fast-path host
/// call that panicked, or the heap limit. Checked after every successful call into V8: the
/// termination either requested only lands at V8's next interrupt check, which a short call
/// can return before reaching.
pub(crate) fn after_call(isolate: &v8::Isolate, export: Option<&str>) -> Option<Error> {
    (crate::host::fast_panicked() || heap_limit_hit(isolate))
        .then(|| termination_error(isolate, export))
}

/// Whether the program was stopped where no `TryCatch` saw it (in a microtask, a V8 task):
/// `process.exit()`, a fast-call panic or the heap limit. The event loop checks this after
/// every turn.
pub(crate) fn stopped(isolate: &v8::Isolate) -> Option<Error> {
    let stopped = exit_code(isolate).is_some()
        || crate::host::fast_panicked()
        || heap_limit_hit(isolate)
        || isolate.is_execution_terminating();
    stopped.then(|| termination_error(isolate, None))
}

/// The error for a terminated execution: `process.exit(code)`, a panic in a fast-path host
/// call (then the termination is cancelled so the runtime stays usable), the heap limit, or
/// a plain termination request.
pub(crate) fn termination_error(isolate: &v8::Isolate, export: Option<&str>) -> Error {
    if let Some(code) = exit_code(isolate) {
        return Error::Exit(code);
    }
    if let Some(msg) = crate::host::take_fast_panic() {
        isolate.cancel_terminate_execution();
        return match export {
            Some(export) => Error::Trap(Box::new(Trap {
                export: export.to_string(),
                kind: TrapKind::Host,
                message: msg,
                frames: Vec::new(),
            })),
            None => Error::Js(Box::new(JsError {
                message: format!("Error: {msg}"),
                stack: None,
                in_promise: false,
            })),
        };
    }
    if heap_limit_hit(isolate) {
        Error::Limit(Limit::new(
            LimitKind::Memory,
            "out of memory: the isolate reached its heap limit and was stopped",
        ))
    } else {
        Error::Limit(Limit::new(LimitKind::Terminated, "execution terminated"))
    }
}

/// The error for a call stopped by its wall-clock time limit.
pub(crate) fn time_limit_error(limit: Duration) -> Error {
    Error::Limit(Limit::new(
        LimitKind::Time,
        format!(
            "time limit exceeded: the call ran longer than {} and was stopped",
            humantime::format_duration(limit)
        ),
    ))
}

/// The error for a call stopped by its CPU-time limit.
pub(crate) fn cpu_limit_error(limit: Duration) -> Error {
    Error::Limit(Limit::new(
        LimitKind::Cpu,
        format!(
            "CPU time limit exceeded: the call used more than {} of CPU time and was stopped",
            humantime::format_duration(limit)
        ),
    ))
}
