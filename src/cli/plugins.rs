//! `warren plugins check MANIFEST` (the manifest, every plugin loaded and linked against its
//! capabilities, every problem reported at once; exit 2 on any) and `warren plugins list
//! MANIFEST [--json]`; and how the plugin commands report errors.

use std::future::Future;
use std::path::PathBuf;

use clap::Subcommand;
use warren::plugins::{PluginError, PluginHost, PluginInfo};

use super::plugin_input;

#[derive(Subcommand)]
pub enum PluginsCommand {
    /// Check a manifest: its keys and values, files and pins, then load every plugin and
    /// link its imports against its capabilities. Reports every problem; exit status 2.
    Check {
        /// The manifest (warren.toml, or the same document as .json).
        manifest: PathBuf,
    },
    /// List the plugins of a manifest: kind, source, exports, grants and limits.
    List {
        /// The manifest (warren.toml, or the same document as .json).
        manifest: PathBuf,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

pub fn plugins(cmd: PluginsCommand) -> i32 {
    match cmd {
        PluginsCommand::Check { manifest } => {
            match block_on(PluginHost::load_with(
                &manifest,
                plugin_input::host_options(None),
            )) {
                Ok(host) => {
                    let n = host.plugins().len();
                    outln!(
                        "{}: {n} plugin{} checked: each loads, and imports only what it is granted",
                        manifest.display(),
                        if n == 1 { "" } else { "s" }
                    );
                    0
                }
                Err(e) => report(&e),
            }
        }
        PluginsCommand::List { manifest, json } => {
            let host = match block_on(PluginHost::load_with(
                &manifest,
                plugin_input::host_options(None),
            )) {
                Ok(h) => h,
                Err(e) => return report(&e),
            };
            let plugins = host.plugins();
            if json {
                outln!(
                    "{}",
                    serde_json::to_string_pretty(&plugins).unwrap_or_default()
                );
            } else {
                for p in &plugins {
                    print_plugin(p);
                }
            }
            0
        }
    }
}

fn print_plugin(p: &PluginInfo) {
    let kind = match (p.kind, p.abi) {
        (warren::plugins::PluginKind::Js, _) => "js",
        (warren::plugins::PluginKind::Wasm, warren::plugins::Abi::Extism) => "wasm, extism",
        (warren::plugins::PluginKind::Wasm, warren::plugins::Abi::Warren) => "wasm",
    };
    let group = p
        .group
        .as_ref()
        .map(|g| format!(", group {g}"))
        .unwrap_or_default();
    outln!("{} ({kind}{group}): {}", p.name, p.source);
    let list = |v: &[String]| {
        if v.is_empty() {
            "-".to_string()
        } else {
            v.join(", ")
        }
    };
    outln!("  exports:  {}", list(&p.exports));
    outln!("  host:     {}", list(&p.host_modules));
    outln!("  plugins:  {}", list(&p.plugins));
    outln!(
        "  access:   read {}; write {}; env {}",
        list(&p.allow_read),
        list(&p.allow_write),
        if p.allow_env { "yes" } else { "no" }
    );
    let fuel = p.fuel.map(|f| format!(", fuel {f}")).unwrap_or_default();
    outln!(
        "  limits:   memory {}, timeout {}ms{fuel}",
        bytesize::ByteSize(p.memory).display().iec(),
        p.timeout_ms
    );
}

/// Runs a future on a current-thread tokio runtime (the plugins run on their own threads).
pub fn block_on<T>(f: impl Future<Output = Result<T, PluginError>>) -> Result<T, PluginError> {
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| PluginError::Closed(format!("cannot start tokio: {e}")))?;
    tokio.block_on(f)
}

/// Prints a plugin error for a person, one located problem per line (`FILE:LINE:COL:
/// error: ...`, as compilers print them), and returns the exit status.
pub fn report(e: &PluginError) -> i32 {
    match e {
        PluginError::Manifest(errors) => {
            for p in &errors.0 {
                errln!("{}: error: {}", p.location, p.message);
            }
            summary(errors.0.len());
        }
        PluginError::Load(errors) => {
            for l in errors {
                errln!(
                    "{}: error: plugin \"{}\" does not load: {}",
                    l.location,
                    l.plugin,
                    l.error
                );
            }
            summary(errors.len());
        }
        e => errln!("error: {e}"),
    }
    e.exit_code()
}

fn summary(n: usize) {
    errln!(
        "error: {n} problem{} in the manifest",
        if n == 1 { "" } else { "s" }
    );
}
