//! `Runtime`: one isolate, one main context, and the event loop that drives them.
//!
//! Per-runtime state lives in the isolate's slot as `Rc<State>` (see `state.rs`), so V8
//! callbacks (which must be zero-sized `fn` items) can reach it. V8 handles never leave this
//! module tree: the public API deals in Rust values ([`Val`], [`Instance`], errors).

mod builtins;
mod exceptions;
mod host;
mod modules;
mod ops;
mod state;
mod wasm;

use std::future::poll_fn;
use std::mem::ManuallyDrop;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use crate::engine::{self, TaskQueue};
use crate::error::{Error, Result};
pub(crate) use crate::runtime::host::fast_host_call;
pub use crate::runtime::host::{CallerInfo, ScopeCaller};
pub use crate::runtime::ops::Permissions;
use crate::runtime::state::State;
pub use crate::runtime::state::{OutputSink, Stream};
pub use crate::runtime::wasm::Instance;

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
    /// What JS may read, write and see of the environment (files through `node:fs` and
    /// `fetch`, `process.env`). Defaults to nothing.
    pub permissions: Permissions,
    /// `process.argv` (conventionally the runtime, the script, then its arguments).
    pub argv: Vec<String>,
    /// The longest one call into the runtime (running a module with its event loop, a
    /// script, an export) may take. Past it the call is stopped and returns
    /// [`Error::Limit`]; the runtime stays usable.
    pub time_limit: Option<std::time::Duration>,
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
    js_ready: bool,
    /// The per-call time limit, its watchdog (started on first use), the current call's
    /// deadline, and how deeply calls are nested (only the outermost one arms the limit).
    time_limit: Option<std::time::Duration>,
    watchdog: Option<crate::watchdog::Watchdog>,
    deadline: Option<Instant>,
    depth: usize,
}

/// Enters the runtime's isolate and main context: binds `$scope` to a
/// `ContextScope` for the rest of the enclosing block.
macro_rules! enter {
    ($rt:expr, $scope:ident) => {
        v8::scope!(let handle_scope, &mut *$rt.isolate);
        let context = v8::Local::new(handle_scope, &*$rt.context);
        let $scope = &mut v8::ContextScope::new(handle_scope, context);
    };
}

mod wast_support;
pub(crate) use wast_support::wasm_ctors;

impl Runtime {
    /// Creates a runtime: a fresh isolate and context. warren's JS globals (`console`,
    /// timers, the web and Node layers) are installed when JS first runs, so a runtime that
    /// only calls Wasm never pays for them.
    ///
    /// # Errors
    /// Fails only if the context lacks the `WebAssembly` object (a V8 built without it).
    pub fn new(options: RuntimeOptions) -> Result<Self> {
        engine::init();
        let mut params = v8::CreateParams::default();
        if let Some(max) = options.max_heap_bytes {
            params = params.heap_limits(0, max);
        }
        let mut isolate = v8::Isolate::new(params);
        let tasks = engine::register_isolate(&isolate);
        isolate.set_microtasks_policy(v8::MicrotasksPolicy::Explicit);
        isolate.set_promise_reject_callback(state::promise_reject_callback);
        isolate.set_host_initialize_import_meta_object_callback(modules::import_meta_callback);
        isolate.set_host_import_module_dynamically_callback(modules::dynamic_import_callback);
        isolate.set_capture_stack_trace_for_uncaught_exceptions(true, 10);
        let output = options.output.clone().unwrap_or_else(state::default_output);
        let loader = options
            .module_loader
            .clone()
            .unwrap_or_else(|| Rc::new(crate::modules::FsModuleLoader::default()));
        let state = Rc::new(State::new(
            output,
            options.linker.clone(),
            loader,
            options.permissions.clone(),
            options.argv.clone(),
        ));
        isolate.set_slot(state.clone());
        if options.max_heap_bytes.is_some() {
            state::install_heap_limit(&mut isolate);
        }

        let context = {
            v8::scope!(let scope, &mut isolate);
            let context = v8::Context::new(scope, Default::default());
            v8::Global::new(scope, context)
        };
        let mut rt = Runtime {
            context: ManuallyDrop::new(context),
            isolate: ManuallyDrop::new(isolate),
            tasks,
            sleep: None,
            js_ready: false,
            time_limit: options.time_limit,
            watchdog: None,
            deadline: None,
            depth: 0,
        };
        {
            enter!(rt, scope);
            wasm::capture_constructors(scope)?;
        }
        Ok(rt)
    }

    fn state(&self) -> Rc<State> {
        State::get(&self.isolate)
    }

