//! The `warren` binary end to end: run, invoke, compile, inspect, and every bad input.

use std::fs;

use crate::{root, run};

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let p = dir.path().join(name);
    fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}

/// Options after the file are the program's (as in wasmtime, deno and node); where that
/// leaves a module with nothing to run, the error says where the options go.
#[test]
fn an_option_after_the_file_is_the_programs() {
    let r = run(&["run", "wasm/add.wat", "--invoke", "add", "1", "2"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("--invoke came after the file")
            && r.stderr.contains("warren's options go before the file"),
        "{}",
        r.stderr
    );
    // Not an option of warren's: only the general hint.
    let r = run(&["run", "wasm/add.wat", "1", "2"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("the module has no _start; pass --invoke NAME before the file"),
        "{}",
        r.stderr
    );
}

#[test]
fn invoke_add() {
    let r = run(&["run", "--invoke", "add", "wasm/add.wat", "1", "2"]);
    assert_eq!((r.stdout.as_str(), r.code), ("3\n", 0), "{}", r.stderr);
}

#[test]
fn invoke_i64_beyond_2_pow_53() {
    let r = run(&[
        "run",
        "--invoke",
        "add64",
        "wasm/add.wat",
        "9007199254740993",
        "1",
    ]);
    assert_eq!(r.stdout, "9007199254740994\n", "{}", r.stderr);
    let r = run(&[
        "run",
        "--invoke",
        "add64",
        "wasm/add.wat",
        "-9223372036854775808",
        "-1",
    ]);
    assert_eq!(
        r.stdout, "9223372036854775807\n",
        "wraps like Wasm: {}",
        r.stderr
    );
}

#[test]
fn invoke_hex_negative_and_float_args() {
    let r = run(&[
        "run",
        "--invoke",
        "add",
        "wasm/add.wat",
        "0xffffffff",
        "-0x10",
    ]);
    assert_eq!(r.stdout, "-17\n");
    let r = run(&["run", "--invoke", "swap", "wasm/add.wat", "1.5", "-2.25"]);
    assert_eq!(r.stdout, "-2.25\n1.5\n", "multi-value prints one per line");
}

#[test]
fn invoke_json() {
    let r = run(&[
        "run",
        "--json",
        "--invoke",
        "add64",
        "wasm/add.wat",
        "9007199254740993",
        "1",
    ]);
    assert_eq!(r.stdout, "[\"9007199254740994\"]\n");
    let r = run(&[
        "run",
        "--json",
        "--invoke",
        "add64",
        "wasm/add.wat",
        "2",
        "3",
    ]);
    assert_eq!(r.stdout, "[5]\n");
    let r = run(&[
        "run",
        "--json",
        "--invoke",
        "swap",
        "wasm/add.wat",
        "1.5",
        "2",
    ]);
    assert_eq!(r.stdout, "[2.0,1.5]\n");
}

#[test]
fn invoke_binary_module() {
    let dir = tmp();
    let wasm = dir.path().join("add.wasm");
    let r = run(&["compile", "wasm/add.wat", "-o", wasm.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = run(&["run", "--invoke", "add", wasm.to_str().unwrap(), "40", "2"]);
    assert_eq!(r.stdout, "42\n");
}

#[test]
fn start_export_runs_without_invoke() {
    let dir = tmp();
    let f = write(
        &dir,
        "start.wat",
        r#"(module (func (export "_start") unreachable))"#,
    );
    let r = run(&["run", &f]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("trap in export \"_start\""),
        "{}",
        r.stderr
    );
    let f = write(
        &dir,
        "startfn.wat",
        r#"(module (func $s unreachable) (start $s))"#,
    );
    let r = run(&["run", &f]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("trap in export \"(start function)\""),
        "{}",
        r.stderr
    );
    let f = write(&dir, "quiet.wat", r#"(module (func (export "f")))"#);
    let r = run(&["run", &f]);
    assert_eq!((r.code, r.stdout.as_str()), (0, ""));
}

#[test]
fn compile_is_byte_identical_to_wat_crate() {
    let dir = tmp();
    for wat in ["wasm/add.wat", "wasm/traps.wat"] {
        let out = dir.path().join("out.wasm");
        let r = run(&["compile", wat, "-o", out.to_str().unwrap()]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let expected = wat::parse_file(root().join(wat)).unwrap();
        assert_eq!(fs::read(&out).unwrap(), expected, "{wat}");
        let stdout = crate::warren(&["compile", wat, "-o", "-"]);
        assert_eq!(stdout.stdout, expected, "{wat} to stdout");
    }
}

#[test]
fn inspect_lists_types_limits_and_sections() {
    let dir = tmp();
    let f = write(
        &dir,
        "m.wat",
        r#"(module
  (import "env" "log" (func (param i32)))
  (import "env" "mem" (memory 1 4))
  (table (export "tab") 2 10 funcref)
  (global (export "g") (mut i64) (i64.const 0))
  (func $run (export "run") (param i32 f64) (result i64) i64.const 0)
  (@custom "meta" "hello"))"#,
    );
    let r = run(&["inspect", &f]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for want in [
        "env.log: func (param i32)",
        "env.mem: memory 1 4",
        "tab: table 2 10 funcref",
        "g: global (mut i64)",
        "run: func (param i32 f64) (result i64)",
        "meta (5 bytes)",
    ] {
        assert!(r.stdout.contains(want), "missing {want:?} in\n{}", r.stdout);
    }
    let r = run(&["inspect", "--json", &f]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["imports"][1]["type"]["maximum"], 4);
    assert_eq!(v["exports"][2]["type"]["params"][1], "f64");
}

#[test]
fn missing_imports_are_all_listed() {
    let dir = tmp();
    let f = write(
        &dir,
        "imp.wat",
        r#"(module (import "env" "log" (func (param i32))) (import "env" "g" (global i32)))"#,
    );
    let r = run(&["run", &f]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("missing import env.log: func (param i32)"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("missing import env.g: global i32"),
        "{}",
        r.stderr
    );
}

#[test]
fn wat_syntax_error_has_location_and_caret() {
    let dir = tmp();
    let f = write(
        &dir,
        "bad.wat",
        "(module\n  (func (result i32)\n    i32.const oops))\n",
    );
    let r = run(&["run", "--invoke", "x", &f]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("bad.wat:3:15: "), "{}", r.stderr);
    assert!(r.stderr.contains("    i32.const oops))"), "{}", r.stderr);
    assert!(r.stderr.contains("|               ^"), "{}", r.stderr);
    let r = run(&["compile", &f, "-o", "-"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("bad.wat:3:15"));
}

#[test]
fn truncated_wasm_gives_offset_and_reason() {
    let dir = tmp();
    let bytes = wat::parse_file(root().join("wasm/add.wat")).unwrap();
    let p = dir.path().join("cut.wasm");
    fs::write(&p, &bytes[..bytes.len() / 2]).unwrap();
    let r = run(&["run", "--invoke", "add", p.to_str().unwrap(), "1", "2"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("invalid wasm module"), "{}", r.stderr);
    assert!(r.stderr.contains("at byte offset 0x"), "{}", r.stderr);
    let r = run(&["inspect", p.to_str().unwrap()]);
    assert_eq!(r.code, 2);
}

#[test]
fn missing_file() {
    let r = run(&["run", "does/not/exist.wat"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("cannot read does/not/exist.wat"),
        "{}",
        r.stderr
    );
    let r = run(&["run", "does/not/exist.js"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("cannot read does/not/exist.js"),
        "{}",
        r.stderr
    );
}

#[test]
fn unknown_export() {
    let r = run(&["run", "--invoke", "nope", "wasm/add.wat"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("unknown export \"nope\""), "{}", r.stderr);
    assert!(
        r.stderr.contains("add (func (param i32 i32) (result i32))"),
        "{}",
        r.stderr
    );
}

#[test]
fn wrong_argument_count_and_type() {
    let r = run(&["run", "--invoke", "add", "wasm/add.wat", "1"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("takes 2 arguments (func (param i32 i32) (result i32)), got 1"),
        "{}",
        r.stderr
    );
    let r = run(&["run", "--invoke", "add", "wasm/add.wat", "1", "two"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("argument 2 of \"add\": cannot parse \"two\" as i32"),
        "{}",
        r.stderr
    );
    let r = run(&["run", "--invoke", "add", "wasm/add.wat", "1", "4294967296"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("out of range for i32"), "{}", r.stderr);
}

fn trap(export: &str, args: &[&str], kind: &str, frame: &str) {
    let mut argv = vec!["run", "--invoke", export, "wasm/traps.wat"];
    argv.extend_from_slice(args);
    let r = run(&argv);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let first = r.stderr.lines().next().unwrap_or("");
    assert_eq!(first, format!("error: trap in export \"{export}\": {kind}"));
    assert!(r.stderr.contains("wasm backtrace:"), "{}", r.stderr);
    assert!(r.stderr.contains(frame), "{frame} in {}", r.stderr);
}

#[test]
fn trap_divide_by_zero() {
    trap("div", &["1", "0"], "integer divide by zero", " - div");
}

#[test]
fn trap_unreachable() {
    trap(
        "unreachable",
        &[],
        "wasm `unreachable` instruction executed",
        " - boom",
    );
}

#[test]
fn trap_out_of_bounds_load() {
    trap("oob", &[], "out of bounds memory access", " - load");
}

#[test]
fn trap_stack_overflow() {
    trap("recurse", &["0"], "call stack exhausted", " - recurse");
}

#[test]
fn trap_backtrace_names_inner_and_exported_frames() {
    trap("nested", &[], "integer divide by zero", " - inner");
    let r = run(&["run", "--invoke", "nested", "wasm/traps.wat"]);
    assert!(
        r.stderr.contains(" - nested"),
        "export name as fallback: {}",
        r.stderr
    );
}

fn js(dir: &tempfile::TempDir, name: &str, src: &str) -> crate::Run {
    let f = write(dir, name, src);
    run(&["run", &f])
}

#[test]
fn js_instantiate_async_and_timer_order() {
    let dir = tmp();
    let r = js(
        &dir,
        "main.mjs",
        r#"
const bytes = new Uint8Array([0,97,115,109,1,0,0,0,1,7,1,96,2,127,127,1,127,3,2,1,0,7,7,1,3,97,100,100,0,0,10,9,1,7,0,32,0,32,1,106,11]);
const { instance } = await WebAssembly.instantiate(bytes);
console.log("add", instance.exports.add(2, 3));
const mod = await WebAssembly.compile(bytes);
console.log(WebAssembly.Module.exports(mod)[0].name);
setTimeout(() => console.log("t20"), 250);
setTimeout(() => console.log("t0"), 0);
setTimeout(() => console.log("t10"), 10);
setTimeout(() => console.log("t10b"), 10);
let n = 0;
const iv = setInterval(() => { console.log("iv", ++n); if (n === 3) clearInterval(iv); }, 1);
const cancelled = setTimeout(() => console.log("never"), 5);
clearTimeout(cancelled);
setTimeout(() => { Promise.resolve().then(() => console.log("micro after t15")); }, 15);
setTimeout(() => console.log("t15b"), 15);
queueMicrotask(() => console.log("micro"));
console.log("sync");
"#,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(&lines[..4], ["add 5", "add", "sync", "micro"]);
    let pos = |s: &str| {
        lines
            .iter()
            .position(|l| *l == s)
            .unwrap_or_else(|| panic!("{s} missing: {lines:?}"))
    };
    assert!(pos("t0") < pos("t10") && pos("t10") < pos("t10b") && pos("t10b") < pos("t20"));
    assert!(
        pos("micro after t15") < pos("t15b"),
        "microtasks run between timers"
    );
    assert!(pos("iv 3") < pos("t20"));
    assert!(!r.stdout.contains("never"));
}

#[test]
fn js_imports_and_import_meta() {
    let dir = tmp();
    write(&dir, "dep.mjs", "export const x = 41;\n");
    let r = js(
        &dir,
        "main.mjs",
        "import { x } from './dep.mjs';\nconst m = await import('./dep.mjs');\nconsole.log(x + 1, m.x, import.meta.url.startsWith('file:///'), import.meta.main, import.meta.filename.endsWith('main.mjs'));\n",
    );
    assert_eq!(r.stdout, "42 41 true true true\n", "{}", r.stderr);
}

#[test]
fn js_uncaught_exception() {
    let dir = tmp();
    let r = js(
        &dir,
        "throw.js",
        "function f() { throw new Error('boom'); }\nf();\n",
    );
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .starts_with("error: Uncaught Error: boom\n    at f (file://"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("throw.js:1:22"), "{}", r.stderr);
}

#[test]
fn js_unhandled_rejection() {
    let dir = tmp();
    let r = js(
        &dir,
        "rej.mjs",
        "setTimeout(() => Promise.reject(new TypeError('nope')), 1);\n",
    );
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .starts_with("error: Uncaught (in promise) TypeError: nope\n    at "),
        "{}",
        r.stderr
    );
    // A rejection handled later in the same turn is not reported.
    let r = js(
        &dir,
        "late.mjs",
        "const p = Promise.reject(new Error('x'));\np.catch(() => console.log('caught'));\n",
    );
    assert_eq!((r.code, r.stdout.as_str()), (0, "caught\n"), "{}", r.stderr);
}

#[test]
fn js_exception_in_timer_exits_1() {
    let dir = tmp();
    let r = js(
        &dir,
        "t.mjs",
        "setTimeout(() => { throw new RangeError('late'); }, 1);\nsetTimeout(() => console.log('not reached'), 50);\n",
    );
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("Uncaught RangeError: late"),
        "{}",
        r.stderr
    );
    assert!(!r.stdout.contains("not reached"));
}

#[test]
fn js_syntax_error_and_missing_import() {
    let dir = tmp();
    let r = js(&dir, "syn.mjs", "let x = ;\n");
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("SyntaxError: Unexpected token ';'"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("syn.mjs:1:9"), "{}", r.stderr);
    let r = js(&dir, "miss.mjs", "\n  import './missing.js';\n");
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("missing.js\" imported from file://"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("miss.mjs:2:10"), "{}", r.stderr);
}

#[test]
fn js_top_level_await_that_never_settles() {
    let dir = tmp();
    let r = js(&dir, "never.mjs", "await new Promise(() => {});\n");
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("top-level await promise never resolved"),
        "{}",
        r.stderr
    );
}

#[test]
fn js_console_formats_like_node() {
    let dir = tmp();
    let r = js(
        &dir,
        "fmt.mjs",
        r#"console.log({ a: 1, b: 'x', c: [1, 2, { d: new Map([['k', 1]]) }] });
console.log([1, 2, 3], new Set([1]), 'str', 42, 10n, null, undefined);
console.log('%s is %d years', 'Bob', 42);
console.error(new Error('shown').message);
console.log({ nested: { deeper: { deepest: { gone: 1 } } } });
"#,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "{ a: 1, b: 'x', c: [ 1, 2, { d: [Map] } ] }\n[ 1, 2, 3 ] Set(1) { 1 } str 42 10n null undefined\nBob is 42 years\n{ nested: { deeper: { deepest: [Object] } } }\n"
    );
    assert_eq!(r.stderr, "shown\n");
}

#[test]
fn cli_time_limit_and_heap_limit() {
    let dir = tmp();
    let f = write(&dir, "spin.mjs", "console.log('start');\nwhile (true) {}\n");
    let r = run(&["run", "--time-limit", "0.3", &f]);
    assert_eq!((r.code, r.stdout.as_str()), (1, "start\n"));
    assert!(r.stderr.contains("time limit exceeded"), "{}", r.stderr);
    let f = write(
        &dir,
        "hog.mjs",
        "const a = []; for (;;) a.push(new Array(1e5).fill(1.5));\n",
    );
    let r = run(&["run", "--max-heap", "64", &f]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("heap limit"), "{}", r.stderr);
}

/// Output that cannot be written (a full disk here; a pipe whose reader has gone is the
/// same error) is lost, not a panic: the exit status still says how the program went.
#[test]
fn unwritable_output_keeps_the_exit_status() {
    let d = tmp();
    let f = write(
        &d,
        "trap.wat",
        r#"(module (func (export "f") unreachable))"#,
    );
    let add = root().join("wasm/add.wat");
    for (args, code) in [
        (vec!["run", "--invoke", "f", f.as_str()], 1),
        (
            vec!["run", "--invoke", "add", add.to_str().unwrap(), "1", "2"],
            0,
        ),
        (vec!["run", "/nonexistent.wasm"], 2),
    ] {
        let full = || {
            fs::OpenOptions::new()
                .write(true)
                .open("/dev/full")
                .unwrap()
        };
        let status = crate::warren_command()
            .args(&args)
            .stdout(full())
            .stderr(full())
            .status()
            .unwrap();
        assert_eq!(status.code(), Some(code), "{args:?}");
    }
}
