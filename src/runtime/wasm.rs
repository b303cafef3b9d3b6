//! Wasm inside the runtime: pristine `WebAssembly` constructors, compiling and instantiating
//! modules, calling exports with Rust values, and turning V8 traps into [`Trap`]s.

use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use wasmparser::ValType;

use crate::error::{Error, Result, Trap, TrapKind, WasmFrame};
use crate::runtime::state::State;
use crate::runtime::v8_str;
use crate::runtime::{exceptions, host};
use crate::wasm::{ExternType, ModuleInfo, RefKind, Val, val_type_str};

/// `WebAssembly.Module`, `.Instance` and `.RuntimeError` as the context first had them, so
/// user code replacing them cannot change how warren instantiates or classifies traps.
pub(crate) struct WasmCtors {
    pub instance: v8::Global<v8::Function>,
    pub runtime_error: v8::Global<v8::Function>,
    pub suspending: v8::Global<v8::Function>,
    pub link_error: v8::Global<v8::Function>,
    pub global: v8::Global<v8::Function>,
    pub promising: v8::Global<v8::Function>,
    /// Distinguishes this runtime's instances from another's.
    pub runtime_id: u64,
    /// Every instance of the runtime, by slot. A slot is reserved before instantiation so
    /// host functions can be bound to it; it is filled once the instance exists.
    slots: std::cell::RefCell<Vec<Slot>>,
}

#[derive(Default)]
struct Slot {
    exports: Option<v8::Global<v8::Object>>,
    /// The instance's memory (its first exported one, else its imported one).
    memory: Option<v8::Global<v8::Object>>,
    handle: Option<Instance>,
}

impl WasmCtors {
    /// Reserves the slot a new instance will fill (host functions bind to it first).
    pub fn reserve_slot(&self) -> usize {
        let mut s = self.slots.borrow_mut();
        s.push(Slot::default());
        s.len() - 1
    }

    /// Records a new instance's exports, memory and handle in its slot.
    pub fn fill_slot(
        &self,
        scope: &mut v8::PinScope,
        i: usize,
        exports: v8::Local<v8::Object>,
        imports: v8::Local<v8::Object>,
        handle: Instance,
    ) {
        let info = &handle.info;
        let exported = info
            .exports
            .iter()
            .find(|e| matches!(e.ty, ExternType::Memory { .. }))
            .and_then(|e| {
                let k = v8_str(scope, &e.name);
                exports.get(scope, k.into())?.to_object(scope)
            });
        let memory = exported.or_else(|| {
            let imp = info
                .imports
                .iter()
                .find(|i| matches!(i.ty, ExternType::Memory { .. }))?;
            let k = v8_str(scope, &imp.module);
            let ns = imports.get(scope, k.into())?.to_object(scope)?;
            let k = v8_str(scope, &imp.name);
            ns.get(scope, k.into())?.to_object(scope)
        });
        let slot = Slot {
            exports: Some(v8::Global::new(scope, exports)),
            memory: memory.map(|m| v8::Global::new(scope, m)),
            handle: Some(handle),
        };
        self.slots.borrow_mut()[i] = slot;
    }

    /// The exports object and memory object of slot `i`, once filled.
    pub fn slot<'s>(
        &self,
        scope: &v8::PinScope<'s, '_>,
        i: usize,
    ) -> Option<(v8::Local<'s, v8::Object>, Option<v8::Local<'s, v8::Object>>)> {
        let s = self.slots.borrow();
        let slot = s.get(i)?;
        Some((
            v8::Local::new(scope, slot.exports.as_ref()?),
            slot.memory.as_ref().map(|m| v8::Local::new(scope, m)),
        ))
    }

    pub fn instance_handle(&self, i: usize) -> Option<Instance> {
        self.slots.borrow().get(i)?.handle.clone()
    }

    fn exports<'s>(
        &self,
        scope: &v8::PinScope<'s, '_>,
        i: usize,
    ) -> Option<v8::Local<'s, v8::Object>> {
        self.slot(scope, i).map(|(e, _)| e)
    }
}

static NEXT_RUNTIME_ID: AtomicU64 = AtomicU64::new(1);

/// An instantiated Wasm module, owned by the [`crate::Runtime`] that created it.
#[derive(Clone)]
pub struct Instance {
    runtime_id: u64,
    index: usize,
    info: Arc<ModuleInfo>,
    name: String,
    jspi: bool,
}

