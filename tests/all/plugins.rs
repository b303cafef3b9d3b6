//! Plugins (issue 12): a manifest of JS and Wasm plugins, each in its own isolate. Calls
//! across plugins both ways, `emit` pipelines, every capability denial, hash pins, each
//! fault class while other plugins keep answering, concurrency, memory over 10,000 calls,
//! and the CLI (`warren call`, `emit`, `plugins check|list`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

use warren::Value;
use warren::plugins::{HostOptions, PluginError, PluginHost};

use crate::{root, run};

/// A directory of plugin files and a manifest, removed at the end of the test (shared
/// with `extism.rs`).
pub(crate) struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    pub(crate) fn new() -> Fixture {
        Fixture {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `text` to `rel` (parent directories made).
    pub(crate) fn file(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        p
    }

    pub(crate) fn manifest(&self, text: &str) -> PathBuf {
        self.file("warren.toml", text)
    }

    /// `p` as text, for manifests and command lines.
    pub(crate) fn s(&self, p: &Path) -> String {
        p.display().to_string()
    }
}

pub(crate) fn tokio() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

pub(crate) fn load(rt: &tokio::runtime::Runtime, manifest: &Path) -> PluginHost {
    rt.block_on(PluginHost::load(manifest))
        .unwrap_or_else(|e| panic!("{} does not load:\n{e}", manifest.display()))
}

pub(crate) fn load_err(manifest: &Path) -> String {
    match tokio().block_on(PluginHost::load(manifest)) {
        Ok(_) => panic!("{} loaded, but should not have", manifest.display()),
        Err(e) => e.to_string(),
    }
}

pub(crate) fn call(
    rt: &tokio::runtime::Runtime,
    host: &PluginHost,
    target: &str,
    input: Value,
) -> Result<Value, PluginError> {
    let (plugin, export) = target.split_once('.').unwrap();
    rt.block_on(host.call::<Value, _>(plugin, export, &input))
}

fn json(v: serde_json::Value) -> Value {
    Value::from(v)
}

fn examples() -> PathBuf {
    root().join("examples/plugins/warren.toml")
}

// ---- the examples and the CLI ----

#[test]
fn cli_call_counts_words_through_the_wasm_plugin() {
    let r = run(&[
        "call",
        "examples/plugins/warren.toml",
        "wordcount.count",
        "--input",
        "\"a b c\"",
    ]);
    assert_eq!((r.code, r.stdout.as_str()), (0, "3\n"), "{}", r.stderr);
}

#[test]
fn cli_emit_runs_the_publish_pipeline() {
    let r = run(&[
        "emit",
        "examples/plugins/warren.toml",
        "publish",
        "--input",
        "\"# Title\\n\\nfour words of text\"",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["html"], "<h1>Title</h1>\n<p>four words of text</p>\n");
    // "#", "Title", "four", "words", "of", "text"
    assert_eq!(v["words"], 6);
    assert_eq!(v["minutes"], 1);
}

#[test]
fn cli_list_shows_every_plugin_with_its_exports_and_limits() {
    let r = run(&["plugins", "list", "examples/plugins/warren.toml", "--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let names: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["markdown", "wordcount", "stats"]);
    assert_eq!(v[1]["kind"], "wasm");
    assert_eq!(v[1]["exports"], serde_json::json!(["count"]));
    assert_eq!(v[1]["fuel"], 50_000_000);
    assert_eq!(v[2]["plugins"], serde_json::json!(["wordcount"]));
    assert_eq!(v[2]["timeout_ms"], 1000);
    let text = run(&["plugins", "list", "examples/plugins/warren.toml"]);
    assert!(text.stdout.contains("wordcount (wasm)"), "{}", text.stdout);
}

#[test]
fn cli_check_prints_each_of_three_mistakes_with_its_position() {
    let f = Fixture::new();
    f.file("a/a.js", "export function f() {}\n");
    let m = f.manifest(
        r#"[[plugins]]
name = "a"
source = "a/a.js"
limts = { memory = "64MiB" }

[[plugins]]
name = "b"
source = "a/missing.js"

[[plugins]]
name = "c"
source = "a/a.js"
limits = { timeout = "soon" }
"#,
    );
    let r = run(&["plugins", "check", m.to_str().unwrap()]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let shown = m.display().to_string();
    let located: Vec<&str> = r.stderr.lines().filter(|l| l.starts_with(&shown)).collect();
    assert_eq!(located.len(), 3, "{}", r.stderr);
    assert!(
        located[0].starts_with(&format!("{shown}:4:1: error: unknown key \"limts\"")),
        "{}",
        located[0]
    );
    assert!(
        located[0].contains("did you mean \"limits\""),
        "{}",
        located[0]
    );
    assert!(
        located[1].starts_with(&format!(
            "{shown}:8:10: error: cannot read source \"a/missing.js\""
        )),
        "{}",
        located[1]
    );
    assert!(
        located[2].starts_with(&format!(
            "{shown}:13:22: error: timeout \"soon\" is not a duration"
        )),
        "{}",
        located[2]
    );
}

#[test]
fn cli_check_passes_a_good_manifest_and_links_imports() {
    let r = run(&["plugins", "check", "examples/plugins/warren.toml"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("3 plugins checked"), "{}", r.stdout);
    // A Wasm import its entry does not grant fails the check, located at its source.
    let f = Fixture::new();
    f.file(
        "w.wat",
        r#"(module (import "host:time" "now_ms" (func (result f64))))"#,
    );
    let m = f.manifest("[[plugins]]\nname = \"w\"\nsource = \"w.wat\"\n");
    let r = run(&["plugins", "check", m.to_str().unwrap()]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains(":3:10: error: plugin \"w\" does not load: it imports host:time.now_ms (func (result f64)), but host:time is not granted"),
        "{}",
        r.stderr
    );
}

#[test]
fn cli_call_reports_faults_and_bad_names_with_their_status() {
    let m = "examples/plugins/warren.toml";
    let r = run(&["call", m, "wordcount.count", "--input", "5"]);
    assert_eq!(r.code, 1);
    assert_eq!(
        r.stderr,
        "error: plugin \"wordcount\": export \"count\": returned an error: count takes a JSON string\n"
    );
    let r = run(&["call", m, "wordcount.nope"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("has no export \"nope\"; its exports: count"),
        "{}",
        r.stderr
    );
    let r = run(&["call", m, "nodot"]);
    assert_eq!(r.code, 2);
    let r = run(&["call", m, "markdown.render", "--input", "{bad"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("is not JSON"), "{}", r.stderr);
}

#[test]
fn cli_call_reads_its_input_from_a_file_or_standard_input() {
    let f = Fixture::new();
    let input = f.file("input.json", "\"one two\"\n");
    let r = run(&[
        "call",
        "examples/plugins/warren.toml",
        "wordcount.count",
        "--input-file",
        input.to_str().unwrap(),
    ]);
    assert_eq!((r.code, r.stdout.as_str()), (0, "2\n"), "{}", r.stderr);
    let mut child = Command::new(env!("CARGO_BIN_EXE_warren"))
        .args([
            "call",
            "examples/plugins/warren.toml",
            "stats.summarize",
            "--stdin",
        ])
        .current_dir(root())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"\"a b c d\"")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "{\"words\":4,\"minutes\":1}\n"
    );
    // Two inputs at once is a usage error.
    let r = run(&[
        "call",
        "examples/plugins/warren.toml",
        "wordcount.count",
        "--input",
        "1",
        "--stdin",
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
}

// ---- calls across plugins ----

#[test]
fn js_calls_wasm_across_plugins() {
    let rt = tokio();
    let host = load(&rt, &examples());
    let out = call(
        &rt,
        &host,
        "stats.summarize",
        json(serde_json::json!("one two three four")),
    )
    .unwrap();
    assert_eq!(out, json(serde_json::json!({ "words": 4, "minutes": 1 })));
    let html: String = rt
        .block_on(host.call("markdown", "render", "*hi*"))
        .unwrap();
    assert_eq!(html, "<p><em>hi</em></p>\n");
}

/// A Wasm plugin that calls a JS plugin's `hi` with `"wasm"` through host:plugins
/// (start, wait through JSPI, read) and returns the answer as its own.
const WASM_CALLER: &str = r#"(module
  (import "host:plugins" "start" (func $start (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "host:plugins" "wait" (func $wait (param i32) (result i32)))
  (import "host:plugins" "read" (func $read (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "jshi\"wasm\"")
  (func (export "alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "relay") (param i32 i32) (result i64)
    (local $h i32) (local $n i32)
    (local.set $h (call $start (i32.const 0) (i32.const 2) (i32.const 2) (i32.const 2) (i32.const 4) (i32.const 6)))
    (local.set $n (call $wait (local.get $h)))
    (call $read (local.get $h) (i32.const 2048))
    (i64.or (i64.shl (i64.const 2048) (i64.const 32)) (i64.extend_i32_u (local.get $n)))))
"#;

#[test]
fn wasm_calls_js_across_plugins() {
    let f = Fixture::new();
    f.file("js/js.js", "export async function hi(x) { await null; return `hi ${x} from js`; }\nexport function fail() { throw new Error('no'); }\n");
    f.file("w/w.wat", WASM_CALLER);
    let m = f.manifest(
        "[[plugins]]\nname = \"js\"\nsource = \"js/js.js\"\n\n[[plugins]]\nname = \"w\"\nsource = \"w/w.wat\"\nimports = [\"js\"]\n",
    );
    let rt = tokio();
    let host = load(&rt, &m);
    assert_eq!(
        call(&rt, &host, "w.relay", Value::Null).unwrap(),
        Value::String("hi wasm from js".into())
    );
    // The same call, again: handles are freed and reused.
    assert_eq!(
        call(&rt, &host, "w.relay", Value::Null).unwrap(),
        Value::String("hi wasm from js".into())
    );
}

#[test]
fn emit_feeds_each_output_to_the_next_plugin_in_manifest_order() {
    let f = Fixture::new();
    f.file("p1/p.js", "export function hook(s) { return s + '1'; }\n");
    f.file("p2/p.js", "export function other(s) { return 'never'; }\n");
    f.file(
        "p3/p.js",
        "export async function hook(s) { return s + '3'; }\n",
    );
    let m = f.manifest(
        "[[plugins]]\nname = \"p3\"\nsource = \"p3/p.js\"\n[[plugins]]\nname = \"p2\"\nsource = \"p2/p.js\"\n[[plugins]]\nname = \"p1\"\nsource = \"p1/p.js\"\n",
    );
    let rt = tokio();
    let host = load(&rt, &m);
    let out: String = rt.block_on(host.emit("hook", "x")).unwrap();
    assert_eq!(out, "x31");
    // No plugin exports it: the input comes back.
    let same: String = rt.block_on(host.emit("nobody", "x")).unwrap();
    assert_eq!(same, "x");
}

const CYCLE_A: &str = r#"import { call } from "host:plugins";
export async function viaB(x) { return call("b", "toA", x); }
export function hello(x) { return "hello " + x; }
"#;
const CYCLE_B: &str = r#"import { call } from "host:plugins";
export async function toA(x) { return call("a", "hello", x); }
"#;

#[test]
fn a_call_cycle_is_refused_instead_of_deadlocking() {
    let f = Fixture::new();
    f.file("a/a.js", CYCLE_A);
    f.file("b/b.js", CYCLE_B);
    let m = f.manifest(
        "[[plugins]]\nname = \"a\"\nsource = \"a/a.js\"\nimports = [\"b\"]\n[[plugins]]\nname = \"b\"\nsource = \"b/b.js\"\nimports = [\"a\"]\n",
    );
    let rt = tokio();
    let host = load(&rt, &m);
    let e = call(&rt, &host, "a.viaB", json(serde_json::json!("x")))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("plugin \"b\" calling \"a\" would deadlock: plugin \"b\" -> plugin \"a\" -> plugin \"b\""),
        "{e}"
    );
    assert!(e.starts_with("plugin \"a\": export \"viaB\": "), "{e}");
    // Nothing is left waiting: the same plugins answer the same call made from outside.
    assert_eq!(
        call(&rt, &host, "b.toA", json(serde_json::json!("x"))).unwrap(),
        Value::String("hello x".into())
    );
}

#[test]
fn a_plugin_cannot_import_itself_or_a_member_of_its_group() {
    let f = Fixture::new();
    f.file("a/a.js", "export function f() {}\n");
    f.file("g1/g.js", "export function f() {}\n");
    f.file("g2/g.js", "export function f() {}\n");
    let m = f.manifest(
        "[[plugins]]\nname = \"a\"\nsource = \"a/a.js\"\nimports = [\"a\"]\n\
         [[plugins]]\nname = \"g1\"\nsource = \"g1/g.js\"\ngroup = \"g\"\nimports = [\"g2\"]\n\
         [[plugins]]\nname = \"g2\"\nsource = \"g2/g.js\"\ngroup = \"g\"\nimports = [\"g2\"]\n",
    );
    let e = load_err(&m);
    assert!(e.contains(":4:12: plugin \"a\" imports itself"), "{e}");
    assert!(
        e.contains(":9:12: plugin \"g1\" imports \"g2\" from its own group"),
        "{e}"
    );
}

// ---- capabilities ----

#[test]
fn a_file_read_outside_allow_read_is_denied() {
    let f = Fixture::new();
    let code = "import { readFileSync } from 'node:fs';\nexport function read(p) { return readFileSync(p, 'utf8'); }\n";
    f.file("denied/p.js", code);
    f.file("allowed/p.js", code);
    let data = f.file("data/note.txt", "granted text");
    let m = f.manifest(
        "[[plugins]]\nname = \"denied\"\nsource = \"denied/p.js\"\n\
         [[plugins]]\nname = \"allowed\"\nsource = \"allowed/p.js\"\nallow_read = [\"data\"]\n",
    );
    let rt = tokio();
    let host = load(&rt, &m);
    let note = Value::String(data.display().to_string());
    let e = call(&rt, &host, "denied.read", note.clone())
        .unwrap_err()
        .to_string();
    assert!(e.contains("PermissionDenied: read access to"), "{e}");
    assert_eq!(
        call(&rt, &host, "allowed.read", note).unwrap(),
        Value::String("granted text".into())
    );
    // Its own directory is importable, not readable: imports are not a read grant.
    let own = Value::String(f.path().join("allowed/p.js").display().to_string());
    let e = call(&rt, &host, "allowed.read", own)
        .unwrap_err()
        .to_string();
    assert!(e.contains("PermissionDenied"), "{e}");
}

#[test]
fn the_environment_needs_allow_env() {
    let f = Fixture::new();
    let code = "export function home() { return process.env.PATH ?? null; }\n";
    f.file("no/p.js", code);
    f.file("yes/p.js", code);
    let m = f.manifest(
        "[[plugins]]\nname = \"no\"\nsource = \"no/p.js\"\n[[plugins]]\nname = \"yes\"\nsource = \"yes/p.js\"\nallow_env = true\n",
    );
    let rt = tokio();
    let host = load(&rt, &m);
    let e = call(&rt, &host, "no.home", Value::Null)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("environment variable \"PATH\" is not allowed; grant it with allow_env = true"),
        "{e}"
    );
    assert_eq!(
        call(&rt, &host, "yes.home", Value::Null).unwrap(),
        Value::String(std::env::var("PATH").unwrap())
    );
}

#[test]
fn a_host_module_not_granted_is_refused_to_js_and_wasm() {
    let f = Fixture::new();
    f.file(
        "js/p.js",
        "import { now_ms } from 'host:time';\nexport function now() { return now_ms() > 0; }\n",
    );
    f.file(
        "w/w.wat",
        r#"(module (import "host:random" "u32" (func (result i32))))"#,
    );
    let m = f.manifest("[[plugins]]\nname = \"js\"\nsource = \"js/p.js\"\n[[plugins]]\nname = \"w\"\nsource = \"w/w.wat\"\n");
    let e = load_err(&m);
    assert!(e.contains(":3:10: plugin \"js\" does not load:"), "{e}");
    assert!(
        e.contains("host:time is not granted: plugin \"js\" may import only host:console, host:config; add \"host:time\" to its imports"),
        "{e}"
    );
    assert!(
        e.contains(":6:10: plugin \"w\" does not load: it imports host:random.u32"),
        "{e}"
    );
    // Granted, both load and work.
    let m = f.manifest(
        "[[plugins]]\nname = \"js\"\nsource = \"js/p.js\"\nimports = [\"host:time\"]\n\
         [[plugins]]\nname = \"w\"\nsource = \"w/w.wat\"\nimports = [\"host:random\"]\n",
    );
    let rt = tokio();
    let host = load(&rt, &m);
    assert_eq!(
        call(&rt, &host, "js.now", Value::Null).unwrap(),
        Value::Bool(true)
    );
}

#[test]
fn a_call_to_a_plugin_not_imported_is_refused() {
    let f = Fixture::new();
    f.file(
        "a/a.js",
        "import { call } from 'host:plugins';\nexport function viaB() { return call('b', 'f'); }\nexport function viaC() { return call('c', 'f'); }\n",
    );
    f.file("b/b.js", "export function f() { return 'b'; }\n");
    f.file("c/c.js", "export function f() { return 'c'; }\n");
    let m = f.manifest(
        "[[plugins]]\nname = \"a\"\nsource = \"a/a.js\"\nimports = [\"b\"]\n\
         [[plugins]]\nname = \"b\"\nsource = \"b/b.js\"\n[[plugins]]\nname = \"c\"\nsource = \"c/c.js\"\n",
    );
    let rt = tokio();
    let host = load(&rt, &m);
    assert_eq!(
        call(&rt, &host, "a.viaB", Value::Null).unwrap(),
        Value::String("b".into())
    );
    let e = call(&rt, &host, "a.viaC", Value::Null)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("plugin \"a\" may not call plugin \"c\": add \"c\" to the imports of \"a\""),
        "{e}"
    );
    // A plugin that imports no plugin has no host:plugins at all.
    f.file(
        "d/d.js",
        "import { call } from 'host:plugins';\nexport function f() {}\n",
    );
    let m = f.manifest("[[plugins]]\nname = \"d\"\nsource = \"d/d.js\"\n");
    assert!(load_err(&m).contains("host:plugins is not granted"));
}

#[test]
fn an_import_from_outside_the_plugin_directory_is_refused() {
    let f = Fixture::new();
    f.file("shared/lib.js", "export const secret = 42;\n");
    f.file("p/inside.js", "export const inside = 1;\n");
    f.file(
        "p/ok.js",
        "import { inside } from './inside.js';\nexport function f() { return inside; }\n",
    );
    f.file(
        "p/up.js",
        "import { secret } from '../shared/lib.js';\nexport function f() { return secret; }\n",
    );
    f.file(
        "p/dynamic.js",
        "export async function f() { return (await import('../shared/lib.js')).secret; }\n",
    );
    std::os::unix::fs::symlink(f.path().join("shared/lib.js"), f.path().join("p/link.js")).unwrap();
    f.file(
        "p/vialink.js",
        "import { secret } from './link.js';\nexport function f() { return secret; }\n",
    );
    let rt = tokio();
    let entry = |src: &str| format!("[[plugins]]\nname = \"p\"\nsource = \"p/{src}\"\n");
    let host = load(&rt, &f.manifest(&entry("ok.js")));
    assert_eq!(
        call(&rt, &host, "p.f", Value::Null).unwrap(),
        json(serde_json::json!(1))
    );
    for static_import in ["up.js", "vialink.js"] {
        let e = load_err(&f.manifest(&entry(static_import)));
        assert!(
            e.contains("PermissionDenied: read access to"),
            "{static_import}: {e}"
        );
        assert!(e.contains("shared/lib.js") || e.contains("link.js"), "{e}");
    }
    let host = load(&rt, &f.manifest(&entry("dynamic.js")));
    let e = call(&rt, &host, "p.f", Value::Null)
        .unwrap_err()
        .to_string();
    assert!(e.contains("PermissionDenied"), "{e}");
}

#[test]
fn a_hash_mismatch_is_a_positioned_error_and_a_match_loads() {
    let f = Fixture::new();
    let src = "export function f() { return 1; }\n";
    f.file("p/p.js", src);
    let m = f.manifest(&format!(
        "[[plugins]]\nname = \"p\"\nsource = \"p/p.js\"\nsha256 = \"{}\"\n",
        "ab".repeat(32)
    ));
    let e = load_err(&m);
    assert!(e.contains(":4:10: sha256 mismatch for"), "{e}");
    let good = {
        use sha2::Digest;
        sha2::Sha256::digest(src.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    assert!(e.contains(&good), "the message names the file's hash: {e}");
    let m = f.manifest(&format!(
        "[[plugins]]\nname = \"p\"\nsource = \"p/p.js\"\nsha256 = \"{good}\"\n"
    ));
    let rt = tokio();
    let host = load(&rt, &m);
    assert_eq!(
        call(&rt, &host, "p.f", Value::Null).unwrap(),
        json(serde_json::json!(1))
    );
}

// ---- faults ----

const FAULTS_JS: &str = r#"let calls = 0;
export function count() { return ++calls; }
export function spin() { for (;;) {} }
export function hog() { const a = []; for (;;) a.push({ x: new Array(100).fill(1) }); }
export function boom() { throw new Error("boom"); }
export async function reject() { await null; throw new RangeError("later"); }
export function never() { return new Promise(() => {}); }
"#;

const FAULTS_WAT: &str = r#"(module
  (memory (export "memory") 1)
  (global $calls (mut i32) (i32.const 0))
  (func (export "count") (result i32)
    (global.set $calls (i32.add (global.get $calls) (i32.const 1))) (global.get $calls))
  (func (export "trap") (result i32) (i32.div_u (i32.const 1) (i32.const 0)))
  ;; grows one page at a time until memory.grow says no (-1); returns the pages it has
  (func $fill (export "fill") (result i32)
    (block $full (loop $more
      (br_if $full (i32.eq (memory.grow (i32.const 1)) (i32.const -1)))
      (br $more)))
    (memory.size))
  ;; a plugin that needs more memory than its cap, and traps when it cannot have it
  (func (export "grow") (result i32) (drop (call $fill)) unreachable)
  (func (export "burn") (loop $l (br $l))))
"#;

const HEALTHY_JS: &str = "export function echo(x) { return x; }\n";

fn faults_fixture() -> (Fixture, PathBuf) {
    let f = Fixture::new();
    f.file("faults/f.js", FAULTS_JS);
    f.file("hogs/f.js", FAULTS_JS);
    f.file("wasm/w.wat", FAULTS_WAT);
    f.file("healthy/h.js", HEALTHY_JS);
    let m = f.manifest(
        r#"[[plugins]]
name = "faults"
source = "faults/f.js"
limits = { timeout = "300ms" }

# Its own plugin, with time enough to fill its heap however slow the build.
[[plugins]]
name = "hogs"
source = "hogs/f.js"
limits = { memory = "32MiB", timeout = "60s" }

[[plugins]]
name = "wasm"
source = "wasm/w.wat"
limits = { memory = "16MiB", timeout = "300ms", fuel = 1000000 }

[[plugins]]
name = "healthy"
source = "healthy/h.js"
"#,
    );
    (f, m)
}

#[test]
fn each_fault_names_plugin_and_export_retires_the_isolate_and_spares_the_others() {
    let (_f, m) = faults_fixture();
    let rt = tokio();
    let host = load(&rt, &m);
    let healthy = |n: i64| {
        let v = json(serde_json::json!({ "n": n, "bytes": "ok" }));
        assert_eq!(
            call(&rt, &host, "healthy.echo", v.clone()).unwrap(),
            v,
            "healthy after fault {n}"
        );
    };
    let cases: [(&str, &str); 8] = [
        (
            "faults.spin",
            "plugin \"faults\": export \"spin\": time limit of 300ms exceeded",
        ),
        (
            "hogs.hog",
            "plugin \"hogs\": export \"hog\": out of memory: its isolate reached the memory limit of 32.0 MiB",
        ),
        (
            "faults.boom",
            "plugin \"faults\": export \"boom\": Uncaught Error: boom",
        ),
        (
            "faults.reject",
            "plugin \"faults\": export \"reject\": Uncaught (in promise) RangeError: later",
        ),
        (
            "faults.never",
            "plugin \"faults\": export \"never\": export \"never\" returned a promise nothing will settle",
        ),
        (
            "wasm.trap",
            "plugin \"wasm\": export \"trap\": wasm trap: integer divide by zero",
        ),
        (
            "wasm.grow",
            "plugin \"wasm\": export \"grow\": wasm trap: wasm `unreachable` instruction executed",
        ),
        (
            "wasm.burn",
            "plugin \"wasm\": export \"burn\": wasm trap: out of fuel",
        ),
    ];
    for (i, (target, want)) in cases.iter().enumerate() {
        let plugin = target.split('.').next().unwrap();
        // Before the fault, the plugin's state lives on from call to call.
        let counter = format!("{plugin}.count");
        let number = |v: Value| match v {
            Value::Number(n) => n.as_i64().unwrap(),
            other => panic!("{other:?}"),
        };
        let a = number(call(&rt, &host, &counter, Value::Null).unwrap());
        let b = number(call(&rt, &host, &counter, Value::Null).unwrap());
        assert_eq!(b, a + 1, "{target}");
        let e = call(&rt, &host, target, Value::Null).unwrap_err();
        assert!(matches!(e, PluginError::Call { .. }), "{target}: {e:?}");
        let e = e.to_string();
        assert!(e.starts_with(want), "{target}:\n  got  {e}\n  want {want}");
        healthy(i as i64);
        // Retired: the next call gets a new isolate, whose state starts over.
        assert_eq!(
            call(&rt, &host, &counter, Value::Null).unwrap(),
            json(serde_json::json!(1)),
            "{target}"
        );
        call(&rt, &host, &counter, Value::Null).unwrap();
    }
    // Wasm memory stops at the cap: 16 MiB is 256 pages, less what the isolate's heap
    // already takes of it.
    let Value::Number(pages) = call(&rt, &host, "wasm.fill", Value::Null).unwrap() else {
        panic!("fill returns a number");
    };
    let pages = pages.as_u64().unwrap();
    assert!(pages > 16 && pages <= 256, "{pages} pages");
}

#[test]
fn a_fault_in_one_plugin_does_not_stall_calls_to_another_running_meanwhile() {
    let (_f, m) = faults_fixture();
    let rt = tokio();
    let host = load(&rt, &m);
    let spinning = rt.spawn(host.call::<Value, _>("faults", "spin", &()));
    // While "faults" spins on its own thread, "healthy" answers every call.
    for i in 0..50 {
        let v = json(serde_json::json!(i));
        assert_eq!(call(&rt, &host, "healthy.echo", v.clone()).unwrap(), v);
    }
    let e = rt.block_on(spinning).unwrap().unwrap_err().to_string();
    assert!(e.contains("time limit of 300ms exceeded"), "{e}");
}

/// Loading gets 5 s at least (`LOAD_TIME`), whatever the per-call timeout.
#[test]
fn a_plugin_that_never_finishes_loading_is_stopped_at_its_load_time_limit() {
    let f = Fixture::new();
    f.file("p/p.js", "for (;;) {}\nexport function f() {}\n");
    f.file(
        "q/q.js",
        "await new Promise(() => {});\nexport function f() {}\n",
    );
    let m = f.manifest(
        "[[plugins]]\nname = \"p\"\nsource = \"p/p.js\"\nlimits = { timeout = \"200ms\" }\n\
         [[plugins]]\nname = \"q\"\nsource = \"q/q.js\"\n",
    );
    let e = load_err(&m);
    assert!(
        e.contains(
            ":3:10: plugin \"p\" does not load: time limit exceeded: the call ran longer than 5s"
        ),
        "{e}"
    );
    assert!(
        e.contains(":7:10: plugin \"q\" does not load: top-level await promise never resolved"),
        "{e}"
    );
}

#[test]
fn bad_input_to_a_numeric_export_is_an_input_error_and_keeps_the_isolate() {
    let f = Fixture::new();
    f.file(
        "w/w.wat",
        r#"(module (global $n (mut i32) (i32.const 0))
  (func (export "add") (param i32 i64) (result i64)
    (global.set $n (i32.add (global.get $n) (i32.const 1)))
    (i64.add (i64.extend_i32_s (local.get 0)) (local.get 1)))
  (func (export "calls") (result i32) (global.get $n))
  (func (export "pair") (param f64) (result f64 i32) (local.get 0) (i32.const 7)))"#,
    );
    let m = f.manifest("[[plugins]]\nname = \"w\"\nsource = \"w/w.wat\"\n");
    let rt = tokio();
    let host = load(&rt, &m);
    assert_eq!(
        call(&rt, &host, "w.add", json(serde_json::json!([2, 40]))).unwrap(),
        json(serde_json::json!(42))
    );
    assert_eq!(
        call(&rt, &host, "w.pair", json(serde_json::json!([1.5]))).unwrap(),
        json(serde_json::json!([1.5, 7]))
    );
    for (bad, why) in [
        (
            serde_json::json!("x"),
            "takes its arguments as a JSON array",
        ),
        (serde_json::json!([1]), "takes 2 arguments"),
        (serde_json::json!([1, "2"]), "argument 2 must be a number"),
        (serde_json::json!([1.5, 2]), "argument 1 must be an integer"),
        (serde_json::json!([1u64 << 40, 2]), "does not fit an i32"),
    ] {
        let e = call(&rt, &host, "w.add", json(bad)).unwrap_err();
        assert!(matches!(e, PluginError::Input { .. }), "{e:?}");
        assert!(e.to_string().contains(why), "{e}");
    }
    // Not retired: the counter kept the one good call.
    assert_eq!(
        call(&rt, &host, "w.calls", Value::Null).unwrap(),
        json(serde_json::json!(1))
    );
}

// ---- concurrency and memory ----

#[test]
fn the_host_serves_many_tokio_tasks_at_once() {
    fn send_sync<T: Send + Sync + 'static>() {}
    send_sync::<PluginHost>();
    let rt = tokio();
    let host = load(&rt, &examples());
    let tasks: Vec<_> = (0..8)
        .map(|t| {
            let host = host.clone();
            rt.spawn(async move {
                for i in 0..25 {
                    let text = "w ".repeat(t * 25 + i + 1);
                    let n: u64 = host.call("wordcount", "count", &text).await.unwrap();
                    assert_eq!(n as usize, t * 25 + i + 1);
                    let s: serde_json::Value =
                        host.call("stats", "summarize", &text).await.unwrap();
                    assert_eq!(s["words"], n);
                    let html: String = host
                        .call("markdown", "render", &format!("`{i}`"))
                        .await
                        .unwrap();
                    assert_eq!(html, format!("<p><code>{i}</code></p>\n"));
                }
                t
            })
        })
        .collect();
    let done: Vec<usize> = tasks.into_iter().map(|t| rt.block_on(t).unwrap()).collect();
    assert_eq!(done, (0..8).collect::<Vec<_>>());
}

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// Set in the child process that measures memory alone.
const RSS_CHILD: &str = "WARREN_PLUGINS_RSS_CHILD";

#[test]
fn ten_thousand_sequential_calls_keep_memory_flat() {
    // RSS is the whole process's: measure in a process of our own, running only this
    // test, so other tests' isolates do not count.
    if std::env::var_os(RSS_CHILD).is_none() {
        let out = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "plugins::ten_thousand_sequential_calls_keep_memory_flat",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(RSS_CHILD, "1")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success() && text.contains("1 passed"), "{text}");
        eprintln!(
            "{}",
            text.lines()
                .find(|l| l.starts_with("RSS"))
                .unwrap_or_default()
        );
        return;
    }
    let f = Fixture::new();
    f.file(
        "js/p.js",
        "export function echo(x) { return { got: x, list: [x, x] }; }\n",
    );
    let m = f.manifest(&format!(
        "[[plugins]]\nname = \"js\"\nsource = \"js/p.js\"\n[[plugins]]\nname = \"wc\"\nsource = \"{}\"\n",
        root().join("examples/plugins/wordcount/wordcount.wat").display()
    ));
    let rt = tokio();
    let host = load(&rt, &m);
    let round = |n: usize| {
        rt.block_on(async {
            for i in 0..n {
                if i % 2 == 0 {
                    let v: serde_json::Value = host.call("js", "echo", &i).await.unwrap();
                    assert_eq!(v["got"], i);
                } else {
                    let words: u64 = host.call("wc", "count", "one two three").await.unwrap();
                    assert_eq!(words, 3);
                }
            }
        })
    };
    // Warm up (V8 compiles; its heaps grow to their working size in steps over the
    // first ten thousand calls or so), then measure.
    round(10_000);
    let before = rss_kib();
    round(10_000);
    let after = rss_kib();
    eprintln!("RSS {before} KiB -> {after} KiB over 10,000 calls");
    assert!(
        after * 10 < before * 11,
        "RSS grew by more than 10% over 10,000 calls: {before} KiB -> {after} KiB"
    );
}

// ---- values, config, groups, output ----

#[test]
fn bytes_cross_as_bytes_and_objects_keep_their_order() {
    let f = Fixture::new();
    f.file(
        "p/p.js",
        "export function inspect(x) { return { z: x.data instanceof Uint8Array, a: Array.from(x.data), back: new Uint8Array([9, 8]), when: new Date(0) }; }\n\
         export function fn() { return () => 1; }\n",
    );
    let m = f.manifest("[[plugins]]\nname = \"p\"\nsource = \"p/p.js\"\n");
    let rt = tokio();
    let host = load(&rt, &m);
    let input = Value::Object(vec![("data".into(), Value::Bytes(vec![1, 2, 255]))]);
    let out = call(&rt, &host, "p.inspect", input).unwrap();
    let Value::Object(entries) = &out else {
        panic!("{out:?}")
    };
    let keys: Vec<&str> = entries.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["z", "a", "back", "when"]);
    assert_eq!(out.get("z"), Some(&Value::Bool(true)));
    assert_eq!(out.get("a"), Some(&json(serde_json::json!([1, 2, 255]))));
    assert_eq!(out.get("back"), Some(&Value::Bytes(vec![9, 8])));
    assert_eq!(
        out.get("when"),
        Some(&Value::String("1970-01-01T00:00:00.000Z".into()))
    );
    // Bytes read into a Rust Vec<u8>.
    #[derive(serde::Deserialize)]
    struct Back {
        back: Vec<u8>,
    }
    let b: Back = rt
        .block_on(host.call(
            "p",
            "inspect",
            &Value::Object(vec![("data".into(), Value::Bytes(vec![]))]),
        ))
        .unwrap();
    assert_eq!(b.back, [9, 8]);
    let e = call(&rt, &host, "p.fn", Value::Null)
        .unwrap_err()
        .to_string();
    assert!(e.contains("has no value form"), "{e}");
}

#[test]
fn js_and_wasm_read_their_config() {
    let f = Fixture::new();
    f.file("js/p.js", "import { get } from 'host:config';\nexport function all() { return [get(), get('name'), get('missing')]; }\n");
    f.file(
        "w/w.wat",
        r#"(module
  (import "host:config" "read" (func $read (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "limits")
  (func (export "alloc") (param i32) (result i32) (i32.const 1024))
  ;; returns the JSON of config.limits, read into memory at 4096
  (func (export "limits") (param i32 i32) (result i64)
    (i64.or (i64.shl (i64.const 4096) (i64.const 32))
      (i64.extend_i32_u (call $read (i32.const 0) (i32.const 6) (i32.const 4096) (i32.const 1024)))))
  (func (export "missing") (result i32) (call $read (i32.const 0) (i32.const 3) (i32.const 4096) (i32.const 16))))"#,
    );
    let m = f.manifest(
        "[[plugins]]\nname = \"js\"\nsource = \"js/p.js\"\nconfig = { name = \"n\", nested = { deep = [1, 2.5, true] } }\n\
         [[plugins]]\nname = \"w\"\nsource = \"w/w.wat\"\n[plugins.config]\nlimits = { max = 3 }\n",
    );
    let rt = tokio();
    let host = load(&rt, &m);
    assert_eq!(
        call(&rt, &host, "js.all", Value::Null).unwrap(),
        json(serde_json::json!([{ "name": "n", "nested": { "deep": [1, 2.5, true] } }, "n", null]))
    );
    assert_eq!(
        call(&rt, &host, "w.limits", Value::Null).unwrap(),
        json(serde_json::json!({ "max": 3 }))
    );
    assert_eq!(
        call(&rt, &host, "w.missing", Value::Null).unwrap(),
        json(serde_json::json!(-1))
    );
}

#[test]
fn a_group_shares_one_isolate_and_each_member_keeps_its_config() {
    let f = Fixture::new();
    f.file(
        "a/a.js",
        "import { get } from 'host:config';\nexport function put(x) { (globalThis.shared ??= []).push(x); return get('who'); }\n",
    );
    f.file(
        "b/b.js",
        "import { get } from 'host:config';\nexport function take() { return [get('who'), globalThis.shared ?? null]; }\n",
    );
    f.file(
        "c/c.js",
        "export function take() { return globalThis.shared ?? null; }\n",
    );
    let m = f.manifest(
        "[[plugins]]\nname = \"a\"\nsource = \"a/a.js\"\ngroup = \"g\"\nconfig = { who = \"A\" }\n\
         [[plugins]]\nname = \"b\"\nsource = \"b/b.js\"\ngroup = \"g\"\nconfig = { who = \"B\" }\n\
         [[plugins]]\nname = \"c\"\nsource = \"c/c.js\"\n",
    );
    let rt = tokio();
    let host = load(&rt, &m);
    let obj = json(serde_json::json!({ "k": [1, 2] }));
    assert_eq!(
        call(&rt, &host, "a.put", obj.clone()).unwrap(),
        Value::String("A".into())
    );
    assert_eq!(
        call(&rt, &host, "b.take", Value::Null).unwrap(),
        Value::Array(vec![Value::String("B".into()), Value::Array(vec![obj])])
    );
    // Outside the group, nothing is shared.
    assert_eq!(
        call(&rt, &host, "c.take", Value::Null).unwrap(),
        Value::Null
    );
    let list = host.plugins();
    assert_eq!(list[0].group.as_deref(), Some("g"));
}

#[test]
fn group_members_must_be_js_and_declare_the_same_grants() {
    let f = Fixture::new();
    f.file("a/a.js", "export function f() {}\n");
    f.file("b/b.js", "export function f() {}\n");
    f.file("w/w.wat", "(module)");
    let m = f.manifest(
        "[[plugins]]\nname = \"a\"\nsource = \"a/a.js\"\ngroup = \"g\"\n\
         [[plugins]]\nname = \"b\"\nsource = \"b/b.js\"\ngroup = \"g\"\nallow_env = true\n\
         [[plugins]]\nname = \"w\"\nsource = \"w/w.wat\"\ngroup = \"g\"\n",
    );
    let e = load_err(&m);
    assert!(
        e.contains(":8:9: plugin \"b\" declares other allow_env than \"a\" in group \"g\""),
        "{e}"
    );
    assert!(
        e.contains(":13:9: plugin \"w\" is Wasm and cannot join group \"g\""),
        "{e}"
    );
}

#[test]
fn console_output_goes_to_the_host_output_named_by_plugin() {
    let f = Fixture::new();
    f.file(
        "p/p.js",
        "export function hi(x) { console.log('hi', x); console.error('oops'); return 1; }\n",
    );
    let m = f.manifest("[[plugins]]\nname = \"p\"\nsource = \"p/p.js\"\n");
    let seen: Arc<Mutex<Vec<(String, warren::Stream, String)>>> = Arc::default();
    let s = seen.clone();
    let options = HostOptions {
        output: Some(Arc::new(move |plugin: &str, stream, bytes: &[u8]| {
            s.lock().unwrap().push((
                plugin.to_string(),
                stream,
                String::from_utf8_lossy(bytes).into_owned(),
            ));
        })),
        ..Default::default()
    };
    let rt = tokio();
    let host = rt.block_on(PluginHost::load_with(&m, options)).unwrap();
    rt.block_on(host.call::<Value, _>("p", "hi", &"there"))
        .unwrap();
    let seen = seen.lock().unwrap();
    assert_eq!(
        *seen,
        [
            (
                "p".to_string(),
                warren::Stream::Stdout,
                "hi there\n".to_string()
            ),
            (
                "p".to_string(),
                warren::Stream::Stderr,
                "oops\n".to_string()
            ),
        ]
    );
}

#[test]
fn an_embedder_host_module_reaches_only_plugins_granted_it() {
    let f = Fixture::new();
    f.file(
        "yes/p.js",
        "import { double } from 'host:math';\nexport function f(x) { return double(x); }\n",
    );
    f.file(
        "no/p.js",
        "import { double } from 'host:math';\nexport function f(x) { return double(x); }\n",
    );
    let mut linker = warren::Linker::new();
    linker.func("math", "double", |x: i32| x * 2).unwrap();
    let options = HostOptions {
        linker,
        ..Default::default()
    };
    let rt = tokio();
    let granted = f.manifest(
        "[[plugins]]\nname = \"yes\"\nsource = \"yes/p.js\"\nimports = [\"host:math\"]\n",
    );
    let host = rt
        .block_on(PluginHost::load_with(&granted, options.clone()))
        .unwrap();
    assert_eq!(
        call(&rt, &host, "yes.f", json(serde_json::json!(21))).unwrap(),
        json(serde_json::json!(42))
    );
    let denied = f.manifest("[[plugins]]\nname = \"no\"\nsource = \"no/p.js\"\n");
    let e = rt
        .block_on(PluginHost::load_with(&denied, options))
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("host:math is not granted"), "{e}");
}

#[test]
fn a_json_manifest_is_checked_the_same_way() {
    let f = Fixture::new();
    f.file("p/p.js", "export function f(x) { return x * 2; }\n");
    let good = f.file(
        "warren.json",
        r#"{ "plugins": [ { "name": "p", "source": "p/p.js", "limits": { "timeout": "1s" } } ] }"#,
    );
    let rt = tokio();
    let host = load(&rt, &good);
    assert_eq!(
        call(&rt, &host, "p.f", json(serde_json::json!(4))).unwrap(),
        json(serde_json::json!(8))
    );
    let bad = f.file(
        "bad.json",
        "{\n  \"plugins\": [\n    { \"name\": \"p\", \"source\": \"p/p.js\", \"allow_env\": \"yes\", \"extra\": 1 }\n  ]\n}\n",
    );
    let e = load_err(&bad);
    assert!(
        e.contains("bad.json:3:53: allow_env must be true or false, not a string"),
        "{e}"
    );
    assert!(
        e.contains("bad.json:3:60: unknown key \"extra\" in plugin \"p\""),
        "{e}"
    );
}

// ---- the ABI document ----

/// The fenced block of `lang` in `docs/plugin-abi.md` that follows `marker`.
fn doc_block(marker: &str, lang: &str) -> String {
    let doc = std::fs::read_to_string(root().join("docs/plugin-abi.md")).unwrap();
    let at = doc
        .find(marker)
        .unwrap_or_else(|| panic!("no {marker:?} in docs/plugin-abi.md"));
    let fence = format!("```{lang}\n");
    let start = doc[at..].find(&fence).unwrap() + at + fence.len();
    let end = doc[start..].find("```").unwrap() + start;
    doc[start..end].to_string()
}

#[test]
fn the_wat_example_of_the_abi_document_runs() {
    let f = Fixture::new();
    f.file(
        "greet/greet.wat",
        &doc_block("<!-- example: greet.wat -->", "wat"),
    );
    f.file(
        "js/name.js",
        "export function name(x) { return x.toUpperCase(); }\n",
    );
    let m = f.manifest(&doc_block("<!-- example: greet manifest -->", "toml"));
    let rt = tokio();
    let host = load(&rt, &m);
    let out = call(&rt, &host, "greet.greet", Value::String("ada".into())).unwrap();
    assert_eq!(
        out,
        json(serde_json::json!({ "greeting": "hello", "name": "ADA" }))
    );
}

#[test]
fn the_c_example_of_the_abi_document_builds_with_clang_and_runs() {
    let source = root().join("examples/plugins/shout/shout.c");
    let text = std::fs::read_to_string(&source).unwrap();
    assert_eq!(
        doc_block("<!-- example: shout.c -->", "c"),
        text,
        "docs/plugin-abi.md shows examples/plugins/shout/shout.c as it is"
    );
    let f = Fixture::new();
    let wasm = f.path().join("shout/shout.wasm");
    std::fs::create_dir_all(wasm.parent().unwrap()).unwrap();
    let status = Command::new("clang-19")
        .args([
            "--target=wasm32",
            "-nostdlib",
            "-O2",
            "-Wl,--no-entry",
            "-o",
        ])
        .arg(&wasm)
        .arg(&source)
        .status()
        .unwrap_or_else(|e| {
            panic!("clang-19 cannot run ({e}): run scripts/setup-wasi.sh (scripts/test.sh does)")
        });
    assert!(status.success(), "clang-19 failed on {}", source.display());
    let m = f.manifest(&format!(
        "[[plugins]]\nname = \"shout\"\nsource = \"shout/shout.wasm\"\nimports = [\"wordcount\"]\nconfig = {{ suffix = \"!\" }}\n\
         [[plugins]]\nname = \"wordcount\"\nsource = \"{}\"\n",
        root().join("examples/plugins/wordcount/wordcount.wat").display()
    ));
    let rt = tokio();
    let host = load(&rt, &m);
    let out = call(
        &rt,
        &host,
        "shout.shout",
        Value::String("hello big\nworld".into()),
    )
    .unwrap();
    assert_eq!(
        out,
        json(serde_json::json!({ "text": "HELLO BIG\nWORLD!", "words": 3 }))
    );
    let e = call(&rt, &host, "shout.shout", json(serde_json::json!(5)))
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "plugin \"shout\": export \"shout\": returned an error: shout takes a JSON string"
    );
}
