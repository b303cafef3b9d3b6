//! Fuel instrumentation: rewrites a core Wasm module so that it counts down an imported i64 global as it runs.
//!
//! V8 has no instruction counting, so warren makes Wasm execution deterministic and
//! bounded by rewriting each module before V8 compiles it. [`instrument`] returns a
//! module that
//!
//! * imports one extra global, `(import "warren:fuel" "fuel" (global (mut i64)))`
//!   ([`FUEL_MODULE`], [`FUEL_NAME`]), appended after the existing imports so that
//!   function, table, memory and tag indices do not move. The global's index is the
//!   number of globals the module imported before; every global index at or above it
//!   (in code, constant expressions, exports and the `name` section) is shifted by one.
//!   The runtime supplies one `WebAssembly.Global` shared by all of its instances, so
//!   the budget is per runtime.
//! * subtracts the cost of each basic block from that global when the block is
//!   entered: `global.get $fuel; i64.const COST; i64.sub; global.set $fuel`.
//! * checks the global at every function entry and at every loop header, right after
//!   charging the first block there: `global.get $fuel; i64.const 0; i64.lt_s; if;
//!   unreachable; end`. Running out therefore traps with `unreachable`; the runtime
//!   tells that trap from a real one by seeing the global negative.
//!
//! # Basic blocks and cost
//!
//! A basic block starts at the function entry and after every control operator, and
//! ends with (and includes) the next control operator. The control operators are
//! `block`, `loop`, `if`, `else`, `end`, `br`, `br_if`, `br_table`, `br_on_null`,
//! `br_on_non_null`, `br_on_cast`, `br_on_cast_fail`, `br_on_cast_desc_eq`,
//! `br_on_cast_desc_eq_fail`, `return`, `return_call`, `return_call_indirect`,
//! `return_call_ref`, `call`, `call_indirect`, `call_ref`, `throw`, `throw_ref`,
//! `try_table`, the legacy `try`, `catch`, `catch_all`, `delegate` and `rethrow`, the
//! stack-switching `resume`, `resume_throw`, `resume_throw_ref`, `suspend` and
//! `switch`, and `unreachable`. Calls end a block because the callee charges for its
//! own body (imported host functions charge nothing).
//!
//! The cost of a block is the number of original operators in it, where every
//! operator counts 1 (`nop` included) except `end` and `else`, which count 0: they
//! delimit blocks rather than do work. A block of cost 0 (one made of `end`s and
//! `else`s only) gets no charge. The operators inside constant expressions (global
//! initialisers, element and data offsets) are not instrumented and cost nothing.
//! Every cycle in the control flow passes through a branch or a call, so every loop
//! iteration and every recursion costs at least 1.
//!
//! A block is charged in full on entry, so a block that traps or throws half-way has
//! paid for operators it did not run; the count is still a deterministic function of
//! the program and its inputs.
//!
//! # How far the fuel can go below zero
//!
//! A check passes only while the global is at least 0, and it comes right after the
//! charge of its own block. Between two consecutive checks in execution order runs a
//! check-free stretch: forward code of one function up to its next call, loop header or
//! exit (every backward edge lands on a loop header), then, after a return, the
//! caller's code up to its next call, loop header or exit, and so on up the stack. Each
//! such stretch is acyclic, so its cost is bounded by the sizes of the function bodies
//! involved. Hence:
//!
//! * when a check traps, the global is below zero by at most the cost charged since the
//!   previous check, in the common case the one block just charged at that check
//!   (a loop of cost `c` per iteration traps with the global in `-c..0`);
//! * a run that ends without trapping can leave the global below zero by the cost of
//!   the blocks after its last check (such as a function's tail after its last loop
//!   iteration or call); the next check, at the latest the entry of the next Wasm
//!   function called, then traps.
//!
//! The fuel can thus go negative only by a bounded amount per check-free stretch,
//! never by an unbounded one; the runtime treats any negative value as out of fuel.
//!
//! # Overhead, and the counter in a local
//!
//! Each basic block of non-zero cost gets 4 extra operators (read, subtract, write of the
//! counter); each function entry and each loop header gets 6 more (a read, a compare and
//! a never-taken branch). Nothing is added at blocks that only close structure or in
//! constant expressions. On real modules (sql.js, brotli compiled by wasm-bindgen, a
//! TinyGo program) the code grows by 20-60% in bytes and 60-80% in operators.
//!
//! V8 reaches an imported mutable global through memory on every access, so in a
//! function with a loop the counter is kept in a new i64 local instead (appended after
//! the declared locals, so no local index moves): read from the global at entry, written
//! back before control leaves the function (calls, returns, tail calls, throws,
//! `unreachable`, branches to the function's own label, its final `end`, and the
//! out-of-fuel trap) and read again when control comes back (after a call, and where a
//! `try_table` catch lands). The charges are the same operators at the same places, so
//! the accounting does not change; on the loop kernels of `benches/fuel.sh` the overhead
//! fell from about 2.7x to 1.4-1.5x. A function keeps the counter in the global when it
//! has no loop (each block runs once per call there, and the syncs around its calls cost
//! about what the local saves), uses legacy exception handling or stack switching, has a
//! catch that lands at a loop header, names a local past its own (an invalid module that
//! must stay invalid), or is near V8's limit of 50,000 locals.
//!
//! A trap other than running out (an out-of-bounds access, say) in a function that keeps
//! the counter in a local leaves the global without the charges since the last write-back,
//! and so does an exception that leaves the function: the count stays deterministic, but
//! a few blocks of the trapping stretch go uncharged.
//!
//! # Custom sections
//!
//! The `name` section is re-encoded with the shifted global indices; its label names
//! are renumbered around the `if` that each check adds (a `name` section that does not
//! parse is kept byte for byte, as engines ignore it anyway). Code-metadata sections
//! (`metadata.code.*`, such as `metadata.code.branch_hint`) refer to instructions by
//! byte offset, so their offsets are moved to where the same instructions now are; a
//! malformed one is dropped. Other custom sections are copied unchanged, which leaves
//! DWARF and source maps pointing at the old code offsets.

