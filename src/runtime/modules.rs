//! The ES module graph inside V8: the module map (URL <-> module), asynchronous graph
//! loading through a [`ModuleLoader`], JSON, `host:` and Wasm/WAT modules (ESM integration),
//! source-phase imports, `import.meta` and dynamic `import()`.
//!
//! A graph is loaded first (every module fetched, compiled and its requests resolved and
//! recorded); instantiation then runs with resolve callbacks that are pure lookups.

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::Path;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll};

use url::Url;

use crate::error::{Error, Result};
use crate::modules::{LoadFuture, ModuleKind, ModuleSource};
use crate::runtime::state::State;
use crate::runtime::{exceptions, host, script_origin, v8_str};
use crate::wasm::{ExternType, ModuleInfo};

/// The specifier of warren's internal module that instantiates Wasm for ESM wrappers.
const WASM_INTERNAL: &str = "warren:internal/wasm";

/// A Wasm module loaded as an ES module.
pub(crate) struct WasmRecord {
    pub module: v8::Global<v8::WasmModuleObject>,
    pub info: Arc<ModuleInfo>,
    /// The instance slot, once the wrapper has instantiated it.
    pub slot: Option<usize>,
    /// Import modules that did not resolve, with why: reported when the wrapper is
    /// evaluated (a source-phase import never evaluates it, so it does not fail).
    unresolved: Vec<(String, String)>,
}

/// Every module of the context, by URL, and what the loader resolved.
#[derive(Default)]
pub(crate) struct ModuleMap {
    by_url: HashMap<String, v8::Global<v8::Module>>,
    by_hash: HashMap<i32, Vec<(v8::Global<v8::Module>, String)>>,
    main: Option<String>,
    /// (referrer URL, specifier) -> resolved URL, recorded while loading.
    resolutions: HashMap<(String, String), String>,
    pub wasm: HashMap<String, WasmRecord>,
    /// Values of synthetic modules: JSON documents, `module.exports` of CommonJS modules
    /// and Node built-in module objects, by URL.
    json: HashMap<String, (v8::Global<v8::Value>, bool)>,
    /// Compiled Wasm by its bytes: the same module imported under two URLs compiles once.
    compiled: HashMap<Vec<u8>, v8::Global<v8::WasmModuleObject>>,
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

    pub fn get<'s>(
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

    fn resolved(&self, referrer: &str, spec: &str) -> Option<&String> {
        self.resolutions
            .get(&(referrer.to_string(), spec.to_string()))
    }
}

// ---- graph loading ----

/// One module waiting to be fetched.
struct Pending {
    url: Url,
    /// `"spec" imported from url:line:col`, for messages; `None` for a root.
    importer: Option<(String, String)>,
    /// The `type` import attribute (`json`), if any.
    expect: Option<String>,
}

/// A graph being loaded: a queue of URLs and at most one fetch in flight.
pub(crate) struct GraphLoad {
    pub root: Url,
    queue: VecDeque<Pending>,
    inflight: Option<(Pending, LoadFuture)>,
    seen: HashSet<String>,
}

impl GraphLoad {
    pub fn new(root: Url) -> Self {
        let mut queue = VecDeque::new();
        queue.push_back(Pending {
            url: root.clone(),
            importer: None,
            expect: None,
        });
        GraphLoad {
            root,
            queue,
            inflight: None,
            seen: HashSet::new(),
        }
    }
}

fn load_error(p: &Pending, why: &str) -> Error {
    match &p.importer {
        Some((spec, at)) => Error::Other(format!(
            "cannot resolve \"{spec}\" imported from {at}: {why}"
        )),
        None => Error::Other(format!("cannot load {}: {why}", p.url)),
    }
}

