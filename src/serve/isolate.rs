//! The thread of one isolate of a handler: it owns the `Runtime` (built as a plugin's is,
//! from the entry's grants and limits), takes requests from the handler's shared queue one
//! at a time (or has `flights.rs` serve up to `concurrency` at once), and after a fault or a broken limit retires the runtime and makes a new one
//! before it takes the next request. A broken time limit can also demote the thread to
//! idle priority for a while (`Demotion`). With a single handler the thread also serves
//! connections (`connection.rs`), whose tasks run while the isolate waits.

use std::cell::RefCell;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use tokio::sync::{Mutex, Notify, mpsc, oneshot};

use crate::error::Error;
use crate::host::Linker;
use crate::plugins::abi::{AbiFailure, Entry};
use crate::plugins::host::Router;
use crate::plugins::worker;
use crate::plugins::{Fault, LoadFailure, PluginKind, PluginOutput, PluginSpec};
use crate::runtime::Called;
use crate::serve::connection::Adopt;
use crate::serve::exchange::{
    Answer, HandlerRequest, HandlerResponse, Job, Piece, Refusal, Reply, ResponseBody,
};
use crate::serve::flights::{self, Over, Serving, Sinks};
use crate::serve::js_handler::{self, Start};
use crate::serve::log::{LogEvent, LogSink};
use crate::serve::metrics::{HandlerMetrics, LimitKind};
use crate::serve::request_body::{self, BodySlot};
use crate::serve::wasm_handler;
use crate::{Instance, Runtime};

/// What an isolate thread starts from.
pub(crate) struct Setup {
    pub spec: Arc<PluginSpec>,
    /// Its number in the plugins' wait-for graph (above every plugin isolate's).
    pub isolate: usize,
    pub label: String,
    pub linker: Linker,
    pub output: Option<PluginOutput>,
    pub router: Weak<Router>,
    pub jobs: Jobs,
    pub metrics: Arc<HandlerMetrics>,
    pub log: Option<LogSink>,
    /// Told when the first isolate is loaded, or why it was not (a thread that replaces a
    /// demoted one has none: it makes its isolate again for the next request).
    pub ready: Option<oneshot::Sender<Result<(), LoadFailure>>>,
    /// Connections this thread serves beside its isolate (with a single handler).
    pub connections: Option<mpsc::UnboundedReceiver<Adopt>>,
    /// Whether a broken time limit demotes the thread (only for threads that serve no
    /// connections: a demoted thread would slow them all).
    pub demotion: Option<Demotion>,
}

/// How an isolate whose request broke its `timeout` or `cpu_limit` is made to cost only
/// its own handler: its thread runs at idle priority (`SCHED_IDLE`: it gets a CPU only
/// when no thread at normal priority wants it, and a thread that wakes at normal priority
/// takes the CPU from it at once) until `lasts` has passed with no limit broken. A thread
/// cannot raise its own priority again without privilege, so the demoted thread then
/// hands its queue to a new thread, spawned from `respawn`'s threads at normal priority.
#[derive(Clone)]
pub(crate) struct Demotion {
    pub lasts: Duration,
    pub respawn: tokio::runtime::Handle,
}

/// Where an isolate thread takes its requests from: the handler's queue, its own when it
/// is the handler's only isolate.
pub(crate) enum Jobs {
    Own(mpsc::Receiver<Job>),
    Shared(Arc<Mutex<mpsc::Receiver<Job>>>),
}

impl Jobs {
    pub(crate) async fn next(&mut self) -> Option<Job> {
        match self {
            Jobs::Own(rx) => rx.recv().await,
            Jobs::Shared(rx) => rx.lock().await.recv().await,
        }
    }
}

/// The stack of an isolate thread, as a plugin thread's.
const STACK: usize = 4 << 20;

/// Chunks of a streamed body in flight between the isolate and the connection.
pub(crate) const STREAM_DEPTH: usize = 4;

pub(crate) fn spawn(setup: Setup) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name(format!("serve-{}", setup.label))
        .stack_size(STACK)
        .spawn(move || run(setup))
        .map(drop)
}

/// A loaded isolate: its runtime and the handler's code in it (dropped first: it holds
/// handles into the runtime).
struct Loaded {
    code: Code,
    rt: Runtime,
    /// Where the streamed bodies of requests in flight at once go (`flights.rs`).
    sinks: Sinks,
    /// The number of the next request in flight.
    next_flight: u32,
}

