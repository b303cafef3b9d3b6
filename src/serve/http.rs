//! One HTTP request, end to end: `/_warren/` endpoints when enabled, routing to a handler,
//! the body limit (413), the handler's queue (503 when full), its response (or the status
//! of its failure) as a hyper response, metrics and the access log.

use std::cell::RefCell;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Instant, SystemTime};

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, Response, StatusCode, Version};
use tokio::sync::mpsc;

use crate::serve::exchange::{
    Answer, BodyCut, HandlerRequest, HandlerResponse, Piece, Refusal, RequestBody, ResponseBody,
    settle_length,
};
use crate::serve::head_timeout::HeadClock;
use crate::serve::log::{AccessEntry, LogEvent, LogSink};
use crate::serve::metrics;
use crate::serve::pool::{NotQueued, Pool};
use crate::serve::request_body::StreamedBody;
use crate::serve::routing::Routes;

/// What every request reads.
pub(crate) struct Shared {
    pub routes: Routes,
    pub pools: Vec<Pool>,
    pub max_body: u64,
    pub observability: bool,
    pub log: Option<LogSink>,
    /// Whether `log` gets an access event per request.
    pub access_log: bool,
    /// How long a connection may take to send its next request's head
    /// (`ServeOptions::head_timeout`).
    pub head_timeout: Option<std::time::Duration>,
    pub local: SocketAddr,
}

/// A response body: whole, or a handler's stream (and whether its `End` has come, and
/// the clock of its connection, told at its end that the wait for the next head begins).
pub(crate) enum OutBody {
    Full(Option<Bytes>),
    Stream {
        rx: mpsc::Receiver<Piece>,
        ended: bool,
        clock: Option<Arc<HeadClock>>,
        /// What the declared Content-Length still allows: a stream that yields more is
        /// cut off (hyper would end the body at the length, and it would look whole).
        left: Option<u64>,
    },
}

impl Body for OutBody {
    type Data = Bytes;
    type Error = BodyCut;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BodyCut>>> {
        match self.get_mut() {
            OutBody::Full(b) => Poll::Ready(b.take().map(|b| Ok(Frame::data(b)))),
            OutBody::Stream {
                rx,
                ended,
                clock,
                left,
            } => rx.poll_recv(cx).map(|piece| match piece {
                Some(Piece::Chunk(b)) => match left {
                    Some(l) if b.len() as u64 > *l => Some(Err(BodyCut)),
                    Some(l) => {
                        *l -= b.len() as u64;
                        Some(Ok(Frame::data(b)))
                    }
                    None => Some(Ok(Frame::data(b))),
                },
                Some(Piece::End) => {
                    *ended = true;
                    if let Some(clock) = clock.take() {
                        clock.waiting();
                    }
                    None
                }
                None if *ended => None,
                None => Some(Err(BodyCut)),
            }),
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, OutBody::Full(None))
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            OutBody::Full(b) => SizeHint::with_exact(b.as_ref().map_or(0, |b| b.len() as u64)),
            OutBody::Stream { .. } => SizeHint::default(),
        }
    }
}

/// A JS handler's request body of at most this many declared bytes is read whole before
/// the handler is called (it has most often come with the head): a larger one, or one of
/// no declared length (chunked), streams into the handler as it reads it.
const READ_WHOLE: u64 = 64 << 10;

fn plain(status: u16, text: &'static str) -> Response<OutBody> {
    let mut r = Response::new(OutBody::Full(Some(Bytes::from_static(text.as_bytes()))));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain;charset=UTF-8"),
    );
    r
}

