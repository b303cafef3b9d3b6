//! Command-line definitions (clap) and dispatch to one module per subcommand.

mod cache;
mod cache_args;
mod call;
mod compile;
mod emit;
mod engine_args;
mod inspect;
mod limit_args;
mod plugin_input;
mod plugins;
mod run;
mod serve;
mod wasi_args;
mod wast;

use std::io::Read;
use std::path::{Path, PathBuf};

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
    /// Run a Wasm module (binary or WAT, recognised by content) or a JS module. warren's
    /// options go before FILE; everything after it is the program's.
    #[command(override_usage = "warren run [OPTIONS] <FILE> [ARGS]...")]
    Run(Box<run::RunArgs>),
    /// Compile WAT text to a Wasm binary, or (--precompile) Wasm to the compiled-Wasm cache.
    Compile(compile::CompileArgs),
    /// Manage the compiled-Wasm cache.
    Cache {
        #[command(subcommand)]
        command: cache::CacheCommand,
    },
    /// List a module's imports, exports, memories, tables and custom sections.
    Inspect {
        /// The .wasm or .wat file; `-` reads standard input.
        file: PathBuf,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Run WebAssembly spec test scripts (.wast) through V8.
    Wast(wast::WastArgs),
    /// Check or list the plugins of a manifest (warren.toml).
    #[command(subcommand)]
    Plugins(plugins::PluginsCommand),
    /// Call one plugin export and print its result as JSON: `warren call warren.toml
    /// NAME.EXPORT --input JSON`.
    Call(call::CallArgs),
    /// Serve HTTP with a handler (`export default { fetch(request, env, ctx) }`, or Wasm
    /// exporting `fetch`) or with a manifest's handlers, each in isolates of its own.
    Serve(Box<serve::ServeArgs>),
    /// Call every plugin that exports HOOK, in manifest order, each output feeding the
    /// next; print the last output as JSON.
    Emit(emit::EmitArgs),
}

/// Runs the CLI and returns the process exit status.
pub fn main() -> i32 {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run::run(*args),
        Command::Compile(args) => compile::compile(args),
        Command::Cache { command } => cache::cache(command),
        Command::Inspect { file, json } => inspect::inspect(&file, json),
        Command::Wast(args) => wast::wast(args),
        Command::Plugins(cmd) => return plugins::plugins(cmd),
        Command::Call(args) => return call::call(args),
        Command::Emit(args) => return emit::emit(args),
        Command::Serve(args) => return serve::serve(*args),
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
    errln!("error: {e}");
}

/// A program's input: its bytes, read once, and the file they came from (`None` for stdin).
pub(crate) struct Input {
    pub bytes: Vec<u8>,
    pub path: Option<PathBuf>,
}

impl Input {
    /// Reads `path`, or standard input when it is `-` (as wasmtime does).
    pub fn read(path: &Path) -> warren::Result<Input> {
        if path == Path::new("-") {
            let mut bytes = Vec::new();
            std::io::stdin()
                .read_to_end(&mut bytes)
                .map_err(|e| warren::Error::io("<stdin>", e))?;
            return Ok(Input { bytes, path: None });
        }
        let bytes = std::fs::read(path).map_err(|e| warren::Error::io(path, e))?;
        Ok(Input {
            bytes,
            path: Some(path.to_path_buf()),
        })
    }

    /// How messages name it.
    pub fn name(&self) -> String {
        self.path
            .as_ref()
            .map_or_else(|| "<stdin>".into(), |p| p.display().to_string())
    }

    /// The input as a Wasm module (WAT converted), read and parsed once.
    pub fn module(&self) -> warren::Result<warren::WasmModule> {
        match &self.path {
            Some(p) => warren::WasmModule::from_bytes_at(p, &self.bytes),
            None => warren::WasmModule::new("<stdin>", &self.bytes),
        }
    }
}
