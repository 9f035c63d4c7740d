//! [`Connection`]: the one object a host drives, in either role.

use std::mem::MaybeUninit;

use crate::config::Config;
#[cfg(feature = "deflate")]
use crate::deflate::{self, DeflateParams};
use crate::entropy::{Entropy, MaskKeys};
use crate::error::{Error, ProtocolError, UsageError};
use crate::event::Event;
use crate::handshake::{ClientHandshake, ClientRequest, ServerHandshake};
use crate::receiver::Receiver;
use crate::sender::Sender;
use crate::state::{Lifecycle, State};

mod actions;
pub mod advanced;
mod decode;
mod opening;
mod output;
mod read_buffer;

use opening::Handshake;

/// A buffer that [`Connection::data_to_send_into`] fills: `[u8]`, or `[MaybeUninit<u8>]`
/// for memory not initialized yet. Implemented for these two only (sealed).
pub trait OutputBuf: crate::sender::Sink {}

impl OutputBuf for [u8] {}

impl OutputBuf for [MaybeUninit<u8>] {}

/// Which end of the connection this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// Opens the connection; masks its frames.
    Client,
    /// Accepts the connection; its frames are not masked.
    Server,
}

/// A WebSocket connection, client or server, with no IO of its own.
///
/// # Driving it
///
/// **In:** give it every byte read from the transport with
/// [`receive_data`](Self::receive_data), and [`receive_eof`](Self::receive_eof) when the
/// peer closes its side. Or, without a copy, read from the transport straight into its
/// receive buffer ([`ConnectionExt::take_read_buffer`](crate::advanced::ConnectionExt::take_read_buffer), in the advanced group); either way,
/// or both, in any state: the events are the same.
///
/// **Out:** after each `receive_data` (or `give_read_buffer`), call
/// [`next_event`](Self::next_event) until it
/// returns `Ok(None)`; then write [`data_to_send`](Self::data_to_send) to the transport
/// (received bytes cause bytes to send: the handshake answer, pongs, the close reply). If
/// [`should_close_transport`](Self::should_close_transport) is then true, close the
/// transport.
///
/// **Actions:** [`accept`](Self::accept)/[`reject`](Self::reject) a server's pending
/// [`Event::Request`], [`send_text`](Self::send_text), [`send_binary`](Self::send_binary),
/// [`send_fragment`](Self::send_fragment), [`ping`](Self::ping), [`pong`](Self::pong),
/// [`close`](Self::close). They only queue bytes: write `data_to_send` afterwards. An action
/// the state does not allow returns a [`UsageError`] and queues nothing.
///
/// **Errors:** `next_event` returns `Err` when the peer breaks the protocol or the
/// handshake fails. The engine has already queued what RFC 6455 asks for (the close frame
/// with the right code, §7.1.7, or the HTTP error response): flush it and close the
/// transport. Events decoded before the error were returned first.
///
/// **Closing:** [`close`](Self::close) sends a close frame; the peer's answer arrives as
/// [`Event::Close`]. When the peer closes first, the engine replies on its own (unless
/// [`Config::auto_close_reply`] is off: then the application replies with `close`). A server
/// closes the transport when the handshake completes; a client waits for the server to do
/// it (with a timeout of its choosing, e.g. 2 s) and then closes too.
///
/// # The methods, by group
///
/// | group | methods |
/// | --- | --- |
/// | construction | [`server`](Self::server), [`client`](Self::client), [`open_server`](Self::open_server), [`open_client`](Self::open_client), [`with_deflate`](Self::with_deflate) |
/// | input | [`receive_data`](Self::receive_data), [`receive_eof`](Self::receive_eof) |
/// | events | [`next_event`](Self::next_event) |
/// | actions | [`accept`](Self::accept), [`reject`](Self::reject), [`send_text`](Self::send_text), [`send_binary`](Self::send_binary), [`send_fragment`](Self::send_fragment), [`ping`](Self::ping), [`pong`](Self::pong), [`close`](Self::close) |
/// | output | [`data_to_send`](Self::data_to_send), [`data_to_send_vectored`](Self::data_to_send_vectored), [`data_to_send_into`](Self::data_to_send_into) |
/// | state | [`role`](Self::role), [`state`](Self::state), [`subprotocol`](Self::subprotocol), [`deflate`](Self::deflate), [`should_close_transport`](Self::should_close_transport), [`buffered_amount`](Self::buffered_amount), [`buffered_input`](Self::buffered_input) |
///
/// Each group is one `impl` block, in this order (actions in `actions.rs`, output in
/// `output.rs`, the rest in this file). The advanced group (fewer copies,
/// batches: `take_read_buffer`, `give_read_buffer`, `send_binary_shared`, `send_text_shared`,
/// `next_event_batched`) is the trait [`ConnectionExt`](crate::advanced::ConnectionExt), implemented for `Connection`:
/// `use sansocket::advanced::ConnectionExt;` brings it into scope. A host that drives the
/// engine the plain way (copying reads in, one buffer out) needs none of it.
///
/// ```
/// use sansocket::{Accept, ClientRequest, Config, Connection, Event, SeededEntropy};
///
/// let mut server = Connection::server(Config::default());
/// let request = ClientRequest::new("example.com", "/chat").subprotocol("v11.stomp");
/// let mut client = Connection::client(request, Config::default(), SeededEntropy::new(7)).unwrap();
///
/// // The client's request goes to the server, which reports it.
/// server.receive_data(&client.data_to_send());
/// let Some(Event::Request(req)) = server.next_event().unwrap() else { panic!() };
/// let chosen = req.select_subprotocol(&["v12.stomp", "v11.stomp"]).map(str::to_owned);
/// server.accept(Accept { subprotocol: chosen, ..Accept::default() }).unwrap();
///
/// // The 101 goes back; the client checks it.
/// client.receive_data(&server.data_to_send());
/// let Some(Event::Accepted(res)) = client.next_event().unwrap() else { panic!() };
/// assert_eq!(res.subprotocol.as_deref(), Some("v11.stomp"));
///
/// // Messages both ways.
/// client.send_text("hello").unwrap();
/// server.receive_data(&client.data_to_send());
/// assert!(matches!(server.next_event(), Ok(Some(Event::Text(t))) if t.as_str() == "hello"));
///
/// // The client closes; the server replies and closes the transport first.
/// client.close(1000, "bye").unwrap();
/// server.receive_data(&client.data_to_send());
/// assert!(matches!(server.next_event(), Ok(Some(Event::Close(c))) if c.code == 1000));
/// assert!(server.should_close_transport());
/// client.receive_data(&server.data_to_send());
/// assert!(matches!(client.next_event(), Ok(Some(Event::Close(_)))));
/// client.receive_eof();
/// assert!(client.next_event().unwrap().is_none());
/// assert!(client.should_close_transport());
/// ```
#[derive(Debug)]
pub struct Connection {
    role: Role,
    config: Box<Config>,
    life: Lifecycle,
    handshake: Handshake,
    receiver: Receiver,
    sender: Sender,
    subprotocol: Option<String>,
    #[cfg(feature = "deflate")]
    deflate: Option<DeflateParams>,
    /// A protocol error found by `ConnectionExt::next_event_batched`, acted on by the next `next_event`.
    deferred: Option<ProtocolError>,
    /// Server: more bytes came behind the request than `max_handshake_size` allows before
    /// `accept`; the rest of the input is dropped, and the connection fails with
    /// [`ProtocolError::EarlyDataTooLarge`] once what was kept is decoded.
    early_overflow: bool,
}

