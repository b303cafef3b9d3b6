//! The plugin manifest (`warren.toml`, or the same document as JSON): its schema, checked
//! by hand over the located document so that every problem — unknown keys, bad values,
//! missing files, hash mismatches, imports nobody provides — is reported at once, each at
//! `warren.toml:LINE:COL`.
//!
//! ```toml
//! [[plugins]]
//! name = "wordcount"
//! source = "wordcount/wordcount.wat"    # .js/.mjs, .wasm or .wat, relative to this file
//! sha256 = "9f86d081..."                # optional pin of the source file
//! config = { min_length = 1 }           # read through host:config
//! imports = ["host:time", "markdown"]   # host: modules and plugins it may call
//! allow_read = ["data"]                 # paths, relative to this file
//! allow_write = []
//! allow_env = false
//! group = "text"                        # JS plugins sharing one isolate (opt-in)
//! limits = { memory = "64MiB", timeout = "200ms", fuel = 1_000_000, cpu_limit = "50ms" }
//!
//! # An Extism plugin (a Wasm module importing extism:host/env) also has:
//! abi = "extism"                        # forces it for a module that imports none of it
//! allowed_hosts = ["*.example.com"]     # what http_request may reach; nothing when unset
//!                                       # (JS plugins too, for fetch; there HOST:PORT too)
//! log_level = "info"                    # log_* lines at or above it are shown
//! limits = { max_var_bytes = "1MiB", max_http_response_bytes = "50MiB" }
//!
//! # an HTTP handler for `warren serve` (docs/serve.md): an entry with routes
//! routes = ["example.com/api/*", "*/hello"]  # HOST/PATH, `*` any host, PATH* a prefix
//! instances = 2                         # isolates serving it (default 1)
//! max_queue = 64                        # requests waiting past which it answers 503
//! concurrency = 16                      # a JS handler's requests in flight per isolate (64)
//! ```
//!
//! An Extism JSON manifest (`{"wasm": [...]}`) is read by `extism/json_manifest.rs`.

use std::collections::HashMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use sha2::Digest;

use crate::plugins::document::{self, Entry, Kind, Location, Node, Source};
use crate::serve::routing::Route;
use crate::value::Value;

/// The keys a `[[plugins]]` entry may have.
const PLUGIN_KEYS: &[&str] = &[
    "name",
    "source",
    "sha256",
    "group",
    "config",
    "imports",
    "allow_read",
    "allow_write",
    "allow_env",
    "limits",
    "abi",
    "allowed_hosts",
    "log_level",
    "routes",
    "instances",
    "max_queue",
    "concurrency",
];

/// The keys of `limits`.
const LIMIT_KEYS: &[&str] = &[
    "memory",
    "timeout",
    "fuel",
    "cpu_limit",
    "max_var_bytes",
    "max_http_response_bytes",
];

/// The default memory cap of a plugin's isolate: Cloudflare Workers' 128 MB.
pub const DEFAULT_MEMORY: u64 = 128 << 20;
/// The default time limit of one call.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// The default number of requests a handler's queue holds before it answers 503.
pub const DEFAULT_MAX_QUEUE: usize = 256;

/// How many requests one isolate of a JS handler serves at once unless its entry says
/// (`concurrency`): as Workers and `deno serve` do, a request that awaits lets the isolate
/// start others. A Wasm handler's call runs to its end, one at a time.
pub const DEFAULT_CONCURRENCY: usize = 64;

/// A handler's `concurrency` unless its entry says: [`DEFAULT_CONCURRENCY`] for JS, 1 for
/// Wasm.
pub fn default_concurrency(kind: PluginKind) -> usize {
    if kind == PluginKind::Js {
        DEFAULT_CONCURRENCY
    } else {
        1
    }
}
/// The smallest memory cap an isolate can start in (V8's heap needs a few MiB).
const MIN_MEMORY: u64 = 8 << 20;

/// The host modules every plugin may import without naming them.
pub const DEFAULT_HOST_MODULES: &[&str] = &["host:console", "host:config"];

/// A checked manifest.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// The manifest file, as given.
    pub path: PathBuf,
    /// The directory its relative paths are relative to (absolute).
    pub dir: PathBuf,
    /// The plugins, in manifest order.
    pub plugins: Vec<PluginSpec>,
}

/// What kind of code a plugin is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PluginKind {
    /// An ES module (`.js`, `.mjs`).
    Js,
    /// A Wasm module (`.wasm`, or `.wat` text).
    Wasm,
}

/// Which ABI a Wasm plugin speaks (`docs/plugin-abi.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Abi {
    /// warren's own: JS exports, or Wasm exports with numbers or on the JSON ABI.
    #[default]
    Warren,
    /// Extism's host ABI: the module imports `extism:host/env` (or the manifest says
    /// `abi = "extism"`); input and output are bytes.
    Extism,
}

