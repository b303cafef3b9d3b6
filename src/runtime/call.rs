//! Calling Wasm exports with Rust values: arguments converted by the export's signature,
//! results converted back, JSPI exports called through `WebAssembly.promising`.

use wasmparser::ValType;

use crate::error::{Error, Result};
use crate::runtime::instances::{Func, Instance};
use crate::runtime::state::State;
use crate::runtime::{exceptions, stop, trap};
use crate::wasm::{RefKind, Val, val_type_str};

/// Calls an export with Rust values (not through JSPI).
pub(crate) fn invoke(
    scope: &mut v8::PinScope,
    instance: &Instance,
    export: &str,
    args: &[Val],
) -> Result<Vec<Val>> {
    let func = instance.func(export)?;
    call_sync(scope, &func, args)
}

/// Calls `func`, which must not be an export of a JSPI instance.
pub(crate) fn call_sync(scope: &mut v8::PinScope, func: &Func, args: &[Val]) -> Result<Vec<Val>> {
    let instance = func.instance();
    if instance.jspi {
        return Err(Error::Other(format!(
            "{} imports async host functions (JSPI): call \"{}\" with invoke_async",
            instance.name,
            func.name()
        )));
    }
    match call(scope, func, args)? {
        Called::Done(v) => Ok(v),
        Called::Promise(..) => Err(Error::Other("unexpected promise".into())),
    }
}

/// The outcome of calling an export: its results, or (through JSPI) a promise of them.
pub(crate) enum Called {
    Done(Vec<Val>),
    Promise(v8::Global<v8::Promise>, Vec<ValType>),
}

/// Calls an export; exports of JSPI instances are called through `WebAssembly.promising`.
pub(crate) fn call(scope: &mut v8::PinScope, func: &Func, args: &[Val]) -> Result<Called> {
    let instance = func.instance();
    let export = func.name();
    let ctors = State::get(scope).wasm_ctors();
    if instance.runtime_id != ctors.runtime_id {
        return Err(Error::Other(
            "this instance belongs to another Runtime".into(),
        ));
    }
    func.check_arity(args.len())?;
    let sig = func.ty();
    if ctors.exports(scope, instance.index).is_none() {
        return Err(Error::Other("instance not ready".into()));
    }
    let func = ctors
        .export_func(scope, instance.index, func.export_index(), export)
        .ok_or_else(|| Error::Export(format!("export \"{export}\" is not callable")))?;
    let mut v8_args = Vec::with_capacity(args.len());
    for (i, (a, ty)) in args.iter().zip(&sig.params).enumerate() {
        v8_args
            .push(to_v8(scope, a, ty).map_err(|why| {
                Error::Args(format!("argument {} of \"{export}\": {why}", i + 1))
            })?);
    }
    v8::tc_scope!(let tc, scope);
    let recv = v8::undefined(tc).into();
    let func = if instance.jspi {
        let promising = v8::Local::new(tc, &ctors.promising);
        match promising
            .call(tc, recv, &[func.into()])
            .and_then(|f| v8::Local::<v8::Function>::try_from(f).ok())
        {
            Some(f) => f,
            None => return Err(exceptions::caught(tc)),
        }
    } else {
        func
    };
    let Some(result) = func.call(tc, recv, &v8_args) else {
        let exc = tc.exception();
        if tc.has_terminated() || exc.is_none() || stop::exiting(tc) {
            return Err(stop::termination_error(tc, Some(export)));
        }
        return Err(trap::classify(tc, exc, Some(export), &instance.info));
    };
    if let Some(e) = stop::after_call(tc, Some(export)) {
        return Err(e);
    }
    if instance.jspi {
        let p = v8::Local::<v8::Promise>::try_from(result)
            .map_err(|_| Error::Other("promising export did not return a promise".into()))?;
        // Rust awaits this promise: mark it handled so a rejection is not also reported as
        // unhandled by the event loop.
        State::await_from_rust(tc, p);
        return Ok(Called::Promise(v8::Global::new(tc, p), sig.results.clone()));
    }
    from_v8_results(tc, result, &sig.results)
        .map(Called::Done)
        .map_err(|why| Error::Other(format!("result of \"{export}\": {why}")))
}

