//! Helpers shared by sansocket's integration tests, fuzz targets and benchmarks: connected
//! pairs, draining events, and frames written by hand from RFC 6455 §5.2 ([`wire`], which
//! does not use sansocket's own encoder).

pub mod wire;

use sansocket::advanced::ConnectionExt;
use sansocket::frame::OpCode;
use sansocket::{
    Accept, ClientRequest, Config, Connection, Delivery, Error, Event, MessageKind, SeededEntropy,
};

/// RFC 6455 §1.2: the sample opening handshake.
pub const SAMPLE_REQUEST: &[u8] = b"GET /chat HTTP/1.1\r\n\
Host: server.example.com\r\n\
Upgrade: websocket\r\n\
Connection: Upgrade\r\n\
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
Origin: http://example.com\r\n\
Sec-WebSocket-Protocol: chat, superchat\r\n\
Sec-WebSocket-Version: 13\r\n\r\n";

/// A server and a client with the handshake done between them in memory.
pub fn pair(server_config: Config, client_config: Config) -> (Connection, Connection) {
    let mut server = Connection::server(server_config);
    let mut client = Connection::client(
        ClientRequest::new("example.com", "/"),
        client_config,
        SeededEntropy::new(42),
    )
    .expect("a valid request");
    transfer(&mut client, &mut server);
    let Ok(Some(Event::Request(_))) = server.next_event() else {
        panic!("the server did not report the request");
    };
    server.accept(Accept::new()).expect("accept");
    transfer(&mut server, &mut client);
    let Ok(Some(Event::Accepted(_))) = client.next_event() else {
        panic!("the client did not accept the 101");
    };
    (server, client)
}

/// A pair with the default configuration.
pub fn default_pair() -> (Connection, Connection) {
    pair(Config::default(), Config::default())
}

/// A server that received the RFC's sample request and waits for accept or reject.
pub fn pending_server(config: Config) -> Connection {
    let mut server = Connection::server(config);
    server.receive_data(SAMPLE_REQUEST);
    let Ok(Some(Event::Request(_))) = server.next_event() else {
        panic!("the server did not report the request");
    };
    server
}

/// Moves everything `from` queued into `to`.
pub fn transfer(from: &mut Connection, to: &mut Connection) {
    let bytes = from.data_to_send();
    to.receive_data(&bytes);
}

/// Moves everything `from` queued into `to` in pieces of `size` bytes, draining `to`'s
/// events after each piece.
pub fn transfer_in_pieces(from: &mut Connection, to: &mut Connection, size: usize) -> Outcome {
    let bytes = from.data_to_send();
    let mut outcome = Outcome::default();
    for piece in bytes.chunks(size.max(1)) {
        to.receive_data(piece);
        outcome.extend(drain(to));
    }
    outcome
}

/// What draining a connection produced: events, then at most one error.
#[derive(Debug, Default, PartialEq)]
pub struct Outcome {
    /// The events decoded, in order.
    pub events: Vec<Event>,
    /// The error that ended decoding, if any.
    pub error: Option<Error>,
}

impl Outcome {
    fn extend(&mut self, other: Outcome) {
        assert!(
            self.error.is_none() || other.events.is_empty(),
            "events after an error"
        );
        self.events.extend(other.events);
        if other.error.is_some() {
            self.error = other.error;
        }
    }
}

/// Calls `next_event` until `Ok(None)`; an error is recorded and must be followed by
/// `Ok(None)`.
pub fn drain(conn: &mut Connection) -> Outcome {
    let mut outcome = Outcome::default();
    for _ in 0..10_000_000 {
        match conn.next_event() {
            Ok(Some(e)) => {
                assert!(outcome.error.is_none(), "event {e:?} after an error");
                outcome.events.push(e);
            }
            Ok(None) => return outcome,
            Err(e) => {
                assert!(outcome.error.is_none(), "a second error {e:?}");
                outcome.error = Some(e);
            }
        }
    }
    panic!("next_event never returned Ok(None)");
}

/// The events of a connection that must not fail.
pub fn events(conn: &mut Connection) -> Vec<Event> {
    let outcome = drain(conn);
    assert_eq!(outcome.error, None, "after {:?}", outcome.events);
    outcome.events
}

/// Joins chunk events into whole messages (and leaves other events alone), so chunked
/// delivery can be compared with whole-message delivery.
pub fn join_chunks(events: Vec<Event>) -> Vec<Event> {
    let mut out = Vec::new();
    let mut pending: Option<(MessageKind, Vec<u8>)> = None;
    for e in events {
        match e {
            Event::Chunk { kind, data, fin } => {
                let (k, buf) = pending.get_or_insert_with(|| (kind, Vec::new()));
                assert_eq!(*k, kind, "a chunk of another kind inside a message");
                if kind == MessageKind::Text {
                    assert!(
                        std::str::from_utf8(&data).is_ok(),
                        "a text chunk is not UTF-8"
                    );
                }
                buf.extend_from_slice(&data);
                if fin {
                    let (kind, buf) = pending.take().unwrap();
                    out.push(message(kind, buf));
                }
            }
            other => out.push(other),
        }
    }
    assert!(pending.is_none(), "an unfinished chunked message");
    out
}

/// A whole-message event.
pub fn message(kind: MessageKind, data: Vec<u8>) -> Event {
    match kind {
        MessageKind::Text => Event::Text(std::str::from_utf8(&data).expect("UTF-8").into()),
        MessageKind::Binary => Event::Binary(data.into()),
    }
}

