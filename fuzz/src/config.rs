//! Configurations with small limits, chosen by three fuzz bytes.

use sansocket::deflate::{DeflateConfig, DeflateParams};
use sansocket::{Config, Delivery};

/// Three bytes of fuzz input that pick a [`Config`].
#[derive(Clone, Copy, Debug, Default)]
pub struct FuzzConfig {
    /// Bits 0–1 frame limit, 2–3 message limit, 4–5 fragment limit, 6 chunked delivery,
    /// 7 no auto-pong.
    pub limits: u8,
    /// Bits 0–1 handshake size limit, 2–3 header count limit, 4–5 rejection body limit,
    /// 6 an origin allow-list, 7 `require_origin`.
    pub handshake: u8,
    /// permessage-deflate: see [`deflate_config`].
    pub deflate: u8,
}

impl FuzzConfig {
    /// Reads the two bytes (missing bytes are zero).
    pub fn read(u: &mut arbitrary::Unstructured<'_>) -> Self {
        Self {
            limits: u.arbitrary().unwrap_or_default(),
            handshake: u.arbitrary().unwrap_or_default(),
            deflate: 0,
        }
    }

    /// The configuration.
    pub fn config(self) -> Config {
        let pick =
            |byte: u8, shift: u8, values: [usize; 4]| values[usize::from((byte >> shift) & 3)];
        let l = self.limits;
        let h = self.handshake;
        Config::default()
            .max_frame_size(pick(l, 0, [8, 130, 1000, 70_000]))
            .max_message_size(pick(l, 2, [16, 300, 4000, 100_000]))
            .max_fragments(pick(l, 4, [1, 3, 16, 1000]))
            .delivery(if l & 0x40 != 0 {
                Delivery::Chunks
            } else {
                Delivery::Messages
            })
            .auto_pong(l & 0x80 == 0)
            .max_handshake_size(pick(h, 0, [16 << 10, 120, 400, 1024]))
            .max_headers(pick(h, 2, [128, 3, 8, 32]))
            .max_rejection_body(pick(h, 4, [64 << 10, 0, 10, 100]))
            .allowed_origins((h & 0x40 != 0).then(|| vec!["http://example.com".to_owned()]))
            .require_origin(h & 0x80 != 0)
            .deflate(deflate_config(self.deflate))
    }
}

/// Largest number of bytes a connection may hold after it decoded all it could, with
/// `config`: a message under assembly plus a control frame and a header, or an HTTP head.
pub fn input_bound(config: &Config) -> usize {
    // Chunked delivery holds at most an unfinished character of inflated text.
    let frames = match config.delivery {
        Delivery::Messages => config.max_message_size,
        Delivery::Chunks => 3,
    } + 125
        + 14;
    frames.max(config.max_handshake_size)
}

/// permessage-deflate from a flags byte: bit 1 on, bits 2–4 our window (8 + n bits; bit 2
/// also picks `low_memory`), bit 5 no context takeover, bit 6 ask the peer for none, bit 7
/// leave messages under 64 bytes uncompressed.
pub fn deflate_config(flags: u8) -> Option<DeflateConfig> {
    (flags & 2 != 0).then(|| {
        DeflateConfig::default()
            .max_window_bits(8 + ((flags >> 2) & 7))
            .no_context_takeover(flags & 0x20 != 0)
            .request_peer_no_context_takeover(flags & 0x40 != 0)
            .level(6)
            .min_size(if flags & 0x80 != 0 { 64 } else { 0 })
            .low_memory(flags & 0x04 != 0)
    })
}

/// Negotiated parameters for an open connection, from the same flags byte: bit 1 on, bits
/// 2–4 both windows (8 + n bits, 15 as `None`), bit 5 server and bit 6 client no context
/// takeover.
pub fn deflate_params(flags: u8) -> Option<DeflateParams> {
    let bits = 8 + ((flags >> 2) & 7);
    let window = (bits < 15).then_some(bits);
    (flags & 2 != 0).then_some(DeflateParams {
        server_no_context_takeover: flags & 0x20 != 0,
        client_no_context_takeover: flags & 0x40 != 0,
        server_max_window_bits: window,
        client_max_window_bits: window,
    })
}

/// The window a sender in `role` may use, and whether it resets its context after each
/// message.
pub fn sender_side(params: &DeflateParams, client: bool) -> (u8, bool) {
    if client {
        (
            params.client_max_window_bits.unwrap_or(15),
            params.client_no_context_takeover,
        )
    } else {
        (
            params.server_max_window_bits.unwrap_or(15),
            params.server_no_context_takeover,
        )
    }
}