/// The results of a settled JSPI call.
pub(crate) fn settled_results(
    scope: &mut v8::PinScope,
    instance: &Instance,
    export: &str,
    promise: v8::Local<v8::Promise>,
    results: &[ValType],
) -> Result<Vec<Val>> {
    match promise.state() {
        v8::PromiseState::Fulfilled => {
            let v = promise.result(scope);
            from_v8_results(scope, v, results)
                .map_err(|why| Error::Other(format!("result of \"{export}\": {why}")))
        }
        v8::PromiseState::Rejected => {
            let exc = promise.result(scope);
            State::get(scope).forget_rejection(scope, promise);
            Err(trap::classify(
                scope,
                Some(exc),
                Some(export),
                &instance.info,
            ))
        }
        v8::PromiseState::Pending => Err(Error::Stalled(format!(
            "export \"{export}\" is waiting on a promise nothing will settle"
        ))),
    }
}

fn to_v8<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    v: &Val,
    ty: &ValType,
) -> std::result::Result<v8::Local<'s, v8::Value>, String> {
    let want = val_type_str(ty);
    Ok(match (v, ty) {
        (Val::I32(x), ValType::I32) => v8::Integer::new(scope, *x).into(),
        (Val::I64(x), ValType::I64) => v8::BigInt::new_from_i64(scope, *x).into(),
        (Val::F32(x), ValType::F32) => v8::Number::new(scope, f64::from(*x)).into(),
        (Val::F64(x), ValType::F64) => v8::Number::new(scope, *x).into(),
        (Val::Ref(_, false), ValType::Ref(r)) if r.is_nullable() => v8::null(scope).into(),
        (Val::V128(_), ValType::V128) => {
            return Err("v128 values cannot cross the JS boundary V8 calls exports through".into());
        }
        (v, _) => return Err(format!("expected {want}, got {v:?}")),
    })
}

fn from_v8_results(
    scope: &mut v8::PinScope,
    result: v8::Local<v8::Value>,
    types: &[ValType],
) -> std::result::Result<Vec<Val>, String> {
    match types.len() {
        0 => Ok(vec![]),
        1 => Ok(vec![from_v8(scope, result, &types[0])?]),
        n => {
            let arr = v8::Local::<v8::Array>::try_from(result)
                .map_err(|_| "multi-value result is not an array".to_string())?;
            (0..n)
                .map(|i| {
                    let v = arr
                        .get_index(scope, i as u32)
                        .ok_or_else(|| format!("missing result {i}"))?;
                    from_v8(scope, v, &types[i])
                })
                .collect()
        }
    }
}

fn from_v8(
    scope: &mut v8::PinScope,
    v: v8::Local<v8::Value>,
    ty: &ValType,
) -> std::result::Result<Val, String> {
    Ok(match ty {
        ValType::I32 => Val::I32(v.int32_value(scope).ok_or("not an i32")?),
        ValType::I64 => {
            let b =
                v8::Local::<v8::BigInt>::try_from(v).map_err(|_| "i64 result is not a BigInt")?;
            Val::I64(b.i64_value().0)
        }
        ValType::F32 => Val::F32(v.number_value(scope).ok_or("not a number")? as f32),
        ValType::F64 => Val::F64(v.number_value(scope).ok_or("not a number")?),
        ValType::V128 => return Err("v128 results cannot cross into JS".into()),
        ValType::Ref(r) => {
            use wasmparser::{AbstractHeapType as A, HeapType};
            let kind = match r.heap_type() {
                HeapType::Abstract {
                    ty: A::Extern | A::NoExtern,
                    ..
                } => RefKind::Extern,
                HeapType::Abstract {
                    ty: A::Exn | A::NoExn,
                    ..
                } => RefKind::Exn,
                HeapType::Abstract {
                    ty: A::Func | A::NoFunc,
                    ..
                } => RefKind::Func,
                HeapType::Abstract { .. } => RefKind::Any,
                _ => {
                    if v.is_function() {
                        RefKind::Func
                    } else {
                        RefKind::Any
                    }
                }
            };
            Val::Ref(kind, !v.is_null())
        }
    })
}
