//! permessage-deflate (RFC 7692): negotiation and the per-connection codec.
//!
//! Memory: compressor and decompressor state is allocated on the first compressed message,
//! not when the extension is negotiated, so an idle connection holds none of it.

mod codec;
mod negotiate;

pub(crate) use codec::{Deflater, Inflater};
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
    /// compressor needs about 2^(bits+2) bytes plus its hash tables). If the peer limits us
    /// to 8 bits, which zlib cannot produce for raw deflate, messages are sent uncompressed.
    pub max_window_bits: u8,
    /// Reset our compressor after every message (we announce `*_no_context_takeover` for our
    /// side): less memory between messages, worse ratio.
    pub no_context_takeover: bool,
    /// Ask the peer to reset its compressor after every message (the server answers with
    /// `client_no_context_takeover`; the client offers `server_no_context_takeover`).
    pub request_peer_no_context_takeover: bool,
    /// Compression level 0–9.
    pub level: u32,
    /// Messages shorter than this are sent uncompressed.
    pub min_size: usize,
}

impl Default for DeflateConfig {
    fn default() -> Self {
        Self {
            max_window_bits: 12,
            no_context_takeover: false,
            request_peer_no_context_takeover: false,
            level: 6,
            min_size: 64,
        }
    }
}
