//! The read path of `asyncio.BufferedProtocol`: the event loop reads from the socket straight
//! into the engine's receive buffer (`get_buffer`, then `buffer_updated`), instead of into a
//! new `bytes` that `receive_data` then copies.
//!
//! `unsafe` is allowed here for the two buffer-protocol slots of [`ReadBuffer`], which hand
//! Python a pointer into the lent buffer (PEP 3118); the argument is on each block. Every
//! byte the pointer covers is initialized (zeroed when the buffer is lent), and the buffer
//! is neither moved nor freed while a view of it exists: `buffer_updated` refuses to take
//! it back then, and each view holds a reference to the object that owns it.

use std::os::raw::c_int;

use bytes::BytesMut;
use pyo3::exceptions::{PyBufferError, PyValueError};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyMemoryView;

/// The engine's receive buffer, lent to the event loop for one read: a writable buffer
/// (``memoryview(buf)``) of the room the engine offers. Returned by
/// ``Connection.get_buffer``; give the count read to ``Connection.buffer_updated``.
#[pyclass(module = "sansocket")]
pub(crate) struct ReadBuffer {
    /// While lent: the engine's buffer, resized to its whole capacity (zeroed past `filled`).
    buf: Option<BytesMut>,
    /// The undecoded bytes at its front, which the view does not cover.
    filled: usize,
    /// Views exported and not released.
    exports: usize,
}

impl ReadBuffer {
    pub(crate) fn new() -> Self {
        Self {
            buf: None,
            filled: 0,
            exports: 0,
        }
    }

    /// Whether a buffer is lent.
    pub(crate) fn is_lent(&self) -> bool {
        self.buf.is_some()
    }

    /// Keeps `buf` (from `take_read_buffer`) for the event loop to read into.
    pub(crate) fn lend(&mut self, mut buf: BytesMut) {
        let filled = buf.len();
        let capacity = buf.capacity();
        // The room the engine offers, zeroed: what Python may write to and what
        // `buffer_updated` may count as read is initialized memory, whatever it claims.
        buf.resize(capacity.max(filled + 1), 0);
        self.filled = filled;
        self.buf = Some(buf);
    }

    /// The buffer with `nbytes` more bytes read into it, for `give_read_buffer`.
    pub(crate) fn take_back(&mut self, nbytes: usize) -> PyResult<BytesMut> {
        if self.exports > 0 {
            return Err(PyBufferError::new_err(
                "the read buffer is still exported (release the memoryview first)",
            ));
        }
        let Some(buf) = self.buf.as_ref() else {
            return Err(PyValueError::new_err(
                "buffer_updated() without get_buffer() first",
            ));
        };
        let room = buf.len() - self.filled;
        if nbytes > room {
            return Err(PyValueError::new_err(format!(
                "buffer_updated({nbytes}): the buffer had room for {room} bytes"
            )));
        }
        let mut buf = self.buf.take().unwrap_or_default();
        buf.truncate(self.filled + nbytes);
        Ok(buf)
    }
}

#[pymethods]
impl ReadBuffer {
    /// PEP 3118: a writable, one-dimensional view of the room past the undecoded bytes.
    ///
    /// # Safety
    /// Called by Python's buffer machinery with a valid `view` to fill.
    unsafe fn __getbuffer__(
        mut slf: PyRefMut<'_, Self>,
        view: *mut ffi::Py_buffer,
        flags: c_int,
    ) -> PyResult<()> {
        if view.is_null() {
            return Err(PyBufferError::new_err("no view to fill"));
        }
        let filled = slf.filled;
        let Some(buf) = slf.buf.as_mut() else {
            return Err(PyBufferError::new_err("no read buffer is lent"));
        };
        let room = &mut buf[filled..];
        let (ptr, len) = (room.as_mut_ptr(), room.len() as ffi::Py_ssize_t);
        let owner = slf.as_ptr();
        // SAFETY: `view` is non-null and Python's to fill (the caller's contract);
        // `ptr`/`len` are `len` initialized bytes of the lent `BytesMut` (zeroed by `lend`),
        // which stays in place until the view is released: `take_back` refuses while
        // `exports` > 0, and the view's reference to `owner` (taken by `PyBuffer_FillInfo`)
        // keeps this object, and so the buffer, alive. Python writes only through the view.
        let status = unsafe { ffi::PyBuffer_FillInfo(view, owner, ptr.cast(), len, 0, flags) };
        if status != 0 {
            return Err(PyErr::fetch(slf.py()));
        }
        slf.exports += 1;
        Ok(())
    }

    /// PEP 3118: a view was released.
    ///
    /// # Safety
    /// Called by Python's buffer machinery once per view filled by `__getbuffer__`.
    unsafe fn __releasebuffer__(mut slf: PyRefMut<'_, Self>, _view: *mut ffi::Py_buffer) {
        slf.exports = slf.exports.saturating_sub(1);
    }

    fn __len__(&self) -> usize {
        self.buf.as_ref().map_or(0, |buf| buf.len() - self.filled)
    }

    /// ``buf[i:j]``: a ``memoryview`` of part of the room (asyncio's TLS transport reads
    /// into the rest of the buffer this way). Release it before ``buffer_updated``.
    fn __getitem__<'py>(
        slf: &Bound<'py, Self>,
        key: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        PyMemoryView::from(slf.as_any())?.get_item(key)
    }
}
