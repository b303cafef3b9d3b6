//! The `path_*` calls: every one resolves its path below a directory descriptor through
//! [`Sandbox`], so nothing outside a preopen is reachable; a read-only preopen refuses
//! every change with `EPERM`, as wasmtime's does.

use crate::wasi::Call;
use crate::wasi::abi::{LOOKUP_SYMLINK_FOLLOW, fdflags, oflags, rights};
use crate::wasi::errno::{Errno, WasiResult, bad_arg};
use crate::wasi::fds::{Desc, DirFd, FileFd, new_times, write_stat};
use crate::wasi::sandbox::{OpenHow, Opened, Sandbox};

fn lookup_follow(flags: u32) -> WasiResult<bool> {
    if flags & !LOOKUP_SYMLINK_FOLLOW != 0 {
        return Err(bad_arg("lookupflags", flags));
    }
    Ok(flags & LOOKUP_SYMLINK_FOLLOW != 0)
}

/// The path argument, owned (the memory borrow ends before the file system is touched).
fn path(c: &Call, ptr: u32, len: u32) -> WasiResult<String> {
    c.mem.str(ptr, len).map(str::to_string)
}

/// A directory that may be changed: `EPERM` below a read-only preopen.
fn writable(d: &DirFd) -> WasiResult<&DirFd> {
    if d.read_only {
        return Err(Errno::Perm.into());
    }
    Ok(d)
}

pub(crate) fn path_create_directory(c: &mut Call, fd: u32, p: u32, len: u32) -> WasiResult<()> {
    c.cx.fds.dir(fd)?;
    let p = path(c, p, len)?;
    Ok(writable(c.cx.fds.dir(fd)?)?.dir.mkdir(&p)?)
}

