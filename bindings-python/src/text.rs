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
use pyo3::types::{PyBytes, PyString};

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

/// The UTF-8 of a `str` of at least `min` characters as a new `bytes`, made in one pass when
/// it can be (`None` for a shorter `str`): an ASCII `str` is copied; one whose characters are
/// all below U+0100 (CPython keeps it as Latin-1) is taken as Latin-1 (a copy) and encoded
/// here, several times faster than CPython's UTF-8 encoder, which does the rest.
pub(crate) fn large_utf8<'py>(
    s: &Bound<'py, PyString>,
    min: usize,
) -> PyResult<Option<Bound<'py, PyBytes>>> {
    let py = s.py();
    if s.len()? < min {
        return Ok(None);
    }
    if s.call_method0(pyo3::intern!(py, "isascii"))?.is_truthy()? {
        return with_str(s, |text| Some(PyBytes::new(py, text.as_bytes())));
    }
    // SAFETY: `s` is a live `str` and the interpreter is attached. The result is a new
    // reference to a `bytes`, or NULL with an exception set (a character above U+00FF).
    let latin1 = unsafe { ffi::PyUnicode_AsLatin1String(s.as_ptr()) };
    if latin1.is_null() {
        drop(PyErr::take(py));
        return s.encode_utf8().map(Some);
    }
    // SAFETY: a non-NULL result of `PyUnicode_AsLatin1String` is an owned `bytes` object.
    let latin1 = unsafe { Bound::from_owned_ptr(py, latin1) };
    let latin1 = latin1.cast::<PyBytes>()?.as_bytes();
    let len = latin1.len() + count_high(latin1);
    PyBytes::new_with(py, len, |dst| {
        latin1_to_utf8(latin1, dst);
        Ok(())
    })
    .map(Some)
}

/// How many bytes of `src` are 0x80 or above.
fn count_high(src: &[u8]) -> usize {
    // Per block of 255 bytes, a byte-wide sum the compiler vectorizes.
    src.chunks(255)
        .map(|c| usize::from(c.iter().fold(0u8, |n, &b| n + (b >> 7))))
        .sum()
}

/// Encodes Latin-1 `src` as UTF-8 into `dst`, which has exactly the room it takes (one byte
/// per character below 0x80, two for the others). With AVX2 where the CPU has it (the same
/// code, compiled for it: its ASCII runs go 40 % faster).
fn latin1_to_utf8(src: &[u8], dst: &mut [u8]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2 (checked just above), the only requirement of a
        // `target_feature(enable = "avx2")` function.
        return unsafe { latin1_to_utf8_avx2(src, dst) };
    }
    latin1_to_utf8_generic(src, dst);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn latin1_to_utf8_avx2(src: &[u8], dst: &mut [u8]) {
    latin1_to_utf8_generic(src, dst);
}

/// [`latin1_to_utf8`]: 32 ASCII bytes at a time are copied; in blocks with other characters,
/// 8 at a time, and words with other characters are encoded one character at a time. Writes past the end of `dst` are skipped (none
/// happen when `dst` has the right length).
#[inline(always)]
fn latin1_to_utf8_generic(src: &[u8], dst: &mut [u8]) {
    const HIGH: u128 = u128::from_ne_bytes([0x80; 16]);
    let mut o = 0;
    let (blocks, tail) = src.as_chunks::<32>();
    for block in blocks {
        let (a, b) = block.split_at(16);
        let a = u128::from_ne_bytes(a.try_into().unwrap_or_default());
        let b = u128::from_ne_bytes(b.try_into().unwrap_or_default());
        if (a | b) & HIGH == 0 {
            if let Some(d) = dst.get_mut(o..o + 32) {
                d.copy_from_slice(block);
            }
            o += 32;
        } else {
            for word in block.as_chunks::<8>().0 {
                if u64::from_ne_bytes(*word) & 0x8080_8080_8080_8080 == 0 {
                    if let Some(d) = dst.get_mut(o..o + 8) {
                        d.copy_from_slice(word);
                    }
                    o += 8;
                } else {
                    o = latin1_chars(word, dst, o);
                }
            }
        }
    }
    latin1_chars(tail, dst, o);
}

/// One character at a time; returns the position after them in `dst`.
#[inline(always)]
fn latin1_chars(src: &[u8], dst: &mut [u8], mut o: usize) -> usize {
    for &b in src {
        if b < 0x80 {
            if let Some(d) = dst.get_mut(o) {
                *d = b;
            }
            o += 1;
        } else {
            if let Some(d) = dst.get_mut(o..o + 2) {
                d[0] = 0xc0 | (b >> 6);
                d[1] = 0x80 | (b & 0x3f);
            }
            o += 2;
        }
    }
    o
}