/// Drives a graph load: fetches, compiles and records modules until the whole graph is
/// in the map. The root is then ready to instantiate.
pub(crate) fn poll_graph(
    scope: &mut v8::PinScope,
    load: &mut GraphLoad,
    cx: &mut Context<'_>,
) -> Poll<Result<()>> {
    let state = State::get(scope);
    loop {
        if load.inflight.is_none() {
            let Some(p) = load.queue.pop_front() else {
                return Poll::Ready(Ok(()));
            };
            let key = p.url.to_string();
            if state.modules.borrow().by_url.contains_key(&key) || !load.seen.insert(key.clone()) {
                continue;
            }
            if p.url.scheme() == "node" {
                let module = node_builtin(scope, &state, &p)?;
                state.modules.borrow_mut().insert(scope, &key, module);
                continue;
            }
            if p.url.scheme() == "host" || key == WASM_INTERNAL {
                let module = synthetic_builtin(scope, &state, &p)?;
                state.modules.borrow_mut().insert(scope, &key, module);
                continue;
            }
            let fut = state.loader.load(&p.url);
            load.inflight = Some((p, fut));
        }
        let Some((_, fut)) = load.inflight.as_mut() else {
            continue;
        };
        let result = match fut.as_mut().poll(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(r) => r,
        };
        let Some((pending, _)) = load.inflight.take() else {
            continue;
        };
        let source = result.map_err(|why| load_error(&pending, &why))?;
        let deps = register(scope, &state, &pending, source)?;
        load.queue.extend(deps);
    }
}

/// Compiles a loaded source into a module, records it, and returns its dependencies.
fn register(
    scope: &mut v8::PinScope,
    state: &Rc<State>,
    pending: &Pending,
    source: ModuleSource,
) -> Result<Vec<Pending>> {
    let url = pending.url.to_string();
    let kind = if pending.expect.as_deref() == Some("json") {
        ModuleKind::Json
    } else {
        source.kind
    };
    if kind == ModuleKind::Json && pending.expect.as_deref() != Some("json") {
        return Err(load_error(
            pending,
            "this is a JSON module: import it with { type: \"json\" }",
        ));
    }
    let module = match kind {
        ModuleKind::JavaScript => {
            let text = String::from_utf8(source.code)
                .map_err(|_| load_error(pending, "the module is not valid UTF-8"))?;
            compile_js(scope, &url, &text)?
        }
        ModuleKind::Json => json_module(scope, state, &url, &source.code)
            .map_err(|why| load_error(pending, &why))?,
        ModuleKind::Wasm => wasm_module(scope, state, &url, &source.code)?,
        ModuleKind::CommonJs => commonjs_module(scope, state, &url)?,
    };
    state.modules.borrow_mut().insert(scope, &url, module);
    requests(scope, state, &url, module)
}

/// Resolves a module's requests, records the resolutions, and lists what to load.
fn requests(
    scope: &mut v8::PinScope,
    state: &Rc<State>,
    url: &str,
    module: v8::Local<v8::Module>,
) -> Result<Vec<Pending>> {
    let base = Url::parse(url).map_err(|e| Error::Other(format!("bad module URL {url}: {e}")))?;
    let reqs = module.get_module_requests();
    let mut out = Vec::new();
    for i in 0..reqs.length() {
        let Some(req) = reqs
            .get(scope, i)
            .and_then(|r| v8::Local::<v8::ModuleRequest>::try_from(r).ok())
        else {
            continue;
        };
        let spec = req.get_specifier().to_rust_string_lossy(scope);
        let loc = module.source_offset_to_location(req.get_source_offset());
        let at = format!(
            "{url}:{}:{}",
            loc.get_line_number() + 1,
            loc.get_column_number() + 1
        );
        let expect = import_type(scope, req);
        let resolved = if spec == WASM_INTERNAL {
            Ok(Url::parse(WASM_INTERNAL).map_err(|e| Error::Other(e.to_string()))?)
        } else {
            state.loader.resolve(&spec, &base)
        };
        let dep = resolved.map_err(|why| {
            Error::Other(format!(
                "cannot resolve \"{spec}\" imported from {at}: {why}"
            ))
        })?;
        state
            .modules
            .borrow_mut()
            .resolutions
            .insert((url.to_string(), spec.clone()), dep.to_string());
        out.push(Pending {
            url: dep,
            importer: Some((spec, at)),
            expect,
        });
    }
    Ok(out)
}

