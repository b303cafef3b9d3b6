//! The fault catalogue: one test per class of fault, each run 100 times in a loop in one
//! process. Every iteration asserts the error's kind and that the process still runs a
//! fresh program correctly; after the loop, RSS must be within 10% of RSS after the first
//! iteration. Each class runs in a child process of its own (this test binary, re-run on
//! one ignored test), so other tests' memory does not blur the RSS figure, and a crash or
//! a hang fails only that class.

use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use warren::{Caller, Error, Linker, Runtime, RuntimeOptions, TrapKind, Val, WasmModule};

const ITERATIONS: usize = 100;
/// Runs of each fault before the measured ones.
const WARMUP: usize = 5;

/// Resident set size of this process, in bytes.
/// Resident memory, after the allocator has returned the free pages it keeps to the
/// system: what is left is what the process still holds (glibc's arenas otherwise keep
/// a few MiB of freed memory resident, which looks like growth and is not).
fn rss() -> u64 {
    // SAFETY: malloc_trim only releases free memory of the allocator's own.
    unsafe { libc::malloc_trim(0) };
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: u64 = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as u64;
    pages * page
}

fn quiet() -> RuntimeOptions {
    RuntimeOptions {
        output: Some(Arc::new(|_, _| Ok(()))),
        ..Default::default()
    }
}

fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap()
        .block_on(f)
}

/// A fresh program runs correctly: JS and Wasm, in a new runtime.
fn fresh_program_works() {
    let mut rt = Runtime::new(quiet()).unwrap();
    assert_eq!(
        rt.execute_script("ok.js", "[1, 2, 3].map((x) => x * 2).join()")
            .unwrap(),
        serde_json::json!("2,4,6")
    );
    let add = WasmModule::new(
        "add.wat",
        b"(module (func (export \"add\") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))",
    )
    .unwrap();
    let inst = rt.instantiate(&add).unwrap();
    assert_eq!(
        rt.invoke(&inst, "add", &[Val::I32(40), Val::I32(2)])
            .unwrap(),
        vec![Val::I32(42)]
    );
}

/// Runs one fault `ITERATIONS` times, checking the process after each, and the RSS bound.
fn repeat(fault: impl Fn()) {
    // V8's one-time costs of a fault class (the code pages, caches and arenas its first
    // runs bring into the process, up to about 3 MiB for deep JS recursion) are paid in a
    // warm-up that the bound does not count; the bound then catches growth per iteration.
    for _ in 0..WARMUP {
        fault();
        fresh_program_works();
    }
    let mut first = 0;
    for i in 0..ITERATIONS {
        fault();
        fresh_program_works();
        if i == 0 {
            first = rss();
        }
    }
    let last = rss();
    assert!(
        last <= first + first / 10,
        "RSS grew from {} KiB after the first iteration to {} KiB after {ITERATIONS} (over 10%)",
        first >> 10,
        last >> 10
    );
}

/// Runs the ignored test `faults::child::NAME` in a process of its own.
fn in_child(name: &str) {
    crate::in_child(&format!("faults::child::{name}"));
}

fn wasm(rt: &mut Runtime, wat: &str) -> warren::Instance {
    rt.instantiate(&WasmModule::new("fault.wat", wat.as_bytes()).unwrap())
        .unwrap()
}

fn limit_message(e: &Error) -> &str {
    match e {
        Error::Limit(m) => m,
        other => panic!("expected a limit error, got {other:?}"),
    }
}

fn trap_kind(r: warren::Result<Vec<Val>>) -> TrapKind {
    match r {
        Err(Error::Trap(t)) => t.kind,
        other => panic!("expected a trap, got {other:?}"),
    }
}

fn timed() -> RuntimeOptions {
    RuntimeOptions {
        time_limit: Some(Duration::from_millis(30)),
        ..quiet()
    }
}

fn capped(bytes: usize) -> RuntimeOptions {
    RuntimeOptions {
        max_memory: Some(bytes),
        ..quiet()
    }
}

