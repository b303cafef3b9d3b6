//! Guest memory as a byte slice: bounds- and alignment-checked access to the scalars,
//! strings and iovecs the preview1 ABI passes by pointer. The slice is the live memory,
//! so data moves between files and guest memory with no copy. A pointer out of bounds or
//! misaligned is a trap, as the preview1 spec requires.

use crate::wasi::abi::IOVEC_SIZE;
use crate::wasi::errno::{Errno, Fail, WasiResult};

/// The calling instance's memory for the duration of one WASI call.
pub(crate) struct GuestMemory<'a> {
    bytes: &'a mut [u8],
}

fn out_of_bounds(ptr: u32, len: u64, size: usize) -> Fail {
    Fail::Trap(format!(
        "out of bounds memory access: {ptr:#x}+{len} is past the memory size {size:#x}"
    ))
}

impl<'a> GuestMemory<'a> {
    pub(crate) fn new(bytes: &'a mut [u8]) -> Self {
        GuestMemory { bytes }
    }

    fn range(&self, ptr: u32, len: u32, align: u32) -> WasiResult<std::ops::Range<usize>> {
        if !ptr.is_multiple_of(align) {
            return Err(Fail::Trap(format!(
                "pointer {ptr:#x} is not aligned to {align} bytes"
            )));
        }
        let start = ptr as usize;
        let end = start + len as usize;
        if end > self.bytes.len() {
            return Err(out_of_bounds(ptr, u64::from(len), self.bytes.len()));
        }
        Ok(start..end)
    }

    /// `len` bytes at `ptr`.
    pub(crate) fn slice(&self, ptr: u32, len: u32) -> WasiResult<&[u8]> {
        let r = self.range(ptr, len, 1)?;
        Ok(&self.bytes[r])
    }

    /// `len` bytes at `ptr`, to write into.
    pub(crate) fn slice_mut(&mut self, ptr: u32, len: u32) -> WasiResult<&mut [u8]> {
        let r = self.range(ptr, len, 1)?;
        Ok(&mut self.bytes[r])
    }

    /// A UTF-8 string (a path); invalid UTF-8 is `EILSEQ`.
    pub(crate) fn str(&self, ptr: u32, len: u32) -> WasiResult<&str> {
        std::str::from_utf8(self.slice(ptr, len)?).map_err(|_| Errno::Ilseq.into())
    }

    /// Copies `data` to `ptr`.
    pub(crate) fn write(&mut self, ptr: u32, data: &[u8]) -> WasiResult<()> {
        let len = u32::try_from(data.len()).map_err(|_| Errno::Overflow)?;
        self.slice_mut(ptr, len)?.copy_from_slice(data);
        Ok(())
    }

    fn array<const N: usize>(&self, ptr: u32) -> WasiResult<[u8; N]> {
        let r = self.range(ptr, N as u32, N as u32)?;
        let mut out = [0u8; N];
        out.copy_from_slice(&self.bytes[r]);
        Ok(out)
    }

    fn put<const N: usize>(&mut self, ptr: u32, v: [u8; N]) -> WasiResult<()> {
        let r = self.range(ptr, N as u32, N as u32)?;
        self.bytes[r].copy_from_slice(&v);
        Ok(())
    }

    pub(crate) fn read_u8(&self, ptr: u32) -> WasiResult<u8> {
        Ok(self.array::<1>(ptr)?[0])
    }

    pub(crate) fn read_u16(&self, ptr: u32) -> WasiResult<u16> {
        self.array(ptr).map(u16::from_le_bytes)
    }

    pub(crate) fn read_u32(&self, ptr: u32) -> WasiResult<u32> {
        self.array(ptr).map(u32::from_le_bytes)
    }

    pub(crate) fn read_u64(&self, ptr: u32) -> WasiResult<u64> {
        self.array(ptr).map(u64::from_le_bytes)
    }

    pub(crate) fn write_u8(&mut self, ptr: u32, v: u8) -> WasiResult<()> {
        self.put(ptr, [v])
    }

    pub(crate) fn write_u16(&mut self, ptr: u32, v: u16) -> WasiResult<()> {
        self.put(ptr, v.to_le_bytes())
    }

    pub(crate) fn write_u32(&mut self, ptr: u32, v: u32) -> WasiResult<()> {
        self.put(ptr, v.to_le_bytes())
    }

    pub(crate) fn write_u64(&mut self, ptr: u32, v: u64) -> WasiResult<()> {
        self.put(ptr, v.to_le_bytes())
    }

    /// Checks that a struct of `size` bytes aligned to `align` fits at `ptr` (before
    /// writing its fields one by one, so a bad pointer writes nothing).
    pub(crate) fn check(&self, ptr: u32, size: u32, align: u32) -> WasiResult<()> {
        self.range(ptr, size, align).map(|_| ())
    }

    /// The first iovec of the array at `iovs` whose length is not zero, as `(buf, len)`
    /// (`(0, 0)` when all are empty). Like wasmtime, a call reads or writes only that
    /// buffer and returns a short count; callers (libc) loop.
    pub(crate) fn first_iovec(&self, iovs: u32, count: u32) -> WasiResult<(u32, u32)> {
        let total = count
            .checked_mul(IOVEC_SIZE)
            .ok_or_else(|| out_of_bounds(iovs, u64::from(count) * 8, self.bytes.len()))?;
        self.check(iovs, total, 4)?;
        for i in 0..count {
            let at = iovs + i * IOVEC_SIZE;
            let buf = self.read_u32(at)?;
            let len = self.read_u32(at + 4)?;
            if len != 0 {
                self.range(buf, len, 1)?;
                return Ok((buf, len));
            }
        }
        Ok((0, 0))
    }
}