/// The `type` import attribute of a request, if present.
fn import_type(scope: &mut v8::PinScope, req: v8::Local<v8::ModuleRequest>) -> Option<String> {
    let attrs = req.get_import_attributes();
    let mut i = 0;
    while i + 1 < attrs.length() {
        let key = v8::Local::<v8::String>::try_from(attrs.get(scope, i)?).ok()?;
        if key.to_rust_string_lossy(scope) == "type" {
            let v = v8::Local::<v8::String>::try_from(attrs.get(scope, i + 1)?).ok()?;
            return Some(v.to_rust_string_lossy(scope));
        }
        i += 3;
    }
    None
}

fn compile_js<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    url: &str,
    text: &str,
) -> Result<v8::Local<'s, v8::Module>> {
    v8::tc_scope!(let tc, scope);
    let src = v8_str(tc, text);
    let name = v8_str(tc, url);
    let origin = script_origin(tc, name.into(), true);
    let mut source = v8::script_compiler::Source::new(src, Some(&origin));
    match v8::script_compiler::compile_module(tc, &mut source) {
        Some(m) => Ok(m),
        None => Err(exceptions::caught(tc)),
    }
}

// ---- JSON modules ----

fn json_module<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    state: &Rc<State>,
    url: &str,
    code: &[u8],
) -> std::result::Result<v8::Local<'s, v8::Module>, String> {
    let text = std::str::from_utf8(code).map_err(|_| "JSON is not valid UTF-8".to_string())?;
    // Check with serde first for a located error message.
    serde_json::from_str::<serde::de::IgnoredAny>(text)
        .map_err(|e| format!("invalid JSON: {e}"))?;
    let s = v8_str(scope, text);
    let value = v8::json::parse(scope, s).ok_or("invalid JSON")?;
    // A JSON module has only a default export.
    Ok(value_module(scope, state, url, value, false))
}

fn resolved_promise<'s>(scope: &mut v8::PinScope<'s, '_>) -> Option<v8::Local<'s, v8::Value>> {
    let resolver = v8::PromiseResolver::new(scope)?;
    let undefined = v8::undefined(scope).into();
    resolver.resolve(scope, undefined);
    Some(resolver.get_promise(scope).into())
}

// ---- CommonJS and Node built-ins: synthetic modules over a JS value ----

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
    v8::callback_scope!(unsafe scope, context);
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

/// Runs a CommonJS module through the Node layer's loader and wraps its `module.exports`.
fn commonjs_module<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    state: &Rc<State>,
    url: &str,
) -> Result<v8::Local<'s, v8::Module>> {
    let path = Url::parse(url)
        .ok()
        .and_then(|u| u.to_file_path().ok())
        .ok_or_else(|| Error::Other(format!("CommonJS module {url} is not a file")))?;
    let is_main = state.modules.borrow().main.as_deref() == Some(url);
    let filename = v8_str(scope, &path.to_string_lossy()).into();
    let main = v8::Boolean::new(scope, is_main).into();
    let exports = call_internal(scope, state, "requireFile", &[filename, main])?;
    Ok(value_module(scope, state, url, exports, true))
}

/// `node:NAME`: the Node layer's module object.
fn node_builtin<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    state: &Rc<State>,
    p: &Pending,
) -> Result<v8::Local<'s, v8::Module>> {
    let url = p.url.as_str();
    let name = v8_str(scope, url).into();
    let value = call_internal(scope, state, "nodeModule", &[name])?;
    if value.is_undefined() {
        let bare = url.strip_prefix("node:").unwrap_or(url);
        return Err(load_error(
            p,
            &format!("no Node built-in module named \"{bare}\""),
        ));
    }
    Ok(value_module(scope, state, url, value, true))
}

// ---- built-in synthetic modules: host:NAME and warren:internal/wasm ----

