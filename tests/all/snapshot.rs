//! warren's JS from build.rs: isolates start from the startup snapshot (the bootstrap ran
//! at build time) and internal JS files compile from V8 code caches, which V8 must take.
//! Code cache counts are process-wide, so the check runs in a child process.

use warren::{Runtime, RuntimeOptions, code_cache_stats};

#[test]
fn internal_js_compiles_from_the_build_time_code_caches() {
    crate::in_child("snapshot::child::code_caches_are_taken");
}

mod child {
    use super::*;

    #[test]
    #[ignore = "counts process-wide: run in a process of its own by the test above"]
    fn code_caches_are_taken() {
        let lines = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let sink = lines.clone();
        let mut rt = Runtime::new(RuntimeOptions {
            output: Some(std::sync::Arc::new(move |_, b: &[u8]| {
                sink.lock().unwrap().push_str(&String::from_utf8_lossy(b));
                Ok(())
            })),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(code_cache_stats(), Default::default());
        // The bootstrap's globals are there (from the snapshot), and the first console call
        // of an object loads inspect.js; TextEncoder loads web.js.
        rt.execute_script(
            "t.js",
            "console.log({ a: [1, 2] }, new TextEncoder().encode('hi'))",
        )
        .unwrap();
        assert_eq!(
            lines.lock().unwrap().as_str(),
            "{ a: [ 1, 2 ] } Uint8Array(2) [ 104, 105 ]\n"
        );
        let stats = code_cache_stats();
        assert_eq!(stats.rejected, 0, "{stats:?}");
        // wasm_compile (at start), inspect and web, at least.
        assert!(stats.accepted >= 3, "{stats:?}");
    }
}
