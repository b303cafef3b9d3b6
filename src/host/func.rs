//! The per-arity traits that erase typed closures into host functions: [`IntoFunc`] for
//! sync closures (with or without a leading [`Caller`]) and [`IntoAsyncFunc`] for closures
//! returning futures. Up to 10 parameters.
//!
//! A sync closure whose parameters and result are all plain numbers also gets a V8 *fast API*
//! entry point (a C function V8 calls directly from Wasm and optimized JS, with no JS
//! transition); the generic entry point stays as the fallback.

use std::any::Any;
use std::ffi::c_void;
use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;

use v8::fast_api::{CFunction, CFunctionInfo, CTypeInfo, Int64Representation, Type as CType};

use super::convert::{FromJs, HostFailure, IntoJs, TypeDesc};
use super::{AsyncFn, Caller, CallerSource, Settle, SyncFn};
use crate::error::panic_message;

/// A closure erased into what the registry stores.
#[doc(hidden)]
pub struct Erased<C> {
    pub(crate) params: Vec<TypeDesc>,
    pub(crate) results: Vec<TypeDesc>,
    pub(crate) call: C,
    pub(crate) fast: Option<FastEntry>,
    pub(crate) needs_caller: bool,
}

/// The fast API form of a host function: the C function V8 calls and the closure it calls.
pub(crate) struct FastEntry {
    pub cfunctions: &'static [CFunction],
    /// Keeps the closure alive; `closure_ptr` points into it.
    pub _closure: Arc<dyn Any + Send + Sync>,
    /// The closure, type-erased. Only the fast entry point monomorphized for its type (the
    /// one in `cfunctions`) casts it back.
    pub closure_ptr: *const (),
}

impl Clone for FastEntry {
    fn clone(&self) -> Self {
        FastEntry {
            cfunctions: self.cfunctions,
            _closure: self._closure.clone(),
            closure_ptr: self.closure_ptr,
        }
    }
}

// SAFETY: `closure_ptr` points into `_closure`, which is `Send + Sync`; the pointer is only
// read (as `&F`) by the fast entry point made for that same `F`.
unsafe impl Send for FastEntry {}
// SAFETY: as above.
unsafe impl Sync for FastEntry {}

/// A closure usable as a synchronous host function. Implemented for `Fn(A1..An) -> R` and
/// `Fn(Caller, A1..An) -> R` where every `Ai: FromJs` and `R: IntoJs`.
pub trait IntoFunc<Params, Results>: Send + Sync + 'static {
    #[doc(hidden)]
    fn into_erased(self) -> Erased<Arc<SyncFn>>;
}

/// A closure usable as an async host function: `Fn(A1..An) -> impl Future<Output = R>`.
pub trait IntoAsyncFunc<Params, Results>: Send + Sync + 'static {
    #[doc(hidden)]
    fn into_erased(self) -> Erased<Arc<AsyncFn>>;
}

fn sync_fn<F>(f: F) -> Arc<SyncFn>
where
    F: for<'s, 'i> Fn(
            &mut v8::PinScope<'s, 'i>,
            &v8::FunctionCallbackArguments<'s>,
            &dyn CallerSource,
        ) -> Result<v8::Local<'s, v8::Value>, HostFailure>
        + Send
        + Sync
        + 'static,
{
    Arc::new(f)
}

fn async_fn<F>(f: F) -> Arc<AsyncFn>
where
    F: for<'s, 'i> Fn(
            &mut v8::PinScope<'s, 'i>,
            &v8::FunctionCallbackArguments<'s>,
        )
            -> Result<std::pin::Pin<Box<dyn Future<Output = Settle>>>, HostFailure>
        + Send
        + Sync
        + 'static,
{
    Arc::new(f)
}

fn settle<R: IntoJs>(r: R) -> Settle {
    settle_with(move |scope| r.into_js(scope))
}

/// `f` as a [`Settle`]: the closure's lifetimes made general, for anything in the crate
/// that settles an async call's promise (a host function's result, a fetch's response).
pub(crate) fn settle_with<F>(f: F) -> Settle
where
    F: for<'s, 'i> FnOnce(
            &mut v8::PinScope<'s, 'i>,
        ) -> Result<v8::Local<'s, v8::Value>, HostFailure>
        + 'static,
{
    Box::new(f)
}

