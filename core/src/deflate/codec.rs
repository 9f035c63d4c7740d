//! Compressing and decompressing messages (RFC 7692 §7.2), within limits.

use bytes::BytesMut;
use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

use crate::error::ProtocolError;

/// §7.2.1: the empty stored block a sync flush ends with; removed from sent messages and
/// appended to received ones.
const TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

/// Output is produced in steps of this size, so the size limit is checked as it grows.
const STEP: usize = 16 << 10;

/// Our side's compressor.
#[derive(Debug)]
pub(crate) struct Deflater {
    state: Option<Compress>,
    level: u32,
    /// `None`: the peer allows only an 8-bit window, which raw deflate in zlib cannot
    /// produce; messages go uncompressed then (always allowed, §6).
    window_bits: Option<u8>,
    reset_each_message: bool,
    min_size: usize,
}

impl Deflater {
    pub(crate) fn new(
        level: u32,
        window_bits: u8,
        reset_each_message: bool,
        min_size: usize,
    ) -> Self {
        let window_bits = (window_bits >= 9).then_some(window_bits.min(15));
        Self {
            state: None,
            level: level.min(9),
            window_bits,
            reset_each_message,
            min_size,
        }
    }

    /// Appends the compressed form of `data` (tail removed) to `out` and returns `true`, or
    /// returns `false` if the message should go uncompressed.
    pub(crate) fn compress(&mut self, data: &[u8], out: &mut BytesMut) -> bool {
        let Some(bits) = self.window_bits.filter(|_| data.len() >= self.min_size) else {
            return false;
        };
        let level = self.level;
        let state = self.state.get_or_insert_with(|| {
            Compress::new_with_window_bits(Compression::new(level), false, bits)
        });
        let start = out.len();
        let mut input = data;
        loop {
            out.reserve(STEP.max(input.len() / 2));
            let before = state.total_in();
            let mut spare = std::mem::take(out);
            let ok = compress_into(state, input, &mut spare);
            *out = spare;
            if !ok {
                out.truncate(start);
                state.reset();
                return false;
            }
            input = &input[usize::try_from(state.total_in() - before).unwrap_or(input.len())..];
            // A sync flush is complete once output did not fill the space we gave it.
            if input.is_empty() && out.capacity() > out.len() {
                break;
            }
        }
        if out[start..].ends_with(&TAIL) {
            out.truncate(out.len() - TAIL.len());
        }
        if out.len() == start {
            out.extend_from_slice(&[0x00]);
        }
        if self.reset_each_message {
            state.reset();
        }
        true
    }
}

/// One `compress` call with a sync flush into `out`'s spare capacity.
fn compress_into(state: &mut Compress, input: &[u8], out: &mut BytesMut) -> bool {
    let len = out.len();
    let cap = out.capacity();
    out.resize(cap, 0);
    let before = state.total_out();
    let result = state.compress(input, &mut out[len..], FlushCompress::Sync);
    let produced = usize::try_from(state.total_out() - before).unwrap_or(0);
    out.truncate(len + produced);
    result.is_ok()
}

/// Our side's decompressor.
#[derive(Debug)]
pub(crate) struct Inflater {
    state: Option<Decompress>,
    reset_each_message: bool,
    /// The message's stream ended with a final block (RFC 7692 §7.2.3.4): the rest of the
    /// message is padding, and the next message starts a new stream.
    ended: bool,
}

impl Inflater {
    pub(crate) fn new(reset_each_message: bool) -> Self {
        Self {
            state: None,
            reset_each_message,
            ended: false,
        }
    }

    /// Decompresses `input` (part of a compressed message) and appends the result to `out`,
    /// failing with 1009 as soon as `out` would pass `limit` bytes (decompression bombs) and
    /// with 1007 on corrupt data.
    pub(crate) fn inflate(
        &mut self,
        mut input: &[u8],
        out: &mut BytesMut,
        limit: usize,
    ) -> Result<(), ProtocolError> {
        if self.ended {
            return Ok(());
        }
        // 15 bits: a decoder with the largest window reads streams made with any smaller one.
        let state = self
            .state
            .get_or_insert_with(|| Decompress::new_with_window_bits(false, 15));
        let mut step = [0u8; STEP];
        loop {
            let (before_in, before_out) = (state.total_in(), state.total_out());
            let result = state.decompress(input, &mut step, FlushDecompress::Sync);
            let used = usize::try_from(state.total_in() - before_in).unwrap_or(input.len());
            let produced = usize::try_from(state.total_out() - before_out).unwrap_or(0);
            input = &input[used.min(input.len())..];
            // What inflated before the limit or corrupt data stays in `out` (up to the limit)
            // for the caller to check first: errors come in stream order, whatever the reads.
            if out.len() + produced > limit {
                out.extend_from_slice(&step[..limit.saturating_sub(out.len())]);
                return Err(ProtocolError::MessageTooLarge);
            }
            out.extend_from_slice(&step[..produced]);
            let status = result.map_err(|_| ProtocolError::InvalidCompressedData)?;
            if status == Status::StreamEnd {
                // §7.2.3.4: a sender that cannot sync-flush ends the message with a final
                // block followed by an empty block's header; what follows is not inflated.
                self.ended = true;
                return Ok(());
            }
            if produced < STEP && (input.is_empty() || used == 0 && produced == 0) {
                return Ok(());
            }
        }
    }

