//! [`Value`] to and from JS: the one conversion between a plugin value and V8, used by host
//! functions (through `FromJs`/`IntoJs`) and by the runtime's calls into JS exports.
//!
//! JS to [`Value`] follows `JSON.stringify` (`toJSON` is called, `undefined` and functions
//! in objects are left out and in arrays become `null`, NaN and the infinities become
//! `null`), except that typed arrays, `DataView`s and `ArrayBuffer`s become
//! [`Value::Bytes`], `BigInt`s in the 64-bit range become integers, and a cyclic value is an
//! error rather than a `TypeError` thrown later.

use crate::value::{Number, Value};

/// How deeply values may nest before the conversion gives up (as a cycle guard of last
/// resort and to bound the Rust stack).
const MAX_DEPTH: usize = 256;

/// Converts a JS value to a [`Value`].
///
/// # Errors
/// A message for a function or symbol at the top, a cycle, nesting past 256 levels, a
/// `BigInt` out of the 64-bit range, or a `toJSON`/getter that throws.
pub(crate) fn from_js(scope: &mut v8::PinScope, v: v8::Local<v8::Value>) -> Result<Value, String> {
    if v.is_function() || v.is_symbol() {
        let t = v.type_of(scope).to_rust_string_lossy(scope);
        return Err(format!(
            "a {t} has no value form (values cross as JSON plus bytes)"
        ));
    }
    v8::tc_scope!(let tc, scope);
    let v = v8::Local::new(tc, v);
    let mut path = Vec::new();
    match convert(tc, v, &mut path) {
        Ok(v) => Ok(v.unwrap_or(Value::Null)),
        Err(Failed::Why(why)) => Err(why),
        Err(Failed::Threw(what)) => {
            let msg = tc
                .exception()
                .map(|e| e.to_rust_string_lossy(tc))
                .unwrap_or_else(|| "execution was terminated".into());
            if !tc.has_terminated() {
                tc.reset();
            }
            Err(format!("{what} threw while converting the value: {msg}"))
        }
    }
}

/// Why a conversion stopped: a value with no form, or JS that threw (the exception is
/// pending in the caller's `TryCatch`).
enum Failed {
    Why(String),
    Threw(&'static str),
}

/// `None` for what JSON leaves out of objects (undefined, functions, symbols).
fn convert<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    v: v8::Local<'s, v8::Value>,
    path: &mut Vec<v8::Local<'s, v8::Object>>,
) -> Result<Option<Value>, Failed> {
    if v.is_undefined() || v.is_function() || v.is_symbol() {
        return Ok(None);
    }
    if v.is_null() {
        return Ok(Some(Value::Null));
    }
    if v.is_boolean() {
        return Ok(Some(Value::Bool(v.is_true())));
    }
    if v.is_number() {
        let f = v.number_value(scope).unwrap_or(f64::NAN);
        return Ok(Some(number(f)));
    }
    if let Ok(b) = v8::Local::<v8::BigInt>::try_from(v) {
        let (i, lossless) = b.i64_value();
        if lossless {
            return Ok(Some(Value::Number(i.into())));
        }
        let (u, lossless) = b.u64_value();
        return if lossless {
            Ok(Some(Value::Number(u.into())))
        } else {
            Err(Failed::Why(
                "a BigInt past the 64-bit range has no value form".into(),
            ))
        };
    }
    if v.is_string() {
        return Ok(Some(Value::String(v.to_rust_string_lossy(scope))));
    }
    if let Ok(view) = v8::Local::<v8::ArrayBufferView>::try_from(v) {
        let mut out = vec![0u8; view.byte_length()];
        let n = view.copy_contents(&mut out);
        out.truncate(n);
        return Ok(Some(Value::Bytes(out)));
    }
    if let Ok(ab) = v8::Local::<v8::ArrayBuffer>::try_from(v) {
        return Ok(Some(Value::Bytes(array_buffer_bytes(ab))));
    }
    let Some(obj) = v.to_object(scope) else {
        return Ok(None);
    };
    if path.iter().any(|o| o.strict_equals(obj.into())) {
        return Err(Failed::Why("a cyclic value has no value form".into()));
    }
    if path.len() >= MAX_DEPTH {
        return Err(Failed::Why(format!(
            "a value nested deeper than {MAX_DEPTH} levels"
        )));
    }
    // `toJSON` first, as JSON.stringify does (Date has one).
    let key = v8::String::new(scope, "toJSON").ok_or(Failed::Threw("allocating"))?;
    let Some(to_json) = obj.get(scope, key.into()) else {
        return Err(Failed::Threw("a toJSON getter"));
    };
    if let Ok(to_json) = v8::Local::<v8::Function>::try_from(to_json) {
        let Some(r) = to_json.call(scope, obj.into(), &[]) else {
            return Err(Failed::Threw("toJSON"));
        };
        path.push(obj);
        let out = convert(scope, r, path);
        path.pop();
        return out;
    }
    path.push(obj);
    let out = if let Ok(arr) = v8::Local::<v8::Array>::try_from(v) {
        let mut items = Vec::with_capacity(arr.length() as usize);
        for i in 0..arr.length() {
            let Some(e) = arr.get_index(scope, i) else {
                return Err(Failed::Threw("an array element getter"));
            };
            items.push(convert(scope, e, path)?.unwrap_or(Value::Null));
        }
        Value::Array(items)
    } else {
        let args = v8::GetPropertyNamesArgs {
            mode: v8::KeyCollectionMode::OwnOnly,
            property_filter: v8::PropertyFilter::ONLY_ENUMERABLE | v8::PropertyFilter::SKIP_SYMBOLS,
            index_filter: v8::IndexFilter::IncludeIndices,
            key_conversion: v8::KeyConversionMode::ConvertToString,
        };
        let Some(keys) = obj.get_own_property_names(scope, args) else {
            return Err(Failed::Threw("listing the object's keys"));
        };
        let mut entries = Vec::with_capacity(keys.length() as usize);
        for i in 0..keys.length() {
            let Some(k) = keys.get_index(scope, i) else {
                continue;
            };
            let Some(e) = obj.get(scope, k) else {
                return Err(Failed::Threw("a getter"));
            };
            if let Some(val) = convert(scope, e, path)? {
                entries.push((k.to_rust_string_lossy(scope), val));
            }
        }
        Value::Object(entries)
    };
    path.pop();
    Ok(Some(out))
}

