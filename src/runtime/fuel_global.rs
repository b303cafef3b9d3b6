//! The runtime's fuel (`RuntimeOptions::fuel`): one mutable i64 `WebAssembly.Global` that
//! every instance of the runtime imports as `warren:fuel`.`fuel`, after `crate::fuel`
//! instrumented its module. The host reads and refills it between calls; an `unreachable`
//! trap while it is negative is an out-of-fuel trap.

use crate::error::{Error, Result};
use crate::runtime::state::State;
use crate::runtime::v8_util::v8_str;

/// Creates the fuel global holding `fuel`, with the pristine `WebAssembly.Global`.
pub(crate) fn create(scope: &mut v8::PinScope, fuel: u64) -> Result<v8::Global<v8::Object>> {
    let ctors = State::get(scope).wasm_ctors();
    let ctor = v8::Local::new(scope, &ctors.global);
    let desc = v8::Object::new(scope);
    let k = v8_str(scope, "value");
    let v = v8_str(scope, "i64");
    desc.set(scope, k.into(), v.into());
    let k = v8_str(scope, "mutable");
    let v = v8::Boolean::new(scope, true);
    desc.set(scope, k.into(), v.into());
    let value = v8::BigInt::new_from_i64(scope, clamp(fuel));
    ctor.new_instance(scope, &[desc.into(), value.into()])
        .map(|g| v8::Global::new(scope, g))
        .ok_or_else(|| Error::Other("cannot create the fuel global".into()))
}

fn clamp(fuel: u64) -> i64 {
    i64::try_from(fuel).unwrap_or(i64::MAX)
}

/// The runtime's fuel global, if it meters fuel.
pub(crate) fn global<'s>(scope: &mut v8::PinScope<'s, '_>) -> Option<v8::Local<'s, v8::Object>> {
    let state = State::get(scope);
    let g = state.fuel.borrow();
    g.as_ref().map(|g| v8::Local::new(scope, g))
}

/// The fuel left (negative once a call ran out), if the runtime meters fuel.
pub(crate) fn remaining(scope: &mut v8::PinScope) -> Option<i64> {
    let g = global(scope)?;
    let k = v8_str(scope, "value");
    let v = g.get(scope, k.into())?;
    let b = v8::Local::<v8::BigInt>::try_from(v).ok()?;
    Some(b.i64_value().0)
}

/// Sets the fuel left. Returns `false` when the runtime does not meter fuel.
pub(crate) fn set(scope: &mut v8::PinScope, fuel: u64) -> bool {
    let Some(g) = global(scope) else {
        return false;
    };
    let k = v8_str(scope, "value");
    let v = v8::BigInt::new_from_i64(scope, clamp(fuel));
    g.set(scope, k.into(), v.into());
    true
}

/// Whether the runtime meters fuel and has run out.
pub(crate) fn exhausted(scope: &mut v8::PinScope) -> bool {
    remaining(scope).is_some_and(|f| f < 0)
}

/// The bytes V8 should compile for a module: instrumented when the runtime meters fuel,
/// with where their code came from when `mapped` (warren reports the traps of modules it
/// instantiates itself; V8 reports those of modules JS compiles).
///
/// # Errors
/// [`Error::InvalidWasm`] for bytes the pass cannot read, located in `name`.
pub(crate) fn prepare<'b>(
    scope: &mut v8::PinScope,
    bytes: &'b [u8],
    name: &str,
    mapped: bool,
) -> Result<(std::borrow::Cow<'b, [u8]>, Option<crate::fuel::OffsetMap>)> {
    if State::get(scope).fuel.borrow().is_none() {
        return Ok((std::borrow::Cow::Borrowed(bytes), None));
    }
    use crate::fuel::FuelError;
    let instrumented = if mapped {
        crate::fuel::instrument_with_map(bytes).map(|(b, m)| (b, Some(m)))
    } else {
        crate::fuel::instrument(bytes).map(|b| (b, None))
    };
    match instrumented {
        Ok((b, map)) => Ok((std::borrow::Cow::Owned(b), map)),
        Err(e) => {
            let offset = match &e {
                FuelError::Parse { offset, .. } => *offset as usize,
                _ => 0,
            };
            let reason = match e {
                FuelError::Parse { message, .. } => message,
                FuelError::AlreadyInstrumented => format!(
                    "it imports from \"{}\", which warren reserves for fuel",
                    crate::fuel::FUEL_MODULE
                ),
                e => e.to_string(),
            };
            Err(Error::InvalidWasm {
                path: None,
                offset,
                reason,
            }
            .in_file(std::path::Path::new(name)))
        }
    }
}