use std::collections::HashMap;

use wasm_encoder::reencode::{Error as ReencodeError, Reencode, utils};
use wasm_encoder::{
    BlockType, CustomSection, EntityType, GlobalType, ImportSection, IndirectNameMap, Instruction,
    NameMap, SectionId, ValType,
};
use wasmparser::{BinaryReader, Encoding, KnownCustom, Operator, Parser, Payload, TypeRef};

/// The import module of the fuel global.
pub const FUEL_MODULE: &str = "warren:fuel";
/// The import name of the fuel global.
pub const FUEL_NAME: &str = "fuel";

/// Custom sections whose name starts with this hold code metadata keyed by byte offset.
const CODE_METADATA_PREFIX: &str = "metadata.code.";

/// Why a module could not be instrumented.
#[derive(Debug, thiserror::Error)]
pub enum FuelError {
    /// The bytes are not a well-formed module.
    #[error("malformed Wasm at offset {offset:#x}: {message}")]
    Parse {
        /// Byte offset of the error in the input.
        offset: u64,
        /// What is wrong there.
        message: String,
    },
    /// The bytes are a component (or another non-module encoding), not a core module.
    #[error("not a core Wasm module (components cannot be instrumented)")]
    NotACoreModule,
    /// The module already imports from `warren:fuel`.
    #[error("module is already fuel-instrumented (it imports from `{FUEL_MODULE}`)")]
    AlreadyInstrumented,
    /// A global index does not fit once shifted by the fuel global.
    #[error("too many globals to add the fuel global")]
    TooManyGlobals,
    /// The module could not be re-encoded.
    #[error("cannot re-encode Wasm module: {0}")]
    Encode(String),
}

impl From<wasmparser::BinaryReaderError> for FuelError {
    fn from(e: wasmparser::BinaryReaderError) -> Self {
        FuelError::Parse {
            offset: e.offset(),
            message: e.message().to_string(),
        }
    }
}

impl From<ReencodeError<FuelError>> for FuelError {
    fn from(e: ReencodeError<FuelError>) -> Self {
        match e {
            ReencodeError::ParseError(e) => e.into(),
            ReencodeError::UserError(e) => e,
            other => FuelError::Encode(other.to_string()),
        }
    }
}

