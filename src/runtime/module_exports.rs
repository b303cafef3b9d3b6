//! ES modules kept for calls from Rust ([`JsModule`]): an evaluated module's namespace,
//! its function exports called with [`Value`]s (or, inside the crate, with arguments made
//! in JS directly: [`CallArgs`]), and the result (or the promise of one) converted back
//! ([`CallResult`]).

use crate::error::{Error, Result};
use crate::host::js_value;
use crate::runtime::state::State;
use crate::runtime::v8_util::v8_str;
use crate::runtime::{exceptions, module_map, stop};
use crate::value::Value;

/// An ES module a [`crate::Runtime`] loaded and evaluated, whose function exports Rust can
/// call with [`crate::Runtime::call_export`]. Owned by that runtime.
#[derive(Debug, Clone)]
pub struct JsModule {
    pub(crate) runtime_id: u64,
    index: usize,
    url: String,
    functions: Vec<String>,
}

impl JsModule {
    /// The module's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The names of its exports that are functions, in the namespace's order (which is
    /// alphabetical, as ES module namespaces are).
    pub fn functions(&self) -> &[String] {
        &self.functions
    }

    /// Whether it exports a function `name`.
    pub fn has_function(&self, name: &str) -> bool {
        self.functions.iter().any(|f| f == name)
    }
}

/// Keeps the namespace of the evaluated module at `url`.
pub(crate) fn keep(scope: &mut v8::PinScope, url: &str) -> Result<JsModule> {
    let module = module_map::get_module(scope, url)
        .ok_or_else(|| Error::Other(format!("{url} is not loaded")))?;
    let ns = module
        .get_module_namespace()
        .to_object(scope)
        .ok_or_else(|| Error::Other("module namespace is not an object".into()))?;
    let mut functions = Vec::new();
    if let Some(keys) = ns.get_own_property_names(scope, Default::default()) {
        for i in 0..keys.length() {
            let Some(k) = keys.get_index(scope, i) else {
                continue;
            };
            if ns.get(scope, k).is_some_and(|v| v.is_function()) {
                functions.push(k.to_rust_string_lossy(scope));
            }
        }
    }
    let state = State::get(scope);
    let runtime_id = state.wasm_ctors().runtime_id;
    let mut kept = state.kept_modules.borrow_mut();
    kept.push(v8::Global::new(scope, ns));
    Ok(JsModule {
        runtime_id,
        index: kept.len() - 1,
        url: url.to_string(),
        functions,
    })
}

/// The arguments of one call, on the stack for the usual few.
pub(crate) type CallArgList<'s> = smallvec::SmallVec<[v8::Local<'s, v8::Value>; 8]>;

/// The arguments of a call into JS, made in the callee's scope.
pub(crate) trait CallArgs {
    /// Pushes the arguments onto `out`; an error says which one has no JS form and why.
    fn to_js<'s>(
        &self,
        scope: &mut v8::PinScope<'s, '_>,
        out: &mut CallArgList<'s>,
    ) -> std::result::Result<(), String>;
}

impl CallArgs for [Value] {
    fn to_js<'s>(
        &self,
        scope: &mut v8::PinScope<'s, '_>,
        out: &mut CallArgList<'s>,
    ) -> std::result::Result<(), String> {
        for (i, a) in self.iter().enumerate() {
            out.push(
                js_value::to_js(scope, a).map_err(|why| format!("argument {}: {why}", i + 1))?,
            );
        }
        Ok(())
    }
}

/// The result of a call into JS, read from its value.
pub(crate) trait CallResult: Sized {
    /// Reads `v`; an error says why it has no such form.
    fn from_js(
        scope: &mut v8::PinScope,
        v: v8::Local<v8::Value>,
    ) -> std::result::Result<Self, String>;
}

impl CallResult for Value {
    fn from_js(
        scope: &mut v8::PinScope,
        v: v8::Local<v8::Value>,
    ) -> std::result::Result<Self, String> {
        js_value::from_js(scope, v)
    }
}

/// The outcome of calling an export: its value, or the promise it returned.
pub(crate) enum Called<R> {
    Done(R),
    Promise(v8::Global<v8::Promise>),
}

/// A function export of a [`JsModule`], taken from its namespace once: calls to it skip
/// the lookup by name (and do not see the export reassigned later).
#[derive(Debug, Clone)]
pub(crate) struct KeptFunction {
    runtime_id: u64,
    index: usize,
    name: String,
}

/// What a call calls: an export looked up by name, or one kept.
#[derive(Clone, Copy)]
pub(crate) enum Callee<'a> {
    Export(&'a JsModule, &'a str),
    Kept(&'a KeptFunction),
}

impl Callee<'_> {
    pub(crate) fn name(&self) -> &str {
        match self {
            Callee::Export(_, name) => name,
            Callee::Kept(k) => &k.name,
        }
    }
}

