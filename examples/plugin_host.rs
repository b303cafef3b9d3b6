//! Embedding the plugin host: load `examples/plugins/warren.toml` (a JS plugin with an npm
//! library, a Wasm plugin on the JSON ABI, a JS plugin calling the Wasm one), call
//! plugins with typed values from several tokio tasks at once, run a pipeline, and see a
//! fault come back named by plugin and export while everything else carries on.
//!
//! ```sh
//! cargo run --example plugin_host
//! cargo run --release --example plugin_host -- bench [CALLS]   # benches/plugins.sh
//! cargo run --release --example plugin_host -- extism [CALLS]  # benches/extism.sh
//! ```

use std::error::Error;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Deserialize;
use warren::plugins::PluginHost;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // PluginHost is Send + Sync: a multi-threaded runtime may call it from any thread.
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    match args.first().map(String::as_str) {
        Some("bench") => {
            let calls = args.get(1).map_or(Ok(20_000), |n| n.parse())?;
            tokio.block_on(bench(calls))
        }
        Some("extism") => {
            let calls = args.get(1).map_or(Ok(20_000), |n| n.parse())?;
            tokio.block_on(bench_extism(calls))
        }
        _ => tokio.block_on(demo()),
    }
}

#[derive(Deserialize)]
struct Stats {
    words: u64,
    minutes: u64,
}

async fn demo() -> Result<(), Box<dyn Error>> {
    // 1. Load. The manifest is checked whole (every problem at once, with its line and
    //    column); each plugin gets its own isolate, thread, grants and limits.
    let host = PluginHost::load(root().join("examples/plugins/warren.toml")).await?;
    for p in host.plugins() {
        println!(
            "loaded {} ({:?}): exports {}",
            p.name,
            p.kind,
            p.exports.join(", ")
        );
    }

    // 2. Typed calls: any serde type in, any serde type out.
    let words: u64 = host
        .call("wordcount", "count", "the quick brown fox")
        .await?;
    println!("wordcount.count -> {words}");
    // stats calls wordcount itself, through host:plugins.
    let stats: Stats = host
        .call("stats", "summarize", &"word ".repeat(450))
        .await?;
    println!(
        "stats.summarize -> {} words, {} minutes to read",
        stats.words, stats.minutes
    );

    // 3. Many tasks at once: calls to different plugins run in parallel.
    let tasks: Vec<_> = (0..4)
        .map(|i| {
            let host = host.clone();
            tokio::spawn(async move {
                host.call::<String, _>("markdown", "render", &format!("**task {i}**"))
                    .await
            })
        })
        .collect();
    for t in tasks {
        print!("markdown.render -> {}", t.await??);
    }

    // 4. A pipeline: every plugin exporting `publish`, in manifest order.
    let doc: serde_json::Value = host.emit("publish", "# Notes\n\nShort and sweet.").await?;
    println!("emit publish -> {doc}");

    // 5. A fault is an error naming the plugin and the export; the host carries on.
    match host.call::<u64, _>("wordcount", "count", &42).await {
        Ok(n) => println!("unexpected: {n}"),
        Err(e) => println!("error, as it should be: {e}"),
    }
    let again: u64 = host.call("wordcount", "count", "still here").await?;
    println!("wordcount.count -> {again}");
    Ok(())
}

// ---- bench: the figures benches/plugins.sh prints ----

/// The median of `runs` measurements of `f`, which returns one elapsed time.
async fn median<F, Fut>(runs: usize, mut f: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Duration>,
{
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        times.push(f().await);
    }
    times.sort();
    times[runs / 2]
}

/// Microseconds per call of `plugin.export(input)`, over `n` sequential calls.
async fn per_call(
    host: &PluginHost,
    plugin: &str,
    export: &str,
    input: serde_json::Value,
    n: usize,
) -> f64 {
    // Warm up: V8 compiles the paths taken.
    for _ in 0..n / 10 {
        host.call::<serde_json::Value, _>(plugin, export, &input)
            .await
            .unwrap();
    }
    let d = median(5, || async {
        let start = Instant::now();
        for _ in 0..n {
            host.call::<serde_json::Value, _>(plugin, export, &input)
                .await
                .unwrap();
        }
        start.elapsed()
    })
    .await;
    d.as_secs_f64() * 1e6 / n as f64
}

