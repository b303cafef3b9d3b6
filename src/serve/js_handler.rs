//! A JS handler in its isolate: the glue module (`js/serve_glue.mjs`) that imports the
//! handler and turns requests into `Request`s and `Response`s, and the calls into it that
//! start a request, pull a streamed body chunk by chunk, cancel it and wait for
//! `ctx.waitUntil`; and, for requests in flight at once (`flights.rs`), the calls that
//! start one under its number, finish its rest, and drop or abort it.

use std::cell::OnceCell;
use std::rc::Rc;

use bytes::Bytes;
use hyper::Method;
use hyper::header::{self, HeaderMap, HeaderName, HeaderValue};

use crate::modules::{ModuleKind, ModuleSource};
use crate::plugins::PluginSpec;
use crate::runtime::{
    CallArgList, CallArgs, CallResult, Called, Callee, KeptFunction, uint8_array,
};
use crate::serve::exchange::{HandlerRequest, RequestBody, add_header};
use crate::serve::request_body::{self, BodySlot};
use crate::value::Value;
use crate::{Error, Runtime};

const GLUE: &str = include_str!("../../js/serve_glue.mjs");

/// A response head from a handler, with its body when it is not a stream.
pub(crate) struct Start {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// The body is a stream: [`pull`] reads it.
    pub streamed: bool,
    /// The handler set a Content-Length ([`HandlerResponse::declared_length`]).
    pub declared_length: bool,
    /// There may be `ctx.waitUntil` promises for [`settle`] to wait for.
    pub waiting: bool,
    /// The handler failed (threw, or gave no `Response`): what happened, for the log; the
    /// client gets a 500 that says nothing of it.
    pub failed: Option<String>,
}

/// The glue's functions, kept for calls without a lookup by name, and the strings every
/// request uses.
#[derive(Clone)]
pub(crate) struct Glue {
    handle: KeptFunction,
    pull: KeptFunction,
    cancel: KeptFunction,
    abort: KeptFunction,
    settle: KeptFunction,
    start: KeptFunction,
    rest: KeptFunction,
    drop: KeptFunction,
    abort_flight: KeptFunction,
    strings: Rc<OnceCell<Strings>>,
    /// Where a streamed request body is lent for the glue's `host:request` to read.
    body: BodySlot,
}

/// The methods of [`METHODS`] as JS strings, made in the isolate by its first request.
struct Strings {
    methods: Vec<v8::Global<v8::String>>,
}

const METHODS: [Method; 9] = [
    Method::GET,
    Method::HEAD,
    Method::POST,
    Method::PUT,
    Method::DELETE,
    Method::OPTIONS,
    Method::PATCH,
    Method::CONNECT,
    Method::TRACE,
];

impl Strings {
    fn new(scope: &v8::PinScope) -> Strings {
        let keep = |text: &str| v8::Global::new(scope, one_byte_string(scope, text.as_bytes()));
        Strings {
            methods: METHODS.iter().map(|m| keep(m.as_str())).collect(),
        }
    }
}

/// Loads the handler of `spec` under the glue: the handler's module graph is evaluated
/// here, so a handler that does not load (or does not export `fetch`) fails now. `body`
/// is the slot whose `read` the runtime's Linker has as [`request_body::MODULE`].
pub(crate) async fn load(
    rt: &mut Runtime,
    spec: &PluginSpec,
    body: BodySlot,
) -> crate::Result<Glue> {
    let handler = crate::modules::path_to_url(&spec.source)
        .map_err(|e| Error::module(format!("cannot load {}", spec.source.display()), e))?;
    let mut url = handler.clone();
    url.set_query(Some("warren-serve"));
    let quote = |s: &str| serde_json::to_string(s).unwrap_or_default();
    let mut code = format!(
        "import * as handlerModule from {};\nimport {{ get as getConfig }} from \"host:config\";\nimport {{ read as readBody, write as writeChunk }} from {};\n",
        quote(handler.as_str()),
        quote(request_body::MODULE)
    );
    if spec.plugin_imports.is_empty() {
        code.push_str("const callPlugin = null;\nconst PLUGINS = [];\n");
    } else {
        code.push_str("import { call as callPlugin } from \"host:plugins\";\n");
        code.push_str(&format!(
            "const PLUGINS = {};\n",
            serde_json::to_string(&spec.plugin_imports).unwrap_or_default()
        ));
    }
    code.push_str(GLUE);
    let glue = rt
        .load_module(ModuleSource {
            kind: ModuleKind::JavaScript,
            code: code.into_bytes(),
            url,
        })
        .await?;
    Ok(Glue {
        handle: rt.keep_function(&glue, "handle")?,
        pull: rt.keep_function(&glue, "pull")?,
        cancel: rt.keep_function(&glue, "cancel")?,
        abort: rt.keep_function(&glue, "abort")?,
        settle: rt.keep_function(&glue, "settle")?,
        start: rt.keep_function(&glue, "start")?,
        rest: rt.keep_function(&glue, "rest")?,
        drop: rt.keep_function(&glue, "drop")?,
        abort_flight: rt.keep_function(&glue, "abortFlight")?,
        strings: Rc::default(),
        body,
    })
}