/// What only an Extism plugin's entry sets.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExtismOptions {
    /// `log_level`: the lowest level of `log_*` lines shown (`info` when unset; the
    /// host's `--log-level` overrides it).
    pub log_level: Option<crate::plugins::extism::LogLevel>,
    /// The directories WASI preview1 opens for it: its `allow_read` (read-only) and
    /// `allow_write` paths, each under its own absolute path.
    pub preopens: Vec<crate::wasi::Preopen>,
}

/// One `[[plugins]]` entry, checked.
#[derive(Debug, Clone)]
pub struct PluginSpec {
    pub name: String,
    /// The source file, absolute.
    pub source: PathBuf,
    pub kind: PluginKind,
    /// The ABI it speaks: [`Abi::Extism`] for a Wasm module importing `extism:host/env`.
    pub abi: Abi,
    /// The settings of the Extism ABI (defaults for other plugins).
    pub extism: ExtismOptions,
    /// The source's bytes, read (and checked against the pin) once: every isolate made for
    /// the plugin runs exactly these.
    pub code: Arc<[u8]>,
    /// The pinned SHA-256, lowercase hex, when there is one.
    pub sha256: Option<String>,
    pub group: Option<String>,
    /// The `config` table (an object; empty when absent).
    pub config: Value,
    /// The `host:` modules it may import, beyond [`DEFAULT_HOST_MODULES`].
    pub host_imports: Vec<String>,
    /// The plugins it may call through `host:plugins`.
    pub plugin_imports: Vec<String>,
    /// Paths it may read and write (absolute), and whether it may read the environment.
    pub allow_read: Vec<PathBuf>,
    pub allow_write: Vec<PathBuf>,
    pub allow_env: bool,
    /// `allowed_hosts`: the hosts a JS plugin's `fetch` or an Extism plugin's
    /// `http_request` may reach (patterns: `api.example.com`, `*.example.com`, and for JS
    /// `host:port` too); none when unset.
    pub allowed_hosts: Option<Vec<String>>,
    pub limits: Limits,
    /// Where `warren serve` routes requests to it (`routes`): an entry with routes is an
    /// HTTP handler, not a plugin others call.
    pub routes: Vec<Route>,
    /// How many isolates serve it as a handler (`instances`, at least 1).
    pub instances: usize,
    /// How many requests may wait for a free isolate before it answers 503 (`max_queue`).
    pub max_queue: usize,
    /// How many requests one isolate of a JS handler serves at once (`concurrency`, at
    /// least 1; [`default_concurrency`] unless the entry says): past one, a request that
    /// awaits lets the isolate start the next.
    pub concurrency: usize,
    /// Where the entry starts (its `name`), for messages.
    pub location: Location,
    /// Where its `source` is, for load errors.
    pub source_location: Location,
}

impl PluginSpec {
    /// A handler of its own for `warren serve FILE`: every host and path, default limits,
    /// no grants beyond importing from its directory.
    ///
    /// # Errors
    /// When the file cannot be read or is neither JS nor Wasm.
    pub fn handler(path: &Path) -> Result<PluginSpec, ManifestErrors> {
        let shown = path.display().to_string();
        let fail = |message: String| {
            ManifestErrors(vec![ManifestError {
                location: Location::whole(shown.clone()),
                message,
            }])
        };
        let kind = match path.extension().and_then(|e| e.to_str()) {
            Some("js" | "mjs") => PluginKind::Js,
            Some("wasm" | "wat") => PluginKind::Wasm,
            _ => {
                return Err(fail(
                    "a handler must be a .js or .mjs module, a .wasm or .wat module, or a warren.toml manifest".into(),
                ));
            }
        };
        let source = std::path::absolute(path).map_err(|e| fail(e.to_string()))?;
        let code = std::fs::read(&source).map_err(|e| fail(format!("cannot read it: {e}")))?;
        let name = source
            .file_stem()
            .and_then(|s| s.to_str())
            .map(|s| {
                s.chars()
                    .map(|c| {
                        if c.is_ascii_alphanumeric() || c == '-' {
                            c
                        } else {
                            '_'
                        }
                    })
                    .collect::<String>()
            })
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "handler".into());
        let location = Location::whole(shown.clone());
        Ok(PluginSpec {
            name,
            source: normalize(&source),
            kind,
            // A handler answers on warren's JSON ABI (docs/serve.md).
            abi: Abi::Warren,
            extism: ExtismOptions::default(),
            code: code.into(),
            sha256: None,
            group: None,
            config: Value::Object(Vec::new()),
            host_imports: Vec::new(),
            plugin_imports: Vec::new(),
            allow_read: Vec::new(),
            allow_write: Vec::new(),
            allow_env: false,
            allowed_hosts: None,
            limits: Limits::default(),
            routes: vec![Route::any()],
            instances: 1,
            max_queue: DEFAULT_MAX_QUEUE,
            concurrency: default_concurrency(kind),
            location: location.clone(),
            source_location: location,
        })
    }

    /// Whether `warren serve` routes requests to it.
    pub fn is_handler(&self) -> bool {
        !self.routes.is_empty()
    }

    /// The directory its module graph may load from: the source's own.
    pub fn dir(&self) -> &Path {
        self.source.parent().unwrap_or(Path::new("/"))
    }

    /// Every `host:` module it may import: the defaults, its grants, and `host:plugins`
    /// when it imports a plugin.
    pub fn granted_host_modules(&self) -> Vec<String> {
        let mut out: Vec<String> = DEFAULT_HOST_MODULES.iter().map(|s| s.to_string()).collect();
        for h in &self.host_imports {
            if !out.contains(h) {
                out.push(h.clone());
            }
        }
        if !self.plugin_imports.is_empty() && !out.iter().any(|h| h == "host:plugins") {
            out.push("host:plugins".into());
        }
        out
    }
}