    /// Starts the time limit for a call (only the outermost of nested calls counts).
    fn arm(&mut self) {
        self.depth += 1;
        let Some(limit) = self.time_limit else { return };
        if self.depth > 1 {
            return;
        }
        if self.watchdog.is_none() {
            self.watchdog = crate::watchdog::Watchdog::new(self.isolate.thread_safe_handle()).ok();
        }
        let deadline = Instant::now() + limit;
        self.deadline = Some(deadline);
        if let Some(w) = &self.watchdog {
            w.arm(deadline);
        }
    }

    /// Ends a call: if its time limit fired, the termination is cancelled (so the runtime
    /// stays usable) and the call's result becomes [`Error::Limit`].
    fn disarm<T>(&mut self, result: Result<T>) -> Result<T> {
        self.depth = self.depth.saturating_sub(1);
        if self.depth > 0 {
            return result;
        }
        let expired = self.deadline.take().is_some_and(|d| Instant::now() >= d);
        let fired = self.watchdog.as_ref().is_some_and(|w| w.disarm());
        if fired || expired {
            self.isolate.cancel_terminate_execution();
            let limit = self.time_limit.unwrap_or_default();
            return Err(Error::Limit(format!(
                "time limit exceeded: the call ran longer than {limit:?} and was stopped"
            )));
        }
        result
    }

    /// Installs warren's JS globals before the first JS runs.
    fn ensure_js(&mut self) -> Result<()> {
        if self.js_ready {
            return Ok(());
        }
        self.js_ready = true;
        enter!(self, scope);
        builtins::install(scope)
    }

    /// The body of [`Runtime::execute_script`], without the time limit.
    fn execute_script_inner(&mut self, name: &str, source: &str) -> Result<serde_json::Value> {
        self.ensure_js()?;
        enter!(self, scope);
        v8::tc_scope!(let tc, scope);
        let src = v8_str(tc, source);
        let name = v8_str(tc, name);
        let origin = script_origin(tc, name.into(), false);
        let result = v8::Script::compile(tc, src, Some(&origin)).and_then(|s| s.run(tc));
        let Some(v) = result else {
            return Err(exceptions::caught(tc));
        };
        if let Some(e) = exceptions::fast_panic(tc, None) {
            return Err(e);
        }
        let json = exceptions::to_json(tc, v);
        // As after any macrotask: promise callbacks queued by the script run now.
        tc.perform_microtask_checkpoint();
        if tc.has_caught() {
            return Err(exceptions::caught(tc));
        }
        Ok(json)
    }

    /// The body of [`Runtime::run_main_module`], without the time limit.
    async fn run_main_module_inner(&mut self, path: &Path) -> Result<()> {
        let url = self.main_url(path)?;
        let promise = self.load_and_evaluate(&url).await?;
        self.run_event_loop().await?;
        self.check_main_promise(&promise)
    }

