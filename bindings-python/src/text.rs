//! `str` arguments as UTF-8, borrowed from the `str` object instead of copied (long non-ASCII
//! ones are encoded into a temporary `bytes`, see [`ENCODE_MIN`]).
//!
//! pyo3 built for the 3.9 stable ABI (`abi3-py39`) can only get a `str`'s UTF-8 as a new
//! `bytes` object copied once more into a `String`. `PyUnicode_AsUTF8AndSize` returns the
//! `str`'s own UTF-8: the characters themselves for an ASCII `str`, otherwise a UTF-8 copy that
//! CPython caches in the object. It joined the stable ABI in 3.10, and every CPython 3.x before
//! exports it with the same signature, so a 3.9 interpreter has it too.

use std::os::raw::c_char;

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyString;

unsafe extern "C" {
    fn PyUnicode_AsUTF8AndSize(
        unicode: *mut ffi::PyObject,
        size: *mut ffi::Py_ssize_t,
    ) -> *const c_char;
}

/// From this many characters on, a `str` that is not ASCII is encoded into a temporary
/// `bytes` instead of `PyUnicode_AsUTF8AndSize`'s cache: CPython builds that cache by
/// encoding and then copying (one more pass), and keeps it as long as the `str` lives.
const ENCODE_MIN: usize = 4096;

/// Runs `f` on the UTF-8 of `s`, without copying it.
pub(crate) fn with_str<R>(s: &Bound<'_, PyString>, f: impl FnOnce(&str) -> R) -> PyResult<R> {
    if s.len()? >= ENCODE_MIN
        && !s
            .call_method0(pyo3::intern!(s.py(), "isascii"))?
            .is_truthy()?
    {
        let utf8 = s.encode_utf8()?;
        // SAFETY: CPython's strict UTF-8 encoder only produces valid UTF-8.
        let text = unsafe { std::str::from_utf8_unchecked(utf8.as_bytes()) };
        return Ok(f(text));
    }
    let mut size: ffi::Py_ssize_t = 0;
    // SAFETY: `s` is a live `str` (the interpreter is attached and `s` holds a reference).
    // The result is NULL with an exception set (a lone surrogate cannot be encoded), or a
    // pointer to `size` bytes owned by `s`, valid while `s` lives, which outlives `f`.
    let data = unsafe { PyUnicode_AsUTF8AndSize(s.as_ptr(), &mut size) };
    if data.is_null() {
        return Err(PyErr::fetch(s.py()));
    }
    let len = usize::try_from(size).unwrap_or(0);
    // SAFETY: see above; CPython's strict UTF-8 encoder only produces valid UTF-8.
    let text = unsafe {
        std::str::from_utf8_unchecked(std::slice::from_raw_parts(data.cast::<u8>(), len))
    };
    Ok(f(text))
}
