//! Checks what a connection sent: the HTTP head, the frames (parsed with the plain
//! [`wire`] parser), nothing after a close frame or a refusal, and a round trip through
//! the opposite endpoint.

use sansocket::deflate::{DeflateConfig, DeflateParams};
use sansocket::{Config, Connection, Event};

use crate::config::sender_side;

use crate::drive::{Entry, Response, Run, Scenario, Start, entropy};
use crate::wire::{self, WireFrame};

/// Checks `run.output` for scenario `s`.
pub fn check(s: &Scenario, run: &Run) {
    let out = &run.output[..];
    let accepted = run
        .entries
        .iter()
        .any(|e| matches!(e, Entry::Handshake(Event::Accepted(_))));
    let frames = match (&s.start, &run.response) {
        (Start::Client(_), _) => {
            let (head, rest) = wire::split_head(out).expect("the client sends its request first");
            assert!(head.starts_with(b"GET /chat HTTP/1.1\r\n"), "{head:?}");
            assert!(
                accepted || rest.is_empty(),
                "frames before the handshake completed"
            );
            rest
        }
        (Start::Server, Response::None) => {
            assert!(
                out.is_empty(),
                "a server sent bytes before answering the request"
            );
            return;
        }
        (Start::Server, Response::Refused(status)) => return check_refusal(out, *status),
        (Start::Server, Response::Accepted(_)) => wire::split_head(out).expect("the 101 head").1,
        _ => out,
    };
    let client = s.start.is_client();
    let decoded = check_frames(frames, client, run.deflate.map(|p| sender_side(&p, client)));
    let base = out.len() - frames.len();

    // What the application queued is in the stream: data messages exactly, control frames
    // in order among the engine's own pongs and close replies.
    let data = |e: &&Entry| matches!(e, Entry::Text(_) | Entry::Binary(_));
    let sent_data: Vec<&Entry> = run.sent.iter().filter(data).collect();
    let wire_data: Vec<&Entry> = decoded.entries.iter().filter(data).collect();
    assert_eq!(sent_data, wire_data, "sent messages differ from the wire");
    let mut rest = decoded.entries.iter();
    for sent in &run.sent {
        assert!(
            rest.any(|e| e == sent),
            "{sent:?} is not on the wire in order"
        );
    }

    // A protocol error queued a close frame with its code, unless one was sent before.
    if let Some((at, code, queued)) = &run.error_close
        && *code != 1006
    {
        let close = decoded
            .close
            .expect("a failed connection sent a close frame");
        if queued.is_empty() {
            assert!(
                base + close.0 < *at,
                "the close frame was sent before the error"
            );
        } else {
            assert_eq!(base + close.0, *at, "the error's close frame");
            assert_eq!(close.1, *code, "close code of the error");
        }
    }

    round_trip(frames, client, run.deflate, &decoded.entries);
}

/// An HTTP error response with a `Content-Length` body and nothing after it.
fn check_refusal(out: &[u8], status: u16) {
    let (head, body) = wire::split_head(out).expect("a whole refusal head");
    let head = std::str::from_utf8(head).expect("an ASCII head");
    assert!(head.starts_with(&format!("HTTP/1.1 {status} ")), "{head}");
    assert!(head.contains("\r\nConnection: close\r\n"), "{head}");
    let lengths: Vec<usize> = head
        .split("\r\n")
        .filter_map(|line| line.strip_prefix("Content-Length: "))
        .map(|n| n.parse().expect("a number"))
        .collect();
    assert_eq!(
        lengths,
        [body.len()],
        "the body, and nothing after it: {head}"
    );
}

/// The frames of an output stream, decoded.
pub struct Decoded {
    /// Messages and control frames.
    pub entries: Vec<Entry>,
    /// Offset and code of the close frame, if one was sent.
    pub close: Option<(usize, u16)>,
}

