//! Timers: JS keeps the callbacks (`js/bootstrap.js`), Rust keeps the deadlines ordered by
//! (deadline, creation sequence), and the event loop fires the due ones by id.

use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;
use std::time::{Duration, Instant};

use crate::error::Result;
use crate::runtime::cpu_ledger;
use crate::runtime::exceptions;
use crate::runtime::state::State;
use crate::runtime::v8_util::{guarded, v8_str};

pub(crate) struct TimerEntry {
    key: (Instant, u64),
    refed: bool,
}

#[derive(Default)]
pub(crate) struct Timers {
    seq: u64,
    queue: BTreeMap<(Instant, u64), u32>,
    by_id: HashMap<u32, TimerEntry>,
    refed: usize,
}

impl Timers {
    /// Schedules (or reschedules) timer `id` to fire after `ms` milliseconds.
    pub fn start(&mut self, id: u32, ms: f64, refed: bool) {
        self.cancel(id);
        self.seq += 1;
        let delay = Duration::from_secs_f64((ms.max(0.0)) / 1000.0);
        let key = (Instant::now() + delay, self.seq);
        self.queue.insert(key, id);
        if refed {
            self.refed += 1;
        }
        self.by_id.insert(id, TimerEntry { key, refed });
    }

    pub fn cancel(&mut self, id: u32) {
        if let Some(e) = self.by_id.remove(&id) {
            self.queue.remove(&e.key);
            if e.refed {
                self.refed -= 1;
            }
        }
    }

    /// Whether timer `id` keeps the event loop alive (`ref()`/`unref()`).
    pub fn set_ref(&mut self, id: u32, refed: bool) {
        let Some(e) = self.by_id.get_mut(&id) else {
            return;
        };
        if e.refed != refed {
            e.refed = refed;
            if refed {
                self.refed += 1;
            } else {
                self.refed -= 1;
            }
        }
    }

    /// Removes and returns the next timer due at or before `now`.
    pub fn pop_due(&mut self, now: Instant) -> Option<u32> {
        let (&key, &id) = self.queue.iter().next()?;
        if key.0 > now {
            return None;
        }
        self.cancel(id);
        Some(id)
    }

    /// When the next timer is due.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.queue.keys().next().map(|k| k.0)
    }

    /// Whether any timer keeps the event loop alive.
    pub fn has_refed(&self) -> bool {
        self.refed > 0
    }
}

/// Registers the timer functions on `core`.
pub(crate) fn install(scope: &mut v8::PinScope, core: v8::Local<v8::Object>) {
    for (name, f) in [
        ("timerStart", v8::Function::builder(op_timer_start)),
        ("timerCancel", v8::Function::builder(op_timer_cancel)),
        ("timerRef", v8::Function::builder(op_timer_ref)),
        ("setFireTimer", v8::Function::builder(op_set_fire_timer)),
    ] {
        if let Some(func) = f.build(scope) {
            let key = v8_str(scope, name);
            core.set(scope, key.into(), func.into());
        }
    }
}

/// Fires every timer that is due, each followed by a microtask checkpoint (as Node does).
/// With per-request CPU accounts, a timer a request started fires as that request's and
/// is charged to it. Returns whether any fired.
pub(crate) fn fire_due_timers(scope: &mut v8::PinScope, state: &Rc<State>) -> Result<bool> {
    let now = Instant::now();
    let mut fired = false;
    loop {
        // The borrow ends here: the timer's callback may start or cancel timers.
        let due = state.timers.borrow_mut().pop_due(now);
        let Some(id) = due else { break };
        fired = true;
        let Some(f) = state.fire_timer.borrow().clone() else {
            break;
        };
        let charged = state.cpu_ledger.borrow_mut().as_mut().and_then(|l| {
            let flight = l.timer_fires(id)?;
            Some((flight, l.now()))
        });
        if let Some((flight, _)) = charged {
            cpu_ledger::mark(scope, Some(flight));
        }
        let f = v8::Local::new(scope, &f);
        v8::tc_scope!(let tc, scope);
        let recv = v8::undefined(tc).into();
        let arg = v8::Integer::new_from_unsigned(tc, id).into();
        let called = f.call(tc, recv, &[arg]).is_some();
        if called {
            tc.perform_microtask_checkpoint();
        }
        if let Some((flight, t0)) = charged {
            cpu_ledger::mark(tc, None);
            if let Some(l) = state.cpu_ledger.borrow_mut().as_mut() {
                let spent = l.now().saturating_sub(t0);
                l.charge(flight, spent);
            }
        }
        if !called || tc.has_caught() || tc.has_terminated() {
            return Err(exceptions::caught(tc));
        }
    }
    Ok(fired)
}

fn arg_u32(scope: &mut v8::PinScope, args: &v8::FunctionCallbackArguments, i: i32) -> u32 {
    args.get(i).uint32_value(scope).unwrap_or(0)
}

fn op_timer_start<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    args: v8::FunctionCallbackArguments<'s>,
    _rv: v8::ReturnValue<'s, v8::Value>,
) {
    guarded(scope, "timerStart", |scope| {
        let id = arg_u32(scope, &args, 0);
        let ms = args.get(1).number_value(scope).unwrap_or(0.0);
        let refed = args.get(2).is_true();
        let state = State::get(scope);
        state.timers.borrow_mut().start(id, ms, refed);
        if let Some(l) = state.cpu_ledger.borrow_mut().as_mut() {
            l.timer_started(id, cpu_ledger::current(scope));
        }
        Ok(())
    });
}

fn op_timer_cancel<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    args: v8::FunctionCallbackArguments<'s>,
    _rv: v8::ReturnValue<'s, v8::Value>,
) {
    guarded(scope, "timerCancel", |scope| {
        let id = arg_u32(scope, &args, 0);
        let state = State::get(scope);
        state.timers.borrow_mut().cancel(id);
        if let Some(l) = state.cpu_ledger.borrow_mut().as_mut() {
            l.timer_started(id, None);
        }
        Ok(())
    });
}

fn op_timer_ref<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    args: v8::FunctionCallbackArguments<'s>,
    _rv: v8::ReturnValue<'s, v8::Value>,
) {
    guarded(scope, "timerRef", |scope| {
        let id = arg_u32(scope, &args, 0);
        State::get(scope)
            .timers
            .borrow_mut()
            .set_ref(id, args.get(1).is_true());
        Ok(())
    });
}

fn op_set_fire_timer<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    args: v8::FunctionCallbackArguments<'s>,
    _rv: v8::ReturnValue<'s, v8::Value>,
) {
    guarded(scope, "setFireTimer", |scope| {
        let f = v8::Local::<v8::Function>::try_from(args.get(0))
            .map_err(|_| "setFireTimer expects a function".to_string())?;
        *State::get(scope).fire_timer.borrow_mut() = Some(v8::Global::new(scope, f));
        Ok(())
    });
}
