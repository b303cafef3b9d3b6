//! What crosses between the HTTP side and a handler's isolate thread: the request, the
//! response (its body whole or as a stream of chunks), the answer (given at once, or to
//! come on a reply channel), and why a request got no answer from the handler.

use bytes::Bytes;
use hyper::header::{self, HeaderMap, HeaderName, HeaderValue};
use tokio::sync::{mpsc, oneshot};

use crate::serve::request_body::StreamedBody;

/// A request as a handler sees it.
#[derive(Debug)]
pub(crate) struct HandlerRequest {
    pub method: hyper::Method,
    /// Absolute (`http://HOST/path?query`) and as the WHATWG URL parser writes it, so a
    /// JS handler's `Request` takes it unparsed.
    pub url: String,
    pub headers: hyper::HeaderMap,
    pub body: RequestBody,
}

/// A request's body: read whole before the handler is called (within the body limit), or
/// streamed into a JS handler as it reads it.
#[derive(Debug)]
pub(crate) enum RequestBody {
    Full(Bytes),
    Stream(StreamedBody),
}

/// A response from a handler.
#[derive(Debug)]
pub(crate) struct HandlerResponse {
    pub status: u16,
    /// Without the headers the server owns ([`add_header`] leaves them out).
    pub headers: HeaderMap,
    pub body: ResponseBody,
    /// The handler set a Content-Length (kept in `headers`): [`settle_length`] keeps it
    /// only where the server cannot know the length itself.
    pub declared_length: bool,
}

/// Adds a header of a handler's response to `headers`, unless it is one the server owns:
/// the framing of the connection. A Content-Length is kept for [`settle_length`] to
/// judge: `true` when this was one.
pub(crate) fn add_header(headers: &mut HeaderMap, name: HeaderName, value: HeaderValue) -> bool {
    let owned = matches!(
        name.as_str(),
        "connection" | "keep-alive" | "transfer-encoding" | "upgrade"
    );
    if !owned {
        let length = name == header::CONTENT_LENGTH;
        headers.append(name, value);
        return length;
    }
    false
}

/// The handler's Content-Length in `headers`, kept where the server cannot know the
/// length itself, as Workers and Deno keep it: for a stream (a proxied `fetch()`
/// response, say, which the client then sees the size of) and for the empty body of an
/// answer to HEAD (`head`). Elsewhere the body's own length is sent. A stream whose
/// length is not one number is sent chunked; one that then yields more or less than it
/// declared is cut off. The length kept, if any.
pub(crate) fn settle_length(
    headers: &mut HeaderMap,
    body: &ResponseBody,
    head: bool,
) -> Option<u64> {
    let keep = match body {
        ResponseBody::Full(b) => head && b.is_empty(),
        ResponseBody::Stream(_) => true,
    };
    let mut values = headers.get_all(header::CONTENT_LENGTH).iter().map(|v| {
        v.to_str()
            .ok()
            .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|v| v.parse::<u64>().ok())
    });
    let first = values.next().flatten();
    let one = first.is_some() && values.all(|v| v == first);
    match first {
        Some(n) if keep && one => {
            headers.insert(header::CONTENT_LENGTH, HeaderValue::from(n));
            Some(n)
        }
        _ => {
            headers.remove(header::CONTENT_LENGTH);
            None
        }
    }
}

/// A response body: whole, or chunks sent as the handler's stream yields them.
#[derive(Debug)]
pub(crate) enum ResponseBody {
    Full(Bytes),
    Stream(mpsc::Receiver<Piece>),
}

/// What a streamed body's channel carries. A channel that closes before its `End` is a
/// body cut off (the handler failed or broke a limit, or its isolate went away), and the
/// connection is cut: never a shorter body that looks whole.
#[derive(Debug)]
pub(crate) enum Piece {
    Chunk(Bytes),
    End,
}

/// A streamed body that ended early (the handler failed or broke a limit).
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("the handler failed while streaming its response")]
pub(crate) struct BodyCut;

/// Why a handler gave no response. None of these names internals to the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The handler threw, returned something that is not a `Response`, or its isolate
    /// faulted: 500.
    Failed,
    /// It ran past its `timeout`: 504.
    TimedOut,
    /// It used up its `cpu_limit` or its `memory`: 503.
    OverLimit,
    /// The handler's isolates are gone (shutting down, or it cannot be reloaded): 503.
    Unavailable,
}

impl Refusal {
    /// The status and the body the client gets.
    pub fn status(self) -> (u16, &'static str) {
        match self {
            Refusal::Failed => (500, "Internal Server Error\n"),
            Refusal::TimedOut => (504, "Gateway Timeout\n"),
            Refusal::OverLimit | Refusal::Unavailable => (503, "Service Unavailable\n"),
        }
    }
}

/// Where the answer to a request goes.
pub(crate) type Reply = oneshot::Sender<Result<HandlerResponse, Refusal>>;

/// The answer to a request: given already, or to come from an isolate.
pub(crate) enum Answer {
    Now(Result<HandlerResponse, Refusal>),
    Later(oneshot::Receiver<Result<HandlerResponse, Refusal>>),
}

/// One request for a handler's isolate, and where its answer goes.
pub(crate) struct Job {
    pub request: HandlerRequest,
    pub reply: Reply,
}
