//! `str` arguments as UTF-8, borrowed from the `str` object instead of copied (long non-ASCII
//! ones are encoded into a temporary `bytes`, see [`ENCODE_MIN`]), and text payloads as new
//! `str` objects ([`payload_str`]: an ASCII payload is unmasked straight into its `str`).
//!
//! pyo3's `PyString::to_str` (the stable ABI's `PyUnicode_AsUTF8AndSize`, 3.10 and later)
//! returns the `str`'s own UTF-8: the characters themselves for an ASCII `str`, otherwise a
//! UTF-8 copy that CPython caches in the object; `PyBackedStr` keeps that borrow together
//! with a reference to the `str`.
//!
//! `unsafe` is allowed here for three things, each block with its `// SAFETY:` argument: a
//! `bytes` this module made with a UTF-8 encoder used as `str` without checking it again;
//! the AVX2 versions of the Latin-1 to UTF-8 encoder and of the unmasking copy (called only
//! where the CPU has AVX2); and a new ASCII `str` written in place before anyone sees it
//! (CPython's own `PyUnicode_New` / `PyUnicode_1BYTE_DATA`, outside the stable ABI).

use std::mem::MaybeUninit;

use pyo3::exceptions::PyUnicodeDecodeError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::pybacked::{PyBackedBytes, PyBackedStr};
use pyo3::types::{PyBytes, PyString};
use sansocket::Utf8Bytes;

/// From this many characters on, a `str` that is not ASCII is encoded into a temporary
/// `bytes` instead of `to_str`'s cache: CPython builds that cache by encoding and then
/// copying (one more pass), and keeps it as long as the `str` lives.
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
    Ok(f(s.to_str()?))
}

/// The UTF-8 of a `str` of at least `min` characters, ready to be shared with the engine
/// (`None` for a shorter `str`). It is UTF-8 by construction and not checked again
/// ([`Utf8Bytes::from_str_owner`] takes the owner's word for it).
pub(crate) struct LargeText<'py> {
    /// The UTF-8, owned by a Python object.
    pub(crate) utf8: Utf8Bytes,
    /// That object when it is a `bytes` (made here from a non-ASCII `str`), which a server's
    /// `data_to_send_list()` returns as it is; `None` when `utf8` is an ASCII `str`'s own
    /// characters (no copy was made; the list copies them once into a `bytes`).
    pub(crate) object: Option<Bound<'py, PyBytes>>,
}

/// An ASCII `str` is not copied: its characters are its UTF-8. One whose characters are all
/// below U+0100 (CPython keeps it as Latin-1) is copied as Latin-1 (`str.encode("latin-1")`,
/// a plain copy of its characters) and encoded here, several times faster than CPython's
/// UTF-8 encoder; CPython's encoder does the rest.
pub(crate) fn large_text<'py>(
    s: &Bound<'py, PyString>,
    min: usize,
) -> PyResult<Option<LargeText<'py>>> {
    let py = s.py();
    if s.len()? < min {
        return Ok(None);
    }
    if s.call_method0(pyo3::intern!(py, "isascii"))?.is_truthy()? {
        let owner = PyBackedStr::try_from(s.clone())?;
        return Ok(Some(LargeText {
            utf8: Utf8Bytes::from_str_owner(owner),
            object: None,
        }));
    }
    let utf8 = copy_and_encode(s)?;
    // SAFETY: `utf8` was made just above by CPython's strict UTF-8 encoder, or by
    // `latin1_to_utf8`, which wrote whole UTF-8 sequences over all of it (`encode_latin1`
    // checks it filled the object), so its bytes are UTF-8; nothing else has seen the
    // object, and a `bytes` never changes afterwards.
    let owner = unsafe { BytesUtf8::new(PyBackedBytes::from(utf8.clone())) };
    Ok(Some(LargeText {
        utf8: Utf8Bytes::from_str_owner(owner),
        object: Some(utf8),
    }))
}

/// Latin-1 characters as UTF-8, in a new `bytes` (written once, not zeroed first).
fn encode_latin1<'py>(py: Python<'py>, latin1: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    let len = latin1.len() + count_high(latin1);
    let mut took = 0;
    let utf8 = crate::convert::new_bytes(py, len, |dst| {
        took = latin1_to_utf8(latin1, dst);
        took
    })?;
    if took != len {
        // Cannot happen (`count_high` sized it); the zeros `new_bytes` put after the
        // characters written would not be the text.
        return Err(pyo3::exceptions::PySystemError::new_err(
            "Latin-1 to UTF-8: wrong length",
        ));
    }
    Ok(utf8)
}