fn arg<T: FromJs>(
    scope: &mut v8::PinScope,
    args: &v8::FunctionCallbackArguments,
    i: usize,
) -> Result<T, HostFailure> {
    // A missing argument is `undefined`: fine for `Option<T>`, a clear error otherwise.
    T::from_js(scope, args.get(i as i32))
        .map_err(|e| HostFailure::Convert(format!("argument {}: {e}", i + 1)))
}

thread_local! {
    /// A panic in a fast-path host call: V8 cannot take an exception there, so the call
    /// terminates execution and the runtime reports this message once the stack unwound.
    static FAST_PANIC: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Whether a fast-path host call on this thread panicked since the last [`take_fast_panic`].
pub(crate) fn fast_panicked() -> bool {
    FAST_PANIC.with(|p| p.borrow().is_some())
}

/// The message of the last fast-path panic on this thread, clearing it.
pub(crate) fn take_fast_panic() -> Option<String> {
    FAST_PANIC.with(|p| p.borrow_mut().take())
}

/// The body of every fast API host call: find the closure, call it with panics caught.
/// `call` converts the C arguments and calls the closure; `None` means an argument could not
/// be converted, which the signature check rules out.
fn fast_host_call<F: 'static, R: IntoJs>(
    options: &v8::fast_api::FastApiCallbackOptions,
    call: impl FnOnce(&F) -> Option<R>,
) -> R::Fast {
    let outcome = if std::mem::size_of::<F>() == 0 {
        // A closure that captures nothing is zero-sized: every value of its type is the
        // same, so no lookup is needed to find it (the hot path of most host functions).
        // SAFETY: a reference to a zero-sized type may be dangling as long as it is
        // non-null and aligned, which `NonNull::dangling` is.
        let f: &F = unsafe { std::ptr::NonNull::<F>::dangling().as_ref() };
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| call(f)))
    } else {
        let Some(fast) = super::binding(options.data).and_then(|b| b.func.fast.as_ref()) else {
            return R::Fast::default();
        };
        // SAFETY: this function is only reachable through the CFunction registered for this
        // host function, which `IntoFunc` monomorphized for the closure type `F`;
        // `closure_ptr` points to that closure, kept alive by the binding.
        let f: &F = unsafe { &*(fast.closure_ptr as *const F) };
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| call(f)))
    };
    match outcome {
        Ok(Some(r)) => r.into_fast(),
        Ok(None) => R::Fast::default(),
        Err(payload) => {
            let name = super::binding(options.data)
                .map(|b| format!("{}.{}", b.func.module, b.func.name))
                .unwrap_or_else(|| "?".into());
            let msg = format!("host function {name} panicked: {}", panic_message(&payload));
            FAST_PANIC.with(|p| *p.borrow_mut() = Some(msg));
            // SAFETY: V8 passes the calling isolate in the options of a fast call; it is
            // alive for the duration of the call.
            let isolate = unsafe { options.isolate_unchecked() };
            isolate.terminate_execution();
            R::Fast::default()
        }
    }
}

/// Compile-time fast-call signatures, one per closure type.
struct FastSig<F, R, Args>(PhantomData<(F, R, Args)>);

const fn info_or_void(t: Option<CTypeInfo>) -> CTypeInfo {
    match t {
        Some(t) => t,
        None => CType::Void.as_info(),
    }
}

