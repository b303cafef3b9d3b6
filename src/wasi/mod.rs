//! WASI preview1 (`wasi_snapshot_preview1`) in Rust, capability-scoped: a [`WasiCtx`]
//! built from [`WasiOptions`] (arguments, environment, preopened directories, stdin) and
//! its registration on a [`Linker`], so Wasm modules (run directly or through the module
//! graph) import it like any host function. The same implementation serves JS's
//! `node:wasi` through [`call`].
//!
//! Nothing is reachable without a grant: no directory but the preopens (every path below
//! them resolved through cap-std, see `sandbox.rs`), no environment variable but those
//! given, no stdin unless inherited. Guest memory is used in place, so large reads and
//! writes move straight between files and memory.
//!
//! # Examples
//! ```
//! let mut linker = warren::Linker::new();
//! let ctx = warren::wasi::WasiCtx::new(warren::wasi::WasiOptions {
//!     args: vec!["prog.wasm".into(), "hello".into()],
//!     ..Default::default()
//! })?;
//! warren::wasi::add_to_linker(&mut linker, ctx)?;
//! assert!(linker.has_module("wasi_snapshot_preview1"));
//! # Ok::<(), warren::Error>(())
//! ```

mod abi;
mod clocks;
mod errno;
mod fds;
mod memory;
mod paths;
mod process;
mod sandbox;

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

pub use errno::Errno;

use crate::OutputSink;
use crate::error::{Error, Result};
use crate::host::{Caller, Linker};
use crate::wasi::errno::{WasiResult, to_errno};
use crate::wasi::fds::{Desc, DirFd, FdTable};
use crate::wasi::memory::GuestMemory;
use crate::wasi::sandbox::Sandbox;

/// The import module name of WASI preview1.
pub const MODULE: &str = "wasi_snapshot_preview1";

/// A host directory the program may use, under the name it sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preopen {
    /// The directory on the host.
    pub host: PathBuf,
    /// Its name for the program (`/data`, `.`).
    pub guest: String,
    /// Whether the program may only read below it (every change is `EPERM`).
    pub read_only: bool,
}

/// Where the program's stdin comes from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Stdin {
    /// Nothing: reads see end of file (the default).
    #[default]
    Empty,
    /// The process's own stdin.
    Inherit,
    /// These bytes, then end of file.
    Bytes(Vec<u8>),
}

/// What a WASI program may see and reach. The default grants nothing: no arguments, no
/// environment, no directory, an empty stdin.
#[derive(Debug, Clone, Default)]
pub struct WasiOptions {
    /// `argv`, `argv[0]` included (by convention the program's name).
    pub args: Vec<String>,
    /// The environment, as (name, value) pairs.
    pub env: Vec<(String, String)>,
    /// Directories the program may use, in order (they become fds 3, 4, ...).
    pub preopens: Vec<Preopen>,
    pub stdin: Stdin,
    /// Whether stdin, stdout and stderr are terminals (a terminal is a character device
    /// to the program, which libc then line-buffers; otherwise their type is unknown).
    pub terminal: [bool; 3],
}

/// The stdin a context reads.
pub(crate) enum StdinSource {
    Empty,
    Inherit,
    /// The bytes and how far they were read.
    Bytes(Vec<u8>, usize),
}

/// One WASI program's state: its arguments, environment and descriptor table. Its
/// stdout and stderr go to the runtime's [`crate::OutputSink`].
pub struct WasiCtx {
    args: Vec<String>,
    env: Vec<(String, String)>,
    fds: FdTable,
    stdin: StdinSource,
    tty: [bool; 3],
}

impl std::fmt::Debug for WasiCtx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WasiCtx")
            .field("args", &self.args)
            .field("env", &self.env.len())
            .finish_non_exhaustive()
    }
}

impl WasiCtx {
    /// A context for `options`: stdio are fds 0-2, the preopens follow.
    ///
    /// # Errors
    /// [`Error::Io`] when a preopened directory cannot be opened; [`Error::Args`] for an
    /// argument or variable containing NUL.
    pub fn new(options: WasiOptions) -> Result<WasiCtx> {
        for a in options
            .args
            .iter()
            .chain(options.env.iter().flat_map(|(k, v)| [k, v]))
        {
            if a.contains('\0') {
                return Err(Error::Args(format!(
                    "a WASI argument or environment variable contains NUL: {a:?}"
                )));
            }
        }
        if let Some((k, _)) = options.env.iter().find(|(k, _)| k.contains('=')) {
            return Err(Error::Args(format!(
                "a WASI environment variable name contains '=': {k:?}"
            )));
        }
        let mut fds = FdTable::default();
        for d in [Desc::Stdin, Desc::Stdout, Desc::Stderr] {
            push(&mut fds, d)?;
        }
        for p in &options.preopens {
            let dir = fds::Dir::open_preopen(&p.host).map_err(|e| Error::io(&p.host, e))?;
            push(
                &mut fds,
                Desc::Dir(DirFd {
                    dir,
                    preopen: Some(p.guest.clone()),
                    read: true,
                    read_only: p.read_only,
                }),
            )?;
        }
        Ok(WasiCtx {
            args: options.args,
            env: options.env,
            fds,
            stdin: match options.stdin {
                Stdin::Empty => StdinSource::Empty,
                Stdin::Inherit => StdinSource::Inherit,
                Stdin::Bytes(b) => StdinSource::Bytes(b, 0),
            },
            tty: options.terminal,
        })
    }
}

