//! Compiled Wasm in and out of V8: `CompiledWasmModule::Serialize()`, which the `v8` crate
//! does not bind and which is called here directly (x86-64 Linux only), and loading
//! serialized bytes back through `WasmModuleCompilation` with
//! `set_has_compiled_module_bytes`.
//!
//! Only TurboFan code is serialized; a module with none (compiled by Liftoff, or lazily
//! and not yet run) serializes to nothing, and is simply not cached.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// The top half of the magic number V8 writes first in every serialized module
/// (`SerializedData::kMagicNumber` is `0xC0DE0000 ^ ExternalReferenceTable::kSize`).
const V8_MAGIC_HIGH: u32 = 0xC0DE;

/// Whether `bytes` start the way V8's serialized modules do. A first, cheap check that a
/// buffer came from `Serialize()` (and that the call across the C++ ABI worked).
pub(crate) fn has_v8_magic(bytes: &[u8]) -> bool {
    bytes
        .get(..4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) >> 16 == V8_MAGIC_HIGH)
        .unwrap_or(false)
}

#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
mod ffi {
    use std::ffi::c_void;

    /// `v8::OwnedBuffer`: `{ std::unique_ptr<const uint8_t[]> buffer; size_t size; }`.
    #[repr(C)]
    pub struct OwnedBuffer {
        pub data: *mut u8,
        pub size: usize,
    }

    unsafe extern "C" {
        /// `v8::OwnedBuffer v8::CompiledWasmModule::Serialize()`.
        #[link_name = "_ZN2v818CompiledWasmModule9SerializeEv"]
        pub fn compiled_wasm_module_serialize(this: *mut c_void) -> OwnedBuffer;
        /// `operator delete[](void*)`, the deleter of `unique_ptr<const uint8_t[]>`.
        #[link_name = "_ZdaPv"]
        pub fn operator_delete_array(p: *mut u8);
        /// The `v8` crate's own binding: `new v8::CompiledWasmModule(module->GetCompiledModule())`.
        pub fn v8__WasmModuleObject__GetCompiledModule(
            this: *const v8::WasmModuleObject,
        ) -> *mut c_void;
        /// The `v8` crate's own binding: `delete compiled_module`.
        pub fn v8__CompiledWasmModule__DELETE(this: *mut c_void);
    }
}

/// V8's serialized form of `module`'s compiled code, or `None` when there is none to
/// serialize (no TurboFan code) or serialization is unavailable on this platform.
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
pub(crate) fn serialize(module: &v8::WasmModuleObject) -> Option<Vec<u8>> {
    // SAFETY: `module` is a live WasmModuleObject handle (the crate's `Local` derefs to a
    // pointer to the handle slot, which is what the C++ binding takes as `this`). The
    // binding returns a heap-allocated `v8::CompiledWasmModule` we own, and delete below.
    let compiled = unsafe { ffi::v8__WasmModuleObject__GetCompiledModule(module) };
    if compiled.is_null() {
        return None;
    }
    // SAFETY: `compiled` is a valid `v8::CompiledWasmModule*`. `Serialize()` is a
    // non-virtual member function taking no arguments besides `this`, so under the
    // System V x86-64 C++ ABI `this` goes in RDI exactly as a C function's first argument.
    // It returns `OwnedBuffer`, a 16-byte struct of `unique_ptr<const uint8_t[]>` and
    // `size_t`. Chromium's libc++ (which the `v8` crate's static library is built with)
    // gives `unique_ptr` `[[clang::trivial_abi]]`, so `OwnedBuffer` is trivial for the
    // purposes of calls and comes back in RAX:RDX, as a `repr(C)` struct of two 8-byte
    // integer fields does from an `extern "C"` function. Checked against the library's
    // machine code: `Serialize` keeps RDI as `this`, returns the `new[]` pointer in RAX
    // and the size in RDX, and both are zero when serialization fails. The result is
    // validated (V8's header magic) before anything trusts it.
    let buffer = unsafe { ffi::compiled_wasm_module_serialize(compiled) };
    // SAFETY: `compiled` came from the binding above and is deleted once, here.
    unsafe { ffi::v8__CompiledWasmModule__DELETE(compiled) };
    if buffer.data.is_null() {
        return None;
    }
    // SAFETY: V8 allocated `size` bytes at `data` (`new uint8_t[size]`) and filled them;
    // we copy them out before freeing.
    let bytes = unsafe { std::slice::from_raw_parts(buffer.data, buffer.size) }.to_vec();
    // SAFETY: `data` came from `operator new[]` inside V8 and is owned by us now (the
    // `unique_ptr` was returned by value); `operator delete[]` is its deleter, called once.
    unsafe { ffi::operator_delete_array(buffer.data) };
    has_v8_magic(&bytes).then_some(bytes)
}

/// Serialization is bound only where its ABI was checked (see above).
#[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
pub(crate) fn serialize(_module: &v8::WasmModuleObject) -> Option<Vec<u8>> {
    None
}

thread_local! {
    /// The serialized bytes offered to the compilation being finished on this thread
    /// (V8's caching callback is a plain function, called synchronously within `finish`).
    static OFFERED: Cell<Option<(*const u8, usize)>> = const { Cell::new(None) };
    /// Whether V8 accepted them.
    static ACCEPTED: Cell<bool> = const { Cell::new(false) };
}

/// V8's caching callback: hands it the offered bytes.
unsafe extern "C" fn offer(interface: *mut v8::ModuleCachingInterface) {
    let Some((ptr, len)) = OFFERED.with(Cell::take) else {
        return;
    };
    // SAFETY: `load` set these from a slice that outlives the `finish` call this callback
    // runs within, and V8 passes a valid interface for the duration of the call.
    let (bytes, interface) = unsafe { (std::slice::from_raw_parts(ptr, len), &mut *interface) };
    ACCEPTED.with(|a| a.set(interface.set_cached_compiled_module_bytes(bytes)));
}

/// Why [`load`] produced no module.
pub(crate) enum LoadFailure {
    /// V8 refused the bytes (another V8 version, flags or CPU); it compiles the wire bytes
    /// itself in the background, and that result is dropped.
    Refused,
    /// V8 took the bytes but did not resolve the compilation within `finish`.
    NotSynchronous,
}

/// Recreates a module from `wire` bytes and V8's serialized code for them, without
/// compiling. `serialized` must already be verified as the entry written for exactly
/// these wire bytes: V8 checks only its header.
pub(crate) fn load<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    wire: &[u8],
    serialized: &[u8],
) -> Result<v8::Local<'s, v8::WasmModuleObject>, LoadFailure> {
    let mut compilation = v8::WasmModuleCompilation::new();
    // V8 requires this order.
    compilation.set_has_compiled_module_bytes();
    compilation.on_bytes_received(wire);
    let result: Rc<RefCell<Option<v8::Global<v8::WasmModuleObject>>>> = Rc::default();
    let slot = result.clone();
    OFFERED.with(|o| o.set(Some((serialized.as_ptr(), serialized.len()))));
    ACCEPTED.with(|a| a.set(false));
    compilation.finish(scope, Some(offer), move |isolate, r| {
        if let Ok(module) = r {
            *slot.borrow_mut() = Some(v8::Global::new(isolate, module));
        }
    });
    OFFERED.with(|o| o.set(None));
    if !ACCEPTED.with(Cell::get) {
        return Err(LoadFailure::Refused);
    }
    let module = result.borrow_mut().take();
    module
        .map(|g| v8::Local::new(scope, g))
        .ok_or(LoadFailure::NotSynchronous)
}
