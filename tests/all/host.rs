//! Host functions: every supported type in both directions (from JS and from Wasm), caller
//! memory, errors and panics, re-entry, async imports through JSPI, link errors, and the
//! CLI's built-in `host:` set and `--preload`.

use std::sync::{Arc, Mutex};

use warren::{Caller, Error, Json, Linker, Runtime, RuntimeOptions, Stream, TrapKind, Val};

fn linker() -> Linker {
    let mut l = Linker::new();
    l.func("t", "i32", |x: i32| x)
        .unwrap()
        .func("t", "u32", |x: u32| x)
        .unwrap()
        .func("t", "i64", |x: i64| x)
        .unwrap()
        .func("t", "u64", |x: u64| x)
        .unwrap()
        .func("t", "f32", |x: f32| x)
        .unwrap()
        .func("t", "f64", |x: f64| x)
        .unwrap()
        .func("t", "bool", |x: bool| !x)
        .unwrap()
        .func("t", "str", |s: String| format!("<{s}>"))
        .unwrap()
        .func("t", "strlen", |s: String| s.len() as u32)
        .unwrap()
        .func("t", "bytes", |b: Vec<u8>| {
            b.iter().rev().copied().collect::<Vec<u8>>()
        })
        .unwrap()
        .func("t", "opt", |x: Option<i32>| x.map(|v| v + 1))
        .unwrap()
        .func("t", "res", |x: i32| -> Result<i32, String> {
            if x >= 0 {
                Ok(x)
            } else {
                Err(format!("negative: {x}"))
            }
        })
        .unwrap()
        .func("t", "json", |Json(v): Json<serde_json::Value>| {
            Json(serde_json::json!({ "got": v }))
        })
        .unwrap()
        .func(
            "t",
            "eight",
            |a: i32, b: i64, c: f32, d: f64, e: u32, f: bool, g: i32, h: i32| {
                f64::from(a)
                    + b as f64
                    + f64::from(c)
                    + d
                    + f64::from(e)
                    + f64::from(f as u8)
                    + f64::from(g)
                    + f64::from(h)
            },
        )
        .unwrap()
        .func("t", "boom", |_: i32| -> i32 { panic!("kaboom") })
        .unwrap()
        .func(
            "t",
            "read",
            |mut c: Caller<'_>, ptr: u32, len: u32| -> Result<u32, String> {
                let s = c.memory()?.read_string(u64::from(ptr), u64::from(len))?;
                Ok(s.chars().count() as u32)
            },
        )
        .unwrap()
        .func(
            "t",
            "write",
            |mut c: Caller<'_>, ptr: u32, len: u32| -> Result<(), String> {
                let data: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
                c.memory()?.write(u64::from(ptr), &data)
            },
        )
        .unwrap()
        .func(
            "t",
            "h1",
            |mut c: Caller<'_>, x: i32| -> Result<i32, String> {
                let v = c
                    .call_global("jsfn", &[serde_json::json!(x)])
                    .map_err(|e| e.to_string())?;
                Ok(v.as_i64().unwrap_or(-1) as i32 + 1000)
            },
        )
        .unwrap()
        .func("t", "h2", |x: i32| x * 2)
        .unwrap();
    l.func_async("kv", "get", |key: i32| async move {
        tokio::time::sleep(std::time::Duration::from_millis(3)).await;
        key * 10
    })
    .unwrap();
    l.func_async("kv", "name", |key: String| async move {
        tokio::task::yield_now().await;
        format!("value-of-{key}")
    })
    .unwrap();
    l.func_async("kv", "fail", |_: i32| async move {
        Err::<i32, _>("backend down")
    })
    .unwrap();
    l
}

fn runtime() -> (Runtime, Arc<Mutex<String>>) {
    let out = Arc::new(Mutex::new(String::new()));
    let o = out.clone();
    let rt = Runtime::new(RuntimeOptions {
        linker: linker(),
        output: Some(Arc::new(move |_s: Stream, b: &[u8]| {
            o.lock().unwrap().push_str(&String::from_utf8_lossy(b));
            Ok(())
        })),
        ..Default::default()
    })
    .unwrap();
    (rt, out)
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap()
        .block_on(f)
}

