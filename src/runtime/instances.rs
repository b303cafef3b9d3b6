//! The runtime's Wasm instances: the pristine `WebAssembly` constructors captured at
//! context creation, the table of instances by slot (exports and memory, for host
//! functions' callers), and the public handles [`Instance`] and [`Func`].

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, Result};
use crate::runtime::state::State;
use crate::runtime::v8_util::v8_str;
use crate::wasm::{ExternType, FuncSig, ModuleInfo, Val, parse_arg};

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
    /// Exported functions already looked up, by export index: a call from Rust then costs
    /// no property lookup by name.
    funcs: Vec<Option<v8::Global<v8::Function>>>,
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
            funcs: Vec::new(),
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

    /// The current size in bytes of every instance's memory (each memory counted once).
    pub fn memory_bytes(&self, scope: &mut v8::PinScope) -> usize {
        let memories: Vec<v8::Global<v8::Object>> = self
            .slots
            .borrow()
            .iter()
            .filter_map(|s| s.memory.clone())
            .collect();
        let mut seen: Vec<v8::Local<v8::Object>> = Vec::new();
        let mut total = 0;
        let key = v8_str(scope, "buffer");
        for m in memories {
            let m = v8::Local::new(scope, m);
            if seen.contains(&m) {
                continue;
            }
            seen.push(m);
            let Some(buf) = m.get(scope, key.into()) else {
                continue;
            };
            if let Ok(ab) = v8::Local::<v8::ArrayBuffer>::try_from(buf) {
                total += ab.byte_length();
            } else if let Ok(sab) = v8::Local::<v8::SharedArrayBuffer>::try_from(buf) {
                total += sab.byte_length();
            }
        }
        total
    }

    /// The exported function `name` (export number `export_index`) of slot `i`, looked up
    /// by name the first time and kept.
    pub fn export_func<'s>(
        &self,
        scope: &mut v8::PinScope<'s, '_>,
        i: usize,
        export_index: usize,
        name: &str,
    ) -> Option<v8::Local<'s, v8::Function>> {
        if let Some(Some(f)) = self.slots.borrow().get(i)?.funcs.get(export_index) {
            return Some(v8::Local::new(scope, f));
        }
        let exports = self.exports(scope, i)?;
        let key = v8_str(scope, name);
        let f = exports
            .get(scope, key.into())
            .and_then(|v| v8::Local::<v8::Function>::try_from(v).ok())?;
        let mut slots = self.slots.borrow_mut();
        let funcs = &mut slots.get_mut(i)?.funcs;
        if funcs.len() <= export_index {
            funcs.resize(export_index + 1, None);
        }
        funcs[export_index] = Some(v8::Global::new(scope, f));
        Some(f)
    }

    pub fn instance_handle(&self, i: usize) -> Option<Instance> {
        self.slots.borrow().get(i)?.handle.clone()
    }

    pub fn exports<'s>(
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
    pub(crate) runtime_id: u64,
    pub(crate) index: usize,
    pub(crate) info: Arc<ModuleInfo>,
    pub(crate) name: String,
    pub(crate) jspi: bool,
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

    /// The exported function `name`, with its signature (wasmtime's `get_func` + `ty`).
    ///
    /// # Errors
    /// [`Error::Export`] when there is no such export (the message lists the exported
    /// functions) or it is not a function.
    pub fn func(&self, name: &str) -> Result<Func> {
        let info = &self.info;
        let found = info.exports.iter().position(|e| e.name == name);
        match found.map(|i| (i, &info.exports[i].ty)) {
            Some((export_index, ExternType::Func(sig))) => Ok(Func {
                instance: self.clone(),
                name: name.to_string(),
                export_index,
                ty: sig.clone(),
            }),
            Some((_, other)) => Err(Error::Export(format!(
                "export \"{name}\" is a {}, not a function",
                other.to_string().split(' ').next().unwrap_or("value")
            ))),
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
                Err(Error::Export(format!(
                    "unknown export \"{name}\" in {}; {hint}",
                    self.name
                )))
            }
        }
    }
}

/// An exported function of an [`Instance`] with its signature: call it with
/// [`crate::Runtime::call`], which checks the arguments against the signature.
#[derive(Debug, Clone)]
pub struct Func {
    instance: Instance,
    name: String,
    /// Its place in the module's exports: the key of the instance's function cache.
    export_index: usize,
    ty: FuncSig,
}

impl Func {
    /// The export's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its place in the module's exports.
    pub(crate) fn export_index(&self) -> usize {
        self.export_index
    }

    /// Its signature.
    pub fn ty(&self) -> &FuncSig {
        &self.ty
    }

    /// The instance it belongs to.
    pub fn instance(&self) -> &Instance {
        &self.instance
    }

    /// Checks that `n` arguments fit the signature.
    ///
    /// # Errors
    /// [`Error::Args`]: `export "f" takes 2 arguments (func (param i32 i32)), got 1`.
    pub fn check_arity(&self, n: usize) -> Result<()> {
        let want = self.ty.params.len();
        if n == want {
            return Ok(());
        }
        Err(Error::Args(format!(
            "export \"{}\" takes {want} argument{} ({}), got {n}",
            self.name,
            if want == 1 { "" } else { "s" },
            self.ty
        )))
    }

    /// Parses command-line arguments by the parameter types (decimal, negative and `0x` hex
    /// literals), as `wasmtime run --invoke` does.
    ///
    /// # Errors
    /// [`Error::Args`] for a wrong count or an argument that does not parse.
    pub fn parse_args(&self, args: &[impl AsRef<str>]) -> Result<Vec<Val>> {
        self.check_arity(args.len())?;
        self.ty
            .params
            .iter()
            .zip(args)
            .enumerate()
            .map(|(i, (ty, a))| {
                parse_arg(ty, a.as_ref()).map_err(|why| {
                    Error::Args(format!("argument {} of \"{}\": {why}", i + 1, self.name))
                })
            })
            .collect()
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

pub(crate) fn capture_constructors(scope: &mut v8::PinScope) -> Result<WasmCtors> {
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
    Ok(ctors)
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

/// The pristine `WebAssembly.Instance` and `WebAssembly.RuntimeError` constructors captured
/// when the runtime was created (for the `.wast` runner).
pub(crate) fn wasm_ctors<'s>(
    scope: &mut v8::PinScope<'s, '_>,
) -> (v8::Local<'s, v8::Function>, v8::Local<'s, v8::Function>) {
    let ctors = State::get(scope).wasm_ctors();
    (
        v8::Local::new(scope, &ctors.instance),
        v8::Local::new(scope, &ctors.runtime_error),
    )
}
