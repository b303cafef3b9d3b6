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

use crate::permissions::{PermissionError, Permissions};

/// Why a module could not be resolved or loaded. [`crate::Error::Module`] carries it with
/// where the module was asked for.
#[derive(Debug, thiserror::Error)]
pub enum ModuleError {
    /// The module's file is outside what the runtime may read.
    #[error("PermissionDenied: {0}")]
    Permission(#[from] PermissionError),
    /// Its file could not be read.
    #[error("{source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A URL scheme warren does not load (`http:`).
    #[error("unsupported URL scheme \"{0}:\"")]
    Scheme(String),
    /// A specifier or URL that does not parse.
    #[error("{0}")]
    InvalidSpecifier(String),
    /// A bare specifier with no import map entry and no `node_modules` to look in.
    #[error("bare specifiers need a node_modules folder or an import map")]
    BareSpecifier,
    /// A package that `node_modules` does not have, or whose `exports` do not match.
    #[error("{0}")]
    Package(String),
    /// The import map maps the specifier to nothing (or to an address it blocks).
    #[error("{0}")]
    ImportMap(String),
    /// A `data:` URL that does not decode.
    #[error("{0}")]
    DataUrl(String),
    /// Source text that is not UTF-8.
    #[error("the module is not valid UTF-8")]
    NotUtf8,
    /// A JSON module whose text is not JSON.
    #[error("invalid JSON: {0}")]
    Json(String),
    /// A JSON file imported without `with { type: "json" }`.
    #[error("this is a JSON module: import it with {{ type: \"json\" }}")]
    JsonWithoutType,
    /// `node:NAME` for a name the Node layer does not have.
    #[error("no Node built-in module named \"{0}\"")]
    NoSuchBuiltin(String),
    /// A module the importer is not granted (a `host:` module a plugin's manifest entry
    /// does not name).
    #[error("{specifier} is not granted: {why}")]
    NotGranted { specifier: String, why: String },
    /// `host:NAME` for a namespace the Linker does not have.
    #[error("no host module named \"{0}\" is registered")]
    NoSuchHostModule(String),
}

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
pub type LoadFuture = Pin<Box<dyn Future<Output = Result<ModuleSource, ModuleError>>>>;

/// Resolves specifiers and loads module code. `resolve` is called while the graph loads and
/// its answers are recorded: instantiation only looks them up.
pub trait ModuleLoader {
    /// Resolves `specifier` imported from the module at `referrer`.
    fn resolve(&self, specifier: &str, referrer: &Url) -> Result<Url, ModuleError>;
    /// Loads the module at `url`.
    fn load(&self, url: &Url) -> LoadFuture;
}

/// The default loader: the file system, `data:` URLs, import maps and `node_modules`.
///
/// Resolving a bare specifier probes `node_modules` folders and `package.json` files; it
/// probes only paths its `permissions` let the module graph import (others are as if
/// absent), and the default grants nothing. The runtime's own default loader gets the
/// runtime's permissions.
#[derive(Debug, Clone, Default)]
pub struct FsModuleLoader {
    pub import_map: Option<ImportMap>,
    pub permissions: Permissions,
}

impl FsModuleLoader {
    pub fn new(import_map: Option<ImportMap>) -> Self {
        FsModuleLoader {
            import_map,
            permissions: Permissions::default(),
        }
    }