/// Rewrites a core Wasm module so it consumes fuel. Returns the new binary.
///
/// The input need not have been validated: a module that is well-formed but invalid
/// comes out equally invalid (for the engine to reject), and malformed bytes give a
/// [`FuelError`]. See the [module docs](self) for what the output does.
///
/// ```
/// use warren::fuel::{FUEL_MODULE, FUEL_NAME, FuelError, instrument};
/// let wasm = wat::parse_str("(module (func (export \"spin\") (loop (br 0))))").unwrap();
/// let out = instrument(&wasm).unwrap();
/// wasmparser::Validator::new().validate_all(&out).unwrap();
/// let imports: Vec<_> = wasmparser::Parser::new(0)
///     .parse_all(&out)
///     .filter_map(|p| match p.unwrap() {
///         wasmparser::Payload::ImportSection(s) => Some(s.into_imports()),
///         _ => None,
///     })
///     .flatten()
///     .map(|i| i.unwrap())
///     .map(|i| (i.module, i.name))
///     .collect();
/// assert_eq!(imports, [(FUEL_MODULE, FUEL_NAME)]);
/// assert!(matches!(instrument(&out), Err(FuelError::AlreadyInstrumented)));
/// assert!(matches!(instrument(b"\0asm\x01\0\0\0\x01"), Err(FuelError::Parse { .. })));
/// ```
pub fn instrument(wasm: &[u8]) -> Result<Vec<u8>, FuelError> {
    rewrite(wasm).map(|(out, _)| out)
}

/// [`instrument`], and where each instruction of the new code came from: V8 reports trap
/// positions in the code it ran, and the map turns them back into the original module's
/// offsets.
///
/// # Errors
/// As [`instrument`].
pub fn instrument_with_map(wasm: &[u8]) -> Result<(Vec<u8>, OffsetMap), FuelError> {
    let (out, bodies) = rewrite(wasm)?;
    let map = OffsetMap::new(&out, bodies)?;
    Ok((out, map))
}

/// The rewrite behind both: the new module, and each body's original start with its
/// instructions' (new, original) offsets.
fn rewrite(wasm: &[u8]) -> Result<(Vec<u8>, Bodies), FuelError> {
    let scan = Scan::new(wasm)?;
    let mut pass = Rewriter::new(&scan);
    if scan.metadata_before_code {
        // Sections that name code positions come before the code here: a first pass
        // learns where every instruction moves, the second writes the module with it.
        pass.run(wasm)?;
        pass = Rewriter {
            maps: std::mem::take(&mut pass.maps),
            ..Rewriter::new(&scan)
        };
    }
    let out = pass.run(wasm)?;
    Ok((out, std::mem::take(&mut pass.bodies)))
}

/// Each function body's original start, and its instructions' (new, original) offsets
/// from their bodies' starts, in order.
type Bodies = Vec<(u32, Vec<(u32, u32)>)>;

/// Where the code of an instrumented module came from, by module byte offset.
#[derive(Debug, Clone, Default)]
pub struct OffsetMap {
    /// By defined function, in order: its body's start in the new module and in the
    /// original, and (new offset, original offset) of each original instruction, both
    /// from the body's start, in order.
    funcs: Vec<BodyMap>,
}

#[derive(Debug, Clone)]
struct BodyMap {
    new_start: u32,
    new_end: u32,
    original_start: u32,
    pairs: Vec<(u32, u32)>,
}

impl OffsetMap {
    /// Pairs the bodies the rewrite recorded with where they ended up in `out`.
    fn new(out: &[u8], bodies: Bodies) -> Result<Self, FuelError> {
        let mut starts = Vec::new();
        for payload in Parser::new(0).parse_all(out) {
            if let Payload::CodeSectionEntry(body) = payload? {
                let r = body.range();
                starts.push((r.start, r.end));
            }
        }
        let funcs = starts
            .into_iter()
            .zip(bodies)
            .filter_map(|((start, end), (original_start, pairs))| {
                Some(BodyMap {
                    new_start: u32::try_from(start).ok()?,
                    new_end: u32::try_from(end).ok()?,
                    original_start,
                    pairs,
                })
            })
            .collect();
        Ok(OffsetMap { funcs })
    }

    /// The original module's offset of the instruction at `offset` in the instrumented
    /// one. Code the pass added maps to the original instruction before it (a fuel check
    /// to the `loop` or function entry it guards); offsets outside code are unchanged.
    pub fn original(&self, offset: u32) -> u32 {
        let i = self.funcs.partition_point(|f| f.new_start <= offset);
        let Some(f) = i.checked_sub(1).map(|i| &self.funcs[i]) else {
            return offset;
        };
        if offset >= f.new_end {
            return offset;
        }
        let rel = offset - f.new_start;
        let j = f.pairs.partition_point(|&(new, _)| new <= rel);
        match j.checked_sub(1).map(|j| f.pairs[j]) {
            Some((_, original)) => f.original_start + original,
            // Before the first original instruction: the function's entry check.
            None => f.original_start + f.pairs.first().map_or(0, |p| p.1),
        }
    }
}

