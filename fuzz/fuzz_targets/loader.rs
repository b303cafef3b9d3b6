//! Fuzz target `loader`: bytes through warren's Wasm loader, from text or binary to calls.
//!
//! The first input byte picks the mode. Even: the rest is raw input (WAT text or a Wasm
//! binary, mutated by libFuzzer from the seed corpus) through `wat_to_wasm` and
//! `WasmModule::new`, whose failures must be `Wat`, `InvalidWasm` or `Component` errors.
//! Odd: the rest drives `wasm-smith`, which builds a valid module. Either way the module is
//! then compiled and instantiated in a `Runtime` with its imports stubbed
//! (`warren_fuzz::stub_imports`), and its first 16 exported functions are called with
//! default arguments (a runtime a limit stopped is replaced). Raw modules run in a runtime without fuel (V8 compiles the bytes as
//! given) under a 50 ms time limit; wasm-smith modules in a runtime with fuel (100 000 per
//! call, so loops end deterministically) under a 200 ms limit. Both have a 256 MiB memory
//! cap and are re-created every 50 inputs.

#![no_main]

use std::cell::RefCell;
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use warren::{Error, RuntimeOptions, WasmModule};
use warren_fuzz::{Recycled, call_exports, instantiate, quiet, smith_config};

const FUEL: u64 = 100_000;
const MAX_CALLS: usize = 16;

fn plain() -> RuntimeOptions {
    RuntimeOptions {
        time_limit: Some(Duration::from_millis(50)),
        max_memory: Some(256 << 20),
        ..quiet()
    }
}

fn fueled() -> RuntimeOptions {
    RuntimeOptions {
        time_limit: Some(Duration::from_millis(200)),
        max_memory: Some(256 << 20),
        fuel: Some(FUEL),
        ..quiet()
    }
}

thread_local! {
    static PLAIN: RefCell<Recycled> = const { RefCell::new(Recycled::new(plain, 50)) };
    static FUELED: RefCell<Recycled> = const { RefCell::new(Recycled::new(fueled, 50)) };
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode % 2 == 0 {
        raw(rest)
    } else {
        smith(rest)
    }
});

fn raw(bytes: &[u8]) {
    // The converter on its own: any bytes give a binary or a located error.
    let _ = warren::wat_to_wasm(None, bytes);
    let module = match WasmModule::new("fuzz.wat", bytes) {
        Ok(m) => m,
        Err(Error::Wat { .. } | Error::InvalidWasm { .. } | Error::Component { .. }) => return,
        Err(e) => panic!("WasmModule::new failed with an unexpected error kind: {e:?}"),
    };
    PLAIN.with(|r| run(&mut r.borrow_mut(), &module, None));
}

fn smith(bytes: &[u8]) {
    let mut u = arbitrary::Unstructured::new(bytes);
    let Ok(m) = wasm_smith::Module::new(smith_config(false), &mut u) else {
        return;
    };
    let wasm = m.to_bytes();
    warren_fuzz::dump(&wasm);
    let module = WasmModule::new("smith.wasm", &wasm)
        .unwrap_or_else(|e| panic!("a wasm-smith module does not load: {e}"));
    FUELED.with(|r| run(&mut r.borrow_mut(), &module, Some(FUEL)));
}

fn run(recycled: &mut Recycled, module: &WasmModule, fuel: Option<u64>) {
    let rt = recycled.get();
    if let Some(f) = fuel {
        rt.set_fuel(f).expect("set_fuel on a fuel runtime");
    }
    let limited = match instantiate(rt, module) {
        Some(Ok(inst)) => call_exports(rt, &inst, MAX_CALLS, fuel)
            .iter()
            .any(|(_, o)| o.is_limit()),
        Some(Err(e)) => matches!(e, Error::Limit(_)),
        // Imports no stub can satisfy: still compile it (instantiation stops at linking).
        None => matches!(rt.instantiate(module), Err(Error::Limit(_))),
    };
    if limited {
        recycled.retire();
    }
}
