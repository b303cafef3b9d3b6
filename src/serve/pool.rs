//! The isolates of one handler: `instances` threads, each with its own isolate, taking
//! requests from one bounded queue. A request finds the queue full (`max_queue` waiting)
//! and is refused at once rather than waiting behind them. The threads can also adopt
//! connections (spread over them in turn), whose requests then reach the queue from the
//! thread that serves them.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Weak};

use tokio::sync::{Mutex, mpsc, oneshot};

use crate::host::Linker;
use crate::plugins::host::Router;
use crate::plugins::{LoadError, LoadFailure, PluginKind, PluginOutput, PluginSpec};
use crate::serve::connection::Adopt;
use crate::serve::exchange::{Answer, HandlerRequest, Job};
use crate::serve::isolate;
use crate::serve::log::LogSink;
use crate::serve::metrics::HandlerMetrics;

/// What every pool is started with.
pub(crate) struct PoolContext {
    pub linker: Linker,
    pub output: Option<PluginOutput>,
    pub router: Weak<Router>,
    pub log: Option<LogSink>,
    /// Whether the isolate threads serve connections (with a single handler).
    pub adopts: bool,
    /// For threads that serve none: what a broken time limit does to their priority.
    pub demotion: Option<isolate::Demotion>,
}

pub(crate) struct Pool {
    pub name: String,
    jobs: mpsc::Sender<Job>,
    pub metrics: Arc<HandlerMetrics>,
    /// Whether a request body may stream into the handler as it reads it (a JS handler's:
    /// a Wasm handler takes its request whole).
    pub streams_bodies: bool,
    /// Its requests' `timeout`: a body read whole before the handler is called must have
    /// arrived within it.
    pub timeout: std::time::Duration,
    /// One per isolate thread, if they serve connections: the connections it is to serve.
    threads: Vec<mpsc::UnboundedSender<Adopt>>,
    next_thread: AtomicUsize,
}

/// Why a request was not queued.
pub(crate) enum NotQueued {
    /// `max_queue` requests are waiting already.
    Full,
    /// The handler's isolates are gone.
    Closed,
}

impl Pool {
    /// Starts the isolates of `spec`, numbered from `first_isolate` in the wait-for graph;
    /// returns once each has loaded the handler.
    ///
    /// # Errors
    /// The first isolate's load failure, naming the handler.
    pub async fn start(
        spec: Arc<PluginSpec>,
        first_isolate: usize,
        cx: &PoolContext,
    ) -> Result<Pool, LoadError> {
        let (tx, rx) = mpsc::channel(spec.max_queue.max(1));
        // A single isolate takes the jobs with no lock.
        let (mut own, shared) = if spec.instances == 1 {
            (Some(rx), None)
        } else {
            (None, Some(Arc::new(Mutex::new(rx))))
        };
        let metrics = Arc::new(HandlerMetrics::default());
        let fail = |error: LoadFailure| LoadError {
            plugin: spec.name.clone(),
            location: spec.source_location.clone(),
            error,
        };
        let mut ready = Vec::new();
        let mut threads = Vec::new();
        for i in 0..spec.instances {
            let jobs = match (&shared, own.take()) {
                (Some(shared), _) => isolate::Jobs::Shared(shared.clone()),
                (None, Some(rx)) => isolate::Jobs::Own(rx),
                (None, None) => {
                    return Err(fail(LoadFailure::Thread(
                        "a second isolate for a queue only one may take".into(),
                    )));
                }
            };
            let (ready_tx, ready_rx) = oneshot::channel();
            let connections = cx.adopts.then(|| {
                let (adopt_tx, adopt_rx) = mpsc::unbounded_channel();
                threads.push(adopt_tx);
                adopt_rx
            });
            let label = if spec.instances == 1 {
                spec.name.clone()
            } else {
                format!("{}#{}", spec.name, i + 1)
            };
            isolate::spawn(isolate::Setup {
                spec: spec.clone(),
                isolate: first_isolate + i,
                label,
                linker: cx.linker.clone(),
                output: cx.output.clone(),
                router: cx.router.clone(),
                jobs,
                metrics: metrics.clone(),
                log: cx.log.clone(),
                ready: Some(ready_tx),
                connections,
                demotion: if cx.adopts { None } else { cx.demotion.clone() },
            })
            .map_err(|e| fail(LoadFailure::Thread(e.to_string())))?;
            ready.push(ready_rx);
        }
        for r in ready {
            match r.await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => return Err(fail(e)),
                Err(_) => return Err(fail(LoadFailure::Thread("it stopped while loading".into()))),
            }
        }
        Ok(Pool {
            name: spec.name.clone(),
            jobs: tx,
            metrics,
            streams_bodies: spec.kind == PluginKind::Js,
            timeout: spec.limits.timeout,
            threads,
            next_thread: AtomicUsize::new(0),
        })
    }

    /// Has the next of the isolate threads serve a connection; the caller's thread
    /// serves it when that thread is gone.
    pub fn adopt(&self, connection: Adopt) {
        let i = self.next_thread.fetch_add(1, Ordering::Relaxed) % self.threads.len().max(1);
        let connection = match self.threads.get(i) {
            Some(thread) => match thread.send(connection) {
                Ok(()) => return,
                Err(mpsc::error::SendError(c)) => c,
            },
            None => connection,
        };
        connection();
    }

    /// How many requests wait for a free isolate.
    pub fn queued(&self) -> usize {
        self.jobs.max_capacity() - self.jobs.capacity()
    }

    /// Serves `request` on this thread's isolate of the handler when the thread has one
    /// free (it serves this connection and waits for a request), else queues it for the
    /// next free isolate.
    pub fn serve(&self, mut request: HandlerRequest) -> Result<Answer, NotQueued> {
        if let Some(answer) = isolate::serve_here(&self.metrics, &mut request) {
            return Ok(answer);
        }
        let (reply, answer) = oneshot::channel();
        match self.jobs.try_send(Job { request, reply }) {
            Ok(()) => Ok(Answer::Later(answer)),
            Err(mpsc::error::TrySendError::Full(_)) => Err(NotQueued::Full),
            Err(mpsc::error::TrySendError::Closed(_)) => Err(NotQueued::Closed),
        }
    }
}