/// Calls the handler with `request`: the response when the handler gave one at once, or
/// the promise it gave, for [`finish_start`].
///
/// # Errors
/// The runtime's: a limit, or [`Error::Value`] for a response that does not fit HTTP.
pub(crate) fn start_now(
    rt: &mut Runtime,
    glue: &Glue,
    request: &mut HandlerRequest,
) -> crate::Result<Called<Start>> {
    let args = Args::new(request, glue, None);
    rt.call_now(Callee::Kept(&glue.handle), &args)
        .map_err(response_error)
}

/// [`start_now`] for a request in flight beside others, under the number `id`; also the
/// number of its streamed body, if it has one, for [`end_flight`].
///
/// # Errors
/// As [`start_now`].
pub(crate) fn start_flight(
    rt: &mut Runtime,
    glue: &Glue,
    id: u32,
    request: &mut HandlerRequest,
) -> (crate::Result<Called<Start>>, Option<u32>) {
    let args = Args::new(request, glue, Some(id));
    let body = args.streamed;
    let called = rt
        .call_now(Callee::Kept(&glue.start), &args)
        .map_err(response_error);
    (called, body)
}

/// Starts what is left of the request in flight `id` after its head: streaming its body
/// (through its sink, `flights.rs`) and waiting for its `ctx.waitUntil`. The promise
/// settles when that is done.
///
/// # Errors
/// The runtime's.
pub(crate) fn rest(rt: &mut Runtime, glue: &Glue, id: u32) -> crate::Result<Called<Value>> {
    rt.call_now(Callee::Kept(&glue.rest), &FlightId(id))
}

/// Ends the request in flight `id` that the server gave up on: its signal is aborted and
/// its stream cancelled; a late `ctx.waitUntil` of it is ignored.
///
/// # Errors
/// The runtime's.
pub(crate) fn drop_flight(rt: &mut Runtime, glue: &Glue, id: u32) -> crate::Result<()> {
    rt.call_now::<_, Value>(Callee::Kept(&glue.drop), &FlightId(id))
        .map(drop)
}

/// Aborts `request.signal` of the request in flight `id`: its client went away first.
///
/// # Errors
/// The runtime's.
pub(crate) fn abort_flight(rt: &mut Runtime, glue: &Glue, id: u32) -> crate::Result<()> {
    rt.call_now::<_, Value>(Callee::Kept(&glue.abort_flight), &FlightId(id))
        .map(drop)
}

/// The request in flight whose streamed body is `body` is over: the body is let go.
pub(crate) fn end_flight(glue: &Glue, body: u32) {
    glue.body.end(body);
}

/// The one argument of a call about a request in flight: its number.
struct FlightId(u32);

impl CallArgs for FlightId {
    fn to_js<'s>(
        &self,
        scope: &mut v8::PinScope<'s, '_>,
        out: &mut CallArgList<'s>,
    ) -> Result<(), String> {
        out.push(v8::Integer::new_from_unsigned(scope, self.0).into());
        Ok(())
    }
}

/// The request started last is over: a body it streams is let go, unread or not.
pub(crate) fn end(glue: &Glue) {
    glue.body.end_all();
}

/// Waits for the promise [`start_now`] gave, and reads the response.
///
/// # Errors
/// As [`start_now`].
pub(crate) async fn finish_start(
    rt: &mut Runtime,
    glue: &Glue,
    promise: &v8::Global<v8::Promise>,
) -> crate::Result<Start> {
    rt.finish_call(promise, Callee::Kept(&glue.handle).name())
        .await
        .map_err(response_error)
}

/// A response that does not fit HTTP, said as the handler's.
pub(crate) fn response_error(e: Error) -> Error {
    match e {
        Error::Value(why) => Error::Value(format!("the handler's response: {why}")),
        e => e,
    }
}

/// `handle`'s arguments, made from the request in JS directly: `method`, `head`, `urlEnd`
/// and the body (`null` for a GET or HEAD without one, the number `host:request` reads
/// it by when it streams). `head` is one string: the URL, then `\nname:value` for each
/// header (names lowercase; neither a URL nor a header holds a line feed, nor a name a
/// colon), which `Request` takes apart only when asked: one string to make per request,
/// however many headers it has.
struct Args<'r> {
    request: &'r HandlerRequest,
    strings: &'r OnceCell<Strings>,
    /// The body's number in the glue's slot, when it streams.
    streamed: Option<u32>,
    /// The request's number, when it is in flight beside others.
    flight: Option<u32>,
}

