//! The thread of one plugin isolate (one plugin, or the members of one group): it owns the
//! `Runtime`, serves the calls its channel brings one at a time, and retires the runtime
//! after a fault, making a fresh one for the next call.

use std::rc::Rc;
use std::sync::{Arc, Weak};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use crate::error::{Error, LimitKind};
use crate::host::Linker;
use crate::modules::{ModuleKind, ModuleSource};
use crate::permissions::Permissions;
use crate::plugins::abi::{self, AbiFailure, Entry};
use crate::plugins::bindings::Outbound;
use crate::plugins::capabilities;
use crate::plugins::error::{Fault, LoadError, LoadFailure, PluginError};
use crate::plugins::extism::{self, LogLevel};
use crate::plugins::host::{PluginOutput, Router};
use crate::plugins::loader::{Member, PluginLoader};
use crate::plugins::manifest::{Abi, Limits, PluginKind, PluginSpec};
use crate::value::Value;
use crate::{Instance, JsModule, OutputSink, Runtime, RuntimeOptions, WasmModule};

/// The entry points of each loaded member, by plugin index.
pub(crate) type Exports = Vec<(usize, Vec<String>)>;

/// Plugins that failed to load, by plugin index.
pub(crate) type Failures = Vec<(usize, LoadFailure)>;

/// One call for the isolate: which plugin (by manifest index), which export, the input,
/// and where the answer goes (with the entry points, when the isolate was made anew).
pub(crate) struct Job {
    pub plugin: usize,
    pub export: String,
    pub input: Value,
    pub reply: oneshot::Sender<(Result<Value, PluginError>, Option<Exports>)>,
}

/// What a worker thread starts from.
pub(crate) struct Setup {
    pub isolate: usize,
    /// The plugin's name, or `group "g"`, for messages.
    pub name: String,
    pub members: Vec<(usize, Arc<PluginSpec>)>,
    pub linker: Linker,
    pub output: Option<PluginOutput>,
    pub log_level: Option<LogLevel>,
    pub router: Weak<Router>,
    pub jobs: mpsc::UnboundedReceiver<Job>,
    pub ready: oneshot::Sender<Result<Exports, Failures>>,
}

/// The least time loading a plugin may take (evaluating its module graph, compiling and
/// instantiating, `_initialize`), however short its per-call `timeout`: loading is heavier
/// than a call, and a plugin that never finishes loading is still stopped.
pub(crate) const LOAD_TIME: Duration = Duration::from_secs(5);

/// The stack of a plugin thread: room above V8's own 984 KiB stack limit (set for every
/// isolate by `engine.rs`), so deep JS or Wasm recursion is a catchable error.
const STACK: usize = 4 << 20;

/// Starts the thread; it reports through `setup.ready` once its isolate is loaded.
pub(crate) fn spawn(setup: Setup) -> std::io::Result<()> {
    let name = match setup.members.as_slice() {
        [(_, only)] => format!("plugin-{}", only.name),
        _ => "plugin-group".to_string(),
    };
    std::thread::Builder::new()
        .name(name)
        .stack_size(STACK)
        .spawn(move || run(setup))
        .map(drop)
}

/// What the worker needs to (re)make its isolate.
struct Recipe {
    isolate: usize,
    label: String,
    members: Vec<(usize, Arc<PluginSpec>)>,
    linker: Linker,
    output: Option<PluginOutput>,
    log_level: Option<LogLevel>,
    router: Weak<Router>,
    /// Each Extism member's host state, kept when its isolate is retired: its vars outlive
    /// a fault, as they do in Extism.
    extism: std::cell::RefCell<Vec<(usize, Arc<extism::Plugin>)>>,
}

