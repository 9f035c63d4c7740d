//! A deliberately simple reference decoder for the differential target: RFC 6455 §5–§8
//! read top to bottom, on the whole input at once, with no buffering tricks, no
//! incremental state and no speed.
//!
//! Where the RFC leaves a choice, the reference makes sansocket's documented one: a
//! non-minimal length is an error (1002), limits fail with 1009, invalid UTF-8 fails as
//! soon as the bytes that show it arrive (§8.1 "as soon as"), errors in a header are
//! reported once the bytes that show them are there, and the checks that need the whole
//! header (RSV bits, masking, fragmentation order, limits) once the whole header is there.

use crate::drive::Entry;

/// The limits the reference applies (from the same `Config` as the connection).
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// `Config::max_frame_size`.
    pub max_frame: u64,
    /// `Config::max_message_size`.
    pub max_message: u64,
    /// `Config::max_fragments`.
    pub max_fragments: u64,
}

/// A frame header, as the reference reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// FIN.
    pub fin: bool,
    /// RSV1–3.
    pub rsv: u8,
    /// Opcode.
    pub opcode: u8,
    /// Mask key, if masked.
    pub mask: Option<[u8; 4]>,
    /// Payload length.
    pub len: u64,
    /// Header length in bytes.
    pub size: usize,
}

/// Reads the header at the start of `b`: `Ok(None)` if more bytes are needed, `Err(name)`
/// with sansocket's error name if the bytes present are already wrong.
pub fn header(b: &[u8]) -> Result<Option<Header>, &'static str> {
    if b.len() < 2 {
        return Ok(None);
    }
    let fin = b[0] & 0b1000_0000 != 0;
    let rsv = (b[0] & 0b0111_0000) >> 4;
    let opcode = b[0] & 0b0000_1111;
    let masked = b[1] & 0b1000_0000 != 0;
    let len7 = b[1] & 0b0111_1111;
    // §5.2: opcodes 0, 1, 2, 8, 9 and 10 are defined; the others are reserved.
    if ![0, 1, 2, 8, 9, 10].contains(&opcode) {
        return Err("reserved-opcode");
    }
    // §5.5: control frames (opcode >= 8) have at most 125 bytes and are never fragmented.
    if opcode >= 8 && len7 > 125 {
        return Err("control-frame-too-long");
    }
    if opcode >= 8 && !fin {
        return Err("fragmented-control-frame");
    }
    let extra_len_bytes = match len7 {
        126 => 2,
        127 => 8,
        _ => 0,
    };
    if b.len() < 2 + extra_len_bytes {
        return Ok(None);
    }
    let mut len = u64::from(len7);
    if extra_len_bytes > 0 {
        len = 0;
        for byte in &b[2..2 + extra_len_bytes] {
            len = len * 256 + u64::from(*byte);
        }
        // §5.2: the 64-bit form has its top bit clear, and the shortest form is used.
        if extra_len_bytes == 8 && len >= 1 << 63 {
            return Err("invalid-length");
        }
        if (extra_len_bytes == 2 && len < 126) || (extra_len_bytes == 8 && len < 65536) {
            return Err("non-minimal-length");
        }
    }
    let size = 2 + extra_len_bytes + if masked { 4 } else { 0 };
    if b.len() < size {
        return Ok(None);
    }
    let mask = masked.then(|| {
        let k = &b[size - 4..size];
        [k[0], k[1], k[2], k[3]]
    });
    Ok(Some(Header {
        fin,
        rsv,
        opcode,
        mask,
        len,
        size,
    }))
}

/// Whether `bytes` could be the start of valid UTF-8 (true for valid UTF-8 itself).
fn utf8_prefix_ok(bytes: &[u8]) -> bool {
    match std::str::from_utf8(bytes) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none(),
    }
}

/// What the reference decoded, and what the endpoint should have sent in reply.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Messages, control frames and at most one error, last.
    pub entries: Vec<Entry>,
    /// `(opcode, payload)` of the frames the endpoint must send: pongs and one close.
    /// For a close sent because of an error only the 2-byte code is given.
    pub replies: Vec<(u8, Vec<u8>)>,
}