/// A JS number: an integer when it is one exactly (and in the safe range), else a float.
fn number(f: f64) -> Value {
    const SAFE: f64 = 9007199254740991.0;
    if f.fract() == 0.0 && f.abs() <= SAFE {
        // -0.0 becomes 0, as JSON writes it.
        return Value::Number(Number::from(f as i64));
    }
    Value::from_f64(f)
}

fn array_buffer_bytes(ab: v8::Local<v8::ArrayBuffer>) -> Vec<u8> {
    let len = ab.byte_length();
    match ab.data() {
        Some(p) if len > 0 => {
            // SAFETY: `data` points at `len` bytes owned by the ArrayBuffer, which the Local
            // keeps alive; no JS runs (which could detach or resize it) while we copy.
            let bytes = unsafe { std::slice::from_raw_parts(p.as_ptr() as *const u8, len) };
            bytes.to_vec()
        }
        _ => Vec::new(),
    }
}

/// Converts a [`Value`] to JS: bytes become a `Uint8Array`, integers past 2^53 lose
/// precision as JS numbers do.
///
/// # Errors
/// When V8 cannot allocate a string or array (out of memory).
pub(crate) fn to_js<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    v: &Value,
) -> Result<v8::Local<'s, v8::Value>, String> {
    let oom = || "V8 could not allocate the value".to_string();
    Ok(match v {
        Value::Null => v8::null(scope).into(),
        Value::Bool(b) => v8::Boolean::new(scope, *b).into(),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) if i32::try_from(i).is_ok() => v8::Integer::new(scope, i as i32).into(),
            _ => v8::Number::new(scope, n.as_f64().unwrap_or(f64::NAN)).into(),
        },
        Value::String(s) => v8::String::new(scope, s).ok_or_else(oom)?.into(),
        Value::Bytes(b) => bytes_to_js(scope, b.clone()).ok_or_else(oom)?.into(),
        Value::Array(items) => {
            let mut elems = Vec::with_capacity(items.len());
            for i in items {
                elems.push(to_js(scope, i)?);
            }
            v8::Array::new_with_elements(scope, &elems).into()
        }
        Value::Object(entries) => {
            let obj = v8::Object::new(scope);
            for (k, val) in entries {
                let key = v8::String::new(scope, k).ok_or_else(oom)?;
                let val = to_js(scope, val)?;
                obj.create_data_property(scope, key.into(), val)
                    .ok_or_else(oom)?;
            }
            obj.into()
        }
    })
}

/// How the isolate's embedder makes a `Uint8Array` over bytes Rust hands to JS (moved, not
/// copied): the runtime sets it in the isolate's slot so that the bytes count against its
/// memory cap, as V8's own ArrayBuffers do; `None` from it when they do not fit.
#[derive(Clone, Copy)]
pub(crate) struct MakeBytes(
    pub for<'s, 'i> fn(&mut v8::PinScope<'s, 'i>, Vec<u8>) -> Option<v8::Local<'s, v8::Uint8Array>>,
);

/// A `Uint8Array` over `data`, made as the isolate's [`MakeBytes`] makes it (or plainly,
/// in an isolate without one); `None` when it cannot be made.
pub(crate) fn bytes_to_js<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    data: Vec<u8>,
) -> Option<v8::Local<'s, v8::Uint8Array>> {
    if let Some(make) = scope.get_slot::<MakeBytes>().copied() {
        return (make.0)(scope, data);
    }
    let len = data.len();
    let store = v8::ArrayBuffer::new_backing_store_from_vec(data).make_shared();
    let ab = v8::ArrayBuffer::with_backing_store(scope, &store);
    v8::Uint8Array::new(scope, ab, 0, len)
}