/// A frame as RFC 6455 §5.2 lays it out, masked with `mask` if given.
pub fn frame(fin: bool, opcode: u8, mask: Option<[u8; 4]>, payload: &[u8]) -> Vec<u8> {
    wire::encode(
        (u8::from(fin) << 7) | opcode,
        mask,
        payload,
        wire::LenForm::Minimal,
    )
}

/// A frame as a client sends it (masked with the RFC 6455 §5.7 key).
pub fn client_frame(fin: bool, opcode: u8, payload: &[u8]) -> Vec<u8> {
    frame(fin, opcode, Some([0x37, 0xfa, 0x21, 0x3d]), payload)
}

/// Text of exactly `len` bytes mixing 1- to 4-byte characters.
pub fn text_of_len(len: usize) -> String {
    let mut s = String::with_capacity(len);
    for c in "aé€𝄞".chars().cycle() {
        if s.len() + c.len_utf8() > len {
            break;
        }
        s.push(c);
    }
    while s.len() < len {
        s.push('z');
    }
    s
}

/// A masked client frame with `key`.
pub fn masked_frame(op: OpCode, fin: bool, payload: &[u8], key: [u8; 4]) -> Vec<u8> {
    frame(fin, op as u8, Some(key), payload)
}

/// Feeds `parts` to `conn` read by read, collecting events until the first error, which
/// ends the feed: the events decoded before it and the error.
pub fn feed_until_error(
    conn: &mut Connection,
    parts: &[&[u8]],
) -> (Vec<Event>, Option<sansocket::Error>) {
    let mut events = Vec::new();
    for part in parts {
        conn.receive_data(part);
        loop {
            match conn.next_event() {
                Ok(Some(e)) => events.push(e),
                Ok(None) => break,
                Err(e) => return (events, Some(e)),
            }
        }
    }
    (events, None)
}

/// The messages a server decodes from `wire` fed in reads of the `pieces` sizes (cycled),
/// chunks joined (each text chunk asserted to be whole characters); panics on an error or
/// an event other than a message, a chunk or a ping `p`.
pub fn decode_in_pieces(
    wire: &[u8],
    pieces: &[usize],
    delivery: Delivery,
) -> Vec<(MessageKind, Vec<u8>)> {
    decode_pieces_with(wire, pieces, delivery, |conn, piece| {
        conn.receive_data(piece);
        let mut events = Vec::new();
        while let Some(event) = conn.next_event().expect("valid frames") {
            events.push(event);
        }
        events
    })
}

/// The messages a server decodes from `wire` cut in the `pieces` sizes (cycled), each
/// piece handed to the connection by `feed`, which returns the events it then gives.
fn decode_pieces_with(
    wire: &[u8],
    pieces: &[usize],
    delivery: Delivery,
    mut feed: impl FnMut(&mut Connection, &[u8]) -> Vec<Event>,
) -> Vec<(MessageKind, Vec<u8>)> {
    let config = Config::default().delivery(delivery);
    let mut conn = Connection::open_server(config, None);
    let mut events = Vec::new();
    let mut rest = wire;
    let mut sizes = pieces.iter().cycle();
    while !rest.is_empty() {
        let n = (*sizes.next().unwrap()).min(rest.len());
        events.extend(feed(&mut conn, &rest[..n]));
        rest = &rest[n..];
    }
    messages_of(events)
}

/// The messages among `events`, chunks joined (each text chunk asserted to be whole
/// characters); panics on an event other than a message, a chunk or a ping `p`.
fn messages_of(events: Vec<Event>) -> Vec<(MessageKind, Vec<u8>)> {
    join_chunks(events)
        .into_iter()
        .filter_map(|e| match e {
            Event::Text(t) => Some((MessageKind::Text, t.as_bytes().to_vec())),
            Event::Binary(b) => Some((MessageKind::Binary, b.to_vec())),
            Event::Ping(p) => {
                assert_eq!(&p[..], b"p");
                None
            }
            other => panic!("unexpected {other:?}"),
        })
        .collect()
}

/// What a host reading its transport into the engine's buffer does with `data` (the bytes
/// the transport has): reads of at most the room offered and `cap` bytes, as many as it
/// takes, through `take_read_buffer`/`give_read_buffer`, draining events after each read.
pub fn read_into(conn: &mut Connection, mut data: &[u8], cap: usize) -> Outcome {
    let mut outcome = Outcome::default();
    loop {
        let mut buf = conn.take_read_buffer();
        let room = buf.capacity() - buf.len();
        assert!(
            room > 0,
            "a read buffer with no room (a read of 0 looks like EOF)"
        );
        let n = room.min(cap.max(1)).min(data.len());
        buf.extend_from_slice(&data[..n]);
        data = &data[n..];
        conn.give_read_buffer(buf)
            .expect("the buffer taken, appended to");
        outcome.extend(drain(conn));
        if data.is_empty() {
            return outcome;
        }
    }
}

/// [`decode_in_pieces`] through the read buffer: the transport has the pieces one after
/// the other, each read limited to `cap` bytes (and to the room offered).
pub fn decode_in_reads(
    wire: &[u8],
    pieces: &[usize],
    cap: usize,
    delivery: Delivery,
) -> Vec<(MessageKind, Vec<u8>)> {
    decode_pieces_with(wire, pieces, delivery, |conn, piece| {
        let outcome = read_into(conn, piece, cap);
        assert_eq!(outcome.error, None, "valid frames");
        outcome.events
    })
}
