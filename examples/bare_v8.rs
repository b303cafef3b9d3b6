//! The bare-V8 floor for `benches/cli.sh`: initialise V8, make an isolate and a context,
//! compile a Wasm module synchronously and call its `add` export. Nothing else — warren's
//! cold `run --invoke` is measured against this.
//!
//! Usage: `bare_v8 add.wasm 1 2` prints `3`.

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: bare_v8 FILE.wasm A B");
    let a: i32 = args.next().and_then(|s| s.parse().ok()).unwrap_or(1);
    let b: i32 = args.next().and_then(|s| s.parse().ok()).unwrap_or(2);
    let bytes = std::fs::read(&path).expect("read wasm");

    let platform = v8::new_default_platform(0, false).make_shared();
    v8::V8::initialize_platform(platform);
    v8::V8::initialize();
    let isolate = &mut v8::Isolate::new(v8::CreateParams::default());
    v8::scope!(let scope, isolate);
    let context = v8::Context::new(scope, Default::default());
    let scope = &mut v8::ContextScope::new(scope, context);

    let module = v8::WasmModuleObject::compile(scope, &bytes).expect("compile");
    let global = context.global(scope);
    let key = v8::String::new(scope, "WebAssembly").unwrap();
    let wa: v8::Local<v8::Object> = global.get(scope, key.into()).unwrap().try_into().unwrap();
    let key = v8::String::new(scope, "Instance").unwrap();
    let ctor: v8::Local<v8::Function> = wa.get(scope, key.into()).unwrap().try_into().unwrap();
    let instance = ctor
        .new_instance(scope, &[module.into()])
        .expect("instantiate");
    let key = v8::String::new(scope, "exports").unwrap();
    let exports: v8::Local<v8::Object> =
        instance.get(scope, key.into()).unwrap().try_into().unwrap();
    let key = v8::String::new(scope, "add").unwrap();
    let add: v8::Local<v8::Function> = exports.get(scope, key.into()).unwrap().try_into().unwrap();
    let args = [
        v8::Integer::new(scope, a).into(),
        v8::Integer::new(scope, b).into(),
    ];
    let recv = v8::undefined(scope).into();
    let r = add.call(scope, recv, &args).expect("call");
    println!("{}", r.int32_value(scope).unwrap_or(0));
}
