//! One memory cap for a runtime (`RuntimeOptions::max_memory`), as Cloudflare's 128 MB per
//! isolate is: the JS heap, ArrayBuffer backing stores and every Wasm memory together.
//!
//! - The JS heap is capped by V8's heap limit, set to the cap.
//! - ArrayBuffer backing stores go through a counting allocator of our own
//!   (`v8::new_rust_allocator`): an allocation that would take the runtime past the cap
//!   fails, and V8 throws `RangeError: Array buffer allocation failed`. Bytes Rust makes
//!   and moves into an ArrayBuffer (an op's result, a host function's `Vec<u8>`) are held
//!   against the same count until V8 frees the buffer ([`uint8_array`]).
//! - Wasm memories are not allocated through it (V8 reserves them itself), so their
//!   declared maxima are clamped to what is left of the cap before a module is compiled
//!   ([`clamp_memories`]): `memory.grow` past it then returns -1, natively, at no cost.
//!
//! The JS heap and Wasm memory sizes are sampled at call boundaries and on every
//! instantiation into [`MemoryBudget::other`]; the allocator checks against the sample.

use std::borrow::Cow;
use std::ffi::c_void;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::error::{Error, Result};
use crate::runtime::state::State;

/// Bytes in a Wasm page.
pub(crate) const PAGE: u64 = 65536;

/// The cap and what is in use of it.
#[derive(Debug)]
pub(crate) struct MemoryBudget {
    pub limit: usize,
    /// ArrayBuffer backing stores allocated through our allocator, live, and the bytes
    /// reserved for memory V8 does not see ([`MemoryBudget::reserve`]), counted with them.
    array_buffers: AtomicUsize,
    reserved: AtomicUsize,
    /// The JS heap and Wasm memories, as last sampled.
    other: AtomicUsize,
}

impl MemoryBudget {
    pub fn new(limit: usize) -> Arc<Self> {
        Arc::new(MemoryBudget {
            limit,
            array_buffers: AtomicUsize::new(0),
            reserved: AtomicUsize::new(0),
            other: AtomicUsize::new(0),
        })
    }

    /// Records the JS heap and Wasm memories' current size.
    pub fn sample(&self, heap_and_wasm: usize) {
        self.other.store(heap_and_wasm, Ordering::Relaxed);
    }

    /// Bytes of ArrayBuffer backing stores allocated through the counting allocator, live.
    pub fn array_buffers(&self) -> usize {
        self.array_buffers
            .load(Ordering::Relaxed)
            .saturating_sub(self.reserved.load(Ordering::Relaxed))
    }

    /// Bytes in use: ArrayBuffers, plus the last sample of the rest.
    pub fn used(&self) -> usize {
        self.array_buffers.load(Ordering::Relaxed) + self.other.load(Ordering::Relaxed)
    }

    /// Bytes left under the cap.
    pub fn left(&self) -> usize {
        self.limit.saturating_sub(self.used())
    }

    fn try_reserve(&self, n: usize) -> bool {
        let other = self.other.load(Ordering::Relaxed);
        self.array_buffers
            .fetch_update(Ordering::AcqRel, Ordering::Relaxed, |ab| {
                let total = ab.checked_add(n)?.checked_add(other)?;
                (total <= self.limit).then_some(ab + n)
            })
            .is_ok()
    }

    fn release(&self, n: usize) {
        self.array_buffers.fetch_sub(n, Ordering::AcqRel);
    }

    /// `n` bytes of the cap held for memory V8 does not see (a codec's state), given back
    /// when the reservation is dropped; `None` when they do not fit.
    pub fn reserve(self: &Arc<Self>, n: usize) -> Option<Reservation> {
        if !self.try_reserve(n) {
            return None;
        }
        self.reserved.fetch_add(n, Ordering::Relaxed);
        Some(Reservation {
            budget: self.clone(),
            n,
            buffer: false,
        })
    }

    /// `n` bytes of the cap for an ArrayBuffer whose bytes Rust allocated (and V8's
    /// allocator did not see), counted as V8's are until the reservation is dropped.
    fn hold_buffer(self: &Arc<Self>, n: usize) -> Option<Reservation> {
        if !self.try_reserve(n) {
            return None;
        }
        Some(Reservation {
            budget: self.clone(),
            n,
            buffer: true,
        })
    }

    /// An ArrayBuffer allocator that counts against this budget.
    pub fn allocator(self: &Arc<Self>) -> v8::UniqueRef<v8::Allocator> {
        static VTABLE: v8::RustAllocatorVtable<MemoryBudget> = v8::RustAllocatorVtable {
            allocate,
            allocate_uninitialized,
            free,
            drop: drop_budget,
        };
        // SAFETY: the pointer comes from `Arc::into_raw` and is released exactly once, by
        // `drop_budget`, when V8 drops the allocator; the vtable is 'static.
        unsafe { v8::new_rust_allocator(Arc::into_raw(self.clone()), &VTABLE) }
    }
}

