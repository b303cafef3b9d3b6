//! The Rust half of JS `fetch` for `http:` and `https:` URLs (`js/web.js` builds the
//! `Request` and the `Response`): the ops that check the runtime's net grant for the
//! first URL at once and for each redirect as it is followed, make the request as a task
//! on this thread's own tokio runtime (`io_runtime.rs`, `http_client.rs`), settle a promise
//! with the response's head, and then give its body chunk by chunk as JS reads it (the
//! task reads ahead at most [`AHEAD`] chunks), each chunk held to the runtime's memory cap.
//! A request body that is a stream is sent as JS writes it (`httpFetchWrite`, at most
//! [`AHEAD`] chunks ahead of the request). A fetch aborted or a body cancelled settles what
//! waits for it at once, and its task stops.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{Notify, Semaphore, mpsc, oneshot};

use crate::permissions::Permissions;

use crate::host::{HostFailure, settle_with};
use crate::http_client::{self, HttpError, Outbound, Upload};
use crate::runtime::async_calls;
use crate::runtime::memory_budget;
use crate::runtime::state::State;
use crate::runtime::v8_util::{OpError, bytes_arg, v8_str};

/// How long one fetch (every redirect, and its body) may take.
const TIMEOUT: Duration = Duration::from_secs(300);

/// Chunks a request's task reads ahead of JS.
const AHEAD: usize = 4;

/// Fetches one thread's runtimes (an isolate, in a server) have on the network at once,
/// bodies still being read included: past it a fetch waits for one to end, so a tenant
/// cannot spend the process's sockets.
pub(crate) const MAX_IN_FLIGHT: usize = 64;

/// Marks a failure that is a refused grant (a redirect to a host not granted), for JS to
/// throw `PermissionDenied`; [`OVER_CAP`] a chunk over the memory cap (`RangeError`).
/// Any other failure is a string JS throws as `TypeError`.
const DENIED: &str = "PermissionDenied: ";
const OVER_CAP: &str = "RangeError: ";

/// What a request's task sends as the body arrives.
type Chunk = Result<Vec<u8>, String>;

/// Where a fetch's body chunks arrive: out while a read waits on it.
type ChunkSlot = Rc<RefCell<Option<mpsc::Receiver<Chunk>>>>;

/// A fetch in flight on this thread, by the number JS gave it.
struct InFlight {
    id: u32,
    /// Told when it is aborted or its body cancelled: what waits for it settles.
    cancelled: Rc<Notify>,
    /// Its body's chunks, once its head came.
    body: ChunkSlot,
    /// Where its streamed request body goes, until its end is written (`None`: the end).
    upload: Option<mpsc::Sender<Option<Vec<u8>>>>,
}

thread_local! {
    static FETCHES: RefCell<Vec<InFlight>> = const { RefCell::new(Vec::new()) };
    static SLOTS: Arc<Semaphore> = Arc::new(Semaphore::new(MAX_IN_FLIGHT));
    /// The client of the thread a request's task runs on: its idle connections serve its
    /// later fetches (one isolate's, in a server: no tenant's connection is another's).
    static CLIENT: http_client::Client = http_client::client();
}

fn find(id: u32) -> Option<(Rc<Notify>, ChunkSlot)> {
    FETCHES.with_borrow(|f| {
        f.iter()
            .find(|f| f.id == id)
            .map(|f| (f.cancelled.clone(), f.body.clone()))
    })
}

fn forget(id: u32) {
    FETCHES.with_borrow_mut(|f| f.retain(|f| f.id != id));
}

