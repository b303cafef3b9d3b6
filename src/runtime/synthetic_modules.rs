//! Synthetic modules, whose exports Rust sets: JSON documents, CommonJS modules (run by the
//! Node layer's loader), `node:` built-ins, `host:` modules of the Linker's functions, and
//! `warren:internal/wasm` for the Wasm wrappers.

use std::rc::Rc;

use url::Url;

use crate::error::{Error, Result};
use crate::modules::ModuleError;
use crate::runtime::module_map::WASM_INTERNAL;
use crate::runtime::state::State;
use crate::runtime::v8_util::{boundary, v8_str};
use crate::runtime::{exceptions, linking, trampoline, wasm_esm};

/// A JSON module: its document is the default export.
pub(crate) fn json_module<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    state: &Rc<State>,
    url: &str,
    code: &[u8],
) -> std::result::Result<v8::Local<'s, v8::Module>, ModuleError> {
    let text = std::str::from_utf8(code).map_err(|_| ModuleError::NotUtf8)?;
    // Check with serde first for a located error message.
    serde_json::from_str::<serde::de::IgnoredAny>(text)
        .map_err(|e| ModuleError::Json(e.to_string()))?;
    let s = v8_str(scope, text);
    let value = v8::json::parse(scope, s)
        .ok_or_else(|| ModuleError::Json("V8 rejected the document".into()))?;
    // A JSON module has only a default export.
    Ok(value_module(scope, state, url, value, false))
}

fn resolved_promise<'s>(scope: &mut v8::PinScope<'s, '_>) -> Option<v8::Local<'s, v8::Value>> {
    let resolver = v8::PromiseResolver::new(scope)?;
    let undefined = v8::undefined(scope).into();
    resolver.resolve(scope, undefined);
    Some(resolver.get_promise(scope).into())
}

/// Calls `internals[name](args...)` in warren's JS layer (loading the Node layer first).
fn call_internal<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    state: &Rc<State>,
    name: &str,
    args: &[v8::Local<'s, v8::Value>],
) -> Result<v8::Local<'s, v8::Value>> {
    let internals = state
        .internals
        .borrow()
        .as_ref()
        .map(|g| v8::Local::new(scope, g))
        .ok_or_else(|| Error::Other("warren's JS layer is not initialised".into()))?;
    v8::tc_scope!(let tc, scope);
    let load_key = v8_str(tc, "load");
    let load = internals
        .get(tc, load_key.into())
        .and_then(|f| v8::Local::<v8::Function>::try_from(f).ok())
        .ok_or_else(|| Error::Other("internals.load missing".into()))?;
    let node = v8_str(tc, "node").into();
    if load.call(tc, internals.into(), &[node]).is_none() {
        return Err(exceptions::caught(tc));
    }
    let key = v8_str(tc, name);
    let f = internals
        .get(tc, key.into())
        .and_then(|f| v8::Local::<v8::Function>::try_from(f).ok())
        .ok_or_else(|| Error::Other(format!("internals.{name} missing")))?;
    match f.call(tc, internals.into(), args) {
        Some(v) => Ok(v),
        None => Err(exceptions::caught(tc)),
    }
}

/// A synthetic module exporting `default` = `value` and, with `named`, when `value` is an
/// object, each of its own string keys (as Node exposes CommonJS and built-in modules to
/// ESM).
fn value_module<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    state: &Rc<State>,
    url: &str,
    value: v8::Local<'s, v8::Value>,
    named: bool,
) -> v8::Local<'s, v8::Module> {
    let mut names = vec!["default".to_string()];
    if named
        && let Some(obj) = value
            .to_object(scope)
            .filter(|_| value.is_object() || value.is_function())
        && let Some(keys) = obj.get_own_property_names(scope, Default::default())
    {
        for i in 0..keys.length() {
            if let Some(k) = keys.get_index(scope, i) {
                let k = k.to_rust_string_lossy(scope);
                if k != "default" && !names.contains(&k) {
                    names.push(k);
                }
            }
        }
    }
    state
        .modules
        .borrow_mut()
        .json
        .insert(url.to_string(), (v8::Global::new(scope, value), named));
    let names: Vec<v8::Local<v8::String>> = names.iter().map(|n| v8_str(scope, n)).collect();
    let name = v8_str(scope, url);
    v8::Module::create_synthetic_module(scope, name, &names, value_module_evaluate)
}

fn value_module_evaluate<'s>(
    context: v8::Local<'s, v8::Context>,
    module: v8::Local<v8::Module>,
) -> Option<v8::Local<'s, v8::Value>> {
    // SAFETY: V8 calls this while evaluating the module, on the isolate's thread, with
    // `context` entered.
    v8::callback_scope!(unsafe scope, context);
    boundary(scope, "evaluating a synthetic module", |scope| {
        value_module_evaluate_body(scope, module)
    })
}