/// A plugin's limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// One cap in bytes for the JS heap, ArrayBuffers and Wasm memories of its isolate.
    pub memory: u64,
    /// The longest one call may take, by the wall clock.
    pub timeout: Duration,
    /// Wasm fuel per call (operators executed), when metered.
    pub fuel: Option<u64>,
    /// What an Extism plugin's vars may hold, keys and values (0 disables them).
    pub max_var_bytes: u64,
    /// The largest HTTP response body an Extism plugin may receive.
    pub max_http_response_bytes: u64,
    /// The CPU time one call may use (`cpu_limit`), when limited; waiting costs none.
    pub cpu_limit: Option<Duration>,
    /// The most 64 KiB pages an Extism plugin's memory may have (Extism's
    /// `memory.max_pages`): its declared maximum is lowered to it before it is compiled.
    pub max_pages: Option<u32>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory: DEFAULT_MEMORY,
            timeout: DEFAULT_TIMEOUT,
            fuel: None,
            max_var_bytes: crate::plugins::extism::DEFAULT_MAX_VAR_BYTES,
            max_http_response_bytes: crate::plugins::extism::DEFAULT_MAX_HTTP_RESPONSE_BYTES,
            cpu_limit: None,
            max_pages: None,
        }
    }
}

/// One problem in a manifest, at its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestError {
    pub location: Location,
    pub message: String,
}

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

/// Every problem a manifest has, in the order they appear in the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ManifestErrors(pub Vec<ManifestError>);

impl fmt::Display for ManifestErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl Manifest {
    /// Reads and checks the manifest at `path`: TOML, or JSON when the file name ends in
    /// `.json`. `host_modules` are the `host:` modules the host provides (the built-in
    /// ones plus the embedder's), which `imports` may name.
    ///
    /// # Errors
    /// [`ManifestErrors`] with every problem found.
    pub fn load(path: &Path, host_modules: &[String]) -> Result<Manifest, ManifestErrors> {
        let shown = path.display().to_string();
        let text = std::fs::read(path)
            .map_err(|e| {
                ManifestErrors(vec![ManifestError {
                    location: Location::whole(shown.clone()),
                    message: format!("cannot read the manifest: {e}"),
                }])
            })
            .and_then(|bytes| {
                String::from_utf8(bytes).map_err(|e| {
                    let source = Source::new(shown.clone(), String::new());
                    ManifestErrors(vec![ManifestError {
                        location: source.locate(0),
                        message: format!(
                            "the manifest is not UTF-8 (byte {} is invalid)",
                            e.utf8_error().valid_up_to()
                        ),
                    }])
                })
            })?;
        let json = path.extension().is_some_and(|e| e == "json");
        let dir = std::path::absolute(path)
            .ok()
            .and_then(|p| p.parent().map(Path::to_path_buf))
            .unwrap_or_else(|| PathBuf::from("."));
        if json && crate::plugins::extism::json_manifest::is_extism_manifest(&text) {
            return crate::plugins::extism::json_manifest::parse(path, &dir, &text);
        }
        Self::parse(path, &dir, Source::new(shown, text), json, host_modules)
    }

    fn parse(
        path: &Path,
        dir: &Path,
        source: Source,
        json: bool,
        host_modules: &[String],
    ) -> Result<Manifest, ManifestErrors> {
        let mut check = Checker {
            source: &source,
            dir,
            errors: Vec::new(),
            host_modules,
            names: Vec::new(),
        };
        let (root, syntax) = if json {
            document::parse_json(source.text())
        } else {
            let (n, e) = document::parse_toml(source.text());
            (Some(n), e)
        };
        for e in syntax {
            check.error(&e.span, e.message);
        }
        let plugins = root.map(|r| check.root(&r)).unwrap_or_default();
        let mut errors = check.errors;
        if errors.is_empty() {
            return Ok(Manifest {
                path: path.to_path_buf(),
                dir: dir.to_path_buf(),
                plugins,
            });
        }
        errors.sort_by_key(|(span, _)| span.start);
        Err(ManifestErrors(
            errors
                .into_iter()
                .map(|(span, message)| ManifestError {
                    location: source.locate(span.start),
                    message,
                })
                .collect(),
        ))
    }

