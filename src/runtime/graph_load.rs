//! Loading a module graph (deno_core's `recursive_load`): a FIFO queue of URLs with one
//! fetch in flight; each source is permission-checked, compiled and recorded in the module
//! map with its requests resolved, so instantiation only looks resolutions up.

use std::collections::{HashSet, VecDeque};
use std::rc::Rc;
use std::task::{Context, Poll};

use url::Url;

use crate::error::{Error, Result};
use crate::modules::{LoadFuture, ModuleError, ModuleKind, ModuleSource};
use crate::runtime::module_map::WASM_INTERNAL;
use crate::runtime::state::State;
use crate::runtime::v8_util::{script_origin, v8_str};
use crate::runtime::{exceptions, synthetic_modules, wasm_esm};
use crate::wasm::WasmModule;

/// One module waiting to be fetched.
struct Pending {
    url: Url,
    /// `"spec" imported from url:line:col`, for messages; `None` for a root.
    importer: Option<(String, String)>,
    /// The `type` import attribute (`json`), if any.
    expect: Option<String>,
    /// Whether the embedder named this module itself (the root of `run_main_module`), so
    /// reading it needs no read permission. Every import is checked.
    granted: bool,
    /// A root the embedder already read (and, for Wasm, parsed): it is not loaded again.
    preloaded: Option<Preloaded>,
}

/// A root module's code, as the embedder read it.
enum Preloaded {
    Source(ModuleSource),
    Wasm(WasmModule),
}

impl Pending {
    fn import(url: Url, spec: String, at: String, expect: Option<String>) -> Self {
        Pending {
            url,
            importer: Some((spec, at)),
            expect,
            granted: false,
            preloaded: None,
        }
    }

    /// Where the module was asked for, for messages.
    fn context(&self) -> String {
        match &self.importer {
            Some((spec, at)) => format!("cannot resolve \"{spec}\" imported from {at}"),
            None => format!("cannot load {}", self.url),
        }
    }

    fn error(&self, why: ModuleError) -> Error {
        Error::module(self.context(), why)
    }
}

/// A graph being loaded: a queue of URLs and at most one fetch in flight.
pub(crate) struct GraphLoad {
    pub root: Url,
    queue: VecDeque<Pending>,
    inflight: Option<(Pending, LoadFuture)>,
    seen: HashSet<String>,
}

impl GraphLoad {
    fn with(root: Pending) -> Self {
        GraphLoad {
            root: root.url.clone(),
            queue: VecDeque::from([root]),
            inflight: None,
            seen: HashSet::new(),
        }
    }

    /// A load of the graph at `root`. `granted`: the embedder named the root itself, so
    /// reading it needs no read permission (its imports are checked all the same).
    pub fn new(root: Url, granted: bool) -> Self {
        Self::root(root, granted, None)
    }

    fn root(url: Url, granted: bool, preloaded: Option<Preloaded>) -> Self {
        Self::with(Pending {
            url,
            importer: None,
            expect: None,
            granted,
            preloaded,
        })
    }

    /// A load whose root is a Wasm module the embedder has already read and parsed.
    pub fn with_wasm_root(root: Url, module: WasmModule) -> Self {
        Self::root(root, true, Some(Preloaded::Wasm(module)))
    }

    /// A load whose root's code the embedder has already read (a file, or stdin).
    pub fn with_source(source: ModuleSource) -> Self {
        Self::root(source.url.clone(), true, Some(Preloaded::Source(source)))
    }

    /// The load of a dynamic `import(spec)` from `referrer`.
    pub fn for_import(root: Url, spec: String, referrer: String) -> Self {
        Self::with(Pending::import(root, spec, referrer, None))
    }
}

