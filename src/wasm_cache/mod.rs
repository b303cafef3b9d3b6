//! The compiled-Wasm cache: V8's compiled code for a module, kept so that the next compile
//! of the same bytes, in this process or a later one, is skipped.
//!
//! - **Content-addressed.** The key is the sha256 of the wire bytes V8 compiles (after
//!   fuel instrumentation and the memory-cap clamp), the V8 version, the `v8` crate version,
//!   the target, every V8 flag warren set, and warren's version ([`key`]).
//! - **In memory**, compiled modules are shared by every runtime (isolate) of the process
//!   that uses the same [`WasmCache`]: another isolate gets a module object over the same
//!   compiled code (`WasmModuleObject::from_compiled_module`), without recompiling.
//! - **On disk** (a directory, mode 0700), an entry is V8's serialized TurboFan code with
//!   its own sha256 over wire bytes and payload, written by temporary file and rename, and
//!   verified before V8 sees it; a mismatch is a miss, deleted and rewritten (`entry.rs`).
//!   V8 serializes only TurboFan code, so entries are made only by `Tier::Optimized`
//!   compiles (or other flags that compile TurboFan code eagerly).
//!
//! The library uses no cache unless `RuntimeOptions::wasm_cache` names one; the CLI opens
//! `$XDG_CACHE_HOME/warren` (`--cache-dir`, `--no-cache`).

mod entry;
mod serialize;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};

use crate::wasm_cache::entry::Key;

/// The `v8` crate version warren is built against (`Cargo.toml` pins it exactly; a test
/// checks the two agree). Part of the key: the crate's bindings shape the code V8 makes.
pub const V8_CRATE_VERSION: &str = "152.2.0";

/// Why a cache directory cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// Creating, reading or changing the directory failed.
    #[error("compiled-Wasm cache {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The directory exists but belongs to another user, so its entries cannot be trusted.
    #[error(
        "compiled-Wasm cache {}: the directory belongs to another user (uid {owner})",
        path.display()
    )]
    NotOwned { path: PathBuf, owner: u32 },
    /// No directory was given and neither `$XDG_CACHE_HOME` nor `$HOME` is set.
    #[error("compiled-Wasm cache: neither XDG_CACHE_HOME nor HOME is set; pass --cache-dir")]
    NoDefaultDir,
}

/// What a cache has done since it was opened.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Modules V8 compiled from wire bytes (misses).
    pub compiled: u64,
    /// Modules found compiled in this process (shared by another runtime, or compiled
    /// again in the same one).
    pub memory_hits: u64,
    /// Modules loaded from a disk entry without compiling.
    pub disk_hits: u64,
    /// Entries written.
    pub stored: u64,
    /// Entries found corrupt, or refused by V8, and deleted.
    pub rejected: u64,
}

#[derive(Default)]
struct Counters {
    compiled: AtomicU64,
    memory_hits: AtomicU64,
    disk_hits: AtomicU64,
    stored: AtomicU64,
    rejected: AtomicU64,
}

fn bump(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

/// A compiled-Wasm cache: in memory, and on disk when it has a directory. Share one
/// (`Arc`) between the runtimes of a process. It keeps every module it compiled or loaded
/// (V8's code for it) until it is dropped or [`WasmCache::clean`]ed, so give a process
/// that loads an unbounded set of modules one cache per batch rather than one forever.
pub struct WasmCache {
    dir: Option<PathBuf>,
    memory: Mutex<HashMap<Key, Arc<v8::CompiledWasmModule>>>,
    counters: Counters,
}

impl std::fmt::Debug for WasmCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WasmCache")
            .field("dir", &self.dir)
            .field("stats", &self.stats())
            .finish()
    }
}

