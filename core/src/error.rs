//! Errors are data: a peer's violation knows its close code, a bad handshake knows its
//! HTTP status, and the application's own misuse is a separate type.

use std::fmt;

/// Something the peer did wrong after the handshake (RFC 6455 §5–§8). The engine has
/// already queued the close frame with [`close_code`](Self::close_code) (§7.1.7) when this
/// is returned; flush [`data_to_send`](crate::Connection::data_to_send) and close the
/// transport.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProtocolError {
    /// §5.2: an RSV bit is set that no negotiated extension defines.
    ReservedBits,
    /// §5.2: opcodes 3–7 and 11–15 are reserved.
    ReservedOpcode(u8),
    /// §5.5: control frames carry at most 125 bytes.
    ControlFrameTooLong,
    /// §5.5: control frames must not be fragmented.
    FragmentedControlFrame,
    /// §5.2: the 64-bit length must have its most significant bit clear.
    InvalidLength,
    /// §5.2: "the minimal number of bytes MUST be used to encode the length".
    NonMinimalLength,
    /// §5.1: a server must fail on an unmasked client frame.
    UnmaskedFrame,
    /// §5.1: a client must fail on a masked server frame.
    MaskedFrame,
    /// §5.4: a continuation frame with no message in progress.
    UnexpectedContinuation,
    /// §5.4: a new text or binary frame while a fragmented message is in progress.
    ExpectedContinuation,
    /// §8.1: a text message or close reason is not valid UTF-8 (close code 1007).
    InvalidUtf8,
    /// §5.5.1: a close payload of exactly one byte.
    InvalidClosePayload,
    /// §7.4: a close code that must not appear on the wire.
    InvalidCloseCode(u16),
    /// A frame is larger than `Config::max_frame_size` (close code 1009).
    FrameTooLarge,
    /// A message is larger than `Config::max_message_size` (close code 1009).
    MessageTooLarge,
    /// A message has more fragments than `Config::max_fragments` (close code 1009).
    TooManyFragments,
    /// RFC 7692 §6: a compressed message that does not inflate (close code 1007).
    InvalidCompressedData,
    /// RFC 7692 §6.1: RSV1 on a continuation or control frame (close code 1002).
    CompressedContinuation,
    /// §7.1.5: the transport closed before the close handshake (code 1006, nothing sent).
    AbnormalClosure,
    /// §4.1: a client must wait for the `101` before sending; the bytes it sent behind its
    /// request exceeded `Config::max_handshake_size` (close code 1008). What fit was kept
    /// and decoded after `accept`; this error follows it.
    EarlyDataTooLarge,
}

impl ProtocolError {
    /// The close code this error is reported with (§7.4.1).
    pub fn close_code(&self) -> u16 {
        use crate::close::code;
        match self {
            Self::InvalidUtf8 | Self::InvalidCompressedData => code::INVALID_PAYLOAD,
            Self::FrameTooLarge | Self::MessageTooLarge | Self::TooManyFragments => {
                code::MESSAGE_TOO_BIG
            }
            Self::AbnormalClosure => code::ABNORMAL,
            Self::EarlyDataTooLarge => code::POLICY_VIOLATION,
            _ => code::PROTOCOL_ERROR,
        }
    }

