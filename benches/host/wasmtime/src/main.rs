//! wasmtime's `Func::wrap` host-call cost on benches/host/loop.wat: prints ns per call.

use std::time::Instant;
use wasmtime::{Engine, Instance, Module, Store, Func};

fn main() -> wasmtime::Result<()> {
    let n: i32 = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(10_000_000);
    let path = std::env::args().nth(2).unwrap_or_else(|| "benches/host/loop.wat".into());
    let engine = Engine::default();
    let module = Module::from_file(&engine, path)?;
    let mut store = Store::new(&engine, ());
    let f = Func::wrap(&mut store, |x: i32| x.wrapping_add(1));
    let instance = Instance::new(&mut store, &module, &[f.into()])?;
    let run = instance.get_typed_func::<i32, i32>(&mut store, "run")?;
    run.call(&mut store, 100_000)?;
    let t = Instant::now();
    let out = run.call(&mut store, n)?;
    assert_eq!(out, n);
    println!("{:.2}", t.elapsed().as_nanos() as f64 / f64::from(n));
    Ok(())
}
