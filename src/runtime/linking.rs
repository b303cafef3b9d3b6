//! Linking a Wasm module's imports: host functions from the [`crate::Linker`] (bound to the
//! new instance), namespaces registered by the embedder, and the ES modules a Wasm module
//! imports; every import is type-checked, and every problem is reported at once.

use crate::error::{Error, LinkError, Result};
use crate::host::HostFunc;
use crate::runtime::fuel_global;
use crate::runtime::state::State;
use crate::runtime::trampoline::host_function;
use crate::runtime::v8_util::v8_str;
use crate::wasm::{ExternType, ModuleInfo};

/// The registry namespace a Wasm import module or `host:` specifier names.
pub(crate) fn host_namespace(state: &State, module: &str) -> Option<String> {
    if state.linker.has_module(module) {
        return Some(module.to_string());
    }
    let bare = module.strip_prefix("host:")?;
    state.linker.has_module(bare).then(|| bare.to_string())
}

/// Builds the import object for a module about to be instantiated into `slot`, checking
/// every import's type: host namespaces and registered namespaces first, then (for a Wasm
/// module loaded as an ES module) `esm[module][name]` from the namespaces of the ES modules
/// its wrapper imported, with numbers imported as globals wrapped in `WebAssembly.Global`s
/// as the ESM integration does. Returns the object and whether any import is async (JSPI).
pub(crate) fn build_imports<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    info: &ModuleInfo,
    slot: usize,
    esm: Option<v8::Local<'s, v8::Object>>,
) -> Result<(v8::Local<'s, v8::Object>, bool)> {
    let state = State::get(scope);
    let ctors = state.wasm_ctors();
    let imports = v8::Object::new(scope);
    let mut errors = Vec::new();
    let mut jspi = false;
    let mut namespaces: std::collections::HashMap<String, v8::Local<v8::Object>> =
        std::collections::HashMap::new();
    for imp in &info.imports {
        let expected = imp.ty.to_string();
        let err = |provided: Option<String>| LinkError {
            module: imp.module.clone(),
            name: imp.name.clone(),
            expected: expected.clone(),
            provided,
        };
        let value: v8::Local<v8::Value> = if let Some(ns) = state.namespace(scope, &imp.module) {
            let key = v8_str(scope, &imp.name);
            let v = ns.object.get(scope, key.into());
            match v {
                Some(v) if !v.is_undefined() => {
                    if let Some(ty) = ns.types.as_ref().and_then(|t| t.get(&imp.name))
                        && !import_compatible(&imp.ty, ty)
                    {
                        errors.push(err(Some(ty.to_string())));
                        continue;
                    }
                    if matches!(imp.ty, ExternType::Func(_)) && !v.is_function() {
                        let t = v.type_of(scope).to_rust_string_lossy(scope);
                        errors.push(err(Some(format!("a {t}, not a function"))));
                        continue;
                    }
                    v
                }
                _ => {
                    errors.push(err(None));
                    continue;
                }
            }
        } else if let Some((id, h)) = lookup_host(&state, &imp.module, &imp.name) {
            let ExternType::Func(sig) = &imp.ty else {
                errors.push(err(Some(format!("host function {}", h.describe()))));
                continue;
            };
            if h.wasm_sig().as_ref() != Some(sig) {
                errors.push(err(Some(h.describe())));
                continue;
            }
            let Some(f) = host_function(scope, id, Some(slot), &imp.name) else {
                return Err(Error::Other(format!(
                    "cannot create host function {}.{}",
                    imp.module, imp.name
                )));
            };
            if h.is_async() {
                jspi = true;
                let suspending = v8::Local::new(scope, &ctors.suspending);
                match suspending.new_instance(scope, &[f.into()]) {
                    Some(s) => s.into(),
                    None => return Err(Error::Other("WebAssembly.Suspending failed".into())),
                }
            } else {
                f.into()
            }
        } else if let Some(esm) = esm {
            let global_ctor = v8::Local::new(scope, &ctors.global);
            match esm_import(scope, esm, &imp.module, &imp.name, &imp.ty, global_ctor) {
                Ok(v) => v,
                Err(provided) => {
                    errors.push(err(provided));
                    continue;
                }
            }
        } else {
            errors.push(err(None));
            continue;
        };
        let ns_obj = *namespaces.entry(imp.module.clone()).or_insert_with(|| {
            let o = v8::Object::new(scope);
            let k = v8_str(scope, &imp.module);
            imports.set(scope, k.into(), o.into());
            o
        });
        let nkey = v8_str(scope, &imp.name);
        ns_obj.set(scope, nkey.into(), value);
    }
    if !errors.is_empty() {
        return Err(Error::Link { unresolved: errors });
    }
    // An instrumented module also imports the runtime's fuel (not in `info`, which
    // describes the module as written).
    if let Some(fuel) = fuel_global::global(scope) {
        let ns = v8::Object::new(scope);
        let k = v8_str(scope, crate::fuel::FUEL_NAME);
        ns.set(scope, k.into(), fuel.into());
        let k = v8_str(scope, crate::fuel::FUEL_MODULE);
        imports.set(scope, k.into(), ns.into());
    }
    Ok((imports, jspi))
}