/// Serves one request from `remote` on the connection whose head timeout `clock` keeps.
/// All that needs no waiting is done in this call: the
/// route, the checks, and the handler's call when its isolate is this thread's, free, and
/// answers at once. The future returned is then ready, and small; only a request that
/// waits (for its body, a queue, an isolate's promise) boxes one that waits.
pub(crate) fn serve(
    shared: &Arc<Shared>,
    clock: &Arc<HeadClock>,
    remote: SocketAddr,
    req: Request<Incoming>,
) -> Serving {
    clock.serving();
    let access = shared.log.is_some() && shared.access_log;
    // Timed only for whoever reads the duration: the metrics and the access log.
    let started = (shared.observability || access).then(Instant::now);
    // What the access log needs of the request, read before the request is taken apart.
    let logged = access.then(|| Box::new(Logged::of(&req)));
    let (handler, step) = answer(shared, req);
    let done = Done {
        remote,
        started,
        logged,
        handler,
    };
    match step {
        Step::Now(response) => Serving::Ready(Some(done.finish(shared, clock, response))),
        Step::Wait(waiting) => {
            let shared = shared.clone();
            let clock = clock.clone();
            Serving::Waiting(Box::pin(async move {
                let response = waiting.await;
                done.finish(&shared, &clock, response)
            }))
        }
    }
}

/// The response to a request, as hyper takes it: ready, or to come.
pub(crate) enum Serving {
    Ready(Option<Response<OutBody>>),
    Waiting(Waiting),
}

type Waiting = Pin<Box<dyn Future<Output = Response<OutBody>> + Send>>;

impl Future for Serving {
    type Output = Result<Response<OutBody>, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.get_mut() {
            // Taken once; hyper does not poll a finished future again.
            Serving::Ready(r) => Poll::Ready(Ok(r
                .take()
                .unwrap_or_else(|| plain(500, "Internal Server Error\n")))),
            Serving::Waiting(w) => w.as_mut().poll(cx).map(Ok),
        }
    }
}

/// A request's answer: given, or to wait for.
enum Step {
    Now(Response<OutBody>),
    Wait(Waiting),
}

/// What the access log says of a request.
struct Logged {
    time: SystemTime,
    method: String,
    target: String,
    version: &'static str,
}

impl Logged {
    fn of(req: &Request<Incoming>) -> Logged {
        Logged {
            time: SystemTime::now(),
            method: req.method().as_str().to_string(),
            target: req
                .uri()
                .path_and_query()
                .map_or_else(|| req.uri().path().to_string(), |p| p.as_str().to_string()),
            version: match req.version() {
                Version::HTTP_10 => "HTTP/1.0",
                Version::HTTP_09 => "HTTP/0.9",
                _ => "HTTP/1.1",
            },
        }
    }
}

/// What is done with a request's response before it goes: counted and logged.
struct Done {
    remote: SocketAddr,
    started: Option<Instant>,
    logged: Option<Box<Logged>>,
    /// The handler (by index) that owned the request, if any.
    handler: Option<usize>,
}

impl Done {
    /// `response`, counted and logged; `clock` told that the wait for the next head
    /// begins when it has gone: now, for a whole body written at once, or at the end of a
    /// stream.
    fn finish(
        self,
        shared: &Shared,
        clock: &Arc<HeadClock>,
        mut response: Response<OutBody>,
    ) -> Response<OutBody> {
        match response.body_mut() {
            OutBody::Full(_) => clock.waiting(),
            OutBody::Stream { clock: c, .. } => *c = Some(clock.clone()),
        }
        let status = response.status().as_u16();
        let took = self.started.map(|s| s.elapsed()).unwrap_or_default();
        // Counted only for whoever reads the counts: nothing does unless
        // `/_warren/metrics` is served.
        if let Some(i) = self.handler.filter(|_| shared.observability) {
            shared.pools[i].metrics.answered(status, took);
        }
        if let (Some(log), Some(logged)) = (&shared.log, self.logged) {
            let bytes = match response.body() {
                OutBody::Full(b) => Some(b.as_ref().map_or(0, |b| b.len() as u64)),
                OutBody::Stream { .. } => None,
            };
            let Logged {
                time,
                method,
                target,
                version,
            } = *logged;
            log(&LogEvent::Access(AccessEntry {
                remote: self.remote,
                time,
                method,
                target,
                version,
                status,
                bytes,
                handler: self.handler.map(|i| shared.pools[i].name.clone()),
                duration: took,
            }));
        }
        response
    }
}

