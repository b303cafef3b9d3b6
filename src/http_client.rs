//! The one outbound HTTP client (hyper's, with rustls), for JS `fetch` and Extism's
//! `http_request`: it follows redirects itself, one hop at a time, asking the caller's
//! check before each hop (so a grant covers every host a request reaches) and carrying no
//! credential header to another origin; it uses no proxy from the environment (a request
//! goes to the host it names or nowhere), bounds every hop and the body by the request's
//! deadline, and gives the response whole (at most a given number of bytes) or its head
//! with the body to read as it arrives. Async, on whatever tokio runtime runs it: a fetch
//! on its isolate's own thread, where idle connections of a thread's [`Client`] wait for
//! its later requests.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use http_body_util::BodyExt;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use tokio::sync::mpsc;

/// A request to make.
#[derive(Debug)]
pub(crate) struct Outbound {
    pub method: String,
    pub url: String,
    /// Names and values as bytes on the wire.
    pub headers: Vec<(String, Vec<u8>)>,
    pub body: Option<Upload>,
    /// Follow redirects (up to [`MAX_REDIRECTS`]); otherwise a redirect is the response.
    pub follow: bool,
    /// The largest response body [`request`] takes.
    pub max_response_bytes: u64,
    /// When the whole request (every hop, and its body) must be over.
    pub deadline: Instant,
}

/// A request's body: whole, or sent as its chunks arrive (chunked; `None` ends it), once:
/// a redirect that would send it again (307, 308) fails the request, as it does in
/// browsers.
pub(crate) enum Upload {
    Whole(Bytes),
    Streamed(mpsc::Receiver<Option<Vec<u8>>>),
}

impl std::fmt::Debug for Upload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Upload::Whole(b) => write!(f, "Whole({} bytes)", b.len()),
            Upload::Streamed(_) => f.write_str("Streamed"),
        }
    }
}

/// A response read whole: its status, its headers in order (repeats kept; values as the
/// bytes on the wire) and its body.
#[derive(Debug)]
pub(crate) struct Response {
    pub status: u16,
    pub headers: Vec<(String, Vec<u8>)>,
    pub body: Vec<u8>,
}

/// Why a request was not made or failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum HttpError {
    /// The caller's check refused a hop.
    #[error("HTTP request to {url} is not allowed: {why}")]
    Denied { url: String, why: String },
    #[error("HTTP request to {url}: {why}")]
    Bad { url: String, why: String },
    /// On the way: `why` is the whole chain of causes (a refused connection, a reset).
    #[error("HTTP request to {url} failed: {why}")]
    Failed { url: String, why: String },
    #[error("HTTP response from {url} is larger than the limit of {max} bytes")]
    TooLarge { url: String, max: u64 },
}

impl HttpError {
    fn failed(url: &str, e: &(dyn std::error::Error + 'static)) -> HttpError {
        let mut why = e.to_string();
        let mut cause = e.source();
        while let Some(c) = cause {
            let text = c.to_string();
            if !why.contains(&text) {
                why.push_str(": ");
                why.push_str(&text);
            }
            cause = c.source();
        }
        HttpError::Failed {
            url: url.to_string(),
            why,
        }
    }

    fn out_of_time(url: &str) -> HttpError {
        HttpError::Bad {
            url: url.to_string(),
            why: "its time ran out (its caller's time limit)".into(),
        }
    }
}

/// The most idle connections a client keeps to one host: as many as one isolate thread's
/// fetches in flight at once (a handler with 64 requests in flight, each fetching from one
/// upstream, would otherwise open a new connection for most of its fetches).
const IDLE_PER_HOST: usize = 64;

/// The most redirects followed for one request.
pub(crate) const MAX_REDIRECTS: usize = 10;

/// A client: its idle connections serve the requests after, on the tokio runtime that
/// made them. It follows no redirect itself ([`open`] does, checking each).
pub(crate) type Client =
    hyper_util::client::legacy::Client<hyper_rustls::HttpsConnector<HttpConnector>, SendBody>;

/// A client for http: and https: URLs (rustls with the webpki roots), keeping up to
/// [`IDLE_PER_HOST`] idle connections to each host; make one per thread and keep it.
pub(crate) fn client() -> Client {
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_webpki_roots()
        .https_or_http()
        .enable_http1()
        .build();
    hyper_util::client::legacy::Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(IDLE_PER_HOST)
        .build(connector)
}

/// A request body as hyper sends it.
pub(crate) enum SendBody {
    Whole(Option<Bytes>),
    Streamed(mpsc::Receiver<Option<Vec<u8>>>),
}

impl Body for SendBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        match self.get_mut() {
            SendBody::Whole(b) => Poll::Ready(b.take().map(|b| Ok(Frame::data(b)))),
            SendBody::Streamed(rx) => rx.poll_recv(cx).map(|next| match next {
                Some(Some(chunk)) => Some(Ok(Frame::data(chunk.into()))),
                Some(None) => None,
                None => Some(Err(io::Error::other(
                    "its body stream stopped before its end",
                ))),
            }),
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, SendBody::Whole(None))
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            SendBody::Whole(b) => SizeHint::with_exact(b.as_ref().map_or(0, |b| b.len() as u64)),
            SendBody::Streamed(_) => SizeHint::default(),
        }
    }
}

