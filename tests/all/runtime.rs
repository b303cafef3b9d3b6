//! The library API: `Runtime` on test threads (the unprotected platform makes that work).

use std::sync::{Arc, Mutex};

use warren::{Error, Runtime, RuntimeOptions, Stream, TrapKind, Val};

fn captured() -> (RuntimeOptions, Arc<Mutex<String>>) {
    let buf = Arc::new(Mutex::new(String::new()));
    let b = buf.clone();
    let opts = RuntimeOptions {
        output: Some(Arc::new(move |_s: Stream, bytes: &[u8]| {
            b.lock().unwrap().push_str(&String::from_utf8_lossy(bytes));
            Ok(())
        })),
        ..Default::default()
    };
    (opts, buf)
}

#[test]
fn invoke_from_rust() {
    let mut rt = Runtime::new(Default::default()).unwrap();
    let bytes = warren::wat_to_wasm(None, include_bytes!("../../wasm/add.wat")).unwrap();
    let inst = rt.instantiate_wasm("add.wat", &bytes).unwrap();
    assert_eq!(
        rt.invoke(&inst, "add", &[Val::I32(2), Val::I32(3)])
            .unwrap(),
        vec![Val::I32(5)]
    );
    assert_eq!(
        rt.invoke(&inst, "add64", &[Val::I64(i64::MAX), Val::I64(1)])
            .unwrap(),
        vec![Val::I64(i64::MIN)]
    );
    assert_eq!(
        rt.invoke(&inst, "swap", &[Val::F32(0.5), Val::F64(-1.0)])
            .unwrap(),
        vec![Val::F64(-1.0), Val::F32(0.5)]
    );
    let err = rt
        .invoke(&inst, "add", &[Val::I64(1), Val::I32(1)])
        .unwrap_err();
    assert!(matches!(err, Error::Args(_)), "{err}");
}

#[test]
fn trap_kind_is_typed() {
    let mut rt = Runtime::new(Default::default()).unwrap();
    let bytes = warren::wat_to_wasm(None, include_bytes!("../../wasm/traps.wat")).unwrap();
    let inst = rt.instantiate_wasm("traps.wat", &bytes).unwrap();
    match rt.invoke(&inst, "div", &[Val::I32(1), Val::I32(0)]) {
        Err(Error::Trap(t)) => {
            assert_eq!(t.kind, TrapKind::IntegerDivideByZero);
            assert_eq!(t.export, "div");
            assert_eq!(t.frames[0].func_name.as_deref(), Some("div"));
        }
        other => panic!("expected a trap, got {other:?}"),
    }
    // The runtime keeps working after a trap.
    assert_eq!(
        rt.invoke(&inst, "div", &[Val::I32(9), Val::I32(3)])
            .unwrap(),
        vec![Val::I32(3)]
    );
}

#[test]
fn console_goes_to_the_sink() {
    let (opts, buf) = captured();
    let mut rt = Runtime::new(opts).unwrap();
    rt.execute_script("x.js", "console.log('hi', [1]); console.error('e')")
        .unwrap();
    assert_eq!(*buf.lock().unwrap(), "hi [ 1 ]\ne\n");
}

#[test]
fn execute_script_values_and_errors() {
    let mut rt = Runtime::new(Default::default()).unwrap();
    let v = rt.execute_script("a.js", "({ a: [1, 'x'] })").unwrap();
    assert_eq!(v, serde_json::json!({ "a": [1, "x"] }));
    match rt.execute_script("b.js", "throw new TypeError('bad')") {
        Err(Error::Js(e)) => assert!(e.message.contains("TypeError: bad"), "{}", e.message),
        other => panic!("{other:?}"),
    }
}

#[test]
fn event_loop_runs_timers_in_order() {
    let (opts, buf) = captured();
    let mut rt = Runtime::new(opts).unwrap();
    rt.execute_script(
        "t.js",
        "setTimeout(() => console.log(2), 2); setTimeout(() => console.log(1), 1); Promise.resolve().then(() => console.log(0));",
    )
    .unwrap();
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    tokio.block_on(rt.run_event_loop()).unwrap();
    assert_eq!(*buf.lock().unwrap(), "0\n1\n2\n");
}

#[test]
fn runtimes_on_many_threads() {
    let handles: Vec<_> = (0..4)
        .map(|i| {
            std::thread::spawn(move || {
                let mut rt = Runtime::new(Default::default()).unwrap();
                rt.execute_script("n.js", &format!("{i} * 2")).unwrap()
            })
        })
        .collect();
    for (i, h) in handles.into_iter().enumerate() {
        assert_eq!(h.join().unwrap(), serde_json::json!(i * 2));
    }
}