fn run(setup: Setup) {
    let Setup {
        isolate,
        name,
        members,
        linker,
        output,
        log_level,
        router,
        mut jobs,
        ready,
    } = setup;
    let label = match members.as_slice() {
        [(_, only)] if only.group.is_none() => only.name.clone(),
        _ => members[0].1.group.clone().unwrap_or(name),
    };
    let recipe = Recipe {
        isolate,
        label,
        members,
        linker,
        output,
        log_level,
        router,
        extism: Default::default(),
    };
    let tokio = match crate::io_runtime::local() {
        Ok(t) => t,
        Err(e) => {
            let first = recipe.members[0].0;
            let _ = ready.send(Err(vec![(first, LoadFailure::Thread(e.to_string()))]));
            return;
        }
    };
    tokio.block_on(async move {
        let mut loaded = match Loaded::new(&recipe).await {
            Ok(l) => {
                if ready.send(Ok(l.exports())).is_err() {
                    return;
                }
                Some(l)
            }
            Err(failures) => {
                let _ = ready.send(Err(failures));
                return;
            }
        };
        while let Some(job) = jobs.recv().await {
            let mut refreshed = None;
            if loaded.is_none() {
                match Loaded::new(&recipe).await {
                    Ok(l) => {
                        refreshed = Some(l.exports());
                        loaded = Some(l);
                    }
                    Err(failures) => {
                        let errors = failures
                            .into_iter()
                            .map(|(i, error)| {
                                let spec = recipe.spec(i);
                                LoadError {
                                    plugin: spec.name.clone(),
                                    location: spec.source_location.clone(),
                                    error,
                                }
                            })
                            .collect();
                        let _ = job.reply.send((Err(PluginError::Load(errors)), None));
                        continue;
                    }
                }
            }
            let Some(l) = loaded.as_mut() else {
                continue;
            };
            let Job {
                plugin,
                export,
                input,
                reply,
            } = job;
            let (result, retire) = l.serve(plugin, export, input).await;
            if retire {
                // Gone before the caller hears of the fault: the next call gets a new one.
                loaded = None;
            }
            let _ = reply.send((result, refreshed));
        }
    });
}

impl Recipe {
    fn spec(&self, index: usize) -> &PluginSpec {
        self.members
            .iter()
            .find(|(i, _)| *i == index)
            .map_or(&self.members[0].1, |(_, s)| s)
    }
}

/// A loaded isolate: its runtime and each member's code.
struct Loaded {
    rt: Runtime,
    members: Vec<LoadedMember>,
}

struct LoadedMember {
    index: usize,
    spec: Arc<PluginSpec>,
    code: Code,
}

enum Code {
    Js(JsModule),
    Wasm {
        instance: Instance,
        entries: Vec<(String, Entry)>,
    },
    Extism {
        instance: Instance,
        plugin: Arc<extism::Plugin>,
        entries: Vec<String>,
    },
}

/// The linker and permissions of an isolate running `members`: what their entries grant
/// and nothing else (permissions, host modules).
pub(crate) fn plugin_linker(
    members: &[(usize, Arc<PluginSpec>)],
    isolate: usize,
    embedder: &Linker,
    router: &Weak<Router>,
) -> crate::Result<(Linker, Permissions)> {
    let specs: Vec<&PluginSpec> = members.iter().map(|(_, s)| &**s).collect();
    let permissions = capabilities::permissions(&specs);
    let indexed: Vec<(usize, &PluginSpec)> = members.iter().map(|(i, s)| (*i, &**s)).collect();
    let linker = capabilities::linker(&indexed, isolate, embedder, &permissions, router)?;
    Ok((linker, permissions))
}

/// A runtime for an isolate running `members` over `linker` and `permissions` (from
/// [`plugin_linker`], perhaps extended), with a loader that refuses what they do not
/// grant, their limits, and console output labelled `label`. Its time limit is
/// [`LOAD_TIME`] at least, for loading; set the per-call one once loaded.
pub(crate) fn runtime_for(
    members: &[(usize, Arc<PluginSpec>)],
    label: &str,
    linker: Linker,
    permissions: Permissions,
    output: Option<&PluginOutput>,
) -> crate::Result<Runtime> {
    let specs: Vec<&PluginSpec> = members.iter().map(|(_, s)| &**s).collect();
    let loader = PluginLoader::new(
        specs
            .iter()
            .map(|s| Member {
                name: s.name.clone(),
                dir: crate::permissions::resolve(s.dir()),
                granted: s.granted_host_modules(),
            })
            .collect(),
        permissions.clone(),
    );
    let output: Option<OutputSink> = output.cloned().map(|o| {
        let label = label.to_string();
        Arc::new(move |stream, bytes: &[u8]| {
            o(&label, stream, bytes);
            Ok(())
        }) as OutputSink
    });
    let limits = specs[0].limits;
    Runtime::new(RuntimeOptions {
        output,
        linker,
        module_loader: Some(Rc::new(loader)),
        permissions,
        argv: vec!["warren".into(), specs[0].source.display().to_string()],
        time_limit: Some(limits.timeout.max(LOAD_TIME)),
        cpu_limit: limits.cpu_limit,
        max_memory: usize::try_from(limits.memory).ok(),
        fuel: limits.fuel,
        name: Some(label.to_string()),
        ..Default::default()
    })
}

/// [`plugin_linker`] then [`runtime_for`].
pub(crate) fn new_runtime(
    members: &[(usize, Arc<PluginSpec>)],
    isolate: usize,
    label: &str,
    embedder: &Linker,
    output: Option<&PluginOutput>,
    router: &Weak<Router>,
) -> crate::Result<Runtime> {
    let (linker, permissions) = plugin_linker(members, isolate, embedder, router)?;
    runtime_for(members, label, linker, permissions, output)
}

