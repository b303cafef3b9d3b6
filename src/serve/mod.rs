//! `warren serve`: an HTTP/1.1 server (tokio + hyper) whose requests are answered by
//! handlers — JS modules with `export default { fetch(request, env, ctx) }`, or Wasm
//! modules exporting `fetch` on the JSON ABI — each handler in isolates of its own, with
//! its own limits, so a handler that spins or runs out of memory costs only its own
//! requests (`docs/serve.md`).
//!
//! - `routing.rs`: routes (`HOST/PATH`) to handlers; `listener.rs`: the socket
//!   (`SO_REUSEPORT`); `connection.rs`: one connection, on the thread that adopts it;
//!   `http.rs`: one request end to end (body limit, queue, response).
//! - `pool.rs`: a handler's isolates and their bounded queue; `isolate.rs`: the thread of
//!   one isolate, which retires it after a fault; `exchange.rs`: what crosses between them;
//!   `request_body.rs`: a request body streamed into a JS handler as it reads it.
//! - `js_handler.rs` (with `js/serve_glue.mjs`) and `wasm_handler.rs`: calling a handler.
//! - `metrics.rs`: `/_warren/metrics`; `log.rs`: access log and fault events for a sink.
//!
//! ```no_run
//! # async fn demo() -> Result<(), warren::serve::ServeError> {
//! use warren::serve::{ServeOptions, Server};
//! let manifest = warren::plugins::check_manifest(
//!     "warren.toml".as_ref(),
//!     &Default::default(),
//! )?;
//! let server = Server::start(manifest, ServeOptions::default()).await?;
//! println!("listening on {}", server.local_addr());
//! server.run(async { let _ = tokio::signal::ctrl_c().await; }).await
//! # }
//! ```

mod connection;
mod exchange;
mod flights;
mod head_timeout;
mod http;
mod isolate;
mod js_handler;
mod listener;
pub mod log;
mod metrics;
mod pool;
mod request_body;
pub mod routing;
mod wasm_handler;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::server::graceful::GracefulShutdown;

pub use log::{AccessEntry, LogEvent, LogSink};
pub use routing::Route;

use crate::plugins::{HostOptions, LoadError, Manifest, ManifestErrors, PluginError, PluginHost};

/// The default limit of a request body: 16 MiB.
pub const DEFAULT_MAX_BODY: u64 = 16 << 20;

/// How to run a [`Server`].
#[derive(Clone)]
pub struct ServeOptions {
    /// Where to listen (`127.0.0.1:8000` by default; port 0 picks a free one).
    pub addr: SocketAddr,
    /// Sets `SO_REUSEPORT`, so several processes can listen on the same port.
    pub reuse_port: bool,
    /// The largest request body accepted; larger ones get 413.
    pub max_body: u64,
    /// Serves `/_warren/health` and `/_warren/metrics` (off by default).
    pub observability: bool,
    /// Where access-log and fault events go (nowhere by default).
    pub log: Option<LogSink>,
    /// Whether `log` gets an access event for every request (true by default); fault
    /// events always go to it. Without one, a request costs no clock reads for the log.
    pub access_log: bool,
    /// The host functions the manifest may grant, and where handlers' and plugins'
    /// console output goes.
    pub host: HostOptions,
    /// With several handlers: how long an isolate whose request broke its `timeout` or
    /// `cpu_limit` runs at idle priority, so that it takes CPU only from its own requests,
    /// counted from its last broken limit (30 s by default; `None` or zero: never).
    pub demote_for: Option<Duration>,
    /// How long a connection may take to send the head of its next request, the time it
    /// sits idle between keep-alive requests included; past it the connection is closed
    /// (30 s by default, as hyper's; `None`: never). A client that trickles its headers
    /// (slowloris), or keeps a connection open unused, holds it no longer.
    pub head_timeout: Option<Duration>,
}

/// The default of [`ServeOptions::demote_for`].
pub const DEFAULT_DEMOTE_FOR: Duration = Duration::from_secs(30);

/// The default of [`ServeOptions::head_timeout`].
pub const DEFAULT_HEAD_TIMEOUT: Duration = Duration::from_secs(30);

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            addr: SocketAddr::from(([127, 0, 0, 1], 8000)),
            reuse_port: false,
            max_body: DEFAULT_MAX_BODY,
            observability: false,
            log: None,
            access_log: true,
            host: HostOptions::default(),
            demote_for: Some(DEFAULT_DEMOTE_FOR),
            head_timeout: Some(DEFAULT_HEAD_TIMEOUT),
        }
    }
}

