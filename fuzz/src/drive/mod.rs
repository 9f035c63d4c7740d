//! Runs one scenario against a [`Connection`], recording what happened and checking the
//! invariants that hold at every step.

use sansocket::deflate::DeflateParams;
use sansocket::{
    Accept, ClientRequest, Config, Connection, Error, Event, MessageKind, SeededEntropy, State,
    handshake::accept_key,
};

use crate::config::input_bound;
use crate::wire;

mod feeds;

/// How the connection is created.
#[derive(Clone, Debug)]
pub enum Start {
    /// `Connection::server`: reads the upgrade request first.
    Server,
    /// `Connection::client` with this request.
    Client(ClientRequest),
    /// `Connection::open_server`, with permessage-deflate if given.
    OpenServer(Option<DeflateParams>),
    /// `Connection::open_client`, with permessage-deflate if given.
    OpenClient(Option<DeflateParams>),
}

impl Start {
    /// True for the client roles (their frames are masked).
    pub fn is_client(&self) -> bool {
        matches!(self, Self::Client(_) | Self::OpenClient(_))
    }
}

/// One step of a scenario.
#[derive(Clone, Debug)]
pub enum Op {
    /// Bytes from the peer.
    Data(Vec<u8>),
    /// Something the application does.
    Act(Action),
    /// The peer closed the transport.
    Eof,
}

/// An application action.
#[derive(Clone, Debug)]
pub enum Action {
    /// `send_text`.
    Text(String),
    /// `send_binary`.
    Binary(Vec<u8>),
    /// `send_fragment(Text, ..)`: `text` is appended to what earlier fragments held back
    /// and the result is cut at byte `cut` (maybe inside a character), the rest held back
    /// for the next fragment; with `fin` everything is sent.
    TextFragment {
        /// New text.
        text: String,
        /// Where to cut.
        cut: usize,
        /// Last fragment.
        fin: bool,
    },
    /// `send_fragment(Binary, ..)`.
    BinaryFragment(Vec<u8>, bool),
    /// `ping`.
    Ping(Vec<u8>),
    /// `pong`.
    Pong(Vec<u8>),
    /// `close`.
    Close(u16, String),
    /// `accept` outside of a pending request.
    Accept,
    /// `reject` outside of a pending request.
    Reject(u16),
}

/// What a server does with a request: two fuzz bytes.
#[derive(Clone, Copy, Debug, Default)]
pub struct Decision {
    /// Low 2 bits: 0 accept, 1 accept with an offered subprotocol, 2 misuse then reject,
    /// 3 reject.
    pub kind: u8,
    /// Picks the subprotocol or the status.
    pub index: u8,
}

/// A whole scenario.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// Role and opening.
    pub start: Start,
    /// Limits and switches.
    pub config: Config,
    /// The answer to a request (server).
    pub decision: Decision,
    /// The steps.
    pub ops: Vec<Op>,
}

/// How data steps are handed to `receive_data`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Feed {
    /// Consecutive data steps merged into one call.
    Coalesced,
    /// One call per data step.
    AsGiven,
    /// One call per byte.
    Bytewise,
    /// Each data step read into the engine's buffer (`take_read_buffer`, then
    /// `give_read_buffer`), events drained after each read: reads as big as the room
    /// offered with `0`, else of sizes drawn from this seed (1 byte up to the room).
    ReadBuffer(u64),
    /// Each data step cut into reads of sizes drawn from this seed, each read handed over
    /// as the Python binding's hosts do: whole frames taken straight from it
    /// (`receive_whole_frames`, text refused unless UTF-8), a frame the engine holds the
    /// start of finished with exactly its bytes (`frame_rest`), the rest to `receive_data`.
    WholeFrames(u64),
}

