//! Incremental UTF-8 validation (RFC 6455 §8.1): text is checked as it arrives, across
//! frame boundaries, and fails on the first byte that cannot start or continue a valid
//! sequence, not at the end of the message.

/// The input is not valid UTF-8.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct InvalidUtf8;

/// Validation state between pieces of one text message: the bytes of a character that
/// started in an earlier piece and is not finished yet (at most 3).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Utf8Validator {
    partial: [u8; 4],
    len: usize,
}

impl Utf8Validator {
    /// The bytes of the unfinished character at the end of what was fed so far.
    pub(crate) fn partial(&self) -> &[u8] {
        &self.partial[..self.len]
    }

    /// True when everything fed so far ends on a character boundary.
    pub(crate) fn is_boundary(&self) -> bool {
        self.len == 0
    }

    /// Validates the next piece. On success, [`partial`](Self::partial) is the unfinished
    /// suffix of everything fed so far.
    pub(crate) fn feed(&mut self, mut input: &[u8]) -> Result<(), InvalidUtf8> {
        if self.len > 0 {
            let want = char_width(self.partial[0]);
            let take = (want - self.len).min(input.len());
            self.partial[self.len..self.len + take].copy_from_slice(&input[..take]);
            self.len += take;
            input = &input[take..];
            match simdutf8::compat::from_utf8(&self.partial[..self.len]) {
                Ok(_) => self.len = 0,
                Err(e) if e.error_len().is_none() => return Ok(()), // still unfinished; input is empty
                Err(_) => return Err(InvalidUtf8),
            }
        }
        match simdutf8::compat::from_utf8(input) {
            Ok(_) => Ok(()),
            Err(e) if e.error_len().is_none() => {
                let tail = &input[e.valid_up_to()..];
                self.partial[..tail.len()].copy_from_slice(tail);
                self.len = tail.len();
                Ok(())
            }
            Err(_) => Err(InvalidUtf8),
        }
    }
}

/// Length of the sequence a valid leading byte starts (only called on leading bytes that
/// `from_utf8` reported as an unfinished sequence, so 2–4).
fn char_width(lead: u8) -> usize {
    match lead {
        0xf0..=0xff => 4,
        0xe0..=0xef => 3,
        _ => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed_all(pieces: &[&[u8]]) -> Result<bool, InvalidUtf8> {
        let mut v = Utf8Validator::default();
        for p in pieces {
            v.feed(p)?;
        }
        Ok(v.is_boundary())
    }

    #[test]
    fn valid_text_split_anywhere() {
        let text = "κόσμε 𝄞 hello € ✓".as_bytes();
        for i in 0..=text.len() {
            for j in i..=text.len() {
                assert_eq!(feed_all(&[&text[..i], &text[i..j], &text[j..]]), Ok(true));
            }
        }
        // one byte at a time
        let pieces: Vec<&[u8]> = text.chunks(1).collect();
        assert_eq!(feed_all(&pieces), Ok(true));
    }

    #[test]
    fn unfinished_character_is_not_a_boundary() {
        assert_eq!(feed_all(&[b"a\xe2\x82"]), Ok(false));
        assert_eq!(feed_all(&[b"a\xe2", b"\x82"]), Ok(false));
    }

    #[test]
    fn fails_fast_on_first_invalid_byte() {
        // 0xF4 0x90 can never be valid (> U+10FFFF), even before the sequence ends.
        assert_eq!(feed_all(&[b"\xf4\x90"]), Err(InvalidUtf8));
        assert_eq!(feed_all(&[b"\xf4", b"\x90"]), Err(InvalidUtf8));
        assert_eq!(
            feed_all(&[b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80"]),
            Err(InvalidUtf8)
        );
        assert_eq!(feed_all(&[b"\xc0\xaf"]), Err(InvalidUtf8));
        assert_eq!(feed_all(&[b"\xff"]), Err(InvalidUtf8));
    }

    #[test]
    fn partial_is_the_unfinished_suffix() {
        let mut v = Utf8Validator::default();
        v.feed(b"ab\xf0\x9d").unwrap();
        assert_eq!(v.partial(), b"\xf0\x9d");
        v.feed(b"\x84").unwrap();
        assert_eq!(v.partial(), b"\xf0\x9d\x84");
        v.feed(b"\x9ez").unwrap();
        assert!(v.is_boundary());
    }
}