// One per isolate, never moved about: its size does not matter.
#[allow(clippy::large_enum_variant)]
enum Code {
    Js(js_handler::Glue),
    Wasm(Instance, Entry),
}

/// How serving one request ended, for the isolate.
pub(crate) enum Ended {
    Kept,
    Retire,
    /// Stopped at its `timeout` or `cpu_limit`: retired, and its thread demoted.
    Overran,
}

/// Why an isolate thread stopped taking requests.
enum Stopped {
    /// The queue closed: the server is gone.
    Closed,
    /// Its demotion has run its course: a thread at normal priority is to take over.
    Forgiven,
}

fn run(mut setup: Setup) {
    let tokio = match crate::io_runtime::local() {
        Ok(t) => t,
        Err(e) => {
            let failure = LoadFailure::Thread(e.to_string());
            match setup.ready.take() {
                Some(ready) => drop(ready.send(Err(failure))),
                None => fault(
                    &setup,
                    &format!("cannot start an isolate thread: {failure}"),
                ),
            }
            return;
        }
    };
    let lends = setup.connections.is_some();
    if let Some(mut connections) = setup.connections.take() {
        // The connections' tasks run whenever the isolate waits (between requests, or
        // while a handler awaits), on this thread.
        tokio.spawn(async move {
            while let Some(adopt) = connections.recv().await {
                adopt();
            }
        });
    }
    let mut demoted = false;
    loop {
        match tokio.block_on(take_jobs(&mut setup, &mut demoted, lends)) {
            Stopped::Closed => return,
            Stopped::Forgiven => {
                let Some(demotion) = setup.demotion.clone() else {
                    return;
                };
                // With no thread to hand over to, this one goes on, still demoted, and
                // tries again when another period has passed.
                if let Some(next) = successor(&demotion.respawn, &setup.label) {
                    setup.metrics.restored();
                    let _ = next.send(setup);
                    return;
                }
            }
        }
    }
}

/// A thread at normal priority, spawned from `respawn`'s, waiting for the setup it is to
/// run; `None` if it could not be spawned.
fn successor(
    respawn: &tokio::runtime::Handle,
    label: &str,
) -> Option<std::sync::mpsc::SyncSender<Setup>> {
    let (setup_tx, setup_rx) = std::sync::mpsc::sync_channel::<Setup>(1);
    let (spawned_tx, spawned_rx) = std::sync::mpsc::sync_channel(1);
    let name = format!("serve-{label}");
    respawn.spawn(async move {
        let spawned = std::thread::Builder::new()
            .name(name)
            .stack_size(STACK)
            .spawn(move || {
                if let Ok(setup) = setup_rx.recv() {
                    run(setup);
                }
            });
        let _ = spawned_tx.send(spawned.is_ok());
    });
    // The server's runtime gone (it is shutting down) drops the task, and the sender.
    matches!(spawned_rx.recv(), Ok(true)).then_some(setup_tx)
}

