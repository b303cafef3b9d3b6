//! Bit-exact calls across the JS boundary: per-module type metadata, and the tiny wrapper
//! modules that import a target function (or global) with its exact type and expose a
//! signature JS can carry without loss.
//!
//! V8 calls Wasm exports from Rust only through JS values, and JS loses bits: an `f32`/`f64`
//! NaN payload does not survive a JS `Number`, `v128` and `exnref` cannot cross at all, and a
//! GC reference reaches JS as an opaque object whose kind (struct, array, i31) JS cannot see.
//! A wrapper module is instantiated with the target as its import; Wasm-to-Wasm import calls
//! keep exact types, and the wrapper converts at its own (JS-facing) edge:
//!
//! | target type | wrapper param (JS → Wasm) | wrapper result (Wasm → JS) |
//! |---|---|---|
//! | `f32` / `f64` | `i32` / `i64` bits, `reinterpret` | `i32` / `i64` bits |
//! | `v128` | two `i64` halves (low, high) | two `i64` halves |
//! | any-hierarchy ref (`anyref`, `eqref`, struct, array, i31, concrete) | same type | `anyref` and an `i32` class: 0 null, 1 i31, 2 struct, 3 array, 4 other (host) |
//! | `exnref` | not passable (only `ref.null`, made inside) | `i32`: 1 when null |
//! | everything else | unchanged | unchanged |
//!
//! The import's type must be the target's type exactly (function types are nominal under
//! GC: a non-final type or one inside a recursion group is a different type from a lookalike).
//! When the target's type is a lone, final function type with no concrete references, the
//! wrapper declares that signature itself (so wrappers are shared across modules by
//! signature); otherwise it copies the target module's whole type section and imports the same
//! type index, which canonicalises to the same type.

use std::collections::HashMap;

use wasmparser::{AbstractHeapType as A, HeapType, Payload, RefType, TypeRef, ValType};

/// How one value of the target's type is carried across JS by the wrapper.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Carrier {
    I32,
    I64,
    F32,
    F64,
    V128,
    /// A `funcref`-hierarchy reference: a JS function or `null`.
    Func,
    /// An `externref`-hierarchy reference: any JS value.
    Extern,
    /// An `anyref`-hierarchy reference: the value plus a class code.
    Any,
    /// An `exnref`-hierarchy reference: only null-ness.
    Exn,
    /// A type JS cannot carry at all (continuations).
    Opaque,
}

/// What a module defines that wrappers need: its raw type section and the types of its
/// functions and globals, by index.
#[derive(Debug, Default)]
pub(crate) struct ModuleMeta {
    /// The type section's contents after its count, and the count of recursion groups.
    type_section: Option<(u32, Vec<u8>)>,
    types: Vec<TypeInfo>,
    funcs: Vec<u32>,
    globals: Vec<wasmparser::GlobalType>,
    exports: HashMap<String, (wasmparser::ExternalKind, u32)>,
}

#[derive(Debug, Clone)]
struct TypeInfo {
    /// Alone in its recursion group, final, no supertype, not shared, no descriptor.
    standalone: bool,
    kind: TypeKind,
}

#[derive(Debug, Clone)]
enum TypeKind {
    Func(Vec<ValType>, Vec<ValType>),
    Struct,
    Array,
    Other,
}

/// A signature as the wrapper sees it: the target's exact types.
#[derive(Debug, Clone)]
pub(crate) struct Sig {
    pub params: Vec<ValType>,
    pub results: Vec<ValType>,
}

/// The target a wrapper imports.
pub(crate) enum Target {
    Func { type_index: u32 },
    Global(wasmparser::GlobalType),
}