/// The UTF-8 of a non-ASCII `str`: a Latin-1 one is copied as Latin-1 first and encoded
/// here, others go through CPython's encoder.
fn copy_and_encode<'py>(s: &Bound<'py, PyString>) -> PyResult<Bound<'py, PyBytes>> {
    let py = s.py();
    match s.call_method1(pyo3::intern!(py, "encode"), (pyo3::intern!(py, "latin-1"),)) {
        Ok(latin1) => encode_latin1(py, latin1.cast::<PyBytes>()?.as_bytes()),
        // A character above U+00FF. CPython's strict encoder raises on lone surrogates and
        // otherwise only produces UTF-8.
        Err(_) => s.encode_utf8(),
    }
}

/// A `bytes` object known to hold UTF-8.
struct BytesUtf8(PyBackedBytes);

impl BytesUtf8 {
    /// # Safety
    /// `bytes` must be UTF-8.
    unsafe fn new(bytes: PyBackedBytes) -> Self {
        Self(bytes)
    }
}

impl AsRef<str> for BytesUtf8 {
    fn as_ref(&self) -> &str {
        // SAFETY: UTF-8 by the contract of `BytesUtf8::new`, and a `bytes` never changes.
        unsafe { std::str::from_utf8_unchecked(&self.0) }
    }
}

/// How many bytes of `src` are 0x80 or above (32 at a time with AVX2 where the CPU has it).
fn count_high(src: &[u8]) -> usize {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("popcnt")
    {
        // SAFETY: the CPU has AVX2 and POPCNT (checked just above), the only requirement of
        // a `target_feature(enable = "avx2,popcnt")` function.
        return unsafe { count_high_avx2(src) };
    }
    count_high_generic(src)
}

/// [`count_high`]: the top bits of each 32 bytes as one mask, counted.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,popcnt")]
fn count_high_avx2(src: &[u8]) -> usize {
    use std::arch::x86_64::{__m256i, _mm256_loadu_si256, _mm256_movemask_epi8};
    let (blocks, tail) = src.as_chunks::<32>();
    let mut n = 0;
    for block in blocks {
        // SAFETY: `block` is 32 readable bytes, and `_mm256_loadu_si256` needs no
        // alignment.
        let v = unsafe { _mm256_loadu_si256(block.as_ptr().cast::<__m256i>()) };
        n += _mm256_movemask_epi8(v).count_ones() as usize;
    }
    n + count_high_generic(tail)
}

/// [`count_high`] without SIMD: per block of 255 bytes, a byte-wide sum.
fn count_high_generic(src: &[u8]) -> usize {
    src.chunks(255)
        .map(|c| usize::from(c.iter().fold(0u8, |n, &b| n + (b >> 7))))
        .sum()
}

/// Encodes Latin-1 `src` as UTF-8 into `dst`, which has exactly the room it takes (one byte
/// per character below 0x80, two for the others), and returns how many bytes that took.
/// Only whole UTF-8 sequences are written, from the start of `dst` on, and none past its
/// end. With AVX2 where the CPU has it (the same code, compiled for it).
fn latin1_to_utf8(src: &[u8], dst: &mut [MaybeUninit<u8>]) -> usize {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2 (checked just above), the only requirement of a
        // `target_feature(enable = "avx2")` function.
        return unsafe { latin1_to_utf8_avx2(src, dst) };
    }
    latin1_to_utf8_generic(src, dst)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn latin1_to_utf8_avx2(src: &[u8], dst: &mut [MaybeUninit<u8>]) -> usize {
    latin1_to_utf8_generic(src, dst)
}

/// [`latin1_to_utf8`]: each run of 32-byte blocks without a character above 0x7F is copied
/// in one go; the next block, which has one, is done 8 bytes at a time, words with such
/// characters one character at a time. Writes that would not fit in `dst` are skipped (none
/// happen when `dst` has the right length); as the position only grows, what was written is
/// still whole sequences.
#[inline(always)]
fn latin1_to_utf8_generic(src: &[u8], dst: &mut [MaybeUninit<u8>]) -> usize {
    let (blocks, tail) = src.as_chunks::<32>();
    let mut o = 0;
    let mut i = 0;
    while i < blocks.len() {
        let run = blocks[i..].iter().take_while(|b| is_ascii_block(b)).count();
        if run > 0 {
            put(dst, o, blocks[i..i + run].as_flattened());
            o += run * 32;
            i += run;
            continue;
        }
        for word in blocks[i].as_chunks::<8>().0 {
            if u64::from_ne_bytes(*word) & 0x8080_8080_8080_8080 == 0 {
                put(dst, o, word);
                o += 8;
            } else {
                o = latin1_chars(word, dst, o);
            }
        }
        i += 1;
    }
    latin1_chars(tail, dst, o)
}

