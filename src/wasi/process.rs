//! The program's view of its process: arguments, environment, `proc_raise` (not
//! supported, as under wasmtime) and `sched_yield`. `proc_exit` is registered by
//! `mod.rs`, since it ends the call instead of returning an errno.

use crate::wasi::Call;
use crate::wasi::errno::{Errno, WasiResult, bad_arg};

/// Writes `items` as NUL-terminated strings into `buf`, with a pointer to each in `ptrs`.
fn write_list(c: &mut Call, items: &[Vec<u8>], ptrs: u32, buf: u32) -> WasiResult<()> {
    let mut at = buf;
    for (i, item) in items.iter().enumerate() {
        let slot = u32::try_from(i)?
            .checked_mul(4)
            .and_then(|o| ptrs.checked_add(o))
            .ok_or(Errno::Overflow)?;
        c.mem.write_u32(slot, at)?;
        c.mem.write(at, item)?;
        let end = at
            .checked_add(u32::try_from(item.len())?)
            .ok_or(Errno::Overflow)?;
        c.mem.write_u8(end, 0)?;
        at = end + 1;
    }
    Ok(())
}

fn sizes(c: &mut Call, items: &[Vec<u8>], count: u32, size: u32) -> WasiResult<()> {
    let n = u32::try_from(items.len())?;
    let total = u32::try_from(items.iter().map(|a| a.len() + 1).sum::<usize>())?;
    c.mem.write_u32(count, n)?;
    c.mem.write_u32(size, total)
}

fn args(c: &Call) -> Vec<Vec<u8>> {
    c.cx.args.iter().map(|a| a.as_bytes().to_vec()).collect()
}

fn environ(c: &Call) -> Vec<Vec<u8>> {
    c.cx.env
        .iter()
        .map(|(k, v)| format!("{k}={v}").into_bytes())
        .collect()
}

pub(crate) fn args_get(c: &mut Call, argv: u32, buf: u32) -> WasiResult<()> {
    let items = args(c);
    write_list(c, &items, argv, buf)
}

pub(crate) fn args_sizes_get(c: &mut Call, count: u32, size: u32) -> WasiResult<()> {
    let items = args(c);
    sizes(c, &items, count, size)
}

pub(crate) fn environ_get(c: &mut Call, environ_ptr: u32, buf: u32) -> WasiResult<()> {
    let items = environ(c);
    write_list(c, &items, environ_ptr, buf)
}

pub(crate) fn environ_sizes_get(c: &mut Call, count: u32, size: u32) -> WasiResult<()> {
    let items = environ(c);
    sizes(c, &items, count, size)
}

pub(crate) fn proc_raise(_c: &mut Call, sig: u32) -> WasiResult<()> {
    // `signal` is an enum of 31 values; anything else is not one.
    if sig > 30 {
        return Err(bad_arg("signal", sig));
    }
    Err(Errno::Notsup.into())
}

pub(crate) fn sched_yield(_c: &mut Call) -> WasiResult<()> {
    std::thread::yield_now();
    Ok(())
}