fn run_js(src: &str) -> (Result<(), Error>, String) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("main.mjs");
    std::fs::write(&p, src).unwrap();
    let (mut rt, out) = runtime();
    let r = block_on(rt.run_main_module(&p));
    let text = out.lock().unwrap().clone();
    (r, text)
}

fn wasm(rt: &mut Runtime, wat: &str) -> Result<warren::Instance, Error> {
    let bytes = warren::wat_to_wasm(None, wat.as_bytes()).unwrap();
    rt.instantiate_wasm("test.wat", &bytes)
}

#[test]
fn every_type_from_js() {
    let (r, out) = run_js(
        r#"
import * as t from "host:t";
const big = "x".repeat(4 << 20);
const bigBytes = new Uint8Array(4 << 20).fill(7);
const lines = [
  t.i32(-5), t.i32(2147483647), t.u32(4294967295), t.i64(-(2n ** 63n)), t.i64(2n ** 63n - 1n),
  t.u64(2n ** 64n - 1n), t.f32(1.5), t.f64(-0.25), Number.isNaN(t.f64(NaN)), t.bool(false),
  t.str(""), t.str("héllo"), t.strlen(big), Array.from(t.bytes(new Uint8Array([1, 2, 3]))).join(","),
  t.bytes(new Uint8Array(0)).length, t.bytes(bigBytes).length, String(t.opt(undefined)), t.opt(41),
  t.res(3), JSON.stringify(t.json({ a: [1, "b"] })), t.eight(1, 2n, 3, 4, 5, true, 7, 8),
];
console.log(lines.join("|"));
try { t.res(-1); } catch (e) { console.log(e.message); }
try { t.boom(1); } catch (e) { console.log(e.message); }
try { t.i32("nope"); } catch (e) { console.log(e.message); }
try { t.read(0, 1); } catch (e) { console.log(e.message); }
console.log(await import("host:kv").then((kv) => Promise.all([kv.get(3), kv.name("k")])));
try { await (await import("host:kv")).fail(1); } catch (e) { console.log(e.message); }
"#,
    );
    r.unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        "-5|2147483647|4294967295|-9223372036854775808|9223372036854775807|-1|1.5|-0.25|true|1|<>|<héllo>|4194304|3,2,1|0|4194304|null|42|3|{\"got\":{\"a\":[1,\"b\"]}}|31"
    );
    assert_eq!(lines[1], "host function t.res failed: negative: -1");
    assert_eq!(lines[2], "host function t.boom panicked: kaboom");
    assert_eq!(
        lines[3],
        "host function t.i32 argument 1: expected a number (i32), got string"
    );
    assert_eq!(
        lines[4],
        "host function t.read failed: this host function was called from JS, not from a Wasm instance"
    );
    assert_eq!(lines[5], "[ 30, 'value-of-k' ]");
    assert_eq!(lines[6], "async host function failed: backend down");
}

const TYPES_WAT: &str = r#"(module
  (import "t" "i32" (func $i32 (param i32) (result i32)))
  (import "t" "u32" (func $u32 (param i32) (result i32)))
  (import "t" "i64" (func $i64 (param i64) (result i64)))
  (import "t" "f32" (func $f32 (param f32) (result f32)))
  (import "t" "f64" (func $f64 (param f64) (result f64)))
  (import "t" "bool" (func $bool (param i32) (result i32)))
  (import "t" "eight" (func $eight (param i32 i64 f32 f64 i32 i32 i32 i32) (result f64)))
  (func (export "i32") (param i32) (result i32) local.get 0 call $i32)
  (func (export "u32") (param i32) (result i32) local.get 0 call $u32)
  (func (export "i64") (param i64) (result i64) local.get 0 call $i64)
  (func (export "f32") (param f32) (result f32) local.get 0 call $f32)
  (func (export "f64") (param f64) (result f64) local.get 0 call $f64)
  (func (export "bool") (param i32) (result i32) local.get 0 call $bool)
  (func (export "eight") (result f64)
    i32.const 1 i64.const 2 f32.const 3 f64.const 4 i32.const 5 i32.const 1 i32.const 7 i32.const 8
    call $eight))"#;

