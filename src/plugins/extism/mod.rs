//! Extism plugins in warren's plugin host: Wasm modules that import `extism:host/env` (or
//! whose manifest entry says `abi = "extism"`) run on Extism's host ABI, unmodified.
//!
//! - `kernel.rs`: the kernel memory and its allocator (Rust over a per-plugin buffer);
//!   `env.rs`: `extism:host/env`, the kernel functions and the host functions;
//!   `user.rs`: `extism:host/user`, resolved against the manifest's `imports`;
//!   `http.rs`: `http_request`'s client and its `allowed_hosts` check; `log.rs`: levels;
//!   `json_manifest.rs`: Extism's own JSON manifest as a warren manifest.
//! - This file: detection, the link step (those modules, and WASI preview1 when the plugin
//!   imports it, with preopens from its grants), and the call protocol: initialise once
//!   (`hs_init`, `__wasm_call_ctors` or `_initialize`), then per call reset the kernel, set
//!   the input, call the export (no parameters; an i32 result, 0 for success) and read the
//!   output, or the error the plugin set.

mod env;
mod http;
pub(crate) mod json_manifest;
mod kernel;
mod log;
mod user;

use std::sync::Arc;

pub use log::{BadLogLevel, LogLevel};

use crate::host::Linker;
use crate::plugins::abi::AbiFailure;
use crate::plugins::bindings::Outbound;
use crate::plugins::manifest::PluginSpec;
use crate::value::Value;
use crate::wasm::{ExternType, ModuleInfo, Val};
use crate::{Instance, Runtime};

pub(crate) use env::Plugin;

/// The most bytes `var_set` keeps per plugin unless its manifest says otherwise (Extism's
/// default).
pub const DEFAULT_MAX_VAR_BYTES: u64 = 1 << 20;
/// The largest HTTP response body unless the manifest says otherwise (Extism's default).
pub const DEFAULT_MAX_HTTP_RESPONSE_BYTES: u64 = 50 << 20;

/// The exports that initialise a module rather than serve calls.
const INIT: &[&str] = &["_initialize", "__wasm_call_ctors", "hs_init", "_start"];

/// Whether the module in `bytes` (binary or WAT) imports `extism:host/env`: read from its
/// import section only. False for anything that does not parse; loading reports that.
pub(crate) fn detect(bytes: &[u8]) -> bool {
    let binary = if bytes.starts_with(b"\0asm") {
        std::borrow::Cow::Borrowed(bytes)
    } else {
        match std::str::from_utf8(bytes)
            .ok()
            .and_then(|text| wat::parse_str(text).ok())
        {
            Some(b) => std::borrow::Cow::Owned(b),
            None => return false,
        }
    };
    for payload in wasmparser::Parser::new(0).parse_all(&binary) {
        match payload {
            Ok(wasmparser::Payload::ImportSection(reader)) => {
                return reader
                    .into_imports()
                    .any(|i| i.is_ok_and(|i| i.module == env::MODULE));
            }
            Ok(wasmparser::Payload::CodeSectionStart { .. }) | Err(_) => return false,
            Ok(_) => {}
        }
    }
    false
}

/// The module's bytes with its memory's maximum lowered to `pages` (Extism's
/// `memory.max_pages`), or `None` when it already fits.
///
/// # Errors
/// When its memory needs more than `pages` to start with.
pub(crate) fn clamp_pages(bytes: &[u8], pages: u32) -> Result<Option<Vec<u8>>, String> {
    crate::runtime::memory_budget::clamp_memories(bytes, u64::from(pages)).map_err(|_| {
        format!(
            "its memory needs more than its memory.max_pages ({pages} pages of 64 KiB) to start with"
        )
    })
}

/// Whether `module` is one of the import modules the Extism ABI brings with it.
pub(crate) fn is_abi_module(module: &str) -> bool {
    module == env::MODULE || module == user::MODULE || module == crate::wasi::MODULE
}

/// The entry points: exported functions with no parameters and an i32 result or none.
pub(crate) fn entries(info: &ModuleInfo) -> Vec<String> {
    info.exports
        .iter()
        .filter(|e| !INIT.contains(&e.name.as_str()))
        .filter_map(|e| match &e.ty {
            ExternType::Func(sig)
                if sig.params.is_empty()
                    && matches!(sig.results.as_slice(), [] | [wasmparser::ValType::I32]) =>
            {
                Some(e.name.clone())
            }
            _ => None,
        })
        .collect()
}

