//! Fuzz target `invoke_args`: the `--invoke` argument parser.
//!
//! Every input string goes through `warren::parse_arg` for every value type (numbers,
//! v128, and reference types, which are refused), and its result through `Display` and
//! `to_json`. Then an argument list (built by `arbitrary`) is parsed with
//! `Instance::func(name)` + `Func::parse_args` against a fixed module with one export of
//! each signature shape; whatever parses is passed to the export, which returns its
//! parameters, and must come back unchanged (floats by bits, NaN as NaN). Nothing may panic.

#![no_main]

use std::cell::RefCell;

use libfuzzer_sys::fuzz_target;
use warren::{Instance, Runtime, Val};
use wasmparser::{RefType, ValType};

/// One export per signature shape; each returns its parameters.
const MODULE: &str = r#"(module
  (func (export "none"))
  (func (export "i32") (param i32) (result i32) local.get 0)
  (func (export "i64") (param i64) (result i64) local.get 0)
  (func (export "f32") (param f32) (result f32) local.get 0)
  (func (export "f64") (param f64) (result f64) local.get 0)
  (func (export "v128") (param v128) (result v128) local.get 0)
  (func (export "funcref") (param funcref) (result funcref) local.get 0)
  (func (export "externref") (param externref) (result externref) local.get 0)
  (func (export "ref_func") (param (ref func)) (result (ref func)) local.get 0)
  (func (export "mixed") (param i32 i64 f32 f64) (result i32 i64 f32 f64)
    local.get 0 local.get 1 local.get 2 local.get 3)
  (func (export "i32x3") (param i32 i32 i32) (result i32 i32 i32)
    local.get 0 local.get 1 local.get 2)
  (memory (export "memory") 1)
)"#;

const EXPORTS: &[&str] = &[
    "none",
    "i32",
    "i64",
    "f32",
    "f64",
    "v128",
    "funcref",
    "externref",
    "ref_func",
    "mixed",
    "i32x3",
    "memory",
    "missing",
];

#[derive(Debug, arbitrary::Arbitrary)]
struct Input {
    one: String,
    export: u8,
    args: Vec<String>,
}

thread_local! {
    static RT: RefCell<Option<(Runtime, Instance)>> = const { RefCell::new(None) };
}

fn types() -> [ValType; 9] {
    [
        ValType::I32,
        ValType::I64,
        ValType::F32,
        ValType::F64,
        ValType::V128,
        ValType::Ref(RefType::FUNCREF),
        ValType::Ref(RefType::EXTERNREF),
        ValType::Ref(RefType::FUNC),
        ValType::Ref(RefType::ANYREF),
    ]
}

fuzz_target!(|input: Input| {
    for ty in types() {
        if let Ok(v) = warren::parse_arg(&ty, &input.one) {
            let _ = v.to_string();
            let _ = v.to_json();
            assert!(!matches!(ty, ValType::Ref(_)), "a reference parsed: {v:?}");
        }
    }
    RT.with(|cell| {
        let mut cell = cell.borrow_mut();
        let (rt, inst) = cell.get_or_insert_with(|| {
            let mut rt = Runtime::new(warren_fuzz::quiet()).expect("Runtime::new");
            let inst = rt
                .instantiate_wasm("invoke.wat", MODULE.as_bytes())
                .unwrap();
            (rt, inst)
        });
        let name = EXPORTS[input.export as usize % EXPORTS.len()];
        let Ok(func) = inst.func(name) else {
            assert!(matches!(name, "memory" | "missing"));
            return;
        };
        let Ok(args) = func.parse_args(&input.args) else {
            return;
        };
        assert_eq!(args.len(), func.ty().params.len());
        match rt.call(&func, &args) {
            Ok(results) => {
                assert_eq!(results.len(), args.len(), "{name}: {args:?} -> {results:?}");
                for (a, r) in args.iter().zip(&results) {
                    assert!(same(a, r), "{name}: {a:?} came back as {r:?}");
                }
            }
            // v128 cannot cross the JS boundary; a null is no `(ref func)`.
            Err(warren::Error::Args(_)) => assert!(matches!(name, "v128" | "ref_func")),
            Err(e) => panic!("{name}({args:?}) failed: {e}"),
        }
    });
});

fn same(a: &Val, r: &Val) -> bool {
    match (a, r) {
        (Val::F32(x), Val::F32(y)) => x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()),
        (Val::F64(x), Val::F64(y)) => x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()),
        (Val::Ref(_, x), Val::Ref(_, y)) => x == y,
        (a, r) => a == r,
    }
}
