//! The runtime side of host functions: the one trampoline every host function goes through
//! (panics caught, errors thrown), the `Caller` implementation over a scope, async host calls
//! as pending operations of the event loop, import objects for Wasm, and `host:` modules.

use std::ffi::c_void;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll};

use crate::error::{Error, LinkError, Result};
use crate::host::{Callable, CallerOps, HostFailure, HostFunc, Settle};
use crate::runtime::builtins::panic_message;
use crate::runtime::state::State;
use crate::runtime::{exceptions, v8_str, wasm};
use crate::wasm::{ExternType, ModuleInfo};
use crate::{Stream, Val};

/// Who is calling a host function: the Wasm instance (by slot), if any.
#[derive(Debug, Clone, Copy)]
pub struct CallerInfo {
    pub(crate) instance: Option<usize>,
}

/// What a host function's V8 function carries in its `data`: which host function, bound to
/// which calling instance. Boxed and owned by the runtime's `State`, so the pointer stays
/// valid for as long as any function of the isolate can be called.
pub(crate) struct Binding {
    func: Arc<HostFunc>,
    instance: Option<usize>,
}

/// Creates (or reuses) the V8 function for host function `id`, bound to the calling
/// `instance` slot when the function takes a `Caller`.
pub(crate) fn host_function<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    id: usize,
    instance: Option<usize>,
    name: &str,
) -> Option<v8::Local<'s, v8::Function>> {
    let state = State::get(scope);
    let h = state.linker.by_id(id)?.clone();
    let instance = if h.needs_caller { instance } else { None };
    if let Some(f) = state.cached_function(scope, id, instance) {
        return Some(f);
    }
    let ptr = state.add_binding(Binding {
        func: h.clone(),
        instance,
    });
    let data = v8::External::new(scope, ptr as *mut c_void);
    let f = match &h.fast {
        Some(fast) => v8::FunctionTemplate::builder(host_trampoline)
            .data(data.into())
            .build_fast(scope, fast.cfunctions)
            .get_function(scope)?,
        None => v8::Function::builder(host_trampoline)
            .data(data.into())
            .build(scope)?,
    };
    f.set_name(v8_str(scope, name));
    state.cache_function(scope, id, instance, f);
    Some(f)
}

fn binding<'a>(data: v8::Local<v8::Value>) -> Option<&'a Binding> {
    let ext = v8::Local::<v8::External>::try_from(data).ok()?;
    // SAFETY: every host function's data is an External made by `host_function` from a
    // `Box<Binding>` that its runtime's State owns until the isolate is disposed.
    Some(unsafe { &*(ext.value() as *const Binding) })
}

fn host_trampoline<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    args: v8::FunctionCallbackArguments<'s>,
    mut rv: v8::ReturnValue<'s, v8::Value>,
) {
    let Some(b) = binding(args.data()) else {
        crate::runtime::builtins::throw_error(scope, "host function without binding");
        return;
    };
    let h = &b.func;
    let info = CallerInfo {
        instance: b.instance,
    };
    let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| match &h.callable {
        Callable::Sync(f) => f(scope, &args, info).map(Some),
        Callable::Async(f) => {
            let fut = f(scope, &args)?;
            Ok(Some(start_op(scope, fut)))
        }
    }));
    match outcome {
        Ok(Ok(Some(v))) => rv.set(v),
        Ok(Ok(None)) => {}
        Ok(Err(HostFailure::Err(msg))) => {
            throw_host_error(scope, h, &format!("failed: {msg}"));
        }
        Ok(Err(HostFailure::Convert(msg))) => {
            throw_host_error(scope, h, &msg);
        }
        Err(payload) => {
            throw_host_error(scope, h, &format!("panicked: {}", panic_message(&payload)));
        }
    }
}

thread_local! {
    /// A panic in a fast-path host call: V8 cannot take an exception there, so the call
    /// terminates execution and the runtime reports this message once the stack unwound.
    pub(crate) static FAST_PANIC: std::cell::RefCell<Option<String>> =
        const { std::cell::RefCell::new(None) };
}

