//! Compressing and decompressing messages (RFC 7692 §7.2), within limits.
//!
//! Compressing is the compressor of `compress.rs`, appending to a `Vec`; inflating is the
//! decoder of `inflate.rs`, writing straight into the message's `Vec`, so no staging buffer
//! is copied.

use std::fmt;

use crate::compress::Compressor;
use crate::inflate::{Decoder, FAST_ROOM, Status};

/// §7.2.1: the empty stored block a sync flush ends with; removed from sent messages and
/// appended to received ones.
const TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

/// The least output room the inflater grows its output by; growth is geometric beyond it.
const MIN_STEP: usize = 4 << 10;

/// The first step of a message is sized from the last message's size, but never past this
/// many times the compressed bytes at hand (a huge message must not make the next, small
/// one allocate as much).
const HINT_RATIO: usize = 64;

/// Compresses the messages of one direction of a connection into raw DEFLATE (RFC 1951), each
/// ended with a sync flush whose `00 00 ff ff` is left out (RFC 7692 §7.2.1).
///
/// Make one with [`new`](Self::new) (and the `with_*` settings), then call
/// [`compress`](Self::compress) once per message, in the order the messages are sent: with
/// context takeover (the default) each message may refer to the ones before it, so the
/// peer must inflate them in the same order with one [`MessageInflater`].
///
/// Memory: nothing until the first message is compressed; then about 5 × 2^`window_bits`
/// bytes (21 KiB at 12 bits), or only the window's 2^`window_bits` bytes between messages
/// [`with_low_memory`](Self::with_low_memory); [`heap_size`](Self::heap_size) tells.
///
/// ```
/// use sansocket_deflate::{MessageCompressor, MessageInflater};
///
/// let mut compressor = MessageCompressor::new(6, 12);
/// let mut inflater = MessageInflater::new(12);
/// let message = b"a message, a message, a message, a message".repeat(4);
/// let mut wire = Vec::new();
/// assert!(compressor.compress(&message, &mut wire)); // smaller: sent compressed
/// let mut out = Vec::new();
/// inflater.inflate(&wire, &mut out, 1 << 20, usize::MAX)?;
/// inflater.finish(&mut out, 1 << 20)?; // the end of the message
/// assert_eq!(out, message);
/// # Ok::<(), sansocket_deflate::InflateError>(())
/// ```
#[derive(Debug)]
pub struct MessageCompressor {
    /// Made on the first compressed message: 21 KiB at 12 bits (the window and its hash
    /// tables), about 5 × 2^bits bytes for other windows.
    state: Option<Compressor>,
    level: u32,
    /// 8–15.
    window_bits: u8,
    reset_each_message: bool,
    min_size: usize,
    /// Keep only the window between messages ([`MessageCompressor::with_low_memory`]).
    low_memory: bool,
}

impl MessageCompressor {
    /// A compressor at `level` 0–9 (as zlib's: 1–3 greedy, 4–9 lazy matching with longer
    /// hash chains; 0 sends every message uncompressed) with a window of 2^`window_bits`
    /// bytes, 8–15 (values outside are clamped). Context takeover on, no minimum size,
    /// tables kept between messages.
    #[must_use]
    pub fn new(level: u32, window_bits: u8) -> Self {
        Self {
            state: None,
            level: level.min(9),
            window_bits: window_bits.clamp(8, 15),
            reset_each_message: false,
            min_size: 0,
            low_memory: false,
        }
    }

    /// Starts every message afresh (`*_no_context_takeover`): worse ratio on small
    /// messages; with [`with_low_memory`](Self::with_low_memory) nothing at all is kept
    /// between messages.
    #[must_use]
    pub fn with_no_context_takeover(mut self, yes: bool) -> Self {
        self.reset_each_message = yes;
        self
    }

    /// Messages shorter than `bytes` are not compressed ([`compress`](Self::compress)
    /// returns `false`).
    #[must_use]
    pub fn with_min_size(mut self, bytes: usize) -> Self {
        self.min_size = bytes;
        self
    }

    /// Keeps only the window between messages: the hash tables (3/4 of the memory) are
    /// dropped after each message and rebuilt from the window at the next one. Messages
    /// compress to the same bytes; small ones take longer.
    #[must_use]
    pub fn with_low_memory(mut self, yes: bool) -> Self {
        self.low_memory = yes;
        self
    }

