//! What the engine reports to the host.

use bytes::Bytes;

use crate::close::CloseFrame;
use crate::handshake::{Rejection, Request, Response};

/// The kind of a data message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MessageKind {
    /// UTF-8 text (opcode 1).
    Text,
    /// Binary data (opcode 2).
    Binary,
}

/// Bytes that are valid UTF-8: the payload of a text message, checked by the engine.
///
/// It shares the receive buffer (no copy). [`as_str`](Self::as_str) checks the bytes once
/// more (SIMD, several GB/s), because the core has no `unsafe` to skip it; bindings hand the
/// bytes to their runtime's own decoder instead.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Utf8Bytes(Bytes);

impl Utf8Bytes {
    pub(crate) fn new_unchecked_by_type(bytes: Bytes) -> Self {
        Self(bytes)
    }

    /// `bytes` as text, if they are UTF-8 (checked: SIMD, several GB/s); gives them back if
    /// they are not.
    pub fn from_utf8(bytes: Bytes) -> Result<Self, Bytes> {
        match simdutf8::basic::from_utf8(&bytes) {
            Ok(_) => Ok(Self(bytes)),
            Err(_) => Err(bytes),
        }
    }

    /// Text held by `owner`, without a copy and without checking it again: the owner's
    /// type already guarantees UTF-8 (`AsRef<str>`). For a host whose runtime keeps its
    /// strings as UTF-8 (a Python `str`'s UTF-8, a JavaScript string encoded once), handed to
    /// [`send_text_shared`](crate::Connection::send_text_shared) as
    /// `Bytes::from_owner` does for bytes: `owner.as_ref()` is called once, here, and the
    /// owner is dropped when the last clone of the result is.
    pub fn from_str_owner<T>(owner: T) -> Self
    where
        T: AsRef<str> + Send + 'static,
    {
        Self(Bytes::from_owner(StrOwner(owner)))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        simdutf8::basic::from_utf8(&self.0).unwrap_or_default()
    }

    /// The UTF-8 bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The underlying buffer.
    pub fn into_bytes(self) -> Bytes {
        self.0
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True for an empty message.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A `str` owner seen as bytes, for `Bytes::from_owner`.
struct StrOwner<T>(T);

impl<T: AsRef<str>> AsRef<[u8]> for StrOwner<T> {
    fn as_ref(&self) -> &[u8] {
        self.0.as_ref().as_bytes()
    }
}

impl From<&str> for Utf8Bytes {
    fn from(s: &str) -> Self {
        Self(Bytes::copy_from_slice(s.as_bytes()))
    }
}

impl From<String> for Utf8Bytes {
    /// Takes the string's buffer, without a copy.
    fn from(s: String) -> Self {
        Self(Bytes::from(s))
    }
}

impl std::fmt::Debug for Utf8Bytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl std::fmt::Display for Utf8Bytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
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