/// A linker whose `t.boom` panics on the generic path (a string argument) and `t.fast`
/// panics on V8's fast path (all numbers, called from a hot Wasm loop).
fn panicking_linker() -> Linker {
    let mut l = Linker::new();
    l.func("t", "boom", |s: String| -> i32 {
        panic!("boom on the slow path: {s}")
    })
    .unwrap();
    l.func("t", "fast", |x: i32| -> i32 {
        if x == 50_000 {
            panic!("boom on the fast path");
        }
        x
    })
    .unwrap();
    l.func("t", "len", |s: String| s.len() as f64).unwrap();
    l.func(
        "t",
        "js_reenter",
        |mut c: Caller<'_>, n: i32| -> Result<i32, String> {
            let v = c
                .call_global("jsDown", &[serde_json::json!(n + 1)])
                .map_err(|e| e.to_string())?;
            Ok(v.as_i64().unwrap_or(-1) as i32)
        },
    )
    .unwrap();
    l.func(
        "t",
        "reenter",
        |mut c: Caller<'_>, n: i32| -> Result<i32, String> {
            let r = c
                .call_export("down", &[Val::I32(n + 1)])
                .map_err(|e| e.to_string())?;
            Ok(match r.first() {
                Some(Val::I32(v)) => *v,
                _ => -1,
            })
        },
    )
    .unwrap();
    l
}

