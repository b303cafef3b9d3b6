//! The one instantiate sequence, for direct instantiation ([`crate::Runtime::instantiate`])
//! and for the Wasm-as-ESM wrapper alike: compile (errors located in the file), reserve the
//! instance's slot, link its imports, create it through the pristine constructor, record it.

use std::sync::Arc;

use crate::error::{Error, LinkError, Result};
use crate::runtime::instances::Instance;
use crate::runtime::state::State;
use crate::runtime::v8_util::v8_str;
use crate::runtime::{exceptions, fuel_global, linking, memory_budget, stop, trap};
use crate::wasm::ModuleInfo;

/// Compiles Wasm bytes with V8, first instrumented for fuel and their memories clamped to
/// the runtime's memory cap (when it has those limits), through the runtime's
/// compiled-Wasm cache if it has one (keyed by the bytes V8 compiles); `name` locates
/// errors. When the bytes were instrumented, also returns where their code came from.
pub(crate) fn compile<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    bytes: &[u8],
    name: &str,
) -> Result<(
    v8::Local<'s, v8::WasmModuleObject>,
    Option<Arc<crate::fuel::OffsetMap>>,
)> {
    let (bytes, offsets) = fuel_global::prepare(scope, bytes, name, true)?;
    let bytes = memory_budget::prepare(scope, &bytes, name)?.into_owned();
    crate::wasm_types::admit(&bytes).map_err(|e| Error::WasmTypes(name.to_string(), e))?;
    let cache = State::get(scope).wasm_cache.clone();
    v8::tc_scope!(let tc, scope);
    let compiled = match &cache {
        Some(cache) => cache.compile(tc, &bytes),
        None => v8::WasmModuleObject::compile(tc, &bytes),
    };
    match compiled {
        Some(m) => Ok((m, offsets.map(Arc::new))),
        None => Err(trap::compile_error(exceptions::caught(tc), name)),
    }
}

/// Why an instantiation failed; each caller reports it its own way (a Rust error, or an
/// exception for the ESM wrapper).
pub(crate) enum Failure<'s> {
    /// Imports nobody provides, or provides with the wrong type.
    Link(Vec<LinkError>),
    /// The constructor threw: a link error V8 found, or a trap in the start function.
    Threw(v8::Local<'s, v8::Value>),
    /// Anything else (a stopped isolate, an internal failure).
    Error(Error),
}

/// Instantiates `module` as `name`. Imports come from host functions and namespaces, then
/// (for a Wasm module loaded as an ES module) from `esm`, the namespaces of the modules
/// its wrapper imported. Returns the handle and the raw exports object.
pub(crate) fn instantiate<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    module: v8::Local<'s, v8::WasmModuleObject>,
    info: Arc<ModuleInfo>,
    name: &str,
    esm: Option<v8::Local<'s, v8::Object>>,
) -> std::result::Result<(Instance, v8::Local<'s, v8::Object>), Failure<'s>> {
    let ctors = State::get(scope).wasm_ctors();
    let slot = ctors.reserve_slot();
    let (imports, jspi) = match linking::build_imports(scope, &info, slot, esm) {
        Ok(x) => x,
        Err(Error::Link { unresolved }) => return Err(Failure::Link(unresolved)),
        Err(e) => return Err(Failure::Error(e)),
    };
    v8::tc_scope!(let tc, scope);
    let ctor = v8::Local::new(tc, &ctors.instance);
    let Some(instance) = ctor.new_instance(tc, &[module.into(), imports.into()]) else {
        return Err(match tc.exception() {
            Some(exc) if !tc.has_terminated() && !stop::exiting(tc) => Failure::Threw(exc),
            _ => Failure::Error(stop::termination_error(tc, None)),
        });
    };
    let key = v8_str(tc, "exports");
    let exports = instance
        .get(tc, key.into())
        .and_then(|v| v8::Local::<v8::Object>::try_from(v).ok())
        .ok_or_else(|| Failure::Error(Error::Other("instance has no exports object".into())))?;
    let handle = Instance {
        runtime_id: ctors.runtime_id,
        index: slot,
        info,
        name: name.to_string(),
        jspi,
    };
    ctors.fill_slot(tc, slot, exports, imports, handle.clone());
    Ok((handle, exports))
}

/// Compiles and instantiates a parsed module directly: failures as Rust errors (a trap in
/// the start function is a [`crate::Trap`] of export `(start function)`).
pub(crate) fn instantiate_module(
    scope: &mut v8::PinScope,
    module: &crate::WasmModule,
) -> Result<Instance> {
    let (compiled, offsets) = compile(scope, module.bytes(), module.location())?;
    let info = ModuleInfo::with_code_offsets(module.info_arc(), offsets);
    match instantiate(scope, compiled, info.clone(), module.name(), None) {
        Ok((handle, _)) => Ok(handle),
        Err(Failure::Link(unresolved)) => Err(Error::Link { unresolved }),
        Err(Failure::Threw(exc)) => Err(trap::classify(scope, Some(exc), None, &info)),
        Err(Failure::Error(e)) => Err(e),
    }
}