    /// Appends the compressed form of `data` (tail removed) to `out` and returns `true`, or
    /// returns `false` if the message should go uncompressed: shorter than `min_size`,
    /// level 0, or not made smaller by compression (the peer's context does not change
    /// then, and ours does not either).
    /// In that case nothing was appended and the message is not part of the context.
    pub fn compress(&mut self, data: &[u8], out: &mut Vec<u8>) -> bool {
        if self.level == 0 || data.len() < self.min_size {
            return false;
        }
        let (level, bits) = (self.level, self.window_bits);
        let state = self
            .state
            .get_or_insert_with(|| Compressor::new(level, bits));
        let compressed = state.compress(data, out);
        if self.reset_each_message {
            state.reset();
        }
        if self.low_memory {
            if self.reset_each_message {
                self.state = None;
            } else {
                state.release_tables();
            }
        }
        compressed
    }

    /// Whether this compressor keeps no more than it must between messages
    /// ([`with_low_memory`](Self::with_low_memory)).
    #[must_use]
    pub fn low_memory(&self) -> bool {
        self.low_memory
    }

    /// Heap bytes the compressor holds now.
    #[must_use]
    pub fn heap_size(&self) -> usize {
        self.state.as_ref().map_or(0, Compressor::heap)
    }
}

/// How far one [`MessageInflater::inflate`] call went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Inflated {
    /// Input bytes consumed (the rest is to be fed again).
    pub used: usize,
    /// Output stopped at the cap: more may come, even from no more input.
    pub full: bool,
}

/// Why a message could not be inflated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum InflateError {
    /// The message inflates past the limit given (a WebSocket endpoint closes with 1009).
    TooLarge,
    /// The data is not a valid DEFLATE stream (a WebSocket endpoint closes with 1007).
    Corrupt,
}

impl fmt::Display for InflateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::TooLarge => "message inflates past the limit",
            Self::Corrupt => "invalid DEFLATE data",
        })
    }
}

impl std::error::Error for InflateError {}

/// Inflates the compressed messages of one direction of a connection, in the order they
/// were compressed, each fed in pieces split anywhere (frames, reads).
///
/// Per message: [`inflate`](Self::inflate) as its bytes arrive (without the removed
/// `00 00 ff ff`), then [`finish`](Self::finish) once. Output is appended to the caller's
/// `Vec`, within a limit (decompression bombs stop there) and, for streaming, a cap per
/// call. Call [`release`](Self::release) when idle to drop the decode tables.
///
/// Memory: nothing until the first message; the history of the peer's window
/// (2^`window_bits` bytes) between messages with context takeover, plus 7.6 KiB of decode
/// tables while messages are inflated; [`heap_size`](Self::heap_size) tells.
#[derive(Debug)]
pub struct MessageInflater {
    /// sansocket's decoder: its history (2^window_bits bytes) is kept between messages
    /// with context takeover, its tables only while messages are inflated.
    decoder: Decoder,
    reset_each_message: bool,
    /// The message's stream ended with a final block (RFC 7692 §7.2.3.4): the rest of the
    /// message is padding, and the next message starts a new stream.
    ended: bool,
    /// Bytes the current message inflated to so far.
    produced: usize,
    /// The size of the last message: the first output step of the next one.
    hint: usize,
}

impl MessageInflater {
    /// An inflater for a peer whose compressor uses at most 2^`window_bits` bytes of
    /// history (8–15: the negotiated `*_max_window_bits`, 15 if none), with context
    /// takeover.
    #[must_use]
    pub fn new(window_bits: u8) -> Self {
        Self {
            decoder: Decoder::new(window_bits),
            reset_each_message: false,
            ended: false,
            produced: 0,
            hint: 0,
        }
    }

    /// The peer starts every message afresh (`*_no_context_takeover`): no history is kept
    /// between messages.
    #[must_use]
    pub fn with_no_context_takeover(mut self, yes: bool) -> Self {
        self.reset_each_message = yes;
        self
    }

