//! WASI's `errno` and how host failures map onto it. The mapping from `std::io::Error` is
//! wasmtime's (`wasmtime-wasi`'s filesystem `ErrorCode` and its preview1 conversion), so a
//! program sees the same errno under warren as under wasmtime for the same host error.

use std::fmt;
use std::io;

macro_rules! errnos {
    ($($name:ident = $value:literal, $text:literal;)*) => {
        /// A preview1 `errno` value.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[repr(u16)]
        pub enum Errno {
            $(#[doc = $text] $name = $value,)*
        }

        impl Errno {
            /// The `strerror`-style description the WASI spec gives.
            pub fn description(self) -> &'static str {
                match self {
                    $(Errno::$name => $text,)*
                }
            }
        }
    };
}

errnos! {
    Success = 0, "No error occurred";
    TooBig = 1, "Argument list too long";
    Acces = 2, "Permission denied";
    Addrinuse = 3, "Address in use";
    Addrnotavail = 4, "Address not available";
    Afnosupport = 5, "Address family not supported";
    Again = 6, "Resource unavailable, or operation would block";
    Already = 7, "Connection already in progress";
    Badf = 8, "Bad file descriptor";
    Badmsg = 9, "Bad message";
    Busy = 10, "Device or resource busy";
    Canceled = 11, "Operation canceled";
    Child = 12, "No child processes";
    Connaborted = 13, "Connection aborted";
    Connrefused = 14, "Connection refused";
    Connreset = 15, "Connection reset";
    Deadlk = 16, "Resource deadlock would occur";
    Destaddrreq = 17, "Destination address required";
    Dom = 18, "Mathematics argument out of domain of function";
    Dquot = 19, "Reserved";
    Exist = 20, "File exists";
    Fault = 21, "Bad address";
    Fbig = 22, "File too large";
    Hostunreach = 23, "Host is unreachable";
    Idrm = 24, "Identifier removed";
    Ilseq = 25, "Illegal byte sequence";
    Inprogress = 26, "Operation in progress";
    Intr = 27, "Interrupted function";
    Inval = 28, "Invalid argument";
    Io = 29, "I/O error";
    Isconn = 30, "Socket is connected";
    Isdir = 31, "Is a directory";
    Loop = 32, "Too many levels of symbolic links";
    Mfile = 33, "File descriptor value too large";
    Mlink = 34, "Too many links";
    Msgsize = 35, "Message too large";
    Multihop = 36, "Reserved";
    Nametoolong = 37, "Filename too long";
    Netdown = 38, "Network is down";
    Netreset = 39, "Connection aborted by network";
    Netunreach = 40, "Network unreachable";
    Nfile = 41, "Too many files open in system";
    Nobufs = 42, "No buffer space available";
    Nodev = 43, "No such device";
    Noent = 44, "No such file or directory";
    Noexec = 45, "Executable file format error";
    Nolck = 46, "No locks available";
    Nolink = 47, "Reserved";
    Nomem = 48, "Not enough space";
    Nomsg = 49, "No message of the desired type";
    Noprotoopt = 50, "Protocol not available";
    Nospc = 51, "No space left on device";
    Nosys = 52, "Function not supported";
    Notconn = 53, "The socket is not connected";
    Notdir = 54, "Not a directory or a symbolic link to a directory";
    Notempty = 55, "Directory not empty";
    Notrecoverable = 56, "State not recoverable";
    Notsock = 57, "Not a socket";
    Notsup = 58, "Not supported, or operation not supported on socket";
    Notty = 59, "Inappropriate I/O control operation";
    Nxio = 60, "No such device or address";
    Overflow = 61, "Value too large to be stored in data type";
    Ownerdead = 62, "Previous owner died";
    Perm = 63, "Operation not permitted";
    Pipe = 64, "Broken pipe";
    Proto = 65, "Protocol error";
    Protonosupport = 66, "Protocol not supported";
    Prototype = 67, "Protocol wrong type for socket";
    Range = 68, "Result too large";
    Rofs = 69, "Read-only file system";
    Spipe = 70, "Invalid seek";
    Srch = 71, "No such process";
    Stale = 72, "Reserved";
    Timedout = 73, "Connection timed out";
    Txtbsy = 74, "Text file busy";
    Xdev = 75, "Cross-device link";
    Notcapable = 76, "Extension: Capabilities insufficient";
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (errno {})", self.description(), *self as u16)
    }
}

