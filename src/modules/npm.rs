//! Bare specifiers through `node_modules`: package lookup up the directory tree, and the
//! `package.json` fields `exports` (subpaths, patterns, conditions), `module` and `main`.
//!
//! Every probe of the file system (a directory or file tested, a `package.json` read) goes
//! through a `may` predicate first, the caller's permission check: a path it refuses is
//! treated as absent, so resolving a specifier neither reads nor reveals anything outside
//! the grants.

use std::path::{Path, PathBuf};

use serde_json::Value;

/// Whether a path may be probed (the caller's permission check).
pub type May<'a> = &'a dyn Fn(&Path) -> bool;

/// Conditions for `import` (ESM).
pub const ESM_CONDITIONS: &[&str] = &["warren", "import", "module", "node", "default"];
/// Conditions for `require` (CommonJS).
pub const CJS_CONDITIONS: &[&str] = &["warren", "require", "node", "default"];

/// Splits `@scope/name/sub/path` into (`@scope/name`, `./sub/path`).
fn split_specifier(spec: &str) -> Result<(&str, String), String> {
    let mut parts = spec.splitn(if spec.starts_with('@') { 3 } else { 2 }, '/');
    let first = parts.next().unwrap_or("");
    let name_len = if spec.starts_with('@') {
        let second = parts
            .next()
            .ok_or_else(|| format!("invalid package specifier \"{spec}\""))?;
        first.len() + 1 + second.len()
    } else {
        first.len()
    };
    let name = &spec[..name_len];
    let sub = &spec[name_len..];
    if name.is_empty() {
        return Err(format!("invalid package specifier \"{spec}\""));
    }
    Ok((name, format!(".{sub}")))
}

/// Finds `specifier` (a bare package specifier) from directory `from`.
pub fn resolve_package(
    specifier: &str,
    from: &Path,
    conditions: &[&str],
    may: May,
) -> Result<PathBuf, String> {
    let (name, subpath) = split_specifier(specifier)?;
    let mut dir = Some(from);
    while let Some(d) = dir {
        let pkg_dir = d.join("node_modules").join(name);
        if may(&pkg_dir) && pkg_dir.is_dir() {
            return resolve_in_package(&pkg_dir, &subpath, conditions, may)
                .map_err(|e| format!("package \"{name}\" ({}): {e}", pkg_dir.display()));
        }
        dir = d.parent();
    }
    Err(format!(
        "package \"{name}\" not found in any node_modules folder above {}",
        from.display()
    ))
}

fn read_json(path: &Path, may: May) -> Option<Value> {
    if !may(path) {
        return None;
    }
    serde_json::from_slice(&std::fs::read(path).ok()?).ok()
}

fn is_file(path: &Path, may: May) -> bool {
    may(path) && path.is_file()
}

/// Resolves `subpath` (`.` or `./x`) inside a package directory.
pub fn resolve_in_package(
    pkg_dir: &Path,
    subpath: &str,
    conditions: &[&str],
    may: May,
) -> Result<PathBuf, String> {
    let pkg = read_json(&pkg_dir.join("package.json"), may).unwrap_or(Value::Null);
    if let Some(exports) = pkg.get("exports").filter(|e| !e.is_null()) {
        let target = resolve_exports(exports, subpath, conditions)
            .ok_or_else(|| format!("\"exports\" does not export \"{subpath}\""))?;
        return Ok(pkg_dir.join(target.trim_start_matches("./")));
    }
    if subpath == "." {
        let is_cjs = conditions.contains(&"require");
        let fields: &[&str] = if is_cjs {
            &["main"]
        } else {
            &["module", "main"]
        };
        for f in fields {
            if let Some(main) = pkg.get(*f).and_then(Value::as_str)
                && let Some(p) = with_extensions(&pkg_dir.join(main), may)
            {
                return Ok(p);
            }
        }
        return with_extensions(&pkg_dir.join("index"), may)
            .ok_or_else(|| "no \"exports\", \"main\" or index file".to_string());
    }
    let p = pkg_dir.join(subpath.trim_start_matches("./"));
    with_extensions(&p, may).ok_or_else(|| format!("no file for \"{subpath}\""))
}