    /// Loads, instantiates and evaluates the module at `url` with its graph (the event loop
    /// is not run). Returns the evaluation promise.
    async fn load_and_evaluate(&mut self, url: &url::Url) -> Result<v8::Global<v8::Promise>> {
        self.ensure_js()?;
        let mut load = modules::GraphLoad::new(url.clone());
        poll_fn(|cx| {
            enter!(self, scope);
            modules::poll_graph(scope, &mut load, cx)
        })
        .await?;
        enter!(self, scope);
        let module = modules::get_module(scope, url.as_str())
            .ok_or_else(|| Error::Other(format!("{url} did not load")))?;
        modules::instantiate(scope, module)?;
        v8::tc_scope!(let tc, scope);
        let Some(result) = module.evaluate(tc) else {
            return Err(exceptions::caught(tc));
        };
        let promise = v8::Local::<v8::Promise>::try_from(result)
            .map_err(|_| Error::Other("module evaluation did not return a promise".into()))?;
        tc.perform_microtask_checkpoint();
        if let Some(e) = exceptions::fast_panic(tc, None) {
            return Err(e);
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
        absolute(path)?;
        let url = crate::modules::path_to_url(path).map_err(Error::Other)?;
        enter!(self, scope);
        modules::set_main(scope, url.as_str());
        Ok(url)
    }

    /// The body of [`Runtime::run_wasm_module`], without the time limit.
    async fn run_wasm_module_inner(&mut self, path: &Path) -> Result<Instance> {
        let url = self.main_url(path)?;
        let promise = self.load_and_evaluate(&url).await?;
        self.run_event_loop().await?;
        self.check_main_promise(&promise)?;
        enter!(self, scope);
        let slot = modules::wasm_slot(scope, url.as_str())
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
        loop {
            self.tasks.set_waker(cx.waker());
            let (due, next_task) = self.tasks.take_due();
            for task in due {
                task.run();
            }
            let state = self.state();
            let fired_timers = {
                enter!(self, scope);
                scope.perform_microtask_checkpoint();
                let settled =
                    host::poll_ops(scope, &state, cx) + modules::poll_imports(scope, &state, cx);
                if settled > 0 {
                    scope.perform_microtask_checkpoint();
                }
                let fired = builtins::fire_due_timers(scope, &state)? || settled > 0;
                if let Some(e) = exceptions::stopped(scope) {
                    return Poll::Ready(Err(e));
                }
                if let Some(e) = state.take_unhandled_rejection(scope) {
                    return Poll::Ready(Err(e));
                }
                fired
            };
            if self.tasks.has_ready() || fired_timers {
                continue;
            }
            let next_timer = state.next_timer_deadline();
            let keeps_alive = state.has_refed_timers()
                || self.isolate.has_pending_background_tasks()
                || state.pending_ops() > 0;
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

    /// The body of [`Runtime::instantiate_wasm`], without the time limit.
    fn instantiate_wasm_inner(&mut self, name: &str, bytes: &[u8]) -> Result<Instance> {
        enter!(self, scope);
        wasm::instantiate(scope, name, bytes)
    }

    /// Makes `instance`'s exports the import namespace `ns` for modules instantiated later
    /// (what `--preload NAME=FILE.wasm` does).
    ///
    /// # Errors
    /// Only if the instance is not this runtime's.
    pub fn register_namespace(&mut self, ns: &str, instance: &Instance) -> Result<()> {
        enter!(self, scope);
        wasm::register_namespace(scope, ns, instance)
    }

    /// The body of [`Runtime::preload_js`], without the time limit.
    async fn preload_js_inner(&mut self, ns: &str, path: &Path) -> Result<()> {
        absolute(path)?;
        let url = crate::modules::path_to_url(path).map_err(Error::Other)?;
        let promise = self.load_and_evaluate(&url).await?;
        self.run_event_loop().await?;
        self.check_main_promise(&promise)?;
        let abs = absolute(path)?;
        enter!(self, scope);
        modules::register_js_namespace(scope, ns, &abs)
    }

    /// The body of [`Runtime::invoke_async`], without the time limit.
    async fn invoke_async_inner(
        &mut self,
        instance: &Instance,
        export: &str,
        args: &[crate::Val],
    ) -> Result<Vec<crate::Val>> {
        let called = {
            enter!(self, scope);
            wasm::call(scope, instance, export, args)?
        };
        match called {
            wasm::Called::Done(v) => Ok(v),
            wasm::Called::Promise(promise, results) => {
                poll_fn(|cx| {
                    let settled = {
                        enter!(self, scope);
                        v8::Local::new(scope, &promise).state() != v8::PromiseState::Pending
                    };
                    if settled {
                        return Poll::Ready(Ok(()));
                    }
                    match self.poll_event_loop(cx) {
                        Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
                        Poll::Ready(Ok(())) => Poll::Ready(Ok(())),
                        Poll::Pending => {
                            enter!(self, scope);
                            if v8::Local::new(scope, &promise).state() != v8::PromiseState::Pending
                            {
                                Poll::Ready(Ok(()))
                            } else {
                                Poll::Pending
                            }
                        }
                    }
                })
                .await?;
                enter!(self, scope);
                let p = v8::Local::new(scope, &promise);
                wasm::settled_results(scope, instance, export, p, &results)
            }
        }
    }

    /// The body of [`Runtime::invoke`], without the time limit.
    fn invoke_inner(
        &mut self,
        instance: &Instance,
        export: &str,
        args: &[crate::Val],
    ) -> Result<Vec<crate::Val>> {
        enter!(self, scope);
        wasm::invoke(scope, instance, export, args)
    }

    /// Runs a classic script and returns its completion value as JSON (or `null` when the
    /// value has no JSON form).
    ///
    /// # Errors
    /// [`Error::Js`] when the script throws; [`Error::Limit`] past the time limit.
    pub fn execute_script(&mut self, name: &str, source: &str) -> Result<serde_json::Value> {
        self.arm();
        let r = self.execute_script_inner(name, source);
        self.disarm(r)
    }

    /// Loads the ES module at `path` with its static imports, evaluates it and runs the
    /// event loop until nothing is pending. Top-level await works.
    ///
    /// # Errors
    /// Load errors ([`Error::Io`], syntax errors as [`Error::Js`]), an uncaught exception or
    /// unhandled rejection ([`Error::Js`]), a top-level await that never settles, or
    /// [`Error::Limit`].
    pub async fn run_main_module(&mut self, path: &Path) -> Result<()> {
        self.arm();
        let r = self.run_main_module_inner(path).await;
        self.disarm(r)
    }

    /// Runs a Wasm or WAT file as the root of a module graph: its imports are resolved as
    /// module specifiers (`./util.js`, `host:env`, packages), the graph is evaluated, and the
    /// instance is returned for [`Runtime::invoke_async`].
    ///
    /// # Errors
    /// As [`Runtime::run_main_module`], plus link errors naming both sides.
    pub async fn run_wasm_module(&mut self, path: &Path) -> Result<Instance> {
        self.arm();
        let r = self.run_wasm_module_inner(path).await;
        self.disarm(r)
    }

    /// Loads a JS module and makes its exports the import namespace `ns` (what
    /// `--preload NAME=FILE.js` does).
    ///
    /// # Errors
    /// As [`Runtime::run_main_module`].
    pub async fn preload_js(&mut self, ns: &str, path: &Path) -> Result<()> {
        self.arm();
        let r = self.preload_js_inner(ns, path).await;
        self.disarm(r)
    }

    /// Runs the event loop until no timers, V8 tasks or host operations are pending.
    ///
    /// # Errors
    /// The first uncaught exception (in a timer, a task) or unhandled rejection, or
    /// [`Error::Limit`].
    pub async fn run_event_loop(&mut self) -> Result<()> {
        self.arm();
        let r = self.run_event_loop_inner().await;
        self.disarm(r)
    }

    /// Compiles `bytes` (a Wasm binary; use [`crate::wat_to_wasm`] for text) and
    /// instantiates it, resolving imports from host functions and namespaces. Its start
    /// function runs.
    ///
    /// # Errors
    /// [`Error::InvalidWasm`], [`Error::Link`] listing every import nobody provides, a trap
    /// in the start function, or [`Error::Limit`].
    pub fn instantiate_wasm(&mut self, name: &str, bytes: &[u8]) -> Result<Instance> {
        self.arm();
        let r = self.instantiate_wasm_inner(name, bytes);
        self.disarm(r)
    }

    /// Calls an export and, if it returns a promise (an instance using async host functions
    /// through JSPI), runs the event loop until it settles.
    ///
    /// # Errors
    /// As [`Runtime::invoke`].
    pub async fn invoke_async(
        &mut self,
        instance: &Instance,
        export: &str,
        args: &[crate::Val],
    ) -> Result<Vec<crate::Val>> {
        self.arm();
        let r = self.invoke_async_inner(instance, export, args).await;
        self.disarm(r)
    }

    /// Calls the exported function `export` of `instance` with `args`.
    ///
    /// # Errors
    /// [`Error::Export`] for an unknown export, [`Error::Args`] for arguments that do not
    /// fit its signature, [`Error::Trap`] for a trap, [`Error::Js`] for an exception thrown
    /// through it, [`Error::Limit`] past the time limit.
    pub fn invoke(
        &mut self,
        instance: &Instance,
        export: &str,
        args: &[crate::Val],
    ) -> Result<Vec<crate::Val>> {
        self.arm();
        let r = self.invoke_inner(instance, export, args);
        self.disarm(r)
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        // Globals held in the slot must go while the isolate is alive.
        let _ = self.isolate.remove_slot::<Rc<State>>();
        // SAFETY: each field is dropped exactly once, here, and never used afterwards.
        unsafe { ManuallyDrop::drop(&mut self.context) };
        engine::unregister_isolate(&self.isolate);
        // SAFETY: as above; the isolate goes last, after every handle into it.
        unsafe { ManuallyDrop::drop(&mut self.isolate) };
    }
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

pub(crate) fn v8_str<'s>(scope: &v8::PinScope<'s, '_>, s: &str) -> v8::Local<'s, v8::String> {
    v8::String::new(scope, s).unwrap_or_else(|| v8::String::empty(scope))
}

pub(crate) fn script_origin<'s>(
    scope: &v8::PinScope<'s, '_>,
    name: v8::Local<'s, v8::Value>,
    is_module: bool,
) -> v8::ScriptOrigin<'s> {
    v8::ScriptOrigin::new(
        scope, name, 0, 0, false, 0, None, false, false, is_module, None,
    )
}

/// Used by the event loop to compare deadlines without a clock read per timer.
pub(crate) fn now() -> Instant {
    Instant::now()
}
