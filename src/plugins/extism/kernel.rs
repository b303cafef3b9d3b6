//! The Extism kernel in Rust: the memory of a plugin's own that Extism's host ABI addresses
//! with i64 offsets (never the plugin's linear memory), its allocator, and the call's input,
//! output and error. One per plugin instance, reset before every call.
//!
//! It behaves as Extism's published kernel (`extism-runtime.wasm`, built from
//! `kernel/src/lib.rs`) with its `bounds-checking` feature: offset 0 is null, `alloc(0)` and
//! a failed allocation return 0, a load outside the memory reads 0 and a store there is
//! dropped, `length` of anything but a live block is 0, and freed blocks are reused by later
//! allocations that fit. The memory is a `Vec<u8>` capped at the plugin's memory limit.

use std::collections::HashMap;

/// One allocation: where its data starts is its key in [`Kernel::blocks`].
#[derive(Debug, Clone, Copy)]
struct Block {
    /// Bytes reserved for it.
    size: u64,
    /// Bytes in use (`length`): `size` when fresh, less when a freed block is reused.
    used: u64,
}

/// The kernel memory of one plugin instance.
#[derive(Debug)]
pub(crate) struct Kernel {
    /// Byte 0 is the null offset and never handed out.
    mem: Vec<u8>,
    /// Live blocks, by data offset.
    blocks: HashMap<u64, Block>,
    /// Freed blocks (offset, size), reused first-fit.
    free: Vec<(u64, u64)>,
    input: (u64, u64),
    output: (u64, u64),
    error: u64,
    /// The most bytes the memory may hold.
    cap: u64,
}

impl Kernel {
    /// An empty kernel memory that never grows past `cap` bytes.
    pub(crate) fn new(cap: u64) -> Kernel {
        Kernel {
            mem: vec![0],
            blocks: HashMap::new(),
            free: Vec::new(),
            input: (0, 0),
            output: (0, 0),
            error: 0,
            cap,
        }
    }

    /// Forgets every block, the input, the output and the error (between calls).
    pub(crate) fn reset(&mut self) {
        self.mem.truncate(1);
        self.blocks.clear();
        self.free.clear();
        self.input = (0, 0);
        self.output = (0, 0);
        self.error = 0;
    }

    /// `alloc`: a new block of `n` bytes (zeroed when fresh), or 0.
    pub(crate) fn alloc(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        if let Some(i) = self.free.iter().position(|&(_, size)| size >= n) {
            let (offset, size) = self.free.swap_remove(i);
            self.blocks.insert(offset, Block { size, used: n });
            return offset;
        }
        let offset = self.mem.len() as u64;
        let Some(end) = offset.checked_add(n).filter(|e| *e <= self.cap) else {
            return 0;
        };
        let Ok(end) = usize::try_from(end) else {
            return 0;
        };
        if self.mem.try_reserve(end - self.mem.len()).is_err() {
            return 0;
        }
        self.mem.resize(end, 0);
        self.blocks.insert(offset, Block { size: n, used: n });
        offset
    }

    /// `free`: the block at `p` may be reused (anything else is ignored).
    pub(crate) fn free(&mut self, p: u64) {
        if let Some(b) = self.blocks.remove(&p) {
            self.free.push((p, b.size));
            if p == self.input.0 {
                self.input.1 = 0;
            }
        }
    }

    /// `length` (and `length_unsafe`): the bytes in use of the block at `p`, 0 for anything
    /// that is not a live block.
    pub(crate) fn length(&self, p: u64) -> u64 {
        self.blocks.get(&p).map_or(0, |b| b.used)
    }

    fn range(&self, p: u64, n: u64) -> Option<std::ops::Range<usize>> {
        let end = p.checked_add(n)?;
        if p == 0 || end > self.mem.len() as u64 {
            return None;
        }
        Some(p as usize..end as usize)
    }