/// True when the 32 bytes are all ASCII.
#[inline(always)]
fn is_ascii_block(block: &[u8; 32]) -> bool {
    const HIGH: u128 = u128::from_ne_bytes([0x80; 16]);
    let (a, b) = block.split_at(16);
    let a = u128::from_ne_bytes(a.try_into().unwrap_or_default());
    let b = u128::from_ne_bytes(b.try_into().unwrap_or_default());
    (a | b) & HIGH == 0
}

/// Copies `src` to `dst[at..]` if it fits there.
#[inline(always)]
fn put(dst: &mut [MaybeUninit<u8>], at: usize, src: &[u8]) {
    if let Some(d) = dst.get_mut(at..at + src.len()) {
        // SAFETY: `d` and `src` have the same length (`get_mut` returned `src.len()`
        // elements); they cannot overlap (`dst` is borrowed mutably, `src` shared); a
        // `MaybeUninit<u8>` has the layout of a `u8`.
        unsafe {
            std::ptr::copy_nonoverlapping(src.as_ptr(), d.as_mut_ptr().cast::<u8>(), src.len());
        }
    }
}

/// One character at a time; returns the position after them in `dst`.
#[inline(always)]
fn latin1_chars(src: &[u8], dst: &mut [MaybeUninit<u8>], mut o: usize) -> usize {
    for &b in src {
        if b < 0x80 {
            put(dst, o, &[b]);
            o += 1;
        } else {
            put(dst, o, &[0xc0 | (b >> 6), 0x80 | (b & 0x3f)]);
            o += 2;
        }
    }
    o
}

/// A text payload (`payload` XORed with the mask `key`; `[0; 4]` for an unmasked one) as a
/// new `str`, or `None` if it is not UTF-8. What `PyUnicode_DecodeUTF8` of the unmasked
/// bytes gives, in one pass for ASCII: the payload is unmasked straight into a new ASCII
/// `str` while the high bits of its bytes are ORed together; only if one is set is the
/// speculative `str` dropped and its bytes (unmasked already) decoded by CPython's strict
/// UTF-8 decoder, which checks them.
pub(crate) fn payload_str<'py>(
    py: Python<'py>,
    payload: &[u8],
    key: [u8; 4],
) -> PyResult<Option<Bound<'py, PyString>>> {
    match utf8_str(py, payload, key) {
        Ok(text) => Ok(Some(text)),
        Err(err) if err.is_instance_of::<PyUnicodeDecodeError>(py) => Ok(None),
        Err(err) => Err(err),
    }
}

/// UTF-8 checked already (the engine's text events) as a new `str`, the way of
/// [`payload_str`]; text that is not UTF-8 raises `UnicodeDecodeError`, as
/// `PyString::from_bytes` does.
pub(crate) fn utf8_str<'py>(
    py: Python<'py>,
    payload: &[u8],
    key: [u8; 4],
) -> PyResult<Bound<'py, PyString>> {
    let len = payload.len();
    if len < 2 {
        // The empty and one-character strings are CPython's shared objects: not written
        // in place.
        let mut one = [0u8; 1];
        let plain = one.get_mut(..len).unwrap_or_default();
        sansocket::mask::copy_masked(plain, payload, key, 0);
        return PyString::from_bytes(py, plain);
    }
    let size = ffi::Py_ssize_t::try_from(len)
        .map_err(|_| pyo3::exceptions::PyOverflowError::new_err("text too large"))?;
    // SAFETY: `PyUnicode_New(size, 127)` returns a new compact ASCII `str` of `size`
    // characters whose contents are not set yet (or NULL with an exception set, which
    // `from_owned_ptr_or_err` returns as the error); the interpreter is attached (`py`).
    let object = unsafe { Bound::from_owned_ptr_or_err(py, ffi::PyUnicode_New(size, 127))? };
    // SAFETY: `object` is the `str` just made, of `len` >= 2 one-byte characters (so not a
    // shared object: CPython shares only the empty and one-character strings, and those
    // are not made by `PyUnicode_New`), so `PyUnicode_1BYTE_DATA` points at its `len` bytes
    // of characters (followed by the NUL CPython set), owned by `object`, which outlives the
    // slice. No other code has seen the object yet (its hash is not computed), so writing
    // them is allowed (what CPython's own constructors do), and as `MaybeUninit<u8>` the
    // slice makes no claim that they are initialized.
    let chars = unsafe {
        let data = ffi::PyUnicode_1BYTE_DATA(object.as_ptr());
        std::slice::from_raw_parts_mut(data.cast::<MaybeUninit<u8>>(), len)
    };
    if unmask_ascii(chars, payload, key) {
        // SAFETY: `object` is a `str` (made above) and every character of it is now set,
        // below 0x80 (`unmask_ascii` wrote all `len` bytes and found no high bit), as an
        // ASCII `str` requires.
        return Ok(unsafe { object.cast_into_unchecked() });
    }
    // SAFETY: `unmask_ascii` wrote all `len` bytes of `chars` (the lengths are equal).
    let plain = unsafe { std::slice::from_raw_parts(chars.as_ptr().cast::<u8>(), len) };
    let text = PyString::from_bytes(py, plain);
    // The speculative `str` (holding bytes above 0x7F) is freed unseen: its deallocation
    // does not read its characters.
    drop(object);
    text
}

