//! Host functions in Rust: the [`Linker`] registry (module, name) -> typed closure, shared by
//! Wasm imports and JS `host:` modules, and the [`Caller`] a host function can ask for.
//!
//! Modelled on wasmtime's `Linker::func_wrap`: a closure `Fn(A1, .., An) -> R` (optionally
//! with a leading [`Caller`]) is erased, through a trait implemented per arity, into one
//! function that converts arguments with [`FromJs`] and the result with [`IntoJs`].

pub mod builtins;
mod convert;
mod func;
pub(crate) mod js_value;

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

#[doc(hidden)]
pub use convert::HostFailure;
pub use convert::{FromJs, IntoJs, Json, TypeDesc, WasmType};
pub use func::{Erased, IntoAsyncFunc, IntoFunc};
pub(crate) use func::{FastEntry, fast_panicked, settle_with, take_fast_panic};
pub(crate) use js_value::MakeBytes;

use crate::Val;
use crate::error::Result;

/// The erased synchronous form of a host function. The runtime passes the call's
/// [`CallerSource`], which functions taking a [`Caller`] ask for one.
pub(crate) type SyncFn = dyn for<'s, 'i> Fn(
        &mut v8::PinScope<'s, 'i>,
        &v8::FunctionCallbackArguments<'s>,
        &dyn CallerSource,
    ) -> std::result::Result<v8::Local<'s, v8::Value>, HostFailure>
    + Send
    + Sync;

/// Gives a host function its [`Caller`]: implemented by the runtime, which knows the
/// calling instance. Keeps this module free of the runtime's types.
#[doc(hidden)]
pub trait CallerSource {
    /// Runs `f` with the caller of the current host call.
    fn with_caller(&self, scope: &mut v8::PinScope<'_, '_>, f: &mut dyn FnMut(&mut dyn CallerOps));
}

/// What a host function's V8 function carries in its `data`: which host function, bound to
/// which calling instance (by slot). Boxed and owned by the runtime's state, so the pointer
/// stays valid for as long as any function of the isolate can be called.
pub(crate) struct Binding {
    pub func: Arc<HostFunc>,
    pub instance: Option<usize>,
}

/// The [`Binding`] behind a host function's `data`.
pub(crate) fn binding<'a>(data: v8::Local<v8::Value>) -> Option<&'a Binding> {
    let ext = v8::Local::<v8::External>::try_from(data).ok()?;
    // SAFETY: every host function's data is an External the runtime made from a
    // `Box<Binding>` that its state owns until the isolate is disposed.
    Some(unsafe { &*(ext.value() as *const Binding) })
}

/// Converts an async host function's output once it is ready, on the isolate's thread.
pub(crate) type Settle = Box<
    dyn for<'s, 'i> FnOnce(
        &mut v8::PinScope<'s, 'i>,
    ) -> std::result::Result<v8::Local<'s, v8::Value>, HostFailure>,
>;

/// The erased asynchronous form: converts arguments now, returns the future of the result.
pub(crate) type AsyncFn = dyn for<'s, 'i> Fn(
        &mut v8::PinScope<'s, 'i>,
        &v8::FunctionCallbackArguments<'s>,
    ) -> std::result::Result<Pin<Box<dyn Future<Output = Settle>>>, HostFailure>
    + Send
    + Sync;

#[derive(Clone)]
pub(crate) enum Callable {
    Sync(Arc<SyncFn>),
    Async(Arc<AsyncFn>),
}

/// One registered host function.
pub(crate) struct HostFunc {
    pub module: String,
    pub name: String,
    pub params: Vec<TypeDesc>,
    pub results: Vec<TypeDesc>,
    pub callable: Callable,
    /// The V8 fast API entry point, for all-number signatures.
    pub fast: Option<FastEntry>,
    /// Whether it takes a `Caller` (and so is bound to each calling instance).
    pub needs_caller: bool,
}

impl HostFunc {
    pub fn is_async(&self) -> bool {
        matches!(self.callable, Callable::Async(_))
    }

    /// The Wasm signature, if every parameter and result has a Wasm type.
    pub fn wasm_sig(&self) -> Option<crate::wasm::FuncSig> {
        let conv = |d: &TypeDesc| match d {
            TypeDesc::Wasm(w) => Some(w.to_valtype()),
            TypeDesc::JsOnly(_) => None,
        };
        Some(crate::wasm::FuncSig {
            params: self.params.iter().map(conv).collect::<Option<_>>()?,
            results: self.results.iter().map(conv).collect::<Option<_>>()?,
        })
    }

