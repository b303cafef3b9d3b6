//! The V8 flags every isolate gets: set by the engine before V8 starts, and by build.rs
//! when it makes the startup snapshot, which must be made under the same flags (a leaf:
//! build.rs compiles this file as its own module).

/// Flags every isolate in the process gets. Set before `V8::initialize`, never after.
///
/// - `--js-source-phase-imports`: `import source m from "./m.wasm"`.
/// - `--no-freeze-flags-after-init`: lets `warren wast` enable proposal flags before it makes
///   its own isolates (flags are read when an isolate is created).
/// - `--stack-size`: V8's own guard (in KiB), kept below the smallest thread stack warren runs
///   isolates on (2 MiB test threads, 8 MiB main thread) so deep recursion is a catchable
///   `RangeError` rather than a segfault.
/// - `--wasm-unsafe-fast-api-wrapper`: lets Wasm call host functions with all-number
///   signatures through V8's fast API (a direct C call, no JS transition). V8 calls it
///   "unsafe" only under the V8-sandbox attacker model (the wrapper trusts the signature
///   check done at instantiation); warren's V8 is built without the sandbox, and the
///   signatures come from Rust types checked at compile time.
/// - `--no-use-osr`: no on-stack replacement of a running JS loop. In V8 15.2, the code OSR
///   makes for some allocating loops (`for (;;) a.push(new Array(100))`) never checks for
///   interrupts, so neither the time limits nor the heap limit could stop it: the heap grew
///   to 16 GiB and V8 aborted the process. Without OSR a function still tiers up on its
///   next call; only a loop already running stays in the tier it started in.
pub(crate) const BASE_FLAGS: &str = "--js-source-phase-imports --no-freeze-flags-after-init --stack-size=984 \
    --wasm-unsafe-fast-api-wrapper --turbo-fast-api-calls --no-use-osr";
