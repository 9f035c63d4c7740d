//! Typed errors: what the peer sent wrong ([`DecodeError`], [`SessionError`]) and what the
//! application asked wrongly ([`UsageError`], [`EncodeError`]).

use std::fmt;

use crate::Frame;

/// Why the decoder refused its input. The decoder is failed afterwards: every later
/// [`Decoder::next_event`](crate::Decoder::next_event) returns `Ok(None)`.
///
/// [`DecodeError::kind`] is a stable kebab-case name (used by the test vectors and the
/// bindings); `Display` is the text a server puts in its ERROR `message` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeError {
    /// The command line is not a STOMP command (commands are case-sensitive).
    UnknownCommand,
    /// A header line has no `:`.
    MissingColon,
    /// A header name or value is not UTF-8.
    InvalidUtf8,
    /// An undefined escape sequence such as `\t`, a `\` at the end of a value, or `\r` in 1.1.
    InvalidEscape,
    /// A CR not followed by LF where a line end was expected.
    InvalidLineEnd,
    /// `content-length` is not a decimal number of octets.
    InvalidContentLength,
    /// The octet after a `content-length` body is not NUL.
    MissingNul,
    /// A frame other than SEND, MESSAGE or ERROR has a body.
    BodyNotAllowed,
    /// A command or header line is longer than [`Limits::max_line`](crate::Limits::max_line).
    LineTooLong,
    /// More header lines than [`Limits::max_headers`](crate::Limits::max_headers).
    TooManyHeaders,
    /// The header block is longer than
    /// [`Limits::max_header_block`](crate::Limits::max_header_block).
    HeaderBlockTooLarge,
    /// The body (or its `content-length`) is above [`Limits::max_body`](crate::Limits::max_body).
    BodyTooLarge,
}

impl DecodeError {
    /// A stable kebab-case name, e.g. `"body-too-large"`.
    #[must_use]
    pub const fn kind(self) -> &'static str {
        match self {
            Self::UnknownCommand => "unknown-command",
            Self::MissingColon => "missing-colon",
            Self::InvalidUtf8 => "invalid-utf8",
            Self::InvalidEscape => "invalid-escape",
            Self::InvalidLineEnd => "invalid-line-end",
            Self::InvalidContentLength => "invalid-content-length",
            Self::MissingNul => "missing-nul",
            Self::BodyNotAllowed => "body-not-allowed",
            Self::LineTooLong => "line-too-long",
            Self::TooManyHeaders => "too-many-headers",
            Self::HeaderBlockTooLarge => "header-block-too-large",
            Self::BodyTooLarge => "body-too-large",
        }
    }

    /// Whether a configured limit was crossed (as opposed to malformed input).
    #[must_use]
    pub const fn is_limit(self) -> bool {
        matches!(
            self,
            Self::LineTooLong
                | Self::TooManyHeaders
                | Self::HeaderBlockTooLarge
                | Self::BodyTooLarge
        )
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::UnknownCommand => "unknown command",
            Self::MissingColon => "header line without a colon",
            Self::InvalidUtf8 => "header is not UTF-8",
            Self::InvalidEscape => "undefined escape sequence in a header",
            Self::InvalidLineEnd => "CR not followed by LF",
            Self::InvalidContentLength => "invalid content-length",
            Self::MissingNul => "frame not terminated by NUL after content-length octets",
            Self::BodyNotAllowed => "this frame must not have a body",
            Self::LineTooLong => "header line too long",
            Self::TooManyHeaders => "too many headers",
            Self::HeaderBlockTooLarge => "header block too large",
            Self::BodyTooLarge => "body too large",
        })
    }
}

impl std::error::Error for DecodeError {}

/// Why [`encode`](crate::encode) refused a frame. Nothing was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EncodeError {
    /// A frame other than SEND, MESSAGE or ERROR has a non-empty body.
    BodyNotAllowed,
    /// A header cannot be written in this version: a name or value of a frame that is not
    /// escaped (1.0, or CONNECT/STOMP/CONNECTED) contains CR, LF or (in a name) `:`.
    Unencodable,
}

impl EncodeError {
    /// A stable kebab-case name.
    #[must_use]
    pub const fn kind(self) -> &'static str {
        match self {
            Self::BodyNotAllowed => "body-not-allowed",
            Self::Unencodable => "unencodable-header",
        }
    }
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::BodyNotAllowed => "this frame must not have a body",
            Self::Unencodable => "a header contains CR, LF or ':' and cannot be escaped here",
        })
    }
}

