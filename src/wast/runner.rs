//! Runs the directives of one `.wast` script against a fresh [`Runtime`]: compiles and
//! instantiates modules with V8, links imports through one registry object, calls exports
//! through bit-exact wrappers, and judges every assertion.

use std::collections::HashMap;
use std::rc::Rc;
use std::time::{Duration, Instant};

use wast::core::WastArgCore;
use wast::parser::{self, ParseBuffer};
use wast::{QuoteWat, QuoteWatTest, Wast, WastArg, WastDirective, WastExecute, WastRet, Wat};

use crate::error::TrapKind;
use crate::runtime::{Runtime, RuntimeOptions, wasm_ctors};
use crate::wast::values::{self, RVal, RefVal};
use crate::wast::wrapper::{Carrier, ModuleMeta, Sig, Target};
use crate::wast::{FileReport, WastOptions};
use crate::watchdog::Watchdog;

/// The `spectest` host module every script can import from. `print*` functions discard
/// their arguments (the suite only needs them to exist with the right types).
const SPECTEST_WAT: &str = r#"(module
  (func (export "print"))
  (func (export "print_i32") (param i32))
  (func (export "print_i64") (param i64))
  (func (export "print_f32") (param f32))
  (func (export "print_f64") (param f64))
  (func (export "print_i32_f32") (param i32 f32))
  (func (export "print_f64_f64") (param f64 f64))
  (global (export "global_i32") i32 (i32.const 666))
  (global (export "global_i64") i64 (i64.const 666))
  (global (export "global_f32") f32 (f32.const 666.6))
  (global (export "global_f64") f64 (f64.const 666.6))
  (table (export "table") 10 20 funcref)
  (table (export "table64") i64 10 20 funcref)
  (memory (export "memory") 1 2)
  (memory (export "shared_memory") 1 2 shared)
)"#;

/// Heap limit of a script's isolate: GC tests allocate, but never this much.
const MAX_HEAP_BYTES: usize = 2 << 30;

/// Why an execution did not produce values.
enum Thrown {
    Trap {
        message: String,
    },
    StackOverflow(String),
    /// A `WebAssembly.Exception` (a Wasm `throw` that nobody caught).
    WasmException,
    Link(String),
    /// Any other JS exception (a `TypeError` at the boundary, ...).
    Js(String),
    Terminated,
    /// The runner itself cannot do what the directive asks.
    Harness(String),
}

impl Thrown {
    fn describe(&self) -> String {
        match self {
            Thrown::Trap { message } => format!("trapped: {message}"),
            Thrown::StackOverflow(m) => format!("stack overflow: {m}"),
            Thrown::WasmException => "threw a Wasm exception".into(),
            Thrown::Link(m) => format!("link error: {m}"),
            Thrown::Js(m) => format!("threw {m}"),
            Thrown::Terminated => "stopped: timed out".into(),
            Thrown::Harness(m) => m.clone(),
        }
    }
}

struct Def {
    module: v8::Global<v8::WasmModuleObject>,
    meta: Rc<ModuleMeta>,
}

struct Inst {
    exports: v8::Global<v8::Object>,
    meta: Rc<ModuleMeta>,
}

/// A callable export: the function JS calls (the export itself, or its wrapper), and the
/// target's exact signature.
struct Caller {
    func: v8::Global<v8::Function>,
    sig: Sig,
    meta: Rc<ModuleMeta>,
    wrapped: bool,
}

struct Ctors {
    exception: Option<v8::Global<v8::Function>>,
    link_error: Option<v8::Global<v8::Function>>,
}

/// One script's state. Field order matters: everything holding V8 handles is dropped before
/// `rt` (fields drop in declaration order).
struct Runner {
    imports: v8::Global<v8::Object>,
    ctors: Ctors,
    instances: Vec<Inst>,
    named: HashMap<String, usize>,
    current: Option<usize>,
    defs: HashMap<String, Rc<Def>>,
    last_def: Option<Rc<Def>>,
    wrapper_modules: HashMap<Vec<u8>, v8::Global<v8::WasmModuleObject>>,
    callers: HashMap<(usize, String), Rc<Caller>>,
    hosts: Vec<v8::Global<v8::Value>>,
    watchdog: Watchdog,
    /// Whether modules are instrumented for fuel, and how many were.
    fuel: bool,
    fuel_instrumented: usize,
    directive_timeout: Duration,
    file_deadline: Instant,
    rt: Runtime,
}

