//! Conversions between Rust values and JS/Wasm values for host functions: `FromJs` for
//! parameters, `IntoJs` for results. Implemented for i32, u32, i64 (BigInt), f32, f64, bool,
//! String, `Vec<u8>` (Uint8Array), `Option<T>`, `Result<T, E>` (results only), plugin
//! [`crate::Value`]s (JSON plus bytes) and any serde type through [`Json`]. The traits are
//! sealed: new types cross through `Json<T>` or `Value`.

use std::fmt::Display;

use v8::fast_api::{CTypeInfo, Type as CType};

use serde::Serialize;
use serde::de::DeserializeOwned;

/// A value whose JS form is the JSON-compatible form of `T` (through serde).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Json<T>(pub T);

/// The Wasm type a host parameter or result has, if it can cross into Wasm at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WasmType {
    I32,
    I64,
    F32,
    F64,
}

impl WasmType {
    pub(crate) fn to_valtype(self) -> wasmparser::ValType {
        match self {
            WasmType::I32 => wasmparser::ValType::I32,
            WasmType::I64 => wasmparser::ValType::I64,
            WasmType::F32 => wasmparser::ValType::F32,
            WasmType::F64 => wasmparser::ValType::F64,
        }
    }
}

/// How a type appears in signatures: its Wasm type, or a JS-only name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeDesc {
    Wasm(WasmType),
    /// A type only JS can pass (strings, bytes, JSON), with its name.
    JsOnly(&'static str),
}

mod sealed {
    pub trait Sealed {}
}

/// A host-function parameter type.
pub trait FromJs: Sized + sealed::Sealed + 'static {
    /// The C type of this parameter in a V8 fast API call (`()` when it has none).
    #[doc(hidden)]
    type Fast: Copy;
    /// Its fast-call type info; `None` when calls with it must take the generic path.
    #[doc(hidden)]
    const FAST: Option<CTypeInfo> = None;
    #[doc(hidden)]
    fn from_fast(_v: Self::Fast) -> Option<Self> {
        None
    }
    #[doc(hidden)]
    fn desc() -> TypeDesc;
    #[doc(hidden)]
    fn from_js(scope: &mut v8::PinScope, v: v8::Local<v8::Value>) -> Result<Self, String>;
}

/// A host-function result type.
pub trait IntoJs: sealed::Sealed + 'static {
    /// The C return type in a V8 fast API call (`()` when it has none).
    #[doc(hidden)]
    type Fast: Copy + Default;
    /// Its fast-call type info; `None` when the result needs the generic path (it can fail,
    /// or allocates on the JS heap).
    #[doc(hidden)]
    const FAST_RET: Option<CTypeInfo> = None;
    #[doc(hidden)]
    fn into_fast(self) -> Self::Fast;
    /// The Wasm results this type produces (empty for `()`), or a JS-only type.
    #[doc(hidden)]
    fn descs() -> Vec<TypeDesc>;
    #[doc(hidden)]
    fn into_js<'s>(
        self,
        scope: &mut v8::PinScope<'s, '_>,
    ) -> Result<v8::Local<'s, v8::Value>, HostFailure>;
}

/// Why a host function did not produce a value.
#[doc(hidden)]
#[derive(Debug)]
pub enum HostFailure {
    /// The function returned `Err`; the text is its message.
    Err(String),
    /// The value could not be converted.
    Convert(String),
}

fn type_err(want: &str, scope: &mut v8::PinScope, v: v8::Local<v8::Value>) -> String {
    let got = v.type_of(scope).to_rust_string_lossy(scope);
    format!("expected {want}, got {got}")
}

macro_rules! sealed {
    ($($t:ty),*) => { $(impl sealed::Sealed for $t {})* };
}
sealed!(i32, u32, i64, u64, f32, f64, bool, String, Vec<u8>, ());
impl<T> sealed::Sealed for Option<T> {}
impl<T, E> sealed::Sealed for Result<T, E> {}
impl<T> sealed::Sealed for Json<T> {}
impl sealed::Sealed for crate::Value {}

impl FromJs for i32 {
    type Fast = i32;
    const FAST: Option<CTypeInfo> = Some(CType::Int32.as_info());
    fn from_fast(v: i32) -> Option<Self> {
        Some(v)
    }
    fn desc() -> TypeDesc {
        TypeDesc::Wasm(WasmType::I32)
    }
    fn from_js(scope: &mut v8::PinScope, v: v8::Local<v8::Value>) -> Result<Self, String> {
        if !v.is_number() {
            return Err(type_err("a number (i32)", scope, v));
        }
        v.int32_value(scope).ok_or_else(|| "not an i32".into())
    }
}

