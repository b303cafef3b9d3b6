//! Values as the `.wast` runner sees them after a call, and matching them against the
//! script's expected results (`assert_return` patterns: NaN classes, v128 lanes, references).

use std::fmt;

use wast::core::{AbstractHeapType as A, HeapType, NanPattern, V128Pattern, WastRetCore};

use crate::wast::wrapper::Carrier;

/// A result value, bit-exact.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum RVal {
    I32(i32),
    I64(i64),
    /// f32 bits.
    F32(u32),
    /// f64 bits.
    F64(u64),
    V128(u128),
    Ref(RefVal),
}

/// A reference result: its hierarchy, null-ness and what could be learned about it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct RefVal {
    /// `Func`, `Extern`, `Any` or `Exn`.
    pub top: Carrier,
    pub null: bool,
    /// For `Any`: 1 i31, 2 struct, 3 array, 4 other (host); 0 when null or unknown.
    pub class: u8,
    /// The host value (`ref.extern N` / `ref.host N`) it holds, when it holds one.
    pub host: Option<u32>,
}

impl fmt::Display for RVal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RVal::I32(x) => write!(f, "i32:{x}"),
            RVal::I64(x) => write!(f, "i64:{x}"),
            RVal::F32(b) => write!(f, "f32:{} ({b:#010x})", f32::from_bits(*b)),
            RVal::F64(b) => write!(f, "f64:{} ({b:#018x})", f64::from_bits(*b)),
            RVal::V128(v) => write!(f, "v128:{v:#034x}"),
            RVal::Ref(r) => {
                let top = match r.top {
                    Carrier::Func => "func",
                    Carrier::Extern => "extern",
                    Carrier::Any => "any",
                    Carrier::Exn => "exn",
                    _ => "?",
                };
                if r.null {
                    return write!(f, "ref.null {top}");
                }
                let class = match (r.top, r.class) {
                    (Carrier::Any, 1) => " i31",
                    (Carrier::Any, 2) => " struct",
                    (Carrier::Any, 3) => " array",
                    _ => "",
                };
                match r.host {
                    Some(h) => write!(f, "ref.{top}{class} (host {h})"),
                    None => write!(f, "ref.{top}{class}"),
                }
            }
        }
    }
}

/// Checks `actual` against an expected pattern; `Err` says why not.
pub(crate) fn matches(actual: &RVal, expected: &WastRetCore) -> Result<(), String> {
    let ok = match (actual, expected) {
        (RVal::I32(a), WastRetCore::I32(e)) => a == e,
        (RVal::I64(a), WastRetCore::I64(e)) => a == e,
        (RVal::F32(a), WastRetCore::F32(p)) => f32_matches(*a, p),
        (RVal::F64(a), WastRetCore::F64(p)) => f64_matches(*a, p),
        (RVal::V128(a), WastRetCore::V128(p)) => v128_matches(*a, p),
        (RVal::Ref(r), e) => ref_matches(r, e)?,
        (_, WastRetCore::Either(alts)) => alts.iter().any(|e| matches(actual, e).is_ok()),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!("got {actual}, expected {}", describe(expected)))
    }
}

fn ref_matches(r: &RefVal, e: &WastRetCore) -> Result<bool, String> {
    Ok(match e {
        WastRetCore::RefNull(ty) => r.null && ty.as_ref().is_none_or(|t| same_hierarchy(r.top, t)),
        WastRetCore::RefExtern(n) => {
            // A non-null externref; with a payload, the same host value.
            !r.null && r.top == Carrier::Extern && n.is_none_or(|n| r.host == Some(n))
        }
        WastRetCore::RefHost(n) => !r.null && r.host == Some(*n),
        WastRetCore::RefFunc(_) => !r.null && r.top == Carrier::Func,
        WastRetCore::RefAny => !r.null && r.top == Carrier::Any,
        WastRetCore::RefEq => !r.null && r.top == Carrier::Any && matches!(r.class, 1..=3),
        WastRetCore::RefI31 => !r.null && r.top == Carrier::Any && r.class == 1,
        WastRetCore::RefStruct => !r.null && r.top == Carrier::Any && r.class == 2,
        WastRetCore::RefArray => !r.null && r.top == Carrier::Any && r.class == 3,
        WastRetCore::RefI31Shared => {
            return Err("shared i31 references need the shared-everything proposal".into());
        }
        WastRetCore::Either(alts) => alts.iter().any(|e| ref_matches(r, e).unwrap_or(false)),
        _ => false,
    })
}

