//! WASI preview1: C programs from `wasm/wasi/` built with clang for wasm32-wasi, run by
//! `warren run` with wasmtime's flags. Each run's stdout, stderr, exit status and the
//! files it leaves are compared with `wasmtime run` doing the same (when
//! `scripts/setup-wasi.sh` could install it) and with the committed expectation in
//! `wasm/wasi/expected/` (`WARREN_BLESS=1` rewrites those). Also: the escape attempts
//! leave the outside untouched, `node:wasi` refuses ungranted preopens, and the library's
//! WASI writes through the runtime's output sink.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use crate::root;

/// The built programs' directory. Panics, saying what to install, without clang.
fn programs() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("wasi-programs");
        std::fs::create_dir_all(&out).unwrap();
        let src = root().join("wasm/wasi");
        for e in std::fs::read_dir(&src).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_none_or(|x| x != "c") {
                continue;
            }
            let wasm = out.join(p.file_stem().unwrap()).with_extension("wasm");
            let status = Command::new("clang-19")
                .args(["--target=wasm32-wasi", "--sysroot=/usr", "-O2", "-Wall", "-Werror"])
                .arg(&p)
                .arg("-o")
                .arg(&wasm)
                .status()
                .unwrap_or_else(|e| {
                    panic!("clang-19 cannot run ({e}): run scripts/setup-wasi.sh (scripts/test.sh does)")
                });
            assert!(status.success(), "clang-19 failed on {}", p.display());
        }
        out
    })
}

/// wasmtime from `target/wasi-venv` (or `$WASMTIME`), if installed.
fn wasmtime() -> Option<PathBuf> {
    if let Some(w) = std::env::var_os("WASMTIME") {
        return Some(PathBuf::from(w));
    }
    let lib = root().join("target/wasi-venv/lib");
    std::fs::read_dir(lib).ok()?.find_map(|e| {
        let p = e.ok()?.path().join("site-packages/wasmtime_cli/wasmtime");
        p.is_file().then_some(p)
    })
}

/// One program run: what to give it, and the directory it works in.
struct Case {
    program: &'static str,
    /// Flags before the module (`--dir`, `--env`), then arguments after it.
    flags: &'static [&'static str],
    args: &'static [&'static str],
    stdin: &'static [u8],
    /// Fills the run's directory (`box/`, with `box/sandbox/` the usual preopen).
    setup: fn(&Path),
    /// Whether wasmtime can run it the same way (it has no read-only preopen).
    wasmtime: bool,
}

fn sandbox(root: &Path) {
    std::fs::create_dir_all(root.join("box/sandbox")).unwrap();
    std::fs::write(root.join("box/outside.txt"), "outside\n").unwrap();
    std::fs::write(root.join("box/sandbox/data.txt"), "some data\n").unwrap();
}

fn escape_setup(root: &Path) {
    sandbox(root);
    let b = root.join("box");
    std::os::unix::fs::symlink(b.join("outside.txt"), b.join("sandbox/planted")).unwrap();
    std::os::unix::fs::symlink(&b, b.join("sandbox/planted_dir")).unwrap();
}

fn tree_setup(root: &Path) {
    sandbox(root);
    let t = root.join("box/sandbox/tree");
    std::fs::create_dir_all(t.join("sub/deeper")).unwrap();
    // More entries than one 4 KiB readdir buffer holds, so libc resumes from cookies.
    for i in 1..=300 {
        let name = format!("file-with-a-rather-long-name-{i:03}.txt");
        std::fs::write(t.join(name), "x".repeat(i % 50)).unwrap();
    }
    for i in 1..=40 {
        std::fs::write(t.join(format!("sub/s{i}")), "").unwrap();
    }
    std::fs::write(t.join("sub/deeper/leaf"), "leaf\n").unwrap();
    std::os::unix::fs::symlink("sub", t.join("link")).unwrap();
}

