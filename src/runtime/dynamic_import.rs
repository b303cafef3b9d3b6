//! Dynamic `import()`: the V8 callback queues a graph load with the promise to settle, and
//! the event loop drives the queued loads and settles each once its graph is evaluated.

use std::rc::Rc;
use std::task::{Context, Poll};

use url::Url;

use crate::error::{Error, Result};
use crate::modules::ModuleError;
use crate::runtime::exceptions;
use crate::runtime::graph_load::{GraphLoad, poll_graph};
use crate::runtime::module_map::{get_module, instantiate};
use crate::runtime::state::State;
use crate::runtime::v8_util::{boundary, v8_str};

/// A dynamic `import()` in progress: its graph load (or why it could not start) and the
/// promise to settle.
pub(crate) struct DynamicImport {
    resolver: v8::Global<v8::PromiseResolver>,
    load: std::result::Result<GraphLoad, Error>,
}

/// `import(specifier)`: queues a graph load that the event loop drives.
pub(crate) fn dynamic_import_callback<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    _host_defined_options: v8::Local<'s, v8::Data>,
    resource_name: v8::Local<'s, v8::Value>,
    specifier: v8::Local<'s, v8::String>,
    _import_attributes: v8::Local<'s, v8::FixedArray>,
) -> Option<v8::Local<'s, v8::Promise>> {
    boundary(scope, "import()", |scope| {
        queue_import(scope, resource_name, specifier)
    })
}

fn queue_import<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    resource_name: v8::Local<'s, v8::Value>,
    specifier: v8::Local<'s, v8::String>,
) -> Option<v8::Local<'s, v8::Promise>> {
    let resolver = v8::PromiseResolver::new(scope)?;
    let promise = resolver.get_promise(scope);
    let referrer = resource_name.to_rust_string_lossy(scope);
    let spec = specifier.to_rust_string_lossy(scope);
    let state = State::get(scope);
    // An ES module's resource name is its URL; a CommonJS module's is its file path.
    let base = match Url::parse(&referrer) {
        Ok(url) => Ok(url),
        Err(_) if referrer.starts_with('/') => {
            crate::modules::path_to_url(std::path::Path::new(&referrer))
        }
        Err(e) => Err(ModuleError::InvalidSpecifier(format!(
            "bad referrer {referrer}: {e}"
        ))),
    };
    let resolved = base.and_then(|base| state.loader.resolve(&spec, &base));
    let load = match resolved {
        Ok(url) => Ok(GraphLoad::for_import(url, spec, referrer)),
        Err(why) => Err(Error::module(
            format!("cannot resolve \"{spec}\" imported from {referrer}"),
            why,
        )),
    };
    state.push_import(DynamicImport {
        resolver: v8::Global::new(scope, resolver),
        load,
    });
    Some(promise)
}

/// Drives pending dynamic imports; settles the finished ones. Returns how many settled.
pub(crate) fn poll_imports(
    scope: &mut v8::PinScope,
    state: &Rc<State>,
    cx: &mut Context<'_>,
) -> usize {
    let mut imports = state.take_imports();
    let mut settled = 0;
    imports.retain_mut(|imp| {
        let outcome = match &mut imp.load {
            Err(e) => Err(std::mem::replace(e, Error::Other(String::new()))),
            Ok(load) => match poll_graph(scope, load, cx) {
                Poll::Pending => return true,
                Poll::Ready(Err(e)) => Err(e),
                Poll::Ready(Ok(())) => finish_import(scope, &load.root),
            },
        };
        settled += 1;
        let resolver = v8::Local::new(scope, &imp.resolver);
        match outcome {
            Ok(v) => {
                let v = v8::Local::new(scope, &v);
                resolver.resolve(scope, v);
            }
            Err(e) => {
                let exc = rejection(scope, &e);
                resolver.reject(scope, exc);
            }
        }
        false
    });
    state.return_imports(imports);
    settled
}

/// The exception a failed `import()` rejects with: a denied read is a `PermissionDenied`
/// error, as `node:fs` throws for the same file; a JS error keeps its message; any other
/// load failure is a `TypeError`, as in browsers and Node.
fn rejection<'s>(scope: &mut v8::PinScope<'s, '_>, e: &Error) -> v8::Local<'s, v8::Value> {
    let msg = match e {
        Error::Js(js) => js.message.clone(),
        e => e.to_string(),
    };
    let text = v8_str(scope, &msg);
    match e {
        Error::Js(_) => v8::Exception::error(scope, text),
        Error::Module {
            source: ModuleError::Permission(_),
            ..
        } => {
            let exc = v8::Exception::error(scope, text);
            if let Some(obj) = exc.to_object(scope) {
                let k = v8_str(scope, "name");
                let v = v8_str(scope, "PermissionDenied");
                obj.set(scope, k.into(), v.into());
            }
            exc
        }
        _ => v8::Exception::type_error(scope, text),
    }
}

/// Instantiates and evaluates a dynamically imported graph; the value is a promise of its
/// namespace (settling after top-level await).
fn finish_import(scope: &mut v8::PinScope, root: &Url) -> Result<v8::Global<v8::Value>> {
    let module = get_module(scope, root.as_str())
        .ok_or_else(|| Error::Other(format!("{root} is not loaded")))?;
    instantiate(scope, module)?;
    v8::tc_scope!(let tc, scope);
    let Some(result) = module.evaluate(tc) else {
        return Err(exceptions::caught(tc));
    };
    let ns = module.get_module_namespace();
    let value: v8::Local<v8::Value> = match v8::Local::<v8::Promise>::try_from(result) {
        Ok(p) => {
            let then = v8::Function::builder(return_data)
                .data(ns)
                .build(tc)
                .ok_or_else(|| Error::Other("cannot create function".into()))?;
            p.then(tc, then)
                .ok_or_else(|| Error::Other("cannot chain the evaluation promise".into()))?
                .into()
        }
        Err(_) => ns,
    };
    Ok(v8::Global::new(tc, value))
}

fn return_data<'s>(
    _scope: &mut v8::PinScope<'s, '_>,
    args: v8::FunctionCallbackArguments<'s>,
    mut rv: v8::ReturnValue<'s, v8::Value>,
) {
    rv.set(args.data());
}
