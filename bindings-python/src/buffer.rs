//! The buffer protocol (PEP 3118) through pyo3's [`PyBuffer`], borrowed without copying, for
//! `bytearray` and `memoryview` arguments.
//!
//! `unsafe` is allowed here for one block: pyo3 hands out a buffer's bytes as a raw slice
//! pointer (`as_slice_ptr`), and reading them as `&[u8]` for the length of one call into the
//! engine is what this module exists for. The argument is on the block.

use pyo3::buffer::PyBuffer;
use pyo3::prelude::*;

/// Runs `f` on the bytes of `obj`'s buffer without copying them, or gives `f` back (and no
/// error) when the object cannot export one C-contiguous block of bytes (a strided
/// memoryview, a memoryview of another item format): the caller copies it instead.
pub(crate) fn with_contiguous<R, F: FnOnce(&[u8]) -> R>(
    obj: &Bound<'_, PyAny>,
    f: F,
) -> Result<R, F> {
    let Ok(buffer) = PyBuffer::<u8>::get(obj) else {
        return Err(f);
    };
    // Released when `buffer` is dropped, at the end of this function (or if `f` unwinds).
    match buffer.as_slice_ptr() {
        None => Err(f),
        // SAFETY: `as_slice_ptr` returned the buffer's `item_count` bytes (items of one byte:
        // `PyBuffer::<u8>::get` checked the format), C-contiguous (`as_slice_ptr` checks it), which stay
        // valid and in place until the buffer is released, after `f` returns: while a view
        // is exported its object cannot be resized or freed (bytearray, mmap and memoryview
        // refuse). `f` is Rust code of this crate that copies the bytes into the engine
        // without running Python code, so nothing writes to them while the slice lives.
        Some(ptr) => Ok(f(unsafe { ptr.as_ref() })),
    }
}
