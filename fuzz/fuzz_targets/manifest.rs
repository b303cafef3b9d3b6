//! Fuzz target `manifest`: the plugin manifest parser and checker (`warren.toml` /
//! `warren.json`), from text to a checked `Manifest` or located errors.
//!
//! The first input byte picks the mode. 0: the rest is raw TOML text; 1: raw JSON text;
//! 2-3: an `arbitrary` list of plugin entries, each key drawn from the manifest's own keys
//! (and a few unknown ones), each value from values that are valid somewhere (sizes,
//! durations, file names of the fixture directory, host modules, other entries' names) or
//! arbitrary ones, rendered as TOML (2) or JSON (3), so the checks behind the syntax are
//! reached. The manifest sits in a directory with a JS, a WAT and a Wasm plugin source.
//!
//! What must hold: `Manifest::load` returns; it returns the same thing for the same text;
//! every error's location is in the file (line 1..=lines+1, column >= 1, in order of
//! place) with a message; a checked manifest has unique, non-empty plugin names, absolute
//! sources that exist, plugin imports that name plugins of the manifest, and host imports
//! the host offers.

#![no_main]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use warren::plugins::{Manifest, ManifestErrors};

/// The `host:` modules a host offers, as `capabilities::host_modules` lists them.
const HOST_MODULES: &[&str] = &[
    "host:console",
    "host:config",
    "host:plugins",
    "host:clock",
    "host:math",
];

/// The plugin sources of the fixture directory (and one file that is not one).
const FILES: &[(&str, &[u8])] = &[
    ("a.mjs", b"export function f(x) { return x; }\n"),
    ("sub/b.js", b"export const g = (x) => x;\n"),
    ("c.wat", b"(module (func (export \"f\") (result i32) i32.const 1))\n"),
    (
        "d.wasm",
        b"\0asm\x01\0\0\0\x01\x05\x01\x60\0\x01\x7f\x03\x02\x01\0\x07\x05\x01\x01f\0\0\x0a\x06\x01\x04\0\x41\x01\x0b",
    ),
    ("e.txt", b"not a plugin\n"),
];

/// A fixture directory, made once per process: what `source` and `allow_*` can name.
fn fixtures() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("warren-fuzz-manifest-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).expect("fixture directory");
        for (name, bytes) in FILES {
            std::fs::write(dir.join(name), bytes).expect("fixture file");
        }
        dir
    })
}

/// The SHA-256 of fixture `name`, lowercase hex, as a pin is written.
fn sha(name: &str) -> String {
    use sha2::Digest;
    let bytes = FILES
        .iter()
        .find(|(n, _)| *n == name)
        .map_or(&[][..], |(_, b)| b);
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn d_wasm_sha() -> &'static str {
    static S: OnceLock<String> = OnceLock::new();
    S.get_or_init(|| sha("d.wasm"))
}

fn c_wat_sha() -> &'static str {
    static S: OnceLock<String> = OnceLock::new();
    S.get_or_init(|| sha("c.wat"))
}

/// One `[[plugins]]` entry: each field usually drawn from values that fit it, so whole
/// entries are often valid and the checks across entries (names, imports, groups) run.
#[derive(Debug, Arbitrary)]
struct Entry {
    /// Which optional fields are present, one bit each (name and source are left out only
    /// when their bit is set, the others present only when it is).
    present: u16,
    name: Pick,
    source: Pick,
    sha256: Pick,
    group: Pick,
    config: Val,
    imports: Vec<Pick>,
    allow_read: Vec<Pick>,
    allow_write: Vec<Pick>,
    allow_env: Pick,
    limits: Vec<(LimitKey, Pick)>,
    /// Anything else, under any key (unknown keys, wrong types), when its bit is set.
    extra: Vec<(Key, Val)>,
}

/// A value for one field: one of that field's vocabulary, or (about one time in 16)
/// anything.
#[derive(Debug, Arbitrary)]
struct Pick {
    index: u8,
    other: Option<Val>,
}

#[derive(Debug, Arbitrary)]
enum LimitKey {
    Memory,
    Timeout,
    Fuel,
    Other(String),
}

#[derive(Debug, Arbitrary)]
enum Key {
    Name,
    Source,
    Sha256,
    Group,
    Config,
    Imports,
    AllowRead,
    AllowWrite,
    AllowEnv,
    Limits,
    Other(String),
}

#[derive(Debug, Arbitrary)]
enum Val {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    List(Vec<Val>),
    Table(Vec<(Key, Val)>),
}

