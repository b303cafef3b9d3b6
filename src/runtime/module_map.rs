//! The module map: every module of the context by URL (and back), what the loader resolved
//! for each request, Wasm records and synthetic modules' values; and the V8 callbacks that
//! only look things up in it (instantiation's resolve callbacks, `import.meta`).

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

/// A Wasm module V8 compiled, and where its code came from when it was instrumented.
pub(crate) type CompiledWasm = (
    v8::Global<v8::WasmModuleObject>,
    Option<std::sync::Arc<crate::fuel::OffsetMap>>,
);

use url::Url;

use crate::error::{Error, Result};
use crate::runtime::exceptions;
use crate::runtime::state::State;
use crate::runtime::v8_util::{OpError, boundary, guarded, v8_str};
use crate::wasm::ModuleInfo;

/// The specifier of warren's internal module that instantiates Wasm for ESM wrappers.
pub(crate) const WASM_INTERNAL: &str = "warren:internal/wasm";

/// A Wasm module loaded as an ES module.
pub(crate) struct WasmRecord {
    pub module: v8::Global<v8::WasmModuleObject>,
    pub info: Arc<ModuleInfo>,
    /// The instance slot, once the wrapper has instantiated it.
    pub slot: Option<usize>,
    /// Import modules that did not resolve, with why: reported when the wrapper is
    /// evaluated (a source-phase import never evaluates it, so it does not fail).
    pub unresolved: Vec<(String, String)>,
}

/// Every module of the context, by URL, and what the loader resolved.
#[derive(Default)]
pub(crate) struct ModuleMap {
    pub by_url: HashMap<String, v8::Global<v8::Module>>,
    pub by_hash: HashMap<i32, Vec<(v8::Global<v8::Module>, String)>>,
    pub main: Option<String>,
    /// (referrer URL, specifier) -> resolved URL, recorded while loading.
    pub resolutions: HashMap<(String, String), String>,
    pub wasm: HashMap<String, WasmRecord>,
    /// Values of synthetic modules: JSON documents, `module.exports` of CommonJS modules
    /// and Node built-in module objects, by URL.
    pub json: HashMap<String, (v8::Global<v8::Value>, bool)>,
    /// Compiled Wasm by its bytes: the same module imported under two URLs compiles once.
    pub compiled: HashMap<Vec<u8>, CompiledWasm>,
}

impl ModuleMap {
    pub fn insert(&mut self, scope: &v8::PinScope, url: &str, module: v8::Local<v8::Module>) {
        let global = v8::Global::new(scope, module);
        self.by_url.insert(url.to_string(), global.clone());
        self.by_hash
            .entry(module.get_identity_hash().get())
            .or_default()
            .push((global, url.to_string()));
    }

    pub fn get<'s>(
        &self,
        scope: &v8::PinScope<'s, '_>,
        url: &str,
    ) -> Option<v8::Local<'s, v8::Module>> {
        self.by_url.get(url).map(|g| v8::Local::new(scope, g))
    }

    pub fn url_of(&self, scope: &v8::PinScope, module: v8::Local<v8::Module>) -> Option<String> {
        self.by_hash
            .get(&module.get_identity_hash().get())?
            .iter()
            .find(|(g, _)| v8::Local::new(scope, g) == module)
            .map(|(_, u)| u.clone())
    }

    pub fn resolved(&self, referrer: &str, spec: &str) -> Option<&String> {
        self.resolutions
            .get(&(referrer.to_string(), spec.to_string()))
    }
}

fn lookup<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    specifier: v8::Local<'s, v8::String>,
    referrer: v8::Local<'s, v8::Module>,
) -> Option<(String, v8::Local<'s, v8::Module>)> {
    let state = State::get(scope);
    let map = state.modules.borrow();
    let spec = specifier.to_rust_string_lossy(scope);
    let found = map
        .url_of(scope, referrer)
        .and_then(|r| map.resolved(&r, &spec).cloned())
        .and_then(|u| map.get(scope, &u).map(|m| (u, m)));
    drop(map);
    if found.is_none() {
        let msg = v8_str(scope, &format!("module \"{spec}\" was not loaded"));
        let exc = v8::Exception::error(scope, msg);
        scope.throw_exception(exc);
    }
    found
}

/// The resolve callback for instantiation: a pure lookup in the module map.
pub(crate) fn resolve_callback<'s>(
    context: v8::Local<'s, v8::Context>,
    specifier: v8::Local<'s, v8::String>,
    _import_attributes: v8::Local<'s, v8::FixedArray>,
    referrer: v8::Local<'s, v8::Module>,
) -> Option<v8::Local<'s, v8::Module>> {
    // SAFETY: V8 calls this during `instantiate_module2`, on the isolate's thread, with
    // `context` alive; no other scope is in use meanwhile.
    v8::callback_scope!(unsafe scope, context);
    boundary(scope, "module resolution", |scope| {
        lookup(scope, specifier, referrer).map(|(_, m)| m)
    })
}

/// The source-phase resolve callback: `import source m from "./m.wasm"` gets the compiled
/// `WebAssembly.Module`.
pub(crate) fn resolve_source_callback<'s>(
    context: v8::Local<'s, v8::Context>,
    specifier: v8::Local<'s, v8::String>,
    _import_attributes: v8::Local<'s, v8::FixedArray>,
    referrer: v8::Local<'s, v8::Module>,
) -> Option<v8::Local<'s, v8::Object>> {
    // SAFETY: as in `resolve_callback`: called during instantiation on the isolate's thread.
    v8::callback_scope!(unsafe scope, context);
    boundary(scope, "source-phase module resolution", |scope| {
        resolve_source(scope, specifier, referrer)
    })
}