    /// The same loader, probing what `permissions` let the module graph import.
    pub fn with_permissions(mut self, permissions: Permissions) -> Self {
        self.permissions = permissions;
        self
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
    "wasi",
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
pub fn resolve_basic(spec: &str, referrer: &Url) -> Option<Result<Url, ModuleError>> {
    let invalid = |e: url::ParseError| ModuleError::InvalidSpecifier(e.to_string());
    if spec.starts_with("host:") || spec.starts_with("node:") {
        return Some(Url::parse(spec).map_err(invalid));
    }
    if let Ok(url) = Url::parse(spec) {
        return Some(match url.scheme() {
            "file" | "data" | "host" | "node" => Ok(url),
            s => Err(ModuleError::Scheme(s.to_string())),
        });
    }
    if is_path_like(spec) {
        return Some(referrer.join(spec).map_err(invalid));
    }
    None
}

impl ModuleLoader for FsModuleLoader {
    fn resolve(&self, specifier: &str, referrer: &Url) -> Result<Url, ModuleError> {
        if let Some(map) = &self.import_map
            && let Some(url) = map
                .resolve(specifier, referrer)
                .map_err(ModuleError::ImportMap)?
        {
            return Ok(url);
        }
        if let Some(r) = resolve_basic(specifier, referrer) {
            return r;
        }
        if is_node_builtin(specifier) {
            return Url::parse(&format!("node:{specifier}"))
                .map_err(|e| ModuleError::InvalidSpecifier(e.to_string()));
        }
        if referrer.scheme() == "file"
            && let Ok(path) = referrer.to_file_path()
        {
            let dir = path.parent().unwrap_or(Path::new("/"));
            let may = |p: &Path| self.permissions.check_import(p).is_ok();
            let found = npm::resolve_package(specifier, dir, npm::ESM_CONDITIONS, &may)
                .map_err(ModuleError::Package)?;
            return path_to_url(&found);
        }
        Err(ModuleError::BareSpecifier)
    }

    fn load(&self, url: &Url) -> LoadFuture {
        let url = url.clone();
        let permissions = self.permissions.clone();
        Box::pin(async move {
            match url.scheme() {
                "file" => {
                    let path = url.to_file_path().map_err(|_| {
                        ModuleError::InvalidSpecifier(format!("{url} is not a file path"))
                    })?;
                    // A local read is faster than the hop to tokio's blocking pool would be
                    // (a graph of hundreds of files loads one after another).
                    let code = std::fs::read(&path).map_err(|source| ModuleError::Io {
                        path: path.clone(),
                        source,
                    })?;
                    Ok(ModuleSource {
                        kind: kind_for_file(&path, &code, &|p| permissions.check_import(p).is_ok()),
                        code,
                        url,
                    })
                }
                "data" => {
                    let (mime, code) =
                        decode_data_url(url.as_str()).map_err(ModuleError::DataUrl)?;
                    let kind = match mime.as_str() {
                        "application/json" | "text/json" => ModuleKind::Json,
                        "application/wasm" => ModuleKind::Wasm,
                        _ => ModuleKind::JavaScript,
                    };
                    Ok(ModuleSource { kind, code, url })
                }
                s => Err(ModuleError::Scheme(s.to_string())),
            }
        })
    }
}

/// The module kind of a file: by extension; then Wasm by content (`\0asm`, `(module`);
/// then the nearest `package.json`'s `"type"`, else detected from the code as Node does (ES module syntax means ESM,
/// `require`/`module.exports` without it means CommonJS).
///
/// `may` says which `package.json` files may be read (the caller's permission check).
pub fn kind_for_file(path: &Path, code: &[u8], may: npm::May) -> ModuleKind {
    use crate::wasm::Content;
    match path.extension().and_then(|e| e.to_str()) {
        Some("wasm" | "wat") => ModuleKind::Wasm,
        Some("json") => ModuleKind::Json,
        Some("cjs") => ModuleKind::CommonJs,
        Some("mjs") => ModuleKind::JavaScript,
        // Recognised by content, as wasmtime does: a module file needs no extension.
        _ if Content::sniff(code) != Content::Other => ModuleKind::Wasm,
        _ => match npm::package_type(path, may).as_deref() {
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
///
/// # Errors
/// [`ModuleError::InvalidSpecifier`] when the path cannot be made absolute.
pub fn path_to_url(path: &Path) -> Result<Url, ModuleError> {
    let abs: PathBuf = std::path::absolute(path)
        .map_err(|e| ModuleError::InvalidSpecifier(format!("{}: {e}", path.display())))?;
    Url::from_file_path(&abs).map_err(|_| {
        ModuleError::InvalidSpecifier(format!("{} is not an absolute path", abs.display()))
    })
}