/// Parses and runs `text`, recording into `report`.
pub(crate) fn run_script(
    path: &std::path::Path,
    text: &str,
    opts: &WastOptions,
    report: &mut FileReport,
) {
    let mut lexer = wast::lexer::Lexer::new(text);
    lexer.allow_confusing_unicode(true);
    let buf = match ParseBuffer::new_with_lexer(lexer) {
        Ok(b) => b,
        Err(e) => return report.error = Some(located(e, path, text)),
    };
    let script = match parser::parse::<Wast>(&buf) {
        Ok(s) => s,
        Err(e) => {
            report.error = Some(located(e, path, text));
            // Count what could not run, so totals stay honest.
            for kind in top_level_keywords(text) {
                report.count_unrun(&kind);
            }
            return;
        }
    };
    let mut runner = match Runner::new(opts) {
        Ok(r) => r,
        Err(e) => return report.error = Some(e),
    };
    for directive in script.directives {
        let line = directive.span().linecol_in(text).0 + 1;
        let kind = kind_name(&directive);
        let result = if Instant::now() >= runner.file_deadline {
            Err("not run: the file's time budget is used up".to_string())
        } else {
            runner.directive(directive)
        };
        report.record(kind, line, result);
        runner.rt.wast_run_tasks();
    }
    report.fuel_instrumented = runner.fuel_instrumented;
}

/// The keyword of every top-level form (`module`, `assert_return`, ...) of a script the
/// parser rejected, found with the lexer alone.
fn top_level_keywords(text: &str) -> Vec<String> {
    use wast::lexer::TokenKind;
    let mut lexer = wast::lexer::Lexer::new(text);
    lexer.allow_confusing_unicode(true);
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut opened = false;
    for token in lexer.iter(0) {
        let Ok(token) = token else { break };
        match token.kind {
            TokenKind::LineComment | TokenKind::BlockComment | TokenKind::Whitespace => continue,
            TokenKind::LParen => {
                opened = depth == 0;
                depth += 1;
                continue;
            }
            TokenKind::RParen => depth = depth.saturating_sub(1),
            TokenKind::Keyword if opened => out.push(token.keyword(text).to_string()),
            _ => {}
        }
        opened = false;
    }
    out
}

fn located(mut e: wast::Error, path: &std::path::Path, text: &str) -> String {
    e.set_path(path);
    e.set_text(text);
    e.to_string()
}

fn kind_name(d: &WastDirective) -> &'static str {
    match d {
        WastDirective::Module(_) => "module",
        WastDirective::ModuleDefinition(_) => "module definition",
        WastDirective::ModuleInstance { .. } => "module instance",
        WastDirective::AssertMalformed { .. } => "assert_malformed",
        WastDirective::AssertInvalid { .. } => "assert_invalid",
        WastDirective::AssertInvalidCustom { .. } => "assert_invalid_custom",
        WastDirective::AssertMalformedCustom { .. } => "assert_malformed_custom",
        WastDirective::Register { .. } => "register",
        WastDirective::Invoke(_) => "invoke",
        WastDirective::AssertTrap { .. } => "assert_trap",
        WastDirective::AssertReturn { .. } => "assert_return",
        WastDirective::AssertExhaustion { .. } => "assert_exhaustion",
        WastDirective::AssertUnlinkable { .. } => "assert_unlinkable",
        WastDirective::AssertException { .. } => "assert_exception",
        WastDirective::AssertSuspension { .. } => "assert_suspension",
        WastDirective::Thread(_) => "thread",
        WastDirective::Wait { .. } => "wait",
    }
}

/// Encodes a module of the script; `Err` is the text (or binary quoting) error.
fn encode(module: &mut QuoteWat) -> Result<Vec<u8>, String> {
    if matches!(
        module,
        QuoteWat::QuoteComponent(..) | QuoteWat::Wat(Wat::Component(_))
    ) {
        return Err("components are not supported".into());
    }
    match module.to_test().map_err(|e| e.to_string())? {
        QuoteWatTest::Binary(b) => Ok(b),
        QuoteWatTest::Text(t) => {
            let text = String::from_utf8(t).map_err(|_| "malformed UTF-8 encoding".to_string())?;
            wat::parse_str(&text).map_err(|e| e.to_string())
        }
    }
}

fn id_name(id: Option<wast::token::Id>) -> Option<String> {
    id.map(|i| i.name().to_string())
}

