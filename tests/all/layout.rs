//! The runtime's file layout stays acyclic: no file of `src/runtime/` imports a sibling
//! that imports it back (directly or around a longer loop), except through the shared
//! per-isolate state (`state.rs`) and the parent that owns `Runtime` (`mod.rs`).

use std::collections::{BTreeMap, BTreeSet};

use crate::root;

/// Sibling files each runtime file names through `crate::runtime::...`.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let dir = root().join("src/runtime");
    let files: BTreeMap<String, String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| {
            let p = e.unwrap().path();
            let name = p.file_stem()?.to_str()?.to_string();
            (p.extension()? == "rs").then(|| (name, std::fs::read_to_string(&p).unwrap()))
        })
        .collect();
    let mut graph = BTreeMap::new();
    for (name, text) in &files {
        let mut deps = BTreeSet::new();
        for (i, _) in text.match_indices("crate::runtime::") {
            let rest = &text[i + "crate::runtime::".len()..];
            let names = match rest.strip_prefix('{') {
                Some(group) => &group[..group.find('}').unwrap_or(group.len())],
                None => {
                    let end = rest
                        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                        .unwrap_or(rest.len());
                    &rest[..end]
                }
            };
            for d in names.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
                if files.contains_key(d) && d != name {
                    deps.insert(d.to_string());
                }
            }
        }
        graph.insert(name.clone(), deps);
    }
    graph
}

#[test]
fn runtime_files_import_no_cycle() {
    let graph = graph();
    assert!(graph.len() > 10, "read {} files", graph.len());
    let exempt = ["state", "mod"];
    // Depth-first search from every file, never through the exempt ones.
    fn walk<'a>(
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        exempt: &[&str],
        path: &mut Vec<&'a str>,
        cycles: &mut Vec<String>,
    ) {
        let last = *path.last().unwrap();
        for d in &graph[last] {
            if exempt.contains(&d.as_str()) {
                continue;
            }
            if let Some(i) = path.iter().position(|p| p == d) {
                cycles.push(format!("{} -> {d}", path[i..].join(" -> ")));
            } else if path.len() < graph.len() {
                path.push(d);
                walk(graph, exempt, path, cycles);
                path.pop();
            }
        }
    }
    let mut cycles = Vec::new();
    for name in graph.keys().filter(|n| !exempt.contains(&n.as_str())) {
        walk(&graph, &exempt, &mut vec![name.as_str()], &mut cycles);
    }
    assert!(
        cycles.is_empty(),
        "import cycles in src/runtime:\n{}",
        cycles.join("\n")
    );
}

/// `src/host/` is used by the runtime and must not use it back.
#[test]
fn host_registry_does_not_use_the_runtime() {
    for e in std::fs::read_dir(root().join("src/host")).unwrap() {
        let p = e.unwrap().path();
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(
            !text.contains("crate::runtime"),
            "{} uses crate::runtime",
            p.display()
        );
    }
}
