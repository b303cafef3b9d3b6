//! File descriptors: the table (stdio, preopened and opened directories, files) and every
//! `fd_*` call, plus the `sock_*` calls (no sockets exist, so they only check the fd).
//! Files keep their own position, as wasmtime's do: reads and writes are `pread`/`pwrite`
//! straight between the file and guest memory.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::os::unix::fs::FileExt;

use crate::wasi::abi::{self, fdflags, filetype, fstflags, rights, whence};
use crate::wasi::errno::{Errno, WasiResult, bad_arg};
use crate::wasi::sandbox::{self, NewTime, Sandbox, Stat};
use crate::wasi::{Call, StdinSource};
use crate::{OutputSink, Stream};

/// The directory type WASI works through: cap-std's, behind [`Sandbox`].
pub(crate) type Dir = cap_std::fs::Dir;

/// An open file.
pub(crate) struct FileFd {
    pub file: std::fs::File,
    pub pos: u64,
    pub append: bool,
    pub nonblock: bool,
    pub read: bool,
    pub write: bool,
    /// Opened below a read-only preopen: nothing may change it.
    pub read_only: bool,
}

/// An open directory: a preopen (with its guest name) or one opened below it.
pub(crate) struct DirFd {
    pub dir: Dir,
    pub preopen: Option<String>,
    pub read: bool,
    /// Below a read-only preopen: nothing under it may be created, changed or removed.
    pub read_only: bool,
}

pub(crate) enum Desc {
    Stdin,
    Stdout,
    Stderr,
    File(FileFd),
    Dir(DirFd),
}

/// The descriptor table. Numbers are reused as wasmtime reuses them: the highest freed
/// one first, else one past the highest in use.
#[derive(Default)]
pub(crate) struct FdTable {
    used: BTreeMap<u32, Desc>,
    free: BTreeSet<u32>,
}

impl FdTable {
    pub(crate) fn push(&mut self, d: Desc) -> WasiResult<u32> {
        let fd = match self.free.pop_last() {
            Some(fd) => fd,
            None => match self.used.last_key_value() {
                Some((&last, _)) => last.checked_add(1).ok_or(Errno::Mfile)?,
                None => 0,
            },
        };
        self.used.insert(fd, d);
        Ok(fd)
    }

    pub(crate) fn get(&self, fd: u32) -> WasiResult<&Desc> {
        self.used.get(&fd).ok_or_else(|| Errno::Badf.into())
    }

    fn get_mut(&mut self, fd: u32) -> WasiResult<&mut Desc> {
        self.used.get_mut(&fd).ok_or_else(|| Errno::Badf.into())
    }

    pub(crate) fn file(&self, fd: u32) -> WasiResult<&FileFd> {
        match self.used.get(&fd) {
            Some(Desc::File(f)) => Ok(f),
            _ => Err(Errno::Badf.into()),
        }
    }

    fn file_mut(&mut self, fd: u32) -> WasiResult<&mut FileFd> {
        match self.used.get_mut(&fd) {
            Some(Desc::File(f)) => Ok(f),
            _ => Err(Errno::Badf.into()),
        }
    }

    pub(crate) fn dir(&self, fd: u32) -> WasiResult<&DirFd> {
        match self.used.get(&fd) {
            Some(Desc::Dir(d)) => Ok(d),
            _ => Err(Errno::Badf.into()),
        }
    }

    /// A file that can seek: stdio cannot (`ESPIPE`), a directory is not one (`EBADF`).
    fn seekable(&mut self, fd: u32) -> WasiResult<&mut FileFd> {
        match self.used.get_mut(&fd) {
            Some(Desc::File(f)) => Ok(f),
            Some(Desc::Stdin | Desc::Stdout | Desc::Stderr) => Err(Errno::Spipe.into()),
            _ => Err(Errno::Badf.into()),
        }
    }

    fn remove(&mut self, fd: u32) -> WasiResult<Desc> {
        let d = self.used.remove(&fd).ok_or(Errno::Badf)?;
        self.free.insert(fd);
        Ok(d)
    }
}

fn stdio_filetype(tty: bool) -> u8 {
    if tty {
        filetype::CHARACTER_DEVICE
    } else {
        filetype::UNKNOWN
    }
}

/// Writes `data` to a file as its descriptor says: appended (`O_APPEND` semantics for
/// this one write), or at `pos`.
fn write_file(f: &FileFd, data: &[u8], pos: u64) -> std::io::Result<usize> {
    if f.append {
        append(&f.file, data)
    } else {
        f.file.write_at(data, pos)
    }
}

