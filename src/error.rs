//! The crate's error type: typed variants a caller can match, each with a message a person
//! can act on.

use std::fmt;
use std::path::PathBuf;

/// Result alias used across warren.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong loading, linking or running JS and Wasm.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// WAT text that does not parse. `rendered` holds `file:line:col`, the line and a caret.
    #[error("{rendered}")]
    Wat {
        path: Option<PathBuf>,
        line: usize,
        col: usize,
        rendered: String,
    },
    /// Bytes that are not a valid Wasm binary.
    #[error(
        "invalid wasm module{}: {reason} (at byte offset {offset:#x})",
        path_suffix(path)
    )]
    InvalidWasm {
        path: Option<PathBuf>,
        offset: usize,
        reason: String,
    },
    /// A Wasm component (binary, or `(component ...)` text): warren runs core modules.
    #[error("{path} is a WebAssembly component, not a core module: {}; warren runs core Wasm modules and does not support components yet", if *text { "its text starts with (component" } else { "its header's layer field (bytes 6-7) is 1, where a core module has 0" })]
    Component { path: String, text: bool },
    /// A Wasm module whose initial memory alone is over what is left of the runtime's
    /// memory cap: it is refused before it is instantiated.
    #[error("{0}")]
    MemoryCap(String),
    /// A Wasm module refused because V8's process-wide table of Wasm types would overflow
    /// (see [`crate::wasm_types`]): the process must be restarted to compile more.
    #[error("{0}: {1}")]
    WasmTypes(String, crate::wasm_types::TypesFull),
    /// Input that is no module warren can run: neither Wasm, WAT nor JS.
    #[error("{0}")]
    Unrecognized(String),
    /// Imports nobody provides, or provided with the wrong type.
    #[error("{}", LinkErrorList(unresolved))]
    Link { unresolved: Vec<LinkError> },
    /// A module that could not be resolved or loaded: where it was asked for (`cannot
    /// resolve "./x.js" imported from file:///main.js:3:17`), and why.
    #[error("{context}: {source}")]
    Module {
        context: String,
        #[source]
        source: crate::modules::ModuleError,
    },
    /// A host function defined twice under one name, on a [`crate::Linker`] that does not
    /// allow shadowing.
    #[error(
        "host function {module}.{name} is already defined (call Linker::allow_shadowing to replace it)"
    )]
    AlreadyDefined { module: String, name: String },
    /// The named export does not exist, or is not a function.
    #[error("{0}")]
    Export(String),
    /// Arguments that do not fit the export's parameter types.
    #[error("{0}")]
    Args(String),
    /// A WebAssembly trap while running an export.
    #[error("{0}")]
    Trap(Box<Trap>),
    /// An uncaught JS exception (or one thrown through Wasm).
    #[error("{0}")]
    Js(Box<JsError>),
    /// A value with no form on the other side of a call: a JS result that is a function
    /// or cyclic, a `BigInt` past 64 bits.
    #[error("{0}")]
    Value(String),
    /// The program stopped making progress: nothing is pending, yet the main module's
    /// top-level await never settled.
    #[error("{0}")]
    Stalled(String),
    /// The program called `process.exit(code)`.
    #[error("process exited with status {0}")]
    Exit(i32),
    /// A limit (time, CPU time, memory) was hit; the isolate was stopped. Which one is
    /// [`Limit::kind`]; the text (`Display`, or the `str` it derefs to) says it and its value.
    #[error("{0}")]
    Limit(Limit),
    /// Anything else, with its context.
    #[error("{0}")]
    Other(String),
}

/// Which limit stopped a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LimitKind {
    /// The wall-clock time limit (`time_limit`, `--timeout`).
    Time,
    /// The CPU-time limit (`cpu_limit`, `--cpu-limit`).
    Cpu,
    /// The memory cap or the JS heap limit.
    Memory,
    /// A termination no limit asked for (`Isolate::terminate_execution` from outside).
    Terminated,
}

/// A call stopped at a limit: which one, and a message that names it and its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limit {
    pub kind: LimitKind,
    pub message: String,
}

