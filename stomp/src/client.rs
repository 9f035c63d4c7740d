//! The client side of one STOMP connection.

use std::collections::{HashMap, HashSet};

use bytes::Bytes;

use crate::heartbeat::{DEFAULT_GRACE, Timers};
use crate::link::Link;
use crate::{
    AckMode, Command, DecodeEvent, Frame, HeartBeat, Limits, SessionError, UsageError, Version,
};

/// Settings of a [`ClientSession`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ClientConfig {
    /// The `host` header (the virtual host; required by 1.2). Default `"/"`.
    pub host: String,
    /// `login`, if any.
    pub login: Option<String>,
    /// `passcode`, if any.
    pub passcode: Option<String>,
    /// The highest version offered; `accept-version` lists every version up to it
    /// (default 1.2). Over WebSocket, cap it with the subprotocol the server chose.
    pub max_version: Version,
    /// The client's offer: it can send every `send` ms and wants the server's every
    /// `receive` ms (default `10000,10000`, as stompjs).
    pub heart_beat: HeartBeat,
    /// A silent server is dead after its interval times this (default 2.0; values below 1 count as 1).
    pub grace: f64,
    /// Decoder limits.
    pub limits: Limits,
    /// Send `STOMP` instead of `CONNECT` (default `false`: the spec says clients SHOULD
    /// keep sending CONNECT, which 1.0 servers understand).
    pub stomp_command: bool,
    /// More CONNECT headers.
    pub headers: Vec<(String, String)>,
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            host: "/".to_owned(),
            login: None,
            passcode: None,
            max_version: Version::V1_2,
            heart_beat: HeartBeat::new(10_000, 10_000),
            grace: DEFAULT_GRACE,
            limits: Limits::default(),
            stomp_command: false,
            headers: Vec::new(),
        }
    }
}

impl ClientConfig {
    /// Sets [`ClientConfig::host`].
    #[must_use]
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.host = host.into();
        self
    }
    /// Sets [`ClientConfig::login`] and [`ClientConfig::passcode`].
    #[must_use]
    pub fn credentials(mut self, login: impl Into<String>, passcode: impl Into<String>) -> Self {
        self.login = Some(login.into());
        self.passcode = Some(passcode.into());
        self
    }
    crate::setters::setters! {
        /// Sets [`ClientConfig::max_version`].
        const max_version: Version;
        /// Sets [`ClientConfig::heart_beat`].
        const heart_beat: HeartBeat;
        /// Sets [`ClientConfig::grace`].
        const grace: f64;
        /// Sets [`ClientConfig::limits`].
        const limits: Limits;
        /// Sets [`ClientConfig::stomp_command`].
        const stomp_command: bool;
    }
    /// Adds a CONNECT header.
    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// What the server accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connected {
    /// The negotiated version.
    pub version: Version,
    /// The `server` header.
    pub server: Option<String>,
    /// The `session` header.
    pub session: Option<String>,
    /// The negotiated intervals `(client sends every, expects server every)`, ms, 0 = none.
    pub heart_beat: (u64, u64),
    /// The CONNECTED frame.
    pub frame: Frame,
}

/// A MESSAGE delivered to one of the client's subscriptions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The `subscription` header (empty if the server sent none).
    pub subscription: String,
    /// The `destination` header.
    pub destination: String,
    /// The `message-id` header.
    pub message_id: String,
    /// The `ack` header (1.2, client ack modes): what ACK/NACK must carry as `id`.
    pub ack: Option<String>,
    /// The whole frame (body: [`Frame::body`]).
    pub frame: Frame,
}

impl Message {
    /// The body.
    #[must_use]
    pub const fn body(&self) -> &Bytes {
        self.frame.body()
    }
}

/// What a [`ClientSession`] reports.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientEvent {
    /// CONNECTED arrived: the session is open.
    Connected(Connected),
    /// A MESSAGE.
    Message(Message),
    /// A RECEIPT for a frame that carried `receipt:<id>`.
    Receipt(String),
    /// The RECEIPT of DISCONNECT arrived: the session is closed, close the transport.
    Disconnected,
    /// An EOL from the server.
    HeartBeat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Connecting,
    Connected,
    Disconnecting,
    Closed,
}