/// What each field's vocabulary holds (strings are quoted, the rest written as is).
const NAMES: &[&str] = &["\"p0\"", "\"p1\"", "\"p2\"", "\"\"", "\"a b\""];
const SOURCES: &[&str] = &[
    "\"a.mjs\"",
    "\"sub/b.js\"",
    "\"c.wat\"",
    "\"d.wasm\"",
    "\"e.txt\"",
    "\"missing.js\"",
    "\"../a.mjs\"",
    "\"sub\"",
];
const HASHES: &[&str] = &[
    // sha256 of d.wasm, of c.wat, and not a hash.
    "\"D_WASM_SHA\"",
    "\"C_WAT_SHA\"",
    "\"abc\"",
];
const GROUPS: &[&str] = &["\"g\"", "\"h\""];
const IMPORTS: &[&str] = &[
    "\"p0\"",
    "\"p1\"",
    "\"p2\"",
    "\"host:console\"",
    "\"host:plugins\"",
    "\"host:math\"",
    "\"host:fs\"",
];
const PATHS: &[&str] = &["\".\"", "\"sub\"", "\"a.mjs\"", "\"/tmp\"", "\"missing\""];
const MEMORY: &[&str] = &[
    "\"64MiB\"",
    "\"1KiB\"",
    "\"16mb\"",
    "0",
    "1048576",
    "\"lots\"",
];
const TIMEOUT: &[&str] = &["\"200ms\"", "\"2s\"", "\"1h\"", "\"-1s\"", "\"0s\"", "5"];
const FUEL: &[&str] = &["1000", "1_000_000", "0", "-5", "\"10\""];
const BOOLS: &[&str] = &["true", "false"];

fn key_name(k: &Key) -> &str {
    match k {
        Key::Name => "name",
        Key::Source => "source",
        Key::Sha256 => "sha256",
        Key::Group => "group",
        Key::Config => "config",
        Key::Imports => "imports",
        Key::AllowRead => "allow_read",
        Key::AllowWrite => "allow_write",
        Key::AllowEnv => "allow_env",
        Key::Limits => "limits",
        Key::Other(s) => s,
    }
}

/// A string as a TOML basic string and a JSON string alike.
fn quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn value(v: &Val, json: bool, depth: usize, out: &mut String) {
    match v {
        Val::Str(s) => out.push_str(&quoted(s)),
        Val::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Val::Float(f) if f.is_finite() => {
            let _ = write!(out, "{f:?}");
        }
        Val::Float(_) => out.push('0'),
        Val::Bool(b) => {
            let _ = write!(out, "{b}");
        }
        Val::List(items) if depth < 4 => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                value(item, json, depth + 1, out);
            }
            out.push(']');
        }
        Val::Table(fields) if depth < 4 => {
            let fields: Vec<(String, String)> = fields
                .iter()
                .map(|(k, v)| {
                    let mut s = String::new();
                    value(v, json, depth + 1, &mut s);
                    (key_name(k).to_string(), s)
                })
                .collect();
            table(&fields, json, out);
        }
        Val::List(_) | Val::Table(_) => out.push_str("[]"),
    }
}

fn pick(p: &Pick, vocabulary: &[&str], json: bool) -> String {
    match &p.other {
        Some(v) if p.index & 0xf0 == 0xf0 => {
            let mut s = String::new();
            value(v, json, 0, &mut s);
            s
        }
        _ => {
            let s = vocabulary[p.index as usize % vocabulary.len()];
            // JSON has no `_` in numbers.
            if json {
                s.replace('_', "")
            } else {
                s.to_string()
            }
        }
    }
}

fn list(items: &[Pick], vocabulary: &[&str], json: bool) -> String {
    let items: Vec<String> = items.iter().map(|p| pick(p, vocabulary, json)).collect();
    format!("[{}]", items.join(", "))
}

/// An inline table (TOML) or an object (JSON) of rendered values.
fn table(fields: &[(String, String)], json: bool, out: &mut String) {
    out.push('{');
    for (i, (k, v)) in fields.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&quoted(k));
        out.push_str(if json { ": " } else { " = " });
        out.push_str(v);
    }
    out.push('}');
}

