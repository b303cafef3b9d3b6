//! Async host calls in flight: each is a promise and the future that settles it; the event
//! loop polls them and settles the finished ones on the isolate's thread.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use crate::host::{HostFailure, Settle};
use crate::runtime::cpu_ledger;
use crate::runtime::state::State;
use crate::runtime::v8_util::v8_str;

/// An async host call in flight: the promise to settle and the future that settles it.
pub(crate) struct PendingCall {
    resolver: v8::Global<v8::PromiseResolver>,
    future: Pin<Box<dyn Future<Output = Settle>>>,
    /// The request it was made for, when the isolate keeps per-request CPU accounts.
    flight: Option<u32>,
}

pub(crate) fn start_call<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    future: Pin<Box<dyn Future<Output = Settle>>>,
) -> v8::Local<'s, v8::Value> {
    let Some(resolver) = v8::PromiseResolver::new(scope) else {
        return v8::undefined(scope).into();
    };
    let promise = resolver.get_promise(scope);
    let state = State::get(scope);
    let flight = if state.cpu_ledger.borrow().is_some() {
        cpu_ledger::current(scope)
    } else {
        None
    };
    let call = PendingCall {
        resolver: v8::Global::new(scope, resolver),
        future,
        flight,
    };
    state.push_host_call(call);
    promise.into()
}

/// Polls every pending async host call; settles the finished ones. Returns how many settled.
/// With per-request CPU accounts, each is settled as its request's and its microtasks run
/// at once, charged to that request.
pub(crate) fn poll_host_calls(
    scope: &mut v8::PinScope,
    state: &Rc<State>,
    cx: &mut Context<'_>,
) -> usize {
    let mut calls = state.take_host_calls();
    let mut done = Vec::new();
    calls.retain_mut(|op| match op.future.as_mut().poll(cx) {
        Poll::Ready(settle) => {
            done.push((op.resolver.clone(), settle, op.flight));
            false
        }
        Poll::Pending => true,
    });
    state.return_host_calls(calls);
    let n = done.len();
    let accounts = state.cpu_ledger.borrow().is_some();
    for (resolver, settle, flight) in done {
        let started = match flight {
            Some(_) if accounts => {
                cpu_ledger::mark(scope, flight);
                state
                    .cpu_ledger
                    .borrow()
                    .as_ref()
                    .map(cpu_ledger::CpuLedger::now)
            }
            _ => None,
        };
        settle_one(scope, &resolver, settle);
        if let (Some(f), Some(t0)) = (flight, started) {
            scope.perform_microtask_checkpoint();
            cpu_ledger::mark(scope, None);
            if let Some(l) = state.cpu_ledger.borrow_mut().as_mut() {
                let spent = l.now().saturating_sub(t0);
                l.charge(f, spent);
            }
        }
    }
    n
}

fn settle_one(
    scope: &mut v8::PinScope,
    resolver: &v8::Global<v8::PromiseResolver>,
    settle: Settle,
) {
    {
        let resolver = v8::Local::new(scope, resolver);
        v8::tc_scope!(let tc, scope);
        match settle(tc) {
            Ok(v) => {
                resolver.resolve(tc, v);
            }
            Err(HostFailure::Err(msg) | HostFailure::Convert(msg)) => {
                let msg = v8_str(tc, &format!("async host function failed: {msg}"));
                let exc = v8::Exception::error(tc, msg);
                resolver.reject(tc, exc);
            }
        }
    }
}