impl Runner {
    fn new(opts: &WastOptions) -> Result<Runner, String> {
        let options = RuntimeOptions {
            output: Some(std::sync::Arc::new(|_, _| Ok(()))),
            max_heap_bytes: Some(MAX_HEAP_BYTES),
            ..Default::default()
        };
        let mut rt = Runtime::new(options).map_err(|e| format!("cannot create an isolate: {e}"))?;
        let watchdog = Watchdog::new(rt.wast_isolate_handle(), None)
            .map_err(|e| format!("cannot start the watchdog thread: {e}"))?;
        let fuel = opts.fuel;
        let (imports, ctors) = rt.wast_enter(|scope| {
            let imports = v8::Object::new(scope);
            if fuel {
                // Ample fuel, shared by every module of the script, as a runtime does.
                let script = format!(
                    "({{ {:?}: new WebAssembly.Global({{ value: 'i64', mutable: true }}, {}n) }})",
                    crate::fuel::FUEL_NAME,
                    i64::MAX
                );
                v8::tc_scope!(let tc, scope);
                if let Some(ns) = crate::runtime::wast_eval(tc, &script) {
                    let k = str(tc, crate::fuel::FUEL_MODULE);
                    imports.set(tc, k.into(), ns);
                }
            }
            let global = scope.get_current_context().global(scope);
            let wa = get(scope, global, "WebAssembly")
                .and_then(|v| v8::Local::<v8::Object>::try_from(v).ok());
            let ctors = Ctors {
                exception: ctor_of(scope, wa, "Exception"),
                link_error: ctor_of(scope, wa, "LinkError"),
            };
            (v8::Global::new(scope, imports), ctors)
        });
        let now = Instant::now();
        let mut runner = Runner {
            imports,
            ctors,
            instances: Vec::new(),
            named: HashMap::new(),
            current: None,
            defs: HashMap::new(),
            last_def: None,
            wrapper_modules: HashMap::new(),
            callers: HashMap::new(),
            hosts: Vec::new(),
            watchdog,
            fuel,
            fuel_instrumented: 0,
            directive_timeout: opts.directive_timeout,
            file_deadline: now + opts.file_timeout,
            rt,
        };
        let bytes = wat::parse_str(SPECTEST_WAT).map_err(|e| format!("spectest module: {e}"))?;
        let def = runner.compile(&bytes)?;
        let inst = runner
            .instantiate(&def)
            .map_err(|t| format!("spectest module: {}", t.describe()))?;
        runner.register("spectest", inst);
        runner.current = None;
        Ok(runner)
    }

    /// Runs one directive with the watchdog armed.
    fn directive(&mut self, d: WastDirective) -> Result<(), String> {
        let deadline = (Instant::now() + self.directive_timeout).min(self.file_deadline);
        self.watchdog.arm(Some(deadline), None);
        let result = self.directive_inner(d);
        let timed_out = self.watchdog.disarm().is_some();
        let out_of_memory = self.rt.wast_take_heap_limit_hit();
        if timed_out || out_of_memory {
            // The termination request is sticky: clear it before the next directive.
            self.rt.wast_cancel_termination();
            let why = if out_of_memory {
                "stopped: the isolate reached its heap limit"
            } else {
                "stopped: timed out"
            };
            return Err(match result {
                Err(e) if !e.starts_with("stopped") => format!("{e} ({why})"),
                _ => why.into(),
            });
        }
        result
    }

