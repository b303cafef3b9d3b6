//! `Runtime`: one isolate, one main context, and the event loop that drives them.
//!
//! Per-runtime state lives in the isolate's slot as `Rc<State>` (see `state.rs`), so V8
//! callbacks (which must be zero-sized `fn` items) can reach it. V8 handles never leave this
//! module tree: the public API deals in Rust values ([`Val`], [`Instance`], errors).

mod async_calls;
mod call;
mod caller;
mod compression;
mod cpu_ledger;
mod dynamic_import;
pub(crate) mod exceptions;
mod fetch;
mod fuel_global;
mod graph_load;
mod host_error;
mod instances;
mod instantiate;
mod js_layer;
mod js_sources;
mod linking;
pub(crate) mod memory_budget;
mod module_exports;
mod module_map;
mod ops;
mod process_events;
mod snapshot;
mod state;
mod stop;
mod subtle_ops;
mod synthetic_modules;
mod timers;
mod trampoline;
mod trap;
mod url_pattern;
mod v8_util;
mod wasi_ops;
mod wasm_esm;

use std::cell::Cell;
use std::future::{Future, poll_fn};
use std::mem::ManuallyDrop;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use crate::engine::{self, TaskQueue};
use crate::error::{Error, Result};
use crate::permissions::Permissions;
use crate::runtime::graph_load::GraphLoad;
pub(crate) use crate::runtime::instances::wasm_ctors;
pub use crate::runtime::instances::{Func, Instance};
use crate::runtime::memory_budget::MemoryBudget;
pub use crate::runtime::module_exports::JsModule;
pub(crate) use crate::runtime::module_exports::{
    CallArgList, CallArgs, CallResult, Called, Callee, KeptFunction,
};
pub(crate) use crate::runtime::ops::uint8_array;
pub use crate::runtime::snapshot::{CodeCacheStats, code_cache_stats};
use crate::runtime::state::State;
pub use crate::runtime::state::{OutputSink, Stream};
pub(crate) use crate::runtime::stop::time_limit_error;
pub(crate) use crate::runtime::wast_support::wast_eval;
use crate::value::Value;
use crate::wasm::{Val, WasmModule};
use crate::watchdog::{CpuBudget, Fired};

/// How to build a [`Runtime`].
#[derive(Clone, Default)]
pub struct RuntimeOptions {
    /// Where `console.*` output goes. Defaults to the process's stdout and stderr.
    pub output: Option<OutputSink>,
    /// Maximum V8 heap size in bytes. Reaching it stops the isolate with
    /// [`Error::Limit`] instead of aborting the process.
    pub max_heap_bytes: Option<usize>,
    /// Host functions, for Wasm imports and `host:` JS modules.
    pub linker: crate::Linker,
    /// Resolves and loads modules; defaults to [`crate::modules::FsModuleLoader`] with no
    /// import map.
    pub module_loader: Option<Rc<dyn crate::modules::ModuleLoader>>,
    /// What code may read, write and see of the environment: files through `node:fs`,
    /// `fetch` and module imports, `process.env`. Defaults to nothing; the module passed to
    /// `run_main_module` (or `run_wasm_module`, `preload_js`) is the one file the embedder
    /// grants by naming it.
    pub permissions: Permissions,
    /// `process.argv` (conventionally the runtime, the script, then its arguments).
    pub argv: Vec<String>,
    /// The longest one call into the runtime (running a module with its event loop, a
    /// script, an export) may take, by the wall clock. Past it the call is stopped and
    /// returns [`Error::Limit`]; the runtime stays usable.
    pub time_limit: Option<std::time::Duration>,
    /// The CPU time one call may use, on the isolate thread's own clock (waiting on a
    /// timer or an async host call is not charged). Past it the call is stopped, as for
    /// `time_limit`.
    pub cpu_limit: Option<std::time::Duration>,
    /// One memory cap in bytes for the JS heap, ArrayBuffers and every Wasm memory of the
    /// runtime together. A Wasm memory's maximum is clamped to what is left when its module
    /// is compiled (`memory.grow` past it returns -1); an ArrayBuffer past it fails to
    /// allocate; the JS heap past it stops the runtime with [`Error::Limit`].
    pub max_memory: Option<usize>,
    /// Fuel for Wasm: every module is instrumented (`crate::fuel`) to consume one unit per
    /// operator it runs, from one budget for the whole runtime; running out traps with
    /// [`crate::TrapKind::OutOfFuel`]. Read and refill it with [`Runtime::fuel`] and
    /// [`Runtime::set_fuel`]. Deterministic, unlike the time limits.
    pub fuel: Option<u64>,
    /// A name for the runtime in reports (a plugin's name): a fault or a fatal V8 error
    /// names it.
    pub name: Option<String>,
    /// Compile Wasm through this compiled-Wasm cache (none by default): modules compiled
    /// once are shared with every runtime using the same cache, and, for a cache on disk,
    /// with later processes. See [`crate::wasm_cache`].
    pub wasm_cache: Option<Arc<crate::wasm_cache::WasmCache>>,
}

/// One V8 isolate with its main context: runs JS modules and Wasm, and owns the event loop.
///
/// A `Runtime` stays on the thread that created it (V8 isolates cannot move threads).
///
/// # Examples
/// ```
/// let mut rt = warren::Runtime::new(Default::default()).unwrap();
/// let wasm = warren::wat_to_wasm(None, br#"(module (func (export "add") (param i32 i32) (result i32)
///     local.get 0 local.get 1 i32.add))"#).unwrap();
/// let inst = rt.instantiate_wasm("add.wat", &wasm).unwrap();
/// let out = rt.invoke(&inst, "add", &[warren::Val::I32(1), warren::Val::I32(2)]).unwrap();
/// assert_eq!(out, vec![warren::Val::I32(3)]);
/// ```
pub struct Runtime {
    // Dropped by hand, in order: state (holds Globals), context, then the isolate.
    context: ManuallyDrop<v8::Global<v8::Context>>,
    isolate: ManuallyDrop<v8::OwnedIsolate>,
    tasks: Arc<TaskQueue>,
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
    /// Whether warren's JS globals (console, timers, the lazy platform layers) are installed.
    /// They are, the first time JS runs: a Wasm-only program never pays for them.
    js_layer: JsLayer,
    /// The runtime's name in reports.
    name: std::rc::Rc<str>,
    /// The per-call time limits, the watchdog (started on first use), the isolate thread's
    /// CPU clock, the current call's deadline, and how deeply calls are nested (only the
    /// outermost one arms the limits).
    time_limit: Option<std::time::Duration>,
    cpu_limit: Option<std::time::Duration>,
    cpu_clock: Option<crate::watchdog::CpuClock>,
    watchdog: Option<crate::watchdog::Watchdog>,
    deadline: Option<Instant>,
    /// Whether `State::call_deadline` holds a deadline (to be cleared when a call has none).
    deadline_published: bool,
    /// Whether the runtime has a memory budget (set once, when it is made), and when
    /// [`Runtime::sample_memory`] samples it next.
    memory_capped: bool,
    next_sample: Option<Instant>,
    /// The current call's CPU budget, and a limit that fired while they were paused
    /// ([`Runtime::pause_limits`]).
    cpu_budget: Option<CpuBudget>,
    fired_early: Option<Fired>,
    /// Whether outermost calls share one `cpu_limit` ([`Runtime::share_cpu_budget`]),
    /// and what the calls sharing it have spent so far.
    cpu_shared: bool,
    cpu_spent: std::time::Duration,
    /// The CPU time the last outermost call ended at (counted from `cpu_spent`).
    last_call_cpu: Option<std::time::Duration>,
    /// The request the calls made now are for ([`Runtime::for_request`]).
    flight: Option<u32>,
    /// Whether the isolate keeps per-request CPU accounts
    /// ([`Runtime::account_cpu_per_request`]): without, a request's calls look nothing up.
    cpu_accounts: bool,
    /// When the last outermost call began (its limits count from then).
    call_started: Option<Instant>,
    /// How many [`Runtime::limited`] calls are under way (nested ones count).
    depth: Rc<Cell<usize>>,
    /// Whether the isolate stays entered between calls ([`Runtime::stay_entered`]).
    stays_entered: bool,
}

