//! Python values in (byte-like arguments, header lists) and new `bytes` out.
//!
//! `unsafe` is allowed here for [`new_bytes`]: a `bytes` of a given length made without
//! zeroing it first, then filled by the engine (a 1 MiB `data_to_send()` spent a fifth of its
//! time zeroing through the safe constructor), and for [`new_bytes_from`], which fills one
//! with `memcpy` (a byte-by-byte loop over `MaybeUninit` is not turned into one): for
//! small copies (large ones take the core's AVX2 loop: [`payload_bytes`],
//! `wsproto_message::framed`), and for [`PartialBytes`], a `bytes` made the same way and
//! filled piece by piece (a message whose frame straddles reads) before any Python code
//! sees it. Each block carries its `// SAFETY:` argument.

use std::mem::MaybeUninit;

use pyo3::exceptions::PyTypeError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyMemoryView, PyString};

/// Runs `f` on the bytes of a `bytes`, `bytearray` or `memoryview` without copying them (a
/// strided, non-contiguous `memoryview` is copied once).
pub(crate) fn with_bytes<R>(data: &Bound<'_, PyAny>, f: impl FnOnce(&[u8]) -> R) -> PyResult<R> {
    if let Ok(bytes) = data.cast::<PyBytes>() {
        return Ok(f(bytes.as_bytes()));
    }
    if data.is_instance_of::<PyByteArray>() || data.is_instance_of::<PyMemoryView>() {
        let f = match crate::buffer::with_contiguous(data, f) {
            Ok(result) => return Ok(result),
            Err(f) => f,
        };
        let copy = data.py().get_type::<PyBytes>().call1((data,))?;
        let copy = copy.cast::<PyBytes>()?;
        return Ok(f(copy.as_bytes()));
    }
    Err(PyTypeError::new_err(format!(
        "expected bytes, bytearray or memoryview, got {}",
        type_name(data)
    )))
}

/// `data` as a `bytes`: itself, or a copy of a `bytearray` or `memoryview` (see
/// [`with_bytes`]).
pub(crate) fn into_bytes<'py>(data: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyBytes>> {
    match data.cast::<PyBytes>() {
        Ok(bytes) => Ok(bytes.clone()),
        Err(_) => with_bytes(data, |bytes| PyBytes::new(data.py(), bytes)),
    }
}

/// A new `bytes` of `len` bytes filled by `fill`, which returns how many of them it wrote
/// (all, as the engine's drains do; any left are zeroed). Unlike `PyBytes::new_with`, the
/// memory is not zeroed first: a 1 MiB `data_to_send()` spent a fifth of its time there.
pub(crate) fn new_bytes<'py>(
    py: Python<'py>,
    len: usize,
    fill: impl FnOnce(&mut [MaybeUninit<u8>]) -> usize,
) -> PyResult<Bound<'py, PyBytes>> {
    let size = ffi::Py_ssize_t::try_from(len)
        .map_err(|_| pyo3::exceptions::PyOverflowError::new_err("output too large"))?;
    // SAFETY: with a NULL source, `PyBytes_FromStringAndSize` returns a new `bytes` of
    // `size` bytes whose contents are not initialized (or NULL with an exception set, which
    // `from_owned_ptr_or_err` returns as the error); the interpreter is attached (`py`).
    let object = unsafe {
        Bound::from_owned_ptr_or_err(py, ffi::PyBytes_FromStringAndSize(std::ptr::null(), size))?
    };
    // SAFETY: `object` is the `bytes` just made, so `PyBytes_AsString` returns its buffer of
    // `len` bytes (plus the terminating NUL CPython set), owned by `object`, which outlives
    // the slice. No other code has seen the object yet, so writing into it is allowed (what
    // CPython's own constructors do), and as `MaybeUninit<u8>` the slice makes no claim that
    // the bytes are initialized.
    let buf = unsafe {
        let data = ffi::PyBytes_AsString(object.as_ptr());
        std::slice::from_raw_parts_mut(data.cast::<MaybeUninit<u8>>(), len)
    };
    let written = fill(&mut *buf).min(len);
    buf[written..].fill(MaybeUninit::new(0));
    // SAFETY: `object` is a `bytes` (made above); every byte of it is now initialized.
    Ok(unsafe { object.cast_into_unchecked() })
}

