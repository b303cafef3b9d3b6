//! Extism's own JSON manifest (`{"wasm": [{"path": ...}], "config": ..., ...}`), parsed by
//! the `extism-manifest` crate and mapped onto one warren plugin entry: `wasm` (one
//! module, by `path` or inline `data`, pinned by `hash`, named by `name`, `main` when
//! unnamed), `config`, `allowed_hosts`, `allowed_paths` (WASI preopens, host path to guest
//! path, `ro:` for read-only; each also a read or write grant), `memory.max_pages` (the
//! plugin memory's maximum, and the isolate's memory cap: those pages plus room for V8's
//! own heap), `memory.max_var_bytes`,
//! `memory.max_http_response_bytes` and `timeout_ms`. A module given by `url` is refused:
//! loading a plugin never reaches the network.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use sha2::Digest;

use crate::plugins::document::Location;
use crate::plugins::manifest::{
    self, Abi, ExtismOptions, Limits, Manifest, ManifestError, ManifestErrors, PluginKind,
    PluginSpec,
};
use crate::value::Value;

/// What `memory.max_pages` leaves V8's own heap on top of the pages.
const HEAP_ROOM: u64 = 8 << 20;

/// Whether the JSON text `text` is an Extism manifest rather than warren's: an object
/// with a `wasm` key and no `plugins`.
pub(crate) fn is_extism_manifest(text: &str) -> bool {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(o)) => o.contains_key("wasm") && !o.contains_key("plugins"),
        _ => false,
    }
}

/// Reads the Extism manifest `text` (from `path`, whose directory is `dir`).
pub(crate) fn parse(path: &Path, dir: &Path, text: &str) -> Result<Manifest, ManifestErrors> {
    let file = path.display().to_string();
    let at = |line: usize, column: usize, message: String| {
        ManifestErrors(vec![ManifestError {
            location: Location {
                file: file.clone(),
                line,
                column,
            },
            message,
        }])
    };
    let m: extism_manifest::Manifest = serde_json::from_str(text)
        .map_err(|e| at(e.line(), e.column(), format!("not an Extism manifest: {e}")))?;
    let wasm = match m.wasm.as_slice() {
        [one] => one,
        [] => return Err(at(1, 1, "the Extism manifest lists no wasm module".into())),
        more => {
            return Err(at(
                1,
                1,
                format!(
                    "the Extism manifest lists {} wasm modules; warren runs one module per Extism manifest (declare the others as plugins of a warren.toml and import them)",
                    more.len()
                ),
            ));
        }
    };
    let (source, code): (std::path::PathBuf, Vec<u8>) = match wasm {
        extism_manifest::Wasm::File { path: p, .. } => {
            let full = manifest::normalize(&dir.join(p));
            let code = std::fs::read(&full).map_err(|e| {
                at(
                    1,
                    1,
                    format!(
                        "cannot read wasm \"{}\": {e} ({})",
                        p.display(),
                        full.display()
                    ),
                )
            })?;
            (full, code)
        }
        extism_manifest::Wasm::Data { data, .. } => (path.to_path_buf(), data.clone()),
        extism_manifest::Wasm::Url { req, .. } => {
            return Err(at(
                1,
                1,
                format!(
                    "wasm is fetched from {}: warren does not download plugins (loading one never reaches the network); download it and name it by \"path\", pinned by its \"hash\"",
                    req.url
                ),
            ));
        }
    };
    let meta = wasm.meta();
    let sha256 = match &meta.hash {
        Some(pin) => {
            let pin = pin.to_ascii_lowercase();
            let actual = manifest::hex(&sha2::Sha256::digest(&code));
            if pin != actual {
                return Err(at(
                    1,
                    1,
                    format!(
                        "hash mismatch for {}: the manifest pins {pin}, the module's SHA-256 is {actual}",
                        source.display()
                    ),
                ));
            }
            Some(pin)
        }
        None => None,
    };
    let name = meta
        .name
        .clone()
        .filter(|n| {
            !n.is_empty()
                && n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
        .unwrap_or_else(|| "main".to_string());
    let mut allow_read = Vec::new();
    let mut allow_write = Vec::new();
    let mut preopens = Vec::new();
    for (host, guest) in m.allowed_paths.iter().flatten() {
        let (host, read_only) = match host.strip_prefix("ro:") {
            Some(h) => (h, true),
            None => (host.as_str(), false),
        };
        let host = manifest::normalize(&dir.join(host));
        allow_read.push(host.clone());
        if !read_only {
            allow_write.push(host.clone());
        }
        preopens.push(crate::wasi::Preopen {
            host,
            guest: guest.display().to_string(),
            read_only,
        });
    }
    let mut limits = Limits::default();
    if let Some(pages) = m.memory.max_pages {
        limits.memory = u64::from(pages) * 65536 + HEAP_ROOM;
        limits.max_pages = Some(pages);
    }
    limits.max_var_bytes = m.memory.max_var_bytes.unwrap_or(u64::MAX);
    if let Some(n) = m.memory.max_http_response_bytes {
        limits.max_http_response_bytes = n;
    }
    if let Some(ms) = m.timeout_ms {
        if ms == 0 {
            return Err(at(1, 1, "timeout_ms must be more than 0".into()));
        }
        limits.timeout = Duration::from_millis(ms);
    }
    let location = Location {
        file: file.clone(),
        line: 1,
        column: 1,
    };
    let spec = PluginSpec {
        name,
        source,
        kind: PluginKind::Wasm,
        abi: Abi::Extism,
        extism: ExtismOptions {
            log_level: None,
            preopens,
        },
        allowed_hosts: m.allowed_hosts.clone(),
        code: Arc::from(code),
        sha256,
        group: None,
        config: Value::Object(
            m.config
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect(),
        ),
        host_imports: Vec::new(),
        plugin_imports: Vec::new(),
        allow_read,
        allow_write,
        allow_env: false,
        limits,
        // Not an HTTP handler: `warren serve` does not route to it.
        routes: Vec::new(),
        instances: 1,
        max_queue: crate::plugins::manifest::DEFAULT_MAX_QUEUE,
        concurrency: 1,
        location: location.clone(),
        source_location: location,
    };
    Ok(Manifest {
        path: path.to_path_buf(),
        dir: dir.to_path_buf(),
        plugins: vec![spec],
    })
}
