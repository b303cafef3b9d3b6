//! What build.rs made of warren's JS: the startup snapshot every isolate starts from (its
//! default context has run the bootstrap) and the code caches of the internal JS files.
//! What the runtime takes out of them is named here.

use std::sync::atomic::{AtomicUsize, Ordering};

/// The snapshot blob, embedded in the binary.
static BLOB: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/snapshot.bin"));

/// Context data build.rs attached, by index (build.rs numbers them the same way).
const CORE_INDEX: usize = 0;
const INTERNALS_INDEX: usize = 1;

/// The blob for `CreateParams::snapshot_blob`.
pub(crate) fn blob() -> v8::StartupData {
    v8::StartupData::from(BLOB)
}

/// Takes the bootstrap's objects out of a context just made from the snapshot (V8 gives
/// each out once per context): the (still empty) `core` object the bootstrap closed over,
/// and the `internals` object it returned.
pub(crate) fn take<'s>(
    scope: &mut v8::PinScope<'s, '_>,
) -> Option<(v8::Local<'s, v8::Object>, v8::Local<'s, v8::Object>)> {
    let core = scope
        .get_context_data_from_snapshot_once::<v8::Object>(CORE_INDEX)
        .ok()?;
    let internals = scope
        .get_context_data_from_snapshot_once::<v8::Object>(INTERNALS_INDEX)
        .ok()?;
    Some((core, internals))
}

include!(concat!(env!("OUT_DIR"), "/code_caches.rs"));

/// How often a code cache of an internal JS file was used, and how often V8 refused one
/// (another V8 version or other flags: it then compiled from source).
static ACCEPTED: AtomicUsize = AtomicUsize::new(0);
static REJECTED: AtomicUsize = AtomicUsize::new(0);

/// The code cache build.rs made of the internal JS file `name`.
pub(crate) fn code_cache(name: &str) -> Option<&'static [u8]> {
    CODE_CACHES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, c)| *c)
}

/// Records whether V8 took a code cache.
pub(crate) fn record(taken: bool) {
    if taken { &ACCEPTED } else { &REJECTED }.fetch_add(1, Ordering::Relaxed);
}

/// The code caches of warren's internal JS files this process used: how many V8 took and
/// how many it refused (then compiling the file from source).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CodeCacheStats {
    pub accepted: usize,
    pub rejected: usize,
}

/// [`CodeCacheStats`] so far.
pub fn code_cache_stats() -> CodeCacheStats {
    CodeCacheStats {
        accepted: ACCEPTED.load(Ordering::Relaxed),
        rejected: REJECTED.load(Ordering::Relaxed),
    }
}