/// The client side of one STOMP connection, without IO.
///
/// Construction queues CONNECT (or STOMP). **In:** [`receive_data`](Self::receive_data)
/// with the server's bytes and the time; [`handle_timeout`](Self::handle_timeout) at
/// [`poll_timeout`](Self::poll_timeout). **Out:** [`next_event`](Self::next_event) until
/// `Ok(None)`, then write [`data_to_send`](Self::data_to_send). **Commands** (they only
/// queue bytes): [`subscribe`](Self::subscribe), [`unsubscribe`](Self::unsubscribe),
/// [`send`](Self::send), [`ack`](Self::ack)/[`nack`](Self::nack) (headers of the negotiated
/// version), [`begin`](Self::begin)/[`commit`](Self::commit)/[`abort`](Self::abort),
/// [`disconnect`](Self::disconnect), and [`send_frame`](Self::send_frame) for anything else.
/// Every command takes extra headers; a `receipt` header among them is tracked and its
/// RECEIPT reported as [`ClientEvent::Receipt`]. Frames may be queued before CONNECTED
/// arrives (they follow CONNECT on the wire, as stompjs and stomp.py allow).
///
/// An ERROR from the server is [`SessionError::Server`]; the session is closed afterwards.
#[derive(Debug)]
pub struct ClientSession {
    link: Link,
    config: ClientConfig,
    phase: Phase,
    subscriptions: HashMap<String, (String, AckMode)>,
    transactions: HashSet<String>,
    receipts: HashSet<String>,
    disconnect_receipt: Option<String>,
    next_id: u64,
    pending_error: Option<SessionError>,
}

impl ClientSession {
    /// A session with CONNECT (or STOMP) queued; `now` starts its clock.
    ///
    /// # Errors
    /// [`UsageError::Encode`] if a configured header cannot be written raw (CR or LF).
    pub fn new(config: ClientConfig, now: u64) -> Result<Self, UsageError> {
        let mut link = Link::new(config.limits, now);
        let command = if config.stomp_command {
            Command::Stomp
        } else {
            Command::Connect
        };
        let mut frame = Frame::new(command)
            .with_header("accept-version", Version::accept_list(config.max_version))
            .with_header("host", config.host.clone())
            .with_header("heart-beat", config.heart_beat.to_string());
        if let Some(login) = &config.login {
            frame.push_header("login", login.clone());
        }
        if let Some(passcode) = &config.passcode {
            frame.push_header("passcode", passcode.clone());
        }
        for (n, v) in &config.headers {
            frame.push_header(n.clone(), v.clone());
        }
        link.queue(&frame)?;
        Ok(Self {
            link,
            config,
            phase: Phase::Connecting,
            subscriptions: HashMap::new(),
            transactions: HashSet::new(),
            receipts: HashSet::new(),
            disconnect_receipt: None,
            next_id: 0,
            pending_error: None,
        })
    }

    /// The negotiated version (the configured maximum until CONNECTED).
    #[must_use]
    pub const fn version(&self) -> Version {
        self.link.version
    }

    /// Whether CONNECTED arrived and the session is not closing or closed.
    #[must_use]
    pub fn is_connected(&self) -> bool {
        self.phase == Phase::Connected
    }

    /// Whether the session is over.
    #[must_use]
    pub fn is_closed(&self) -> bool {
        self.phase == Phase::Closed
    }

    /// Receipts requested and not yet received.
    #[must_use]
    pub fn pending_receipts(&self) -> Vec<String> {
        let mut v: Vec<String> = self.receipts.iter().cloned().collect();
        v.sort();
        v
    }

    /// Bytes from the server, split anywhere; `now` is the current time.
    pub fn receive_data(&mut self, data: &[u8], now: u64) {
        self.link.receive_data(data, now);
    }

