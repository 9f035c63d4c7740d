//! The characters of a Latin-1 `str`, read in place, for the CPython versions whose object
//! layout is known (3.9 to 3.14, 64-bit), and only after a check at import that the layout
//! is the one this module expects.
//!
//! A `str` whose characters are all below U+0100 is stored by CPython (PEP 393) as one byte
//! per character, right after its header: in Latin-1. Encoding those bytes to UTF-8 reads
//! them once; the stable ABI only offers a copy first (`PyUnicode_AsLatin1String`), which
//! made a server's large text cost a pass more (16 KiB: 6.0 against 8.2 GB/s for the same
//! bytes as an ASCII `str`, which needs no encoding). The header (`PyASCIIObject`,
//! `PyCompactUnicodeObject` in Include/cpython/unicodeobject.h) is not part of the stable
//! ABI, but it is fixed within a CPython version and has had two sizes since 3.9:
//!
//! | CPython | characters of a compact ASCII `str` at | of another compact `str` at |
//! |---|---|---|
//! | 3.9–3.11 | 48 (with `wstr`) | 72 (with `wstr_length`) |
//! | 3.12–3.14 | 40 | 56 |
//!
//! both with the `state` bit field (`interned:2, kind:3, compact:1, ascii:1, ...`) as the
//! 32-bit word at 32, after `ob_refcnt`, `ob_type`, `length` and `hash`. [`init`] enables
//! the reading only on those versions, and only if three `str`s it makes (ASCII, Latin-1,
//! UCS-2) read back as exactly their characters, with their length at 16 and their kind,
//! compactness and ASCII bit where expected. Anywhere else (another version, a 32-bit
//! build) [`chars`] returns `None` and the caller copies as before. A `str` that is not
//! compact (an instance of a `str` subclass) or not Latin-1 also gets `None`.

// CPython FFI: this module allows `unsafe` for itself (the crate denies it); every block
// says why it is sound in a `// SAFETY:` comment.
#![allow(unsafe_code)]

use std::sync::atomic::{AtomicUsize, Ordering};

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyString;

/// Where a compact non-ASCII `str`'s characters start; 0 while reading in place is off.
static DATA_OFFSET: AtomicUsize = AtomicUsize::new(0);

/// How many bytes of each of `init`'s `str`s it compares.
const PROBE: usize = 100;

/// `PyASCIIObject.length` and `.state` (64-bit).
const LENGTH_AT: usize = 16;
const STATE_AT: usize = 32;

/// The offsets of a compact ASCII and a compact non-ASCII `str`'s characters on this
/// interpreter, if its version is one of the table above.
fn layout(py: Python<'_>) -> Option<(usize, usize)> {
    if usize::BITS != 64 {
        return None;
    }
    let version = py.version_info();
    match (version.major, version.minor) {
        (3, 9..=11) => Some((48, 72)),
        (3, 12..=14) => Some((40, 56)),
        _ => None,
    }
}

/// `kind`, `compact` and `ascii` from a `str`'s `state` word.
fn state_bits(state: u32) -> (u32, bool, bool) {
    ((state >> 2) & 7, state >> 5 & 1 == 1, state >> 6 & 1 == 1)
}

/// Reads `len` bytes at `at` of `obj`, and its `length` and `state` words.
///
/// # Safety
/// `obj` must be a live `str` object at least `at + len` bytes long (and 40 at least).
unsafe fn peek(obj: *mut ffi::PyObject, at: usize, len: usize) -> (isize, u32, Vec<u8>) {
    let base = obj.cast::<u8>();
    // SAFETY: within the object, by the contract above; unaligned reads of plain integers.
    unsafe {
        let length = base.add(LENGTH_AT).cast::<isize>().read_unaligned();
        let state = base.add(STATE_AT).cast::<u32>().read_unaligned();
        let bytes = std::slice::from_raw_parts(base.add(at), len).to_vec();
        (length, state, bytes)
    }
}

/// Turns reading in place on if this interpreter's `str` layout is the expected one (see
/// the module's documentation). Called once, when the module is imported.
pub(crate) fn init(py: Python<'_>) {
    let Some((ascii_at, other_at)) = layout(py) else {
        return;
    };
    // 200 characters each, of which the first 100 bytes are compared.
    let ascii: String = (0..200u32)
        .map(|i| char::from(b'!' + (i % 90) as u8))
        .collect();
    let latin1: Vec<u8> = (0..200u32).map(|i| (0xa0 + i % 96) as u8).collect();
    let latin1_str: String = latin1.iter().map(|&b| char::from(b)).collect();
    let ucs2: Vec<u16> = (0..200u32).map(|i| (0x100 + i * 7) as u16).collect();
    let ucs2_str: String = char::decode_utf16(ucs2.iter().copied())
        .map(|c| c.unwrap_or('?'))
        .collect();
    let ucs2_bytes: Vec<u8> = ucs2.iter().flat_map(|u| u.to_ne_bytes()).collect();
    let cases: [(&str, usize, &[u8], u32, bool); 3] = [
        (&ascii, ascii_at, ascii.as_bytes(), 1, true),
        (&latin1_str, other_at, &latin1, 1, false),
        (&ucs2_str, other_at, &ucs2_bytes, 2, false),
    ];
    for (text, at, want, want_kind, want_ascii) in cases {
        let s = PyString::new(py, text);
        // SAFETY: `s` is a live `str` of 200 characters: its object is at least 240 bytes
        // long on any layout (a header of 40 bytes or more, then 200 bytes or more), and
        // `at + PROBE` is at most 72 + 100.
        let (length, state, got) = unsafe { peek(s.as_ptr(), at, PROBE) };
        let (kind, compact, is_ascii) = state_bits(state);
        if length != 200
            || kind != want_kind
            || !compact
            || is_ascii != want_ascii
            || got != want[..PROBE]
        {
            return;
        }
    }
    DATA_OFFSET.store(other_at, Ordering::Relaxed);
}

/// The characters of `s` when it is a compact `str` of only Latin-1 characters, at least one
/// of them not ASCII, and reading in place is on; `None` otherwise. Valid while `s` lives.
pub(crate) fn chars<'a>(s: &'a Bound<'_, PyString>) -> Option<&'a [u8]> {
    let at = DATA_OFFSET.load(Ordering::Relaxed);
    if at == 0 {
        return None;
    }
    let base = s.as_ptr().cast::<u8>();
    // SAFETY: `init` checked that this interpreter's `str` objects have their `length` at
    // 16 and their `state` word at 32 (every `str` object has this header, compact or not).
    let (length, state) = unsafe {
        (
            base.add(LENGTH_AT).cast::<isize>().read_unaligned(),
            base.add(STATE_AT).cast::<u32>().read_unaligned(),
        )
    };
    let (kind, compact, ascii) = state_bits(state);
    if kind != 1 || !compact || ascii {
        return None;
    }
    let len = usize::try_from(length).ok()?;
    // SAFETY: a compact, non-ASCII `str` of kind 1 (checked just above, at the layout `init`
    // verified) holds its `length` characters as one byte each at `at`, inside the object,
    // which `s` keeps alive for `'a`. They do not change while others hold references to
    // the `str` (CPython modifies a `str` in place only when its reference count is 1).
    Some(unsafe { std::slice::from_raw_parts(base.add(at), len) })
}

/// Whether this interpreter's Latin-1 `str`s are read in place (see the module's
/// documentation); for the tests.
#[pyfunction]
pub(crate) fn _str_read_in_place() -> bool {
    DATA_OFFSET.load(Ordering::Relaxed) != 0
}
