//! Process-wide V8 set-up: flags, the platform and its per-isolate foreground task queues.
//!
//! V8 is initialised once per process ([`init`]). The platform is a custom one: V8's worker
//! threads still run background jobs (compilation, GC), but every *foreground* task V8 posts
//! for an isolate lands in that isolate's [`TaskQueue`], and wakes the isolate's event loop.
//! That is how `WebAssembly.instantiate(bytes)` settles without busy-polling: the background
//! compile posts a task, the queue wakes the loop, the loop runs the task on its own thread.
//!
//! The process-wide choices are made here too, before V8 starts ([`EngineOptions`]): the
//! Wasm tier ([`crate::Tier`]), extra V8 flags, and V8's Wasm trap handler.

use std::collections::HashMap;
use std::ffi::c_void;
use std::sync::{Arc, Mutex, Once, OnceLock};
use std::task::Waker;
use std::time::{Duration, Instant};

use crate::base_flags::BASE_FLAGS;
use crate::tier::Tier;

static INIT: Once = Once::new();
static QUEUES: OnceLock<Mutex<HashMap<usize, Arc<TaskQueue>>>> = OnceLock::new();
/// What V8 was started with: the tier, whether the trap handler is on, and every flag set
/// since (`set_flags` appends), for the compiled-Wasm cache's key.
static STARTED: OnceLock<Started> = OnceLock::new();

struct Started {
    tier: Tier,
    trap_handler: bool,
    flags: Mutex<String>,
}

/// How to start V8 for this process (see [`init_with`]).
#[derive(Clone, Debug)]
pub struct EngineOptions {
    /// Which compiler runs Wasm.
    pub tier: Tier,
    /// Further V8 flags, after warren's own (`--v8-flags` in the CLI).
    pub v8_flags: String,
    /// Use V8's Wasm trap handler: guard pages around every Wasm memory instead of a bounds
    /// check on each access. On by default where V8 supports it (x86-64 and arm64 Linux,
    /// macOS, Windows). V8 installs a SIGSEGV handler that handles only faults in Wasm code
    /// and hands every other fault back to the handler it replaced, so Rust's
    /// stack-overflow report still works (`tests/all/faults.rs`).
    pub trap_handler: bool,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            tier: Tier::Auto,
            v8_flags: String::new(),
            trap_handler: true,
        }
    }
}

/// Initialises V8 once for this process with `options`. Later calls do nothing and return
/// `false` (V8 reads flags at initialisation; the first caller's options stand).
pub fn init_with(options: &EngineOptions) -> bool {
    let mut first = false;
    INIT.call_once(|| {
        first = true;
        let flags = flags_for(options);
        v8::V8::set_flags_from_string(&flags);
        // Before `initialize`, as V8 requires. `true`: V8 installs its own signal handler,
        // which passes faults outside Wasm code on to the previous handler (Rust's).
        let trap_handler = options.trap_handler && v8::V8::enable_web_assembly_trap_handler(true);
        // The unprotected platform: isolates are created on many threads (test threads,
        // plugin threads), and the protected one ties code-space write permissions to the
        // thread that initialised V8.
        let platform = v8::new_custom_platform(0, false, true, Router).make_shared();
        v8::V8::initialize_platform(platform);
        v8::V8::initialize();
        v8::V8::set_fatal_error_handler(fatal_error);
        let _ = STARTED.set(Started {
            tier: options.tier,
            trap_handler,
            flags: Mutex::new(flags),
        });
    });
    first
}

/// The V8 flags [`init_with`] sets for `options`, in order, one space apart (what
/// [`flags`] reports after it).
pub fn flags_for(options: &EngineOptions) -> String {
    [BASE_FLAGS, options.tier.v8_flags(), &options.v8_flags]
        .iter()
        .flat_map(|f| f.split_whitespace())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Initialises V8 once for this process, with `extra_flags` after warren's own. Later
/// calls do nothing.
pub fn init_with_flags(extra_flags: &str) {
    init_with(&EngineOptions {
        v8_flags: extra_flags.to_string(),
        ..Default::default()
    });
}

fn started() -> &'static Started {
    init();
    STARTED.get().expect("V8 is initialised")
}

