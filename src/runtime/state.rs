//! Per-runtime state kept in the isolate slot: output sink, timers, pending rejections, the
//! module map, Wasm instances, async host calls and dynamic imports, permissions. Borrows of its `RefCell`s are kept short and
//! never held across a call into JS (re-entry would panic).

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::io::Write;
use std::rc::Rc;
use std::sync::Arc;

use crate::host::{Binding, Linker};
use crate::modules::ModuleLoader;
use crate::permissions::Permissions;
use crate::runtime::async_calls::PendingCall;
use crate::runtime::dynamic_import::DynamicImport;
use crate::runtime::instances::WasmCtors;
use crate::runtime::memory_budget::MemoryBudget;
use crate::runtime::module_map::ModuleMap;
use crate::runtime::timers::Timers;
use crate::wasm::ExternType;

/// Which output stream a piece of console output goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// Receives everything JS writes through `console.*` and `process.stdout`, and a WASI
/// program through fds 1 and 2. An error (a closed pipe, a full disk) is the write's: a
/// WASI program sees its `fd_write` fail, as under wasmtime, so one writing in a loop to
/// `| head` ends; JS's console ignores it.
pub type OutputSink = Arc<dyn Fn(Stream, &[u8]) -> std::io::Result<()> + Send + Sync>;

/// The default sink: the process's own stdout and stderr. This is the JS program printing,
/// on its embedder's behalf; warren's library code itself never prints.
pub(crate) fn default_output() -> OutputSink {
    Arc::new(|stream, bytes| match stream {
        Stream::Stdout => std::io::stdout().lock().write_all(bytes),
        Stream::Stderr => std::io::stderr().lock().write_all(bytes),
    })
}

pub(crate) struct State {
    pub output: OutputSink,
    pub timers: RefCell<Timers>,
    /// Promises rejected with no handler yet, in rejection order.
    rejections: RefCell<Vec<(v8::Global<v8::Promise>, v8::Global<v8::Value>)>>,
    /// `fireTimer(id)` from the bootstrap JS.
    pub fire_timer: RefCell<Option<v8::Global<v8::Function>>>,
    pub wasm: RefCell<Option<Rc<WasmCtors>>>,
    pub modules: RefCell<ModuleMap>,
    /// Async host calls in flight.
    host_calls: RefCell<Vec<PendingCall>>,
    /// The host-function registry.
    pub linker: Linker,
    /// Import namespaces provided by modules (`--preload NAME=FILE`).
    namespaces: RefCell<HashMap<String, NamespaceEntry>>,
    /// Host-function bindings (pointed to by their V8 functions' data) and the functions
    /// made from them, by (host function id, bound instance).
    // Boxed so each binding's address stays put when the Vec grows.
    #[allow(clippy::vec_box)]
    bindings: RefCell<Vec<Box<Binding>>>,
    functions: RefCell<HashMap<FunctionKey, v8::Global<v8::Function>>>,
    /// Resolves and loads modules.
    pub loader: Rc<dyn ModuleLoader>,
    /// Dynamic `import()`s in progress.
    imports: RefCell<Vec<DynamicImport>>,
    /// What JS may read, write and see of the environment.
    pub permissions: Permissions,
    /// `process.argv`.
    pub argv: Vec<String>,
    /// Set by `process.exit(code)`: the program stops with this status.
    pub exit_code: Cell<Option<i32>>,
    /// Set by `process.exitCode = n`: the status once the program ends normally.
    pub soft_exit_code: Cell<Option<i32>>,
    /// Set by the near-heap-limit callback: the runtime is then retired.
    pub heap_limit_hit: Arc<std::sync::atomic::AtomicBool>,
    /// Fired with the call's time limit, for host functions blocked in Rust.
    pub interrupt: crate::interrupt::Interrupt,
    /// When the current call's time limit runs out, if it has one: work it starts outside
    /// the isolate (a fetch) ends by then.
    pub call_deadline: Cell<Option<std::time::Instant>>,
    /// Per-request CPU accounts, when the isolate serves requests in flight at once under
    /// a `cpu_limit`.
    pub cpu_ledger: RefCell<Option<crate::runtime::cpu_ledger::CpuLedger>>,
    /// The fuel global every instance imports, when the runtime meters fuel.
    pub fuel: RefCell<Option<v8::Global<v8::Object>>>,
    /// The memory cap, when the runtime has one.
    pub budget: RefCell<Option<Arc<MemoryBudget>>>,
    /// The compiled-Wasm cache Wasm is compiled through (`RuntimeOptions::wasm_cache`).
    pub wasm_cache: Option<Arc<crate::wasm_cache::WasmCache>>,
    /// warren's internal JS object (`internals` of the embedded JS files).
    pub internals: RefCell<Option<v8::Global<v8::Object>>>,
    /// The codecs of `CompressionStream`s and `DecompressionStream`s in use, by number.
    pub codecs: RefCell<crate::runtime::compression::Codecs>,
    /// The WASI contexts of `node:wasi` instances, by handle.
    pub wasi: RefCell<Vec<crate::wasi::WasiCtx>>,
    /// Namespaces of the modules kept for calls from Rust (`JsModule`), by index.
    pub kept_modules: RefCell<Vec<v8::Global<v8::Object>>>,
    /// Function exports kept for calls from Rust (`KeptFunction`), by index.
    pub kept_functions: RefCell<Vec<v8::Global<v8::Function>>>,
    /// The no-op rejection handler attached to promises Rust awaits (made once).
    awaited_handler: RefCell<Option<v8::Global<v8::Function>>>,
}