/// Takes the handler's requests, one at a time, until the queue closes or (for a demoted
/// thread) its demotion has lasted long enough. A thread that serves connections (`lends`)
/// lends its isolate to them while it waits ([`serve_here`]), and finishes what the
/// requests they served leave for it.
async fn take_jobs(setup: &mut Setup, demoted: &mut bool, lends: bool) -> Stopped {
    let mut loaded = match make(setup).await {
        Ok(l) => {
            if let Some(ready) = setup.ready.take()
                && ready.send(Ok(())).is_err()
            {
                return Stopped::Closed;
            }
            Some(l)
        }
        Err(e) => match setup.ready.take() {
            Some(ready) => {
                let _ = ready.send(Err(e));
                return Stopped::Closed;
            }
            None => {
                fault(setup, &format!("cannot make a new isolate: {e}"));
                None
            }
        },
    };
    // While demoted: when it may go back to normal priority.
    let mut forgiven_at = (*demoted)
        .then(|| setup.demotion.as_ref().map(|d| Instant::now() + d.lasts))
        .flatten();
    let wake = Arc::new(Notify::new());
    // Requests in flight at once (`flights.rs`).
    if setup.spec.concurrency > 1 && setup.spec.kind == PluginKind::Js {
        return fly(setup, demoted, lends, loaded, forgiven_at).await;
    }
    loop {
        if lends {
            lend(setup, loaded.take(), &wake);
        }
        let next = tokio::select! {
            job = setup.jobs.next() => Next::Job(job),
            () = wake.notified(), if lends => Next::Left,
            () = tokio::time::sleep_until(forgiven_at.unwrap_or_else(Instant::now).into()),
                if forgiven_at.is_some() => Next::Forgiven,
        };
        let mut left = None;
        if let Some(lent) = LENT.take() {
            loaded = lent.loaded;
            left = lent.left;
        }
        if let Some(left) = left {
            let ended = match (left, loaded.as_mut()) {
                (Left::Ended(ended), _) => ended,
                // Only an isolate with requests in flight at once leaves these.
                (Left::Flight(_), _) => Ended::Kept,
                (left, Some(l)) => {
                    setup.metrics.in_flight_moved(0, 1);
                    let ended = l
                        .finish(left, &setup.spec, &setup.metrics, setup.log.as_ref())
                        .await;
                    setup.metrics.in_flight_moved(1, 0);
                    ended
                }
                // Not lent without an isolate: nothing was started.
                (_, None) => Ended::Kept,
            };
            replace(setup, demoted, ended, &mut loaded, &mut forgiven_at).await;
        }
        let job = match next {
            Next::Job(Some(job)) => job,
            Next::Job(None) => return Stopped::Closed,
            Next::Left => continue,
            Next::Forgiven => return Stopped::Forgiven,
        };
        let job = if loaded.is_none() {
            match made_for(setup, &mut loaded, job).await {
                Some(job) => job,
                None => continue,
            }
        } else {
            job
        };
        let Some(l) = loaded.as_mut() else { continue };
        setup.metrics.in_flight_moved(0, 1);
        let ended = l
            .serve(job, &setup.spec, &setup.metrics, setup.log.as_ref())
            .await;
        setup.metrics.in_flight_moved(1, 0);
        replace(setup, demoted, ended, &mut loaded, &mut forgiven_at).await;
    }
}

/// [`take_jobs`] for an isolate with requests in flight at once (`flights.rs`). A thread
/// that serves connections (`lends`) lends its isolate to them whenever nothing is in
/// flight: a request that answers at once is answered on its connection's task, with no
/// queue between ([`serve_here`]); one that waits is left for [`flights::serve`], which
/// then takes the requests that come until nothing is in flight again.
async fn fly(
    setup: &mut Setup,
    demoted: &mut bool,
    lends: bool,
    mut loaded: Option<Loaded>,
    mut forgiven_at: Option<Instant>,
) -> Stopped {
    let wake = Arc::new(Notify::new());
    loop {
        let mut first = None;
        let mut started = None;
        if loaded.is_none() {
            let Some(job) = setup.jobs.next().await else {
                return Stopped::Closed;
            };
            first = made_for(setup, &mut loaded, job).await;
            if first.is_none() {
                continue;
            }
        } else if lends {
            if let Some(l) = loaded.as_mut() {
                flights::limits(&mut l.rt, &setup.spec);
            }
            lend(setup, loaded.take(), &wake);
            let next = tokio::select! {
                job = setup.jobs.next() => Next::Job(job),
                () = wake.notified() => Next::Left,
                () = tokio::time::sleep_until(forgiven_at.unwrap_or_else(Instant::now).into()),
                    if forgiven_at.is_some() => Next::Forgiven,
            };
            if let Some(lent) = LENT.take() {
                loaded = lent.loaded;
                match lent.left {
                    Some(Left::Flight(s)) => started = Some(s),
                    Some(Left::Ended(ended)) => {
                        replace(setup, demoted, ended, &mut loaded, &mut forgiven_at).await;
                    }
                    // Only a thread that serves one request at a time leaves these.
                    Some(Left::Promise { .. } | Left::Started { .. }) | None => {}
                }
            }
            match next {
                Next::Job(Some(job)) => first = Some(job),
                // The queue closed: what was started here is served first ([`flights::serve`]
                // finds the queue closed again).
                Next::Job(None) if started.is_none() => return Stopped::Closed,
                Next::Forgiven if started.is_none() => return Stopped::Forgiven,
                Next::Job(None) | Next::Forgiven | Next::Left => {}
            }
            if started.is_none() && first.is_none() {
                continue;
            }
        }
        if loaded.is_none()
            && let Some(job) = first.take()
        {
            // The isolate broke in a start made here and could not be made again.
            first = made_for(setup, &mut loaded, job).await;
        }
        let Some(l) = loaded.as_mut() else {
            continue;
        };
        let Code::Js(glue) = &l.code else {
            return Stopped::Closed;
        };
        let serving = Serving {
            rt: &mut l.rt,
            glue,
            sinks: &l.sinks,
            next: &mut l.next_flight,
            spec: &setup.spec,
            metrics: &setup.metrics,
            log: setup.log.as_ref(),
        };
        match flights::serve(serving, &mut setup.jobs, started, first, forgiven_at, lends).await {
            Over::Closed => return Stopped::Closed,
            Over::Until => return Stopped::Forgiven,
            Over::Idle => {}
            Over::Broke(ended) => {
                replace(setup, demoted, ended, &mut loaded, &mut forgiven_at).await;
            }
        }
    }
}

