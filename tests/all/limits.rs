//! Limits through the CLI, as issue 11's acceptance states them: one memory cap over the JS
//! heap, ArrayBuffers and Wasm memories; wall-clock and CPU-time limits; deterministic fuel.

use std::fs;

use crate::{root, run};

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let p = dir.path().join(name);
    fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}

const SPIN: &str = "(module (func (export \"spin\") (loop (br 0))))";
const GROW: &str = "(module (memory 1)\n  (func (export \"grow\") (param i32) (result i32) local.get 0 memory.grow))";

#[test]
fn memory_cap_stops_a_js_heap_hog() {
    let d = tempfile::tempdir().unwrap();
    // Many small objects: the pattern whose OSR code used to ignore termination.
    let hog = write(
        &d,
        "hog.mjs",
        "const a = []; for (;;) a.push({ x: new Array(100).fill(1) });\n",
    );
    let r = run(&["run", "--max-memory", "32MiB", &hog]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("out of memory"), "{}", r.stderr);
}

#[test]
fn memory_cap_covers_array_buffers() {
    let d = tempfile::tempdir().unwrap();
    let f = write(
        &d,
        "ab.mjs",
        "const keep = []; for (;;) keep.push(new ArrayBuffer(1 << 20));\n",
    );
    let r = run(&["run", "--max-memory", "32MiB", &f]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    // V8 counts backing stores against its heap limit too: either the allocator refuses
    // (a RangeError) or the heap limit stops the isolate; both keep within the cap.
    assert!(
        r.stderr.contains("out of memory") || r.stderr.contains("Array buffer allocation failed"),
        "{}",
        r.stderr
    );
}

#[test]
fn memory_cap_clamps_wasm_memory_grow() {
    let d = tempfile::tempdir().unwrap();
    let m = write(&d, "grow.wat", GROW);
    let r = run(&[
        "run",
        "--max-memory",
        "16MiB",
        "--invoke",
        "grow",
        &m,
        "1000",
    ]);
    assert_eq!((r.code, r.stdout.as_str()), (0, "-1\n"), "{}", r.stderr);
    // Within the cap it grows, and without a cap 1000 pages are fine.
    let r = run(&[
        "run",
        "--max-memory",
        "16MiB",
        "--invoke",
        "grow",
        &m,
        "100",
    ]);
    assert_eq!((r.code, r.stdout.as_str()), (0, "1\n"), "{}", r.stderr);
    let r = run(&["run", "--invoke", "grow", &m, "1000"]);
    assert_eq!((r.code, r.stdout.as_str()), (0, "1\n"), "{}", r.stderr);
    // JS-made memories are clamped the same way.
    let js = write(
        &d,
        "mem.mjs",
        "const m = new WebAssembly.Memory({ initial: 1 });\ntry { m.grow(1000); console.log('grew'); } catch (e) { console.log(e.name); }\nconsole.log(m.grow(10));\n",
    );
    let r = run(&["run", "--max-memory", "16MiB", &js]);
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (0, "RangeError\n1\n"),
        "{}",
        r.stderr
    );
}

#[test]
fn memory_cap_refuses_a_module_whose_initial_memory_is_over_it() {
    let d = tempfile::tempdir().unwrap();
    let m = write(&d, "big.wat", "(module (memory (export \"m\") 1000))");
    let r = run(&["run", "--max-memory", "16MiB", &m]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("memory 0 needs 62.5 MiB initially") && r.stderr.contains("16.0 MiB cap"),
        "{}",
        r.stderr
    );
}

#[test]
fn timeout_stops_an_infinite_wasm_loop() {
    let d = tempfile::tempdir().unwrap();
    let m = write(&d, "spin.wat", SPIN);
    let r = run(&["run", "--timeout", "100ms", "--invoke", "spin", &m]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("time limit exceeded") && r.stderr.contains("100ms"),
        "{}",
        r.stderr
    );
    let r = run(&["run", "--timeout", "soon", "--invoke", "spin", &m]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("200ms or 2s"), "{}", r.stderr);
}

#[test]
fn cpu_limit_charges_computing_not_waiting() {
    let d = tempfile::tempdir().unwrap();
    let busy = write(&d, "busy.js", "for (;;) {}\n");
    let r = run(&["run", "--cpu-limit", "100ms", &busy]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("CPU time limit exceeded") && r.stderr.contains("100ms"),
        "{}",
        r.stderr
    );
    let sleepy = write(
        &d,
        "sleep.js",
        "setTimeout(() => console.log('slept and printed'), 300);\n",
    );
    let r = run(&["run", "--cpu-limit", "100ms", &sleepy]);
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (0, "slept and printed\n"),
        "{}",
        r.stderr
    );
    // The wall clock is what --timeout charges: the same sleep is stopped by it.
    let r = run(&["run", "--timeout", "100ms", &sleepy]);
    assert_eq!((r.code, r.stdout.as_str()), (1, ""), "{}", r.stderr);
}