/// The tier V8 was started with.
pub fn tier() -> Tier {
    started().tier
}

/// Whether V8's Wasm trap handler is on (memory accesses checked by guard pages).
pub fn trap_handler_enabled() -> bool {
    started().trap_handler
}

/// Every V8 flag warren has set in this process, in order.
pub fn flags() -> String {
    started()
        .flags
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone()
}

// ---- reports of process-ending V8 failures ----

/// Receives the report of a V8 failure that ends the process (a CHECK failure, an
/// out-of-memory V8 could not recover from), naming the runtime that was running. The
/// process aborts right after it returns.
pub type FatalReporter = Box<dyn Fn(&str) + Send + Sync>;

static REPORTER: OnceLock<FatalReporter> = OnceLock::new();

/// Sets where fatal V8 failures are reported (once per process; later calls are ignored).
/// Without one they are written to standard error: the process is ending and nothing else
/// could tell which runtime took it down.
pub fn set_fatal_reporter(reporter: FatalReporter) {
    let _ = REPORTER.set(reporter);
}

thread_local! {
    /// The name of the runtime running on this thread (innermost), for fatal reports.
    static RUNNING: std::cell::RefCell<Vec<std::rc::Rc<str>>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Marks `name` as the runtime running on this thread until the guard is dropped.
pub(crate) fn running(name: &std::rc::Rc<str>) -> RunningGuard {
    RUNNING.with(|r| r.borrow_mut().push(name.clone()));
    RunningGuard
}

/// Ends a [`running`] mark.
pub(crate) struct RunningGuard;

impl Drop for RunningGuard {
    fn drop(&mut self) {
        RUNNING.with(|r| {
            r.borrow_mut().pop();
        });
    }
}

fn report_fatal(what: &str) {
    let runtime = RUNNING
        .try_with(|r| r.borrow().last().map(|n| n.to_string()))
        .ok()
        .flatten()
        .unwrap_or_else(|| "(none: no runtime call in progress on this thread)".into());
    let thread = std::thread::current();
    let text = format!(
        "warren: fatal V8 error in runtime \"{runtime}\" on thread {}: {what}\n",
        thread.name().unwrap_or("(unnamed)")
    );
    match REPORTER.get() {
        Some(r) => r(&text),
        None => {
            use std::io::Write;
            let _ = std::io::stderr().write_all(text.as_bytes());
        }
    }
}

fn fatal_error(file: &str, line: i32, message: &str) {
    report_fatal(&format!("{file}:{line}: {message}"));
}

/// The per-isolate out-of-memory handler: V8 could not stay within the heap (a failure the
/// near-heap-limit callback did not prevent).
pub(crate) unsafe extern "C" fn oom_error(
    location: *const std::ffi::c_char,
    details: &v8::OomDetails,
) {
    let location = if location.is_null() {
        String::new()
    } else {
        // SAFETY: V8 passes a NUL-terminated string valid for this call.
        unsafe { std::ffi::CStr::from_ptr(location) }
            .to_string_lossy()
            .into_owned()
    };
    let kind = if details.is_heap_oom {
        "JS heap out of memory"
    } else {
        "process out of memory"
    };
    report_fatal(&format!("{kind} at {location}"));
}

/// Initialises V8 with warren's default flags.
pub fn init() {
    init_with_flags("");
}

/// Sets further V8 flags at run time (for example proposal flags in `warren wast`). They
/// affect isolates created afterwards.
pub fn set_flags(flags: &str) {
    let started = started();
    v8::V8::set_flags_from_string(flags);
    let mut all = started.flags.lock().unwrap_or_else(|e| e.into_inner());
    for f in flags.split_whitespace() {
        all.push(' ');
        all.push_str(f);
    }
}

/// The V8 version linked into this binary.
pub fn v8_version() -> &'static str {
    v8::V8::get_version()
}

fn queues() -> &'static Mutex<HashMap<usize, Arc<TaskQueue>>> {
    QUEUES.get_or_init(Default::default)
}

/// Foreground tasks V8 posted for one isolate, to be run on that isolate's thread.
#[derive(Default)]
pub(crate) struct TaskQueue {
    inner: Mutex<QueueInner>,
}

