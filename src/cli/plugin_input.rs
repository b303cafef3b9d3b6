//! The input of `warren call` and `warren emit`: `--input JSON`, `--input-file FILE` or
//! `--stdin` (JSON text each; `null` when none is given), and the console output of
//! plugins sent to stderr so that stdout holds only the result.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::Arc;

use warren::plugins::HostOptions;
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
    /// The input value: `null` when none was given.
    pub fn value(&self) -> Result<Value, String> {
        let (text, from) = if let Some(t) = &self.input {
            (t.clone(), "--input".to_string())
        } else if let Some(f) = &self.input_file {
            let t = std::fs::read_to_string(f)
                .map_err(|e| format!("cannot read {}: {e}", f.display()))?;
            (t, f.display().to_string())
        } else if self.stdin {
            let mut t = String::new();
            std::io::stdin()
                .read_to_string(&mut t)
                .map_err(|e| format!("cannot read standard input: {e}"))?;
            (t, "standard input".to_string())
        } else {
            return Ok(Value::Null);
        };
        serde_json::from_str::<serde_json::Value>(&text)
            .map(Value::from)
            .map_err(|e| format!("the input from {from} is not JSON: {e}"))
    }
}

/// Host options for the CLI: plugin console output goes to stderr, stdout is the result's.
pub fn host_options() -> HostOptions {
    HostOptions {
        output: Some(Arc::new(|_plugin: &str, _stream: Stream, bytes: &[u8]| {
            let _ = std::io::stderr().lock().write_all(bytes);
        })),
        ..Default::default()
    }
}

/// Prints a result as one line of JSON.
pub fn print_result(v: &Value) {
    println!("{v}");
}