/// A host function's V8 function: (host function id, bound instance slot).
type FunctionKey = (usize, Option<usize>);

/// An import namespace backed by a module's exports.
pub(crate) struct NamespaceEntry {
    object: v8::Global<v8::Object>,
    /// Export types, when the namespace is a Wasm instance (for link-time type checks).
    types: Option<HashMap<String, ExternType>>,
}

/// A namespace, entered into a scope.
pub(crate) struct Namespace<'s> {
    pub object: v8::Local<'s, v8::Object>,
    pub types: Option<HashMap<String, ExternType>>,
}

impl State {
    pub fn new(
        output: OutputSink,
        linker: Linker,
        loader: Rc<dyn ModuleLoader>,
        permissions: Permissions,
        argv: Vec<String>,
    ) -> Self {
        State {
            output,
            timers: Default::default(),
            rejections: Default::default(),
            fire_timer: Default::default(),
            wasm: Default::default(),
            modules: Default::default(),
            host_calls: Default::default(),
            linker,
            namespaces: Default::default(),
            bindings: Default::default(),
            functions: Default::default(),
            loader,
            imports: Default::default(),
            permissions,
            argv,
            exit_code: Cell::new(None),
            soft_exit_code: Cell::new(None),
            budget: Default::default(),
            wasm_cache: None,
            fuel: Default::default(),
            heap_limit_hit: Default::default(),
            interrupt: Default::default(),
            call_deadline: Cell::new(None),
            cpu_ledger: RefCell::new(None),
            internals: Default::default(),
            codecs: Default::default(),
            wasi: Default::default(),
            awaited_handler: Default::default(),
            kept_modules: Default::default(),
            kept_functions: Default::default(),
        }
    }

    /// The state of the isolate's runtime. Panics only if called on an isolate warren did not
    /// create, which is a bug in warren.
    pub fn get(isolate: &v8::Isolate) -> Rc<State> {
        isolate
            .get_slot::<Rc<State>>()
            .expect("warren isolate without state")
            .clone()
    }

    /// Marks `p`, a promise Rust awaits, as handled with a no-op `catch` (one function per
    /// runtime, not one per call), so its rejection is reported once, as the call's error,
    /// and not also as an unhandled rejection; a catch added after it rejected withdraws
    /// that report.
    pub fn await_from_rust(scope: &mut v8::PinScope, p: v8::Local<v8::Promise>) {
        let state = State::get(scope);
        let cached = state
            .awaited_handler
            .borrow()
            .as_ref()
            .map(|g| v8::Local::new(scope, g));
        let handler = match cached {
            Some(f) => f,
            None => {
                let Some(f) = v8::Function::builder(
                    |_: &mut v8::PinScope, _: v8::FunctionCallbackArguments, _: v8::ReturnValue| {},
                )
                .build(scope) else {
                    return;
                };
                *state.awaited_handler.borrow_mut() = Some(v8::Global::new(scope, f));
                f
            }
        };
        p.catch(scope, handler);
    }

    pub fn write(&self, stream: Stream, bytes: &[u8]) {
        // A closed pipe is not an error worth failing a console.log over.
        let _ = (self.output)(stream, bytes);
    }

    /// Async host calls in flight.
    pub fn pending_host_calls(&self) -> usize {
        self.host_calls.borrow().len()
    }

    /// Dynamic imports in progress.
    pub fn pending_imports(&self) -> usize {
        self.imports.borrow().len()
    }

    pub fn push_import(&self, i: DynamicImport) {
        self.imports.borrow_mut().push(i);
    }

    pub fn take_imports(&self) -> Vec<DynamicImport> {
        std::mem::take(&mut *self.imports.borrow_mut())
    }