/// What the rewrite needs to know before it starts.
struct Scan {
    /// Globals imported by the original module: the fuel global's index.
    imported_globals: u32,
    /// Functions imported by the original module: the index of the first code entry.
    imported_funcs: u32,
    /// Record where each instruction moves (there are code-metadata sections).
    want_offsets: bool,
    /// Record how labels are renumbered (there is a `name` section).
    want_labels: bool,
    /// A `name` or code-metadata section precedes the code section.
    metadata_before_code: bool,
    /// The number of parameters of each defined function, in order (where its new local
    /// for the fuel counter goes).
    defined_params: Vec<u32>,
}

impl Scan {
    fn new(wasm: &[u8]) -> Result<Self, FuelError> {
        let mut scan = Scan {
            imported_globals: 0,
            imported_funcs: 0,
            want_offsets: false,
            want_labels: false,
            metadata_before_code: false,
            defined_params: Vec::new(),
        };
        let mut seen_code = false;
        let mut type_params: Vec<u32> = Vec::new();
        for payload in Parser::new(0).parse_all(wasm) {
            match payload? {
                Payload::Version { encoding, .. } if encoding != Encoding::Module => {
                    return Err(FuelError::NotACoreModule);
                }
                Payload::ImportSection(section) => {
                    for import in section.into_imports() {
                        let import = import?;
                        if import.module == FUEL_MODULE {
                            return Err(FuelError::AlreadyInstrumented);
                        }
                        match import.ty {
                            TypeRef::Global(_) => {
                                scan.imported_globals = scan.imported_globals.saturating_add(1)
                            }
                            TypeRef::Func(_) | TypeRef::FuncExact(_) => {
                                scan.imported_funcs = scan.imported_funcs.saturating_add(1)
                            }
                            _ => {}
                        }
                    }
                }
                Payload::TypeSection(section) => {
                    for group in section {
                        for sub in group?.into_types() {
                            type_params.push(match &sub.composite_type.inner {
                                wasmparser::CompositeInnerType::Func(f) => f.params().len() as u32,
                                _ => 0,
                            });
                        }
                    }
                }
                Payload::FunctionSection(section) => {
                    for ty in section {
                        let ty = ty? as usize;
                        scan.defined_params
                            .push(type_params.get(ty).copied().unwrap_or(0));
                    }
                }
                Payload::CodeSectionStart { .. } => seen_code = true,
                Payload::CustomSection(section) => {
                    let offsets = section.name().starts_with(CODE_METADATA_PREFIX);
                    let labels = section.name() == "name";
                    scan.want_offsets |= offsets;
                    scan.want_labels |= labels;
                    if (offsets || labels) && !seen_code {
                        scan.metadata_before_code = true;
                    }
                }
                _ => {}
            }
        }
        Ok(scan)
    }
}

/// Where the instructions of one function moved.
#[derive(Default)]
struct FuncMap {
    /// Original label number (in order of `block`, `loop`, `if`, `try`, `try_table`)
    /// to the new one.
    labels: Vec<u32>,
    /// Original byte offset of an instruction (from the start of the body, locals
    /// included) to its new one.
    offsets: HashMap<u32, u32>,
}

/// The [`Reencode`] that adds the fuel import, shifts global indices and instruments code.
struct Rewriter {
    imported_globals: u32,
    fuel_global: u32,
    want_offsets: bool,
    want_labels: bool,
    /// The fuel import has been written.
    import_added: bool,
    /// Function index of the next code entry.
    next_func: u32,
    /// The first defined function's index, and each defined function's parameter count.
    imported_funcs: u32,
    defined_params: Vec<u32>,
    /// By function index, filled while the code section is rewritten.
    maps: HashMap<u32, FuncMap>,
    /// For [`OffsetMap`].
    bodies: Bodies,
}

