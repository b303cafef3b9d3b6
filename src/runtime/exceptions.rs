//! Turning V8 exceptions into warren errors, and JS values into JSON.

use crate::error::{Error, JsError};
use crate::runtime::stop;

/// The error for whatever a `TryCatch` caught (an exception or a termination).
pub(crate) fn caught(tc: &mut v8::PinnedRef<v8::TryCatch<v8::HandleScope>>) -> Error {
    if tc.has_terminated() || (tc.has_caught() && tc.exception().is_none()) || stop::exiting(tc) {
        return stop::termination_error(tc, None);
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