    pub fn return_imports(&self, mut imports: Vec<DynamicImport>) {
        let mut cur = self.imports.borrow_mut();
        imports.append(&mut cur);
        *cur = imports;
    }

    pub fn has_namespace(&self, name: &str) -> bool {
        self.namespaces.borrow().contains_key(name)
    }

    pub fn push_host_call(&self, call: PendingCall) {
        self.host_calls.borrow_mut().push(call);
    }

    /// Takes the pending host calls out to poll them (no borrow is held while they run).
    pub fn take_host_calls(&self) -> Vec<PendingCall> {
        std::mem::take(&mut *self.host_calls.borrow_mut())
    }

    /// Puts back the host calls still pending, after any added meanwhile.
    pub fn return_host_calls(&self, mut calls: Vec<PendingCall>) {
        let mut cur = self.host_calls.borrow_mut();
        calls.append(&mut cur);
        *cur = calls;
    }

    /// Keeps a binding alive for the runtime's lifetime; returns its stable address.
    pub fn add_binding(&self, b: Binding) -> *const Binding {
        let boxed = Box::new(b);
        let ptr: *const Binding = &*boxed;
        self.bindings.borrow_mut().push(boxed);
        ptr
    }

    pub fn cached_function<'s>(
        &self,
        scope: &v8::PinScope<'s, '_>,
        id: usize,
        instance: Option<usize>,
    ) -> Option<v8::Local<'s, v8::Function>> {
        let map = self.functions.borrow();
        map.get(&(id, instance)).map(|g| v8::Local::new(scope, g))
    }

    pub fn cache_function(
        &self,
        scope: &v8::PinScope,
        id: usize,
        instance: Option<usize>,
        f: v8::Local<v8::Function>,
    ) {
        self.functions
            .borrow_mut()
            .insert((id, instance), v8::Global::new(scope, f));
    }

    pub fn set_namespace(
        &self,
        name: &str,
        object: v8::Global<v8::Object>,
        types: Option<HashMap<String, ExternType>>,
    ) {
        self.namespaces
            .borrow_mut()
            .insert(name.to_string(), NamespaceEntry { object, types });
    }

    pub fn namespace<'s>(&self, scope: &v8::PinScope<'s, '_>, name: &str) -> Option<Namespace<'s>> {
        let map = self.namespaces.borrow();
        let e = map.get(name)?;
        Some(Namespace {
            object: v8::Local::new(scope, &e.object),
            types: e.types.clone(),
        })
    }

    pub fn wasm_ctors(&self) -> Rc<WasmCtors> {
        self.wasm
            .borrow()
            .clone()
            .expect("wasm constructors captured at bootstrap")
    }

    // ---- unhandled rejections ----

    fn add_rejection(
        &self,
        scope: &v8::PinScope,
        p: v8::Local<v8::Promise>,
        v: v8::Local<v8::Value>,
    ) {
        let entry = (v8::Global::new(scope, p), v8::Global::new(scope, v));
        self.rejections.borrow_mut().push(entry);
    }

    pub fn forget_rejection(&self, scope: &v8::PinScope, p: v8::Local<v8::Promise>) {
        self.rejections
            .borrow_mut()
            .retain(|(q, _)| v8::Local::new(scope, q) != p);
    }

    /// The first rejection still unhandled after the microtask checkpoint: the promise
    /// and its value.
    pub fn take_unhandled_rejection(
        &self,
    ) -> Option<(v8::Global<v8::Promise>, v8::Global<v8::Value>)> {
        let mut r = self.rejections.borrow_mut();
        if r.is_empty() {
            return None;
        }
        Some(r.remove(0))
    }
}

/// Records promises rejected with no handler, and forgets them when a handler is added.
pub(crate) extern "C" fn promise_reject_callback(msg: v8::PromiseRejectMessage) {
    // SAFETY: V8 calls this on the isolate's thread, inside the context of the promise, for
    // the duration of which `msg` is valid.
    v8::callback_scope!(unsafe scope, &msg);
    crate::runtime::v8_util::boundary_quiet(|| {
        let state = State::get(scope);
        let promise = msg.get_promise();
        match msg.get_event() {
            v8::PromiseRejectEvent::PromiseRejectWithNoHandler => {
                let value = msg
                    .get_value()
                    .unwrap_or_else(|| v8::undefined(scope).into());
                state.add_rejection(scope, promise, value);
            }
            v8::PromiseRejectEvent::PromiseHandlerAddedAfterReject => {
                state.forget_rejection(scope, promise);
            }
            _ => {}
        }
    });
}