/// Decodes everything in `input` as an open endpoint would: a server (`expect_masked`)
/// or a client; `eof` if the transport closed after `input`.
pub fn decode(
    input: &[u8],
    expect_masked: bool,
    limits: Limits,
    auto_pong: bool,
    eof: bool,
) -> Outcome {
    let mut out = Outcome::default();
    let fail = |mut out: Outcome, name: &'static str, code: u16| {
        out.entries
            .push(Entry::Error(name.to_owned(), Some(code), None));
        if code != 1006 {
            out.replies.push((8, code.to_be_bytes().to_vec()));
        }
        out
    };
    // The message being assembled: (opcode 1 or 2, bytes, frames so far, announced length).
    let mut message: Option<(u8, Vec<u8>, u64, u64)> = None;
    let mut pos = 0;
    loop {
        let rest = &input[pos..];
        let h = match header(rest) {
            Ok(Some(h)) => h,
            Ok(None) => break,
            Err(name) => return fail(out, name, 1002),
        };
        if h.rsv != 0 {
            return fail(out, "reserved-bits", 1002);
        }
        if expect_masked && h.mask.is_none() {
            return fail(out, "unmasked-frame", 1002);
        }
        if !expect_masked && h.mask.is_some() {
            return fail(out, "masked-frame", 1002);
        }
        let control = h.opcode >= 8;
        if !control {
            if h.len > limits.max_frame {
                return fail(out, "frame-too-large", 1009);
            }
            match (h.opcode, &mut message) {
                (0, None) => return fail(out, "unexpected-continuation", 1002),
                (1 | 2, Some(_)) => return fail(out, "expected-continuation", 1002),
                (1 | 2, None) => message = Some((h.opcode, Vec::new(), 0, 0)),
                _ => {}
            }
            if let Some((_, _, frames, announced)) = &mut message {
                *frames += 1;
                *announced += h.len;
                if *frames > limits.max_fragments {
                    return fail(out, "too-many-fragments", 1009);
                }
                if *announced > limits.max_message {
                    return fail(out, "message-too-large", 1009);
                }
            }
        }
        // The payload bytes that are here, unmasked.
        let here = (rest.len() - h.size).min(usize::try_from(h.len).unwrap_or(usize::MAX));
        let mut payload: Vec<u8> = rest[h.size..h.size + here].to_vec();
        if let Some(key) = h.mask {
            for (i, byte) in payload.iter_mut().enumerate() {
                *byte ^= key[i % 4];
            }
        }
        if let Some((1, so_far, _, _)) = &message
            && !control
        {
            let mut text = so_far.clone();
            text.extend_from_slice(&payload);
            if !utf8_prefix_ok(&text) {
                return fail(out, "invalid-utf8", 1007);
            }
        }
        if (here as u64) < h.len {
            break;
        }
        pos += h.size + here;
        match h.opcode {
            9 => {
                if auto_pong {
                    out.replies.push((10, payload.clone()));
                }
                out.entries.push(Entry::Ping(payload));
            }
            10 => out.entries.push(Entry::Pong(payload)),
            8 => {
                // §5.5.1: empty, or a 2-byte code (§7.4) and a UTF-8 reason.
                if payload.len() == 1 {
                    return fail(out, "invalid-close-payload", 1002);
                }
                let (code, reason) = if payload.is_empty() {
                    (1005, String::new())
                } else {
                    let code = u16::from(payload[0]) * 256 + u16::from(payload[1]);
                    let valid = (1000..=1003).contains(&code)
                        || (1007..=1014).contains(&code)
                        || (3000..=4999).contains(&code);
                    if !valid {
                        return fail(out, "invalid-close-code", 1002);
                    }
                    match String::from_utf8(payload[2..].to_vec()) {
                        Ok(reason) => (code, reason),
                        Err(_) => return fail(out, "invalid-utf8", 1007),
                    }
                };
                let echo = if code == 1005 {
                    Vec::new()
                } else {
                    code.to_be_bytes().to_vec()
                };
                out.replies.push((8, echo));
                out.entries.push(Entry::Close(code, reason));
                // §5.5.1: nothing after a close frame is read.
                return out;
            }
            _ => {
                let Some((kind, so_far, _, _)) = &mut message else {
                    unreachable!("a data frame always has a message");
                };
                so_far.extend_from_slice(&payload);
                if h.fin {
                    let (kind, data) = (*kind, std::mem::take(so_far));
                    message = None;
                    if kind == 1 {
                        if std::str::from_utf8(&data).is_err() {
                            return fail(out, "invalid-utf8", 1007);
                        }
                        out.entries.push(Entry::Text(data));
                    } else {
                        out.entries.push(Entry::Binary(data));
                    }
                }
            }
        }
    }
    if eof {
        return fail(out, "abnormal-closure", 1006);
    }
    out
}