/// A `bytes` of a message whose frame straddles reads, filled piece by piece as the reads
/// come (each piece unmasked straight from its read, one copy), then handed out whole by
/// [`finish`](Self::finish). Made like [`new_bytes`]'s (not zeroed first); no Python code
/// can see it before `finish`: the object is only held here (a `bytes` is not tracked by
/// the garbage collector, and dropping it unfinished only frees it).
pub(crate) struct PartialBytes {
    object: Py<PyBytes>,
    len: usize,
    /// The bytes at its front written so far (the rest is not initialized).
    filled: usize,
}

impl PartialBytes {
    /// An unfilled `bytes` of `len` bytes.
    pub(crate) fn new(py: Python<'_>, len: usize) -> PyResult<Self> {
        let size = ffi::Py_ssize_t::try_from(len)
            .map_err(|_| pyo3::exceptions::PyOverflowError::new_err("message too large"))?;
        // SAFETY: as in `new_bytes`: a new `bytes` of `size` bytes, not initialized, or NULL
        // with an exception set (returned as the error); the interpreter is attached.
        let object: Bound<'_, PyAny> = unsafe {
            Bound::from_owned_ptr_or_err(
                py,
                ffi::PyBytes_FromStringAndSize(std::ptr::null(), size),
            )?
        };
        // SAFETY: `PyBytes_FromStringAndSize` made a `bytes`.
        let object = unsafe { object.cast_into_unchecked::<PyBytes>() };
        Ok(Self {
            object: object.unbind(),
            len,
            filled: 0,
        })
    }

    /// Its length.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Writes `piece`, XORed with `key` from key position `offset % 4` (a server's masked
    /// payload; `[0; 4]` copies it), at `offset` (bytes between what is filled and
    /// `offset` are zeroed; a piece that goes past the end is cut there). Returns how many
    /// bytes of `piece` were written.
    pub(crate) fn write_masked(
        &mut self,
        py: Python<'_>,
        offset: usize,
        piece: &[u8],
        key: [u8; 4],
    ) -> usize {
        let offset = offset.clamp(self.filled, self.len);
        let n = piece.len().min(self.len - offset);
        let object = self.object.bind(py);
        // SAFETY: `object` is the `bytes` made by `new`, of `len` bytes, so
        // `PyBytes_AsString` returns its buffer of `len` bytes, owned by `object`, which
        // outlives the slice (borrowed from `self`). No Python code has seen the object (it
        // is only held here until `finish` consumes `self`), so writing into it is allowed,
        // as for `new_bytes`; `filled <= offset <= len` and `offset + n <= len`, and as
        // `MaybeUninit<u8>` the slice makes no claim that the bytes are initialized.
        let buf = unsafe {
            let data = ffi::PyBytes_AsString(object.as_ptr());
            std::slice::from_raw_parts_mut(data.cast::<MaybeUninit<u8>>(), self.len)
        };
        buf[self.filled..offset].fill(MaybeUninit::new(0));
        sansocket::mask::copy_masked_uninit(
            &mut buf[offset..offset + n],
            &piece[..n],
            key,
            offset % 4,
        );
        self.filled = offset + n;
        n
    }

    /// The `bytes`, with any byte not written zeroed.
    pub(crate) fn finish(mut self, py: Python<'_>) -> Bound<'_, PyBytes> {
        let len = self.len;
        if self.filled < len {
            self.write_masked(py, len, &[], [0; 4]);
        }
        self.object.into_bound(py)
    }
}

