//! Module loading outside V8: the [`ModuleLoader`] trait (resolve + async load, in the style
//! of deno_core's), and [`FsModuleLoader`], which resolves relative paths, `file:` and `data:`
//! URLs, `host:` modules, import maps and bare specifiers through `node_modules`.

pub mod import_map;
pub mod npm;

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;

use url::Url;

pub use import_map::ImportMap;

/// What kind of module a source is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModuleKind {
    /// An ES module.
    JavaScript,
    /// A CommonJS module (`.cjs`, or `.js` in a `"type": "commonjs"` package).
    CommonJs,
    /// JSON, imported `with { type: "json" }`.
    Json,
    /// A Wasm binary, or WAT text compiled on load.
    Wasm,
}

/// A loaded module's code.
#[derive(Debug, Clone)]
pub struct ModuleSource {
    pub kind: ModuleKind,
    pub code: Vec<u8>,
    /// The URL the code was finally loaded from (after redirects, if any).
    pub url: Url,
}

/// The future a loader returns.
pub type LoadFuture = Pin<Box<dyn Future<Output = Result<ModuleSource, String>>>>;

/// Resolves specifiers and loads module code. `resolve` is called while the graph loads and
/// its answers are recorded: instantiation only looks them up.
pub trait ModuleLoader {
    /// Resolves `specifier` imported from the module at `referrer`.
    fn resolve(&self, specifier: &str, referrer: &Url) -> Result<Url, String>;
    /// Loads the module at `url`.
    fn load(&self, url: &Url) -> LoadFuture;
}

/// The default loader: the file system, `data:` URLs, import maps and `node_modules`.
#[derive(Debug, Clone, Default)]
pub struct FsModuleLoader {
    pub import_map: Option<ImportMap>,
}

impl FsModuleLoader {
    pub fn new(import_map: Option<ImportMap>) -> Self {
        FsModuleLoader { import_map }
    }
}

/// Node's built-in module names that resolve without the `node:` prefix.
pub const NODE_BUILTINS: &[&str] = &[
    "assert",
    "assert/strict",
    "buffer",
    "child_process",
    "crypto",
    "events",
    "fs",
    "fs/promises",
    "http",
    "https",
    "module",
    "net",
    "os",
    "path",
    "path/posix",
    "perf_hooks",
    "process",
    "stream",
    "string_decoder",
    "timers",
    "timers/promises",
    "tty",
    "url",
    "util",
    "worker_threads",
    "zlib",
];

/// Whether `spec` names a Node built-in module (`fs`, `path`, ...).
pub fn is_node_builtin(spec: &str) -> bool {
    NODE_BUILTINS.contains(&spec)
}

/// Whether a specifier is a relative or absolute path (not bare).
pub fn is_path_like(spec: &str) -> bool {
    spec.starts_with("./") || spec.starts_with("../") || spec.starts_with('/')
}

/// Resolves without an import map or node_modules: URLs, `host:` and paths.
pub fn resolve_basic(spec: &str, referrer: &Url) -> Option<Result<Url, String>> {
    if spec.starts_with("host:") || spec.starts_with("node:") {
        return Some(Url::parse(spec).map_err(|e| e.to_string()));
    }
    if let Ok(url) = Url::parse(spec) {
        return Some(match url.scheme() {
            "file" | "data" | "host" | "node" => Ok(url),
            s => Err(format!("unsupported URL scheme \"{s}:\"")),
        });
    }
    if is_path_like(spec) {
        return Some(referrer.join(spec).map_err(|e| e.to_string()));
    }
    None
}

impl ModuleLoader for FsModuleLoader {
    fn resolve(&self, specifier: &str, referrer: &Url) -> Result<Url, String> {
        if let Some(map) = &self.import_map
            && let Some(url) = map.resolve(specifier, referrer)?
        {
            return Ok(url);
        }
        if let Some(r) = resolve_basic(specifier, referrer) {
            return r;
        }
        if is_node_builtin(specifier) {
            return Url::parse(&format!("node:{specifier}")).map_err(|e| e.to_string());
        }
        if referrer.scheme() == "file"
            && let Ok(path) = referrer.to_file_path()
        {
            let dir = path.parent().unwrap_or(Path::new("/"));
            return npm::resolve_package(specifier, dir, npm::ESM_CONDITIONS)
                .and_then(|p| Url::from_file_path(&p).map_err(|_| "bad path".to_string()));
        }
        Err("bare specifiers need a node_modules folder or an import map".into())
    }