    /// The signature for messages: WAT syntax, with JS-only types named.
    pub fn describe(&self) -> String {
        if let Some(sig) = self.wasm_sig() {
            return sig.to_string();
        }
        let name = |d: &TypeDesc| match d {
            TypeDesc::Wasm(w) => crate::wasm::val_type_str(&w.to_valtype()),
            TypeDesc::JsOnly(n) => (*n).to_string(),
        };
        let p: Vec<String> = self.params.iter().map(name).collect();
        let r: Vec<String> = self.results.iter().map(name).collect();
        let mut s = "func".to_string();
        if !p.is_empty() {
            s += &format!(" (param {})", p.join(" "));
        }
        if !r.is_empty() {
            s += &format!(" (result {})", r.join(" "));
        }
        s + " (JS-only types)"
    }
}

/// The registry of host functions. Cheap to clone; share one across many runtimes.
///
/// Defining a name twice is an error unless [`Linker::allow_shadowing`] is on, as in
/// wasmtime.
///
/// # Examples
/// ```
/// let mut linker = warren::Linker::new();
/// linker.func("math", "double", |x: i32| x * 2)?;
/// linker.func("text", "shout", |s: String| s.to_uppercase())?;
/// assert!(linker.func("math", "double", |x: i32| x * 3).is_err());
/// linker.allow_shadowing(true).func("math", "double", |x: i32| x * 3)?;
/// # Ok::<(), warren::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct Linker {
    funcs: Vec<Arc<HostFunc>>,
    index: HashMap<(String, String), usize>,
    allow_shadowing: bool,
}

impl fmt::Debug for Linker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<String> = self
            .funcs
            .iter()
            .map(|h| format!("{}.{}", h.module, h.name))
            .collect();
        f.debug_struct("Linker").field("funcs", &names).finish()
    }
}