/// The body of every fast API host call: find the closure, call it with panics caught.
/// `call` converts the C arguments and calls the closure; `None` means an argument could not
/// be converted, which the signature check rules out.
pub(crate) fn fast_host_call<F: 'static, R: crate::host::IntoJs>(
    options: &v8::fast_api::FastApiCallbackOptions,
    call: impl FnOnce(&F) -> Option<R>,
) -> R::Fast {
    let outcome = if std::mem::size_of::<F>() == 0 {
        // A closure that captures nothing is zero-sized: every value of its type is the
        // same, so no lookup is needed to find it (the hot path of most host functions).
        // SAFETY: a reference to a zero-sized type may be dangling as long as it is
        // non-null and aligned, which `NonNull::dangling` is.
        let f: &F = unsafe { std::ptr::NonNull::<F>::dangling().as_ref() };
        std::panic::catch_unwind(AssertUnwindSafe(|| call(f)))
    } else {
        let Some(fast) = binding(options.data).and_then(|b| b.func.fast.as_ref()) else {
            return R::Fast::default();
        };
        // SAFETY: this function is only reachable through the CFunction registered for this
        // host function, which `IntoFunc` monomorphized for the closure type `F`;
        // `closure_ptr` points to that closure, kept alive by the binding.
        let f: &F = unsafe { &*(fast.closure_ptr as *const F) };
        std::panic::catch_unwind(AssertUnwindSafe(|| call(f)))
    };
    match outcome {
        Ok(Some(r)) => r.into_fast(),
        Ok(None) => R::Fast::default(),
        Err(payload) => {
            let name = binding(options.data)
                .map(|b| format!("{}.{}", b.func.module, b.func.name))
                .unwrap_or_else(|| "?".into());
            let msg = format!("host function {name} panicked: {}", panic_message(&payload));
            FAST_PANIC.with(|p| *p.borrow_mut() = Some(msg));
            // SAFETY: V8 passes the calling isolate in the options of a fast call; it is
            // alive for the duration of the call.
            let isolate = unsafe { options.isolate_unchecked() };
            isolate.terminate_execution();
            R::Fast::default()
        }
    }
}

/// Throws `host function m.n <what>`, marked so that a trap classifier knows it came from a
/// host function.
fn throw_host_error(scope: &mut v8::PinScope, h: &HostFunc, what: &str) {
    let msg = v8_str(
        scope,
        &format!("host function {}.{} {what}", h.module, h.name),
    );
    let exc = v8::Exception::error(scope, msg);
    if let Ok(obj) = v8::Local::<v8::Object>::try_from(exc) {
        let key = host_error_key(scope);
        let t = v8::Boolean::new(scope, true);
        obj.set_private(scope, key, t.into());
    }
    scope.throw_exception(exc);
}

fn host_error_key<'s>(scope: &mut v8::PinScope<'s, '_>) -> v8::Local<'s, v8::Private> {
    let name = v8_str(scope, "warren.hostError");
    v8::Private::for_api(scope, Some(name))
}

/// Whether `exc` was thrown by a host function (an `Err` result or a panic).
pub(crate) fn is_host_error(scope: &mut v8::PinScope, exc: v8::Local<v8::Value>) -> bool {
    let Ok(obj) = v8::Local::<v8::Object>::try_from(exc) else {
        return false;
    };
    let key = host_error_key(scope);
    obj.get_private(scope, key).is_some_and(|v| v.is_true())
}

// ---- async host calls ----

/// An async host call in flight: the promise to settle and the future that settles it.
pub(crate) struct PendingOp {
    resolver: v8::Global<v8::PromiseResolver>,
    future: Pin<Box<dyn Future<Output = Settle>>>,
}

