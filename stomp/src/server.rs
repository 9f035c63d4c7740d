//! The server side of one STOMP connection.

use crate::heartbeat::{DEFAULT_GRACE, Timers};
use crate::link::Link;
use crate::{
    AckMode, Command, DecodeEvent, Frame, HeartBeat, Limits, SessionError, UsageError, Version,
};

/// Settings of a [`ServerSession`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ServerConfig {
    /// The highest version served (default 1.2). Over WebSocket, the negotiated
    /// subprotocol caps it: see [`version_for_subprotocol`](crate::version_for_subprotocol).
    pub max_version: Version,
    /// What the server offers in CONNECTED (default `10000,10000`): it can send every
    /// `send` ms and wants to hear from the client every `receive` ms. Since the negotiated
    /// interval is the larger of the two offers, `receive` is also the floor for the
    /// client's heart-beats (tiny client intervals are clamped to it).
    pub heart_beat: HeartBeat,
    /// A silent client is dead after its interval times this (default 2.0; values below 1 count as 1).
    pub grace: f64,
    /// Decoder limits.
    pub limits: Limits,
    /// The `server` header of CONNECTED (default `sansocket-stomp`), or none.
    pub server_name: Option<String>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            max_version: Version::V1_2,
            heart_beat: HeartBeat::new(10_000, 10_000),
            grace: DEFAULT_GRACE,
            limits: Limits::default(),
            server_name: Some("sansocket-stomp".to_owned()),
        }
    }
}

impl ServerConfig {
    crate::setters::setters! {
        /// Sets [`ServerConfig::max_version`].
        const max_version: Version;
        /// Sets [`ServerConfig::heart_beat`].
        const heart_beat: HeartBeat;
        /// Sets [`ServerConfig::grace`].
        const grace: f64;
        /// Sets [`ServerConfig::limits`].
        const limits: Limits;
        /// Sets [`ServerConfig::server_name`].
        server_name: Option<String>;
    }
}

/// A client's CONNECT (or STOMP), waiting for [`ServerSession::accept`] or
/// [`ServerSession::reject`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectRequest {
    /// The negotiated version (already the highest in common).
    pub version: Version,
    /// The `host` header (the virtual host), if sent.
    pub host: Option<String>,
    /// The `login` header, if sent.
    pub login: Option<String>,
    /// The `passcode` header, if sent.
    pub passcode: Option<String>,
    /// The client's `heart-beat` offer (`0,0` if absent).
    pub heart_beat: HeartBeat,
    /// The whole frame (headers are never unescaped in CONNECT).
    pub frame: Frame,
}

/// What a [`ServerSession`] reports.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ServerEvent {
    /// A CONNECT or STOMP frame: answer with `accept` or `reject`. No later frame is
    /// decoded until then.
    Connect(ConnectRequest),
    /// A client frame after CONNECTED, with its required headers checked: SEND,
    /// SUBSCRIBE, UNSUBSCRIBE, ACK, NACK, BEGIN, COMMIT or ABORT. If it has a `receipt`
    /// header, answer with [`ServerSession::send_receipt`] once it is processed.
    Frame(Frame),
    /// DISCONNECT. If it asked for a receipt, the RECEIPT is already queued. The session
    /// is closed: write `data_to_send`, then close the transport.
    Disconnect(Frame),
    /// An EOL from the client (any byte received also counts as activity).
    HeartBeat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    AwaitingConnect,
    ConnectPending,
    Connected,
    Closed,
}

/// The server side of one STOMP connection, without IO.
///
/// **In:** [`receive_data`](Self::receive_data) with the bytes (or WebSocket message
/// payloads) the client sent and the current time; [`handle_timeout`](Self::handle_timeout)
/// when [`poll_timeout`](Self::poll_timeout) is reached. **Out:** call
/// [`next_event`](Self::next_event) until `Ok(None)`, then write
/// [`data_to_send`](Self::data_to_send); close the transport when
/// [`should_close_transport`](Self::should_close_transport). **Commands:**
/// [`accept`](Self::accept)/[`reject`](Self::reject) a CONNECT, [`send_frame`](Self::send_frame)
/// (MESSAGE, RECEIPT), [`send_receipt`](Self::send_receipt), [`send_error`](Self::send_error).
///
/// Rules enforced (each violation queues an ERROR with a `message` header, and
/// `receipt-id` if the offending frame had a `receipt`, closes the session, and returns a
/// [`SessionError`]): only CONNECT or STOMP before CONNECTED; no `accept-version` means
/// 1.0, otherwise the highest common version (none: ERROR with a `version` header listing
/// the supported ones); no second CONNECT; no server frames from the client; SEND needs
/// `destination`; SUBSCRIBE needs `destination` and (1.1+) `id` and a known `ack` mode;
/// UNSUBSCRIBE needs `id` (1.0: or `destination`); ACK/NACK need `id` (1.2) or
/// `message-id` (+ `subscription` in 1.1); NACK is not 1.0; BEGIN/COMMIT/ABORT need
/// `transaction`; any decode error or limit; missed heart-beats. `host` is not required
/// (RabbitMQ treats it as optional and Artemis ignores it); the application sees it in
/// [`ConnectRequest::host`].
///
/// Time is milliseconds since an epoch the host chooses (see [`HeartBeat`]).
#[derive(Debug)]
pub struct ServerSession {
    link: Link,
    config: ServerConfig,
    phase: Phase,
    pending_error: Option<SessionError>,
    client_heart_beat: HeartBeat,
}