/// `httpFetch(method, url, [name, value, ...], body | true | null, follow, id)` (`true`:
/// the body is a stream, written with `httpFetchWrite(id, chunk)`) -> a promise of
/// `[status, statusText, [name, value, ...], url, redirected]` (the body then read with
/// `httpFetchRead(id)`), or of a string: why it failed (prefixed with [`DENIED`] for a
/// refused redirect).
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
    let (body, upload) = match args.get(3) {
        b if b.is_null_or_undefined() => (None, None),
        b if b.is_true() => {
            let (tx, rx) = mpsc::channel(AHEAD);
            (Some(Upload::Streamed(rx)), Some(tx))
        }
        b => {
            let bytes =
                bytes_arg(b).ok_or_else(|| OpError::type_error("a request body must be bytes"))?;
            (Some(Upload::Whole(bytes.into())), None)
        }
    };
    let follow = args.get(4).is_true();
    let id = args.get(5).uint32_value(scope).unwrap_or(0);
    let permissions = state.permissions.clone();
    let outbound = Outbound {
        method,
        url: url.to_string(),
        headers,
        body,
        follow,
        max_response_bytes: u64::MAX,
        // A fetch ends with the call that made it (a request's time limit, in a server):
        // its connection and slot are not held for long after nobody waits for it.
        deadline: {
            let longest = Instant::now() + TIMEOUT;
            state
                .call_deadline
                .get()
                .map_or(longest, |d| d.min(longest))
        },
    };
    let (chunk_tx, chunk_rx) = mpsc::channel::<Chunk>(AHEAD);
    let cancelled = Rc::new(Notify::new());
    FETCHES.with_borrow_mut(|f| {
        f.push(InFlight {
            id,
            cancelled: cancelled.clone(),
            body: Rc::new(RefCell::new(Some(chunk_rx))),
            upload,
        });
    });
    let slots = SLOTS.with(Arc::clone);
    let future = Box::pin(async move {
        let head = tokio::select! {
            h = start(slots, outbound, permissions, chunk_tx) => h,
            () = cancelled.notified() => Err(HttpError::Bad {
                url: url.to_string(),
                why: "aborted".into(),
            }),
        };
        if head.is_err() {
            forget(id);
        }
        settle_with(move |scope| settle_head(scope, head))
    });
    rv.set(async_calls::start_call(scope, future));
    Ok(())
}

/// Takes one of this thread's [`MAX_IN_FLIGHT`] slots (waiting for one), then makes the
/// request as a task of this thread's tokio runtime ([`crate::io_runtime`]), which keeps
/// the slot until it is done with the body; the response's head, or why there is none.
/// The task ends once nobody waits for the head or reads the body, or at the deadline.
async fn start(
    slots: Arc<Semaphore>,
    outbound: Outbound,
    permissions: Permissions,
    chunk_tx: mpsc::Sender<Chunk>,
) -> Result<http_client::Head, HttpError> {
    let url = outbound.url.clone();
    let failed = |why: &str| HttpError::Bad {
        url: url.clone(),
        why: why.to_string(),
    };
    let slot = slots
        .acquire_owned()
        .await
        .map_err(|_| failed("no slot for it"))?;
    let (head_tx, head_rx) = oneshot::channel();
    crate::io_runtime::spawn(async move {
        let _slot = slot;
        let client = CLIENT.with(http_client::Client::clone);
        let mut head_tx = head_tx;
        let opened = tokio::select! {
            opened = http_client::open(&client, outbound, |hop| {
                permissions.check_net(hop).map_err(|e| e.to_string())
            }) => opened,
            () = head_tx.closed() => return,
        };
        match opened {
            Err(e) => {
                let _ = head_tx.send(Err(e));
            }
            Ok((head, body)) => {
                if head_tx.send(Ok(head)).is_ok() {
                    pump(body, &chunk_tx).await;
                }
            }
        }
    })
    .map_err(|e| failed(&format!("no runtime for it: {e}")))?;
    head_rx
        .await
        .unwrap_or_else(|_| Err(failed("its task failed")))
}

/// Reads `body` into `tx` until its end (the channel closed: the body is whole), a
/// failure (sent), or nobody reading.
async fn pump(mut body: http_client::BodyReader, tx: &mpsc::Sender<Chunk>) {
    loop {
        let chunk = tokio::select! {
            c = body.chunk() => c,
            () = tx.closed() => return,
        };
        let sent = match chunk {
            Ok(None) => return,
            Ok(Some(bytes)) => tx.send(Ok(bytes.into())).await,
            Err(e) => {
                let _ = tx
                    .send(Err(format!("the response body was cut off: {e}")))
                    .await;
                return;
            }
        };
        if sent.is_err() {
            return;
        }
    }
}