impl Linker {
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether a later definition under a name already defined replaces it (off by
    /// default: that is an [`crate::Error::AlreadyDefined`]).
    pub fn allow_shadowing(&mut self, allow: bool) -> &mut Self {
        self.allow_shadowing = allow;
        self
    }

    /// Registers a synchronous host function. Its parameters and result are converted from
    /// and to JS/Wasm values; a first parameter of type [`Caller`] gives access to the
    /// calling instance's memory.
    ///
    /// # Errors
    /// [`crate::Error::AlreadyDefined`] when `module.name` is defined and shadowing is not
    /// allowed.
    pub fn func<Params, Results>(
        &mut self,
        module: &str,
        name: &str,
        f: impl IntoFunc<Params, Results>,
    ) -> Result<&mut Self> {
        let e = f.into_erased();
        self.insert(HostFunc {
            module: module.to_string(),
            name: name.to_string(),
            params: e.params,
            results: e.results,
            callable: Callable::Sync(e.call),
            fast: e.fast,
            needs_caller: e.needs_caller,
        })
    }

    /// Registers an async host function backed by a future. From JS it returns a Promise;
    /// from Wasm it is imported through JSPI (`WebAssembly.Suspending`), so it looks
    /// synchronous to the Wasm code and the export that calls it returns a Promise.
    ///
    /// # Errors
    /// As [`Linker::func`].
    pub fn func_async<Params, Results>(
        &mut self,
        module: &str,
        name: &str,
        f: impl IntoAsyncFunc<Params, Results>,
    ) -> Result<&mut Self> {
        let e = f.into_erased();
        self.insert(HostFunc {
            module: module.to_string(),
            name: name.to_string(),
            params: e.params,
            results: e.results,
            callable: Callable::Async(e.call),
            fast: None,
            needs_caller: false,
        })
    }

    fn insert(&mut self, h: HostFunc) -> Result<&mut Self> {
        self.insert_shared(Arc::new(h))
    }

    fn insert_shared(&mut self, h: Arc<HostFunc>) -> Result<&mut Self> {
        let key = (h.module.clone(), h.name.clone());
        match self.index.get(&key) {
            Some(_) if !self.allow_shadowing => {
                return Err(crate::Error::AlreadyDefined {
                    module: key.0,
                    name: key.1,
                });
            }
            Some(&i) => self.funcs[i] = h,
            None => {
                self.index.insert(key, self.funcs.len());
                self.funcs.push(h);
            }
        }
        Ok(self)
    }

    pub(crate) fn get(&self, module: &str, name: &str) -> Option<(usize, &Arc<HostFunc>)> {
        let i = *self.index.get(&(module.to_string(), name.to_string()))?;
        Some((i, &self.funcs[i]))
    }

    pub(crate) fn by_id(&self, id: usize) -> Option<&Arc<HostFunc>> {
        self.funcs.get(id)
    }

    /// Defines every function `other` has under `module` here too (the same functions,
    /// shared, not copies): how a host hands one namespace of a shared registry to a
    /// runtime that is granted it.
    ///
    /// # Errors
    /// [`crate::Error::AlreadyDefined`] as for [`Linker::func`].
    pub fn copy_module(&mut self, other: &Linker, module: &str) -> Result<&mut Self> {
        for h in other.funcs.iter().filter(|h| h.module == module) {
            self.insert_shared(h.clone())?;
        }
        Ok(self)
    }

    /// Whether `module.name` is defined.
    pub(crate) fn has_func(&self, module: &str, name: &str) -> bool {
        self.get(module, name).is_some()
    }

    /// The Wasm signature of `module.name`, when it is defined and has one.
    pub(crate) fn wasm_sig_of(&self, module: &str, name: &str) -> Option<crate::wasm::FuncSig> {
        self.get(module, name).and_then(|(_, h)| h.wasm_sig())
    }

    /// Defines the function `module.name` also as `as_module.name` (the same function,
    /// shared): how an Extism plugin's `extism:host/user` import reaches a granted
    /// `host:` function.
    ///
    /// # Errors
    /// [`crate::Error::AlreadyDefined`] as for [`Linker::func`]; nothing happens when
    /// `module.name` is not defined.
    pub(crate) fn alias(&mut self, module: &str, name: &str, as_module: &str) -> Result<&mut Self> {
        let Some((_, h)) = self.get(module, name) else {
            return Ok(self);
        };
        let copy = HostFunc {
            module: as_module.to_string(),
            name: h.name.clone(),
            params: h.params.clone(),
            results: h.results.clone(),
            callable: h.callable.clone(),
            fast: h.fast.clone(),
            needs_caller: h.needs_caller,
        };
        self.insert(copy)
    }

    /// The namespaces that have functions, each once, in registration order.
    pub fn modules(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for h in &self.funcs {
            if !out.contains(&h.module.as_str()) {
                out.push(&h.module);
            }
        }
        out
    }

    /// Whether any function is registered under `module`.
    pub fn has_module(&self, module: &str) -> bool {
        self.funcs.iter().any(|h| h.module == module)
    }

    /// The functions registered under `module`, with their ids.
    pub(crate) fn module_funcs(&self, module: &str) -> Vec<(usize, Arc<HostFunc>)> {
        self.funcs
            .iter()
            .enumerate()
            .filter(|(_, h)| h.module == module)
            .map(|(i, h)| (i, h.clone()))
            .collect()
    }
}

/// What a host function's [`Caller`] can do; implemented by the runtime around its scope.
#[doc(hidden)]
pub trait CallerOps {
    fn memory_read(&mut self, ptr: u64, len: u64) -> std::result::Result<Vec<u8>, String>;
    fn memory_write(&mut self, ptr: u64, bytes: &[u8]) -> std::result::Result<(), String>;
    fn memory_size(&mut self) -> std::result::Result<u64, String>;
    /// The live memory as one slice (no copy). No JS runs while the borrow is held: every
    /// way back into JS (`call_export`, `call_global`) needs `&mut self` too.
    fn memory_data(&mut self) -> std::result::Result<&mut [u8], String>;
    fn call_export(&mut self, name: &str, args: &[Val]) -> Result<Vec<Val>>;
    fn call_global(&mut self, name: &str, args: &[serde_json::Value]) -> Result<serde_json::Value>;
    fn write_output(&mut self, stream: crate::Stream, bytes: &[u8]);
    /// The runtime's output sink itself, for writing while guest memory is borrowed.
    fn output_sink(&mut self) -> crate::OutputSink;
    /// Ends the program with `code`, as `process.exit(code)` does: the runtime stops the
    /// isolate once this host call returns and reports [`crate::Error::Exit`].
    fn exit(&mut self, code: i32);
    fn has_instance(&self) -> bool;
    /// The runtime's [`crate::Interrupt`], fired when the call's time limit fires.
    fn interrupt(&mut self) -> crate::Interrupt;
}

/// The context of a host-function call: the calling Wasm instance (its memory, its
/// exports) and the runtime (its globals and output).
pub struct Caller<'a> {
    pub(crate) ops: &'a mut dyn CallerOps,
}

