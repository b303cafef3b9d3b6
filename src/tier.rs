//! The Wasm tiering policy: which of V8's two Wasm compilers (Liftoff, the fast baseline;
//! TurboFan, the optimizing one) compiles a process's Wasm. V8 reads these flags once, when
//! the engine starts (`crate::engine::init_with`), so the tier is per process.
//!
//! Why there is a choice at all: V8 tiers a function up from Liftoff to TurboFan only on a
//! *later* call (Wasm has no on-stack replacement), so a program that spends its time in
//! one long call runs it in Liftoff code to the end; and TurboFan compiles many times
//! slower than Liftoff, so a large module that runs briefly is best started in Liftoff.
//! `benches/run.sh` measures both (see `docs/performance.md`).

use std::fmt;
use std::str::FromStr;

/// Which compiler runs a process's Wasm.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Tier {
    /// Liftoff first, each function compiled on its first call, and TurboFan in the
    /// background for functions that prove hot (V8's dynamic tiering). The library's
    /// default; the CLI resolves it per program ([`Tier::resolve_for_module`]).
    #[default]
    Auto,
    /// Liftoff only: the fastest start, the slowest code.
    Baseline,
    /// TurboFan only, every function compiled when the module is: the slowest start, the
    /// fastest code from the first call on. What the compiled-Wasm cache stores
    /// (`crate::wasm_cache`), since V8 serializes only TurboFan code.
    Optimized,
}

/// Code sections up to this size are compiled with TurboFan under [`Tier::Auto`] in the
/// CLI. Liftoff code would cost a long single call up to 5× (the C kernels in
/// `benches/kernels`, 2.5 KiB of code, compile with TurboFan in a few milliseconds), but
/// TurboFan compiles about 3 ms of CPU per KiB here: a 28 KiB C "hello" pays 88 ms on its
/// first run instead of 12 (from the compiled-Wasm cache afterwards: 12.7). 64 KiB bounds
/// that first-run cost at about 200 ms.
pub const AUTO_OPTIMIZE_MAX_CODE_BYTES: usize = 64 << 10;

impl Tier {
    /// The V8 flags that select this tier.
    pub fn v8_flags(self) -> &'static str {
        match self {
            Tier::Auto => "",
            Tier::Baseline => "--liftoff --no-wasm-tier-up --no-wasm-dynamic-tiering",
            Tier::Optimized => "--no-liftoff --no-wasm-lazy-compilation",
        }
    }

    /// What [`Tier::Auto`] means for a run whose main program is a Wasm module with a code
    /// section of `code_bytes`, when `cached` says whether the compiled-Wasm cache already
    /// holds it: TurboFan when its compile is cheap (a small module) or free (cached),
    /// Liftoff with dynamic tiering otherwise. Explicit tiers are kept.
    pub fn resolve_for_module(self, code_bytes: usize, cached: bool) -> Tier {
        match self {
            Tier::Auto if cached || code_bytes <= AUTO_OPTIMIZE_MAX_CODE_BYTES => Tier::Optimized,
            t => t,
        }
    }

    /// [`Tier::resolve_for_module`] for the module `wasm` (a Wasm binary), except that
    /// [`Tier::Auto`] picks Liftoff for straight-line code ([`straight_line`]): it cannot
    /// run long, so TurboFan's code (about 2 ms of fixed start-up cost even from the cache)
    /// would never pay for itself.
    pub fn resolve_for_wasm(self, wasm: &[u8], cached: bool) -> Tier {
        if self == Tier::Auto && straight_line(wasm) {
            return Tier::Baseline;
        }
        self.resolve_for_module(code_section_size(wasm), cached)
    }

    /// The tier's name, as `--tier` spells it.
    pub fn name(self) -> &'static str {
        match self {
            Tier::Auto => "auto",
            Tier::Baseline => "baseline",
            Tier::Optimized => "optimized",
        }
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A tier name that is not `auto`, `baseline` or `optimized`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown tier {0:?}: expected auto, baseline or optimized")]
pub struct UnknownTier(pub String);

impl FromStr for Tier {
    type Err = UnknownTier;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "auto" => Ok(Tier::Auto),
            "baseline" => Ok(Tier::Baseline),
            "optimized" => Ok(Tier::Optimized),
            other => Err(UnknownTier(other.to_string())),
        }
    }
}

/// The size in bytes of a Wasm binary's function bodies (its code section after the
/// function count; 0 without one, or for bytes the
/// parser cannot read: compiling them will say what is wrong).
pub fn code_section_size(wasm: &[u8]) -> usize {
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        match payload {
            Ok(wasmparser::Payload::CodeSectionStart { size, .. }) => return size as usize,
            Ok(_) => {}
            Err(_) => return 0,
        }
    }
    0
}

/// Whether every function of `wasm` runs in time bounded by its size: no `loop` and no call
/// of any kind (direct, indirect, by reference, tail), so each instruction runs at most once
/// per call from outside. `false` for code over [`AUTO_OPTIMIZE_MAX_CODE_BYTES`] (not
/// scanned) and for bytes the parser cannot read.
pub fn straight_line(wasm: &[u8]) -> bool {
    use wasmparser::{Operator, Payload};
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        match payload {
            Ok(Payload::CodeSectionStart { size, .. })
                if size as usize > AUTO_OPTIMIZE_MAX_CODE_BYTES =>
            {
                return false;
            }
            Ok(Payload::CodeSectionEntry(body)) => {
                let Ok(mut ops) = body.get_operators_reader() else {
                    return false;
                };
                while !ops.eof() {
                    match ops.read() {
                        Ok(
                            Operator::Loop { .. }
                            | Operator::Call { .. }
                            | Operator::CallIndirect { .. }
                            | Operator::CallRef { .. }
                            | Operator::ReturnCall { .. }
                            | Operator::ReturnCallIndirect { .. }
                            | Operator::ReturnCallRef { .. },
                        )
                        | Err(_) => return false,
                        Ok(_) => {}
                    }
                }
            }
            Ok(_) => {}
            Err(_) => return false,
        }
    }
    true
}