thread_local! {
    /// Whether a runtime of this thread keeps its isolate entered: at most one may.
    static STAYS_ENTERED: Cell<bool> = const { Cell::new(false) };
}

/// Whether a runtime's JS layer is installed ([`Runtime::ensure_js`]).
enum JsLayer {
    /// Not yet: the bootstrap ran at build time (the context comes from the snapshot), but
    /// its `core` object is still empty.
    Missing(js_layer::Pending),
    Ready,
    /// Its installation failed (the memory cap): why.
    Failed(String),
}

/// When [`Runtime::pause_limits`] stopped the clocks.
struct Paused {
    at: Instant,
    cpu_at: Option<std::time::Duration>,
}

/// Makes an isolate V8's current one on this thread until dropped (`Isolate::Enter` /
/// `Exit`, which nest).
///
/// rusty_v8 enters an isolate when it creates it, exits it when it drops it, and insists
/// that scopes are made for the current one; left that way, only the newest of several
/// runtimes on a thread could be used, and they had to be dropped newest first. So a
/// runtime exits its isolate as soon as it is created, and enters it for each call
/// (`enter!`), for running its V8 tasks, and to drop it: between calls no runtime is
/// entered, and runtimes on one thread can be used and dropped in any order.
pub(crate) struct Entered(*const v8::Isolate);

impl Entered {
    pub(crate) fn new(isolate: &v8::Isolate) -> Self {
        // SAFETY: entering a live isolate is always allowed (entries nest); the matching
        // exit is in `drop`, on the same thread (`Entered` is neither `Send` nor `Sync`).
        unsafe { isolate.enter() };
        Entered(isolate)
    }
}

impl Drop for Entered {
    fn drop(&mut self) {
        // SAFETY: the isolate outlives the guard (it is made from a borrow of the runtime
        // that owns the isolate, for one block), and it is the current isolate again here:
        // every entry made after this one has been exited (guards drop in reverse order).
        unsafe { (*self.0).exit() };
    }
}

/// Enters the runtime's isolate and main context: binds `$scope` to a
/// `ContextScope` for the rest of the enclosing block.
macro_rules! enter {
    ($rt:expr, $scope:ident) => {
        let _entered = $crate::runtime::Entered::new(&$rt.isolate);
        v8::scope!(let handle_scope, &mut *$rt.isolate);
        let context = v8::Local::new(handle_scope, &*$rt.context);
        let $scope = &mut v8::ContextScope::new(handle_scope, context);
    };
}

// After the macro: it uses `enter!`.
mod wast_support;

/// How often, at most, call boundaries sample the memory budget: V8's heap statistics cost
/// about a microsecond and drop its allocation buffers, a server's calls come faster than
/// that, and the JS heap itself is held to the cap by V8's own limit; only the
/// ArrayBuffer check reads the sample. Instantiation always samples.
const SAMPLE_EVERY: std::time::Duration = std::time::Duration::from_millis(1);

impl Runtime {
    /// Creates a runtime: a fresh isolate and context. warren's JS globals (`console`,
    /// timers, the web and Node layers) are installed when JS first runs, so a runtime that
    /// only calls Wasm never pays for them.
    ///
    /// # Errors
    /// Fails only if the context lacks the `WebAssembly` object (a V8 built without it).
    pub fn new(options: RuntimeOptions) -> Result<Self> {
        engine::init();
        let mut params = v8::CreateParams::default().snapshot_blob(snapshot::blob());
        let budget = options.max_memory.map(MemoryBudget::new);
        if let Some(b) = &budget {
            params = params.array_buffer_allocator(b.allocator());
        }
        let heap_limit = [options.max_heap_bytes, options.max_memory]
            .into_iter()
            .flatten()
            .min();
        if let Some(max) = heap_limit {
            params = params.heap_limits(0, max);
        }
        let mut isolate = v8::Isolate::new(params);
        // SAFETY: rusty_v8 has just entered it, so it is the current isolate; from now on
        // it is entered only while used (see `Entered`).
        unsafe { isolate.exit() };
        let tasks = engine::register_isolate(&isolate);
        isolate.set_microtasks_policy(v8::MicrotasksPolicy::Explicit);
        isolate.set_promise_reject_callback(state::promise_reject_callback);
        isolate.set_host_initialize_import_meta_object_callback(module_map::import_meta_callback);
        isolate
            .set_host_import_module_dynamically_callback(dynamic_import::dynamic_import_callback);
        isolate.set_capture_stack_trace_for_uncaught_exceptions(true, 10);
        isolate.set_oom_error_handler(engine::oom_error);
        let output = options.output.clone().unwrap_or_else(state::default_output);
        let loader = options.module_loader.clone().unwrap_or_else(|| {
            Rc::new(
                crate::modules::FsModuleLoader::default()
                    .with_permissions(options.permissions.clone()),
            )
        });
        let mut state = State::new(
            output,
            options.linker.clone(),
            loader,
            options.permissions.clone(),
            options.argv.clone(),
        );
        state.wasm_cache = options.wasm_cache.clone();
        let state = Rc::new(state);
        isolate.set_slot(state.clone());
        // Bytes host functions return count against the memory cap.
        isolate.set_slot(crate::host::MakeBytes(memory_budget::uint8_array));
        if heap_limit.is_some() {
            stop::install_heap_limit(&mut isolate, state.heap_limit_hit.clone());
        }
        let memory_capped = budget.is_some();
        *state.budget.borrow_mut() = budget;

        let (context, pending) = {
            let _entered = Entered::new(&isolate);
            v8::scope!(let scope, &mut isolate);
            let context = v8::Context::new(scope, Default::default());
            let scope = &mut v8::ContextScope::new(scope, context);
            let pending = js_layer::Pending::take(scope).ok_or_else(|| {
                Error::Other("warren's startup snapshot lacks the bootstrap's objects".into())
            })?;
            (v8::Global::new(scope, context), pending)
        };
        let mut rt = Runtime {
            context: ManuallyDrop::new(context),
            isolate: ManuallyDrop::new(isolate),
            tasks,
            sleep: None,
            js_layer: JsLayer::Missing(pending),
            name: options.name.as_deref().unwrap_or("main").into(),
            time_limit: options.time_limit,
            cpu_limit: options.cpu_limit,
            cpu_clock: options
                .cpu_limit
                .and_then(|_| crate::watchdog::CpuClock::current_thread().ok()),
            watchdog: None,
            deadline: None,
            deadline_published: false,
            cpu_budget: None,
            cpu_shared: false,
            cpu_spent: std::time::Duration::ZERO,
            last_call_cpu: None,
            flight: None,
            cpu_accounts: false,
            memory_capped,
            next_sample: None,
            fired_early: None,
            call_started: None,
            stays_entered: false,
            depth: Rc::default(),
        };
        let ctors = {
            enter!(rt, scope);
            instances::capture_constructors(scope)?
        };
        *rt.state().wasm.borrow_mut() = Some(Rc::new(ctors));
        if let Some(fuel) = options.fuel {
            let global = {
                enter!(rt, scope);
                fuel_global::create(scope, fuel)?
            };
            *rt.state().fuel.borrow_mut() = Some(global);
        }
        Ok(rt)
    }