/// The response (or what to wait for it), and the handler (by index) that owned the
/// request, if any.
fn answer(shared: &Arc<Shared>, req: Request<Incoming>) -> (Option<usize>, Step) {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path();
    if shared.observability && path.starts_with("/_warren/") {
        return (None, Step::Now(observe(shared, path)));
    }
    // Two Host headers leave the request's authority unknown: RFC 9112 (3.2) has the
    // server refuse it. Looked for only when some name repeats (a count hyper keeps).
    if parts.headers.len() != parts.headers.keys_len()
        && parts.headers.get_all(header::HOST).iter().nth(1).is_some()
    {
        return (None, Step::Now(plain(400, "Bad Request\n")));
    }
    let local;
    let host = match (parts.uri.authority(), parts.headers.get(header::HOST)) {
        // An absolute-form target's authority is the request's, whatever Host says
        // (RFC 9112, 3.2.2).
        (Some(authority), _) => authority.as_str(),
        // An empty Host says the target has no authority (RFC 9112, 3.2): the server's
        // own address stands in, as for a request without one.
        (None, Some(h)) if !h.is_empty() => match h.to_str() {
            Ok(h) => h,
            Err(_) => return (None, Step::Now(plain(400, "Bad Request\n"))),
        },
        (None, _) => {
            local = shared.local.to_string();
            local.as_str()
        }
    };
    let Some(index) = shared.routes.find(host, path) else {
        return (None, Step::Now(plain(404, "Not Found\n")));
    };
    let some = Some(index);
    // A request with no body (hyper knows from its framing) declares no length to refuse.
    let bodiless = body.is_end_stream();
    let declared = (!bodiless)
        .then(|| parts.headers.get(header::CONTENT_LENGTH))
        .flatten()
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > shared.max_body) {
        return (some, Step::Now(plain(413, "Payload Too Large\n")));
    }
    let target = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let mut url = String::with_capacity("http://".len() + host.len() + target.len());
    url.push_str("http://");
    url.push_str(host);
    url.push_str(target);
    if !canonical_url(host, target) {
        // Parsed here once, as `new URL()` would: a URL it refuses (a Host header with a
        // space, say) is the client's error.
        match url::Url::parse(&url) {
            Ok(u) => url = u.into(),
            Err(_) => return (some, Step::Now(plain(400, "Bad Request\n"))),
        }
    }
    let head = parts.method == Method::HEAD;
    let mut request = HandlerRequest {
        method: parts.method,
        url,
        headers: parts.headers,
        body: RequestBody::Full(Bytes::new()),
    };
    if bodiless {
        return (some, ask(shared, index, request, head));
    }
    if shared.pools[index].streams_bodies && declared.is_none_or(|n| n > READ_WHOLE) {
        // Read as the handler reads it; past the limit, its `read` fails and the client
        // gets 413 whatever the handler answers.
        let (body, overflow) = StreamedBody::new(body, shared.max_body);
        request.body = RequestBody::Stream(body);
        let over_limit = move |r: Response<OutBody>| {
            if overflow.happened() {
                plain(413, "Payload Too Large\n")
            } else {
                r
            }
        };
        return match ask(shared, index, request, head) {
            Step::Now(r) => (some, Step::Now(over_limit(r))),
            Step::Wait(w) => (
                some,
                Step::Wait(Box::pin(async move { over_limit(w.await) })),
            ),
        };
    }
    let shared = shared.clone();
    let limit = usize::try_from(shared.max_body).unwrap_or(usize::MAX);
    let timeout = shared.pools[index].timeout;
    let waiting = async move {
        // Within the handler's timeout: a client that trickles its body holds the
        // connection no longer than a handler may take.
        let read = http_body_util::Limited::new(body, limit).collect();
        request.body = match tokio::time::timeout(timeout, read).await {
            Ok(Ok(b)) => RequestBody::Full(b.to_bytes()),
            Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => {
                return plain(413, "Payload Too Large\n");
            }
            Ok(Err(_)) => return plain(400, "Bad Request\n"),
            Err(_) => return plain(408, "Request Timeout\n"),
        };
        match ask(&shared, index, request, head) {
            Step::Now(response) => response,
            Step::Wait(waiting) => waiting.await,
        }
    };
    (some, Step::Wait(Box::pin(waiting)))
}

