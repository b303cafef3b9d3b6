//! A JS handler in its isolate: the glue module (`js/serve_glue.mjs`) that imports the
//! handler and turns requests into `Request`s and `Response`s, and the calls into it that
//! start a request, pull a streamed body chunk by chunk, cancel it and wait for
//! `ctx.waitUntil`.

use bytes::Bytes;

use crate::modules::{ModuleKind, ModuleSource};
use crate::plugins::PluginSpec;
use crate::serve::exchange::HandlerRequest;
use crate::value::Value;
use crate::{Error, JsModule, Runtime};

const GLUE: &str = include_str!("../../js/serve_glue.mjs");

/// A response head from a handler, with its body when it is not a stream.
pub(crate) struct Start {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
    /// The body is a stream: [`pull`] reads it.
    pub streamed: bool,
    /// There may be `ctx.waitUntil` promises for [`settle`] to wait for.
    pub waiting: bool,
}

/// Loads the handler of `spec` under the glue: the handler's module graph is evaluated
/// here, so a handler that does not load (or does not export `fetch`) fails now.
pub(crate) async fn load(rt: &mut Runtime, spec: &PluginSpec) -> crate::Result<JsModule> {
    let handler = crate::modules::path_to_url(&spec.source)
        .map_err(|e| Error::module(format!("cannot load {}", spec.source.display()), e))?;
    let mut url = handler.clone();
    url.set_query(Some("warren-serve"));
    let quote = |s: &str| serde_json::to_string(s).unwrap_or_default();
    let mut code = format!(
        "import * as handlerModule from {};\nimport {{ get as getConfig }} from \"host:config\";\n",
        quote(handler.as_str())
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
    rt.load_module(ModuleSource {
        kind: ModuleKind::JavaScript,
        code: code.into_bytes(),
        url,
    })
    .await
}

/// Calls the handler with `request`.
///
/// # Errors
/// The runtime's: a limit, or [`Error::Value`] for a response that does not fit HTTP.
pub(crate) async fn start(
    rt: &mut Runtime,
    glue: &JsModule,
    request: HandlerRequest,
) -> crate::Result<Start> {
    let headers = request
        .headers
        .into_iter()
        .map(|(k, v)| Value::Array(vec![Value::String(k), Value::String(v)]))
        .collect();
    let body = if request.body.is_empty() && matches!(request.method.as_str(), "GET" | "HEAD") {
        Value::Null
    } else {
        Value::Bytes(request.body.to_vec())
    };
    let args = [
        Value::String(request.method),
        Value::String(request.url),
        Value::Array(headers),
        body,
    ];
    let out = rt.call_export(glue, "handle", &args).await?;
    parse_start(out).map_err(|why| Error::Value(format!("the handler's response: {why}")))
}

fn parse_start(out: Value) -> Result<Start, String> {
    let Value::Array(parts) = out else {
        return Err("not a response".into());
    };
    let mut parts = parts.into_iter();
    let status = match parts.next() {
        Some(Value::Number(n)) => n
            .as_u64()
            .and_then(|n| u16::try_from(n).ok())
            .ok_or("a status that is not an integer")?,
        _ => return Err("no status".into()),
    };
    let headers = match parts.next() {
        Some(Value::Array(pairs)) => pairs
            .into_iter()
            .map(|p| match p {
                Value::Array(kv) => match <[Value; 2]>::try_from(kv) {
                    Ok([Value::String(k), Value::String(v)]) => Ok((k, v)),
                    _ => Err("a header that is not a pair of strings".to_string()),
                },
                _ => Err("a header that is not a pair".to_string()),
            })
            .collect::<Result<Vec<_>, _>>()?,
        _ => return Err("no headers".into()),
    };
    let body = match parts.next() {
        Some(Value::Bytes(b)) => Bytes::from(b),
        Some(Value::String(s)) => Bytes::from(s),
        Some(Value::Null) | None => Bytes::new(),
        Some(_) => return Err("a body that is not bytes".into()),
    };
    let streamed = matches!(parts.next(), Some(Value::Bool(true)));
    let waiting = matches!(parts.next(), Some(Value::Bool(true)));
    Ok(Start {
        status,
        headers,
        body,
        streamed,
        waiting,
    })
}

/// The next chunk of a streamed body, `None` at its end.
///
/// # Errors
/// The runtime's; [`Error::Js`] when the stream errors or yields something that is not
/// bytes.
pub(crate) async fn pull(rt: &mut Runtime, glue: &JsModule) -> crate::Result<Option<Bytes>> {
    match rt.call_export(glue, "pull", &[]).await? {
        Value::Bytes(b) => Ok(Some(Bytes::from(b))),
        Value::Null => Ok(None),
        other => Err(Error::Value(format!(
            "a body chunk that is not bytes: {other}"
        ))),
    }
}

/// Cancels a streamed body (its client went away) and aborts the request's signal.
pub(crate) async fn cancel(rt: &mut Runtime, glue: &JsModule) -> crate::Result<()> {
    rt.call_export(glue, "cancel", &[]).await.map(drop)
}

/// Waits for the promises the request gave `ctx.waitUntil`.
pub(crate) async fn settle(rt: &mut Runtime, glue: &JsModule) -> crate::Result<()> {
    rt.call_export(glue, "settle", &[]).await.map(drop)
}
