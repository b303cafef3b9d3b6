//! Golden fixture tests (deno_core style): one folder per case under `tests/fixtures`, with
//! `main.*`, the files it loads, and `expected.out`. Optional: `args` (CLI arguments before
//! `main.*`, one per line), `expected.err` (lines that must appear in stderr), `exit`
//! (expected status, default 0). `$DIR` and `$URL` stand for the case's folder (as a path
//! and a file URL). Files named `X.wasm.wat` are compiled to `X.wasm` first. Each case runs
//! in a copy of its folder.

use std::fs;
use std::path::Path;

use crate::root;

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dst = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dst);
        } else {
            let name = e.file_name().to_string_lossy().into_owned();
            if let Some(stem) = name.strip_suffix(".wasm.wat") {
                let bytes = wat::parse_file(e.path()).unwrap();
                fs::write(to.join(format!("{stem}.wasm")), bytes).unwrap();
            } else {
                fs::copy(e.path(), dst).unwrap();
            }
        }
    }
}

fn fixture(name: &str) {
    let src = root().join("tests/fixtures").join(name);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join(name);
    copy_dir(&src, &dir);
    let dir_s = dir.to_string_lossy().into_owned();
    let url = url::Url::from_file_path(&dir).unwrap().to_string();
    let subst = |s: &str| s.replace("$DIR", &dir_s).replace("$URL", &url);
    let main = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .find(|n| n.starts_with("main.") && !n.ends_with(".wasm.wat"))
        .unwrap_or_else(|| panic!("{name}: no main.* file"));
    let mut args: Vec<String> = vec!["run".into()];
    let extra = fs::read_to_string(dir.join("args")).unwrap_or_default();
    let extra: Vec<String> = extra.lines().filter(|l| !l.is_empty()).map(subst).collect();
    // The args file reads `[OPTIONS] [--invoke NAME ARGS...]`: options (with `--invoke
    // NAME`) go before the file, the export's arguments after it.
    let split = extra
        .iter()
        .position(|a| a == "--invoke")
        .map_or(extra.len(), |i| (i + 2).min(extra.len()));
    args.extend(extra[..split].iter().cloned());
    args.push(dir.join(&main).to_string_lossy().into_owned());
    args.extend(extra[split..].iter().cloned());
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = crate::run(&argv);
    let expected_out = fs::read_to_string(dir.join("expected.out")).unwrap();
    let code: i32 = fs::read_to_string(dir.join("exit"))
        .map(|s| s.trim().parse().unwrap())
        .unwrap_or(0);
    assert_eq!(
        r.code, code,
        "{name}: exit status\nstdout:\n{}\nstderr:\n{}",
        r.stdout, r.stderr
    );
    assert_eq!(
        r.stdout,
        subst(&expected_out),
        "{name}: stdout\nstderr:\n{}",
        r.stderr
    );
    if let Ok(err) = fs::read_to_string(dir.join("expected.err")) {
        for line in err.lines().filter(|l| !l.is_empty()) {
            let line = subst(line);
            assert!(
                r.stderr.contains(&line),
                "{name}: stderr lacks\n  {line}\nstderr:\n{}",
                r.stderr
            );
        }
    }
}

macro_rules! fixtures {
    ($($name:ident),* $(,)?) => {
        $(#[test] fn $name() { fixture(stringify!($name)); })*

        /// Every folder has a test, and every test a folder.
        #[test]
        fn every_fixture_folder_has_a_test() {
            let mut listed = vec![$(stringify!($name)),*];
            listed.sort();
            let mut found: Vec<String> = fs::read_dir(root().join("tests/fixtures"))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            found.sort();
            assert_eq!(listed, found);
        }
    };
}

fixtures!(
    bare_specifier,
    cycle_js_wasm_js,
    data_url,
    dynamic_import_wat,
    err_json_without_type,
    err_missing_module,
    err_unknown_host_module,
    err_wasm_import_missing_export,
    import_map,
    import_meta,
    js_imports_wasm,
    json_module,
    source_phase,
    wasm_exports_globals_memory_table,
    wasm_imports_js_host_memory,
    wasm_shares_mutable_global,
);