fn start_op<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    future: Pin<Box<dyn Future<Output = Settle>>>,
) -> v8::Local<'s, v8::Value> {
    let Some(resolver) = v8::PromiseResolver::new(scope) else {
        return v8::undefined(scope).into();
    };
    let promise = resolver.get_promise(scope);
    let op = PendingOp {
        resolver: v8::Global::new(scope, resolver),
        future,
    };
    State::get(scope).push_op(op);
    promise.into()
}

/// Polls every pending op; settles the finished ones. Returns how many settled.
pub(crate) fn poll_ops(scope: &mut v8::PinScope, state: &Rc<State>, cx: &mut Context<'_>) -> usize {
    let mut ops = state.take_ops();
    let mut done = Vec::new();
    ops.retain_mut(|op| match op.future.as_mut().poll(cx) {
        Poll::Ready(settle) => {
            done.push((op.resolver.clone(), settle));
            false
        }
        Poll::Pending => true,
    });
    state.return_ops(ops);
    let n = done.len();
    for (resolver, settle) in done {
        let resolver = v8::Local::new(scope, &resolver);
        v8::tc_scope!(let tc, scope);
        match settle(tc) {
            Ok(v) => {
                resolver.resolve(tc, v);
            }
            Err(HostFailure::Err(msg) | HostFailure::Convert(msg)) => {
                let msg = v8_str(tc, &format!("async host function failed: {msg}"));
                let exc = v8::Exception::error(tc, msg);
                resolver.reject(tc, exc);
            }
        }
    }
    n
}

// ---- Caller ----

/// A [`crate::Caller`]'s view of the runtime during one host call.
pub struct ScopeCaller<'a, 's, 'i> {
    scope: &'a mut v8::PinScope<'s, 'i>,
    info: CallerInfo,
}

impl<'a, 's, 'i> ScopeCaller<'a, 's, 'i> {
    pub(crate) fn new(scope: &'a mut v8::PinScope<'s, 'i>, info: CallerInfo) -> Self {
        ScopeCaller { scope, info }
    }

    /// The calling instance's memory buffer as (pointer, length), fetched fresh each time
    /// (memory.grow replaces the buffer).
    fn buffer(&mut self) -> std::result::Result<(*mut u8, usize), String> {
        let scope = &mut *self.scope;
        let inst = self
            .info
            .instance
            .ok_or("not called from a Wasm instance")?;
        let ctors = State::get(scope).wasm_ctors();
        let (_, mem) = ctors
            .slot(scope, inst)
            .ok_or("the calling instance is not ready (called during its start function?)")?;
        let mem = mem.ok_or("the calling instance has no memory")?;
        let key = v8_str(scope, "buffer");
        let buf = mem.get(scope, key.into()).ok_or("memory has no buffer")?;
        if let Ok(ab) = v8::Local::<v8::ArrayBuffer>::try_from(buf) {
            let len = ab.byte_length();
            let ptr = ab
                .data()
                .map_or(std::ptr::null_mut(), |p| p.as_ptr() as *mut u8);
            return Ok((ptr, len));
        }
        if let Ok(sab) = v8::Local::<v8::SharedArrayBuffer>::try_from(buf) {
            let store = sab.get_backing_store();
            let len = store.byte_length();
            let ptr = store
                .data()
                .map_or(std::ptr::null_mut(), |p| p.as_ptr() as *mut u8);
            return Ok((ptr, len));
        }
        Err("memory buffer is not an ArrayBuffer".into())
    }

    fn range(&mut self, ptr: u64, len: u64) -> std::result::Result<(*mut u8, usize), String> {
        let (base, size) = self.buffer()?;
        let end = ptr.checked_add(len).ok_or("address overflow")?;
        if end > size as u64 {
            return Err(format!(
                "out of bounds memory access: {ptr:#x}+{len} is past the memory size {size:#x}"
            ));
        }
        if len == 0 {
            return Ok((base, 0));
        }
        // SAFETY: `ptr + len <= size`, so the offset stays inside the buffer's allocation.
        Ok((unsafe { base.add(ptr as usize) }, len as usize))
    }
}