macro_rules! catalogue {
    ($($(#[$doc:meta])* $name:ident => $body:block)*) => {
        /// The bodies, run only by `in_child` (each in a process of its own).
        mod child {
            use super::*;
            $(
                $(#[$doc])*
                #[test]
                #[ignore = "run in a process of its own by the test of the same name"]
                fn $name() {
                    repeat(|| $body);
                }
            )*
        }
        $(
            $(#[$doc])*
            #[test]
            fn $name() {
                in_child(stringify!($name));
            }
        )*
    };
}

catalogue! {
    /// `for (;;) {}` is stopped by the time limit; the runtime stays usable.
    infinite_js_loop => {
        let mut rt = Runtime::new(timed()).unwrap();
        let e = rt.execute_script("spin.js", "for (;;) {}").unwrap_err();
        assert!(limit_message(&e).contains("time limit exceeded"), "{e}");
        assert_eq!(rt.execute_script("after.js", "6 * 7").unwrap(), serde_json::json!(42));
    }

    /// `(loop (br 0))` is stopped by the time limit, and by fuel.
    infinite_wasm_loop => {
        // Instantiated before the limit is set: on a loaded machine compiling can take
        // longer than the 30 ms the call gets.
        let mut rt = Runtime::new(quiet()).unwrap();
        let inst = wasm(&mut rt, "(module (func (export \"spin\") (loop (br 0))))");
        rt.set_time_limit(timed().time_limit);
        let e = rt.invoke(&inst, "spin", &[]).unwrap_err();
        assert!(limit_message(&e).contains("time limit exceeded"), "{e}");
        let mut rt = Runtime::new(RuntimeOptions { fuel: Some(10_000), ..quiet() }).unwrap();
        let inst = wasm(&mut rt, "(module (func (export \"spin\") (loop (br 0))))");
        assert_eq!(trap_kind(rt.invoke(&inst, "spin", &[])), TrapKind::OutOfFuel);
    }

    /// Pushing small objects until the cap: the isolate is stopped, not the process.
    js_heap_exhaustion_array_push => {
        let mut rt = Runtime::new(capped(24 << 20)).unwrap();
        let e = rt
            .execute_script("hog.js", "const a = []; for (;;) a.push({ x: [1, 2, 3] });")
            .unwrap_err();
        assert!(limit_message(&e).contains("out of memory"), "{e}");
    }

    /// One string doubled until it is too large: a RangeError or the heap limit.
    js_heap_exhaustion_giant_string => {
        let mut rt = Runtime::new(capped(24 << 20)).unwrap();
        let r = rt.execute_script("str.js", "let s = 'x'; for (;;) s = s + s + '!'; s.length");
        match r {
            Err(Error::Limit(m)) => assert!(m.contains("out of memory"), "{m}"),
            Err(Error::Js(js)) => assert!(js.message.contains("RangeError"), "{js:?}"),
            other => panic!("expected a limit or a RangeError, got {other:?}"),
        }
    }

    /// ArrayBuffers past the cap fail to allocate (or stop the isolate at the heap limit).
    array_buffer_exhaustion => {
        let mut rt = Runtime::new(capped(24 << 20)).unwrap();
        let r = rt.execute_script(
            "ab.js",
            "const keep = []; try { for (;;) keep.push(new ArrayBuffer(1 << 20)); } catch (e) { e.name }",
        );
        match r {
            Ok(v) => assert_eq!(v, serde_json::json!("RangeError")),
            Err(e) => assert!(limit_message(&e).contains("out of memory"), "{e}"),
        }
    }

    /// `memory.grow` past the cap returns -1; within it, it grows.
    wasm_memory_grow_past_the_cap => {
        let mut rt = Runtime::new(capped(16 << 20)).unwrap();
        let inst = wasm(
            &mut rt,
            "(module (memory 1) (func (export \"grow\") (param i32) (result i32) local.get 0 memory.grow))",
        );
        assert_eq!(rt.invoke(&inst, "grow", &[Val::I32(1000)]).unwrap(), vec![Val::I32(-1)]);
        assert_eq!(rt.invoke(&inst, "grow", &[Val::I32(10)]).unwrap(), vec![Val::I32(1)]);
    }

    /// Loads and stores past the end of memory trap as out of bounds, with V8's trap
    /// handler (guard pages, no bounds checks) as without: at the last byte, one past it,
    /// 4 GiB away, and after the memory grew.
    wasm_out_of_bounds => {
        let mut rt = Runtime::new(quiet()).unwrap();
        let inst = wasm(
            &mut rt,
            "(module (memory 1)\n  (func (export \"load\") (param i32) (result i32) local.get 0 i32.load)\n  (func (export \"store\") (param i32) local.get 0 i32.const 7 i32.store8)\n  (func (export \"grow\") (result i32) i32.const 1 memory.grow))",
        );
        assert_eq!(rt.invoke(&inst, "load", &[Val::I32(65532)]).unwrap(), vec![Val::I32(0)]);
        for at in [65533, 65536, -1, i32::MAX] {
            assert_eq!(trap_kind(rt.invoke(&inst, "load", &[Val::I32(at)])), TrapKind::MemoryOutOfBounds);
        }
        assert_eq!(trap_kind(rt.invoke(&inst, "store", &[Val::I32(65536)])), TrapKind::MemoryOutOfBounds);
        assert_eq!(rt.invoke(&inst, "grow", &[]).unwrap(), vec![Val::I32(1)]);
        rt.invoke(&inst, "store", &[Val::I32(65536)]).unwrap();
        assert_eq!(rt.invoke(&inst, "load", &[Val::I32(65536)]).unwrap(), vec![Val::I32(7)]);
        assert_eq!(trap_kind(rt.invoke(&inst, "store", &[Val::I32(131072)])), TrapKind::MemoryOutOfBounds);
    }

    /// A module whose initial memory alone is over the cap is refused before it runs.
    wasm_initial_memory_over_the_cap => {
        let mut rt = Runtime::new(capped(16 << 20)).unwrap();
        let m = WasmModule::new("big.wat", b"(module (memory 1000))").unwrap();
        match rt.instantiate(&m) {
            Err(Error::MemoryCap(msg)) => assert!(msg.contains("memory 0 needs"), "{msg}"),
            other => panic!("expected a memory-cap error, got {other:?}"),
        }
    }

    /// Unbounded recursion in JS is a RangeError.
    deep_recursion_js => {
        let mut rt = Runtime::new(quiet()).unwrap();
        let v = rt
            .execute_script("rec.js", "function f(n) { return f(n + 1) + 1; } try { f(0) } catch (e) { e.constructor.name }")
            .unwrap();
        assert_eq!(v, serde_json::json!("RangeError"));
    }

    /// Unbounded recursion in Wasm is a stack-overflow trap.
    deep_recursion_wasm => {
        let mut rt = Runtime::new(quiet()).unwrap();
        let inst = wasm(
            &mut rt,
            "(module (func $f (export \"f\") (param i32) (result i32) (i32.add (call $f (i32.add (local.get 0) (i32.const 1))) (i32.const 1))))",
        );
        assert_eq!(trap_kind(rt.invoke(&inst, "f", &[Val::I32(0)])), TrapKind::StackOverflow);
    }

    /// Wasm -> Rust -> Wasm -> Rust ... without end is a stack overflow, not a crash.
    deep_recursion_across_host_calls => {
        let mut rt = Runtime::new(RuntimeOptions { linker: panicking_linker(), ..quiet() }).unwrap();
        let inst = wasm(
            &mut rt,
            "(module (import \"t\" \"reenter\" (func $re (param i32) (result i32)))\n  (func (export \"down\") (param i32) (result i32) (call $re (local.get 0))))",
        );
        match rt.invoke(&inst, "down", &[Val::I32(0)]) {
            Err(Error::Trap(t)) => assert!(
                matches!(t.kind, TrapKind::StackOverflow | TrapKind::Host),
                "{t}"
            ),
            other => panic!("expected a trap, got {other:?}"),
        }
        // JS -> Rust -> JS -> Rust ...: a RangeError surfaces as the program's error.
        let dir = tempfile::tempdir().unwrap();
        let main = dir.path().join("rec.mjs");
        std::fs::write(
            &main,
            "import { js_reenter } from 'host:t';
globalThis.jsDown = (n) => js_reenter(n);
jsDown(0);
",
        )
        .unwrap();
        let e = block_on(rt.run_main_module(&main)).unwrap_err();
        assert!(
            e.to_string().contains("Maximum call stack size exceeded"),
            "{e}"
        );
    }

    /// A panic in a host function, on the generic and on the fast path, is a Host trap.
    host_function_panic => {
        let mut rt = Runtime::new(RuntimeOptions { linker: panicking_linker(), ..quiet() }).unwrap();
        let inst = wasm(
            &mut rt,
            "(module (import \"t\" \"fast\" (func $fast (param i32) (result i32)))\n  (func (export \"run\") (param i32) (result i32) (local i32)\n    (loop $l (local.set 1 (call $fast (local.get 1))) (local.set 1 (i32.add (local.get 1) (i32.const 1))) (br_if $l (i32.lt_u (local.get 1) (local.get 0))))\n    (local.get 1)))",
        );
        assert_eq!(trap_kind(rt.invoke(&inst, "run", &[Val::I32(100_000)])), TrapKind::Host);
        assert_eq!(rt.invoke(&inst, "run", &[Val::I32(10)]).unwrap(), vec![Val::I32(10)]);
        let dir = tempfile::tempdir().unwrap();
        let main = dir.path().join("slow.mjs");
        std::fs::write(&main, "import { boom } from 'host:t';\nboom('x');\n").unwrap();
        let e = block_on(rt.run_main_module(&main)).unwrap_err();
        assert!(e.to_string().contains("host function t.boom panicked"), "{e}");
    }

    /// Malformed WAT, Wasm and JS are clean errors.
    malformed_input => {
        let e = WasmModule::new("bad.wat", b"(module (func (result i32) i32.const))").unwrap_err();
        assert!(matches!(e, Error::Wat { line: 1, .. }), "{e:?}");
        let e = WasmModule::new("bad.wasm", b"\0asm\x01\0\0\0\x01\x05").unwrap_err();
        assert!(matches!(e, Error::InvalidWasm { .. }), "{e:?}");
        let mut rt = Runtime::new(quiet()).unwrap();
        let e = rt.execute_script("bad.js", "let let = ;").unwrap_err();
        assert!(matches!(&e, Error::Js(js) if js.message.contains("SyntaxError")), "{e:?}");
    }

    /// A missing import names the import and its type.
    missing_import => {
        let mut rt = Runtime::new(quiet()).unwrap();
        let m = WasmModule::new("imp.wat", b"(module (import \"env\" \"f\" (func (param i32))))").unwrap();
        match rt.instantiate(&m) {
            Err(Error::Link { unresolved }) => {
                assert_eq!(unresolved[0].to_string(), "missing import env.f: func (param i32)")
            }
            other => panic!("expected a link error, got {other:?}"),
        }
    }

    /// An unhandled rejection fails the program with the rejection.
    unhandled_rejection => {
        let dir = tempfile::tempdir().unwrap();
        let main = dir.path().join("rej.mjs");
        std::fs::write(&main, "Promise.reject(new Error('nobody caught me'));\n").unwrap();
        let mut rt = Runtime::new(quiet()).unwrap();
        match block_on(rt.run_main_module(&main)) {
            Err(Error::Js(js)) => {
                assert!(js.in_promise && js.message.contains("nobody caught me"), "{js:?}")
            }
            other => panic!("expected an unhandled rejection, got {other:?}"),
        }
    }

    /// A 100 MB string crosses into a host function and back as its length.
    huge_string_to_a_host_function => {
        let mut rt = Runtime::new(RuntimeOptions { linker: panicking_linker(), ..quiet() }).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let main = dir.path().join("big.mjs");
        std::fs::write(
            &main,
            "import { len } from 'host:t';\nconst n = len('x'.repeat(100 * 1024 * 1024));\nif (n !== 100 * 1024 * 1024) throw new Error('got ' + n);\n",
        )
        .unwrap();
        block_on(rt.run_main_module(&main)).unwrap();
    }

    /// Escape attempts find no ambient authority: no file, no variable, no process, no
    /// internals.
    escape_attempts_find_no_authority => {
        let mut rt = Runtime::new(quiet()).unwrap();
        let v = rt
            .execute_script(
                "escape.js",
                r#"
const tries = {
  functionCtorProcessEnv: () => (0, ({}).constructor.constructor)('return process')().env.HOME,
  functionCtorRequire: () => (0, ({}).constructor.constructor)('return require')()('fs').readFileSync('/etc/hostname'),
  processBinding: () => process.binding('fs'),
  processDlopen: () => process.dlopen({}, '/lib/x86_64-linux-gnu/libc.so.6'),
  globalCore: () => globalThis.core.readFile('/etc/hostname'),
  deno: () => Deno.readFileSync('/etc/hostname'),
  nodeFs: () => require('node:fs').readFileSync('/etc/hostname'),
  childProcess: () => require('node:child_process').execSync('id'),
  envKeys: () => { if (Object.keys(process.env).length) return 'keys'; throw new Error('none'); },
};
const out = {};
for (const [k, f] of Object.entries(tries)) {
  try { const r = f(); out[k] = r === undefined ? 'undefined' : 'REACHED'; } catch (e) { out[k] = 'denied'; }
}
out
"#,
            )
            .unwrap();
        let obj = v.as_object().unwrap();
        for (k, v) in obj {
            assert_eq!(v, "denied", "escape attempt {k} reached something: {obj:?}");
        }
        assert_eq!(obj.len(), 9);
    }
}

/// V8's Wasm trap handler is on, and it hands faults outside Wasm back to Rust: a host
/// function that recurses without end in Rust still gets Rust's stack-overflow report
/// (and the process aborts), rather than a silent crash or a fault V8 mistakes for a trap.
#[test]
fn rust_stack_overflow_is_reported_by_rust_beside_the_trap_handler() {
    if cfg!(all(target_arch = "x86_64", target_os = "linux")) {
        warren::engine::init();
        assert!(warren::engine::trap_handler_enabled());
    }
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "faults::rust_stack_overflow_child",
            "--test-threads=1",
            "--nocapture",
        ])
        .env("WARREN_STACK_OVERFLOW_CHILD", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "the child survived?\n{stderr}");
    assert!(stderr.contains("has overflowed its stack"), "{stderr}");
}

#[test]
#[ignore = "run in a process of its own by rust_stack_overflow_is_reported_by_rust_beside_the_trap_handler"]
fn rust_stack_overflow_child() {
    if std::env::var_os("WARREN_STACK_OVERFLOW_CHILD").is_none() {
        return;
    }
    #[allow(unconditional_recursion)] // the point: it recurses until the stack is gone
    fn deeper(n: u64) -> u64 {
        let frame = std::hint::black_box([n; 64]);
        deeper(frame[7] + 1) + frame[3]
    }
    let mut linker = Linker::new();
    linker
        .func("t", "sink", |x: i32| deeper(x as u64) as i32)
        .unwrap();
    let mut rt = Runtime::new(RuntimeOptions { linker, ..quiet() }).unwrap();
    // Memory accesses first, so the trap handler has Wasm code to guard.
    let inst = wasm(
        &mut rt,
        "(module (import \"t\" \"sink\" (func $s (param i32) (result i32))) (memory 1)\n  (func (export \"go\") (result i32) (call $s (i32.load (i32.const 0)))))",
    );
    let _ = rt.invoke(&inst, "go", &[]);
}

/// V8's own out-of-memory (here with no near-heap-limit callback to stop it first) ends
/// the process, but not before the report names the runtime that was running.
#[test]
fn fatal_oom_report_names_the_runtime() {
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "faults::fatal_oom_child",
            "--test-threads=1",
            "--nocapture",
        ])
        .env("WARREN_FATAL_OOM_CHILD", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "the child survived V8's OOM?\n{stderr}"
    );
    assert!(
        stderr.contains("warren: fatal V8 error in runtime \"oom-victim\"")
            && stderr.contains("out of memory"),
        "{stderr}"
    );
}

#[test]
#[ignore = "run in a process of its own by fatal_oom_report_names_the_runtime"]
fn fatal_oom_child() {
    if std::env::var_os("WARREN_FATAL_OOM_CHILD").is_none() {
        return;
    }
    // The first initialisation in this process decides the flags: a small V8 heap.
    warren::engine::init_with_flags("--max-old-space-size=24");
    let mut rt = Runtime::new(RuntimeOptions {
        name: Some("oom-victim".into()),
        ..quiet()
    })
    .unwrap();
    let _ = rt.execute_script("oom.js", "const a = []; for (;;) a.push({ a: [1, 2, 3] });");
}