impl From<&io::Error> for Errno {
    /// wasmtime's mapping: the OS error number when it is one wasmtime knows, otherwise
    /// the error's kind (cap-std reports an attempt to leave a preopen as
    /// `PermissionDenied` with no OS number, which becomes `EPERM`).
    fn from(e: &io::Error) -> Errno {
        if let Some(errno) = e.raw_os_error().and_then(from_raw_os_error) {
            return errno;
        }
        match e.kind() {
            io::ErrorKind::NotFound => Errno::Noent,
            io::ErrorKind::PermissionDenied => Errno::Perm,
            io::ErrorKind::AlreadyExists => Errno::Exist,
            io::ErrorKind::InvalidInput => Errno::Inval,
            _ => Errno::Io,
        }
    }
}

impl From<io::Error> for Errno {
    fn from(e: io::Error) -> Errno {
        Errno::from(&e)
    }
}

/// The OS error numbers wasmtime maps one to one (`from_raw_os_error` in its filesystem
/// module); any other number falls back to the error's kind.
fn from_raw_os_error(raw: i32) -> Option<Errno> {
    use rustix::io::Errno as E;
    Some(match E::from_raw_os_error(raw) {
        E::PIPE => Errno::Pipe,
        E::PERM => Errno::Perm,
        E::NOENT => Errno::Noent,
        E::NOMEM => Errno::Nomem,
        E::IO => Errno::Io,
        E::BADF => Errno::Badf,
        E::BUSY => Errno::Busy,
        E::ACCESS => Errno::Acces,
        E::NOTDIR => Errno::Notdir,
        E::ISDIR => Errno::Isdir,
        E::INVAL => Errno::Inval,
        E::EXIST => Errno::Exist,
        E::FBIG => Errno::Fbig,
        E::NOSPC => Errno::Nospc,
        E::SPIPE => Errno::Spipe,
        E::MLINK => Errno::Mlink,
        E::NAMETOOLONG => Errno::Nametoolong,
        E::NOTEMPTY => Errno::Notempty,
        E::LOOP => Errno::Loop,
        E::OVERFLOW => Errno::Overflow,
        E::ILSEQ => Errno::Ilseq,
        E::NOTSUP => Errno::Notsup,
        E::ALREADY => Errno::Already,
        E::INPROGRESS => Errno::Inprogress,
        E::INTR => Errno::Intr,
        _ => return None,
    })
}

/// Why a WASI call did not succeed: an `errno` for the program, or a trap (a pointer out
/// of bounds or misaligned, as the preview1 spec requires, or an invalid exit status).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Fail {
    Errno(Errno),
    Trap(String),
}

impl From<Errno> for Fail {
    fn from(e: Errno) -> Fail {
        Fail::Errno(e)
    }
}

impl From<io::Error> for Fail {
    fn from(e: io::Error) -> Fail {
        Fail::Errno(Errno::from(&e))
    }
}

impl From<std::num::TryFromIntError> for Fail {
    fn from(_: std::num::TryFromIntError) -> Fail {
        Fail::Errno(Errno::Overflow)
    }
}

/// A direct argument that is not a value of its enum or flags type: a trap, as wasmtime
/// traps when converting it (the same value read from a struct in memory is `EINVAL`).
pub(crate) fn bad_arg(what: &str, v: impl fmt::Display) -> Fail {
    Fail::Trap(format!("invalid {what} value {v}"))
}

/// The result of a WASI function's body.
pub(crate) type WasiResult<T> = Result<T, Fail>;

/// The errno a finished call returns to the program, or the trap message.
pub(crate) fn to_errno(r: WasiResult<()>) -> Result<i32, String> {
    match r {
        Ok(()) => Ok(0),
        Err(Fail::Errno(e)) => Ok(i32::from(e as u16)),
        Err(Fail::Trap(msg)) => Err(msg),
    }
}
