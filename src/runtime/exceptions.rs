//! Turning V8 exceptions into warren errors, and JS values into JSON.

use crate::error::{Error, JsError};
use crate::runtime::host::FAST_PANIC;
use crate::runtime::state::HEAP_LIMIT_HIT;

/// The error for whatever a `TryCatch` caught (an exception or a termination).
pub(crate) fn caught(tc: &mut v8::PinnedRef<v8::TryCatch<v8::HandleScope>>) -> Error {
    if tc.has_terminated() || (tc.has_caught() && tc.exception().is_none()) {
        return termination_error(tc, None);
    }
    let Some(exc) = tc.exception() else {
        return Error::Other("operation failed without an exception".into());
    };
    let mut err = js_error(tc, exc, false);
    // Syntax errors carry their location only in the message object: add it as a frame.
    if let Some(msg) = tc.message()
        && err
            .stack
            .as_deref()
            .is_none_or(|s| !s.contains("\n    at "))
    {
        let res = msg
            .get_script_resource_name(tc)
            .map(|n| n.to_rust_string_lossy(tc))
            .unwrap_or_default();
        if !res.is_empty() && res != "undefined" {
            let line = msg.get_line_number(tc).unwrap_or(0);
            let col = msg.get_start_column() + 1;
            let mut s = err.stack.take().unwrap_or_else(|| err.message.clone());
            s.push_str(&format!("\n    at {res}:{line}:{col}"));
            err.stack = Some(s);
        }
    }
    Error::Js(Box::new(err))
}

/// A fast-path host call that panicked since the last check, as an error. Checked after
/// every successful call into V8: the termination it requested only lands at V8's next
/// interrupt check, which a short call can return before reaching.
pub(crate) fn fast_panic(isolate: &v8::Isolate, export: Option<&str>) -> Option<Error> {
    if FAST_PANIC.with(|p| p.borrow().is_none()) {
        return None;
    }
    Some(termination_error(isolate, export))
}

/// Whether the program was stopped where no `TryCatch` saw it (in a microtask, a V8 task):
/// `process.exit()`, a fast-call panic or the heap limit. The event loop checks this after
/// every turn.
pub(crate) fn stopped(isolate: &v8::Isolate) -> Option<Error> {
    let exiting = isolate
        .get_slot::<std::rc::Rc<crate::runtime::state::State>>()
        .is_some_and(|s| s.exit_code.get().is_some());
    if exiting || FAST_PANIC.with(|p| p.borrow().is_some()) || isolate.is_execution_terminating() {
        return Some(termination_error(isolate, None));
    }
    None
}

/// The error for a terminated execution: a panic in a fast-path host call (then the
/// termination is cancelled so the runtime stays usable), the heap limit, or a plain
/// termination request.
pub(crate) fn termination_error(isolate: &v8::Isolate, export: Option<&str>) -> Error {
    if let Some(state) = isolate.get_slot::<std::rc::Rc<crate::runtime::state::State>>()
        && let Some(code) = state.exit_code.get()
    {
        return Error::Exit(code);
    }
    if let Some(msg) = FAST_PANIC.with(|p| p.borrow_mut().take()) {
        isolate.cancel_terminate_execution();
        return match export {
            Some(export) => Error::Trap(Box::new(crate::error::Trap {
                export: export.to_string(),
                kind: crate::error::TrapKind::Host,
                message: msg,
                frames: Vec::new(),
            })),
            None => Error::Js(Box::new(JsError {
                message: format!("Error: {msg}"),
                stack: None,
                in_promise: false,
            })),
        };
    }
    if HEAP_LIMIT_HIT.with(|c| c.replace(false)) {
        Error::Limit("out of memory: the isolate reached its heap limit and was stopped".into())
    } else {
        Error::Limit("execution terminated".into())
    }
}

/// Describes a thrown value: its string form and, for errors, the JS stack.
pub(crate) fn js_error(
    scope: &mut v8::PinScope,
    exc: v8::Local<v8::Value>,
    in_promise: bool,
) -> JsError {
    v8::tc_scope!(let tc, scope);
    let message = if exc.is_object() && !exc.is_native_error() {
        // Not an Error: describe it the way console.log would show it, roughly.
        v8::json::stringify(tc, exc)
            .map(|s| s.to_rust_string_lossy(tc))
            .filter(|s| s != "undefined")
            .unwrap_or_else(|| exc.to_rust_string_lossy(tc))
    } else {
        exc.to_string(tc)
            .map(|s| s.to_rust_string_lossy(tc))
            .unwrap_or_else(|| "<exception>".into())
    };
    let stack = exc
        .to_object(tc)
        .filter(|_| exc.is_object())
        .and_then(|o| {
            let key = v8::String::new(tc, "stack")?;
            o.get(tc, key.into())
        })
        .filter(|s| s.is_string())
        .map(|s| s.to_rust_string_lossy(tc));
    tc.reset();
    JsError {
        message,
        stack,
        in_promise,
    }
}

/// A JS value as JSON; values with no JSON form become `null`.
pub(crate) fn to_json(scope: &mut v8::PinScope, v: v8::Local<v8::Value>) -> serde_json::Value {
    if v.is_undefined() {
        return serde_json::Value::Null;
    }
    if v.is_big_int() {
        return serde_json::Value::String(v.to_rust_string_lossy(scope));
    }
    v8::tc_scope!(let tc, scope);
    let s = v8::json::stringify(tc, v).map(|s| s.to_rust_string_lossy(tc));
    tc.reset();
    s.and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or(serde_json::Value::Null)
}