impl ServerSession {
    /// A session waiting for CONNECT; `now` starts its clock.
    #[must_use]
    pub fn new(config: ServerConfig, now: u64) -> Self {
        Self {
            link: Link::new(config.limits, now),
            config,
            phase: Phase::AwaitingConnect,
            pending_error: None,
            client_heart_beat: HeartBeat::NONE,
        }
    }

    /// The settings.
    #[must_use]
    pub const fn config(&self) -> &ServerConfig {
        &self.config
    }

    /// The negotiated version (1.2 until CONNECT is read).
    #[must_use]
    pub const fn version(&self) -> Version {
        self.link.version
    }

    /// Whether CONNECTED was sent and the session is not closed.
    #[must_use]
    pub fn is_connected(&self) -> bool {
        self.phase == Phase::Connected
    }

    /// Whether the session is over (after DISCONNECT, an ERROR, or EOF).
    #[must_use]
    pub fn is_closed(&self) -> bool {
        self.phase == Phase::Closed
    }

    /// The negotiated heart-beat intervals `(server sends every, expects client every)`,
    /// in ms, 0 = none.
    #[must_use]
    pub const fn heart_beat_intervals(&self) -> (u64, u64) {
        self.link.timers.intervals()
    }

    /// Bytes the client sent: data of a TCP read or a WebSocket message (text or binary),
    /// split anywhere. `now` is the current time; any byte counts as activity.
    ///
    /// While a `Connect` waits for `accept`/`reject`, nothing is decoded; more than one
    /// frame's worth of limits (`max_header_block + max_body`) buffered meanwhile fails
    /// the session, so the buffer stays bounded.
    pub fn receive_data(&mut self, data: &[u8], now: u64) {
        self.link.receive_data(data, now);
        let limits = self.config.limits;
        let bound = limits
            .max_header_block
            .saturating_add(limits.max_body)
            .saturating_add(2);
        if self.phase == Phase::ConnectPending && self.link.decoder.buffered() > bound {
            let e = SessionError::Protocol("too much data before CONNECTED".to_owned());
            let e = self.fail(e, None, None);
            self.pending_error = Some(e);
        }
    }

    /// The client closed its side. The session is closed; nothing more is decoded.
    pub fn receive_eof(&mut self) {
        self.link.eof = true;
        self.close();
    }

    /// The next event, `Ok(None)` when more input (or an answer to `Connect`) is needed.
    ///
    /// # Errors
    /// A [`SessionError`] when the client broke the protocol; the ERROR frame is queued and
    /// the session closed. Later calls return `Ok(None)`.
    pub fn next_event(&mut self) -> Result<Option<ServerEvent>, SessionError> {
        if let Some(e) = self.pending_error.take() {
            return Err(e);
        }
        if matches!(self.phase, Phase::ConnectPending | Phase::Closed) {
            return Ok(None);
        }
        let frame = match self.link.next() {
            Ok(None) => return Ok(None),
            Ok(Some(DecodeEvent::HeartBeat)) => return Ok(Some(ServerEvent::HeartBeat)),
            Ok(Some(DecodeEvent::Frame(frame))) => frame,
            Err(e) => {
                let receipt = self.link.decoder.receipt().map(str::to_owned);
                return Err(self.fail(SessionError::Decode(e), receipt.as_deref(), None));
            }
        };
        let receipt = frame.header("receipt").map(str::to_owned);
        match self.check(&frame) {
            Ok(()) => {}
            Err((error, version_header)) => {
                return Err(self.fail(error, receipt.as_deref(), version_header));
            }
        }
        Ok(Some(match frame.command() {
            Command::Connect | Command::Stomp => {
                let version =
                    Version::negotiate(frame.header("accept-version"), self.config.max_version)
                        .unwrap_or(Version::V1_0);
                self.link.set_version(version);
                self.phase = Phase::ConnectPending;
                let heart_beat = frame
                    .header("heart-beat")
                    .and_then(HeartBeat::parse)
                    .unwrap_or_default();
                self.client_heart_beat = heart_beat;
                ServerEvent::Connect(ConnectRequest {
                    version,
                    host: frame.header("host").map(str::to_owned),
                    login: frame.header("login").map(str::to_owned),
                    passcode: frame.header("passcode").map(str::to_owned),
                    heart_beat,
                    frame,
                })
            }
            Command::Disconnect => {
                if let Some(id) = receipt {
                    let _ = self
                        .link
                        .queue(&Frame::new(Command::Receipt).with_header("receipt-id", id));
                }
                self.close();
                ServerEvent::Disconnect(frame)
            }
            _ => ServerEvent::Frame(frame),
        }))
    }