/// `httpFetchWrite(id, chunk | null)` -> a promise of whether fetch `id`'s request took
/// the next chunk of its streamed body (`null`: its end); `false` once it takes no more
/// (it failed, was cancelled, or has its end). It settles when the request's task has
/// room for the chunk: the pace of the upload is the stream's backpressure.
///
/// # Errors
/// `TypeError` for a chunk that is not bytes.
pub(crate) fn write<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    args: &v8::FunctionCallbackArguments<'s>,
    rv: &mut v8::ReturnValue<'s, v8::Value>,
) -> Result<(), OpError> {
    let id = args.get(0).uint32_value(scope).unwrap_or(0);
    let piece = match args.get(1) {
        c if c.is_null_or_undefined() => None,
        c => Some(
            bytes_arg(c)
                .ok_or_else(|| OpError::type_error("a request body chunk must be a Uint8Array"))?,
        ),
    };
    let end = piece.is_none();
    let tx = FETCHES.with_borrow_mut(|f| {
        let f = f.iter_mut().find(|f| f.id == id)?;
        if end {
            f.upload.take()
        } else {
            f.upload.clone()
        }
    });
    let future = Box::pin(async move {
        let taken = match tx {
            Some(tx) => tx.send(piece).await.is_ok(),
            None => false,
        };
        settle_with(move |scope| Ok(v8::Boolean::new(scope, taken).into()))
    });
    rv.set(async_calls::start_call(scope, future));
    Ok(())
}

/// `httpFetchRead(id)` -> a promise of the next chunk of fetch `id`'s body (a
/// `Uint8Array`), `null` at its end (or once cancelled), or a string: why it failed.
pub(crate) fn read<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    args: &v8::FunctionCallbackArguments<'s>,
    rv: &mut v8::ReturnValue<'s, v8::Value>,
) {
    let id = args.get(0).uint32_value(scope).unwrap_or(0);
    let taken = find(id).and_then(|(c, b)| {
        let rx = b.borrow_mut().take()?;
        Some((c, b, rx))
    });
    let future = Box::pin(async move {
        let Some((cancelled, slot, mut rx)) = taken else {
            return settle_with(|scope| Ok(v8::null(scope).into()));
        };
        let chunk = tokio::select! {
            c = rx.recv() => c,
            () = cancelled.notified() => None,
        };
        match &chunk {
            Some(Ok(_)) => *slot.borrow_mut() = Some(rx),
            _ => forget(id),
        }
        settle_with(move |scope| settle_chunk(scope, chunk))
    });
    rv.set(async_calls::start_call(scope, future));
}

/// `httpFetchCancel(id)`: fetch `id` was aborted, or its body cancelled: what waits for it
/// settles now, and its task stops.
pub(crate) fn cancel(id: u32) {
    let gone = FETCHES.with_borrow_mut(|f| {
        let i = f.iter().position(|f| f.id == id)?;
        Some(f.swap_remove(i))
    });
    if let Some(f) = gone {
        f.cancelled.notify_one();
    }
}

fn settle_head<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    head: Result<http_client::Head, HttpError>,
) -> Result<v8::Local<'s, v8::Value>, HostFailure> {
    let head = match head {
        Ok(h) => h,
        Err(HttpError::Denied { why, .. }) if why.contains("not allowed") => {
            return Ok(v8_str(scope, &format!("{DENIED}{why}")).into());
        }
        Err(e) => return Ok(v8_str(scope, &e.to_string()).into()),
    };
    let mut headers = Vec::with_capacity(head.headers.len() * 2);
    for (k, v) in &head.headers {
        headers.push(v8_str(scope, k).into());
        headers.push(byte_string(scope, v).into());
    }
    let parts = [
        v8::Integer::new(scope, i32::from(head.status)).into(),
        v8_str(scope, &head.status_text).into(),
        v8::Array::new_with_elements(scope, &headers).into(),
        v8_str(scope, &head.url).into(),
        v8::Boolean::new(scope, head.redirected).into(),
    ];
    Ok(v8::Array::new_with_elements(scope, &parts).into())
}

fn settle_chunk<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    chunk: Option<Chunk>,
) -> Result<v8::Local<'s, v8::Value>, HostFailure> {
    Ok(match chunk {
        None => v8::null(scope).into(),
        Some(Err(why)) => v8_str(scope, &why).into(),
        Some(Ok(bytes)) => match memory_budget::uint8_array(scope, bytes) {
            Some(a) => a.into(),
            None => v8_str(
                scope,
                &format!("{OVER_CAP}the response body does not fit in the memory cap"),
            )
            .into(),
        },
    })
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
