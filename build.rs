//! Makes what spares each run parsing warren's own JS, at build time: a V8 startup snapshot
//! whose context has run `js/bootstrap.js`, and a V8 code cache for each internal JS file
//! (`js/*.js`, loaded on first use). The runtime (`src/runtime/snapshot.rs`) creates each
//! isolate from the snapshot and compiles an internal file from its cache.
//!
//! The snapshot holds only the bootstrap: everything in it is deserialized into every
//! isolate, Wasm-only ones included (the internal files in it made each isolate 0.3 MiB
//! bigger and 0.25 ms slower to create), while a code cache costs nothing until its file
//! is used. It holds no Rust function either: the bootstrap gets an empty `core` object,
//! which the runtime fills with its functions when JS first runs. So V8 needs no table of
//! external references, and this script needs nothing of warren but its JS and its flags.

#[path = "src/base_flags.rs"]
#[allow(dead_code)]
mod base_flags;
#[path = "src/runtime/js_sources.rs"]
#[allow(dead_code)]
mod js_sources;

use std::path::PathBuf;

/// Where the runtime finds what it needs in the snapshot's context data, in the order
/// `add_context_data` numbers it (`src/runtime/snapshot.rs` reads the same numbers).
const CORE_INDEX: usize = 0;
const INTERNALS_INDEX: usize = 1;

/// Compiles and runs a classic script in the `TryCatch` scope `$tc`, as the runtime's
/// `compile_and_run` does (same origin), or stops the build with the exception.
macro_rules! run {
    ($tc:expr, $name:expr, $source:expr) => {{
        let name: &str = $name;
        let src = v8::String::new($tc, $source).unwrap();
        let origin = origin($tc, name);
        match v8::Script::compile($tc, src, Some(&origin)).and_then(|s| s.run($tc)) {
            Some(v) => v,
            None => fail!($tc, name),
        }
    }};
}

/// The origin the runtime gives a classic script (`v8_util::script_origin`): V8 checks a
/// code cache against it.
fn origin<'s>(scope: &v8::PinScope<'s, '_>, name: &str) -> v8::ScriptOrigin<'s> {
    let name = v8::String::new(scope, name).unwrap();
    v8::ScriptOrigin::new(
        scope,
        name.into(),
        0,
        0,
        false,
        0,
        None,
        false,
        false,
        false,
        None,
    )
}

/// Stops the build with the exception `$tc` caught.
macro_rules! fail {
    ($tc:expr, $name:expr) => {{
        let msg = $tc
            .exception()
            .map(|e| e.to_rust_string_lossy($tc))
            .unwrap_or_else(|| "no exception".into());
        panic!(
            "{} failed while the startup snapshot was made: {msg}",
            $name
        )
    }};
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=src/base_flags.rs");
    println!("cargo:rerun-if-changed=src/runtime/js_sources.rs");
    println!("cargo:rerun-if-changed=js");

    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let blob = make_snapshot();
    std::fs::write(out.join("snapshot.bin"), &blob).expect("writing the startup snapshot");
    let mut table = String::from(
        "/// V8 code caches of the internal JS files, by name (made by build.rs).\n\
         pub(crate) static CODE_CACHES: &[(&str, &[u8])] = &[\n",
    );
    for (name, cache) in code_caches(blob) {
        let file = out.join(format!("{name}.code-cache"));
        std::fs::write(&file, cache).expect("writing a code cache");
        table += &format!(
            "    ({name:?}, include_bytes!({:?})),\n",
            file.display().to_string()
        );
    }
    table += "];\n";
    std::fs::write(out.join("code_caches.rs"), table).expect("writing the code cache table");
}

/// Each internal file compiled eagerly (every function, as the first use of `inspect.js`
/// would compile most of them) in an isolate from `blob`, and V8's code cache of it. The runtime
/// compiles the same source under the same origin; V8 checks the cache's version, flags
/// and source hash, and compiles from source if any differs.
fn code_caches(blob: Vec<u8>) -> Vec<(&'static str, Vec<u8>)> {
    // From the snapshot the runtime uses: V8 checks a cache against the isolate's read-only
    // snapshot, and refuses one made in an isolate from V8's built-in snapshot.
    let params = v8::CreateParams::default().snapshot_blob(v8::StartupData::from(blob));
    let mut isolate = v8::Isolate::new(params);
    v8::scope!(let scope, &mut isolate);
    let context = v8::Context::new(scope, Default::default());
    let scope = &mut v8::ContextScope::new(scope, context);
    v8::tc_scope!(let tc, scope);
    let mut out = Vec::new();
    for (name, source) in js_sources::INTERNAL_JS {
        let resource = format!("warren:{name}.js");
        let src = v8::String::new(tc, source).unwrap();
        let origin = origin(tc, &resource);
        let mut source = v8::script_compiler::Source::new(src, Some(&origin));
        let Some(script) = v8::script_compiler::compile_unbound_script(
            tc,
            &mut source,
            v8::script_compiler::CompileOptions::EagerCompile,
            v8::script_compiler::NoCacheReason::NoReason,
        ) else {
            fail!(tc, &resource);
        };
        let cache = script
            .create_code_cache()
            .unwrap_or_else(|| panic!("V8 made no code cache for {resource}"));
        out.push((*name, cache.to_vec()));
    }
    out
}

fn make_snapshot() -> Vec<u8> {
    v8::V8::set_flags_from_string(base_flags::BASE_FLAGS);
    let platform = v8::new_default_platform(0, false).make_shared();
    v8::V8::initialize_platform(platform);
    v8::V8::initialize();

    let mut creator = v8::Isolate::snapshot_creator(None, None);
    {
        v8::scope!(let scope, &mut creator);
        let context = v8::Context::new(scope, Default::default());
        let scope = &mut v8::ContextScope::new(scope, context);
        v8::tc_scope!(let tc, scope);

        let core = v8::Object::new(tc);
        let bootstrap = run!(tc, "warren:bootstrap.js", js_sources::BOOTSTRAP_JS);
        let bootstrap = v8::Local::<v8::Function>::try_from(bootstrap)
            .expect("bootstrap.js evaluates to a function");
        let global = context.global(tc);
        let recv = v8::undefined(tc).into();
        let internals = bootstrap
            .call(tc, recv, &[core.into(), global.into()])
            .unwrap_or_else(|| fail!(tc, "warren:bootstrap.js"));
        let internals = internals
            .to_object(tc)
            .expect("bootstrap.js returns the internals object");

        assert_eq!(tc.add_context_data(context, core), CORE_INDEX);
        assert_eq!(tc.add_context_data(context, internals), INTERNALS_INDEX);
        tc.set_default_context(context);
    }
    let blob = creator
        .create_blob(v8::FunctionCodeHandling::Clear)
        .expect("V8 makes the startup snapshot");
    blob.to_vec()
}
