//! The `wasi_snapshot_preview1` ABI: struct layouts (sizes and field offsets in guest
//! memory), flag bits and enum values, as `wasi_snapshot_preview1.witx` defines them.

/// `rights` bits.
pub(crate) mod rights {
    pub const FD_DATASYNC: u64 = 1 << 0;
    pub const FD_READ: u64 = 1 << 1;
    pub const FD_SEEK: u64 = 1 << 2;
    pub const FD_FDSTAT_SET_FLAGS: u64 = 1 << 3;
    pub const FD_SYNC: u64 = 1 << 4;
    pub const FD_TELL: u64 = 1 << 5;
    pub const FD_WRITE: u64 = 1 << 6;
    pub const FD_ADVISE: u64 = 1 << 7;
    pub const FD_ALLOCATE: u64 = 1 << 8;
    pub const PATH_CREATE_DIRECTORY: u64 = 1 << 9;
    pub const PATH_CREATE_FILE: u64 = 1 << 10;
    pub const PATH_LINK_SOURCE: u64 = 1 << 11;
    pub const PATH_LINK_TARGET: u64 = 1 << 12;
    pub const PATH_OPEN: u64 = 1 << 13;
    pub const FD_READDIR: u64 = 1 << 14;
    pub const PATH_READLINK: u64 = 1 << 15;
    pub const PATH_RENAME_SOURCE: u64 = 1 << 16;
    pub const PATH_RENAME_TARGET: u64 = 1 << 17;
    pub const PATH_FILESTAT_GET: u64 = 1 << 18;
    pub const PATH_FILESTAT_SET_SIZE: u64 = 1 << 19;
    pub const PATH_FILESTAT_SET_TIMES: u64 = 1 << 20;
    pub const FD_FILESTAT_GET: u64 = 1 << 21;
    pub const FD_FILESTAT_SET_SIZE: u64 = 1 << 22;
    pub const FD_FILESTAT_SET_TIMES: u64 = 1 << 23;
    pub const PATH_SYMLINK: u64 = 1 << 24;
    pub const PATH_REMOVE_DIRECTORY: u64 = 1 << 25;
    pub const PATH_UNLINK_FILE: u64 = 1 << 26;
    pub const POLL_FD_READWRITE: u64 = 1 << 27;
    // 1 << 28 and 1 << 29 are sock_shutdown and sock_accept.
    /// Every right.
    pub const ALL: u64 = (1 << 30) - 1;
}

/// `fdflags` bits.
pub(crate) mod fdflags {
    pub const APPEND: u16 = 1 << 0;
    pub const DSYNC: u16 = 1 << 1;
    pub const NONBLOCK: u16 = 1 << 2;
    pub const RSYNC: u16 = 1 << 3;
    pub const SYNC: u16 = 1 << 4;
    pub const ALL: u16 = (1 << 5) - 1;
}

/// `oflags` bits.
pub(crate) mod oflags {
    pub const CREAT: u16 = 1 << 0;
    pub const DIRECTORY: u16 = 1 << 1;
    pub const EXCL: u16 = 1 << 2;
    pub const TRUNC: u16 = 1 << 3;
    pub const ALL: u16 = (1 << 4) - 1;
}

/// `lookupflags` bits.
pub(crate) const LOOKUP_SYMLINK_FOLLOW: u32 = 1;

/// `fstflags` bits.
pub(crate) mod fstflags {
    pub const ATIM: u16 = 1 << 0;
    pub const ATIM_NOW: u16 = 1 << 1;
    pub const MTIM: u16 = 1 << 2;
    pub const MTIM_NOW: u16 = 1 << 3;
    pub const ALL: u16 = (1 << 4) - 1;
}

/// `filetype` values.
pub(crate) mod filetype {
    pub const UNKNOWN: u8 = 0;
    pub const BLOCK_DEVICE: u8 = 1;
    pub const CHARACTER_DEVICE: u8 = 2;
    pub const DIRECTORY: u8 = 3;
    pub const REGULAR_FILE: u8 = 4;
    pub const SYMBOLIC_LINK: u8 = 7;
}

/// `whence` values.
pub(crate) mod whence {
    pub const SET: u8 = 0;
    pub const CUR: u8 = 1;
    pub const END: u8 = 2;
}

/// `clockid` values.
pub(crate) mod clockid {
    pub const REALTIME: u32 = 0;
    pub const MONOTONIC: u32 = 1;
    pub const PROCESS_CPUTIME: u32 = 2;
    pub const THREAD_CPUTIME: u32 = 3;
}

/// `eventtype` values (also the tag of a subscription's union).
pub(crate) mod eventtype {
    pub const CLOCK: u8 = 0;
    pub const FD_READ: u8 = 1;
    pub const FD_WRITE: u8 = 2;
}

/// `eventrwflags::fd_readwrite_hangup`.
pub(crate) const EVENT_FD_READWRITE_HANGUP: u16 = 1;
/// `subclockflags::subscription_clock_abstime`.
pub(crate) const SUBSCRIPTION_CLOCK_ABSTIME: u16 = 1;

/// `advice` values: `normal` through `noreuse`.
pub(crate) const ADVICE_MAX: u8 = 5;

/// `ciovec`/`iovec`: `{ buf: u32, buf_len: u32 }`.
pub(crate) const IOVEC_SIZE: u32 = 8;

/// `fdstat`: filetype u8 @0, flags u16 @2, rights_base u64 @8, rights_inheriting u64 @16.
pub(crate) const FDSTAT_SIZE: u32 = 24;

/// `filestat`: dev @0, ino @8, filetype u8 @16, nlink @24, size @32, atim @40, mtim @48,
/// ctim @56 (all u64 but filetype).
pub(crate) const FILESTAT_SIZE: u32 = 64;

/// `dirent`: d_next u64 @0, d_ino u64 @8, d_namlen u32 @16, d_type u8 @20; the name follows.
pub(crate) const DIRENT_SIZE: usize = 24;

/// `subscription`: userdata u64 @0, tag u8 @8, then the union at @16 — clock: id u32 @16,
/// timeout u64 @24, precision u64 @32, flags u16 @40; fd_readwrite: fd u32 @16.
pub(crate) const SUBSCRIPTION_SIZE: u32 = 48;

/// `event`: userdata u64 @0, error u16 @8, type u8 @10, fd_readwrite.nbytes u64 @16,
/// fd_readwrite.flags u16 @24.
pub(crate) const EVENT_SIZE: u32 = 32;