impl WasmCache {
    /// A cache with its entries in `dir`, created (mode 0700, parents too) if missing. A
    /// directory of ours with wider permissions is narrowed to 0700.
    ///
    /// # Errors
    /// [`CacheError::Io`] when it cannot be created or read, [`CacheError::NotOwned`]
    /// when another user owns it.
    pub fn open(dir: impl Into<PathBuf>) -> Result<Arc<WasmCache>, CacheError> {
        use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
        let dir = dir.into();
        let io = |source| CacheError::Io {
            path: dir.clone(),
            source,
        };
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&dir)
            .map_err(io)?;
        let meta = std::fs::metadata(&dir).map_err(io)?;
        // SAFETY: getuid has no preconditions and cannot fail.
        let me = unsafe { libc::getuid() };
        if meta.uid() != me {
            return Err(CacheError::NotOwned {
                path: dir,
                owner: meta.uid(),
            });
        }
        if meta.mode() & 0o777 != 0o700 {
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).map_err(io)?;
        }
        Ok(Arc::new(WasmCache {
            dir: Some(dir),
            memory: Mutex::default(),
            counters: Counters::default(),
        }))
    }

    /// A cache without a directory: it only shares compiled modules between the runtimes
    /// of this process.
    pub fn in_memory() -> Arc<WasmCache> {
        Arc::new(WasmCache {
            dir: None,
            memory: Mutex::default(),
            counters: Counters::default(),
        })
    }

    /// `$XDG_CACHE_HOME/warren`, or `$HOME/.cache/warren`.
    ///
    /// # Errors
    /// [`CacheError::NoDefaultDir`] when neither variable is set.
    pub fn default_dir() -> Result<PathBuf, CacheError> {
        let nonempty = |k| std::env::var_os(k).filter(|v| !v.is_empty());
        if let Some(x) = nonempty("XDG_CACHE_HOME") {
            return Ok(PathBuf::from(x).join("warren"));
        }
        nonempty("HOME")
            .map(|h| PathBuf::from(h).join(".cache").join("warren"))
            .ok_or(CacheError::NoDefaultDir)
    }

    /// Where the entries are, if on disk.
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// What the cache has done so far.
    pub fn stats(&self) -> CacheStats {
        let c = &self.counters;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        CacheStats {
            compiled: get(&c.compiled),
            memory_hits: get(&c.memory_hits),
            disk_hits: get(&c.disk_hits),
            stored: get(&c.stored),
            rejected: get(&c.rejected),
        }
    }

    /// Deletes every entry (and any left-over temporary file) and forgets the modules
    /// held in memory. Returns how many entries it deleted.
    ///
    /// # Errors
    /// [`CacheError::Io`] when the directory cannot be read or an entry removed.
    pub fn clean(&self) -> Result<usize, CacheError> {
        self.memory
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        let Some(dir) = &self.dir else {
            return Ok(0);
        };
        let io = |source| CacheError::Io {
            path: dir.clone(),
            source,
        };
        let mut removed = 0;
        for e in std::fs::read_dir(dir).map_err(io)? {
            let e = e.map_err(io)?;
            let name = e.file_name();
            let name = name.to_string_lossy();
            let ours = name.ends_with(entry::SUFFIX) || name.starts_with(entry::TEMP_PREFIX);
            if ours && e.file_type().map_err(io)?.is_file() {
                std::fs::remove_file(e.path()).map_err(io)?;
                removed += usize::from(name.ends_with(entry::SUFFIX));
            }
        }
        Ok(removed)
    }

    /// Whether the disk holds an entry for `wire` compiled under V8 `flags` (the CLI asks
    /// before V8 starts, to choose the tier). The entry is not verified here.
    pub fn has_entry(&self, wire: &[u8], flags: &str) -> bool {
        self.dir
            .as_ref()
            .is_some_and(|d| entry::path(d, &key(wire, flags)).is_file())
    }

    /// The entry file for `wire` under V8 `flags`, if the cache is on disk (for tests and
    /// `warren cache`).
    pub fn entry_path(&self, wire: &[u8], flags: &str) -> Option<PathBuf> {
        self.dir.as_ref().map(|d| entry::path(d, &key(wire, flags)))
    }

    /// Compiles `wire` through the cache: from memory, from a verified disk entry, or by
    /// V8 (then kept in memory, and on disk when V8 has TurboFan code to serialize).
    /// `None` with the exception pending in `scope` when V8 rejects the module, as
    /// `WasmModuleObject::compile` does.
    pub(crate) fn compile<'s>(
        &self,
        scope: &mut v8::PinScope<'s, '_>,
        wire: &[u8],
    ) -> Option<v8::Local<'s, v8::WasmModuleObject>> {
        let key = key(wire, &crate::engine::flags());
        if let Some(m) = self.load_from_memory(scope, &key) {
            return Some(m);
        }
        if let Some(m) = self.load_from_disk(scope, &key, wire) {
            self.remember(key, &m);
            return Some(m);
        }
        bump(&self.counters.compiled);
        let m = v8::WasmModuleObject::compile(scope, wire)?;
        self.remember(key, &m);
        self.store(&key, wire, &m);
        Some(m)
    }

    fn load_from_memory<'s>(
        &self,
        scope: &mut v8::PinScope<'s, '_>,
        key: &Key,
    ) -> Option<v8::Local<'s, v8::WasmModuleObject>> {
        let compiled = self
            .memory
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
            .cloned()?;
        let m = v8::WasmModuleObject::from_compiled_module(scope, &compiled)?;
        bump(&self.counters.memory_hits);
        Some(m)
    }

    fn remember(&self, key: Key, module: &v8::WasmModuleObject) {
        let compiled = Arc::new(module.get_compiled_module());
        self.memory
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, compiled);
    }

    fn load_from_disk<'s>(
        &self,
        scope: &mut v8::PinScope<'s, '_>,
        key: &Key,
        wire: &[u8],
    ) -> Option<v8::Local<'s, v8::WasmModuleObject>> {
        let path = entry::path(self.dir.as_ref()?, key);
        let file = entry::read(&path).ok()??;
        let Some(payload) = entry::decode(&file, key, wire) else {
            self.reject(&path);
            return None;
        };
        match serialize::load(scope, wire, payload) {
            Ok(m) => {
                bump(&self.counters.disk_hits);
                Some(m)
            }
            Err(serialize::LoadFailure::Refused) => {
                self.reject(&path);
                None
            }
            // Left in place: V8 accepted the bytes and will not redo the work.
            Err(serialize::LoadFailure::NotSynchronous) => None,
        }
    }

    fn reject(&self, path: &Path) {
        bump(&self.counters.rejected);
        let _ = std::fs::remove_file(path);
    }

    fn store(&self, key: &Key, wire: &[u8], module: &v8::WasmModuleObject) {
        let Some(dir) = &self.dir else { return };
        let Some(payload) = serialize::serialize(module) else {
            return;
        };
        let path = entry::path(dir, key);
        if entry::write_atomically(&path, &entry::encode(key, wire, &payload)).is_ok() {
            bump(&self.counters.stored);
        }
    }
}

/// The cache key of `wire` compiled under V8 `flags`: the sha256 of the wire bytes' own
/// sha256 with everything else that decides the code V8 makes for them.
pub fn key(wire: &[u8], flags: &str) -> [u8; 32] {
    let wire_hash: [u8; 32] = Sha256::digest(wire).into();
    let mut h = Sha256::new();
    for part in [
        b"warren compiled-Wasm cache 1".as_slice(),
        &wire_hash,
        v8::V8::get_version().as_bytes(),
        V8_CRATE_VERSION.as_bytes(),
        std::env::consts::ARCH.as_bytes(),
        std::env::consts::OS.as_bytes(),
        flags.as_bytes(),
        env!("CARGO_PKG_VERSION").as_bytes(),
    ] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part);
    }
    h.finalize().into()
}
