//! Wasm outside V8: WAT to binary with located errors, module signatures read with
//! wasmparser ([`ModuleInfo`]), a module read and parsed once ([`WasmModule`]), and the
//! values that cross the CLI (argument parsing, result printing).

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;
use wasmparser::{Payload, TypeRef, ValType};

use crate::error::{Error, Result};

/// Turns WAT text or Wasm bytes into a Wasm binary. Binary input is returned as is; text goes
/// through the `wat` crate, so the output is byte-identical to `wat::parse_bytes`. Errors
/// carry `file:line:col`, the offending line and a caret.
pub fn wat_to_wasm(path: Option<&Path>, bytes: &[u8]) -> Result<Vec<u8>> {
    if is_wasm_binary(bytes) {
        return Ok(bytes.to_vec());
    }
    let text = std::str::from_utf8(bytes).map_err(|e| Error::Wat {
        path: path.map(Path::to_path_buf),
        line: 0,
        col: 0,
        rendered: format!(
            "{}: input is neither a wasm binary nor UTF-8 text (invalid byte at offset {})",
            path.map_or("<input>".into(), |p| p.display().to_string()),
            e.valid_up_to()
        ),
    })?;
    match wat::Parser::new().parse_str(path, text) {
        Ok(b) => Ok(b),
        Err(e) => Err(wat_error(path, text, &e.to_string())),
    }
}

/// What a module's bytes are, by content (as wasmtime recognises its input).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Content {
    /// A core Wasm module binary (`\0asm`, version 1, layer 0).
    Wasm,
    /// A Wasm component binary (`\0asm`, layer 1).
    ComponentBinary,
    /// WAT text whose first token is `(module`.
    Wat,
    /// WAT text whose first token is `(component`.
    ComponentText,
    /// Anything else (JS, or not a module at all).
    Other,
}

impl Content {
    /// Recognises Wasm and WAT by their first bytes or first token, skipping whitespace
    /// and `;;` / `(; ;)` comments.
    pub fn sniff(bytes: &[u8]) -> Content {
        if is_wasm_binary(bytes) {
            // Bytes 4..8: a 16-bit version, then a 16-bit layer (0 module, 1 component).
            return match bytes.get(6..8) {
                Some([1, 0]) => Content::ComponentBinary,
                _ => Content::Wasm,
            };
        }
        let Ok(text) = std::str::from_utf8(bytes) else {
            return Content::Other;
        };
        let rest = skip_wat_trivia(text.strip_prefix('\u{feff}').unwrap_or(text));
        let starts = |kw: &str| {
            rest.strip_prefix('(')
                .map(str::trim_start)
                .and_then(|r| r.strip_prefix(kw))
                .is_some_and(|r| {
                    r.is_empty()
                        || r.starts_with(|c: char| !c.is_alphanumeric() && c != '_' && c != '.')
                })
        };
        if starts("module") {
            Content::Wat
        } else if starts("component") {
            Content::ComponentText
        } else {
            Content::Other
        }
    }

    /// Whether this is a component (binary or text), which warren does not run yet.
    pub fn is_component(self) -> bool {
        matches!(self, Content::ComponentBinary | Content::ComponentText)
    }
}

