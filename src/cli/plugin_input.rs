//! The input of `warren call` and `warren emit`: `--input JSON`, `--input-file FILE` or
//! `--stdin` (JSON text each; `null` when none is given; for an Extism plugin the bytes
//! as they are), and the console output of plugins sent to stderr so that stdout holds
//! only the result.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::Arc;

use warren::plugins::{HostOptions, LogLevel};
use warren::{Stream, Value};

#[derive(clap::Args)]
#[group(multiple = false)]
pub struct InputArgs {
    /// The input, as JSON text (`'"a b c"'`, `'[1, 2]'`, `'{"k": 1}'`).
    #[arg(long, value_name = "JSON")]
    pub input: Option<String>,
    /// Read the input's JSON from this file.
    #[arg(long, value_name = "FILE")]
    pub input_file: Option<PathBuf>,
    /// Read the input's JSON from standard input.
    #[arg(long)]
    pub stdin: bool,
}

impl InputArgs {
    /// The input's bytes and where they came from; `None` when none was given.
    pub fn bytes(&self) -> Result<Option<(Vec<u8>, String)>, String> {
        Ok(Some(if let Some(t) = &self.input {
            (t.clone().into_bytes(), "--input".to_string())
        } else if let Some(f) = &self.input_file {
            let b = std::fs::read(f).map_err(|e| format!("cannot read {}: {e}", f.display()))?;
            (b, f.display().to_string())
        } else if self.stdin {
            let mut b = Vec::new();
            std::io::stdin()
                .read_to_end(&mut b)
                .map_err(|e| format!("cannot read standard input: {e}"))?;
            (b, "standard input".to_string())
        } else {
            return Ok(None);
        }))
    }

    /// The input value, from JSON text: `null` when none was given.
    pub fn value(&self) -> Result<Value, String> {
        let Some((bytes, from)) = self.bytes()? else {
            return Ok(Value::Null);
        };
        serde_json::from_slice::<serde_json::Value>(&bytes)
            .map(Value::from)
            .map_err(|e| format!("the input from {from} is not JSON: {e}"))
    }
}

/// Host options for the CLI: plugin console output goes to stderr, stdout is the result's;
/// `log_level` for Extism plugins' logs.
pub fn host_options(log_level: Option<LogLevel>) -> HostOptions {
    HostOptions {
        log_level,
        output: Some(Arc::new(|_plugin: &str, _stream: Stream, bytes: &[u8]| {
            let _ = std::io::stderr().lock().write_all(bytes);
        })),
        ..Default::default()
    }
}

/// Prints a result as one line of JSON.
pub fn print_result(v: &Value) {
    outln!("{v}");
}

/// Prints an Extism plugin's output bytes as they are (as `extism call` does).
pub fn print_bytes(v: &Value) {
    let mut out = std::io::stdout().lock();
    let _ = match v {
        Value::Bytes(b) => out.write_all(b),
        other => writeln!(out, "{other}"),
    };
    let _ = out.flush();
}