impl ModuleMeta {
    /// Reads the metadata; bytes V8 already accepted, so errors are unexpected but reported.
    pub fn parse(bytes: &[u8]) -> Result<ModuleMeta, String> {
        let mut m = ModuleMeta::default();
        for payload in wasmparser::Parser::new(0).parse_all(bytes) {
            match payload.map_err(|e| e.to_string())? {
                Payload::TypeSection(r) => {
                    let range = r.range();
                    let raw = bytes
                        .get(range.start as usize..range.end as usize)
                        .ok_or("type section out of range")?;
                    let (count, used) = read_leb_u32(raw).ok_or("bad type section count")?;
                    m.type_section = Some((count, raw[used..].to_vec()));
                    for group in r {
                        let group = group.map_err(|e| e.to_string())?;
                        let lone = group.types().len() == 1;
                        for sub in group.into_types() {
                            let ct = &sub.composite_type;
                            let kind = match &ct.inner {
                                wasmparser::CompositeInnerType::Func(f) => {
                                    TypeKind::Func(f.params().to_vec(), f.results().to_vec())
                                }
                                wasmparser::CompositeInnerType::Struct(_) => TypeKind::Struct,
                                wasmparser::CompositeInnerType::Array(_) => TypeKind::Array,
                                _ => TypeKind::Other,
                            };
                            let standalone = lone
                                && sub.is_final
                                && sub.supertype_idxs.is_empty()
                                && !ct.shared
                                && ct.descriptor_idx.is_none()
                                && ct.describes_idx.is_none();
                            m.types.push(TypeInfo { standalone, kind });
                        }
                    }
                }
                Payload::ImportSection(r) => {
                    for imp in r.into_imports() {
                        match imp.map_err(|e| e.to_string())?.ty {
                            TypeRef::Func(t) | TypeRef::FuncExact(t) => m.funcs.push(t),
                            TypeRef::Global(g) => m.globals.push(g),
                            _ => {}
                        }
                    }
                }
                Payload::FunctionSection(r) => {
                    for f in r {
                        m.funcs.push(f.map_err(|e| e.to_string())?);
                    }
                }
                Payload::GlobalSection(r) => {
                    for g in r {
                        m.globals.push(g.map_err(|e| e.to_string())?.ty);
                    }
                }
                Payload::ExportSection(r) => {
                    for e in r {
                        let e = e.map_err(|e| e.to_string())?;
                        m.exports.insert(e.name.to_string(), (e.kind, e.index));
                    }
                }
                _ => {}
            }
        }
        Ok(m)
    }

    /// The exported function `name`: its type index and signature.
    pub fn export_func(&self, name: &str) -> Result<(u32, Sig), String> {
        use wasmparser::ExternalKind as K;
        match self.exports.get(name) {
            Some((K::Func | K::FuncExact, idx)) => {
                let ty = *self
                    .funcs
                    .get(*idx as usize)
                    .ok_or("function index out of range")?;
                match self.types.get(ty as usize).map(|t| &t.kind) {
                    Some(TypeKind::Func(p, r)) => Ok((
                        ty,
                        Sig {
                            params: p.clone(),
                            results: r.clone(),
                        },
                    )),
                    _ => Err(format!("export \"{name}\" has no function type")),
                }
            }
            Some(_) => Err(format!("export \"{name}\" is not a function")),
            None => Err(format!("unknown export \"{name}\"")),
        }
    }

    /// The exported global `name`'s type.
    pub fn export_global(&self, name: &str) -> Result<wasmparser::GlobalType, String> {
        match self.exports.get(name) {
            Some((wasmparser::ExternalKind::Global, idx)) => self
                .globals
                .get(*idx as usize)
                .copied()
                .ok_or_else(|| "global index out of range".to_string()),
            Some(_) => Err(format!("export \"{name}\" is not a global")),
            None => Err(format!("unknown export \"{name}\"")),
        }
    }

    /// How a value of type `ty` (in this module's type space) crosses JS.
    pub fn carrier(&self, ty: &ValType) -> Carrier {
        match ty {
            ValType::I32 => Carrier::I32,
            ValType::I64 => Carrier::I64,
            ValType::F32 => Carrier::F32,
            ValType::F64 => Carrier::F64,
            ValType::V128 => Carrier::V128,
            ValType::Ref(r) => match r.heap_type() {
                HeapType::Abstract { ty, .. } => match ty {
                    A::Func | A::NoFunc => Carrier::Func,
                    A::Extern | A::NoExtern => Carrier::Extern,
                    A::Exn | A::NoExn => Carrier::Exn,
                    A::Cont | A::NoCont => Carrier::Opaque,
                    A::Any | A::Eq | A::I31 | A::Struct | A::Array | A::None => Carrier::Any,
                },
                HeapType::Concrete(i) | HeapType::Exact(i) => {
                    match i
                        .as_module_index()
                        .and_then(|i| self.types.get(i as usize))
                        .map(|t| &t.kind)
                    {
                        Some(TypeKind::Func(..)) => Carrier::Func,
                        Some(TypeKind::Struct | TypeKind::Array) => Carrier::Any,
                        _ => Carrier::Opaque,
                    }
                }
            },
        }
    }

