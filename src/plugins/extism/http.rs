//! Extism's `http_request` over warren's HTTP client (`http_client.rs`), allowed only to
//! the hosts a plugin's manifest lists in `allowed_hosts` (glob patterns, as Extism
//! matches them): with no list every request is refused, and each redirect's host is
//! checked too.

use std::collections::BTreeMap;
use std::time::Duration;

pub(crate) use crate::http_client::HttpError;
use crate::http_client::{self, Outbound, Upload};

/// Who a plugin may reach over HTTP, and how much it may take.
#[derive(Debug, Clone)]
pub(crate) struct HttpPolicy {
    /// Host patterns (`example.com`, `*.example.com`); `None` or empty: nothing.
    pub allowed_hosts: Option<Vec<String>>,
    /// How long one request (every hop) may take.
    pub timeout: Duration,
    /// The largest response body accepted.
    pub max_response_bytes: u64,
}

/// A response: its status, headers (the last value of a repeated header) and body.
#[derive(Debug)]
pub(crate) struct Response {
    pub status: u16,
    pub headers: BTreeMap<String, String>,
    pub body: Vec<u8>,
}

/// Whether `policy` lets a request reach `url`; why not otherwise.
pub(crate) fn check(policy: &HttpPolicy, url: &url::Url) -> Result<(), String> {
    let host = url.host_str().unwrap_or_default();
    let Some(allowed) = policy.allowed_hosts.as_ref().filter(|a| !a.is_empty()) else {
        return Err(format!(
            "the plugin's manifest allows no hosts (add \"{host}\" to its allowed_hosts)"
        ));
    };
    let hit = allowed.iter().any(|pat| match glob::Pattern::new(pat) {
        Ok(p) => p.matches(host),
        Err(_) => pat == host,
    });
    if hit {
        Ok(())
    } else {
        Err(format!(
            "{host} is not in the plugin's allowed_hosts ({})",
            allowed.join(", ")
        ))
    }
}

/// How often a plugin's wait for its request looks whether its call's limit fired.
const INTERRUPT_POLL: Duration = Duration::from_millis(10);

/// [`request`] on the process's I/O runtime ([`crate::io_runtime`]: the plugin's thread
/// waits, as a host call does), given up when `interrupt` fires (the plugin call's time
/// limit): the call ends at its limit rather than when the request does. The request is
/// left to end on its own timeout.
///
/// # Errors
/// The request's failure as text, or that the call's limit fired.
pub(crate) fn request_until(
    policy: &HttpPolicy,
    req: extism_manifest::HttpRequest,
    body: Option<Vec<u8>>,
    interrupt: &crate::Interrupt,
) -> Result<Response, String> {
    let (tx, rx) = std::sync::mpsc::channel();
    let policy = policy.clone();
    crate::io_runtime::spawn_shared(async move {
        let _ = tx.send(
            request(&policy, &req, body)
                .await
                .map_err(|e| e.to_string()),
        );
    })
    .map_err(|e| format!("http_request: no runtime for it: {e}"))?;
    loop {
        match rx.recv_timeout(INTERRUPT_POLL) {
            Ok(done) => return done,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) if interrupt.fired() => {
                return Err("http_request was stopped: the call's time limit fired".into());
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                return Err("http_request's task failed".into());
            }
        }
    }
}

/// Makes `req` (with `body`), following redirects within `policy`, every hop within its
/// `timeout`.
pub(crate) async fn request(
    policy: &HttpPolicy,
    req: &extism_manifest::HttpRequest,
    body: Option<Vec<u8>>,
) -> Result<Response, HttpError> {
    thread_local! {
        // The I/O runtime's thread's client: plugins' idle connections serve later requests.
        static CLIENT: http_client::Client = http_client::client();
    }
    let outbound = Outbound {
        method: req.method.clone().unwrap_or_else(|| "GET".into()),
        url: req.url.clone(),
        headers: req
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), v.clone().into_bytes()))
            .collect(),
        body: body.map(|b| Upload::Whole(b.into())),
        follow: true,
        max_response_bytes: policy.max_response_bytes,
        deadline: std::time::Instant::now() + policy.timeout,
    };
    let client = CLIENT.with(http_client::Client::clone);
    let response = http_client::request(&client, outbound, |url| check(policy, url))
        .await
        .map_err(|e| match e {
            HttpError::TooLarge { url, max } => HttpError::Bad {
                url,
                why: format!(
                    "the response is larger than the plugin's max_http_response_bytes of {max}"
                ),
            },
            e => e,
        })?;
    Ok(Response {
        status: response.status,
        // Extism gives the last value of a repeated header, as text.
        headers: response
            .headers
            .into_iter()
            .map(|(k, v)| (k, String::from_utf8_lossy(&v).into_owned()))
            .collect(),
        body: response.body,
    })
}
