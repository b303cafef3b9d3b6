//! `warren serve FILE|MANIFEST`: serves HTTP with one handler (a JS or Wasm file) or with
//! the handlers of a manifest (its entries with `routes`), until SIGTERM or SIGINT; then
//! it finishes the requests in flight and exits 0. Access logs and handler faults go to
//! stderr, as Common Log Format lines or (`--json`) one JSON object per line.

use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use warren::plugins::{Manifest, PluginSpec};
use warren::serve::{LogEvent, LogSink, ServeError, ServeOptions, Server};

use super::plugin_input;

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// A handler (.js/.mjs with `export default { fetch }`, or .wasm/.wat exporting `fetch`
    /// on the JSON ABI) answering every request, or a manifest (.toml/.json) whose entries
    /// with `routes` are the handlers.
    file: PathBuf,
    /// The port to listen on (0 picks a free one).
    #[arg(long, short, default_value_t = 8000)]
    port: u16,
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    addr: IpAddr,
    /// Set SO_REUSEPORT, so several warren processes can share the port.
    #[arg(long)]
    reuse_port: bool,
    /// The largest request body accepted (larger: 413).
    #[arg(long, value_name = "SIZE", default_value = "16MiB", value_parser = parse_size)]
    max_body: u64,
    /// Serve /_warren/health and /_warren/metrics (Prometheus text).
    #[arg(long)]
    observability: bool,
    /// Log JSON lines instead of Common Log Format.
    #[arg(long)]
    json: bool,
    /// Log no access lines (faults are still logged).
    #[arg(long)]
    no_access_log: bool,
    /// Threads for connections (the handlers' isolates have threads of their own);
    /// the number of CPUs by default.
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// With several handlers: how long an isolate whose request broke its timeout or
    /// cpu_limit runs at idle priority, from its last broken limit (0: never).
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_period)]
    demote_for: Duration,
    /// How long a connection may take to send its next request's head, idle time between
    /// keep-alive requests included, before it is closed (0: never).
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_period)]
    head_timeout: Duration,
    /// For a single handler: its isolates (a manifest says `instances`).
    #[arg(long, value_name = "N")]
    instances: Option<usize>,
    /// For a single handler: requests that may wait before 503 (a manifest: `max_queue`).
    #[arg(long, value_name = "N")]
    max_queue: Option<usize>,
    /// For a single JS handler: requests each isolate serves at once (`concurrency`;
    /// 64 by default, 1 for one at a time).
    #[arg(long, value_name = "N")]
    concurrency: Option<usize>,
    /// For a single JS handler: the hosts its `fetch` may reach, comma-separated (a
    /// manifest: `allowed_hosts`); every host with no list.
    #[arg(long, value_name = "HOSTS", num_args = 0.., value_delimiter = ',', require_equals = true)]
    allow_net: Option<Vec<String>>,
    /// For a single handler: the longest a request may take (a manifest: `limits.timeout`).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    timeout: Option<Duration>,
    /// For a single handler: the CPU time one request may use (`limits.cpu_limit`).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    cpu_limit: Option<Duration>,
    /// For a single handler: the memory of each isolate (`limits.memory`).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    max_memory: Option<u64>,
    #[command(flatten)]
    engine: super::engine_args::EngineArgs,
}

pub fn serve(args: ServeArgs) -> i32 {
    // Before anything makes an isolate: V8 reads its flags once, when it starts.
    args.engine.start(None, None);
    let manifest = match load(&args) {
        Ok(m) => m,
        Err(code) => return code,
    };
    let mut tokio = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = args.threads {
        tokio.worker_threads(n.max(1));
    }
    let tokio = match tokio.enable_all().build() {
        Ok(t) => t,
        Err(e) => {
            errln!("error: cannot start tokio: {e}");
            return 1;
        }
    };
    let json = args.json;
    let log: LogSink = Arc::new(move |event: &LogEvent| {
        let line = if json {
            event.to_json().to_string()
        } else {
            event.to_text()
        };
        let _ = writeln!(std::io::stderr().lock(), "{line}");
    });
    let options = ServeOptions {
        addr: SocketAddr::new(args.addr, args.port),
        reuse_port: args.reuse_port,
        max_body: args.max_body,
        observability: args.observability,
        log: Some(log),
        access_log: !args.no_access_log,
        host: plugin_input::host_options(None),
        // Zero turns demotion off (`Server::start` reads it so).
        demote_for: Some(args.demote_for),
        head_timeout: Some(args.head_timeout),
    };
    tokio.block_on(async move {
        let server = match Server::start(manifest, options).await {
            Ok(s) => s,
            Err(e) => return report(&e),
        };
        let addr = server.local_addr();
        if json {
            errln!(
                "{}",
                serde_json::json!({"type": "listening", "addr": addr.to_string(), "url": format!("http://{addr}/")})
            );
        } else {
            errln!("listening on http://{addr}/");
        }
        match server.run(stop_signal()).await {
            Ok(()) => 0,
            Err(e) => report(&e),
        }
    })
}

