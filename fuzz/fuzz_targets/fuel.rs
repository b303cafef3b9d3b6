//! Fuzz target `fuel`: the fuel instrumentation pass (`warren::fuel::instrument`).
//!
//! The first input byte picks the mode (`% 4`):
//! - 0, raw: `instrument` on the rest as bytes never panics; when the input is a valid core
//!   module (wasmparser, every feature) that does not import `warren:fuel`, instrumenting
//!   it succeeds and the output is valid too.
//! - 1, smith: the same check on a `wasm-smith` module (valid by construction).
//! - 2 and 3, differential: a `wasm-smith` module made to terminate (`ensure_termination`,
//!   wasm-smith's own loop and call counter), instantiated with stub imports in two
//!   runtimes, one with ample fuel (`u64::MAX / 4`) and one without; instantiation and the
//!   first 16 exports called in order with default arguments must give the same outcomes:
//!   the same values (floats by bits; NaN canonicalised by wasm-smith and compared as NaN),
//!   the same trap kind, or the same kind of error. Relaxed SIMD and threads are off
//!   (nondeterministic). A time limit or a stack overflow on either side ends the
//!   comparison for that module: both depend on more than the program (machine load; the
//!   frame sizes of the instrumented code, which can overflow a frame earlier), and the
//!   state the calls share has diverged after them. Both runtimes have a 256 MiB memory
//!   cap and a 1 s time limit per call; a runtime a limit stopped is replaced.

#![no_main]

use std::cell::RefCell;
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use warren::{RuntimeOptions, WasmModule};
use warren_fuzz::{Outcome, Recycled, call_exports, quiet, smith_config, stub_imports};
use wasmparser::{Validator, WasmFeatures};

const AMPLE: u64 = u64::MAX / 4;
const MAX_CALLS: usize = 16;
/// wasm-smith's own termination counter: loop iterations and calls per module.
const SMITH_FUEL: u32 = 2_000;

/// Both runtimes have the same memory cap: a function's `array.new` can ask for up to
/// 1 GiB, and without a cap both would really allocate it.
fn fueled() -> RuntimeOptions {
    RuntimeOptions {
        fuel: Some(AMPLE),
        ..plain()
    }
}

fn plain() -> RuntimeOptions {
    RuntimeOptions {
        time_limit: Some(Duration::from_secs(1)),
        max_memory: Some(256 << 20),
        ..quiet()
    }
}

thread_local! {
    static FUELED: RefCell<Recycled> = const { RefCell::new(Recycled::new(fueled, 50)) };
    static PLAIN: RefCell<Recycled> = const { RefCell::new(Recycled::new(plain, 50)) };
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 4 {
        0 => check_instrument(rest, false),
        1 => {
            if let Some(wasm) = smith(rest, false) {
                check_instrument(&wasm, true);
            }
        }
        _ => {
            if let Some(wasm) = smith(rest, true) {
                differential(&wasm);
            }
        }
    }
});

fn smith(bytes: &[u8], terminate: bool) -> Option<Vec<u8>> {
    let mut u = arbitrary::Unstructured::new(bytes);
    let mut m = wasm_smith::Module::new(smith_config(terminate), &mut u).ok()?;
    if terminate {
        m.ensure_termination(SMITH_FUEL).ok()?;
    }
    let wasm = m.to_bytes();
    warren_fuzz::dump(&wasm);
    Some(wasm)
}

fn valid(bytes: &[u8]) -> bool {
    Validator::new_with_features(WasmFeatures::all())
        .validate_all(bytes)
        .is_ok()
}

fn imports_fuel(bytes: &[u8]) -> bool {
    wasmparser::Parser::new(0)
        .parse_all(bytes)
        .filter_map(|p| match p {
            Ok(wasmparser::Payload::ImportSection(s)) => Some(s.into_imports()),
            _ => None,
        })
        .flatten()
        .any(|i| i.is_ok_and(|i| i.module == warren::fuel::FUEL_MODULE))
}

fn check_instrument(bytes: &[u8], known_valid: bool) {
    let out = warren::fuel::instrument(bytes);
    let is_module = bytes.get(4..8) == Some(&[1, 0, 0, 0]);
    if !(known_valid || is_module && valid(bytes)) || imports_fuel(bytes) {
        return;
    }
    let out = out.unwrap_or_else(|e| panic!("instrumenting a valid module failed: {e}"));
    if let Err(e) = Validator::new_with_features(WasmFeatures::all()).validate_all(&out) {
        panic!("instrumenting a valid module made an invalid one: {e}");
    }
}

fn differential(wasm: &[u8]) {
    // A module importing the fuel namespace itself is refused by the fueled runtime (the
    // name is reserved: an `InvalidWasm`) and fails to link in the plain one: both refuse
    // it before anything runs, in their own words.
    if imports_fuel(wasm) {
        return;
    }
    let module = WasmModule::new("smith.wasm", wasm)
        .unwrap_or_else(|e| panic!("a wasm-smith module does not load: {e}"));
    let fueled = FUELED.with(|r| run(&mut r.borrow_mut(), &module, Some(AMPLE)));
    let plain = PLAIN.with(|r| run(&mut r.borrow_mut(), &module, None));
    let (Some(fueled), Some(plain)) = (fueled, plain) else {
        return;
    };
    for (f, p) in fueled.iter().zip(&plain) {
        if f.1.nondeterministic() || p.1.nondeterministic() {
            return;
        }
        assert_eq!(
            f, p,
            "with ample fuel (left) and without (right) the outcomes differ"
        );
    }
    assert_eq!(fueled.len(), plain.len());
}

/// Instantiation (as the outcome named `(instantiate)`) then each export's outcome;
/// `None` when the imports cannot be stubbed.
fn run(
    rt: &mut Recycled,
    module: &WasmModule,
    fuel: Option<u64>,
) -> Option<Vec<(String, Outcome)>> {
    let recycled = rt;
    let rt = recycled.get();
    if let Some(f) = fuel {
        rt.set_fuel(f).expect("set_fuel on a fuel runtime");
    }
    stub_imports(rt, module.bytes()).ok()?;
    let mut out = Vec::new();
    match rt.instantiate(module) {
        Ok(inst) => {
            out.push(("(instantiate)".into(), Outcome::Values(vec![])));
            out.extend(call_exports(rt, &inst, MAX_CALLS, fuel));
        }
        Err(e) => out.push(("(instantiate)".into(), Outcome::of_error(&e))),
    }
    if out.iter().any(|(_, o)| o.is_limit()) {
        recycled.retire();
    }
    Some(out)
}