/// `text` past leading whitespace and WAT comments (`;; line`, nested `(; block ;)`).
fn skip_wat_trivia(mut text: &str) -> &str {
    loop {
        text = text.trim_start();
        if let Some(rest) = text.strip_prefix(";;") {
            text = rest.split_once('\n').map_or("", |(_, r)| r);
        } else if text.starts_with("(;") {
            let mut depth = 0usize;
            let mut i = 0;
            let b = text.as_bytes();
            while i + 1 < b.len() {
                if &b[i..i + 2] == b"(;" {
                    depth += 1;
                    i += 2;
                } else if &b[i..i + 2] == b";)" {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            if depth != 0 {
                return "";
            }
            text = &text[i..];
        } else {
            return text;
        }
    }
}

/// Whether the bytes start with the Wasm magic number.
pub fn is_wasm_binary(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\0asm")
}

/// Builds a located error for WAT text that failed: re-parses with `wast` to get the span
/// (only on the error path), then renders `file:line:col: message`, the line and a caret.
fn wat_error(path: Option<&Path>, text: &str, fallback: &str) -> Error {
    let located = wast::parser::ParseBuffer::new(text)
        .and_then(|buf| wast::parser::parse::<wast::Wat>(&buf).and_then(|mut w| w.encode()))
        .err();
    let file = path.map_or("<input>".to_string(), |p| p.display().to_string());
    let Some(err) = located else {
        return Error::Wat {
            path: path.map(Path::to_path_buf),
            line: 0,
            col: 0,
            rendered: format!("{file}: {fallback}"),
        };
    };
    let (line, col) = err.span().linecol_in(text);
    let src = text.lines().nth(line).unwrap_or("").replace('\t', " ");
    let caret_pad: String = src.chars().take(col).map(|_| ' ').collect();
    let gutter = format!("{}", line + 1).len();
    let rendered = format!(
        "{file}:{}:{}: {}\n{:>gutter$} |\n{} | {src}\n{:>gutter$} | {caret_pad}^",
        line + 1,
        col + 1,
        err.message(),
        "",
        line + 1,
        "",
    );
    Error::Wat {
        path: path.map(Path::to_path_buf),
        line: line + 1,
        col: col + 1,
        rendered,
    }
}

/// A Wasm module read and parsed once: its binary (WAT already converted) and its
/// [`ModuleInfo`]. Cheap to clone; instantiate it with [`crate::Runtime::instantiate`].
#[derive(Debug, Clone)]
pub struct WasmModule {
    name: String,
    path: Option<PathBuf>,
    /// How errors locate it: the path it was read from, else its name.
    shown: String,
    bytes: Arc<[u8]>,
    info: Arc<ModuleInfo>,
}

impl WasmModule {
    /// A module from a Wasm binary or WAT text; `name` names it in messages.
    ///
    /// # Errors
    /// [`Error::Wat`] (with `name:line:col`) or [`Error::InvalidWasm`].
    pub fn new(name: &str, bytes: &[u8]) -> Result<Self> {
        Self::parse(name.to_string(), None, bytes)
    }

    /// Reads and parses the module at `path` (WAT or binary); it is named by its file name.
    ///
    /// # Errors
    /// [`Error::Io`] if it cannot be read, else as [`WasmModule::new`] with the path in
    /// the message.
    pub fn from_file(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        Self::from_bytes_at(path, &bytes)
    }

    /// A module whose bytes were read from `path` by the caller.
    ///
    /// # Errors
    /// As [`WasmModule::new`].
    pub fn from_bytes_at(path: &Path, bytes: &[u8]) -> Result<Self> {
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        Self::parse(name, Some(path.to_path_buf()), bytes)
    }

    fn parse(name: String, path: Option<PathBuf>, bytes: &[u8]) -> Result<Self> {
        let shown = path.clone().unwrap_or_else(|| PathBuf::from(&name));
        let content = Content::sniff(bytes);
        if content.is_component() {
            return Err(Error::Component {
                path: shown.display().to_string(),
                text: content == Content::ComponentText,
            });
        }
        let binary = wat_to_wasm(Some(&shown), bytes)?;
        let info = ModuleInfo::parse(&binary).map_err(|e| e.in_file(&shown))?;
        Ok(WasmModule {
            shown: shown.display().to_string(),
            name,
            path,
            bytes: binary.into(),
            info: Arc::new(info),
        })
    }

    /// The same module, placed at `path` (where its imports resolve from when it is the root
    /// of a module graph); messages keep naming it as before.
    pub fn at_path(mut self, path: &Path) -> Self {
        if self.path.is_none() {
            self.path = Some(path.to_path_buf());
        }
        self
    }

    /// Its name (the file name, for a module read from a file).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The file it was read from, if any.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The name errors locate it by: its path, else its name.
    pub(crate) fn location(&self) -> &str {
        &self.shown
    }

    /// The Wasm binary.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// What it imports and exports, with full types.
    pub fn info(&self) -> &ModuleInfo {
        &self.info
    }

    pub(crate) fn info_arc(&self) -> Arc<ModuleInfo> {
        self.info.clone()
    }
}

/// A Wasm value as it crosses the CLI and the public API.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Val {
    I32(i32),
    I64(i64),
    F32(f32),
    F64(f64),
    /// A v128, little-endian lanes packed into one integer.
    V128(u128),
    /// A reference of a kind: `true` when it is non-null. Only null references can be
    /// passed in; results say which kind came back and whether it was null.
    Ref(RefKind, bool),
}

/// The kinds of reference the CLI can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefKind {
    Func,
    Extern,
    Any,
    Exn,
}