impl Caller<'_> {
    /// The calling instance's exported memory. Errors when the caller is JS, or the instance
    /// exports no memory.
    pub fn memory(&mut self) -> std::result::Result<Memory<'_>, String> {
        if !self.ops.has_instance() {
            return Err("this host function was called from JS, not from a Wasm instance".into());
        }
        self.ops.memory_size()?;
        Ok(Memory {
            ops: &mut *self.ops,
        })
    }

    /// Calls an export of the calling instance (re-entry into Wasm).
    pub fn call_export(&mut self, name: &str, args: &[Val]) -> Result<Vec<Val>> {
        self.ops.call_export(name, args)
    }

    /// Calls a global JS function by name with JSON arguments; returns its result as JSON.
    pub fn call_global(
        &mut self,
        name: &str,
        args: &[serde_json::Value],
    ) -> Result<serde_json::Value> {
        self.ops.call_global(name, args)
    }

    /// Writes to the runtime's output sink (what `console.log` writes to).
    pub fn write_output(&mut self, stream: crate::Stream, bytes: &[u8]) {
        self.ops.write_output(stream, bytes);
    }

    /// The runtime's output sink, to write with while [`Memory::data_mut`] is borrowed.
    pub fn output_sink(&mut self) -> crate::OutputSink {
        self.ops.output_sink()
    }

    /// What a host function that blocks (sleeps, waits on a device) should wait on instead
    /// of sleeping: it fires when the call's time limit does, which V8 alone cannot make a
    /// Rust function notice. Return soon after [`crate::Interrupt::sleep`] reports
    /// [`crate::Interrupted`]; the runtime then ends the call with the limit's error.
    pub fn interrupt(&mut self) -> crate::Interrupt {
        self.ops.interrupt()
    }

    /// Ends the program with status `code` once this host call returns (as
    /// `process.exit(code)` does): the call into the runtime fails with
    /// [`crate::Error::Exit`]`(code)`, and `warren run` exits with it.
    pub fn exit(&mut self, code: i32) {
        self.ops.exit(code);
    }
}

/// A view of the calling instance's linear memory.
pub struct Memory<'a> {
    ops: &'a mut dyn CallerOps,
}

impl Memory<'_> {
    /// Copies `len` bytes at `ptr` out of memory. Out-of-bounds ranges are an error.
    pub fn read(&mut self, ptr: u64, len: u64) -> std::result::Result<Vec<u8>, String> {
        self.ops.memory_read(ptr, len)
    }

    /// Reads `len` bytes at `ptr` as UTF-8 (the ptr/len string ABI).
    pub fn read_string(&mut self, ptr: u64, len: u64) -> std::result::Result<String, String> {
        let bytes = self.read(ptr, len)?;
        String::from_utf8(bytes).map_err(|e| {
            format!(
                "invalid UTF-8 in memory at {ptr:#x}+{len}: byte {} is not valid",
                e.utf8_error().valid_up_to()
            )
        })
    }

    /// Copies `bytes` into memory at `ptr`.
    pub fn write(&mut self, ptr: u64, bytes: &[u8]) -> std::result::Result<(), String> {
        self.ops.memory_write(ptr, bytes)
    }

    /// The memory's current size in bytes.
    pub fn size(&mut self) -> std::result::Result<u64, String> {
        self.ops.memory_size()
    }

    /// The whole memory as a mutable slice over the live buffer: large reads and writes
    /// go straight to and from it, with no copy. It is sound because nothing that could
    /// grow or detach the buffer (JS, Wasm) runs while the slice is borrowed.
    pub fn data_mut(&mut self) -> std::result::Result<&mut [u8], String> {
        self.ops.memory_data()
    }
}