impl Rewriter {
    fn new(scan: &Scan) -> Self {
        Rewriter {
            imported_globals: scan.imported_globals,
            fuel_global: scan.imported_globals,
            want_offsets: scan.want_offsets,
            want_labels: scan.want_labels,
            import_added: false,
            next_func: scan.imported_funcs,
            imported_funcs: scan.imported_funcs,
            defined_params: scan.defined_params.clone(),
            maps: HashMap::new(),
            bodies: Vec::new(),
        }
    }

    fn run(&mut self, wasm: &[u8]) -> Result<Vec<u8>, FuelError> {
        let mut module = wasm_encoder::Module::new();
        self.parse_core_module(&mut module, Parser::new(0), wasm)?;
        Ok(module.finish())
    }

    fn add_fuel_import(&mut self, imports: &mut ImportSection) {
        imports.import(
            FUEL_MODULE,
            FUEL_NAME,
            EntityType::Global(GlobalType {
                val_type: ValType::I64,
                mutable: true,
                shared: false,
            }),
        );
        self.import_added = true;
    }

    /// Re-encodes a `metadata.code.*` section with offsets into the new code, or
    /// `None` if it is malformed. Entries whose instruction is unknown are left out.
    fn remap_code_metadata(&self, data: &[u8], offset: u64) -> Option<Vec<u8>> {
        let mut reader = BinaryReader::new(data, offset);
        let mut funcs = Vec::new();
        for _ in 0..reader.read_var_u32().ok()? {
            let func = reader.read_var_u32().ok()?;
            let map = self.maps.get(&func);
            let mut entries = Vec::new();
            for _ in 0..reader.read_var_u32().ok()? {
                let at = reader.read_var_u32().ok()?;
                let len = reader.read_var_u32().ok()?;
                let payload = reader.read_bytes(usize::try_from(len).ok()?).ok()?;
                if let Some(&new_at) = map.and_then(|m| m.offsets.get(&at)) {
                    entries.push((new_at, payload));
                }
            }
            if !entries.is_empty() {
                funcs.push((func, entries));
            }
        }
        if !reader.eof() {
            return None;
        }
        let mut out = Vec::new();
        leb(&mut out, funcs.len());
        for (func, entries) in funcs {
            leb(&mut out, func as usize);
            leb(&mut out, entries.len());
            for (at, payload) in entries {
                leb(&mut out, at as usize);
                leb(&mut out, payload.len());
                out.extend_from_slice(payload);
            }
        }
        Some(out)
    }
}

/// Appends `n` as an unsigned LEB128.
fn leb(out: &mut Vec<u8>, mut n: usize) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// How one operator takes part in the block structure.
#[derive(Clone, Copy)]
struct Class {
    /// Fuel it costs (0 or 1).
    cost: u8,
    /// It is a control operator: the basic block ends after it.
    ends_block: bool,
    /// It is `loop`: the next block is a loop header and is checked.
    is_loop: bool,
    /// It opens a label (numbered in the `name` section).
    opens_label: bool,
}

fn classify(op: &Operator<'_>) -> Class {
    use Operator as O;
    let (cost, ends_block) = match op {
        O::End | O::Else => (0, true),
        O::Block { .. }
        | O::Loop { .. }
        | O::If { .. }
        | O::Br { .. }
        | O::BrIf { .. }
        | O::BrTable { .. }
        | O::BrOnNull { .. }
        | O::BrOnNonNull { .. }
        | O::BrOnCast { .. }
        | O::BrOnCastFail { .. }
        | O::BrOnCastDescEq { .. }
        | O::BrOnCastDescEqFail { .. }
        | O::Return
        | O::ReturnCall { .. }
        | O::ReturnCallIndirect { .. }
        | O::ReturnCallRef { .. }
        | O::Call { .. }
        | O::CallIndirect { .. }
        | O::CallRef { .. }
        | O::Throw { .. }
        | O::ThrowRef
        | O::TryTable { .. }
        | O::Try { .. }
        | O::Catch { .. }
        | O::CatchAll
        | O::Delegate { .. }
        | O::Rethrow { .. }
        | O::Resume { .. }
        | O::ResumeThrow { .. }
        | O::ResumeThrowRef { .. }
        | O::Suspend { .. }
        | O::Switch { .. }
        | O::Unreachable => (1, true),
        _ => (1, false),
    };
    Class {
        cost,
        ends_block,
        is_loop: matches!(op, O::Loop { .. }),
        opens_label: matches!(
            op,
            O::Block { .. } | O::Loop { .. } | O::If { .. } | O::Try { .. } | O::TryTable { .. }
        ),
    }
}