impl fmt::Display for Val {
    /// Formats as `wasmtime run --invoke` prints results.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Val::I32(v) => write!(f, "{v}"),
            Val::I64(v) => write!(f, "{v}"),
            Val::F32(v) => write!(f, "{v}"),
            Val::F64(v) => write!(f, "{v}"),
            Val::V128(v) => write!(f, "{v}"),
            Val::Ref(kind, non_null) => {
                let k = match kind {
                    RefKind::Func => "funcref",
                    RefKind::Extern => "externref",
                    RefKind::Any => "anyref",
                    RefKind::Exn => "exnref",
                };
                if *non_null {
                    write!(f, "<{k}>")
                } else {
                    write!(f, "<null {k}>")
                }
            }
        }
    }
}

impl Val {
    /// The value as JSON for `--json`: i64 as a number when it fits in 2^53, else a string.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        const SAFE: i64 = 1 << 53;
        match *self {
            Val::I32(v) => J::from(v),
            Val::I64(v) if (-SAFE..=SAFE).contains(&v) => J::from(v),
            Val::I64(v) => J::from(v.to_string()),
            Val::F32(v) => float_json(f64::from(v)),
            Val::F64(v) => float_json(v),
            Val::V128(v) => J::from(v.to_string()),
            Val::Ref(_, false) => J::Null,
            Val::Ref(..) => J::from(self.to_string()),
        }
    }
}

fn float_json(v: f64) -> serde_json::Value {
    serde_json::Number::from_f64(v)
        .map(serde_json::Value::Number)
        .unwrap_or_else(|| serde_json::Value::String(format!("{v}")))
}

/// Parses one CLI argument as a value of `ty`. Accepts decimal, negative and `0x` hex
/// literals; i32 also accepts the unsigned range (`4294967295` is `-1`), as i64 does.
pub fn parse_arg(ty: &ValType, s: &str) -> Result<Val, String> {
    let bad = |what: &str| format!("cannot parse {s:?} as {what}");
    match ty {
        ValType::I32 => {
            let v = parse_int(s).ok_or_else(|| bad("i32"))?;
            if (i32::MIN as i128..=u32::MAX as i128).contains(&v) {
                Ok(Val::I32(v as u32 as i32))
            } else {
                Err(format!("{s} is out of range for i32"))
            }
        }
        ValType::I64 => {
            let v = parse_int(s).ok_or_else(|| bad("i64"))?;
            if (i64::MIN as i128..=u64::MAX as i128).contains(&v) {
                Ok(Val::I64(v as u64 as i64))
            } else {
                Err(format!("{s} is out of range for i64"))
            }
        }
        ValType::F32 => parse_float(s)
            .map(|v| Val::F32(v as f32))
            .ok_or_else(|| bad("f32")),
        ValType::F64 => parse_float(s).map(Val::F64).ok_or_else(|| bad("f64")),
        ValType::V128 => parse_int(s)
            .and_then(|v| u128::try_from(v).ok())
            .map(Val::V128)
            .ok_or_else(|| bad("v128")),
        ValType::Ref(_) => Err(format!(
            "reference parameters ({}) cannot be passed from the command line",
            val_type_str(ty)
        )),
    }
}

fn parse_int(s: &str) -> Option<i128> {
    let s = s.replace('_', "");
    let (neg, body) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.strip_prefix('+').unwrap_or(&s)),
    };
    let mag = if let Some(h) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        u128::from_str_radix(h, 16).ok()?
    } else {
        if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        body.parse::<u128>().ok()?
    };
    let mag = i128::try_from(mag).ok()?;
    Some(if neg { -mag } else { mag })
}

fn parse_float(s: &str) -> Option<f64> {
    match s {
        "nan" | "NaN" => Some(f64::NAN),
        "inf" | "infinity" | "Infinity" => Some(f64::INFINITY),
        "-inf" | "-infinity" | "-Infinity" => Some(f64::NEG_INFINITY),
        _ => s
            .parse::<f64>()
            .ok()
            .or_else(|| parse_int(s).map(|v| v as f64)),
    }
}

/// A function signature.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FuncSig {
    pub params: Vec<ValType>,
    pub results: Vec<ValType>,
}

impl fmt::Display for FuncSig {
    /// WAT syntax: `func (param i32 i32) (result i32)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "func")?;
        if !self.params.is_empty() {
            write!(f, " (param{})", join_types(&self.params))?;
        }
        if !self.results.is_empty() {
            write!(f, " (result{})", join_types(&self.results))?;
        }
        Ok(())
    }
}

