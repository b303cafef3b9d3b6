//! One accepted connection, served with hyper on whichever thread adopts it: a
//! connection thread, or (with a single handler) the thread of one of the handler's
//! isolates, so its requests reach the isolate with no thread crossing.

use std::net::SocketAddr;
use std::sync::Arc;

use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::Watcher;

use crate::serve::head_timeout::{self, HeadClock};
use crate::serve::http;

/// A connection waiting for a thread: called on that thread, inside its tokio runtime, it
/// registers the socket with that runtime and spawns the connection's task there.
pub(crate) type Adopt = Box<dyn FnOnce() + Send>;

/// The connection `stream` from `remote`, ready to be adopted; `watcher` lets a graceful
/// shutdown wait for it.
pub(crate) fn adopt(
    stream: std::net::TcpStream,
    remote: SocketAddr,
    shared: Arc<http::Shared>,
    watcher: Watcher,
) -> Adopt {
    Box::new(move || {
        let Ok(stream) = tokio::net::TcpStream::from_std(stream) else {
            return;
        };
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder
            .keep_alive(true)
            // One write() of head and body copied together costs the kernel less than a
            // writev() of the two (small responses are the common case).
            .writev(false);
        // The head timeout is kept by `head_timeout.rs`, not hyper: counted from when the
        // connection waits for a head, idle keep-alive time too.
        let limit = shared.head_timeout;
        let clock = HeadClock::new();
        let served = clock.clone();
        let conn = builder.serve_connection(
            TokioIo::new(stream),
            service_fn(move |req| http::serve(&shared, &served, remote, req)),
        );
        let conn = watcher.watch(conn);
        let conn = tokio::spawn(async move {
            let _ = conn.await;
        });
        if let Some(limit) = limit {
            tokio::spawn(head_timeout::watch(clock, limit, conn));
        }
    })
}
