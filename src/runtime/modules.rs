//! The ES module graph: the module map (URL <-> module), loading a graph of files,
//! specifier resolution, `import.meta` and dynamic `import()`.
//!
//! Loading reads and compiles every module of the graph first; instantiation then runs with a
//! resolve callback that is a pure lookup in the map.

use std::collections::HashMap;
use std::path::Path;

use url::Url;

use crate::error::{Error, Result};
use crate::runtime::exceptions;
use crate::runtime::state::State;
use crate::runtime::{script_origin, v8_str};

/// Every module of the context, by URL, and the URL of every module.
#[derive(Default)]
pub(crate) struct ModuleMap {
    by_url: HashMap<String, v8::Global<v8::Module>>,
    by_hash: HashMap<i32, Vec<(v8::Global<v8::Module>, String)>>,
    main: Option<String>,
}

impl ModuleMap {
    fn insert(&mut self, scope: &v8::PinScope, url: &str, module: v8::Local<v8::Module>) {
        let global = v8::Global::new(scope, module);
        self.by_url.insert(url.to_string(), global.clone());
        self.by_hash
            .entry(module.get_identity_hash().get())
            .or_default()
            .push((global, url.to_string()));
    }

    fn get<'s>(
        &self,
        scope: &v8::PinScope<'s, '_>,
        url: &str,
    ) -> Option<v8::Local<'s, v8::Module>> {
        self.by_url.get(url).map(|g| v8::Local::new(scope, g))
    }

    fn url_of(&self, scope: &v8::PinScope, module: v8::Local<v8::Module>) -> Option<String> {
        self.by_hash
            .get(&module.get_identity_hash().get())?
            .iter()
            .find(|(g, _)| v8::Local::new(scope, g) == module)
            .map(|(_, u)| u.clone())
    }
}

/// Resolves `specifier` as imported by the module at `referrer`.
pub(crate) fn resolve(specifier: &str, referrer: &str) -> std::result::Result<Url, String> {
    if let Ok(url) = Url::parse(specifier) {
        return match url.scheme() {
            "file" | "host" => Ok(url),
            s => Err(format!("unsupported URL scheme \"{s}:\"")),
        };
    }
    if specifier.starts_with("./") || specifier.starts_with("../") || specifier.starts_with('/') {
        let base = Url::parse(referrer).map_err(|e| format!("bad referrer URL {referrer}: {e}"))?;
        return base.join(specifier).map_err(|e| e.to_string());
    }
    Err("bare specifiers need a node_modules folder or an import map".into())
}

/// Loads the module at `path` and everything it imports statically. Returns the root.
pub(crate) fn load_graph<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    path: &Path,
) -> Result<v8::Local<'s, v8::Module>> {
    let url = Url::from_file_path(path)
        .map_err(|_| Error::Other(format!("{} is not an absolute path", path.display())))?;
    let state = State::get(scope);
    state
        .modules
        .borrow_mut()
        .main
        .get_or_insert(url.to_string());
    load_url(scope, url.as_str(), None)
}

fn load_url<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    root: &str,
    importer: Option<String>,
) -> Result<v8::Local<'s, v8::Module>> {
    let state = State::get(scope);
    let mut queue: Vec<(String, Option<String>)> = vec![(root.to_string(), importer)];
    while let Some((url, importer)) = queue.pop() {
        if state.modules.borrow().by_url.contains_key(&url) {
            continue;
        }
        let module = if let Some(name) = url.strip_prefix("host:") {
            host_module(scope, &url, name, importer.as_deref())?
        } else {
            compile_url(scope, &url, importer.as_deref())?
        };
        state.modules.borrow_mut().insert(scope, &url, module);
        let requests = module.get_module_requests();
        for i in 0..requests.length() {
            let Some(req) = requests.get(scope, i) else {
                continue;
            };
            let Ok(req) = v8::Local::<v8::ModuleRequest>::try_from(req) else {
                continue;
            };
            let spec = req.get_specifier().to_rust_string_lossy(scope);
            let loc = module.source_offset_to_location(req.get_source_offset());
            let at = format!(
                "{url}:{}:{}",
                loc.get_line_number() + 1,
                loc.get_column_number() + 1
            );
            match resolve(&spec, &url) {
                Ok(dep) => {
                    let dep = dep.to_string();
                    if !state.modules.borrow().by_url.contains_key(&dep) {
                        queue.push((dep, Some(at)));
                    }
                }
                Err(why) => {
                    return Err(Error::Other(format!(
                        "cannot resolve \"{spec}\" imported from {at}: {why}"
                    )));
                }
            }
        }
    }
    let map = state.modules.borrow();
    map.get(scope, root)
        .ok_or_else(|| Error::Other(format!("module {root} vanished from the module map")))
}