    /// The server closed its side: the session is closed.
    pub fn receive_eof(&mut self) {
        self.link.eof = true;
        self.close();
    }

    fn close(&mut self) {
        self.phase = Phase::Closed;
        self.link.closed = true;
    }

    fn fail(&mut self, e: SessionError) -> SessionError {
        self.close();
        e
    }

    /// The next event, `Ok(None)` when more input is needed.
    ///
    /// # Errors
    /// [`SessionError::Server`] for an ERROR frame; [`SessionError::Decode`] or
    /// [`SessionError::Protocol`] for bytes or frames a server may not send;
    /// [`SessionError::HeartBeatTimeout`]. The session is closed afterwards (nothing is
    /// queued: close the transport).
    pub fn next_event(&mut self) -> Result<Option<ClientEvent>, SessionError> {
        if let Some(e) = self.pending_error.take() {
            return Err(e);
        }
        let frame = match self.link.next() {
            Ok(None) => return Ok(None),
            Ok(Some(DecodeEvent::HeartBeat)) => return Ok(Some(ClientEvent::HeartBeat)),
            Ok(Some(DecodeEvent::Frame(f))) => f,
            Err(e) => return Err(self.fail(SessionError::Decode(e))),
        };
        match (self.phase, frame.command()) {
            (_, Command::Error) => {
                let message = frame.header("message").unwrap_or_default().to_owned();
                Err(self.fail(SessionError::Server {
                    message,
                    frame: Box::new(frame),
                }))
            }
            (Phase::Connecting, Command::Connected) => self.connected(frame).map(Some),
            (Phase::Connecting, _) => {
                Err(self.fail(SessionError::Protocol("expected CONNECTED".to_owned())))
            }
            (_, Command::Message) => {
                let get = |n: &str| frame.header(n).unwrap_or_default().to_owned();
                Ok(Some(ClientEvent::Message(Message {
                    subscription: get("subscription"),
                    destination: get("destination"),
                    message_id: get("message-id"),
                    ack: frame.header("ack").map(str::to_owned),
                    frame,
                })))
            }
            (_, Command::Receipt) => {
                let id = frame.header("receipt-id").unwrap_or_default().to_owned();
                self.receipts.remove(&id);
                if self.phase == Phase::Disconnecting
                    && self.disconnect_receipt.as_deref() == Some(&id)
                {
                    self.close();
                    return Ok(Some(ClientEvent::Disconnected));
                }
                Ok(Some(ClientEvent::Receipt(id)))
            }
            (_, command) => Err(self.fail(SessionError::Protocol(format!(
                "unexpected {command} from the server"
            )))),
        }
    }

    fn connected(&mut self, frame: Frame) -> Result<ClientEvent, SessionError> {
        let version = match frame.header("version") {
            None => Version::V1_0,
            Some(v) => match Version::parse(v) {
                Some(v) if v <= self.config.max_version => v,
                _ => {
                    return Err(self.fail(SessionError::Protocol(
                        "the server chose a version that was not offered".to_owned(),
                    )));
                }
            },
        };
        self.link.set_version(version);
        let server_hb = frame
            .header("heart-beat")
            .and_then(HeartBeat::parse)
            .unwrap_or_default();
        let intervals = if version == Version::V1_0 {
            (0, 0)
        } else {
            HeartBeat::negotiate(self.config.heart_beat, server_hb)
        };
        self.link.timers =
            Timers::start(intervals.0, intervals.1, self.config.grace, self.link.now);
        if self.phase == Phase::Connecting {
            self.phase = Phase::Connected;
        }
        Ok(ClientEvent::Connected(Connected {
            version,
            server: frame.header("server").map(str::to_owned),
            session: frame.header("session").map(str::to_owned),
            heart_beat: intervals,
            frame,
        }))
    }

    fn fresh_id(&mut self, prefix: &str) -> String {
        let id = format!("{prefix}-{}", self.next_id);
        self.next_id += 1;
        id
    }

