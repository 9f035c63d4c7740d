//! # sansocket
//!
//! The WebSocket protocol (RFC 6455) as a sans-IO state machine: bytes in, events out;
//! actions in, bytes out. No sockets, threads, clocks or randomness of its own, so any
//! runtime can drive it with its own IO: blocking `std::net`, tokio, asyncio (through the
//! Python binding), Node and browsers (through the WASM binding).
//!
//! One [`Connection`] per WebSocket, in either [`Role`]. It does the opening handshake
//! (HTTP/1.1 upgrade, subprotocols), frames, fragmentation, masking, UTF-8 checks,
//! ping/pong and the close handshake, and enforces limits ([`Config`]).
//!
//! ```
//! use sansocket::{Accept, Config, Connection, Event};
//!
//! // A server: feed it what the socket reads, send what it queues.
//! let mut conn = Connection::server(Config::default());
//! conn.receive_data(b"GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\n\
//!     Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
//!     Sec-WebSocket-Version: 13\r\n\r\n");
//! // A masked text frame "Hello" (RFC 6455 §5.7) arrived right behind the request.
//! conn.receive_data(&[0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]);
//!
//! let Ok(Some(Event::Request(request))) = conn.next_event() else { panic!() };
//! assert_eq!(request.path(), "/chat");
//! conn.accept(Accept::new()).unwrap();
//! let response = conn.data_to_send();
//! assert!(response.starts_with(b"HTTP/1.1 101 Switching Protocols\r\n"));
//! assert!(response.windows(28).any(|w| w == b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
//!
//! while let Some(event) = conn.next_event().unwrap() {
//!     if let Event::Text(text) = event {
//!         conn.send_text(text.as_str()).unwrap(); // echo
//!     }
//! }
//! assert_eq!(&conn.data_to_send()[..], b"\x81\x05Hello");
//! ```
//!
//! See [`Connection`] for the driving loop, and `examples/echo_server.rs` for a complete
//! server on `std::net`.
//!
//! ## Choices where the RFC leaves room
//! - Pings are answered automatically ([`Config::auto_pong`]); a peer's close frame is
//!   answered automatically with the same code ([`Config::auto_close_reply`]; off, the
//!   application replies with `close`, as wsproto users do).
//! - Limits are on by default: 16 MiB per frame and per message, 131 072 fragments per
//!   message, a 16 KiB handshake head with at most 128 header lines.
//! - A payload length not in its shortest form is a protocol error (1002), as in wsproto.
//! - A client accepts a `101` without `Sec-WebSocket-Protocol` even if it offered some
//!   (RFC 6455 allows it; browsers would fail): [`Response::subprotocol`] is `None`.

// `unsafe` only in `mask::simd` (AVX2 masking) and `utf8_bytes` (one `from_utf8_unchecked`
// on text checked when it arrived), which allow it for themselves.
#![deny(unsafe_code)]

pub mod close;
mod config;
mod connection;
#[cfg(feature = "deflate")]
pub mod deflate;
#[cfg(not(feature = "deflate"))]
#[path = "deflate_off.rs"]
mod deflate;
mod entropy;
mod error;
mod event;
pub mod frame;
pub mod handshake;
pub mod mask;
mod receiver;
mod sender;
mod state;
mod utf8;
mod utf8_bytes;

pub use close::{CloseFrame, is_valid_close_code};
pub use config::{Config, Delivery};
pub use connection::advanced;
pub use connection::{Connection, OutputBuf, Role};
#[cfg(feature = "getrandom")]
pub use entropy::OsEntropy;
pub use entropy::{Entropy, SeededEntropy};
pub use error::{Error, HandshakeError, ProtocolError, UsageError};
pub use event::{Event, MessageKind, Utf8Bytes};
pub use handshake::{Accept, ClientRequest, ExtensionOffer, Rejection, Request, Response};
pub use state::State;
