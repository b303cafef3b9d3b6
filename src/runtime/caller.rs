//! The runtime's side of a host function's [`crate::Caller`]: the calling instance's
//! memory (fetched fresh on every access), re-entry into its exports and into JS globals.

use crate::error::{Error, Result};
use crate::host::{CallerOps, CallerSource};
use crate::runtime::state::State;
use crate::runtime::v8_util::v8_str;
use crate::runtime::{call, exceptions};
use crate::{Stream, Val};

/// Who is calling a host function: the Wasm instance (by slot), if any.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CallerInfo {
    pub(crate) instance: Option<usize>,
}

impl CallerSource for CallerInfo {
    fn with_caller(&self, scope: &mut v8::PinScope<'_, '_>, f: &mut dyn FnMut(&mut dyn CallerOps)) {
        f(&mut ScopeCaller::new(scope, *self));
    }
}

/// A [`crate::Caller`]'s view of the runtime during one host call.
pub(crate) struct ScopeCaller<'a, 's, 'i> {
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

    fn memory_data(&mut self) -> std::result::Result<&mut [u8], String> {
        let (p, n) = self.buffer()?;
        if n == 0 || p.is_null() {
            return Ok(&mut []);
        }
        // SAFETY: `p..p+n` is the whole live memory buffer. The slice borrows `self`
        // mutably, and everything that could run JS or Wasm (and so grow, detach or touch
        // the buffer) also needs `&mut self`, so nothing else accesses it while it lives.
        Ok(unsafe { std::slice::from_raw_parts_mut(p, n) })
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
        call::invoke(self.scope, &instance, name, args)
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

    fn output_sink(&mut self) -> crate::OutputSink {
        State::get(self.scope).output.clone()
    }

    fn exit(&mut self, code: i32) {
        // As `process.exit`: the runtime reports `Error::Exit(code)` once the stack unwinds.
        State::get(self.scope).exit_code.set(Some(code));
        self.scope.terminate_execution();
    }

    fn has_instance(&self) -> bool {
        self.info.instance.is_some()
    }

    fn interrupt(&mut self) -> crate::Interrupt {
        State::get(self.scope).interrupt.clone()
    }
}

/// Runs `f` over the live memory of `instance` (its exported memory, else its imported
/// one), from outside any host call.
pub(crate) fn instance_memory<R>(
    scope: &mut v8::PinScope,
    instance: &crate::Instance,
    f: impl FnOnce(&mut [u8]) -> R,
) -> Result<R> {
    if instance.runtime_id != State::get(scope).wasm_ctors().runtime_id {
        return Err(Error::Other(
            "this instance belongs to another Runtime".into(),
        ));
    }
    let mut caller = ScopeCaller::new(
        scope,
        CallerInfo {
            instance: Some(instance.index),
        },
    );
    let data = caller.memory_data().map_err(|why| {
        Error::Other(format!(
            "cannot reach the memory of {}: {why}",
            instance.name
        ))
    })?;
    Ok(f(data))
}