/// Lends `loaded` to the connections this thread serves while it waits ([`serve_here`]);
/// `wake` is told when a request served there leaves it work.
fn lend(setup: &Setup, loaded: Option<Loaded>, wake: &Arc<Notify>) {
    LENT.set(Some(Lent {
        loaded,
        spec: setup.spec.clone(),
        metrics: setup.metrics.clone(),
        log: setup.log.clone(),
        left: None,
        wake: wake.clone(),
    }));
}

/// Makes the isolate `job` finds missing: the job back to be served, or `None` when no
/// isolate could be made (the fault logged, and the job refused with 503).
async fn made_for(setup: &Setup, loaded: &mut Option<Loaded>, job: Job) -> Option<Job> {
    match make(setup).await {
        Ok(l) => {
            *loaded = Some(l);
            Some(job)
        }
        Err(e) => {
            fault(setup, &format!("cannot make a new isolate: {e}"));
            let _ = job.reply.send(Err(Refusal::Unavailable));
            None
        }
    }
}

/// What woke an isolate thread waiting for a request.
enum Next {
    /// A request from the queue, or `None`: the queue closed.
    Job(Option<Job>),
    /// A request served on a connection's task left work for the isolate.
    Left,
    /// The thread's demotion has run its course.
    Forgiven,
}

/// After a request that ended as `ended`: a broken isolate is dropped (and its thread
/// demoted, for a broken time limit) and a new one made now, off the next request's time.
async fn replace(
    setup: &mut Setup,
    demoted: &mut bool,
    ended: Ended,
    loaded: &mut Option<Loaded>,
    forgiven_at: &mut Option<Instant>,
) {
    if let Ended::Kept = ended {
        return;
    }
    *loaded = None;
    setup.metrics.restarted();
    if let (Ended::Overran, Some(d)) = (ended, setup.demotion.clone()) {
        if !*demoted {
            match idle_priority() {
                Ok(()) => {
                    *demoted = true;
                    setup.metrics.demoted();
                }
                Err(e) => {
                    // Said once: this thread does not try again.
                    fault(setup, &format!("cannot lower its thread's priority: {e}"));
                    setup.demotion = None;
                }
            }
        }
        if *demoted {
            *forgiven_at = Some(Instant::now() + d.lasts);
        }
    }
    match make(setup).await {
        Ok(l) => *loaded = Some(l),
        Err(e) => fault(setup, &format!("cannot make a new isolate: {e}")),
    }
}

thread_local! {
    /// The isolate of this thread while the thread waits for a request, lent to the
    /// connections it serves (with a single handler): [`serve_here`].
    static LENT: RefCell<Option<Lent>> = const { RefCell::new(None) };
}

/// An isolate lent by its thread (`take_jobs`) while the thread waits.
struct Lent {
    /// `None` when the thread has none now (it could not make one): nothing is served
    /// here until it has.
    loaded: Option<Loaded>,
    spec: Arc<PluginSpec>,
    metrics: Arc<HandlerMetrics>,
    log: Option<LogSink>,
    /// What a request served here left for the thread; until the thread has taken it,
    /// nothing more is served here.
    left: Option<Left>,
    /// Wakes the thread for `left`.
    wake: Arc<Notify>,
}

/// What a request served on its connection's task leaves for the isolate's thread.
enum Left {
    /// The handler gave a promise: wait for it, and answer.
    Promise {
        promise: v8::Global<v8::Promise>,
        reply: Reply,
        deadline: Instant,
    },
    /// A response whose body streams, or whose `ctx.waitUntil` has promises to wait for.
    Started {
        head: Start,
        reply: Reply,
        deadline: Instant,
    },
    /// The request broke the isolate (a limit, a fault): replace it.
    Ended(Ended),
    /// A request in flight beside others (`concurrency` over 1) that did not end in its
    /// start: [`flights::serve`] takes it on.
    Flight(flights::Started),
}

