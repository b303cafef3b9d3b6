//! A Wasm handler: its `fetch` export on the plugin JSON ABI (`docs/plugin-abi.md`), with
//! the request as a JSON object in and the response as one out (`docs/serve.md`):
//!
//! - in: `{"method", "url", "headers": [[name, value], ...], "body"}`, `body` the request
//!   body as text when it is UTF-8, else absent and `body_base64` holds it (header values
//!   as UTF-8 text, a byte that is not UTF-8 as U+FFFD);
//! - out: `{"status": 200, "headers": [[name, value], ...] or {name: value}, "body": "text"}`
//!   (or `body_base64`; a `body` that is not a string is sent as its JSON text; header
//!   values are sent as their UTF-8 bytes); every key is optional (status 200, no
//!   headers, an empty body).

use base64::Engine;
use bytes::Bytes;
use hyper::header::{HeaderMap, HeaderName, HeaderValue};

use crate::plugins::abi::{self, AbiFailure, Entry};
use crate::serve::exchange::{HandlerRequest, RequestBody, add_header};
use crate::serve::js_handler::Start;
use crate::value::Value;
use crate::{Instance, Runtime};

/// The export a Wasm handler answers requests with.
pub(crate) const EXPORT: &str = "fetch";

/// The request as the handler's input; `None` for a body that streams (a Wasm handler's
/// requests are read whole: `Pool::streams_bodies`).
fn input(request: HandlerRequest) -> Option<Value> {
    let headers = request
        .headers
        .iter()
        .map(|(k, v)| {
            Value::Array(vec![
                Value::String(k.as_str().to_string()),
                Value::String(String::from_utf8_lossy(v.as_bytes()).into_owned()),
            ])
        })
        .collect();
    let mut fields = vec![
        (
            "method".to_string(),
            Value::String(request.method.to_string()),
        ),
        ("url".to_string(), Value::String(request.url)),
        ("headers".to_string(), Value::Array(headers)),
    ];
    let RequestBody::Full(body) = &request.body else {
        return None;
    };
    match std::str::from_utf8(body) {
        Ok(text) => fields.push(("body".into(), Value::String(text.to_string()))),
        Err(_) => fields.push((
            "body_base64".into(),
            Value::String(base64::engine::general_purpose::STANDARD.encode(body)),
        )),
    }
    Some(Value::Object(fields))
}

/// Calls the handler's `fetch` with `request`.
pub(crate) async fn call(
    rt: &mut Runtime,
    instance: &Instance,
    entry: &Entry,
    request: HandlerRequest,
) -> Result<Start, AbiFailure> {
    let input = input(request)
        .ok_or_else(|| AbiFailure::Input("a Wasm handler's request body streamed".into()))?;
    let out = abi::call(rt, instance, EXPORT, entry, input).await?;
    output(&out).map_err(|why| AbiFailure::Broken(format!("its response: {why}")))
}

fn output(out: &Value) -> Result<Start, String> {
    if !matches!(out, Value::Object(_)) {
        return Err("not a JSON object".into());
    }
    let status = match out.get("status") {
        None => 200,
        Some(Value::Number(n)) => n
            .as_u64()
            .and_then(|n| u16::try_from(n).ok())
            .filter(|n| (100..=999).contains(n))
            .ok_or("status must be an integer from 100 to 999")?,
        Some(_) => return Err("status must be a number".into()),
    };
    let mut headers = HeaderMap::new();
    let mut declared_length = false;
    let mut add = |k: &str, v: &Value| {
        let Value::String(v) = v else {
            return Err(format!("header \"{k}\" must be a string"));
        };
        let name = HeaderName::from_bytes(k.as_bytes())
            .map_err(|_| format!("\"{k}\" is an invalid header name"))?;
        // Its UTF-8 bytes, as sent (any text but control characters).
        let value = HeaderValue::from_str(v)
            .map_err(|_| format!("header \"{k}\" has an invalid header value"))?;
        declared_length |= add_header(&mut headers, name, value);
        Ok(())
    };
    match out.get("headers") {
        None | Some(Value::Null) => {}
        Some(Value::Object(o)) => {
            for (k, v) in o {
                add(k, v)?;
            }
        }
        Some(Value::Array(a)) => {
            for p in a {
                match p {
                    Value::Array(kv) if kv.len() == 2 => match &kv[0] {
                        Value::String(k) => add(k, &kv[1])?,
                        _ => return Err("a header name must be a string".to_string()),
                    },
                    _ => return Err("headers must be [name, value] pairs".to_string()),
                }
            }
        }
        Some(_) => return Err("headers must be an array of pairs or an object".into()),
    }
    let body = match (out.get("body"), out.get("body_base64")) {
        (Some(Value::String(s)), None) => Bytes::from(s.clone()),
        (None | Some(Value::Null), Some(Value::String(b))) => Bytes::from(
            base64::engine::general_purpose::STANDARD
                .decode(b)
                .map_err(|e| format!("body_base64: {e}"))?,
        ),
        (None | Some(Value::Null), None) => Bytes::new(),
        (Some(_), Some(_)) => return Err("it has both body and body_base64".into()),
        // Any other JSON value is sent as its JSON text.
        (Some(v), None) => Bytes::from(v.to_json_bytes()),
        (None, Some(_)) => return Err("body_base64 must be a string".into()),
    };
    Ok(Start {
        status,
        headers,
        body,
        streamed: false,
        declared_length,
        waiting: false,
        failed: None,
    })
}