impl FromJs for u32 {
    type Fast = u32;
    const FAST: Option<CTypeInfo> = Some(CType::Uint32.as_info());
    fn from_fast(v: u32) -> Option<Self> {
        Some(v)
    }
    fn desc() -> TypeDesc {
        TypeDesc::Wasm(WasmType::I32)
    }
    fn from_js(scope: &mut v8::PinScope, v: v8::Local<v8::Value>) -> Result<Self, String> {
        if !v.is_number() {
            return Err(type_err("a number (u32)", scope, v));
        }
        v.uint32_value(scope).ok_or_else(|| "not a u32".into())
    }
}

impl FromJs for i64 {
    type Fast = i64;
    const FAST: Option<CTypeInfo> = Some(CType::Int64.as_info());
    fn from_fast(v: i64) -> Option<Self> {
        Some(v)
    }
    fn desc() -> TypeDesc {
        TypeDesc::Wasm(WasmType::I64)
    }
    fn from_js(scope: &mut v8::PinScope, v: v8::Local<v8::Value>) -> Result<Self, String> {
        if let Ok(b) = v8::Local::<v8::BigInt>::try_from(v) {
            let (x, lossless) = b.i64_value();
            if lossless {
                return Ok(x);
            }
            // Wasm passes i64 as signed BigInt; also accept the unsigned range.
            let (u, lossless) = b.u64_value();
            return if lossless {
                Ok(u as i64)
            } else {
                Err("BigInt out of i64 range".into())
            };
        }
        if v.is_number() {
            let f = v.number_value(scope).unwrap_or(f64::NAN);
            if f.fract() == 0.0 && f.abs() <= 9007199254740992.0 {
                return Ok(f as i64);
            }
            return Err(format!("{f} is not a safe integer for i64 (pass a BigInt)"));
        }
        Err(type_err("a BigInt (i64)", scope, v))
    }
}

impl FromJs for u64 {
    type Fast = u64;
    const FAST: Option<CTypeInfo> = Some(CType::Uint64.as_info());
    fn from_fast(v: u64) -> Option<Self> {
        Some(v)
    }
    fn desc() -> TypeDesc {
        TypeDesc::Wasm(WasmType::I64)
    }
    fn from_js(scope: &mut v8::PinScope, v: v8::Local<v8::Value>) -> Result<Self, String> {
        i64::from_js(scope, v).map(|x| x as u64)
    }
}

impl FromJs for f32 {
    type Fast = f32;
    const FAST: Option<CTypeInfo> = Some(CType::Float32.as_info());
    fn from_fast(v: f32) -> Option<Self> {
        Some(v)
    }
    fn desc() -> TypeDesc {
        TypeDesc::Wasm(WasmType::F32)
    }
    fn from_js(scope: &mut v8::PinScope, v: v8::Local<v8::Value>) -> Result<Self, String> {
        if !v.is_number() {
            return Err(type_err("a number (f32)", scope, v));
        }
        Ok(v.number_value(scope).unwrap_or(f64::NAN) as f32)
    }
}

impl FromJs for f64 {
    type Fast = f64;
    const FAST: Option<CTypeInfo> = Some(CType::Float64.as_info());
    fn from_fast(v: f64) -> Option<Self> {
        Some(v)
    }
    fn desc() -> TypeDesc {
        TypeDesc::Wasm(WasmType::F64)
    }
    fn from_js(scope: &mut v8::PinScope, v: v8::Local<v8::Value>) -> Result<Self, String> {
        if !v.is_number() {
            return Err(type_err("a number (f64)", scope, v));
        }
        Ok(v.number_value(scope).unwrap_or(f64::NAN))
    }
}

impl FromJs for bool {
    type Fast = ();
    fn desc() -> TypeDesc {
        TypeDesc::Wasm(WasmType::I32)
    }
    fn from_js(scope: &mut v8::PinScope, v: v8::Local<v8::Value>) -> Result<Self, String> {
        if v.is_boolean() {
            return Ok(v.is_true());
        }
        if v.is_number() {
            // From Wasm, a bool is an i32: nonzero is true.
            return Ok(v.int32_value(scope).unwrap_or(0) != 0);
        }
        Err(type_err("a boolean", scope, v))
    }
}