#[test]
fn every_wasm_type_from_wasm() {
    let (mut rt, _) = runtime();
    let inst = wasm(&mut rt, TYPES_WAT).unwrap();
    let call = |rt: &mut Runtime, f: &str, v: Val| rt.invoke(&inst, f, &[v]).unwrap()[0];
    for x in [0, -1, i32::MIN, i32::MAX] {
        assert_eq!(call(&mut rt, "i32", Val::I32(x)), Val::I32(x));
        assert_eq!(call(&mut rt, "u32", Val::I32(x)), Val::I32(x));
    }
    for x in [
        i64::MIN,
        i64::MIN + 1,
        -1,
        0,
        1 << 53,
        (1 << 53) + 1,
        i64::MAX - 1,
        i64::MAX,
    ] {
        assert_eq!(call(&mut rt, "i64", Val::I64(x)), Val::I64(x), "{x}");
    }
    for x in [
        0.0f32,
        -0.0,
        1.5,
        f32::MAX,
        f32::MIN_POSITIVE,
        f32::INFINITY,
    ] {
        assert_eq!(call(&mut rt, "f32", Val::F32(x)), Val::F32(x));
    }
    for x in [0.0f64, -2.5, f64::MAX, f64::MIN_POSITIVE, f64::NEG_INFINITY] {
        assert_eq!(call(&mut rt, "f64", Val::F64(x)), Val::F64(x));
    }
    // NaN crosses as a NaN; the payload is not preserved through JS, and need not be.
    for nan in [
        f32::NAN,
        f32::from_bits(0x7fa0_0001),
        f32::from_bits(0xffc0_0000),
    ] {
        assert!(matches!(call(&mut rt, "f32", Val::F32(nan)), Val::F32(v) if v.is_nan()));
    }
    for nan in [f64::NAN, f64::from_bits(0x7ff4_0000_0000_0001)] {
        assert!(matches!(call(&mut rt, "f64", Val::F64(nan)), Val::F64(v) if v.is_nan()));
    }
    assert_eq!(call(&mut rt, "bool", Val::I32(0)), Val::I32(1));
    assert_eq!(call(&mut rt, "bool", Val::I32(7)), Val::I32(0));
    assert_eq!(
        rt.invoke(&inst, "eight", &[]).unwrap(),
        vec![Val::F64(31.0)]
    );
}

const MEMORY_WAT: &str = r#"(module
  (import "t" "read" (func $read (param i32 i32) (result i32)))
  (import "t" "write" (func $write (param i32 i32)))
  (import "t" "boom" (func $boom (param i32) (result i32)))
  (import "t" "res" (func $res (param i32) (result i32)))
  (memory (export "memory") 80)
  (data (i32.const 100) "h\c3\a9llo")
  (data (i32.const 200) "\ff\fe")
  (func (export "read_hello") (result i32) (call $read (i32.const 100) (i32.const 6)))
  (func (export "read_empty") (result i32) (call $read (i32.const 0) (i32.const 0)))
  (func (export "read_bad") (result i32) (call $read (i32.const 200) (i32.const 2)))
  (func (export "read_oob") (result i32) (call $read (i32.const 0x7fffffff) (i32.const 16)))
  (func (export "big_roundtrip") (result i32)
    (call $write (i32.const 1024) (i32.const 4194304))
    (i32.load8_u (i32.const 1278)))
  (func (export "panic") (result i32) (call $boom (i32.const 1)))
  (func (export "err") (result i32) (call $res (i32.const -3))))"#;

