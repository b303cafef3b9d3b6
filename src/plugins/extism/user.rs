//! `extism:host/user`: the host functions an Extism plugin declares itself, resolved
//! against its manifest entry's `imports`. A function is either
//!
//! - one of a granted `host:` module's functions with the same name and Wasm signature,
//!   linked as it is; or
//! - an export of the same name of a plugin it imports, called through the host as
//!   `host:plugins` calls are (checked against its imports and the wait-for graph). Such a
//!   function takes at most one i64 (the offset of a kernel block: the input, handed over as
//!   bytes) and returns at most one (the offset of a new block with the output's bytes: a
//!   string's UTF-8, bytes as they are, other values as JSON, nothing for `null`). The call
//!   suspends the plugin's Wasm stack (JSPI) until the answer is in.

use std::sync::Arc;

use wasmparser::ValType::I64;

use crate::host::Linker;
use crate::plugins::bindings::Outbound;
use crate::plugins::extism::env;
use crate::plugins::extism::value_bytes;
use crate::value::Value;
use crate::wasm::{ExternType, FuncSig, ModuleInfo};

/// The import module of a plugin's own host functions.
pub(crate) const MODULE: &str = "extism:host/user";

/// Defines every `extism:host/user` function `info` imports on `linker`, from the functions
/// of `host_modules` (granted namespaces already on `linker`) or the plugins `out` may call.
/// Returns the imports that nothing provides, as messages.
pub(crate) fn add_to_linker(
    linker: &mut Linker,
    info: &ModuleInfo,
    host_modules: &[String],
    out: &Arc<Outbound>,
) -> crate::Result<Vec<String>> {
    let mut missing = Vec::new();
    for imp in info.imports.iter().filter(|i| i.module == MODULE) {
        let ExternType::Func(sig) = &imp.ty else {
            missing.push(format!(
                "it imports {MODULE}.{} ({}), but only functions can be imported from {MODULE}",
                imp.name, imp.ty
            ));
            continue;
        };
        if linker.has_func(MODULE, &imp.name) {
            continue;
        }
        // An embedder's namespace `kv` is granted as `host:kv` but registered as either.
        let provider = host_modules
            .iter()
            .flat_map(|m| [m.as_str(), m.strip_prefix("host:").unwrap_or(m)])
            .find(|m| linker.wasm_sig_of(m, &imp.name).as_ref() == Some(sig))
            .map(str::to_string);
        if let Some(module) = provider {
            linker.alias(&module, &imp.name, MODULE)?;
            continue;
        }
        if out.allowed.is_empty() {
            missing.push(format!(
                "it imports {MODULE}.{} ({sig}), but neither a plugin in its imports nor a granted host: module provides it",
                imp.name
            ));
            continue;
        }
        if !define_call(linker, &imp.name, sig, out)? {
            missing.push(format!(
                "it imports {MODULE}.{} ({sig}): a host function served by a plugin takes at most one i64 and returns at most one",
                imp.name
            ));
        }
    }
    Ok(missing)
}

/// Defines `name` as a call of the export `name` of the first plugin `out` may call that
/// has it. False when `sig` is not one such a call can have.
fn define_call(
    linker: &mut Linker,
    name: &str,
    sig: &FuncSig,
    out: &Arc<Outbound>,
) -> crate::Result<bool> {
    let takes = match sig.params.as_slice() {
        [] => false,
        [I64] => true,
        _ => return Ok(false),
    };
    let gives = match sig.results.as_slice() {
        [] => false,
        [I64] => true,
        _ => return Ok(false),
    };
    let call = Arc::new(UserCall {
        name: name.to_string(),
        out: out.clone(),
    });
    let c = call;
    match (takes, gives) {
        (true, true) => linker.func_async(MODULE, name, move |offset: i64| {
            let c = c.clone();
            let input = c.input(offset);
            async move { c.run(input).await }
        })?,
        (true, false) => linker.func_async(MODULE, name, move |offset: i64| {
            let c = c.clone();
            let input = c.input(offset);
            async move { c.run(input).await.map(drop) }
        })?,
        (false, true) => linker.func_async(MODULE, name, move || {
            let c = c.clone();
            async move { c.run(Ok(Vec::new())).await }
        })?,
        (false, false) => linker.func_async(MODULE, name, move || {
            let c = c.clone();
            async move { c.run(Ok(Vec::new())).await.map(drop) }
        })?,
    };
    Ok(true)
}

/// One user host function served by a plugin.
struct UserCall {
    name: String,
    out: Arc<Outbound>,
}

impl UserCall {
    /// The input block's bytes, taken from the kernel before the call suspends.
    fn input(&self, offset: i64) -> Result<Vec<u8>, String> {
        env::take(offset as u64, &format!("{MODULE}.{}'s input", self.name))
    }

    async fn run(&self, input: Result<Vec<u8>, String>) -> Result<i64, String> {
        let input = input?;
        let target = self.provider()?;
        let output = self
            .out
            .call(&target, &self.name, Value::Bytes(input))
            .await
            .map_err(|e| e.to_string())?;
        let bytes = value_bytes(&output);
        Ok(env::give(&bytes)? as i64)
    }

    /// The first plugin of the caller's imports that exports this function.
    fn provider(&self) -> Result<String, String> {
        let router = self
            .out
            .router
            .upgrade()
            .ok_or_else(|| "the host is shut down, or still loading its plugins".to_string())?;
        self.out
            .allowed
            .iter()
            .find(|p| router.exports_of(p).is_some_and(|e| e.contains(&self.name)))
            .cloned()
            .ok_or_else(|| {
                format!(
                    "none of the plugins it imports ({}) exports \"{}\"",
                    self.out.allowed.join(", "),
                    self.name
                )
            })
    }
}
