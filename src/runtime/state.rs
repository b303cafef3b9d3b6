//! Per-runtime state kept in the isolate slot: output sink, timers, pending rejections, the
//! module map and pristine Wasm constructors. Borrows of its `RefCell`s are kept short and
//! never held across a call into JS (re-entry would panic).

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::error::Error;
use crate::host::Linker;
use crate::modules::ModuleLoader;
use crate::runtime::exceptions;
use crate::runtime::host::{Binding, PendingOp};
use crate::runtime::modules::{DynamicImport, ModuleMap};
use crate::runtime::ops::Permissions;
use crate::runtime::wasm::WasmCtors;
use crate::wasm::ExternType;

/// Which output stream a piece of console output goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// Receives everything JS writes through `console.*` (and later `process.stdout`).
pub type OutputSink = Arc<dyn Fn(Stream, &[u8]) + Send + Sync>;

/// The default sink: the process's own stdout and stderr. This is the JS program printing,
/// on its embedder's behalf; warren's library code itself never prints.
pub(crate) fn default_output() -> OutputSink {
    Arc::new(|stream, bytes| {
        // A closed pipe is not an error worth crashing a program over.
        let _ = match stream {
            Stream::Stdout => std::io::stdout().lock().write_all(bytes),
            Stream::Stderr => std::io::stderr().lock().write_all(bytes),
        };
    })
}

pub(crate) struct TimerEntry {
    key: (Instant, u64),
    refed: bool,
}

#[derive(Default)]
pub(crate) struct Timers {
    seq: u64,
    queue: BTreeMap<(Instant, u64), u32>,
    by_id: HashMap<u32, TimerEntry>,
    refed: usize,
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
    ops: RefCell<Vec<PendingOp>>,
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
    /// warren's internal JS object (`internals` of the embedded JS files).
    pub internals: RefCell<Option<v8::Global<v8::Object>>>,
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
            ops: Default::default(),
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
            internals: Default::default(),
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

    pub fn write(&self, stream: Stream, bytes: &[u8]) {
        (self.output)(stream, bytes);
    }

    pub fn pending_ops(&self) -> usize {
        self.ops.borrow().len() + self.imports.borrow().len()
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

    pub fn push_op(&self, op: PendingOp) {
        self.ops.borrow_mut().push(op);
    }

    /// Takes the pending ops out to poll them (no borrow is held while they run).
    pub fn take_ops(&self) -> Vec<PendingOp> {
        std::mem::take(&mut *self.ops.borrow_mut())
    }

    /// Puts back the ops still pending, after any added meanwhile.
    pub fn return_ops(&self, mut ops: Vec<PendingOp>) {
        let mut cur = self.ops.borrow_mut();
        ops.append(&mut cur);
        *cur = ops;
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

    // ---- timers ----

    /// Schedules (or reschedules) timer `id` to fire after `ms` milliseconds.
    pub fn timer_start(&self, id: u32, ms: f64, refed: bool) {
        let mut t = self.timers.borrow_mut();
        t.cancel(id);
        t.seq += 1;
        let delay = Duration::from_secs_f64((ms.max(0.0)) / 1000.0);
        let key = (Instant::now() + delay, t.seq);
        t.queue.insert(key, id);
        if refed {
            t.refed += 1;
        }
        t.by_id.insert(id, TimerEntry { key, refed });
    }

    pub fn timer_cancel(&self, id: u32) {
        self.timers.borrow_mut().cancel(id);
    }

    pub fn timer_ref(&self, id: u32, refed: bool) {
        let mut t = self.timers.borrow_mut();
        let Some(e) = t.by_id.get_mut(&id) else {
            return;
        };
        if e.refed != refed {
            e.refed = refed;
            if refed {
                t.refed += 1;
            } else {
                t.refed -= 1;
            }
        }
    }

    /// Removes and returns the next timer due at or before `now`.
    pub fn pop_due_timer(&self, now: Instant) -> Option<u32> {
        let mut t = self.timers.borrow_mut();
        let (&key, &id) = t.queue.iter().next()?;
        if key.0 > now {
            return None;
        }
        t.cancel(id);
        Some(id)
    }

    pub fn next_timer_deadline(&self) -> Option<Instant> {
        self.timers.borrow().queue.keys().next().map(|k| k.0)
    }

    pub fn has_refed_timers(&self) -> bool {
        self.timers.borrow().refed > 0
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

    /// The first rejection still unhandled after the microtask checkpoint, as an error.
    pub fn take_unhandled_rejection(&self, scope: &mut v8::PinScope) -> Option<Error> {
        let first = {
            let mut r = self.rejections.borrow_mut();
            if r.is_empty() {
                return None;
            }
            r.remove(0)
        };
        let value = v8::Local::new(scope, &first.1);
        Some(Error::Js(Box::new(exceptions::js_error(
            scope, value, true,
        ))))
    }
}

impl Timers {
    fn cancel(&mut self, id: u32) {
        if let Some(e) = self.by_id.remove(&id) {
            self.queue.remove(&e.key);
            if e.refed {
                self.refed -= 1;
            }
        }
    }
}

pub(crate) extern "C" fn promise_reject_callback(msg: v8::PromiseRejectMessage) {
    v8::callback_scope!(unsafe scope, &msg);
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
}

/// Installs the near-heap-limit callback: instead of letting V8 abort the process, stop the
/// isolate and give it a little room to unwind. The runtime reports [`Error::Limit`].
pub(crate) fn install_heap_limit(isolate: &mut v8::OwnedIsolate) {
    let handle = Box::new(isolate.thread_safe_handle());
    let data = Box::into_raw(handle) as *mut std::ffi::c_void;
    isolate.add_near_heap_limit_callback(near_heap_limit, data);
    // The handle box leaks one small allocation per limited isolate; it must outlive every
    // possible callback, which can come until the isolate is gone.
}

extern "C" fn near_heap_limit(
    data: *mut std::ffi::c_void,
    current: usize,
    _initial: usize,
) -> usize {
    // SAFETY: `data` is the `IsolateHandle` boxed in `install_heap_limit`, never freed.
    let handle = unsafe { &*(data as *const v8::IsolateHandle) };
    handle.terminate_execution();
    HEAP_LIMIT_HIT.with(|c| c.set(true));
    // Room to unwind the termination; the isolate is retired afterwards.
    current + current / 2 + (16 << 20)
}

thread_local! {
    /// Set when the near-heap-limit callback fired on this thread's isolate.
    pub(crate) static HEAP_LIMIT_HIT: Cell<bool> = const { Cell::new(false) };
}
