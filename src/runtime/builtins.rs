//! warren's JS globals: the Rust functions behind `console`, timers and `inspect`, and the
//! bootstrap that runs the embedded JS (`js/inspect.js`, `js/bootstrap.js`) in a new context.

use std::panic::AssertUnwindSafe;
use std::rc::Rc;

use crate::error::Result;
use crate::runtime::exceptions;
use crate::runtime::state::{State, Stream};
use crate::runtime::{script_origin, v8_str};

const BOOTSTRAP_JS: &str = include_str!("../../js/bootstrap.js");

/// The JS files loaded on first use (`core.loadInternal`): each evaluates to a function the
/// bootstrap calls with `(core, global, internals)`.
const INTERNAL_JS: &[(&str, &str)] = &[
    ("inspect", include_str!("../../js/inspect.js")),
    ("web", include_str!("../../js/web.js")),
    ("event", include_str!("../../js/event.js")),
    (
        "structured_clone",
        include_str!("../../js/structured_clone.js"),
    ),
    (
        "url_search_params",
        include_str!("../../js/url_search_params.js"),
    ),
    ("buffer", include_str!("../../js/buffer.js")),
    ("node_path", include_str!("../../js/node_path.js")),
    ("node_errors", include_str!("../../js/node_errors.js")),
    ("node", include_str!("../../js/node.js")),
];

/// The source of an internal JS file, by name.
pub(crate) fn internal_source(name: &str) -> Option<&'static str> {
    INTERNAL_JS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, s)| *s)
}

/// Runs the embedded JS that defines warren's globals.
pub(crate) fn install(scope: &mut v8::PinScope) -> Result<()> {
    let core = v8::Object::new(scope);
    // Callbacks must be zero-sized `fn` items, so each is named here, not stored in a table.
    macro_rules! add {
        ($name:literal, $f:expr) => {{
            let func = v8::Function::builder($f)
                .build(scope)
                .expect("function creation cannot fail here");
            let key = v8_str(scope, $name);
            core.set(scope, key.into(), func.into());
        }};
    }
    add!("print", op_print);
    add!("timerStart", op_timer_start);
    add!("timerCancel", op_timer_cancel);
    add!("timerRef", op_timer_ref);
    add!("setFireTimer", op_set_fire_timer);
    add!("promiseState", op_promise_state);
    add!("proxyDetails", op_proxy_details);
    add!("previewEntries", op_preview_entries);
    add!("constructorName", op_constructor_name);
    add!("ownNonIndexProperties", op_own_non_index_properties);
    crate::runtime::ops::install(scope, core);
    let bootstrap = run_internal_script(scope, "warren:bootstrap.js", BOOTSTRAP_JS)?;
    let bootstrap = v8::Local::<v8::Function>::try_from(bootstrap)
        .map_err(|_| crate::Error::Other("bootstrap.js must evaluate to a function".into()))?;
    v8::tc_scope!(let tc, scope);
    let global = tc.get_current_context().global(tc);
    let recv = v8::undefined(tc).into();
    let Some(internals) = bootstrap.call(tc, recv, &[core.into(), global.into()]) else {
        return Err(exceptions::caught(tc));
    };
    if let Some(obj) = internals.to_object(tc) {
        *State::get(tc).internals.borrow_mut() = Some(v8::Global::new(tc, obj));
    }
    Ok(())
}

fn run_internal_script<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    name: &str,
    source: &str,
) -> Result<v8::Local<'s, v8::Value>> {
    v8::tc_scope!(let tc, scope);
    let src = v8_str(tc, source);
    let name = v8_str(tc, name);
    let origin = script_origin(tc, name.into(), false);
    let value = v8::Script::compile(tc, src, Some(&origin)).and_then(|s| s.run(tc));
    match value {
        Some(v) => Ok(v),
        None => Err(exceptions::caught(tc)),
    }
}

/// Fires every timer that is due, each followed by a microtask checkpoint (as Node does).
/// Returns whether any fired.
pub(crate) fn fire_due_timers(scope: &mut v8::PinScope, state: &Rc<State>) -> Result<bool> {
    let now = crate::runtime::now();
    let mut fired = false;
    while let Some(id) = state.pop_due_timer(now) {
        fired = true;
        let Some(f) = state.fire_timer.borrow().clone() else {
            break;
        };
        let f = v8::Local::new(scope, &f);
        v8::tc_scope!(let tc, scope);
        let recv = v8::undefined(tc).into();
        let arg = v8::Integer::new_from_unsigned(tc, id).into();
        if f.call(tc, recv, &[arg]).is_none() {
            return Err(exceptions::caught(tc));
        }
        tc.perform_microtask_checkpoint();
        if tc.has_caught() || tc.has_terminated() {
            return Err(exceptions::caught(tc));
        }
    }
    Ok(fired)
}