impl FromJs for String {
    type Fast = ();
    fn desc() -> TypeDesc {
        TypeDesc::JsOnly("string")
    }
    fn from_js(scope: &mut v8::PinScope, v: v8::Local<v8::Value>) -> Result<Self, String> {
        if !v.is_string() {
            return Err(type_err("a string", scope, v));
        }
        Ok(v.to_rust_string_lossy(scope))
    }
}

impl FromJs for Vec<u8> {
    type Fast = ();
    fn desc() -> TypeDesc {
        TypeDesc::JsOnly("Uint8Array")
    }
    fn from_js(scope: &mut v8::PinScope, v: v8::Local<v8::Value>) -> Result<Self, String> {
        if let Ok(view) = v8::Local::<v8::ArrayBufferView>::try_from(v) {
            let mut out = vec![0u8; view.byte_length()];
            let n = view.copy_contents(&mut out);
            out.truncate(n);
            return Ok(out);
        }
        if let Ok(ab) = v8::Local::<v8::ArrayBuffer>::try_from(v) {
            return Ok(array_buffer_bytes(ab));
        }
        Err(type_err("a Uint8Array", scope, v))
    }
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

impl<T: FromJs> FromJs for Option<T> {
    type Fast = ();
    fn desc() -> TypeDesc {
        match T::desc() {
            TypeDesc::Wasm(_) => TypeDesc::JsOnly("optional number"),
            d => d,
        }
    }
    fn from_js(scope: &mut v8::PinScope, v: v8::Local<v8::Value>) -> Result<Self, String> {
        if v.is_null_or_undefined() {
            Ok(None)
        } else {
            T::from_js(scope, v).map(Some)
        }
    }
}

impl<T: DeserializeOwned + 'static> FromJs for Json<T> {
    type Fast = ();
    fn desc() -> TypeDesc {
        TypeDesc::JsOnly("JSON value")
    }
    fn from_js(scope: &mut v8::PinScope, v: v8::Local<v8::Value>) -> Result<Self, String> {
        let text = if v.is_undefined() {
            "null".to_string()
        } else {
            v8::json::stringify(scope, v)
                .map(|s| s.to_rust_string_lossy(scope))
                .ok_or("value has no JSON form")?
        };
        serde_json::from_str(&text)
            .map(Json)
            .map_err(|e| format!("JSON value does not fit: {e}"))
    }
}

impl FromJs for crate::Value {
    type Fast = ();
    fn desc() -> TypeDesc {
        TypeDesc::JsOnly("value")
    }
    fn from_js(scope: &mut v8::PinScope, v: v8::Local<v8::Value>) -> Result<Self, String> {
        super::js_value::from_js(scope, v)
    }
}

// ---- results ----

impl IntoJs for () {
    type Fast = ();
    const FAST_RET: Option<CTypeInfo> = Some(CType::Void.as_info());
    fn into_fast(self) {}
    fn descs() -> Vec<TypeDesc> {
        vec![]
    }
    fn into_js<'s>(
        self,
        scope: &mut v8::PinScope<'s, '_>,
    ) -> Result<v8::Local<'s, v8::Value>, HostFailure> {
        Ok(v8::undefined(scope).into())
    }
}

macro_rules! into_js_number {
    ($t:ty, $w:expr, $fast:ty, $ctype:expr, |$s:ident, $v:ident| $e:expr) => {
        impl IntoJs for $t {
            type Fast = $fast;
            const FAST_RET: Option<CTypeInfo> = match $ctype {
                Some(c) => Some(CTypeInfo::new(c, v8::fast_api::Flags::empty())),
                None => None,
            };
            #[allow(clippy::unnecessary_cast)]
            fn into_fast(self) -> $fast {
                self as $fast
            }
            fn descs() -> Vec<TypeDesc> {
                vec![TypeDesc::Wasm($w)]
            }
            fn into_js<'s>(
                self,
                $s: &mut v8::PinScope<'s, '_>,
            ) -> Result<v8::Local<'s, v8::Value>, HostFailure> {
                let $v = self;
                Ok($e)
            }
        }
    };
}
into_js_number!(i32, WasmType::I32, i32, Some(CType::Int32), |s, v| {
    v8::Integer::new(s, v).into()
});
into_js_number!(u32, WasmType::I32, u32, Some(CType::Uint32), |s, v| {
    v8::Integer::new_from_unsigned(s, v).into()
});
into_js_number!(bool, WasmType::I32, i32, None::<CType>, |s, v| {
    v8::Integer::new(s, v as i32).into()
});
into_js_number!(i64, WasmType::I64, i64, Some(CType::Int64), |s, v| {
    v8::BigInt::new_from_i64(s, v).into()
});
into_js_number!(u64, WasmType::I64, u64, Some(CType::Uint64), |s, v| {
    v8::BigInt::new_from_i64(s, v as i64).into()
});
into_js_number!(f32, WasmType::F32, f32, Some(CType::Float32), |s, v| {
    v8::Number::new(s, f64::from(v)).into()
});
into_js_number!(f64, WasmType::F64, f64, Some(CType::Float64), |s, v| {
    v8::Number::new(s, v).into()
});