/// One import from an ES module namespace: `Err(None)` when missing, `Err(Some(what))` when
/// present with the wrong kind.
fn esm_import<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    esm: v8::Local<'s, v8::Object>,
    module: &str,
    name: &str,
    ty: &ExternType,
    global_ctor: v8::Local<'s, v8::Function>,
) -> std::result::Result<v8::Local<'s, v8::Value>, Option<String>> {
    let mkey = v8_str(scope, module);
    let ns = esm
        .get(scope, mkey.into())
        .and_then(|v| v.to_object(scope))
        .ok_or(None)?;
    let nkey = v8_str(scope, name);
    // A namespace binding still in its TDZ (a cycle) throws on access: treat as missing.
    v8::tc_scope!(let tc, scope);
    let v = ns.get(tc, nkey.into());
    if tc.has_caught() {
        tc.reset();
        return Err(Some(
            "a binding that is not initialized yet (an import cycle)".into(),
        ));
    }
    let v = v.filter(|v| !v.is_undefined()).ok_or(None)?;
    match ty {
        ExternType::Func(_) if !v.is_function() => {
            let t = v.type_of(tc).to_rust_string_lossy(tc);
            Err(Some(format!("a {t}, not a function")))
        }
        ExternType::Global { ty, mutable } if v.is_number() || v.is_big_int() => {
            // The ESM integration wraps plain values imported as globals.
            let desc = v8::Object::new(tc);
            let k = v8_str(tc, "value");
            let t = v8_str(tc, ty);
            desc.set(tc, k.into(), t.into());
            let k = v8_str(tc, "mutable");
            let m = v8::Boolean::new(tc, *mutable);
            desc.set(tc, k.into(), m.into());
            let g = global_ctor.new_instance(tc, &[desc.into(), v]);
            if tc.has_caught() {
                tc.reset();
            }
            g.map(Into::into)
                .ok_or_else(|| Some(format!("a value that is not a {ty}")))
        }
        _ => Ok(v),
    }
}

fn import_compatible(expected: &ExternType, provided: &ExternType) -> bool {
    match (expected, provided) {
        (
            ExternType::Memory {
                initial: ei,
                maximum: em,
                memory64: e64,
                shared: es,
                ..
            },
            ExternType::Memory {
                initial: pi,
                maximum: pm,
                memory64: p64,
                shared: ps,
                ..
            },
        ) => e64 == p64 && es == ps && pi >= ei && em.is_none_or(|e| pm.is_some_and(|p| p <= e)),
        (
            ExternType::Table {
                element: ee,
                initial: ei,
                maximum: em,
                ..
            },
            ExternType::Table {
                element: pe,
                initial: pi,
                maximum: pm,
                ..
            },
        ) => ee == pe && pi >= ei && em.is_none_or(|e| pm.is_some_and(|p| p <= e)),
        (a, b) => a == b,
    }
}

fn lookup_host(
    state: &State,
    module: &str,
    name: &str,
) -> Option<(usize, std::sync::Arc<HostFunc>)> {
    let ns = host_namespace(state, module)?;
    state.linker.get(&ns, name).map(|(i, h)| (i, h.clone()))
}

/// The export names of `host:X` for JS.
pub(crate) fn host_module_exports(state: &State, specifier: &str) -> Option<Vec<(usize, String)>> {
    let bare = specifier.strip_prefix("host:")?;
    let ns = if state.linker.has_module(specifier) {
        specifier.to_string()
    } else if state.linker.has_module(bare) {
        bare.to_string()
    } else {
        return None;
    };
    Some(
        state
            .linker
            .module_funcs(&ns)
            .into_iter()
            .map(|(i, h)| (i, h.name.clone()))
            .collect(),
    )
}