/// Checks that a `file:` module may be loaded: covered by an import or a read grant.
fn check_read(state: &State, p: &Pending, url: &Url) -> Result<()> {
    if url.scheme() != "file" {
        return Ok(());
    }
    let path = url.to_file_path().map_err(|_| {
        p.error(ModuleError::InvalidSpecifier(format!(
            "{url} is not a file path"
        )))
    })?;
    state
        .permissions
        .check_import(&path)
        .map(drop)
        .map_err(|e| p.error(e.into()))
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
            let Some(mut p) = load.queue.pop_front() else {
                return Poll::Ready(Ok(()));
            };
            let key = p.url.to_string();
            if state.modules.borrow().by_url.contains_key(&key) || !load.seen.insert(key.clone()) {
                continue;
            }
            let synthetic = match p.url.scheme() {
                "node" => Some(
                    synthetic_modules::node_builtin(scope, &state, &key)?.ok_or_else(|| {
                        let bare = key.strip_prefix("node:").unwrap_or(&key);
                        p.error(ModuleError::NoSuchBuiltin(bare.to_string()))
                    })?,
                ),
                "host" => Some(
                    synthetic_modules::host_module(scope, &state, &key).ok_or_else(|| {
                        let bare = key.strip_prefix("host:").unwrap_or(&key);
                        p.error(ModuleError::NoSuchHostModule(bare.to_string()))
                    })?,
                ),
                _ if key == WASM_INTERNAL => Some(synthetic_modules::wasm_internal(scope)),
                _ => None,
            };
            if let Some(module) = synthetic {
                state.modules.borrow_mut().insert(scope, &key, module);
                continue;
            }
            match p.preloaded.take() {
                Some(Preloaded::Wasm(wasm)) => {
                    let deps = register_wasm(scope, &state, &key, &wasm)?;
                    load.queue.extend(deps);
                    continue;
                }
                Some(Preloaded::Source(source)) => {
                    let deps = register(scope, &state, &p, source)?;
                    load.queue.extend(deps);
                    continue;
                }
                None => {}
            }
            if !p.granted {
                check_read(&state, &p, &p.url)?;
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
        let source = result.map_err(|why| pending.error(why))?;
        if source.url != pending.url {
            // The loader redirected: the place the code came from is what must be granted.
            check_read(&state, &pending, &source.url)?;
        }
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
        return Err(pending.error(ModuleError::JsonWithoutType));
    }
    let text =
        || std::str::from_utf8(&source.code).map_err(|_| pending.error(ModuleError::NotUtf8));
    let module = match kind {
        ModuleKind::JavaScript => compile_js(scope, &url, text()?)?,
        ModuleKind::Json => synthetic_modules::json_module(scope, state, &url, &source.code)
            .map_err(|why| pending.error(why))?,
        ModuleKind::Wasm => {
            let module = match pending.url.to_file_path() {
                Ok(path) => WasmModule::from_bytes_at(&path, &source.code)?,
                Err(()) => WasmModule::new(&url, &source.code)?,
            };
            return register_wasm(scope, state, &url, &module);
        }
        ModuleKind::CommonJs => synthetic_modules::commonjs_module(scope, state, &url, text()?)?,
    };
    state.modules.borrow_mut().insert(scope, &url, module);
    requests(scope, state, &url, module)
}

/// Records a Wasm module with its generated wrapper; returns the wrapper's dependencies.
fn register_wasm(
    scope: &mut v8::PinScope,
    state: &Rc<State>,
    url: &str,
    wasm: &WasmModule,
) -> Result<Vec<Pending>> {
    let wrapper = wasm_esm::wasm_module(scope, state, url, wasm)?;
    let module = compile_js(scope, url, &wrapper)?;
    state.modules.borrow_mut().insert(scope, url, module);
    requests(scope, state, url, module)
}

/// Resolves a module's requests, records the resolutions, and lists what to load.
fn requests(
    scope: &mut v8::PinScope,
    state: &Rc<State>,
    url: &str,
    module: v8::Local<v8::Module>,
) -> Result<Vec<Pending>> {
    let base = Url::parse(url).map_err(|e| {
        Error::module(
            format!("cannot load {url}"),
            ModuleError::InvalidSpecifier(e.to_string()),
        )
    })?;
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
            Url::parse(WASM_INTERNAL).map_err(|e| ModuleError::InvalidSpecifier(e.to_string()))
        } else {
            state.loader.resolve(&spec, &base)
        };
        let dep = resolved.map_err(|why| {
            Error::module(format!("cannot resolve \"{spec}\" imported from {at}"), why)
        })?;
        state
            .modules
            .borrow_mut()
            .resolutions
            .insert((url.to_string(), spec.clone()), dep.to_string());
        out.push(Pending::import(dep, spec, at, expect));
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

/// Compiles an ES module's text.
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
    v8::script_compiler::compile_module(tc, &mut source).ok_or_else(|| exceptions::caught(tc))
}
