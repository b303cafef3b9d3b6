//! The compiled-Wasm cache flags of `warren run` and `warren compile`: where the cache is
//! (`--cache-dir`, by default `$XDG_CACHE_HOME/warren`) and `--no-cache`.

use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use warren::WasmCache;

#[derive(Args, Debug, Default)]
pub struct CacheArgs {
    /// Keep compiled Wasm in DIR (default: $XDG_CACHE_HOME/warren, or ~/.cache/warren).
    #[arg(long, value_name = "DIR", conflicts_with = "no_cache")]
    cache_dir: Option<PathBuf>,
    /// Neither read nor write the compiled-Wasm cache: compile all Wasm afresh.
    #[arg(long)]
    no_cache: bool,
}

impl CacheArgs {
    /// The cache directory these flags name (`None` for `--no-cache`).
    pub fn dir(&self) -> Option<warren::Result<PathBuf>> {
        if self.no_cache {
            return None;
        }
        Some(match &self.cache_dir {
            Some(d) => Ok(d.clone()),
            None => WasmCache::default_dir().map_err(|e| warren::Error::Other(e.to_string())),
        })
    }

    /// Opens the cache, or runs without one (saying why on stderr) when it cannot be used:
    /// a cache is an optimisation, never a reason for a program not to run.
    pub fn open(&self) -> Option<Arc<WasmCache>> {
        let opened = match self.dir()? {
            Ok(dir) => WasmCache::open(dir).map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        match opened {
            Ok(cache) => Some(cache),
            Err(e) => {
                errln!("warning: {e}; running without the compiled-Wasm cache");
                None
            }
        }
    }
}