    /// A stable, kebab-case name (used by the test vectors and the bindings).
    pub fn name(&self) -> &'static str {
        match self {
            Self::ReservedBits => "reserved-bits",
            Self::ReservedOpcode(_) => "reserved-opcode",
            Self::ControlFrameTooLong => "control-frame-too-long",
            Self::FragmentedControlFrame => "fragmented-control-frame",
            Self::InvalidLength => "invalid-length",
            Self::NonMinimalLength => "non-minimal-length",
            Self::UnmaskedFrame => "unmasked-frame",
            Self::MaskedFrame => "masked-frame",
            Self::UnexpectedContinuation => "unexpected-continuation",
            Self::ExpectedContinuation => "expected-continuation",
            Self::InvalidUtf8 => "invalid-utf8",
            Self::InvalidClosePayload => "invalid-close-payload",
            Self::InvalidCloseCode(_) => "invalid-close-code",
            Self::FrameTooLarge => "frame-too-large",
            Self::MessageTooLarge => "message-too-large",
            Self::TooManyFragments => "too-many-fragments",
            Self::InvalidCompressedData => "invalid-compressed-data",
            Self::CompressedContinuation => "compressed-continuation",
            Self::AbnormalClosure => "abnormal-closure",
            Self::EarlyDataTooLarge => "early-data-too-large",
        }
    }

    /// The reason text sent in the close frame.
    pub(crate) fn reason(&self) -> &'static str {
        match self {
            Self::InvalidUtf8 => "invalid UTF-8",
            Self::InvalidCompressedData => "invalid compressed data",
            Self::FrameTooLarge => "frame too large",
            Self::MessageTooLarge => "message too large",
            Self::TooManyFragments => "too many fragments",
            Self::EarlyDataTooLarge => "too much data before the handshake",
            _ => "protocol error",
        }
    }
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            Self::ReservedBits => "reserved bits set without a negotiated extension".to_owned(),
            Self::ReservedOpcode(op) => format!("reserved opcode {op:#x}"),
            Self::ControlFrameTooLong => "control frame longer than 125 bytes".to_owned(),
            Self::FragmentedControlFrame => "fragmented control frame".to_owned(),
            Self::InvalidLength => "payload length has its most significant bit set".to_owned(),
            Self::NonMinimalLength => "payload length not minimally encoded".to_owned(),
            Self::UnmaskedFrame => "client frame is not masked".to_owned(),
            Self::MaskedFrame => "server frame is masked".to_owned(),
            Self::UnexpectedContinuation => {
                "continuation frame without a message in progress".to_owned()
            }
            Self::ExpectedContinuation => {
                "new message while a fragmented message is in progress".to_owned()
            }
            Self::InvalidUtf8 => "invalid UTF-8 in text".to_owned(),
            Self::InvalidClosePayload => "close frame payload of one byte".to_owned(),
            Self::InvalidCloseCode(c) => format!("invalid close code {c}"),
            Self::FrameTooLarge => "frame exceeds max_frame_size".to_owned(),
            Self::MessageTooLarge => "message exceeds max_message_size".to_owned(),
            Self::TooManyFragments => "message exceeds max_fragments".to_owned(),
            Self::InvalidCompressedData => "compressed message does not inflate".to_owned(),
            Self::CompressedContinuation => {
                "RSV1 set on a continuation or control frame".to_owned()
            }
            Self::AbnormalClosure => "connection closed without a close frame".to_owned(),
            Self::EarlyDataTooLarge => {
                "data sent before the handshake completed exceeds max_handshake_size".to_owned()
            }
        };
        write!(f, "{text} (close code {})", self.close_code())
    }
}

impl std::error::Error for ProtocolError {}

/// The opening handshake failed (RFC 6455 §4).
///
/// On the server side the engine has queued an HTTP error response with
/// [`status`](Self::status); on the client side there is nothing to send. Either way the
/// host flushes [`data_to_send`](crate::Connection::data_to_send) and closes the transport.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HandshakeError {
    /// The HTTP head could not be parsed (server: 400).
    Malformed(String),
    /// The head is larger than `Config::max_handshake_size` (server: 431).
    HeadTooLarge,
    /// More header lines than `Config::max_headers` (server: 431).
    TooManyHeaders,
    /// Not a `GET` (server: 405 with `Allow: GET`).
    MethodNotAllowed(String),
    /// Not HTTP/1.1 (server: 505).
    HttpVersion,
    /// No `Host` header, or more than one (server: 400).
    InvalidHost,
    /// No `Upgrade` header at all: a plain HTTP request (server: 426 with `Upgrade: websocket`).
    UpgradeRequired,
    /// `Upgrade` does not name `websocket` (server: 400; client: handshake failure).
    InvalidUpgrade,
    /// `Connection` does not contain `upgrade` (server: 400; client: handshake failure).
    InvalidConnection,
    /// `Sec-WebSocket-Version` is missing or not 13 (server: 426 with `Sec-WebSocket-Version: 13`).
    UnsupportedVersion,
    /// `Sec-WebSocket-Key` is missing, repeated, or not 16 bytes in base64 (server: 400).
    InvalidKey,
    /// `Origin` is not in `Config::allowed_origins` (server: 403).
    ForbiddenOrigin,
    /// Client: `Sec-WebSocket-Accept` is missing or does not match the key.
    InvalidAccept,
    /// Client: the server selected a subprotocol that was not offered, or several.
    UnexpectedSubprotocol(String),
    /// Client: the server answered with an extension that was not offered.
    UnexpectedExtension(String),
    /// The transport closed before the handshake completed.
    ConnectionClosed,
}