/// Why a server did not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("{0}")]
    Manifest(#[from] ManifestErrors),
    /// The manifest's plugins (entries without routes) did not load.
    #[error("{0}")]
    Plugins(#[from] PluginError),
    /// A handler did not load.
    #[error("{0}")]
    Load(Box<LoadError>),
    #[error("the manifest has no HTTP handler: give an entry `routes = [\"*/*\"]`")]
    NoHandlers,
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl ServeError {
    /// Whether the handlers or plugins could not be loaded (exit status 2), rather than
    /// the server failing to run.
    pub fn is_load_error(&self) -> bool {
        matches!(
            self,
            ServeError::Manifest(_)
                | ServeError::Plugins(_)
                | ServeError::Load(_)
                | ServeError::NoHandlers
        )
    }
}

/// A server with its handlers loaded and its socket bound; [`Server::run`] serves.
pub struct Server {
    listener: tokio::net::TcpListener,
    shared: Arc<http::Shared>,
    _plugins: PluginHost,
}

impl Server {
    /// Loads the manifest's plugins and handlers (its entries with `routes`), each
    /// handler's isolates loaded before this returns, and binds the socket.
    ///
    /// # Errors
    /// [`ServeError`]: a plugin or handler that does not load, no handler, or the address.
    pub async fn start(manifest: Manifest, options: ServeOptions) -> Result<Server, ServeError> {
        let handlers: Vec<Arc<crate::plugins::PluginSpec>> = manifest
            .plugins
            .iter()
            .filter(|p| p.is_handler())
            .cloned()
            .map(Arc::new)
            .collect();
        if handlers.is_empty() {
            return Err(ServeError::NoHandlers);
        }
        let plugins = PluginHost::start(manifest, options.host.clone()).await?;
        let cx = pool::PoolContext {
            linker: options.host.linker.clone(),
            output: options.host.output.clone(),
            router: plugins.router(),
            log: options.log.clone(),
            // One handler: its isolate threads serve the connections too (`run`).
            adopts: handlers.len() == 1,
            demotion: options
                .demote_for
                .filter(|d| !d.is_zero())
                .map(|lasts| isolate::Demotion {
                    lasts,
                    respawn: tokio::runtime::Handle::current(),
                }),
        };
        let mut routes = routing::Routes::default();
        let mut pools = Vec::new();
        let mut isolate = plugins.isolate_count();
        for (i, spec) in handlers.into_iter().enumerate() {
            routes.add(&spec.routes, i);
            let instances = spec.instances;
            let pool = pool::Pool::start(spec, isolate, &cx)
                .await
                .map_err(|e| ServeError::Load(Box::new(e)))?;
            isolate += instances;
            pools.push(pool);
        }
        let listener = listener::bind(options.addr, options.reuse_port).map_err(|source| {
            ServeError::Bind {
                addr: options.addr,
                source,
            }
        })?;
        let local = listener.local_addr()?;
        Ok(Server {
            listener,
            shared: Arc::new(http::Shared {
                routes,
                pools,
                max_body: options.max_body,
                observability: options.observability,
                log: options.log,
                access_log: options.access_log,
                head_timeout: options.head_timeout.filter(|t| !t.is_zero()),
                local,
            }),
            _plugins: plugins,
        })
    }

    /// The address it listens on (with the port picked, for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.shared.local
    }

    /// Serves connections until `shutdown` completes; then it stops accepting, lets the
    /// requests in flight finish (idle keep-alive connections are closed), and returns.
    /// It runs on a tokio runtime with IO and time enabled (`enable_all`): connections
    /// are tokio sockets, and their head timeouts tokio timers.
    ///
    /// # Errors
    /// None once serving; the type leaves room for accept failures that are not
    /// transient.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> Result<(), ServeError> {
        let graceful = GracefulShutdown::new();
        let mut shutdown = std::pin::pin!(shutdown);
        loop {
            tokio::select! {
                accepted = self.listener.accept() => {
                    let Ok((stream, remote)) = accepted else {
                        // Out of descriptors or a connection reset before accept: the
                        // listener itself is fine.
                        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                        continue;
                    };
                    let _ = stream.set_nodelay(true);
                    let Ok(stream) = stream.into_std() else { continue };
                    let adopt = connection::adopt(
                        stream,
                        remote,
                        self.shared.clone(),
                        graceful.watcher(),
                    );
                    // One handler: its isolates' threads serve the connections, so a
                    // request reaches an isolate with no thread crossing. Several: the
                    // connection threads do, and a request crosses to its handler's.
                    match &self.shared.pools[..] {
                        [pool] => pool.adopt(adopt),
                        _ => adopt(),
                    }
                }
                () = &mut shutdown => break,
            }
        }
        drop(self.listener);
        graceful.shutdown().await;
        Ok(())
    }
}
