//! Runs one scenario against a [`Connection`], recording what happened and checking the
//! invariants that hold at every step.

use sansocket::{Connection, Error, Event, MessageKind, State};

use crate::config::input_bound;
use crate::wire;

mod act;
mod feeds;
mod scenario;

pub use scenario::{
    Action, Decision, Entry, Feed, Op, Response, Run, Scenario, Start, client_request, entropy,
};

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
    /// The message of a frame taken in pieces (`receive_frame_piece`), as it fills.
    piece: Option<Vec<u8>>,
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
            piece: None,
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