impl HandshakeError {
    /// The HTTP status a server answers this error with (`None` for errors only a client
    /// finds). A kind both roles can find, such as [`Malformed`](Self::Malformed), names the
    /// server's status even when a client found it: a client sends nothing, so a client
    /// host ignores this (the Python and JS bindings report no status on a client).
    pub fn status(&self) -> Option<u16> {
        Some(match self {
            Self::Malformed(_)
            | Self::InvalidHost
            | Self::InvalidUpgrade
            | Self::InvalidConnection
            | Self::InvalidKey => 400,
            Self::HeadTooLarge | Self::TooManyHeaders => 431,
            Self::MethodNotAllowed(_) => 405,
            Self::HttpVersion => 505,
            Self::UpgradeRequired | Self::UnsupportedVersion => 426,
            Self::ForbiddenOrigin => 403,
            Self::InvalidAccept
            | Self::UnexpectedSubprotocol(_)
            | Self::UnexpectedExtension(_)
            | Self::ConnectionClosed => {
                return None;
            }
        })
    }

    /// A stable, kebab-case name (used by the test vectors and the bindings).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Malformed(_) => "malformed",
            Self::HeadTooLarge => "head-too-large",
            Self::TooManyHeaders => "too-many-headers",
            Self::MethodNotAllowed(_) => "method-not-allowed",
            Self::HttpVersion => "http-version",
            Self::InvalidHost => "invalid-host",
            Self::UpgradeRequired => "upgrade-required",
            Self::InvalidUpgrade => "invalid-upgrade",
            Self::InvalidConnection => "invalid-connection",
            Self::UnsupportedVersion => "unsupported-version",
            Self::InvalidKey => "invalid-key",
            Self::ForbiddenOrigin => "forbidden-origin",
            Self::InvalidAccept => "invalid-accept",
            Self::UnexpectedSubprotocol(_) => "unexpected-subprotocol",
            Self::UnexpectedExtension(_) => "unexpected-extension",
            Self::ConnectionClosed => "connection-closed",
        }
    }
}

impl fmt::Display for HandshakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed(why) => write!(f, "malformed HTTP head: {why}"),
            Self::HeadTooLarge => f.write_str("HTTP head exceeds max_handshake_size"),
            Self::TooManyHeaders => f.write_str("HTTP head exceeds max_headers"),
            Self::MethodNotAllowed(m) => write!(f, "method {m} is not allowed, only GET"),
            Self::HttpVersion => f.write_str("WebSocket handshake requires HTTP/1.1"),
            Self::InvalidHost => f.write_str("missing or repeated Host header"),
            Self::UpgradeRequired => {
                f.write_str("this is a WebSocket endpoint: Upgrade: websocket required")
            }
            Self::InvalidUpgrade => f.write_str("Upgrade header does not name websocket"),
            Self::InvalidConnection => f.write_str("Connection header does not contain upgrade"),
            Self::UnsupportedVersion => f.write_str("Sec-WebSocket-Version must be 13"),
            Self::InvalidKey => f.write_str("Sec-WebSocket-Key must be 16 bytes in base64"),
            Self::ForbiddenOrigin => f.write_str("Origin not allowed"),
            Self::InvalidAccept => f.write_str("Sec-WebSocket-Accept does not match the key"),
            Self::UnexpectedSubprotocol(p) => write!(
                f,
                "server selected subprotocol {p:?}, which was not offered"
            ),
            Self::UnexpectedExtension(e) => {
                write!(f, "server selected extension {e:?}, which was not offered")
            }
            Self::ConnectionClosed => f.write_str("connection closed during the handshake"),
        }?;
        if let Some(status) = self.status() {
            write!(f, " (HTTP {status})")?;
        }
        Ok(())
    }
}

impl std::error::Error for HandshakeError {}

/// What [`next_event`](crate::Connection::next_event) reports when the connection fails.
/// Events decoded before the failure were returned first; after it, `next_event` returns
/// `Ok(None)`. Non-exhaustive: match it with a `_` arm (new kinds of failure may come).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Error {
    /// The peer violated RFC 6455 after the handshake.
    Protocol(ProtocolError),
    /// The opening handshake failed.
    Handshake(HandshakeError),
}

impl Error {
    /// The close code for a protocol error (1006 for an abnormal closure), `None` for a
    /// handshake error.
    pub fn close_code(&self) -> Option<u16> {
        match self {
            Self::Protocol(e) => Some(e.close_code()),
            Self::Handshake(_) => None,
        }
    }

    /// Server: the HTTP status the engine answered a failed handshake with (queued in
    /// `data_to_send`). See [`HandshakeError::status`] for a client.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Protocol(_) => None,
            Self::Handshake(e) => e.status(),
        }
    }

    /// A stable, kebab-case name of the error kind.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Protocol(e) => e.name(),
            Self::Handshake(e) => e.name(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Protocol(e) => write!(f, "WebSocket protocol error: {e}"),
            Self::Handshake(e) => write!(f, "WebSocket handshake failed: {e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Protocol(e) => Some(e),
            Self::Handshake(e) => Some(e),
        }
    }
}