fn compile_url<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    url: &str,
    importer: Option<&str>,
) -> Result<v8::Local<'s, v8::Module>> {
    let parsed = Url::parse(url).map_err(|e| Error::Other(format!("bad module URL {url}: {e}")))?;
    let path = parsed
        .to_file_path()
        .map_err(|_| Error::Other(format!("cannot load {url}: not a file path")))?;
    let source = std::fs::read_to_string(&path).map_err(|e| match importer {
        Some(at) => Error::Other(format!("cannot load \"{url}\" imported from {at}: {e}")),
        None => Error::io(&path, e),
    })?;
    v8::tc_scope!(let tc, scope);
    let src = v8_str(tc, &source);
    let name = v8_str(tc, url);
    let origin = script_origin(tc, name.into(), true);
    let mut source = v8::script_compiler::Source::new(src, Some(&origin));
    match v8::script_compiler::compile_module(tc, &mut source) {
        Some(m) => Ok(m),
        None => Err(exceptions::caught(tc)),
    }
}

/// A synthetic module exporting the host functions of `host:NAME`.
fn host_module<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    url: &str,
    name: &str,
    importer: Option<&str>,
) -> Result<v8::Local<'s, v8::Module>> {
    let state = State::get(scope);
    let Some(funcs) = crate::runtime::host::host_module_exports(&state, url) else {
        let at = importer
            .map(|i| format!(" imported from {i}"))
            .unwrap_or_default();
        return Err(Error::Other(format!(
            "cannot resolve \"{url}\"{at}: no host module named \"{name}\" is registered"
        )));
    };
    let names: Vec<v8::Local<v8::String>> = funcs.iter().map(|(_, n)| v8_str(scope, n)).collect();
    let module_name = v8_str(scope, url);
    Ok(v8::Module::create_synthetic_module(
        scope,
        module_name,
        &names,
        host_module_evaluate,
    ))
}

fn host_module_evaluate<'s>(
    context: v8::Local<'s, v8::Context>,
    module: v8::Local<v8::Module>,
) -> Option<v8::Local<'s, v8::Value>> {
    v8::callback_scope!(unsafe scope, context);
    let state = State::get(scope);
    let url = state.modules.borrow().url_of(scope, module)?;
    let funcs = crate::runtime::host::host_module_exports(&state, &url)?;
    drop(state);
    for (id, name) in funcs {
        let f = crate::runtime::host::host_function(scope, id, None, &name)?;
        let key = v8_str(scope, &name);
        module.set_synthetic_module_export(scope, key, f.into())?;
    }
    // Evaluation of a module yields a promise (top-level await semantics).
    let resolver = v8::PromiseResolver::new(scope)?;
    let undefined = v8::undefined(scope).into();
    resolver.resolve(scope, undefined);
    Some(resolver.get_promise(scope).into())
}

