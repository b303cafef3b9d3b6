//! The `core.*` ops behind `node:wasi` (`js/node_wasi.js`): a WASI context per `new WASI()`,
//! its preopens checked against the runtime's [`crate::Permissions`] (read for a
//! read-only preopen, read and write otherwise), and calls into the same Rust
//! implementation the Linker registers, over the calling instance's memory buffer.

use std::io::IsTerminal;
use std::path::PathBuf;

use crate::runtime::state::State;
use crate::runtime::v8_util::{OpError, guarded, v8_str};
use crate::wasi::{Preopen, Stdin, WasiCtx, WasiOptions};

type R = std::result::Result<(), OpError>;

fn strings(scope: &mut v8::PinScope, v: v8::Local<v8::Value>) -> Result<Vec<String>, OpError> {
    let arr = v8::Local::<v8::Array>::try_from(v).map_err(|_| "expected an array")?;
    let mut out = Vec::with_capacity(arr.length() as usize);
    for i in 0..arr.length() {
        let item = arr.get_index(scope, i).ok_or("array item")?;
        out.push(item.to_rust_string_lossy(scope));
    }
    Ok(out)
}

fn arrays<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    v: v8::Local<'s, v8::Value>,
) -> Result<Vec<v8::Local<'s, v8::Value>>, OpError> {
    let arr = v8::Local::<v8::Array>::try_from(v).map_err(|_| "expected an array")?;
    (0..arr.length())
        .map(|i| arr.get_index(scope, i).ok_or_else(|| "array item".into()))
        .collect()
}

/// `wasiNames()`: the WASI functions `wasiCall` takes by index.
fn op_wasi_names<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    _args: v8::FunctionCallbackArguments<'s>,
    mut rv: v8::ReturnValue<'s, v8::Value>,
) {
    guarded(scope, "wasiNames", |scope| -> R {
        let names = crate::wasi::NAMES;
        let arr = v8::Array::new(scope, names.len() as i32);
        for (i, n) in names.iter().enumerate() {
            let s = v8_str(scope, n);
            arr.set_index(scope, i as u32, s.into());
        }
        rv.set(arr.into());
        Ok(())
    });
}

/// `wasiNew(args, [[name, value]], [[guest, host, readOnly]])`: a new context; returns
/// its handle. A preopen the permissions do not grant throws `PermissionDenied`.
fn op_wasi_new<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    args: v8::FunctionCallbackArguments<'s>,
    mut rv: v8::ReturnValue<'s, v8::Value>,
) {
    guarded(scope, "wasiNew", |scope| -> R {
        let argv = strings(scope, args.get(0))?;
        let mut env = Vec::new();
        for pair in arrays(scope, args.get(1))? {
            let kv = strings(scope, pair)?;
            if let [k, v] = &kv[..] {
                env.push((k.clone(), v.clone()));
            }
        }
        let state = State::get(scope);
        let mut preopens = Vec::new();
        for p in arrays(scope, args.get(2))? {
            let arr = v8::Local::<v8::Array>::try_from(p).map_err(|_| "expected a preopen")?;
            let guest = arr.get_index(scope, 0).ok_or("preopen guest")?;
            let guest = guest.to_rust_string_lossy(scope);
            let host = arr.get_index(scope, 1).ok_or("preopen host")?;
            let host = PathBuf::from(host.to_rust_string_lossy(scope));
            let read_only = arr.get_index(scope, 2).is_some_and(|v| v.is_true());
            // Deny by default: the program may reach only what the runtime could.
            let resolved = state.permissions.check_read(&host)?;
            if !read_only {
                state.permissions.check_write(&host)?;
            }
            preopens.push(Preopen {
                host: resolved,
                guest,
                read_only,
            });
        }
        let ctx = WasiCtx::new(WasiOptions {
            args: argv,
            env,
            preopens,
            stdin: Stdin::Inherit,
            terminal: [
                std::io::stdin().is_terminal(),
                std::io::stdout().is_terminal(),
                std::io::stderr().is_terminal(),
            ],
        })
        .map_err(|e| OpError::error(e.to_string()))?;
        let mut all = state.wasi.borrow_mut();
        all.push(ctx);
        rv.set(v8::Number::new(scope, (all.len() - 1) as f64).into());
        Ok(())
    });
}

/// The live bytes of an `ArrayBuffer` or `SharedArrayBuffer`.
fn buffer_bytes(v: v8::Local<v8::Value>) -> Option<(*mut u8, usize)> {
    if let Ok(ab) = v8::Local::<v8::ArrayBuffer>::try_from(v) {
        let p = ab
            .data()
            .map_or(std::ptr::null_mut(), |p| p.as_ptr() as *mut u8);
        return Some((p, ab.byte_length()));
    }
    let sab = v8::Local::<v8::SharedArrayBuffer>::try_from(v).ok()?;
    let store = sab.get_backing_store();
    let p = store
        .data()
        .map_or(std::ptr::null_mut(), |p| p.as_ptr() as *mut u8);
    Some((p, store.byte_length()))
}

/// `wasiCall(handle, id, memoryBuffer, ...args)`: WASI function `id` with i32 arguments as
/// numbers and i64 ones as BigInts; returns the errno. A trap throws.
fn op_wasi_call<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    args: v8::FunctionCallbackArguments<'s>,
    mut rv: v8::ReturnValue<'s, v8::Value>,
) {
    guarded(scope, "wasiCall", |scope| -> R {
        let handle = args.get(0).uint32_value(scope).unwrap_or(u32::MAX) as usize;
        let id = args.get(1).uint32_value(scope).unwrap_or(u32::MAX) as usize;
        let (ptr, len) = buffer_bytes(args.get(2)).ok_or("wasiCall needs the memory's buffer")?;
        let mut raw = Vec::with_capacity(args.length().saturating_sub(3) as usize);
        for i in 3..args.length() {
            let v = args.get(i);
            raw.push(match v8::Local::<v8::BigInt>::try_from(v) {
                Ok(b) => b.u64_value().0,
                Err(_) => u64::from(v.uint32_value(scope).unwrap_or(0)),
            });
        }
        let state = State::get(scope);
        let out = state.output.clone();
        let interrupt = state.interrupt.clone();
        let mut all = state.wasi.borrow_mut();
        let ctx = all.get_mut(handle).ok_or("not a WASI context")?;
        let memory: &mut [u8] = if len == 0 || ptr.is_null() {
            &mut []
        } else {
            // SAFETY: `ptr..ptr+len` is the memory buffer JS passed, alive for this call;
            // no JS or Wasm runs until the op returns, so nothing grows, detaches or
            // touches it while the WASI function uses the slice.
            unsafe { std::slice::from_raw_parts_mut(ptr, len) }
        };
        let errno = crate::wasi::call(ctx, id, memory, &out, &interrupt, &raw)
            .map_err(|trap| OpError::named("RuntimeError", trap))?;
        rv.set(v8::Integer::new(scope, errno).into());
        Ok(())
    });
}

/// Registers the WASI ops on `core`.
pub(crate) fn install(scope: &mut v8::PinScope, core: v8::Local<v8::Object>) {
    macro_rules! add {
        ($($name:literal => $f:expr),*) => {$(
            if let Some(func) = v8::Function::builder($f).build(scope) {
                let key = v8_str(scope, $name);
                core.set(scope, key.into(), func.into());
            }
        )*};
    }
    add!("wasiNames" => op_wasi_names, "wasiNew" => op_wasi_new, "wasiCall" => op_wasi_call);
}