impl std::fmt::Debug for Instance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Instance")
            .field("name", &self.name)
            .field("exports", &self.info.exports.len())
            .field("jspi", &self.jspi)
            .finish()
    }
}

impl Instance {
    /// What the module imports and exports, with full types.
    pub fn info(&self) -> &ModuleInfo {
        &self.info
    }

    /// The name it was instantiated under (usually its file name).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether it imports async host functions (through JSPI): its exports must then be
    /// called with [`crate::Runtime::invoke_async`].
    pub fn uses_jspi(&self) -> bool {
        self.jspi
    }
}

fn get_fn<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    obj: v8::Local<'s, v8::Object>,
    name: &str,
) -> Option<v8::Local<'s, v8::Function>> {
    let key = v8_str(scope, name);
    let v = obj.get(scope, key.into())?;
    v8::Local::<v8::Function>::try_from(v).ok()
}

pub(crate) fn capture_constructors(scope: &mut v8::PinScope) -> Result<()> {
    let global = scope.get_current_context().global(scope);
    let key = v8_str(scope, "WebAssembly");
    let wa = global
        .get(scope, key.into())
        .and_then(|v| v8::Local::<v8::Object>::try_from(v).ok())
        .ok_or_else(|| Error::Other("this V8 has no WebAssembly object".into()))?;
    let missing = |n: &str| Error::Other(format!("WebAssembly.{n} is missing"));
    let instance = get_fn(scope, wa, "Instance").ok_or_else(|| missing("Instance"))?;
    let runtime_error = get_fn(scope, wa, "RuntimeError").ok_or_else(|| missing("RuntimeError"))?;
    let suspending = get_fn(scope, wa, "Suspending").ok_or_else(|| missing("Suspending"))?;
    let promising = get_fn(scope, wa, "promising").ok_or_else(|| missing("promising"))?;
    let link_error = get_fn(scope, wa, "LinkError").ok_or_else(|| missing("LinkError"))?;
    let global = get_fn(scope, wa, "Global").ok_or_else(|| missing("Global"))?;
    let ctors = WasmCtors {
        instance: v8::Global::new(scope, instance),
        runtime_error: v8::Global::new(scope, runtime_error),
        suspending: v8::Global::new(scope, suspending),
        promising: v8::Global::new(scope, promising),
        link_error: v8::Global::new(scope, link_error),
        global: v8::Global::new(scope, global),
        runtime_id: NEXT_RUNTIME_ID.fetch_add(1, Ordering::Relaxed),
        slots: Default::default(),
    };
    *State::get(scope).wasm.borrow_mut() = Some(Rc::new(ctors));
    Ok(())
}

/// Compiles and instantiates a module, resolving its imports from the runtime's namespaces
/// and host functions.
pub(crate) fn instantiate(scope: &mut v8::PinScope, name: &str, bytes: &[u8]) -> Result<Instance> {
    let info = ModuleInfo::parse(bytes).map_err(|e| with_path(e, name))?;
    let ctors = State::get(scope).wasm_ctors();
    let slot = ctors.reserve_slot();
    let (imports, jspi) = host::build_imports(scope, &info, slot)?;
    v8::tc_scope!(let tc, scope);
    let Some(module) = v8::WasmModuleObject::compile(tc, bytes) else {
        let err = exceptions::caught(tc);
        return Err(compile_error(err, name));
    };
    let ctor = v8::Local::new(tc, &ctors.instance);
    let Some(instance) = ctor.new_instance(tc, &[module.into(), imports.into()]) else {
        let exc = tc.exception();
        return Err(classify(tc, exc, None, &info));
    };
    let key = v8_str(tc, "exports");
    let exports = instance
        .get(tc, key.into())
        .and_then(|v| v8::Local::<v8::Object>::try_from(v).ok())
        .ok_or_else(|| Error::Other("instance has no exports object".into()))?;
    let handle = Instance {
        runtime_id: ctors.runtime_id,
        index: slot,
        info: Arc::new(info),
        name: name.to_string(),
        jspi,
    };
    ctors.fill_slot(tc, slot, exports, imports, handle.clone());
    Ok(handle)
}

/// The handle for an instance made outside [`instantiate`] (by an ESM wrapper).
pub(crate) fn make_instance(
    ctors: &WasmCtors,
    slot: usize,
    info: Arc<ModuleInfo>,
    name: &str,
    jspi: bool,
) -> Instance {
    Instance {
        runtime_id: ctors.runtime_id,
        index: slot,
        info,
        name: name.to_string(),
        jspi,
    }
}