/// Defines what an Extism plugin imports on `linker` (which already holds its granted
/// `host:` modules): `extism:host/env`, its `extism:host/user` functions, and WASI
/// preview1 when it imports it. Returns the plugin's host state (`kept`, when the plugin
/// was loaded before: its vars live on), or every import nothing provides.
pub(crate) fn link(
    linker: &mut Linker,
    spec: &PluginSpec,
    info: &ModuleInfo,
    out: Arc<Outbound>,
    log_level: Option<LogLevel>,
    kept: Option<Arc<Plugin>>,
) -> crate::Result<Result<Arc<Plugin>, Vec<String>>> {
    let plugin = kept.unwrap_or_else(|| {
        Arc::new(Plugin::new(
            env::Settings {
                config: env::config_bytes(&spec.config),
                log_level: log_level.or(spec.extism.log_level).unwrap_or_default(),
                max_var_bytes: spec.limits.max_var_bytes,
                http: http::HttpPolicy {
                    allowed_hosts: spec.allowed_hosts.clone(),
                    timeout: spec.limits.timeout,
                    max_response_bytes: spec.limits.max_http_response_bytes,
                },
            },
            spec.limits.memory,
        ))
    });
    env::add_to_linker(linker, &plugin)?;
    let missing = user::add_to_linker(linker, info, &spec.granted_host_modules(), &out)?;
    if !missing.is_empty() {
        return Ok(Err(missing));
    }
    if info.imports.iter().any(|i| i.module == crate::wasi::MODULE) {
        let ctx = crate::wasi::WasiCtx::new(crate::wasi::WasiOptions {
            args: vec![spec.name.clone()],
            preopens: spec.extism.preopens.clone(),
            ..Default::default()
        })?;
        crate::wasi::add_to_linker(linker, ctx)?;
    }
    Ok(Ok(plugin))
}

/// Initialises a freshly instantiated plugin once, as Extism does: a Haskell module's
/// `hs_init` (after its `_initialize`), else `__wasm_call_ctors` or `_initialize`.
pub(crate) async fn initialize(
    rt: &mut Runtime,
    instance: &Instance,
    plugin: &Plugin,
) -> crate::Result<()> {
    let _active = plugin.activate();
    let nullary = |name: &str| {
        instance
            .func(name)
            .ok()
            .filter(|f| f.ty().params.is_empty() && f.ty().results.is_empty())
    };
    if let Ok(hs_init) = instance.func("hs_init") {
        if let Some(init) = nullary("_initialize") {
            rt.call_async(&init, &[]).await?;
        }
        let args: Vec<Val> = hs_init.ty().params.iter().map(|_| Val::I32(0)).collect();
        rt.call_async(&hs_init, &args).await?;
        return Ok(());
    }
    if let Some(init) = nullary("__wasm_call_ctors").or_else(|| nullary("_initialize")) {
        rt.call_async(&init, &[]).await?;
    }
    Ok(())
}

/// A plugin value as the bytes an Extism plugin sees: a string's UTF-8, bytes as they
/// are, nothing for `null`, anything else as JSON text.
pub(crate) fn value_bytes(v: &Value) -> Vec<u8> {
    match v {
        Value::Null => Vec::new(),
        Value::String(s) => s.as_bytes().to_vec(),
        Value::Bytes(b) => b.clone(),
        other => other.to_json_bytes(),
    }
}

/// Calls the entry point `export` with `input`; its output comes back as bytes.
pub(crate) async fn call(
    rt: &mut Runtime,
    instance: &Instance,
    plugin: &Plugin,
    export: &str,
    input: &Value,
) -> Result<Value, AbiFailure> {
    let f = instance.func(export)?;
    let _active = plugin.activate();
    let bytes = value_bytes(input);
    if !env::with_kernel(false, |k| {
        k.reset();
        k.set_input(&bytes)
    }) {
        return Err(AbiFailure::Input(
            "the input does not fit in the plugin's kernel memory (its memory limit)".into(),
        ));
    }
    let results = rt.call_async(&f, &[]).await?;
    let rc = match results.as_slice() {
        [] => 0,
        [Val::I32(rc)] => *rc,
        other => return Err(AbiFailure::Broken(format!("{export} returned {other:?}"))),
    };
    // The output (or the error), then a reset: kernel memory holds nothing between calls.
    let outcome = env::with_kernel(Err(String::new()), |k| {
        let outcome = match k.error() {
            Some(msg) => Err(String::from_utf8_lossy(msg).into_owned()),
            None => Ok(k.output().to_vec()),
        };
        k.reset();
        outcome
    });
    match outcome {
        Err(msg) => Err(AbiFailure::Returned(msg)),
        Ok(_) if rc != 0 => Err(AbiFailure::Returned(format!(
            "exited with code {rc} and set no error message"
        ))),
        Ok(out) => Ok(Value::Bytes(out)),
    }
}
