//! The per-arity traits that erase typed closures into host functions: [`IntoFunc`] for
//! sync closures (with or without a leading [`Caller`]) and [`IntoAsyncFunc`] for closures
//! returning futures. Up to 10 parameters.

use std::future::Future;
use std::sync::Arc;

use super::convert::{FromJs, HostFailure, IntoJs, TypeDesc};
use super::{AsyncFn, Caller, Settle, SyncFn};

/// A closure usable as a synchronous host function. Implemented for `Fn(A1..An) -> R` and
/// `Fn(Caller, A1..An) -> R` where every `Ai: FromJs` and `R: IntoJs`.
pub trait IntoFunc<Params, Results>: Send + Sync + 'static {
    #[doc(hidden)]
    fn into_erased(self) -> (Vec<TypeDesc>, Vec<TypeDesc>, Arc<SyncFn>);
}

/// A closure usable as an async host function: `Fn(A1..An) -> impl Future<Output = R>`.
pub trait IntoAsyncFunc<Params, Results>: Send + Sync + 'static {
    #[doc(hidden)]
    fn into_erased(self) -> (Vec<TypeDesc>, Vec<TypeDesc>, Arc<AsyncFn>);
}

fn sync_fn<F>(f: F) -> Arc<SyncFn>
where
    F: for<'s, 'i> Fn(
            &mut v8::PinScope<'s, 'i>,
            &v8::FunctionCallbackArguments<'s>,
            crate::runtime::CallerInfo,
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
    fn mk<F>(f: F) -> Settle
    where
        F: for<'s, 'i> FnOnce(
                &mut v8::PinScope<'s, 'i>,
            ) -> Result<v8::Local<'s, v8::Value>, HostFailure>
            + 'static,
    {
        Box::new(f)
    }
    mk(move |scope| r.into_js(scope))
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

macro_rules! impl_funcs {
    ($($a:ident)*) => {
        #[allow(non_snake_case, unused_variables, unused_mut, unused_assignments)]
        impl<F, R, $($a,)*> IntoFunc<($($a,)*), R> for F
        where
            F: Fn($($a),*) -> R + Send + Sync + 'static,
            R: IntoJs,
            $($a: FromJs,)*
        {
            fn into_erased(self) -> (Vec<TypeDesc>, Vec<TypeDesc>, Arc<SyncFn>) {
                let params = vec![$($a::desc()),*];
                let call = sync_fn(move |scope, args, _caller| {
                    let mut i = 0;
                    $(let $a = arg::<$a>(scope, args, i)?; i += 1;)*
                    (self)($($a),*).into_js(scope)
                });
                (params, R::descs(), call)
            }
        }

        #[allow(non_snake_case, unused_variables, unused_mut, unused_assignments)]
        impl<F, R, $($a,)*> IntoFunc<(Caller<'static>, $($a,)*), R> for F
        where
            F: for<'c> Fn(Caller<'c>, $($a),*) -> R + Send + Sync + 'static,
            R: IntoJs,
            $($a: FromJs,)*
        {
            fn into_erased(self) -> (Vec<TypeDesc>, Vec<TypeDesc>, Arc<SyncFn>) {
                let params = vec![$($a::desc()),*];
                let call = sync_fn(move |scope, args, info| {
                    let mut i = 0;
                    $(let $a = arg::<$a>(scope, args, i)?; i += 1;)*
                    let r = {
                        let mut ops = crate::runtime::ScopeCaller::new(scope, info);
                        (self)(Caller { ops: &mut ops }, $($a),*)
                    };
                    r.into_js(scope)
                });
                (params, R::descs(), call)
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
            fn into_erased(self) -> (Vec<TypeDesc>, Vec<TypeDesc>, Arc<AsyncFn>) {
                let params = vec![$($a::desc()),*];
                let call = async_fn(move |scope, args| {
                    let mut i = 0;
                    $(let $a = arg::<$a>(scope, args, i)?; i += 1;)*
                    let fut = (self)($($a),*);
                    Ok(Box::pin(async move { settle(fut.await) }) as std::pin::Pin<Box<dyn Future<Output = Settle>>>)
                });
                (params, R::descs(), call)
            }
        }
    };
}

impl_funcs!();
impl_funcs!(A1);
impl_funcs!(A1 A2);
impl_funcs!(A1 A2 A3);
impl_funcs!(A1 A2 A3 A4);
impl_funcs!(A1 A2 A3 A4 A5);
impl_funcs!(A1 A2 A3 A4 A5 A6);
impl_funcs!(A1 A2 A3 A4 A5 A6 A7);
impl_funcs!(A1 A2 A3 A4 A5 A6 A7 A8);
impl_funcs!(A1 A2 A3 A4 A5 A6 A7 A8 A9);
impl_funcs!(A1 A2 A3 A4 A5 A6 A7 A8 A9 A10);
