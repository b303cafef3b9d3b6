//! How `warren run`, `compile` and `inspect` recognise their input, as wasmtime does: by
//! content (`\0asm`, a first token `(module`), from stdin with `-`, and with a clear message
//! for a Wasm component or a file that is no module at all.

use std::io::Write;
use std::process::Stdio;

use crate::{Run, root, run};

/// Runs the binary with `stdin` piped in.
fn run_stdin(args: &[&str], stdin: &[u8]) -> Run {
    let mut child = crate::warren_command()
        .args(args)
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("warren runs");
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let out = child.wait_with_output().unwrap();
    Run {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code().unwrap_or(-1),
    }
}

fn add_wat() -> Vec<u8> {
    std::fs::read(root().join("wasm/add.wat")).unwrap()
}

#[test]
fn extensionless_wat_runs_and_invokes() {
    let dir = tempfile::tempdir().unwrap();
    // wasmtime's own fixture shape: a WAT file named `run`, comments before `(module`.
    let f = dir.path().join("run");
    std::fs::write(
        &f,
        ";; a line comment\n(; a (; nested ;) block ;)\n(module (func (export \"_start\")))\n",
    )
    .unwrap();
    let r = run(&["run", f.to_str().unwrap()]);
    assert_eq!((r.code, r.stdout.as_str()), (0, ""), "{}", r.stderr);
    let f = dir.path().join("add");
    std::fs::write(&f, add_wat()).unwrap();
    let r = run(&["run", "--invoke", "add", f.to_str().unwrap(), "1", "2"]);
    assert_eq!((r.code, r.stdout.as_str()), (0, "3\n"), "{}", r.stderr);
}

#[test]
fn extensionless_binary_runs_and_invokes() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("module");
    std::fs::write(&f, wat::parse_bytes(&add_wat()).unwrap()).unwrap();
    let r = run(&["run", "--invoke", "add", f.to_str().unwrap(), "20", "22"]);
    assert_eq!((r.code, r.stdout.as_str()), (0, "42\n"), "{}", r.stderr);
    let r = run(&["inspect", f.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("add: func (param i32 i32) (result i32)"),
        "{}",
        r.stdout
    );
}

#[test]
fn stdin_wat_binary_and_js() {
    let r = run_stdin(&["run", "--invoke", "add", "-", "2", "3"], &add_wat());
    assert_eq!((r.code, r.stdout.as_str()), (0, "5\n"), "{}", r.stderr);
    let binary = wat::parse_bytes(&add_wat()).unwrap().into_owned();
    let r = run_stdin(&["run", "--invoke", "add", "-", "4", "5"], &binary);
    assert_eq!((r.code, r.stdout.as_str()), (0, "9\n"), "{}", r.stderr);
    // JS from stdin is a module whose base is the current directory (the project root).
    let js = b"import { readFileSync } from 'node:fs';\nconst u = new URL('./wasm/add.wat', import.meta.url);\nconsole.log(readFileSync(u, 'utf8').includes('(module'));\nconst m = await import('./wasm/add.wat');\nconsole.log(m.add(40, 2));\n";
    let r = run_stdin(&["run", "-"], js);
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (0, "true\n42\n"),
        "{}",
        r.stderr
    );
    // WAT errors from stdin are located in <stdin>.
    let r = run_stdin(&["run", "-"], b"(module (func (result i32) i32.const))");
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("<stdin>:1:"), "{}", r.stderr);
}

#[test]
fn stdin_for_compile_and_inspect() {
    let r = run_stdin(&["compile", "-"], &add_wat());
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out = crate::warren_command()
        .args(["compile", "-", "-o", "-"])
        .stdin(std::fs::File::open(root().join("wasm/add.wat")).unwrap())
        .output()
        .unwrap();
    assert!(out.stdout.starts_with(b"\0asm"), "{out:?}");
    let r = run_stdin(&["inspect", "-"], &out.stdout);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.starts_with("module <stdin> ("), "{}", r.stdout);
}

#[test]
fn a_component_is_named_as_one() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("component.wat");
    std::fs::write(&text, "(component (core module))").unwrap();
    let r = run(&["run", text.to_str().unwrap()]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("is a WebAssembly component, not a core module")
            && r.stderr.contains("does not support components yet"),
        "{}",
        r.stderr
    );
    let bin = dir.path().join("component.wasm");
    std::fs::write(&bin, wat::parse_str("(component)").unwrap()).unwrap();
    for args in [
        vec!["run", bin.to_str().unwrap()],
        vec!["inspect", bin.to_str().unwrap()],
    ] {
        let r = run(&args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(
            r.stderr.contains("is a WebAssembly component")
                && r.stderr
                    .contains("layer field (bytes 6-7) is 1, where a core module has 0"),
            "{args:?}: {}",
            r.stderr
        );
    }
}

#[test]
fn neither_module_nor_script_says_what_was_expected() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("noise.txt");
    let noise: Vec<u8> = (0..200u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    std::fs::write(&f, &noise).unwrap();
    let r = run(&["run", f.to_str().unwrap()]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("is not a module warren can run")
            && r.stderr.contains("Wasm binary")
            && r.stderr.contains("WAT text")
            && r.stderr.contains("JS module"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("SyntaxError"), "{}", r.stderr);
}