fn push(fds: &mut FdTable, d: Desc) -> Result<()> {
    fds.push(d)
        .map(drop)
        .map_err(|_| Error::Other("too many WASI descriptors".into()))
}

/// One WASI call in progress: the context, the caller's memory, the runtime's output.
pub(crate) struct Call<'a> {
    cx: &'a mut WasiCtx,
    mem: GuestMemory<'a>,
    out: &'a OutputSink,
    /// Fired when the call's time limit fires: blocking waits (sleeps, stdin) end on it.
    interrupt: &'a crate::Interrupt,
}

/// How a raw argument (an i32 or i64 from Wasm, or a JS number or BigInt) becomes a typed
/// parameter.
trait RawArg {
    fn from_raw(v: u64) -> Self;
}

impl RawArg for u32 {
    fn from_raw(v: u64) -> Self {
        v as u32
    }
}

impl RawArg for u64 {
    fn from_raw(v: u64) -> Self {
        v
    }
}

impl RawArg for i64 {
    fn from_raw(v: u64) -> Self {
        v as i64
    }
}

/// Runs one call with the context locked and the caller's memory borrowed.
fn host_call(
    ctx: &Mutex<WasiCtx>,
    caller: &mut Caller<'_>,
    f: impl FnOnce(&mut Call) -> WasiResult<()>,
) -> std::result::Result<i32, String> {
    let out = caller.output_sink();
    let interrupt = caller.interrupt();
    let mut memory = caller.memory()?;
    let bytes = memory.data_mut()?;
    let mut cx = ctx.lock().unwrap_or_else(PoisonError::into_inner);
    to_errno(f(&mut Call {
        cx: &mut cx,
        mem: GuestMemory::new(bytes),
        out: &out,
        interrupt: &interrupt,
    }))
}

/// Declares every function returning an errno once: the Linker registration (a typed
/// closure per function) and the by-number dispatch `node:wasi` uses come from this list.
macro_rules! wasi_functions {
    ($($module:ident :: $name:ident ( $($arg:ident : $ty:ty),* );)*) => {
        /// The functions [`call`] dispatches, by index.
        pub(crate) const NAMES: &[&str] = &[$(stringify!($name)),*];

        fn register(linker: &mut Linker, ctx: &Arc<Mutex<WasiCtx>>) -> Result<()> {
            $({
                let ctx = ctx.clone();
                linker.func(
                    MODULE,
                    stringify!($name),
                    move |mut caller: Caller<'_>, $($arg: $ty),*| -> std::result::Result<i32, String> {
                        host_call(&ctx, &mut caller, |c| $module::$name(c, $($arg),*))
                    },
                )?;
            })*
            Ok(())
        }

        fn dispatch(c: &mut Call, id: usize, args: &[u64]) -> Option<WasiResult<()>> {
            let mut next = args.iter().copied().chain(std::iter::repeat(0));
            let mut i = 0;
            $(
                if id == i {
                    $(let $arg = <$ty as RawArg>::from_raw(next.next().unwrap_or(0));)*
                    return Some($module::$name(c, $($arg),*));
                }
                i += 1;
            )*
            let _ = (i, &mut next);
            None
        }
    };
}