fn synthetic_builtin<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    state: &Rc<State>,
    p: &Pending,
) -> Result<v8::Local<'s, v8::Module>> {
    let url = p.url.as_str();
    let names: Vec<String> = if url == WASM_INTERNAL {
        vec!["instantiate".into()]
    } else {
        match host::host_module_exports(state, url) {
            Some(funcs) => funcs.into_iter().map(|(_, n)| n).collect(),
            None => {
                let name = url.strip_prefix("host:").unwrap_or(url);
                return Err(load_error(
                    p,
                    &format!("no host module named \"{name}\" is registered"),
                ));
            }
        }
    };
    let names: Vec<v8::Local<v8::String>> = names.iter().map(|n| v8_str(scope, n)).collect();
    let module_name = v8_str(scope, url);
    Ok(v8::Module::create_synthetic_module(
        scope,
        module_name,
        &names,
        builtin_evaluate,
    ))
}

fn builtin_evaluate<'s>(
    context: v8::Local<'s, v8::Context>,
    module: v8::Local<v8::Module>,
) -> Option<v8::Local<'s, v8::Value>> {
    v8::callback_scope!(unsafe scope, context);
    let state = State::get(scope);
    let url = state.modules.borrow().url_of(scope, module)?;
    if url == WASM_INTERNAL {
        let f = v8::Function::builder(op_wasm_instantiate).build(scope)?;
        let key = v8_str(scope, "instantiate");
        module.set_synthetic_module_export(scope, key, f.into())?;
        return resolved_promise(scope);
    }
    let funcs = host::host_module_exports(&state, &url)?;
    drop(state);
    for (id, name) in funcs {
        let f = host::host_function(scope, id, None, &name)?;
        let key = v8_str(scope, &name);
        module.set_synthetic_module_export(scope, key, f.into())?;
    }
    resolved_promise(scope)
}

// ---- Wasm as ES modules ----

/// Compiles Wasm (or WAT) bytes and makes the JS wrapper module that instantiates them with
/// the module's imports (resolved as module specifiers) and re-exports its exports.
fn wasm_module<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    state: &Rc<State>,
    url: &str,
    code: &[u8],
) -> Result<v8::Local<'s, v8::Module>> {
    let parsed = Url::parse(url).ok();
    let path = parsed.as_ref().and_then(|u| u.to_file_path().ok());
    let bytes = crate::wasm::wat_to_wasm(path.as_deref(), code)?;
    let info = ModuleInfo::parse(&bytes).map_err(|e| match e {
        Error::InvalidWasm { offset, reason, .. } => Error::InvalidWasm {
            path: path.clone().or_else(|| Some(url.into())),
            offset,
            reason,
        },
        e => e,
    })?;
    let cached = state.modules.borrow().compiled.get(&bytes).cloned();
    let compiled = match cached {
        Some(c) => c,
        None => {
            v8::tc_scope!(let tc, scope);
            let c = match v8::WasmModuleObject::compile(tc, &bytes) {
                Some(m) => v8::Global::new(tc, m),
                None => {
                    let e = exceptions::caught(tc);
                    return Err(Error::Other(format!("cannot compile {url}: {e}")));
                }
            };
            state
                .modules
                .borrow_mut()
                .compiled
                .insert(bytes.clone(), c.clone());
            c
        }
    };
    let (source, unresolved) = wrapper_source(state, url, &info);
    state.modules.borrow_mut().wasm.insert(
        url.to_string(),
        WasmRecord {
            module: compiled,
            info: Arc::new(info),
            slot: None,
            unresolved,
        },
    );
    compile_js(scope, url, &source)
}