/// V8 accepts at most this many locals in a function; one close to it keeps its counter in
/// the global.
const MAX_LOCALS: u64 = 50_000;

/// Where a function whose counter lives in a local must sync it with the global, by
/// operator: before control leaves the function (calls, returns, tail calls, throws,
/// `unreachable`, branches to the function's own label, its final `end`) the local is
/// written to the global; after control comes back (a call returns, a `try_table` catch
/// lands at the end of the block it targets) it is read again.
#[derive(Clone, Copy, Default)]
struct Edge {
    flush_before: bool,
    reload_after: bool,
}

/// Tracks the block structure while a function's operators are read.
struct FlowScan {
    /// Open blocks: whether each is a loop, and whether a catch lands at its end.
    stack: Vec<(bool, bool)>,
    /// The highest local index an operator names (an invalid module may name one past its
    /// locals: the counter's local must not make it valid).
    max_local: Option<u32>,
    /// Whether the function has a loop (where a local pays off: without one, each block
    /// runs once per call, and the syncs around calls cost about what they save).
    has_loop: bool,
    /// Operators read so far.
    count: usize,
    /// `end` operators after which the counter is read again (catch landings).
    reload_ends: Vec<usize>,
    /// The local can hold the counter: no legacy exception handling, no stack switching,
    /// no catch that lands at a loop header.
    local_ok: bool,
}

impl Default for FlowScan {
    fn default() -> Self {
        FlowScan {
            stack: Vec::new(),
            max_local: None,
            has_loop: false,
            count: 0,
            reload_ends: Vec::new(),
            local_ok: true,
        }
    }
}

impl FlowScan {
    fn visit(&mut self, op: &Operator<'_>) -> Edge {
        use Operator as O;
        let depth = self.stack.len() as u32;
        let leaves = |d: u32| d >= depth;
        let mut edge = Edge::default();
        match op {
            O::LocalGet { local_index }
            | O::LocalSet { local_index }
            | O::LocalTee { local_index } => {
                self.max_local = self.max_local.max(Some(*local_index));
            }
            O::Block { .. } | O::If { .. } => self.stack.push((false, false)),
            O::Loop { .. } => {
                self.has_loop = true;
                self.stack.push((true, false));
            }
            O::TryTable { try_table } => {
                for c in &try_table.catches {
                    let (wasmparser::Catch::One { label, .. }
                    | wasmparser::Catch::OneRef { label, .. }
                    | wasmparser::Catch::All { label }
                    | wasmparser::Catch::AllRef { label }) = c;
                    if *label < depth {
                        let target = (depth - 1 - label) as usize;
                        if self.stack[target].0 {
                            self.local_ok = false;
                        } else {
                            self.stack[target].1 = true;
                        }
                    }
                }
                self.stack.push((false, false));
            }
            O::Try { .. }
            | O::Catch { .. }
            | O::CatchAll
            | O::Delegate { .. }
            | O::Rethrow { .. }
            | O::Resume { .. }
            | O::ResumeThrow { .. }
            | O::ResumeThrowRef { .. }
            | O::Suspend { .. }
            | O::Switch { .. } => self.local_ok = false,
            O::End => match self.stack.pop() {
                Some((_, landing)) => {
                    if landing {
                        self.reload_ends.push(self.count);
                    }
                }
                None => edge.flush_before = true,
            },
            O::Call { .. } | O::CallIndirect { .. } | O::CallRef { .. } => {
                edge.flush_before = true;
                edge.reload_after = true;
            }
            O::Return
            | O::ReturnCall { .. }
            | O::ReturnCallIndirect { .. }
            | O::ReturnCallRef { .. }
            | O::Throw { .. }
            | O::ThrowRef
            | O::Unreachable => edge.flush_before = true,
            O::Br { relative_depth }
            | O::BrIf { relative_depth }
            | O::BrOnNull { relative_depth }
            | O::BrOnNonNull { relative_depth }
            | O::BrOnCast { relative_depth, .. }
            | O::BrOnCastFail { relative_depth, .. }
            | O::BrOnCastDescEq { relative_depth, .. }
            | O::BrOnCastDescEqFail { relative_depth, .. } => {
                edge.flush_before = leaves(*relative_depth)
            }
            O::BrTable { targets } => {
                edge.flush_before =
                    leaves(targets.default()) || targets.targets().any(|t| t.map_or(true, leaves))
            }
            _ => {}
        }
        self.count += 1;
        edge
    }

