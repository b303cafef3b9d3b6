//! `warren cache clean`: empties the compiled-Wasm cache.

use clap::Subcommand;
use warren::WasmCache;

use super::cache_args::CacheArgs;

#[derive(Subcommand)]
pub enum CacheCommand {
    /// Delete every compiled module in the cache.
    Clean {
        #[command(flatten)]
        cache: CacheArgs,
    },
}

pub fn cache(command: CacheCommand) -> warren::Result<i32> {
    match command {
        CacheCommand::Clean { cache } => {
            let Some(dir) = cache.dir() else {
                return Err(warren::Error::Args(
                    "--no-cache names no cache to clean".into(),
                ));
            };
            let dir = dir?;
            if !dir.exists() {
                outln!("{}: no cache", dir.display());
                return Ok(0);
            }
            let cache = WasmCache::open(&dir).map_err(|e| warren::Error::Other(e.to_string()))?;
            let n = cache
                .clean()
                .map_err(|e| warren::Error::Other(e.to_string()))?;
            outln!(
                "{}: removed {n} compiled module{}",
                dir.display(),
                if n == 1 { "" } else { "s" }
            );
            Ok(0)
        }
    }
}
