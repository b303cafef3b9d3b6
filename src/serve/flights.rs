//! Requests in flight at once in one isolate of a JS handler (`concurrency` over 1, as
//! Workers and `deno serve` run them): while one request awaits, the isolate starts the
//! next, up to `concurrency`. It owns the loop that takes those requests, turns the event
//! loop once for all of them and looks after each turn at which has its head or is over,
//! the per-request deadlines (a request past its `timeout` gets 504 and is dropped; the
//! isolate and the others go on), and the sinks a streamed response body is written to
//! from JS (`host:request` `write(id, chunk)`).

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::mpsc;

use crate::Runtime;
use crate::host::Linker;
use crate::plugins::PluginSpec;
use crate::plugins::abi::AbiFailure;
use crate::runtime::Called;
use crate::serve::exchange::{
    HandlerRequest, HandlerResponse, Job, Piece, Refusal, Reply, ResponseBody,
};
use crate::serve::isolate::{self, Ended, Jobs};
use crate::serve::js_handler::{self, Glue, Start};
use crate::serve::log::{LogEvent, LogSink};
use crate::serve::metrics::{HandlerMetrics, LimitKind};
use crate::serve::request_body;
use crate::value::Value;

/// Where the streamed response bodies of the requests in flight go, by request number:
/// the glue's `write(id, chunk)` sends a chunk (`null`: the end), and waits while the
/// connection has [`isolate::STREAM_DEPTH`] unsent. A sink closed before its end cuts the body off.
#[derive(Clone, Default)]
pub(crate) struct Sinks(Arc<Mutex<Vec<Sink>>>);

/// A request's number and where its body goes.
type Sink = (u32, mpsc::Sender<Piece>);

impl Sinks {
    fn open(&self) -> std::sync::MutexGuard<'_, Vec<Sink>> {
        // A panic while it was held left nothing half-done: entries are pushed whole.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Defines [`request_body::MODULE`]'s `write` on `linker`, over these sinks: `true`
    /// when the chunk was taken, `false` once nobody reads the body.
    pub fn define(&self, linker: &mut Linker) -> crate::Result<()> {
        let sinks = self.clone();
        linker.func_async(
            request_body::MODULE,
            "write",
            move |id: u32, chunk: Option<Vec<u8>>| {
                let tx = sinks
                    .open()
                    .iter()
                    .find(|(n, _)| *n == id)
                    .map(|(_, tx)| tx.clone());
                async move {
                    let Some(tx) = tx else {
                        return Ok::<bool, String>(false);
                    };
                    let piece = chunk.map_or(Piece::End, |c| Piece::Chunk(Bytes::from(c)));
                    Ok(tx.send(piece).await.is_ok())
                }
            },
        )?;
        Ok(())
    }

    /// A sink for the body of request `id`, and what the connection reads it from.
    fn add(&self, id: u32) -> mpsc::Receiver<Piece> {
        let (tx, rx) = mpsc::channel(isolate::STREAM_DEPTH);
        self.open().push((id, tx));
        rx
    }

    /// Closes the sink of request `id`: a body it did not end is cut off.
    fn close(&self, id: u32) {
        self.open().retain(|(n, _)| *n != id);
    }
}

/// What an isolate's handler, its limits and its bookkeeping are, for [`serve`].
pub(crate) struct Serving<'a> {
    pub rt: &'a mut Runtime,
    pub glue: &'a Glue,
    pub sinks: &'a Sinks,
    /// The number of the next request (kept by the isolate: numbers are not given twice
    /// while their requests may be in flight).
    pub next: &'a mut u32,
    pub spec: &'a PluginSpec,
    pub metrics: &'a HandlerMetrics,
    pub log: Option<&'a LogSink>,
}

/// Sets `rt` up for requests in flight at once: each turn has the whole of its time limit,
/// since the turns of the requests in flight interleave; `cpu_limit` is kept per request
/// in the isolate's CPU accounts (each request's calls, and the timers and async calls
/// they start, charged to it: `Runtime::account_cpu_per_request`).
pub(crate) fn limits(rt: &mut Runtime, spec: &PluginSpec) {
    rt.share_cpu_budget(false);
    rt.set_time_limit(Some(spec.limits.timeout));
    rt.account_cpu_per_request();
}

/// A request whose start has been called (on its connection's task, when the isolate had
/// nothing in flight) and that did not end there: [`serve`] takes it on.
pub(crate) struct Started {
    pub id: u32,
    /// The number of its streamed request body, if it has one.
    pub body: Option<u32>,
    pub called: crate::Result<Called<Start>>,
    pub reply: Reply,
    pub deadline: Instant,
}