/// Hands `request` to its handler, `index`; `head`: it is a HEAD request.
fn ask(shared: &Arc<Shared>, index: usize, request: HandlerRequest, head: bool) -> Step {
    let pool = &shared.pools[index];
    match pool.serve(request) {
        Ok(Answer::Now(answer)) => Step::Now(respond(shared, pool, answer, head)),
        Ok(Answer::Later(rx)) => {
            let shared = shared.clone();
            Step::Wait(Box::pin(async move {
                // The isolate went away with the request.
                let answer = rx.await.unwrap_or(Err(Refusal::Unavailable));
                respond(&shared, &shared.pools[index], answer, head)
            }))
        }
        Err(NotQueued::Full) => {
            pool.metrics.rejected();
            Step::Now(plain(503, "Service Unavailable\n"))
        }
        Err(NotQueued::Closed) => Step::Now(plain(503, "Service Unavailable\n")),
    }
}

/// The HTTP response for a handler's answer to a request (`head`: a HEAD request).
fn respond(
    shared: &Shared,
    pool: &Pool,
    answer: Result<HandlerResponse, Refusal>,
    head: bool,
) -> Response<OutBody> {
    let mut response = match answer {
        Ok(r) => r,
        Err(refusal) => {
            let (status, text) = refusal.status();
            return plain(status, text);
        }
    };
    let declared = if response.declared_length {
        settle_length(&mut response.headers, &response.body, head)
    } else {
        None
    };
    let body = match response.body {
        ResponseBody::Full(b) => OutBody::Full(Some(b)),
        ResponseBody::Stream(rx) => OutBody::Stream {
            rx,
            ended: false,
            clock: None,
            left: declared,
        },
    };
    let mut out = Response::new(body);
    match StatusCode::from_u16(response.status) {
        Ok(s) => {
            if s.canonical_reason().is_none() {
                // A status no registry names (299, 599) goes out with an empty reason
                // phrase, where hyper would write "<none>".
                out.extensions_mut()
                    .insert(hyper::ext::ReasonPhrase::from_static(b""));
            }
            *out.status_mut() = s;
        }
        Err(_) => return bad_response(shared, pool, "an invalid status"),
    }
    *out.headers_mut() = response.headers;
    out
}

fn bad_response(shared: &Shared, pool: &Pool, what: &str) -> Response<OutBody> {
    if let Some(log) = &shared.log {
        log(&LogEvent::Fault {
            handler: pool.name.clone(),
            message: format!("its response has {what}"),
        });
    }
    plain(500, "Internal Server Error\n")
}

/// `/_warren/health` and `/_warren/metrics`.
fn observe(shared: &Shared, path: &str) -> Response<OutBody> {
    match path {
        "/_warren/health" => plain(200, "ok\n"),
        "/_warren/metrics" => {
            let handlers: Vec<(&str, &metrics::HandlerMetrics, usize)> = shared
                .pools
                .iter()
                .map(|p| (p.name.as_str(), &*p.metrics, p.queued()))
                .collect();
            let mut r = Response::new(OutBody::Full(Some(Bytes::from(metrics::render(&handlers)))));
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; version=0.0.4"),
            );
            r
        }
        _ => plain(404, "Not Found\n"),
    }
}

/// Whether `http://{host}{target}` is already as the WHATWG URL parser would write it, so
/// the server need not parse it. It errs towards `false` (then the server parses it): a
/// lowercase host name or dotted IPv4 address without punycode labels, a port that is not
/// the default, and an origin-form target of bytes the parser leaves alone, with no dot
/// segments.
pub(crate) fn canonical_url(host: &str, target: &str) -> bool {
    canonical_authority(host) && canonical_target(target)
}

