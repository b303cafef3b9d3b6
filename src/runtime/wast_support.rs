//! Internal access to a [`Runtime`]'s isolate for the `.wast` runner (`crate::wast`): enter
//! its main context, run V8's pending foreground tasks, and stop or resume execution from a
//! watchdog thread.

use crate::runtime::Runtime;
use crate::runtime::v8_util::compile_and_run;

impl Runtime {
    /// Runs `f` inside the runtime's isolate and main context.
    pub(crate) fn wast_enter<R>(&mut self, f: impl FnOnce(&mut v8::PinScope<'_, '_>) -> R) -> R {
        enter!(self, scope);
        f(scope)
    }

    /// A handle another thread can use to terminate running JS/Wasm.
    pub(crate) fn wast_isolate_handle(&self) -> v8::IsolateHandle {
        self.isolate.thread_safe_handle()
    }

    /// Runs the foreground tasks V8 posted that are due (GC and compilation follow-ups).
    pub(crate) fn wast_run_tasks(&mut self) {
        let (due, _) = self.tasks.take_due();
        for task in due {
            task.run();
        }
    }

    /// Clears a termination request so the isolate runs again.
    pub(crate) fn wast_cancel_termination(&mut self) {
        self.isolate.cancel_terminate_execution();
    }

    /// Whether the heap-limit callback stopped this isolate since the last call (clearing it).
    pub(crate) fn wast_take_heap_limit_hit(&mut self) -> bool {
        self.state()
            .heap_limit_hit
            .swap(false, std::sync::atomic::Ordering::SeqCst)
    }
}

/// Evaluates a classic script in the runner's context (`None` when it throws).
pub(crate) fn wast_eval<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    source: &str,
) -> Option<v8::Local<'s, v8::Value>> {
    compile_and_run(scope, "warren:wast.js", source)
}
