//! Makes warren's V8 startup snapshot at build time: a context in which `js/bootstrap.js`
//! has run and every internal JS file (`js/*.js`) is compiled, so no run parses them. The
//! runtime (`src/runtime/snapshot.rs`) creates each isolate from it.
//!
//! The snapshot holds no Rust function: the bootstrap gets an empty `core` object, which
//! the runtime fills with its functions when JS first runs. So V8 needs no table of
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
        let resource = v8::String::new($tc, name).unwrap();
        let origin = v8::ScriptOrigin::new(
            $tc,
            resource.into(),
            0,
            0,
            false,
            0,
            None,
            false,
            false,
            false,
            None,
        );
        match v8::Script::compile($tc, src, Some(&origin)).and_then(|s| s.run($tc)) {
            Some(v) => v,
            None => fail!($tc, name),
        }
    }};
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

        // Every internal file, compiled (not run: what a run does not use stays
        // uninitialised), into `internals.compiled`.
        let key = v8::String::new(tc, "compiled").unwrap();
        let compiled = internals
            .get(tc, key.into())
            .and_then(|v| v.to_object(tc))
            .expect("internals.compiled");
        for (name, source) in js_sources::INTERNAL_JS {
            let f = run!(tc, &format!("warren:{name}.js"), source);
            let key = v8::String::new(tc, name).unwrap();
            compiled.set(tc, key.into(), f);
        }

        assert_eq!(tc.add_context_data(context, core), CORE_INDEX);
        assert_eq!(tc.add_context_data(context, internals), INTERNALS_INDEX);
        tc.set_default_context(context);
    }
    let blob = creator
        .create_blob(v8::FunctionCodeHandling::Keep)
        .expect("V8 makes the startup snapshot");
    blob.to_vec()
}