/// The headers that describe a request's body, dropped with it when a redirect makes the
/// request a GET.
const BODY_HEADERS: &[&str] = &[
    "content-encoding",
    "content-language",
    "content-location",
    "content-type",
    "content-length",
];

/// The headers a redirect to another origin does not carry there.
const CREDENTIAL_HEADERS: &[&str] = &["authorization", "proxy-authorization", "cookie", "host"];

fn is_one_of(name: &str, names: &[&str]) -> bool {
    names.iter().any(|n| name.eq_ignore_ascii_case(n))
}

/// The most of a redirect's body read (and dropped) so that its connection can carry the
/// next hop; a bigger or unsized one is dropped unread, closing its connection.
const DRAIN_BYTES: u64 = 64 * 1024;

/// Reads a redirect's body to its end if it is small, within the deadline.
async fn drain(mut body: hyper::body::Incoming, deadline: tokio::time::Instant) {
    if body.size_hint().upper().is_none_or(|n| n > DRAIN_BYTES) {
        return;
    }
    while let Ok(Some(Ok(_))) = tokio::time::timeout_at(deadline, body.frame()).await {}
}

/// A response's head, its body not read yet.
#[derive(Debug)]
pub(crate) struct Head {
    pub status: u16,
    pub status_text: String,
    pub headers: Vec<(String, Vec<u8>)>,
    pub url: String,
    pub redirected: bool,
}

/// A response body as it arrives, within its request's deadline.
pub(crate) struct BodyReader {
    body: hyper::body::Incoming,
    deadline: tokio::time::Instant,
    url: String,
}

impl BodyReader {
    /// The body's next bytes; `None` at its end.
    ///
    /// # Errors
    /// [`HttpError`]: the body was cut off, or the deadline passed.
    pub(crate) async fn chunk(&mut self) -> Result<Option<Bytes>, HttpError> {
        loop {
            let frame = tokio::time::timeout_at(self.deadline, self.body.frame())
                .await
                .map_err(|_| HttpError::out_of_time(&self.url))?;
            match frame {
                None => return Ok(None),
                Some(Err(e)) => return Err(HttpError::failed(&self.url, &e)),
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data()
                        && !data.is_empty()
                    {
                        return Ok(Some(data));
                    }
                }
            }
        }
    }
}

/// Makes `req`, asking `allowed` before each hop (the first URL and every redirect's),
/// and reads the whole body, at most `max_response_bytes` of it.
///
/// # Errors
/// [`HttpError`]: refused by `allowed`, not a request that can be made, failed on the way,
/// out of time, or a body over the limit.
pub(crate) async fn request(
    client: &Client,
    req: Outbound,
    allowed: impl Fn(&url::Url) -> Result<(), String>,
) -> Result<Response, HttpError> {
    let max = req.max_response_bytes;
    let (head, mut body) = open(client, req, allowed).await?;
    let mut out = Vec::new();
    while let Some(chunk) = body.chunk().await? {
        if (out.len() + chunk.len()) as u64 > max {
            return Err(HttpError::TooLarge { url: head.url, max });
        }
        out.extend_from_slice(&chunk);
    }
    Ok(Response {
        status: head.status,
        headers: head.headers,
        body: out,
    })
}

