//! What a plugin isolate may reach, built from its manifest entries and nothing else: its
//! `Permissions` (imports from its own directory, the paths and environment it is granted),
//! its `Linker` (only the `host:` modules it is granted, `host:config` and `host:plugins`
//! made for it), and the check that a Wasm plugin imports nothing beyond them.

use std::sync::{Arc, Weak};

use crate::host::Linker;
use crate::permissions::{GrantHint, Permissions};
use crate::plugins::bindings::{self, Outbound};
use crate::plugins::host::Router;
use crate::plugins::loader;
use crate::plugins::manifest::PluginSpec;
use crate::wasm::ModuleInfo;

/// The `host:` modules the host itself provides (beyond the embedder's).
pub const BUILTIN_HOST_MODULES: &[&str] = &[
    "host:console",
    "host:config",
    "host:plugins",
    "host:time",
    "host:random",
    "host:env",
];

/// The `host:` modules a manifest may name: the built-in ones and the embedder's
/// namespaces (`kv` or `host:kv` both as `host:kv`).
pub(crate) fn host_modules(embedder: &Linker) -> Vec<String> {
    let mut out: Vec<String> = BUILTIN_HOST_MODULES.iter().map(|s| s.to_string()).collect();
    for m in embedder.modules() {
        let name = if m.starts_with("host:") {
            m.to_string()
        } else {
            format!("host:{m}")
        };
        if !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

/// The permissions of an isolate running `members` (which, in a group, declare the same
/// grants): importing from each member's directory, and what they are granted.
pub(crate) fn permissions(members: &[&PluginSpec]) -> Permissions {
    let first = members[0];
    let mut p = Permissions::default()
        .with_hint(GrantHint::Manifest)
        .allow_import(members.iter().map(|m| m.dir()));
    if !first.allow_read.is_empty() {
        p = p.allow_read(&first.allow_read);
    }
    if !first.allow_write.is_empty() {
        p = p.allow_write(&first.allow_write);
    }
    if first.allow_env {
        p = p.allow_env();
    }
    if let Some(hosts) = &first.allowed_hosts {
        p = p.allow_net(hosts.iter().cloned());
    }
    p
}

/// The Linker of an isolate running `members`: for each, its granted `host:` modules, and
/// its own `host:config` and `host:plugins`.
pub(crate) fn linker(
    members: &[(usize, &PluginSpec)],
    isolate: usize,
    embedder: &Linker,
    permissions: &Permissions,
    router: &Weak<Router>,
) -> crate::Result<Linker> {
    let mut builtins = Linker::new();
    crate::host::builtins::add_builtins(&mut builtins, permissions)?;
    let grouped = members.len() > 1;
    let mut linker = Linker::new();
    let mut copied: Vec<String> = Vec::new();
    for (_, spec) in members {
        for module in spec.granted_host_modules() {
            match module.as_str() {
                "host:config" => bindings::add_config(
                    &mut linker,
                    &loader::namespace(&module, &spec.name, grouped),
                    spec.config.clone(),
                )?,
                "host:plugins" => bindings::add_plugins(
                    &mut linker,
                    &loader::namespace(&module, &spec.name, grouped),
                    Arc::new(Outbound {
                        caller: spec.name.clone(),
                        isolate,
                        allowed: spec.plugin_imports.clone(),
                        router: router.clone(),
                    }),
                )?,
                _ if copied.contains(&module) => {}
                _ => {
                    let bare = &module["host:".len()..];
                    if builtins.has_module(&module) {
                        linker.copy_module(&builtins, &module)?;
                    } else if embedder.has_module(&module) {
                        linker.copy_module(embedder, &module)?;
                    } else if embedder.has_module(bare) {
                        linker.copy_module(embedder, bare)?;
                    }
                    copied.push(module);
                }
            }
        }
    }
    Ok(linker)
}

/// Every import of a Wasm plugin that its grants do not cover, as messages.
pub(crate) fn ungranted_wasm_imports(spec: &PluginSpec, info: &ModuleInfo) -> Vec<String> {
    let granted = spec.granted_host_modules();
    let mut out = Vec::new();
    for imp in &info.imports {
        if granted.contains(&imp.module) {
            continue;
        }
        if spec.abi == crate::plugins::manifest::Abi::Extism
            && crate::plugins::extism::is_abi_module(&imp.module)
        {
            continue;
        }
        let why = if imp.module.starts_with("host:") {
            format!(
                "{} is not granted: add \"{}\" to its imports in the manifest",
                imp.module, imp.module
            )
        } else {
            "a Wasm plugin imports only host: modules (an Extism plugin also extism:host/env, extism:host/user and wasi_snapshot_preview1)".to_string()
        };
        out.push(format!(
            "it imports {}.{} ({}), but {why}",
            imp.module, imp.name, imp.ty
        ));
    }
    out
}