impl Loaded {
    async fn new(recipe: &Recipe) -> Result<Loaded, Failures> {
        let first = recipe.members[0].0;
        let fail = |i: usize, e: Error| vec![(i, LoadFailure::Runtime(e))];
        let limits = recipe.members[0].1.limits;
        let (mut linker, permissions) = plugin_linker(
            &recipe.members,
            recipe.isolate,
            &recipe.linker,
            &recipe.router,
        )
        .map_err(|e| fail(first, e))?;
        // An Extism plugin's module is read first: what it imports decides what is linked.
        let mut prepared = Vec::new();
        for (index, spec) in &recipe.members {
            if spec.kind != PluginKind::Wasm || spec.abi != Abi::Extism {
                continue;
            }
            let mut module =
                WasmModule::from_bytes_at(&spec.source, &spec.code).map_err(|e| fail(*index, e))?;
            if let Some(pages) = spec.limits.max_pages {
                match extism::clamp_pages(module.bytes(), pages) {
                    Ok(Some(bytes)) => {
                        module = WasmModule::from_bytes_at(&spec.source, &bytes)
                            .map_err(|e| fail(*index, e))?;
                    }
                    Ok(None) => {}
                    Err(why) => return Err(fail(*index, Error::MemoryCap(why))),
                }
            }
            let out = Arc::new(Outbound {
                caller: spec.name.clone(),
                isolate: recipe.isolate,
                allowed: spec.plugin_imports.clone(),
                router: recipe.router.clone(),
            });
            let kept = recipe
                .extism
                .borrow()
                .iter()
                .find(|(i, _)| i == index)
                .map(|(_, p)| p.clone());
            let plugin = match extism::link(
                &mut linker,
                spec,
                module.info(),
                out,
                recipe.log_level,
                kept,
            ) {
                Ok(Ok(p)) => p,
                Ok(Err(missing)) => return Err(vec![(*index, LoadFailure::NotGranted(missing))]),
                Err(e) => return Err(fail(*index, e)),
            };
            {
                let mut kept = recipe.extism.borrow_mut();
                kept.retain(|(i, _)| i != index);
                kept.push((*index, plugin.clone()));
            }
            prepared.push((*index, module, plugin));
        }
        let mut rt = runtime_for(
            &recipe.members,
            &recipe.label,
            linker,
            permissions,
            recipe.output.as_ref(),
        )
        .map_err(|e| fail(first, e))?;
        let mut members = Vec::new();
        for (index, spec) in &recipe.members {
            let code = match spec.kind {
                PluginKind::Js => {
                    Code::Js(load_js(&mut rt, spec).await.map_err(|e| fail(*index, e))?)
                }
                PluginKind::Wasm => match prepared.iter().position(|(i, _, _)| i == index) {
                    Some(at) => {
                        let (_, module, plugin) = prepared.swap_remove(at);
                        load_extism(&mut rt, spec, module, plugin)
                            .await
                            .map_err(|e| vec![(*index, e)])?
                    }
                    None => load_wasm(&mut rt, spec)
                        .await
                        .map_err(|e| vec![(*index, e)])?,
                },
            };
            members.push(LoadedMember {
                index: *index,
                spec: spec.clone(),
                code,
            });
        }
        rt.set_time_limit(Some(limits.timeout));
        Ok(Loaded { rt, members })
    }

    fn exports(&self) -> Exports {
        self.members
            .iter()
            .map(|m| {
                let names = match &m.code {
                    Code::Js(module) => module.functions().to_vec(),
                    Code::Wasm { entries, .. } => entries.iter().map(|(n, _)| n.clone()).collect(),
                    Code::Extism { entries, .. } => entries.clone(),
                };
                (m.index, names)
            })
            .collect()
    }