pub(crate) fn path_filestat_get(
    c: &mut Call,
    fd: u32,
    flags: u32,
    p: u32,
    len: u32,
    out: u32,
) -> WasiResult<()> {
    let follow = lookup_follow(flags)?;
    c.cx.fds.dir(fd)?;
    let p = path(c, p, len)?;
    let stat = c.cx.fds.dir(fd)?.dir.stat_at(&p, follow)?;
    write_stat(c, out, &stat)
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn path_filestat_set_times(
    c: &mut Call,
    fd: u32,
    flags: u32,
    p: u32,
    len: u32,
    atim: u64,
    mtim: u64,
    fst: u32,
) -> WasiResult<()> {
    let follow = lookup_follow(flags)?;
    let (atim, mtim) = new_times(atim, mtim, fst)?;
    c.cx.fds.dir(fd)?;
    let p = path(c, p, len)?;
    Ok(writable(c.cx.fds.dir(fd)?)?
        .dir
        .set_times_at(&p, follow, atim, mtim)?)
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn path_link(
    c: &mut Call,
    old_fd: u32,
    flags: u32,
    old: u32,
    old_len: u32,
    new_fd: u32,
    new: u32,
    new_len: u32,
) -> WasiResult<()> {
    let follow = lookup_follow(flags)?;
    c.cx.fds.dir(old_fd)?;
    c.cx.fds.dir(new_fd)?;
    let old = path(c, old, old_len)?;
    let new = path(c, new, new_len)?;
    let (from, to) = (c.cx.fds.dir(old_fd)?, c.cx.fds.dir(new_fd)?);
    writable(from)?;
    writable(to)?;
    if follow {
        return Err(Errno::Inval.into());
    }
    Ok(from.dir.link_to(&old, &to.dir, &new)?)
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn path_open(
    c: &mut Call,
    fd: u32,
    dirflags: u32,
    p: u32,
    len: u32,
    oflags: u32,
    base: u64,
    inheriting: u64,
    fdflags: u32,
    out: u32,
) -> WasiResult<()> {
    let follow = lookup_follow(dirflags)?;
    let oflags = u16::try_from(oflags)
        .ok()
        .filter(|o| o & !oflags::ALL == 0)
        .ok_or_else(|| bad_arg("oflags", oflags))?;
    if (base | inheriting) & !rights::ALL != 0 {
        return Err(bad_arg("rights", base | inheriting));
    }
    let fdflags = u16::try_from(fdflags)
        .ok()
        .filter(|f| f & !fdflags::ALL == 0)
        .ok_or_else(|| bad_arg("fdflags", fdflags))?;
    let p = path(c, p, len)?;
    let d = match c.cx.fds.get(fd)? {
        Desc::Dir(d) => d,
        Desc::File(_) => return Err(Errno::Notdir.into()),
        _ => return Err(Errno::Badf.into()),
    };
    // The open mode follows wasmtime: the read and write rights ask for them, creating or
    // truncating needs writing, and a file asked for neither is opened for reading.
    let mut how = OpenHow {
        follow,
        ..OpenHow::default()
    };
    if oflags & oflags::CREAT != 0 {
        how.create = true;
        how.exclusive = oflags & oflags::EXCL != 0;
        how.write = true;
    }
    if oflags & oflags::TRUNC != 0 {
        how.truncate = true;
        how.write = true;
    }
    if base & rights::FD_READ != 0 {
        how.read = true;
    }
    if base & rights::FD_WRITE != 0 {
        how.write = true;
    } else {
        how.read = true;
    }
    if fdflags & (fdflags::SYNC | fdflags::DSYNC | fdflags::RSYNC) != 0 {
        return Err(Errno::Notsup.into());
    }
    let directory = oflags & oflags::DIRECTORY != 0;
    if directory && oflags & (oflags::CREAT | oflags::EXCL | oflags::TRUNC) != 0 {
        return Err(Errno::Inval.into());
    }
    if d.read_only && how.write {
        return Err(Errno::Perm.into());
    }
    let read_only = d.read_only;
    let desc = match d.dir.open_at(&p, how)? {
        Opened::Dir(dir) => Desc::Dir(DirFd {
            dir,
            preopen: None,
            read: how.read,
            read_only,
        }),
        Opened::File(_) if directory => return Err(Errno::Notdir.into()),
        Opened::File(file) => Desc::File(FileFd {
            file,
            pos: 0,
            append: fdflags & fdflags::APPEND != 0,
            nonblock: fdflags & fdflags::NONBLOCK != 0,
            read: how.read,
            write: how.write,
            read_only,
        }),
    };
    // Check the result pointer before taking a descriptor, so a trap leaks nothing.
    c.mem.check(out, 4, 4)?;
    let new = c.cx.fds.push(desc)?;
    c.mem.write_u32(out, new)
}

pub(crate) fn path_readlink(
    c: &mut Call,
    fd: u32,
    p: u32,
    len: u32,
    buf: u32,
    buf_len: u32,
    used: u32,
) -> WasiResult<()> {
    c.cx.fds.dir(fd)?;
    let p = path(c, p, len)?;
    let target = c.cx.fds.dir(fd)?.dir.link_target(&p)?;
    let target = target.into_string().map_err(|_| Errno::Ilseq)?;
    let bytes = &target.as_bytes()[..target.len().min(buf_len as usize)];
    c.mem.write(buf, bytes)?;
    c.mem.write_u32(used, u32::try_from(bytes.len())?)
}

pub(crate) fn path_remove_directory(c: &mut Call, fd: u32, p: u32, len: u32) -> WasiResult<()> {
    c.cx.fds.dir(fd)?;
    let p = path(c, p, len)?;
    Ok(writable(c.cx.fds.dir(fd)?)?.dir.rmdir(&p)?)
}

pub(crate) fn path_rename(
    c: &mut Call,
    old_fd: u32,
    old: u32,
    old_len: u32,
    new_fd: u32,
    new: u32,
    new_len: u32,
) -> WasiResult<()> {
    c.cx.fds.dir(old_fd)?;
    c.cx.fds.dir(new_fd)?;
    let old = path(c, old, old_len)?;
    let new = path(c, new, new_len)?;
    let (from, to) = (c.cx.fds.dir(old_fd)?, c.cx.fds.dir(new_fd)?);
    writable(from)?;
    writable(to)?;
    Ok(from.dir.rename_to(&old, &to.dir, &new)?)
}

pub(crate) fn path_symlink(
    c: &mut Call,
    old: u32,
    old_len: u32,
    fd: u32,
    new: u32,
    new_len: u32,
) -> WasiResult<()> {
    c.cx.fds.dir(fd)?;
    let old = path(c, old, old_len)?;
    let new = path(c, new, new_len)?;
    Ok(writable(c.cx.fds.dir(fd)?)?.dir.symlink_at(&old, &new)?)
}

pub(crate) fn path_unlink_file(c: &mut Call, fd: u32, p: u32, len: u32) -> WasiResult<()> {
    c.cx.fds.dir(fd)?;
    let p = path(c, p, len)?;
    Ok(writable(c.cx.fds.dir(fd)?)?.dir.unlink_at(&p)?)
}
