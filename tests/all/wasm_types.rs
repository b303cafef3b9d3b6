//! The process's budget of Wasm types (`warren::wasm_types`): V8 would end the process past
//! a million canonical types; warren refuses the module instead, from Rust and from JS, and
//! the host keeps running. The budget is process-wide, so the test spends it in a child
//! process of its own.

use warren::wasm_types::{BUDGET, TypesFull, used};
use warren::{Error, Runtime, RuntimeOptions, WasmModule};
use wasm_encoder::{Module, TypeSection, ValType};

/// A module with `n` function types, all different from those of any other `first`: type
/// `k` takes 20 parameters spelling `first + k` in binary (i32 for 0, i64 for 1).
fn types_module(first: u32, n: u32) -> Vec<u8> {
    let mut types = TypeSection::new();
    for k in first..first + n {
        let params: Vec<ValType> = (0..20)
            .map(|bit| {
                if k >> bit & 1 == 1 {
                    ValType::I64
                } else {
                    ValType::I32
                }
            })
            .collect();
        types.ty().function(params, []);
    }
    let mut m = Module::new();
    m.section(&types);
    m.finish()
}

#[test]
fn a_module_past_the_type_budget_is_refused_and_the_process_lives() {
    crate::in_child("wasm_types::child::spend_the_budget");
}

mod child {
    use super::*;

    const CHUNK: u32 = 100_000;

    #[test]
    #[ignore = "spends the process's type budget: run in a process of its own by the test above"]
    fn spend_the_budget() {
        let quiet = || RuntimeOptions {
            output: Some(std::sync::Arc::new(|_, _| Ok(()))),
            ..Default::default()
        };
        let mut rt = Runtime::new(quiet()).unwrap();
        let start = used();
        // Nine chunks fit.
        for m in 0..9 {
            let bytes = types_module(m * CHUNK, CHUNK);
            let module = WasmModule::new("types.wasm", &bytes).unwrap();
            rt.instantiate(&module).unwrap();
            assert_eq!(used(), start + (m as usize + 1) * CHUNK as usize);
        }
        // The same module again, in another isolate, costs nothing.
        let again = WasmModule::new("again.wasm", &types_module(0, CHUNK)).unwrap();
        Runtime::new(quiet()).unwrap().instantiate(&again).unwrap();
        assert_eq!(used(), start + 9 * CHUNK as usize);

        // The tenth is refused, naming what it needs and what is left.
        let left = BUDGET - used();
        let tenth = WasmModule::new("tenth.wasm", &types_module(9 * CHUNK, CHUNK)).unwrap();
        match rt.instantiate(&tenth) {
            Err(Error::WasmTypes(name, full)) => {
                assert_eq!(name, "tenth.wasm");
                assert_eq!(
                    full,
                    TypesFull {
                        needed: CHUNK as usize,
                        left
                    }
                );
                assert!(full.to_string().contains("start a new process"), "{full}");
            }
            other => panic!("expected the type budget to refuse the module, got {other:?}"),
        }
        // What fits still fits: exactly what is left.
        let last = WasmModule::new("last.wasm", &types_module(9 * CHUNK, left as u32)).unwrap();
        rt.instantiate(&last).unwrap();
        assert_eq!(used(), BUDGET);

        // JS that hands Wasm to V8 itself is refused too, with a RangeError, by every door.
        let js = r#"
            const bytes = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 0x60, 0, 1, 0x7f]);
            const out = [];
            for (const f of [() => new WebAssembly.Module(bytes), () => WebAssembly.validate(bytes)]) {
                try { f(); out.push("accepted"); } catch (e) { out.push(`${e.name}: ${e.message}`); }
            }
            out
        "#;
        let v = rt.execute_script("door.js", js).unwrap();
        for msg in v.as_array().unwrap() {
            let msg = msg.as_str().unwrap();
            assert!(
                msg.starts_with("RangeError") && msg.contains("start a new process"),
                "{msg}"
            );
        }
        // And the host goes on: Wasm whose types it has seen still compiles and runs.
        let add = WasmModule::new(
            "add.wat",
            b"(module (func (export \"add\") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))",
        )
        .unwrap();
        // (its type is new: refused as well; the process is full, not broken)
        assert!(matches!(rt.instantiate(&add), Err(Error::WasmTypes(..))));
        let again = rt.instantiate(&again).unwrap();
        assert!(again.info().exports.is_empty());
        assert_eq!(rt.execute_script("after.js", "6 * 7").unwrap(), 42);
    }
}