fn append(file: &std::fs::File, data: &[u8]) -> std::io::Result<usize> {
    use rustix::io::{Errno as E, ReadWriteFlags, pwritev2};
    match pwritev2(
        file,
        &[std::io::IoSlice::new(data)],
        0,
        ReadWriteFlags::APPEND,
    ) {
        Err(E::NOSYS | E::NOTSUP) => {}
        other => return Ok(other?),
    }
    // Kernels before 4.16: switch the file to append mode for this write.
    let old = rustix::fs::fcntl_getfl(file)?;
    rustix::fs::fcntl_setfl(file, old | rustix::fs::OFlags::APPEND)?;
    let r = (&*file).write(data);
    rustix::fs::fcntl_setfl(file, old)?;
    r
}

fn write_stdio(out: &OutputSink, stream: Stream, data: &[u8]) -> WasiResult<usize> {
    out(stream, data)?;
    Ok(data.len())
}

fn read_stdin(
    src: &mut StdinSource,
    buf: &mut [u8],
    interrupt: &crate::Interrupt,
) -> WasiResult<usize> {
    match src {
        StdinSource::Empty => Ok(0),
        StdinSource::Bytes(data, at) => {
            let n = buf.len().min(data.len() - *at);
            buf[..n].copy_from_slice(&data[*at..*at + n]);
            *at += n;
            Ok(n)
        }
        StdinSource::Inherit => {
            // Straight from fd 0, unbuffered: poll_oneoff asks the same fd for readiness.
            // Waited for first, so that the call's time limit can end the wait.
            crate::wasi::clocks::stdin_ready(None, interrupt)?;
            let stdin = std::io::stdin();
            loop {
                match rustix::io::read(&stdin, &mut *buf) {
                    Ok(n) => return Ok(n),
                    Err(rustix::io::Errno::INTR) => continue,
                    Err(e) => return Err(std::io::Error::from(e).into()),
                }
            }
        }
    }
}

pub(crate) fn fd_advise(
    c: &mut Call,
    fd: u32,
    offset: u64,
    len: u64,
    advice: u32,
) -> WasiResult<()> {
    let advice = u8::try_from(advice)
        .ok()
        .filter(|a| *a <= abi::ADVICE_MAX)
        .ok_or_else(|| bad_arg("advice", advice))?;
    let f = c.cx.fds.file(fd)?;
    use rustix::fs::Advice as A;
    let advice = [
        A::Normal,
        A::Sequential,
        A::Random,
        A::WillNeed,
        A::DontNeed,
        A::NoReuse,
    ][advice as usize];
    rustix::fs::fadvise(&f.file, offset, std::num::NonZeroU64::new(len), advice)
        .map_err(std::io::Error::from)?;
    Ok(())
}

pub(crate) fn fd_allocate(c: &mut Call, fd: u32, _offset: u64, _len: u64) -> WasiResult<()> {
    // wasmtime's answer: the descriptor is checked, then the call is not supported.
    c.cx.fds.file(fd)?;
    Err(Errno::Notsup.into())
}

pub(crate) fn fd_close(c: &mut Call, fd: u32) -> WasiResult<()> {
    c.cx.fds.remove(fd).map(drop)
}

pub(crate) fn fd_datasync(c: &mut Call, fd: u32) -> WasiResult<()> {
    Ok(c.cx.fds.file(fd)?.file.sync_data()?)
}

pub(crate) fn fd_sync(c: &mut Call, fd: u32) -> WasiResult<()> {
    Ok(c.cx.fds.file(fd)?.file.sync_all()?)
}

/// The rights wasmtime reports for a preopened directory, and that its files inherit.
const PREOPEN_RIGHTS: u64 = rights::PATH_CREATE_DIRECTORY
    | rights::PATH_CREATE_FILE
    | rights::PATH_LINK_SOURCE
    | rights::PATH_LINK_TARGET
    | rights::PATH_OPEN
    | rights::FD_READDIR
    | rights::PATH_READLINK
    | rights::PATH_RENAME_SOURCE
    | rights::PATH_RENAME_TARGET
    | rights::PATH_SYMLINK
    | rights::PATH_REMOVE_DIRECTORY
    | rights::PATH_UNLINK_FILE
    | rights::PATH_FILESTAT_GET
    | rights::PATH_FILESTAT_SET_TIMES
    | rights::FD_FILESTAT_GET
    | rights::FD_FILESTAT_SET_TIMES;

