//! Per-request CPU accounts of an isolate that serves requests in flight at once (`warren
//! serve` with `concurrency` and a `cpu_limit`): which request each stretch of JS is for,
//! carried through promise continuations by V8's continuation-preserved embedder data
//! (set while a request's own calls run; captured by timers and async host calls when
//! they start, restored when they fire), and what each request has spent, so that
//! `cpu_limit` bounds a request's CPU across its stretches, not each stretch alone.

use std::collections::HashMap;
use std::time::Duration;

use crate::watchdog::CpuClock;

/// What each request in flight has spent of its `cpu_limit`.
pub(crate) struct CpuLedger {
    clock: CpuClock,
    limit: Duration,
    spent: Vec<(u32, Duration)>,
    /// Timers by id, with the request each was started for.
    timers: HashMap<u32, u32>,
    /// The first request found past its limit.
    over: Option<u32>,
}

impl CpuLedger {
    pub fn new(clock: CpuClock, limit: Duration) -> CpuLedger {
        CpuLedger {
            clock,
            limit,
            spent: Vec::new(),
            timers: HashMap::new(),
            over: None,
        }
    }

    /// The isolate thread's CPU time so far.
    pub fn now(&self) -> Duration {
        self.clock.now()
    }

    /// What request `flight` has spent.
    pub fn spent(&self, flight: u32) -> Duration {
        self.spent
            .iter()
            .find(|(f, _)| *f == flight)
            .map_or(Duration::ZERO, |(_, d)| *d)
    }

    /// Adds `d` to what `flight` has spent; past the limit it is [`CpuLedger::take_over`]'s.
    pub fn charge(&mut self, flight: u32, d: Duration) {
        let total = match self.spent.iter_mut().find(|(f, _)| *f == flight) {
            Some((_, spent)) => {
                *spent += d;
                *spent
            }
            None => {
                self.spent.push((flight, d));
                d
            }
        };
        if total >= self.limit && self.over.is_none() {
            self.over = Some(flight);
        }
    }

    /// Sets what `flight` has spent (after a call that counted from it).
    pub fn set(&mut self, flight: u32, total: Duration) {
        let before = self.spent(flight);
        self.charge(flight, total.saturating_sub(before));
    }

    /// The request found past its limit, if any (once).
    pub fn take_over(&mut self) -> Option<u32> {
        self.over.take()
    }

    /// Request `flight` is over: its account and its timers' marks go.
    pub fn forget(&mut self, flight: u32) {
        self.spent.retain(|(f, _)| *f != flight);
        self.timers.retain(|_, f| *f != flight);
    }

    /// Timer `timer` was started for `flight` (or for none: cancelled, or not a request's).
    pub fn timer_started(&mut self, timer: u32, flight: Option<u32>) {
        match flight {
            Some(f) => {
                self.timers.insert(timer, f);
            }
            None => {
                self.timers.remove(&timer);
            }
        }
    }

    /// The request timer `timer` was started for, as it fires.
    pub fn timer_fires(&mut self, timer: u32) -> Option<u32> {
        self.timers.remove(&timer)
    }
}

/// The request the JS running now is for, if any.
pub(crate) fn current(scope: &v8::PinScope) -> Option<u32> {
    let data = scope.get_continuation_preserved_embedder_data();
    let n = v8::Local::<v8::Integer>::try_from(data).ok()?.value();
    u32::try_from(n).ok()
}

/// Marks the JS run from now on, and the continuations it makes, as for `flight`.
pub(crate) fn mark(scope: &v8::PinScope, flight: Option<u32>) {
    let data = match flight {
        Some(f) => v8::Integer::new_from_unsigned(scope, f).into(),
        None => v8::undefined(scope).into(),
    };
    scope.set_continuation_preserved_embedder_data(data);
}
