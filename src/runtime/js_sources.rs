//! warren's own JS, embedded in the binary: the bootstrap and the files loaded on first use
//! (`core.loadInternal`), by name. A leaf: build.rs compiles this file too, to put them all
//! in the startup snapshot.

/// Installs console and timers and the lazy platform globals; build.rs runs it into the
/// startup snapshot, so only build.rs reads it.
#[allow(dead_code)]
pub(crate) const BOOTSTRAP_JS: &str = include_str!("../../js/bootstrap.js");

/// The JS files loaded on first use: each evaluates to a function the bootstrap calls with
/// `(core, global, internals)`.
pub(crate) const INTERNAL_JS: &[(&str, &str)] = &[
    ("inspect", include_str!("../../js/inspect.js")),
    ("web", include_str!("../../js/web.js")),
    ("event", include_str!("../../js/event.js")),
    ("streams", include_str!("../../js/streams.js")),
    ("subtle", include_str!("../../js/subtle.js")),
    (
        "writable_streams",
        include_str!("../../js/writable_streams.js"),
    ),
    (
        "structured_clone",
        include_str!("../../js/structured_clone.js"),
    ),
    (
        "url_search_params",
        include_str!("../../js/url_search_params.js"),
    ),
    ("url_pattern", include_str!("../../js/url_pattern.js")),
    (
        "message_channel",
        include_str!("../../js/message_channel.js"),
    ),
    ("buffer", include_str!("../../js/buffer.js")),
    ("node_path", include_str!("../../js/node_path.js")),
    ("node_errors", include_str!("../../js/node_errors.js")),
    ("node_assert", include_str!("../../js/node_assert.js")),
    ("node", include_str!("../../js/node.js")),
    ("wasm_compile", include_str!("../../js/wasm_compile.js")),
    ("node_wasi", include_str!("../../js/node_wasi.js")),
];

/// The source of an internal JS file, by name.
pub(crate) fn internal_source(name: &str) -> Option<&'static str> {
    INTERNAL_JS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, s)| *s)
}