impl std::error::Error for EncodeError {}

/// The application called a session or broker method at the wrong time or with wrong
/// arguments. Nothing was queued.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum UsageError {
    /// The session is not connected yet (no CONNECTED sent or received).
    NotConnected,
    /// The session is closed, disconnecting, or failed.
    Closed,
    /// A CONNECT is waiting for `accept`/`reject`, or none is.
    NoPendingConnect,
    /// The subscription id is not active.
    UnknownSubscription,
    /// The transaction is not open (or, for `begin`, already open).
    UnknownTransaction,
    /// NACK does not exist in STOMP 1.0.
    NotInVersion,
    /// The connection id is not known to the broker.
    UnknownConnection,
    /// The frame cannot be encoded.
    Encode(EncodeError),
    /// The destination matches no topic, queue or application prefix of the broker.
    UnknownDestination,
    /// The queue holds its maximum of waiting messages.
    QueueFull,
}

impl UsageError {
    /// A stable kebab-case name.
    #[must_use]
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::NotConnected => "not-connected",
            Self::Closed => "closed",
            Self::NoPendingConnect => "no-pending-connect",
            Self::UnknownSubscription => "unknown-subscription",
            Self::UnknownTransaction => "unknown-transaction",
            Self::NotInVersion => "not-in-version",
            Self::UnknownConnection => "unknown-connection",
            Self::Encode(_) => "encode",
            Self::UnknownDestination => "unknown-destination",
            Self::QueueFull => "queue-full",
        }
    }
}

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotConnected => f.write_str("the session is not connected"),
            Self::Closed => f.write_str("the session is closed"),
            Self::NoPendingConnect => f.write_str("no CONNECT is waiting for an answer"),
            Self::UnknownSubscription => f.write_str("unknown subscription id"),
            Self::UnknownTransaction => f.write_str("unknown or duplicate transaction id"),
            Self::NotInVersion => f.write_str("not available in the negotiated STOMP version"),
            Self::UnknownConnection => f.write_str("unknown connection id"),
            Self::Encode(e) => write!(f, "cannot encode: {e}"),
            Self::UnknownDestination => f.write_str("unknown destination"),
            Self::QueueFull => f.write_str("queue full"),
        }
    }
}

impl std::error::Error for UsageError {}

impl From<EncodeError> for UsageError {
    fn from(e: EncodeError) -> Self {
        Self::Encode(e)
    }
}

/// A session failed because of the peer (or its silence). The session is closed
/// afterwards; when it is a server, the ERROR frame is already queued.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SessionError {
    /// The peer's bytes are not valid STOMP.
    Decode(DecodeError),
    /// A well-formed frame that breaks the protocol here (a frame before CONNECT, a second
    /// CONNECT, a SEND without `destination`, a server frame sent by a client…). The text
    /// is the ERROR `message` the server sent.
    Protocol(String),
    /// No version in common: the client offered none the server supports.
    UnsupportedVersion,
    /// The server received nothing from the peer for the negotiated heart-beat interval
    /// times the grace factor.
    HeartBeatTimeout,
    /// The client received an ERROR frame from the server (its `message` header and the
    /// whole frame).
    Server {
        /// The `message` header, or empty.
        message: String,
        /// The ERROR frame.
        frame: Box<Frame>,
    },
    /// The application rejected the connection (`reject`, or the broker's authentication).
    Rejected(String),
}

impl SessionError {
    /// A stable kebab-case name.
    #[must_use]
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::Decode(e) => e.kind(),
            Self::Protocol(_) => "protocol",
            Self::UnsupportedVersion => "unsupported-version",
            Self::HeartBeatTimeout => "heart-beat-timeout",
            Self::Server { .. } => "server-error",
            Self::Rejected(_) => "rejected",
        }
    }
}

impl fmt::Display for SessionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Decode(e) => e.fmt(f),
            Self::Protocol(m) | Self::Rejected(m) => f.write_str(m),
            Self::UnsupportedVersion => f.write_str("no supported protocol version in common"),
            Self::HeartBeatTimeout => f.write_str("the peer missed its heart-beats"),
            Self::Server { message, .. } => write!(f, "ERROR from the server: {message}"),
        }
    }
}

impl std::error::Error for SessionError {}

impl From<DecodeError> for SessionError {
    fn from(e: DecodeError) -> Self {
        Self::Decode(e)
    }
}