const PREOPEN_INHERITING: u64 = PREOPEN_RIGHTS
    | rights::FD_DATASYNC
    | rights::FD_READ
    | rights::FD_SEEK
    | rights::FD_FDSTAT_SET_FLAGS
    | rights::FD_SYNC
    | rights::FD_TELL
    | rights::FD_WRITE
    | rights::FD_ADVISE
    | rights::FD_ALLOCATE
    | rights::FD_FILESTAT_GET
    | rights::FD_FILESTAT_SET_SIZE
    | rights::FD_FILESTAT_SET_TIMES
    | rights::POLL_FD_READWRITE;

pub(crate) fn fd_fdstat_get(c: &mut Call, fd: u32, out: u32) -> WasiResult<()> {
    let tty = c.cx.tty;
    let (ftype, flags, base, inheriting) = match c.cx.fds.get(fd)? {
        Desc::Stdin => (stdio_filetype(tty[0]), 0, rights::FD_READ, rights::FD_READ),
        Desc::Stdout => (
            stdio_filetype(tty[1]),
            0,
            rights::FD_WRITE,
            rights::FD_WRITE,
        ),
        Desc::Stderr => (
            stdio_filetype(tty[2]),
            0,
            rights::FD_WRITE,
            rights::FD_WRITE,
        ),
        Desc::Dir(DirFd {
            preopen: Some(_), ..
        }) => (filetype::DIRECTORY, 0, PREOPEN_RIGHTS, PREOPEN_INHERITING),
        d => {
            let (file, read, write, append, nonblock) = match d {
                Desc::File(f) => (f.file.try_clone()?, f.read, f.write, f.append, f.nonblock),
                // A directory's mode never includes writing its data.
                Desc::Dir(d) => (d.dir.as_file()?, d.read, false, false, false),
                _ => unreachable!("stdio handled above"),
            };
            let os = rustix::fs::fcntl_getfl(&file).map_err(std::io::Error::from)?;
            let ftype = sandbox::stat_file(&file)?.filetype;
            let mut flags = 0;
            if os.contains(rustix::fs::OFlags::DSYNC) {
                flags |= fdflags::DSYNC;
            }
            if os.contains(rustix::fs::OFlags::RSYNC) {
                flags |= fdflags::RSYNC;
            }
            if os.contains(rustix::fs::OFlags::SYNC) {
                flags |= fdflags::SYNC;
            }
            if append {
                flags |= fdflags::APPEND;
            }
            if nonblock {
                flags |= fdflags::NONBLOCK;
            }
            let mut base = rights::ALL;
            if ftype == filetype::DIRECTORY {
                base &= !(rights::FD_SEEK
                    | rights::FD_FILESTAT_SET_SIZE
                    | rights::PATH_FILESTAT_SET_SIZE);
            }
            if !read {
                base &= !(rights::FD_READ | rights::FD_READDIR);
            }
            if !write {
                base &= !rights::FD_WRITE;
            }
            (ftype, flags, base, base)
        }
    };
    c.mem.check(out, abi::FDSTAT_SIZE, 8)?;
    c.mem.write_u8(out, ftype)?;
    c.mem.write_u8(out + 1, 0)?;
    c.mem.write_u16(out + 2, flags)?;
    c.mem.write_u32(out + 4, 0)?;
    c.mem.write_u64(out + 8, base)?;
    c.mem.write_u64(out + 16, inheriting)
}

pub(crate) fn fd_fdstat_set_flags(c: &mut Call, fd: u32, flags: u32) -> WasiResult<()> {
    let flags = u16::try_from(flags)
        .ok()
        .filter(|f| f & !fdflags::ALL == 0)
        .ok_or_else(|| bad_arg("fdflags", flags))?;
    let f = c.cx.fds.file_mut(fd)?;
    // Only APPEND and NONBLOCK can change, as under wasmtime.
    if flags & (fdflags::DSYNC | fdflags::SYNC | fdflags::RSYNC) != 0 {
        return Err(Errno::Inval.into());
    }
    f.append = flags & fdflags::APPEND != 0;
    f.nonblock = flags & fdflags::NONBLOCK != 0;
    Ok(())
}