    /// The plugin named `name`.
    pub fn plugin(&self, name: &str) -> Option<&PluginSpec> {
        self.plugins.iter().find(|p| p.name == name)
    }
}

/// Walks the document, collecting problems with their spans.
struct Checker<'a> {
    source: &'a Source,
    dir: &'a Path,
    errors: Vec<(Range<usize>, String)>,
    host_modules: &'a [String],
    /// Every plugin name seen, also of entries with problems of their own.
    names: Vec<String>,
}

/// An entry being read: its fields by key, and the spans needed later.
struct Fields<'n> {
    entries: &'n [Entry],
}

impl<'n> Fields<'n> {
    fn get(&self, key: &str) -> Option<&'n Entry> {
        self.entries.iter().find(|e| e.key == key)
    }
}

/// A plugin entry read, before the checks that need every entry (imports, groups).
struct Draft {
    spec: PluginSpec,
    span: Range<usize>,
    group_span: Option<Range<usize>>,
    imports: Vec<(String, Range<usize>)>,
}

impl Checker<'_> {
    fn error(&mut self, span: &Range<usize>, message: impl Into<String>) {
        self.errors.push((span.clone(), message.into()));
    }

    fn root(&mut self, root: &Node) -> Vec<PluginSpec> {
        let Kind::Table(entries) = &root.kind else {
            self.error(
                &root.span,
                format!(
                    "the manifest must be a table (an object), not {}",
                    root.kind.describe()
                ),
            );
            return Vec::new();
        };
        let mut list = None;
        for e in entries {
            if e.key == "plugins" {
                list = Some(e);
            } else {
                let hint = suggest(&e.key, &["plugins"]);
                self.error(
                    &e.key_span,
                    format!(
                        "unknown key \"{}\" at the top of the manifest{hint}; it holds only [[plugins]] entries",
                        e.key
                    ),
                );
            }
        }
        let Some(list) = list else {
            self.error(
                &(0..0),
                "the manifest defines no plugins: add a [[plugins]] entry",
            );
            return Vec::new();
        };
        let Kind::Array(items) = &list.value.kind else {
            self.error(
                &list.value.span,
                format!(
                    "\"plugins\" must be an array of tables ([[plugins]]), not {}",
                    list.value.kind.describe()
                ),
            );
            return Vec::new();
        };
        if items.is_empty() {
            self.error(&list.value.span, "the manifest defines no plugins");
        }
        let drafts: Vec<Draft> = items.iter().filter_map(|n| self.plugin(n)).collect();
        self.cross_checks(&drafts);
        drafts.into_iter().map(|d| d.spec).collect()
    }

    fn plugin(&mut self, node: &Node) -> Option<Draft> {
        let Kind::Table(entries) = &node.kind else {
            self.error(
                &node.span,
                format!(
                    "a plugin entry must be a table, not {}",
                    node.kind.describe()
                ),
            );
            return None;
        };
        let f = Fields { entries };
        let name = match f.get("name") {
            Some(e) => self.string(&e.value, "name").and_then(|n| {
                let ok = !n.is_empty()
                    && n.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
                if ok {
                    Some(n)
                } else {
                    self.error(
                        &e.value.span,
                        format!(
                            "plugin name \"{n}\" must be letters, digits, '-' and '_' (it is written NAME.EXPORT on the command line)"
                        ),
                    );
                    None
                }
            }),
            None => {
                self.error(&node.span, "this plugin entry has no \"name\"");
                None
            }
        };
        let who = name
            .clone()
            .map_or_else(|| "this plugin".to_string(), |n| format!("plugin \"{n}\""));
        for e in entries {
            if !PLUGIN_KEYS.contains(&e.key.as_str()) {
                let hint = suggest(&e.key, PLUGIN_KEYS);
                self.error(
                    &e.key_span,
                    format!("unknown key \"{}\" in {who}{hint}", e.key),
                );
            }
        }
        let source = match f.get("source") {
            Some(e) => self.source(&e.value, &who),
            None => {
                self.error(&node.span, format!("{who} has no \"source\" file"));
                None
            }
        };
        let sha256 = f.get("sha256").and_then(|e| {
            let pin = self.string(&e.value, "sha256")?.to_ascii_lowercase();
            if pin.len() != 64 || !pin.chars().all(|c| c.is_ascii_hexdigit()) {
                self.error(
                    &e.value.span,
                    "sha256 must be 64 hexadecimal digits (the SHA-256 of the source file)",
                );
                return None;
            }
            if let Some((path, _, code)) = &source {
                let actual = hex(&sha2::Sha256::digest(code));
                if actual != pin {
                    self.error(
                        &e.value.span,
                        format!(
                            "sha256 mismatch for {}: the manifest pins {pin}, the file's is {actual}",
                            path.display()
                        ),
                    );
                    return None;
                }
            }
            Some(pin)
        });
        let group = f.get("group").and_then(|e| self.string(&e.value, "group"));
        let config = f
            .get("config")
            .and_then(|e| match &e.value.kind {
                Kind::Table(_) => Some(node_value(&e.value)),
                k => {
                    self.error(
                        &e.value.span,
                        format!("config must be a table, not {}", k.describe()),
                    );
                    None
                }
            })
            .unwrap_or(Value::Object(Vec::new()));
        let imports = f
            .get("imports")
            .map(|e| self.string_list(&e.value, "imports"))
            .unwrap_or_default();
        let mut host_imports = Vec::new();
        let mut plugin_imports = Vec::new();
        let mut plugin_spans = Vec::new();
        for (imp, span) in imports {
            if imp.starts_with("host:") {
                if !self.host_modules.contains(&imp) {
                    let known: Vec<&str> = self.host_modules.iter().map(String::as_str).collect();
                    let hint = suggest(&imp, &known);
                    self.error(
                        &span,
                        format!(
                            "no host module \"{imp}\"{hint}; the host provides {}",
                            known.join(", ")
                        ),
                    );
                } else if !host_imports.contains(&imp) {
                    host_imports.push(imp);
                }
            } else if !plugin_imports.contains(&imp) {
                plugin_imports.push(imp.clone());
                plugin_spans.push((imp, span));
            }
        }
        let paths = |this: &mut Self, key: &str| -> Vec<PathBuf> {
            f.get(key)
                .map(|e| this.string_list(&e.value, key))
                .unwrap_or_default()
                .into_iter()
                .map(|(p, _)| normalize(&this.dir.join(p)))
                .collect()
        };
        let allow_read = paths(self, "allow_read");
        let allow_write = paths(self, "allow_write");
        let allow_env = f
            .get("allow_env")
            .and_then(|e| match e.value.kind {
                Kind::Bool(b) => Some(b),
                ref k => {
                    self.error(
                        &e.value.span,
                        format!("allow_env must be true or false, not {}", k.describe()),
                    );
                    None
                }
            })
            .unwrap_or(false);
        if allow_env {
            // Fine: host:env and process.env check it.
        } else if let Some(e) = f.get("imports")
            && host_imports.iter().any(|h| h == "host:env")
        {
            self.error(
                &e.value.span,
                format!(
                    "{who} imports host:env but does not set allow_env = true: every read would be denied"
                ),
            );
        }
        let kind = source.as_ref().map(|(_, k, _)| *k);
        let forced = f.get("abi").and_then(|e| match self.string(&e.value, "abi")?.as_str() {
            "extism" if kind == Some(PluginKind::Wasm) => Some(Abi::Extism),
            "extism" => {
                self.error(&e.value.span, format!("{who} is JavaScript: only a Wasm plugin speaks the Extism ABI"));
                None
            }
            "warren" => Some(Abi::Warren),
            other => {
                self.error(&e.value.span, format!("abi \"{other}\" is not known: it is \"extism\" (or \"warren\", the default)"));
                None
            }
        });
        let abi = match (forced, &source) {
            (Some(a), _) => a,
            (None, Some((_, PluginKind::Wasm, code))) if crate::plugins::extism::detect(code) => {
                Abi::Extism
            }
            _ => Abi::Warren,
        };
        let allowed_hosts = f.get("allowed_hosts").map(|e| {
            self.string_list(&e.value, "allowed_hosts")
                .into_iter()
                .map(|(h, _)| h)
                .collect::<Vec<_>>()
        });
        let log_level = f.get("log_level").and_then(|e| {
            let text = self.string(&e.value, "log_level")?;
            text.parse::<crate::plugins::extism::LogLevel>()
                .map_err(|err| self.error(&e.value.span, err.to_string()))
                .ok()
        });
        let is_js = matches!(&source, Some((_, PluginKind::Js, _)));
        if let Some(e) = f.get("allowed_hosts")
            && abi != Abi::Extism
            && !is_js
        {
            self.error(
                &e.key_span,
                format!(
                    "allowed_hosts is for JS plugins (fetch) and Extism plugins (http_request); {who} is a Wasm module on warren's ABI, which has no network"
                ),
            );
        }
        if abi != Abi::Extism {
            for key in ["log_level"] {
                if let Some(e) = f.get(key) {
                    self.error(
                        &e.key_span,
                        format!(
                            "{key} is for Extism plugins; {who} does not import extism:host/env"
                        ),
                    );
                }
            }
        }
        let mut preopens: Vec<crate::wasi::Preopen> = allow_read
            .iter()
            .filter(|p| !allow_write.contains(p))
            .map(|p| (p, true))
            .chain(allow_write.iter().map(|p| (p, false)))
            .map(|(p, read_only)| crate::wasi::Preopen {
                host: p.clone(),
                guest: p.display().to_string(),
                read_only,
            })
            .collect();
        preopens.dedup();
        let limits = f
            .get("limits")
            .map(|e| self.limits(&e.value, kind, &who))
            .unwrap_or_default();
        let routes: Vec<Route> = f
            .get("routes")
            .map(|e| self.string_list(&e.value, "routes"))
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(r, span)| match Route::parse(&r) {
                Ok(route) => Some(route),
                Err(why) => {
                    self.error(&span, format!("route \"{r}\" of {who}: {why}"));
                    None
                }
            })
            .collect();
        let count = |this: &mut Self, key: &str, default: usize| -> usize {
            match f.get(key).map(|e| (&e.value.kind, &e.value.span)) {
                None => default,
                Some((Kind::Integer(n), _)) if *n > 0 => usize::try_from(*n).unwrap_or(usize::MAX),
                Some((k, span)) => {
                    this.error(
                        span,
                        format!(
                            "{key} must be a positive integer, not {}",
                            describe_value(k)
                        ),
                    );
                    default
                }
            }
        };
        let instances = count(self, "instances", 1);
        let max_queue = count(self, "max_queue", DEFAULT_MAX_QUEUE);
        // Its default depends on the kind of handler, known below.
        let concurrency = f.get("concurrency").map(|_| count(self, "concurrency", 1));
        if f.get("routes").is_none() {
            for key in ["instances", "max_queue", "concurrency"] {
                if let Some(e) = f.get(key) {
                    self.error(
                        &e.key_span,
                        format!("{key} applies to HTTP handlers, and {who} has no routes"),
                    );
                }
            }
        }
        if let Some(e) = f.get("group")
            && f.get("routes").is_some()
        {
            self.error(
                &e.key_span,
                format!(
                    "{who} has routes and a group: an HTTP handler runs in isolates of its own"
                ),
            );
        }
        let (name, (path, kind, code)) = (name?, source?);
        let concurrency = concurrency.unwrap_or_else(|| default_concurrency(kind));
        if let Some(e) = f.get("concurrency")
            && kind != PluginKind::Js
        {
            self.error(
                &e.key_span,
                String::from("concurrency applies to JS handlers: a Wasm handler's call runs to its end, one at a time"),
            );
        }
        let location = f.get("name").map_or_else(
            || self.source.locate(node.span.start),
            |e| self.source.locate(e.key_span.start),
        );
        let source_location = f.get("source").map_or_else(
            || location.clone(),
            |e| self.source.locate(e.value.span.start),
        );
        Some(Draft {
            span: f
                .get("name")
                .map_or(node.span.clone(), |e| e.value.span.clone()),
            group_span: f.get("group").map(|e| e.value.span.clone()),
            imports: plugin_spans,
            spec: PluginSpec {
                name,
                source: path,
                kind,
                abi,
                extism: ExtismOptions {
                    log_level,
                    preopens,
                },
                allowed_hosts,
                code,
                sha256,
                group,
                config,
                host_imports,
                plugin_imports,
                allow_read,
                allow_write,
                allow_env,
                limits,
                routes,
                instances,
                max_queue,
                concurrency,
                location,
                source_location,
            },
        })
    }

    /// The checks that need every entry: unique names, imported plugins that exist,
    /// groups whose members agree.
    fn cross_checks(&mut self, drafts: &[Draft]) {
        let mut seen: HashMap<&str, &Draft> = HashMap::new();
        for d in drafts {
            if let Some(first) = seen.get(d.spec.name.as_str()) {
                self.error(
                    &d.span,
                    format!(
                        "a plugin named \"{}\" is already defined at line {}",
                        d.spec.name, first.spec.location.line
                    ),
                );
            } else {
                seen.insert(&d.spec.name, d);
            }
        }
        for d in drafts {
            for (imp, span) in &d.imports {
                match seen.get(imp.as_str()) {
                    // An entry with problems of its own, reported there.
                    None if self.names.contains(imp) => {}
                    None => {
                        let names: Vec<&str> = drafts.iter().map(|d| d.spec.name.as_str()).collect();
                        let hint = suggest(imp, &names);
                        self.error(
                            span,
                            format!(
                                "plugin \"{}\" imports \"{imp}\", which is neither a plugin of this manifest nor a host: module{hint}",
                                d.spec.name
                            ),
                        );
                    }
                    Some(other) if other.spec.is_handler() => self.error(
                        span,
                        format!(
                            "plugin \"{}\" imports \"{imp}\", an HTTP handler (it has routes): handlers answer requests, they are not called",
                            d.spec.name
                        ),
                    ),
                    Some(_) if *imp == d.spec.name => self.error(
                        span,
                        format!(
                            "plugin \"{imp}\" imports itself: a plugin calls its own functions directly, not through host:plugins"
                        ),
                    ),
                    Some(other)
                        if other.spec.group.is_some() && other.spec.group == d.spec.group =>
                    {
                        self.error(
                            span,
                            format!(
                                "plugin \"{}\" imports \"{imp}\" from its own group: group members share one isolate, so they share modules and objects directly instead of calling through host:plugins",
                                d.spec.name
                            ),
                        )
                    }
                    Some(_) => {}
                }
            }
        }
        let mut groups: Vec<(&str, Vec<&Draft>)> = Vec::new();
        for d in drafts {
            if let Some(g) = &d.spec.group {
                match groups.iter_mut().find(|(n, _)| n == g) {
                    Some((_, members)) => members.push(d),
                    None => groups.push((g, vec![d])),
                }
            }
        }
        for (g, members) in groups {
            let first = members[0];
            for m in &members {
                let span = m.group_span.clone().unwrap_or(m.span.clone());
                if m.spec.kind == PluginKind::Wasm {
                    self.error(
                        &span,
                        format!(
                            "plugin \"{}\" is Wasm and cannot join group \"{g}\": a group shares one JS context; a Wasm plugin runs in an isolate of its own",
                            m.spec.name
                        ),
                    );
                    continue;
                }
                if std::ptr::eq(*m, first) {
                    continue;
                }
                let differs = [
                    ("allow_read", m.spec.allow_read != first.spec.allow_read),
                    ("allow_write", m.spec.allow_write != first.spec.allow_write),
                    ("allow_env", m.spec.allow_env != first.spec.allow_env),
                    (
                        "allowed_hosts",
                        m.spec.allowed_hosts != first.spec.allowed_hosts,
                    ),
                    ("imports", {
                        let mut a = m.spec.host_imports.clone();
                        let mut b = first.spec.host_imports.clone();
                        a.sort();
                        b.sort();
                        a != b || m.spec.plugin_imports != first.spec.plugin_imports
                    }),
                    ("limits", m.spec.limits != first.spec.limits),
                ];
                let what: Vec<&str> = differs
                    .iter()
                    .filter(|(_, d)| *d)
                    .map(|(k, _)| *k)
                    .collect();
                if !what.is_empty() {
                    self.error(
                        &span,
                        format!(
                            "plugin \"{}\" declares other {} than \"{}\" in group \"{g}\": members share one isolate, so whatever one may reach all can; declare the same",
                            m.spec.name,
                            what.join(", "),
                            first.spec.name
                        ),
                    );
                }
                if members
                    .iter()
                    .take_while(|o| !std::ptr::eq(**o, *m))
                    .any(|o| o.spec.dir() == m.spec.dir())
                {
                    self.error(
                        &span,
                        format!(
                            "plugin \"{}\" shares its directory with another member of group \"{g}\": each member needs its own directory (host:config tells them apart by it)",
                            m.spec.name
                        ),
                    );
                }
            }
        }
    }

    fn string(&mut self, node: &Node, key: &str) -> Option<String> {
        match &node.kind {
            Kind::String(s) => Some(s.clone()),
            k => {
                self.error(
                    &node.span,
                    format!("{key} must be a string, not {}", k.describe()),
                );
                None
            }
        }
    }

    fn string_list(&mut self, node: &Node, key: &str) -> Vec<(String, Range<usize>)> {
        let Kind::Array(items) = &node.kind else {
            self.error(
                &node.span,
                format!(
                    "{key} must be an array of strings, not {}",
                    node.kind.describe()
                ),
            );
            return Vec::new();
        };
        items
            .iter()
            .filter_map(|n| match &n.kind {
                Kind::String(s) => Some((s.clone(), n.span.clone())),
                k => {
                    self.error(
                        &n.span,
                        format!("{key} must hold strings, not {}", k.describe()),
                    );
                    None
                }
            })
            .collect()
    }

    /// The source file: its kind by extension, its bytes read once.
    fn source(&mut self, node: &Node, who: &str) -> Option<(PathBuf, PluginKind, Arc<[u8]>)> {
        let rel = self.string(node, "source")?;
        let kind = match Path::new(&rel).extension().and_then(|e| e.to_str()) {
            Some("js" | "mjs") => PluginKind::Js,
            Some("wasm" | "wat") => PluginKind::Wasm,
            _ => {
                self.error(
                    &node.span,
                    format!(
                        "source \"{rel}\" of {who} must be a .js or .mjs module, or a .wasm or .wat module"
                    ),
                );
                return None;
            }
        };
        let path = normalize(&self.dir.join(&rel));
        match std::fs::read(&path) {
            Ok(code) => Some((path, kind, code.into())),
            Err(e) => {
                let why = if e.kind() == std::io::ErrorKind::NotFound {
                    "no such file".to_string()
                } else {
                    e.to_string()
                };
                self.error(
                    &node.span,
                    format!(
                        "cannot read source \"{rel}\" of {who}: {why} ({})",
                        path.display()
                    ),
                );
                None
            }
        }
    }

    fn limits(&mut self, node: &Node, kind: Option<PluginKind>, who: &str) -> Limits {
        let mut limits = Limits::default();
        let Kind::Table(entries) = &node.kind else {
            self.error(
                &node.span,
                format!("limits must be a table, not {}", node.kind.describe()),
            );
            return limits;
        };
        for e in entries {
            match e.key.as_str() {
                "memory" => {
                    if let Some(m) = self.memory(&e.value) {
                        limits.memory = m;
                    }
                }
                "max_var_bytes" => {
                    if let Some(n) = self.size(&e.value, "max_var_bytes") {
                        limits.max_var_bytes = n;
                    }
                }
                "max_http_response_bytes" => {
                    if let Some(n) = self.size(&e.value, "max_http_response_bytes") {
                        limits.max_http_response_bytes = n;
                    }
                }
                "timeout" => {
                    if let Some(t) = self.duration(&e.value, "timeout") {
                        limits.timeout = t;
                    }
                }
                "cpu_limit" => {
                    if let Some(t) = self.duration(&e.value, "cpu_limit") {
                        limits.cpu_limit = Some(t);
                    }
                }
                "fuel" => match e.value.kind {
                    Kind::Integer(n) if n > 0 => {
                        if kind == Some(PluginKind::Js) {
                            self.error(
                                &e.key_span,
                                format!("fuel meters Wasm; {who} is JavaScript (its limits are memory and timeout)"),
                            );
                        } else {
                            limits.fuel = Some(n as u64);
                        }
                    }
                    ref k => self.error(
                        &e.value.span,
                        format!("fuel must be a positive integer, not {}", describe_value(k)),
                    ),
                },
                other => {
                    let hint = suggest(other, LIMIT_KEYS);
                    self.error(
                        &e.key_span,
                        format!("unknown limit \"{other}\" in {who}{hint}; the limits are memory, timeout, cpu_limit and fuel"),
                    );
                }
            }
        }
        limits
    }

    fn memory(&mut self, node: &Node) -> Option<u64> {
        let bytes = self.size(node, "memory")?;
        if bytes < MIN_MEMORY {
            self.error(
                &node.span,
                format!(
                    "memory {} is too small: an isolate needs at least {}",
                    bytesize::ByteSize(bytes).display().iec(),
                    bytesize::ByteSize(MIN_MEMORY).display().iec()
                ),
            );
            return None;
        }
        Some(bytes)
    }

    /// A size: a string like "64MiB" or a number of bytes.
    fn size(&mut self, node: &Node, key: &str) -> Option<u64> {
        Some(match &node.kind {
            Kind::String(s) => match s.trim().parse::<bytesize::ByteSize>() {
                Ok(b) => b.as_u64(),
                Err(_) => {
                    self.error(
                        &node.span,
                        format!("{key} \"{s}\" is not a size: write it like \"64MiB\""),
                    );
                    return None;
                }
            },
            Kind::Integer(n) if *n >= 0 => *n as u64,
            k => {
                self.error(
                    &node.span,
                    format!(
                        "{key} must be a size like \"64MiB\" (or a number of bytes), not {}",
                        describe_value(k)
                    ),
                );
                return None;
            }
        })
    }

    fn duration(&mut self, node: &Node, key: &str) -> Option<Duration> {
        let Kind::String(s) = &node.kind else {
            self.error(
                &node.span,
                format!(
                    "{key} must be a duration with its unit, like \"200ms\", not {}",
                    describe_value(&node.kind)
                ),
            );
            return None;
        };
        match humantime::parse_duration(s.trim()) {
            Ok(d) if !d.is_zero() => Some(d),
            Ok(_) => {
                self.error(&node.span, format!("{key} must be longer than zero"));
                None
            }
            Err(e) => {
                self.error(
                    &node.span,
                    format!(
                        "{key} \"{s}\" is not a duration ({e}): write it like \"200ms\" or \"2s\""
                    ),
                );
                None
            }
        }
    }
}