/// One thing that happened, in a form that can be compared across runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entry {
    /// `Request`, `Accepted` or `Rejected`.
    Handshake(Event),
    /// A text message.
    Text(Vec<u8>),
    /// A binary message.
    Binary(Vec<u8>),
    /// A chunk: (text?, data, fin).
    Chunk(bool, Vec<u8>, bool),
    /// A ping.
    Ping(Vec<u8>),
    /// A pong.
    Pong(Vec<u8>),
    /// A close frame: code and reason.
    Close(u16, String),
    /// An error: name, close code, HTTP status.
    Error(String, Option<u16>, Option<u16>),
    /// An action and its result.
    Action(String, Result<(), String>),
    /// The transport closed.
    Eof,
}

/// How the server's handshake ended, as seen in the output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Response {
    /// Nothing answered (client, open connection, or still reading).
    None,
    /// `101` for a request with this key.
    Accepted(String),
    /// An HTTP error with this status.
    Refused(u16),
}

/// Everything a run produced.
#[derive(Clone, Debug)]
pub struct Run {
    /// Events, errors and action results, in order.
    pub entries: Vec<Entry>,
    /// Everything `data_to_send` returned, concatenated.
    pub output: Vec<u8>,
    /// The messages and control frames the application queued successfully, as the peer
    /// should decode them.
    pub sent: Vec<Entry>,
    /// The server's answer.
    pub response: Response,
    /// Offset in `output` and bytes queued when a protocol error was returned, with its
    /// close code.
    pub error_close: Option<(usize, u16, Vec<u8>)>,
    /// Final state.
    pub state: State,
    /// Final `should_close_transport`.
    pub close_transport: bool,
    /// The permessage-deflate parameters in use.
    pub deflate: Option<DeflateParams>,
}

/// The client's deterministic entropy: the RFC 6455 §1.3 sample nonce for the key, then
/// SplitMix64 for the mask keys.
pub fn entropy() -> impl FnMut(&mut [u8]) + Send + 'static {
    let mut keys = SeededEntropy::new(0x5eed);
    move |buf: &mut [u8]| {
        if buf.len() == 16 {
            buf.copy_from_slice(b"the sample nonce");
        } else {
            sansocket::Entropy::fill(&mut keys, buf);
        }
    }
}

/// The request every fuzzed client sends.
pub fn client_request() -> ClientRequest {
    let mut request = ClientRequest::new("example.com", "/chat")
        .origin("http://example.com")
        .subprotocol("chat")
        .subprotocol("superchat");
    // Another extension the server may answer with; permessage-deflate is offered by the
    // engine itself when `Config::deflate` is set.
    request.extensions.push("x-fuzz; a=1".to_owned());
    request
}

/// Runs `s` with data handed over as `feed` says.
pub fn run(s: &Scenario, feed: Feed) -> Run {
    let mut d = Driver::new(s);
    let mut reads = match feed {
        Feed::ReadBuffer(seed) | Feed::WholeFrames(seed) => Some(seed),
        _ => None,
    };
    let whole = matches!(feed, Feed::WholeFrames(_));
    for op in regroup(&s.ops, feed) {
        match op {
            Op::Data(bytes) => match reads.as_mut() {
                Some(seed) if whole => d.whole_frames(&bytes, seed),
                Some(seed) => d.read_into(&bytes, seed),
                None => d.receive(&bytes),
            },
            Op::Act(action) => d.act(&action),
            Op::Eof => d.eof(),
        }
    }
    d.finish()
}

fn regroup(ops: &[Op], feed: Feed) -> Vec<Op> {
    let mut out: Vec<Op> = Vec::new();
    for op in ops {
        match (op, feed, out.last_mut()) {
            (Op::Data(b), Feed::Coalesced, Some(Op::Data(prev))) => prev.extend_from_slice(b),
            (Op::Data(b), Feed::Bytewise, _) => out.extend(b.iter().map(|&x| Op::Data(vec![x]))),
            _ => out.push(op.clone()),
        }
    }
    out
}

struct Driver<'a> {
    s: &'a Scenario,
    conn: Connection,
    entries: Vec<Entry>,
    output: Vec<u8>,
    sent: Vec<Entry>,
    response: Response,
    error_close: Option<(usize, u16, Vec<u8>)>,
    failed: bool,
    peer_closed: bool,
    eof: bool,
    close_out: bool,
    max_chunk: usize,
    /// Text held back between text fragments, and the fragmented message being sent.
    carry: Vec<u8>,
    building: Option<(bool, Vec<u8>)>,
}

