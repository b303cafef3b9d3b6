//! The real-npm-package suite from `../shared/compat`: each driver's stdout under
//! `warren run` must equal what Node 20 printed, byte for byte. The pinned packages are
//! fetched with npm at test time (tarballs cached in `target/npm-cache`); the cases run in a
//! copy under `target/compat`. Skipped, with a message, when `../shared/compat` is absent.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::root;

/// Copies the suite and fetches the packages, once per test run. `None` when the suite is
/// absent; panics with npm's message when the fetch fails.
fn prepared() -> Option<&'static Path> {
    static DIR: OnceLock<Option<PathBuf>> = OnceLock::new();
    DIR.get_or_init(|| {
        let src = root().join("../shared/compat");
        if !src.join("cases.tsv").is_file() {
            return None;
        }
        let target = root().join("target");
        let dst = target.join("compat");
        let _ = std::fs::remove_dir_all(&dst);
        let status = Command::new("cp")
            .arg("-r")
            .arg(&src)
            .arg(&dst)
            .status()
            .expect("cp runs");
        assert!(status.success(), "copying {} failed", src.display());
        // The shared copy is read-only; the fetch writes next to the drivers.
        let _ = Command::new("chmod").args(["-R", "u+w"]).arg(&dst).status();
        let out = Command::new("bash")
            .arg("fetch.sh")
            .current_dir(&dst)
            .env("NPM_CACHE_DIR", target.join("npm-cache"))
            .output()
            .expect("bash runs");
        assert!(
            out.status.success(),
            "fetching the compat packages with npm failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        Some(dst)
    })
    .as_deref()
}

fn case(name: &str, script: &str) {
    let Some(dir) = prepared() else {
        eprintln!("skipped: ../shared/compat is not present");
        return;
    };
    let case_dir = dir.join("cases").join(name);
    let expected = std::fs::read_to_string(case_dir.join(format!("{script}.expected"))).unwrap();
    let out = crate::warren_command()
        .args(["run", script])
        .current_dir(&case_dir)
        .output()
        .expect("warren runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{name}/{script} exited with {:?}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        out.status.code()
    );
    assert_eq!(
        stdout, expected,
        "{name}/{script}: stdout differs from node's (byte for byte)\nstderr:\n{stderr}"
    );
}

/// Every row of cases.tsv has a test here.
#[test]
fn every_case_is_listed() {
    let Some(dir) = prepared() else {
        eprintln!("skipped: ../shared/compat is not present");
        return;
    };
    let tsv = std::fs::read_to_string(dir.join("cases.tsv")).unwrap();
    let rows: Vec<String> = tsv
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let mut f = l.split('\t');
            format!("{}/{}", f.next().unwrap_or(""), f.next().unwrap_or(""))
        })
        .collect();
    let mut listed: Vec<String> = LISTED.iter().map(|(c, s)| format!("{c}/{s}")).collect();
    let mut rows = rows;
    listed.sort();
    rows.sort();
    assert_eq!(listed, rows);
}

macro_rules! cases {
    ($($test:ident => $case:literal, $script:literal;)*) => {
        const LISTED: &[(&str, &str)] = &[$(($case, $script)),*];
        $(#[test] fn $test() { case($case, $script); })*
    };
}

cases! {
    sql_js_cjs => "sql.js", "test.cjs";
    wabt_cjs => "wabt", "test.cjs";
    gofmt_tinygo_mjs => "gofmt-tinygo", "test.mjs";
    gofmt_tinygo_esm_integration => "gofmt-tinygo", "test-esm-integration.mjs";
    as_sha256_mjs => "as-sha256-assemblyscript", "test.mjs";
    hash_wasm_cjs => "hash-wasm", "test.cjs";
    hash_wasm_mjs => "hash-wasm", "test.mjs";
    xxhash_mjs => "xxhash-wasm", "test.mjs";
    xxhash_cjs => "xxhash-wasm", "test.cjs";
    xxhash_workerd => "xxhash-wasm", "test-workerd.mjs";
    brotli_cjs => "brotli-wasm-bindgen", "test.cjs";
    brotli_mjs => "brotli-wasm-bindgen", "test.mjs";
}