/// Makes the namespace of the (loaded and evaluated) module at `path` the import namespace
/// `ns`.
pub(crate) fn register_js_namespace(scope: &mut v8::PinScope, ns: &str, path: &Path) -> Result<()> {
    let url = Url::from_file_path(path)
        .map_err(|_| Error::Other(format!("{} is not an absolute path", path.display())))?;
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

/// The resolve callback for instantiation: a pure lookup in the module map.
pub(crate) fn resolve_callback<'s>(
    context: v8::Local<'s, v8::Context>,
    specifier: v8::Local<'s, v8::String>,
    _import_attributes: v8::Local<'s, v8::FixedArray>,
    referrer: v8::Local<'s, v8::Module>,
) -> Option<v8::Local<'s, v8::Module>> {
    v8::callback_scope!(unsafe scope, context);
    let state = State::get(scope);
    let map = state.modules.borrow();
    let spec = specifier.to_rust_string_lossy(scope);
    let found = map
        .url_of(scope, referrer)
        .and_then(|r| resolve(&spec, &r).ok())
        .and_then(|u| map.get(scope, u.as_str()));
    drop(map);
    if found.is_none() {
        let msg = v8_str(scope, &format!("module \"{spec}\" was not loaded"));
        let exc = v8::Exception::error(scope, msg);
        scope.throw_exception(exc);
    }
    found
}

/// Fills `import.meta`: `url`, `main`, `filename`, `dirname`, `resolve()`.
pub(crate) extern "C" fn import_meta_callback(
    context: v8::Local<v8::Context>,
    module: v8::Local<v8::Module>,
    meta: v8::Local<v8::Object>,
) {
    v8::callback_scope!(unsafe scope, context);
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
    let referrer = args.data().to_rust_string_lossy(scope);
    let spec = args.get(0).to_rust_string_lossy(scope);
    match resolve(&spec, &referrer) {
        Ok(u) => rv.set(v8_str(scope, u.as_str()).into()),
        Err(why) => {
            let msg = v8_str(
                scope,
                &format!("cannot resolve \"{spec}\" from {referrer}: {why}"),
            );
            let exc = v8::Exception::type_error(scope, msg);
            scope.throw_exception(exc);
        }
    }
}

/// `import(specifier)`: load, instantiate and evaluate, then settle with the namespace.
pub(crate) fn dynamic_import_callback<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    _host_defined_options: v8::Local<'s, v8::Data>,
    resource_name: v8::Local<'s, v8::Value>,
    specifier: v8::Local<'s, v8::String>,
    _import_attributes: v8::Local<'s, v8::FixedArray>,
) -> Option<v8::Local<'s, v8::Promise>> {
    let resolver = v8::PromiseResolver::new(scope)?;
    let promise = resolver.get_promise(scope);
    let referrer = resource_name.to_rust_string_lossy(scope);
    let spec = specifier.to_rust_string_lossy(scope);
    let outcome = dynamic_import(scope, &spec, &referrer);
    match outcome {
        Ok(p) => Some(p),
        Err(e) => {
            let msg = v8_str(scope, &e.to_string());
            let exc = v8::Exception::type_error(scope, msg);
            resolver.reject(scope, exc);
            Some(promise)
        }
    }
}

fn dynamic_import<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    spec: &str,
    referrer: &str,
) -> Result<v8::Local<'s, v8::Promise>> {
    let url = resolve(spec, referrer).map_err(|why| {
        Error::Other(format!(
            "cannot resolve \"{spec}\" imported from {referrer}: {why}"
        ))
    })?;
    let module = load_url(scope, url.as_str(), Some(referrer.to_string()))?;
    v8::tc_scope!(let tc, scope);
    if module.get_status() == v8::ModuleStatus::Uninstantiated
        && module.instantiate_module(tc, resolve_callback).is_none()
    {
        return Err(exceptions::caught(tc));
    }
    let Some(result) = module.evaluate(tc) else {
        return Err(exceptions::caught(tc));
    };
    let eval = v8::Local::<v8::Promise>::try_from(result)
        .map_err(|_| Error::Other("module evaluation did not return a promise".into()))?;
    let ns = module.get_module_namespace();
    let then = v8::Function::builder(return_data)
        .data(ns)
        .build(tc)
        .ok_or_else(|| Error::Other("cannot create function".into()))?;
    eval.then(tc, then)
        .ok_or_else(|| Error::Other("cannot chain the evaluation promise".into()))
}

fn return_data<'s>(
    _scope: &mut v8::PinScope<'s, '_>,
    args: v8::FunctionCallbackArguments<'s>,
    mut rv: v8::ReturnValue<'s, v8::Value>,
) {
    rv.set(args.data());
}