#[test]
fn heap_limit_is_enforced_without_aborting() {
    let mut rt = Runtime::new(RuntimeOptions {
        max_heap_bytes: Some(32 << 20),
        ..Default::default()
    })
    .unwrap();
    let err = rt
        .execute_script(
            "hog.js",
            "const a = []; while (true) a.push(new Array(1e5).fill(1));",
        )
        .unwrap_err();
    assert!(matches!(err, Error::Limit(_)), "{err}");
}

/// Installing warren's JS layer on the first JS call takes a few milliseconds of warren's
/// own work; a limit shorter than that must neither charge it to the caller nor leave the
/// runtime without its globals (it once left `setTimeout` undefined for good).
#[test]
fn a_first_call_limit_shorter_than_the_js_setup_leaves_the_runtime_whole() {
    // Limits from 0 to 4 ms in 50 us steps: some fire while the layer is being installed.
    for limit in (0..80).map(|i| std::time::Duration::from_micros(50 * i)) {
        let mut rt = Runtime::new(RuntimeOptions {
            time_limit: Some(limit),
            ..Default::default()
        })
        .unwrap();
        // The call itself may or may not fit in the limit; either way it is answered.
        match rt.execute_script("first.js", "1") {
            Ok(v) => assert_eq!(v, serde_json::json!(1)),
            Err(e) => assert!(matches!(e, Error::Limit(_)), "{e}"),
        }
        rt.set_time_limit(None);
        assert_eq!(
            rt.execute_script("globals.js", "[typeof setTimeout, typeof console.log]")
                .unwrap(),
            serde_json::json!(["function", "function"]),
            "limit {limit:?}"
        );
    }
}

#[test]
fn time_limit_stops_js_wasm_and_waiting_and_the_runtime_recovers() {
    let mut rt = Runtime::new(RuntimeOptions {
        time_limit: Some(std::time::Duration::from_millis(200)),
        ..Default::default()
    })
    .unwrap();
    let start = std::time::Instant::now();
    let err = rt.execute_script("spin.js", "for (;;) {}").unwrap_err();
    assert!(matches!(err, Error::Limit(_)), "{err}");
    assert!(err.to_string().contains("time limit exceeded"), "{err}");
    assert!(start.elapsed() < std::time::Duration::from_secs(5));
    // Still usable.
    assert_eq!(
        rt.execute_script("ok.js", "6 * 7").unwrap(),
        serde_json::json!(42)
    );

    let bytes =
        warren::wat_to_wasm(None, br#"(module (func (export "spin") (loop (br 0))))"#).unwrap();
    let inst = rt.instantiate_wasm("spin.wat", &bytes).unwrap();
    let err = rt.invoke(&inst, "spin", &[]).unwrap_err();
    assert!(matches!(err, Error::Limit(_)), "{err}");

    // Waiting on a timer past the limit is stopped too, without waiting the timer out.
    rt.execute_script("t.js", "setTimeout(() => {}, 60000)")
        .unwrap();
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let start = std::time::Instant::now();
    let err = tokio.block_on(rt.run_event_loop()).unwrap_err();
    assert!(matches!(err, Error::Limit(_)), "{err}");
    assert!(start.elapsed() < std::time::Duration::from_secs(5));
}

/// Several runtimes on one thread, used in any order and dropped in any order. rusty_v8
/// enters an isolate when it is created and checks that the entered one is used, so
/// without warren entering each isolate per call, using the older of two runtimes
/// panicked ("HandleScope and Context do not belong to the same Isolate"), and dropping
/// it before the newer one failed rusty_v8's reverse-order assertion. Found by
/// `fuzz/fuzz_targets/loader.rs`, which keeps two runtimes.
#[test]
fn runtimes_on_one_thread_in_any_order() {
    let add = include_bytes!("../../wasm/add.wat");
    let call = |rt: &mut Runtime, inst: &warren::Instance, a: i32| {
        rt.invoke(inst, "add", &[Val::I32(a), Val::I32(1)]).unwrap()
    };
    let mut a = Runtime::new(Default::default()).unwrap();
    let ia = a.instantiate_wasm("add.wat", add).unwrap();
    let mut b = Runtime::new(Default::default()).unwrap();
    let ib = b.instantiate_wasm("add.wat", add).unwrap();
    assert_eq!(call(&mut a, &ia, 1), vec![Val::I32(2)]);
    assert_eq!(call(&mut b, &ib, 2), vec![Val::I32(3)]);
    assert_eq!(a.execute_script("a.js", "40 + 2").unwrap(), 42);
    drop(a); // the older one first
    let mut c = Runtime::new(Default::default()).unwrap();
    let ic = c.instantiate_wasm("add.wat", add).unwrap();
    assert_eq!(call(&mut b, &ib, 3), vec![Val::I32(4)]);
    assert_eq!(call(&mut c, &ic, 4), vec![Val::I32(5)]);
    drop(b);
    assert_eq!(c.execute_script("c.js", "'ok'").unwrap(), "ok");
    drop(c);
    let mut d = Runtime::new(Default::default()).unwrap();
    assert_eq!(d.execute_script("d.js", "1").unwrap(), 1);
}

/// One allocation larger than what is left of the memory cap, made by V8 itself while
/// instantiating (an `array.new` in a global's initialiser), stops the runtime with
/// `Error::Limit`. It used to abort the process ("Fatal JavaScript out of memory"): the
/// near-heap-limit callback gave too little room for the object. Found by the loader fuzz
/// target (a wasm-smith table initialiser).
#[test]
fn giant_array_in_a_constant_expression_is_a_limit_not_an_abort() {
    let wat = r#"(module
      (type $a (array (mut i8)))
      (global $g (ref null $a) (array.new $a (i32.const 0) (i32.const 100000000)))
      (func (export "len") (result i32) (array.len (global.get $g))))"#;
    let mut rt = Runtime::new(RuntimeOptions {
        max_memory: Some(32 << 20),
        ..Default::default()
    })
    .unwrap();
    let result = rt
        .instantiate_wasm("giant.wat", wat.as_bytes())
        .and_then(|inst| rt.invoke(&inst, "len", &[]));
    assert!(matches!(result, Err(Error::Limit(_))), "{result:?}");
    drop(rt);
    let mut rt = Runtime::new(Default::default()).unwrap();
    assert_eq!(rt.execute_script("ok.js", "6 * 7").unwrap(), 42);
}