/// Serves `request` on this thread's own isolate of the handler whose metrics are
/// `handler`, when the thread has lent it (its connections are served here and it is
/// waiting for a request): the request reaches its isolate with no queue and no task
/// between. A handler that answers at once is answered in this call. `None` when this
/// thread has no free isolate of that handler: the request is to be queued.
pub(crate) fn serve_here(
    handler: &Arc<HandlerMetrics>,
    request: &mut HandlerRequest,
) -> Option<Answer> {
    LENT.with_borrow_mut(|lent| {
        let lent = lent
            .as_mut()
            .filter(|l| l.left.is_none() && Arc::ptr_eq(&l.metrics, handler))?;
        let loaded = lent.loaded.as_mut()?;
        let Code::Js(glue) = &loaded.code else {
            return None;
        };
        let spec = &*lent.spec;
        if spec.concurrency > 1 {
            let (id, body, called, deadline) =
                flights::call_start(&mut loaded.rt, glue, &mut loaded.next_flight, spec, request);
            let called = match called {
                Ok(Called::Done(head)) if !head.streamed && !head.waiting => {
                    loaded.rt.forget_request(id);
                    if let Some(b) = body {
                        js_handler::end_flight(glue, b);
                    }
                    return Some(Answer::Now(whole(head, spec, lent.log.as_ref())));
                }
                // Anything else (a promise, a stream, waitUntil, a failure) is the loop's.
                called => called,
            };
            let (reply, answer) = oneshot::channel();
            lent.left = Some(Left::Flight(flights::Started {
                id,
                body,
                called,
                reply,
                deadline,
            }));
            lent.wake.notify_one();
            return Some(Answer::Later(answer));
        }
        begin(&mut loaded.rt, spec);
        let called = js_handler::start_now(&mut loaded.rt, glue, request);
        match called {
            Ok(Called::Done(head)) if !head.streamed && !head.waiting => {
                over(&mut loaded.rt, &loaded.code);
                Some(Answer::Now(whole(head, spec, lent.log.as_ref())))
            }
            Err(e) => {
                over(&mut loaded.rt, &loaded.code);
                let failure = AbiFailure::Runtime(e);
                let (refusal, ended) = failed(failure, spec, &lent.metrics, lent.log.as_ref());
                if !matches!(ended, Ended::Kept) {
                    lent.left = Some(Left::Ended(ended));
                    lent.wake.notify_one();
                }
                Some(Answer::Now(Err(refusal)))
            }
            Ok(called) => {
                let deadline = loaded.deadline(spec);
                let (reply, answer) = oneshot::channel();
                lent.left = Some(match called {
                    Called::Done(head) => Left::Started {
                        head,
                        reply,
                        deadline,
                    },
                    Called::Promise(promise) => Left::Promise {
                        promise,
                        reply,
                        deadline,
                    },
                });
                lent.wake.notify_one();
                Some(Answer::Later(answer))
            }
        }
    })
}

async fn make(setup: &Setup) -> Result<Loaded, LoadFailure> {
    Loaded::new(
        &setup.spec,
        setup.isolate,
        &setup.label,
        &setup.linker,
        setup.output.as_ref(),
        &setup.router,
    )
    .await
}

fn fault(setup: &Setup, message: &str) {
    if let Some(log) = &setup.log {
        log(&LogEvent::Fault {
            handler: setup.spec.name.clone(),
            message: message.to_string(),
        });
    }
}

/// Moves the calling thread to idle priority (`SCHED_IDLE`), for good: see [`Demotion`].
fn idle_priority() -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        let param = libc::sched_param { sched_priority: 0 };
        // SAFETY: pid 0 is the calling thread; `param` is a valid `sched_param`, read
        // during the call only.
        let rc = unsafe { libc::sched_setscheduler(0, libc::SCHED_IDLE, &param) };
        if rc != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(())
    }
    #[cfg(not(target_os = "linux"))]
    {
        Err(std::io::Error::new(
            std::io::ErrorKind::Unsupported,
            "idle priority is Linux's SCHED_IDLE",
        ))
    }
}

