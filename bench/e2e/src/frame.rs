//! The bytes on the wire: the opening handshake, the client's masked frames (built once per
//! column, then only the sequence number changes) and the expected echo of each message.

/// The RFC 6455 example key and the `Sec-WebSocket-Accept` it must get back (section 1.3).
pub(crate) const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";
/// `base64(sha1(KEY + GUID))`.
pub(crate) const ACCEPT: &str = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";
/// The masking key of every client frame (the RFC's example key).
pub(crate) const MASK: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];
/// The first bytes of every payload: the message's sequence number in hex, so that a lost,
/// repeated or reordered echo is seen.
pub(crate) const SEQ_LEN: usize = 16;

/// Opcodes (RFC 6455 section 5.2).
pub(crate) const OP_CONT: u8 = 0x0;
pub(crate) const OP_TEXT: u8 = 0x1;
pub(crate) const OP_BINARY: u8 = 0x2;
pub(crate) const OP_CLOSE: u8 = 0x8;
pub(crate) const OP_PING: u8 = 0x9;
pub(crate) const OP_PONG: u8 = 0xa;

/// The handshake request of every connection (no extensions: nothing is compressed).
pub(crate) fn request(host: &str) -> Vec<u8> {
    format!(
        "GET / HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    .into_bytes()
}

/// Checks a complete handshake response head (up to and with the blank line): status 101 and
/// the right `Sec-WebSocket-Accept`.
pub(crate) fn check_response(head: &[u8]) -> Result<(), String> {
    let text = String::from_utf8_lossy(head);
    let mut lines = text.split("\r\n");
    let status = lines.next().unwrap_or("");
    if !status.starts_with("HTTP/1.1 101") {
        return Err(format!("handshake refused: {status:?}"));
    }
    let accepted = lines.any(|line| {
        line.split_once(':').is_some_and(|(name, value)| {
            name.trim().eq_ignore_ascii_case("sec-websocket-accept") && value.trim() == ACCEPT
        })
    });
    if accepted {
        Ok(())
    } else {
        Err("handshake: wrong or missing Sec-WebSocket-Accept".into())
    }
}

/// Length of a frame header for a payload of `len` bytes, without the masking key.
fn header_len(len: usize) -> usize {
    match len {
        0..=125 => 2,
        126..=0xffff => 4,
        _ => 10,
    }
}

/// Writes a frame header (FIN set) into `out`, with the mask bit if `masked`.
fn put_header(out: &mut Vec<u8>, opcode: u8, len: usize, masked: bool) {
    let mask_bit = if masked { 0x80 } else { 0 };
    out.push(0x80 | opcode);
    match len {
        0..=125 => out.push(mask_bit | len as u8),
        126..=0xffff => {
            out.push(mask_bit | 126);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        }
        _ => {
            out.push(mask_bit | 127);
            out.extend_from_slice(&(len as u64).to_be_bytes());
        }
    }
}

/// Appends a masked client frame carrying `payload`.
pub(crate) fn put_masked(out: &mut Vec<u8>, opcode: u8, payload: &[u8]) {
    put_header(out, opcode, payload.len(), true);
    out.extend_from_slice(&MASK);
    out.extend(payload.iter().enumerate().map(|(i, b)| b ^ MASK[i % 4]));
}

/// The hex digits of a sequence number, as the first [`SEQ_LEN`] payload bytes.
pub(crate) fn seq_digits(seq: u64) -> [u8; SEQ_LEN] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut digits = [0u8; SEQ_LEN];
    for (i, d) in digits.iter_mut().enumerate() {
        *d = HEX[((seq >> (4 * (SEQ_LEN - 1 - i))) & 0xf) as usize];
    }
    digits
}

/// One column's message: the payload every echo is compared with, and the masked frame that
/// is copied into the send buffer for each message, its sequence number patched in.
pub(crate) struct Message {
    /// `OP_TEXT` or `OP_BINARY`.
    pub(crate) opcode: u8,
    /// The payload with sequence number 0.
    pub(crate) payload: Vec<u8>,
    /// The whole masked frame with sequence number 0.
    pub(crate) frame: Vec<u8>,
    /// Where the masked payload starts in `frame`.
    payload_at: usize,
}

