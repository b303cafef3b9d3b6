//! warren's startup snapshot (made by build.rs): every isolate starts from it, and its
//! default context already holds the bootstrap's globals and every internal JS file
//! compiled. What the runtime takes out of it is named here.

/// The snapshot blob, embedded in the binary.
static BLOB: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/snapshot.bin"));

/// Context data build.rs attached, by index (build.rs numbers them the same way).
const CORE_INDEX: usize = 0;
const INTERNALS_INDEX: usize = 1;

/// The blob for `CreateParams::snapshot_blob`.
pub(crate) fn blob() -> v8::StartupData {
    v8::StartupData::from(BLOB)
}

/// What a fresh context from the snapshot carries: the (still empty) `core` object the
/// bootstrap closed over, and the `internals` object it returned.
pub(crate) struct Bootstrapped<'s> {
    pub(crate) core: v8::Local<'s, v8::Object>,
    pub(crate) internals: v8::Local<'s, v8::Object>,
}

/// Takes the bootstrap's objects out of a context just made from the snapshot (V8 gives
/// each out once per context).
pub(crate) fn take<'s>(scope: &mut v8::PinScope<'s, '_>) -> Option<Bootstrapped<'s>> {
    let core = scope
        .get_context_data_from_snapshot_once::<v8::Object>(CORE_INDEX)
        .ok()?;
    let internals = scope
        .get_context_data_from_snapshot_once::<v8::Object>(INTERNALS_INDEX)
        .ok()?;
    Some(Bootstrapped { core, internals })
}