impl Loaded {
    async fn new(
        spec: &Arc<PluginSpec>,
        isolate: usize,
        label: &str,
        linker: &Linker,
        output: Option<&PluginOutput>,
        router: &Weak<Router>,
    ) -> Result<Loaded, LoadFailure> {
        let members = [(0, spec.clone())];
        let body = BodySlot::default();
        let sinks = Sinks::default();
        let mut rt = match spec.kind {
            PluginKind::Js => {
                // The glue reads a streamed request body through `host:request`.
                let mut glue_spec = PluginSpec::clone(spec);
                glue_spec
                    .host_imports
                    .push(request_body::MODULE.to_string());
                let members = [(0, Arc::new(glue_spec))];
                let (mut linker, permissions) =
                    worker::plugin_linker(&members, isolate, linker, router)?;
                body.define(&mut linker)?;
                sinks.define(&mut linker)?;
                worker::runtime_for(&members, label, linker, permissions, output)?
            }
            PluginKind::Wasm => {
                worker::new_runtime(&members, isolate, label, linker, output, router)?
            }
        };
        let code = match spec.kind {
            PluginKind::Js => Code::Js(js_handler::load(&mut rt, spec, body).await?),
            PluginKind::Wasm => {
                let (instance, entries) = worker::instantiate_wasm(&mut rt, spec).await?;
                let entry = entries
                    .into_iter()
                    .find(|(n, _)| n == wasm_handler::EXPORT)
                    .map(|(_, e)| e);
                match entry {
                    Some(e @ Entry::Json) => Code::Wasm(instance, e),
                    _ => {
                        return Err(LoadFailure::Runtime(Error::Export(format!(
                            "a Wasm handler exports `{}` on the JSON ABI: alloc(len) -> ptr and {}(ptr, len) -> i64 (docs/serve.md)",
                            wasm_handler::EXPORT,
                            wasm_handler::EXPORT
                        ))));
                    }
                }
            }
        };
        rt.set_time_limit(Some(spec.limits.timeout));
        // The thread runs this runtime alone, call after call.
        rt.stay_entered();
        Ok(Loaded {
            rt,
            code,
            sinks,
            next_flight: 0,
        })
    }

    /// Serves one request: the head goes back on the job's reply, a streamed body
    /// through a channel the response reads.
    async fn serve(
        &mut self,
        job: Job,
        spec: &PluginSpec,
        metrics: &HandlerMetrics,
        log: Option<&LogSink>,
    ) -> Ended {
        let Job { request, mut reply } = job;
        begin(&mut self.rt, spec);
        let (head, deadline) = self.start(request, &mut reply, spec).await;
        let ended = self.answer(head, reply, deadline, spec, metrics, log).await;
        over(&mut self.rt, &self.code);
        ended
    }

    /// Before a later call of the request: what is `left` of its time (its CPU budget
    /// is what its calls so far have not spent).
    fn resume(&mut self, left: Duration) {
        self.rt.set_time_limit(Some(left));
    }

    /// When the request whose call has just started must be done: its time counts from
    /// that call (read then, not again here).
    fn deadline(&self, spec: &PluginSpec) -> Instant {
        self.rt.call_started().unwrap_or_else(Instant::now) + spec.limits.timeout
    }