impl<'a> Driver<'a> {
    fn new(s: &'a Scenario) -> Self {
        let config = s.config.clone();
        let conn = match &s.start {
            Start::Server => Connection::server(config),
            Start::Client(request) => Connection::client(request.clone(), config, entropy())
                .expect("the fuzz request is valid"),
            Start::OpenServer(params) => {
                let conn = Connection::open_server(config, None);
                match params {
                    Some(p) => conn.with_deflate(*p),
                    None => conn,
                }
            }
            Start::OpenClient(params) => {
                let conn = Connection::open_client(config, None, entropy());
                match params {
                    Some(p) => conn.with_deflate(*p),
                    None => conn,
                }
            }
        };
        let mut d = Self {
            s,
            conn,
            entries: Vec::new(),
            output: Vec::new(),
            sent: Vec::new(),
            response: Response::None,
            error_close: None,
            failed: false,
            peer_closed: false,
            eof: false,
            close_out: false,
            max_chunk: 0,
            carry: Vec::new(),
            building: None,
        };
        d.flush();
        d
    }

    fn flush(&mut self) -> Vec<u8> {
        let bytes = self.conn.data_to_send().to_vec();
        assert_eq!(
            self.conn.buffered_amount(),
            0,
            "data_to_send left bytes behind"
        );
        self.output.extend_from_slice(&bytes);
        bytes
    }

    fn eof(&mut self) {
        self.conn.receive_eof();
        self.eof = true;
        self.entries.push(Entry::Eof);
        self.drain();
    }

    fn drain(&mut self) {
        // Bounded: every event consumes input, and there is at most one error.
        for _ in 0..1_000_000 {
            let result = self.conn.next_event();
            let queued = self.flush();
            match result {
                Ok(None) => {
                    assert!(queued.is_empty(), "Ok(None) queued {queued:02x?}");
                    self.check_input_bound(true);
                    return;
                }
                Ok(Some(event)) => {
                    assert!(!self.failed, "event after an error: {event:?}");
                    self.on_event(event, &queued);
                }
                Err(error) => {
                    assert!(!self.failed, "second error: {error:?}");
                    self.on_error(&error, queued);
                }
            }
        }
        panic!("next_event never returned Ok(None)");
    }

    /// `buffered_input` stays within the configured limits, plus one chunk when decoding
    /// stopped (after an error or the peer's close frame the rest is never decoded). A
    /// compressed message that failed may keep what it inflated (at most
    /// `max_message_size`), in either delivery mode.
    fn check_input_bound(&self, drained: bool) {
        let bound = input_bound(&self.s.config);
        let held = self.conn.buffered_input();
        let decoding = !self.failed && !self.peer_closed && self.conn.state() != State::Closed;
        if drained && decoding {
            assert!(held <= bound, "buffered_input {held} > bound {bound}");
        }
        let bound = match self.s.config.deflate {
            Some(_) => bound.max(self.s.config.max_message_size + 139),
            None => bound,
        };
        assert!(
            held <= bound + self.max_chunk,
            "buffered_input {held} > bound {bound} + chunk {}",
            self.max_chunk
        );
    }