    fn directive_inner(&mut self, d: WastDirective) -> Result<(), String> {
        match d {
            WastDirective::Module(mut m) => {
                let name = id_name(m.name());
                // Until this module loads, nothing may run against the previous one.
                self.current = None;
                let bytes = encode(&mut m)?;
                let def = self.compile(&bytes)?;
                let inst = self.instantiate(&def).map_err(|t| t.describe())?;
                self.current = Some(inst);
                if let Some(n) = name {
                    self.named.insert(n, inst);
                }
                Ok(())
            }
            WastDirective::ModuleDefinition(mut m) => {
                let name = id_name(m.name());
                let bytes = encode(&mut m)?;
                let def = Rc::new(self.compile(&bytes)?);
                if let Some(n) = name {
                    self.defs.insert(n, def.clone());
                }
                self.last_def = Some(def);
                Ok(())
            }
            WastDirective::ModuleInstance {
                instance, module, ..
            } => {
                let def = match id_name(module) {
                    Some(n) => self
                        .defs
                        .get(&n)
                        .cloned()
                        .ok_or_else(|| format!("no module definition ${n}"))?,
                    None => self.last_def.clone().ok_or("no module definition")?,
                };
                self.current = None;
                let inst = self.instantiate(&def).map_err(|t| t.describe())?;
                self.current = Some(inst);
                if let Some(n) = id_name(instance) {
                    self.named.insert(n, inst);
                }
                Ok(())
            }
            WastDirective::Register { name, module, .. } => {
                let inst = self.instance(module)?;
                self.register(name, inst);
                Ok(())
            }
            WastDirective::Invoke(i) => {
                self.invoke(i.module, i.name, &i.args)
                    .map_err(|t| t.describe())?;
                Ok(())
            }
            WastDirective::AssertReturn { exec, results, .. } => {
                let got = self.execute(exec).map_err(|t| t.describe())?;
                if got.len() != results.len() {
                    return Err(format!(
                        "got {} results ({}), expected {}",
                        got.len(),
                        list(&got),
                        results.len()
                    ));
                }
                for (i, (g, e)) in got.iter().zip(&results).enumerate() {
                    let WastRet::Core(e) = e else {
                        return Err("component values are not supported".into());
                    };
                    values::matches(g, e).map_err(|why| {
                        if results.len() > 1 {
                            format!("result {i}: {why}")
                        } else {
                            why
                        }
                    })?;
                }
                Ok(())
            }
            WastDirective::AssertTrap { exec, message, .. } => match self.execute(exec) {
                Ok(v) => Err(format!(
                    "expected trap \"{message}\", returned ({})",
                    list(&v)
                )),
                Err(Thrown::Trap { message: got }) => trap_matches(&got, message),
                Err(Thrown::StackOverflow(got)) => trap_matches(&got, message),
                Err(t) => Err(format!("expected trap \"{message}\", {}", t.describe())),
            },
            WastDirective::AssertExhaustion { call, message, .. } => {
                match self.invoke(call.module, call.name, &call.args) {
                    Ok(v) => Err(format!(
                        "expected exhaustion \"{message}\", returned ({})",
                        list(&v)
                    )),
                    Err(Thrown::StackOverflow(_)) => Ok(()),
                    Err(Thrown::Trap { message: got }) => trap_matches(&got, message),
                    Err(t) => Err(format!(
                        "expected exhaustion \"{message}\", {}",
                        t.describe()
                    )),
                }
            }
            WastDirective::AssertException { exec, .. } => match self.execute(exec) {
                Ok(v) => Err(format!("expected an exception, returned ({})", list(&v))),
                Err(Thrown::WasmException) => Ok(()),
                Err(t) => Err(format!("expected an exception, {}", t.describe())),
            },
            WastDirective::AssertInvalid {
                mut module,
                message,
                ..
            }
            | WastDirective::AssertMalformed {
                mut module,
                message,
                ..
            } => {
                let Ok(bytes) = encode(&mut module) else {
                    return Ok(());
                };
                match self.compile(&bytes) {
                    Err(_) => Ok(()),
                    Ok(_) => Err(format!(
                        "module compiled, expected it to be rejected (\"{message}\")"
                    )),
                }
            }
            WastDirective::AssertInvalidCustom { mut module, .. }
            | WastDirective::AssertMalformedCustom { mut module, .. } => {
                // An engine may ignore custom sections, but a bad custom section must not
                // make an otherwise valid module fail: the module must still compile.
                let Ok(bytes) = encode(&mut module) else {
                    return Ok(());
                };
                self.compile(&bytes).map(|_| ())
            }
            WastDirective::AssertUnlinkable {
                module, message, ..
            } => {
                let mut module = QuoteWat::Wat(module);
                let bytes = encode(&mut module)?;
                let def = self.compile(&bytes)?;
                match self.instantiate(&def) {
                    Ok(_) => Err(format!(
                        "module linked, expected it to be unlinkable (\"{message}\")"
                    )),
                    Err(Thrown::Link(_)) => Ok(()),
                    Err(Thrown::Js(m)) if m.starts_with("TypeError") => Ok(()),
                    Err(t) => Err(format!("expected a link error, {}", t.describe())),
                }
            }
            WastDirective::AssertSuspension { .. } => {
                Err("stack switching (assert_suspension) is not supported".into())
            }
            WastDirective::Thread(_) | WastDirective::Wait { .. } => {
                Err("threads in scripts (thread/wait) are not supported".into())
            }
        }
    }

    fn instance(&self, id: Option<wast::token::Id>) -> Result<usize, String> {
        match id_name(id) {
            Some(n) => self
                .named
                .get(&n)
                .copied()
                .ok_or_else(|| format!("no module instance ${n} (it did not load)")),
            None => self
                .current
                .ok_or_else(|| "no module instance (the script's last module did not load)".into()),
        }
    }

    fn register(&mut self, name: &str, inst: usize) {
        let (imports, exports) = (&self.imports, &self.instances[inst].exports);
        self.rt.wast_enter(|scope| {
            let imports = v8::Local::new(scope, imports);
            let exports = v8::Local::new(scope, exports);
            let key = str(scope, name);
            imports.set(scope, key.into(), exports.into());
        });
    }

