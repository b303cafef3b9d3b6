//! `warren wast`: the spec suite in `../shared/testsuite` against the committed list of known
//! failures (`tests/wast-expectations.txt`), the proposal flags taking effect, and the CLI's
//! exit status and JSON.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::PathBuf;

use warren::wast::{WastOptions, collect_files, run_files};

use crate::{root, run};

fn suite_dir() -> PathBuf {
    root().join("..").join("shared").join("testsuite")
}

/// The known failures: `(path, line, kind)` → reason.
fn expectations() -> BTreeMap<(String, usize, String), String> {
    let text = fs::read_to_string(root().join("tests/wast-expectations.txt"))
        .expect("tests/wast-expectations.txt is readable");
    let mut out = BTreeMap::new();
    let mut reason = String::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(r) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            reason = r.to_string();
            continue;
        }
        let (loc, kind) = line
            .split_once(' ')
            .unwrap_or_else(|| panic!("expectations line {}: want `PATH:LINE KIND`", n + 1));
        let (path, l) = loc
            .rsplit_once(':')
            .unwrap_or_else(|| panic!("expectations line {}: want `PATH:LINE`", n + 1));
        let l: usize = l
            .parse()
            .unwrap_or_else(|_| panic!("expectations line {}: bad line number", n + 1));
        assert!(
            !reason.is_empty(),
            "expectations line {}: no [reason] above it",
            n + 1
        );
        out.insert((path.to_string(), l, kind.to_string()), reason.clone());
    }
    out
}

#[test]
fn spec_suite_matches_expectations() {
    suite_matches_expectations(false);
}

/// The same suite with every module instrumented for fuel (ample fuel): the fuel pass
/// accepts every module V8 accepts, and changes no result.
#[test]
fn spec_suite_with_fuel_matches_expectations() {
    suite_matches_expectations(true);
}

fn suite_matches_expectations(fuel: bool) {
    let dir = suite_dir();
    if !dir.is_dir() {
        eprintln!(
            "wast: skipped: the spec suite is not at {} (../shared/testsuite)",
            dir.display()
        );
        return;
    }
    let files = collect_files(std::slice::from_ref(&dir)).expect("suite files");
    let reports = run_files(
        &files,
        &WastOptions {
            fuel,
            ..Default::default()
        },
    );
    if fuel {
        let instrumented: usize = reports.iter().map(|r| r.fuel_instrumented).sum();
        assert!(
            instrumented > 2500,
            "only {instrumented} modules were instrumented"
        );
    }
    let expected = expectations();
    let mut actual: BTreeMap<(String, usize, String), String> = BTreeMap::new();
    let (mut passed, mut total, mut passing_files) = (0, 0, 0);
    for r in &reports {
        let rel = PathBuf::from(&r.path)
            .strip_prefix(&dir)
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .unwrap_or_else(|_| r.path.clone());
        let (p, t) = r.assertions();
        passed += p;
        total += t;
        if r.all_passed() {
            passing_files += 1;
        }
        if let Some(e) = &r.error {
            actual.insert((rel.clone(), 0, "file".into()), e.clone());
        }
        for f in &r.failures {
            actual.insert((rel.clone(), f.line, f.kind.clone()), f.reason.clone());
        }
        assert!(
            r.millis < 60_000,
            "{} took {} ms (limit 60 s)",
            r.path,
            r.millis
        );
    }
    eprintln!(
        "wast: {} files, {passing_files} fully passing; assertions {passed}/{total}",
        reports.len()
    );
    let exp: BTreeSet<_> = expected.keys().cloned().collect();
    let act: BTreeSet<_> = actual.keys().cloned().collect();
    let new: Vec<String> = act
        .difference(&exp)
        .map(|k| format!("{}:{} {}    # {}", k.0, k.1, k.2, actual[k]))
        .collect();
    let fixed: Vec<String> = exp
        .difference(&act)
        .map(|k| format!("{}:{} {}    # was: {}", k.0, k.1, k.2, expected[k]))
        .collect();
    assert!(
        new.is_empty() && fixed.is_empty(),
        "the spec suite no longer matches tests/wast-expectations.txt\n\
         new failures ({}), add with a reason or fix:\n  {}\n\
         unexpected passes ({}), remove from the file:\n  {}",
        new.len(),
        new.join("\n  "),
        fixed.len(),
        fixed.join("\n  ")
    );
}