macro_rules! impl_funcs {
    ($fast:ident; $($a:ident)*) => {
        /// The C entry point V8 calls for a fast host call of this arity.
        #[allow(non_snake_case, improper_ctypes_definitions)]
        extern "C" fn $fast<F, R, $($a,)*>(
            _receiver: v8::Local<v8::Object>,
            $($a: <$a as FromJs>::Fast,)*
            options: &v8::fast_api::FastApiCallbackOptions,
        ) -> R::Fast
        where
            F: Fn($($a),*) -> R + Send + Sync + 'static,
            R: IntoJs,
            $($a: FromJs,)*
        {
            fast_host_call::<F, R>(options, |f| {
                $(let $a = <$a as FromJs>::from_fast($a)?;)*
                Some(f($($a),*))
            })
        }

        #[allow(non_snake_case)]
        impl<F, R, $($a,)*> FastSig<F, R, ($($a,)*)>
        where
            F: Fn($($a),*) -> R + Send + Sync + 'static,
            R: IntoJs,
            $($a: FromJs,)*
        {
            const SUPPORTED: bool = R::FAST_RET.is_some() $(&& <$a as FromJs>::FAST.is_some())*;
            const ARGS: &'static [CTypeInfo] = &[
                CType::V8Value.as_info(),
                $(info_or_void(<$a as FromJs>::FAST),)*
                CType::CallbackOptions.as_info(),
            ];
            const INFO: CFunctionInfo = CFunctionInfo::new(
                info_or_void(R::FAST_RET),
                Self::ARGS,
                Int64Representation::BigInt,
            );
            const FNS: &'static [CFunction] =
                &[CFunction::new($fast::<F, R, $($a,)*> as *const c_void, &Self::INFO)];
        }

        #[allow(non_snake_case, unused_variables, unused_mut, unused_assignments)]
        impl<F, R, $($a,)*> IntoFunc<($($a,)*), R> for F
        where
            F: Fn($($a),*) -> R + Send + Sync + 'static,
            R: IntoJs,
            $($a: FromJs,)*
        {
            fn into_erased(self) -> Erased<Arc<SyncFn>> {
                let params = vec![$($a::desc()),*];
                let f = Arc::new(self);
                let fast = FastSig::<F, R, ($($a,)*)>::SUPPORTED.then(|| FastEntry {
                    cfunctions: FastSig::<F, R, ($($a,)*)>::FNS,
                    closure_ptr: Arc::as_ptr(&f) as *const (),
                    _closure: f.clone() as Arc<dyn Any + Send + Sync>,
                });
                let call = sync_fn(move |scope, args, _caller| {
                    let mut i = 0;
                    $(let $a = arg::<$a>(scope, args, i)?; i += 1;)*
                    (f)($($a),*).into_js(scope)
                });
                Erased { params, results: R::descs(), call, fast, needs_caller: false }
            }
        }

        #[allow(non_snake_case, unused_variables, unused_mut, unused_assignments)]
        impl<F, R, $($a,)*> IntoFunc<(Caller<'static>, $($a,)*), R> for F
        where
            F: for<'c> Fn(Caller<'c>, $($a),*) -> R + Send + Sync + 'static,
            R: IntoJs,
            $($a: FromJs,)*
        {
            fn into_erased(self) -> Erased<Arc<SyncFn>> {
                let params = vec![$($a::desc()),*];
                let call = sync_fn(move |scope, args, source| {
                    let mut i = 0;
                    $(let $a = arg::<$a>(scope, args, i)?; i += 1;)*
                    let mut input = Some(($($a,)*));
                    let mut out = None;
                    source.with_caller(scope, &mut |ops| {
                        if let Some(($($a,)*)) = input.take() {
                            out = Some((self)(Caller { ops }, $($a),*));
                        }
                    });
                    match out {
                        Some(r) => r.into_js(scope),
                        None => Err(HostFailure::Err("the caller was not available".into())),
                    }
                });
                Erased { params, results: R::descs(), call, fast: None, needs_caller: true }
            }
        }

        #[allow(non_snake_case, unused_variables, unused_mut, unused_assignments)]
        impl<F, Fut, R, $($a,)*> IntoAsyncFunc<($($a,)*), R> for F
        where
            F: Fn($($a),*) -> Fut + Send + Sync + 'static,
            Fut: Future<Output = R> + 'static,
            R: IntoJs,
            $($a: FromJs,)*
        {
            fn into_erased(self) -> Erased<Arc<AsyncFn>> {
                let params = vec![$($a::desc()),*];
                let call = async_fn(move |scope, args| {
                    let mut i = 0;
                    $(let $a = arg::<$a>(scope, args, i)?; i += 1;)*
                    let fut = (self)($($a),*);
                    Ok(Box::pin(async move { settle(fut.await) })
                        as std::pin::Pin<Box<dyn Future<Output = Settle>>>)
                });
                Erased { params, results: R::descs(), call, fast: None, needs_caller: false }
            }
        }
    };
}

impl_funcs!(fast0;);
impl_funcs!(fast1; A1);
impl_funcs!(fast2; A1 A2);
impl_funcs!(fast3; A1 A2 A3);
impl_funcs!(fast4; A1 A2 A3 A4);
impl_funcs!(fast5; A1 A2 A3 A4 A5);
impl_funcs!(fast6; A1 A2 A3 A4 A5 A6);
impl_funcs!(fast7; A1 A2 A3 A4 A5 A6 A7);
impl_funcs!(fast8; A1 A2 A3 A4 A5 A6 A7 A8);
impl_funcs!(fast9; A1 A2 A3 A4 A5 A6 A7 A8 A9);
impl_funcs!(fast10; A1 A2 A3 A4 A5 A6 A7 A8 A9 A10);