impl<'r> Args<'r> {
    /// The arguments for `request`, whose streamed body (if it has one) is lent now.
    fn new(request: &'r mut HandlerRequest, glue: &'r Glue, flight: Option<u32>) -> Args<'r> {
        let streamed = match std::mem::replace(&mut request.body, RequestBody::Full(Bytes::new())) {
            RequestBody::Stream(body) => Some(glue.body.lend(body)),
            full => {
                request.body = full;
                None
            }
        };
        Args {
            request,
            strings: &glue.strings,
            streamed,
            flight,
        }
    }
}

impl CallArgs for Args<'_> {
    fn to_js<'s>(
        &self,
        scope: &mut v8::PinScope<'s, '_>,
        out: &mut CallArgList<'s>,
    ) -> Result<(), String> {
        let r = self.request;
        let strings = self.strings.get_or_init(|| Strings::new(scope));
        let method = METHODS
            .iter()
            .position(|m| *m == r.method)
            .and_then(|i| strings.methods.get(i))
            .map(|g| v8::Local::new(scope, g))
            .unwrap_or_else(|| one_byte_string(scope, r.method.as_str().as_bytes()));
        out.push(method.into());
        let mut head = smallvec::SmallVec::<[u8; 1024]>::new();
        // The URL is the parser's output, ASCII.
        head.extend_from_slice(r.url.as_bytes());
        for (k, v) in &r.headers {
            head.push(b'\n');
            head.extend_from_slice(k.as_str().as_bytes());
            head.push(b':');
            head.extend_from_slice(v.as_bytes());
        }
        out.push(one_byte_string(scope, &head).into());
        let url_end = u32::try_from(r.url.len()).map_err(|_| "a URL that does not fit")?;
        out.push(v8::Integer::new_from_unsigned(scope, url_end).into());
        out.push(match (&r.body, self.streamed) {
            (_, Some(id)) => v8::Integer::new_from_unsigned(scope, id).into(),
            (RequestBody::Full(b), None)
                if b.is_empty() && matches!(r.method, Method::GET | Method::HEAD) =>
            {
                v8::null(scope).into()
            }
            (RequestBody::Full(b), None) => {
                uint8_array(scope, b.to_vec()).map_err(|_| "the body does not fit in memory")?
            }
            (RequestBody::Stream(_), None) => return Err("a body that was not lent".into()),
        });
        if let Some(id) = self.flight {
            out.push(v8::Integer::new_from_unsigned(scope, id).into());
        }
        Ok(())
    }
}

/// A JS string of header bytes as Fetch's ByteString: each byte one character (ASCII as
/// it is, obs-text as Latin-1), as the response's headers are read back.
fn one_byte_string<'s>(scope: &v8::PinScope<'s, '_>, bytes: &[u8]) -> v8::Local<'s, v8::String> {
    v8::String::new_from_one_byte(scope, bytes, v8::NewStringType::Normal)
        .unwrap_or_else(|| v8::String::empty(scope))
}

/// In `handle`'s result: the body is a stream; `ctx.waitUntil` was given promises.
const STREAMED: u32 = 1 << 10;
const WAITING: u32 = 1 << 11;
const FAILED: u32 = 1 << 12;

/// The Content-Type of a string body (`handle`'s result when it is the string alone).
const TEXT_PLAIN: HeaderValue = HeaderValue::from_static("text/plain;charset=UTF-8");