    /// Answers a request whose handler has given `head` (or failed), by `deadline`.
    async fn answer(
        &mut self,
        head: Result<Start, AbiFailure>,
        reply: Reply,
        deadline: Instant,
        spec: &PluginSpec,
        metrics: &HandlerMetrics,
        log: Option<&LogSink>,
    ) -> Ended {
        let head = match head {
            Ok(h) => h,
            Err(failure) => {
                let (refusal, ended) = failed(failure, spec, metrics, log);
                let _ = reply.send(Err(refusal));
                return ended;
            }
        };
        if !head.streamed {
            let waiting = head.waiting;
            let _ = reply.send(whole(head, spec, log));
            if !waiting {
                return Ended::Kept;
            }
            return self.settle(deadline, spec, metrics, log).await;
        }
        let Start {
            status,
            headers,
            declared_length,
            ..
        } = head;
        let Code::Js(glue) = &self.code else {
            return Ended::Kept;
        };
        let glue = glue.clone();
        let (tx, rx) = mpsc::channel(STREAM_DEPTH);
        let mut open = reply
            .send(Ok(HandlerResponse {
                status,
                headers,
                body: ResponseBody::Stream(rx),
                declared_length,
            }))
            .is_ok();
        while open {
            // Dropping `tx` before its `End` cuts the body off.
            let Some(left) = remaining(deadline) else {
                metrics.limit_hit(LimitKind::Timeout);
                open = false;
                break;
            };
            self.resume(left);
            match js_handler::pull(&mut self.rt, &glue).await {
                Ok(Some(chunk)) => {
                    let sent =
                        tokio::time::timeout_at(deadline.into(), tx.send(Piece::Chunk(chunk)))
                            .await;
                    match sent {
                        Ok(Ok(())) => {}
                        // The client went away.
                        Ok(Err(_)) => open = false,
                        Err(_) => {
                            metrics.limit_hit(LimitKind::Timeout);
                            open = false;
                        }
                    }
                }
                Ok(None) => {
                    let sent = tokio::time::timeout_at(deadline.into(), tx.send(Piece::End)).await;
                    if sent.is_err() {
                        metrics.limit_hit(LimitKind::Timeout);
                    }
                    break;
                }
                Err(e) => {
                    let (_, ended) = failed(AbiFailure::Runtime(e), spec, metrics, log);
                    if !matches!(ended, Ended::Kept) {
                        return ended;
                    }
                    break;
                }
            }
        }
        drop(tx);
        if !open {
            // Nobody reads the rest: let the stream's source know.
            if let Some(left) = remaining(deadline) {
                self.resume(left);
                if let Err(e) = js_handler::cancel(&mut self.rt, &glue).await {
                    let (_, ended) = failed(AbiFailure::Runtime(e), spec, metrics, log);
                    return ended;
                }
            }
        }
        self.settle(deadline, spec, metrics, log).await
    }

    /// Finishes what a request served on its connection's task left ([`serve_here`]).
    async fn finish(
        &mut self,
        left: Left,
        spec: &PluginSpec,
        metrics: &HandlerMetrics,
        log: Option<&LogSink>,
    ) -> Ended {
        let (head, reply, deadline) = match left {
            Left::Ended(ended) => return ended,
            // Only an isolate with requests in flight at once leaves one.
            Left::Flight(_) => return Ended::Kept,
            Left::Started {
                head,
                reply,
                deadline,
            } => (Ok(head), reply, deadline),
            Left::Promise {
                promise,
                reply,
                deadline,
            } => {
                let Code::Js(glue) = &self.code else {
                    return Ended::Kept;
                };
                let glue = glue.clone();
                let mut reply = reply;
                let head = self
                    .await_head(&glue, &promise, &mut reply, deadline, spec)
                    .await;
                (head.map_err(AbiFailure::Runtime), reply, deadline)
            }
        };
        let ended = self.answer(head, reply, deadline, spec, metrics, log).await;
        over(&mut self.rt, &self.code);
        ended
    }

    /// Calls the handler with `request`: its response head (or failure), and the deadline
    /// of the request, counted from that first call.
    async fn start(
        &mut self,
        mut request: HandlerRequest,
        reply: &mut Reply,
        spec: &PluginSpec,
    ) -> (Result<Start, AbiFailure>, Instant) {
        let glue = match &self.code {
            Code::Js(glue) => glue.clone(),
            Code::Wasm(instance, entry) => {
                let head = wasm_handler::call(&mut self.rt, instance, entry, request).await;
                return (head, self.deadline(spec));
            }
        };
        let called = js_handler::start_now(&mut self.rt, &glue, &mut request);
        let deadline = self.deadline(spec);
        let head = match called {
            Ok(Called::Done(head)) => Ok(head),
            Ok(Called::Promise(promise)) => self
                .await_head(&glue, &promise, reply, deadline, spec)
                .await
                .map_err(AbiFailure::Runtime),
            Err(e) => Err(AbiFailure::Runtime(e)),
        };
        (head, deadline)
    }

    /// Waits by `deadline` for the promise of a response a JS handler gave; should the
    /// client go away first (its connection dropped the request's `reply`), the request's
    /// signal is aborted, and the handler waited for still.
    async fn await_head(
        &mut self,
        glue: &js_handler::Glue,
        promise: &v8::Global<v8::Promise>,
        reply: &mut Reply,
        deadline: Instant,
        spec: &PluginSpec,
    ) -> crate::Result<Start> {
        let mut gone = false;
        loop {
            let Some(left) = remaining(deadline) else {
                return Err(crate::runtime::time_limit_error(spec.limits.timeout));
            };
            self.resume(left);
            tokio::select! {
                biased;
                head = js_handler::finish_start(&mut self.rt, glue, promise) => return head,
                () = reply.closed(), if !gone => gone = true,
            }
            // The call above was dropped while it waited: its limits are given back, and
            // the next call is limited by what is left.
            if let Some(left) = remaining(deadline) {
                self.resume(left);
                js_handler::abort(&mut self.rt, glue)?;
            }
        }
    }

