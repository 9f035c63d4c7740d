//! Frame to bytes.

use memchr::memchr_iter;

use crate::escape::{escape_into, has_special};
use crate::{Command, EncodeError, Frame, Version};

/// Encodes frames for one negotiated [`Version`]. See [`encode`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Encoder {
    version: Version,
}

impl Encoder {
    /// An encoder for `version`.
    #[must_use]
    pub const fn new(version: Version) -> Self {
        Self { version }
    }

    /// The version frames are encoded for.
    #[must_use]
    pub const fn version(&self) -> Version {
        self.version
    }

    /// Sets the version (after negotiation).
    pub const fn set_version(&mut self, version: Version) {
        self.version = version;
    }

    /// [`encode`] with this encoder's version.
    ///
    /// # Errors
    /// As [`encode`].
    pub fn encode(&self, frame: &Frame) -> Result<Vec<u8>, EncodeError> {
        encode(frame, self.version)
    }

    /// [`encode_into`] with this encoder's version.
    ///
    /// # Errors
    /// As [`encode`].
    pub fn encode_into(&self, frame: &Frame, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        encode_into(frame, self.version, out)
    }
}

/// Encodes `frame` for `version`: the command, each header escaped as the version and
/// command require (CONNECT, STOMP and CONNECTED never), `content-length` with the body's
/// octet count on every SEND, MESSAGE and ERROR (any `content-length` header of the frame
/// is replaced), a blank line, the body and a NUL. Lines end with LF, valid in every version.
///
/// # Errors
/// [`EncodeError::BodyNotAllowed`] for a body on a frame other than SEND/MESSAGE/ERROR;
/// [`EncodeError::Unencodable`] for a header that cannot be written in this version (CR,
/// LF, or a colon in a name, where escaping does not apply).
pub fn encode(frame: &Frame, version: Version) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::new();
    encode_into(frame, version, &mut out)?;
    Ok(out)
}

fn estimate(frame: &Frame) -> usize {
    let headers: usize = frame
        .headers()
        .iter()
        .map(|(n, v)| n.len() + v.len() + 2)
        .sum();
    frame.command().as_str().len() + headers + frame.body().len() + 40
}

/// [`encode`], appending to `out`. On error `out` is left as it was.
///
/// # Errors
/// As [`encode`].
pub fn encode_into(frame: &Frame, version: Version, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    let start = out.len();
    out.reserve(estimate(frame));
    let headers = frame
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()));
    let body = frame.body();
    let result = write_head(frame.command(), headers, body.len(), version, out);
    if result.is_err() {
        out.truncate(start);
        return result;
    }
    out.extend_from_slice(body);
    out.push(0);
    Ok(())
}

/// The head of a frame, appended to `out`: what [`encode_into`] writes before the body —
/// the command line, the headers escaped for `version`, `content-length: body_len` where
/// the command takes a body, and the blank line. The whole frame is this head, then the
/// `body_len` bytes of the body, then one NUL byte. For hosts that hold the body elsewhere
/// (the WASM binding copies it only once, into the frame). On error `out` is left as it
/// was.
///
/// # Errors
/// As [`encode`] (`body_len > 0` on a command without a body is
/// [`EncodeError::BodyNotAllowed`]).
pub fn encode_head_into<'a>(
    command: Command,
    headers: impl IntoIterator<Item = (&'a str, &'a str)>,
    body_len: usize,
    version: Version,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    let start = out.len();
    let result = write_head(command, headers, body_len, version, out);
    if result.is_err() {
        out.truncate(start);
    }
    result
}

/// [`encode_head_into`] with the headers packed in one string: each name and each value
/// followed by a NUL, but the last value (`"name\0value\0name\0value"`; `""` for no
/// headers), the layout a host can write in one go (the WASM binding does). A name or
/// value cannot hold a NUL in this form. When no header needs escaping (no backslash, LF,
/// CR or colon anywhere, no `content-length` name) the headers are copied as one block
/// and only the separators are rewritten, which is the common case and the fast one.
/// On error `out` is left as it was.
///
/// # Errors
/// As [`encode_head_into`]; also [`EncodeError::Unencodable`] when `packed` holds an even
/// number of NULs (a name without its value).
pub fn encode_head_packed(
    command: Command,
    packed: &str,
    body_len: usize,
    version: Version,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    let bytes = packed.as_bytes();
    if bytes.is_empty() {
        return encode_head_into(command, [], body_len, version, out);
    }
    let start = out.len();
    if !command.allows_body() && body_len > 0 {
        return Err(EncodeError::BodyNotAllowed);
    }
    if !has_special(bytes) {
        out.reserve(command.as_str().len() + bytes.len() + 40);
        out.extend_from_slice(command.as_str().as_bytes());
        out.push(b'\n');
        let block = out.len();
        out.extend_from_slice(bytes);
        // Separators: NULs at even places end a name (':'), at odd places a value ('\n').
        let mut name_start = 0;
        let mut is_name = true;
        let mut plain = true;
        for at in memchr_iter(0, bytes) {
            if is_name && &bytes[name_start..at] == b"content-length" {
                plain = false;
                break;
            }
            out[block + at] = if is_name { b':' } else { b'\n' };
            name_start = at + 1;
            is_name = !is_name;
        }
        if plain && !is_name {
            out.push(b'\n');
            write_tail(command, body_len, out);
            return Ok(());
        }
        out.truncate(start);
    }
    // Escapes, a content-length header to drop, or a name without a value: header by header.
    let mut parts = packed.split('\0');
    let mut headers = Vec::new();
    while let Some(name) = parts.next() {
        let value = parts.next().ok_or(EncodeError::Unencodable)?;
        headers.push((name, value));
    }
    encode_head_into(command, headers, body_len, version, out)
}

fn write_head<'a>(
    command: Command,
    headers: impl IntoIterator<Item = (&'a str, &'a str)>,
    body_len: usize,
    version: Version,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    if !command.allows_body() && body_len > 0 {
        return Err(EncodeError::BodyNotAllowed);
    }
    let escaped = command.escapes_headers();
    out.extend_from_slice(command.as_str().as_bytes());
    out.push(b'\n');
    for (name, value) in headers {
        if name == "content-length" {
            continue;
        }
        escape_into(out, name, escaped, version, true)?;
        out.push(b':');
        escape_into(out, value, escaped, version, false)?;
        out.push(b'\n');
    }
    write_tail(command, body_len, out);
    Ok(())
}

/// The end of a head after its headers: `content-length` where the command takes a body,
/// then the blank line.
fn write_tail(command: Command, body_len: usize, out: &mut Vec<u8>) {
    if command.allows_body() {
        out.extend_from_slice(b"content-length:");
        write_decimal(out, body_len);
        out.push(b'\n');
    }
    out.push(b'\n');
}

/// Appends `n` in decimal, without allocating.
pub(crate) fn write_decimal(out: &mut Vec<u8>, mut n: usize) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        // `n % 10` is below 10: the cast cannot truncate.
        #[allow(clippy::cast_possible_truncation)]
        let digit = (n % 10) as u8;
        digits[at] = b'0' + digit;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
}
