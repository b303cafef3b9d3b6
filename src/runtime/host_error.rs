//! Marks exceptions thrown by host functions (an `Err` result or a panic), so a trap
//! classifier can tell them from JS exceptions.

use crate::runtime::v8_util::v8_str;

/// Throws `host function m.n <what>`, marked as coming from a host function.
pub(crate) fn throw_host_error(scope: &mut v8::PinScope, module: &str, name: &str, what: &str) {
    let msg = v8_str(scope, &format!("host function {module}.{name} {what}"));
    let exc = v8::Exception::error(scope, msg);
    if let Ok(obj) = v8::Local::<v8::Object>::try_from(exc) {
        let key = host_error_key(scope);
        let t = v8::Boolean::new(scope, true);
        obj.set_private(scope, key, t.into());
    }
    scope.throw_exception(exc);
}

fn host_error_key<'s>(scope: &mut v8::PinScope<'s, '_>) -> v8::Local<'s, v8::Private> {
    let name = v8_str(scope, "warren.hostError");
    v8::Private::for_api(scope, Some(name))
}

/// Whether `exc` was thrown by a host function (an `Err` result or a panic).
pub(crate) fn is_host_error(scope: &mut v8::PinScope, exc: v8::Local<v8::Value>) -> bool {
    let Ok(obj) = v8::Local::<v8::Object>::try_from(exc) else {
        return false;
    };
    let key = host_error_key(scope);
    obj.get_private(scope, key).is_some_and(|v| v.is_true())
}