pub(crate) fn fd_fdstat_set_rights(
    c: &mut Call,
    fd: u32,
    base: u64,
    inheriting: u64,
) -> WasiResult<()> {
    if (base | inheriting) & !rights::ALL != 0 {
        return Err(bad_arg("rights", base | inheriting));
    }
    // Rights cannot be narrowed (wasmtime: the fd is checked, then ENOTSUP).
    match c.cx.fds.get(fd)? {
        Desc::File(_) | Desc::Dir(_) => Err(Errno::Notsup.into()),
        _ => Err(Errno::Badf.into()),
    }
}

pub(crate) fn write_stat(c: &mut Call, out: u32, s: &Stat) -> WasiResult<()> {
    c.mem.check(out, abi::FILESTAT_SIZE, 8)?;
    c.mem.write_u64(out, s.dev)?;
    c.mem.write_u64(out + 8, s.ino)?;
    c.mem.write_u64(out + 16, u64::from(s.filetype))?;
    c.mem.write_u64(out + 24, s.nlink)?;
    c.mem.write_u64(out + 32, s.size)?;
    c.mem.write_u64(out + 40, s.atim)?;
    c.mem.write_u64(out + 48, s.mtim)?;
    c.mem.write_u64(out + 56, s.ctim)
}

pub(crate) fn fd_filestat_get(c: &mut Call, fd: u32, out: u32) -> WasiResult<()> {
    let tty = c.cx.tty;
    let d = c.cx.fds.get(fd)?;
    let stat = match d {
        Desc::Stdin | Desc::Stdout | Desc::Stderr => {
            let i = match d {
                Desc::Stdin => 0,
                Desc::Stdout => 1,
                _ => 2,
            };
            Stat {
                filetype: stdio_filetype(tty[i]),
                ..Stat::default()
            }
        }
        Desc::File(f) => sandbox::stat_file(&f.file)?,
        Desc::Dir(d) => sandbox::stat_file(&d.dir.as_file()?)?,
    };
    write_stat(c, out, &stat)
}

pub(crate) fn fd_filestat_set_size(c: &mut Call, fd: u32, size: u64) -> WasiResult<()> {
    let f = c.cx.fds.file(fd)?;
    if f.read_only {
        return Err(Errno::Perm.into());
    }
    Ok(f.file.set_len(size)?)
}

/// The new times a `fstflags` value asks for; setting a time and "now" at once is
/// `EINVAL`.
pub(crate) fn new_times(atim: u64, mtim: u64, flags: u32) -> WasiResult<(NewTime, NewTime)> {
    let flags = u16::try_from(flags)
        .ok()
        .filter(|f| f & !fstflags::ALL == 0)
        .ok_or_else(|| bad_arg("fstflags", flags))?;
    let one = |set: u16, now: u16, t: u64| -> WasiResult<NewTime> {
        match (flags & set != 0, flags & now != 0) {
            (true, true) => Err(Errno::Inval.into()),
            (true, false) => Ok(NewTime::At(t)),
            (false, true) => Ok(NewTime::Now),
            (false, false) => Ok(NewTime::Keep),
        }
    };
    Ok((
        one(fstflags::ATIM, fstflags::ATIM_NOW, atim)?,
        one(fstflags::MTIM, fstflags::MTIM_NOW, mtim)?,
    ))
}

fn timespec(t: NewTime) -> rustix::fs::Timespec {
    match t {
        NewTime::Keep => rustix::fs::Timespec {
            tv_sec: 0,
            tv_nsec: rustix::fs::UTIME_OMIT,
        },
        NewTime::Now => rustix::fs::Timespec {
            tv_sec: 0,
            tv_nsec: rustix::fs::UTIME_NOW,
        },
        NewTime::At(ns) => rustix::fs::Timespec {
            tv_sec: (ns / 1_000_000_000) as i64,
            tv_nsec: (ns % 1_000_000_000) as _,
        },
    }
}

pub(crate) fn fd_filestat_set_times(
    c: &mut Call,
    fd: u32,
    atim: u64,
    mtim: u64,
    flags: u32,
) -> WasiResult<()> {
    let (atim, mtim) = new_times(atim, mtim, flags)?;
    let (file, read_only) = match c.cx.fds.get(fd)? {
        Desc::File(f) => (f.file.try_clone()?, f.read_only),
        Desc::Dir(d) => (d.dir.as_file()?, d.read_only),
        _ => return Err(Errno::Badf.into()),
    };
    if read_only {
        return Err(Errno::Perm.into());
    }
    let times = rustix::fs::Timestamps {
        last_access: timespec(atim),
        last_modification: timespec(mtim),
    };
    rustix::fs::futimens(&file, &times).map_err(std::io::Error::from)?;
    Ok(())
}

