//! The Rust half of JS `fetch` for `http:` and `https:` URLs (`js/web.js` builds the
//! `Request` and the `Response`): the op that checks the runtime's net grant for the first
//! URL at once and for each redirect as it is followed, makes the request on a thread of
//! its own (`http_client.rs` blocks) and settles a promise with the response, its body held to
//! what is left of the runtime's memory cap.

use std::time::Duration;

use crate::host::{HostFailure, Settle};
use crate::http_client::{self, HttpError, Outbound};
use crate::runtime::async_calls;
use crate::runtime::memory_budget;
use crate::runtime::state::State;
use crate::runtime::v8_util::{OpError, bytes_arg, v8_str};

/// How long one fetch (every redirect together) may take.
const TIMEOUT: Duration = Duration::from_secs(300);

/// Marks a failure that is a refused grant (a redirect to a host not granted), for JS to
/// throw `PermissionDenied` rather than `TypeError`.
const DENIED: &str = "PermissionDenied: ";

/// `httpFetch(method, url, [name, value, ...], body | null, follow, id)` -> a promise of
/// `[status, statusText, [name, value, ...], bytes, url, redirected]`, or of a string: why
/// it failed (prefixed with [`DENIED`] for a refused redirect).
///
/// # Errors
/// `PermissionDenied` when the URL's host is not granted; `TypeError` for arguments that
/// are not a request.
pub(crate) fn http_fetch<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    args: &v8::FunctionCallbackArguments<'s>,
    rv: &mut v8::ReturnValue<'s, v8::Value>,
) -> Result<(), OpError> {
    let method = args.get(0).to_rust_string_lossy(scope);
    let url_text = args.get(1).to_rust_string_lossy(scope);
    let url = url::Url::parse(&url_text)
        .map_err(|_| OpError::type_error(format!("Invalid URL: {url_text}")))?;
    let state = State::get(scope);
    state.permissions.check_net(&url)?;
    let headers = string_pairs(scope, args.get(2))?;
    let body = match args.get(3) {
        b if b.is_null_or_undefined() => None,
        b => Some(bytes_arg(b).ok_or_else(|| OpError::type_error("a request body must be bytes"))?),
    };
    let follow = args.get(4).is_true();
    let max_response_bytes = match memory_budget::sample(scope) {
        Some(budget) => budget.left() as u64,
        None => u64::MAX,
    };
    let permissions = state.permissions.clone();
    let outbound = Outbound {
        method,
        url: url.to_string(),
        headers,
        body,
        follow,
        timeout: TIMEOUT,
        max_response_bytes,
    };
    // A thread of its own, not tokio's blocking pool: a runtime dropped while a request
    // it gave up on (aborted, or its isolate retired) still waits for an answer would
    // wait for that thread, and the process with it. This one is left to finish alone.
    let (tx, done) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("warren-fetch".into())
        .spawn(move || {
            let _ = tx.send(http_client::request(outbound, |hop| {
                permissions.check_net(hop).map_err(|e| e.to_string())
            }));
        })
        .map_err(|e| OpError::type_error(format!("fetch failed: no thread for it: {e}")))?;
    let id = args.get(5).uint32_value(scope).unwrap_or(0);
    let (cancel, cancelled) = tokio::sync::oneshot::channel::<()>();
    CANCELS.with_borrow_mut(|c| c.push((id, cancel)));
    let future = Box::pin(async move {
        let result = tokio::select! {
            r = done => r.unwrap_or_else(|_| {
                Err(HttpError::Bad {
                    url: url.to_string(),
                    why: "the request's thread failed".into(),
                })
            }),
            // Aborted: the promise settles now, and nothing keeps the event loop waiting.
            _ = cancelled => Err(HttpError::Bad {
                url: url.to_string(),
                why: "aborted".into(),
            }),
        };
        CANCELS.with_borrow_mut(|c| c.retain(|(n, _)| *n != id));
        boxed(move |scope| settle(scope, result))
    });
    rv.set(async_calls::start_call(scope, future));
    Ok(())
}

