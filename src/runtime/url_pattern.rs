//! The `core.urlPattern*` ops behind `URLPattern` (`js/url_pattern.js`): the `urlpattern`
//! crate (the one Deno uses) parses a pattern into its components' pattern strings and
//! ECMAScript regular expressions, which the JS compiles with V8's own `RegExp`, and
//! splits the input being matched into components. Values cross as JSON.

use urlpattern::quirks::{self, StringOrInit};
use urlpattern::regexp::RegExp;

use crate::runtime::v8_util::{OpError, guarded, v8_str};

type R = std::result::Result<(), OpError>;

/// A component's regular expression as ECMAScript source, kept for the JS to compile with
/// V8's `RegExp` (which then also judges it: lookarounds and backreferences included).
struct V8Source(String);

impl RegExp for V8Source {
    fn syntax() -> urlpattern::RegexSyntax {
        urlpattern::RegexSyntax::EcmaScript
    }

    fn parse(pattern: &str, _flags: &str, _force_eval: bool) -> Result<Self, ()> {
        Ok(V8Source(pattern.to_string()))
    }

    /// Not called on the quirks path, which matches in JS.
    fn matches<'a>(&self, _text: &'a str) -> Option<Vec<Option<&'a str>>> {
        None
    }

    fn pattern_string(&self) -> &str {
        &self.0
    }
}

fn input(
    scope: &mut v8::PinScope,
    args: &v8::FunctionCallbackArguments,
) -> Result<(StringOrInit<'static>, Option<String>), OpError> {
    let json = args.get(0).to_rust_string_lossy(scope);
    let input: StringOrInit =
        serde_json::from_str(&json).map_err(|e| OpError::type_error(e.to_string()))?;
    let base = args.get(1);
    let base = (!base.is_undefined()).then(|| base.to_rust_string_lossy(scope));
    Ok((input, base))
}

fn json<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    value: &impl serde::Serialize,
) -> Result<v8::Local<'s, v8::Value>, OpError> {
    let text = serde_json::to_string(value).map_err(|e| OpError::error(e.to_string()))?;
    Ok(v8_str(scope, &text).into())
}

/// `urlPatternParse(inputJson, baseURL?, ignoreCase)`: the components as JSON; a pattern
/// that does not parse is a TypeError, as URLPattern's constructor throws.
fn op_parse<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    args: v8::FunctionCallbackArguments<'s>,
    mut rv: v8::ReturnValue<'s, v8::Value>,
) {
    guarded(scope, "urlPatternParse", |scope| -> R {
        let (input, base) = input(scope, &args)?;
        let options = urlpattern::UrlPatternOptions {
            ignore_case: args.get(2).is_true(),
            regex_syntax: urlpattern::RegexSyntax::EcmaScript,
        };
        let init = quirks::process_construct_pattern_input(input, base.as_deref())
            .map_err(|e| OpError::type_error(format!("Invalid URLPattern: {e}")))?;
        let pattern = quirks::parse_pattern::<V8Source>(init, options)
            .map_err(|e| OpError::type_error(format!("Invalid URLPattern: {e}")))?;
        rv.set(json(scope, &pattern)?);
        Ok(())
    });
}

/// `urlPatternMatchInput(inputJson, baseURL?)`: `[components, inputs]` as JSON, or `null`
/// when the input is no URL (which matches nothing).
fn op_match_input<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    args: v8::FunctionCallbackArguments<'s>,
    mut rv: v8::ReturnValue<'s, v8::Value>,
) {
    guarded(scope, "urlPatternMatchInput", |scope| -> R {
        let (input, base) = input(scope, &args)?;
        let processed = quirks::process_match_input(input, base.as_deref())
            .map_err(|e| OpError::type_error(e.to_string()))?;
        let matched = processed.and_then(|(input, inputs)| {
            quirks::parse_match_input(input).map(|components| (components, inputs))
        });
        rv.set(json(scope, &matched)?);
        Ok(())
    });
}

pub(crate) fn install(scope: &mut v8::PinScope, core: v8::Local<v8::Object>) {
    for (name, f) in [
        ("urlPatternParse", v8::Function::builder(op_parse)),
        (
            "urlPatternMatchInput",
            v8::Function::builder(op_match_input),
        ),
    ] {
        if let Some(func) = f.build(scope) {
            let key = v8_str(scope, name);
            core.set(scope, key.into(), func.into());
        }
    }
}