    fn load(&self, url: &Url) -> LoadFuture {
        let url = url.clone();
        Box::pin(async move {
            match url.scheme() {
                "file" => {
                    let path = url
                        .to_file_path()
                        .map_err(|_| format!("{url} is not a file path"))?;
                    // A local read is faster than the hop to tokio's blocking pool would be
                    // (a graph of hundreds of files loads one after another).
                    let code = std::fs::read(&path).map_err(|e| e.to_string())?;
                    Ok(ModuleSource {
                        kind: kind_for_file(&path, &code),
                        code,
                        url,
                    })
                }
                "data" => {
                    let (mime, code) = decode_data_url(url.as_str())?;
                    let kind = match mime.as_str() {
                        "application/json" | "text/json" => ModuleKind::Json,
                        "application/wasm" => ModuleKind::Wasm,
                        _ => ModuleKind::JavaScript,
                    };
                    Ok(ModuleSource { kind, code, url })
                }
                s => Err(format!("cannot load \"{s}:\" URLs")),
            }
        })
    }
}

/// The module kind of a file: by extension; for `.js`, the nearest `package.json`'s
/// `"type"`, else detected from the code as Node does (ES module syntax means ESM,
/// `require`/`module.exports` without it means CommonJS).
pub fn kind_for_file(path: &Path, code: &[u8]) -> ModuleKind {
    match path.extension().and_then(|e| e.to_str()) {
        Some("wasm" | "wat") => ModuleKind::Wasm,
        Some("json") => ModuleKind::Json,
        Some("cjs") => ModuleKind::CommonJs,
        Some("mjs") => ModuleKind::JavaScript,
        _ => match npm::package_type(path).as_deref() {
            Some("module") => ModuleKind::JavaScript,
            Some("commonjs") => ModuleKind::CommonJs,
            _ => detect_kind(&String::from_utf8_lossy(code)),
        },
    }
}

/// Node's module-syntax detection, approximated on the text: a line starting with `import`
/// or `export` (or `import.meta`, or top-level `await` at line start) means ESM; otherwise
/// `require(`, `module.exports` or `exports.` means CommonJS; otherwise ESM.
pub fn detect_kind(code: &str) -> ModuleKind {
    let esm = code.lines().any(|l| {
        let t = l.trim_start();
        (t.starts_with("import ") || t.starts_with("import{") || t.starts_with("import*"))
            && !t.starts_with("import(")
            || t.starts_with("export ")
            || t.starts_with("export{")
            || t.starts_with("export*")
            || t.starts_with("await ")
    }) || code.contains("import.meta");
    if esm {
        return ModuleKind::JavaScript;
    }
    if code.contains("require(") || code.contains("module.exports") || code.contains("exports.") {
        ModuleKind::CommonJs
    } else {
        ModuleKind::JavaScript
    }
}

/// Decodes a `data:` URL into its media type and bytes.
pub fn decode_data_url(url: &str) -> Result<(String, Vec<u8>), String> {
    let rest = url.strip_prefix("data:").ok_or("not a data: URL")?;
    let (meta, data) = rest.split_once(',').ok_or("data: URL without a comma")?;
    let base64 = meta.ends_with(";base64");
    let mime = meta
        .trim_end_matches(";base64")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let mime = if mime.is_empty() {
        "text/plain".to_string()
    } else {
        mime
    };
    let decoded: Vec<u8> = percent_encoding::percent_decode_str(data).collect();
    let bytes = if base64 {
        use base64::Engine;
        let text: String = String::from_utf8_lossy(&decoded)
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        base64::engine::general_purpose::STANDARD
            .decode(
                text.trim_end_matches('=').to_string()
                    + &"=".repeat((4 - text.trim_end_matches('=').len() % 4) % 4),
            )
            .map_err(|e| format!("bad base64 in data: URL: {e}"))?
    } else {
        decoded
    };
    Ok((mime, bytes))
}

/// A file path as a `file:` URL.
pub fn path_to_url(path: &Path) -> Result<Url, String> {
    let abs: PathBuf = std::path::absolute(path).map_err(|e| e.to_string())?;
    Url::from_file_path(&abs).map_err(|_| format!("{} is not an absolute path", abs.display()))
}
