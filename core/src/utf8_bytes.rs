//! [`Utf8Bytes`]: text checked once, when it arrives, and read without a second check.
//!
//! The second of the crate's two modules with `unsafe` code (the other is `mask::simd`),
//! and its only `unsafe` is one `str::from_utf8_unchecked` in [`Utf8Bytes::as_str`]. It
//! relies on one invariant:
//!
//! **Every `Utf8Bytes` holds valid UTF-8.** The field is private to this module, and each
//! way to make one upholds it:
//! - [`Utf8Bytes::from_utf8`] checks the bytes;
//! - `From<&str>`, `From<String>` and [`Utf8Bytes::from_str_owner`] take the bytes of a
//!   `str`, which the type guarantees (`Bytes::from_owner` calls `as_ref` once and keeps
//!   exactly those bytes);
//! - `Default` is empty;
//! - [`Utf8Bytes::from_checked`] is for the receiver only (`pub(crate)`): it wraps a text
//!   message whose every byte went through the receiver's UTF-8 validation (RFC 6455 §8.1:
//!   incremental, across frames and reads, and a message must end on a character
//!   boundary). Debug builds, and therefore every test and fuzz run, check it again there,
//!   with a panic, not undefined behaviour, should a decoding path ever miss a byte;
//!   `fuzz/fuzz_targets/text.rs` drives arbitrary bytes as text through every receive
//!   path to look for one.
//!
//! Nothing hands out the inner `Bytes` mutably or slices it, so the bytes never change
//! once checked.

#![allow(unsafe_code)]

use bytes::Bytes;

/// Bytes that are valid UTF-8: the payload of a text message, checked once by the engine
/// as it arrived, or text a host hands to
/// [`send_text_shared`](crate::advanced::ConnectionExt::send_text_shared).
///
/// It shares the receive buffer (no copy), and [`as_str`](Self::as_str) costs nothing: the
/// bytes are not checked again.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Utf8Bytes(Bytes);

impl Utf8Bytes {
    /// Text the receiver validated: every byte of `bytes` went through its incremental
    /// UTF-8 check, which ended on a character boundary. Checked again in debug builds.
    #[inline]
    pub(crate) fn from_checked(bytes: Bytes) -> Self {
        debug_assert!(
            simdutf8::basic::from_utf8(&bytes).is_ok(),
            "the receiver handed out text that is not UTF-8"
        );
        Self(bytes)
    }

    /// `bytes` as text, if they are UTF-8 (checked: SIMD, several GB/s); gives them back if
    /// they are not.
    pub fn from_utf8(bytes: Bytes) -> Result<Self, Bytes> {
        match simdutf8::basic::from_utf8(&bytes) {
            Ok(_) => Ok(Self(bytes)),
            Err(_) => Err(bytes),
        }
    }

    /// Text held by `owner`, without a copy and without checking it again: the owner's
    /// type already guarantees UTF-8 (`AsRef<str>`). For a host whose runtime keeps its
    /// strings as UTF-8 (a Python `str`'s UTF-8, a JavaScript string encoded once), handed to
    /// [`send_text_shared`](crate::advanced::ConnectionExt::send_text_shared) as
    /// `Bytes::from_owner` does for bytes: `owner.as_ref()` is called once, here, and the
    /// owner is dropped when the last clone of the result is.
    pub fn from_str_owner<T>(owner: T) -> Self
    where
        T: AsRef<str> + Send + 'static,
    {
        Self(Bytes::from_owner(StrOwner(owner)))
    }

    /// The text, in O(1): the bytes were checked when this value was made.
    #[inline]
    #[must_use]
    pub fn as_str(&self) -> &str {
        // SAFETY: every `Utf8Bytes` holds valid UTF-8 (the module's invariant: each
        // constructor checks the bytes or takes them from a `str`), and the bytes are never
        // changed afterwards (`Bytes` is immutable, and the field is private).
        unsafe { std::str::from_utf8_unchecked(&self.0) }
    }

    /// The UTF-8 bytes.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The underlying buffer.
    #[must_use]
    pub fn into_bytes(self) -> Bytes {
        self.0
    }

    /// Length in bytes.
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True for an empty message.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A `str` owner seen as bytes, for `Bytes::from_owner`.
struct StrOwner<T>(T);

impl<T: AsRef<str>> AsRef<[u8]> for StrOwner<T> {
    fn as_ref(&self) -> &[u8] {
        self.0.as_ref().as_bytes()
    }
}

impl From<&str> for Utf8Bytes {
    fn from(s: &str) -> Self {
        Self(Bytes::copy_from_slice(s.as_bytes()))
    }
}

impl From<String> for Utf8Bytes {
    /// Takes the string's buffer, without a copy.
    fn from(s: String) -> Self {
        Self(Bytes::from(s))
    }
}

impl AsRef<str> for Utf8Bytes {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl std::ops::Deref for Utf8Bytes {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl std::fmt::Debug for Utf8Bytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl std::fmt::Display for Utf8Bytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_constructor_gives_the_same_text() {
        let text = "héllo wörld, привет, 你好, 🎉";
        let made = [
            Utf8Bytes::from(text),
            Utf8Bytes::from(text.to_owned()),
            Utf8Bytes::from_str_owner(text.to_owned()),
            Utf8Bytes::from_utf8(Bytes::from(text)).unwrap(),
            Utf8Bytes::from_checked(Bytes::from(text)),
        ];
        for t in made {
            assert_eq!(t.as_str(), text);
            assert_eq!(&*t, text);
            assert_eq!(t.as_bytes(), text.as_bytes());
            assert_eq!(t.len(), text.len());
            assert_eq!(t.to_string(), text);
        }
        assert_eq!(Utf8Bytes::default().as_str(), "");
        assert!(Utf8Bytes::default().is_empty());
    }

    #[test]
    fn from_utf8_refuses_what_std_refuses() {
        for bad in [
            &b"\xff"[..],
            b"a\xc3",
            b"\xed\xa0\x80",
            b"\xf4\x90\x80\x80",
            b"\xc0\x80",
        ] {
            assert!(std::str::from_utf8(bad).is_err());
            assert_eq!(
                Utf8Bytes::from_utf8(Bytes::copy_from_slice(bad)),
                Err(Bytes::copy_from_slice(bad))
            );
        }
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "not UTF-8")]
    fn debug_builds_check_the_receivers_text_again() {
        let _ = Utf8Bytes::from_checked(Bytes::from_static(b"\xff"));
    }
}