fn manifest_of_one(dir: &Path, source: &str) -> PathBuf {
    let path =
        std::env::temp_dir().join(format!("warren-bench-{}-{source}.toml", std::process::id()));
    std::fs::write(
        &path,
        format!(
            "[[plugins]]\nname = \"p\"\nsource = \"{}\"\n",
            dir.join(source).display()
        ),
    )
    .unwrap();
    path
}

async fn bench(calls: usize) -> Result<(), Box<dyn Error>> {
    let dir = root().join("benches/plugins");
    let host = PluginHost::load(dir.join("warren.toml")).await?;
    let input = serde_json::json!("a b c");
    println!(
        "call_js_echo_us {:.2}",
        per_call(&host, "js", "echo", input.clone(), calls).await
    );
    println!(
        "call_js_noop_us {:.2}",
        per_call(&host, "js", "noop", serde_json::Value::Null, calls).await
    );
    println!(
        "call_wasm_json_echo_us {:.2}",
        per_call(&host, "wasm", "echo", input, calls).await
    );
    println!(
        "call_wasm_add_us {:.2}",
        per_call(&host, "wasm", "add", serde_json::json!([1, 2]), calls).await
    );

    // Cold load: a host with one plugin, from the manifest to the first answer.
    for (kind, source, export, input) in [
        ("js", "echo.js", "echo", serde_json::json!(1)),
        ("wasm", "echo.wat", "add", serde_json::json!([1, 2])),
    ] {
        let manifest = manifest_of_one(&dir, source);
        let d = median(11, || async {
            let start = Instant::now();
            let host = PluginHost::load(&manifest).await.unwrap();
            host.call::<serde_json::Value, _>("p", export, &input)
                .await
                .unwrap();
            start.elapsed()
        })
        .await;
        let _ = std::fs::remove_file(&manifest);
        println!("cold_load_{kind}_ms {:.2}", d.as_secs_f64() * 1e3);
    }

    // Isolate creation, on a thread of its own as a plugin's is: a bare isolate with its
    // context, and one ready to serve a JS plugin (its module evaluated).
    let js = std::fs::read(dir.join("echo.js"))?;
    let url = url_of(&dir.join("echo.js"));
    let (bare, ready, direct_js, direct_wasm) = std::thread::spawn(move || {
        let tokio = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        tokio.block_on(async {
            let options = || warren::RuntimeOptions {
                max_memory: Some(128 << 20),
                time_limit: Some(Duration::from_secs(10)),
                ..Default::default()
            };
            // The first isolate of a process also starts V8's platform: not counted.
            drop(warren::Runtime::new(options()).unwrap());
            let bare = median(21, || async {
                let start = Instant::now();
                let rt = warren::Runtime::new(options()).unwrap();
                let d = start.elapsed();
                drop(rt);
                d
            })
            .await;
            let ready = median(21, || async {
                let start = Instant::now();
                let mut rt = warren::Runtime::new(options()).unwrap();
                let source = warren::modules::ModuleSource {
                    kind: warren::modules::ModuleKind::JavaScript,
                    code: js.clone(),
                    url: url.clone(),
                };
                rt.load_module(source).await.unwrap();
                let d = start.elapsed();
                drop(rt);
                d
            })
            .await;
            // The same calls made on the isolate's own thread, with no channel in between:
            // what of a call's cost is the runtime's.
            let mut rt = warren::Runtime::new(options()).unwrap();
            let module = rt
                .load_module(warren::modules::ModuleSource {
                    kind: warren::modules::ModuleKind::JavaScript,
                    code: js.clone(),
                    url: url.clone(),
                })
                .await
                .unwrap();
            let arg = [warren::Value::String("a b c".into())];
            let mut direct_js = Vec::new();
            for _ in 0..5 {
                let start = Instant::now();
                for _ in 0..calls {
                    rt.call_export(&module, "echo", &arg).await.unwrap();
                }
                direct_js.push(start.elapsed() / calls as u32);
            }
            let wasm = warren::WasmModule::new(
                "add.wat",
                br#"(module (func (export "add") (param i32 i32) (result i32)
                    local.get 0 local.get 1 i32.add))"#,
            )
            .unwrap();
            let add = rt.instantiate(&wasm).unwrap().func("add").unwrap();
            let args = [warren::Val::I32(1), warren::Val::I32(2)];
            let mut direct_wasm = Vec::new();
            for _ in 0..5 {
                let start = Instant::now();
                for _ in 0..calls {
                    rt.call_async(&add, &args).await.unwrap();
                }
                direct_wasm.push(start.elapsed() / calls as u32);
            }
            direct_js.sort();
            direct_wasm.sort();
            let (direct_js, direct_wasm) = (direct_js[2], direct_wasm[2]);
            (bare, ready, direct_js, direct_wasm)
        })
    })
    .join()
    .map_err(|_| "the isolate thread panicked")?;
    println!("isolate_ms {:.2}", bare.as_secs_f64() * 1e3);
    println!("isolate_ready_js_ms {:.2}", ready.as_secs_f64() * 1e3);
    println!("direct_js_call_us {:.2}", direct_js.as_secs_f64() * 1e6);
    println!("direct_wasm_call_us {:.2}", direct_wasm.as_secs_f64() * 1e6);
    Ok(())
}

