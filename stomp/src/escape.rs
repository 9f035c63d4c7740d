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
    if !bytes.iter().any(|b| SPECIAL[usize::from(*b)]) {
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