/// Bytes of a budget held for as long as this lives ([`MemoryBudget::reserve`]).
pub(crate) struct Reservation {
    budget: Arc<MemoryBudget>,
    n: usize,
    /// For an ArrayBuffer's bytes ([`MemoryBudget::hold_buffer`]), not memory V8 does not
    /// see: counted in `array_buffers` as they are.
    buffer: bool,
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if !self.buffer {
            self.budget.reserved.fetch_sub(self.n, Ordering::Relaxed);
        }
        self.budget.release(self.n);
    }
}

/// The bytes of an ArrayBuffer made over a Rust `Vec`, with their hold on the cap: both
/// go when V8 frees the buffer.
struct HeldBytes {
    data: Vec<u8>,
    _held: Option<Reservation>,
}

impl AsMut<[u8]> for HeldBytes {
    fn as_mut(&mut self) -> &mut [u8] {
        &mut self.data
    }
}

/// A `Uint8Array` over `data`, moved and not copied (bytes a host function or an op
/// returns). Under a memory cap its bytes count against the cap as an ArrayBuffer V8
/// allocated would, until V8 frees it; `None` when they do not fit (or V8 cannot make
/// the array), for the caller to throw `RangeError`.
pub(crate) fn uint8_array<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    data: Vec<u8>,
) -> Option<v8::Local<'s, v8::Uint8Array>> {
    let len = data.len();
    let budget = State::get(scope).budget.borrow().clone();
    let held = match budget {
        Some(b) => match b.hold_buffer(len) {
            Some(h) => Some(h),
            // As V8 does when its allocator refuses: collect what is garbage (buffers
            // already dropped but not yet freed, as a stream's read chunks are), then try
            // once more.
            None => {
                scope.low_memory_notification();
                Some(b.hold_buffer(len)?)
            }
        },
        None => None,
    };
    let bytes = Box::new(HeldBytes { data, _held: held });
    let store = v8::ArrayBuffer::new_backing_store_from_bytes(bytes).make_shared();
    let ab = v8::ArrayBuffer::with_backing_store(scope, &store);
    v8::Uint8Array::new(scope, ab, 0, len)
}

/// Samples the JS heap and the runtime's Wasm memories into its budget; returns the budget
/// (`None` when the runtime has no memory cap).
pub(crate) fn sample(scope: &mut v8::PinScope) -> Option<Arc<MemoryBudget>> {
    let state = State::get(scope);
    let budget = state.budget.borrow().clone()?;
    let heap = scope.get_heap_statistics().used_heap_size();
    let wasm = state.wasm_ctors().memory_bytes(scope);
    budget.sample(heap + wasm);
    Some(budget)
}

/// The bytes V8 should compile for `bytes`: with defined memories' maxima clamped to what
/// is left of the cap (unchanged without a cap, or when every maximum fits).
///
/// # Errors
/// [`Error::MemoryCap`] naming the module and memory whose initial size is over the cap.
pub(crate) fn prepare<'b>(
    scope: &mut v8::PinScope,
    bytes: &'b [u8],
    name: &str,
) -> Result<Cow<'b, [u8]>> {
    let Some(budget) = sample(scope) else {
        return Ok(Cow::Borrowed(bytes));
    };
    let pages = budget.left() as u64 / PAGE;
    match clamp_memories(bytes, pages) {
        Ok(Some(b)) => Ok(Cow::Owned(b)),
        Ok(None) => Ok(Cow::Borrowed(bytes)),
        Err(why) => Err(Error::MemoryCap(format!(
            "{name}: {why} ({} cap)",
            bytesize::ByteSize::b(budget.limit as u64).display().iec()
        ))),
    }
}

fn layout(len: usize) -> Option<std::alloc::Layout> {
    std::alloc::Layout::from_size_align(len.max(1), 16).ok()
}

unsafe extern "C" fn allocate(budget: &MemoryBudget, len: usize) -> *mut c_void {
    if !budget.try_reserve(len) {
        return std::ptr::null_mut();
    }
    let Some(l) = layout(len) else {
        budget.release(len);
        return std::ptr::null_mut();
    };
    // SAFETY: `l` has a non-zero size.
    let p = unsafe { std::alloc::alloc_zeroed(l) };
    if p.is_null() {
        budget.release(len);
    }
    p as *mut c_void
}

unsafe extern "C" fn allocate_uninitialized(budget: &MemoryBudget, len: usize) -> *mut c_void {
    if !budget.try_reserve(len) {
        return std::ptr::null_mut();
    }
    let Some(l) = layout(len) else {
        budget.release(len);
        return std::ptr::null_mut();
    };
    // SAFETY: `l` has a non-zero size.
    let p = unsafe { std::alloc::alloc(l) };
    if p.is_null() {
        budget.release(len);
    }
    p as *mut c_void
}