/// Runs a callback body with panics caught: a panic or an `Err` becomes a JS exception.
pub(crate) fn guarded<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    what: &str,
    f: impl FnOnce(&mut v8::PinScope<'s, '_>) -> std::result::Result<(), String>,
) {
    let result = std::panic::catch_unwind(AssertUnwindSafe(|| f(scope)));
    let msg = match result {
        Ok(Ok(())) => return,
        Ok(Err(msg)) => msg,
        Err(payload) => format!("{what} panicked: {}", panic_message(&payload)),
    };
    throw_error(scope, &msg);
}

pub(crate) fn panic_message(payload: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(non-string panic payload)".into()
    }
}

/// Throws an error for `msg`. A leading `Name: ` picks the error: `TypeError`/`RangeError`
/// make those classes; `PermissionDenied`, `InvalidCharacterError` and the like an `Error`
/// with that `name`; `SystemError[ENOENT]` or `Error[CODE]` an `Error` with that `code`
/// (as Node's fs and module errors carry).
pub(crate) fn throw_error(scope: &mut v8::PinScope, msg: &str) {
    let (head, rest) = msg.split_once(": ").unwrap_or(("", msg));
    let is_name = !head.is_empty()
        && !head.contains(' ')
        && head.chars().next().is_some_and(|c| c.is_ascii_uppercase());
    let (exc, name, code) = if !is_name {
        (v8::Exception::error(scope, v8_str(scope, msg)), None, None)
    } else if let Some(code) = head
        .strip_prefix("SystemError[")
        .or_else(|| head.strip_prefix("Error["))
        .or_else(|| head.strip_prefix("TypeError ["))
        .and_then(|c| c.strip_suffix(']'))
    {
        let base = if head.starts_with("TypeError") {
            v8::Exception::type_error(scope, v8_str(scope, rest))
        } else {
            v8::Exception::error(scope, v8_str(scope, rest))
        };
        (base, None, Some(code.to_string()))
    } else {
        match head {
            "TypeError" => (
                v8::Exception::type_error(scope, v8_str(scope, rest)),
                None,
                None,
            ),
            "RangeError" => (
                v8::Exception::range_error(scope, v8_str(scope, rest)),
                None,
                None,
            ),
            "Error" => (v8::Exception::error(scope, v8_str(scope, rest)), None, None),
            _ => (
                v8::Exception::error(scope, v8_str(scope, rest)),
                Some(head.to_string()),
                None,
            ),
        }
    };
    if let Some(obj) = exc.to_object(scope) {
        if let Some(name) = name {
            let k = v8_str(scope, "name");
            let v = v8_str(scope, &name);
            obj.set(scope, k.into(), v.into());
            // The stack was rendered with the old name: fix its first line.
            let k = v8_str(scope, "stack");
            if let Some(stack) = obj.get(scope, k.into()).filter(|v| v.is_string()) {
                let text = stack.to_rust_string_lossy(scope);
                if let Some(tail) = text.strip_prefix("Error") {
                    let v = v8_str(scope, &format!("{name}{tail}"));
                    obj.set(scope, k.into(), v.into());
                }
            }
        }
        if let Some(code) = code {
            let k = v8_str(scope, "code");
            let v = v8_str(scope, &code);
            obj.set(scope, k.into(), v.into());
        }
    }
    scope.throw_exception(exc);
}

fn arg_u32(scope: &mut v8::PinScope, args: &v8::FunctionCallbackArguments, i: i32) -> u32 {
    args.get(i).uint32_value(scope).unwrap_or(0)
}

fn op_print<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    args: v8::FunctionCallbackArguments<'s>,
    _rv: v8::ReturnValue<'s, v8::Value>,
) {
    guarded(scope, "print", |scope| {
        let s = args.get(0).to_rust_string_lossy(scope);
        let stream = if args.get(1).is_true() {
            Stream::Stderr
        } else {
            Stream::Stdout
        };
        State::get(scope).write(stream, s.as_bytes());
        Ok(())
    });
}

fn op_timer_start<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    args: v8::FunctionCallbackArguments<'s>,
    _rv: v8::ReturnValue<'s, v8::Value>,
) {
    guarded(scope, "timerStart", |scope| {
        let id = arg_u32(scope, &args, 0);
        let ms = args.get(1).number_value(scope).unwrap_or(0.0);
        let refed = args.get(2).is_true();
        State::get(scope).timer_start(id, ms, refed);
        Ok(())
    });
}

