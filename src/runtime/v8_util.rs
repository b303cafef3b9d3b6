//! V8 helpers every part of the runtime uses and that use nothing of it: strings, script
//! origins, the one compile-and-run of a classic script, and typed JS errors ([`OpError`])
//! thrown from Rust callbacks behind a panic boundary ([`guarded`]).

use std::panic::AssertUnwindSafe;

use crate::error::panic_message;
use crate::permissions::PermissionError;

/// A V8 string for `s` (the empty string if V8 cannot allocate it).
pub(crate) fn v8_str<'s>(scope: &v8::PinScope<'s, '_>, s: &str) -> v8::Local<'s, v8::String> {
    v8::String::new(scope, s).unwrap_or_else(|| v8::String::empty(scope))
}

/// The origin of a script or module named `name`.
pub(crate) fn script_origin<'s>(
    scope: &v8::PinScope<'s, '_>,
    name: v8::Local<'s, v8::Value>,
    is_module: bool,
) -> v8::ScriptOrigin<'s> {
    v8::ScriptOrigin::new(
        scope, name, 0, 0, false, 0, None, false, false, is_module, None,
    )
}

/// [`compile_and_run`] from a V8 code cache of `source` when there is one (V8 compiles from
/// source if it refuses the cache); `taken` hears whether V8 took the cache.
pub(crate) fn compile_and_run_cached<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    name: &str,
    source: &str,
    cache: Option<&'static [u8]>,
    taken: impl FnOnce(bool),
) -> Option<v8::Local<'s, v8::Value>> {
    let Some(cache) = cache else {
        return compile_and_run(scope, name, source);
    };
    let src = v8_str(scope, source);
    let name = v8_str(scope, name);
    let origin = script_origin(scope, name.into(), false);
    let mut source = v8::script_compiler::Source::new_with_cached_data(
        src,
        Some(&origin),
        v8::script_compiler::CachedData::new(cache),
    );
    let script = v8::script_compiler::compile(
        scope,
        &mut source,
        v8::script_compiler::CompileOptions::ConsumeCodeCache,
        v8::script_compiler::NoCacheReason::NoReason,
    );
    taken(!source.get_cached_data().is_some_and(|c| c.rejected()));
    script.and_then(|s| s.run(scope))
}

/// Compiles and runs a classic script named `name`. `None` when it threw (or did not
/// compile): the exception is in the caller's `TryCatch`.
pub(crate) fn compile_and_run<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    name: &str,
    source: &str,
) -> Option<v8::Local<'s, v8::Value>> {
    let src = v8_str(scope, source);
    let name = v8_str(scope, name);
    let origin = script_origin(scope, name.into(), false);
    v8::Script::compile(scope, src, Some(&origin)).and_then(|s| s.run(scope))
}

/// The JS error class an [`OpError`] is thrown as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ErrorClass {
    Error,
    TypeError,
    RangeError,
}

/// A failure of a Rust callback, thrown into JS as an exception of its class, with an
/// optional `name` (`PermissionDenied`, `InvalidCharacterError`) and Node's `code`
/// (`ENOENT`, `ERR_INVALID_URL_SCHEME`).
#[derive(Debug, Clone)]
pub(crate) struct OpError {
    class: ErrorClass,
    name: Option<&'static str>,
    code: Option<String>,
    message: String,
}

impl OpError {
    fn new(class: ErrorClass, message: impl Into<String>) -> Self {
        OpError {
            class,
            name: None,
            code: None,
            message: message.into(),
        }
    }

    /// A plain `Error`.
    pub fn error(message: impl Into<String>) -> Self {
        Self::new(ErrorClass::Error, message)
    }

    pub fn type_error(message: impl Into<String>) -> Self {
        Self::new(ErrorClass::TypeError, message)
    }

    pub fn range_error(message: impl Into<String>) -> Self {
        Self::new(ErrorClass::RangeError, message)
    }

    /// An `Error` whose `name` is `name` (a DOMException-style or Deno-style error).
    pub fn named(name: &'static str, message: impl Into<String>) -> Self {
        OpError {
            name: Some(name),
            ..Self::error(message)
        }
    }

