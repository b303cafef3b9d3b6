//! Host-call benchmark driver (used by `benches/host.sh`): a Wasm loop calls a Rust host
//! function `(i32) -> i32` N times; prints nanoseconds per call.
//!
//! Usage: `bench_host [N]` (default 10,000,000).

use std::time::Instant;

fn main() -> Result<(), warren::Error> {
    let n: i32 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000_000);
    let mut linker = warren::Linker::new();
    linker.func("env", "f", |x: i32| x.wrapping_add(1))?;
    let mut rt = warren::Runtime::new(warren::RuntimeOptions {
        linker,
        ..Default::default()
    })?;
    let wasm = warren::wat_to_wasm(None, include_bytes!("../benches/host/loop.wat"))?;
    let inst = rt.instantiate_wasm("loop.wat", &wasm)?;
    // Warm up long enough for the tier-up to TurboFan to land, then measure.
    rt.invoke(&inst, "run", &[warren::Val::I32(2_000_000)])?;
    let t = Instant::now();
    let out = rt.invoke(&inst, "run", &[warren::Val::I32(n)])?;
    let ns = t.elapsed().as_nanos() as f64 / f64::from(n);
    assert_eq!(out, vec![warren::Val::I32(n)]);
    println!("{ns:.2}");
    Ok(())
}