fn join_types(tys: &[ValType]) -> String {
    tys.iter()
        .map(|t| format!(" {}", val_type_str(t)))
        .collect()
}

/// A value type in WAT syntax.
pub fn val_type_str(ty: &ValType) -> String {
    match ty {
        ValType::I32 => "i32".into(),
        ValType::I64 => "i64".into(),
        ValType::F32 => "f32".into(),
        ValType::F64 => "f64".into(),
        ValType::V128 => "v128".into(),
        ValType::Ref(r) => ref_type_str(r),
    }
}

fn ref_type_str(r: &wasmparser::RefType) -> String {
    use wasmparser::{AbstractHeapType as A, HeapType};
    let heap = match r.heap_type() {
        HeapType::Abstract { shared, ty } => {
            let name = match ty {
                A::Func => "func",
                A::Extern => "extern",
                A::Any => "any",
                A::None => "none",
                A::NoExtern => "noextern",
                A::NoFunc => "nofunc",
                A::Eq => "eq",
                A::Struct => "struct",
                A::Array => "array",
                A::I31 => "i31",
                A::Exn => "exn",
                A::NoExn => "noexn",
                A::Cont => "cont",
                A::NoCont => "nocont",
            };
            if r.is_nullable() && !shared {
                return format!("{name}ref");
            }
            if shared {
                format!("(shared {name})")
            } else {
                name.to_string()
            }
        }
        HeapType::Concrete(idx) | HeapType::Exact(idx) => match idx.as_module_index() {
            Some(i) => i.to_string(),
            None => format!("{idx}"),
        },
    };
    if r.is_nullable() {
        format!("(ref null {heap})")
    } else {
        format!("(ref {heap})")
    }
}

/// The type of an import or export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExternType {
    Func(FuncSig),
    Table {
        element: String,
        initial: u64,
        maximum: Option<u64>,
        table64: bool,
    },
    Memory {
        initial: u64,
        maximum: Option<u64>,
        memory64: bool,
        shared: bool,
        page_size: Option<u64>,
    },
    Global {
        ty: String,
        mutable: bool,
    },
    Tag(FuncSig),
}

impl fmt::Display for ExternType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExternType::Func(sig) => write!(f, "{sig}"),
            ExternType::Table {
                element,
                initial,
                maximum,
                table64,
            } => {
                write!(f, "table")?;
                if *table64 {
                    write!(f, " i64")?;
                }
                write!(f, " {initial}")?;
                if let Some(m) = maximum {
                    write!(f, " {m}")?;
                }
                write!(f, " {element}")
            }
            ExternType::Memory {
                initial,
                maximum,
                memory64,
                shared,
                page_size,
            } => {
                write!(f, "memory")?;
                if *memory64 {
                    write!(f, " i64")?;
                }
                write!(f, " {initial}")?;
                if let Some(m) = maximum {
                    write!(f, " {m}")?;
                }
                if *shared {
                    write!(f, " shared")?;
                }
                if let Some(p) = page_size {
                    write!(f, " (pagesize {p})")?;
                }
                Ok(())
            }
            ExternType::Global { ty, mutable } => {
                if *mutable {
                    write!(f, "global (mut {ty})")
                } else {
                    write!(f, "global {ty}")
                }
            }
            ExternType::Tag(sig) => {
                let s = sig.to_string();
                write!(f, "tag{}", s.strip_prefix("func").unwrap_or(&s))
            }
        }
    }
}

impl Serialize for ExternType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(None)?;
        match self {
            ExternType::Func(sig) | ExternType::Tag(sig) => {
                let kind = if matches!(self, ExternType::Func(_)) {
                    "func"
                } else {
                    "tag"
                };
                m.serialize_entry("kind", kind)?;
                let p: Vec<String> = sig.params.iter().map(val_type_str).collect();
                let r: Vec<String> = sig.results.iter().map(val_type_str).collect();
                m.serialize_entry("params", &p)?;
                m.serialize_entry("results", &r)?;
            }
            ExternType::Table {
                element,
                initial,
                maximum,
                table64,
            } => {
                m.serialize_entry("kind", "table")?;
                m.serialize_entry("element", element)?;
                m.serialize_entry("initial", initial)?;
                m.serialize_entry("maximum", maximum)?;
                m.serialize_entry("table64", table64)?;
            }
            ExternType::Memory {
                initial,
                maximum,
                memory64,
                shared,
                page_size,
            } => {
                m.serialize_entry("kind", "memory")?;
                m.serialize_entry("initial", initial)?;
                m.serialize_entry("maximum", maximum)?;
                m.serialize_entry("memory64", memory64)?;
                m.serialize_entry("shared", shared)?;
                m.serialize_entry("page_size", &page_size.unwrap_or(65536))?;
            }
            ExternType::Global { ty, mutable } => {
                m.serialize_entry("kind", "global")?;
                m.serialize_entry("type", ty)?;
                m.serialize_entry("mutable", mutable)?;
            }
        }
        m.end()
    }
}