fn js_str(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

fn wrapper_source(
    state: &Rc<State>,
    url: &str,
    info: &ModuleInfo,
) -> (String, Vec<(String, String)>) {
    let base = Url::parse(url).ok();
    let mut unresolved: Vec<(String, String)> = Vec::new();
    // Host namespaces and preloads are filled in by Rust; every other import module is
    // imported as an ES module.
    let mut src = format!("import {{ instantiate }} from {};\n", js_str(WASM_INTERNAL));
    let mut modules: Vec<&str> = Vec::new();
    for imp in &info.imports {
        if host::host_namespace(state, &imp.module).is_some()
            || state.has_namespace(&imp.module)
            || modules.contains(&imp.module.as_str())
            || unresolved.iter().any(|(m, _)| m == &imp.module)
        {
            continue;
        }
        let resolved = match &base {
            Some(b) => state.loader.resolve(&imp.module, b),
            None => Err("bad module URL".into()),
        };
        match resolved {
            Ok(_) => modules.push(&imp.module),
            Err(why) => unresolved.push((imp.module.clone(), why)),
        }
    }
    src.push_str("const imports = {};\n");
    for (i, m) in modules.iter().enumerate() {
        src.push_str(&format!("import * as i{i} from {};\n", js_str(m)));
        src.push_str(&format!("imports[{}] = i{i};\n", js_str(m)));
    }
    src.push_str(&format!(
        "const w = instantiate({}, imports);\n",
        js_str(url)
    ));
    let has_default = info.exports.iter().any(|e| e.name == "default");
    if !has_default {
        src.push_str("export default w.module;\n");
    }
    for (i, e) in info.exports.iter().enumerate() {
        src.push_str(&format!(
            "const e{i} = w.exports[{}];\nexport {{ e{i} as {} }};\n",
            js_str(&e.name),
            js_str(&e.name)
        ));
    }
    (src, unresolved)
}

/// `instantiate(url, imports)` for Wasm wrappers: builds the import object (host functions
/// bound to the new instance, namespaces, and the imported ES modules), instantiates, and
/// returns `{ module, exports }` with globals unwrapped to their values.
fn op_wasm_instantiate<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    args: v8::FunctionCallbackArguments<'s>,
    mut rv: v8::ReturnValue<'s, v8::Value>,
) {
    let url = args.get(0).to_rust_string_lossy(scope);
    let modules = args.get(1);
    match wasm_instantiate(scope, &url, modules) {
        Ok(v) => rv.set(v),
        Err(msg) => {
            let ctors = State::get(scope).wasm_ctors();
            let msg = v8_str(scope, &msg);
            let err = v8::Exception::error(scope, msg);
            // A WebAssembly.LinkError, so `instanceof` works as for WebAssembly.instantiate.
            if let Some(obj) = err.to_object(scope) {
                let link = v8::Local::new(scope, &ctors.link_error);
                let proto_key = v8_str(scope, "prototype");
                if let Some(proto) = link.get(scope, proto_key.into()) {
                    obj.set_prototype(scope, proto);
                }
            }
            scope.throw_exception(err);
        }
    }
}

fn wasm_instantiate<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    url: &str,
    modules: v8::Local<'s, v8::Value>,
) -> std::result::Result<v8::Local<'s, v8::Value>, String> {
    let state = State::get(scope);
    let (module, info) = {
        let map = state.modules.borrow();
        let rec = map.wasm.get(url).ok_or("no such Wasm module")?;
        if !rec.unresolved.is_empty() {
            let lines: Vec<String> = rec
                .info
                .imports
                .iter()
                .filter_map(|i| {
                    let (_, why) = rec.unresolved.iter().find(|(m, _)| m == &i.module)?;
                    Some(format!(
                        "import \"{}\" \"{}\" ({}): cannot resolve \"{}\": {why}",
                        i.module, i.name, i.ty, i.module
                    ))
                })
                .collect();
            return Err(format!(
                "cannot instantiate {url}:\n  {}",
                lines.join("\n  ")
            ));
        }
        (v8::Local::new(scope, &rec.module), rec.info.clone())
    };
    let modules = modules.to_object(scope).ok_or("bad imports")?;
    let ctors = state.wasm_ctors();
    let modules = raw_wasm_namespaces(scope, &state, &ctors, url, &info, modules);
    let slot = ctors.reserve_slot();
    // Host namespaces and preloads come from Rust (bound to this instance); the rest from the
    // imported ES modules' namespaces.
    let (imports, jspi, missing) = host::build_esm_imports(scope, &info, slot, modules)?;
    if !missing.is_empty() {
        return Err(format!(
            "cannot instantiate {url}:\n  {}",
            missing.join("\n  ")
        ));
    }
    v8::tc_scope!(let tc, scope);
    let ctor = v8::Local::new(tc, &ctors.instance);
    let Some(instance) = ctor.new_instance(tc, &[module.into(), imports.into()]) else {
        if tc.has_terminated() {
            return Err("execution terminated".into());
        }
        let msg = tc
            .exception()
            .map(|e| e.to_rust_string_lossy(tc))
            .unwrap_or_default();
        return Err(format!("cannot instantiate {url}: {msg}"));
    };
    let key = v8_str(tc, "exports");
    let exports = instance
        .get(tc, key.into())
        .and_then(|v| v.to_object(tc))
        .ok_or("instance without exports")?;
    let handle = crate::runtime::wasm::make_instance(&ctors, slot, info.clone(), url, jspi);
    ctors.fill_slot(tc, slot, exports, imports, handle);
    if let Some(rec) = state.modules.borrow_mut().wasm.get_mut(url) {
        rec.slot = Some(slot);
    }
    // Globals are unwrapped to their values, as the ESM integration (and Node) expose them.
    let out_exports = v8::Object::new(tc);
    for e in &info.exports {
        let k = v8_str(tc, &e.name);
        let mut v = exports
            .get(tc, k.into())
            .unwrap_or_else(|| v8::undefined(tc).into());
        if matches!(e.ty, ExternType::Global { .. })
            && let Some(g) = v.to_object(tc)
        {
            let vk = v8_str(tc, "value");
            if let Some(val) = g.get(tc, vk.into()) {
                v = val;
            }
        }
        out_exports.set(tc, k.into(), v);
    }
    let result = v8::Object::new(tc);
    let k = v8_str(tc, "module");
    result.set(tc, k.into(), module.into());
    let k = v8_str(tc, "exports");
    result.set(tc, k.into(), out_exports.into());
    Ok(result.into())
}