#[test]
fn fuel_runs_out_deterministically() {
    let d = tempfile::tempdir().unwrap();
    let m = write(&d, "spin.wat", SPIN);
    let r = run(&["run", "--fuel", "1000", "--invoke", "spin", &m]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("out of fuel"), "{}", r.stderr);
    // With ample fuel, the same results as without it.
    let add = root().join("wasm/add.wat");
    let add = add.to_str().unwrap();
    for args in [["add", "40", "2"], ["add64", "9007199254740993", "1"]] {
        let mut with: Vec<&str> = vec!["run", "--fuel", "1000000", "--invoke", args[0], add];
        with.extend(&args[1..]);
        let mut without: Vec<&str> = vec!["run", "--invoke", args[0], add];
        without.extend(&args[1..]);
        let (a, b) = (run(&with), run(&without));
        assert_eq!((a.code, &a.stdout), (b.code, &b.stdout), "{}", a.stderr);
    }
    // A loop of known cost: 1000 iterations fit in 100 000 units, not in 1000.
    let count = write(
        &d,
        "count.wat",
        "(module (func (export \"count\") (param i32) (result i32) (local i32)\n  (loop $l (local.set 1 (i32.add (local.get 1) (i32.const 1)))\n    (br_if $l (i32.lt_u (local.get 1) (local.get 0))))\n  (local.get 1)))",
    );
    let r = run(&[
        "run", "--fuel", "100000", "--invoke", "count", &count, "1000",
    ]);
    assert_eq!((r.code, r.stdout.as_str()), (0, "1000\n"), "{}", r.stderr);
    let r = run(&["run", "--fuel", "1000", "--invoke", "count", &count, "1000"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("out of fuel"), "{}", r.stderr);
}

#[test]
fn fuel_is_read_and_refilled_between_calls() {
    let mut rt = warren::Runtime::new(warren::RuntimeOptions {
        fuel: Some(10_000),
        ..Default::default()
    })
    .unwrap();
    let m = warren::WasmModule::new(
        "count.wat",
        b"(module (func (export \"count\") (param i32) (result i32) (local i32)\n  (loop $l (local.set 1 (i32.add (local.get 1) (i32.const 1)))\n    (br_if $l (i32.lt_u (local.get 1) (local.get 0))))\n  (local.get 1)))",
    )
    .unwrap();
    let inst = rt.instantiate(&m).unwrap();
    let count = inst.func("count").unwrap();
    rt.call(&count, &[warren::Val::I32(100)]).unwrap();
    let left = rt.fuel().unwrap();
    assert!(left < 10_000 && left > 8_000, "{left}");
    // The same call costs the same again: deterministic.
    rt.call(&count, &[warren::Val::I32(100)]).unwrap();
    assert_eq!(10_000 - rt.fuel().unwrap(), 2 * (10_000 - left));
    match rt.call(&count, &[warren::Val::I32(100_000)]) {
        Err(warren::Error::Trap(t)) => assert_eq!(t.kind, warren::TrapKind::OutOfFuel),
        other => panic!("expected out of fuel, got {other:?}"),
    }
    assert_eq!(rt.fuel(), Some(0));
    rt.set_fuel(1_000_000).unwrap();
    assert_eq!(
        rt.call(&count, &[warren::Val::I32(100_000)]).unwrap(),
        vec![warren::Val::I32(100_000)]
    );
    // JS that compiles Wasm itself is metered from the same budget.
    rt.set_fuel(500).unwrap();
    let out = rt
        .execute_script(
            "js.js",
            "const b = new Uint8Array([0,97,115,109,1,0,0,0,1,4,1,96,0,0,3,2,1,0,7,8,1,4,115,112,105,110,0,0,10,9,1,7,0,3,64,12,0,11,11]);\n\
             const i = new WebAssembly.Instance(new WebAssembly.Module(b), {});\n\
             try { i.exports.spin(); 'no' } catch (e) { e.message }",
        )
        .unwrap();
    assert_eq!(out, serde_json::json!("unreachable"));
    assert_eq!(rt.fuel(), Some(0));
    let mut plain = warren::Runtime::new(Default::default()).unwrap();
    assert!(plain.fuel().is_none() && plain.set_fuel(1).is_err());
}

/// A program that sleeps 30 s in one WASI `poll_oneoff`: a blocking call in Rust, which
/// V8's termination alone cannot stop. Subscription at 0 (relative clock, 30 s), the event
/// at 64, the count at 128.
const WASI_SLEEP: &str = r#"(module
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (i32.store8 (i32.const 8) (i32.const 0))
    (i32.store (i32.const 16) (i32.const 1))
    (i64.store (i32.const 24) (i64.const 30000000000))
    (drop (call $poll (i32.const 0) (i32.const 64) (i32.const 1) (i32.const 128)))))"#;

/// A program that reads stdin once.
const WASI_READ: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 64))
    (i32.store (i32.const 4) (i32.const 16))
    (drop (call $read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 32)))))"#;

