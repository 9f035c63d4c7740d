//! What the engine reports to the host.

use bytes::Bytes;

use crate::close::CloseFrame;
use crate::handshake::{Rejection, Request, Response};
pub use crate::utf8_bytes::Utf8Bytes;

/// The kind of a data message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MessageKind {
    /// UTF-8 text (opcode 1).
    Text,
    /// Binary data (opcode 2).
    Binary,
}

/// Something that happened on the connection, returned by
/// [`Connection::next_event`](crate::Connection::next_event).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// Server: a valid upgrade request. Answer with
    /// [`accept`](crate::Connection::accept) or [`reject`](crate::Connection::reject).
    Request(Box<Request>),
    /// Client: the server answered `101` and the answer checked out; the connection is open.
    Accepted(Box<Response>),
    /// Client: the server answered something other than `101` (a 4xx, a proxy's 502…).
    /// The connection is over; close the transport.
    Rejected(Box<Rejection>),
    /// A whole text message ([`Delivery::Messages`](crate::Delivery::Messages)).
    Text(Utf8Bytes),
    /// A whole binary message ([`Delivery::Messages`](crate::Delivery::Messages)).
    Binary(Bytes),
    /// A piece of a message ([`Delivery::Chunks`](crate::Delivery::Chunks)). Text pieces
    /// are valid UTF-8 on their own.
    Chunk {
        /// Text or binary.
        kind: MessageKind,
        /// The bytes of this piece (may be empty on the last piece).
        data: Bytes,
        /// True on the last piece of the message.
        fin: bool,
    },
    /// A ping; with `Config::auto_pong` the pong is already queued.
    Ping(Bytes),
    /// A pong.
    Pong(Bytes),
    /// The peer sent a close frame. The engine has queued its reply (the same code); after
    /// flushing, a server closes the transport, a client waits for the server to close it.
    Close(CloseFrame),
}
