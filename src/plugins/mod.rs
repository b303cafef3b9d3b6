//! Plugins: one manifest (`warren.toml`) mixes JS and Wasm plugins; each runs in its own
//! V8 isolate on its own thread, reaches only what its entry grants, and is stopped at its
//! limits without hurting the host or the other plugins.
//!
//! - `manifest.rs` reads and checks the manifest (every problem at once, located;
//!   `document.rs` keeps the spans), `capabilities.rs` turns an entry into the isolate's
//!   permissions and host functions, `loader.rs` refuses `host:` modules not granted.
//! - `host.rs` is [`PluginHost`]: threads, channels, routing, `call` and `emit`;
//!   `worker.rs` is the thread that owns an isolate and retires it after a fault;
//!   `waits.rs` refuses calls between plugins that would deadlock.
//! - `bindings.rs` builds each plugin's `host:config` and `host:plugins`; `abi.rs` calls
//!   Wasm exports through the JSON ABI or with numbers (`docs/plugin-abi.md`).
//! - `extism/`: Extism plugins, unmodified, on Extism's host ABI (its kernel, host
//!   functions, call protocol and JSON manifest).
//! - `error.rs`: [`PluginError`] and [`Fault`], which name the plugin and the export.
//!
//! ```no_run
//! # async fn demo() -> Result<(), warren::plugins::PluginError> {
//! use warren::plugins::PluginHost;
//! let host = PluginHost::load("examples/plugins/warren.toml").await?;
//! let n: u64 = host.call("wordcount", "count", "a b c").await?;
//! assert_eq!(n, 3);
//! # Ok(()) }
//! ```

pub(crate) mod abi;
mod bindings;
mod capabilities;
mod document;
mod error;
mod extism;
pub(crate) mod host;
mod loader;
mod manifest;
mod waits;
pub(crate) mod worker;

pub use capabilities::BUILTIN_HOST_MODULES;
pub use document::Location;
pub use error::{Fault, LoadError, LoadFailure, PluginError};
pub use extism::{BadLogLevel, LogLevel};
pub use host::{HostOptions, PluginHost, PluginInfo, PluginOutput};
pub use manifest::{
    Abi, DEFAULT_HOST_MODULES, DEFAULT_MEMORY, DEFAULT_TIMEOUT, ExtismOptions, Limits, Manifest,
    ManifestError, ManifestErrors, PluginKind, PluginSpec,
};

/// Checks the manifest at `path` against the host modules `options` provides, without
/// loading any plugin: what `warren plugins check` does first.
///
/// # Errors
/// Every problem of the manifest.
pub fn check_manifest(
    path: &std::path::Path,
    options: &HostOptions,
) -> Result<Manifest, ManifestErrors> {
    Manifest::load(path, &capabilities::host_modules(&options.linker))
}
