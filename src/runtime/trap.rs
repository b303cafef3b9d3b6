//! Sorting what Wasm threw: V8 `RuntimeError`s (and stack overflows) become [`Trap`]s with a
//! [`TrapKind`] and the Wasm frames, host-function errors become `Host` traps, anything else
//! stays a JS error; V8 compile errors become located [`Error::InvalidWasm`]s.

use crate::error::{Error, Trap, TrapKind, WasmFrame};
use crate::runtime::host_error::is_host_error;
use crate::runtime::state::State;
use crate::runtime::v8_util::v8_str;
use crate::runtime::{exceptions, fuel_global, stop};
use crate::wasm::ModuleInfo;

/// Sorts an exception thrown out of Wasm into a trap or a JS error.
pub(crate) fn classify(
    scope: &mut v8::PinScope,
    exc: Option<v8::Local<v8::Value>>,
    export: Option<&str>,
    info: &ModuleInfo,
) -> Error {
    let Some(exc) = exc else {
        return stop::termination_error(scope, export);
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
    let from_host = is_host_error(scope, exc);
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
    let mut kind = TrapKind::from_v8_message(&message);
    let mut message = message;
    if kind == TrapKind::Unreachable && fuel_global::exhausted(scope) {
        kind = TrapKind::OutOfFuel;
        message = "out of fuel".into();
    }
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
            let offset = info.original_offset(usize::from_str_radix(&off, 16).ok()?);
            Some(WasmFrame {
                func_index,
                func_name: info.func_name(func_index).map(str::to_string),
                offset,
            })
        })
        .collect()
}

/// V8's `CompileError: WebAssembly.Module(): <reason> @+<offset>` as [`Error::InvalidWasm`].
pub(crate) fn compile_error(err: Error, name: &str) -> Error {
    let Error::Js(js) = &err else { return err };
    let msg = js.message.as_str();
    let body = msg.split_once("): ").map_or(msg, |(_, r)| r);
    let (reason, offset) = match body.rsplit_once(" @+") {
        Some((r, o)) => (r.to_string(), o.trim().parse().unwrap_or(0)),
        None => (body.to_string(), 0),
    };
    Error::InvalidWasm {
        path: None,
        offset,
        reason,
    }
    .in_file(std::path::Path::new(name))
}