impl CallerOps for ScopeCaller<'_, '_, '_> {
    fn memory_read(&mut self, ptr: u64, len: u64) -> std::result::Result<Vec<u8>, String> {
        let (p, n) = self.range(ptr, len)?;
        if n == 0 {
            return Ok(Vec::new());
        }
        // SAFETY: `range` checked `p..p+n` lies inside the live memory buffer; no JS runs
        // (which could grow or detach it) while we copy.
        Ok(unsafe { std::slice::from_raw_parts(p, n) }.to_vec())
    }

    fn memory_write(&mut self, ptr: u64, bytes: &[u8]) -> std::result::Result<(), String> {
        let (p, n) = self.range(ptr, bytes.len() as u64)?;
        if n == 0 {
            return Ok(());
        }
        // SAFETY: as in `memory_read`; the source is a Rust slice, which cannot overlap Wasm
        // memory.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), p, n) };
        Ok(())
    }

    fn memory_size(&mut self) -> std::result::Result<u64, String> {
        self.buffer().map(|(_, n)| n as u64)
    }

    fn call_export(&mut self, name: &str, args: &[Val]) -> Result<Vec<Val>> {
        let inst = self
            .info
            .instance
            .ok_or_else(|| Error::Other("not called from a Wasm instance".into()))?;
        let ctors = State::get(self.scope).wasm_ctors();
        let instance = ctors
            .instance_handle(inst)
            .ok_or_else(|| Error::Other("the calling instance is not ready".into()))?;
        wasm::invoke(self.scope, &instance, name, args)
    }

    fn call_global(&mut self, name: &str, args: &[serde_json::Value]) -> Result<serde_json::Value> {
        let scope = &mut *self.scope;
        let global = scope.get_current_context().global(scope);
        let key = v8_str(scope, name);
        let f = global
            .get(scope, key.into())
            .and_then(|v| v8::Local::<v8::Function>::try_from(v).ok())
            .ok_or_else(|| Error::Other(format!("no global function {name}")))?;
        let mut vals = Vec::with_capacity(args.len());
        for a in args {
            let text = v8_str(scope, &a.to_string());
            vals.push(
                v8::json::parse(scope, text)
                    .ok_or_else(|| Error::Other("argument has no JS form".into()))?,
            );
        }
        v8::tc_scope!(let tc, scope);
        let recv = v8::undefined(tc).into();
        match f.call(tc, recv, &vals) {
            Some(v) => Ok(exceptions::to_json(tc, v)),
            None => Err(exceptions::caught(tc)),
        }
    }

    fn write_output(&mut self, stream: Stream, bytes: &[u8]) {
        State::get(self.scope).write(stream, bytes);
    }

    fn has_instance(&self) -> bool {
        self.info.instance.is_some()
    }
}

// ---- imports ----

/// The registry namespace a Wasm import module or `host:` specifier names.
pub(crate) fn host_namespace(state: &State, module: &str) -> Option<String> {
    if state.linker.has_module(module) {
        return Some(module.to_string());
    }
    let bare = module.strip_prefix("host:")?;
    state.linker.has_module(bare).then(|| bare.to_string())
}

/// Builds the import object for a module about to be instantiated into `slot`, checking
/// every import's type. Returns the object and whether any import is async (JSPI).
pub(crate) fn build_imports<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    info: &ModuleInfo,
    slot: usize,
) -> Result<(v8::Local<'s, v8::Object>, bool)> {
    build_imports_from(scope, info, slot, None)
}

