//! What the fuzz targets share: a runtime re-created every N inputs, stub modules that
//! satisfy any module's imports, the wasm-smith configuration, and calling every export with
//! default arguments into comparable outcomes.
//!
//! Imports are stubbed with Wasm, not host functions: a `warren::Linker` can only register
//! closures of Rust types, so it cannot provide arbitrary signatures (concrete reference
//! types, v128, tags, tables, memories). Instead, for each import module name, [`stub_imports`]
//! builds a module that copies the importer's type section verbatim (so every type index
//! means the same, and V8's canonical type check passes) and *defines* each imported entity
//! with the same type, exporting it under the import's name; it is instantiated and
//! registered with `Runtime::register_namespace`, so the importer goes through warren's real
//! instantiate path (`Runtime::instantiate`, namespace linking with its type checks). Stub
//! functions return zeros / null references, or trap with `unreachable` when a result type
//! has no default (a non-nullable reference). Imports that cannot be defined that way (a
//! non-nullable global or table, one name imported twice with different types, an exact
//! function import) make the module unsatisfiable: it is compiled but not instantiated.

use std::collections::BTreeMap;

use warren::{Error, Instance, Runtime, RuntimeOptions, TrapKind, Val, WasmModule};
use wasm_encoder::reencode::{Reencode, RoundtripReencoder};
use wasm_encoder::{
    CodeSection, ConstExpr, ExportKind, ExportSection, Function, FunctionSection, GlobalSection,
    MemorySection, Module, RawSection, SectionId, TableSection, TagSection,
};
use wasmparser::{Payload, TypeRef, ValType};

/// A runtime that is dropped and made again every `every` inputs: a runtime keeps every
/// instance it made (they are reachable from its instance table), so one runtime for a
/// million inputs would grow without bound.
pub struct Recycled {
    make: fn() -> RuntimeOptions,
    every: usize,
    used: usize,
    rt: Option<Runtime>,
}

impl Recycled {
    /// A runtime made by `make`, re-made every `every` uses.
    pub const fn new(make: fn() -> RuntimeOptions, every: usize) -> Self {
        Recycled {
            make,
            every,
            used: 0,
            rt: None,
        }
    }

    /// Makes the next [`Recycled::get`] start a fresh runtime: after a limit stopped this
    /// one (a runtime whose heap limit fired is retired).
    pub fn retire(&mut self) {
        self.rt = None;
        self.used = 0;
    }

    /// The runtime for the next input.
    pub fn get(&mut self) -> &mut Runtime {
        if self.used >= self.every {
            self.rt = None;
            self.used = 0;
        }
        self.used += 1;
        self.rt
            .get_or_insert_with(|| Runtime::new((self.make)()).expect("Runtime::new"))
    }
}

/// Options for a runtime that must not print: fuzzed start functions cannot reach
/// `console`, but a stub must never write to libFuzzer's output either.
pub fn quiet() -> RuntimeOptions {
    RuntimeOptions {
        output: Some(std::sync::Arc::new(|_, _| Ok(()))),
        ..Default::default()
    }
}

/// The wasm-smith configuration: the features V8 15.2 ships (so most modules compile),
/// small memories and tables (so RSS stays bounded), at least one export.
pub fn smith_config(deterministic: bool) -> wasm_smith::Config {
    wasm_smith::Config {
        min_exports: 1,
        max_memories: 2,
        max_memory32_bytes: 16 << 20,
        max_memory64_bytes: 16 << 20,
        max_tables: 2,
        max_table_elements: 1000,
        max_imports: 8,
        // A constant expression can allocate a GC array of up to 1 GiB while instantiating
        // (that found a bug: tests/all/runtime.rs, giant_array_in_a_constant_expression_...);
        // such inputs took 70% of the loader's time, so arrays stay small here.
        limit_arrays_in_const_exprs: true,
        // Not shipped by V8 15.2 (warren enables it only for the spec runner).
        wide_arithmetic_enabled: false,
        custom_page_sizes_enabled: false,
        shared_everything_threads_enabled: false,
        // Relaxed SIMD may differ between two compilations of the same function (V8 picks
        // instructions by tier), and NaN bit patterns are not deterministic: the
        // differential target turns both off.
        relaxed_simd_enabled: !deterministic,
        canonicalize_nans: deterministic,
        // Shared memories are fine, but keep the differential to one thread of behaviour.
        threads_enabled: !deterministic,
        ..Default::default()
    }
}

