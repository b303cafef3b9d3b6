//! [`PluginError`]: everything that can go wrong loading or calling plugins, and
//! [`Fault`]: how a plugin's code failed, named by plugin and export
//! (`plugin "upper": export "spin": time limit of 200ms exceeded`).

use std::fmt;
use std::time::Duration;

use crate::error::{JsError, Trap};
use crate::plugins::document::Location;
use crate::plugins::manifest::ManifestErrors;
use crate::value::ValueError;

/// An error from the plugin host.
#[derive(Debug, thiserror::Error)]
pub enum PluginError {
    /// The manifest has problems (all of them, located).
    #[error("{0}")]
    Manifest(#[from] ManifestErrors),
    /// Plugins that could not be loaded, each located at its manifest entry.
    #[error("{}", LoadErrors(.0))]
    Load(Vec<LoadError>),
    /// No plugin has this name.
    #[error("no plugin named \"{name}\"; the manifest defines {}", .known.join(", "))]
    UnknownPlugin { name: String, known: Vec<String> },
    /// The plugin exports no such function.
    #[error("plugin \"{plugin}\" has no export \"{export}\"; {}", exports_hint(.exports))]
    UnknownExport {
        plugin: String,
        export: String,
        exports: Vec<String>,
    },
    /// The input could not become a plugin value, or does not fit the export (a numeric
    /// Wasm export's parameters).
    #[error("plugin \"{plugin}\": export \"{export}\": bad input: {why}")]
    Input {
        plugin: String,
        export: String,
        why: String,
    },
    /// The result does not fit the type the caller asked for.
    #[error(
        "plugin \"{plugin}\": export \"{export}\": the result does not fit the type asked for: {source}"
    )]
    Output {
        plugin: String,
        export: String,
        #[source]
        source: ValueError,
    },
    /// The plugin's code failed.
    #[error("plugin \"{plugin}\": export \"{export}\": {fault}")]
    Call {
        plugin: String,
        export: String,
        fault: Fault,
    },
    /// A plugin called a plugin its `imports` do not name.
    #[error(
        "plugin \"{caller}\" may not call plugin \"{target}\": add \"{target}\" to the imports of \"{caller}\" in the manifest"
    )]
    NotGranted { caller: String, target: String },
    /// A call between plugins that would wait on itself: each isolate runs one call at a
    /// time, so a call into an isolate already waiting up the chain could never be served.
    #[error(
        "plugin \"{caller}\" calling \"{target}\" would deadlock: {} (each plugin isolate runs one call at a time)",
        .chain.join(" -> ")
    )]
    Deadlock {
        caller: String,
        target: String,
        /// The isolates in the cycle, from the caller's round to it.
        chain: Vec<String>,
    },
    /// The host was dropped, or a plugin's thread could not be started.
    #[error("the plugin host is not running: {0}")]
    Closed(String),
}

impl PluginError {
    /// The CLI's exit status for it: 2 when nothing ran (the manifest, loading, names,
    /// input), 1 when a plugin ran and failed.
    pub fn exit_code(&self) -> i32 {
        match self {
            PluginError::Manifest(_)
            | PluginError::Load(_)
            | PluginError::UnknownPlugin { .. }
            | PluginError::UnknownExport { .. }
            | PluginError::Input { .. }
            | PluginError::Closed(_) => 2,
            PluginError::Output { .. }
            | PluginError::Call { .. }
            | PluginError::NotGranted { .. }
            | PluginError::Deadlock { .. } => 1,
        }
    }
}

fn exports_hint(exports: &[String]) -> String {
    if exports.is_empty() {
        "it exports no functions".into()
    } else {
        format!("its exports: {}", exports.join(", "))
    }
}

/// A plugin that could not be loaded.
#[derive(Debug)]
pub struct LoadError {
    pub plugin: String,
    /// Its `source` in the manifest.
    pub location: Location,
    pub error: LoadFailure,
}

/// Why a plugin did not load.
#[derive(Debug, thiserror::Error)]
pub enum LoadFailure {
    /// The runtime refused it: a syntax error, a module it may not import, a missing
    /// import, a throw or a limit during evaluation.
    #[error("{0}")]
    Runtime(#[from] crate::Error),
    /// A Wasm plugin imports what its manifest entry does not grant.
    #[error("{}", .0.join("\n"))]
    NotGranted(Vec<String>),
    /// Its isolate's thread could not be started.
    #[error("cannot start its thread: {0}")]
    Thread(String),
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: plugin \"{}\" does not load: {}",
            self.location, self.plugin, self.error
        )
    }
}

struct LoadErrors<'a>(&'a [LoadError]);

impl fmt::Display for LoadErrors<'_> {
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

/// How a plugin's code failed. Every fault but [`Fault::Returned`] and
/// [`Fault::BadResult`] retires the plugin's isolate: the next call gets a fresh one.
#[derive(Debug)]
pub enum Fault {
    /// A Wasm trap.
    Trap(Box<Trap>),
    /// A JS exception (or rejection) nobody caught.
    Exception(Box<JsError>),
    /// The call ran past the plugin's `timeout`.
    TimeLimit(Duration),
    /// The call used more CPU time than the plugin's `cpu_limit`.
    CpuLimit(Duration),
    /// The isolate ran out of its `memory`.
    OutOfMemory(u64),
    /// The plugin asked to exit (`process.exit`).
    Exit(i32),
    /// The call waited on something nothing will ever settle.
    Stalled(String),
    /// A Wasm plugin broke the JSON ABI (a result past its memory, invalid JSON).
    Abi(String),
    /// A Wasm JSON-ABI export returned an error result: a normal return, not a crash.
    Returned(String),
    /// The result has no value form (a function, a cycle).
    BadResult(String),
    /// Anything else the runtime reported.
    Other(Box<crate::Error>),
}

impl Fault {
    /// Whether the isolate is retired after it (its state can no longer be trusted).
    pub fn retires(&self) -> bool {
        !matches!(self, Fault::Returned(_) | Fault::BadResult(_))
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Trap(t) => {
                let what = match t.kind {
                    crate::TrapKind::Other | crate::TrapKind::Host => t.message.as_str(),
                    k => k.display_text(),
                };
                write!(f, "wasm trap: {what}")?;
                if !t.frames.is_empty() {
                    write!(f, "\nwasm backtrace:")?;
                    for (i, fr) in t.frames.iter().enumerate() {
                        let name = fr
                            .func_name
                            .clone()
                            .unwrap_or_else(|| format!("<wasm function {}>", fr.func_index));
                        write!(f, "\n  {i:>3}: {:#8x} - {name}", fr.offset)?;
                    }
                }
                Ok(())
            }
            Fault::Exception(e) => write!(f, "{e}"),
            Fault::TimeLimit(d) => write!(
                f,
                "time limit of {} exceeded",
                humantime::format_duration(*d)
            ),
            Fault::CpuLimit(d) => write!(
                f,
                "CPU time limit of {} exceeded",
                humantime::format_duration(*d)
            ),
            Fault::OutOfMemory(m) => write!(
                f,
                "out of memory: its isolate reached the memory limit of {}",
                bytesize::ByteSize(*m).display().iec()
            ),
            Fault::Exit(c) => write!(f, "the plugin exited with status {c}"),
            Fault::Stalled(s) => write!(f, "{s}"),
            Fault::Abi(s) => write!(f, "broke the JSON ABI: {s}"),
            Fault::Returned(s) => write!(f, "returned an error: {s}"),
            Fault::BadResult(s) => write!(f, "{s}"),
            Fault::Other(e) => write!(f, "{e}"),
        }
    }
}