/// Builds the import object of a Wasm module loaded as an ES module: host namespaces and
/// preloads as for [`build_imports`], everything else from the namespaces of the ES modules
/// the wrapper imported (`esm[module][name]`). Numbers imported as globals are wrapped in
/// `WebAssembly.Global`s, as the ESM integration does. Errors name both sides.
pub(crate) fn build_esm_imports<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    info: &ModuleInfo,
    slot: usize,
    esm: v8::Local<'s, v8::Object>,
) -> std::result::Result<(v8::Local<'s, v8::Object>, bool, Vec<String>), String> {
    match build_imports_from(scope, info, slot, Some(esm)) {
        Ok((o, jspi)) => Ok((o, jspi, Vec::new())),
        Err(Error::Link { unresolved }) => Ok((
            v8::Object::new(scope),
            false,
            unresolved
                .iter()
                .map(|e| match &e.provided {
                    None => format!(
                        "import \"{}\" \"{}\" ({}): the module \"{}\" has no export named \"{}\"",
                        e.module, e.name, e.expected, e.module, e.name
                    ),
                    Some(p) => format!(
                        "import \"{}\" \"{}\" expects {}, but \"{}\" exports {p}",
                        e.module, e.name, e.expected, e.module
                    ),
                })
                .collect(),
        )),
        Err(e) => Err(e.to_string()),
    }
}

fn build_imports_from<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    info: &ModuleInfo,
    slot: usize,
    esm: Option<v8::Local<'s, v8::Object>>,
) -> Result<(v8::Local<'s, v8::Object>, bool)> {
    let state = State::get(scope);
    let ctors = state.wasm_ctors();
    let imports = v8::Object::new(scope);
    let mut errors = Vec::new();
    let mut jspi = false;
    let mut namespaces: std::collections::HashMap<String, v8::Local<v8::Object>> =
        std::collections::HashMap::new();
    for imp in &info.imports {
        let expected = imp.ty.to_string();
        let err = |provided: Option<String>| LinkError {
            module: imp.module.clone(),
            name: imp.name.clone(),
            expected: expected.clone(),
            provided,
        };
        let value: v8::Local<v8::Value> = if let Some(ns) = state.namespace(scope, &imp.module) {
            let key = v8_str(scope, &imp.name);
            let v = ns.object.get(scope, key.into());
            match v {
                Some(v) if !v.is_undefined() => {
                    if let Some(ty) = ns.types.as_ref().and_then(|t| t.get(&imp.name))
                        && !import_compatible(&imp.ty, ty)
                    {
                        errors.push(err(Some(ty.to_string())));
                        continue;
                    }
                    if matches!(imp.ty, ExternType::Func(_)) && !v.is_function() {
                        let t = v.type_of(scope).to_rust_string_lossy(scope);
                        errors.push(err(Some(format!("a {t}, not a function"))));
                        continue;
                    }
                    v
                }
                _ => {
                    errors.push(err(None));
                    continue;
                }
            }
        } else if let Some((id, h)) = lookup_host(&state, &imp.module, &imp.name) {
            let ExternType::Func(sig) = &imp.ty else {
                errors.push(err(Some(format!("host function {}", h.describe()))));
                continue;
            };
            if h.wasm_sig().as_ref() != Some(sig) {
                errors.push(err(Some(h.describe())));
                continue;
            }
            let Some(f) = host_function(scope, id, Some(slot), &imp.name) else {
                return Err(Error::Other(format!(
                    "cannot create host function {}.{}",
                    imp.module, imp.name
                )));
            };
            if h.is_async() {
                jspi = true;
                let suspending = v8::Local::new(scope, &ctors.suspending);
                match suspending.new_instance(scope, &[f.into()]) {
                    Some(s) => s.into(),
                    None => return Err(Error::Other("WebAssembly.Suspending failed".into())),
                }
            } else {
                f.into()
            }
        } else if let Some(esm) = esm {
            match esm_import(scope, esm, &imp.module, &imp.name, &imp.ty, &ctors) {
                Ok(v) => v,
                Err(provided) => {
                    errors.push(err(provided));
                    continue;
                }
            }
        } else {
            errors.push(err(None));
            continue;
        };
        let ns_obj = *namespaces.entry(imp.module.clone()).or_insert_with(|| {
            let o = v8::Object::new(scope);
            let k = v8_str(scope, &imp.module);
            imports.set(scope, k.into(), o.into());
            o
        });
        let nkey = v8_str(scope, &imp.name);
        ns_obj.set(scope, nkey.into(), value);
    }
    if !errors.is_empty() {
        return Err(Error::Link { unresolved: errors });
    }
    Ok((imports, jspi))
}