pub(crate) fn fd_pread(
    c: &mut Call,
    fd: u32,
    iovs: u32,
    count: u32,
    offset: u64,
    nread: u32,
) -> WasiResult<()> {
    let (buf, len) = c.mem.first_iovec(iovs, count)?;
    let n = match c.cx.fds.get(fd)? {
        Desc::File(f) => f.file.read_at(c.mem.slice_mut(buf, len)?, offset)?,
        Desc::Stdin => return Err(Errno::Spipe.into()),
        _ => return Err(Errno::Badf.into()),
    };
    c.mem.write_u32(nread, u32::try_from(n)?)
}

pub(crate) fn fd_pwrite(
    c: &mut Call,
    fd: u32,
    iovs: u32,
    count: u32,
    offset: u64,
    nwritten: u32,
) -> WasiResult<()> {
    let (buf, len) = c.mem.first_iovec(iovs, count)?;
    let data = c.mem.slice(buf, len)?;
    let n = match c.cx.fds.get(fd)? {
        Desc::File(f) => write_file(f, data, offset)?,
        Desc::Stdout | Desc::Stderr => return Err(Errno::Spipe.into()),
        _ => return Err(Errno::Badf.into()),
    };
    c.mem.write_u32(nwritten, u32::try_from(n)?)
}

pub(crate) fn fd_read(c: &mut Call, fd: u32, iovs: u32, count: u32, nread: u32) -> WasiResult<()> {
    let (buf, len) = c.mem.first_iovec(iovs, count)?;
    let n = match c.cx.fds.get_mut(fd)? {
        Desc::File(f) => {
            let n = f.file.read_at(c.mem.slice_mut(buf, len)?, f.pos)?;
            f.pos = f.pos.checked_add(n as u64).ok_or(Errno::Overflow)?;
            n
        }
        Desc::Stdin => read_stdin(&mut c.cx.stdin, c.mem.slice_mut(buf, len)?, c.interrupt)?,
        _ => return Err(Errno::Badf.into()),
    };
    c.mem.write_u32(nread, u32::try_from(n)?)
}

pub(crate) fn fd_write(
    c: &mut Call,
    fd: u32,
    iovs: u32,
    count: u32,
    nwritten: u32,
) -> WasiResult<()> {
    let (buf, len) = c.mem.first_iovec(iovs, count)?;
    let data = c.mem.slice(buf, len)?;
    let n = match c.cx.fds.get_mut(fd)? {
        Desc::File(f) => {
            let n = write_file(f, data, f.pos)?;
            f.pos = if f.append {
                f.file.metadata()?.len()
            } else {
                f.pos.checked_add(n as u64).ok_or(Errno::Overflow)?
            };
            n
        }
        Desc::Stdout => write_stdio(c.out, Stream::Stdout, data)?,
        Desc::Stderr => write_stdio(c.out, Stream::Stderr, data)?,
        _ => return Err(Errno::Badf.into()),
    };
    c.mem.write_u32(nwritten, u32::try_from(n)?)
}

pub(crate) fn fd_prestat_get(c: &mut Call, fd: u32, out: u32) -> WasiResult<()> {
    match c.cx.fds.get(fd)? {
        Desc::Dir(DirFd {
            preopen: Some(name),
            ..
        }) => {
            let len = u32::try_from(name.len())?;
            c.mem.check(out, 8, 4)?;
            c.mem.write_u32(out, 0)?;
            c.mem.write_u32(out + 4, len)
        }
        _ => Err(Errno::Badf.into()),
    }
}

pub(crate) fn fd_prestat_dir_name(c: &mut Call, fd: u32, path: u32, max: u32) -> WasiResult<()> {
    match c.cx.fds.get(fd)? {
        Desc::Dir(DirFd {
            preopen: Some(name),
            ..
        }) => {
            if name.len() > max as usize {
                return Err(Errno::Nametoolong.into());
            }
            let name = name.clone();
            c.mem.write(path, name.as_bytes())
        }
        _ => Err(Errno::Notdir.into()),
    }
}

pub(crate) fn fd_renumber(c: &mut Call, from: u32, to: u32) -> WasiResult<()> {
    let fds = &mut c.cx.fds;
    if !fds.used.contains_key(&from) || !fds.used.contains_key(&to) {
        return Err(Errno::Badf.into());
    }
    if from == to {
        return Ok(());
    }
    fds.remove(to)?;
    let d = fds.remove(from)?;
    fds.free.remove(&to);
    fds.used.insert(to, d);
    Ok(())
}

