//! Inputs found by the fuzz targets in `fuzz/` (see fuzz/README.md), kept as tests. Each
//! feeds the input whole and in small pieces: the fuzzers require the same events and
//! errors whatever the reads were.

#[cfg(feature = "deflate")]
use sansocket::deflate::{DeflateConfig, DeflateParams};
use sansocket::{ClientRequest, Config, Connection, Event, SeededEntropy};

/// The events a client reports for `response`, fed in pieces of `step` bytes (0: whole),
/// with EOF only after `Ok(None)`.
fn client_events(response: &[u8], step: usize, config: Config) -> Vec<String> {
    let request = ClientRequest::new("example.com", "/");
    let mut conn = Connection::client(request, config, SeededEntropy::new(1)).unwrap();
    let step = if step == 0 {
        response.len().max(1)
    } else {
        step
    };
    let mut events = Vec::new();
    for piece in response.chunks(step) {
        conn.receive_data(piece);
        drain(&mut conn, &mut events);
    }
    events.push("eof".to_owned());
    conn.receive_eof();
    drain(&mut conn, &mut events);
    events
}

fn drain(conn: &mut Connection, events: &mut Vec<String>) {
    while let Some(event) = conn.next_event().transpose() {
        events.push(match event {
            Ok(Event::Rejected(r)) => format!("rejected {} {:?}", r.status, r.body),
            Ok(other) => format!("{other:?}"),
            Err(e) => format!("error {}", e.name()),
        });
    }
}

fn rejected_the_same_in_any_chunking(response: &[u8], config: Config, expected: &[&str]) {
    for step in [0, 1, 2, 7] {
        assert_eq!(
            client_events(response, step, config.clone()),
            expected,
            "fed {step} bytes at a time"
        );
    }
}

/// fuzz: handshake_client. The end of a chunked rejection body was found by looking for
/// `0\r\n\r\n` at the end of what had arrived: bytes after the last chunk in the same read
/// hid it (the rejection waited for EOF), so the outcome depended on the reads.
#[test]
fn chunked_rejection_with_bytes_after_the_last_chunk() {
    let response = b"HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n\
        5\r\nhello\r\n0\r\n\r\nextra";
    let expected = ["rejected 404 b\"hello\"", "eof"];
    rejected_the_same_in_any_chunking(response, Config::default(), &expected);
}

/// fuzz: handshake_client. `\r\n0\r\n\r\n` inside a chunk's data ended the body early when
/// a read happened to end there.
#[test]
fn chunked_rejection_with_a_last_chunk_lookalike_in_the_data() {
    let response = b"HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n\
        c\r\nx\r\n0\r\n\r\nyyyy\r\n0\r\n\r\n";
    let expected = ["rejected 404 b\"x\\r\\n0\\r\\n\\r\\nyyyy\"", "eof"];
    rejected_the_same_in_any_chunking(response, Config::default(), &expected);
}

/// fuzz: handshake_client. With a small `max_rejection_body`, the raw chunked bytes were
/// cut at the limit in small reads but not in large ones, so the decoded body differed.
#[test]
fn chunked_rejection_body_limit() {
    let response = b"HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n\
        5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n";
    let config = Config::default().max_rejection_body(10);
    let expected = ["rejected 404 b\"helloworld\"", "eof"];
    rejected_the_same_in_any_chunking(response, config, &expected);
}

#[cfg(feature = "deflate")]
/// The error an open server with permessage-deflate reports for `frames`, fed in pieces
/// of `step` bytes (0: whole).
fn deflate_server_error(frames: &[u8], step: usize, max_message_size: usize) -> String {
    let config = Config::default()
        .max_message_size(max_message_size)
        .deflate(Some(DeflateConfig::default()));
    let mut conn = Connection::open_server(config, None).with_deflate(DeflateParams::default());
    let step = if step == 0 { frames.len() } else { step };
    for piece in frames.chunks(step) {
        conn.receive_data(piece);
        // No event comes before the error: one call tells.
        match conn.next_event() {
            Ok(Some(event)) => panic!("unexpected {event:?}"),
            Ok(None) => {}
            Err(e) => return e.name().to_owned(),
        }
    }
    "none".to_owned()
}

/// A compressed text frame (RSV1), masked with a zero key.
#[cfg(feature = "deflate")]
fn compressed_text(deflated: &[u8]) -> Vec<u8> {
    let mut frame = vec![0xc1, 0x80 | deflated.len() as u8, 0, 0, 0, 0];
    frame.extend_from_slice(deflated);
    frame
}

/// fuzz: deflate, frames_server. A compressed message that inflates to invalid UTF-8 and
/// then hits corrupt deflate data failed as invalid-compressed-data when it arrived in one
/// read but as invalid-utf8 when it arrived in pieces; errors now come in stream order.
#[cfg(feature = "deflate")]
#[test]
fn inflate_errors_come_in_stream_order() {
    // A stored block holding 0xFF, then a block of the reserved type 3.
    let frame = compressed_text(&[0x00, 0x01, 0x00, 0xfe, 0xff, 0xff, 0x06]);
    for step in [0, 1, 3] {
        assert_eq!(
            deflate_server_error(&frame, step, 1 << 20),
            "invalid-utf8",
            "step {step}"
        );
    }
    // A stored block of "ab" with a 1-byte message limit, then the reserved block type.
    let frame = compressed_text(&[0x00, 0x02, 0x00, 0xfd, 0xff, b'a', b'b', 0x06]);
    for step in [0, 1, 3] {
        assert_eq!(
            deflate_server_error(&frame, step, 1),
            "message-too-large",
            "step {step}"
        );
    }
}

/// fuzz: connection_server. The end of the transport inside a binary frame taken piece by
/// piece (`receive_frame_piece`), then the rest of that frame: the engine's own path
/// reports the abnormal closure and drops the rest, but the pieces went on and the host
/// finished the message.
#[test]
fn no_frame_pieces_after_the_connection_failed() {
    use sansocket::advanced::ConnectionExt;

    let key = [0x37, 0xfa, 0x21, 0x3d];
    let mut wire = vec![0x82, 0x80 | 126, 0x0b, 0xb8]; // binary, masked, 3000 bytes
    wire.extend_from_slice(&key);
    wire.extend((0..3000u32).map(|i| (i as u8) ^ key[i as usize % 4]));
    let mut conn = Connection::open_server(Config::default(), None);
    assert!(conn.receive_frame_piece(&wire[..1000]).is_some());
    conn.receive_eof();
    let mut events = Vec::new();
    drain(&mut conn, &mut events);
    assert_eq!(events, ["error abnormal-closure"]);
    assert!(conn.receive_frame_piece(&wire[1000..]).is_none());
    conn.receive_data(&wire[1000..]);
    drain(&mut conn, &mut events);
    assert_eq!(
        events,
        ["error abnormal-closure"],
        "nothing after the failure"
    );
}