impl Message {
    /// A message of `size` bytes (at least [`SEQ_LEN`]): ASCII text, or binary bytes from a
    /// fixed pseudo-random sequence.
    pub(crate) fn new(size: usize, text: bool) -> Message {
        let size = size.max(SEQ_LEN);
        let mut state: u32 = 0x9e37_79b9;
        let payload: Vec<u8> = (0..size)
            .map(|i| {
                if text {
                    b"abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789,."[i % 66]
                } else {
                    state ^= state << 13;
                    state ^= state >> 17;
                    state ^= state << 5;
                    state as u8
                }
            })
            .collect();
        let opcode = if text { OP_TEXT } else { OP_BINARY };
        let mut payload = payload;
        payload[..SEQ_LEN].copy_from_slice(&seq_digits(0));
        let mut frame = Vec::with_capacity(size + 14);
        put_masked(&mut frame, opcode, &payload);
        let payload_at = header_len(size) + 4;
        Message {
            opcode,
            payload,
            frame,
            payload_at,
        }
    }

    /// Appends the frame of message `seq` to `out`.
    pub(crate) fn put(&self, out: &mut Vec<u8>, seq: u64) {
        let start = out.len();
        out.extend_from_slice(&self.frame);
        let digits = seq_digits(seq);
        let at = start + self.payload_at;
        for (i, d) in digits.iter().enumerate() {
            out[at + i] = d ^ MASK[i % 4];
        }
    }

    /// [`Message::matches`] for a chunk still masked with [`MASK`] (a floor server's echo).
    pub(crate) fn matches_masked(&self, seq: u64, offset: usize, chunk: &[u8]) -> bool {
        let mut plain = [0u8; 64];
        chunk.chunks(64).enumerate().all(|(i, piece)| {
            let at = offset + i * 64;
            for (j, (p, b)) in plain.iter_mut().zip(piece).enumerate() {
                *p = b ^ MASK[(at + j) % 4];
            }
            self.matches(seq, at, &plain[..piece.len()])
        })
    }

    /// Whether `chunk`, found at `offset` in the echo of message `seq`, is what was sent.
    pub(crate) fn matches(&self, seq: u64, offset: usize, chunk: &[u8]) -> bool {
        let end = offset + chunk.len();
        if end > self.payload.len() {
            return false;
        }
        let mut chunk = chunk;
        let mut offset = offset;
        if offset < SEQ_LEN {
            let digits = seq_digits(seq);
            let n = (SEQ_LEN - offset).min(chunk.len());
            if chunk[..n] != digits[offset..offset + n] {
                return false;
            }
            chunk = &chunk[n..];
            offset += n;
        }
        chunk == &self.payload[offset..offset + chunk.len()]
    }
}

/// A parsed server frame header.
pub(crate) struct Header {
    pub(crate) fin: bool,
    pub(crate) opcode: u8,
    pub(crate) len: usize,
    /// Header bytes consumed (with the masking key of a floor server's echo).
    pub(crate) size: usize,
}