pub(crate) fn fd_seek(c: &mut Call, fd: u32, offset: i64, how: u32, out: u32) -> WasiResult<()> {
    let how = u8::try_from(how)
        .ok()
        .filter(|w| *w <= whence::END)
        .ok_or_else(|| bad_arg("whence", how))?;
    let f = c.cx.fds.seekable(fd)?;
    let pos = match how {
        whence::SET => u64::try_from(offset).map_err(|_| Errno::Inval)?,
        whence::CUR => f.pos.checked_add_signed(offset).ok_or(Errno::Inval)?,
        _ => {
            let size = f.file.metadata()?.len();
            size.checked_add_signed(offset).ok_or(Errno::Inval)?
        }
    };
    f.pos = pos;
    c.mem.write_u64(out, pos)
}

pub(crate) fn fd_tell(c: &mut Call, fd: u32, out: u32) -> WasiResult<()> {
    let pos = c.cx.fds.seekable(fd)?.pos;
    c.mem.write_u64(out, pos)
}

pub(crate) fn fd_readdir(
    c: &mut Call,
    fd: u32,
    buf: u32,
    len: u32,
    cookie: u64,
    used: u32,
) -> WasiResult<()> {
    let d = c.cx.fds.dir(fd)?;
    let own = sandbox::stat_file(&d.dir.as_file()?)?.ino;
    let mut all = vec![
        (own, filetype::DIRECTORY, ".".to_string()),
        (own, filetype::DIRECTORY, "..".to_string()),
    ];
    for e in d.dir.list()? {
        // A name that is not UTF-8 fails the whole listing, as under wasmtime.
        let name = e.name.ok_or(Errno::Ilseq)?;
        all.push((e.ino, e.filetype, name));
    }
    let skip = usize::try_from(cookie).map_err(|_| Errno::Overflow)?;
    let out = c.mem.slice_mut(buf, len)?;
    let mut at = 0usize;
    for (i, (ino, ftype, name)) in all.iter().enumerate().skip(skip) {
        let mut head = [0u8; abi::DIRENT_SIZE];
        head[0..8].copy_from_slice(&(i as u64 + 1).to_le_bytes());
        head[8..16].copy_from_slice(&ino.to_le_bytes());
        head[16..20].copy_from_slice(&u32::try_from(name.len())?.to_le_bytes());
        head[20] = *ftype;
        // Entries are written whole while they fit, then cut off at the buffer's end: the
        // program sees a full buffer and asks again from the last cookie it read whole.
        for part in [&head[..], name.as_bytes()] {
            let n = part.len().min(out.len() - at);
            out[at..at + n].copy_from_slice(&part[..n]);
            at += n;
            if at == out.len() {
                return c.mem.write_u32(used, len);
            }
        }
    }
    c.mem.write_u32(used, u32::try_from(at)?)
}

/// A flags argument must have no bits outside `valid`, checked before anything else.
fn flags_in(v: u32, valid: u32) -> WasiResult<()> {
    if v & !valid != 0 {
        return Err(bad_arg("flags", v));
    }
    Ok(())
}

pub(crate) fn sock_accept(c: &mut Call, fd: u32, flags: u32, _out: u32) -> WasiResult<()> {
    flags_in(flags, u32::from(fdflags::ALL))?;
    c.cx.fds.get(fd)?;
    Err(Errno::Notsock.into())
}

pub(crate) fn sock_recv(
    c: &mut Call,
    fd: u32,
    _iovs: u32,
    _n: u32,
    flags: u32,
    _nread: u32,
    _oflags: u32,
) -> WasiResult<()> {
    flags_in(flags, 0b11)?;
    c.cx.fds.get(fd)?;
    Err(Errno::Notsock.into())
}

pub(crate) fn sock_send(
    c: &mut Call,
    fd: u32,
    _iovs: u32,
    _n: u32,
    flags: u32,
    _nwritten: u32,
) -> WasiResult<()> {
    flags_in(flags, 0)?;
    c.cx.fds.get(fd)?;
    Err(Errno::Notsock.into())
}

pub(crate) fn sock_shutdown(c: &mut Call, fd: u32, how: u32) -> WasiResult<()> {
    flags_in(how, 0b11)?;
    c.cx.fds.get(fd)?;
    Err(Errno::Notsock.into())
}
