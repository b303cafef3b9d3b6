//! The capability boundary: every operation on a path below a preopened directory goes
//! through [`Sandbox`], implemented over cap-std (openat2 with `RESOLVE_BENEATH` on
//! Linux), so no `..`, absolute path or symlink can leave the directory. The rest of the
//! WASI layer never opens a path any other way; the one ambient open is the preopen itself.

use std::io;
use std::path::Path;

use cap_fs_ext::{DirExt, FileTypeExt, OpenOptionsFollowExt, SystemTimeSpec};
use cap_std::fs::{Dir, Metadata, MetadataExt, OpenOptions};

use crate::wasi::abi::filetype;

/// What a path open asks for.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct OpenHow {
    pub read: bool,
    pub write: bool,
    pub create: bool,
    pub exclusive: bool,
    pub truncate: bool,
    pub follow: bool,
}

/// What a path open found.
pub(crate) enum Opened<D> {
    File(std::fs::File),
    Dir(D),
}

/// A file's attributes, as `filestat` carries them (times in nanoseconds since the epoch).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Stat {
    pub dev: u64,
    pub ino: u64,
    pub filetype: u8,
    pub nlink: u64,
    pub size: u64,
    pub atim: u64,
    pub mtim: u64,
    pub ctim: u64,
}

/// A new timestamp for `set_times`: leave it, now, or a time in nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NewTime {
    Keep,
    Now,
    At(u64),
}

/// One directory entry.
pub(crate) struct Entry {
    /// `None` when the name is not UTF-8 (which preview1 cannot carry).
    pub name: Option<String>,
    pub ino: u64,
    pub filetype: u8,
}

/// The operations WASI performs on paths, each relative to a directory it holds and
/// unable to leave it.
pub(crate) trait Sandbox: Sized + Send {
    /// Opens a host directory as a preopen: the only ambient-authority operation.
    fn open_preopen(host: &Path) -> io::Result<Self>;
    fn open_at(&self, path: &str, how: OpenHow) -> io::Result<Opened<Self>>;
    fn mkdir(&self, path: &str) -> io::Result<()>;
    fn rmdir(&self, path: &str) -> io::Result<()>;
    /// Removes a file or a symlink (never following it).
    fn unlink_at(&self, path: &str) -> io::Result<()>;
    fn rename_to(&self, from: &str, to_dir: &Self, to: &str) -> io::Result<()>;
    fn link_to(&self, from: &str, to_dir: &Self, to: &str) -> io::Result<()>;
    /// Creates a symlink at `link` whose content is `target` (following it later is
    /// still confined); an absolute `target` is refused, as wasmtime refuses it.
    fn symlink_at(&self, target: &str, link: &str) -> io::Result<()>;
    /// A symlink's target; one that is absolute is refused, as wasmtime refuses it.
    fn link_target(&self, path: &str) -> io::Result<std::ffi::OsString>;
    fn stat_at(&self, path: &str, follow: bool) -> io::Result<Stat>;
    fn set_times_at(
        &self,
        path: &str,
        follow: bool,
        atim: NewTime,
        mtim: NewTime,
    ) -> io::Result<()>;
    /// The directory's entries (without `.` and `..`).
    fn list(&self) -> io::Result<Vec<Entry>>;
    /// The directory itself, as an open file (for stat, times, sync and flags).
    fn as_file(&self) -> io::Result<std::fs::File>;
}

fn ns(secs: i64, nsec: i64) -> u64 {
    u64::try_from(secs)
        .ok()
        .and_then(|s| s.checked_mul(1_000_000_000))
        .and_then(|s| s.checked_add(u64::try_from(nsec).ok()?))
        .unwrap_or(0)
}

/// The preview1 `filetype` of a host file type (FIFOs and sockets are `unknown`).
pub(crate) fn filetype_of(t: cap_std::fs::FileType) -> u8 {
    if t.is_dir() {
        filetype::DIRECTORY
    } else if t.is_symlink() {
        filetype::SYMBOLIC_LINK
    } else if t.is_file() {
        filetype::REGULAR_FILE
    } else if t.is_block_device() {
        filetype::BLOCK_DEVICE
    } else if t.is_char_device() {
        filetype::CHARACTER_DEVICE
    } else {
        filetype::UNKNOWN
    }
}

