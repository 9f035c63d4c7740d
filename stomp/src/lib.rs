//! A sans-IO STOMP 1.0/1.1/1.2 engine: a streaming codec, client and server sessions,
//! heart-beats on an injected clock, and an in-memory broker. It does no IO, reads no
//! clock and uses no randomness: bytes in, events out; commands in, bytes out. It runs
//! over anything that carries bytes: STOMP over TCP (port 61613), or the payloads of
//! WebSocket messages (subprotocols `v12.stomp`, `v11.stomp`, `v10.stomp`; see
//! [`SUBPROTOCOLS`]). It does not depend on a WebSocket implementation.
//!
//! # Layers
//!
//! | type | in | out |
//! |---|---|---|
//! | [`Decoder`] | [`Decoder::receive_data`]`(&[u8])`, split anywhere | [`Decoder::next_event`] → [`DecodeEvent::Frame`] / [`DecodeEvent::HeartBeat`], or a [`DecodeError`] |
//! | [`encode`] / [`Encoder`] | a [`Frame`] and a [`Version`] | bytes (with `content-length`), or an [`EncodeError`] |
//! | [`encode_head_into`] / [`encode_head_packed`] | a command, headers (pairs, or one NUL-separated string), a body length and a [`Version`] | the frame's bytes before its body (the body and a NUL follow), or an [`EncodeError`] |
//! | [`ClientSession`] | server bytes, time, commands (`subscribe`, `send`, `ack`…) | [`ClientEvent`]s, bytes to send, a [`SessionError`] |
//! | [`ServerSession`] | client bytes, time, `accept`/`reject`, frames to send | [`ServerEvent`]s, bytes to send, a [`SessionError`] (ERROR queued) |
//! | [`Broker`] | connections' bytes, time, `accept`/`reject`, `publish` | per-connection bytes, [`BrokerEvent`]s |
//!
//! Each session follows the same loop: feed what the transport read with
//! `receive_data(bytes, now)`, call `next_event()` until `Ok(None)`, write
//! `data_to_send(now)`, close the transport when `should_close_transport()`, and call
//! `handle_timeout(now)` when `poll_timeout()` says so.
//!
//! # Time
//!
//! `now` is a `u64` count of milliseconds since an epoch the host chooses, from a
//! monotonic clock. The engine only compares and adds these numbers; it never reads a
//! clock (so it works in WASM, where `std::time::Instant` is not available). A peer is
//! declared dead after its negotiated heart-beat interval times a grace factor
//! ([`DEFAULT_GRACE`] = 2, configurable).
//!
//! # Example: a client and a server in memory
//!
//! ```
//! use sansocket_stomp::*;
//!
//! let mut client = ClientSession::new(ClientConfig::default().credentials("guest", "guest"), 0).unwrap();
//! let mut server = ServerSession::new(ServerConfig::default(), 0);
//!
//! server.receive_data(&client.data_to_send(0), 0);
//! let Ok(Some(ServerEvent::Connect(request))) = server.next_event() else { panic!() };
//! assert_eq!(request.login.as_deref(), Some("guest"));
//! server.accept(Some("session-1")).unwrap();
//!
//! client.receive_data(&server.data_to_send(0), 0);
//! let Ok(Some(ClientEvent::Connected(connected))) = client.next_event() else { panic!() };
//! assert_eq!(connected.version, Version::V1_2);
//!
//! client.send("/queue/a", "hello", &[]).unwrap();
//! server.receive_data(&client.data_to_send(1), 1);
//! let Ok(Some(ServerEvent::Frame(send))) = server.next_event() else { panic!() };
//! assert_eq!(send.header("destination"), Some("/queue/a"));
//! assert_eq!(&send.body()[..], b"hello");
//! ```
//!
//! # The spec choices
//!
//! - Line ends `[CR]LF` in 1.2 (and for CONNECT/CONNECTED), LF in 1.0/1.1; EOLs between
//!   frames are heart-beats.
//! - Escapes per version, never for CONNECT/STOMP/CONNECTED; an undefined escape is fatal;
//!   nothing is trimmed; the first of repeated headers wins.
//! - `content-length` is honoured (NULs allowed in the body) and the NUL after the body is
//!   checked; it is always written on SEND, MESSAGE and ERROR.
//! - Limits are on by default ([`Limits`]); an announced body above the limit is refused
//!   when the header is read.
//! - A CONNECT without `accept-version` is 1.0; no common version gives ERROR with a
//!   `version` header; frames before CONNECT, a second CONNECT, missing required headers
//!   give ERROR (with `receipt-id` when asked) and close.

#![forbid(unsafe_code)]

mod ack;
mod broker;
mod client;
mod decoder;
mod encoder;
mod error;
mod escape;
mod frame;
mod heartbeat;
mod limits;
mod link;
mod server;
mod setters;
mod version;
mod websocket;

pub use ack::AckMode;
pub use broker::{Broker, BrokerConfig, BrokerEvent, ConnectionId, Grants};
pub use client::{ClientConfig, ClientEvent, ClientSession, Connected, Message};
pub use decoder::{DecodeEvent, Decoder};
pub use encoder::{Encoder, encode, encode_head_into, encode_head_packed, encode_into};
pub use error::{DecodeError, EncodeError, SessionError, UsageError};
pub use frame::{Command, Frame};
pub use heartbeat::{DEFAULT_GRACE, HeartBeat};
pub use limits::Limits;
pub use server::{ConnectRequest, ServerConfig, ServerEvent, ServerSession};
pub use version::Version;
pub use websocket::{
    SUBPROTOCOLS, frame_is_binary, is_binary, subprotocol_for_version, version_for_subprotocol,
};