thread_local! {
    /// The Host this thread judged last, and its verdict: the requests of a connection
    /// (and most often of all a thread's connections) repeat one.
    static LAST_HOST: RefCell<(Vec<u8>, bool)> = const { RefCell::new((Vec::new(), false)) };
}

/// Whether a Host header is as the URL parser writes it (remembering the last one).
fn canonical_authority(host: &str) -> bool {
    LAST_HOST.with_borrow_mut(|(last, verdict)| {
        if last.as_slice() != host.as_bytes() {
            *verdict = judge_authority(host);
            last.clear();
            last.extend_from_slice(host.as_bytes());
        }
        *verdict
    })
}

fn judge_authority(host: &str) -> bool {
    // One pass over bytes, with no parsing into numbers or strings.
    let h = host.as_bytes();
    let (name, port) = match h.iter().rposition(|&b| b == b':') {
        Some(i) => (&h[..i], Some(&h[i + 1..])),
        None => (h, None),
    };
    if port.is_some_and(|p| !plain_port(p)) {
        return false;
    }
    canonical_host(name)
}

/// A port the parser keeps as it is: decimal, no leading zero, at most 65535, not 80.
fn plain_port(p: &[u8]) -> bool {
    if p.is_empty() || p.len() > 5 || p[0] == b'0' {
        return false;
    }
    let mut n = 0u32;
    for &b in p {
        if !b.is_ascii_digit() {
            return false;
        }
        n = n * 10 + u32::from(b - b'0');
    }
    n <= 65535 && n != 80
}

fn canonical_host(name: &[u8]) -> bool {
    let labels = name.strip_suffix(b".").unwrap_or(name);
    if labels.is_empty() {
        return false;
    }
    let (mut count, mut octets, mut numeric_last) = (0, true, false);
    for label in labels.split(|&b| b == b'.') {
        let Some(&first) = label.first() else {
            return false;
        };
        if label.starts_with(b"xn--") {
            return false;
        }
        let (mut digits, mut value) = (true, 0u32);
        for &c in label {
            if c.is_ascii_digit() {
                value = value.saturating_mul(10).saturating_add(u32::from(c - b'0'));
            } else if c.is_ascii_lowercase() || c == b'-' {
                digits = false;
            } else {
                return false;
            }
        }
        count += 1;
        octets &= digits && (label.len() == 1 || first != b'0') && value <= 255;
        numeric_last = first.is_ascii_digit();
    }
    // A last label that starts with a digit makes the parser read an IPv4 address, which
    // it rewrites unless it is four decimal numbers of at most 255 with no leading zeros.
    !numeric_last || (name.len() == labels.len() && count == 4 && octets)
}

/// Bytes the URL parser copies as they are in a path; a query also keeps `%`, `/`, `?`.
const URL_PLAIN: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = b.is_ascii_alphanumeric();
        c += 1;
    }
    let extra = b"-._~!$&()*+,;=:@";
    let mut i = 0;
    while i < extra.len() {
        t[extra[i] as usize] = true;
        i += 1;
    }
    t
};

fn url_plain(c: u8) -> bool {
    URL_PLAIN[usize::from(c)]
}

fn canonical_target(target: &str) -> bool {
    let b = target.as_bytes();
    if b.first() != Some(&b'/') {
        return false;
    }
    let dots = |seg: &[u8]| seg == b"." || seg == b"..";
    let mut segment = 1;
    for i in 1..b.len() {
        match b[i] {
            b'/' | b'?' => {
                if dots(&b[segment..i]) {
                    return false;
                }
                if b[i] == b'?' {
                    return b[i + 1..]
                        .iter()
                        .all(|&c| url_plain(c) || matches!(c, b'%' | b'/' | b'?'));
                }
                segment = i + 1;
            }
            // `%2e` is a dot to the parser.
            b'%' => {
                if b.get(i + 1) == Some(&b'2') && b.get(i + 2).map(|c| c | 0x20) == Some(b'e') {
                    return false;
                }
            }
            c if url_plain(c) => {}
            _ => return false,
        }
    }
    !dots(&b[segment..])
}
