//! The engine flags of `warren run` and `warren serve`: the Wasm tier and extra V8 flags,
//! applied once when V8 starts (before any runtime exists).

use clap::{Args, ValueEnum};
use warren::engine::EngineOptions;
use warren::{Tier, WasmCache};

#[derive(Args, Debug, Default)]
pub struct EngineArgs {
    /// Which V8 compiler runs Wasm: `baseline` (Liftoff: fastest start), `optimized`
    /// (TurboFan: fastest code from the first call), or `auto`: TurboFan for a Wasm
    /// program with a small code section, Liftoff with tier-up to TurboFan for hot
    /// functions otherwise.
    #[arg(long, value_enum, default_value_t = TierArg::Auto)]
    tier: TierArg,
    /// Further V8 flags, space-separated (`--v8-flags="--max-lazy"`), after warren's own.
    #[arg(long, value_name = "FLAGS", allow_hyphen_values = true)]
    v8_flags: Option<String>,
}

#[derive(Clone, Copy, Debug, Default, ValueEnum)]
enum TierArg {
    #[default]
    Auto,
    Baseline,
    Optimized,
}

impl EngineArgs {
    /// The engine options for `tier`, with `--v8-flags`.
    fn options(&self, tier: Tier) -> EngineOptions {
        EngineOptions {
            tier,
            v8_flags: self.v8_flags.clone().unwrap_or_default(),
            ..Default::default()
        }
    }

    /// Starts V8 for a run whose main program is `wasm` (a Wasm binary) or JS (`None`).
    /// `--tier=auto` with a Wasm program becomes TurboFan when its code is small or
    /// `cache` already holds its TurboFan code.
    pub fn start(&self, wasm: Option<&[u8]>, cache: Option<&WasmCache>) {
        let tier = match self.tier {
            TierArg::Auto => Tier::Auto,
            TierArg::Baseline => Tier::Baseline,
            TierArg::Optimized => Tier::Optimized,
        };
        let tier = match wasm {
            Some(bytes) => {
                let flags = warren::engine::flags_for(&self.options(Tier::Optimized));
                let cached = cache.is_some_and(|c| c.has_entry(bytes, &flags));
                tier.resolve_for_wasm(bytes, cached)
            }
            None => tier,
        };
        warren::engine::init_with(&self.options(tier));
    }
}