    /// Checks a decoded frame against the session phase and the per-command rules; the
    /// error and, for version errors, the `version` header to add.
    fn check(&self, frame: &Frame) -> Result<(), (SessionError, Option<String>)> {
        let protocol = |m: &str| Err((SessionError::Protocol(m.to_owned()), None));
        let command = frame.command();
        if self.phase == Phase::AwaitingConnect {
            if !matches!(command, Command::Connect | Command::Stomp) {
                return protocol("expected CONNECT or STOMP");
            }
            if Version::negotiate(frame.header("accept-version"), self.config.max_version).is_none()
            {
                let list = Version::supported_list(self.config.max_version);
                return Err((SessionError::UnsupportedVersion, Some(list)));
            }
            if frame
                .header("heart-beat")
                .is_some_and(|v| HeartBeat::parse(v).is_none())
            {
                return protocol("invalid heart-beat header");
            }
            return Ok(());
        }
        let version = self.link.version;
        let has = |name: &str| frame.header(name).is_some();
        match command {
            Command::Connect | Command::Stomp => protocol("already connected"),
            Command::Connected | Command::Message | Command::Receipt | Command::Error => {
                protocol("a server frame sent by the client")
            }
            Command::Send if !has("destination") => protocol("SEND without destination"),
            Command::Subscribe if !has("destination") => protocol("SUBSCRIBE without destination"),
            Command::Subscribe if version >= Version::V1_1 && !has("id") => {
                protocol("SUBSCRIBE without id")
            }
            Command::Subscribe
                if frame
                    .header("ack")
                    .is_some_and(|a| AckMode::parse(a).is_none()) =>
            {
                protocol("unknown ack mode")
            }
            Command::Unsubscribe
                if !(has("id") || version == Version::V1_0 && has("destination")) =>
            {
                protocol("UNSUBSCRIBE without id")
            }
            Command::Nack if version == Version::V1_0 => protocol("NACK is not in STOMP 1.0"),
            Command::Ack | Command::Nack => {
                let ok = match version {
                    Version::V1_2 => has("id"),
                    Version::V1_1 => has("message-id") && has("subscription"),
                    Version::V1_0 => has("message-id"),
                };
                if ok {
                    Ok(())
                } else {
                    protocol("ACK/NACK without the message's ids")
                }
            }
            Command::Begin | Command::Commit | Command::Abort if !has("transaction") => {
                protocol("missing transaction header")
            }
            _ => Ok(()),
        }
    }

    /// Queues ERROR (`message`, `receipt-id`, `version`), closes, and returns `error`.
    fn fail(
        &mut self,
        error: SessionError,
        receipt: Option<&str>,
        version_header: Option<String>,
    ) -> SessionError {
        if !self.link.closed {
            let message = match &version_header {
                Some(list) => format!("Supported protocol versions are {list}"),
                None => error.to_string(),
            };
            let mut frame = Frame::new(Command::Error);
            if let Some(list) = version_header {
                frame.push_header("version", list);
            }
            frame.push_header("content-type", "text/plain");
            frame.push_header("message", sanitize(&message));
            if let Some(id) = receipt {
                frame.push_header("receipt-id", id);
            }
            frame.set_body(message.into_bytes());
            let _ = self.link.queue(&frame);
        }
        self.close();
        error
    }

    fn close(&mut self) {
        self.phase = Phase::Closed;
        self.link.closed = true;
    }

    /// Accepts the pending CONNECT: queues CONNECTED with `version`, `heart-beat`,
    /// `server`, and `session` if given, and starts the heart-beat timers.
    ///
    /// # Errors
    /// [`UsageError::NoPendingConnect`] if no `Connect` event is waiting.
    pub fn accept(&mut self, session: Option<&str>) -> Result<(), UsageError> {
        self.accept_with(session, &[])
    }

