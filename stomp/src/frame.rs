//! A STOMP frame: a command, ordered headers and a body.

use std::fmt;

use bytes::Bytes;

/// The command of a STOMP frame (case-sensitive on the wire).
///
/// Client frames: `CONNECT`, `STOMP`, `SEND`, `SUBSCRIBE`, `UNSUBSCRIBE`, `ACK`, `NACK`,
/// `BEGIN`, `COMMIT`, `ABORT`, `DISCONNECT`. Server frames: `CONNECTED`, `MESSAGE`,
/// `RECEIPT`, `ERROR`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Command {
    /// `CONNECT`: a client opens a session.
    Connect,
    /// `STOMP`: the 1.1+ synonym of `CONNECT`.
    Stomp,
    /// `CONNECTED`: the server accepts a session.
    Connected,
    /// `SEND`: a message to a destination.
    Send,
    /// `SUBSCRIBE` to a destination.
    Subscribe,
    /// `UNSUBSCRIBE` from a subscription.
    Unsubscribe,
    /// `ACK`: a message was consumed.
    Ack,
    /// `NACK` (1.1+): a message was not consumed.
    Nack,
    /// `BEGIN` a transaction.
    Begin,
    /// `COMMIT` a transaction.
    Commit,
    /// `ABORT` a transaction.
    Abort,
    /// `DISCONNECT`: the client ends the session.
    Disconnect,
    /// `MESSAGE`: the server delivers a message to a subscription.
    Message,
    /// `RECEIPT`: the server processed a frame that asked for a receipt.
    Receipt,
    /// `ERROR`: the server reports an error, then closes.
    Error,
}

impl Command {
    /// Every command, client frames first.
    pub const ALL: [Self; 15] = [
        Self::Connect,
        Self::Stomp,
        Self::Send,
        Self::Subscribe,
        Self::Unsubscribe,
        Self::Ack,
        Self::Nack,
        Self::Begin,
        Self::Commit,
        Self::Abort,
        Self::Disconnect,
        Self::Connected,
        Self::Message,
        Self::Receipt,
        Self::Error,
    ];

    /// The command as written on the wire, e.g. `"SEND"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Connect => "CONNECT",
            Self::Stomp => "STOMP",
            Self::Connected => "CONNECTED",
            Self::Send => "SEND",
            Self::Subscribe => "SUBSCRIBE",
            Self::Unsubscribe => "UNSUBSCRIBE",
            Self::Ack => "ACK",
            Self::Nack => "NACK",
            Self::Begin => "BEGIN",
            Self::Commit => "COMMIT",
            Self::Abort => "ABORT",
            Self::Disconnect => "DISCONNECT",
            Self::Message => "MESSAGE",
            Self::Receipt => "RECEIPT",
            Self::Error => "ERROR",
        }
    }

    /// The command spelled exactly `bytes` (commands are case-sensitive), or `None`.
    #[must_use]
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        Some(match bytes {
            b"CONNECT" => Self::Connect,
            b"STOMP" => Self::Stomp,
            b"CONNECTED" => Self::Connected,
            b"SEND" => Self::Send,
            b"SUBSCRIBE" => Self::Subscribe,
            b"UNSUBSCRIBE" => Self::Unsubscribe,
            b"ACK" => Self::Ack,
            b"NACK" => Self::Nack,
            b"BEGIN" => Self::Begin,
            b"COMMIT" => Self::Commit,
            b"ABORT" => Self::Abort,
            b"DISCONNECT" => Self::Disconnect,
            b"MESSAGE" => Self::Message,
            b"RECEIPT" => Self::Receipt,
            b"ERROR" => Self::Error,
            _ => return None,
        })
    }

    /// Whether frames of this command may carry a body: only `SEND`, `MESSAGE` and `ERROR`
    /// (STOMP 1.2 "Frames and Headers": all other frames MUST NOT have a body).
    #[must_use]
    pub const fn allows_body(self) -> bool {
        matches!(self, Self::Send | Self::Message | Self::Error)
    }

    /// Whether header values of this command are escaped: every command but `CONNECT`,
    /// `STOMP` and `CONNECTED`, which stay raw for 1.0 compatibility (1.2 "Value Encoding").
    #[must_use]
    pub const fn escapes_headers(self) -> bool {
        !matches!(self, Self::Connect | Self::Stomp | Self::Connected)
    }

    /// Whether a client sends this command (`false` for server frames).
    #[must_use]
    pub const fn is_client_frame(self) -> bool {
        !matches!(
            self,
            Self::Connected | Self::Message | Self::Receipt | Self::Error
        )
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A STOMP frame: a [`Command`], headers in wire order (repeats kept), and a body.
///
/// [`Frame::header`] returns the *first* occurrence of a name, as STOMP 1.1/1.2 "Repeated
/// Header Entries" require; [`Frame::headers`] gives all of them in order. Names and values
/// are the decoded (unescaped) strings. The body is a [`Bytes`], a slice of the decoder's
/// buffer when decoded, so it is not copied.
///
/// Build one with [`Frame::new`] and the `with_*` methods; the encoder adds `content-length`
/// itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    command: Command,
    headers: Vec<(String, String)>,
    body: Bytes,
}

impl Frame {
    /// A frame with no headers and an empty body.
    #[must_use]
    pub const fn new(command: Command) -> Self {
        Self {
            command,
            headers: Vec::new(),
            body: Bytes::new(),
        }
    }

    /// A frame from its parts.
    #[must_use]
    pub const fn from_parts(command: Command, headers: Vec<(String, String)>, body: Bytes) -> Self {
        Self {
            command,
            headers,
            body,
        }
    }

    /// Appends a header (after the existing ones, so an earlier one of the same name wins).
    #[must_use]
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Replaces the body.
    #[must_use]
    pub fn with_body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }

    /// Appends a header.
    pub fn push_header(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.headers.push((name.into(), value.into()));
    }

    /// Inserts a header before all others, so that it wins over a repeat of the same name
    /// (what a broker does to `destination`, `message-id` and `subscription`).
    pub fn prepend_header(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.headers.insert(0, (name.into(), value.into()));
    }

    /// Removes every header called `name`.
    pub fn remove_header(&mut self, name: &str) {
        self.headers.retain(|(n, _)| n != name);
    }

    /// Sets the body.
    pub fn set_body(&mut self, body: impl Into<Bytes>) {
        self.body = body.into();
    }

    /// Sets the command.
    pub const fn set_command(&mut self, command: Command) {
        self.command = command;
    }

    /// The command.
    #[must_use]
    pub const fn command(&self) -> Command {
        self.command
    }

    /// The value of the first header called `name` (case-sensitive), if any.
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every header in wire order, repeats included.
    #[must_use]
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The body (empty when the frame has none).
    #[must_use]
    pub const fn body(&self) -> &Bytes {
        &self.body
    }

    /// The command, headers and body, by value.
    #[must_use]
    pub fn into_parts(self) -> (Command, Vec<(String, String)>, Bytes) {
        (self.command, self.headers, self.body)
    }
}
