//! permessage-deflate (RFC 7692): negotiation, and the per-connection codec from the
//! `sansocket-deflate` crate (cargo feature `deflate`, on by default).
//!
//! Memory (`tests/memory.rs` measures it): compressor and decompressor state is allocated
//! on the first compressed message, not when the extension is negotiated, so a connection
//! that never exchanges a compressed message holds none of it. Afterwards, by default, a
//! connection keeps its compressor, which scales with the window: about 5 × 2^bits bytes
//! (21 KiB at 12 bits: the 4 KiB window and some slack, an 8 KiB hash table and 8 KiB of
//! chain links; 136 KiB at 15 bits), and its decompressor's history: the last 2^bits bytes
//! inflated, for the peer's negotiated window (32 KiB when none was negotiated). Decode
//! tables (7.6 KiB) live only while messages are inflated: they are freed once the
//! receiver has decoded all it was given. About 61 KiB of heap in all per connection after
//! a 64 KiB message each way; without context takeover no history is kept. With
//! [`DeflateConfig::low_memory`] the compressor's hash tables are dropped between messages
//! and only the window's bytes are kept, and a server asks the client to compress with its
//! window (`client_max_window_bits`, when the client's offer allows it), so that its
//! history is 4 KiB at 12 bits: 17 KiB per idle server connection.

mod negotiate;

pub(crate) use sansocket_deflate::{
    Inflated, MessageCompressor as Deflater, MessageInflater as Inflater,
};

pub use negotiate::DeflateParams;
pub(crate) use negotiate::{client_accept, client_offer, server_negotiate};

use crate::error::ProtocolError;

impl From<sansocket_deflate::InflateError> for ProtocolError {
    fn from(e: sansocket_deflate::InflateError) -> Self {
        match e {
            sansocket_deflate::InflateError::TooLarge => Self::MessageTooLarge,
            _ => Self::InvalidCompressedData,
        }
    }
}

/// The extension token.
pub const EXTENSION_NAME: &str = "permessage-deflate";

/// How this endpoint uses permessage-deflate.
///
/// Set [`Config::deflate`](crate::Config::deflate) to `Some(DeflateConfig::default())` to
/// offer (client) or accept (server) the extension. Defaults: our compressor's window 12 bits
/// (as `websockets`), level 6, messages under 64 bytes sent uncompressed, context takeover on
/// both sides. Change them with the by-value setters, named after the fields:
///
/// ```
/// use sansocket::{Config, deflate::DeflateConfig};
///
/// let deflate = DeflateConfig::default().max_window_bits(10).low_memory(true);
/// let config = Config::default().deflate(Some(deflate));
/// # let _ = config;
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeflateConfig {
    /// The largest window our compressor uses, 8–15 bits (smaller saves memory: the
    /// compressor holds about 5 × 2^bits bytes). Every size is honoured, 8 bits included
    /// (zlib cannot make raw 8-bit streams; sansocket's compressor can).
    pub max_window_bits: u8,
    /// Reset our compressor after every message (we announce `*_no_context_takeover` for our
    /// side): worse ratio on small messages. With `low_memory` no compressor state at all
    /// is kept between messages.
    pub no_context_takeover: bool,
    /// Ask the peer to reset its compressor after every message (the server answers with
    /// `client_no_context_takeover`; the client offers `server_no_context_takeover`).
    pub request_peer_no_context_takeover: bool,
    /// Compression level 0–9, as zlib's: 1–3 take the longest match found at each position
    /// (greedy), 4–9 look one position further first (lazy) and follow longer hash chains
    /// (level 6: 32 links, 9: 4096). 0 sends every message uncompressed.
    pub level: u32,
    /// Messages shorter than this are sent uncompressed.
    pub min_size: usize,
    /// Keep only the window between messages: the compressor's hash tables (16 KiB at 12
    /// bits, 3/4 of its memory) are dropped after each message and rebuilt from the kept
    /// window at the next one, so messages compress as well as with them kept (the rebuilt
    /// chains hold every string of the window); without context takeover nothing at all is
    /// kept. Saves 16 KiB per idle connection at 12 bits, at the cost of hashing the window
    /// again per message: 1 KiB messages compress about 1.5x slower, 64 KiB ones about as
    /// fast. A server also asks a client that offers `client_max_window_bits` to compress
    /// with at most this window (`max_window_bits`, 9 bits at least), so that the history
    /// its inflater keeps is 2^bits bytes instead of 32 KiB: 17 KiB per idle server
    /// connection at 12 bits instead of 61 KiB.
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

impl DeflateConfig {
    crate::config::setters! {
        /// Sets [`max_window_bits`](Self::max_window_bits) (8–15).
        max_window_bits: u8;
        /// Sets [`no_context_takeover`](Self::no_context_takeover).
        no_context_takeover: bool;
        /// Sets [`request_peer_no_context_takeover`](Self::request_peer_no_context_takeover).
        request_peer_no_context_takeover: bool;
        /// Sets [`level`](Self::level) (0–9).
        level: u32;
        /// Sets [`min_size`](Self::min_size).
        min_size: usize;
        /// Sets [`low_memory`](Self::low_memory).
        low_memory: bool;
    }
}