    /// Adds Node's `code` property.
    pub fn code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }

    /// Throws it in `scope`.
    pub fn throw(&self, scope: &mut v8::PinScope) {
        let msg = v8_str(scope, &self.message);
        let exc = match self.class {
            ErrorClass::Error => v8::Exception::error(scope, msg),
            ErrorClass::TypeError => v8::Exception::type_error(scope, msg),
            ErrorClass::RangeError => v8::Exception::range_error(scope, msg),
        };
        if let Some(obj) = exc.to_object(scope) {
            if let Some(name) = self.name {
                let k = v8_str(scope, "name");
                let v = v8_str(scope, name);
                obj.set(scope, k.into(), v.into());
                // The stack was rendered with the old name: fix its first line.
                let k = v8_str(scope, "stack");
                if let Some(stack) = obj.get(scope, k.into()).filter(|v| v.is_string()) {
                    let text = stack.to_rust_string_lossy(scope);
                    if let Some(tail) = text.strip_prefix("Error") {
                        let v = v8_str(scope, &format!("{name}{tail}"));
                        obj.set(scope, k.into(), v.into());
                    }
                }
            }
            if let Some(code) = &self.code {
                let k = v8_str(scope, "code");
                let v = v8_str(scope, code);
                obj.set(scope, k.into(), v.into());
            }
        }
        scope.throw_exception(exc);
    }
}

impl From<String> for OpError {
    fn from(message: String) -> Self {
        OpError::error(message)
    }
}

impl From<&str> for OpError {
    fn from(message: &str) -> Self {
        OpError::error(message)
    }
}

impl From<PermissionError> for OpError {
    fn from(e: PermissionError) -> Self {
        OpError::named("PermissionDenied", e.to_string())
    }
}

/// Runs a callback body with panics caught: a panic or an `Err` becomes a JS exception.
pub(crate) fn guarded<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    what: &str,
    f: impl FnOnce(&mut v8::PinScope<'s, '_>) -> Result<(), OpError>,
) {
    let result = std::panic::catch_unwind(AssertUnwindSafe(|| f(scope)));
    let err = match result {
        Ok(Ok(())) => return,
        Ok(Err(e)) => e,
        Err(payload) => OpError::error(format!("{what} panicked: {}", panic_message(&payload))),
    };
    err.throw(scope);
}

/// Runs the body of a V8 callback that returns a value (a resolve callback, a synthetic
/// module's evaluation steps) with panics caught: a Rust panic must never unwind into V8,
/// which would abort the process. A panic throws an `Error` naming `what` and returns
/// `None`, which V8 reads as "an exception is pending".
pub(crate) fn boundary<'s, R>(
    scope: &mut v8::PinScope<'s, '_>,
    what: &str,
    f: impl FnOnce(&mut v8::PinScope<'s, '_>) -> Option<R>,
) -> Option<R> {
    match std::panic::catch_unwind(AssertUnwindSafe(|| f(scope))) {
        Ok(r) => r,
        Err(payload) => {
            OpError::error(format!("{what} panicked: {}", panic_message(&payload))).throw(scope);
            None
        }
    }
}

/// [`boundary`] for a callback that returns nothing and cannot throw (V8's promise-reject
/// hook): a panic is dropped, since the callback has no way to report it.
pub(crate) fn boundary_quiet(f: impl FnOnce()) {
    let _ = std::panic::catch_unwind(AssertUnwindSafe(f));
}

/// The bytes of an `ArrayBufferView` or `ArrayBuffer`, copied; `None` for anything else.
pub(crate) fn bytes_arg(v: v8::Local<v8::Value>) -> Option<Vec<u8>> {
    if let Ok(view) = v8::Local::<v8::ArrayBufferView>::try_from(v) {
        let mut out = vec![0u8; view.byte_length()];
        let n = view.copy_contents(&mut out);
        out.truncate(n);
        return Some(out);
    }
    let ab = v8::Local::<v8::ArrayBuffer>::try_from(v).ok()?;
    let len = ab.byte_length();
    let ptr = ab.data()?;
    // SAFETY: `ptr` points at `len` bytes owned by the ArrayBuffer, alive for this call; no
    // JS runs while we copy.
    Some(unsafe { std::slice::from_raw_parts(ptr.as_ptr() as *const u8, len) }.to_vec())
}