/// The import namespaces for a Wasm module, with every imported *Wasm* module replaced by
/// its instance's own exports: a Wasm module importing a global from another one then shares
/// the `WebAssembly.Global` itself (writes on either side are seen by both), rather than the
/// snapshot of its value that the exporter's ES module namespace holds.
fn raw_wasm_namespaces<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    state: &Rc<State>,
    ctors: &crate::runtime::wasm::WasmCtors,
    url: &str,
    info: &ModuleInfo,
    modules: v8::Local<'s, v8::Object>,
) -> v8::Local<'s, v8::Object> {
    let out = v8::Object::new(scope);
    let mut seen: Vec<&str> = Vec::new();
    for imp in &info.imports {
        if seen.contains(&imp.module.as_str()) {
            continue;
        }
        seen.push(&imp.module);
        let key = v8_str(scope, &imp.module);
        let Some(ns) = modules.get(scope, key.into()).filter(|v| !v.is_undefined()) else {
            continue;
        };
        let raw = {
            let map = state.modules.borrow();
            map.resolved(url, &imp.module)
                .and_then(|target| map.wasm.get(target))
                .and_then(|rec| rec.slot)
        }
        .and_then(|slot| ctors.slot(scope, slot))
        .map(|(exports, _)| exports.into());
        out.set(scope, key.into(), raw.unwrap_or(ns));
    }
    out
}

// ---- instantiation callbacks ----

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
    v8::callback_scope!(unsafe scope, context);
    lookup(scope, specifier, referrer).map(|(_, m)| m)
}

/// The source-phase resolve callback: `import source m from "./m.wasm"` gets the compiled
/// `WebAssembly.Module`.
pub(crate) fn resolve_source_callback<'s>(
    context: v8::Local<'s, v8::Context>,
    specifier: v8::Local<'s, v8::String>,
    _import_attributes: v8::Local<'s, v8::FixedArray>,
    referrer: v8::Local<'s, v8::Module>,
) -> Option<v8::Local<'s, v8::Object>> {
    v8::callback_scope!(unsafe scope, context);
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
    let state = State::get(scope);
    let resolved = Url::parse(&referrer)
        .map_err(|e| e.to_string())
        .and_then(|base| state.loader.resolve(&spec, &base));
    match resolved {
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

// ---- dynamic import ----

/// A dynamic `import()` in progress: its graph load and the promise to settle.
pub(crate) struct DynamicImport {
    resolver: v8::Global<v8::PromiseResolver>,
    load: Option<GraphLoad>,
    error: Option<String>,
}

/// `import(specifier)`: queues a graph load that the event loop drives.
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
    let state = State::get(scope);
    let resolved = Url::parse(&referrer)
        .map_err(|e| format!("bad referrer {referrer}: {e}"))
        .and_then(|base| state.loader.resolve(&spec, &base));
    let (load, error) = match resolved {
        Ok(url) => {
            let mut load = GraphLoad::new(url);
            if let Some(p) = load.queue.front_mut() {
                p.importer = Some((spec, referrer));
            }
            (Some(load), None)
        }
        Err(why) => (
            None,
            Some(format!(
                "cannot resolve \"{spec}\" imported from {referrer}: {why}"
            )),
        ),
    };
    state.push_import(DynamicImport {
        resolver: v8::Global::new(scope, resolver),
        load,
        error,
    });
    Some(promise)
}