    /// Decompresses `input` (part of a compressed message) and appends the result to `out`,
    /// failing with [`InflateError::TooLarge`] as soon as `out` would pass `limit` bytes
    /// (decompression bombs: `out` then holds `limit` bytes) and with
    /// [`InflateError::Corrupt`] on corrupt data (`out` holds what inflated before it). Output stops once `out` holds `cap` bytes (at most
    /// `limit + 1`), so that a streaming receiver hands out a bounded chunk: then
    /// [`Inflated::full`] is set, and the input not used yet (and output the inflater holds)
    /// is to be fed again.
    ///
    /// # Errors
    /// [`InflateError`]; the message cannot be continued, and the inflater's context is
    /// lost (make a new one for the next message).
    pub fn inflate(
        &mut self,
        input: &[u8],
        out: &mut Vec<u8>,
        limit: usize,
        cap: usize,
    ) -> Result<Inflated, InflateError> {
        let all = Inflated {
            used: input.len(),
            full: false,
        };
        if self.ended {
            // §7.2.3.4: past the final block; the rest of the message is not inflated.
            return Ok(all);
        }
        let cap = cap.min(limit.saturating_add(1));
        let mut rest = input;
        loop {
            if out.len() >= cap {
                // `cap` itself (going past the limit fails below, and callers start within it).
                return Ok(Inflated {
                    used: input.len() - rest.len(),
                    full: true,
                });
            }
            if out.capacity() == out.len() {
                // The first step fits a message as large as the last one and the room to
                // decode all of it at full speed (so that its end is seen without growing
                // the buffer); then geometric growth. Never room past `cap`: a bomb
                // allocates at most `limit + 1` bytes before it is caught.
                let guess = if self.produced == 0 && self.hint > 0 {
                    (self.hint + FAST_ROOM).min(rest.len().saturating_mul(HINT_RATIO))
                } else {
                    out.len().max(MIN_STEP)
                };
                out.reserve_exact(guess.min(cap - out.len()).max(1));
            }
            // The decoder writes into the room (zero-filled here: safe code cannot write
            // uninitialised memory), and what it did not fill is cut off again.
            let start = out.len();
            let end = out.capacity().min(cap);
            out.resize(end, 0);
            let ran = self.decoder.run(rest, out, start);
            out.truncate(ran.end);
            rest = &rest[ran.used..];
            self.produced += ran.end - start;
            // What inflated before the limit or corrupt data stays in `out` (up to the limit)
            // for the caller to check first: errors come in stream order, whatever the reads.
            if out.len() > limit {
                out.truncate(limit);
                return Err(InflateError::TooLarge);
            }
            match ran.status.map_err(|_| InflateError::Corrupt)? {
                // §7.2.3.4: a sender that cannot sync-flush ends the message with a final
                // block followed by an empty block's header; what follows is not inflated.
                Status::End => {
                    self.ended = true;
                    return Ok(all);
                }
                // The decoder keeps the bits it has read but not used yet.
                Status::Input => return Ok(all),
                Status::Output => {}
            }
        }
    }

    /// Ends a compressed message: feeds the removed tail (§7.2.2) and resets the context if
    /// the peer does not keep it. Room left in `out` is given back (in place, for most
    /// allocators), so the message is handed out in an allocation of its size (which also
    /// spares `Bytes::from` an allocation of its own).
    ///
    /// # Errors
    /// As [`inflate`](Self::inflate).
    pub fn finish(&mut self, out: &mut Vec<u8>, limit: usize) -> Result<(), InflateError> {
        // The tail adds no output to a well-formed stream, and at most a few KiB to any:
        // only the limit applies.
        self.inflate(&TAIL, out, limit, usize::MAX)?;
        if self.reset_each_message || self.ended {
            self.decoder.reset();
        }
        self.ended = false;
        self.hint = std::mem::take(&mut self.produced);
        out.shrink_to_fit();
        Ok(())
    }

    /// Frees what the decompressor need not hold while idle (its decode tables, and its
    /// history's buffer when it holds no history); messages that follow at once reuse them
    /// instead.
    pub fn release(&mut self) {
        self.decoder.release();
    }

