//! [`PluginHost`]: loads a manifest, runs each plugin (or group) in its own isolate on its
//! own thread, and routes calls — from the embedder and between plugins — over channels.
//!
//! `PluginHost` is `Send + Sync`: any number of tokio tasks may call it at once. Calls to
//! one isolate are served one at a time, in order; calls to different isolates run in
//! parallel. A call between plugins is checked against the caller's `imports` and against
//! the wait-for graph (`waits.rs`), so a cycle is refused rather than left to hang.

use std::future::Future;
use std::path::Path;
use std::sync::{Arc, Mutex, Weak};

use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::{mpsc, oneshot};

use crate::host::Linker;
use crate::plugins::bindings::Outbound;
use crate::plugins::capabilities;
use crate::plugins::error::{LoadError, LoadFailure, PluginError};
use crate::plugins::manifest::{Abi, Manifest, PluginKind, PluginSpec};
use crate::plugins::waits::Waits;
use crate::plugins::worker::{self, Job};
use crate::runtime::Stream;
use crate::value::{self, Value};

/// Receives what plugins write to the console: the plugin (or group) name, the stream and
/// the bytes.
pub type PluginOutput = Arc<dyn Fn(&str, Stream, &[u8]) + Send + Sync>;

/// How to build a [`PluginHost`].
#[derive(Clone, Default)]
pub struct HostOptions {
    /// Host functions the manifest may grant to plugins: a namespace `kv` (or `host:kv`)
    /// is granted by naming `host:kv` in a plugin's `imports`. Nothing here reaches a
    /// plugin that is not granted it.
    pub linker: Linker,
    /// Where plugins' console output goes; the process's stdout and stderr by default.
    pub output: Option<PluginOutput>,
    /// The log level of every Extism plugin, over its manifest's `log_level`.
    pub log_level: Option<crate::plugins::LogLevel>,
}

/// Plugins loaded from a manifest, each in its own V8 isolate.
///
/// # Examples
/// ```no_run
/// # async fn demo() -> Result<(), warren::plugins::PluginError> {
/// let host = warren::plugins::PluginHost::load("examples/plugins/warren.toml").await?;
/// let words: u64 = host.call("wordcount", "count", "a b c").await?;
/// assert_eq!(words, 3);
/// let html: String = host.emit("render", "# Title").await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct PluginHost {
    router: Arc<Router>,
}

/// A plugin as the host knows it, for listings.
#[derive(Debug, Clone, Serialize)]
pub struct PluginInfo {
    pub name: String,
    pub kind: PluginKind,
    /// The ABI it speaks (`extism` for an Extism plugin: bytes in, bytes out).
    pub abi: Abi,
    /// The source file, as an absolute path.
    pub source: String,
    pub group: Option<String>,
    /// Its entry points, as loaded.
    pub exports: Vec<String>,
    /// The `host:` modules it may import (the defaults included) and the plugins it may
    /// call.
    pub host_modules: Vec<String>,
    pub plugins: Vec<String>,
    pub allow_read: Vec<String>,
    pub allow_write: Vec<String>,
    pub allow_env: bool,
    /// Its limits: bytes, milliseconds, fuel per call.
    pub memory: u64,
    pub timeout_ms: u128,
    pub fuel: Option<u64>,
}

/// The routing table shared by the host and the plugins' `host:plugins` functions.
pub(crate) struct Router {
    manifest: Manifest,
    /// One per isolate: its name in messages and its channel.
    isolates: Vec<Isolate>,
    /// By manifest order: which isolate runs it, and its entry points once loaded.
    plugins: Vec<Routed>,
    waits: Arc<Waits>,
}

struct Isolate {
    /// The plugin's name, or `group "g"`.
    name: String,
    jobs: mpsc::UnboundedSender<Job>,
}

struct Routed {
    spec: Arc<PluginSpec>,
    isolate: usize,
    exports: Mutex<Vec<String>>,
}

impl PluginHost {
    /// Loads the manifest at `path` and every plugin in it, with no extra host functions.
    ///
    /// # Errors
    /// [`PluginError::Manifest`] with every problem of the manifest, or
    /// [`PluginError::Load`] with every plugin that failed to load.
    pub async fn load(path: impl AsRef<Path>) -> Result<PluginHost, PluginError> {
        Self::load_with(path, HostOptions::default()).await
    }

    /// Loads the manifest at `path` with `options`.
    ///
    /// # Errors
    /// As [`PluginHost::load`].
    pub async fn load_with(
        path: impl AsRef<Path>,
        options: HostOptions,
    ) -> Result<PluginHost, PluginError> {
        let manifest = Manifest::load(path.as_ref(), &capabilities::host_modules(&options.linker))?;
        Self::start(manifest, options).await
    }

