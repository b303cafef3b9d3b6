//! `warren compile in.wat -o out.wasm`: WAT text to a Wasm binary; with `--precompile`,
//! a module (WAT or Wasm) compiled by TurboFan into the compiled-Wasm cache, so that later
//! runs skip compiling it.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;
use warren::Error;

use super::cache_args::CacheArgs;

#[derive(Args)]
pub struct CompileArgs {
    /// The .wat (or, with --precompile, .wasm) file; `-` reads standard input.
    input: PathBuf,
    /// Output file; `-` writes to stdout. Defaults to the input with a .wasm extension
    /// (stdout when the input is standard input); with --precompile, nothing is written
    /// unless this is given.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Compile the module with TurboFan into the compiled-Wasm cache, for later runs.
    #[arg(long)]
    precompile: bool,
    /// The V8 flags the later runs will use (`warren run --v8-flags`): part of the key.
    #[arg(
        long,
        value_name = "FLAGS",
        allow_hyphen_values = true,
        requires = "precompile"
    )]
    v8_flags: Option<String>,
    #[command(flatten)]
    cache: CacheArgs,
}

pub fn compile(args: CompileArgs) -> warren::Result<i32> {
    let source = super::Input::read(&args.input)?;
    if args.precompile {
        precompile(&args, &source)?;
        if args.output.is_none() {
            return Ok(0);
        }
    }
    let wasm = warren::wat_to_wasm(Some(Path::new(&source.name())), &source.bytes)?;
    let default_out = match &source.path {
        Some(p) => p.with_extension("wasm"),
        None => "-".into(),
    };
    let out = args.output.as_deref().unwrap_or(&default_out);
    if out == Path::new("-") {
        let mut stdout = std::io::stdout().lock();
        stdout
            .write_all(&wasm)
            .and_then(|_| stdout.flush())
            .map_err(|e| Error::io("<stdout>", e))?;
    } else {
        if out == args.input {
            return Err(Error::Other(format!(
                "refusing to overwrite the input {}; pass -o",
                args.input.display()
            )));
        }
        std::fs::write(out, &wasm).map_err(|e| Error::io(out, e))?;
    }
    Ok(0)
}

/// Compiles the module as `warren run` would with no limits (no fuel, no memory cap: those
/// change the bytes V8 compiles), under TurboFan, through the cache.
fn precompile(args: &CompileArgs, source: &super::Input) -> warren::Result<()> {
    let Some(cache) = args.cache.open() else {
        return Err(Error::Args(
            "--precompile needs the cache; drop --no-cache".into(),
        ));
    };
    warren::engine::init_with(&warren::engine::EngineOptions {
        tier: warren::Tier::Optimized,
        v8_flags: args.v8_flags.clone().unwrap_or_default(),
        ..Default::default()
    });
    let module = source.module()?;
    let mut rt = warren::Runtime::new(warren::RuntimeOptions {
        wasm_cache: Some(cache.clone()),
        ..Default::default()
    })?;
    rt.precompile(&module)?;
    let stats = cache.stats();
    if stats.stored == 0 && stats.disk_hits == 0 {
        return Err(Error::Other(format!(
            "{}: V8 produced no code to cache",
            source.name()
        )));
    }
    Ok(())
}