    /// When the last outermost call into the runtime began: the instant its time limit
    /// counts from (for a caller whose own deadline spans several calls).
    pub(crate) fn call_started(&self) -> Option<Instant> {
        self.call_started
    }

    fn state(&self) -> Rc<State> {
        State::get(&self.isolate)
    }

    /// Runs one call into the runtime under its time limit: the one place the limit is
    /// armed and disarmed. Only the outermost of nested calls arms it. If it fired, the
    /// termination is cancelled (so the runtime stays usable) and the call's result becomes
    /// [`Error::Limit`].
    ///
    /// A call whose future is dropped before it ends (an embedder's `timeout` or
    /// `select!`) still counts itself out, and an outermost one disarms the watchdog and
    /// cancels a termination it left pending: the next call is limited afresh.
    async fn limited<T>(&mut self, f: impl AsyncFnOnce(&mut Self) -> Result<T>) -> Result<T> {
        let mut guard = CallGuard::enter(&self.depth);
        let outermost = guard.outermost();
        let _running = engine::running(&self.name);
        if outermost && self.call_begins() {
            guard.armed = self
                .watchdog
                .as_ref()
                .map(|w| (w.disarmer(), self.isolate.thread_safe_handle()));
        }
        let result = f(self).await;
        guard.finish();
        if !outermost {
            return result;
        }
        self.call_ends(result)
    }

