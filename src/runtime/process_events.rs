//! The `process` events the runtime itself raises, through hooks js/node.js installs (none
//! without it): a program's end as Node ends it, `beforeExit` when its event loop has
//! emptied (again while the listeners give it more work) and then `exit` with its status
//! (only programs, `run_main_module` and `run_main_source`, end so: plugins' and handlers'
//! isolates outlive any one call); and `unhandledRejection`, which listeners can take
//! instead of the rejection failing the program. (`uncaughtException` for timers is
//! js/bootstrap.js's.)

use std::rc::Rc;

use crate::error::{Error, Result};
use crate::runtime::state::State;
use crate::runtime::v8_util::v8_str;
use crate::runtime::{exceptions, stop};

/// Emits `process` event `name` (`beforeExit` or `exit`) with the exit code; `Ok(false)`
/// where the program never loaded Node's `process` or nothing listens. What the listeners
/// throw or reject is the program's error; a `process.exit()` in them is its exit.
pub(crate) fn emit(
    scope: &mut v8::PinScope<'_, '_>,
    state: &Rc<State>,
    name: &str,
) -> Result<bool> {
    let event = v8_str(scope, name).into();
    call_hook(scope, state, "emitProcessEvent", &[event])
}

/// Offers an unhandled rejection to `process`'s `unhandledRejection` (or
/// `uncaughtException`) listeners: `Ok(true)` where they took it.
pub(crate) fn unhandled_rejection(
    scope: &mut v8::PinScope<'_, '_>,
    state: &Rc<State>,
    promise: v8::Local<'_, v8::Value>,
    reason: v8::Local<'_, v8::Value>,
) -> Result<bool> {
    call_hook(scope, state, "unhandledRejection", &[reason, promise])
}

/// Calls `internals[name](...args)` if js/node.js installed it, then the microtasks it
/// queued; whether it returned true.
fn call_hook(
    scope: &mut v8::PinScope<'_, '_>,
    state: &Rc<State>,
    name: &str,
    args: &[v8::Local<'_, v8::Value>],
) -> Result<bool> {
    let Some(internals) = state
        .internals
        .borrow()
        .as_ref()
        .map(|g| v8::Local::new(scope, g))
    else {
        return Ok(false);
    };
    v8::tc_scope!(let tc, scope);
    let key = v8_str(tc, name);
    let Some(hook) = internals
        .get(tc, key.into())
        .and_then(|f| v8::Local::<v8::Function>::try_from(f).ok())
    else {
        return Ok(false);
    };
    let had = hook.call(tc, internals.into(), args);
    if let Some(e) = stop::stopped(tc) {
        return Err(e);
    }
    let Some(had) = had else {
        return Err(exceptions::caught(tc));
    };
    let had = had.is_true();
    tc.perform_microtask_checkpoint();
    if let Some(e) = stop::stopped(tc) {
        return Err(e);
    }
    // Rejections the listeners left unhandled are the event loop's to report, in order.
    Ok(had)
}

/// Fails with the first unhandled rejection that no `unhandledRejection` listener takes.
pub(crate) fn report_rejections(scope: &mut v8::PinScope<'_, '_>, state: &Rc<State>) -> Result<()> {
    while let Some((promise, value)) = state.take_unhandled_rejection() {
        let value = v8::Local::new(scope, value);
        let promise = v8::Local::new(scope, promise).into();
        if !unhandled_rejection(scope, state, promise, value)? {
            return Err(Error::Js(Box::new(exceptions::js_error(
                scope, value, true,
            ))));
        }
    }
    Ok(())
}