fn op_timer_cancel<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    args: v8::FunctionCallbackArguments<'s>,
    _rv: v8::ReturnValue<'s, v8::Value>,
) {
    guarded(scope, "timerCancel", |scope| {
        let id = arg_u32(scope, &args, 0);
        State::get(scope).timer_cancel(id);
        Ok(())
    });
}

fn op_timer_ref<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    args: v8::FunctionCallbackArguments<'s>,
    _rv: v8::ReturnValue<'s, v8::Value>,
) {
    guarded(scope, "timerRef", |scope| {
        let id = arg_u32(scope, &args, 0);
        State::get(scope).timer_ref(id, args.get(1).is_true());
        Ok(())
    });
}

fn op_set_fire_timer<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    args: v8::FunctionCallbackArguments<'s>,
    _rv: v8::ReturnValue<'s, v8::Value>,
) {
    guarded(scope, "setFireTimer", |scope| {
        let f = v8::Local::<v8::Function>::try_from(args.get(0))
            .map_err(|_| "setFireTimer expects a function".to_string())?;
        *State::get(scope).fire_timer.borrow_mut() = Some(v8::Global::new(scope, f));
        Ok(())
    });
}

fn op_promise_state<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    args: v8::FunctionCallbackArguments<'s>,
    mut rv: v8::ReturnValue<'s, v8::Value>,
) {
    let Ok(p) = v8::Local::<v8::Promise>::try_from(args.get(0)) else {
        return;
    };
    let (state, result) = match p.state() {
        v8::PromiseState::Pending => ("pending", v8::undefined(scope).into()),
        v8::PromiseState::Fulfilled => ("fulfilled", p.result(scope)),
        v8::PromiseState::Rejected => ("rejected", p.result(scope)),
    };
    let obj = v8::Object::new(scope);
    let k = v8_str(scope, "state");
    let v = v8_str(scope, state);
    obj.set(scope, k.into(), v.into());
    let k = v8_str(scope, "result");
    obj.set(scope, k.into(), result);
    rv.set(obj.into());
}

fn op_proxy_details<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    args: v8::FunctionCallbackArguments<'s>,
    mut rv: v8::ReturnValue<'s, v8::Value>,
) {
    let Ok(p) = v8::Local::<v8::Proxy>::try_from(args.get(0)) else {
        return;
    };
    let obj = v8::Object::new(scope);
    let k = v8_str(scope, "target");
    let t = p.get_target(scope);
    obj.set(scope, k.into(), t);
    let k = v8_str(scope, "handler");
    let h = p.get_handler(scope);
    obj.set(scope, k.into(), h);
    rv.set(obj.into());
}

fn op_preview_entries<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    args: v8::FunctionCallbackArguments<'s>,
    mut rv: v8::ReturnValue<'s, v8::Value>,
) {
    let Ok(o) = v8::Local::<v8::Object>::try_from(args.get(0)) else {
        return;
    };
    let (entries, is_kv) = o.preview_entries(scope);
    let Some(entries) = entries else { return };
    let pair = v8::Array::new(scope, 2);
    pair.set_index(scope, 0, entries.into());
    let kv = v8::Boolean::new(scope, is_kv);
    pair.set_index(scope, 1, kv.into());
    rv.set(pair.into());
}

fn op_constructor_name<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    args: v8::FunctionCallbackArguments<'s>,
    mut rv: v8::ReturnValue<'s, v8::Value>,
) {
    if let Ok(o) = v8::Local::<v8::Object>::try_from(args.get(0)) {
        let name = o.get_constructor_name();
        rv.set(v8::Local::new(scope, name).into());
    }
}

/// Own non-index keys (strings, then symbols); filter 2 = enumerable only, 0 = all.
fn op_own_non_index_properties<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    args: v8::FunctionCallbackArguments<'s>,
    mut rv: v8::ReturnValue<'s, v8::Value>,
) {
    let Ok(o) = v8::Local::<v8::Object>::try_from(args.get(0)) else {
        return;
    };
    let filter = if args.get(1).uint32_value(scope) == Some(2) {
        v8::PropertyFilter::ONLY_ENUMERABLE
    } else {
        v8::PropertyFilter::ALL_PROPERTIES
    };
    let names = o.get_property_names(
        scope,
        v8::GetPropertyNamesArgsBuilder::new()
            .mode(v8::KeyCollectionMode::OwnOnly)
            .property_filter(filter)
            .index_filter(v8::IndexFilter::SkipIndices)
            .key_conversion(v8::KeyConversionMode::ConvertToString)
            .build(),
    );
    if let Some(names) = names {
        rv.set(names.into());
    }
}