#[derive(Default)]
struct QueueInner {
    ready: Vec<v8::Task>,
    delayed: Vec<(Instant, v8::Task)>,
    waker: Option<Waker>,
}

impl TaskQueue {
    fn push(&self, task: v8::Task, delay: Option<Duration>) {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        match delay {
            Some(d) if !d.is_zero() => inner.delayed.push((Instant::now() + d, task)),
            _ => inner.ready.push(task),
        }
        if let Some(w) = inner.waker.take() {
            w.wake();
        }
    }

    /// Takes the tasks that are due now, and tells when the next delayed one falls due.
    pub(crate) fn take_due(&self) -> (Vec<v8::Task>, Option<Instant>) {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let mut due = std::mem::take(&mut inner.ready);
        let now = Instant::now();
        let mut next = None;
        let mut i = 0;
        while i < inner.delayed.len() {
            if inner.delayed[i].0 <= now {
                due.push(inner.delayed.swap_remove(i).1);
            } else {
                let at = inner.delayed[i].0;
                next = Some(next.map_or(at, |n: Instant| n.min(at)));
                i += 1;
            }
        }
        (due, next)
    }

    /// Registers the waker to be woken by the next posted task.
    pub(crate) fn set_waker(&self, waker: &Waker) {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        match &inner.waker {
            Some(w) if w.will_wake(waker) => {}
            _ => inner.waker = Some(waker.clone()),
        }
    }

    /// Whether ready (not delayed) tasks are waiting.
    pub(crate) fn has_ready(&self) -> bool {
        !self
            .inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .ready
            .is_empty()
    }
}

/// The key of an isolate in the queue table: its address.
fn isolate_key(isolate: &v8::Isolate) -> usize {
    // SAFETY: we only read the address to use it as a map key; the pointer is never
    // dereferenced through this value.
    let raw = unsafe { isolate.as_raw_isolate_ptr() };
    // SAFETY: `UnsafeRawIsolatePtr` is `repr(transparent)` over a raw pointer.
    let ptr: *mut c_void = unsafe { std::mem::transmute(raw) };
    ptr as usize
}

/// Creates the task queue of a newly created isolate. Pair with [`unregister_isolate`].
pub(crate) fn register_isolate(isolate: &v8::Isolate) -> Arc<TaskQueue> {
    let q = Arc::new(TaskQueue::default());
    queues()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(isolate_key(isolate), q.clone());
    q
}

/// Drops the isolate's queue (and the tasks left in it) before the isolate is disposed.
pub(crate) fn unregister_isolate(isolate: &v8::Isolate) {
    let q = queues()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .remove(&isolate_key(isolate));
    drop(q);
}

/// Routes V8's foreground tasks into the owning isolate's queue.
struct Router;

impl Router {
    fn route(&self, isolate: *mut c_void, task: v8::Task, delay: Option<Duration>) {
        let q = queues()
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&(isolate as usize))
            .cloned();
        // A task for an isolate that is not (or no longer) registered is dropped unrun:
        // running it on this (arbitrary) thread would be unsound.
        if let Some(q) = q {
            q.push(task, delay);
        }
    }
}

fn delay(seconds: f64) -> Option<Duration> {
    Duration::try_from_secs_f64(seconds.max(0.0)).ok()
}

impl v8::PlatformImpl for Router {
    fn post_task(&self, isolate: *mut c_void, task: v8::Task) {
        self.route(isolate, task, None);
    }
    fn post_non_nestable_task(&self, isolate: *mut c_void, task: v8::Task) {
        self.route(isolate, task, None);
    }
    fn post_delayed_task(&self, isolate: *mut c_void, task: v8::Task, seconds: f64) {
        self.route(isolate, task, delay(seconds));
    }
    fn post_non_nestable_delayed_task(&self, isolate: *mut c_void, task: v8::Task, seconds: f64) {
        self.route(isolate, task, delay(seconds));
    }
    fn post_idle_task(&self, _isolate: *mut c_void, task: v8::IdleTask) {
        // Idle-time GC work is optional; warren does not advertise idle support, so V8
        // should not post any. Dropping one unrun is safe.
        drop(task);
    }
}
