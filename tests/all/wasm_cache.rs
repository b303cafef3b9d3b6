//! The compiled-Wasm cache (`warren::WasmCache`, `warren run --cache-dir/--no-cache`,
//! `warren cache clean`, `warren compile --precompile`): its integrity rules, the
//! directory's mode, that a hit skips compilation (the cache's counters count V8 compiles
//! and loads), and sharing across the runtimes of one process.
//!
//! V8 serializes only TurboFan code, and the tier is chosen once per process, so the tests
//! that need disk entries run in a child process of their own started under
//! `Tier::Optimized` (this test binary, re-run on one ignored test).

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use warren::wasm_cache::{CacheStats, V8_CRATE_VERSION};
use warren::{Runtime, RuntimeOptions, Val, WasmCache, WasmModule};

use crate::run;

const WAT: &str = r#"(module (memory 1)
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2)) (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2))))))))"#;

fn module() -> WasmModule {
    WasmModule::new("fib.wat", WAT.as_bytes()).unwrap()
}

fn runtime(cache: &Arc<WasmCache>) -> Runtime {
    Runtime::new(RuntimeOptions {
        wasm_cache: Some(cache.clone()),
        ..Default::default()
    })
    .unwrap()
}

/// Instantiates the test module through `cache` and checks it computes.
fn fib_works(cache: &Arc<WasmCache>) {
    let mut rt = runtime(cache);
    let inst = rt.instantiate(&module()).unwrap();
    assert_eq!(
        rt.invoke(&inst, "fib", &[Val::I32(20)]).unwrap(),
        vec![Val::I32(6765)]
    );
}

fn stats(
    compiled: u64,
    memory_hits: u64,
    disk_hits: u64,
    stored: u64,
    rejected: u64,
) -> CacheStats {
    CacheStats {
        compiled,
        memory_hits,
        disk_hits,
        stored,
        rejected,
    }
}

/// The single entry file in `dir`.
fn the_entry(dir: &Path) -> std::path::PathBuf {
    let entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert!(entries[0].to_string_lossy().ends_with(".wasmcache"));
    entries[0].clone()
}

#[test]
fn the_v8_crate_version_in_the_key_is_the_one_built_against() {
    let lock = std::fs::read_to_string(crate::root().join("Cargo.lock")).unwrap();
    let needle = "name = \"v8\"\nversion = \"";
    let at = lock.find(needle).unwrap() + needle.len();
    let version = lock[at..].split('"').next().unwrap();
    assert_eq!(version, V8_CRATE_VERSION);
}

#[test]
fn the_key_covers_wire_bytes_and_flags() {
    let a = warren::wasm_cache::key(b"\0asm\x01\0\0\0", "--x");
    assert_eq!(a, warren::wasm_cache::key(b"\0asm\x01\0\0\0", "--x"));
    assert_ne!(a, warren::wasm_cache::key(b"\0asm\x01\0\0\0\0", "--x"));
    assert_ne!(a, warren::wasm_cache::key(b"\0asm\x01\0\0\0", "--y"));
}

#[test]
fn the_directory_is_created_owner_only_and_narrowed_if_wider() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("a/b/cache");
    WasmCache::open(&dir).unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700);
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    WasmCache::open(&dir).unwrap();
    assert_eq!(mode(&dir), 0o700);
    std::fs::write(tmp.path().join("file"), "").unwrap();
    assert!(WasmCache::open(tmp.path().join("file")).is_err());
}

/// In the default tier (Liftoff, lazily) there is no TurboFan code to serialize: nothing
/// is written, but a second runtime of the process shares the compiled module.
#[test]
fn liftoff_code_is_shared_in_memory_and_never_written() {
    let tmp = tempfile::tempdir().unwrap();
    if warren::engine::tier() != warren::Tier::Auto {
        return; // another test chose the process's tier
    }
    let cache = WasmCache::open(tmp.path()).unwrap();
    fib_works(&cache);
    assert_eq!(cache.stats(), stats(1, 0, 0, 0, 0));
    fib_works(&cache);
    fib_works(&cache);
    assert_eq!(cache.stats(), stats(1, 2, 0, 0, 0));
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0);
}

