//! The WASI capability flags of `warren run`, in wasmtime's style: `--dir` preopens
//! (`--dir-ro` for read-only ones), `--env K=V` and `--inherit-env`. Nothing else is
//! reachable by a WASI program.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::Args;
use warren::Error;
use warren::wasi::{Preopen, Stdin, WasiOptions};

#[derive(Args, Default)]
pub struct WasiArgs {
    /// Let a WASI program use a host directory, read-write, under its own name or GUEST
    /// (`--dir ./data::/data`). Paths cannot leave it (no `..`, symlink or absolute path).
    #[arg(long, value_name = "HOST[::GUEST]")]
    dir: Vec<String>,
    /// Like --dir, but the program may only read below it.
    #[arg(long, value_name = "HOST[::GUEST]")]
    dir_ro: Vec<String>,
    /// Give a WASI program the environment variable K=V (`--env K` passes the host's K,
    /// if it is set).
    #[arg(long, value_name = "K[=V]")]
    env: Vec<String>,
    /// Give a WASI program the whole host environment.
    #[arg(long)]
    inherit_env: bool,
}

/// `HOST[::GUEST]`, as wasmtime splits it.
fn preopen(spec: &str, read_only: bool) -> Preopen {
    let (host, guest) = spec.split_once("::").unwrap_or((spec, spec));
    Preopen {
        host: PathBuf::from(host),
        guest: guest.to_string(),
        read_only,
    }
}

fn utf8(os: std::ffi::OsString, what: &str) -> warren::Result<String> {
    os.into_string()
        .map_err(|v| Error::Args(format!("environment variable {what} {v:?} is not UTF-8")))
}

impl WasiArgs {
    /// The options for a WASI program named `argv0` (the module file's name) with
    /// arguments `args`; stdio are inherited.
    pub fn options(&self, argv0: String, args: &[String]) -> warren::Result<WasiOptions> {
        let mut env = Vec::new();
        if self.inherit_env {
            for (k, v) in std::env::vars_os() {
                let k = utf8(k, "name")?;
                let v = utf8(v, &k)?;
                env.push((k, v));
            }
        }
        for e in &self.env {
            match e.split_once('=') {
                Some((k, v)) => env.push((k.to_string(), v.to_string())),
                None => {
                    if let Some(v) = std::env::var_os(e) {
                        env.push((e.clone(), utf8(v, e)?));
                    }
                }
            }
        }
        let preopens = self
            .dir
            .iter()
            .map(|d| preopen(d, false))
            .chain(self.dir_ro.iter().map(|d| preopen(d, true)))
            .collect();
        Ok(WasiOptions {
            args: std::iter::once(argv0).chain(args.iter().cloned()).collect(),
            env,
            preopens,
            stdin: Stdin::Inherit,
            terminal: [
                std::io::stdin().is_terminal(),
                std::io::stdout().is_terminal(),
                std::io::stderr().is_terminal(),
            ],
        })
    }
}