    /// Whether JS can call a function of this signature directly without losing anything.
    pub fn js_exact(&self, sig: &Sig) -> bool {
        let plain = |t: &ValType| match t {
            ValType::I32 | ValType::I64 => true,
            ValType::Ref(r) => {
                r.is_nullable()
                    && matches!(
                        r.heap_type(),
                        HeapType::Abstract {
                            shared: false,
                            ty: A::Func | A::Extern
                        }
                    )
            }
            _ => false,
        };
        sig.params.iter().all(plain) && sig.results.iter().all(plain)
    }

    /// Builds the wrapper module for `target`, whose signature (for a global: `() -> T`) is
    /// `sig`. The wrapper imports `"t" "f"` (or `"t" "g"`) and exports `"w"`.
    pub fn wrapper(&self, target: &Target, sig: &Sig) -> Result<Vec<u8>, String> {
        let mut enc = Enc::default();
        let needs_module_types = match target {
            Target::Func { type_index } => {
                !self
                    .types
                    .get(*type_index as usize)
                    .is_some_and(|t| t.standalone)
                    || has_concrete(sig)
            }
            Target::Global(g) => has_concrete_val(&g.content_type),
        };
        // Wrapper (JS-facing) signature.
        let mut wparams = Vec::new();
        for p in &sig.params {
            match self.carrier(p) {
                Carrier::F32 => wparams.push(ValType::I32),
                Carrier::F64 => wparams.push(ValType::I64),
                Carrier::V128 => wparams.extend([ValType::I64, ValType::I64]),
                Carrier::Exn => {}
                Carrier::Opaque => return Err(format!("cannot pass a value of type {p:?}")),
                _ => wparams.push(*p),
            }
        }
        let mut wresults = Vec::new();
        for r in &sig.results {
            match self.carrier(r) {
                Carrier::F32 | Carrier::Exn => wresults.push(ValType::I32),
                Carrier::F64 => wresults.push(ValType::I64),
                Carrier::V128 => wresults.extend([ValType::I64, ValType::I64]),
                Carrier::Any => wresults.extend([ValType::Ref(RefType::ANYREF), ValType::I32]),
                Carrier::Opaque => return Err(format!("cannot return a value of type {r:?}")),
                _ => wresults.push(*r),
            }
        }

        // Type section.
        let (target_type, wrapper_type, mut types_content, count) = if needs_module_types {
            let (groups, raw) = self
                .type_section
                .clone()
                .ok_or("module has no type section")?;
            let n = self.types.len() as u32;
            let t = match target {
                Target::Func { type_index } => *type_index,
                Target::Global(_) => u32::MAX,
            };
            (t, n, raw, groups + 1)
        } else {
            let mut raw = Vec::new();
            let mut count = 1;
            if matches!(target, Target::Func { .. }) {
                enc_func_type(&mut raw, &sig.params, &sig.results)?;
                count += 1;
            }
            let (t, w) = if count == 2 { (0, 1) } else { (u32::MAX, 0) };
            (t, w, raw, count)
        };
        enc_func_type(&mut types_content, &wparams, &wresults)?;
        let mut sec = Vec::new();
        leb_u32(&mut sec, count);
        sec.extend_from_slice(&types_content);
        enc.section(1, &sec);

        // Import section.
        let mut sec = Vec::new();
        leb_u32(&mut sec, 1);
        name(&mut sec, "t");
        match target {
            Target::Func { .. } => {
                name(&mut sec, "f");
                sec.push(0x00);
                leb_u32(&mut sec, target_type);
            }
            Target::Global(g) => {
                name(&mut sec, "g");
                sec.push(0x03);
                enc_val_type(&mut sec, &g.content_type)?;
                sec.push(u8::from(g.mutable) | if g.shared { 2 } else { 0 });
            }
        }
        enc.section(2, &sec);

        // Function section: the wrapper is function 1 (0 is the import) or 0 (global).
        let wrapper_index = u32::from(matches!(target, Target::Func { .. }));
        let mut sec = Vec::new();
        leb_u32(&mut sec, 1);
        leb_u32(&mut sec, wrapper_type);
        enc.section(3, &sec);

        // Export section.
        let mut sec = Vec::new();
        leb_u32(&mut sec, 1);
        name(&mut sec, "w");
        sec.push(0x00);
        leb_u32(&mut sec, wrapper_index);
        enc.section(7, &sec);

        // Code section.
        let body = self.body(target, sig, wparams.len() as u32)?;
        let mut sec = Vec::new();
        leb_u32(&mut sec, 1);
        leb_u32(&mut sec, body.len() as u32);
        sec.extend_from_slice(&body);
        enc.section(10, &sec);
        Ok(enc.out)
    }