/// Makes `instance`'s exports the import namespace `ns` for modules instantiated later.
pub(crate) fn register_namespace(
    scope: &mut v8::PinScope,
    ns: &str,
    instance: &Instance,
) -> Result<()> {
    let state = State::get(scope);
    let ctors = state.wasm_ctors();
    let exports = ctors
        .exports(scope, instance.index)
        .ok_or_else(|| Error::Other("instance not ready".into()))?;
    let types = instance
        .info
        .exports
        .iter()
        .map(|e| (e.name.clone(), e.ty.clone()))
        .collect();
    state.set_namespace(ns, v8::Global::new(scope, exports), Some(types));
    Ok(())
}

fn with_path(e: Error, name: &str) -> Error {
    match e {
        Error::InvalidWasm { offset, reason, .. } => Error::InvalidWasm {
            path: Some(name.into()),
            offset,
            reason,
        },
        e => e,
    }
}

/// V8's `CompileError: WebAssembly.Module(): <reason> @+<offset>` as [`Error::InvalidWasm`].
fn compile_error(err: Error, name: &str) -> Error {
    let Error::Js(js) = &err else { return err };
    let msg = js.message.as_str();
    let body = msg.split_once("): ").map_or(msg, |(_, r)| r);
    let (reason, offset) = match body.rsplit_once(" @+") {
        Some((r, o)) => (r.to_string(), o.trim().parse().unwrap_or(0)),
        None => (body.to_string(), 0),
    };
    Error::InvalidWasm {
        path: Some(name.into()),
        offset,
        reason,
    }
}

/// Calls an export with Rust values.
pub(crate) fn invoke(
    scope: &mut v8::PinScope,
    instance: &Instance,
    export: &str,
    args: &[Val],
) -> Result<Vec<Val>> {
    if instance.jspi {
        return Err(Error::Other(format!(
            "{} imports async host functions (JSPI): call \"{export}\" with invoke_async",
            instance.name
        )));
    }
    match call(scope, instance, export, args)? {
        Called::Done(v) => Ok(v),
        Called::Promise(..) => Err(Error::Other("unexpected promise".into())),
    }
}

/// The outcome of calling an export: its results, or (through JSPI) a promise of them.
pub(crate) enum Called {
    Done(Vec<Val>),
    Promise(v8::Global<v8::Promise>, Vec<ValType>),
}