/// Parses a server frame header at the start of `buf`: `Ok(None)` if more bytes are needed.
/// Server frames are not masked and carry no RSV bits here (nothing was negotiated). With
/// `floor`, the server is a plain byte echo measuring the host's floor: the frame must be the
/// client's own, masked with [`MASK`].
pub(crate) fn parse_header(buf: &[u8], floor: bool) -> Result<Option<Header>, String> {
    if buf.len() < 2 {
        return Ok(None);
    }
    let (b0, b1) = (buf[0], buf[1]);
    if b0 & 0x70 != 0 {
        return Err(format!("server frame with RSV bits {b0:#04x}"));
    }
    if (b1 & 0x80 != 0) != floor {
        return Err(if floor {
            "the floor server changed the frame"
        } else {
            "masked server frame"
        }
        .into());
    }
    let (len, size) = match b1 & 0x7f {
        126 if buf.len() >= 4 => (u16::from_be_bytes([buf[2], buf[3]]) as usize, 4),
        127 if buf.len() >= 10 => {
            let mut be = [0u8; 8];
            be.copy_from_slice(&buf[2..10]);
            (
                usize::try_from(u64::from_be_bytes(be)).map_err(|_| "frame too long")?,
                10,
            )
        }
        126 | 127 => return Ok(None),
        n => (n as usize, 2),
    };
    if floor {
        if buf.len() < size + 4 {
            return Ok(None);
        }
        if buf[size..size + 4] != MASK {
            return Err("the floor server changed the masking key".into());
        }
    }
    let size = if floor { size + 4 } else { size };
    Ok(Some(Header {
        fin: b0 & 0x80 != 0,
        opcode: b0 & 0x0f,
        len,
        size,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unmask(frame: &[u8], at: usize) -> Vec<u8> {
        frame[at..]
            .iter()
            .enumerate()
            .map(|(i, b)| b ^ MASK[i % 4])
            .collect()
    }

    #[test]
    fn frames_carry_the_sequence_number_masked() {
        for (size, at) in [
            (256, 2 + 2 + 4),
            (16 << 10, 4 + 4),
            (64 << 10, 10 + 4),
            (100, 2 + 4),
        ] {
            let msg = Message::new(size, false);
            let mut out = Vec::new();
            msg.put(&mut out, 0x1234);
            let payload = unmask(&out, at);
            assert_eq!(payload.len(), size);
            assert_eq!(&payload[..SEQ_LEN], b"0000000000001234");
            assert!(msg.matches(0x1234, 0, &payload));
            assert!(!msg.matches(0x1235, 0, &payload));
            assert!(msg.matches(0x1234, 7, &payload[7..20]));
            assert!(msg.matches_masked(0x1234, 0, &out[at..]));
            assert!(msg.matches_masked(0x1234, 5, &out[at + 5..at + 200.min(size)]));
            assert!(!msg.matches_masked(0x1235, 0, &out[at..]));
            assert!(!msg.matches(0x1234, 1, &payload[10..15]));
        }
    }

    #[test]
    fn headers_parse_every_length_form() {
        let h = parse_header(&[0x82, 5], false).unwrap().unwrap();
        assert!(h.fin && h.opcode == OP_BINARY && h.len == 5 && h.size == 2);
        let h = parse_header(&[0x01, 126, 1, 0], false).unwrap().unwrap();
        assert!(!h.fin && h.opcode == OP_TEXT && h.len == 256 && h.size == 4);
        let h = parse_header(&[0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0], false)
            .unwrap()
            .unwrap();
        assert_eq!((h.len, h.size), (65536, 10));
        assert!(parse_header(&[0x82, 126, 1], false).unwrap().is_none());
        assert!(parse_header(&[0x82, 0x85], false).is_err());
        assert!(parse_header(&[0x82, 0x05], true).is_err());
        let mut own = vec![0x82, 0x85];
        own.extend_from_slice(&MASK);
        assert_eq!(parse_header(&own, true).unwrap().unwrap().size, 6);
        own[5] ^= 1;
        assert!(parse_header(&own, true).is_err());
        assert!(parse_header(&[0xc2, 1], false).is_err());
    }

    #[test]
    fn responses_need_101_and_the_accept_key() {
        let ok =
            format!("HTTP/1.1 101 Switching Protocols\r\nsec-websocket-accept: {ACCEPT}\r\n\r\n");
        assert!(check_response(ok.as_bytes()).is_ok());
        assert!(check_response(b"HTTP/1.1 101 OK\r\nSec-WebSocket-Accept: x\r\n\r\n").is_err());
        assert!(check_response(b"HTTP/1.1 400 Bad\r\n\r\n").is_err());
    }
}