    fn body(&self, target: &Target, sig: &Sig, nparams: u32) -> Result<Vec<u8>, String> {
        // Locals: one per result, of the result's own type, after the wrapper's params.
        let mut b = Vec::new();
        leb_u32(&mut b, sig.results.len() as u32);
        for r in &sig.results {
            leb_u32(&mut b, 1);
            enc_val_type(&mut b, r)?;
        }
        // Arguments.
        let mut p = 0u32;
        for ty in &sig.params {
            match self.carrier(ty) {
                Carrier::F32 => {
                    local_get(&mut b, p);
                    b.push(0xBE); // f32.reinterpret_i32
                    p += 1;
                }
                Carrier::F64 => {
                    local_get(&mut b, p);
                    b.push(0xBF); // f64.reinterpret_i64
                    p += 1;
                }
                Carrier::V128 => {
                    local_get(&mut b, p);
                    b.extend([0xFD, 0x12]); // i64x2.splat
                    local_get(&mut b, p + 1);
                    b.extend([0xFD, 0x1E, 1]); // i64x2.replace_lane 1
                    p += 2;
                }
                Carrier::Exn => {
                    let ValType::Ref(r) = ty else {
                        return Err("internal: exn carrier without a reference type".into());
                    };
                    if !r.is_nullable() {
                        return Err("a non-null exnref argument cannot be made".into());
                    }
                    b.push(0xD0); // ref.null
                    enc_heap_type(&mut b, &r.heap_type());
                }
                _ => {
                    local_get(&mut b, p);
                    p += 1;
                }
            }
        }
        debug_assert_eq!(p, nparams);
        match target {
            Target::Func { .. } => {
                b.push(0x10); // call 0
                leb_u32(&mut b, 0);
            }
            Target::Global(_) => {
                b.push(0x23); // global.get 0
                leb_u32(&mut b, 0);
            }
        }
        // Results: stash in locals (last on top of the stack), then convert in order.
        for i in (0..sig.results.len() as u32).rev() {
            b.push(0x21); // local.set
            leb_u32(&mut b, nparams + i);
        }
        for (i, ty) in sig.results.iter().enumerate() {
            let l = nparams + i as u32;
            match self.carrier(ty) {
                Carrier::F32 => {
                    local_get(&mut b, l);
                    b.push(0xBC); // i32.reinterpret_f32
                }
                Carrier::F64 => {
                    local_get(&mut b, l);
                    b.push(0xBD); // i64.reinterpret_f64
                }
                Carrier::V128 => {
                    local_get(&mut b, l);
                    b.extend([0xFD, 0x1D, 0]); // i64x2.extract_lane 0
                    local_get(&mut b, l);
                    b.extend([0xFD, 0x1D, 1]);
                }
                Carrier::Exn => {
                    local_get(&mut b, l);
                    b.push(0xD1); // ref.is_null
                }
                Carrier::Any => {
                    local_get(&mut b, l);
                    // class = null ? 0 : i31 ? 1 : struct ? 2 : array ? 3 : 4
                    for c in 0..5u8 {
                        b.extend([0x41, c]); // i32.const c
                    }
                    for ht in [0x6A, 0x6B, 0x6C] {
                        local_get(&mut b, l);
                        b.extend([0xFB, 0x14, ht]); // ref.test (ref ht)
                        b.push(0x1B); // select
                    }
                    local_get(&mut b, l);
                    b.push(0xD1); // ref.is_null
                    b.push(0x1B);
                }
                _ => local_get(&mut b, l),
            }
        }
        b.push(0x0B); // end
        Ok(b)
    }
}