wasi_functions! {
    process::args_get(argv: u32, buf: u32);
    process::args_sizes_get(count: u32, size: u32);
    process::environ_get(environ: u32, buf: u32);
    process::environ_sizes_get(count: u32, size: u32);
    clocks::clock_res_get(id: u32, out: u32);
    clocks::clock_time_get(id: u32, precision: u64, out: u32);
    fds::fd_advise(fd: u32, offset: u64, len: u64, advice: u32);
    fds::fd_allocate(fd: u32, offset: u64, len: u64);
    fds::fd_close(fd: u32);
    fds::fd_datasync(fd: u32);
    fds::fd_fdstat_get(fd: u32, out: u32);
    fds::fd_fdstat_set_flags(fd: u32, flags: u32);
    fds::fd_fdstat_set_rights(fd: u32, base: u64, inheriting: u64);
    fds::fd_filestat_get(fd: u32, out: u32);
    fds::fd_filestat_set_size(fd: u32, size: u64);
    fds::fd_filestat_set_times(fd: u32, atim: u64, mtim: u64, flags: u32);
    fds::fd_pread(fd: u32, iovs: u32, count: u32, offset: u64, nread: u32);
    fds::fd_prestat_get(fd: u32, out: u32);
    fds::fd_prestat_dir_name(fd: u32, path: u32, len: u32);
    fds::fd_pwrite(fd: u32, iovs: u32, count: u32, offset: u64, nwritten: u32);
    fds::fd_read(fd: u32, iovs: u32, count: u32, nread: u32);
    fds::fd_readdir(fd: u32, buf: u32, len: u32, cookie: u64, used: u32);
    fds::fd_renumber(from: u32, to: u32);
    fds::fd_seek(fd: u32, offset: i64, whence: u32, out: u32);
    fds::fd_sync(fd: u32);
    fds::fd_tell(fd: u32, out: u32);
    fds::fd_write(fd: u32, iovs: u32, count: u32, nwritten: u32);
    paths::path_create_directory(fd: u32, path: u32, len: u32);
    paths::path_filestat_get(fd: u32, flags: u32, path: u32, len: u32, out: u32);
    paths::path_filestat_set_times(fd: u32, flags: u32, path: u32, len: u32, atim: u64, mtim: u64, fst: u32);
    paths::path_link(old_fd: u32, flags: u32, old: u32, old_len: u32, new_fd: u32, new: u32, new_len: u32);
    paths::path_open(fd: u32, dirflags: u32, path: u32, len: u32, oflags: u32, base: u64, inheriting: u64, fdflags: u32, out: u32);
    paths::path_readlink(fd: u32, path: u32, len: u32, buf: u32, buf_len: u32, used: u32);
    paths::path_remove_directory(fd: u32, path: u32, len: u32);
    paths::path_rename(old_fd: u32, old: u32, old_len: u32, new_fd: u32, new: u32, new_len: u32);
    paths::path_symlink(old: u32, old_len: u32, fd: u32, new: u32, new_len: u32);
    paths::path_unlink_file(fd: u32, path: u32, len: u32);
    clocks::poll_oneoff(subs: u32, events: u32, n: u32, nevents: u32);
    process::proc_raise(sig: u32);
    process::sched_yield();
    clocks::random_get(buf: u32, len: u32);
    fds::sock_accept(fd: u32, flags: u32, out: u32);
    fds::sock_recv(fd: u32, iovs: u32, count: u32, flags: u32, nread: u32, oflags: u32);
    fds::sock_send(fd: u32, iovs: u32, count: u32, flags: u32, nwritten: u32);
    fds::sock_shutdown(fd: u32, how: u32);
}

/// The message of the trap for a `proc_exit` status outside WASI's range (wasmtime's).
pub(crate) const BAD_EXIT_STATUS: &str = "exit with invalid exit status outside of [0..126)";

/// Registers all of `wasi_snapshot_preview1` on `linker`, backed by `ctx`. Every instance
/// linked through it shares the context (its descriptors), as a wasmtime `Store`'s do.
/// `proc_exit(code)` ends the program: the runtime call fails with
/// [`Error::Exit`]`(code)`.
///
/// # Errors
/// [`Error::AlreadyDefined`] when the linker already has one of these functions and does
/// not allow shadowing.
pub fn add_to_linker(linker: &mut Linker, ctx: WasiCtx) -> Result<()> {
    let ctx = Arc::new(Mutex::new(ctx));
    register(linker, &ctx)?;
    linker.func(
        MODULE,
        "proc_exit",
        |mut caller: Caller<'_>, code: u32| -> std::result::Result<(), String> {
            if code >= 126 {
                return Err(BAD_EXIT_STATUS.into());
            }
            caller.exit(code as i32);
            Ok(())
        },
    )?;
    Ok(())
}

/// Calls function number `id` of [`NAMES`] with raw arguments over `memory` (for
/// `node:wasi`, whose functions JS calls with the instance's memory buffer). Returns the
/// errno, or the trap message.
pub(crate) fn call(
    ctx: &mut WasiCtx,
    id: usize,
    memory: &mut [u8],
    out: &OutputSink,
    interrupt: &crate::Interrupt,
    args: &[u64],
) -> std::result::Result<i32, String> {
    let mut c = Call {
        cx: ctx,
        mem: GuestMemory::new(memory),
        out,
        interrupt,
    };
    match dispatch(&mut c, id, args) {
        Some(r) => to_errno(r),
        None => Err(format!("no WASI function number {id}")),
    }
}