impl Limit {
    pub fn new(kind: LimitKind, message: impl Into<String>) -> Self {
        Limit {
            kind,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Limit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::ops::Deref for Limit {
    type Target = str;
    fn deref(&self) -> &str {
        &self.message
    }
}

fn path_suffix(path: &Option<PathBuf>) -> String {
    path.as_ref()
        .map(|p| format!(" {}", p.display()))
        .unwrap_or_default()
}

impl Error {
    /// The process exit status the CLI uses for this error: 2 for input that cannot be
    /// loaded or linked (nothing ran), 1 when the program ran and failed.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Trap(_)
            | Error::Js(_)
            | Error::Limit(_)
            | Error::Stalled(_)
            | Error::Value(_) => 1,
            Error::Exit(code) => *code,
            _ => 2,
        }
    }

    /// The same error, located in `path`: the one place a Wasm error gets its file.
    pub fn in_file(self, path: &std::path::Path) -> Self {
        match self {
            Error::InvalidWasm { offset, reason, .. } => Error::InvalidWasm {
                path: Some(path.to_path_buf()),
                offset,
                reason,
            },
            e => e,
        }
    }

    /// A module error, with where the module was asked for.
    pub fn module(context: impl Into<String>, source: crate::modules::ModuleError) -> Self {
        Error::Module {
            context: context.into(),
            source,
        }
    }

    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

/// One import the linker could not satisfy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkError {
    pub module: String,
    pub name: String,
    /// The type the module expects, in WAT syntax (`func (param i32)`).
    pub expected: String,
    /// What was provided instead, if something with a different type was.
    pub provided: Option<String>,
}

impl fmt::Display for LinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.provided {
            None => write!(
                f,
                "missing import {}.{}: {}",
                self.module, self.name, self.expected
            ),
            Some(p) => write!(
                f,
                "incompatible import {}.{}: expected {}, provided {}",
                self.module, self.name, self.expected, p
            ),
        }
    }
}

struct LinkErrorList<'a>(&'a [LinkError]);

impl fmt::Display for LinkErrorList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

/// The kind of a WebAssembly trap, named as the spec (and wasmtime) name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TrapKind {
    Unreachable,
    IntegerDivideByZero,
    IntegerOverflow,
    BadConversionToInteger,
    MemoryOutOfBounds,
    TableOutOfBounds,
    IndirectCallToNull,
    BadSignature,
    NullReference,
    CastFailure,
    ArrayOutOfBounds,
    AllocationTooLarge,
    StackOverflow,
    UnalignedAtomic,
    /// A host function returned `Err` or panicked; the message says which and why.
    Host,
    /// The runtime's fuel ran out (`RuntimeOptions::fuel`).
    OutOfFuel,
    /// A trap V8 reported with a message warren does not know; the message is kept.
    Other,
}

/// V8's Wasm trap messages (its `WasmTrap*` message templates, V8 15.2) and the trap kind
/// each one is. One V8 message can stand for several spec wordings; see [`SPEC_TEXTS`].
///
/// | V8 message | kind |
/// |---|---|
/// | `unreachable` | `Unreachable` |
/// | `divide by zero`, `remainder by zero` | `IntegerDivideByZero` |
/// | `divide result unrepresentable` | `IntegerOverflow` |
/// | `float unrepresentable in integer range` | `BadConversionToInteger` |
/// | `memory access out of bounds`, `data segment out of bounds`, `data segment N is out of bounds (...)` (instantiation) | `MemoryOutOfBounds` |
/// | `table index is out of bounds`, `element segment out of bounds`, `element segment N is out of bounds (...)` (instantiation) | `TableOutOfBounds` |
///
/// Traps during instantiation carry a `WebAssembly.Instance(): ` prefix, which is dropped.
/// | `null function`, `null function or function signature mismatch` | `IndirectCallToNull` |
/// | `function signature mismatch` | `BadSignature` |
/// | `dereferencing a null pointer` | `NullReference` |
/// | `rethrowing null value` | `NullReference` |
/// | `illegal cast` | `CastFailure` |
/// | `array element access out of bounds` | `ArrayOutOfBounds` |
/// | `requested new array is too large` | `AllocationTooLarge` |
/// | `Maximum call stack size exceeded` (a `RangeError`) | `StackOverflow` |
/// | `operation does not support unaligned accesses` | `UnalignedAtomic` |
const V8_TRAPS: &[(&str, TrapKind)] = &[
    ("unreachable", TrapKind::Unreachable),
    ("divide by zero", TrapKind::IntegerDivideByZero),
    ("remainder by zero", TrapKind::IntegerDivideByZero),
    ("divide result unrepresentable", TrapKind::IntegerOverflow),
    (
        "float unrepresentable in integer range",
        TrapKind::BadConversionToInteger,
    ),
    ("memory access out of bounds", TrapKind::MemoryOutOfBounds),
    ("data segment out of bounds", TrapKind::MemoryOutOfBounds),
    ("table index is out of bounds", TrapKind::TableOutOfBounds),
    ("element segment out of bounds", TrapKind::TableOutOfBounds),
    ("null function", TrapKind::IndirectCallToNull),
    (
        "null function or function signature mismatch",
        TrapKind::IndirectCallToNull,
    ),
    ("function signature mismatch", TrapKind::BadSignature),
    ("dereferencing a null pointer", TrapKind::NullReference),
    ("rethrowing null value", TrapKind::NullReference),
    ("illegal cast", TrapKind::CastFailure),
    (
        "array element access out of bounds",
        TrapKind::ArrayOutOfBounds,
    ),
    (
        "requested new array is too large",
        TrapKind::AllocationTooLarge,
    ),
    ("Maximum call stack size exceeded", TrapKind::StackOverflow),
    (
        "operation does not support unaligned accesses",
        TrapKind::UnalignedAtomic,
    ),
];