/// Calls an export; exports of JSPI instances are called through `WebAssembly.promising`.
pub(crate) fn call(
    scope: &mut v8::PinScope,
    instance: &Instance,
    export: &str,
    args: &[Val],
) -> Result<Called> {
    let ctors = State::get(scope).wasm_ctors();
    if instance.runtime_id != ctors.runtime_id {
        return Err(Error::Other(
            "this instance belongs to another Runtime".into(),
        ));
    }
    let info = &instance.info;
    let sig = match info.export(export).map(|e| &e.ty) {
        Some(ExternType::Func(sig)) => sig.clone(),
        Some(other) => {
            return Err(Error::Export(format!(
                "export \"{export}\" is a {}, not a function",
                other.to_string().split(' ').next().unwrap_or("value")
            )));
        }
        None => {
            let funcs: Vec<String> = info
                .exports
                .iter()
                .filter(|e| matches!(e.ty, ExternType::Func(_)))
                .map(|e| format!("{} ({})", e.name, e.ty))
                .collect();
            let hint = if funcs.is_empty() {
                "the module exports no functions".to_string()
            } else {
                format!("exported functions: {}", funcs.join(", "))
            };
            return Err(Error::Export(format!(
                "unknown export \"{export}\" in {}; {hint}",
                instance.name
            )));
        }
    };
    if args.len() != sig.params.len() {
        return Err(Error::Args(format!(
            "export \"{export}\" takes {} argument{} ({sig}), got {}",
            sig.params.len(),
            if sig.params.len() == 1 { "" } else { "s" },
            args.len()
        )));
    }
    let exports = ctors
        .exports(scope, instance.index)
        .ok_or_else(|| Error::Other("instance not ready".into()))?;
    let func = get_fn(scope, exports, export)
        .ok_or_else(|| Error::Export(format!("export \"{export}\" is not callable")))?;
    let mut v8_args = Vec::with_capacity(args.len());
    for (i, (a, ty)) in args.iter().zip(&sig.params).enumerate() {
        v8_args
            .push(to_v8(scope, a, ty).map_err(|why| {
                Error::Args(format!("argument {} of \"{export}\": {why}", i + 1))
            })?);
    }
    v8::tc_scope!(let tc, scope);
    let recv = v8::undefined(tc).into();
    let func = if instance.jspi {
        let promising = v8::Local::new(tc, &ctors.promising);
        match promising
            .call(tc, recv, &[func.into()])
            .and_then(|f| v8::Local::<v8::Function>::try_from(f).ok())
        {
            Some(f) => f,
            None => return Err(exceptions::caught(tc)),
        }
    } else {
        func
    };
    let Some(result) = func.call(tc, recv, &v8_args) else {
        let exc = tc.exception();
        if tc.has_terminated() || exc.is_none() {
            return Err(exceptions::termination_error(tc, Some(export)));
        }
        return Err(classify(tc, exc, Some(export), info));
    };
    if let Some(e) = exceptions::fast_panic(tc, Some(export)) {
        return Err(e);
    }
    if instance.jspi {
        let p = v8::Local::<v8::Promise>::try_from(result)
            .map_err(|_| Error::Other("promising export did not return a promise".into()))?;
        // Rust awaits this promise: mark it handled so a rejection is not also reported as
        // unhandled by the event loop.
        if let Some(noop) = v8::Function::builder(
            |_: &mut v8::PinScope, _: v8::FunctionCallbackArguments, _: v8::ReturnValue| {},
        )
        .build(tc)
        {
            p.catch(tc, noop);
        }
        return Ok(Called::Promise(v8::Global::new(tc, p), sig.results));
    }
    from_v8_results(tc, result, &sig.results)
        .map(Called::Done)
        .map_err(|why| Error::Other(format!("result of \"{export}\": {why}")))
}

/// The results of a settled JSPI call.
pub(crate) fn settled_results(
    scope: &mut v8::PinScope,
    instance: &Instance,
    export: &str,
    promise: v8::Local<v8::Promise>,
    results: &[ValType],
) -> Result<Vec<Val>> {
    match promise.state() {
        v8::PromiseState::Fulfilled => {
            let v = promise.result(scope);
            from_v8_results(scope, v, results)
                .map_err(|why| Error::Other(format!("result of \"{export}\": {why}")))
        }
        v8::PromiseState::Rejected => {
            let exc = promise.result(scope);
            State::get(scope).forget_rejection(scope, promise);
            Err(classify(scope, Some(exc), Some(export), &instance.info))
        }
        v8::PromiseState::Pending => Err(Error::Stalled(format!(
            "export \"{export}\" is waiting on a promise nothing will settle"
        ))),
    }
}

fn to_v8<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    v: &Val,
    ty: &ValType,
) -> std::result::Result<v8::Local<'s, v8::Value>, String> {
    let want = val_type_str(ty);
    Ok(match (v, ty) {
        (Val::I32(x), ValType::I32) => v8::Integer::new(scope, *x).into(),
        (Val::I64(x), ValType::I64) => v8::BigInt::new_from_i64(scope, *x).into(),
        (Val::F32(x), ValType::F32) => v8::Number::new(scope, f64::from(*x)).into(),
        (Val::F64(x), ValType::F64) => v8::Number::new(scope, *x).into(),
        (Val::Ref(_, false), ValType::Ref(r)) if r.is_nullable() => v8::null(scope).into(),
        (Val::V128(_), ValType::V128) => {
            return Err("v128 values cannot cross the JS boundary V8 calls exports through".into());
        }
        (v, _) => return Err(format!("expected {want}, got {v:?}")),
    })
}

fn from_v8_results(
    scope: &mut v8::PinScope,
    result: v8::Local<v8::Value>,
    types: &[ValType],
) -> std::result::Result<Vec<Val>, String> {
    match types.len() {
        0 => Ok(vec![]),
        1 => Ok(vec![from_v8(scope, result, &types[0])?]),
        n => {
            let arr = v8::Local::<v8::Array>::try_from(result)
                .map_err(|_| "multi-value result is not an array".to_string())?;
            (0..n)
                .map(|i| {
                    let v = arr
                        .get_index(scope, i as u32)
                        .ok_or_else(|| format!("missing result {i}"))?;
                    from_v8(scope, v, &types[i])
                })
                .collect()
        }
    }
}

