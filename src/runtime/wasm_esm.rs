//! Wasm and WAT as ES modules (deno_core's pattern): compile the module once per distinct
//! bytes, generate a JS wrapper that imports the Wasm imports as module specifiers and calls
//! `warren:internal/wasm`'s `instantiate`, which links and instantiates through the shared
//! sequence and re-exports the exports (globals unwrapped to values).

use std::rc::Rc;

use url::Url;

use crate::error::{Error, Result};
use crate::runtime::instances::WasmCtors;
use crate::runtime::instantiate::Failure;
use crate::runtime::module_map::{WASM_INTERNAL, WasmRecord};
use crate::runtime::state::State;
use crate::runtime::v8_util::{boundary, v8_str};
use crate::runtime::{instantiate, linking};
use crate::wasm::{ExternType, ModuleInfo, WasmModule};

/// Compiles a Wasm module (once per distinct bytes), records it at `url`, and returns the
/// source of its JS wrapper module, which instantiates it with the module's imports
/// (resolved as module specifiers) and re-exports its exports.
pub(crate) fn wasm_module(
    scope: &mut v8::PinScope,
    state: &Rc<State>,
    url: &str,
    module: &WasmModule,
) -> Result<String> {
    let cached = state.modules.borrow().compiled.get(module.bytes()).cloned();
    let (compiled, offsets) = match cached {
        Some(c) => c,
        None => {
            let (m, offsets) = instantiate::compile(scope, module.bytes(), module.location())?;
            let c = (v8::Global::new(scope, m), offsets);
            state
                .modules
                .borrow_mut()
                .compiled
                .insert(module.bytes().to_vec(), c.clone());
            c
        }
    };
    let info = crate::wasm::ModuleInfo::with_code_offsets(module.info_arc(), offsets);
    let (source, unresolved) = wrapper_source(state, url, &info);
    state.modules.borrow_mut().wasm.insert(
        url.to_string(),
        WasmRecord {
            module: compiled,
            info,
            slot: None,
            unresolved,
        },
    );
    Ok(source)
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
        if linking::host_namespace(state, &imp.module).is_some()
            || state.has_namespace(&imp.module)
            || modules.contains(&imp.module.as_str())
            || unresolved.iter().any(|(m, _)| m == &imp.module)
        {
            continue;
        }
        let resolved = match &base {
            Some(b) => state
                .loader
                .resolve(&imp.module, b)
                .map_err(|e| e.to_string()),
            None => Err("bad module URL".to_string()),
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
/// returns `{ module, exports }` with globals unwrapped to their values. Link problems
/// throw a `WebAssembly.LinkError` naming both sides; a trap in the start function throws
/// the trap itself.
pub(crate) fn op_wasm_instantiate<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    args: v8::FunctionCallbackArguments<'s>,
    mut rv: v8::ReturnValue<'s, v8::Value>,
) {
    boundary(scope, "instantiating a Wasm module", |scope| {
        let url = args.get(0).to_rust_string_lossy(scope);
        let modules = args.get(1);
        match wasm_instantiate(scope, &url, modules) {
            Ok(v) => rv.set(v),
            Err(EsmFailure::Rethrow(exc)) => {
                scope.throw_exception(exc);
            }
            // The isolate is stopping: nothing can be thrown, the runtime reports why.
            Err(EsmFailure::Stopped) => {}
            Err(EsmFailure::Link(msg)) => {
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
        Some(())
    });
}

/// Why a wrapper's `instantiate` failed.
enum EsmFailure<'s> {
    /// A link problem, as a `LinkError` message.
    Link(String),
    /// An exception to pass on as it is (a trap in the start function).
    Rethrow(v8::Local<'s, v8::Value>),
    /// The isolate was stopped meanwhile.
    Stopped,
}

impl EsmFailure<'_> {
    /// `cannot instantiate URL:` and one indented line per problem.
    fn link(url: &str, lines: &[String]) -> Self {
        EsmFailure::Link(format!(
            "cannot instantiate {url}:\n  {}",
            lines.join("\n  ")
        ))
    }
}

impl From<&str> for EsmFailure<'_> {
    fn from(msg: &str) -> Self {
        EsmFailure::Link(msg.to_string())
    }
}

fn wasm_instantiate<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    url: &str,
    modules: v8::Local<'s, v8::Value>,
) -> std::result::Result<v8::Local<'s, v8::Value>, EsmFailure<'s>> {
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
            return Err(EsmFailure::link(url, &lines));
        }
        (v8::Local::new(scope, &rec.module), rec.info.clone())
    };
    let modules = modules.to_object(scope).ok_or("bad imports")?;
    let ctors = state.wasm_ctors();
    let modules = raw_wasm_namespaces(scope, &state, &ctors, url, &info, modules);
    // Host namespaces and preloads come from Rust (bound to this instance); the rest from the
    // imported ES modules' namespaces.
    let (handle, exports) =
        match instantiate::instantiate(scope, module, info.clone(), url, Some(modules)) {
            Ok(x) => x,
            Err(Failure::Link(unresolved)) => {
                let lines: Vec<String> = unresolved
                .iter()
                .map(|e| match &e.provided {
                    None => format!(
                        "import \"{}\" \"{}\" ({}): the module \"{}\" has no export named \"{}\"",
                        e.module, e.name, e.expected, e.module, e.name
                    ),
                    Some(p) => format!(
                        "import \"{}\" \"{}\" expects {}, but \"{}\" exports {p}",
                        e.module, e.name, e.expected, e.module
                    ),
                })
                .collect();
                return Err(EsmFailure::link(url, &lines));
            }
            Err(Failure::Threw(exc)) => return Err(EsmFailure::Rethrow(exc)),
            Err(Failure::Error(Error::Limit(_) | Error::Exit(_))) => {
                return Err(EsmFailure::Stopped);
            }
            Err(Failure::Error(e)) => {
                return Err(EsmFailure::Link(format!("cannot instantiate {url}: {e}")));
            }
        };
    if let Some(rec) = state.modules.borrow_mut().wasm.get_mut(url) {
        rec.slot = Some(handle.index);
    }
    // Globals are unwrapped to their values, as the ESM integration (and Node) expose them.
    let out_exports = v8::Object::new(scope);
    for e in &info.exports {
        let k = v8_str(scope, &e.name);
        let mut v = exports
            .get(scope, k.into())
            .unwrap_or_else(|| v8::undefined(scope).into());
        if matches!(e.ty, ExternType::Global { .. })
            && let Some(g) = v.to_object(scope)
        {
            let vk = v8_str(scope, "value");
            if let Some(val) = g.get(scope, vk.into()) {
                v = val;
            }
        }
        out_exports.set(scope, k.into(), v);
    }
    let result = v8::Object::new(scope);
    let k = v8_str(scope, "module");
    result.set(scope, k.into(), module.into());
    let k = v8_str(scope, "exports");
    result.set(scope, k.into(), out_exports.into());
    Ok(result.into())
}

/// The import namespaces for a Wasm module, with every imported *Wasm* module replaced by
/// its instance's own exports: a Wasm module importing a global from another one then shares
/// the `WebAssembly.Global` itself (writes on either side are seen by both), rather than the
/// snapshot of its value that the exporter's ES module namespace holds.
fn raw_wasm_namespaces<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    state: &Rc<State>,
    ctors: &WasmCtors,
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