/// CommonJS-style file lookup: the path itself, with `.js`/`.json`/`.mjs`/`.cjs`, or a
/// directory's `index`.
pub fn with_extensions(p: &Path, may: May) -> Option<PathBuf> {
    if is_file(p, may) {
        return Some(p.to_path_buf());
    }
    for ext in ["js", "json", "mjs", "cjs", "node"] {
        let mut s = p.as_os_str().to_os_string();
        s.push(".");
        s.push(ext);
        let c = PathBuf::from(s);
        if is_file(&c, may) {
            return Some(c);
        }
    }
    if may(p) && p.is_dir() {
        if let Some(main) = read_json(&p.join("package.json"), may)
            .and_then(|v| v.get("main").and_then(Value::as_str).map(str::to_string))
            && let Some(f) = with_extensions(&p.join(main), may)
        {
            return Some(f);
        }
        for ext in ["js", "json", "mjs", "cjs"] {
            let c = p.join(format!("index.{ext}"));
            if is_file(&c, may) {
                return Some(c);
            }
        }
    }
    None
}

/// The target of `subpath` in an `exports` field, after condition matching.
fn resolve_exports(exports: &Value, subpath: &str, conditions: &[&str]) -> Option<String> {
    // `exports` is a target for "." (string, array, or conditions object without "./" keys),
    // or a map of subpaths.
    let is_subpath_map = exports
        .as_object()
        .is_some_and(|o| o.keys().any(|k| k.starts_with('.')));
    if !is_subpath_map {
        return if subpath == "." {
            resolve_target(exports, conditions, None)
        } else {
            None
        };
    }
    let map = exports.as_object()?;
    if let Some(t) = map.get(subpath) {
        return resolve_target(t, conditions, None);
    }
    // Patterns: "./features/*" or "./features/*.js"; the longest prefix wins.
    let mut best: Option<(&str, &Value, String)> = None;
    for (k, t) in map {
        if let Some((pre, post)) = k.split_once('*')
            && subpath.starts_with(pre)
            && subpath.ends_with(post)
            && subpath.len() >= pre.len() + post.len()
        {
            let star = subpath[pre.len()..subpath.len() - post.len()].to_string();
            if best.as_ref().is_none_or(|(bk, _, _)| k.len() > bk.len()) {
                best = Some((k.as_str(), t, star));
            }
        }
    }
    if let Some((_, t, star)) = best {
        return resolve_target(t, conditions, Some(&star));
    }
    // Legacy folder mappings: "./dir/".
    for (k, t) in map {
        if k.ends_with('/') && subpath.starts_with(k.as_str()) {
            let rest = &subpath[k.len()..];
            return resolve_target(t, conditions, None).map(|b| format!("{b}{rest}"));
        }
    }
    None
}

fn resolve_target(target: &Value, conditions: &[&str], star: Option<&str>) -> Option<String> {
    match target {
        Value::String(s) => Some(match star {
            Some(st) => s.replace('*', st),
            None => s.clone(),
        }),
        Value::Array(items) => items
            .iter()
            .find_map(|t| resolve_target(t, conditions, star)),
        Value::Object(map) => map
            .iter()
            .filter(|(k, _)| conditions.contains(&k.as_str()))
            .find_map(|(_, t)| resolve_target(t, conditions, star)),
        _ => None,
    }
}

/// The explicit `"type"` (`"module"` or `"commonjs"`) of the nearest `package.json` above a
/// file; `None` when there is none or it does not say.
pub fn package_type(file: &Path, may: May) -> Option<String> {
    let mut dir = file.parent();
    while let Some(d) = dir {
        if let Some(pkg) = read_json(&d.join("package.json"), may) {
            return pkg.get("type").and_then(Value::as_str).map(str::to_string);
        }
        dir = d.parent();
    }
    None
}
