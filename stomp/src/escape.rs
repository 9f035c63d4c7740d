//! Header escaping (STOMP 1.1 and 1.2 "Value Encoding"), one left-to-right pass each way.
//!
//! | version | escapes |
//! |---|---|
//! | 1.0 | none |
//! | 1.1 | `\n` LF, `\c` colon, `\\` backslash |
//! | 1.2 | the 1.1 ones and `\r` CR |
//!
//! Any other `\x`, and a `\` ending a name or value, is an undefined escape: fatal.
//! CONNECT, STOMP and CONNECTED are never escaped, whatever the version.

use memchr::memchr;

use crate::{DecodeError, EncodeError, Version};

/// Decodes a raw header name or value into a `String`; `escaped` says whether escapes
/// apply (a 1.1+ frame other than CONNECT/STOMP/CONNECTED).
pub(crate) fn unescape(raw: &[u8], escaped: bool, version: Version) -> Result<String, DecodeError> {
    let first = if escaped { memchr(b'\\', raw) } else { None };
    let Some(first) = first else {
        return utf8(raw.to_vec());
    };
    let mut out = Vec::with_capacity(raw.len());
    let mut rest = raw;
    let mut at = first;
    loop {
        out.extend_from_slice(&rest[..at]);
        let byte = match rest.get(at + 1) {
            Some(b'n') => b'\n',
            Some(b'c') => b':',
            Some(b'\\') => b'\\',
            Some(b'r') if version >= Version::V1_2 => b'\r',
            _ => return Err(DecodeError::InvalidEscape),
        };
        out.push(byte);
        rest = &rest[at + 2..];
        match memchr(b'\\', rest) {
            Some(next) => at = next,
            None => break,
        }
    }
    out.extend_from_slice(rest);
    utf8(out)
}

fn utf8(bytes: Vec<u8>) -> Result<String, DecodeError> {
    String::from_utf8(bytes).map_err(|_| DecodeError::InvalidUtf8)
}

/// Bytes that escaping may change: backslash, LF, CR and colon.
const SPECIAL: [bool; 256] = {
    let mut table = [false; 256];
    table[b'\\' as usize] = true;
    table[b'\n' as usize] = true;
    table[b'\r' as usize] = true;
    table[b':' as usize] = true;
    table
};

/// Whether `bytes` holds a backslash, LF, CR or colon: eight bytes at a time (the usual
/// header has none, and this test is most of the encoder's work on a small frame).
pub(crate) fn has_special(bytes: &[u8]) -> bool {
    const LOW: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    /// Whether a byte of `x` is zero (exact as to whether; not as to which).
    const fn has_zero(x: u64) -> bool {
        ((x.wrapping_sub(LOW)) & !x & HIGH) != 0
    }
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word);
        if has_zero(x ^ (LOW * u64::from(b'\\')))
            || has_zero(x ^ (LOW * u64::from(b'\n')))
            || has_zero(x ^ (LOW * u64::from(b'\r')))
            || has_zero(x ^ (LOW * u64::from(b':')))
        {
            return true;
        }
    }
    chunks.remainder().iter().any(|b| SPECIAL[usize::from(*b)])
}

/// Appends `text` escaped for `version` (`escaped` as for [`unescape`]). `is_name`: a name
/// may not hold a raw `:` when it cannot be escaped.
pub(crate) fn escape_into(
    out: &mut Vec<u8>,
    text: &str,
    escaped: bool,
    version: Version,
    is_name: bool,
) -> Result<(), EncodeError> {
    let bytes = text.as_bytes();
    if !has_special(bytes) {
        out.extend_from_slice(bytes);
        return Ok(());
    }
    if !escaped || version == Version::V1_0 {
        // Raw: LF and CR would end the line, a colon would end the name.
        if bytes
            .iter()
            .any(|b| *b == b'\n' || *b == b'\r' || (is_name && *b == b':'))
        {
            return Err(EncodeError::Unencodable);
        }
        out.extend_from_slice(bytes);
        return Ok(());
    }
    for &b in bytes {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b':' => out.extend_from_slice(b"\\c"),
            // 1.1 has no escape for CR, and its lines end at LF only, so a raw CR is data.
            b'\r' if version >= Version::V1_2 => out.extend_from_slice(b"\\r"),
            _ => out.push(b),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{SPECIAL, has_special};

    #[test]
    fn has_special_agrees_with_the_table_for_every_byte_at_every_position() {
        for len in 1..=20 {
            for at in 0..len {
                for byte in 0..=255u8 {
                    let mut bytes = vec![b'a'; len];
                    bytes[at] = byte;
                    assert_eq!(
                        has_special(&bytes),
                        SPECIAL[usize::from(byte)],
                        "{len} {at} {byte}"
                    );
                }
            }
        }
        assert!(!has_special(b""));
    }
}