    /// Compiles with V8; `Err` is V8's `CompileError` message. With fuel, the module is
    /// instrumented first (bytes the pass cannot read go to V8 as they are, for V8 to
    /// reject).
    fn compile(&mut self, bytes: &[u8]) -> Result<Def, String> {
        let instrumented = self
            .fuel
            .then(|| crate::fuel::instrument(bytes).ok())
            .flatten();
        self.fuel_instrumented += usize::from(instrumented.is_some());
        let code = instrumented.as_deref().unwrap_or(bytes);
        crate::wasm_types::admit(code).map_err(|e| e.to_string())?;
        let module = self.rt.wast_enter(|scope| {
            v8::tc_scope!(let tc, scope);
            match v8::WasmModuleObject::compile(tc, code) {
                Some(m) => Ok(v8::Global::new(tc, m)),
                None => Err(tc
                    .exception()
                    .map(|e| e.to_rust_string_lossy(tc))
                    .unwrap_or_else(|| "compilation failed".into())),
            }
        })?;
        let meta = ModuleMeta::parse(bytes).map_err(|e| format!("reading module: {e}"))?;
        Ok(Def {
            module,
            meta: Rc::new(meta),
        })
    }

    /// Instantiates with the registry as the import object.
    fn instantiate(&mut self, def: &Def) -> Result<usize, Thrown> {
        let (imports, ctors) = (&self.imports, &self.ctors);
        let exports = self.rt.wast_enter(|scope| {
            let (instance_ctor, _) = wasm_ctors(scope);
            let module = v8::Local::new(scope, &def.module);
            let imports = v8::Local::new(scope, imports);
            v8::tc_scope!(let tc, scope);
            let Some(instance) = instance_ctor.new_instance(tc, &[module.into(), imports.into()])
            else {
                return Err(classify(tc, ctors));
            };
            let exports = get(tc, instance, "exports")
                .and_then(|v| v8::Local::<v8::Object>::try_from(v).ok())
                .ok_or_else(|| Thrown::Harness("instance without exports".into()))?;
            Ok(v8::Global::new(tc, exports))
        })?;
        self.instances.push(Inst {
            exports,
            meta: def.meta.clone(),
        });
        Ok(self.instances.len() - 1)
    }

    fn execute(&mut self, exec: WastExecute) -> Result<Vec<RVal>, Thrown> {
        match exec {
            WastExecute::Invoke(i) => self.invoke(i.module, i.name, &i.args),
            WastExecute::Wat(w) => {
                let mut module = QuoteWat::Wat(w);
                let bytes = encode(&mut module).map_err(Thrown::Harness)?;
                let def = self.compile(&bytes).map_err(Thrown::Harness)?;
                self.instantiate(&def)?;
                Ok(vec![])
            }
            WastExecute::Get { module, global, .. } => {
                let inst = self.instance(module).map_err(Thrown::Harness)?;
                let caller = self.global_getter(inst, global).map_err(Thrown::Harness)?;
                self.call(&caller, &[])
            }
        }
    }

    fn invoke(
        &mut self,
        module: Option<wast::token::Id>,
        name: &str,
        args: &[WastArg],
    ) -> Result<Vec<RVal>, Thrown> {
        let inst = self.instance(module).map_err(Thrown::Harness)?;
        let caller = self.func_caller(inst, name).map_err(Thrown::Harness)?;
        self.call(&caller, args)
    }

    /// The caller for export `name` of instance `inst`: the export itself when JS carries
    /// its signature exactly, else a wrapper instance around it (both cached).
    fn func_caller(&mut self, inst: usize, name: &str) -> Result<Rc<Caller>, String> {
        if let Some(c) = self.callers.get(&(inst, name.to_string())) {
            return Ok(c.clone());
        }
        let meta = self.instances[inst].meta.clone();
        let (type_index, sig) = meta.export_func(name)?;
        let caller = if meta.js_exact(&sig) {
            let exports = &self.instances[inst].exports;
            let func = self.rt.wast_enter(|scope| {
                let exports = v8::Local::new(scope, exports);
                get(scope, exports, name)
                    .and_then(|v| v8::Local::<v8::Function>::try_from(v).ok())
                    .map(|f| v8::Global::new(scope, f))
                    .ok_or_else(|| format!("export \"{name}\" is not callable"))
            })?;
            Caller {
                func,
                sig,
                meta,
                wrapped: false,
            }
        } else {
            let bytes = meta.wrapper(&Target::Func { type_index }, &sig)?;
            let func = self.wrap(inst, name, "f", &bytes)?;
            Caller {
                func,
                sig,
                meta,
                wrapped: true,
            }
        };
        let caller = Rc::new(caller);
        self.callers
            .insert((inst, name.to_string()), caller.clone());
        Ok(caller)
    }