    pub(crate) fn load_u8(&self, p: u64) -> u8 {
        self.range(p, 1).map_or(0, |r| self.mem[r.start])
    }

    pub(crate) fn load_u64(&self, p: u64) -> u64 {
        self.range(p, 8).map_or(0, |r| {
            u64::from_le_bytes(self.mem[r].try_into().unwrap_or([0; 8]))
        })
    }

    pub(crate) fn store_u8(&mut self, p: u64, x: u8) {
        if let Some(r) = self.range(p, 1) {
            self.mem[r.start] = x;
        }
    }

    pub(crate) fn store_u64(&mut self, p: u64, x: u64) {
        if let Some(r) = self.range(p, 8) {
            self.mem[r].copy_from_slice(&x.to_le_bytes());
        }
    }

    /// `input_load_u8`: byte `i` of the input, 0 past its end.
    pub(crate) fn input_load_u8(&self, i: u64) -> u8 {
        if i >= self.input.1 {
            return 0;
        }
        self.load_u8(self.input.0 + i)
    }

    /// `input_load_u64`: the 8 bytes of the input from `i`, 0 when they pass its end.
    pub(crate) fn input_load_u64(&self, i: u64) -> u64 {
        match i.checked_add(8) {
            Some(end) if end <= self.input.1 => self.load_u64(self.input.0 + i),
            _ => 0,
        }
    }

    pub(crate) fn input_offset(&self) -> u64 {
        self.input.0
    }

    pub(crate) fn input_length(&self) -> u64 {
        self.input.1
    }

    /// `output_set`: the output is `len` bytes at `p` (ignored when they are not in the
    /// memory).
    pub(crate) fn output_set(&mut self, p: u64, len: u64) {
        if len == 0 || self.range(p, len).is_some() {
            self.output = (p, len);
        }
    }

    /// `error_set`: the error message is the block at `p` (0 clears it).
    pub(crate) fn error_set(&mut self, p: u64) {
        if p == 0 || self.range(p, 1).is_some() {
            self.error = p;
        }
    }

    pub(crate) fn error_get(&self) -> u64 {
        self.error
    }

    /// Puts `bytes` in a new block and makes them the input; false when they do not fit.
    pub(crate) fn set_input(&mut self, bytes: &[u8]) -> bool {
        let p = self.new_block(bytes);
        if p == 0 && !bytes.is_empty() {
            return false;
        }
        self.input = (p, bytes.len() as u64);
        true
    }

    /// The output's bytes, if `output_set` named any.
    pub(crate) fn output(&self) -> &[u8] {
        let (p, len) = self.output;
        self.range(p, len).map_or(&[], |r| &self.mem[r])
    }

    /// The error message's bytes, when one is set: the block at the error offset (or,
    /// when the offset is not a block start, the bytes from it to the end of the memory's
    /// first NUL, as a C string).
    pub(crate) fn error(&self) -> Option<&[u8]> {
        if self.error == 0 {
            return None;
        }
        match self.block(self.error) {
            Some(b) => Some(b),
            None => {
                let start = self.error as usize;
                let rest = self.mem.get(start..)?;
                let end = rest.iter().position(|b| *b == 0).unwrap_or(rest.len());
                Some(&rest[..end])
            }
        }
    }

    /// The bytes of the live block at `p` (`None` for anything else; `p == 0` is the
    /// empty block).
    pub(crate) fn block(&self, p: u64) -> Option<&[u8]> {
        if p == 0 {
            return Some(&[]);
        }
        let b = self.blocks.get(&p)?;
        self.range(p, b.used).map(|r| &self.mem[r])
    }

    /// A new block holding `bytes`: its offset, 0 when `bytes` is empty or does not fit.
    pub(crate) fn new_block(&mut self, bytes: &[u8]) -> u64 {
        let p = self.alloc(bytes.len() as u64);
        if let Some(r) = self.range(p, bytes.len() as u64) {
            self.mem[r].copy_from_slice(bytes);
        }
        p
    }
}
