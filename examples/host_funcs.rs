//! A Wasm module importing typed Rust functions (`examples/host_funcs.wat`).
//!
//! Run with `cargo run --example host_funcs`.

use warren::{Caller, Linker, Runtime, RuntimeOptions, Val};

fn main() -> Result<(), warren::Error> {
    // 1. Register host functions. Parameter and result types come from the closures:
    //    i64 crosses as BigInt, f64 as a number; the Wasm imports must match them.
    let mut linker = Linker::new();
    linker.func("math", "gcd", |mut a: i64, mut b: i64| {
        while b != 0 {
            (a, b) = (b, a % b);
        }
        a.abs()
    })?;
    linker.func("math", "hypot", |x: f64, y: f64| x.hypot(y))?;
    // 2. A `Caller` first parameter gives access to the calling instance's memory: the
    //    ptr/len string ABI works with no JS glue. An `Err` becomes a Wasm trap.
    linker.func(
        "io",
        "print",
        |mut caller: Caller<'_>, ptr: u32, len: u32| {
            let text = caller
                .memory()?
                .read_string(u64::from(ptr), u64::from(len))?;
            println!("wasm says: {text}");
            Ok::<(), String>(())
        },
    )?;

    // 3. One runtime (one V8 isolate) with that registry; WAT is accepted as well as Wasm.
    let mut rt = Runtime::new(RuntimeOptions {
        linker,
        ..Default::default()
    })?;
    let wasm = warren::wat_to_wasm(None, include_bytes!("host_funcs.wat"))?;
    let instance = rt.instantiate_wasm("host_funcs.wat", &wasm)?;

    // 4. Call the export with Rust values; multi-value results come back as a Vec.
    let results = rt.invoke(
        &instance,
        "run",
        &[
            Val::I64(1 << 40),
            Val::I64(3 << 20),
            Val::F64(3.0),
            Val::F64(4.0),
        ],
    )?;
    println!("gcd = {}, hypot = {}", results[0], results[1]);
    Ok(())
}