    fn global_getter(&mut self, inst: usize, name: &str) -> Result<Rc<Caller>, String> {
        let key = (inst, format!("global {name}"));
        if let Some(c) = self.callers.get(&key) {
            return Ok(c.clone());
        }
        let meta = self.instances[inst].meta.clone();
        let ty = meta.export_global(name)?;
        let sig = Sig {
            params: vec![],
            results: vec![ty.content_type],
        };
        let bytes = meta.wrapper(&Target::Global(ty), &sig)?;
        let func = self.wrap(inst, name, "g", &bytes)?;
        let caller = Rc::new(Caller {
            func,
            sig,
            meta,
            wrapped: true,
        });
        self.callers.insert(key, caller.clone());
        Ok(caller)
    }

    /// Instantiates wrapper `bytes` (compiled once per distinct wrapper) with export `name`
    /// of `inst` as its import `"t" item`, and returns the wrapper's `"w"` export.
    fn wrap(
        &mut self,
        inst: usize,
        name: &str,
        item: &str,
        bytes: &[u8],
    ) -> Result<v8::Global<v8::Function>, String> {
        let (exports, modules) = (&self.instances[inst].exports, &mut self.wrapper_modules);
        self.rt.wast_enter(|scope| {
            let module = match modules.get(bytes) {
                Some(m) => v8::Local::new(scope, m),
                None => {
                    crate::wasm_types::admit(bytes).map_err(|e| e.to_string())?;
                    v8::tc_scope!(let tc, scope);
                    let Some(m) = v8::WasmModuleObject::compile(tc, bytes) else {
                        let msg = tc
                            .exception()
                            .map(|e| e.to_rust_string_lossy(tc))
                            .unwrap_or_default();
                        return Err(format!("wrapper module for \"{name}\" rejected: {msg}"));
                    };
                    modules.insert(bytes.to_vec(), v8::Global::new(tc, m));
                    m
                }
            };
            let exports = v8::Local::new(scope, exports);
            let target =
                get(scope, exports, name).ok_or_else(|| format!("export \"{name}\" is missing"))?;
            let inner = v8::Object::new(scope);
            let k = str(scope, item);
            inner.set(scope, k.into(), target);
            let imports = v8::Object::new(scope);
            let k = str(scope, "t");
            imports.set(scope, k.into(), inner.into());
            let (instance_ctor, _) = wasm_ctors(scope);
            v8::tc_scope!(let tc, scope);
            let Some(instance) = instance_ctor.new_instance(tc, &[module.into(), imports.into()])
            else {
                let msg = tc
                    .exception()
                    .map(|e| e.to_rust_string_lossy(tc))
                    .unwrap_or_default();
                return Err(format!("wrapper for \"{name}\" did not link: {msg}"));
            };
            let f = get(tc, instance, "exports")
                .and_then(|e| v8::Local::<v8::Object>::try_from(e).ok())
                .and_then(|e| get(tc, e, "w"))
                .and_then(|f| v8::Local::<v8::Function>::try_from(f).ok())
                .ok_or("wrapper without its export")?;
            Ok(v8::Global::new(tc, f))
        })
    }

    /// Calls `caller` with the script's arguments and decodes the results bit-exactly.
    fn call(&mut self, caller: &Caller, args: &[WastArg]) -> Result<Vec<RVal>, Thrown> {
        if args.len() != caller.sig.params.len() {
            return Err(Thrown::Harness(format!(
                "{} arguments given, the function takes {}",
                args.len(),
                caller.sig.params.len()
            )));
        }
        let (hosts, ctors) = (&mut self.hosts, &self.ctors);
        self.rt.wast_enter(|scope| {
            let mut js_args: Vec<v8::Local<v8::Value>> = Vec::new();
            for (i, (arg, ty)) in args.iter().zip(&caller.sig.params).enumerate() {
                let WastArg::Core(arg) = arg else {
                    return Err(Thrown::Harness(
                        "component arguments are not supported".into(),
                    ));
                };
                let carrier = caller.meta.carrier(ty);
                push_arg(scope, hosts, &mut js_args, arg, carrier).map_err(|why| {
                    Thrown::Harness(format!(
                        "argument {i}: {why} for a {ty:?} parameter (not supported by the runner)"
                    ))
                })?;
            }
            let func = v8::Local::new(scope, &caller.func);
            let recv = v8::undefined(scope).into();
            v8::tc_scope!(let tc, scope);
            let Some(result) = func.call(tc, recv, &js_args) else {
                return Err(classify(tc, ctors));
            };
            decode_results(tc, hosts, caller, result).map_err(Thrown::Harness)
        })
    }
}