/// Runtimes on other threads share one in-memory cache too.
#[test]
fn runtimes_on_other_threads_share_compiled_modules() {
    let cache = WasmCache::in_memory();
    fib_works(&cache);
    let threads: Vec<_> = (0..3)
        .map(|_| {
            let cache = cache.clone();
            std::thread::spawn(move || fib_works(&cache))
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(cache.stats(), stats(1, 3, 0, 0, 0));
}

#[test]
fn wasm_that_js_compiles_goes_through_the_cache() {
    let cache = WasmCache::in_memory();
    let bytes = module().bytes().to_vec();
    let list = bytes
        .iter()
        .map(u8::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let script = format!(
        "const bytes = new Uint8Array([{list}]);\n\
         const a = new WebAssembly.Module(bytes);\n\
         const b = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports.fib(20);\n\
         let c; WebAssembly.instantiate(bytes).then((r) => {{ c = r.instance.exports.fib(10); }});\n\
         let bad; WebAssembly.compile(new Uint8Array([0, 97, 115, 109, 9])).catch((e) => {{ bad = e.constructor.name; }});\n\
         [a instanceof WebAssembly.Module, b]"
    );
    let mut rt = runtime(&cache);
    assert_eq!(
        rt.execute_script("js.js", &script).unwrap(),
        serde_json::json!([true, 6765])
    );
    assert_eq!(
        rt.execute_script("after.js", "[c, bad]").unwrap(),
        serde_json::json!([55, "CompileError"])
    );
    // One compile for the three uses of the same bytes (the bad bytes are a failed compile).
    let s = cache.stats();
    assert_eq!((s.compiled, s.memory_hits), (2, 2), "{s:?}");
}

// ---- entries on disk, in a TurboFan child process ----

fn in_optimized_child(name: &str) {
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            &format!("wasm_cache::child::{name}"),
            "--test-threads=1",
            "--nocapture",
        ])
        .env("WARREN_CACHE_CHILD", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "{name} failed ({:?})\nstdout:\n{stdout}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_disk_hit_skips_compiling() {
    in_optimized_child("disk_hit_skips_compiling");
}

#[test]
fn a_corrupt_entry_is_a_miss_deleted_and_rewritten() {
    in_optimized_child("corrupt_entry_is_a_miss");
}

mod child {
    use super::*;

    /// Starts this child process's V8 with TurboFan, or says the test is not in a child.
    fn optimized() -> bool {
        if std::env::var_os("WARREN_CACHE_CHILD").is_none() {
            return false;
        }
        warren::engine::init_with(&warren::engine::EngineOptions {
            tier: warren::Tier::Optimized,
            ..Default::default()
        });
        assert_eq!(warren::engine::tier(), warren::Tier::Optimized);
        true
    }

    #[test]
    #[ignore = "run in a process of its own by a_disk_hit_skips_compiling"]
    fn disk_hit_skips_compiling() {
        if !optimized() {
            return;
        }
        let tmp = tempfile::tempdir().unwrap();
        let first = WasmCache::open(tmp.path()).unwrap();
        fib_works(&first);
        assert_eq!(first.stats(), stats(1, 0, 0, 1, 0));
        let entry = the_entry(tmp.path());
        assert_eq!(
            std::fs::metadata(&entry).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(
            first.entry_path(module().bytes(), &warren::engine::flags()),
            Some(entry.clone())
        );
        // A fresh cache over the same directory, as a later process has: loaded, not
        // compiled; then shared in memory.
        let second = WasmCache::open(tmp.path()).unwrap();
        assert!(second.has_entry(module().bytes(), &warren::engine::flags()));
        fib_works(&second);
        assert_eq!(second.stats(), stats(0, 0, 1, 0, 0));
        fib_works(&second);
        assert_eq!(second.stats(), stats(0, 1, 1, 0, 0));
        // Other flags are another key: a miss.
        assert!(!second.has_entry(module().bytes(), "--other"));
        assert_eq!(second.clean().unwrap(), 1);
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0);
    }

    #[test]
    #[ignore = "run in a process of its own by a_corrupt_entry_is_a_miss_deleted_and_rewritten"]
    fn corrupt_entry_is_a_miss() {
        if !optimized() {
            return;
        }
        let tmp = tempfile::tempdir().unwrap();
        fib_works(&WasmCache::open(tmp.path()).unwrap());
        let entry = the_entry(tmp.path());
        let good = std::fs::read(&entry).unwrap();
        let corruptions: Vec<(&str, Vec<u8>)> = vec![
            ("a flipped payload byte", {
                let mut b = good.clone();
                let at = b.len() - 100;
                b[at] ^= 0x40;
                b
            }),
            ("a flipped digest byte", {
                let mut b = good.clone();
                b[50] ^= 1;
                b
            }),
            ("a truncated file", good[..good.len() / 2].to_vec()),
            ("an empty file", Vec::new()),
            ("another module's entry", {
                let mut b = good.clone();
                b[8] ^= 1; // the key it was written for
                b
            }),
        ];
        for (what, bytes) in corruptions {
            std::fs::write(&entry, &bytes).unwrap();
            let cache = WasmCache::open(tmp.path()).unwrap();
            fib_works(&cache);
            assert_eq!(cache.stats(), stats(1, 0, 0, 1, 1), "{what}");
            assert_eq!(
                std::fs::read(&entry).unwrap(),
                good,
                "{what}: not rewritten"
            );
        }
    }
}

// ---- the CLI ----

#[test]
fn the_cli_fills_uses_and_cleans_its_cache() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("cache");
    let dir_arg = format!("--cache-dir={}", dir.display());
    let wat = tmp.path().join("fib.wat");
    std::fs::write(&wat, WAT).unwrap();
    let wat = wat.to_str().unwrap();
    // --no-cache: nothing is made.
    let r = run(&["run", "--no-cache", "--invoke", "fib", wat, "20"]);
    assert_eq!((r.code, r.stdout.as_str()), (0, "6765\n"), "{}", r.stderr);
    assert!(!dir.exists());
    // A small Wasm program runs under TurboFan (--tier=auto), so its code is cached.
    for _ in 0..2 {
        let r = run(&["run", &dir_arg, "--invoke", "fib", wat, "20"]);
        assert_eq!((r.code, r.stdout.as_str()), (0, "6765\n"), "{}", r.stderr);
    }
    let entry = the_entry(&dir);
    assert_eq!(
        std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
        0o700
    );
    let r = run(&["cache", "clean", &dir_arg]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("removed 1 compiled module"),
        "{}",
        r.stdout
    );
    assert!(!entry.exists());
    // --precompile fills it ahead of time, writing no Wasm file.
    let r = run(&["compile", "--precompile", &dir_arg, wat]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(the_entry(&dir), entry);
    assert!(!tmp.path().join("fib.wasm").exists());
    let r = run(&["run", &dir_arg, "--invoke", "fib", wat, "20"]);
    assert_eq!((r.code, r.stdout.as_str()), (0, "6765\n"), "{}", r.stderr);
}

#[test]
fn a_cache_that_cannot_be_used_is_skipped_with_a_warning() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("not-a-dir");
    std::fs::write(&file, "").unwrap();
    let arg = format!("--cache-dir={}", file.display());
    let r = run(&["run", &arg, "--invoke", "add", "wasm/add.wat", "1", "2"]);
    assert_eq!((r.code, r.stdout.as_str()), (0, "3\n"), "{}", r.stderr);
    assert!(
        r.stderr.contains("running without the compiled-Wasm cache"),
        "{}",
        r.stderr
    );
}