    /// [`Runtime::limited`] for a call that does not wait. It cannot be dropped half-way,
    /// so its guard needs no way to disarm the watchdog: [`Runtime::call_ends`] does.
    fn limited_now<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        let guard = CallGuard::enter(&self.depth);
        let outermost = guard.outermost();
        let _running = engine::running(&self.name);
        if outermost {
            self.call_begins();
        }
        let result = f(self);
        guard.finish();
        if !outermost {
            return result;
        }
        self.call_ends(result)
    }

    /// The start of an outermost call: its clocks, a memory sample, the watchdog armed
    /// for its limits. Whether the watchdog was armed.
    fn call_begins(&mut self) -> bool {
        let now = Instant::now();
        self.call_started = Some(now);
        self.sample_memory(now);
        let cpu = self
            .cpu_limit
            .zip(self.cpu_clock)
            .map(|(limit, clock)| CpuBudget {
                clock,
                // Zero unless the calls share a budget.
                start: clock.now().saturating_sub(self.cpu_spent),
                limit,
            });
        self.deadline = self.time_limit.map(|limit| now + limit);
        self.cpu_budget = cpu;
        if self.deadline.is_none() && cpu.is_none() {
            if self.deadline_published {
                self.publish_deadline();
            }
            return false;
        }
        let state = self.isolate.get_slot::<Rc<State>>();
        if let Some(s) = state {
            s.interrupt.clear();
            s.call_deadline.set(self.deadline);
            self.deadline_published = self.deadline.is_some();
        }
        if self.watchdog.is_none() {
            let interrupt = state.map(|s| s.interrupt.clone());
            self.watchdog =
                crate::watchdog::Watchdog::new(self.isolate.thread_safe_handle(), interrupt).ok();
        }
        match &self.watchdog {
            Some(w) => {
                w.arm(self.deadline, cpu);
                true
            }
            None => false,
        }
    }

    /// The end of an outermost call that gave `result`: the watchdog disarmed, and the
    /// result replaced by the limit's error if one fired (or its deadline has passed).
    fn call_ends<T>(&mut self, result: Result<T>) -> Result<T> {
        let now = Instant::now();
        let expired = self.deadline.take().is_some_and(|d| now >= d);
        // The watchdog wakes on its own time: a call that ends past its budget before it
        // has looked is over the limit all the same.
        let mut overspent = false;
        if let Some(b) = self.cpu_budget.take() {
            let spent = b.clock.now().saturating_sub(b.start);
            overspent = spent >= b.limit;
            self.last_call_cpu = Some(spent);
            if self.cpu_shared {
                self.cpu_spent = spent;
            }
        }
        let fired = self.watchdog.as_ref().and_then(|w| w.disarm());
        let fired = self.fired_early.take().or(fired);
        let fired = fired
            .or(expired.then_some(Fired::Wall))
            .or(overspent.then_some(Fired::Cpu));
        if let Some(fired) = fired {
            self.isolate.cancel_terminate_execution();
            return Err(match fired {
                Fired::Wall => stop::time_limit_error(self.time_limit.unwrap_or_default()),
                Fired::Cpu => stop::cpu_limit_error(self.cpu_limit.unwrap_or_default()),
            });
        }
        self.sample_memory(now);
        result
    }

    /// Samples the JS heap and Wasm memories into the memory budget, if there is one and
    /// the last sample is older than [`SAMPLE_EVERY`] at `now`.
    fn sample_memory(&mut self, now: Instant) {
        if !self.memory_capped || self.next_sample.is_some_and(|at| now < at) {
            return;
        }
        self.next_sample = Some(now + SAMPLE_EVERY);
        enter!(self, scope);
        memory_budget::sample(scope);
    }

    /// Installs warren's JS globals before the first JS runs.
    ///
    /// Warren's own set-up is not the caller's code, so the call's time and CPU limits are
    /// paused while it runs and its duration is given back: a tight limit on a first call
    /// cannot leave the runtime half-installed (without `setTimeout`, say) for good. A
    /// set-up that fails anyway (the memory cap) is remembered and named on every later
    /// call.
    fn ensure_js(&mut self) -> Result<()> {
        let pending = match std::mem::replace(&mut self.js_layer, JsLayer::Ready) {
            JsLayer::Missing(pending) => pending,
            JsLayer::Ready => return Ok(()),
            JsLayer::Failed(why) => {
                let e = Error::Other(format!(
                    "warren's JS layer could not be installed in this runtime: {why}"
                ));
                self.js_layer = JsLayer::Failed(why);
                return Err(e);
            }
        };
        let Some(paused) = self.pause_limits() else {
            // A limit fired before the set-up began: the call ends with it, and the next
            // call installs the layer.
            self.js_layer = JsLayer::Missing(pending);
            return Err(Error::Other(
                "stopped by a limit before warren's JS layer was installed".into(),
            ));
        };
        let result = {
            enter!(self, scope);
            js_layer::install(scope, pending)
        };
        self.resume_limits(paused);
        self.js_layer = match &result {
            Ok(()) => JsLayer::Ready,
            Err(e) => JsLayer::Failed(e.to_string()),
        };
        result
    }

    /// Stops the armed limits' clocks: `None` if one had already fired (kept for
    /// [`Runtime::limited`] to report).
    fn pause_limits(&mut self) -> Option<Paused> {
        let paused = Paused {
            at: Instant::now(),
            cpu_at: self.cpu_budget.map(|b| b.clock.now()),
        };
        let Some(w) = &self.watchdog else {
            return Some(paused);
        };
        if self.deadline.is_none() && self.cpu_budget.is_none() {
            return Some(paused);
        }
        match w.disarm() {
            Some(fired) => {
                self.fired_early = Some(fired);
                None
            }
            None => Some(paused),
        }
    }

    /// Tells the isolate's state when the current call must end ([`State::call_deadline`]).
    fn publish_deadline(&mut self) {
        if let Some(s) = self.isolate.get_slot::<Rc<State>>() {
            s.call_deadline.set(self.deadline);
        }
        self.deadline_published = self.deadline.is_some();
    }

    /// Re-arms the limits [`Runtime::pause_limits`] stopped, moved on by the time between.
    fn resume_limits(&mut self, paused: Paused) {
        if let Some(d) = &mut self.deadline {
            *d += paused.at.elapsed();
            self.publish_deadline();
        }
        if let (Some(b), Some(cpu_at)) = (&mut self.cpu_budget, paused.cpu_at) {
            b.start += b.clock.now().saturating_sub(cpu_at);
        }
        if self.deadline.is_none() && self.cpu_budget.is_none() {
            return;
        }
        if let Some(w) = &self.watchdog {
            w.arm(self.deadline, self.cpu_budget);
        }
    }

    /// The body of [`Runtime::execute_script`], without the time limit.
    fn execute_script_inner(&mut self, name: &str, source: &str) -> Result<serde_json::Value> {
        self.ensure_js()?;
        enter!(self, scope);
        v8::tc_scope!(let tc, scope);
        let Some(v) = v8_util::compile_and_run(tc, name, source) else {
            return Err(exceptions::caught(tc));
        };
        if let Some(e) = stop::after_call(tc, None) {
            return Err(e);
        }
        let json = exceptions::to_json(tc, v);
        // As after any macrotask: promise callbacks queued by the script run now.
        tc.perform_microtask_checkpoint();
        if tc.has_caught() || tc.has_terminated() {
            return Err(exceptions::caught(tc));
        }
        // The heap limit may have stopped it while the value was being read.
        if let Some(e) = stop::after_call(tc, None) {
            return Err(e);
        }
        Ok(json)
    }

    /// The body of [`Runtime::run_main_module`], without the time limit.
    async fn run_main_module_inner(&mut self, path: &Path) -> Result<()> {
        let url = self.main_url(path)?;
        let promise = self.load_and_evaluate(GraphLoad::new(url, true)).await?;
        self.run_event_loop_inner().await?;
        self.check_main_promise(&promise)?;
        self.end_program().await
    }

    /// A program's end, as Node's: `beforeExit` while its listeners give the emptied event
    /// loop more to do, then `exit` (js/node.js's `process`; nothing without it).
    async fn end_program(&mut self) -> Result<()> {
        loop {
            let listened = {
                let state = self.state();
                enter!(self, scope);
                process_events::emit(scope, &state, "beforeExit")?
            };
            if !listened {
                break;
            }
            // The loop runs even when the listeners gave it nothing to do: it reports what
            // they left rejected.
            let more = self.has_pending_work();
            self.run_event_loop_inner().await?;
            if !more {
                break;
            }
        }
        let state = self.state();
        enter!(self, scope);
        process_events::emit(scope, &state, "exit")?;
        Ok(())
    }

    /// Whether anything could still make progress: refed timers, V8 tasks, host calls,
    /// imports (what keeps [`Runtime::run_event_loop`] going).
    fn has_pending_work(&self) -> bool {
        let state = self.state();
        self.tasks.has_ready()
            || state.timers.borrow().has_refed()
            || self.isolate.has_pending_background_tasks()
            || state.pending_host_calls() > 0
            || state.pending_imports() > 0
    }

    /// Loads, instantiates and evaluates the module at `url` with its graph (the event loop
    /// is not run). Returns the evaluation promise.
    async fn load_and_evaluate(&mut self, mut load: GraphLoad) -> Result<v8::Global<v8::Promise>> {
        self.ensure_js()?;
        poll_fn(|cx| {
            enter!(self, scope);
            graph_load::poll_graph(scope, &mut load, cx)
        })
        .await?;
        enter!(self, scope);
        let url = &load.root;
        let module = module_map::get_module(scope, url.as_str())
            .ok_or_else(|| Error::Other(format!("{url} did not load")))?;
        module_map::instantiate(scope, module)?;
        v8::tc_scope!(let tc, scope);
        let Some(result) = module.evaluate(tc) else {
            return Err(exceptions::caught(tc));
        };
        let promise = v8::Local::<v8::Promise>::try_from(result)
            .map_err(|_| Error::Other("module evaluation did not return a promise".into()))?;
        tc.perform_microtask_checkpoint();
        if let Some(e) = stop::after_call(tc, None) {
            return Err(e);
        }
        // A WASI proc_exit (or process.exit) during evaluation: the exit is the outcome,
        // not whatever the unwinding threw.
        if stop::exiting(tc) {
            return Err(stop::termination_error(tc, None));
        }
        if promise.state() == v8::PromiseState::Rejected {
            let exc = promise.result(tc);
            let state = State::get(tc);
            state.forget_rejection(tc, promise);
            return Err(Error::Js(Box::new(exceptions::js_error(tc, exc, false))));
        }
        Ok(v8::Global::new(tc, promise))
    }

    /// The URL of the main module at `path`, recorded as `import.meta.main`.
    fn main_url(&mut self, path: &Path) -> Result<url::Url> {
        let url = file_url(&absolute(path)?)?;
        enter!(self, scope);
        module_map::set_main(scope, url.as_str());
        Ok(url)
    }

    /// The body of [`Runtime::run_wasm_module`], without the time limit.
    async fn run_wasm_module_inner(&mut self, module: &WasmModule) -> Result<Instance> {
        let path = module.path().ok_or_else(|| {
            Error::Other(format!(
                "{} has no file path: a Wasm module run as the root of a module graph needs one to resolve its imports",
                module.name()
            ))
        })?;
        let url = self.main_url(path)?;
        let load = GraphLoad::with_wasm_root(url.clone(), module.clone());
        let promise = self.load_and_evaluate(load).await?;
        self.run_event_loop_inner().await?;
        self.check_main_promise(&promise)?;
        enter!(self, scope);
        let slot = module_map::wasm_slot(scope, url.as_str())
            .ok_or_else(|| Error::Other(format!("{url} was not instantiated as Wasm")))?;
        State::get(scope)
            .wasm_ctors()
            .instance_handle(slot)
            .ok_or_else(|| Error::Other("instance not ready".into()))
    }

    fn check_main_promise(&mut self, promise: &v8::Global<v8::Promise>) -> Result<()> {
        enter!(self, scope);
        let promise = v8::Local::new(scope, promise);
        match promise.state() {
            v8::PromiseState::Fulfilled => Ok(()),
            v8::PromiseState::Rejected if stop::exiting(scope) => {
                Err(stop::termination_error(scope, None))
            }
            v8::PromiseState::Rejected => {
                let exc = promise.result(scope);
                Err(Error::Js(Box::new(exceptions::js_error(scope, exc, false))))
            }
            v8::PromiseState::Pending => Err(Error::Stalled(
                "top-level await promise never resolved: nothing is left that could settle it"
                    .into(),
            )),
        }
    }

    /// Changes the wall-clock time limit of the calls made from now on (`None`: none), as
    /// `RuntimeOptions::time_limit` set it. A plugin host loads a plugin under one limit
    /// and serves its calls under another.
    pub fn set_time_limit(&mut self, limit: Option<std::time::Duration>) {
        self.time_limit = limit;
    }

    /// With `shared`, the outermost calls made from now on share one
    /// `RuntimeOptions::cpu_limit`, each starting with what the ones before it spent (the
    /// CPU time within the calls: not the thread's between them); without, each has the
    /// whole limit again. Either way the count starts at zero: a server whose request runs
    /// over several calls (a promise's settling, each chunk of a streamed body) turns it on
    /// when the request begins and off when it is over.
    pub(crate) fn share_cpu_budget(&mut self, shared: bool) {
        self.cpu_shared = shared;
        self.cpu_spent = std::time::Duration::ZERO;
    }

    /// Whether the JS heap reached its limit (`RuntimeOptions::max_memory`): the runtime is
    /// then retired, every later call fails, and an embedder should drop it.
    pub fn heap_limit_hit(&self) -> bool {
        stop::heap_limit_hit(&self.isolate)
    }

    /// The fuel left, when the runtime meters fuel (`RuntimeOptions::fuel`); 0 once a call
    /// ran out.
    pub fn fuel(&mut self) -> Option<u64> {
        enter!(self, scope);
        fuel_global::remaining(scope).map(|f| f.max(0) as u64)
    }

    /// Refills the fuel to `fuel`.
    ///
    /// # Errors
    /// [`Error::Other`] when the runtime was made without `RuntimeOptions::fuel`.
    pub fn set_fuel(&mut self, fuel: u64) -> Result<()> {
        enter!(self, scope);
        if fuel_global::set(scope, fuel) {
            Ok(())
        } else {
            Err(Error::Other(
                "this runtime does not meter fuel: create it with RuntimeOptions::fuel".into(),
            ))
        }
    }

    /// The status the program asked to exit with through `process.exitCode` (0 if never set).
    pub fn exit_code(&self) -> i32 {
        self.state().soft_exit_code.get().unwrap_or(0)
    }

    /// The body of [`Runtime::run_event_loop`], without the time limit.
    async fn run_event_loop_inner(&mut self) -> Result<()> {
        poll_fn(|cx| self.poll_event_loop(cx)).await
    }

    /// One turn of the event loop: run due V8 tasks and timers, run microtasks, report
    /// unhandled rejections; `Pending` while anything that can make progress remains.
    pub fn poll_event_loop(&mut self, cx: &mut Context<'_>) -> Poll<Result<()>> {
        self.poll_event_loop_for(cx, false)
    }

    /// [`Runtime::poll_event_loop`] for a caller that waits (`waited`) for a promise of
    /// the isolate: then an `unref()`ed timer (`AbortSignal.timeout`'s, say) still fires
    /// when due, as in a server's loop, since the wait keeps the loop alive; it only
    /// keeps nothing alive by itself.
    fn poll_event_loop_for(&mut self, cx: &mut Context<'_>, waited: bool) -> Poll<Result<()>> {
        loop {
            self.tasks.set_waker(cx.waker());
            let (due, next_task) = self.tasks.take_due();
            if !due.is_empty() {
                let _entered = Entered::new(&self.isolate);
                for task in due {
                    task.run();
                }
            }
            let state = self.state();
            let fired_timers = {
                enter!(self, scope);
                scope.perform_microtask_checkpoint();
                let settled = async_calls::poll_host_calls(scope, &state, cx)
                    + dynamic_import::poll_imports(scope, &state, cx);
                if settled > 0 {
                    scope.perform_microtask_checkpoint();
                }
                // Rejections before timers, as Node reports them after each macrotask.
                if let Some(e) = stop::stopped(scope) {
                    return Poll::Ready(Err(e));
                }
                process_events::report_rejections(scope, &state)?;
                let fired = timers::fire_due_timers(scope, &state)? || settled > 0;
                if let Some(e) = stop::stopped(scope) {
                    return Poll::Ready(Err(e));
                }
                process_events::report_rejections(scope, &state)?;
                fired
            };
            if self.tasks.has_ready() || fired_timers {
                continue;
            }
            let next_timer = state.timers.borrow().next_deadline();
            let keeps_alive = (waited && next_timer.is_some()) || self.has_pending_work();
            if !keeps_alive {
                return Poll::Ready(Ok(()));
            }
            if self.deadline.is_some_and(|d| Instant::now() >= d) {
                // The time limit passed while nothing ran: `disarm` reports it.
                return Poll::Ready(Ok(()));
            }
            let deadline = [next_timer, next_task, self.deadline]
                .into_iter()
                .flatten()
                .min();
            if let Some(deadline) = deadline {
                let deadline = tokio::time::Instant::from_std(deadline);
                match &mut self.sleep {
                    Some(s) => s.as_mut().reset(deadline),
                    None => self.sleep = Some(Box::pin(tokio::time::sleep_until(deadline))),
                }
                if let Some(s) = &mut self.sleep
                    && s.as_mut().poll(cx).is_ready()
                {
                    continue;
                }
            }
            return Poll::Pending;
        }
    }

    /// Makes `instance`'s exports the import namespace `ns` for modules instantiated later
    /// (what `--preload NAME=FILE.wasm` does).
    ///
    /// # Errors
    /// Only if the instance is not this runtime's.
    pub fn register_namespace(&mut self, ns: &str, instance: &Instance) -> Result<()> {
        enter!(self, scope);
        instances::register_namespace(scope, ns, instance)
    }

    /// The body of [`Runtime::preload_js`], without the time limit.
    async fn preload_js_inner(&mut self, ns: &str, path: &Path) -> Result<()> {
        let abs = absolute(path)?;
        let url = file_url(&abs)?;
        let promise = self.load_and_evaluate(GraphLoad::new(url, true)).await?;
        self.run_event_loop_inner().await?;
        self.check_main_promise(&promise)?;
        enter!(self, scope);
        module_map::register_js_namespace(scope, ns, &abs)
    }

    /// The body of [`Runtime::call_async`], without the time limit.
    async fn call_async_inner(&mut self, func: &Func, args: &[Val]) -> Result<Vec<Val>> {
        let called = {
            enter!(self, scope);
            call::call(scope, func, args)?
        };
        let (promise, results) = match called {
            call::Called::Done(v) => return Ok(v),
            call::Called::Promise(promise, results) => (promise, results),
        };
        self.wait_for(&promise).await?;
        enter!(self, scope);
        let p = v8::Local::new(scope, &promise);
        call::settled_results(scope, func.instance(), func.name(), p, &results)
    }

    /// Runs the event loop until `promise` settles, or until nothing is left that could
    /// settle it (the caller then finds it pending).
    async fn wait_for(&mut self, promise: &v8::Global<v8::Promise>) -> Result<()> {
        let settled = |rt: &mut Self| {
            enter!(rt, scope);
            v8::Local::new(scope, promise).state() != v8::PromiseState::Pending
        };
        poll_fn(|cx| {
            if settled(self) {
                return Poll::Ready(Ok(()));
            }
            match self.poll_event_loop_for(cx, true) {
                Poll::Pending if !settled(self) => Poll::Pending,
                Poll::Pending | Poll::Ready(Ok(())) => Poll::Ready(Ok(())),
                Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            }
        })
        .await
    }

    /// Loads the ES module `source` (already read, at its URL) with its imports,
    /// evaluates it, waits for its top-level await, and keeps its namespace so Rust can
    /// call its exports ([`Runtime::call_export`]). Unlike [`Runtime::run_main_source`] it
    /// is not the main module, and the event loop runs only until evaluation settles
    /// (timers the module starts keep running on later calls). The source itself needs no
    /// read permission; everything it imports does.
    ///
    /// # Errors
    /// As [`Runtime::run_main_module`].
    pub async fn load_module(&mut self, source: crate::modules::ModuleSource) -> Result<JsModule> {
        self.limited(async |rt| {
            let url = source.url.clone();
            let promise = rt.load_and_evaluate(GraphLoad::with_source(source)).await?;
            rt.wait_for(&promise).await?;
            rt.check_main_promise(&promise)?;
            enter!(rt, scope);
            module_exports::keep(scope, url.as_str())
        })
        .await
    }

    /// Calls the function export `name` of `module` with `args` converted to JS
    /// ([`Value::Bytes`] become `Uint8Array`s); when it returns a promise, runs the event
    /// loop until it settles. The result is converted back as `JSON.stringify` would,
    /// keeping bytes.
    ///
    /// # Errors
    /// [`Error::Export`] when there is no such function, [`Error::Js`] for an exception
    /// or a rejection, [`Error::Value`] for a result with no value form (a function),
    /// [`Error::Limit`] past a limit.
    pub async fn call_export(
        &mut self,
        module: &JsModule,
        name: &str,
        args: &[Value],
    ) -> Result<Value> {
        self.call_export_as(Callee::Export(module, name), args)
            .await
    }

    /// [`Runtime::call_export`] with arguments made and a result read in JS directly,
    /// for callers inside the crate that skip [`Value`] (a server's requests); `callee`
    /// is an export by name or one kept ([`Runtime::keep_function`]).
    pub(crate) async fn call_export_as<A: CallArgs + ?Sized, R: CallResult>(
        &mut self,
        callee: Callee<'_>,
        args: &A,
    ) -> Result<R> {
        self.limited(async |rt| {
            let called = {
                enter!(rt, scope);
                module_exports::call(scope, callee, args)?
            };
            let promise = match called {
                module_exports::Called::Done(v) => return Ok(v),
                module_exports::Called::Promise(p) => p,
            };
            rt.wait_for(&promise).await?;
            enter!(rt, scope);
            module_exports::settled(scope, &promise, callee.name())
        })
        .await
    }

    /// Keeps the isolate entered on this thread until the runtime is dropped, for a
    /// thread that runs this one runtime call after call (a server's isolate thread):
    /// entering an isolate that is not the current one costs V8 an allocation and a lock
    /// each time, re-entering the current one a counter. While it stays entered, another
    /// runtime of the thread is still entered and exited around its own calls (entries
    /// nest), but none other may stay entered: `false`, and nothing changes, if one does.
    pub(crate) fn stay_entered(&mut self) -> bool {
        if self.stays_entered || STAYS_ENTERED.get() {
            return self.stays_entered;
        }
        // SAFETY: entering a live isolate is always allowed (entries nest); the matching
        // exit is in `drop`, on this thread (a `Runtime` is neither `Send` nor `Sync`),
        // when every other runtime's entry on it has been exited, since those last for
        // one call or one drop each.
        unsafe { self.isolate.enter() };
        self.stays_entered = true;
        STAYS_ENTERED.set(true);
        true
    }

    /// The synchronous half of [`Runtime::call_export_as`], for a caller that cannot wait
    /// (a server answering on its connection's own task): the result when the function
    /// returns a value, or the promise it returned, for [`Runtime::finish_call`]. The time
    /// limit covers this call only; a caller that finishes the call later gives that call
    /// what is left of it.
    ///
    /// # Errors
    /// As [`Runtime::call_export_as`].
    pub(crate) fn call_now<A: CallArgs + ?Sized, R: CallResult>(
        &mut self,
        callee: Callee<'_>,
        args: &A,
    ) -> Result<Called<R>> {
        self.limited_now(|rt| {
            let flight = rt.flight;
            enter!(rt, scope);
            if flight.is_none() {
                return module_exports::call(scope, callee, args);
            }
            // The JS of a request's own call, and the continuations it makes, are the
            // request's ([`cpu_ledger`]).
            cpu_ledger::mark(scope, flight);
            let called = module_exports::call(scope, callee, args);
            cpu_ledger::mark(scope, None);
            called
        })
    }

    /// Runs the event loop until `promise` (from [`Runtime::call_now`] of `name`) settles,
    /// and reads its result.
    ///
    /// # Errors
    /// As [`Runtime::call_export_as`].
    pub(crate) async fn finish_call<R: CallResult>(
        &mut self,
        promise: &v8::Global<v8::Promise>,
        name: &str,
    ) -> Result<R> {
        self.limited(async |rt| {
            rt.wait_for(promise).await?;
            enter!(rt, scope);
            module_exports::settled(scope, promise, name)
        })
        .await
    }

    /// One turn of the event loop ([`Runtime::poll_event_loop`]) as a call of its own,
    /// under the runtime's limits: for a caller that waits for several promises at once
    /// (a server with requests in flight beside each other) and looks at them after each
    /// turn. `Ready(Ok)` when nothing is left that could make progress.
    ///
    /// # Errors
    /// The event loop's, or [`Error::Limit`] when the turn broke a limit.
    pub(crate) fn poll_turn(&mut self, cx: &mut Context<'_>) -> Poll<Result<()>> {
        let mut pending = false;
        let turned = self.limited_now(|rt| match rt.poll_event_loop_for(cx, true) {
            Poll::Ready(r) => r,
            Poll::Pending => {
                pending = true;
                Ok(())
            }
        });
        // A request whose timers or async host calls took it past its CPU limit.
        let over = self
            .cpu_accounts
            .then(|| {
                self.state()
                    .cpu_ledger
                    .borrow_mut()
                    .as_mut()
                    .and_then(cpu_ledger::CpuLedger::take_over)
            })
            .flatten();
        let turned = match (turned, over) {
            (Ok(()), Some(_)) => Err(stop::cpu_limit_error(self.cpu_limit.unwrap_or_default())),
            (turned, _) => turned,
        };
        match turned {
            Ok(()) if pending => Poll::Pending,
            r => Poll::Ready(r),
        }
    }

    /// Keeps per-request CPU accounts from now on ([`cpu_ledger`]), when the runtime has a
    /// `cpu_limit`: for a server with requests in flight at once, whose turns interleave
    /// them. Each request's calls ([`Runtime::for_request`]) and the timers and async host
    /// calls they start are charged to it; a request past the limit stops the call or turn
    /// that finds it with the CPU limit's error. Kept as it is if already on.
    pub(crate) fn account_cpu_per_request(&mut self) {
        let Some((limit, clock)) = self.cpu_limit.zip(self.cpu_clock) else {
            return;
        };
        let state = self.state();
        let mut ledger = state.cpu_ledger.borrow_mut();
        if ledger.is_none() {
            *ledger = Some(cpu_ledger::CpuLedger::new(clock, limit));
        }
        self.cpu_accounts = true;
    }

    /// Runs `f`, a call about request `flight` (its start, the rest of it) through
    /// [`Runtime::call_now`], as the request's: the JS it runs and the continuations that
    /// JS makes are charged to it, and
    /// its CPU counts on from what the request has spent, so the call is stopped when the
    /// two together pass `cpu_limit`. Just `f` without per-request accounts.
    pub(crate) fn for_request<T>(
        &mut self,
        flight: u32,
        f: impl FnOnce(&mut Self) -> Result<T>,
    ) -> Result<T> {
        if !self.cpu_accounts {
            return f(self);
        }
        let state = self.state();
        // The borrow ends here: `f` runs JS, whose timers and calls use the accounts.
        let spent = state.cpu_ledger.borrow().as_ref().map(|l| l.spent(flight));
        let Some(spent) = spent else {
            return f(self);
        };
        self.flight = Some(flight);
        self.cpu_spent = spent;
        self.last_call_cpu = None;
        let result = f(self);
        self.cpu_spent = std::time::Duration::ZERO;
        self.flight = None;
        let over = {
            let mut ledger = state.cpu_ledger.borrow_mut();
            let Some(l) = ledger.as_mut() else {
                return result;
            };
            if let Some(total) = self.last_call_cpu.take() {
                l.set(flight, total);
            }
            l.take_over()
        };
        match (result, over) {
            (Ok(_), Some(_)) => Err(stop::cpu_limit_error(self.cpu_limit.unwrap_or_default())),
            (result, _) => result,
        }
    }

    /// Request `flight` is over: its CPU account goes.
    pub(crate) fn forget_request(&mut self, flight: u32) {
        if !self.cpu_accounts {
            return;
        }
        if let Some(l) = self.state().cpu_ledger.borrow_mut().as_mut() {
            l.forget(flight);
        }
    }

    /// Whether `promise` has settled.
    pub(crate) fn is_settled(&mut self, promise: &v8::Global<v8::Promise>) -> bool {
        enter!(self, scope);
        v8::Local::new(scope, promise).state() != v8::PromiseState::Pending
    }

    /// The result of `promise` (from [`Runtime::call_now`] of `name`) if it has settled,
    /// read as [`Runtime::finish_call`] reads it; `None` while it is pending.
    pub(crate) fn settled_call<R: CallResult>(
        &mut self,
        promise: &v8::Global<v8::Promise>,
        name: &str,
    ) -> Option<Result<R>> {
        enter!(self, scope);
        if v8::Local::new(scope, promise).state() == v8::PromiseState::Pending {
            return None;
        }
        Some(module_exports::settled(scope, promise, name))
    }

    /// Keeps the function export `name` of `module`, so that calls to it skip the lookup
    /// by name.
    ///
    /// # Errors
    /// [`Error::Export`] when there is no such function.
    pub(crate) fn keep_function(&mut self, module: &JsModule, name: &str) -> Result<KeptFunction> {
        enter!(self, scope);
        module_exports::keep_function(scope, module, name)
    }

    /// Runs `f` over the live linear memory of `instance` (its exported memory, else its
    /// imported one) with no copy: for a host that passes data in and out of Wasm around
    /// its calls. No JS or Wasm runs while `f` holds the slice.
    ///
    /// # Errors
    /// [`Error::Other`] when the instance has no memory or belongs to another runtime.
    pub fn with_memory<R>(
        &mut self,
        instance: &Instance,
        f: impl FnOnce(&mut [u8]) -> R,
    ) -> Result<R> {
        enter!(self, scope);
        caller::instance_memory(scope, instance, f)
    }

    /// Runs `f`, which may make several calls into the runtime, as one call under the
    /// runtime's limits: the time limit covers all of it together (the calls inside do
    /// not each get a fresh one).
    ///
    /// # Errors
    /// Whatever `f` returns, or [`Error::Limit`] past the time limit.
    pub async fn as_one_call<T>(
        &mut self,
        f: impl AsyncFnOnce(&mut Self) -> Result<T>,
    ) -> Result<T> {
        self.limited(f).await
    }

    /// Runs a classic script and returns its completion value as JSON (or `null` when the
    /// value has no JSON form).
    ///
    /// # Errors
    /// [`Error::Js`] when the script throws; [`Error::Limit`] past the time limit.
    pub fn execute_script(&mut self, name: &str, source: &str) -> Result<serde_json::Value> {
        self.limited_now(|rt| rt.execute_script_inner(name, source))
    }

    /// Loads the ES module at `path` with its static imports, evaluates it and runs the
    /// event loop until nothing is pending. Top-level await works. The module itself needs
    /// no read permission (the embedder names it); everything it imports does.
    ///
    /// # Errors
    /// Load errors ([`Error::Io`], [`Error::Module`], syntax errors as [`Error::Js`]), an
    /// uncaught exception or unhandled rejection ([`Error::Js`]), a top-level await that
    /// never settles, or [`Error::Limit`].
    pub async fn run_main_module(&mut self, path: &Path) -> Result<()> {
        self.limited(async |rt| rt.run_main_module_inner(path).await)
            .await
    }

    /// Runs `source` as the main module at its URL (its imports resolve against it), as
    /// [`Runtime::run_main_module`] does for a file; the code is not read again. For a
    /// program read from stdin, or a file the embedder has already read.
    ///
    /// # Errors
    /// As [`Runtime::run_main_module`].
    pub async fn run_main_source(&mut self, source: crate::modules::ModuleSource) -> Result<()> {
        self.limited(async |rt| {
            {
                enter!(rt, scope);
                module_map::set_main(scope, source.url.as_str());
            }
            let promise = rt.load_and_evaluate(GraphLoad::with_source(source)).await?;
            rt.run_event_loop_inner().await?;
            rt.check_main_promise(&promise)?;
            rt.end_program().await
        })
        .await
    }

    /// Runs a Wasm module as the root of a module graph: its imports are resolved as
    /// module specifiers (`./util.js`, `host:env`, packages) against its file path, the
    /// graph is evaluated, and the instance is returned for [`Runtime::call_async`]. The
    /// module's bytes are the ones already read into `module`, not read again.
    ///
    /// # Errors
    /// As [`Runtime::run_main_module`], plus link errors naming both sides.
    pub async fn run_wasm_module(&mut self, module: &WasmModule) -> Result<Instance> {
        self.limited(async |rt| rt.run_wasm_module_inner(module).await)
            .await
    }

    /// Loads a JS module and makes its exports the import namespace `ns` (what
    /// `--preload NAME=FILE.js` does).
    ///
    /// # Errors
    /// As [`Runtime::run_main_module`].
    pub async fn preload_js(&mut self, ns: &str, path: &Path) -> Result<()> {
        self.limited(async |rt| rt.preload_js_inner(ns, path).await)
            .await
    }

    /// Runs the event loop until no timers, V8 tasks or host operations are pending.
    ///
    /// # Errors
    /// The first uncaught exception (in a timer, a task) or unhandled rejection, or
    /// [`Error::Limit`].
    pub async fn run_event_loop(&mut self) -> Result<()> {
        self.limited(async |rt| rt.run_event_loop_inner().await)
            .await
    }

    /// Instantiates a compiled-and-parsed module, resolving its imports from host functions
    /// and namespaces. Its start function runs.
    ///
    /// # Errors
    /// [`Error::InvalidWasm`] when V8 rejects it, [`Error::Link`] listing every import
    /// nobody provides, a trap in the start function, or [`Error::Limit`].
    pub fn instantiate(&mut self, module: &WasmModule) -> Result<Instance> {
        self.limited_now(|rt| {
            enter!(rt, scope);
            instantiate::instantiate_module(scope, module)
        })
    }

    /// Compiles `module` as [`Runtime::instantiate`] would (the same bytes, through the
    /// runtime's compiled-Wasm cache) without instantiating it: what fills a cache ahead
    /// of time (`warren compile --precompile`).
    ///
    /// # Errors
    /// [`Error::InvalidWasm`] when V8 rejects it, or [`Error::Limit`].
    pub fn precompile(&mut self, module: &WasmModule) -> Result<()> {
        self.limited_now(|rt| {
            enter!(rt, scope);
            instantiate::compile(scope, module.bytes(), module.location()).map(drop)
        })
    }

    /// Compiles `bytes` (a Wasm binary or WAT text) named `name`, and instantiates it as
    /// [`Runtime::instantiate`] does.
    ///
    /// # Errors
    /// [`Error::Wat`] or [`Error::InvalidWasm`] for bad input, then as
    /// [`Runtime::instantiate`].
    pub fn instantiate_wasm(&mut self, name: &str, bytes: &[u8]) -> Result<Instance> {
        let module = WasmModule::new(name, bytes)?;
        self.instantiate(&module)
    }

    /// Calls an exported function with `args`, checked against its signature.
    ///
    /// # Errors
    /// [`Error::Args`] for arguments that do not fit its signature, [`Error::Trap`] for a
    /// trap, [`Error::Js`] for an exception thrown through it, [`Error::Limit`] past the
    /// time limit.
    pub fn call(&mut self, func: &Func, args: &[Val]) -> Result<Vec<Val>> {
        self.limited_now(|rt| {
            enter!(rt, scope);
            call::call_sync(scope, func, args)
        })
    }

    /// Calls an exported function and, if it returns a promise (an instance using async
    /// host functions through JSPI), runs the event loop until it settles.
    ///
    /// # Errors
    /// As [`Runtime::call`].
    pub async fn call_async(&mut self, func: &Func, args: &[Val]) -> Result<Vec<Val>> {
        self.limited(async |rt| rt.call_async_inner(func, args).await)
            .await
    }

    /// Calls the exported function `export` of `instance` with `args`: [`Instance::func`]
    /// then [`Runtime::call`].
    ///
    /// # Errors
    /// [`Error::Export`] for an unknown export, then as [`Runtime::call`].
    pub fn invoke(&mut self, instance: &Instance, export: &str, args: &[Val]) -> Result<Vec<Val>> {
        let func = instance.func(export)?;
        self.call(&func, args)
    }

    /// [`Runtime::invoke`] through [`Runtime::call_async`].
    ///
    /// # Errors
    /// As [`Runtime::invoke`].
    pub async fn invoke_async(
        &mut self,
        instance: &Instance,
        export: &str,
        args: &[Val],
    ) -> Result<Vec<Val>> {
        let func = instance.func(export)?;
        self.call_async(&func, args).await
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        if self.stays_entered {
            // SAFETY: the entry `stay_entered` made, on this thread; no other entry is
            // open between calls.
            unsafe { self.isolate.exit() };
            STAYS_ENTERED.set(false);
        }
        // rusty_v8 exits the isolate as it disposes of it, and checks it is the current
        // one: enter it (this entry is the one that drop exits).
        // SAFETY: the isolate is alive; its drop below makes the matching exit.
        unsafe { self.isolate.enter() };
        // Globals held in the slot must go while the isolate is alive.
        let _ = self.isolate.remove_slot::<Rc<State>>();
        // SAFETY: each field is dropped exactly once, here, and never used afterwards.
        unsafe { ManuallyDrop::drop(&mut self.context) };
        engine::unregister_isolate(&self.isolate);
        // SAFETY: as above; the isolate goes last, after every handle into it.
        unsafe { ManuallyDrop::drop(&mut self.isolate) };
    }
}