    fn on_error(&mut self, error: &Error, queued: Vec<u8>) {
        let (code, status) = (error.close_code(), error.status());
        match error {
            Error::Protocol(p) => {
                assert!(
                    matches!(code, Some(1002 | 1007 | 1008 | 1009 | 1006)),
                    "{error:?}: code {code:?}"
                );
                assert_eq!(Some(p.close_code()), code);
                assert_eq!(status, None);
                if p.close_code() == 1006 {
                    assert!(queued.is_empty(), "1006 queued {queued:02x?}");
                } else if queued.is_empty() {
                    assert!(
                        self.close_out,
                        "{error:?} queued no close frame and none was sent"
                    );
                } else {
                    self.close_out = true;
                }
                let at = self.output.len() - queued.len();
                self.error_close = Some((at, p.close_code(), queued));
            }
            Error::Handshake(h) => {
                assert_eq!(code, None);
                if let Some(status) = status {
                    assert!(
                        [400, 403, 405, 426, 431, 505].contains(&status),
                        "{error:?}: {status}"
                    );
                }
                if self.s.start.is_client() {
                    // `status()` is what a server would answer; a client sends nothing.
                    assert!(queued.is_empty(), "client handshake error queued bytes");
                } else if *h == sansocket::HandshakeError::ConnectionClosed {
                    // The handshake's 1006: the transport is gone, nothing can be answered.
                    assert_eq!(status, None);
                    assert!(queued.is_empty());
                } else {
                    let status = status.unwrap_or_else(|| panic!("{error:?} has no status"));
                    assert!(
                        [400, 403, 405, 426, 431, 505].contains(&status),
                        "{error:?}: {status}"
                    );
                    assert!(queued.starts_with(format!("HTTP/1.1 {status} ").as_bytes()));
                    self.response = Response::Refused(status);
                }
                assert_eq!(h.status(), status);
            }
            other => panic!("an error the harness does not know: {other:?}"),
        }
        assert!(
            self.conn.should_close_transport(),
            "{error:?}: transport stays open"
        );
        assert_eq!(self.conn.state(), State::Closed, "{error:?}");
        self.failed = true;
        self.entries
            .push(Entry::Error(error.name().to_owned(), code, status));
    }

    fn on_event(&mut self, event: Event, queued: &[u8]) {
        let mut replied = None;
        let entry = match &event {
            Event::Request(request) => {
                assert!(queued.is_empty());
                assert!(matches!(self.s.start, Start::Server), "request on a client");
                assert!(
                    !request.host.is_empty() && request.key.len() == 24,
                    "{request:?}"
                );
                self.entries.push(Entry::Handshake(event.clone()));
                self.decide(request);
                return;
            }
            Event::Accepted(response) => {
                let offered = client_request().subprotocols;
                if let Some(p) = &response.subprotocol {
                    assert!(offered.contains(p), "unoffered subprotocol {p}");
                }
                assert_eq!(self.conn.subprotocol(), response.subprotocol.as_deref());
                assert_eq!(self.conn.state(), State::Open);
                if self.s.config.deflate.is_none() {
                    assert!(self.conn.deflate().is_none(), "deflate without an offer");
                }
                Entry::Handshake(event.clone())
            }
            Event::Rejected(rejection) => {
                assert_ne!(rejection.status, 101);
                assert!(rejection.body.len() <= self.s.config.max_rejection_body);
                assert!(self.conn.should_close_transport());
                Entry::Handshake(event.clone())
            }
            Event::Text(text) => {
                assert_eq!(
                    std::str::from_utf8(text.as_bytes()).ok(),
                    Some(text.as_str())
                );
                Entry::Text(text.as_bytes().to_vec())
            }
            Event::Binary(data) => Entry::Binary(data.to_vec()),
            Event::Chunk { kind, data, fin } => {
                let text = *kind == MessageKind::Text;
                if text {
                    assert!(std::str::from_utf8(data).is_ok(), "text chunk not UTF-8");
                }
                // A chunk is at most a frame's payload (plus an unfinished character) or
                // what one step of inflating gives: never a whole inflated bomb.
                let most = self.s.config.max_frame_size.max(64 << 10) + 3;
                assert!(data.len() <= most, "chunk of {} bytes > {most}", data.len());
                Entry::Chunk(text, data.to_vec(), *fin)
            }
            Event::Ping(data) => {
                assert!(data.len() <= 125);
                if self.s.config.auto_pong {
                    replied = Some((10, data.to_vec()));
                }
                Entry::Ping(data.to_vec())
            }
            Event::Pong(data) => {
                assert!(data.len() <= 125);
                Entry::Pong(data.to_vec())
            }
            Event::Close(frame) => {
                assert!(
                    frame.code == 1005 || sansocket::is_valid_close_code(frame.code),
                    "{frame:?}"
                );
                assert!(frame.reason.len() <= 123);
                self.peer_closed = true;
                let echo = if frame.code == 1005 {
                    vec![]
                } else {
                    frame.code.to_be_bytes().to_vec()
                };
                replied = Some((8, echo));
                Entry::Close(frame.code, frame.reason.clone())
            }
        };
        match replied {
            // The engine answers pings and close frames while it may still send.
            Some((opcode, payload)) if !queued.is_empty() => {
                let (frame, used) = wire::parse_one(queued).expect("a whole reply frame");
                assert_eq!(used, queued.len(), "one reply frame");
                assert_eq!((frame.opcode, &frame.payload), (opcode, &payload));
                if opcode == 8 {
                    assert!(!self.close_out, "second close frame");
                    self.close_out = true;
                }
            }
            Some(_) => assert!(self.close_out || self.eof, "{event:?} not answered"),
            None => assert!(queued.is_empty(), "{event:?} queued {queued:02x?}"),
        }
        self.entries.push(entry);
    }

