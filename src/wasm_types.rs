//! The process's budget of Wasm types. V8 canonicalizes every type of every module it
//! decodes (compiles or validates) into one table per process, which never shrinks, and
//! ends the process ("Fatal process out of memory: too many canonicalized types") past a
//! million entries. A host that compiles untrusted modules for long (plugins, `warren
//! serve`, a fuzzer) would sooner or later die of it, or at once of one module with a
//! million types. So every module is admitted here before V8 sees it, and refused with a
//! clear error once the budget is spent. A leaf: it depends on nothing else of warren.
//!
//! The count is an upper bound on what V8 adds: a recursion group is counted as new unless
//! a module with the same type section up to and including that group was admitted before
//! (the same prefix canonicalizes to the same types, since a group refers only to itself
//! and earlier groups). Modules that share their types (the same module compiled again,
//! in any isolate) cost nothing after the first.

use std::collections::HashSet;
use std::sync::{LazyLock, Mutex};

use sha2::{Digest, Sha256};

/// V8's limit (`kMaxCanonicalTypes`, which is `kV8MaxWasmTypes`).
const V8_MAX: usize = 1_000_000;
/// What warren admits: V8's limit less a margin for the types V8 predefines.
pub const BUDGET: usize = V8_MAX - 1_000;

struct Table {
    seen: HashSet<[u8; 16]>,
    used: usize,
}

static TABLE: LazyLock<Mutex<Table>> = LazyLock::new(|| {
    Mutex::new(Table {
        seen: HashSet::new(),
        used: 0,
    })
});

/// A module refused because the process's budget of Wasm types is spent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypesFull {
    /// The types the module would add.
    pub needed: usize,
    /// What is left of [`BUDGET`].
    pub left: usize,
}

impl std::fmt::Display for TypesFull {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the module declares {} Wasm types this process has not seen, and only {} are left \
             of the {BUDGET} V8 can hold in one process (it never frees them): start a new process",
            self.needed, self.left
        )
    }
}

/// Counts the types `bytes` (a Wasm binary) would add to V8's table and admits them, or
/// refuses the module if they do not fit.
///
/// # Errors
/// [`TypesFull`] when the budget is spent; nothing is counted then.
pub fn admit(bytes: &[u8]) -> Result<(), TypesFull> {
    let groups = groups(bytes);
    if groups.is_empty() {
        return Ok(());
    }
    let mut table = TABLE.lock().unwrap_or_else(|e| e.into_inner());
    let needed: usize = groups
        .iter()
        .filter(|(key, _)| !table.seen.contains(key))
        .map(|(_, n)| n)
        .sum();
    let left = BUDGET.saturating_sub(table.used);
    if needed > left {
        return Err(TypesFull { needed, left });
    }
    table.used += needed;
    for (key, _) in groups {
        table.seen.insert(key);
    }
    Ok(())
}

/// How many types the process has admitted so far.
pub fn used() -> usize {
    TABLE.lock().unwrap_or_else(|e| e.into_inner()).used
}

/// Each recursion group of the type section: the key of the section up to its end, and
/// how many types it holds. A stretch that does not parse counts one type per byte (no
/// type is shorter), so bytes V8 might read differently are never under-counted.
fn groups(bytes: &[u8]) -> Vec<([u8; 16], usize)> {
    let mut out = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        let reader = match payload {
            Ok(wasmparser::Payload::TypeSection(r)) => r,
            // Only custom sections and the header come before the type section.
            Ok(wasmparser::Payload::Version { .. } | wasmparser::Payload::CustomSection(_)) => {
                continue;
            }
            _ => break,
        };
        let range = reader.range();
        let to_usize = |o| usize::try_from(o).unwrap_or(bytes.len());
        let range = to_usize(range.start)..to_usize(range.end);
        let mut hasher = Sha256::new();
        let mut done = range.start;
        let key = |h: &Sha256| -> [u8; 16] {
            let digest = h.clone().finalize();
            let mut k = [0u8; 16];
            k.copy_from_slice(&digest[..16]);
            k
        };
        let mut iter = reader.into_iter_with_offsets().peekable();
        while let Some(item) = iter.next() {
            match item {
                Ok((_, group)) => {
                    let end = match iter.peek() {
                        Some(Ok((next, _))) => to_usize(*next),
                        _ => range.end,
                    };
                    hasher.update(bytes.get(done..end).unwrap_or_default());
                    done = end;
                    out.push((key(&hasher), group.types().len()));
                }
                Err(_) => {
                    hasher.update(bytes.get(done..range.end).unwrap_or_default());
                    out.push((key(&hasher), range.end.saturating_sub(done).max(1)));
                    break;
                }
            }
        }
        break;
    }
    out
}