    /// Queues any client frame (tracking a `receipt` header).
    ///
    /// # Errors
    /// [`UsageError::Closed`] after DISCONNECT or the end; [`UsageError::Encode`].
    pub fn send_frame(&mut self, frame: &Frame) -> Result<(), UsageError> {
        if matches!(self.phase, Phase::Closed | Phase::Disconnecting) {
            return Err(UsageError::Closed);
        }
        self.link.queue(frame)?;
        if let Some(r) = frame.header("receipt") {
            self.receipts.insert(r.to_owned());
        }
        Ok(())
    }

    fn with_extra(mut frame: Frame, headers: &[(String, String)]) -> Frame {
        for (n, v) in headers {
            frame.push_header(n.clone(), v.clone());
        }
        frame
    }

    /// SUBSCRIBE to `destination` with a fresh id (`sub-N`), returned.
    ///
    /// # Errors
    /// As [`send_frame`](Self::send_frame).
    pub fn subscribe(
        &mut self,
        destination: &str,
        ack: AckMode,
        headers: &[(String, String)],
    ) -> Result<String, UsageError> {
        let id = self.fresh_id("sub");
        let frame = Frame::new(Command::Subscribe)
            .with_header("destination", destination)
            .with_header("id", id.clone())
            .with_header("ack", ack.as_str());
        self.send_frame(&Self::with_extra(frame, headers))?;
        self.subscriptions
            .insert(id.clone(), (destination.to_owned(), ack));
        Ok(id)
    }

    /// UNSUBSCRIBE the subscription `id`.
    ///
    /// # Errors
    /// [`UsageError::UnknownSubscription`]; as [`send_frame`](Self::send_frame).
    pub fn unsubscribe(
        &mut self,
        id: &str,
        headers: &[(String, String)],
    ) -> Result<(), UsageError> {
        if !self.subscriptions.contains_key(id) {
            return Err(UsageError::UnknownSubscription);
        }
        let frame = Frame::new(Command::Unsubscribe).with_header("id", id);
        self.send_frame(&Self::with_extra(frame, headers))?;
        self.subscriptions.remove(id);
        Ok(())
    }

    /// SEND `body` to `destination` (add `content-type`, `transaction`, `receipt`… in
    /// `headers`; `content-length` is always written).
    ///
    /// # Errors
    /// As [`send_frame`](Self::send_frame).
    pub fn send(
        &mut self,
        destination: &str,
        body: impl Into<Bytes>,
        headers: &[(String, String)],
    ) -> Result<(), UsageError> {
        let frame = Frame::new(Command::Send).with_header("destination", destination);
        self.send_frame(&Self::with_extra(frame, headers).with_body(body))
    }

    fn ack_frame(&self, command: Command, message: &Message, transaction: Option<&str>) -> Frame {
        let mut frame = Frame::new(command);
        match self.link.version {
            Version::V1_2 => {
                let id = message.ack.as_deref().unwrap_or(&message.message_id);
                frame.push_header("id", id);
            }
            Version::V1_1 => {
                frame.push_header("message-id", message.message_id.clone());
                frame.push_header("subscription", message.subscription.clone());
            }
            Version::V1_0 => frame.push_header("message-id", message.message_id.clone()),
        }
        if let Some(tx) = transaction {
            frame.push_header("transaction", tx);
        }
        frame
    }

    /// ACK `message` with the headers of the negotiated version (1.2: `id` = the
    /// message's `ack`; 1.1: `message-id` + `subscription`; 1.0: `message-id`), inside
    /// `transaction` if given.
    ///
    /// # Errors
    /// [`UsageError::NotConnected`] before CONNECTED; as [`send_frame`](Self::send_frame).
    pub fn ack(&mut self, message: &Message, transaction: Option<&str>) -> Result<(), UsageError> {
        if self.phase == Phase::Connecting {
            return Err(UsageError::NotConnected);
        }
        let frame = self.ack_frame(Command::Ack, message, transaction);
        self.send_frame(&frame)
    }