impl From<ProtocolError> for Error {
    fn from(e: ProtocolError) -> Self {
        Self::Protocol(e)
    }
}

impl From<HandshakeError> for Error {
    fn from(e: HandshakeError) -> Self {
        Self::Handshake(e)
    }
}

/// The application called an action that the connection's state or role does not allow,
/// or passed an invalid argument. Nothing was queued.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UsageError {
    /// The action needs a state the connection is not in (for example sending before the
    /// handshake, or after a close frame was sent).
    InvalidState(&'static str),
    /// `accept`/`reject` on a client, or a server that has no pending request.
    NoPendingRequest,
    /// The subprotocol was not offered by the client (RFC 6455 §4.2.2).
    SubprotocolNotOffered(String),
    /// A header name or value that would break the HTTP head (CR, LF, non-token name).
    InvalidHeader(String),
    /// An HTTP status that cannot be used to reject (must be 100–999, not 101).
    InvalidStatus(u16),
    /// A close code that must not be sent (RFC 6455 §7.4).
    InvalidCloseCode(u16),
    /// A close reason longer than 123 bytes.
    CloseReasonTooLong(usize),
    /// A ping or pong payload longer than 125 bytes.
    ControlPayloadTooLong(usize),
    /// A continuation fragment without a started message, or a new message before the
    /// fragmented one was finished.
    FragmentOrder,
    /// A text fragment that does not continue valid UTF-8, or a last fragment that ends
    /// inside a character (RFC 6455 §8.1: the fragments together must be UTF-8).
    InvalidUtf8,
    /// [`give_read_buffer`](crate::advanced::ConnectionExt::give_read_buffer) without a buffer taken by
    /// [`take_read_buffer`](crate::advanced::ConnectionExt::take_read_buffer).
    ReadBufferNotTaken,
    /// [`give_read_buffer`](crate::advanced::ConnectionExt::give_read_buffer) with a buffer shorter than
    /// it was handed out (`taken` bytes; `given` came back): the host may only append. The
    /// buffer taken is still expected back.
    ReadBufferShrunk {
        /// Its length when it was taken.
        taken: usize,
        /// The length of the buffer given back.
        given: usize,
    },
}

impl UsageError {
    /// A stable, kebab-case name of the misuse (used by the bindings).
    pub fn name(&self) -> &'static str {
        match self {
            Self::InvalidState(_) => "invalid-state",
            Self::NoPendingRequest => "no-pending-request",
            Self::SubprotocolNotOffered(_) => "subprotocol-not-offered",
            Self::InvalidHeader(_) => "invalid-header",
            Self::InvalidStatus(_) => "invalid-status",
            Self::InvalidCloseCode(_) => "invalid-close-code",
            Self::CloseReasonTooLong(_) => "close-reason-too-long",
            Self::ControlPayloadTooLong(_) => "control-payload-too-long",
            Self::FragmentOrder => "fragment-order",
            Self::InvalidUtf8 => "invalid-utf8",
            Self::ReadBufferNotTaken => "read-buffer-not-taken",
            Self::ReadBufferShrunk { .. } => "read-buffer-shrunk",
        }
    }
}

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidState(why) => write!(f, "not allowed now: {why}"),
            Self::NoPendingRequest => {
                f.write_str("no handshake request is waiting for accept or reject")
            }
            Self::SubprotocolNotOffered(p) => {
                write!(f, "subprotocol {p:?} was not offered by the client")
            }
            Self::InvalidHeader(h) => write!(f, "invalid header {h:?}"),
            Self::InvalidStatus(s) => write!(f, "invalid HTTP status {s} for a rejection"),
            Self::InvalidCloseCode(c) => write!(f, "close code {c} may not be sent"),
            Self::CloseReasonTooLong(n) => write!(f, "close reason of {n} bytes exceeds 123"),
            Self::ControlPayloadTooLong(n) => {
                write!(f, "control frame payload of {n} bytes exceeds 125")
            }
            Self::FragmentOrder => f.write_str("fragments out of order"),
            Self::InvalidUtf8 => f.write_str("text fragments are not valid UTF-8"),
            Self::ReadBufferNotTaken => f.write_str("no read buffer was taken"),
            Self::ReadBufferShrunk { taken, given } => write!(
                f,
                "read buffer given back with {given} bytes, taken with {taken}: only append"
            ),
        }
    }
}

impl std::error::Error for UsageError {}
