//! The one integration-test binary (one link of V8): a module per area.

mod cli;
mod compat;
mod engine;
mod extism;
mod faults;
mod fixtures;
mod host;
mod input;
mod layout;
mod limits;
mod permissions;
mod platform;
mod plugins;
mod runtime;
mod serve;
mod snapshot;
mod wasi;
mod wasm_cache;
mod wasm_types;
mod wast;

use std::path::PathBuf;
use std::process::{Command, Output};

/// Runs the ignored test `path` (`module::child::name`) of this binary in a process of its
/// own, for tests that change process-wide state, and fails with its output unless it
/// passed.
pub fn in_child(path: &str) {
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            path,
            "--test-threads=1",
            "--nocapture",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "{path} failed in its own process ({:?})\nstdout:\n{stdout}\nstderr:\n{stderr}",
        out.status
    );
}

/// The project root (where `wasm/` and `js/` live).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Where the `warren` runs of the tests keep their compiled-Wasm cache
/// (`$XDG_CACHE_HOME/warren`), instead of the user's.
pub fn test_cache_home() -> PathBuf {
    root().join("target").join("test-cache")
}

/// A command running the real `warren` binary, its compiled-Wasm cache under
/// [`test_cache_home`].
pub fn warren_command() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_warren"));
    c.env("XDG_CACHE_HOME", test_cache_home());
    c
}

/// Runs the real `warren` binary with `args` from the project root.
pub fn warren(args: &[&str]) -> Output {
    warren_command()
        .args(args)
        .current_dir(root())
        .output()
        .expect("warren binary runs")
}

/// stdout, stderr and exit status of a run, for assertions.
pub struct Run {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

pub fn run(args: &[&str]) -> Run {
    let out = warren(args);
    let r = Run {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code().unwrap_or(-1),
    };
    assert!(
        !r.stderr.contains("panicked") && !r.stderr.contains("RUST_BACKTRACE"),
        "warren panicked for {args:?}:\n{}",
        r.stderr
    );
    r
}