fn list(v: &[RVal]) -> String {
    v.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether V8's trap message `got` is the trap the script expects (`expected`, in the spec's
/// wording). The mapping lives in [`TrapKind`].
fn trap_matches(got: &str, expected: &str) -> Result<(), String> {
    let kind = TrapKind::from_v8_message(got);
    if kind.matches_spec_text(expected) {
        Ok(())
    } else {
        Err(format!("expected trap \"{expected}\", got \"{got}\""))
    }
}

fn str<'s>(scope: &v8::PinScope<'s, '_>, s: &str) -> v8::Local<'s, v8::String> {
    v8::String::new(scope, s).unwrap_or_else(|| v8::String::empty(scope))
}

fn get<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    obj: v8::Local<'s, v8::Object>,
    key: &str,
) -> Option<v8::Local<'s, v8::Value>> {
    let k = str(scope, key);
    obj.get(scope, k.into()).filter(|v| !v.is_undefined())
}

/// The JS object standing for host value `n` (`ref.extern n` / `ref.host n`): one object per
/// number, so identity survives a round trip. Objects, not numbers: a JS number would
/// become an `i31ref` when Wasm internalizes it.
fn host<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    hosts: &mut Vec<v8::Global<v8::Value>>,
    n: u32,
) -> v8::Local<'s, v8::Value> {
    while hosts.len() <= n as usize {
        let obj = v8::Object::new(scope);
        let k = str(scope, "host");
        let v = v8::Integer::new_from_unsigned(scope, hosts.len() as u32);
        obj.set(scope, k.into(), v.into());
        hosts.push(v8::Global::new(scope, v8::Local::<v8::Value>::from(obj)));
    }
    v8::Local::new(scope, &hosts[n as usize])
}

fn host_id(
    scope: &mut v8::PinScope,
    hosts: &[v8::Global<v8::Value>],
    v: v8::Local<v8::Value>,
) -> Option<u32> {
    if !v.is_object() {
        return None;
    }
    hosts
        .iter()
        .position(|h| v8::Local::new(scope, h).strict_equals(v))
        .map(|i| i as u32)
}

fn push_arg<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    hosts: &mut Vec<v8::Global<v8::Value>>,
    out: &mut Vec<v8::Local<'s, v8::Value>>,
    arg: &WastArgCore,
    carrier: Carrier,
) -> Result<(), String> {
    let bigint = |scope: &mut v8::PinScope<'s, '_>, x: i64| -> v8::Local<'s, v8::Value> {
        v8::BigInt::new_from_i64(scope, x).into()
    };
    match (arg, carrier) {
        (WastArgCore::I32(x), Carrier::I32) => out.push(v8::Integer::new(scope, *x).into()),
        (WastArgCore::I64(x), Carrier::I64) => out.push(bigint(scope, *x)),
        (WastArgCore::F32(f), Carrier::F32) => {
            out.push(v8::Integer::new(scope, f.bits as i32).into())
        }
        (WastArgCore::F64(f), Carrier::F64) => out.push(bigint(scope, f.bits as i64)),
        (WastArgCore::V128(v), Carrier::V128) => {
            let b = v.to_le_bytes();
            let mut lo = [0u8; 8];
            let mut hi = [0u8; 8];
            lo.copy_from_slice(&b[..8]);
            hi.copy_from_slice(&b[8..]);
            out.push(bigint(scope, i64::from_le_bytes(lo)));
            out.push(bigint(scope, i64::from_le_bytes(hi)));
        }
        (WastArgCore::RefNull(_), Carrier::Exn) => {} // made inside the wrapper
        (WastArgCore::RefNull(_), Carrier::Func | Carrier::Extern | Carrier::Any) => {
            out.push(v8::null(scope).into())
        }
        (WastArgCore::RefExtern(n) | WastArgCore::RefHost(n), Carrier::Extern | Carrier::Any) => {
            let h = host(scope, hosts, *n);
            out.push(h)
        }
        (a, _) => return Err(format!("cannot pass {a:?}")),
    }
    Ok(())
}