/// Why a module's imports could not be stubbed.
#[derive(Debug)]
pub struct Unsatisfiable;

/// Registers a stub namespace for every module name `bytes` imports from (see the crate
/// docs). Returns `Err(Unsatisfiable)` when some import cannot be stubbed, and `Ok` when
/// everything was stubbed or the bytes do not parse far enough to say (instantiation then
/// reports the problem).
pub fn stub_imports(rt: &mut Runtime, bytes: &[u8]) -> Result<(), Unsatisfiable> {
    let Some(parsed) = Parsed::read(bytes) else {
        return Ok(());
    };
    let mut by_module: BTreeMap<&str, Vec<(&str, TypeRef)>> = BTreeMap::new();
    for (module, name, ty) in &parsed.imports {
        if *module == warren::fuel::FUEL_MODULE {
            continue; // reserved: the runtime refuses such a module itself
        }
        let entry = by_module.entry(module).or_default();
        match entry.iter().find(|(n, _)| n == name) {
            Some((_, t)) if t == ty => {}
            Some(_) => return Err(Unsatisfiable),
            None => entry.push((name, *ty)),
        }
    }
    for (module, imports) in by_module {
        let stub = parsed.stub(&imports)?;
        // A stub V8 refuses (its copied types use a feature V8 lacks, say) leaves the
        // module unsatisfiable.
        let inst = rt
            .instantiate_wasm(&format!("stub:{module}"), &stub)
            .map_err(|_| Unsatisfiable)?;
        rt.register_namespace(module, &inst)
            .map_err(|_| Unsatisfiable)?;
    }
    Ok(())
}

/// The parts of a module its stubs need.
struct Parsed<'a> {
    /// The type section's contents, copied into every stub.
    types_raw: Option<&'a [u8]>,
    /// Each type index's function results, `None` for non-function types.
    func_results: Vec<Option<Vec<ValType>>>,
    imports: Vec<(&'a str, &'a str, TypeRef)>,
}

impl<'a> Parsed<'a> {
    fn read(bytes: &'a [u8]) -> Option<Self> {
        let mut p = Parsed {
            types_raw: None,
            func_results: Vec::new(),
            imports: Vec::new(),
        };
        for payload in wasmparser::Parser::new(0).parse_all(bytes) {
            match payload.ok()? {
                Payload::TypeSection(r) => {
                    let range = r.range();
                    let range =
                        usize::try_from(range.start).ok()?..usize::try_from(range.end).ok()?;
                    p.types_raw = Some(bytes.get(range)?);
                    for group in r {
                        for sub in group.ok()?.into_types() {
                            p.func_results.push(match &sub.composite_type.inner {
                                wasmparser::CompositeInnerType::Func(f) => {
                                    Some(f.results().to_vec())
                                }
                                _ => None,
                            });
                        }
                    }
                }
                Payload::ImportSection(r) => {
                    for imp in r.into_imports() {
                        let imp = imp.ok()?;
                        p.imports.push((imp.module, imp.name, imp.ty));
                    }
                }
                // Everything a stub needs comes before the function section.
                Payload::FunctionSection(_) | Payload::CodeSectionStart { .. } => break,
                _ => {}
            }
        }
        Some(p)
    }