thread_local! {
    /// The fetches in flight on this thread that can be cancelled, by the number JS gave.
    static CANCELS: std::cell::RefCell<Vec<(u32, tokio::sync::oneshot::Sender<()>)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// `httpFetchCancel(id)`: the fetch `id` was aborted: its promise settles at once (its
/// request, already on its way, is left to finish on its thread unread).
pub(crate) fn cancel(id: u32) {
    let cancel = CANCELS.with_borrow_mut(|c| {
        let i = c.iter().position(|(n, _)| *n == id)?;
        Some(c.swap_remove(i).1)
    });
    if let Some(cancel) = cancel {
        let _ = cancel.send(());
    }
}

/// `f` as a [`Settle`] (the closure's lifetimes made general).
fn boxed<F>(f: F) -> Settle
where
    F: for<'s, 'i> FnOnce(
            &mut v8::PinScope<'s, 'i>,
        ) -> Result<v8::Local<'s, v8::Value>, HostFailure>
        + 'static,
{
    Box::new(f)
}

/// The JS value a finished fetch settles its promise with.
fn settle<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    result: Result<http_client::Response, HttpError>,
) -> Result<v8::Local<'s, v8::Value>, HostFailure> {
    let response = match result {
        Ok(r) => r,
        Err(HttpError::Denied { why, .. }) if why.contains("not allowed") => {
            return Ok(v8_str(scope, &format!("{DENIED}{why}")).into());
        }
        Err(e) => return Ok(v8_str(scope, &e.to_string()).into()),
    };
    let Some(body) = memory_budget::uint8_array(scope, response.body) else {
        return Ok(v8_str(scope, "the response body does not fit in the memory cap").into());
    };
    let mut headers = Vec::with_capacity(response.headers.len() * 2);
    for (k, v) in &response.headers {
        headers.push(v8_str(scope, k).into());
        headers.push(byte_string(scope, v).into());
    }
    let parts = [
        v8::Integer::new(scope, i32::from(response.status)).into(),
        v8_str(scope, &response.status_text).into(),
        v8::Array::new_with_elements(scope, &headers).into(),
        body.into(),
        v8_str(scope, &response.url).into(),
        v8::Boolean::new(scope, response.redirected).into(),
    ];
    Ok(v8::Array::new_with_elements(scope, &parts).into())
}

/// A header value as a JS ByteString: each byte one character.
fn byte_string<'s>(scope: &mut v8::PinScope<'s, '_>, bytes: &[u8]) -> v8::Local<'s, v8::String> {
    v8::String::new_from_one_byte(scope, bytes, v8::NewStringType::Normal)
        .unwrap_or_else(|| v8::String::empty(scope))
}

/// `[name, value, ...]` as names and the bytes of their values (ByteStrings: a character
/// above U+00FF is refused).
fn string_pairs(
    scope: &mut v8::PinScope,
    v: v8::Local<v8::Value>,
) -> Result<Vec<(String, Vec<u8>)>, OpError> {
    let list = v8::Local::<v8::Array>::try_from(v)
        .map_err(|_| OpError::type_error("headers must be a list"))?;
    let mut out = Vec::with_capacity(list.length() as usize / 2);
    let mut i = 0;
    while i + 1 < list.length() {
        let (Some(k), Some(v)) = (list.get_index(scope, i), list.get_index(scope, i + 1)) else {
            break;
        };
        let name = k.to_rust_string_lossy(scope);
        let value: Option<Vec<u8>> = v
            .to_rust_string_lossy(scope)
            .chars()
            .map(|c| u8::try_from(c).ok())
            .collect();
        let value = value
            .ok_or_else(|| OpError::type_error(format!("an invalid header value for {name}")))?;
        out.push((name, value));
        i += 2;
    }
    Ok(out)
}