fn decode_results(
    scope: &mut v8::PinScope,
    hosts: &[v8::Global<v8::Value>],
    caller: &Caller,
    result: v8::Local<v8::Value>,
) -> Result<Vec<RVal>, String> {
    let carriers: Vec<Carrier> = caller
        .sig
        .results
        .iter()
        .map(|t| caller.meta.carrier(t))
        .collect();
    let width: usize = carriers
        .iter()
        .map(|c| match c {
            Carrier::V128 => 2,
            Carrier::Any if caller.wrapped => 2,
            _ => 1,
        })
        .sum();
    let mut flat = Vec::with_capacity(width);
    match width {
        0 => {}
        1 => flat.push(result),
        n => {
            let arr = v8::Local::<v8::Array>::try_from(result)
                .map_err(|_| "multi-value result is not an array")?;
            for i in 0..n {
                flat.push(
                    arr.get_index(scope, i as u32)
                        .ok_or("short multi-value result")?,
                );
            }
        }
    }
    let mut it = flat.into_iter();
    let mut next = || it.next().ok_or_else(|| "missing result value".to_string());
    let mut out = Vec::with_capacity(carriers.len());
    for c in carriers {
        let v = next()?;
        let val = match c {
            Carrier::I32 => RVal::I32(v.int32_value(scope).ok_or("i32 result")?),
            Carrier::I64 => RVal::I64(big(v)?),
            Carrier::F32 => RVal::F32(v.int32_value(scope).ok_or("f32 bits")? as u32),
            Carrier::F64 => RVal::F64(big(v)? as u64),
            Carrier::V128 => {
                let lo = big(v)? as u64;
                let hi = big(next()?)? as u64;
                RVal::V128((u128::from(hi) << 64) | u128::from(lo))
            }
            Carrier::Func => RVal::Ref(RefVal {
                top: Carrier::Func,
                null: v.is_null(),
                class: 0,
                host: None,
            }),
            Carrier::Extern => RVal::Ref(RefVal {
                top: Carrier::Extern,
                null: v.is_null(),
                class: 0,
                host: host_id(scope, hosts, v),
            }),
            Carrier::Any => {
                let class = if caller.wrapped {
                    next()?.int32_value(scope).ok_or("class code")? as u8
                } else {
                    0
                };
                RVal::Ref(RefVal {
                    top: Carrier::Any,
                    null: v.is_null(),
                    class,
                    host: host_id(scope, hosts, v),
                })
            }
            Carrier::Exn => RVal::Ref(RefVal {
                top: Carrier::Exn,
                null: v.int32_value(scope) == Some(1),
                class: 0,
                host: None,
            }),
            Carrier::Opaque => return Err("a result JS cannot carry".into()),
        };
        out.push(val);
    }
    Ok(out)
}

fn big(v: v8::Local<v8::Value>) -> Result<i64, String> {
    v8::Local::<v8::BigInt>::try_from(v)
        .map(|b| b.i64_value().0)
        .map_err(|_| "expected a BigInt".to_string())
}

/// Sorts what a `TryCatch` caught.
fn classify(tc: &mut v8::PinnedRef<v8::TryCatch<v8::HandleScope>>, ctors: &Ctors) -> Thrown {
    if tc.has_terminated() {
        return Thrown::Terminated;
    }
    let Some(exc) = tc.exception() else {
        return Thrown::Terminated;
    };
    let (_, runtime_error) = wasm_ctors(tc);
    let exception = ctors.exception.as_ref().map(|g| v8::Local::new(tc, g));
    let link_error = ctors.link_error.as_ref().map(|g| v8::Local::new(tc, g));
    if instance_of(tc, exc, Some(runtime_error)) {
        return Thrown::Trap {
            message: message_of(tc, exc),
        };
    }
    if instance_of(tc, exc, exception) {
        return Thrown::WasmException;
    }
    if instance_of(tc, exc, link_error) {
        return Thrown::Link(message_of(tc, exc));
    }
    let text = exc.to_rust_string_lossy(tc);
    if exc.is_native_error() && text.starts_with("RangeError: Maximum call stack size exceeded") {
        return Thrown::StackOverflow(message_of(tc, exc));
    }
    Thrown::Js(text)
}

fn ctor_of<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    wa: Option<v8::Local<'s, v8::Object>>,
    name: &str,
) -> Option<v8::Global<v8::Function>> {
    let f = get(scope, wa?, name)?;
    let f = v8::Local::<v8::Function>::try_from(f).ok()?;
    Some(v8::Global::new(scope, f))
}

fn instance_of(
    scope: &mut v8::PinScope,
    v: v8::Local<v8::Value>,
    ctor: Option<v8::Local<v8::Function>>,
) -> bool {
    let Some(ctor) = ctor else { return false };
    v.is_object()
        && v.to_object(scope)
            .and_then(|o| o.instance_of(scope, ctor.into()))
            .unwrap_or(false)
}

fn message_of(scope: &mut v8::PinScope, v: v8::Local<v8::Value>) -> String {
    v.to_object(scope)
        .filter(|_| v.is_object())
        .and_then(|o| get(scope, o, "message"))
        .map(|m| m.to_rust_string_lossy(scope))
        .unwrap_or_else(|| v.to_rust_string_lossy(scope))
}