    /// The server's answer to a request, from the decision bytes.
    fn decide(&mut self, request: &sansocket::Request) {
        const STATUSES: [u16; 8] = [400, 403, 404, 101, 500, 503, 99, 1000];
        let d = self.s.decision;
        let status = STATUSES[usize::from(d.index) % STATUSES.len()];
        match d.kind & 3 {
            0 => self.accept(Accept::new(), &request.key),
            1 => {
                let offered = &request.subprotocols;
                let pick = (!offered.is_empty())
                    .then(|| offered[usize::from(d.index) % offered.len()].clone());
                self.accept(
                    Accept {
                        subprotocol: pick,
                        ..Accept::default()
                    },
                    &request.key,
                );
            }
            2 => {
                // Misuse first: a subprotocol not offered, a header that would inject one.
                if !request.subprotocols.iter().any(|p| p == "not-offered") {
                    let bad = Accept::new().subprotocol("not-offered");
                    assert!(self.call("accept not offered", |c| c.accept(bad)).is_err());
                }
                let bad = Accept::new().header("X-Bad", "a\r\nSet-Cookie: x");
                assert!(self.call("accept bad header", |c| c.accept(bad)).is_err());
                self.reject(status);
            }
            _ => self.reject(status),
        }
        assert!(
            !matches!(self.response, Response::None),
            "the request is still pending"
        );
    }

    fn accept(&mut self, accept: Accept, key: &str) {
        let subprotocol = accept.subprotocol.clone();
        self.call("accept", |c| c.accept(accept))
            .expect("a valid accept");
        assert_eq!(self.conn.subprotocol(), subprotocol.as_deref());
        assert_eq!(self.conn.state(), State::Open);
        let head = self.flush();
        assert!(head.starts_with(b"HTTP/1.1 101 Switching Protocols\r\n"));
        let expected = format!("Sec-WebSocket-Accept: {}\r\n", accept_key(key));
        assert!(
            head.windows(expected.len())
                .any(|w| w == expected.as_bytes())
        );
        self.response = Response::Accepted(key.to_owned());
    }

    fn reject(&mut self, status: u16) {
        let headers = [("X-Reason", "fuzz"), ("Content-Length", "99")];
        match self.call("reject", |c| c.reject(status, &headers, b"go away")) {
            Ok(()) => self.response = Response::Refused(status),
            Err(_) => {
                assert!(status == 101 || !(100..=999).contains(&status));
                self.call("reject 403", |c| c.reject(403, &[], b""))
                    .expect("a valid reject");
                self.response = Response::Refused(403);
            }
        }
        let head = self.flush();
        let Response::Refused(status) = self.response else {
            unreachable!()
        };
        assert!(head.starts_with(format!("HTTP/1.1 {status} ").as_bytes()));
        assert!(self.conn.should_close_transport());
    }