/// # Construction
///
/// A connection that does the opening handshake ([`server`](Self::server),
/// [`client`](Self::client)), or one whose handshake the host did
/// ([`open_server`](Self::open_server), [`open_client`](Self::open_client)).
impl Connection {
    /// A server connection that starts by reading the client's HTTP upgrade request.
    #[must_use]
    pub fn server(config: Config) -> Self {
        Self::new(
            Role::Server,
            config,
            None,
            Handshake::Server(ServerHandshake::default()),
        )
    }

    /// A client connection; the upgrade request is queued at once in
    /// [`data_to_send`](Self::data_to_send). `entropy` supplies the handshake key and the
    /// mask keys (use the OS: see [`Entropy`]).
    ///
    /// Fails with a [`UsageError`] if the request cannot be sent (a host, path or header
    /// that is not valid in an HTTP head).
    pub fn client(
        request: ClientRequest,
        config: Config,
        entropy: impl Entropy + 'static,
    ) -> Result<Self, UsageError> {
        let mut conn = Self::new(
            Role::Client,
            config,
            Some(Box::new(entropy)),
            Handshake::Done,
        );
        let mut nonce = [0u8; 16];
        conn.sender.fill_random(&mut nonce);
        #[cfg(feature = "deflate")]
        let mut request = request;
        #[cfg(feature = "deflate")]
        if let Some(cfg) = &conn.config.deflate {
            request.extensions.push(deflate::client_offer(cfg));
        }
        let (bytes, key) = request.encode(&nonce)?;
        conn.sender.raw(&bytes);
        conn.handshake = Handshake::Client(Box::new(ClientHandshake::new(&request, &key)));
        Ok(conn)
    }

    /// A server connection already open: the host did the handshake itself (an ASGI
    /// server, or WebSocket over HTTP/2 as in RFC 8441).
    #[must_use]
    pub fn open_server(config: Config, subprotocol: Option<String>) -> Self {
        let mut conn = Self::new(Role::Server, config, None, Handshake::Done);
        conn.life.opened();
        conn.subprotocol = subprotocol;
        conn
    }