fn from_v8(
    scope: &mut v8::PinScope,
    v: v8::Local<v8::Value>,
    ty: &ValType,
) -> std::result::Result<Val, String> {
    Ok(match ty {
        ValType::I32 => Val::I32(v.int32_value(scope).ok_or("not an i32")?),
        ValType::I64 => {
            let b =
                v8::Local::<v8::BigInt>::try_from(v).map_err(|_| "i64 result is not a BigInt")?;
            Val::I64(b.i64_value().0)
        }
        ValType::F32 => Val::F32(v.number_value(scope).ok_or("not a number")? as f32),
        ValType::F64 => Val::F64(v.number_value(scope).ok_or("not a number")?),
        ValType::V128 => return Err("v128 results cannot cross into JS".into()),
        ValType::Ref(r) => {
            use wasmparser::{AbstractHeapType as A, HeapType};
            let kind = match r.heap_type() {
                HeapType::Abstract {
                    ty: A::Extern | A::NoExtern,
                    ..
                } => RefKind::Extern,
                HeapType::Abstract {
                    ty: A::Exn | A::NoExn,
                    ..
                } => RefKind::Exn,
                HeapType::Abstract {
                    ty: A::Func | A::NoFunc,
                    ..
                } => RefKind::Func,
                HeapType::Abstract { .. } => RefKind::Any,
                _ => {
                    if v.is_function() {
                        RefKind::Func
                    } else {
                        RefKind::Any
                    }
                }
            };
            Val::Ref(kind, !v.is_null())
        }
    })
}

/// Sorts an exception thrown out of Wasm into a trap or a JS error.
fn classify(
    scope: &mut v8::PinScope,
    exc: Option<v8::Local<v8::Value>>,
    export: Option<&str>,
    info: &ModuleInfo,
) -> Error {
    let Some(exc) = exc else {
        return exceptions::termination_error(scope, export);
    };
    let ctors = State::get(scope).wasm_ctors();
    let runtime_error = v8::Local::new(scope, &ctors.runtime_error);
    let js = exceptions::js_error(scope, exc, false);
    let is_runtime_error = exc
        .to_object(scope)
        .filter(|_| exc.is_object())
        .and_then(|o| o.instance_of(scope, runtime_error.into()))
        .unwrap_or(false);
    let message = exc
        .to_object(scope)
        .filter(|_| exc.is_object())
        .and_then(|o| {
            let k = v8_str(scope, "message");
            o.get(scope, k.into())
        })
        .map(|m| m.to_rust_string_lossy(scope))
        .unwrap_or_default();
    let is_stack_overflow =
        exc.is_native_error() && message.starts_with("Maximum call stack size exceeded");
    let from_host = host::is_host_error(scope, exc);
    if from_host {
        return Error::Trap(Box::new(Trap {
            export: export.map_or_else(|| "(start function)".to_string(), str::to_string),
            kind: TrapKind::Host,
            message,
            frames: parse_frames(js.stack.as_deref().unwrap_or(""), info),
        }));
    }
    if !(is_runtime_error || is_stack_overflow) {
        if export.is_none() && js.message.starts_with("LinkError") {
            return Error::Other(js.message);
        }
        return Error::Js(Box::new(js));
    }
    let kind = TrapKind::from_v8_message(&message);
    Error::Trap(Box::new(Trap {
        export: export.map_or_else(|| "(start function)".to_string(), str::to_string),
        kind,
        message,
        frames: parse_frames(js.stack.as_deref().unwrap_or(""), info),
    }))
}

/// Wasm frames from a V8 stack: `at f (wasm://wasm/1a2b:wasm-function[3]:0x4f)`.
fn parse_frames(stack: &str, info: &ModuleInfo) -> Vec<WasmFrame> {
    stack
        .lines()
        .filter_map(|line| {
            let rest = line.split_once("wasm-function[")?.1;
            let (idx, rest) = rest.split_once(']')?;
            let func_index: u32 = idx.parse().ok()?;
            let off = rest.strip_prefix(":0x")?;
            let off: String = off.chars().take_while(char::is_ascii_hexdigit).collect();
            let offset = usize::from_str_radix(&off, 16).ok()?;
            Some(WasmFrame {
                func_index,
                func_name: info.func_name(func_index).map(str::to_string),
                offset,
            })
        })
        .collect()
}