fn file_url(path: &Path) -> Result<url::Url> {
    crate::modules::path_to_url(path)
        .map_err(|e| Error::module(format!("cannot load {}", path.display()), e))
}

fn absolute(path: &Path) -> Result<PathBuf> {
    let p = std::path::absolute(path).map_err(|e| Error::io(path, e))?;
    if !p.exists() {
        return Err(Error::io(
            path,
            std::io::Error::new(std::io::ErrorKind::NotFound, "No such file or directory"),
        ));
    }
    Ok(p)
}

/// One [`Runtime::limited`] call's place in the count of calls under way, given back
/// however the call ends.
struct CallGuard {
    depth: Rc<Cell<usize>>,
    /// The outermost call's armed watchdog, to disarm if the call's future is dropped
    /// before it ends.
    armed: Option<(crate::watchdog::Disarmer, v8::IsolateHandle)>,
}

impl CallGuard {
    fn enter(depth: &Rc<Cell<usize>>) -> CallGuard {
        depth.set(depth.get() + 1);
        CallGuard {
            depth: depth.clone(),
            armed: None,
        }
    }

    fn outermost(&self) -> bool {
        self.depth.get() == 1
    }

    /// The call ended: the caller disarms and reports the limits itself.
    fn finish(mut self) {
        self.armed = None;
    }
}

impl Drop for CallGuard {
    fn drop(&mut self) {
        self.depth.set(self.depth.get().saturating_sub(1));
        if let Some((disarmer, isolate)) = self.armed.take()
            && disarmer.disarm().is_some()
        {
            isolate.cancel_terminate_execution();
        }
    }
}