/// Microseconds per call of an Extism plugin's `export` with `input` (bytes in and out).
async fn per_call_bytes(host: &PluginHost, export: &str, input: &[u8], n: usize) -> f64 {
    let input = warren::Value::Bytes(input.to_vec());
    for _ in 0..n / 10 {
        host.call::<warren::Value, _>("p", export, &input)
            .await
            .unwrap();
    }
    let d = median(5, || async {
        let start = Instant::now();
        for _ in 0..n {
            host.call::<warren::Value, _>("p", export, &input)
                .await
                .unwrap();
        }
        start.elapsed()
    })
    .await;
    d.as_secs_f64() * 1e6 / n as f64
}

/// The figures benches/extism.sh prints: Extism plugins in warren's plugin host.
async fn bench_extism(calls: usize) -> Result<(), Box<dyn Error>> {
    let dir = root().join("benches/plugins");
    let echo = PluginHost::load(manifest_of_one(&dir, "extism_echo.wat")).await?;
    let out: warren::Value = echo
        .call("p", "echo", &warren::Value::Bytes(b"\"a b c\"".to_vec()))
        .await?;
    assert_eq!(out, warren::Value::Bytes(b"\"a b c\"".to_vec()));
    println!(
        "call_extism_noop_us {:.2}",
        per_call_bytes(&echo, "noop", b"\"a b c\"", calls).await
    );
    println!(
        "call_extism_echo_us {:.2}",
        per_call_bytes(&echo, "echo", b"\"a b c\"", calls).await
    );
    let kernel = PluginHost::load(manifest_of_one(&dir, "extism_kernel.wat")).await?;
    let input: Vec<u8> = (0..64 * 1024).map(|i| (i & 0xff) as u8).collect();
    let copied: warren::Value = kernel
        .call("p", "copy", &warren::Value::Bytes(input.clone()))
        .await?;
    assert_eq!(copied, warren::Value::Bytes(input.clone()));
    let n = (calls / 10).max(10);
    println!(
        "call_extism_copy_us {:.2}",
        per_call_bytes(&kernel, "copy", &input, n).await
    );
    println!(
        "call_extism_copy64_us {:.2}",
        per_call_bytes(&kernel, "copy64", &input, n).await
    );
    Ok(())
}

fn url_of(path: &Path) -> url::Url {
    warren::modules::path_to_url(path).unwrap()
}