/// Drives pending dynamic imports; settles the finished ones. Returns how many settled.
pub(crate) fn poll_imports(
    scope: &mut v8::PinScope,
    state: &Rc<State>,
    cx: &mut Context<'_>,
) -> usize {
    let mut imports = state.take_imports();
    let mut settled = 0;
    imports.retain_mut(|imp| {
        let outcome: Result<Option<v8::Global<v8::Value>>> = match (&imp.error, &mut imp.load) {
            (Some(e), _) => Err(Error::Other(e.clone())),
            (None, Some(load)) => match poll_graph(scope, load, cx) {
                Poll::Pending => return true,
                Poll::Ready(Err(e)) => Err(e),
                Poll::Ready(Ok(())) => finish_import(scope, &load.root).map(Some),
            },
            (None, None) => Ok(None),
        };
        settled += 1;
        let resolver = v8::Local::new(scope, &imp.resolver);
        match outcome {
            Ok(Some(v)) => {
                let v = v8::Local::new(scope, &v);
                resolver.resolve(scope, v);
            }
            Ok(None) => {}
            Err(Error::Js(js)) => {
                // Re-throw the original exception value where there is one.
                let msg = v8_str(scope, &js.message);
                let exc = v8::Exception::error(scope, msg);
                resolver.reject(scope, exc);
            }
            Err(e) => {
                let msg = v8_str(scope, &e.to_string());
                let exc = v8::Exception::type_error(scope, msg);
                resolver.reject(scope, exc);
            }
        }
        false
    });
    state.return_imports(imports);
    settled
}

/// Instantiates and evaluates a dynamically imported graph; the value is a promise of its
/// namespace (settling after top-level await).
fn finish_import(scope: &mut v8::PinScope, root: &Url) -> Result<v8::Global<v8::Value>> {
    let module = get_module(scope, root.as_str())
        .ok_or_else(|| Error::Other(format!("{root} is not loaded")))?;
    instantiate(scope, module)?;
    v8::tc_scope!(let tc, scope);
    let Some(result) = module.evaluate(tc) else {
        return Err(exceptions::caught(tc));
    };
    let ns = module.get_module_namespace();
    let value: v8::Local<v8::Value> = match v8::Local::<v8::Promise>::try_from(result) {
        Ok(p) => {
            let then = v8::Function::builder(return_data)
                .data(ns)
                .build(tc)
                .ok_or_else(|| Error::Other("cannot create function".into()))?;
            p.then(tc, then)
                .ok_or_else(|| Error::Other("cannot chain the evaluation promise".into()))?
                .into()
        }
        Err(_) => ns,
    };
    Ok(v8::Global::new(tc, value))
}

fn return_data<'s>(
    _scope: &mut v8::PinScope<'s, '_>,
    args: v8::FunctionCallbackArguments<'s>,
    mut rv: v8::ReturnValue<'s, v8::Value>,
) {
    rv.set(args.data());
}

/// Makes the namespace of the (loaded and evaluated) module at `path` the import namespace
/// `ns`.
pub(crate) fn register_js_namespace(scope: &mut v8::PinScope, ns: &str, path: &Path) -> Result<()> {
    let url = crate::modules::path_to_url(path).map_err(Error::Other)?;
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
