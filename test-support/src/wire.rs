//! A deliberately plain frame encoder and parser (RFC 6455 §5.2), written without looking
//! at sansocket's, for building inputs and checking what an endpoint sent; and a plain
//! permessage-deflate compressor and inflater (RFC 7692 §7.2).

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

/// The empty stored block that ends a sync flush (RFC 7692 §7.2.1).
const TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

/// One message compressed on its own (no context): raw deflate, sync flush, tail removed.
pub fn deflate(data: &[u8]) -> Vec<u8> {
    let mut c = Compress::new(Compression::new(6), false);
    let mut out = Vec::with_capacity(data.len() + 64);
    loop {
        let consumed = c.total_in() as usize;
        out.reserve(data.len() + 64);
        c.compress_vec(&data[consumed..], &mut out, FlushCompress::Sync)
            .expect("deflate");
        if c.total_in() as usize == data.len() && out.len() < out.capacity() {
            break;
        }
    }
    if out.ends_with(&TAIL) {
        out.truncate(out.len() - 4);
    }
    out
}

/// Inflates the compressed messages of one sender, in order.
pub struct Inflate {
    state: Decompress,
    reset_each_message: bool,
}

impl Inflate {
    /// An inflater with the sender's window (`bits`), resetting after every message if
    /// the sender does not keep its context.
    pub fn new(bits: u8, reset_each_message: bool) -> Self {
        Self {
            state: Decompress::new_with_window_bits(false, bits.clamp(9, 15)),
            reset_each_message,
        }
    }

    /// The payload of one compressed message, inflated.
    pub fn message(&mut self, payload: &[u8]) -> Result<Vec<u8>, String> {
        let mut input = payload.to_vec();
        input.extend_from_slice(&TAIL);
        let start = self.state.total_in();
        let mut out = Vec::new();
        let mut ended = false;
        while !ended && ((self.state.total_in() - start) as usize) < input.len() {
            let at = (self.state.total_in() - start) as usize;
            out.reserve(4096);
            let before = (self.state.total_in(), out.len());
            let status = self
                .state
                .decompress_vec(&input[at..], &mut out, FlushDecompress::Sync)
                .map_err(|e| e.to_string())?;
            ended = status == Status::StreamEnd;
            if (self.state.total_in(), out.len()) == before && out.len() < out.capacity() {
                return Err("inflate made no progress".to_owned());
            }
        }
        if self.reset_each_message || ended {
            self.state.reset(false);
        }
        Ok(out)
    }
}

/// How the encoder writes the payload length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LenForm {
    /// The shortest form, as the RFC requires.
    Minimal,
    /// Always the 16-bit form (not minimal below 126).
    Force16,
    /// Always the 64-bit form (not minimal below 65536).
    Force64,
    /// The 64-bit form with the most significant bit set (invalid).
    HighBit,
}

/// Encodes one frame. `first` is the first header byte as is (FIN, RSV, opcode); the
/// payload is masked with `mask` if given.
pub fn encode(first: u8, mask: Option<[u8; 4]>, payload: &[u8], form: LenForm) -> Vec<u8> {
    let mut out = vec![first];
    let mask_bit = if mask.is_some() { 0x80 } else { 0 };
    let len = payload.len() as u64;
    match form {
        LenForm::Minimal if len < 126 => out.push(mask_bit | len as u8),
        LenForm::Minimal if len <= 0xffff => {
            out.push(mask_bit | 126);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        }
        LenForm::Force16 if len <= 0xffff => {
            out.push(mask_bit | 126);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        }
        LenForm::HighBit => {
            out.push(mask_bit | 127);
            out.extend_from_slice(&(len | 1 << 63).to_be_bytes());
        }
        _ => {
            out.push(mask_bit | 127);
            out.extend_from_slice(&len.to_be_bytes());
        }
    }
    match mask {
        Some(key) => {
            out.extend_from_slice(&key);
            out.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
        }
        None => out.extend_from_slice(payload),
    }
    out
}

/// One frame as found on the wire, payload unmasked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WireFrame {
    /// The FIN bit.
    pub fin: bool,
    /// RSV1–3 (as the 3 bits under FIN).
    pub rsv: u8,
    /// The 4-bit opcode.
    pub opcode: u8,
    /// Whether the MASK bit was set.
    pub masked: bool,
    /// Whether the length used the shortest encoding.
    pub minimal: bool,
    /// The payload, unmasked.
    pub payload: Vec<u8>,
}

/// Splits `bytes` into frames. Fails if the bytes end inside a frame.
pub fn parse_all(bytes: &[u8]) -> Result<Vec<WireFrame>, String> {
    let mut frames = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let (frame, used) = parse_one(rest).ok_or_else(|| {
            format!(
                "output ends inside a frame after {} frames: {rest:02x?}",
                frames.len()
            )
        })?;
        frames.push(frame);
        rest = &rest[used..];
    }
    Ok(frames)
}

/// Parses the frame at the start of `bytes`, `None` if it is not all there.
pub fn parse_one(bytes: &[u8]) -> Option<(WireFrame, usize)> {
    let first = *bytes.first()?;
    let second = *bytes.get(1)?;
    let masked = second & 0x80 != 0;
    let mut pos = 2;
    let (len, minimal) = match second & 0x7f {
        126 => {
            let raw = bytes.get(2..4)?;
            pos = 4;
            let len = u64::from(raw[0]) << 8 | u64::from(raw[1]);
            (len, len >= 126)
        }
        127 => {
            let raw = bytes.get(2..10)?;
            pos = 10;
            let len = raw.iter().fold(0u64, |acc, b| acc << 8 | u64::from(*b));
            (len, len > 0xffff)
        }
        short => (u64::from(short), true),
    };
    let key = if masked {
        let key = bytes.get(pos..pos + 4)?;
        pos += 4;
        [key[0], key[1], key[2], key[3]]
    } else {
        [0; 4]
    };
    let len = usize::try_from(len).ok()?;
    let end = pos.checked_add(len)?;
    let payload = bytes
        .get(pos..end)?
        .iter()
        .enumerate()
        .map(|(i, b)| b ^ key[i % 4])
        .collect();
    let frame = WireFrame {
        fin: first & 0x80 != 0,
        rsv: (first >> 4) & 7,
        opcode: first & 0x0f,
        masked,
        minimal,
        payload,
    };
    Some((frame, end))
}

/// Splits an HTTP head (through its blank line) off the front of `bytes`.
pub fn split_head(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let end = bytes.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    Some(bytes.split_at(end))
}