/// The function export `name` of `module`.
fn lookup<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    module: &JsModule,
    name: &str,
) -> Result<v8::Local<'s, v8::Function>> {
    let state = State::get(scope);
    if module.runtime_id != state.wasm_ctors().runtime_id {
        return Err(Error::Other(
            "this module belongs to another Runtime".into(),
        ));
    }
    let ns = state
        .kept_modules
        .borrow()
        .get(module.index)
        .map(|g| v8::Local::new(scope, g))
        .ok_or_else(|| Error::Other("module handle out of range".into()))?;
    let key = v8_str(scope, name);
    ns.get(scope, key.into())
        .and_then(|v| v8::Local::<v8::Function>::try_from(v).ok())
        .ok_or_else(|| {
            let hint = if module.functions.is_empty() {
                "it exports no functions".to_string()
            } else {
                format!("its functions: {}", module.functions.join(", "))
            };
            Error::Export(format!(
                "{} has no function export \"{name}\"; {hint}",
                module.url
            ))
        })
}

/// Keeps the function export `name` of `module` for [`Callee::Kept`] calls.
pub(crate) fn keep_function(
    scope: &mut v8::PinScope,
    module: &JsModule,
    name: &str,
) -> Result<KeptFunction> {
    let f = lookup(scope, module, name)?;
    let state = State::get(scope);
    let mut kept = state.kept_functions.borrow_mut();
    kept.push(v8::Global::new(scope, f));
    Ok(KeptFunction {
        runtime_id: module.runtime_id,
        index: kept.len() - 1,
        name: name.to_string(),
    })
}

/// Calls `callee` with `args`.
pub(crate) fn call<A: CallArgs + ?Sized, R: CallResult>(
    scope: &mut v8::PinScope,
    callee: Callee,
    args: &A,
) -> Result<Called<R>> {
    let name = callee.name();
    let f = match callee {
        Callee::Export(module, name) => lookup(scope, module, name)?,
        Callee::Kept(k) => {
            let state = State::get(scope);
            if k.runtime_id != state.wasm_ctors().runtime_id {
                return Err(Error::Other(
                    "this function belongs to another Runtime".into(),
                ));
            }
            state
                .kept_functions
                .borrow()
                .get(k.index)
                .map(|g| v8::Local::new(scope, g))
                .ok_or_else(|| Error::Other("function handle out of range".into()))?
        }
    };
    let mut v8_args = CallArgList::new();
    args.to_js(scope, &mut v8_args)
        .map_err(|why| Error::Args(format!("\"{name}\": {why}")))?;
    v8::tc_scope!(let tc, scope);
    let recv = v8::undefined(tc).into();
    let Some(result) = f.call(tc, recv, &v8_args) else {
        if tc.has_terminated() || tc.exception().is_none() || stop::exiting(tc) {
            return Err(stop::termination_error(tc, Some(name)));
        }
        return Err(exceptions::caught(tc));
    };
    if let Some(e) = stop::after_call(tc, Some(name)) {
        return Err(e);
    }
    // As after any macrotask: promise jobs the call queued run now.
    tc.perform_microtask_checkpoint();
    if let Ok(p) = v8::Local::<v8::Promise>::try_from(result) {
        // Rust awaits this promise: mark it handled so a rejection is reported once, as
        // the call's error, and not also as an unhandled rejection.
        State::await_from_rust(tc, p);
        return Ok(Called::Promise(v8::Global::new(tc, p)));
    }
    result_value(tc, result, name).map(Called::Done)
}

fn result_value<R: CallResult>(
    scope: &mut v8::PinScope,
    v: v8::Local<v8::Value>,
    name: &str,
) -> Result<R> {
    R::from_js(scope, v).map_err(|why| Error::Value(format!("the result of \"{name}\": {why}")))
}

/// The value of a settled promise an export returned.
pub(crate) fn settled<R: CallResult>(
    scope: &mut v8::PinScope,
    promise: &v8::Global<v8::Promise>,
    name: &str,
) -> Result<R> {
    let p = v8::Local::new(scope, promise);
    match p.state() {
        v8::PromiseState::Fulfilled => {
            let v = p.result(scope);
            result_value(scope, v, name)
        }
        v8::PromiseState::Rejected => {
            if stop::exiting(scope) {
                return Err(stop::termination_error(scope, Some(name)));
            }
            let exc = p.result(scope);
            State::get(scope).forget_rejection(scope, p);
            Err(Error::Js(Box::new(exceptions::js_error(scope, exc, true))))
        }
        v8::PromiseState::Pending => Err(Error::Stalled(format!(
            "export \"{name}\" returned a promise nothing will settle"
        ))),
    }
}