    /// Ends a compressed message: feeds the removed tail (§7.2.2) and resets the context if
    /// the peer does not keep it.
    pub(crate) fn finish(&mut self, out: &mut BytesMut, limit: usize) -> Result<(), ProtocolError> {
        self.inflate(&TAIL, out, limit)?;
        let reset = self.reset_each_message || self.ended;
        if let Some(state) = self.state.as_mut().filter(|_| reset) {
            state.reset(false);
        }
        self.ended = false;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(deflater: &mut Deflater, inflater: &mut Inflater, msg: &[u8]) -> Vec<u8> {
        let mut wire = BytesMut::new();
        assert!(deflater.compress(msg, &mut wire));
        assert!(!wire.ends_with(&TAIL));
        let mut out = BytesMut::new();
        // in pieces, as frames would arrive
        for piece in wire.chunks(7) {
            inflater.inflate(piece, &mut out, 1 << 24).unwrap();
        }
        inflater.finish(&mut out, 1 << 24).unwrap();
        out.to_vec()
    }

    #[test]
    fn round_trips_with_and_without_context_takeover() {
        for bits in [9, 12, 15] {
            for reset in [false, true] {
                let mut d = Deflater::new(6, bits, reset, 0);
                let mut i = Inflater::new(reset);
                for msg in [
                    &b""[..],
                    b"Hello",
                    &b"abcabcabc".repeat(1000),
                    &(0..=255u8).cycle().take(70_000).collect::<Vec<_>>(),
                ] {
                    assert_eq!(
                        roundtrip(&mut d, &mut i, msg),
                        msg,
                        "bits {bits} reset {reset}"
                    );
                }
            }
        }
    }

    #[test]
    fn rfc7692_section_7_2_3_1_hello() {
        // "Hello" compressed without context takeover: f2 48 cd c9 c9 07 00
        let mut out = BytesMut::new();
        let mut i = Inflater::new(true);
        i.inflate(&[0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00], &mut out, 100)
            .unwrap();
        i.finish(&mut out, 100).unwrap();
        assert_eq!(&out[..], b"Hello");
        // §7.2.3.2: the same message again with context takeover: f2 00 11 00 00
        let mut i = Inflater::new(false);
        let mut out = BytesMut::new();
        i.inflate(&[0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00], &mut out, 100)
            .unwrap();
        i.finish(&mut out, 100).unwrap();
        i.inflate(&[0xf2, 0x00, 0x11, 0x00, 0x00], &mut out, 100)
            .unwrap();
        i.finish(&mut out, 100).unwrap();
        assert_eq!(&out[..], b"HelloHello");
    }

    #[test]
    fn bombs_stop_at_the_limit() {
        let mut d = Deflater::new(9, 15, false, 0);
        let mut wire = BytesMut::new();
        d.compress(&vec![0u8; 10 << 20], &mut wire);
        assert!(wire.len() < 20_000);
        let mut out = BytesMut::new();
        let err = Inflater::new(false)
            .inflate(&wire, &mut out, 1 << 20)
            .unwrap_err();
        assert_eq!(err, ProtocolError::MessageTooLarge);
        assert!(out.len() <= 1 << 20);
    }

    #[test]
    fn small_messages_and_8_bit_windows_go_uncompressed() {
        let mut out = BytesMut::new();
        assert!(!Deflater::new(6, 15, false, 64).compress(b"short", &mut out));
        assert!(!Deflater::new(6, 8, false, 0).compress(&[b'a'; 1000], &mut out));
        assert!(out.is_empty());
    }

    #[test]
    fn corrupt_data_is_1007() {
        let mut out = BytesMut::new();
        let err = Inflater::new(false)
            .inflate(&[0xff, 0xff, 0xff], &mut out, 100)
            .unwrap_err();
        assert_eq!(err.close_code(), 1007);
    }
}