/// An entry's fields, each rendered.
fn fields(e: &Entry, json: bool) -> Vec<(String, String)> {
    let bit = |i: u32| e.present & (1 << i) != 0;
    let mut out: Vec<(String, String)> = Vec::new();
    let mut field = |k: &str, v: String| out.push((k.to_string(), v));
    let rendered = |v: &Val| {
        let mut s = String::new();
        value(v, json, 0, &mut s);
        s
    };
    if !bit(0) {
        field("name", pick(&e.name, NAMES, json));
    }
    if !bit(1) {
        field("source", pick(&e.source, SOURCES, json));
    }
    if bit(2) {
        let hashes: Vec<String> = HASHES
            .iter()
            .map(|h| {
                h.replace("D_WASM_SHA", d_wasm_sha())
                    .replace("C_WAT_SHA", c_wat_sha())
            })
            .collect();
        let hashes: Vec<&str> = hashes.iter().map(String::as_str).collect();
        field("sha256", pick(&e.sha256, &hashes, json));
    }
    if bit(3) {
        field("group", pick(&e.group, GROUPS, json));
    }
    if bit(4) {
        field("config", rendered(&e.config));
    }
    if bit(5) {
        field("imports", list(&e.imports, IMPORTS, json));
    }
    if bit(6) {
        field("allow_read", list(&e.allow_read, PATHS, json));
    }
    if bit(7) {
        field("allow_write", list(&e.allow_write, PATHS, json));
    }
    if bit(8) {
        field("allow_env", pick(&e.allow_env, BOOLS, json));
    }
    if bit(9) {
        let limits: Vec<(String, String)> = e
            .limits
            .iter()
            .map(|(k, p)| match k {
                LimitKey::Memory => ("memory".to_string(), pick(p, MEMORY, json)),
                LimitKey::Timeout => ("timeout".to_string(), pick(p, TIMEOUT, json)),
                LimitKey::Fuel => ("fuel".to_string(), pick(p, FUEL, json)),
                LimitKey::Other(s) => (s.clone(), pick(p, FUEL, json)),
            })
            .collect();
        let mut s = String::new();
        table(&limits, json, &mut s);
        field("limits", s);
    }
    if bit(10) && bit(11) {
        for (k, v) in &e.extra {
            field(key_name(k), rendered(v));
        }
    }
    out
}

fn render(entries: &[Entry], json: bool) -> String {
    let mut out = String::new();
    if json {
        out.push_str("{\"plugins\": [");
        for (i, e) in entries.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            table(&fields(e, true), true, &mut out);
        }
        out.push_str("]}\n");
    } else {
        for e in entries {
            out.push_str("[[plugins]]\n");
            for (k, v) in fields(e, false) {
                out.push_str(&quoted(&k));
                out.push_str(" = ");
                out.push_str(&v);
                out.push('\n');
            }
        }
    }
    out
}

fn check_errors(errors: &ManifestErrors, text: &[u8], shown: &str) {
    assert!(!errors.0.is_empty(), "an error result with no errors");
    let lines = text.iter().filter(|&&b| b == b'\n').count() + 1;
    let mut last = (0, 0);
    for e in &errors.0 {
        assert_eq!(e.location.file, shown, "error names another file: {e}");
        assert!(
            (1..=lines + 1).contains(&e.location.line) && e.location.column >= 1,
            "error outside the file ({lines} lines): {e}"
        );
        assert!(
            !e.message.trim().is_empty(),
            "an error without a message: {e:?}"
        );
        let here = (e.location.line, e.location.column);
        assert!(here >= last, "errors out of order: {errors}");
        last = here;
    }
    let _ = errors.to_string();
}

fn check_manifest(m: &Manifest) {
    for (i, p) in m.plugins.iter().enumerate() {
        assert!(!p.name.is_empty(), "a plugin without a name");
        assert!(
            m.plugins[..i].iter().all(|q| q.name != p.name),
            "two plugins named {:?}",
            p.name
        );
        assert!(
            p.source.is_absolute(),
            "source not absolute: {:?}",
            p.source
        );
        assert!(
            p.source.exists(),
            "source that does not exist: {:?}",
            p.source
        );
        for import in &p.plugin_imports {
            assert!(
                m.plugins.iter().any(|q| &q.name == import),
                "{:?} imports {import:?}, which the manifest does not define",
                p.name
            );
        }
        for h in &p.host_imports {
            assert!(
                HOST_MODULES.contains(&h.as_str()),
                "unknown host module granted: {h}"
            );
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let (text, json): (Vec<u8>, bool) = match mode % 4 {
        0 => (rest.to_vec(), false),
        1 => (rest.to_vec(), true),
        m => {
            let Ok(entries) = arbitrary::Unstructured::new(rest).arbitrary::<Vec<Entry>>() else {
                return;
            };
            let json = m == 3;
            (render(&entries, json).into_bytes(), json)
        }
    };
    let dir = fixtures();
    let path = dir.join(if json { "warren.json" } else { "warren.toml" });
    std::fs::write(&path, &text).expect("write the manifest");
    let hosts: Vec<String> = HOST_MODULES.iter().map(|s| s.to_string()).collect();
    let first = Manifest::load(&path, &hosts);
    let second = Manifest::load(&path, &hosts);
    assert_eq!(
        format!("{first:?}"),
        format!("{second:?}"),
        "two loads of the same text differ"
    );
    let shown = path.display().to_string();
    match &first {
        Err(errors) => check_errors(errors, &text, &shown),
        Ok(m) => check_manifest(m),
    }
});