/// `--timeout` stops a WASI sleep and a wait on stdin that would outlast it, not only code
/// that runs: the watchdog fires the runtime's interrupt, which blocking host calls wait on.
#[test]
fn timeout_stops_a_blocking_wasi_sleep_and_a_stdin_wait() {
    let d = tempfile::tempdir().unwrap();
    let sleep = write(&d, "sleep.wat", WASI_SLEEP);
    let start = std::time::Instant::now();
    let r = run(&["run", "--timeout", "300ms", &sleep]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("time limit exceeded"), "{}", r.stderr);
    // Not a timing assertion on speed: without the interrupt this takes the whole 30 s.
    assert!(start.elapsed() < std::time::Duration::from_secs(20));

    let read = write(&d, "read.wat", WASI_READ);
    // stdin is a pipe that stays open and empty: the read would wait for ever.
    let mut child = crate::warren_command()
        .args(["run", "--timeout", "300ms", &read])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stdin = child.stdin.take();
    let start = std::time::Instant::now();
    let out = loop {
        if let Some(_status) = child.try_wait().unwrap() {
            break child.wait_with_output().unwrap();
        }
        if start.elapsed() > std::time::Duration::from_secs(20) {
            child.kill().unwrap();
            panic!("a stdin wait outlived --timeout 300ms by 20 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    drop(stdin);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("time limit exceeded"), "{stderr}");
}

/// The public interrupt a Rust host function can wait on.
#[test]
fn an_interrupt_ends_a_sleep() {
    use std::time::Duration;
    use warren::{Interrupt, Interrupted};
    let i = Interrupt::new();
    assert_eq!(i.sleep(Duration::from_millis(1)), Ok(()));
    let j = i.clone();
    let t = std::thread::spawn(move || j.sleep(Duration::from_secs(600)));
    std::thread::sleep(Duration::from_millis(20));
    i.fire();
    assert_eq!(t.join().unwrap(), Err(Interrupted));
    assert_eq!(i.sleep(Duration::from_secs(600)), Err(Interrupted));
    i.clear();
    assert!(!i.fired());
    assert_eq!(i.sleep(Duration::ZERO), Ok(()));
}

/// A trap's backtrace gives offsets in the module as written, not in the instrumented code
/// V8 runs when fuel is metered: the same frames with and without fuel, and running out of
/// fuel in a loop points at that `loop`.
#[test]
fn fuel_traps_report_offsets_in_the_original_module() {
    use warren::{Error, Runtime, RuntimeOptions, TrapKind, WasmModule};
    let wat = r#"(module
  (func $inner (param i32) (result i32)
    (local i32)
    (loop
      local.get 1 i32.const 1 i32.add local.set 1
      local.get 1 local.get 0 i32.lt_u br_if 0)
    local.get 1)
  (func (export "run") (result i32)
    i32.const 1000000 call $inner
    i32.const 1 i32.div_u)
  (func (export "trap") (result i32) i32.const 1 i32.const 0 i32.div_u))"#;
    let module = WasmModule::new("m.wat", wat.as_bytes()).unwrap();
    let frames = |fuel: Option<u64>, export: &str| {
        let mut rt = Runtime::new(RuntimeOptions {
            fuel,
            ..Default::default()
        })
        .unwrap();
        let inst = rt.instantiate(&module).unwrap();
        match rt.invoke(&inst, export, &[]) {
            Err(Error::Trap(t)) => (
                t.kind,
                t.frames
                    .iter()
                    .map(|f| (f.func_name.clone().unwrap_or_default(), f.offset))
                    .collect::<Vec<_>>(),
            ),
            other => panic!("expected a trap, got {other:?}"),
        }
    };
    let plain = frames(None, "trap");
    assert_eq!(plain.0, TrapKind::IntegerDivideByZero);
    assert_eq!(frames(Some(1_000_000), "trap"), plain);

    // Where the loop and the call are in the original bytes.
    let mut loop_at = None;
    let mut call_at = None;
    let mut body = 0;
    for p in wasmparser::Parser::new(0).parse_all(module.bytes()) {
        if let wasmparser::Payload::CodeSectionEntry(b) = p.unwrap() {
            let mut ops = b.get_operators_reader().unwrap();
            while !ops.eof() {
                let at = ops.original_position() as usize;
                match ops.read().unwrap() {
                    wasmparser::Operator::Loop { .. } if body == 0 => loop_at = Some(at),
                    wasmparser::Operator::Call { .. } if body == 1 => call_at = Some(at),
                    _ => {}
                }
            }
            body += 1;
        }
    }
    let (kind, out) = frames(Some(1000), "run");
    assert_eq!(kind, TrapKind::OutOfFuel);
    assert_eq!(
        out,
        [
            ("inner".to_string(), loop_at.unwrap()),
            ("run".to_string(), call_at.unwrap())
        ]
    );
}