    /// Starts the plugins of a checked manifest: one thread and isolate per plugin (one
    /// per group), each loaded before this returns. Entries with `routes` are HTTP
    /// handlers, which `warren serve` runs: they are not started here.
    ///
    /// # Errors
    /// [`PluginError::Load`] with every plugin that failed to load.
    pub async fn start(
        manifest: Manifest,
        options: HostOptions,
    ) -> Result<PluginHost, PluginError> {
        // Isolates: one per group, one per plugin outside a group, in manifest order.
        let mut isolate_of: Vec<usize> = Vec::new();
        let mut names: Vec<String> = Vec::new();
        let mut members: Vec<Vec<usize>> = Vec::new();
        let specs: Vec<Arc<PluginSpec>> = manifest
            .plugins
            .iter()
            .filter(|p| !p.is_handler())
            .cloned()
            .map(Arc::new)
            .collect();
        for (i, p) in specs.iter().enumerate() {
            let key = match &p.group {
                Some(g) => format!("group \"{g}\""),
                None => format!("plugin \"{}\"", p.name),
            };
            let at = match p
                .group
                .as_ref()
                .and_then(|_| names.iter().position(|n| *n == key))
            {
                Some(at) => at,
                None => {
                    names.push(key);
                    members.push(Vec::new());
                    names.len() - 1
                }
            };
            members[at].push(i);
            isolate_of.push(at);
        }
        let mut ready = Vec::new();
        let router = Arc::new_cyclic(|weak: &Weak<Router>| {
            let mut isolates = Vec::new();
            for (at, name) in names.iter().enumerate() {
                let (tx, rx) = mpsc::unbounded_channel();
                let (ready_tx, ready_rx) = oneshot::channel();
                let group: Vec<(usize, Arc<PluginSpec>)> =
                    members[at].iter().map(|&i| (i, specs[i].clone())).collect();
                let spawned = worker::spawn(worker::Setup {
                    isolate: at,
                    name: name.clone(),
                    members: group,
                    linker: options.linker.clone(),
                    output: options.output.clone(),
                    log_level: options.log_level,
                    router: weak.clone(),
                    jobs: rx,
                    ready: ready_tx,
                });
                ready.push((at, spawned.map(|()| ready_rx)));
                isolates.push(Isolate {
                    name: name.clone(),
                    jobs: tx,
                });
            }
            Router {
                plugins: specs
                    .iter()
                    .zip(&isolate_of)
                    .map(|(s, &isolate)| Routed {
                        spec: s.clone(),
                        isolate,
                        exports: Mutex::new(Vec::new()),
                    })
                    .collect(),
                manifest,
                isolates,
                waits: Arc::default(),
            }
        });
        let mut errors = Vec::new();
        for (at, r) in ready {
            let loaded = match r {
                Ok(rx) => rx.await.unwrap_or_else(|_| {
                    Err(vec![(
                        members[at][0],
                        LoadFailure::Thread("it stopped while loading".into()),
                    )])
                }),
                Err(e) => Err(vec![(members[at][0], LoadFailure::Thread(e.to_string()))]),
            };
            match loaded {
                Ok(exports) => router.set_exports(exports),
                Err(failures) => errors.extend(failures.into_iter().map(|(i, error)| {
                    let spec = &router.plugins[i].spec;
                    LoadError {
                        plugin: spec.name.clone(),
                        location: spec.source_location.clone(),
                        error,
                    }
                })),
            }
        }
        if !errors.is_empty() {
            errors.sort_by_key(|e| (e.location.line, e.location.column));
            return Err(PluginError::Load(errors));
        }
        Ok(PluginHost { router })
    }

    /// The routing table, for the isolates of HTTP handlers that call plugins.
    pub(crate) fn router(&self) -> Weak<Router> {
        Arc::downgrade(&self.router)
    }

    /// How many plugin isolates there are: the isolate numbers of the wait-for graph
    /// below it are theirs.
    pub(crate) fn isolate_count(&self) -> usize {
        self.router.isolates.len()
    }

    /// The manifest the host runs.
    pub fn manifest(&self) -> &Manifest {
        &self.router.manifest
    }

    /// Every plugin, in manifest order.
    pub fn plugins(&self) -> Vec<PluginInfo> {
        self.router
            .plugins
            .iter()
            .map(|r| {
                let s = &r.spec;
                let paths =
                    |v: &[std::path::PathBuf]| v.iter().map(|p| p.display().to_string()).collect();
                PluginInfo {
                    name: s.name.clone(),
                    kind: s.kind,
                    abi: s.abi,
                    source: s.source.display().to_string(),
                    group: s.group.clone(),
                    exports: r.exports(),
                    host_modules: s.granted_host_modules(),
                    plugins: s.plugin_imports.clone(),
                    allow_read: paths(&s.allow_read),
                    allow_write: paths(&s.allow_write),
                    allow_env: s.allow_env,
                    memory: s.limits.memory,
                    timeout_ms: s.limits.timeout.as_millis(),
                    fuel: s.limits.fuel,
                }
            })
            .collect()
    }