/// The spec test suite's wordings for each trap kind; the first is the canonical one. A
/// script's expected message matches a kind when it starts with one of them (the suite
/// sometimes appends detail: `uninitialized element 2`).
///
/// Why some kinds have several: V8 reports one message where the spec distinguishes by
/// instruction. `table index is out of bounds` is `undefined element` for `call_indirect`
/// and `out of bounds table access` for table instructions and element segments;
/// `dereferencing a null pointer` is V8's message for every null dereference
/// (`ref.as_non_null`, `struct.get`, `array.len`, `call_ref`, `i31.get`, descriptors), and
/// `rethrowing null value` is `throw_ref` of a null `exnref`; `float unrepresentable in
/// integer range` is both `invalid conversion to integer` (NaN) and `integer overflow` (out
/// of range) for `trunc`; `illegal cast` is both
/// `ref.cast` and the custom-descriptors `descriptor cast failure`.
const SPEC_TEXTS: &[(TrapKind, &[&str])] = &[
    (TrapKind::Unreachable, &["unreachable"]),
    (TrapKind::IntegerDivideByZero, &["integer divide by zero"]),
    (TrapKind::IntegerOverflow, &["integer overflow"]),
    (
        TrapKind::BadConversionToInteger,
        &["invalid conversion to integer", "integer overflow"],
    ),
    (
        TrapKind::MemoryOutOfBounds,
        &["out of bounds memory access"],
    ),
    (
        TrapKind::TableOutOfBounds,
        &["out of bounds table access", "undefined element"],
    ),
    (TrapKind::IndirectCallToNull, &["uninitialized element"]),
    (TrapKind::BadSignature, &["indirect call type mismatch"]),
    (
        TrapKind::NullReference,
        &[
            "null reference",
            "null function reference",
            "null structure reference",
            "null array reference",
            "null i31 reference",
            "null exception reference",
            "null descriptor reference",
        ],
    ),
    (
        TrapKind::CastFailure,
        &["cast failure", "descriptor cast failure"],
    ),
    (TrapKind::ArrayOutOfBounds, &["out of bounds array access"]),
    (TrapKind::AllocationTooLarge, &["allocation too large"]),
    (TrapKind::StackOverflow, &["call stack exhausted"]),
    (TrapKind::UnalignedAtomic, &["unaligned atomic"]),
    (TrapKind::Host, &["trap"]),
    (TrapKind::OutOfFuel, &["out of fuel"]),
    (TrapKind::Other, &["trap"]),
];