fn has_concrete(sig: &Sig) -> bool {
    sig.params.iter().chain(&sig.results).any(has_concrete_val)
}

fn has_concrete_val(t: &ValType) -> bool {
    matches!(t, ValType::Ref(r) if !matches!(r.heap_type(), HeapType::Abstract { .. }))
}

#[derive(Default)]
struct Enc {
    out: Vec<u8>,
}

impl Enc {
    fn section(&mut self, id: u8, content: &[u8]) {
        if self.out.is_empty() {
            self.out.extend_from_slice(b"\0asm\x01\0\0\0");
        }
        self.out.push(id);
        leb_u32(&mut self.out, content.len() as u32);
        self.out.extend_from_slice(content);
    }
}

fn local_get(b: &mut Vec<u8>, i: u32) {
    b.push(0x20);
    leb_u32(b, i);
}

fn name(out: &mut Vec<u8>, s: &str) {
    leb_u32(out, s.len() as u32);
    out.extend_from_slice(s.as_bytes());
}

fn leb_u32(out: &mut Vec<u8>, mut v: u32) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn leb_s33(out: &mut Vec<u8>, mut v: i64) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        let done = (v == 0 && byte & 0x40 == 0) || (v == -1 && byte & 0x40 != 0);
        if done {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn read_leb_u32(b: &[u8]) -> Option<(u32, usize)> {
    let mut v: u32 = 0;
    for (i, byte) in b.iter().enumerate().take(5) {
        v |= u32::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Some((v, i + 1));
        }
    }
    None
}

fn enc_func_type(out: &mut Vec<u8>, params: &[ValType], results: &[ValType]) -> Result<(), String> {
    out.push(0x60);
    leb_u32(out, params.len() as u32);
    for p in params {
        enc_val_type(out, p)?;
    }
    leb_u32(out, results.len() as u32);
    for r in results {
        enc_val_type(out, r)?;
    }
    Ok(())
}

fn enc_val_type(out: &mut Vec<u8>, t: &ValType) -> Result<(), String> {
    match t {
        ValType::I32 => out.push(0x7F),
        ValType::I64 => out.push(0x7E),
        ValType::F32 => out.push(0x7D),
        ValType::F64 => out.push(0x7C),
        ValType::V128 => out.push(0x7B),
        ValType::Ref(r) => {
            out.push(if r.is_nullable() { 0x63 } else { 0x64 });
            enc_heap_type(out, &r.heap_type());
        }
    }
    Ok(())
}

fn enc_heap_type(out: &mut Vec<u8>, h: &HeapType) {
    match h {
        HeapType::Abstract { shared, ty } => {
            if *shared {
                out.push(0x65);
            }
            out.push(match ty {
                A::Func => 0x70,
                A::Extern => 0x6F,
                A::Any => 0x6E,
                A::Eq => 0x6D,
                A::I31 => 0x6C,
                A::Struct => 0x6B,
                A::Array => 0x6A,
                A::Exn => 0x69,
                A::Cont => 0x68,
                A::None => 0x71,
                A::NoExtern => 0x72,
                A::NoFunc => 0x73,
                A::NoExn => 0x74,
                A::NoCont => 0x75,
            });
        }
        HeapType::Concrete(i) => leb_s33(out, i64::from(i.as_module_index().unwrap_or(0))),
        HeapType::Exact(i) => {
            out.push(0x62);
            leb_u32(out, i.as_module_index().unwrap_or(0));
        }
    }
}
