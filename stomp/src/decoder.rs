//! The streaming decoder: bytes in, frames and heart-beats out.

use bytes::{Buf, BytesMut};
use memchr::memchr;

use crate::escape::unescape;
use crate::{Command, DecodeError, Frame, Limits, Version};

/// The longest command line that can still be a command: `UNSUBSCRIBE` and a CR.
const MAX_COMMAND_LINE: usize = 12;

/// What the decoder produced.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeEvent {
    /// A complete frame.
    Frame(Frame),
    /// An EOL (`LF` or `CR LF`) between frames: a heart-beat.
    HeartBeat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Between frames: EOLs are heart-beats, anything else starts a command line.
    Idle,
    /// Reading header lines of `command`.
    Headers(Command),
    /// Reading the body of `command`.
    Body(Command),
    /// After an error: nothing more is decoded.
    Failed,
}

/// A streaming STOMP decoder.
///
/// **In:** [`Decoder::receive_data`] with bytes as they arrive, split anywhere: across
/// WebSocket messages or TCP reads, several frames and heart-beats in one piece, one byte
/// at a time. **Out:** call [`Decoder::next_event`] until it returns `Ok(None)` (more bytes
/// needed). Decoding is lazy, so a session can call [`Decoder::set_version`] between two
/// frames (after CONNECT / CONNECTED) and the next frame is decoded with the new escaping.
///
/// Nothing is re-parsed: the decoder keeps its position and only looks at new bytes. A
/// line is decoded once its LF is in; a lone CR or `\` at the end of a piece just waits.
/// The body is a [`bytes::Bytes`] slice of the receive buffer (no copy).
///
/// Grammar: `command EOL *(header EOL) EOL *OCTET NUL *(EOL)`. Line ends are `[CR] LF` in
/// 1.2 and for CONNECT, STOMP and CONNECTED (decoded before a version is known), and LF in
/// 1.0/1.1, where a CR before the LF is part of the value. The command line may end with
/// CR LF in every version. A header splits at its first colon; nothing is trimmed; repeats
/// are kept in order ([`Frame::header`] returns the first). With `content-length` (the first
/// one counts) exactly that many octets are the body, NULs included, and a NUL must follow;
/// without it the body ends at the first NUL. Only SEND, MESSAGE and ERROR have a body.
///
/// After an error the decoder is failed: `next_event` returns `Ok(None)` and input is
/// dropped. The limits are in [`Limits`].
#[derive(Debug)]
pub struct Decoder {
    buf: BytesMut,
    version: Version,
    limits: Limits,
    state: State,
    /// How far into `buf` a search for LF or NUL has already looked.
    scan: usize,
    headers: Vec<(String, String)>,
    /// Bytes of the current frame's header block consumed so far.
    header_block: usize,
    content_length: Option<usize>,
    seen_content_length: bool,
    receipt: Option<String>,
}

impl Default for Decoder {
    fn default() -> Self {
        Self::new(Version::V1_2, Limits::default())
    }
}

impl Decoder {
    /// A decoder for `version` (what is negotiated; use [`Version::V1_2`] before that, the
    /// escaping of CONNECT/CONNECTED does not depend on it) with `limits`.
    #[must_use]
    pub fn new(version: Version, limits: Limits) -> Self {
        Self {
            buf: BytesMut::new(),
            version,
            limits,
            state: State::Idle,
            scan: 0,
            headers: Vec::new(),
            header_block: 0,
            content_length: None,
            seen_content_length: false,
            receipt: None,
        }
    }

    /// The version headers are decoded for.
    #[must_use]
    pub const fn version(&self) -> Version {
        self.version
    }

    /// Sets the version; applies from the next header line decoded.
    pub const fn set_version(&mut self, version: Version) {
        self.version = version;
    }

    /// The limits.
    #[must_use]
    pub const fn limits(&self) -> Limits {
        self.limits
    }