/// Makes `req` as [`request`] does, up to the response's head: its body is left to be
/// read as it arrives (`max_response_bytes` is not applied).
///
/// # Errors
/// As [`request`], but for the body's size.
pub(crate) async fn open(
    client: &Client,
    req: Outbound,
    allowed: impl Fn(&url::Url) -> Result<(), String>,
) -> Result<(Head, BodyReader), HttpError> {
    let Outbound {
        mut method,
        url: mut url_text,
        mut headers,
        mut body,
        follow,
        deadline,
        ..
    } = req;
    let deadline = tokio::time::Instant::from_std(deadline);
    method.make_ascii_uppercase();
    for hop in 0..=MAX_REDIRECTS {
        let url = url::Url::parse(&url_text).map_err(|e| HttpError::Bad {
            url: url_text.clone(),
            why: format!("not a URL: {e}"),
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(HttpError::Denied {
                url: url_text,
                why: "only http: and https: URLs can be requested".into(),
            });
        }
        allowed(&url).map_err(|why| HttpError::Denied {
            url: url_text.clone(),
            why,
        })?;
        let bad = |why: String| HttpError::Bad {
            url: url_text.clone(),
            why,
        };
        let mut builder = hyper::Request::builder()
            .method(method.as_str())
            .uri(url.as_str());
        for (k, v) in &headers {
            let value = hyper::header::HeaderValue::from_bytes(v)
                .map_err(|e| bad(format!("the value of its {k} header: {e}")))?;
            builder = builder.header(k, value);
        }
        let streamed = matches!(body, Some(Upload::Streamed(_)));
        // A whole body stays for a redirect that sends it again; a stream goes once.
        let send = match body.take() {
            Some(Upload::Whole(b)) => {
                body = Some(Upload::Whole(b.clone()));
                SendBody::Whole(Some(b))
            }
            Some(Upload::Streamed(rx)) => SendBody::Streamed(rx),
            None => SendBody::Whole(None),
        };
        let request = builder.body(send).map_err(|e| bad(e.to_string()))?;
        let response = tokio::time::timeout_at(deadline, client.request(request))
            .await
            .map_err(|_| HttpError::out_of_time(&url_text))?
            .map_err(|e| HttpError::failed(&url_text, &e))?;
        let status = response.status();
        if follow
            && status.is_redirection()
            && let Some(location) = response
                .headers()
                .get("location")
                .and_then(|l| l.to_str().ok())
        {
            let next = url.join(location).map_err(|e| HttpError::Bad {
                url: url_text.clone(),
                why: format!("its redirect to \"{location}\" is not a URL: {e}"),
            })?;
            // As the Fetch standard has it: 303 (but for a GET or HEAD), and 301/302 after a
            // POST, become a GET without a body, and without the headers that described it.
            let code = status.as_u16();
            if (code == 303 && method != "GET" && method != "HEAD")
                || (matches!(code, 301 | 302) && method == "POST")
            {
                method = "GET".into();
                body = None;
                headers.retain(|(name, _)| !is_one_of(name, BODY_HEADERS));
            } else if streamed {
                return Err(HttpError::Bad {
                    url: url_text,
                    why: format!(
                        "its redirect ({}) would send its streamed body again",
                        status.as_u16()
                    ),
                });
            }
            // Credentials go only where they were meant for (as undici and curl do; the
            // standard names only Authorization, since a browser keeps cookies itself).
            if next.origin() != url.origin() {
                headers.retain(|(name, _)| !is_one_of(name, CREDENTIAL_HEADERS));
            }
            drain(response.into_body(), deadline).await;
            url_text = next.to_string();
            continue;
        }
        let headers = response
            .headers()
            .iter()
            .map(|(name, value)| (name.as_str().to_string(), value.as_bytes().to_vec()))
            .collect();
        let head = Head {
            status: status.as_u16(),
            status_text: match response.extensions().get::<hyper::ext::ReasonPhrase>() {
                // hyper keeps the wire's phrase only where it is not the canonical one.
                Some(phrase) => String::from_utf8_lossy(phrase.as_bytes()).into_owned(),
                None => status.canonical_reason().unwrap_or_default().to_string(),
            },
            headers,
            url: url_text.clone(),
            redirected: hop > 0,
        };
        let body = BodyReader {
            body: response.into_body(),
            deadline,
            url: url_text,
        };
        return Ok((head, body));
    }
    Err(HttpError::Bad {
        url: url_text,
        why: format!("more than {MAX_REDIRECTS} redirects"),
    })
}