/// Why [`serve`] returned.
pub(crate) enum Over {
    /// The queue closed and every request in flight is done.
    Closed,
    /// The isolate broke (a limit, a fault): every request in flight was refused, and
    /// the isolate is to be replaced.
    Broke(Ended),
    /// `until` passed with nothing in flight.
    Until,
    /// Nothing is in flight, and the isolate may be lent to the connections again.
    Idle,
}

/// A request in flight.
struct Flight {
    id: u32,
    /// The number of its streamed request body, if it has one.
    body: Option<u32>,
    /// Until its head is sent.
    reply: Option<Reply>,
    deadline: Instant,
    /// What it waits for: its head, or (after it) the rest of its body and its
    /// `ctx.waitUntil`.
    waiting: Waiting,
    /// Its client went away before its head: its signal is to be aborted (once).
    gone: bool,
    aborted: bool,
}

enum Waiting {
    Head(v8::Global<v8::Promise>),
    Rest(v8::Global<v8::Promise>),
    /// Its head came at once, and nothing is started after it yet.
    Nothing,
}

impl Flight {
    fn promise(&self) -> Option<&v8::Global<v8::Promise>> {
        match &self.waiting {
            Waiting::Head(p) | Waiting::Rest(p) => Some(p),
            Waiting::Nothing => None,
        }
    }
}

/// What woke [`serve`].
enum Event {
    Job(Option<Job>),
    /// A turn of the event loop settled something, a deadline passed, or a client left.
    Turned,
    Broke(crate::Error),
    Until,
}

/// Serves the handler's requests from `jobs` (`started` and `first` before them), up to
/// its `concurrency` at once, until the queue closes, the isolate breaks, `until` passes
/// with nothing in flight, or (when the isolate `lends` itself to its connections) nothing
/// is in flight.
pub(crate) async fn serve(
    s: Serving<'_>,
    jobs: &mut Jobs,
    started: Option<Started>,
    mut first: Option<Job>,
    until: Option<Instant>,
    lends: bool,
) -> Over {
    let spec = s.spec;
    let mut s = State {
        io: s,
        flights: Vec::new(),
        spare: Vec::new(),
        idle: false,
        counted: 0,
    };
    limits(s.io.rt, spec);
    if let Some(started) = started
        && let Some(ended) = s.begin(started)
    {
        s.refuse_all();
        return Over::Broke(ended);
    }
    // The timer is moved only when the instant it is for changes: a reset costs a trip
    // through tokio's timer wheel.
    let far = Instant::now() + Duration::from_secs(86_400);
    let mut timer = Box::pin(tokio::time::sleep_until(far.into()));
    let mut timer_at = far;
    let mut closed = false;
    // The next request: from the isolate's own queue directly; from a queue shared with
    // the handler's other isolates behind its lock, which the wait holds, so the wait is
    // given up after each wake-up and the others take their turns.
    let (mut own, shared) = match jobs {
        Jobs::Own(rx) => (Some(rx), None),
        Jobs::Shared(rx) => (None, Some(&*rx)),
    };
    loop {
        let event = match first.take() {
            Some(job) => Event::Job(Some(job)),
            None if lends && !closed && s.flights.is_empty() => return Over::Idle,
            None => {
                let taking = !closed && s.flights.len() < spec.concurrency;
                let mut next: Option<Pin<Box<dyn Future<Output = Option<Job>> + '_>>> = match shared
                {
                    Some(rx) if taking => {
                        Some(Box::pin(async move { rx.lock().await.recv().await }))
                    }
                    _ => None,
                };
                if closed && s.flights.is_empty() {
                    return Over::Closed;
                }
                let wake = s
                    .flights
                    .iter()
                    .map(|f| f.deadline)
                    .min()
                    .or(until.filter(|_| s.flights.is_empty()))
                    .unwrap_or(far);
                if wake != timer_at {
                    timer.as_mut().reset(wake.into());
                    timer_at = wake;
                }
                poll_fn(|cx| {
                    if let Some(n) = next.as_mut()
                        && let Poll::Ready(job) = n.as_mut().poll(cx)
                    {
                        return Poll::Ready(Event::Job(job));
                    }
                    if taking
                        && let Some(rx) = own.as_mut()
                        && let Poll::Ready(job) = rx.poll_recv(cx)
                    {
                        return Poll::Ready(Event::Job(job));
                    }
                    let mut woke = false;
                    for f in &mut s.flights {
                        if !f.gone
                            && let Some(reply) = &mut f.reply
                            && reply.poll_closed(cx).is_ready()
                        {
                            f.gone = true;
                            woke = true;
                        }
                    }
                    if !s.flights.is_empty() {
                        // Ready with nothing left to run: what the requests wait for may
                        // still come from a request not yet here, so they wait on (until
                        // their deadlines).
                        match s.io.rt.poll_turn(cx) {
                            Poll::Ready(Err(e)) => return Poll::Ready(Event::Broke(e)),
                            Poll::Ready(Ok(())) => s.idle = true,
                            Poll::Pending => s.idle = false,
                        }
                        woke |= s
                            .flights
                            .iter()
                            .filter_map(Flight::promise)
                            .any(|p| s.io.rt.is_settled(p));
                    }
                    if woke {
                        return Poll::Ready(Event::Turned);
                    }
                    if timer.as_mut().poll(cx).is_ready() {
                        return Poll::Ready(if s.flights.is_empty() {
                            Event::Until
                        } else {
                            Event::Turned
                        });
                    }
                    Poll::Pending
                })
                .await
            }
        };
        let broke = match event {
            Event::Job(Some(job)) => s.start(job),
            Event::Job(None) => {
                closed = true;
                None
            }
            Event::Turned => s.advance(),
            Event::Broke(e) => s.fail(e),
            Event::Until => {
                if until.is_some_and(|u| Instant::now() >= u) {
                    return Over::Until;
                }
                None
            }
        };
        if let Some(ended) = broke {
            s.refuse_all();
            return Over::Broke(ended);
        }
        s.count();
    }
}