    /// A module defining and exporting `imports` with the types they are imported with.
    fn stub(&self, imports: &[(&str, TypeRef)]) -> Result<Vec<u8>, Unsatisfiable> {
        let mut re = RoundtripReencoder;
        let bad = |_| Unsatisfiable;
        let mut funcs = FunctionSection::new();
        let mut code = CodeSection::new();
        let mut tables = TableSection::new();
        let mut memories = MemorySection::new();
        let mut globals = GlobalSection::new();
        let mut tags = TagSection::new();
        let mut exports = ExportSection::new();
        let (mut nf, mut nt, mut nm, mut ng, mut ntag) = (0, 0, 0, 0, 0);
        for (name, ty) in imports {
            match *ty {
                TypeRef::Func(t) => {
                    let results = self
                        .func_results
                        .get(t as usize)
                        .cloned()
                        .flatten()
                        .ok_or(Unsatisfiable)?;
                    funcs.function(t);
                    let mut f = Function::new([]);
                    if !results.iter().all(|v| push_default(&mut f, *v)) {
                        f = Function::new([]);
                        f.instructions().unreachable();
                    }
                    f.instructions().end();
                    code.function(&f);
                    exports.export(name, ExportKind::Func, nf);
                    nf += 1;
                }
                TypeRef::FuncExact(_) => return Err(Unsatisfiable),
                TypeRef::Table(t) => {
                    if !t.element_type.is_nullable() {
                        return Err(Unsatisfiable);
                    }
                    tables.table(re.table_type(t).map_err(bad)?);
                    exports.export(name, ExportKind::Table, nt);
                    nt += 1;
                }
                TypeRef::Memory(m) => {
                    memories.memory(re.memory_type(m).map_err(bad)?);
                    exports.export(name, ExportKind::Memory, nm);
                    nm += 1;
                }
                TypeRef::Global(g) => {
                    let init = default_value(g.content_type).ok_or(Unsatisfiable)?;
                    globals.global(re.global_type(g).map_err(bad)?, &init);
                    exports.export(name, ExportKind::Global, ng);
                    ng += 1;
                }
                TypeRef::Tag(t) => {
                    tags.tag(re.tag_type(t).map_err(bad)?);
                    exports.export(name, ExportKind::Tag, ntag);
                    ntag += 1;
                }
            }
        }
        let mut m = Module::new();
        if let Some(raw) = self.types_raw {
            m.section(&RawSection {
                id: SectionId::Type as u8,
                data: raw,
            });
        }
        if nf > 0 {
            m.section(&funcs);
        }
        if nt > 0 {
            m.section(&tables);
        }
        if nm > 0 {
            m.section(&memories);
        }
        if ntag > 0 {
            m.section(&tags);
        }
        if ng > 0 {
            m.section(&globals);
        }
        m.section(&exports);
        if nf > 0 {
            m.section(&code);
        }
        Ok(m.finish())
    }
}

/// Pushes the default value of `v` (see [`default_value`]) onto a function body; `false`
/// for a type without one.
fn push_default(f: &mut Function, v: ValType) -> bool {
    let mut re = RoundtripReencoder;
    let mut i = f.instructions();
    match v {
        ValType::I32 => i.i32_const(0),
        ValType::I64 => i.i64_const(0),
        ValType::F32 => i.f32_const(0.0.into()),
        ValType::F64 => i.f64_const(0.0.into()),
        ValType::V128 => i.v128_const(0),
        ValType::Ref(r) if r.is_nullable() => match re.heap_type(r.heap_type()) {
            Ok(h) => i.ref_null(h),
            Err(_) => return false,
        },
        ValType::Ref(_) => return false,
    };
    true
}

/// The default value of a value type as a constant expression: zero, or a null reference.
/// `None` for a non-nullable reference type.
pub fn default_value(v: ValType) -> Option<ConstExpr> {
    let mut re = RoundtripReencoder;
    Some(match v {
        ValType::I32 => ConstExpr::i32_const(0),
        ValType::I64 => ConstExpr::i64_const(0),
        ValType::F32 => ConstExpr::f32_const(0.0.into()),
        ValType::F64 => ConstExpr::f64_const(0.0.into()),
        ValType::V128 => ConstExpr::v128_const(0),
        ValType::Ref(r) if r.is_nullable() => {
            ConstExpr::ref_null(re.heap_type(r.heap_type()).ok()?)
        }
        ValType::Ref(_) => return None,
    })
}

/// Default arguments for a signature's parameters: zero, or a null reference (which
/// warren refuses for a non-nullable parameter, with `Error::Args`).
pub fn default_args(params: &[ValType]) -> Vec<Val> {
    params
        .iter()
        .map(|p| match p {
            ValType::I32 => Val::I32(0),
            ValType::I64 => Val::I64(0),
            ValType::F32 => Val::F32(0.0),
            ValType::F64 => Val::F64(0.0),
            ValType::V128 => Val::V128(0),
            ValType::Ref(_) => Val::Ref(warren::wasm::RefKind::Any, false),
        })
        .collect()
}