    /// Heap bytes the decompressor holds now.
    #[must_use]
    pub fn heap_size(&self) -> usize {
        self.decoder.heap()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(
        deflater: &mut MessageCompressor,
        inflater: &mut MessageInflater,
        msg: &[u8],
    ) -> Vec<u8> {
        let mut wire = Vec::new();
        if !deflater.compress(msg, &mut wire) {
            // Sent as is: not smaller compressed.
            assert!(wire.is_empty() && msg.len() < 16, "{}", msg.len());
            return msg.to_vec();
        }
        assert!(!wire.ends_with(&TAIL));
        let mut out = Vec::new();
        // in pieces, as frames would arrive
        for piece in wire.chunks(7) {
            inflater
                .inflate(piece, &mut out, 1 << 24, usize::MAX)
                .unwrap();
        }
        inflater.finish(&mut out, 1 << 24).unwrap();
        out.to_vec()
    }

    #[test]
    fn round_trips_with_and_without_context_takeover() {
        for (bits, reset, low_memory) in (8..=15)
            .flat_map(|b| [(b, false), (b, true)])
            .flat_map(|(b, r)| [(b, r, false), (b, r, true)])
        {
            {
                let mut d = MessageCompressor::new(6, bits)
                    .with_no_context_takeover(reset)
                    .with_low_memory(low_memory);
                let mut i = MessageInflater::new(15).with_no_context_takeover(reset);
                for msg in [
                    &b""[..],
                    b"Hello",
                    &b"abcabcabc".repeat(1000),
                    &(0..=255u8).cycle().take(70_000).collect::<Vec<_>>(),
                ] {
                    assert_eq!(
                        roundtrip(&mut d, &mut i, msg),
                        msg,
                        "bits {bits} reset {reset} low_memory {low_memory}"
                    );
                }
            }
        }
    }

    #[test]
    fn low_memory_keeps_only_the_window_and_the_context() {
        let msg: Vec<u8> = (0..10)
            .flat_map(|i| {
                format!(r#"{{"symbol":"ACME","bid":101.{i},"ts":17171717{i}}},"#).into_bytes()
            })
            .collect();
        let alone = {
            let mut wire = Vec::new();
            MessageCompressor::new(6, 10)
                .with_no_context_takeover(true)
                .compress(&msg, &mut wire);
            wire.len()
        };
        let mut d = MessageCompressor::new(6, 10).with_low_memory(true);
        let mut plain = MessageCompressor::new(6, 10);
        let mut i = MessageInflater::new(15);
        assert_eq!(roundtrip(&mut d, &mut i, &msg), msg);
        assert!(
            d.heap_size() <= 1024 + 1024 / 4 + 256,
            "only the window: {}",
            d.heap_size()
        );
        // The second message refers to the first (context takeover): a few bytes, the same
        // as with the tables kept, and the same decompressor reads it.
        let (mut a, mut b) = (Vec::new(), Vec::new());
        assert!(d.compress(&msg, &mut a));
        plain.compress(&msg, &mut Vec::new());
        assert!(plain.compress(&msg, &mut b));
        assert_eq!(a, b);
        assert!(a.len() < alone / 4, "{} vs {alone} alone", a.len());
        let mut out = Vec::new();
        i.inflate(&a, &mut out, 1 << 20, usize::MAX).unwrap();
        i.finish(&mut out, 1 << 20).unwrap();
        assert_eq!(out, msg);
        // Without context takeover nothing is kept at all.
        let mut d = MessageCompressor::new(6, 12)
            .with_no_context_takeover(true)
            .with_low_memory(true);
        assert!(d.compress(&msg, &mut Vec::new()));
        assert!(d.state.is_none());
    }

    #[test]
    fn compressor_memory_scales_with_the_window() {
        let msg: Vec<u8> = (0..3000u32)
            .flat_map(|i| format!("{{\"n\":{i}}}").into_bytes())
            .collect();
        for bits in 8..=15u8 {
            let mut d = MessageCompressor::new(6, bits);
            assert!(d.compress(&msg, &mut Vec::new()));
            let window = 1usize << bits;
            // The window (and a quarter of it as slack), 2^bits heads (2^(bits-1) from 14
            // bits on), a link per window position.
            let heads = if bits < 14 { window } else { window / 2 };
            let most = window + window / 4 + 256 + 2 * heads.max(256) + 2 * window;
            println!("compressor at {bits} bits: {} bytes", d.heap_size());
            assert!(d.heap_size() <= most, "{bits} bits: {}", d.heap_size());
        }
    }

    #[test]
    fn rfc7692_section_7_2_3_1_hello() {
        // "Hello" compressed (§7.2.3.1), and again with context takeover (§7.2.3.2).
        const HELLO: [u8; 7] = [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00];
        const AGAIN: [u8; 5] = [0xf2, 0x00, 0x11, 0x00, 0x00];
        let message = |i: &mut MessageInflater, out: &mut Vec<u8>, wire: &[u8]| {
            i.inflate(wire, out, 100, 101).unwrap();
            i.finish(out, 100).unwrap();
        };
        let mut out = Vec::new();
        message(
            &mut MessageInflater::new(15).with_no_context_takeover(true),
            &mut out,
            &HELLO,
        );
        assert_eq!(&out[..], b"Hello");
        let mut i = MessageInflater::new(15);
        let mut out = Vec::new();
        message(&mut i, &mut out, &HELLO);
        message(&mut i, &mut out, &AGAIN);
        assert_eq!(&out[..], b"HelloHello");
    }

    #[test]
    fn bombs_stop_at_the_limit() {
        let mut d = MessageCompressor::new(9, 15);
        let mut wire = Vec::new();
        d.compress(&vec![0u8; 10 << 20], &mut wire);
        assert!(wire.len() < 20_000);
        let mut out = Vec::new();
        let err = MessageInflater::new(15)
            .inflate(&wire, &mut out, 1 << 20, usize::MAX)
            .unwrap_err();
        assert_eq!(err, InflateError::TooLarge);
        assert!(out.len() <= 1 << 20);
        assert!(out.capacity() <= (1 << 20) + 1, "{}", out.capacity());
    }

    #[test]
    fn output_buffers_fit_the_messages() {
        let mut d = MessageCompressor::new(6, 12);
        let mut i = MessageInflater::new(15);
        for size in [1000, 1000, 100, 70_000, 70_000, 1000] {
            let msg: Vec<u8> = (0..size)
                .map(|n| b"abcdefgh"[n % 7 + n / 5000 % 2])
                .collect();
            let mut wire = Vec::new();
            assert!(d.compress(&msg, &mut wire));
            let mut out = Vec::new();
            i.inflate(&wire, &mut out, 1 << 20, usize::MAX).unwrap();
            i.finish(&mut out, 1 << 20).unwrap();
            assert_eq!(out, msg);
            // What the application receives holds little more than the message.
            assert!(
                out.capacity() <= size + size / 4 + 256,
                "{size}: {}",
                out.capacity()
            );
        }
    }

    #[test]
    fn small_incompressible_and_level_0_messages_go_uncompressed() {
        let mut out = Vec::new();
        assert!(
            !MessageCompressor::new(6, 15)
                .with_min_size(64)
                .compress(b"short", &mut out)
        );
        assert!(!MessageCompressor::new(0, 15).compress(&[b'a'; 1000], &mut out));
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let noise: Vec<u8> = (0..4000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 24) as u8
            })
            .collect();
        assert!(!MessageCompressor::new(6, 15).compress(&noise, &mut out));
        assert!(out.is_empty());
        // 8-bit windows are compressed (zlib cannot, sansocket's compressor can).
        assert!(MessageCompressor::new(6, 8).compress(&[b'a'; 1000], &mut out));
    }

    #[test]
    fn an_idle_inflater_keeps_only_the_peer_window() {
        let msg: Vec<u8> = (0..6000u32)
            .flat_map(|i| format!("{{\"n\":{}}}", i % 977).into_bytes())
            .collect();
        for bits in 8..=15u8 {
            for reset in [false, true] {
                let mut d = MessageCompressor::new(6, bits).with_no_context_takeover(reset);
                let mut i = MessageInflater::new(bits).with_no_context_takeover(reset);
                assert_eq!(i.heap_size(), 0, "nothing before the first message");
                for _ in 0..2 {
                    assert_eq!(roundtrip(&mut d, &mut i, &msg), msg);
                    // Idle, the history of the peer's window (the tables are gone), or
                    // nothing.
                    i.release();
                    let kept = if reset { 0 } else { 1 << bits };
                    assert_eq!(i.heap_size(), kept, "bits {bits} reset {reset}");
                }
            }
        }
    }

    #[test]
    fn corrupt_data_is_1007() {
        let mut out = Vec::new();
        let err = MessageInflater::new(15)
            .inflate(&[0xff, 0xff, 0xff], &mut out, 100, usize::MAX)
            .unwrap_err();
        assert_eq!(err, InflateError::Corrupt);
    }
}