fn write_script(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let p = dir.path().join(name);
    fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}

#[test]
fn proposal_flags_take_effect() {
    // Each flag in PROPOSAL_FLAGS enables something V8 rejects without it.
    let dir = tempfile::tempdir().unwrap();
    let script = write_script(
        &dir,
        "flags.wast",
        r#"(module
  (func (export "add128") (param i64 i64 i64 i64) (result i64 i64)
    local.get 0 local.get 1 local.get 2 local.get 3 i64.add128))
(assert_return (invoke "add128" (i64.const -1) (i64.const 0) (i64.const 1) (i64.const 0))
  (i64.const 0) (i64.const 1))
(module
  (type $t (struct))
  (func (export "exact") (result (ref null (exact $t))) (ref.null (exact $t))))
(assert_return (invoke "exact") (ref.null))
"#,
    );
    let r = run(&["wast", &script]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}

#[test]
fn cli_counts_failures_traps_and_timeouts() {
    let dir = tempfile::tempdir().unwrap();
    let script = write_script(
        &dir,
        "mixed.wast",
        r#"(module
  (func (export "f32") (param f32) (result f32) local.get 0)
  (func (export "v") (param v128) (result v128) local.get 0)
  (func (export "spin") (loop (br 0)))
  (func $r (export "rec") (call $r))
  (func (export "div") (param i32) (result i32) (i32.div_u (i32.const 1) (local.get 0))))
(assert_return (invoke "f32" (f32.const nan:0x200001)) (f32.const nan:0x200001))
(assert_return (invoke "v" (v128.const i32x4 1 2 3 -1)) (v128.const i64x2 0x200000001 0xffffffff00000003))
(assert_trap (invoke "div" (i32.const 0)) "integer divide by zero")
(assert_exhaustion (invoke "rec") "call stack exhausted")
(assert_return (invoke "div" (i32.const 1)) (i32.const 2))
(assert_trap (invoke "spin") "unreachable")
(assert_invalid (module (func (result i32))) "type mismatch")
(assert_malformed (module quote "(func") "unexpected end")
"#,
    );
    let r = run(&["wast", "--timeout", "1", "--json", &script]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON output");
    let file = &doc["files"][0];
    let failures: Vec<(u64, String)> = file["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["line"].as_u64().unwrap(),
                f["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(failures.len(), 2, "{failures:?}");
    assert_eq!(failures[0].0, 11);
    assert!(failures[0].1.contains("got i32:1"), "{failures:?}");
    assert_eq!(failures[1].0, 12);
    assert!(failures[1].1.contains("timed out"), "{failures:?}");
    assert_eq!(file["kinds"]["assert_return"]["passed"], 2);
    assert_eq!(doc["totals"]["assertions"], 8);
    assert_eq!(doc["totals"]["assertions_passed"], 6);

    let r = run(&["wast", "--summary", &script]);
    assert!(
        r.stdout.contains("files fully passing: 0/1"),
        "{}",
        r.stdout
    );
}

#[test]
fn cli_rejects_missing_and_unparsable_scripts() {
    let r = run(&["wast", "no/such/file.wast"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("no/such/file.wast"), "{}", r.stderr);

    let dir = tempfile::tempdir().unwrap();
    let script = write_script(
        &dir,
        "bad.wast",
        "(module (func)\n(assert_return (invoke \"x\"",
    );
    let r = run(&["wast", &script]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stdout.contains("ERROR"), "{}", r.stdout);
}
