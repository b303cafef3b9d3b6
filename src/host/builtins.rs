//! The built-in `host:` set the CLI offers: `host:console`, `host:time`, `host:random` and
//! `host:env` (environment variables only with permission).

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use super::{Caller, Linker};
use crate::{Permissions, Stream};

fn write_from_memory(
    mut caller: Caller<'_>,
    stream: Stream,
    ptr: u32,
    len: u32,
) -> Result<(), String> {
    let mut text = caller
        .memory()?
        .read_string(u64::from(ptr), u64::from(len))?;
    text.push('\n');
    caller.write_output(stream, text.as_bytes());
    Ok(())
}

/// Adds the built-in host modules to `linker`. Wasm imports them as `"host:console"` etc.;
/// JS imports them from the same specifiers.
///
/// - `host:console`: `log(ptr: i32, len: i32)`, `error(ptr, len)` print a UTF-8 string read
///   from the caller's memory, plus `print(s: string)` for JS.
/// - `host:time`: `now_ms() -> f64` (Unix time), `monotonic_ns() -> i64`.
/// - `host:random`: `f64() -> f64` in [0, 1), `u32() -> i32`, `fill(ptr, len)` fills memory.
/// - `host:env`: `get(name_ptr, name_len, buf_ptr, buf_len) -> i32` copies the variable's
///   value into the buffer and returns its full length (-1 when unset), and `var(name) ->
///   string | null` for JS. Both fail with `PermissionDenied` unless `permissions` grant
///   the environment: the same grant `process.env` is checked against.
///
/// # Errors
/// [`crate::Error::AlreadyDefined`] if `linker` already defines one of these names.
pub fn add_builtins(linker: &mut Linker, permissions: &Permissions) -> crate::Result<()> {
    linker.func(
        "host:console",
        "log",
        |c: Caller<'_>, ptr: u32, len: u32| write_from_memory(c, Stream::Stdout, ptr, len),
    )?;
    linker.func(
        "host:console",
        "error",
        |c: Caller<'_>, ptr: u32, len: u32| write_from_memory(c, Stream::Stderr, ptr, len),
    )?;
    linker.func("host:console", "print", |mut c: Caller<'_>, s: String| {
        c.write_output(Stream::Stdout, format!("{s}\n").as_bytes());
    })?;

    linker.func("host:time", "now_ms", || {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or(0.0)
    })?;
    let start = Instant::now();
    linker.func("host:time", "monotonic_ns", move || {
        start.elapsed().as_nanos() as i64
    })?;

    linker.func("host:random", "f64", || {
        let mut b = [0u8; 8];
        getrandom::fill(&mut b)
            .map(|_| (u64::from_le_bytes(b) >> 11) as f64 / (1u64 << 53) as f64)
            .map_err(|e| e.to_string())
    })?;
    linker.func("host:random", "u32", || {
        let mut b = [0u8; 4];
        getrandom::fill(&mut b)
            .map(|_| i32::from_le_bytes(b))
            .map_err(|e| e.to_string())
    })?;
    linker.func(
        "host:random",
        "fill",
        |mut c: Caller<'_>, ptr: u32, len: u32| -> Result<(), String> {
            let mut b = vec![0u8; len as usize];
            getrandom::fill(&mut b).map_err(|e| e.to_string())?;
            c.memory()?.write(u64::from(ptr), &b)
        },
    )?;

    let env = permissions.clone();
    let check = move |name: &str| {
        env.check_env(name)
            .map_err(|e| format!("PermissionDenied: {e}"))
    };
    let check2 = check.clone();
    linker.func(
        "host:env",
        "get",
        move |mut c: Caller<'_>,
              name_ptr: u32,
              name_len: u32,
              buf_ptr: u32,
              buf_len: u32|
              -> Result<i32, String> {
            let mut mem = c.memory()?;
            let name = mem.read_string(u64::from(name_ptr), u64::from(name_len))?;
            check(&name)?;
            let Ok(value) = std::env::var(&name) else {
                return Ok(-1);
            };
            let bytes = value.as_bytes();
            let n = bytes.len().min(buf_len as usize);
            mem.write(u64::from(buf_ptr), &bytes[..n])?;
            i32::try_from(bytes.len()).map_err(|_| "value too long".to_string())
        },
    )?;
    linker.func(
        "host:env",
        "var",
        move |name: String| -> Result<Option<String>, String> {
            check2(&name)?;
            Ok(std::env::var(name).ok())
        },
    )?;
    Ok(())
}