#[test]
fn caller_memory_strings_and_bytes() {
    let (mut rt, _) = runtime();
    let inst = wasm(&mut rt, MEMORY_WAT).unwrap();
    assert_eq!(
        rt.invoke(&inst, "read_hello", &[]).unwrap(),
        vec![Val::I32(5)]
    );
    assert_eq!(
        rt.invoke(&inst, "read_empty", &[]).unwrap(),
        vec![Val::I32(0)]
    );
    // 4 MiB written by the host into Wasm memory; byte 254 of it is 254 % 251 = 3.
    assert_eq!(
        rt.invoke(&inst, "big_roundtrip", &[]).unwrap(),
        vec![Val::I32(3)]
    );
    let trap = |r: Result<Vec<Val>, Error>| match r {
        Err(Error::Trap(t)) => t,
        other => panic!("expected a trap, got {other:?}"),
    };
    let t = trap(rt.invoke(&inst, "read_bad", &[]));
    assert_eq!(t.kind, TrapKind::Host);
    assert!(
        t.message
            .contains("host function t.read failed: invalid UTF-8 in memory at 0xc8+2"),
        "{}",
        t.message
    );
    let t = trap(rt.invoke(&inst, "read_oob", &[]));
    assert!(
        t.message.contains("out of bounds memory access"),
        "{}",
        t.message
    );
    let t = trap(rt.invoke(&inst, "panic", &[]));
    assert_eq!(
        t.to_string().lines().next().unwrap(),
        "trap in export \"panic\": host function t.boom panicked: kaboom"
    );
    let t = trap(rt.invoke(&inst, "err", &[]));
    assert_eq!(t.message, "host function t.res failed: negative: -3");
    // Still usable afterwards.
    assert_eq!(
        rt.invoke(&inst, "read_hello", &[]).unwrap(),
        vec![Val::I32(5)]
    );
}

#[test]
fn reentry_three_levels() {
    // JS -> Wasm outer -> host h1 -> JS jsfn -> Wasm inner -> host h2, and back.
    let wat = r#"(module
      (import "t" "h1" (func $h1 (param i32) (result i32)))
      (import "t" "h2" (func $h2 (param i32) (result i32)))
      (func (export "outer") (param i32) (result i32) (call $h1 (i32.add (local.get 0) (i32.const 1))))
      (func (export "inner") (param i32) (result i32) (call $h2 (i32.add (local.get 0) (i32.const 10)))))"#;
    let bytes = warren::wat_to_wasm(None, wat.as_bytes()).unwrap();
    let list: Vec<String> = bytes.iter().map(u8::to_string).collect();
    let src = format!(
        r#"import * as t from "host:t";
const bytes = new Uint8Array([{}]);
const {{ instance }} = await WebAssembly.instantiate(bytes, {{ t }});
globalThis.jsfn = (x) => instance.exports.inner(x) + 100;
console.log(instance.exports.outer(1));
"#,
        list.join(",")
    );
    let (r, out) = run_js(&src);
    r.unwrap();
    // outer(1): h1(2) -> jsfn(2) -> inner(2) -> h2(12) = 24; +100 = 124; h1 adds 1000.
    assert_eq!(out, "1124\n");
}

#[test]
fn async_import_awaited_from_wasm_through_jspi() {
    let (mut rt, _) = runtime();
    let inst = wasm(
        &mut rt,
        r#"(module
          (import "kv" "get" (func $get (param i32) (result i32)))
          (import "kv" "fail" (func $fail (param i32) (result i32)))
          (func (export "sum") (param i32) (result i32)
            (i32.add (call $get (local.get 0)) (call $get (i32.add (local.get 0) (i32.const 1)))))
          (func (export "broken") (result i32) (call $fail (i32.const 0))))"#,
    )
    .unwrap();
    assert!(inst.uses_jspi());
    let got = block_on(rt.invoke_async(&inst, "sum", &[Val::I32(4)])).unwrap();
    assert_eq!(got, vec![Val::I32(90)]);
    match block_on(rt.invoke_async(&inst, "broken", &[])) {
        Err(Error::Js(e)) => assert!(e.message.contains("backend down"), "{}", e.message),
        Err(Error::Trap(t)) => assert!(t.message.contains("backend down"), "{}", t.message),
        other => panic!("{other:?}"),
    }
    let err = rt.invoke(&inst, "sum", &[Val::I32(1)]).unwrap_err();
    assert!(err.to_string().contains("invoke_async"), "{err}");
}

#[test]
fn link_errors_name_import_and_both_types() {
    let (mut rt, _) = runtime();
    let err = wasm(
        &mut rt,
        r#"(module
          (import "t" "i32" (func (param i64) (result i64)))
          (import "t" "str" (func (param i32) (result i32)))
          (import "t" "nope" (func (param f32)))
          (import "other" "x" (global i32)))"#,
    )
    .unwrap_err();
    let msg = err.to_string();
    assert_eq!(err.exit_code(), 2);
    for want in [
        "incompatible import t.i32: expected func (param i64) (result i64), provided func (param i32) (result i32)",
        "incompatible import t.str: expected func (param i32) (result i32), provided func (param string) (result string) (JS-only types)",
        "missing import t.nope: func (param f32)",
        "missing import other.x: global i32",
    ] {
        assert!(msg.contains(want), "{want}\nnot in\n{msg}");
    }
}