    /// Calls an action; a usage error must queue nothing.
    fn call(
        &mut self,
        name: &str,
        f: impl FnOnce(&mut Connection) -> Result<(), sansocket::UsageError>,
    ) -> Result<(), String> {
        let before = self.conn.buffered_amount();
        let result = f(&mut self.conn).map_err(|e| format!("{e:?}"));
        if result.is_err() {
            assert_eq!(
                self.conn.buffered_amount(),
                before,
                "{name}: a usage error queued bytes"
            );
        }
        self.entries
            .push(Entry::Action(name.to_owned(), result.clone()));
        result
    }

    fn act(&mut self, action: &Action) {
        let before = self.output.len();
        let ok = match action {
            Action::Text(text) => {
                let ok = self.call("send_text", |c| c.send_text(text)).is_ok();
                if ok {
                    self.sent.push(Entry::Text(text.as_bytes().to_vec()));
                }
                ok
            }
            Action::Binary(data) => {
                let ok = self.call("send_binary", |c| c.send_binary(data)).is_ok();
                if ok {
                    self.sent.push(Entry::Binary(data.clone()));
                }
                ok
            }
            Action::TextFragment { text, cut, fin } => {
                let mut all = self.carry.clone();
                all.extend_from_slice(text.as_bytes());
                let cut = if *fin {
                    all.len()
                } else {
                    cut % (all.len() + 1)
                };
                let piece = &all[..cut];
                let ok = self
                    .call("send_fragment text", |c| {
                        c.send_fragment(MessageKind::Text, piece, *fin)
                    })
                    .is_ok();
                if ok {
                    self.carry = all[cut..].to_vec();
                    self.fragment_sent(true, piece, *fin);
                }
                ok
            }
            Action::BinaryFragment(data, fin) => {
                let ok = self
                    .call("send_fragment binary", |c| {
                        c.send_fragment(MessageKind::Binary, data, *fin)
                    })
                    .is_ok();
                if ok {
                    self.fragment_sent(false, data, *fin);
                }
                ok
            }
            Action::Ping(data) => {
                let ok = self.call("ping", |c| c.ping(data)).is_ok();
                assert!(!ok || data.len() <= 125);
                if ok {
                    self.sent.push(Entry::Ping(data.clone()));
                }
                ok
            }
            Action::Pong(data) => {
                let ok = self.call("pong", |c| c.pong(data)).is_ok();
                assert!(!ok || data.len() <= 125);
                if ok {
                    self.sent.push(Entry::Pong(data.clone()));
                }
                ok
            }
            Action::Close(code, reason) => {
                let ok = self.call("close", |c| c.close(*code, reason)).is_ok();
                if ok && self.conn.buffered_amount() > 0 {
                    assert!(!self.close_out, "second close frame");
                    self.close_out = true;
                    let reason = if *code == 1005 {
                        String::new()
                    } else {
                        reason.clone()
                    };
                    self.sent.push(Entry::Close(*code, reason));
                }
                ok
            }
            Action::Accept => {
                let result = self.call("accept", |c| c.accept(Accept::new()));
                assert!(result.is_err(), "accept without a pending request");
                false
            }
            Action::Reject(status) => {
                let result = self.call("reject", |c| c.reject(*status, &[], b""));
                assert!(result.is_err(), "reject without a pending request");
                false
            }
        };
        let queued = self.flush();
        assert_eq!(self.output.len(), before + queued.len());
        if !ok {
            assert!(queued.is_empty());
        }
    }

    fn fragment_sent(&mut self, text: bool, piece: &[u8], fin: bool) {
        let message = self.building.get_or_insert((text, Vec::new()));
        assert_eq!(message.0, text, "the engine mixed fragment kinds");
        message.1.extend_from_slice(piece);
        if fin {
            let (text, data) = self.building.take().unwrap_or_default();
            self.carry.clear();
            self.sent.push(if text {
                Entry::Text(data)
            } else {
                Entry::Binary(data)
            });
        }
    }

    fn finish(mut self) -> Run {
        self.flush();
        Run {
            entries: self.entries,
            output: self.output,
            sent: self.sent,
            response: self.response,
            error_close: self.error_close,
            state: self.conn.state(),
            close_transport: self.conn.should_close_transport(),
            deflate: self.conn.deflate().copied(),
        }
    }
}