    /// [`accept`](Self::accept) with extra CONNECTED headers (e.g. `user-name`).
    ///
    /// # Errors
    /// As [`accept`](Self::accept); [`UsageError::Encode`] for an unwritable header.
    pub fn accept_with(
        &mut self,
        session: Option<&str>,
        headers: &[(String, String)],
    ) -> Result<(), UsageError> {
        if self.phase != Phase::ConnectPending {
            return Err(UsageError::NoPendingConnect);
        }
        let version = self.link.version;
        let mut frame = Frame::new(Command::Connected);
        frame.push_header("version", version.as_str());
        let ours = if version == Version::V1_0 {
            HeartBeat::NONE
        } else {
            self.config.heart_beat
        };
        frame.push_header("heart-beat", ours.to_string());
        if let Some(name) = &self.config.server_name {
            frame.push_header("server", name.clone());
        }
        if let Some(id) = session {
            frame.push_header("session", id);
        }
        for (n, v) in headers {
            frame.push_header(n.clone(), v.clone());
        }
        self.link.queue(&frame)?;
        self.phase = Phase::Connected;
        if version != Version::V1_0 {
            let (send, expect) =
                HeartBeat::negotiate(self.config.heart_beat, self.client_heart_beat);
            self.link.timers = Timers::start(send, expect, self.config.grace, self.link.now);
        }
        Ok(())
    }

    /// Rejects the pending CONNECT (e.g. bad credentials): queues ERROR with `message`
    /// and closes.
    ///
    /// # Errors
    /// [`UsageError::NoPendingConnect`] if no `Connect` event is waiting.
    pub fn reject(&mut self, message: &str) -> Result<(), UsageError> {
        if self.phase != Phase::ConnectPending {
            return Err(UsageError::NoPendingConnect);
        }
        let _ = self.fail(SessionError::Rejected(message.to_owned()), None, None);
        Ok(())
    }

    /// Queues a server frame (MESSAGE, RECEIPT, or ERROR, which closes the session).
    ///
    /// # Errors
    /// [`UsageError::NotConnected`] before `accept`, [`UsageError::Closed`] after the end,
    /// [`UsageError::Encode`] if the frame cannot be written.
    pub fn send_frame(&mut self, frame: &Frame) -> Result<(), UsageError> {
        match self.phase {
            Phase::Connected => {}
            Phase::Closed => return Err(UsageError::Closed),
            _ => return Err(UsageError::NotConnected),
        }
        self.link.queue(frame)?;
        if frame.command() == Command::Error {
            self.close();
        }
        Ok(())
    }

    /// Queues `RECEIPT receipt-id:<id>`.
    ///
    /// # Errors
    /// As [`send_frame`](Self::send_frame).
    pub fn send_receipt(&mut self, receipt_id: &str) -> Result<(), UsageError> {
        self.send_frame(&Frame::new(Command::Receipt).with_header("receipt-id", receipt_id))
    }

    /// Queues an ERROR with `message` (and `receipt-id`), then closes the session.
    ///
    /// # Errors
    /// [`UsageError::Closed`] if already closed.
    pub fn send_error(
        &mut self,
        message: &str,
        receipt_id: Option<&str>,
    ) -> Result<(), UsageError> {
        if self.phase == Phase::Closed {
            return Err(UsageError::Closed);
        }
        let _ = self.fail(SessionError::Protocol(message.to_owned()), receipt_id, None);
        Ok(())
    }

    /// The bytes to write to the transport (drained). `now` is when they leave: it resets
    /// the heart-beat send timer.
    #[must_use]
    pub fn data_to_send(&mut self, now: u64) -> Vec<u8> {
        self.link.data_to_send(now)
    }

    /// Bytes queued and not yet taken by `data_to_send`.
    #[must_use]
    pub fn pending_len(&self) -> usize {
        self.link.outbox.len()
    }

    /// The outbox, for the broker's pre-encoded MESSAGE frames (only while connected).
    pub(crate) fn outbox_if_connected(&mut self) -> Option<&mut Vec<u8>> {
        (self.phase == Phase::Connected).then_some(&mut self.link.outbox)
    }

    /// Whether the host should close the transport (after writing `data_to_send`).
    #[must_use]
    pub fn should_close_transport(&self) -> bool {
        self.phase == Phase::Closed
    }

    /// When to call [`handle_timeout`](Self::handle_timeout) next (ms), or `None`.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<u64> {
        self.link.poll_timeout()
    }

    /// Lets time pass: queues a heart-beat EOL when the send interval passed without
    /// output, or fails the session (an ERROR queued, [`SessionError::HeartBeatTimeout`]
    /// from the next `next_event`) when the client was silent for its interval × grace.
    pub fn handle_timeout(&mut self, now: u64) {
        if self.link.handle_timeout(now) {
            let e = self.fail(SessionError::HeartBeatTimeout, None, None);
            self.pending_error = Some(e);
        }
    }
}

/// A header value for an unescaped context: no CR or LF.
pub(crate) fn sanitize(text: &str) -> String {
    text.replace(['\r', '\n'], " ")
}