/// A limit error says which limit fired, as a type and in its text.
#[test]
fn limit_errors_name_their_kind() {
    use std::time::Duration;
    use warren::LimitKind;
    let kind = |e: Error| match e {
        Error::Limit(l) => (l.kind, l.to_string()),
        other => panic!("expected a limit, got {other:?}"),
    };
    let mut rt = Runtime::new(RuntimeOptions {
        time_limit: Some(Duration::from_millis(100)),
        ..Default::default()
    })
    .unwrap();
    let (k, text) = kind(rt.execute_script("spin.js", "for (;;) {}").unwrap_err());
    assert_eq!(k, LimitKind::Time, "{text}");
    assert!(
        text.contains("time limit exceeded") && text.contains("100ms"),
        "{text}"
    );

    let mut rt = Runtime::new(RuntimeOptions {
        cpu_limit: Some(Duration::from_millis(100)),
        ..Default::default()
    })
    .unwrap();
    let (k, text) = kind(rt.execute_script("spin.js", "for (;;) {}").unwrap_err());
    assert_eq!(k, LimitKind::Cpu, "{text}");
    assert!(text.contains("CPU time limit exceeded"), "{text}");

    let mut rt = Runtime::new(RuntimeOptions {
        max_memory: Some(24 << 20),
        ..Default::default()
    })
    .unwrap();
    let (k, text) = kind(
        rt.execute_script("hog.js", "const a = []; for (;;) a.push({ x: [1, 2, 3] });")
            .unwrap_err(),
    );
    assert_eq!(k, LimitKind::Memory, "{text}");
    assert!(text.contains("out of memory"), "{text}");
}

/// An embedder may drop a call's future before it ends (a `tokio::time::timeout`, a
/// `select!`). The runtime's limits must hold for the calls after it: the dropped call
/// once stayed counted as under way, so every later call ran as a nested one, with no
/// time limit at all.
#[test]
fn a_dropped_call_leaves_the_next_calls_limited() {
    use std::time::{Duration, Instant};
    let mut rt = Runtime::new(RuntimeOptions {
        time_limit: Some(Duration::from_millis(300)),
        ..Default::default()
    })
    .unwrap();
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let source = warren::modules::ModuleSource {
        kind: warren::modules::ModuleKind::JavaScript,
        code: br#"
export function wait() { return new Promise((resolve) => setTimeout(resolve, 5000)); }
export function spin(ms) { const end = Date.now() + ms; while (Date.now() < end) {} return "done"; }
export function quick() { return 42; }
"#
        .to_vec(),
        url: "file:///dropped.mjs".parse().unwrap(),
    };
    tokio.block_on(async {
        let m = rt.load_module(source).await.unwrap();
        let dropped =
            tokio::time::timeout(Duration::from_millis(50), rt.call_export(&m, "wait", &[])).await;
        assert!(dropped.is_err(), "the wait outlives the embedder's timeout");
        // Past the dropped call's deadline: its watchdog must not stop the next call.
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(
            rt.call_export(&m, "quick", &[]).await.unwrap(),
            warren::Value::from(serde_json::json!(42))
        );
        // A call that runs past the limit is stopped at it, not let run for 2 s.
        let start = Instant::now();
        let err = rt
            .call_export(&m, "spin", &[warren::Value::from(serde_json::json!(2000))])
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Limit(_)), "{err}");
        assert!(
            start.elapsed() < Duration::from_millis(1500),
            "{:?}",
            start.elapsed()
        );
    });
}