/// A `Stat` from host metadata.
pub(crate) fn stat_of(m: &Metadata) -> Stat {
    Stat {
        dev: m.dev(),
        ino: m.ino(),
        filetype: filetype_of(m.file_type()),
        nlink: m.nlink(),
        size: m.len(),
        atim: ns(m.atime(), m.atime_nsec()),
        mtim: ns(m.mtime(), m.mtime_nsec()),
        ctim: ns(m.ctime(), m.ctime_nsec()),
    }
}

/// The attributes of an open file.
pub(crate) fn stat_file(f: &std::fs::File) -> io::Result<Stat> {
    Metadata::from_file(f).map(|m| stat_of(&m))
}

fn time_spec(t: NewTime) -> Option<SystemTimeSpec> {
    match t {
        NewTime::Keep => None,
        NewTime::Now => Some(SystemTimeSpec::SymbolicNow),
        NewTime::At(ns) => Some(SystemTimeSpec::Absolute(
            cap_std::time::SystemTime::from_std(
                std::time::UNIX_EPOCH + std::time::Duration::from_nanos(ns),
            ),
        )),
    }
}

impl Sandbox for Dir {
    fn open_preopen(host: &Path) -> io::Result<Self> {
        Dir::open_ambient_dir(host, cap_std::ambient_authority())
    }

    fn open_at(&self, path: &str, how: OpenHow) -> io::Result<Opened<Self>> {
        let mut opts = OpenOptions::new();
        opts.read(how.read).write(how.write);
        if how.exclusive {
            opts.create_new(true);
        } else if how.create {
            opts.create(true);
        }
        opts.truncate(how.truncate);
        opts.follow(if how.follow {
            cap_fs_ext::FollowSymlinks::Yes
        } else {
            cap_fs_ext::FollowSymlinks::No
        });
        let file = self.open_with(path, &opts)?.into_std();
        if Metadata::from_file(&file)?.is_dir() {
            Ok(Opened::Dir(Dir::from_std_file(file)))
        } else {
            Ok(Opened::File(file))
        }
    }

    fn mkdir(&self, path: &str) -> io::Result<()> {
        Dir::create_dir(self, path)
    }

    fn rmdir(&self, path: &str) -> io::Result<()> {
        Dir::remove_dir(self, path)
    }

    fn unlink_at(&self, path: &str) -> io::Result<()> {
        DirExt::remove_file_or_symlink(self, path)
    }

    fn rename_to(&self, from: &str, to_dir: &Self, to: &str) -> io::Result<()> {
        Dir::rename(self, from, to_dir, to)
    }

    fn link_to(&self, from: &str, to_dir: &Self, to: &str) -> io::Result<()> {
        Dir::hard_link(self, from, to_dir, to)
    }

    fn symlink_at(&self, target: &str, link: &str) -> io::Result<()> {
        Dir::symlink(self, target, link)
    }

    fn link_target(&self, path: &str) -> io::Result<std::ffi::OsString> {
        Dir::read_link(self, path).map(|p| p.into_os_string())
    }

    fn stat_at(&self, path: &str, follow: bool) -> io::Result<Stat> {
        let m = if follow {
            self.metadata(path)?
        } else {
            self.symlink_metadata(path)?
        };
        Ok(stat_of(&m))
    }

    fn set_times_at(
        &self,
        path: &str,
        follow: bool,
        atim: NewTime,
        mtim: NewTime,
    ) -> io::Result<()> {
        if follow {
            DirExt::set_times(self, path, time_spec(atim), time_spec(mtim))
        } else {
            self.set_symlink_times(path, time_spec(atim), time_spec(mtim))
        }
    }

    fn list(&self) -> io::Result<Vec<Entry>> {
        let mut out = Vec::new();
        for e in Dir::entries(self)? {
            let e = e?;
            let md = e.metadata()?;
            out.push(Entry {
                name: e.file_name().into_string().ok(),
                ino: md.ino(),
                filetype: filetype_of(md.file_type()),
            });
        }
        Ok(out)
    }

    fn as_file(&self) -> io::Result<std::fs::File> {
        Ok(self.try_clone()?.into_std_file())
    }
}