/// The handlers: the file as the one handler, or the manifest's.
fn load(args: &ServeArgs) -> Result<Manifest, i32> {
    let ext = args.file.extension().and_then(|e| e.to_str());
    if matches!(ext, Some("toml" | "json")) {
        let manifest =
            warren::plugins::check_manifest(&args.file, &plugin_input::host_options(None))
                .map_err(|e| report(&ServeError::Manifest(e)))?;
        let single = [
            ("--instances", args.instances.is_some()),
            ("--max-queue", args.max_queue.is_some()),
            ("--concurrency", args.concurrency.is_some()),
            ("--allow-net", args.allow_net.is_some()),
            ("--timeout", args.timeout.is_some()),
            ("--cpu-limit", args.cpu_limit.is_some()),
            ("--max-memory", args.max_memory.is_some()),
        ];
        if let Some((flag, _)) = single.iter().find(|(_, set)| *set) {
            errln!(
                "error: {flag} is for a single handler; a manifest sets it per entry (docs/serve.md)"
            );
            return Err(2);
        }
        return Ok(manifest);
    }
    let mut spec = PluginSpec::handler(&args.file).map_err(|e| report(&ServeError::Manifest(e)))?;
    if let Some(n) = args.instances {
        spec.instances = n.max(1);
    }
    if let Some(n) = args.max_queue {
        spec.max_queue = n.max(1);
    }
    if let Some(n) = args.concurrency {
        if spec.kind != warren::plugins::PluginKind::Js {
            errln!(
                "error: --concurrency applies to JS handlers: a Wasm handler's call runs to its end, one at a time"
            );
            return Err(2);
        }
        spec.concurrency = n.max(1);
    }
    if let Some(hosts) = &args.allow_net {
        if spec.kind != warren::plugins::PluginKind::Js {
            errln!("error: --allow-net applies to JS handlers (their fetch)");
            return Err(2);
        }
        spec.allowed_hosts = Some(if hosts.is_empty() {
            vec!["*".into()]
        } else {
            hosts.clone()
        });
    }
    if let Some(t) = args.timeout {
        spec.limits.timeout = t;
    }
    spec.limits.cpu_limit = args.cpu_limit;
    if let Some(m) = args.max_memory {
        spec.limits.memory = m;
    }
    let dir = spec
        .source
        .parent()
        .map(std::path::Path::to_path_buf)
        .unwrap_or_default();
    Ok(Manifest {
        path: args.file.clone(),
        dir,
        plugins: vec![spec],
    })
}

/// SIGTERM or SIGINT.
async fn stop_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        // Without signal handlers, run until killed.
        return std::future::pending().await;
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
}

fn report(e: &ServeError) -> i32 {
    match e {
        ServeError::Manifest(errors) => {
            for p in &errors.0 {
                errln!("{}: error: {}", p.location, p.message);
            }
        }
        ServeError::Plugins(p) => return plugin_input_report(p),
        ServeError::Load(l) => errln!(
            "{}: error: handler \"{}\" does not load: {}",
            l.location,
            l.plugin,
            l.error
        ),
        e => errln!("error: {e}"),
    }
    if e.is_load_error() { 2 } else { 1 }
}

fn plugin_input_report(e: &warren::plugins::PluginError) -> i32 {
    super::plugins::report(e)
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    match humantime::parse_duration(s) {
        Ok(d) if !d.is_zero() => Ok(d),
        Ok(_) => Err("the duration must be more than zero".into()),
        Err(e) => Err(format!("{e} (write a duration such as 200ms or 2s)")),
    }
}

/// A duration that may be zero.
fn parse_period(s: &str) -> Result<Duration, String> {
    humantime::parse_duration(s).map_err(|e| format!("{e} (write a duration such as 30s, or 0)"))
}

fn parse_size(s: &str) -> Result<u64, String> {
    s.parse::<bytesize::ByteSize>()
        .map(|b| b.as_u64())
        .map_err(|e| format!("{e} (write a size such as 1MiB)"))
}