/// The loop's state: the isolate and the requests in flight in it.
struct State<'a> {
    io: Serving<'a>,
    flights: Vec<Flight>,
    /// An empty list, kept for its allocation ([`State::advance`]).
    spare: Vec<Flight>,
    /// Whether the last turn found nothing left to run (no timer, no async call): what
    /// the requests in flight wait for can then come only from a request not yet here.
    idle: bool,
    /// How many requests in flight the metrics have of this isolate.
    counted: usize,
}

impl State<'_> {
    /// Tells the metrics how many requests are in flight now.
    fn count(&mut self) {
        let now = self.flights.len();
        self.io.metrics.in_flight_moved(self.counted, now);
        self.counted = now;
    }
}

impl Drop for State<'_> {
    fn drop(&mut self) {
        self.io.metrics.in_flight_moved(self.counted, 0);
    }
}

/// Calls the start of `request` under the next number; its deadline runs from that call.
pub(crate) fn call_start(
    rt: &mut Runtime,
    glue: &Glue,
    next: &mut u32,
    spec: &PluginSpec,
    request: &mut HandlerRequest,
) -> (u32, Option<u32>, crate::Result<Called<Start>>, Instant) {
    let id = *next;
    *next = next.wrapping_add(1);
    let mut body = None;
    let called = rt.for_request(id, |rt| {
        let (called, b) = js_handler::start_flight(rt, glue, id, request);
        body = b;
        called
    });
    let deadline = rt.call_started().unwrap_or_else(Instant::now) + spec.limits.timeout;
    (id, body, called, deadline)
}