impl IntoJs for String {
    type Fast = ();
    fn into_fast(self) {}
    fn descs() -> Vec<TypeDesc> {
        vec![TypeDesc::JsOnly("string")]
    }
    fn into_js<'s>(
        self,
        scope: &mut v8::PinScope<'s, '_>,
    ) -> Result<v8::Local<'s, v8::Value>, HostFailure> {
        v8::String::new(scope, &self)
            .map(Into::into)
            .ok_or_else(|| HostFailure::Convert("string too long for V8".into()))
    }
}

impl IntoJs for Vec<u8> {
    type Fast = ();
    fn into_fast(self) {}
    fn descs() -> Vec<TypeDesc> {
        vec![TypeDesc::JsOnly("Uint8Array")]
    }
    fn into_js<'s>(
        self,
        scope: &mut v8::PinScope<'s, '_>,
    ) -> Result<v8::Local<'s, v8::Value>, HostFailure> {
        // Counted against the memory cap, as V8's own ArrayBuffers are.
        super::js_value::bytes_to_js(scope, self)
            .map(Into::into)
            .ok_or_else(|| {
                HostFailure::Convert(
                    "cannot create Uint8Array: Array buffer allocation failed".into(),
                )
            })
    }
}

impl<T: IntoJs> IntoJs for Option<T> {
    type Fast = ();
    fn into_fast(self) {}
    fn descs() -> Vec<TypeDesc> {
        vec![TypeDesc::JsOnly("optional value")]
    }
    fn into_js<'s>(
        self,
        scope: &mut v8::PinScope<'s, '_>,
    ) -> Result<v8::Local<'s, v8::Value>, HostFailure> {
        match self {
            Some(v) => v.into_js(scope),
            None => Ok(v8::null(scope).into()),
        }
    }
}

impl<T: IntoJs, E: Display + 'static> IntoJs for Result<T, E> {
    type Fast = ();
    fn into_fast(self) {}
    fn descs() -> Vec<TypeDesc> {
        T::descs()
    }
    fn into_js<'s>(
        self,
        scope: &mut v8::PinScope<'s, '_>,
    ) -> Result<v8::Local<'s, v8::Value>, HostFailure> {
        match self {
            Ok(v) => v.into_js(scope),
            Err(e) => Err(HostFailure::Err(e.to_string())),
        }
    }
}

impl<T: Serialize + 'static> IntoJs for Json<T> {
    type Fast = ();
    fn into_fast(self) {}
    fn descs() -> Vec<TypeDesc> {
        vec![TypeDesc::JsOnly("JSON value")]
    }
    fn into_js<'s>(
        self,
        scope: &mut v8::PinScope<'s, '_>,
    ) -> Result<v8::Local<'s, v8::Value>, HostFailure> {
        let text =
            serde_json::to_string(&self.0).map_err(|e| HostFailure::Convert(e.to_string()))?;
        let s = v8::String::new(scope, &text)
            .ok_or_else(|| HostFailure::Convert("JSON too long for V8".into()))?;
        v8::json::parse(scope, s)
            .ok_or_else(|| HostFailure::Convert("V8 could not parse the JSON".into()))
    }
}

impl IntoJs for crate::Value {
    type Fast = ();
    fn into_fast(self) {}
    fn descs() -> Vec<TypeDesc> {
        vec![TypeDesc::JsOnly("value")]
    }
    fn into_js<'s>(
        self,
        scope: &mut v8::PinScope<'s, '_>,
    ) -> Result<v8::Local<'s, v8::Value>, HostFailure> {
        super::js_value::to_js(scope, &self).map_err(HostFailure::Convert)
    }
}