/// Every file under `dir`: path, type, and content or link target (`$ROOT` for the run's
/// directory), sorted.
fn snapshot(base: &Path, dir: &Path, out: &mut Vec<String>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        let rel = p.strip_prefix(base).unwrap().display().to_string();
        let md = std::fs::symlink_metadata(&p).unwrap();
        if md.file_type().is_symlink() {
            let t = std::fs::read_link(&p).unwrap().display().to_string();
            out.push(format!(
                "l {rel} -> {}",
                t.replace(&base.display().to_string(), "$ROOT")
            ));
        } else if md.is_dir() {
            out.push(format!("d {rel}"));
            snapshot(base, &p, out);
        } else {
            let text = String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned();
            let shown = if text.len() > 60 {
                format!("{} bytes", text.len())
            } else {
                format!("{text:?}")
            };
            out.push(format!("f {rel} {shown}"));
        }
    }
}

/// Runs `cmd` (warren's or wasmtime's `run`) on the case in a fresh directory; returns the
/// transcript and the directory.
fn run_case(case: &Case, cmd: &[&str], tag: &str) -> (String, tempfile::TempDir) {
    let dir = tempfile::Builder::new()
        .prefix(&format!("wasi-{tag}-"))
        .tempdir()
        .unwrap();
    (case.setup)(dir.path());
    let wasm = dir.path().join(format!("{}.wasm", case.program));
    std::fs::copy(programs().join(format!("{}.wasm", case.program)), &wasm).unwrap();
    let mut c = Command::new(cmd[0]);
    c.env("XDG_CACHE_HOME", crate::test_cache_home())
        .args(&cmd[1..])
        .args(case.flags)
        .arg(format!("{}.wasm", case.program))
        .args(case.args)
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(case.stdin).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    let mut files = Vec::new();
    snapshot(dir.path(), &dir.path().join("box"), &mut files);
    let transcript = format!(
        "--- stdout\n{}--- stderr\n{}--- status {}\n--- files\n{}\n",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        out.status.code().unwrap_or(-1),
        files.join("\n")
    );
    (transcript, dir)
}

/// Runs a case under warren, checks it against wasmtime (when installed and able) and the
/// committed expectation; returns warren's directory for further checks.
fn check(case: &Case) -> tempfile::TempDir {
    let warren = env!("CARGO_BIN_EXE_warren");
    let (mine, dir) = run_case(case, &[warren, "run"], "warren");
    assert!(!mine.contains("panicked"), "warren panicked:\n{mine}");
    if case.wasmtime
        && let Some(w) = wasmtime()
    {
        let (theirs, _d) = run_case(case, &[w.to_str().unwrap(), "run"], "wasmtime");
        assert_eq!(
            mine, theirs,
            "{}: warren (left) differs from wasmtime (right)",
            case.program
        );
    }
    let expected = root().join(format!("wasm/wasi/expected/{}.txt", case.program));
    if std::env::var_os("WARREN_BLESS").is_some() {
        std::fs::create_dir_all(expected.parent().unwrap()).unwrap();
        std::fs::write(&expected, &mine).unwrap();
    }
    let want = std::fs::read_to_string(&expected)
        .unwrap_or_else(|e| panic!("{}: {e} (WARREN_BLESS=1 writes it)", expected.display()));
    assert_eq!(
        mine,
        want,
        "{}: warren (left) differs from {}",
        case.program,
        expected.display()
    );
    dir
}

const SB: &[&str] = &["--dir", "box/sandbox::/sb", "--env", "DIR=/sb"];

#[test]
fn hello_prints_args_and_only_the_given_environment() {
    check(&Case {
        program: "hello",
        flags: &["--env", "GREETING=hi there", "--env", "EMPTY="],
        args: &["one", "two words", "--flag"],
        stdin: b"",
        setup: sandbox,
        wasmtime: true,
    });
}