impl CallResult for Start {
    /// `[status | STREAMED | WAITING, body, name, value, ...]`, `body` a string, bytes or
    /// null; or a string alone: the body of a 200 response whose one header is
    /// [`TEXT_PLAIN`]; or `[FAILED | WAITING, thrown, what]` when the handler failed.
    fn from_js(scope: &mut v8::PinScope, v: v8::Local<v8::Value>) -> Result<Self, String> {
        if v.is_string() {
            let mut headers = HeaderMap::with_capacity(1);
            headers.insert(header::CONTENT_TYPE, TEXT_PLAIN);
            return Ok(Start {
                status: 200,
                headers,
                body: Bytes::from(v.to_rust_string_lossy(scope)),
                streamed: false,
                declared_length: false,
                waiting: false,
                failed: None,
            });
        }
        let parts = v8::Local::<v8::Array>::try_from(v).map_err(|_| "not a response")?;
        let (Some(code), Some(body)) = (parts.get_index(scope, 0), parts.get_index(scope, 1))
        else {
            return Err("not a response".into());
        };
        let code = if code.is_uint32() {
            code.uint32_value(scope)
        } else {
            None
        }
        .ok_or("a status that is not an integer")?;
        if code & FAILED != 0 {
            let what = parts
                .get_index(scope, 2)
                .map(|w| w.to_rust_string_lossy(scope))
                .unwrap_or_default();
            let e = crate::runtime::exceptions::js_error(scope, body, false);
            let thrown = match e.stack {
                Some(stack) if stack.starts_with(&e.message) => stack,
                Some(stack) => format!("{}\n{stack}", e.message),
                None => e.message,
            };
            return Ok(Start {
                status: 500,
                headers: HeaderMap::new(),
                body: Bytes::new(),
                streamed: false,
                declared_length: false,
                waiting: code & WAITING != 0,
                failed: Some(format!("{what}: {thrown}")),
            });
        }
        let status = u16::try_from(code & (STREAMED - 1)).map_err(|_| "a status out of range")?;
        let end = parts.length();
        let mut headers = HeaderMap::with_capacity((end as usize).saturating_sub(2) / 2);
        let mut declared_length = false;
        let mut i = 2;
        while i + 1 < end {
            let (Some(k), Some(v)) = (parts.get_index(scope, i), parts.get_index(scope, i + 1))
            else {
                return Err("headers it cannot read".into());
            };
            let (Ok(k), Ok(v)) = (
                v8::Local::<v8::String>::try_from(k),
                v8::Local::<v8::String>::try_from(v),
            ) else {
                return Err("a header that is not a pair of strings".into());
            };
            let name = byte_string(scope, k, |b| HeaderName::from_bytes(b).ok())
                .flatten()
                .ok_or_else(|| {
                    format!("an invalid header name {:?}", k.to_rust_string_lossy(scope))
                })?;
            let value = byte_string(scope, v, |b| HeaderValue::from_bytes(b).ok())
                .flatten()
                .ok_or_else(|| format!("an invalid header value for {name:?}"))?;
            declared_length |= add_header(&mut headers, name, value);
            i += 2;
        }
        let body = if body.is_string() {
            Bytes::from(body.to_rust_string_lossy(scope))
        } else if let Ok(view) = v8::Local::<v8::ArrayBufferView>::try_from(body) {
            let mut bytes = vec![0; view.byte_length()];
            view.copy_contents(&mut bytes);
            Bytes::from(bytes)
        } else if body.is_null_or_undefined() {
            Bytes::new()
        } else {
            return Err("a body that is not bytes".into());
        };
        Ok(Start {
            status,
            headers,
            body,
            streamed: code & STREAMED != 0,
            declared_length,
            waiting: code & WAITING != 0,
            failed: None,
        })
    }
}

/// Runs `f` over the bytes of `s` as a ByteString (each character one byte, as the
/// Fetch standard sends header names and values); `None` when a character is above 255.
/// `f` must not call into V8.
fn byte_string<R>(
    scope: &mut v8::PinScope,
    s: v8::Local<v8::String>,
    f: impl FnOnce(&[u8]) -> R,
) -> Option<R> {
    let view = v8::ValueView::new(scope, s);
    match view.data() {
        v8::ValueViewData::OneByte(bytes) => Some(f(bytes)),
        v8::ValueViewData::TwoByte(units) => {
            let bytes: Option<Vec<u8>> = units.iter().map(|&u| u8::try_from(u).ok()).collect();
            bytes.map(|b| f(&b))
        }
    }
}

/// The next chunk of a streamed body, `None` at its end.
///
/// # Errors
/// The runtime's; [`Error::Js`] when the stream errors or yields something that is not
/// bytes.
pub(crate) async fn pull(rt: &mut Runtime, glue: &Glue) -> crate::Result<Option<Bytes>> {
    let none: &[Value] = &[];
    match rt.call_export_as(Callee::Kept(&glue.pull), none).await? {
        Value::Bytes(b) => Ok(Some(Bytes::from(b))),
        Value::Null => Ok(None),
        other => Err(Error::Value(format!(
            "a body chunk that is not bytes: {other}"
        ))),
    }
}

/// Cancels a streamed body (its client went away) and aborts the request's signal.
pub(crate) async fn cancel(rt: &mut Runtime, glue: &Glue) -> crate::Result<()> {
    let none: &[Value] = &[];
    rt.call_export_as::<_, Value>(Callee::Kept(&glue.cancel), none)
        .await
        .map(drop)
}

/// Aborts `request.signal` of the request whose response is awaited: its client went
/// away first.
pub(crate) fn abort(rt: &mut Runtime, glue: &Glue) -> crate::Result<()> {
    let none: &[Value] = &[];
    rt.call_now::<_, Value>(Callee::Kept(&glue.abort), none)
        .map(drop)
}

/// Waits for the promises the request gave `ctx.waitUntil`.
pub(crate) async fn settle(rt: &mut Runtime, glue: &Glue) -> crate::Result<()> {
    let none: &[Value] = &[];
    rt.call_export_as::<_, Value>(Callee::Kept(&glue.settle), none)
        .await
        .map(drop)
}
