//! permessage-deflate (RFC 7692): negotiation and the per-connection codec.
//!
//! Memory (zlib-rs; `tests/memory.rs` measures it): compressor and decompressor state is
//! allocated on the first compressed message, not when the extension is negotiated, so a
//! connection that never exchanges a compressed message holds none of it. Afterwards, by
//! default, a connection keeps its compressor (259 KiB at 12 bits, 371 KiB at 15: zlib-rs's
//! hash table alone is 128 KiB whatever the window) and its decompressor (46 KiB: zlib-rs
//! allocates a 32 KiB window whatever window the peer uses, so asking the peer for a smaller
//! one would not save memory): about 315 KiB per idle connection in all. With
//! [`DeflateConfig::low_memory`] the compressor is dropped between messages and only the
//! window's worth of history is kept: about 58 KiB.

mod codec;
mod compress;
mod huffman;
mod negotiate;

pub(crate) use codec::{Deflater, Inflated, Inflater};
pub use negotiate::DeflateParams;
pub(crate) use negotiate::{client_accept, client_offer, server_negotiate};

/// The extension token.
pub const EXTENSION_NAME: &str = "permessage-deflate";

/// How this endpoint uses permessage-deflate.
///
/// Set [`Config::deflate`](crate::Config::deflate) to `Some(DeflateConfig::default())` to
/// offer (client) or accept (server) the extension. Defaults: our compressor's window 12 bits
/// (as `websockets`), level 6, messages under 64 bytes sent uncompressed, context takeover on
/// both sides.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeflateConfig {
    /// The largest window our compressor uses, 9–15 bits (smaller saves memory: the
    /// compressor needs 2^(bits+2) bytes besides its fixed 243 KiB). If the peer limits us
    /// to 8 bits, which zlib cannot produce for raw deflate, messages are sent uncompressed.
    pub max_window_bits: u8,
    /// Reset our compressor after every message (we announce `*_no_context_takeover` for our
    /// side): worse ratio on small messages. Saves memory only with `low_memory` (then no
    /// compressor state at all is kept between messages).
    pub no_context_takeover: bool,
    /// Ask the peer to reset its compressor after every message (the server answers with
    /// `client_no_context_takeover`; the client offers `server_no_context_takeover`).
    pub request_peer_no_context_takeover: bool,
    /// Compression level 0–9.
    pub level: u32,
    /// Messages shorter than this are sent uncompressed.
    pub min_size: usize,
    /// Hold no compressor between messages: it is made for each message and dropped after
    /// it. With context takeover, only the last 2^`max_window_bits` bytes sent are kept (4
    /// KiB for 12 bits) and the next compressor starts from them as a preset dictionary,
    /// so messages compress as well as with a compressor kept alive; without context
    /// takeover, nothing is kept. Saves about 255 KiB per idle connection (58 KiB instead of
    /// 315 KiB), at about 7 µs per compressed message (making the compressor and loading the
    /// window): 1 KiB messages compress 40 % slower, 64 KiB ones 2 % slower. The setting
    /// for many mostly idle connections.
    pub low_memory: bool,
}

impl Default for DeflateConfig {
    fn default() -> Self {
        Self {
            max_window_bits: 12,
            no_context_takeover: false,
            request_peer_no_context_takeover: false,
            level: 6,
            min_size: 64,
            low_memory: false,
        }
    }
}

/// sansocket's message compressor on its own (what a connection's sender uses), for
/// property tests and fuzzing. Not a stable API.
#[doc(hidden)]
#[derive(Debug)]
pub struct MessageCompressor(Deflater);

impl MessageCompressor {
    /// A compressor with these settings (`max_window_bits` 8–15, `level` 0–9), sending
    /// every message it can make smaller compressed.
    pub fn new(
        level: u32,
        max_window_bits: u8,
        no_context_takeover: bool,
        low_memory: bool,
    ) -> Self {
        Self(Deflater::new(
            level,
            max_window_bits,
            no_context_takeover,
            0,
            low_memory,
        ))
    }

    /// Appends `data` compressed (RFC 7692 §7.2.1: its `00 00 ff ff` tail removed) to
    /// `out` and returns `true`, or returns `false` (and leaves `out` alone) if the message
    /// is to be sent uncompressed, in which case it is not part of the context either.
    pub fn compress(&mut self, data: &[u8], out: &mut Vec<u8>) -> bool {
        self.0.compress(data, out)
    }
}