#[test]
fn cli_hello_host() {
    let r = crate::run(&["run", "wasm/hello_host.wat"]);
    assert_eq!(
        (r.stdout.as_str(), r.code),
        ("Hello from Wasm memory!\n", 0),
        "{}",
        r.stderr
    );
}

#[test]
fn cli_preload_and_env_permission() {
    let dir = tempfile::tempdir().unwrap();
    let util = dir.path().join("util.wat");
    std::fs::write(&util, r#"(module (func (export "triple") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 3))))"#).unwrap();
    let js = dir.path().join("util.mjs");
    std::fs::write(&js, "export function plus(a, b) { return a + b; }\n").unwrap();
    let main = dir.path().join("main.wat");
    std::fs::write(&main, r#"(module
      (import "util" "triple" (func $t (param i32) (result i32)))
      (import "js" "plus" (func $p (param i32 i32) (result i32)))
      (func (export "go") (param i32) (result i32) (call $p (call $t (local.get 0)) (i32.const 1))))"#).unwrap();
    let u = format!("util={}", util.display());
    let j = format!("js={}", js.display());
    let r = crate::run(&[
        "run",
        "--preload",
        &u,
        "--preload",
        &j,
        "--invoke",
        "go",
        main.to_str().unwrap(),
        "5",
    ]);
    assert_eq!((r.stdout.as_str(), r.code), ("16\n", 0), "{}", r.stderr);
    // A namespace that lacks the export is a link error naming the import.
    let r = crate::run(&[
        "run",
        "--preload",
        &u,
        "--invoke",
        "go",
        main.to_str().unwrap(),
        "5",
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("missing import js.plus: func (param i32 i32) (result i32)"),
        "{}",
        r.stderr
    );

    let envjs = dir.path().join("env.mjs");
    std::fs::write(&envjs, "import { var as v } from 'host:env';\ntry { console.log(v('WARREN_TEST_VAR')); } catch (e) { console.log(e.message); }\n").unwrap();
    let out = crate::warren_command()
        .args(["run", envjs.to_str().unwrap()])
        .env("WARREN_TEST_VAR", "secret")
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("PermissionDenied"),
        "{out:?}"
    );
    let out = crate::warren_command()
        .args(["run", "--allow-env", envjs.to_str().unwrap()])
        .env("WARREN_TEST_VAR", "secret")
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "secret\n");
}

#[test]
fn fast_path_calls_and_panics() {
    // `(i32) -> i32` with plain numbers takes V8's fast API path once the loop is hot; a
    // panic there cannot throw, so it terminates the call and is reported as a trap.
    let mut l = Linker::new();
    l.func("env", "f", |x: i32| -> i32 {
        if x == 300_000 {
            panic!("fast boom at {x}");
        }
        x + 1
    })
    .unwrap();
    let mut rt = Runtime::new(RuntimeOptions {
        linker: l,
        ..Default::default()
    })
    .unwrap();
    let bytes = warren::wat_to_wasm(None, include_bytes!("../../benches/host/loop.wat")).unwrap();
    let inst = rt.instantiate_wasm("loop.wat", &bytes).unwrap();
    assert_eq!(
        rt.invoke(&inst, "run", &[Val::I32(200_000)]).unwrap(),
        vec![Val::I32(200_000)]
    );
    match rt.invoke(&inst, "run", &[Val::I32(1_000_000)]) {
        Err(Error::Trap(t)) => {
            assert_eq!(t.kind, TrapKind::Host);
            assert!(
                t.message
                    .contains("host function env.f panicked: fast boom at 300000"),
                "{}",
                t.message
            );
        }
        other => panic!("expected a host trap, got {other:?}"),
    }
    // The termination was cancelled: the runtime still runs code.
    assert_eq!(
        rt.invoke(&inst, "run", &[Val::I32(10)]).unwrap(),
        vec![Val::I32(10)]
    );
    assert_eq!(
        rt.execute_script("x.js", "1 + 1").unwrap(),
        serde_json::json!(2)
    );
}