fn value_module_evaluate_body<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    module: v8::Local<v8::Module>,
) -> Option<v8::Local<'s, v8::Value>> {
    let state = State::get(scope);
    let (value, named) = {
        let map = state.modules.borrow();
        let url = map.url_of(scope, module)?;
        let (value, named) = map.json.get(&url)?;
        (v8::Local::new(scope, value), *named)
    };
    let key = v8_str(scope, "default");
    module.set_synthetic_module_export(scope, key, value)?;
    if named
        && let Some(obj) = value
            .to_object(scope)
            .filter(|_| value.is_object() || value.is_function())
        && let Some(keys) = obj.get_own_property_names(scope, Default::default())
    {
        for i in 0..keys.length() {
            let Some(k) = keys.get_index(scope, i) else {
                continue;
            };
            if k.to_rust_string_lossy(scope) == "default" {
                continue;
            }
            let v = obj
                .get(scope, k)
                .unwrap_or_else(|| v8::undefined(scope).into());
            let Ok(k) = v8::Local::<v8::String>::try_from(k) else {
                continue;
            };
            module.set_synthetic_module_export(scope, k, v)?;
        }
    }
    resolved_promise(scope)
}

/// Runs a CommonJS module (its text as loaded) through the Node layer's loader and wraps
/// its `module.exports`.
pub(crate) fn commonjs_module<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    state: &Rc<State>,
    url: &str,
    text: &str,
) -> Result<v8::Local<'s, v8::Module>> {
    let path = Url::parse(url)
        .ok()
        .and_then(|u| u.to_file_path().ok())
        .ok_or_else(|| {
            Error::module(
                format!("cannot load {url}"),
                ModuleError::InvalidSpecifier("a CommonJS module must be a file".into()),
            )
        })?;
    let is_main = state.modules.borrow().main.as_deref() == Some(url);
    let filename = v8_str(scope, &path.to_string_lossy()).into();
    let main = v8::Boolean::new(scope, is_main).into();
    let source = v8_str(scope, text).into();
    let exports = call_internal(scope, state, "requireFile", &[filename, main, source])?;
    Ok(value_module(scope, state, url, exports, true))
}

/// `node:NAME`: the Node layer's module object; `None` when it has no such module.
pub(crate) fn node_builtin<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    state: &Rc<State>,
    url: &str,
) -> Result<Option<v8::Local<'s, v8::Module>>> {
    let name = v8_str(scope, url).into();
    let value = call_internal(scope, state, "nodeModule", &[name])?;
    if value.is_undefined() {
        return Ok(None);
    }
    Ok(Some(value_module(scope, state, url, value, true)))
}

/// `host:NAME`: a module exporting the Linker's functions of that namespace; `None` when
/// the Linker has none.
pub(crate) fn host_module<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    state: &Rc<State>,
    url: &str,
) -> Option<v8::Local<'s, v8::Module>> {
    let names: Vec<String> = linking::host_module_exports(state, url)?
        .into_iter()
        .map(|(_, n)| n)
        .collect();
    Some(synthetic(scope, url, &names))
}

/// `warren:internal/wasm`, whose `instantiate` the Wasm wrappers call.
pub(crate) fn wasm_internal<'s>(scope: &mut v8::PinScope<'s, '_>) -> v8::Local<'s, v8::Module> {
    synthetic(scope, WASM_INTERNAL, &["instantiate".to_string()])
}

fn synthetic<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    url: &str,
    names: &[String],
) -> v8::Local<'s, v8::Module> {
    let names: Vec<v8::Local<v8::String>> = names.iter().map(|n| v8_str(scope, n)).collect();
    let module_name = v8_str(scope, url);
    v8::Module::create_synthetic_module(scope, module_name, &names, builtin_evaluate)
}

fn builtin_evaluate<'s>(
    context: v8::Local<'s, v8::Context>,
    module: v8::Local<v8::Module>,
) -> Option<v8::Local<'s, v8::Value>> {
    // SAFETY: V8 calls this while evaluating the module, on the isolate's thread, with
    // `context` entered.
    v8::callback_scope!(unsafe scope, context);
    boundary(scope, "evaluating a built-in module", |scope| {
        builtin_evaluate_body(scope, module)
    })
}

fn builtin_evaluate_body<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    module: v8::Local<v8::Module>,
) -> Option<v8::Local<'s, v8::Value>> {
    let state = State::get(scope);
    let url = state.modules.borrow().url_of(scope, module)?;
    if url == WASM_INTERNAL {
        let f = v8::Function::builder(wasm_esm::op_wasm_instantiate).build(scope)?;
        let key = v8_str(scope, "instantiate");
        module.set_synthetic_module_export(scope, key, f.into())?;
        return resolved_promise(scope);
    }
    let funcs = linking::host_module_exports(&state, &url)?;
    drop(state);
    for (id, name) in funcs {
        let f = trampoline::host_function(scope, id, None, &name)?;
        let key = v8_str(scope, &name);
        module.set_synthetic_module_export(scope, key, f.into())?;
    }
    resolved_promise(scope)
}