unsafe extern "C" fn free(budget: &MemoryBudget, data: *mut c_void, len: usize) {
    if data.is_null() {
        return;
    }
    budget.release(len);
    if let Some(l) = layout(len) {
        // SAFETY: `data` was returned by `allocate*` for this `len`, so with this layout.
        unsafe { std::alloc::dealloc(data as *mut u8, l) };
    }
}

unsafe extern "C" fn drop_budget(budget: *const MemoryBudget) {
    // SAFETY: `budget` is the pointer `allocator` made with `Arc::into_raw`.
    drop(unsafe { Arc::from_raw(budget) });
}

/// A module's defined memories with their maximum clamped to `max_pages`, or `None` when
/// no memory needs it (every maximum already fits). Imported memories are left alone:
/// their owner was clamped when it was made. Returns the rewritten bytes.
///
/// # Errors
/// A message naming the memory whose *initial* size alone is over `max_pages`.
pub(crate) fn clamp_memories(bytes: &[u8], max_pages: u64) -> Result<Option<Vec<u8>>, String> {
    use wasmparser::{BinaryReader, ImportSectionReader, MemorySectionReader, TypeRef};
    let mut imported_memories = 0u32;
    let mut memory = None;
    for (id, header, contents) in sections(bytes)? {
        let reader = BinaryReader::new(&bytes[contents.clone()], contents.start as u64);
        match id {
            2 => {
                let r = ImportSectionReader::new(reader).map_err(|e| e.to_string())?;
                for imp in r.into_imports() {
                    if matches!(imp.map_err(|e| e.to_string())?.ty, TypeRef::Memory(_)) {
                        imported_memories += 1;
                    }
                }
            }
            5 => {
                let r = MemorySectionReader::new(reader).map_err(|e| e.to_string())?;
                let mems: Vec<wasmparser::MemoryType> = r
                    .into_iter()
                    .collect::<Result<_, _>>()
                    .map_err(|e| e.to_string())?;
                memory = Some((header, contents.end, mems));
            }
            _ => {}
        }
    }
    let Some((start, end, mems)) = memory else {
        return Ok(None);
    };
    let mut changed = false;
    let mut section = wasm_encoder::MemorySection::new();
    for (i, m) in mems.iter().enumerate() {
        let index = imported_memories + i as u32;
        let page = m.page_size_log2.map_or(PAGE, |l| 1u64 << l);
        // A 32-bit memory can address 4 GiB at most, whatever the cap.
        let hard = if m.memory64 {
            u64::MAX
        } else {
            (1u64 << 32) / page
        };
        let cap = (max_pages.saturating_mul(PAGE) / page).min(hard);
        if m.initial > cap {
            return Err(format!(
                "memory {index} needs {} initially, more than the {} left of the runtime's memory cap",
                bytesize::ByteSize::b(m.initial.saturating_mul(page))
                    .display()
                    .iec(),
                bytesize::ByteSize::b(cap.saturating_mul(page))
                    .display()
                    .iec(),
            ));
        }
        let maximum = match m.maximum {
            Some(max) if max <= cap => Some(max),
            None if cap == hard => None,
            _ => {
                changed = true;
                Some(cap)
            }
        };
        section.memory(wasm_encoder::MemoryType {
            minimum: m.initial,
            maximum,
            memory64: m.memory64,
            shared: m.shared,
            page_size_log2: m.page_size_log2,
        });
    }
    if !changed {
        return Ok(None);
    }
    let mut out = Vec::with_capacity(bytes.len() + 8);
    out.extend_from_slice(&bytes[..start]);
    // `Module::section` does the same: the id, then the size-prefixed contents.
    out.push(wasm_encoder::Section::id(&section));
    wasm_encoder::Encode::encode(&section, &mut out);
    out.extend_from_slice(&bytes[end..]);
    Ok(Some(out))
}

/// A module's sections: (id, where the section's header starts, its contents).
fn sections(bytes: &[u8]) -> Result<Vec<(u8, usize, std::ops::Range<usize>)>, String> {
    let mut out = Vec::new();
    let mut pos = 8;
    while pos < bytes.len() {
        let header = pos;
        let id = bytes[pos];
        let mut reader = wasmparser::BinaryReader::new(&bytes[pos + 1..], (pos + 1) as u64);
        let size = reader.read_var_u32().map_err(|e| e.to_string())? as usize;
        let start = reader.original_position() as usize;
        let end = start
            .checked_add(size)
            .filter(|&e| e <= bytes.len())
            .ok_or_else(|| format!("section {id} runs past the end of the module"))?;
        out.push((id, header, start..end));
        pos = end;
    }
    Ok(out)
}