fn resolve_source<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    specifier: v8::Local<'s, v8::String>,
    referrer: v8::Local<'s, v8::Module>,
) -> Option<v8::Local<'s, v8::Object>> {
    let (url, _) = lookup(scope, specifier, referrer)?;
    let state = State::get(scope);
    let module = state
        .modules
        .borrow()
        .wasm
        .get(&url)
        .map(|r| v8::Local::new(scope, &r.module));
    match module {
        Some(m) => Some(m.into()),
        None => {
            let msg = v8_str(
                scope,
                &format!(
                    "{url} has no source phase: only Wasm modules can be imported with `import source`"
                ),
            );
            let exc = v8::Exception::syntax_error(scope, msg);
            scope.throw_exception(exc);
            None
        }
    }
}

/// Instantiates a loaded graph's root.
pub(crate) fn instantiate(scope: &mut v8::PinScope, module: v8::Local<v8::Module>) -> Result<()> {
    if module.get_status() != v8::ModuleStatus::Uninstantiated {
        return Ok(());
    }
    v8::tc_scope!(let tc, scope);
    match module.instantiate_module2(tc, resolve_callback, resolve_source_callback) {
        Some(true) => Ok(()),
        _ => Err(exceptions::caught(tc)),
    }
}

/// The module at `url`, once loaded.
pub(crate) fn get_module<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    url: &str,
) -> Option<v8::Local<'s, v8::Module>> {
    State::get(scope).modules.borrow().get(scope, url)
}

/// Marks `url` as the main module (`import.meta.main`).
pub(crate) fn set_main(scope: &mut v8::PinScope, url: &str) {
    State::get(scope)
        .modules
        .borrow_mut()
        .main
        .get_or_insert(url.to_string());
}

/// The instance a Wasm module loaded as ESM got, once evaluated.
pub(crate) fn wasm_slot(scope: &mut v8::PinScope, url: &str) -> Option<usize> {
    State::get(scope).modules.borrow().wasm.get(url)?.slot
}

/// Fills `import.meta`: `url`, `main`, `filename`, `dirname`, `resolve()`.
pub(crate) extern "C" fn import_meta_callback(
    context: v8::Local<v8::Context>,
    module: v8::Local<v8::Module>,
    meta: v8::Local<v8::Object>,
) {
    // SAFETY: V8 calls this on the isolate's thread the first time a module's
    // `import.meta` is read, with `context` entered.
    v8::callback_scope!(unsafe scope, context);
    boundary(scope, "import.meta", |scope| {
        fill_import_meta(scope, module, meta);
        Some(())
    });
}

fn fill_import_meta(
    scope: &mut v8::PinScope,
    module: v8::Local<v8::Module>,
    meta: v8::Local<v8::Object>,
) {
    let state = State::get(scope);
    let (url, is_main) = {
        let map = state.modules.borrow();
        let url = map.url_of(scope, module).unwrap_or_default();
        let is_main = map.main.as_deref() == Some(url.as_str());
        (url, is_main)
    };
    let set = |scope: &mut v8::PinScope, k: &str, v: v8::Local<v8::Value>| {
        let k = v8_str(scope, k);
        meta.create_data_property(scope, k.into(), v);
    };
    let v = v8_str(scope, &url).into();
    set(scope, "url", v);
    let v = v8::Boolean::new(scope, is_main).into();
    set(scope, "main", v);
    if let Some(path) = Url::parse(&url).ok().and_then(|u| u.to_file_path().ok()) {
        let v = v8_str(scope, &path.to_string_lossy()).into();
        set(scope, "filename", v);
        if let Some(dir) = path.parent() {
            let v = v8_str(scope, &dir.to_string_lossy()).into();
            set(scope, "dirname", v);
        }
    }
    let data = v8_str(scope, &url);
    if let Some(f) = v8::Function::builder(import_meta_resolve)
        .data(data.into())
        .build(scope)
    {
        set(scope, "resolve", f.into());
    }
}

fn import_meta_resolve<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    args: v8::FunctionCallbackArguments<'s>,
    mut rv: v8::ReturnValue<'s, v8::Value>,
) {
    guarded(scope, "import.meta.resolve", |scope| {
        let referrer = args.data().to_rust_string_lossy(scope);
        let spec = args.get(0).to_rust_string_lossy(scope);
        let state = State::get(scope);
        let resolved = Url::parse(&referrer)
            .map_err(|e| e.to_string())
            .and_then(|base| {
                state
                    .loader
                    .resolve(&spec, &base)
                    .map_err(|e| e.to_string())
            });
        match resolved {
            Ok(u) => {
                rv.set(v8_str(scope, u.as_str()).into());
                Ok(())
            }
            Err(why) => Err(OpError::type_error(format!(
                "cannot resolve \"{spec}\" from {referrer}: {why}"
            ))),
        }
    });
}

/// Makes the namespace of the (loaded and evaluated) module at `path` the import namespace
/// `ns`.
pub(crate) fn register_js_namespace(scope: &mut v8::PinScope, ns: &str, path: &Path) -> Result<()> {
    let url = crate::modules::path_to_url(path)
        .map_err(|e| Error::module(format!("cannot load {}", path.display()), e))?;
    let state = State::get(scope);
    let module = state
        .modules
        .borrow()
        .get(scope, url.as_str())
        .ok_or_else(|| Error::Other(format!("{url} is not loaded")))?;
    let obj = module
        .get_module_namespace()
        .to_object(scope)
        .ok_or_else(|| Error::Other("module namespace is not an object".into()))?;
    state.set_namespace(ns, v8::Global::new(scope, obj), None);
    Ok(())
}