/// `dst = src ^ key` (`key` repeated from `src[0]` on) for slices of the same length (only
/// the shorter length is written otherwise); true if no byte written has its high bit set
/// (the text is ASCII). With AVX2 where the CPU has it.
fn unmask_ascii(dst: &mut [MaybeUninit<u8>], src: &[u8], key: [u8; 4]) -> bool {
    let [a, b, c, d] = key;
    let wide = u64::from_le_bytes([a, b, c, d, a, b, c, d]);
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2 (checked just above), the only requirement of a
        // `target_feature(enable = "avx2")` function.
        return unsafe { unmask_ascii_avx2(dst, src, wide) };
    }
    unmask_ascii_words(dst, src, wide)
}

/// [`unmask_ascii`]: 32 bytes at a time, the high bits ORed into a vector, then the tail.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn unmask_ascii_avx2(dst: &mut [MaybeUninit<u8>], src: &[u8], wide: u64) -> bool {
    use std::arch::x86_64::{
        __m256i, _mm256_loadu_si256, _mm256_movemask_epi8, _mm256_or_si256, _mm256_set1_epi64x,
        _mm256_setzero_si256, _mm256_storeu_si256, _mm256_xor_si256,
    };
    let n = dst.len().min(src.len());
    let (dst, src) = (&mut dst[..n], &src[..n]);
    let (dst_blocks, dst_tail) = dst.as_chunks_mut::<32>();
    let (src_blocks, src_tail) = src.as_chunks::<32>();
    let key = _mm256_set1_epi64x(wide as i64);
    let mut high = _mm256_setzero_si256();
    for (to, from) in dst_blocks.iter_mut().zip(src_blocks) {
        // SAFETY: `from` is 32 readable bytes and `to` 32 writable ones (of `MaybeUninit<u8>`,
        // the layout of `u8`; a store does not read them); the unaligned load and store need
        // no alignment.
        let plain = unsafe { _mm256_loadu_si256(from.as_ptr().cast::<__m256i>()) };
        let plain = _mm256_xor_si256(plain, key);
        // SAFETY: see above.
        unsafe { _mm256_storeu_si256(to.as_mut_ptr().cast::<__m256i>(), plain) };
        high = _mm256_or_si256(high, plain);
    }
    // The tail starts at a multiple of 32 bytes: the key's phase is 0 again.
    let tail_ascii = unmask_ascii_words(dst_tail, src_tail, wide);
    _mm256_movemask_epi8(high) == 0 && tail_ascii
}

/// [`unmask_ascii`] without SIMD: 8 bytes at a time, then one at a time.
#[inline(always)]
fn unmask_ascii_words(dst: &mut [MaybeUninit<u8>], src: &[u8], wide: u64) -> bool {
    let n = dst.len().min(src.len());
    let (dst, src) = (&mut dst[..n], &src[..n]);
    let (dst_words, dst_tail) = dst.as_chunks_mut::<8>();
    let (src_words, src_tail) = src.as_chunks::<8>();
    let mut high = 0u64;
    for (to, from) in dst_words.iter_mut().zip(src_words) {
        let plain = u64::from_le_bytes(*from) ^ wide;
        high |= plain;
        *to = plain.to_le_bytes().map(MaybeUninit::new);
    }
    // Fewer than 8 bytes, from a multiple of 8: the key's phase is 0.
    for ((to, &from), k) in dst_tail.iter_mut().zip(src_tail).zip(wide.to_le_bytes()) {
        let plain = from ^ k;
        high |= u64::from(plain);
        to.write(plain);
    }
    high & 0x8080_8080_8080_8080 == 0
}