/// What one call (or an instantiation) came to, comparable across two runtimes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Results, floats by bit pattern with every NaN one value.
    Values(Vec<Bits>),
    Trap(TrapKind),
    /// Any other error, by variant.
    Error(String),
}

/// A result value with a total equality.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bits {
    I32(i32),
    I64(i64),
    F32(u32),
    F64(u64),
    NaN,
    V128(u128),
    Ref(warren::wasm::RefKind, bool),
}

impl Outcome {
    pub fn of(r: &Result<Vec<Val>, Error>) -> Outcome {
        match r {
            Ok(vals) => Outcome::Values(vals.iter().map(bits).collect()),
            Err(e) => Outcome::of_error(e),
        }
    }

    pub fn of_error(e: &Error) -> Outcome {
        match e {
            Error::Trap(t) => Outcome::Trap(t.kind),
            e => Outcome::Error(variant(e)),
        }
    }

    /// Whether a limit (time, memory) stopped the runtime.
    pub fn is_limit(&self) -> bool {
        matches!(self, Outcome::Error(v) if v == "Limit")
    }

    /// Whether the outcome depends on more than the program and its inputs: a time limit
    /// (machine load), or a stack overflow (the frame sizes of the code V8 generated).
    pub fn nondeterministic(&self) -> bool {
        matches!(self, Outcome::Trap(TrapKind::StackOverflow)) || self.is_limit()
    }
}

fn bits(v: &Val) -> Bits {
    match *v {
        Val::I32(x) => Bits::I32(x),
        Val::I64(x) => Bits::I64(x),
        Val::F32(x) if x.is_nan() => Bits::NaN,
        Val::F64(x) if x.is_nan() => Bits::NaN,
        Val::F32(x) => Bits::F32(x.to_bits()),
        Val::F64(x) => Bits::F64(x.to_bits()),
        Val::V128(x) => Bits::V128(x),
        Val::Ref(k, n) => Bits::Ref(k, n),
    }
}

/// The name of an error's variant (from its `Debug` form, so a variant added to
/// `warren::Error` needs no change here).
pub fn variant(e: &Error) -> String {
    let debug = format!("{e:?}");
    let end = debug
        .find(|c: char| !c.is_alphanumeric())
        .unwrap_or(debug.len());
    debug[..end].to_string()
}

/// Calls up to `max` exported functions of `inst` with default arguments, in export order,
/// refilling the fuel to `fuel` before each call when given, until a limit stops one. Every error must be a clean
/// `Err` (a panic or abort is the bug the fuzzer looks for).
pub fn call_exports(
    rt: &mut Runtime,
    inst: &Instance,
    max: usize,
    fuel: Option<u64>,
) -> Vec<(String, Outcome)> {
    let mut out = Vec::new();
    for e in inst.info().exports.iter().take(max) {
        let Ok(func) = inst.func(&e.name) else {
            continue;
        };
        if let Some(f) = fuel {
            rt.set_fuel(f).expect("set_fuel on a fuel runtime");
        }
        let args = default_args(&func.ty().params);
        let r = rt.call(&func, &args);
        let outcome = Outcome::of(&r);
        let stop = outcome.is_limit();
        out.push((e.name.clone(), outcome));
        if stop {
            break; // the runtime was stopped: the caller retires it
        }
    }
    out
}

/// Stubs a module's imports and instantiates it; `None` when its imports cannot be stubbed.
pub fn instantiate(rt: &mut Runtime, module: &WasmModule) -> Option<Result<Instance, Error>> {
    stub_imports(rt, module.bytes()).ok()?;
    Some(rt.instantiate(module))
}

/// Writes a generated module to the file named by `WARREN_FUZZ_DUMP`, when set: how to see
/// the wasm-smith module behind a crashing input (`WARREN_FUZZ_DUMP=m.wasm cargo fuzz run
/// TARGET ARTIFACT`, then `wasm2wat m.wasm` or `warren inspect m.wasm`).
pub fn dump(wasm: &[u8]) {
    if let Some(path) = std::env::var_os("WARREN_FUZZ_DUMP") {
        let _ = std::fs::write(path, wasm);
    }
}