/// One import from an ES module namespace: `Err(None)` when missing, `Err(Some(what))` when
/// present with the wrong kind.
fn esm_import<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    esm: v8::Local<'s, v8::Object>,
    module: &str,
    name: &str,
    ty: &ExternType,
    ctors: &crate::runtime::wasm::WasmCtors,
) -> std::result::Result<v8::Local<'s, v8::Value>, Option<String>> {
    let mkey = v8_str(scope, module);
    let ns = esm
        .get(scope, mkey.into())
        .and_then(|v| v.to_object(scope))
        .ok_or(None)?;
    let nkey = v8_str(scope, name);
    // A namespace binding still in its TDZ (a cycle) throws on access: treat as missing.
    v8::tc_scope!(let tc, scope);
    let v = ns.get(tc, nkey.into());
    if tc.has_caught() {
        tc.reset();
        return Err(Some(
            "a binding that is not initialized yet (an import cycle)".into(),
        ));
    }
    let v = v.filter(|v| !v.is_undefined()).ok_or(None)?;
    match ty {
        ExternType::Func(_) if !v.is_function() => {
            let t = v.type_of(tc).to_rust_string_lossy(tc);
            Err(Some(format!("a {t}, not a function")))
        }
        ExternType::Global { ty, mutable } if v.is_number() || v.is_big_int() => {
            // The ESM integration wraps plain values imported as globals.
            let desc = v8::Object::new(tc);
            let k = v8_str(tc, "value");
            let t = v8_str(tc, ty);
            desc.set(tc, k.into(), t.into());
            let k = v8_str(tc, "mutable");
            let m = v8::Boolean::new(tc, *mutable);
            desc.set(tc, k.into(), m.into());
            let ctor = v8::Local::new(tc, &ctors.global);
            let g = ctor.new_instance(tc, &[desc.into(), v]);
            if tc.has_caught() {
                tc.reset();
            }
            g.map(Into::into)
                .ok_or_else(|| Some(format!("a value that is not a {ty}")))
        }
        _ => Ok(v),
    }
}

fn import_compatible(expected: &ExternType, provided: &ExternType) -> bool {
    match (expected, provided) {
        (
            ExternType::Memory {
                initial: ei,
                maximum: em,
                memory64: e64,
                shared: es,
                ..
            },
            ExternType::Memory {
                initial: pi,
                maximum: pm,
                memory64: p64,
                shared: ps,
                ..
            },
        ) => e64 == p64 && es == ps && pi >= ei && em.is_none_or(|e| pm.is_some_and(|p| p <= e)),
        (
            ExternType::Table {
                element: ee,
                initial: ei,
                maximum: em,
                ..
            },
            ExternType::Table {
                element: pe,
                initial: pi,
                maximum: pm,
                ..
            },
        ) => ee == pe && pi >= ei && em.is_none_or(|e| pm.is_some_and(|p| p <= e)),
        (a, b) => a == b,
    }
}

fn lookup_host(
    state: &State,
    module: &str,
    name: &str,
) -> Option<(usize, std::sync::Arc<HostFunc>)> {
    let ns = host_namespace(state, module)?;
    state.linker.get(&ns, name).map(|(i, h)| (i, h.clone()))
}

/// The export names of `host:X` for JS.
pub(crate) fn host_module_exports(state: &State, specifier: &str) -> Option<Vec<(usize, String)>> {
    let bare = specifier.strip_prefix("host:")?;
    let ns = if state.linker.has_module(specifier) {
        specifier.to_string()
    } else if state.linker.has_module(bare) {
        bare.to_string()
    } else {
        return None;
    };
    Some(
        state
            .linker
            .module_funcs(&ns)
            .into_iter()
            .map(|(i, h)| (i, h.name.clone()))
            .collect(),
    )
}
