//! # sansocket-deflate
//!
//! A DEFLATE (RFC 1951) compressor and decompressor for WebSocket messages
//! (permessage-deflate, RFC 7692), in safe Rust with no dependencies. It is the codec of the
//! `sansocket` WebSocket engine, usable on its own.
//!
//! - [`MessageCompressor`] turns each message into raw DEFLATE ended by a sync flush, its
//!   `00 00 ff ff` tail removed (RFC 7692 §7.2.1), with context takeover across messages
//!   or without, any window from 8 to 15 bits (8-bit windows included, which zlib cannot
//!   make), zlib's levels 0–9. A message that would not come out smaller is left for the
//!   caller to send as is.
//! - [`MessageInflater`] inflates such messages (or any raw DEFLATE stream, stored, fixed
//!   and dynamic blocks) fed in pieces split anywhere, into the caller's `Vec`, within a
//!   size limit that stops decompression bombs and a cap per call for streaming, and keeps
//!   the peer's window as history.
//!
//! Memory is sized to the window: the compressor holds about 5 × 2^bits bytes (21 KiB at
//! 12 bits) once it has compressed a message, the inflater the 2^bits bytes of history
//! between messages and 7.6 KiB of decode tables while it inflates. Neither allocates
//! before its first message.
//!
//! Design: the compressor is LZ77 over hash chains with zlib's match strategy and
//! dynamic, static or stored blocks, whichever is smallest; the decoder follows
//! libdeflate's design (a 64-bit bit buffer, one-lookup decode tables, a fast loop while
//! input and room allow, a careful resumable path near the ends). Speed and memory against
//! zlib-rs and miniz_oxide: `BENCHMARKS.md` of the sansocket repository.
//!
//! ```
//! use sansocket_deflate::{InflateError, MessageCompressor, MessageInflater};
//!
//! let mut compressor = MessageCompressor::new(6, 15).with_min_size(64);
//! let mut inflater = MessageInflater::new(15);
//! let mut wire = Vec::new();
//! assert!(!compressor.compress(b"short", &mut wire)); // under min_size: send it as is
//! let message = br#"{"symbol":"ACME","bid":101.5},{"symbol":"ACME","bid":101.6}"#.repeat(10);
//! assert!(compressor.compress(&message, &mut wire));
//!
//! let mut out = Vec::new();
//! for piece in wire.chunks(7) {
//!     inflater.inflate(piece, &mut out, 1 << 20, usize::MAX)?; // as frames arrive
//! }
//! inflater.finish(&mut out, 1 << 20)?;
//! assert_eq!(out, message);
//!
//! // A limit stops a bomb before it allocates more.
//! let mut bomb = Vec::new();
//! assert!(compressor.compress(&vec![0; 1 << 20], &mut bomb));
//! let err = inflater.inflate(&bomb, &mut Vec::new(), 1000, usize::MAX).unwrap_err();
//! assert_eq!(err, InflateError::TooLarge);
//! # Ok::<(), InflateError>(())
//! ```

#![forbid(unsafe_code)]

mod codec;
mod compress;
mod huffman;
mod inflate;
mod inflate_fast;
mod inflate_table;
mod matcher;
mod symbols;
mod window;

pub use codec::{InflateError, Inflated, MessageCompressor, MessageInflater};