/// An import of a module.
#[derive(Debug, Clone, Serialize)]
pub struct ImportInfo {
    pub module: String,
    pub name: String,
    #[serde(rename = "type")]
    pub ty: ExternType,
}

/// An export of a module.
#[derive(Debug, Clone, Serialize)]
pub struct ExportInfo {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: ExternType,
}

/// A custom section: its name and size in bytes.
#[derive(Debug, Clone, Serialize)]
pub struct CustomSectionInfo {
    pub name: String,
    pub size: usize,
}

/// What warren knows of a module without compiling it: its imports and exports with full
/// types, custom sections, the start function and function names from the name section.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ModuleInfo {
    pub imports: Vec<ImportInfo>,
    pub exports: Vec<ExportInfo>,
    pub custom_sections: Vec<CustomSectionInfo>,
    /// Index of the start function, if the module has one.
    pub start: Option<u32>,
    /// Name section function names, by function index.
    #[serde(skip)]
    pub func_names: std::collections::HashMap<u32, String>,
    /// The first export name of each exported function, by function index.
    #[serde(skip)]
    pub func_exports: std::collections::HashMap<u32, String>,
    /// The module name from the name section.
    pub name: Option<String>,
    /// For a module V8 ran instrumented (fuel), where its code came from: trap positions
    /// are reported in the original module's offsets.
    #[serde(skip)]
    pub(crate) code_offsets: Option<Arc<crate::fuel::OffsetMap>>,
}

impl ModuleInfo {
    /// `info` with the offset map of the code V8 compiled instead of its bytes, if any.
    pub(crate) fn with_code_offsets(
        info: Arc<ModuleInfo>,
        offsets: Option<Arc<crate::fuel::OffsetMap>>,
    ) -> Arc<ModuleInfo> {
        match offsets {
            None => info,
            Some(map) => Arc::new(ModuleInfo {
                code_offsets: Some(map),
                ..(*info).clone()
            }),
        }
    }

    /// The original offset of code position `offset` of the module V8 ran.
    pub(crate) fn original_offset(&self, offset: usize) -> usize {
        match (&self.code_offsets, u32::try_from(offset)) {
            (Some(map), Ok(o)) => map.original(o) as usize,
            _ => offset,
        }
    }
    /// Reads a module's signatures. Errors give the byte offset and the reason.
    pub fn parse(bytes: &[u8]) -> Result<ModuleInfo> {
        parse_info(bytes).map_err(|e| Error::InvalidWasm {
            path: None,
            offset: e.offset() as usize,
            reason: e.message().to_string(),
        })
    }

    /// The export named `name`, if any.
    pub fn export(&self, name: &str) -> Option<&ExportInfo> {
        self.exports.iter().find(|e| e.name == name)
    }

    /// The name of function `index`: from the name section, else the name it is exported
    /// under.
    pub fn func_name(&self, index: u32) -> Option<&str> {
        self.func_names
            .get(&index)
            .or_else(|| self.func_exports.get(&index))
            .map(String::as_str)
    }
}

