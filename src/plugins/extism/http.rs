//! Extism's `http_request` as a real HTTP client (ureq), allowed only to the hosts a
//! plugin's manifest lists in `allowed_hosts` (glob patterns, as Extism matches them):
//! with no list every request is refused. Redirects are followed here, one hop at a time,
//! so each hop's host is checked too. No proxy from the environment is used: a request goes
//! to the host it names or nowhere.

use std::collections::BTreeMap;
use std::io::Read;
use std::time::Duration;

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

/// Why a request was not made or failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum HttpError {
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
    #[error(
        "HTTP response from {url} is larger than the plugin's max_http_response_bytes of {max}"
    )]
    TooLarge { url: String, max: u64 },
}

/// A response: its status, headers (the last value of a repeated header) and body.
#[derive(Debug)]
pub(crate) struct Response {
    pub status: u16,
    pub headers: BTreeMap<String, String>,
    pub body: Vec<u8>,
}

/// The most redirects followed for one request.
const MAX_REDIRECTS: usize = 10;

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

/// Makes `req` (with `body`), following redirects within `policy`.
pub(crate) fn request(
    policy: &HttpPolicy,
    req: &extism_manifest::HttpRequest,
    body: Option<&[u8]>,
) -> Result<Response, HttpError> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .timeout_global(Some(policy.timeout))
        .proxy(None)
        .build()
        .into();
    let mut method = req.method.as_deref().unwrap_or("GET").to_ascii_uppercase();
    let mut body = body.map(<[u8]>::to_vec);
    let mut url_text = req.url.clone();
    for _ in 0..=MAX_REDIRECTS {
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
        check(policy, &url).map_err(|why| HttpError::Denied {
            url: url_text.clone(),
            why,
        })?;
        let mut builder = ureq::http::Request::builder()
            .method(method.as_str())
            .uri(url.as_str());
        for (k, v) in &req.headers {
            builder = builder.header(k, v);
        }
        let bad = |e: ureq::http::Error| HttpError::Bad {
            url: url_text.clone(),
            why: e.to_string(),
        };
        let sent = match &body {
            Some(b) => agent.run(builder.body(b.as_slice()).map_err(bad)?),
            None => agent.run(builder.body(()).map_err(bad)?),
        };
        let response = sent.map_err(|source| HttpError::Failed {
            url: url_text.clone(),
            source,
        })?;
        let status = response.status();
        if status.is_redirection()
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
            }
            url_text = next.to_string();
            continue;
        }
        let mut headers = BTreeMap::new();
        for (name, value) in response.headers() {
            if let Ok(v) = value.to_str() {
                headers.insert(name.as_str().to_string(), v.to_string());
            }
        }
        let max = policy.max_response_bytes;
        let mut out = Vec::new();
        response
            .into_body()
            .into_reader()
            .take(max.saturating_add(1))
            .read_to_end(&mut out)
            .map_err(|e| HttpError::Failed {
                url: url_text.clone(),
                source: ureq::Error::Io(e),
            })?;
        if out.len() as u64 > max {
            return Err(HttpError::TooLarge { url: url_text, max });
        }
        return Ok(Response {
            status: status.as_u16(),
            headers,
            body: out,
        });
    }
    Err(HttpError::Bad {
        url: url_text,
        why: format!("more than {MAX_REDIRECTS} redirects"),
    })
}
