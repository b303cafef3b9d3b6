//! Calling Wasm plugin exports with plugin values (`docs/plugin-abi.md`).
//!
//! - **JSON ABI**: when the module exports `alloc(len: i32) -> i32`, every export of type
//!   `(i32, i32) -> i64` takes its input as JSON text: the host calls `alloc(len)`, copies
//!   the input there and calls `f(ptr, len)`. The result packs the output's place,
//!   `ptr << 32 | len`; bit 31 of `len` set means the bytes are an error message. If the
//!   module exports `dealloc(ptr: i32, len: i32)`, the host calls it for the input after
//!   the call and for the output once it has copied it.
//! - **Numeric** exports (any other signature of numbers) take their arguments from a JSON
//!   array (`[1, 2]`; `null` or `[]` for none) and return a number, an array of numbers
//!   for several results, or `null` for none.
//!
//! One plugin call is one call into the runtime ([`crate::Runtime::as_one_call`]): its
//! time limit covers `alloc`, the export and `dealloc` together.

use crate::plugins::bindings::ERROR_FLAG;
use crate::value::{Number, Value};
use crate::wasm::{ExternType, FuncSig, ModuleInfo, Val};
use crate::{Instance, Runtime};

/// The exports that are part of the ABI itself, not entry points.
const PLUMBING: &[&str] = &["alloc", "dealloc", "_initialize", "_start"];

/// How an export is called.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Entry {
    Json,
    Numeric(FuncSig),
}

/// Why an ABI call failed, apart from the runtime's own errors.
#[derive(Debug)]
pub(crate) enum AbiFailure {
    /// The runtime failed (trap, limit, ...).
    Runtime(crate::Error),
    /// The input does not fit the export.
    Input(String),
    /// The plugin broke the ABI.
    Broken(String),
    /// The export returned an error result.
    Returned(String),
}

impl From<crate::Error> for AbiFailure {
    fn from(e: crate::Error) -> Self {
        AbiFailure::Runtime(e)
    }
}

fn func_sig<'a>(info: &'a ModuleInfo, name: &str) -> Option<&'a FuncSig> {
    match &info.export(name)?.ty {
        ExternType::Func(sig) => Some(sig),
        _ => None,
    }
}

fn is_sig(
    sig: Option<&FuncSig>,
    params: &[wasmparser::ValType],
    results: &[wasmparser::ValType],
) -> bool {
    sig.is_some_and(|s| s.params == params && s.results == results)
}

/// The entry points of a module, in export order.
pub(crate) fn entries(info: &ModuleInfo) -> Vec<(String, Entry)> {
    use wasmparser::ValType::{F32, F64, I32, I64};
    let json_abi = is_sig(func_sig(info, "alloc"), &[I32], &[I32]);
    info.exports
        .iter()
        .filter(|e| !PLUMBING.contains(&e.name.as_str()))
        .filter_map(|e| {
            let ExternType::Func(sig) = &e.ty else {
                return None;
            };
            if json_abi && sig.params == [I32, I32] && sig.results == [I64] {
                return Some((e.name.clone(), Entry::Json));
            }
            let numeric = |t: &wasmparser::ValType| matches!(t, I32 | I64 | F32 | F64);
            (sig.params.iter().all(numeric) && sig.results.iter().all(numeric))
                .then(|| (e.name.clone(), Entry::Numeric(sig.clone())))
        })
        .collect()
}

/// Whether the module exports `dealloc(ptr, len)`.
fn has_dealloc(info: &ModuleInfo) -> bool {
    use wasmparser::ValType::I32;
    is_sig(func_sig(info, "dealloc"), &[I32, I32], &[])
}

/// Calls `export` of `instance` with `input`, as `entry` says.
pub(crate) async fn call(
    rt: &mut Runtime,
    instance: &Instance,
    export: &str,
    entry: &Entry,
    input: Value,
) -> Result<Value, AbiFailure> {
    match entry {
        Entry::Numeric(sig) => {
            let args = numeric_args(sig, &input).map_err(AbiFailure::Input)?;
            let f = instance.func(export)?;
            let out = rt.call_async(&f, &args).await?;
            Ok(numeric_result(&out))
        }
        Entry::Json => {
            let bytes = input.to_json_bytes();
            // The ABI's own failures travel inside the runtime's `Ok`, so that the
            // runtime's errors (a limit) win over them.
            rt.as_one_call(async |rt| Ok(json_call(rt, instance, export, &bytes).await))
                .await?
        }
    }
}