    /// A client connection already open (the host did the handshake).
    #[must_use]
    pub fn open_client(
        config: Config,
        subprotocol: Option<String>,
        entropy: impl Entropy + 'static,
    ) -> Self {
        let mut conn = Self::new(
            Role::Client,
            config,
            Some(Box::new(entropy)),
            Handshake::Done,
        );
        conn.life.opened();
        conn.subprotocol = subprotocol;
        conn
    }

    /// For a connection made with [`open_server`](Self::open_server) or
    /// [`open_client`](Self::open_client): permessage-deflate was negotiated by the host with
    /// these parameters (`Config::deflate` supplies level, window and threshold).
    #[cfg(feature = "deflate")]
    #[must_use]
    pub fn with_deflate(mut self, params: DeflateParams) -> Self {
        self.enable_deflate(params);
        self
    }

    fn new(
        role: Role,
        config: Config,
        entropy: Option<Box<dyn Entropy>>,
        handshake: Handshake,
    ) -> Self {
        Self {
            role,
            receiver: Receiver::new(role == Role::Server, &config),
            sender: Sender::new(entropy.map(MaskKeys::new)),
            life: Lifecycle::new(role, false),
            config: Box::new(config),
            handshake,
            subprotocol: None,
            #[cfg(feature = "deflate")]
            deflate: None,
            deferred: None,
            early_overflow: false,
        }
    }
}

/// # Input
///
/// What the transport delivered: bytes, and the end of the stream. Then call
/// [`next_event`](Self::next_event). (Reading straight into the engine's buffer, without a
/// copy, is in the advanced group: [`ConnectionExt::take_read_buffer`](crate::advanced::ConnectionExt::take_read_buffer).)
impl Connection {
    /// Bytes read from the transport. They are decoded by [`next_event`](Self::next_event).
    /// Bytes that arrive after the connection failed or the peer's close frame are dropped.
    ///
    /// Server: bytes that arrive behind the request before [`accept`](Self::accept) are
    /// kept, up to [`Config::max_handshake_size`] of them (RFC 6455 §4.1: a client waits for
    /// the `101`, so only an eager client sends any). Past that, the rest is dropped and the
    /// connection fails with [`ProtocolError::EarlyDataTooLarge`] (1008) after `accept`,
    /// once the kept bytes are decoded.
    pub fn receive_data(&mut self, data: &[u8]) {
        if self.receiver.is_lent() {
            // Kept for after the bytes read into the lent buffer (see `give_read_buffer`).
            self.receiver.keep_meanwhile(data);
            return;
        }
        if self.receiver.has_host_frame() {
            // Kept for after the frame with the host (see `receive_frame_piece`).
            self.receiver.keep_after_host_frame(data);
            return;
        }
        if self.early_overflow {
            return;
        }
        if matches!(self.handshake, Handshake::Pending(_)) {
            let room = self
                .config
                .max_handshake_size
                .saturating_sub(self.receiver.buffered());
            if data.len() > room {
                self.receiver.receive(&data[..room], false);
                self.early_overflow = true;
                return;
            }
        }
        if self.life.in_handshake() || self.life.can_receive() {
            let framing = matches!(self.handshake, Handshake::Done);
            self.receiver.receive(data, framing);
        }
    }

    /// The peer closed its side of the transport (a read returned 0 bytes).
    pub fn receive_eof(&mut self) {
        self.life.eof();
    }
}

/// # Events
///
/// What the input meant, one event per call, until `Ok(None)`.
impl Connection {
    /// The next event, `Ok(None)` when more input is needed (or the connection is over).
    pub fn next_event(&mut self) -> Result<Option<Event>, Error> {
        self.next(false)
    }
}

/// # State
///
/// Getters: where the connection is, what was negotiated, and how much it holds.
impl Connection {
    /// Client or server.
    pub fn role(&self) -> Role {
        self.role
    }

    /// Where the connection is in its life.
    pub fn state(&self) -> State {
        self.life.state()
    }

    /// The negotiated subprotocol, once open.
    pub fn subprotocol(&self) -> Option<&str> {
        self.subprotocol.as_deref()
    }

    /// The negotiated permessage-deflate parameters, if the extension is in use.
    #[cfg(feature = "deflate")]
    pub fn deflate(&self) -> Option<&DeflateParams> {
        self.deflate.as_ref()
    }

    /// True when the host should close the transport after writing
    /// [`data_to_send`](Self::data_to_send): the connection failed, the handshake was
    /// refused, the peer's EOF arrived, or (server) the close handshake completed.
    pub fn should_close_transport(&self) -> bool {
        self.life.should_close_transport()
    }

    /// How many bytes wait in the outbox. A host can stop reading while this is high
    /// (backpressure).
    pub fn buffered_amount(&self) -> usize {
        self.sender.len()
    }

    /// How many received bytes are held: undecoded input plus an unfinished message.
    pub fn buffered_input(&self) -> usize {
        self.receiver.buffered()
    }
}
