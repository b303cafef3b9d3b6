//! The one trampoline every host function goes through: arguments converted, the closure
//! called under `catch_unwind`, errors and panics thrown as marked host errors; and the V8
//! functions made for host functions, bound to their calling instance.

use std::ffi::c_void;
use std::panic::AssertUnwindSafe;

use crate::error::panic_message;
use crate::host::{Binding, Callable, HostFailure, binding};
use crate::runtime::async_calls::start_call;
use crate::runtime::caller::CallerInfo;
use crate::runtime::host_error::throw_host_error;
use crate::runtime::state::State;
use crate::runtime::v8_util::{OpError, v8_str};

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

fn host_trampoline<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    args: v8::FunctionCallbackArguments<'s>,
    mut rv: v8::ReturnValue<'s, v8::Value>,
) {
    let Some(b) = binding(args.data()) else {
        OpError::error("host function without binding").throw(scope);
        return;
    };
    let h = &b.func;
    let info = CallerInfo {
        instance: b.instance,
    };
    let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| match &h.callable {
        Callable::Sync(f) => f(scope, &args, &info).map(Some),
        Callable::Async(f) => {
            let fut = f(scope, &args)?;
            Ok(Some(start_call(scope, fut)))
        }
    }));
    match outcome {
        Ok(Ok(Some(v))) => rv.set(v),
        Ok(Ok(None)) => {}
        Ok(Err(HostFailure::Err(msg))) => {
            throw_host_error(scope, &h.module, &h.name, &format!("failed: {msg}"));
        }
        Ok(Err(HostFailure::Convert(msg))) => {
            throw_host_error(scope, &h.module, &h.name, &msg);
        }
        Err(payload) => {
            throw_host_error(
                scope,
                &h.module,
                &h.name,
                &format!("panicked: {}", panic_message(&payload)),
            );
        }
    }
}