#[test]
fn cat_reads_a_preopened_file_and_reports_a_missing_one() {
    check(&Case {
        program: "cat",
        flags: SB,
        args: &["/sb/data.txt", "/sb/missing.txt"],
        stdin: b"",
        setup: sandbox,
        wasmtime: true,
    });
}

/// Everything after the module is the program's: an argument spelled like a grant grants
/// nothing, so `cat --dir=/ /etc/hostname` cannot read the host's file.
#[test]
fn an_argument_after_the_module_grants_nothing() {
    let cat = programs().join("cat.wasm");
    let r = crate::run(&[
        "run",
        cat.to_str().unwrap(),
        "--dir=/",
        "--dir",
        "/",
        "/etc/hostname",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.stdout, "");
    for arg in ["--dir=/", "--dir", "/etc/hostname"] {
        assert!(
            r.stderr.contains(&format!("cat: {arg}: ")),
            "{arg} was not cat's argument: {}",
            r.stderr
        );
    }
}

#[test]
fn walk_lists_a_tree_larger_than_one_readdir_buffer() {
    let dir = check(&Case {
        program: "walk",
        flags: SB,
        args: &["/sb/tree"],
        stdin: b"",
        setup: tree_setup,
        wasmtime: true,
    });
    assert!(dir.path().join("box/sandbox/tree/sub/deeper/leaf").exists());
}

#[test]
fn files_write_rename_truncate_append_unlink() {
    check(&Case {
        program: "files",
        flags: SB,
        args: &[],
        stdin: b"",
        setup: sandbox,
        wasmtime: true,
    });
}

#[test]
fn symlinks_inside_the_preopen_work() {
    check(&Case {
        program: "links",
        flags: SB,
        args: &[],
        stdin: b"",
        setup: sandbox,
        wasmtime: true,
    });
}

#[test]
fn exit_code_becomes_the_status() {
    check(&Case {
        program: "exit",
        flags: &[],
        args: &["7"],
        stdin: b"",
        setup: sandbox,
        wasmtime: true,
    });
}

#[test]
fn stdin_is_inherited() {
    check(&Case {
        program: "stdin",
        flags: &[],
        args: &[],
        stdin: b"first line\nsecond line\nno newline",
        setup: sandbox,
        wasmtime: true,
    });
}

#[test]
fn clocks_random_and_poll_oneoff_sleep() {
    check(&Case {
        program: "clocks",
        flags: &[],
        args: &[],
        stdin: b"",
        setup: sandbox,
        wasmtime: true,
    });
}

#[test]
fn escape_attempts_all_fail() {
    let dir = check(&Case {
        program: "escape",
        flags: SB,
        args: &[],
        stdin: b"",
        setup: escape_setup,
        wasmtime: true,
    });
    let b = dir.path().join("box");
    assert_eq!(
        std::fs::read_to_string(b.join("outside.txt")).unwrap(),
        "outside\n"
    );
    for made in ["created.txt", "newdir", "moved.txt", "linked.txt"] {
        assert!(
            !b.join(made).exists(),
            "{made} was created outside the preopen"
        );
    }
}

#[test]
fn read_only_preopen_refuses_every_change() {
    let dir = check(&Case {
        program: "readonly",
        flags: &["--dir-ro", "box/sandbox::/sb", "--env", "DIR=/sb"],
        args: &[],
        stdin: b"",
        setup: sandbox,
        wasmtime: false,
    });
    assert_eq!(
        std::fs::read_to_string(dir.path().join("box/sandbox/data.txt")).unwrap(),
        "some data\n"
    );
}

#[test]
fn a_missing_preopen_is_a_clear_error() {
    let r = crate::run(&[
        "run",
        "--dir",
        "/no/such/dir",
        "--invoke",
        "add",
        "wasm/add.wat",
        "1",
        "2",
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("/no/such/dir"), "{}", r.stderr);
}

const NODE_WASI: &str = r#"
import { WASI } from "node:wasi";
import { readFileSync } from "node:fs";
const [file, ro] = process.argv.slice(2);
const sb = ro ? { path: "./box/sandbox", readOnly: true } : "./box/sandbox";
const wasi = new WASI({ version: "preview1", args: [file], env: { DIR: "/sb" }, preopens: { "/sb": sb } });
const { instance } = await WebAssembly.instantiate(readFileSync(new URL(file, import.meta.url)), wasi.getImportObject());
console.log("exit code", wasi.start(instance));
"#;

fn node_wasi(flags: &[&str], args: &[&str]) -> (crate::Run, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    sandbox(dir.path());
    std::fs::write(dir.path().join("run.mjs"), NODE_WASI).unwrap();
    std::fs::copy(programs().join("files.wasm"), dir.path().join("files.wasm")).unwrap();
    let out = crate::warren_command()
        .arg("run")
        .args(flags)
        .arg("run.mjs")
        .args(args)
        .current_dir(dir.path())
        .output()
        .unwrap();
    let r = crate::Run {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code().unwrap_or(-1),
    };
    (r, dir)
}

#[test]
fn node_wasi_refuses_a_preopen_the_permissions_do_not_grant() {
    // Reads of the main module's directory are granted, writes are not.
    let (r, dir) = node_wasi(&[], &["files.wasm"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("PermissionDenied") && r.stderr.contains("--allow-write"),
        "{}",
        r.stderr
    );
    assert!(!dir.path().join("box/sandbox/a.txt").exists());
    // Read-only, it is granted, and every change fails inside the program.
    let (r, dir) = node_wasi(&[], &["files.wasm", "ro"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("create a.txt: Operation not permitted (errno 63)\nexit code 1"),
        "{}",
        r.stdout
    );
    assert!(!dir.path().join("box/sandbox/a.txt").exists());
}

#[test]
fn node_wasi_runs_a_program_like_the_cli() {
    let (r, dir) = node_wasi(&["--allow-write=box"], &["files.wasm"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let expected = std::fs::read_to_string(root().join("wasm/wasi/expected/files.txt")).unwrap();
    let stdout = expected
        .split("--- stderr")
        .next()
        .unwrap()
        .trim_start_matches("--- stdout\n");
    assert_eq!(r.stdout, format!("{stdout}exit code 0\n"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("box/sandbox/sub/b.txt")).unwrap(),
        "hello world"
    );
}

/// A WASI module through the library: its stdout goes to the runtime's output sink (the
/// library never prints), the CPU-time clocks answer, and `proc_exit` is `Error::Exit`.
#[test]
fn library_wasi_writes_to_the_output_sink() {
    use std::sync::{Arc, Mutex};
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let mut linker = warren::Linker::new();
    let ctx = warren::wasi::WasiCtx::new(warren::wasi::WasiOptions {
        args: vec!["prog".into()],
        ..Default::default()
    })
    .unwrap();
    warren::wasi::add_to_linker(&mut linker, ctx).unwrap();
    let mut rt = warren::Runtime::new(warren::RuntimeOptions {
        linker,
        output: Some(Arc::new(move |s, b: &[u8]| {
            sink.lock().unwrap().push((s, b.to_vec()));
            Ok(())
        })),
        ..Default::default()
    })
    .unwrap();
    let module = warren::WasmModule::new(
        "prog.wat",
        br#"(module
          (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "clock_time_get" (func $c (param i32 i64 i32) (result i32)))
          (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
          (memory (export "memory") 1)
          (data (i32.const 16) "to the sink\n")
          (func (export "write") (result i32)
            (i32.store (i32.const 0) (i32.const 16))
            (i32.store (i32.const 4) (i32.const 12))
            (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
          (func (export "cpu") (result i32 i64)
            (call $c (i32.const 2) (i64.const 0) (i32.const 32))
            (i64.load (i32.const 32)))
          (func (export "bad_pointer") (result i32)
            (call $w (i32.const 1) (i32.const 70000) (i32.const 1) (i32.const 8)))
          (func (export "quit") (call $exit (i32.const 3)) unreachable))"#,
    )
    .unwrap();
    let inst = rt.instantiate(&module).unwrap();
    assert_eq!(
        rt.invoke(&inst, "write", &[]).unwrap(),
        vec![warren::Val::I32(0)]
    );
    assert_eq!(
        *seen.lock().unwrap(),
        vec![(warren::Stream::Stdout, b"to the sink\n".to_vec())]
    );
    let cpu = rt.invoke(&inst, "cpu", &[]).unwrap();
    assert_eq!(cpu[0], warren::Val::I32(0));
    assert!(matches!(cpu[1], warren::Val::I64(n) if n > 0), "{cpu:?}");
    // A pointer past the end of memory is a trap, and the runtime stays usable.
    let e = rt.invoke(&inst, "bad_pointer", &[]).unwrap_err();
    assert!(e.to_string().contains("out of bounds"), "{e}");
    assert_eq!(
        rt.invoke(&inst, "write", &[]).unwrap(),
        vec![warren::Val::I32(0)]
    );
    match rt.invoke(&inst, "quit", &[]) {
        Err(warren::Error::Exit(3)) => {}
        other => panic!("expected Exit(3), got {other:?}"),
    }
}

/// A WASI module imported by JS through the module graph links the CLI's WASI, with its
/// grants, and its `proc_exit` ends the program with that status.
#[test]
fn wasi_modules_in_the_module_graph_get_the_cli_grants() {
    let dir = tempfile::tempdir().unwrap();
    for p in ["hello", "exit"] {
        std::fs::copy(
            programs().join(format!("{p}.wasm")),
            dir.path().join(format!("{p}.wasm")),
        )
        .unwrap();
        let js = format!(
            "import {{ _start }} from \"./{p}.wasm\";\n_start();\nconsole.log(\"after _start\");\n"
        );
        std::fs::write(dir.path().join(format!("{p}.mjs")), js).unwrap();
    }
    let run = |args: &[&str]| {
        let out = crate::warren_command()
            .arg("run")
            .args(args)
            .current_dir(dir.path())
            .output()
            .unwrap();
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            out.status.code(),
        )
    };
    let (stdout, code) = run(&["--env", "GREETING=graph", "hello.mjs", "x"]);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(
        stdout.contains("argv[1] = x\n1 environment variables\nenv GREETING=graph\n"),
        "{stdout}"
    );
    assert!(stdout.ends_with("after _start\n"), "{stdout}");
    let (stdout, code) = run(&["exit.mjs", "5"]);
    assert_eq!((stdout.as_str(), code), ("exiting with 5\n", Some(5)));
}

/// A WASI program's write to stdout that fails (a full disk here, a pipe whose reader
/// has gone likewise) fails its `fd_write` with the errno, so a program that writes
/// until it cannot (`yes | head`) ends, as under wasmtime; it was told every byte went.
#[test]
fn a_failed_write_to_stdout_is_the_programs_error() {
    let d = tempfile::tempdir().unwrap();
    let prog = d.path().join("w.wat");
    std::fs::write(
        &prog,
        r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "y\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 2))
    ;; Exit with fd_write's errno (0 if it wrote).
    (call $exit (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))"#,
    )
    .unwrap();
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let status = crate::warren_command()
        .args(["run", prog.to_str().unwrap()])
        .env("XDG_CACHE_HOME", crate::test_cache_home())
        .stdout(full)
        .stderr(Stdio::null())
        .status()
        .unwrap();
    // WASI's ENOSPC.
    assert_eq!(status.code(), Some(51));
    let ok = crate::warren_command()
        .args(["run", prog.to_str().unwrap()])
        .env("XDG_CACHE_HOME", crate::test_cache_home())
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert_eq!(ok.code(), Some(0));
}
