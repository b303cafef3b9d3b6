//! One HTTP request, end to end: `/_warren/` endpoints when enabled, routing to a handler,
//! the body limit (413), the handler's queue (503 when full), its response (or the status
//! of its failure) as a hyper response, metrics and the access log.

use std::cell::RefCell;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Instant, SystemTime};

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper::header::{self, HeaderValue};
use hyper::{Request, Response, StatusCode, Version};
use tokio::sync::mpsc;

use crate::serve::exchange::{BodyCut, HandlerRequest, ResponseBody};
use crate::serve::log::{AccessEntry, LogEvent, LogSink};
use crate::serve::metrics;
use crate::serve::pool::{NotQueued, Pool};
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
    pub local: SocketAddr,
}

/// A response body: whole, or a handler's stream.
pub(crate) enum OutBody {
    Full(Option<Bytes>),
    Stream(mpsc::Receiver<Result<Bytes, BodyCut>>),
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
            OutBody::Stream(rx) => rx.poll_recv(cx).map(|o| o.map(|r| r.map(Frame::data))),
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, OutBody::Full(None))
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            OutBody::Full(b) => SizeHint::with_exact(b.as_ref().map_or(0, |b| b.len() as u64)),
            OutBody::Stream(_) => SizeHint::default(),
        }
    }
}

fn plain(status: u16, text: &'static str) -> Response<OutBody> {
    let mut r = Response::new(OutBody::Full(Some(Bytes::from_static(text.as_bytes()))));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain;charset=UTF-8"),
    );
    r
}

/// Serves one request from `remote`.
pub(crate) async fn serve(
    shared: Arc<Shared>,
    remote: SocketAddr,
    req: Request<Incoming>,
) -> Result<Response<OutBody>, Infallible> {
    // Timed only for whoever reads the duration: the metrics and the access log.
    let access = shared.log.as_ref().filter(|_| shared.access_log);
    let timed = shared.observability || access.is_some();
    let started = timed.then(Instant::now);
    // What the access log needs of the request, read before the request is taken apart.
    let logged = access.map(|_| {
        let target = req
            .uri()
            .path_and_query()
            .map_or_else(|| req.uri().path().to_string(), |p| p.as_str().to_string());
        let version = match req.version() {
            Version::HTTP_10 => "HTTP/1.0",
            Version::HTTP_09 => "HTTP/0.9",
            _ => "HTTP/1.1",
        };
        (
            SystemTime::now(),
            req.method().as_str().to_string(),
            target,
            version,
        )
    });
    let (handler, response) = answer(&shared, req).await;
    let status = response.status().as_u16();
    let took = started.map(|s| s.elapsed()).unwrap_or_default();
    // Counted only for whoever reads the counts: nothing does unless `/_warren/metrics` is
    // served.
    if let Some(i) = handler.filter(|_| shared.observability) {
        shared.pools[i].metrics.answered(status, took);
    }
    if let (Some(log), Some((time, method, target, version))) = (access, logged) {
        let bytes = match response.body() {
            OutBody::Full(b) => Some(b.as_ref().map_or(0, |b| b.len() as u64)),
            OutBody::Stream(_) => None,
        };
        log(&LogEvent::Access(AccessEntry {
            remote,
            time,
            method,
            target,
            version,
            status,
            bytes,
            handler: handler.map(|i| shared.pools[i].name.clone()),
            duration: took,
        }));
    }
    Ok(response)
}

/// The response, and the handler (by index) that owned the request, if any.
async fn answer(shared: &Shared, req: Request<Incoming>) -> (Option<usize>, Response<OutBody>) {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path();
    if shared.observability && path.starts_with("/_warren/") {
        return (None, observe(shared, path));
    }
    let local;
    let host = match parts
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
    {
        Some(h) => h,
        None => {
            local = parts
                .uri
                .authority()
                .map_or_else(|| shared.local.to_string(), ToString::to_string);
            local.as_str()
        }
    };
    let Some(index) = shared.routes.find(host, path) else {
        return (None, plain(404, "Not Found\n"));
    };
    let some = Some(index);
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > shared.max_body) {
        return (some, plain(413, "Payload Too Large\n"));
    }
    let body = if body.is_end_stream() {
        Bytes::new()
    } else {
        let limit = usize::try_from(shared.max_body).unwrap_or(usize::MAX);
        match http_body_util::Limited::new(body, limit).collect().await {
            Ok(b) => b.to_bytes(),
            Err(e) if e.is::<http_body_util::LengthLimitError>() => {
                return (some, plain(413, "Payload Too Large\n"));
            }
            Err(_) => return (some, plain(400, "Bad Request\n")),
        }
    };
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
            Err(_) => return (some, plain(400, "Bad Request\n")),
        }
    }
    let request = HandlerRequest {
        method: parts.method,
        url,
        headers: parts.headers,
        body,
    };
    let pool = &shared.pools[index];
    let answer = match pool.serve(request) {
        Ok(a) => a,
        Err(NotQueued::Full) => {
            pool.metrics.rejected();
            return (some, plain(503, "Service Unavailable\n"));
        }
        Err(NotQueued::Closed) => return (some, plain(503, "Service Unavailable\n")),
    };
    let response = match answer.get().await {
        Ok(r) => r,
        Err(refusal) => {
            let (status, text) = refusal.status();
            return (some, plain(status, text));
        }
    };
    let body = match response.body {
        ResponseBody::Full(b) => OutBody::Full(Some(b)),
        ResponseBody::Stream(rx) => OutBody::Stream(rx),
    };
    let mut out = Response::new(body);
    match StatusCode::from_u16(response.status) {
        Ok(s) => *out.status_mut() = s,
        Err(_) => return (some, bad_response(shared, pool, "an invalid status")),
    }
    *out.headers_mut() = response.headers;
    (some, out)
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