    /// NACK `message` (1.1+), as [`ack`](Self::ack).
    ///
    /// # Errors
    /// [`UsageError::NotInVersion`] in 1.0; as [`ack`](Self::ack).
    pub fn nack(&mut self, message: &Message, transaction: Option<&str>) -> Result<(), UsageError> {
        if self.phase == Phase::Connecting {
            return Err(UsageError::NotConnected);
        }
        if self.link.version == Version::V1_0 {
            return Err(UsageError::NotInVersion);
        }
        let frame = self.ack_frame(Command::Nack, message, transaction);
        self.send_frame(&frame)
    }

    /// BEGIN a transaction with a fresh id (`tx-N`), returned. Put it in the `transaction`
    /// header of SEND, or pass it to `ack`/`nack`.
    ///
    /// # Errors
    /// As [`send_frame`](Self::send_frame).
    pub fn begin(&mut self, headers: &[(String, String)]) -> Result<String, UsageError> {
        let id = self.fresh_id("tx");
        let frame = Frame::new(Command::Begin).with_header("transaction", id.clone());
        self.send_frame(&Self::with_extra(frame, headers))?;
        self.transactions.insert(id.clone());
        Ok(id)
    }

    fn end_transaction(
        &mut self,
        command: Command,
        id: &str,
        headers: &[(String, String)],
    ) -> Result<(), UsageError> {
        if !self.transactions.contains(id) {
            return Err(UsageError::UnknownTransaction);
        }
        let frame = Frame::new(command).with_header("transaction", id);
        self.send_frame(&Self::with_extra(frame, headers))?;
        self.transactions.remove(id);
        Ok(())
    }

    /// COMMIT the transaction `id`.
    ///
    /// # Errors
    /// [`UsageError::UnknownTransaction`]; as [`send_frame`](Self::send_frame).
    pub fn commit(&mut self, id: &str, headers: &[(String, String)]) -> Result<(), UsageError> {
        self.end_transaction(Command::Commit, id, headers)
    }

    /// ABORT the transaction `id`.
    ///
    /// # Errors
    /// [`UsageError::UnknownTransaction`]; as [`send_frame`](Self::send_frame).
    pub fn abort(&mut self, id: &str, headers: &[(String, String)]) -> Result<(), UsageError> {
        self.end_transaction(Command::Abort, id, headers)
    }

    /// DISCONNECT. With `receipt`, the session waits for the RECEIPT
    /// ([`ClientEvent::Disconnected`]) before it is closed: the graceful shutdown of 1.2
    /// "Connection Lingering". Without, it is closed at once. Nothing may be sent after.
    ///
    /// # Errors
    /// As [`send_frame`](Self::send_frame).
    pub fn disconnect(&mut self, receipt: bool) -> Result<(), UsageError> {
        let mut frame = Frame::new(Command::Disconnect);
        let id = receipt.then(|| self.fresh_id("disconnect"));
        if let Some(id) = &id {
            frame.push_header("receipt", id.clone());
        }
        self.send_frame(&frame)?;
        self.transactions.clear();
        match id {
            Some(id) => {
                self.disconnect_receipt = Some(id);
                self.phase = Phase::Disconnecting;
                self.link.timers = Timers::OFF;
            }
            None => self.close(),
        }
        Ok(())
    }

    /// The bytes to write (drained); `now` is when they leave.
    #[must_use]
    pub fn data_to_send(&mut self, now: u64) -> Vec<u8> {
        self.link.data_to_send(now)
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

    /// Lets time pass: queues an EOL when the send interval passed without output, or
    /// fails the session ([`SessionError::HeartBeatTimeout`] from the next `next_event`)
    /// when the server was silent for its interval × grace.
    pub fn handle_timeout(&mut self, now: u64) {
        if self.link.handle_timeout(now) {
            self.close();
            self.pending_error = Some(SessionError::HeartBeatTimeout);
        }
    }
}
