//! The engine settings: the Wasm tier (`warren::Tier`, `warren run --tier`), extra V8
//! flags, and V8's trap handler. Which compiler ran is not observable from outside except
//! by speed, which tests never time; these check the policy's rules and that every tier
//! computes the same results and reports the same traps.

use warren::Tier;
use warren::tier::{AUTO_OPTIMIZE_MAX_CODE_BYTES, code_section_size, straight_line};

use crate::run;

#[test]
fn tier_names_round_trip() {
    for t in [Tier::Auto, Tier::Baseline, Tier::Optimized] {
        assert_eq!(t.name().parse::<Tier>().unwrap(), t);
        assert_eq!(t.to_string(), t.name());
    }
    let e = "fast".parse::<Tier>().unwrap_err();
    assert_eq!(
        e.to_string(),
        "unknown tier \"fast\": expected auto, baseline or optimized"
    );
}

#[test]
fn auto_optimizes_small_or_cached_modules_and_keeps_explicit_tiers() {
    let small = AUTO_OPTIMIZE_MAX_CODE_BYTES;
    let big = AUTO_OPTIMIZE_MAX_CODE_BYTES + 1;
    assert_eq!(Tier::Auto.resolve_for_module(small, false), Tier::Optimized);
    assert_eq!(Tier::Auto.resolve_for_module(big, false), Tier::Auto);
    assert_eq!(Tier::Auto.resolve_for_module(big, true), Tier::Optimized);
    assert_eq!(Tier::Baseline.resolve_for_module(0, true), Tier::Baseline);
    assert_eq!(
        Tier::Optimized.resolve_for_module(big, false),
        Tier::Optimized
    );
}

#[test]
fn auto_keeps_straight_line_code_in_liftoff() {
    let wasm = |wat: &str| warren::wat_to_wasm(None, wat.as_bytes()).unwrap();
    let add = std::fs::read(crate::root().join("wasm/add.wat")).unwrap();
    let add = warren::wat_to_wasm(None, &add).unwrap();
    assert!(straight_line(&add));
    assert_eq!(Tier::Auto.resolve_for_wasm(&add, true), Tier::Baseline);
    // An explicit tier stands.
    assert_eq!(
        Tier::Optimized.resolve_for_wasm(&add, false),
        Tier::Optimized
    );
    // A loop, a call (recursion) or an indirect call can run long: TurboFan, as before.
    for body in [
        "(func (export \"f\") (loop (br 0)))",
        "(func $f (export \"f\") (param i32) (result i32) (call $f (local.get 0)))",
        "(type $t (func)) (table 1 funcref) (func (export \"f\") (call_indirect (type $t) (i32.const 0)))",
    ] {
        let m = wasm(&format!("(module {body})"));
        assert!(!straight_line(&m), "{body}");
        assert_eq!(
            Tier::Auto.resolve_for_wasm(&m, false),
            Tier::Optimized,
            "{body}"
        );
    }
    // A module with no code at all is straight-line; bytes that are not Wasm are not.
    assert!(straight_line(&wasm("(module)")));
    assert!(!straight_line(b"\0asm\x01\0\0\0\x0a\x05"));
}

#[test]
fn code_section_size_is_read_from_the_binary() {
    let wasm = warren::wat_to_wasm(
        None,
        b"(module (func (export \"f\") (result i32) i32.const 1))",
    )
    .unwrap();
    // The bodies after the count: 1 (body size) + 1 (locals) + 2 (i32.const 1) + 1 (end).
    assert_eq!(code_section_size(&wasm), 5);
    assert_eq!(code_section_size(b"(module)"), 0);
    assert_eq!(code_section_size(b"\0asm\x01\0\0\0"), 0);
}

#[test]
fn trap_handler_is_on_where_v8_supports_it() {
    warren::engine::init();
    if cfg!(all(target_arch = "x86_64", target_os = "linux")) {
        assert!(warren::engine::trap_handler_enabled());
    }
}

/// A loop over memory, a recursive call and float arithmetic: the same answers whichever
/// compiler runs them, and the same out-of-bounds trap with or without bounds checks.
const KERNEL: &str = r#"(module (memory 1)
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2)) (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func (export "sum") (param $n i32) (result i32) (local $i i32) (local $s i32)
    (loop $fill
      (i32.store (i32.shl (local.get $i) (i32.const 2)) (i32.mul (local.get $i) (local.get $i)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $fill (i32.lt_u (local.get $i) (local.get $n))))
    (local.set $i (i32.const 0))
    (loop $add
      (local.set $s (i32.add (local.get $s) (i32.load (i32.shl (local.get $i) (i32.const 2)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $add (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $s))
  (func (export "half") (param f64) (result f64) (f64.mul (local.get 0) (f64.const 0.5))))"#;

#[test]
fn every_tier_computes_the_same_results() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("kernel.wat");
    std::fs::write(&file, KERNEL).unwrap();
    let file = file.to_str().unwrap();
    for tier in ["--tier=auto", "--tier=baseline", "--tier=optimized"] {
        let r = run(&["run", tier, "--invoke", "fib", file, "20"]);
        assert_eq!(
            (r.code, r.stdout.as_str()),
            (0, "6765\n"),
            "{tier}: {}",
            r.stderr
        );
        let r = run(&["run", tier, "--invoke", "sum", file, "1000"]);
        assert_eq!(
            (r.code, r.stdout.as_str()),
            (0, "332833500\n"),
            "{tier}: {}",
            r.stderr
        );
        let r = run(&["run", tier, "--invoke", "half", file, "3"]);
        assert_eq!(
            (r.code, r.stdout.as_str()),
            (0, "1.5\n"),
            "{tier}: {}",
            r.stderr
        );
        // 20000 i32s are 80000 bytes: past the one page.
        let r = run(&["run", tier, "--invoke", "sum", file, "20000"]);
        assert_eq!(r.code, 1, "{tier}");
        assert!(
            r.stderr.contains("out of bounds memory access"),
            "{tier}: {}",
            r.stderr
        );
    }
}

#[test]
fn explicit_bounds_checks_trap_the_same_way() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("kernel.wat");
    std::fs::write(&file, KERNEL).unwrap();
    let file = file.to_str().unwrap();
    let flags = "--v8-flags=--wasm-enforce-bounds-checks";
    let r = run(&["run", flags, "--invoke", "sum", file, "1000"]);
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (0, "332833500\n"),
        "{}",
        r.stderr
    );
    let r = run(&["run", flags, "--invoke", "sum", file, "20000"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("out of bounds memory access"),
        "{}",
        r.stderr
    );
}

#[test]
fn an_unknown_tier_is_a_usage_error() {
    let r = run(&[
        "run",
        "--tier=fast",
        "--invoke",
        "add",
        "wasm/add.wat",
        "1",
        "2",
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("possible values: auto, baseline, optimized"),
        "{}",
        r.stderr
    );
}
