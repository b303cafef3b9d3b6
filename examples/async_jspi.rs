//! An async Rust import awaited by Wasm through JSPI (`examples/async_jspi.wat`).
//!
//! Run with `cargo run --example async_jspi`.

use std::time::{Duration, Instant};

use warren::{Linker, Runtime, RuntimeOptions, Val};

fn main() -> Result<(), warren::Error> {
    // 1. An async host function: any future (here a tokio timer standing in for a database
    //    or network call). From JS it returns a Promise; from Wasm it is imported through
    //    `WebAssembly.Suspending`, so the Wasm code sees a plain synchronous call.
    let mut linker = Linker::new();
    linker.func_async("kv", "get", |key: i32| async move {
        tokio::time::sleep(Duration::from_millis(10)).await;
        key * 100
    })?;

    let mut rt = Runtime::new(RuntimeOptions {
        linker,
        ..Default::default()
    })?;
    let wasm = warren::wat_to_wasm(None, include_bytes!("async_jspi.wat"))?;
    let instance = rt.instantiate_wasm("async_jspi.wat", &wasm)?;
    assert!(instance.uses_jspi());

    // 2. The export is called through `WebAssembly.promising`; `invoke_async` runs the event
    //    loop (timers, V8 tasks, the pending futures) until its promise settles.
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("tokio runtime");
    let start = Instant::now();
    let results = tokio.block_on(rt.invoke_async(&instance, "sum", &[Val::I32(1), Val::I32(3)]))?;
    println!(
        "sum of kv.get(1..=3) = {} after {:?} (three awaited lookups)",
        results[0],
        start.elapsed()
    );
    assert_eq!(results, vec![Val::I32(600)]);
    Ok(())
}
