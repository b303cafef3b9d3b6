//! Command-line definitions (clap) and dispatch to one module per subcommand.

mod compile;
mod inspect;
mod run;
mod wast;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "warren",
    version,
    about = "Run JavaScript and WebAssembly together on V8"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a JS module (.js/.mjs) or a Wasm module (.wasm/.wat).
    Run(run::RunArgs),
    /// Compile WAT text to a Wasm binary.
    Compile {
        /// The .wat file.
        input: PathBuf,
        /// Output file; `-` writes to stdout. Defaults to the input with a .wasm extension.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// List a module's imports, exports, memories, tables and custom sections.
    Inspect {
        /// The .wasm or .wat file.
        file: PathBuf,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Run WebAssembly spec test scripts (.wast) through V8.
    Wast(wast::WastArgs),
}

/// Runs the CLI and returns the process exit status.
pub fn main() -> i32 {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run::run(args),
        Command::Compile { input, output } => compile::compile(&input, output.as_deref()),
        Command::Inspect { file, json } => inspect::inspect(&file, json),
        Command::Wast(args) => wast::wast(args),
    };
    match result {
        Ok(code) => code,
        // process.exit(code): the program chose its status; nothing to report.
        Err(warren::Error::Exit(code)) => code,
        Err(e) => {
            report(&e);
            e.exit_code()
        }
    }
}

/// Prints an error for a person: `error: ...` on stderr.
fn report(e: &warren::Error) {
    eprintln!("error: {e}");
}

/// Reads a module file (WAT or Wasm) and returns the binary.
fn read_module(path: &std::path::Path) -> warren::Result<Vec<u8>> {
    let bytes = std::fs::read(path).map_err(|e| warren::Error::Io {
        path: path.to_path_buf(),
        source: e,
    })?;
    warren::wat_to_wasm(Some(path), &bytes)
}