/// Whether a null of hierarchy `top` matches `(ref.null ty)`. Concrete type indices are
/// accepted for any hierarchy (the runner does not resolve the script's type names).
fn same_hierarchy(top: Carrier, ty: &HeapType) -> bool {
    match ty {
        HeapType::Abstract { ty, .. } => {
            let want = match ty {
                A::Func | A::NoFunc => Carrier::Func,
                A::Extern | A::NoExtern => Carrier::Extern,
                A::Exn | A::NoExn => Carrier::Exn,
                A::Cont | A::NoCont => Carrier::Opaque,
                A::Any | A::Eq | A::Struct | A::Array | A::I31 | A::None => Carrier::Any,
            };
            want == top
        }
        _ => true,
    }
}

fn f32_matches(bits: u32, p: &NanPattern<wast::token::F32>) -> bool {
    match p {
        NanPattern::CanonicalNan => bits & 0x7fff_ffff == 0x7fc0_0000,
        NanPattern::ArithmeticNan => bits & 0x7fc0_0000 == 0x7fc0_0000,
        NanPattern::Value(v) => bits == v.bits,
    }
}

fn f64_matches(bits: u64, p: &NanPattern<wast::token::F64>) -> bool {
    match p {
        NanPattern::CanonicalNan => bits & 0x7fff_ffff_ffff_ffff == 0x7ff8_0000_0000_0000,
        NanPattern::ArithmeticNan => bits & 0x7ff8_0000_0000_0000 == 0x7ff8_0000_0000_0000,
        NanPattern::Value(v) => bits == v.bits,
    }
}

fn v128_matches(v: u128, p: &V128Pattern) -> bool {
    let b = v.to_le_bytes();
    match p {
        V128Pattern::I8x16(l) => l.iter().enumerate().all(|(i, x)| b[i] == *x as u8),
        V128Pattern::I16x8(l) => l
            .iter()
            .enumerate()
            .all(|(i, x)| u16::from_le_bytes([b[2 * i], b[2 * i + 1]]) == *x as u16),
        V128Pattern::I32x4(l) => l
            .iter()
            .enumerate()
            .all(|(i, x)| lane32(&b, i) == *x as u32),
        V128Pattern::I64x2(l) => l
            .iter()
            .enumerate()
            .all(|(i, x)| lane64(&b, i) == *x as u64),
        V128Pattern::F32x4(l) => l
            .iter()
            .enumerate()
            .all(|(i, p)| f32_matches(lane32(&b, i), p)),
        V128Pattern::F64x2(l) => l
            .iter()
            .enumerate()
            .all(|(i, p)| f64_matches(lane64(&b, i), p)),
    }
}

fn lane32(b: &[u8; 16], i: usize) -> u32 {
    u32::from_le_bytes([b[4 * i], b[4 * i + 1], b[4 * i + 2], b[4 * i + 3]])
}

fn lane64(b: &[u8; 16], i: usize) -> u64 {
    let mut x = [0u8; 8];
    x.copy_from_slice(&b[8 * i..8 * i + 8]);
    u64::from_le_bytes(x)
}

fn nan_str<T>(p: &NanPattern<T>, val: impl Fn(&T) -> String) -> String {
    match p {
        NanPattern::CanonicalNan => "nan:canonical".into(),
        NanPattern::ArithmeticNan => "nan:arithmetic".into(),
        NanPattern::Value(v) => val(v),
    }
}

/// The expected pattern in a short form for failure messages.
pub(crate) fn describe(e: &WastRetCore) -> String {
    let f32s = |v: &wast::token::F32| format!("{} ({:#010x})", f32::from_bits(v.bits), v.bits);
    let f64s = |v: &wast::token::F64| format!("{} ({:#018x})", f64::from_bits(v.bits), v.bits);
    match e {
        WastRetCore::I32(x) => format!("i32:{x}"),
        WastRetCore::I64(x) => format!("i64:{x}"),
        WastRetCore::F32(p) => format!("f32:{}", nan_str(p, f32s)),
        WastRetCore::F64(p) => format!("f64:{}", nan_str(p, f64s)),
        WastRetCore::V128(p) => format!("v128:{p:?}"),
        WastRetCore::RefNull(t) => match t {
            Some(t) => format!("ref.null {t:?}"),
            None => "ref.null".into(),
        },
        WastRetCore::RefExtern(n) => format!("ref.extern {n:?}"),
        WastRetCore::RefHost(n) => format!("ref.host {n}"),
        WastRetCore::RefFunc(_) => "ref.func".into(),
        WastRetCore::RefAny => "ref.any".into(),
        WastRetCore::RefEq => "ref.eq".into(),
        WastRetCore::RefArray => "ref.array".into(),
        WastRetCore::RefStruct => "ref.struct".into(),
        WastRetCore::RefI31 => "ref.i31".into(),
        WastRetCore::RefI31Shared => "ref.i31_shared".into(),
        WastRetCore::Either(alts) => format!(
            "either({})",
            alts.iter().map(describe).collect::<Vec<_>>().join(" | ")
        ),
    }
}