/// Checks every frame against RFC 6455 §5 (and RFC 7692 §6 if `deflate` gives the
/// sender's window and context reset) and returns what they carry.
pub fn check_frames(bytes: &[u8], masked: bool, deflate: Option<(u8, bool)>) -> Decoded {
    let mut decoded = Decoded {
        entries: Vec::new(),
        close: None,
    };
    let mut inflate = deflate.map(|(bits, reset)| wire::Inflate::new(bits, reset));
    // The message being received: opcode, compressed, payload so far.
    let mut message: Option<(u8, bool, Vec<u8>)> = None;
    let mut at = 0;
    while at < bytes.len() {
        let (frame, used) = wire::parse_one(&bytes[at..])
            .unwrap_or_else(|| panic!("output ends inside a frame: {:02x?}", &bytes[at..]));
        assert!(
            decoded.close.is_none(),
            "a frame after the close frame: {frame:?}"
        );
        let WireFrame {
            fin,
            rsv,
            opcode,
            masked: m,
            minimal,
            payload,
        } = frame;
        assert_eq!(m, masked, "masking (§5.1)");
        // RFC 7692 §6: RSV1 marks the first frame of a compressed message.
        let compressed = rsv == 4 && inflate.is_some() && matches!(opcode, 1 | 2);
        assert!(
            rsv == 0 || compressed,
            "RSV bits {rsv:03b} on opcode {opcode}"
        );
        assert!(minimal, "a non-minimal length");
        match opcode {
            0..=2 => {
                match (opcode, &mut message) {
                    (0, Some((_, _, data))) => data.extend_from_slice(&payload),
                    (1 | 2, None) => message = Some((opcode, compressed, payload)),
                    _ => panic!("fragments out of order: opcode {opcode}"),
                }
                if fin && let Some((kind, compressed, data)) = message.take() {
                    let data = match inflate.as_mut().filter(|_| compressed) {
                        Some(inflate) => inflate
                            .message(&data)
                            .unwrap_or_else(|e| panic!("a sent message does not inflate: {e}")),
                        None => data,
                    };
                    if kind == 1 {
                        assert!(
                            std::str::from_utf8(&data).is_ok(),
                            "a text message not UTF-8"
                        );
                        decoded.entries.push(Entry::Text(data));
                    } else {
                        decoded.entries.push(Entry::Binary(data));
                    }
                }
            }
            8..=10 => {
                assert!(fin && payload.len() <= 125, "a bad control frame");
                match opcode {
                    9 => decoded.entries.push(Entry::Ping(payload)),
                    10 => decoded.entries.push(Entry::Pong(payload)),
                    _ => {
                        let (code, reason) = match payload.as_slice() {
                            [] => (1005, String::new()),
                            [hi, lo, reason @ ..] => {
                                let code = u16::from_be_bytes([*hi, *lo]);
                                assert!(sansocket::is_valid_close_code(code), "sent code {code}");
                                let reason =
                                    String::from_utf8(reason.to_vec()).expect("UTF-8 reason");
                                (code, reason)
                            }
                            [_] => panic!("a one-byte close payload"),
                        };
                        decoded.close = Some((at, code));
                        decoded.entries.push(Entry::Close(code, reason));
                    }
                }
            }
            _ => panic!("a reserved opcode {opcode} was sent"),
        }
        at += used;
    }
    decoded
}

/// The opposite endpoint decodes the stream to the same messages, without an error.
fn round_trip(bytes: &[u8], from_client: bool, deflate: Option<DeflateParams>, expected: &[Entry]) {
    let config = Config::default().deflate(Some(DeflateConfig::default()));
    let peer = if from_client {
        Connection::open_server(config, None)
    } else {
        Connection::open_client(config, None, entropy())
    };
    let mut peer = match deflate {
        Some(params) => peer.with_deflate(params),
        None => peer,
    };
    peer.receive_data(bytes);
    let mut got = Vec::new();
    loop {
        match peer.next_event() {
            Ok(Some(Event::Text(t))) => got.push(Entry::Text(t.as_bytes().to_vec())),
            Ok(Some(Event::Binary(b))) => got.push(Entry::Binary(b.to_vec())),
            Ok(Some(Event::Ping(b))) => got.push(Entry::Ping(b.to_vec())),
            Ok(Some(Event::Pong(b))) => got.push(Entry::Pong(b.to_vec())),
            Ok(Some(Event::Close(c))) => got.push(Entry::Close(c.code, c.reason)),
            Ok(Some(other)) => panic!("peer: unexpected {other:?}"),
            Ok(None) => break,
            Err(e) => panic!("the peer rejected what was sent: {e}"),
        }
    }
    assert_eq!(got, expected, "round trip");
}