/// From this size on, [`payload_bytes`] copies with the core's AVX2 loop instead of
/// `memcpy` (glibc's `rep movsb` takes over from 2-4 KiB).
pub(crate) const COPY_LOOP_MIN: usize = 4096;

/// A payload as a new `bytes`: a large one copied with the core's AVX2 loop (XOR with 0),
/// not `memcpy`, whose `rep movsb` runs at a fraction of the speed when the allocator puts
/// the new `bytes` just ahead of the source modulo 4 KiB (see `mask::copy_masked_uninit`).
pub(crate) fn payload_bytes<'py>(py: Python<'py>, payload: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    if payload.len() < COPY_LOOP_MIN {
        return Ok(PyBytes::new(py, payload));
    }
    new_bytes(py, payload.len(), |buf| {
        sansocket::mask::copy_masked_uninit(buf, payload, [0; 4], 0);
        buf.len()
    })
}

/// A new `bytes` holding the concatenation of `parts`, each copied once with `memcpy` (not
/// zeroed first).
pub(crate) fn new_bytes_from<'py>(
    py: Python<'py>,
    parts: &[&[u8]],
) -> PyResult<Bound<'py, PyBytes>> {
    let len = parts.iter().map(|part| part.len()).sum();
    new_bytes(py, len, |buf| {
        let mut at = 0;
        for part in parts {
            at += copy_into(&mut buf[at..], part);
        }
        at
    })
}

/// Copies as much of `src` as fits to the start of `dst` with `memcpy`; returns how many
/// bytes that was.
pub(crate) fn copy_into(dst: &mut [MaybeUninit<u8>], src: &[u8]) -> usize {
    let n = src.len().min(dst.len());
    // SAFETY: `n` bytes are readable at `src` and writable at `dst` (`n` is at most both
    // lengths); they cannot overlap (`dst` is borrowed mutably, `src` shared); a
    // `MaybeUninit<u8>` has the layout of a `u8`, and writing initializes it.
    unsafe {
        std::ptr::copy_nonoverlapping(src.as_ptr(), dst.as_mut_ptr().cast::<u8>(), n);
    }
    n
}

/// A text argument: `str`, or UTF-8 `bytes` (for header values).
pub(crate) fn text(value: &Bound<'_, PyAny>, what: &str) -> PyResult<String> {
    if let Ok(s) = value.cast::<PyString>() {
        return Ok(s.to_cow()?.into_owned());
    }
    if let Ok(b) = value.cast::<PyBytes>() {
        return std::str::from_utf8(b.as_bytes())
            .map(str::to_owned)
            .map_err(|_| PyTypeError::new_err(format!("{what} must be str or UTF-8 bytes")));
    }
    Err(PyTypeError::new_err(format!(
        "{what} must be str or bytes, got {}",
        type_name(value)
    )))
}

/// A header list: an iterable of `(name, value)` pairs of `str` or `bytes`.
pub(crate) fn headers(value: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<(String, String)>> {
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for item in value.try_iter()? {
        let item = item?;
        let (name, val): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item.extract().map_err(|_| {
            PyTypeError::new_err("headers must be (name, value) pairs of str or bytes")
        })?;
        out.push((text(&name, "header name")?, text(&val, "header value")?));
    }
    Ok(out)
}

/// A list of strings from any iterable of `str` (a lone `str` is refused: it would be read
/// as a list of characters).
pub(crate) fn strings(value: Option<&Bound<'_, PyAny>>, what: &str) -> PyResult<Vec<String>> {
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    if value.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(format!(
            "{what} must be a list of str, not a str"
        )));
    }
    let mut out = Vec::new();
    for item in value.try_iter()? {
        let item = item?;
        let s = item
            .cast::<PyString>()
            .map_err(|_| PyTypeError::new_err(format!("{what} must contain only str")))?;
        out.push(s.to_cow()?.into_owned());
    }
    Ok(out)
}

pub(crate) fn type_name(value: &Bound<'_, PyAny>) -> String {
    value
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".to_owned())
}
