//! Installs warren's JS layer when JS first runs. The bootstrap itself ran at build time
//! (build.rs, into the startup snapshot); what is left per runtime is to fill its `core`
//! object with the Rust functions behind `console` and `inspect` (and, through `ops.rs`,
//! `timers.rs`, `wasi_ops.rs` and `subtle_ops.rs`, the rest of `core`), then run `internals.start()`.

use crate::error::Result;
use crate::runtime::exceptions;
use crate::runtime::snapshot;
use crate::runtime::state::{State, Stream};
use crate::runtime::v8_util::{guarded, v8_str};
use crate::runtime::{ops, subtle_ops, timers, url_pattern, wasi_ops};

/// The bootstrap's objects from a fresh snapshot context, kept until JS first runs.
pub(crate) struct Pending {
    core: v8::Global<v8::Object>,
    internals: v8::Global<v8::Object>,
}

impl Pending {
    /// Takes them out of the runtime's context, just made from the snapshot.
    pub(crate) fn take(scope: &mut v8::PinScope) -> Option<Pending> {
        let (core, internals) = snapshot::take(scope)?;
        Some(Pending {
            core: v8::Global::new(scope, core),
            internals: v8::Global::new(scope, internals),
        })
    }
}

/// Gives the bootstrap its Rust functions and starts it.
pub(crate) fn install(scope: &mut v8::PinScope, pending: Pending) -> Result<()> {
    let core = v8::Local::new(scope, &pending.core);
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
    add!("promiseState", op_promise_state);
    add!("proxyDetails", op_proxy_details);
    add!("previewEntries", op_preview_entries);
    add!("constructorName", op_constructor_name);
    add!("ownNonIndexProperties", op_own_non_index_properties);
    timers::install(scope, core);
    ops::install(scope, core);
    wasi_ops::install(scope, core);
    subtle_ops::install(scope, core);
    url_pattern::install(scope, core);
    let internals = v8::Local::new(scope, &pending.internals);
    v8::tc_scope!(let tc, scope);
    let key = v8_str(tc, "start");
    let start = internals
        .get(tc, key.into())
        .and_then(|f| v8::Local::<v8::Function>::try_from(f).ok())
        .ok_or_else(|| crate::Error::Other("internals.start is missing".into()))?;
    if start.call(tc, internals.into(), &[]).is_none() {
        return Err(exceptions::caught(tc));
    }
    *State::get(tc).internals.borrow_mut() = Some(pending.internals);
    Ok(())
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

fn op_promise_state<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    args: v8::FunctionCallbackArguments<'s>,
    mut rv: v8::ReturnValue<'s, v8::Value>,
) {
    guarded(scope, "promise_state", |scope| {
        let Ok(p) = v8::Local::<v8::Promise>::try_from(args.get(0)) else {
            return Ok(());
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
        Ok(())
    });
}

fn op_proxy_details<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    args: v8::FunctionCallbackArguments<'s>,
    mut rv: v8::ReturnValue<'s, v8::Value>,
) {
    guarded(scope, "proxy_details", |scope| {
        let Ok(p) = v8::Local::<v8::Proxy>::try_from(args.get(0)) else {
            return Ok(());
        };
        let obj = v8::Object::new(scope);
        let k = v8_str(scope, "target");
        let t = p.get_target(scope);
        obj.set(scope, k.into(), t);
        let k = v8_str(scope, "handler");
        let h = p.get_handler(scope);
        obj.set(scope, k.into(), h);
        rv.set(obj.into());
        Ok(())
    });
}

fn op_preview_entries<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    args: v8::FunctionCallbackArguments<'s>,
    mut rv: v8::ReturnValue<'s, v8::Value>,
) {
    guarded(scope, "preview_entries", |scope| {
        let Ok(o) = v8::Local::<v8::Object>::try_from(args.get(0)) else {
            return Ok(());
        };
        let (entries, is_kv) = o.preview_entries(scope);
        let Some(entries) = entries else {
            return Ok(());
        };
        let pair = v8::Array::new(scope, 2);
        pair.set_index(scope, 0, entries.into());
        let kv = v8::Boolean::new(scope, is_kv);
        pair.set_index(scope, 1, kv.into());
        rv.set(pair.into());
        Ok(())
    });
}

fn op_constructor_name<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    args: v8::FunctionCallbackArguments<'s>,
    mut rv: v8::ReturnValue<'s, v8::Value>,
) {
    guarded(scope, "constructor_name", |scope| {
        if let Ok(o) = v8::Local::<v8::Object>::try_from(args.get(0)) {
            let name = o.get_constructor_name();
            rv.set(v8::Local::new(scope, name).into());
        }
        Ok(())
    });
}

/// Own non-index keys (strings, then symbols); filter 2 = enumerable only, 0 = all.
fn op_own_non_index_properties<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    args: v8::FunctionCallbackArguments<'s>,
    mut rv: v8::ReturnValue<'s, v8::Value>,
) {
    guarded(scope, "own_non_index_properties", |scope| {
        let Ok(o) = v8::Local::<v8::Object>::try_from(args.get(0)) else {
            return Ok(());
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
        Ok(())
    });
}