    /// Waits for what the request gave `ctx.waitUntil`, within what is left of its time.
    async fn settle(
        &mut self,
        deadline: Instant,
        spec: &PluginSpec,
        metrics: &HandlerMetrics,
        log: Option<&LogSink>,
    ) -> Ended {
        let Code::Js(glue) = &self.code else {
            return Ended::Kept;
        };
        let glue = glue.clone();
        let Some(left) = remaining(deadline) else {
            return Ended::Kept;
        };
        self.resume(left);
        match js_handler::settle(&mut self.rt, &glue).await {
            Ok(()) => Ended::Kept,
            Err(e) => failed(AbiFailure::Runtime(e), spec, metrics, log).1,
        }
    }
}

/// What a failure means for the client and for the isolate; it is logged and counted.
pub(crate) fn failed(
    failure: AbiFailure,
    spec: &PluginSpec,
    metrics: &HandlerMetrics,
    log: Option<&LogSink>,
) -> (Refusal, Ended) {
    let fault = match failure {
        AbiFailure::Runtime(e) => match worker::classify(e, &spec.limits) {
            Ok(f) => f,
            Err(why) => Fault::Abi(why),
        },
        AbiFailure::Input(why) | AbiFailure::Broken(why) => Fault::Abi(why),
        AbiFailure::Returned(why) => Fault::Returned(why),
    };
    let (refusal, ended) = match &fault {
        Fault::TimeLimit(_) => {
            metrics.limit_hit(LimitKind::Timeout);
            (Refusal::TimedOut, Ended::Overran)
        }
        Fault::CpuLimit(_) => {
            metrics.limit_hit(LimitKind::Cpu);
            (Refusal::OverLimit, Ended::Overran)
        }
        Fault::OutOfMemory(_) => {
            metrics.limit_hit(LimitKind::Memory);
            (Refusal::OverLimit, Ended::Retire)
        }
        // The handler's own errors (a stream it errored, a promise nothing settles,
        // a response with no HTTP form): its isolate is sound.
        Fault::Exception(_) | Fault::Stalled(_) | Fault::BadResult(_) | Fault::Returned(_) => {
            (Refusal::Failed, Ended::Kept)
        }
        _ => (Refusal::Failed, Ended::Retire),
    };
    if let Some(log) = log {
        let retired = if !matches!(ended, Ended::Kept) {
            "; its isolate is replaced"
        } else {
            ""
        };
        log(&LogEvent::Fault {
            handler: spec.name.clone(),
            message: format!("{fault}{retired}"),
        });
    }
    (refusal, ended)
}

/// The answer to a request whose response is not a stream: the handler's failure is
/// logged, and the client told no more than that it failed.
pub(crate) fn whole(
    head: Start,
    spec: &PluginSpec,
    log: Option<&LogSink>,
) -> Result<HandlerResponse, Refusal> {
    if let Some(message) = head.failed {
        if let Some(log) = log {
            log(&LogEvent::Fault {
                handler: spec.name.clone(),
                message,
            });
        }
        return Err(Refusal::Failed);
    }
    Ok(HandlerResponse {
        status: head.status,
        headers: head.headers,
        body: ResponseBody::Full(head.body),
        declared_length: head.declared_length,
    })
}

/// A request begins on `rt`: its time limit runs from its first call, and its calls share
/// one `cpu_limit` from now.
fn begin(rt: &mut Runtime, spec: &PluginSpec) {
    rt.set_time_limit(Some(spec.limits.timeout));
    rt.share_cpu_budget(true);
}

/// The request `rt` served is over: a body it streamed is let go, and the next calls have
/// their CPU budget whole.
fn over(rt: &mut Runtime, code: &Code) {
    if let Code::Js(glue) = code {
        js_handler::end(glue);
    }
    rt.share_cpu_budget(false);
}

/// The time left before `deadline`, if any.
fn remaining(deadline: Instant) -> Option<Duration> {
    deadline
        .checked_duration_since(Instant::now())
        .filter(|d| !d.is_zero())
}