fn parse_info(bytes: &[u8]) -> std::result::Result<ModuleInfo, wasmparser::BinaryReaderError> {
    let mut info = ModuleInfo::default();
    let mut types: Vec<Option<FuncSig>> = Vec::new();
    // Per index space: the type of each function / table / memory / global / tag.
    let mut funcs: Vec<u32> = Vec::new();
    let mut tables: Vec<ExternType> = Vec::new();
    let mut memories: Vec<ExternType> = Vec::new();
    let mut globals: Vec<ExternType> = Vec::new();
    let mut tags: Vec<ExternType> = Vec::new();
    let sig = |types: &[Option<FuncSig>], idx: u32| -> FuncSig {
        types
            .get(idx as usize)
            .cloned()
            .flatten()
            .unwrap_or_default()
    };
    let mut raw_exports = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        match payload? {
            Payload::TypeSection(r) => {
                for group in r {
                    for sub in group?.into_types() {
                        types.push(match &sub.composite_type.inner {
                            wasmparser::CompositeInnerType::Func(f) => Some(FuncSig {
                                params: f.params().to_vec(),
                                results: f.results().to_vec(),
                            }),
                            _ => None,
                        });
                    }
                }
            }
            Payload::ImportSection(r) => {
                for imp in r.into_imports() {
                    let imp = imp?;
                    let ty = match imp.ty {
                        TypeRef::Func(t) | TypeRef::FuncExact(t) => {
                            funcs.push(t);
                            ExternType::Func(sig(&types, t))
                        }
                        TypeRef::Table(t) => {
                            let t = table_type(&t);
                            tables.push(t.clone());
                            t
                        }
                        TypeRef::Memory(m) => {
                            let m = memory_type(&m);
                            memories.push(m.clone());
                            m
                        }
                        TypeRef::Global(g) => {
                            let g = global_type(&g);
                            globals.push(g.clone());
                            g
                        }
                        TypeRef::Tag(t) => {
                            let t = ExternType::Tag(sig(&types, t.func_type_idx));
                            tags.push(t.clone());
                            t
                        }
                    };
                    info.imports.push(ImportInfo {
                        module: imp.module.to_string(),
                        name: imp.name.to_string(),
                        ty,
                    });
                }
            }
            Payload::FunctionSection(r) => {
                for f in r {
                    funcs.push(f?);
                }
            }
            Payload::TableSection(r) => {
                for t in r {
                    tables.push(table_type(&t?.ty));
                }
            }
            Payload::MemorySection(r) => {
                for m in r {
                    memories.push(memory_type(&m?));
                }
            }
            Payload::GlobalSection(r) => {
                for g in r {
                    globals.push(global_type(&g?.ty));
                }
            }
            Payload::TagSection(r) => {
                for t in r {
                    tags.push(ExternType::Tag(sig(&types, t?.func_type_idx)));
                }
            }
            Payload::ExportSection(r) => {
                for e in r {
                    let e = e?;
                    raw_exports.push((e.name.to_string(), e.kind, e.index));
                }
            }
            Payload::StartSection { func, .. } => info.start = Some(func),
            Payload::CustomSection(c) => {
                info.custom_sections.push(CustomSectionInfo {
                    name: c.name().to_string(),
                    size: c.data().len(),
                });
                if let wasmparser::KnownCustom::Name(names) = c.as_known() {
                    // A malformed name section is ignored, as engines do.
                    for n in names.into_iter().flatten() {
                        match n {
                            wasmparser::Name::Function(map) => {
                                for naming in map.into_iter().flatten() {
                                    info.func_names
                                        .insert(naming.index, naming.name.to_string());
                                }
                            }
                            wasmparser::Name::Module { name, .. } => {
                                info.name = Some(name.to_string())
                            }
                            _ => {}
                        }
                    }
                }
            }
            _ => {}
        }
    }
    for (name, kind, index) in raw_exports {
        use wasmparser::ExternalKind as K;
        let i = index as usize;
        let missing = || ExternType::Func(FuncSig::default());
        if matches!(kind, K::Func | K::FuncExact) {
            info.func_exports
                .entry(index)
                .or_insert_with(|| name.clone());
        }
        let ty = match kind {
            K::Func | K::FuncExact => funcs
                .get(i)
                .map(|t| ExternType::Func(sig(&types, *t)))
                .unwrap_or_else(missing),
            K::Table => tables.get(i).cloned().unwrap_or_else(missing),
            K::Memory => memories.get(i).cloned().unwrap_or_else(missing),
            K::Global => globals.get(i).cloned().unwrap_or_else(missing),
            K::Tag => tags.get(i).cloned().unwrap_or_else(missing),
        };
        info.exports.push(ExportInfo { name, ty });
    }
    Ok(info)
}

fn table_type(t: &wasmparser::TableType) -> ExternType {
    ExternType::Table {
        element: ref_type_str(&t.element_type),
        initial: t.initial,
        maximum: t.maximum,
        table64: t.table64,
    }
}

fn memory_type(m: &wasmparser::MemoryType) -> ExternType {
    ExternType::Memory {
        initial: m.initial,
        maximum: m.maximum,
        memory64: m.memory64,
        shared: m.shared,
        page_size: m.page_size_log2.map(|l| 1u64 << l),
    }
}

fn global_type(g: &wasmparser::GlobalType) -> ExternType {
    ExternType::Global {
        ty: val_type_str(&g.content_type),
        mutable: g.mutable,
    }
}
