//! The one outbound HTTP client (ureq), for JS `fetch` and Extism's `http_request`: it
//! follows redirects itself, one hop at a time, asking the caller's check before each hop
//! (so a grant covers every host a request reaches), uses no proxy from the environment
//! (a request goes to the host it names or nowhere), and gives the response whole (at most
//! a given number of bytes) or its head with the body to read as it arrives. Blocking:
//! callers on an event loop run it on a thread of its own.

use std::io::Read;
use std::time::{Duration, Instant};

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
    /// When the whole request (every hop, and its body) must be over, sooner than the
    /// agent's own timeout: a caller's time limit.
    pub deadline: Option<Instant>,
}

/// A request's body: whole, or read as it is sent (chunked), once: a redirect that would
/// send it again (307, 308) fails the request, as it does in browsers.
pub(crate) enum Upload {
    Whole(Vec<u8>),
    Streamed(Box<dyn Read + Send>),
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
    #[error("HTTP request to {url} failed: {source}")]
    Failed {
        url: String,
        #[source]
        source: ureq::Error,
    },
    #[error("HTTP response from {url} is larger than the limit of {max} bytes")]
    TooLarge { url: String, max: u64 },
}

/// The most idle connections an agent keeps to one host: as many as one isolate thread's
/// fetches in flight at once.
const IDLE_PER_HOST: usize = 64;

/// The most redirects followed for one request.
pub(crate) const MAX_REDIRECTS: usize = 10;

/// A client whose requests (every hop, and the body) may take `timeout`, following no
/// redirect itself ([`open`] does, checking each) and using no proxy; it keeps idle
/// connections for the requests after, so make one per caller and keep it.
///
/// It keeps up to [`IDLE_PER_HOST`] idle connections to each host (ureq's default is 3):
/// a handler with 64 requests in flight, each fetching from one upstream, would otherwise
/// open a new connection for most of its fetches.
pub(crate) fn agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .max_idle_connections_per_host(IDLE_PER_HOST)
        .max_idle_connections(IDLE_PER_HOST * 4)
        .max_redirects(0)
        .http_status_as_error(false)
        .timeout_global(Some(timeout))
        .proxy(None)
        .build()
        .into()
}

/// `req`, its time bounded by `left` (else the agent's own timeout).
fn bounded<S: ureq::AsSendBody>(
    agent: &ureq::Agent,
    req: ureq::http::Request<S>,
    left: Option<Duration>,
) -> ureq::http::Request<S> {
    match left {
        Some(left) => agent
            .configure_request(req)
            .timeout_global(Some(left))
            .build(),
        None => req,
    }
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

/// A response body as it arrives (it can be read on another thread).
pub(crate) type BodyReader = ureq::BodyReader<'static>;

/// Makes `req`, asking `allowed` before each hop (the first URL and every redirect's),
/// and reads the whole body, at most `max_response_bytes` of it.
///
/// # Errors
/// [`HttpError`]: refused by `allowed`, not a request ureq can make, failed on the way, or
/// a body over the limit.
pub(crate) fn request(
    agent: &ureq::Agent,
    req: Outbound,
    allowed: impl Fn(&url::Url) -> Result<(), String>,
) -> Result<Response, HttpError> {
    let max = req.max_response_bytes;
    let (head, body) = open(agent, req, allowed)?;
    let mut out = Vec::new();
    body.take(max.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(|e| HttpError::Failed {
            url: head.url.clone(),
            source: ureq::Error::Io(e),
        })?;
    if out.len() as u64 > max {
        return Err(HttpError::TooLarge { url: head.url, max });
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
pub(crate) fn open(
    agent: &ureq::Agent,
    req: Outbound,
    allowed: impl Fn(&url::Url) -> Result<(), String>,
) -> Result<(Head, BodyReader), HttpError> {
    let Outbound {
        mut method,
        url: mut url_text,
        headers,
        mut body,
        follow,
        deadline,
        ..
    } = req;
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
        let mut builder = ureq::http::Request::builder()
            .method(method.as_str())
            .uri(url.as_str());
        for (k, v) in &headers {
            let value = ureq::http::HeaderValue::from_bytes(v).map_err(|e| HttpError::Bad {
                url: url_text.clone(),
                why: format!("the value of its {k} header: {e}"),
            })?;
            builder = builder.header(k, value);
        }
        let bad = |e: ureq::http::Error| HttpError::Bad {
            url: url_text.clone(),
            why: e.to_string(),
        };
        // What is left of the deadline bounds this hop and the body after it.
        let left = match deadline {
            Some(d) => match d.checked_duration_since(Instant::now()) {
                Some(left) if !left.is_zero() => Some(left),
                _ => {
                    return Err(HttpError::Bad {
                        url: url_text,
                        why: "its time ran out (its caller's time limit)".into(),
                    });
                }
            },
            None => None,
        };
        let sent = match &mut body {
            Some(Upload::Whole(b)) => agent.run(bounded(
                agent,
                builder.body(b.as_slice()).map_err(bad)?,
                left,
            )),
            Some(Upload::Streamed(r)) => {
                let r: &mut dyn Read = r;
                let req = builder.body(ureq::SendBody::from_reader(r)).map_err(bad)?;
                agent.run(bounded(agent, req, left))
            }
            None => agent.run(bounded(agent, builder.body(()).map_err(bad)?, left)),
        };
        let response = sent.map_err(|source| HttpError::Failed {
            url: url_text.clone(),
            source,
        })?;
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
            // As browsers do: 303, and 301/302 after a POST, become a GET without a body.
            if status.as_u16() == 303 || (matches!(status.as_u16(), 301 | 302) && method == "POST")
            {
                method = "GET".into();
                body = None;
            } else if matches!(body, Some(Upload::Streamed(_))) {
                return Err(HttpError::Bad {
                    url: url_text,
                    why: format!(
                        "its redirect ({}) would send its streamed body again",
                        status.as_u16()
                    ),
                });
            }
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
            status_text: status.canonical_reason().unwrap_or_default().to_string(),
            headers,
            url: url_text,
            redirected: hop > 0,
        };
        return Ok((head, response.into_body().into_reader()));
    }
    Err(HttpError::Bad {
        url: url_text,
        why: format!("more than {MAX_REDIRECTS} redirects"),
    })
}