impl State<'_> {
    /// Starts `job`'s request; `Some` when that broke the isolate.
    fn start(&mut self, job: Job) -> Option<Ended> {
        let Job { mut request, reply } = job;
        let (id, body, called, deadline) = call_start(
            self.io.rt,
            self.io.glue,
            self.io.next,
            self.io.spec,
            &mut request,
        );
        self.begin(Started {
            id,
            body,
            called,
            reply,
            deadline,
        })
    }

    /// Takes on a request whose start has been called; `Some` when that broke the isolate.
    fn begin(&mut self, started: Started) -> Option<Ended> {
        let Started {
            id,
            body,
            called,
            reply,
            deadline,
        } = started;
        let flight = match called {
            Ok(Called::Promise(promise)) => Flight {
                id,
                body,
                reply: Some(reply),
                deadline,
                waiting: Waiting::Head(promise),
                gone: false,
                aborted: false,
            },
            Ok(Called::Done(head)) => {
                let mut flight = Flight {
                    id,
                    body,
                    reply: Some(reply),
                    deadline,
                    waiting: Waiting::Nothing,
                    gone: false,
                    aborted: false,
                };
                return match self.headed(&mut flight, Ok(head)) {
                    Step::Keep => {
                        self.flights.push(flight);
                        None
                    }
                    Step::Done => None,
                    Step::Broke(ended) => {
                        self.flights.push(flight);
                        Some(ended)
                    }
                };
            }
            Err(e) => {
                let (refusal, ended) = self.failed(AbiFailure::Runtime(e));
                let _ = reply.send(Err(refusal));
                if let Some(b) = body {
                    js_handler::end_flight(self.io.glue, b);
                }
                if matches!(ended, Ended::Kept) {
                    return self.forget(id);
                }
                return Some(ended);
            }
        };
        self.flights.push(flight);
        None
    }

    /// Looks at every request in flight after a turn: the ones whose promise settled go
    /// on, the ones past their deadline are dropped, the ones whose client left have their
    /// signal aborted.
    fn advance(&mut self) -> Option<Ended> {
        let mut flights = std::mem::take(&mut self.flights);
        // The two lists swap their allocations: none is made per turn.
        let mut kept = std::mem::take(&mut self.spare);
        let mut broke = None;
        let now = Instant::now();
        for mut f in flights.drain(..) {
            if broke.is_some() {
                kept.push(f);
                continue;
            }
            let late = now >= f.deadline;
            // What failed once the request's time was up failed of it (a fetch ends at
            // its request's deadline): the client gets 504, as if nothing had settled.
            let settled = self.settled(&f).filter(|s| !(late && s.failed()));
            let step = if let Some(settled) = settled {
                match settled {
                    Settled::Head(head) => self.headed(&mut f, head),
                    Settled::Rest(Ok(())) => self.done(&f),
                    Settled::Rest(Err(e)) => {
                        // A body not ended is cut off.
                        self.io.sinks.close(f.id);
                        match self.failed(AbiFailure::Runtime(e)) {
                            (_, Ended::Kept) => self.done(&f),
                            (_, ended) => Step::Broke(ended),
                        }
                    }
                }
            } else if late {
                self.io.metrics.limit_hit(LimitKind::Timeout);
                // The likeliest cause then is a promise the handler never settles.
                let idle = if self.idle {
                    " waiting for a promise nothing in the isolate was left to settle (no timer, fetch or other call pending)"
                } else {
                    ""
                };
                self.note(&format!(
                    "a request ran past its time limit of {:?}{idle}; the isolate goes on with the others",
                    self.io.spec.limits.timeout
                ));
                self.give_up(&mut f, Refusal::TimedOut)
            } else if f.gone && !f.aborted {
                f.aborted = true;
                let (glue, id) = (self.io.glue, f.id);
                match self
                    .io
                    .rt
                    .for_request(id, |rt| js_handler::abort_flight(rt, glue, id))
                {
                    Ok(()) => Step::Keep,
                    Err(e) => self.fault(e),
                }
            } else {
                Step::Keep
            };
            match step {
                Step::Keep => kept.push(f),
                Step::Done => {}
                // Refused with the rest ([`State::refuse_all`]).
                Step::Broke(ended) => {
                    broke = Some(ended);
                    kept.push(f);
                }
            }
        }
        kept.append(&mut self.flights);
        self.flights = kept;
        self.spare = flights;
        broke
    }

    /// The result of `f`'s promise if it has settled: its head, or how its rest ended.
    fn settled(&mut self, f: &Flight) -> Option<Settled> {
        match &f.waiting {
            Waiting::Head(p) => {
                let head = self.io.rt.settled_call::<Start>(p, "start")?;
                Some(Settled::Head(head.map_err(|e| {
                    AbiFailure::Runtime(js_handler::response_error(e))
                })))
            }
            Waiting::Rest(p) => {
                let rest = self.io.rt.settled_call::<Value>(p, "rest")?;
                Some(Settled::Rest(rest.map(drop)))
            }
            Waiting::Nothing => None,
        }
    }

    /// `f` has its head (or failed before it): it is answered, and what is left of it
    /// (a streamed body, `ctx.waitUntil`) started.
    fn headed(&mut self, f: &mut Flight, head: Result<Start, AbiFailure>) -> Step {
        let Some(reply) = f.reply.take() else {
            return self.done(f);
        };
        let head = match head {
            Ok(head) => head,
            Err(failure) => {
                let (refusal, ended) = self.failed(failure);
                let _ = reply.send(Err(refusal));
                if !matches!(ended, Ended::Kept) {
                    return Step::Broke(ended);
                }
                // What the glue kept of it is dropped.
                let (glue, id) = (self.io.glue, f.id);
                return match self
                    .io
                    .rt
                    .for_request(id, |rt| js_handler::drop_flight(rt, glue, id))
                {
                    Ok(()) => self.done(f),
                    Err(e) => self.fault(e),
                };
            }
        };
        let more = head.streamed || head.waiting;
        if head.streamed {
            let rx = self.io.sinks.add(f.id);
            let _ = reply.send(Ok(HandlerResponse {
                status: head.status,
                headers: head.headers,
                body: ResponseBody::Stream(rx),
                declared_length: head.declared_length,
            }));
        } else {
            let _ = reply.send(isolate::whole(head, self.io.spec, self.io.log));
        }
        if !more {
            return self.done(f);
        }
        let (glue, id) = (self.io.glue, f.id);
        match self
            .io
            .rt
            .for_request(id, |rt| js_handler::rest(rt, glue, id))
        {
            Ok(Called::Promise(p)) => {
                f.waiting = Waiting::Rest(p);
                Step::Keep
            }
            Ok(Called::Done(_)) => self.done(f),
            Err(e) => {
                self.io.sinks.close(f.id);
                self.fault(e)
            }
        }
    }

    /// `f` is over: its sink, its streamed request body and its CPU account are let go.
    fn done(&mut self, f: &Flight) -> Step {
        self.io.sinks.close(f.id);
        self.io.rt.forget_request(f.id);
        if let Some(b) = f.body {
            js_handler::end_flight(self.io.glue, b);
        }
        Step::Done
    }

    /// Gives up on `f` (past its deadline): its client gets
    /// `refusal` (or its streamed body is cut off), and the glue drops it.
    fn give_up(&mut self, f: &mut Flight, refusal: Refusal) -> Step {
        if let Some(reply) = f.reply.take() {
            let _ = reply.send(Err(refusal));
        }
        self.io.sinks.close(f.id);
        let (glue, id) = (self.io.glue, f.id);
        match self
            .io
            .rt
            .for_request(id, |rt| js_handler::drop_flight(rt, glue, id))
        {
            Ok(()) => self.done(f),
            Err(e) => self.fault(e),
        }
    }

    /// A call about one request failed: a fault of the handler's own keeps the isolate.
    fn fault(&mut self, e: crate::Error) -> Step {
        match self.failed(AbiFailure::Runtime(e)) {
            (_, Ended::Kept) => Step::Done,
            (_, ended) => Step::Broke(ended),
        }
    }

    /// A turn of the event loop failed: an unhandled rejection is the handler's own
    /// (logged, and the isolate goes on); a limit or a fault breaks the isolate.
    fn fail(&mut self, e: crate::Error) -> Option<Ended> {
        match self.failed(AbiFailure::Runtime(e)) {
            (_, Ended::Kept) => None,
            (_, ended) => Some(ended),
        }
    }

    /// After a request that failed at its start: what the glue kept of it is dropped.
    fn forget(&mut self, id: u32) -> Option<Ended> {
        self.io.rt.forget_request(id);
        match js_handler::drop_flight(self.io.rt, self.io.glue, id) {
            Ok(()) => None,
            Err(e) => self.fail(e),
        }
    }

    /// The isolate broke: every request in flight is refused (503, or its body cut off),
    /// whichever of them broke it.
    fn refuse_all(&mut self) {
        let refusal = Refusal::OverLimit;
        for mut f in std::mem::take(&mut self.flights) {
            if let Some(reply) = f.reply.take() {
                let _ = reply.send(Err(refusal));
            }
            self.io.sinks.close(f.id);
            self.io.rt.forget_request(f.id);
            if let Some(b) = f.body {
                js_handler::end_flight(self.io.glue, b);
            }
        }
    }

    fn failed(&self, failure: AbiFailure) -> (Refusal, Ended) {
        isolate::failed(failure, self.io.spec, self.io.metrics, self.io.log)
    }

    fn note(&self, message: &str) {
        if let Some(log) = self.io.log {
            log(&LogEvent::Fault {
                handler: self.io.spec.name.clone(),
                message: message.to_string(),
            });
        }
    }
}

/// What a settled promise of a request gave.
enum Settled {
    Head(Result<Start, AbiFailure>),
    Rest(crate::Result<()>),
}

impl Settled {
    fn failed(&self) -> bool {
        matches!(self, Settled::Head(Err(_)) | Settled::Rest(Err(_)))
    }
}

/// What becomes of a request after a step.
enum Step {
    Keep,
    Done,
    Broke(Ended),
}