async fn json_call(
    rt: &mut Runtime,
    instance: &Instance,
    export: &str,
    input: &[u8],
) -> Result<Value, AbiFailure> {
    let len = i32::try_from(input.len())
        .map_err(|_| AbiFailure::Input("the input's JSON is 2 GiB or larger".into()))?;
    let alloc = instance.func("alloc")?;
    let ptr = match rt.call_async(&alloc, &[Val::I32(len)]).await?.as_slice() {
        [Val::I32(p)] => *p as u32,
        other => return Err(AbiFailure::Broken(format!("alloc returned {other:?}"))),
    };
    rt.with_memory(instance, |mem| write(mem, ptr, input))?
        .map_err(|why| AbiFailure::Broken(format!("alloc({len}) returned {ptr:#x}: {why}")))?;
    let f = instance.func(export)?;
    let packed = match rt
        .call_async(&f, &[Val::I32(ptr as i32), Val::I32(len)])
        .await?
        .as_slice()
    {
        [Val::I64(r)] => *r as u64,
        other => return Err(AbiFailure::Broken(format!("{export} returned {other:?}"))),
    };
    let out_ptr = (packed >> 32) as u32;
    let low = packed as u32;
    let failed = low & ERROR_FLAG != 0;
    let out_len = low & !ERROR_FLAG;
    let out = rt
        .with_memory(instance, |mem| read(mem, out_ptr, out_len))?
        .map_err(|why| {
            AbiFailure::Broken(format!(
                "its result ({out_ptr:#x}, {out_len} bytes) is not in its memory: {why}"
            ))
        })?;
    if has_dealloc(instance.info()) {
        let dealloc = instance.func("dealloc")?;
        rt.call_async(&dealloc, &[Val::I32(ptr as i32), Val::I32(len)])
            .await?;
        rt.call_async(
            &dealloc,
            &[Val::I32(out_ptr as i32), Val::I32(out_len as i32)],
        )
        .await?;
    }
    if failed {
        return Err(AbiFailure::Returned(
            String::from_utf8_lossy(&out).into_owned(),
        ));
    }
    let json: serde_json::Value = serde_json::from_slice(&out)
        .map_err(|e| AbiFailure::Broken(format!("its result is not JSON: {e}")))?;
    Ok(Value::from(json))
}

fn write(mem: &mut [u8], ptr: u32, bytes: &[u8]) -> Result<(), String> {
    let start = ptr as usize;
    let end = start
        .checked_add(bytes.len())
        .filter(|e| *e <= mem.len())
        .ok_or_else(|| {
            format!(
                "{} bytes there are past the memory's {} bytes",
                bytes.len(),
                mem.len()
            )
        })?;
    mem[start..end].copy_from_slice(bytes);
    Ok(())
}

fn read(mem: &[u8], ptr: u32, len: u32) -> Result<Vec<u8>, String> {
    let start = ptr as usize;
    let end = start
        .checked_add(len as usize)
        .filter(|e| *e <= mem.len())
        .ok_or_else(|| format!("the memory has {} bytes", mem.len()))?;
    Ok(mem[start..end].to_vec())
}

/// A numeric export's arguments from a JSON array (`null` for none).
fn numeric_args(sig: &FuncSig, input: &Value) -> Result<Vec<Val>, String> {
    let items: &[Value] = match input {
        Value::Array(a) => a,
        Value::Null => &[],
        other => {
            return Err(format!(
                "a numeric export takes its arguments as a JSON array ({}), not {}",
                sig,
                crate::value::kind_name(other)
            ));
        }
    };
    if items.len() != sig.params.len() {
        return Err(format!(
            "it takes {} argument{} ({sig}), got {}",
            sig.params.len(),
            if sig.params.len() == 1 { "" } else { "s" },
            items.len()
        ));
    }
    sig.params
        .iter()
        .zip(items)
        .enumerate()
        .map(|(i, (ty, v))| {
            let n = match v {
                Value::Number(n) => n,
                other => {
                    return Err(format!(
                        "argument {} must be a number, not {}",
                        i + 1,
                        crate::value::kind_name(other)
                    ));
                }
            };
            let int = || {
                n.as_i64()
                    .or_else(|| n.as_u64().map(|u| u as i64))
                    .ok_or_else(|| format!("argument {} must be an integer, not {n}", i + 1))
            };
            Ok(match ty {
                wasmparser::ValType::I32 => {
                    let x = int()?;
                    // Accept the unsigned range too: i32 is sign-agnostic.
                    let x = i32::try_from(x)
                        .or_else(|_| u32::try_from(x).map(|u| u as i32))
                        .map_err(|_| format!("argument {} ({x}) does not fit an i32", i + 1))?;
                    Val::I32(x)
                }
                wasmparser::ValType::I64 => Val::I64(int()?),
                wasmparser::ValType::F32 => Val::F32(n.as_f64().unwrap_or(f64::NAN) as f32),
                _ => Val::F64(n.as_f64().unwrap_or(f64::NAN)),
            })
        })
        .collect()
}

fn numeric_result(vals: &[Val]) -> Value {
    let one = |v: &Val| match *v {
        Val::I32(x) => Value::Number(Number::from(x)),
        Val::I64(x) => Value::Number(Number::from(x)),
        Val::F32(x) => Value::from_f64(f64::from(x)),
        Val::F64(x) => Value::from_f64(x),
        _ => Value::Null,
    };
    match vals {
        [] => Value::Null,
        [v] => one(v),
        vs => Value::Array(vs.iter().map(one).collect()),
    }
}