    /// Serves one call; also says whether the isolate must be retired.
    async fn serve(
        &mut self,
        plugin: usize,
        export: String,
        input: Value,
    ) -> (Result<Value, PluginError>, bool) {
        let Some(m) = self.members.iter().find(|m| m.index == plugin) else {
            return (
                Err(PluginError::Closed(format!(
                    "plugin #{plugin} is not in this isolate"
                ))),
                false,
            );
        };
        let name = m.spec.name.clone();
        let limits = m.spec.limits;
        if let Some(fuel) = limits.fuel {
            // Fuel is a per-call budget: refill it. It is metered whenever it is set.
            let _ = self.rt.set_fuel(fuel);
        }
        let outcome = match &m.code {
            Code::Js(module) => self
                .rt
                .call_export(module, &export, std::slice::from_ref(&input))
                .await
                .map_err(AbiFailure::Runtime),
            Code::Wasm { instance, entries } => match entries.iter().find(|(n, _)| *n == export) {
                Some((_, entry)) => abi::call(&mut self.rt, instance, &export, entry, input).await,
                None => Err(AbiFailure::Runtime(Error::Export(format!(
                    "no entry point \"{export}\""
                )))),
            },
            Code::Extism {
                instance,
                plugin,
                entries,
            } => {
                if entries.contains(&export) {
                    extism::call(&mut self.rt, instance, plugin, &export, &input).await
                } else {
                    Err(AbiFailure::Runtime(Error::Export(format!(
                        "no entry point \"{export}\""
                    ))))
                }
            }
        };
        let failure = match outcome {
            Ok(v) => return (Ok(v), false),
            Err(f) => f,
        };
        let fault = match failure {
            AbiFailure::Input(why) => {
                return (
                    Err(PluginError::Input {
                        plugin: name,
                        export,
                        why,
                    }),
                    false,
                );
            }
            AbiFailure::Broken(why) => Fault::Abi(why),
            AbiFailure::Returned(msg) => Fault::Returned(msg),
            AbiFailure::Runtime(e) => match classify(e, &limits) {
                Ok(fault) => fault,
                Err(why) => {
                    return (
                        Err(PluginError::Input {
                            plugin: name,
                            export,
                            why,
                        }),
                        false,
                    );
                }
            },
        };
        let retire = fault.retires();
        (
            Err(PluginError::Call {
                plugin: name,
                export,
                fault,
            }),
            retire,
        )
    }
}

async fn load_js(rt: &mut Runtime, spec: &PluginSpec) -> crate::Result<JsModule> {
    let url = crate::modules::path_to_url(&spec.source)
        .map_err(|e| Error::module(format!("cannot load {}", spec.source.display()), e))?;
    rt.load_module(ModuleSource {
        kind: ModuleKind::JavaScript,
        code: spec.code.to_vec(),
        url,
    })
    .await
}

async fn load_wasm(rt: &mut Runtime, spec: &PluginSpec) -> Result<Code, LoadFailure> {
    let (instance, entries) = instantiate_wasm(rt, spec).await?;
    Ok(Code::Wasm { entries, instance })
}

/// Instantiates a Wasm plugin's module after checking its imports against its grants, runs
/// its `_initialize`, and returns it with its entry points.
pub(crate) async fn instantiate_wasm(
    rt: &mut Runtime,
    spec: &PluginSpec,
) -> Result<(Instance, Vec<(String, Entry)>), LoadFailure> {
    let module = WasmModule::from_bytes_at(&spec.source, &spec.code)?;
    let denied = capabilities::ungranted_wasm_imports(spec, module.info());
    if !denied.is_empty() {
        return Err(LoadFailure::NotGranted(denied));
    }
    let instance = rt.instantiate(&module)?;
    // A reactor initialises itself once, before any entry point runs.
    if let Ok(init) = instance.func("_initialize")
        && init.ty().params.is_empty()
    {
        rt.call_async(&init, &[]).await?;
    }
    Ok((instance, abi::entries(module.info())))
}

async fn load_extism(
    rt: &mut Runtime,
    spec: &PluginSpec,
    module: WasmModule,
    plugin: Arc<extism::Plugin>,
) -> Result<Code, LoadFailure> {
    let denied = capabilities::ungranted_wasm_imports(spec, module.info());
    if !denied.is_empty() {
        return Err(LoadFailure::NotGranted(denied));
    }
    let instance = rt.instantiate(&module)?;
    extism::initialize(rt, &instance, &plugin).await?;
    Ok(Code::Extism {
        entries: extism::entries(module.info()),
        instance,
        plugin,
    })
}

/// A runtime error as a plugin fault, or (`Err`) as a problem with the input.
pub(crate) fn classify(e: Error, limits: &Limits) -> Result<Fault, String> {
    Ok(match e {
        Error::Trap(t) => Fault::Trap(t),
        Error::Js(j) => Fault::Exception(j),
        Error::Limit(l) => match l.kind {
            LimitKind::Time => Fault::TimeLimit(limits.timeout),
            LimitKind::Cpu => Fault::CpuLimit(limits.cpu_limit.unwrap_or_default()),
            LimitKind::Memory => Fault::OutOfMemory(limits.memory),
            _ => Fault::Other(Box::new(Error::Limit(l))),
        },
        Error::Exit(code) => Fault::Exit(code),
        Error::Stalled(s) => Fault::Stalled(s),
        Error::Value(s) => Fault::BadResult(s),
        Error::Args(why) => return Err(why),
        other => Fault::Other(Box::new(other)),
    })
}