impl TrapKind {
    /// Maps V8's `RuntimeError` message (V8's `WasmTrap*` message templates) to the kind;
    /// the table is [`V8_TRAPS`].
    pub fn from_v8_message(msg: &str) -> TrapKind {
        let m = msg.strip_prefix("RuntimeError: ").unwrap_or(msg);
        let m = m.strip_prefix("RangeError: ").unwrap_or(m);
        // Traps while instantiating (segment initialisation, start function).
        let m = m.strip_prefix("WebAssembly.Instance(): ").unwrap_or(m);
        // Segment initialisation names the segment: `data segment 1 is out of bounds (...)`.
        if m.contains(" is out of bounds") {
            if m.starts_with("data segment ") {
                return TrapKind::MemoryOutOfBounds;
            }
            if m.starts_with("element segment ") {
                return TrapKind::TableOutOfBounds;
            }
        }
        V8_TRAPS
            .iter()
            .find(|(v8, _)| *v8 == m)
            .map(|(_, k)| *k)
            .unwrap_or(if m.starts_with("Maximum call stack size exceeded") {
                TrapKind::StackOverflow
            } else {
                TrapKind::Other
            })
    }

    /// Every spec-suite wording for this kind; the first is the canonical one.
    pub fn spec_texts(self) -> &'static [&'static str] {
        SPEC_TEXTS
            .iter()
            .find(|(k, _)| *k == self)
            .map_or(&["trap"], |(_, t)| t)
    }

    /// The spec test suite's (canonical) wording for this trap.
    pub fn spec_text(self) -> &'static str {
        self.spec_texts()[0]
    }

    /// Whether a trap of this kind is the one a spec script expects (`expected` is the
    /// script's message; it may carry a suffix such as `uninitialized element 2`).
    pub fn matches_spec_text(self, expected: &str) -> bool {
        self.spec_texts().iter().any(|t| expected.starts_with(t))
    }
}

/// A trap in a Wasm export, with the Wasm frames that led to it.
#[derive(Debug, Clone)]
pub struct Trap {
    pub export: String,
    pub kind: TrapKind,
    /// V8's own message, kept for kinds warren does not know.
    pub message: String,
    pub frames: Vec<WasmFrame>,
}

/// One Wasm frame of a trap's backtrace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WasmFrame {
    pub func_index: u32,
    pub func_name: Option<String>,
    /// Byte offset in the module of the instruction executing in this frame.
    pub offset: usize,
}

impl fmt::Display for Trap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            TrapKind::Other | TrapKind::Host => self.message.as_str(),
            k => k.display_text(),
        };
        write!(f, "trap in export \"{}\": {}", self.export, what)?;
        if !self.frames.is_empty() {
            write!(f, "\nwasm backtrace:")?;
            for (i, fr) in self.frames.iter().enumerate() {
                let name = fr
                    .func_name
                    .clone()
                    .unwrap_or_else(|| format!("<wasm function {}>", fr.func_index));
                write!(f, "\n  {i:>3}: {:#8x} - {name}", fr.offset)?;
            }
        }
        Ok(())
    }
}

impl TrapKind {
    /// How the CLI names the trap (wasmtime's wording).
    pub fn display_text(self) -> &'static str {
        match self {
            TrapKind::Unreachable => "wasm `unreachable` instruction executed",
            TrapKind::IndirectCallToNull => "indirect call to null",
            TrapKind::BadSignature => "indirect call type mismatch",
            TrapKind::MemoryOutOfBounds => "out of bounds memory access",
            TrapKind::TableOutOfBounds => "undefined element: out of bounds table access",
            k => k.spec_text(),
        }
    }
}

/// A JS exception that nobody caught.
#[derive(Debug, Clone, Default)]
pub struct JsError {
    /// `Error: boom` (the exception's string form).
    pub message: String,
    /// The JS stack, as `error.stack` gives it, when the exception is an Error.
    pub stack: Option<String>,
    /// Whether it surfaced as an unhandled promise rejection.
    pub in_promise: bool,
}

impl fmt::Display for JsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let prefix = if self.in_promise {
            "Uncaught (in promise) "
        } else {
            "Uncaught "
        };
        match &self.stack {
            Some(stack) if stack.starts_with(&self.message) => write!(f, "{prefix}{stack}"),
            Some(stack) => write!(f, "{prefix}{}\n{stack}", self.message),
            None => write!(f, "{prefix}{}", self.message),
        }
    }
}

/// The message of a caught panic's payload.
pub(crate) fn panic_message(payload: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(non-string panic payload)".into()
    }
}