    /// Marks the catch landings found once every block is closed.
    fn close<I, C>(&self, ops: &mut [(I, C, u64, Edge)]) {
        for &i in &self.reload_ends {
            if let Some(op) = ops.get_mut(i) {
                op.3.reload_after = true;
            }
        }
    }
}

impl Reencode for Rewriter {
    type Error = FuelError;

    fn global_index(&mut self, global: u32) -> Result<u32, ReencodeError<FuelError>> {
        if global < self.imported_globals {
            Ok(global)
        } else {
            global
                .checked_add(1)
                .ok_or(ReencodeError::UserError(FuelError::TooManyGlobals))
        }
    }

    fn parse_import_section(
        &mut self,
        imports: &mut ImportSection,
        section: wasmparser::ImportSectionReader<'_>,
    ) -> Result<(), ReencodeError<FuelError>> {
        utils::parse_import_section(self, imports, section)?;
        self.add_fuel_import(imports);
        Ok(())
    }

    fn intersperse_section_hook(
        &mut self,
        module: &mut wasm_encoder::Module,
        _after: Option<SectionId>,
        before: Option<SectionId>,
    ) -> Result<(), ReencodeError<FuelError>> {
        // Without an import section, write one where it belongs: before the first
        // section that follows it (or at the end of a module of types only).
        if !self.import_added && !matches!(before, Some(SectionId::Type | SectionId::Import)) {
            let mut imports = ImportSection::new();
            self.add_fuel_import(&mut imports);
            module.section(&imports);
        }
        Ok(())
    }

    fn parse_function_body(
        &mut self,
        code: &mut wasm_encoder::CodeSection,
        func: wasmparser::FunctionBody<'_>,
    ) -> Result<(), ReencodeError<FuelError>> {
        let func_index = self.next_func;
        self.next_func = self.next_func.wrapping_add(1);
        let body_start = func.range().start;

        // The locals as declared, and where a new one for the counter would go.
        let mut locals = Vec::new();
        let mut declared: u64 = 0;
        for pair in func.get_locals_reader()? {
            let (count, ty) = pair?;
            declared += u64::from(count);
            locals.push((count, self.val_type(ty)?));
        }
        let params = self
            .defined_params
            .get(func_index.wrapping_sub(self.imported_funcs) as usize)
            .copied()
            .unwrap_or(0);
        let counter = u64::from(params) + declared;

        let mut reader = func.get_operators_reader()?;
        let mut ops = Vec::new();
        let mut flow = FlowScan::default();
        while !reader.eof() {
            let at = reader.original_position() - body_start;
            let op = reader.read()?;
            let class = classify(&op);
            let edge = flow.visit(&op);
            ops.push((self.instruction(op)?, class, at, edge));
        }
        reader.finish()?;
        flow.close(&mut ops);

        // The counter lives in a local while it can (a register, where the global is a
        // memory access per block); see the module docs for when it cannot.
        let names_past_end = flow.max_local.is_some_and(|m| u64::from(m) >= counter);
        let local = (flow.has_loop && flow.local_ok && counter < MAX_LOCALS && !names_past_end)
            .then_some(counter as u32);
        if local.is_some() {
            locals.push((1, ValType::I64));
        }
        let mut f = wasm_encoder::Function::new(locals);

        let fuel = self.fuel_global;
        // Reads and writes of the counter: the local when there is one, else the global.
        let get = |f: &mut wasm_encoder::Function| {
            f.instruction(&match local {
                Some(l) => Instruction::LocalGet(l),
                None => Instruction::GlobalGet(fuel),
            });
        };
        let set = |f: &mut wasm_encoder::Function| {
            f.instruction(&match local {
                Some(l) => Instruction::LocalSet(l),
                None => Instruction::GlobalSet(fuel),
            });
        };
        let flush = |f: &mut wasm_encoder::Function| {
            if let Some(l) = local {
                f.instruction(&Instruction::LocalGet(l));
                f.instruction(&Instruction::GlobalSet(fuel));
            }
        };
        let reload = |f: &mut wasm_encoder::Function| {
            if let Some(l) = local {
                f.instruction(&Instruction::GlobalGet(fuel));
                f.instruction(&Instruction::LocalSet(l));
            }
        };

        let mut map = FuncMap::default();
        let mut pairs = Vec::with_capacity(ops.len());
        // Labels opened so far in the new body (the checks' `if`s included).
        let mut new_labels = 0u32;
        reload(&mut f); // function entry: the counter starts from the global
        let mut check = true; // function entry
        let mut rest = &ops[..];
        while !rest.is_empty() {
            let len = rest
                .iter()
                .position(|(_, class, _, _)| class.ends_block)
                .map_or(rest.len(), |i| i + 1);
            let (block, tail) = rest.split_at(len);
            rest = tail;

            let cost: u64 = block
                .iter()
                .map(|(_, class, _, _)| u64::from(class.cost))
                .sum();
            if cost > 0 {
                get(&mut f);
                f.instruction(&Instruction::I64Const(
                    i64::try_from(cost).unwrap_or(i64::MAX),
                ));
                f.instruction(&Instruction::I64Sub);
                set(&mut f);
            }
            if check {
                get(&mut f);
                f.instruction(&Instruction::I64Const(0));
                f.instruction(&Instruction::I64LtS);
                f.instruction(&Instruction::If(BlockType::Empty));
                // The runtime reads the global to tell running out from a real trap.
                flush(&mut f);
                f.instruction(&Instruction::Unreachable);
                f.instruction(&Instruction::End);
                new_labels = new_labels.wrapping_add(1);
            }
            for (instruction, class, at, edge) in block {
                if edge.flush_before {
                    flush(&mut f);
                }
                if let (Ok(at), Ok(new_at)) = (u32::try_from(*at), u32::try_from(f.byte_len())) {
                    pairs.push((new_at, at));
                    if self.want_offsets {
                        map.offsets.insert(at, new_at);
                    }
                }
                if class.opens_label && self.want_labels {
                    map.labels.push(new_labels);
                }
                if class.opens_label {
                    new_labels = new_labels.wrapping_add(1);
                }
                f.instruction(instruction);
                if edge.reload_after {
                    reload(&mut f);
                }
            }
            check = block.last().is_some_and(|(_, class, _, _)| class.is_loop);
        }

        if self.want_offsets || self.want_labels {
            self.maps.insert(func_index, map);
        }
        self.bodies
            .push((u32::try_from(body_start).unwrap_or(u32::MAX), pairs));
        code.function(&f);
        Ok(())
    }