/// How messages name a value, with the value itself for scalars.
fn describe_value(k: &Kind) -> String {
    match k {
        Kind::Integer(n) => format!("{n}"),
        Kind::Float(f) => format!("{f}"),
        Kind::String(s) => format!("\"{s}\""),
        k => k.describe().to_string(),
    }
}

/// A document node as a plugin value (config tables).
fn node_value(n: &Node) -> Value {
    match &n.kind {
        Kind::String(s) | Kind::Datetime(s) => Value::String(s.clone()),
        Kind::Integer(i) => Value::Number((*i).into()),
        Kind::Float(f) => Value::from_f64(*f),
        Kind::Bool(b) => Value::Bool(*b),
        Kind::Null => Value::Null,
        Kind::Array(items) => Value::Array(items.iter().map(node_value).collect()),
        Kind::Table(entries) => Value::Object(
            entries
                .iter()
                .map(|e| (e.key.clone(), node_value(&e.value)))
                .collect(),
        ),
    }
}

/// `path` with `.` and `..` resolved by name (symlinks are resolved later, by the checks
/// that use it).
pub(crate) fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            c => out.push(c),
        }
    }
    out
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `; did you mean "x"?` for the closest of `known` within two edits.
fn suggest(word: &str, known: &[&str]) -> String {
    known
        .iter()
        .map(|k| (edit_distance(word, k), k))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, k)| format!(" (did you mean \"{k}\"?)"))
        .unwrap_or_default()
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}