    /// Calls `export` of `plugin` with `input`, and converts its result to `T`. The input is
    /// converted before this returns; the future owns everything it needs (it is `Send`
    /// and `'static`, so it can be spawned).
    ///
    /// # Errors
    /// [`PluginError::UnknownPlugin`], [`PluginError::UnknownExport`],
    /// [`PluginError::Input`] when `input` has no value form or does not fit the export,
    /// [`PluginError::Call`] when the plugin's code fails (named by plugin and export),
    /// [`PluginError::Output`] when the result does not fit `T`.
    pub fn call<T, I>(
        &self,
        plugin: &str,
        export: &str,
        input: &I,
    ) -> impl Future<Output = Result<T, PluginError>> + Send + 'static
    where
        T: DeserializeOwned,
        I: Serialize + ?Sized,
    {
        let router = self.router.clone();
        let (plugin, export) = (plugin.to_string(), export.to_string());
        let input = value::to_value(input);
        async move {
            let input = input.map_err(|e| PluginError::Input {
                plugin: plugin.clone(),
                export: export.clone(),
                why: e.to_string(),
            })?;
            let out = router.call(&plugin, &export, input).await?;
            value::from_value(out).map_err(|source| PluginError::Output {
                plugin,
                export,
                source,
            })
        }
    }

    /// Calls every plugin that exports `hook`, in manifest order, each one's output the
    /// next one's input (a pipeline); returns the last output, or `input` itself when no
    /// plugin exports `hook`.
    ///
    /// # Errors
    /// As [`PluginHost::call`], for the first plugin of the pipeline that fails.
    pub fn emit<T, I>(
        &self,
        hook: &str,
        input: &I,
    ) -> impl Future<Output = Result<T, PluginError>> + Send + 'static
    where
        T: DeserializeOwned,
        I: Serialize + ?Sized,
    {
        let router = self.router.clone();
        let hook = hook.to_string();
        let input = value::to_value(input);
        async move {
            let mut value = input.map_err(|e| PluginError::Input {
                plugin: "(emit)".into(),
                export: hook.clone(),
                why: e.to_string(),
            })?;
            let mut last = None;
            for r in router
                .plugins
                .iter()
                .filter(|r| r.exports().contains(&hook))
            {
                value = router.call(&r.spec.name, &hook, value).await?;
                last = Some(r.spec.name.clone());
            }
            value::from_value(value).map_err(|source| PluginError::Output {
                plugin: last.unwrap_or_else(|| "(emit)".into()),
                export: hook,
                source,
            })
        }
    }
}

impl Routed {
    fn exports(&self) -> Vec<String> {
        self.exports
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

impl Router {
    fn set_exports(&self, exports: Vec<(usize, Vec<String>)>) {
        for (i, e) in exports {
            if let Some(r) = self.plugins.get(i) {
                *r.exports.lock().unwrap_or_else(|e| e.into_inner()) = e;
            }
        }
    }

    /// The entry points of `plugin`, once it is loaded.
    pub(crate) fn exports_of(&self, plugin: &str) -> Option<Vec<String>> {
        self.find(plugin).ok().map(|(_, r)| r.exports())
    }

    fn find(&self, plugin: &str) -> Result<(usize, &Routed), PluginError> {
        self.plugins
            .iter()
            .enumerate()
            .find(|(_, r)| r.spec.name == plugin)
            .ok_or_else(|| PluginError::UnknownPlugin {
                name: plugin.to_string(),
                known: self.plugins.iter().map(|r| r.spec.name.clone()).collect(),
            })
    }

    /// Sends a call to the plugin's isolate and waits for its answer.
    async fn call(&self, plugin: &str, export: &str, input: Value) -> Result<Value, PluginError> {
        let (index, routed) = self.find(plugin)?;
        let exports = routed.exports();
        if !exports.iter().any(|e| e == export) {
            return Err(PluginError::UnknownExport {
                plugin: plugin.to_string(),
                export: export.to_string(),
                exports,
            });
        }
        let (reply, answer) = oneshot::channel();
        let job = Job {
            plugin: index,
            export: export.to_string(),
            input,
            reply,
        };
        let isolate = &self.isolates[routed.isolate];
        isolate.jobs.send(job).map_err(|_| {
            PluginError::Closed(format!("the thread of {} has stopped", isolate.name))
        })?;
        let (result, exports) = answer.await.map_err(|_| {
            PluginError::Closed(format!(
                "the thread of {} stopped during the call",
                isolate.name
            ))
        })?;
        if let Some(exports) = exports {
            self.set_exports(exports);
        }
        result
    }

    /// A call from a plugin (through `host:plugins`): checked against its imports and the
    /// wait-for graph, then routed as any other.
    pub(crate) async fn call_from(
        &self,
        from: &Outbound,
        target: &str,
        export: &str,
        input: Value,
    ) -> Result<Value, PluginError> {
        if !from.allowed.iter().any(|a| a == target) {
            return Err(PluginError::NotGranted {
                caller: from.caller.clone(),
                target: target.to_string(),
            });
        }
        let (_, routed) = self.find(target)?;
        let _waiting = self
            .waits
            .wait(from.isolate, routed.isolate)
            .map_err(|cycle| PluginError::Deadlock {
                caller: from.caller.clone(),
                target: target.to_string(),
                chain: cycle
                    .iter()
                    .map(|&i| self.isolates[i].name.clone())
                    .collect(),
            })?;
        self.call(target, export, input).await
    }
}
