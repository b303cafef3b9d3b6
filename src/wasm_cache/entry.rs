//! One cache entry on disk: its file format, its integrity check, and writing it so that
//! no reader ever sees half of one.
//!
//! ```text
//! magic "WRNWASM\x01" | key (32) | sha256(wire bytes ++ payload) (32)
//!     | wire length (u64 LE) | payload length (u64 LE) | payload (V8's serialized module)
//! ```
//!
//! V8 checks only a header when it loads serialized code, and a corrupt payload could
//! crash the process or run foreign code, so an entry is used only when its digest matches
//! the wire bytes being compiled and the payload read. Anything else is a miss.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest, Sha256};

use crate::wasm_cache::serialize::has_v8_magic;

const MAGIC: &[u8; 8] = b"WRNWASM\x01";
const HEADER: usize = 8 + 32 + 32 + 8 + 8;
/// The file name suffix of entries.
pub(crate) const SUFFIX: &str = ".wasmcache";
/// The file name prefix of entries being written.
pub(crate) const TEMP_PREFIX: &str = ".tmp-";

/// A cache key: the sha256 of everything that decides the compiled code.
pub(crate) type Key = [u8; 32];

/// The file of the entry for `key` in `dir`.
pub(crate) fn path(dir: &Path, key: &Key) -> PathBuf {
    let mut name = String::with_capacity(64 + SUFFIX.len());
    for b in key {
        name.push_str(&format!("{b:02x}"));
    }
    name.push_str(SUFFIX);
    dir.join(name)
}

fn digest(wire: &[u8], payload: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(wire);
    h.update(payload);
    h.finalize().into()
}

/// An entry's bytes for `key`: the header, then V8's `payload` for `wire`.
pub(crate) fn encode(key: &Key, wire: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER + payload.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(key);
    out.extend_from_slice(&digest(wire, payload));
    out.extend_from_slice(&(wire.len() as u64).to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(payload);
    out
}

/// The payload of an entry file, if it is intact and is the entry for `key` and `wire`:
/// the right magic, key and lengths, a digest that matches, and V8's own header magic.
pub(crate) fn decode<'f>(file: &'f [u8], key: &Key, wire: &[u8]) -> Option<&'f [u8]> {
    let (head, payload) = file.split_at_checked(HEADER)?;
    let u64_at = |at: usize| u64::from_le_bytes(head[at..at + 8].try_into().unwrap_or([0; 8]));
    let intact = &head[..8] == MAGIC
        && &head[8..40] == key
        && u64_at(72) == wire.len() as u64
        && u64_at(80) == payload.len() as u64
        && head[40..72] == digest(wire, payload)
        && has_v8_magic(payload);
    intact.then_some(payload)
}

/// Reads the entry file at `path`: `None` when there is none.
pub(crate) fn read(path: &Path) -> io::Result<Option<Vec<u8>>> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Writes `bytes` as the file at `path`, atomically: into a new temporary file beside it
/// (readable by the owner only), then renamed over it.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    static SEQ: AtomicU64 = AtomicU64::new(0);
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("entry");
    let temp = dir.join(format!(
        "{TEMP_PREFIX}{}-{}-{name}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    ));
    let written = (|| {
        let mut f: File = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&temp)?;
        // No fsync: a torn entry after a crash fails its digest and is a miss.
        f.write_all(bytes)?;
        fs::rename(&temp, path)
    })();
    if written.is_err() {
        let _ = fs::remove_file(&temp);
    }
    written
}