    fn parse_custom_section(
        &mut self,
        module: &mut wasm_encoder::Module,
        section: wasmparser::CustomSectionReader<'_>,
    ) -> Result<(), ReencodeError<FuelError>> {
        if section.name().starts_with(CODE_METADATA_PREFIX) {
            if let Some(data) = self.remap_code_metadata(section.data(), section.data_offset()) {
                module.section(&CustomSection {
                    name: section.name().into(),
                    data: data.into(),
                });
            }
            return Ok(());
        }
        if let KnownCustom::Name(names) = section.as_known() {
            match self.custom_name_section(names) {
                Ok(names) => {
                    module.section(&names);
                    return Ok(());
                }
                // Engines ignore a `name` section that does not parse; so do we.
                Err(ReencodeError::ParseError(_)) => {}
                Err(e) => return Err(e),
            }
        }
        module.section(&self.custom_section(section)?);
        Ok(())
    }

    fn parse_custom_name_subsection(
        &mut self,
        names: &mut wasm_encoder::NameSection,
        section: wasmparser::Name<'_>,
    ) -> Result<(), ReencodeError<FuelError>> {
        let wasmparser::Name::Label(funcs) = section else {
            return utils::parse_custom_name_subsection(self, names, section);
        };
        let mut out = IndirectNameMap::new();
        for func in funcs {
            let func = func?;
            let Some(map) = self.maps.get(&func.index) else {
                continue;
            };
            let mut labels = NameMap::new();
            for naming in func.names {
                let naming = naming?;
                let new_index = usize::try_from(naming.index)
                    .ok()
                    .and_then(|i| map.labels.get(i));
                if let Some(&new_index) = new_index {
                    labels.append(new_index, naming.name);
                }
            }
            out.append(func.index, &labels);
        }
        names.labels(&out);
        Ok(())
    }
}
