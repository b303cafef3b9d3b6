//! The benchmark driver behind `benches/run.sh` for what only the library can time:
//!
//! - `bench host N`: a Wasm loop calls a Rust host function `(i32) -> i32` N times (the V8
//!   fast-API path); prints nanoseconds per call.
//! - `bench call N`: Rust calls a Wasm export `(i32) -> i32` N times through
//!   `Runtime::call`; prints nanoseconds per call.
//! - `bench isolates N [js]`: creates N runtimes (isolate + context) on one thread and keeps
//!   them alive; with `js`, each also runs a first script (installing warren's JS layer).
//!   Prints one JSON object: the median creation time and RSS per idle runtime.

use std::time::Instant;

use warren::{Runtime, RuntimeOptions, Val};

fn main() -> Result<(), warren::Error> {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "host".into());
    let n: usize = args
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000_000);
    match mode.as_str() {
        "host" => host(n),
        "call" => call(n),
        "isolates" => isolates(n, args.next().as_deref() == Some("js")),
        other => Err(warren::Error::Args(format!(
            "unknown mode {other:?}: expected host, call or isolates"
        ))),
    }
}

fn host(n: usize) -> Result<(), warren::Error> {
    let n = i32::try_from(n).map_err(|_| warren::Error::Args("N must fit an i32".into()))?;
    let mut linker = warren::Linker::new();
    linker.func("env", "f", |x: i32| x.wrapping_add(1))?;
    let mut rt = Runtime::new(RuntimeOptions {
        linker,
        ..Default::default()
    })?;
    let wasm = warren::wat_to_wasm(None, include_bytes!("../benches/host/loop.wat"))?;
    let inst = rt.instantiate_wasm("loop.wat", &wasm)?;
    // Warm up long enough for the tier-up to TurboFan to land, then measure.
    rt.invoke(&inst, "run", &[Val::I32(2_000_000)])?;
    let t = Instant::now();
    let out = rt.invoke(&inst, "run", &[Val::I32(n)])?;
    let ns = t.elapsed().as_nanos() as f64 / f64::from(n);
    assert_eq!(out, vec![Val::I32(n)]);
    println!("{ns:.2}");
    Ok(())
}

fn call(n: usize) -> Result<(), warren::Error> {
    let mut rt = Runtime::new(RuntimeOptions::default())?;
    let inst = rt.instantiate_wasm(
        "inc.wat",
        br#"(module (func (export "inc") (param i32) (result i32)
            local.get 0 i32.const 1 i32.add))"#,
    )?;
    let inc = inst.func("inc")?;
    let mut x = 0;
    let step = |rt: &mut Runtime, x: i32| -> Result<i32, warren::Error> {
        match rt.call(&inc, &[Val::I32(x)])?.as_slice() {
            [Val::I32(y)] => Ok(*y),
            other => Err(warren::Error::Other(format!("inc returned {other:?}"))),
        }
    };
    for _ in 0..n / 10 {
        x = step(&mut rt, x)?;
    }
    let t = Instant::now();
    for _ in 0..n {
        x = step(&mut rt, x)?;
    }
    let ns = t.elapsed().as_nanos() as f64 / n as f64;
    assert_eq!(x as usize, n + n / 10);
    println!("{ns:.2}");
    Ok(())
}

/// Resident set size of this process, in bytes.
fn rss() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

fn isolates(n: usize, js: bool) -> Result<(), warren::Error> {
    // V8's one-time initialisation is not part of any one runtime's cost.
    drop(Runtime::new(RuntimeOptions::default())?);
    let before = rss();
    let mut times = Vec::with_capacity(n);
    let mut keep = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let mut rt = Runtime::new(RuntimeOptions::default())?;
        if js {
            rt.execute_script("first.js", "0")?;
        }
        times.push(t.elapsed().as_secs_f64() * 1e6);
        keep.push(rt);
    }
    let after = rss();
    times.sort_by(f64::total_cmp);
    println!(
        "{{\"n\": {n}, \"js\": {js}, \"create_us_median\": {:.1}, \"rss_kib_per_runtime\": {:.1}}}",
        times[times.len() / 2],
        (after.saturating_sub(before)) as f64 / n as f64 / 1024.0
    );
    // Isolates on one thread are entered when created, so they must go in reverse order.
    while let Some(rt) = keep.pop() {
        drop(rt);
    }
    Ok(())
}