    /// Replaces the limits (from the next check on).
    pub const fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
    }

    /// Appends received bytes. Ignored once the decoder has failed.
    pub fn receive_data(&mut self, data: &[u8]) {
        if self.state != State::Failed {
            self.buf.extend_from_slice(data);
        }
    }

    /// Bytes received but not decoded yet.
    #[must_use]
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// Whether the decoder is between frames with nothing buffered.
    #[must_use]
    pub fn is_idle(&self) -> bool {
        self.state == State::Idle && self.buf.is_empty()
    }

    /// Whether a decode error happened.
    #[must_use]
    pub fn has_failed(&self) -> bool {
        self.state == State::Failed
    }

    /// The `receipt` header of the frame being decoded (or that failed), so that an ERROR
    /// about it can carry `receipt-id`.
    #[must_use]
    pub fn receipt(&self) -> Option<&str> {
        self.receipt.as_deref()
    }

    /// The next frame or heart-beat, `Ok(None)` when more bytes are needed.
    ///
    /// # Errors
    /// A [`DecodeError`] when the input is not valid STOMP or crosses a limit; the decoder
    /// is failed afterwards.
    pub fn next_event(&mut self) -> Result<Option<DecodeEvent>, DecodeError> {
        match self.step() {
            Err(e) => {
                self.state = State::Failed;
                self.buf = BytesMut::new();
                self.headers = Vec::new();
                Err(e)
            }
            ok => ok,
        }
    }

    fn step(&mut self) -> Result<Option<DecodeEvent>, DecodeError> {
        loop {
            match self.state {
                State::Failed => return Ok(None),
                State::Idle => match self.buf.first() {
                    None => return Ok(None),
                    Some(b'\n') => {
                        self.buf.advance(1);
                        return Ok(Some(DecodeEvent::HeartBeat));
                    }
                    Some(b'\r') => match self.buf.get(1) {
                        None => return Ok(None),
                        Some(b'\n') => {
                            self.buf.advance(2);
                            return Ok(Some(DecodeEvent::HeartBeat));
                        }
                        Some(_) => return Err(DecodeError::InvalidLineEnd),
                    },
                    Some(_) => {
                        let Some(nl) = self.find(b'\n') else {
                            if self.buf.len() > MAX_COMMAND_LINE {
                                return Err(DecodeError::UnknownCommand);
                            }
                            return Ok(None);
                        };
                        let line = strip_cr(&self.buf[..nl]);
                        let command =
                            Command::from_bytes(line).ok_or(DecodeError::UnknownCommand)?;
                        self.buf.advance(nl + 1);
                        self.scan = 0;
                        self.header_block = nl + 1;
                        self.content_length = None;
                        self.seen_content_length = false;
                        self.receipt = None;
                        self.headers.clear();
                        self.state = State::Headers(command);
                    }
                },
                State::Headers(command) => {
                    if !self.header_line(command)? {
                        return Ok(None);
                    }
                }
                State::Body(command) => return self.body(command),
            }
        }
    }

    /// Position of `byte` in the buffer, searching only bytes not searched before.
    fn find(&mut self, byte: u8) -> Option<usize> {
        match memchr(byte, &self.buf[self.scan..]) {
            Some(i) => Some(self.scan + i),
            None => {
                self.scan = self.buf.len();
                None
            }
        }
    }

    /// The longest raw header line (LF excluded) still allowed, and the error past it.
    fn line_cap(&self) -> (usize, DecodeError) {
        let block_room = self
            .limits
            .max_header_block
            .saturating_sub(self.header_block)
            .saturating_sub(1);
        if self.limits.max_line <= block_room {
            (self.limits.max_line, DecodeError::LineTooLong)
        } else {
            (block_room, DecodeError::HeaderBlockTooLarge)
        }
    }

    /// Decodes one header line if a whole one is buffered; `Ok(false)` when more is needed.
    fn header_line(&mut self, command: Command) -> Result<bool, DecodeError> {
        let (cap, cap_error) = self.line_cap();
        let Some(nl) = self.find(b'\n') else {
            return if self.buf.len() > cap {
                Err(cap_error)
            } else {
                Ok(false)
            };
        };
        let crlf = self.version >= Version::V1_2 || !command.escapes_headers();
        let raw = &self.buf[..nl];
        let line = if crlf { strip_cr(raw) } else { raw };
        if line.is_empty() {
            if raw.len() > cap {
                return Err(cap_error);
            }
            self.buf.advance(nl + 1);
            self.scan = 0;
            self.state = State::Body(command);
            return Ok(true);
        }
        if raw.len() > cap {
            return Err(cap_error);
        }
        if self.headers.len() >= self.limits.max_headers {
            return Err(DecodeError::TooManyHeaders);
        }
        let colon = memchr(b':', line).ok_or(DecodeError::MissingColon)?;
        let escaped = command.escapes_headers() && self.version >= Version::V1_1;
        let name = unescape(&line[..colon], escaped, self.version)?;
        let value = unescape(&line[colon + 1..], escaped, self.version)?;
        if name == "content-length" && !self.seen_content_length {
            self.seen_content_length = true;
            let n = parse_length(&value)?;
            if n > 0 && !command.allows_body() {
                return Err(DecodeError::BodyNotAllowed);
            }
            if n > self.limits.max_body {
                return Err(DecodeError::BodyTooLarge);
            }
            self.content_length = Some(n);
        } else if name == "receipt" && self.receipt.is_none() {
            self.receipt = Some(value.clone());
        }
        self.headers.push((name, value));
        self.header_block += nl + 1;
        self.buf.advance(nl + 1);
        self.scan = 0;
        Ok(true)
    }

    fn body(&mut self, command: Command) -> Result<Option<DecodeEvent>, DecodeError> {
        let len = match self.content_length {
            Some(n) => {
                if self.buf.len() <= n {
                    return Ok(None);
                }
                if self.buf[n] != 0 {
                    return Err(DecodeError::MissingNul);
                }
                n
            }
            None => match self.find(0) {
                Some(i) => {
                    if i > 0 && !command.allows_body() {
                        return Err(DecodeError::BodyNotAllowed);
                    }
                    if i > self.limits.max_body {
                        return Err(DecodeError::BodyTooLarge);
                    }
                    i
                }
                None => {
                    if !self.buf.is_empty() && !command.allows_body() {
                        return Err(DecodeError::BodyNotAllowed);
                    }
                    if self.buf.len() > self.limits.max_body {
                        return Err(DecodeError::BodyTooLarge);
                    }
                    return Ok(None);
                }
            },
        };
        let body = if len == 0 {
            bytes::Bytes::new()
        } else {
            self.buf.split_to(len).freeze()
        };
        self.buf.advance(1);
        self.scan = 0;
        self.state = State::Idle;
        // The next frame likely has as many headers: one allocation for them.
        let capacity = self.headers.len().max(4);
        let headers = std::mem::replace(&mut self.headers, Vec::with_capacity(capacity));
        Ok(Some(DecodeEvent::Frame(Frame::from_parts(
            command, headers, body,
        ))))
    }
}

fn strip_cr(line: &[u8]) -> &[u8] {
    match line.split_last() {
        Some((b'\r', rest)) => rest,
        _ => line,
    }
}

/// A `content-length` value: decimal digits only, no sign, no spaces. A number too big
/// for `usize` is too large a body, not an invalid one.
fn parse_length(text: &str) -> Result<usize, DecodeError> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(DecodeError::InvalidContentLength);
    }
    Ok(text.parse().unwrap_or(usize::MAX))
}
