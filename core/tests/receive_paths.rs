//! The receiver's fast paths give the same events as byte-by-byte decoding: whole frames
//! decoded in one step, the rest of a frame unmasked (and text checked) while it is copied
//! in, whatever the read sizes; and errors still surface where they belong.

use sansocket_test_support as support;

use sansocket::frame::OpCode;
use sansocket::{Config, Connection, Delivery, Error, MessageKind, ProtocolError};
use support::{decode_in_pieces, decode_in_reads, masked_frame as frame};

fn text(len: usize) -> Vec<u8> {
    "héllo wörld — 東京 😀 "
        .bytes()
        .cycle()
        .take(len)
        .collect::<Vec<u8>>()
}

/// Text of exactly `len` bytes ending on a character boundary.
fn text_exact(len: usize) -> Vec<u8> {
    let mut t = text(len);
    while std::str::from_utf8(&t).is_err() {
        t.pop();
    }
    t.resize(len, b'.');
    t
}

/// Messages of many sizes, some fragmented, with pings in between.
fn wire() -> (Vec<u8>, Vec<(MessageKind, Vec<u8>)>) {
    let mut wire = Vec::new();
    let mut expected = Vec::new();
    let sizes = [
        0, 1, 16, 125, 126, 511, 512, 4096, 65535, 65536, 70_000, 300_000,
    ];
    for (i, &size) in sizes.iter().enumerate() {
        let key = [i as u8, 0x5a, 0xc3, (i * 7) as u8];
        let (kind, op, payload) = if i % 2 == 0 {
            (MessageKind::Text, OpCode::Text, text_exact(size))
        } else {
            let bytes = (0..size).map(|j| (j * 31 + i) as u8).collect();
            (MessageKind::Binary, OpCode::Binary, bytes)
        };
        if i % 3 == 2 && size >= 3 {
            // Three fragments, cut anywhere (text may be cut inside a character).
            let (a, rest) = payload.split_at(size / 3);
            let (b, c) = rest.split_at(rest.len() / 2);
            wire.extend(frame(op, false, a, key));
            wire.extend(frame(OpCode::Ping, true, b"p", key));
            wire.extend(frame(OpCode::Continuation, false, b, key));
            wire.extend(frame(OpCode::Continuation, true, c, key));
        } else {
            wire.extend(frame(op, true, &payload, key));
        }
        expected.push((kind, payload));
    }
    (wire, expected)
}

/// Feeds `wire` in pieces of the given sizes (cycled), collecting whole messages.

#[test]
fn every_read_size_gives_the_same_messages() {
    let (wire, expected) = wire();
    for delivery in [Delivery::Messages, Delivery::Chunks] {
        for pieces in [
            &[wire.len()][..],
            &[1],
            &[7, 3, 600],
            &[511, 513],
            &[4096],
            &[20_000, 1],
            &[65536],
            &[100_003, 9],
        ] {
            let got = decode_in_pieces(&wire, pieces, delivery);
            assert_eq!(got.len(), expected.len(), "{delivery:?} {pieces:?}");
            for (i, (g, e)) in got.iter().zip(&expected).enumerate() {
                assert!(g == e, "{delivery:?} {pieces:?}: message {i} differs");
            }
            // The same bytes read into the engine's buffer, reads as big as the room
            // offered, or smaller.
            for cap in [usize::MAX, 13, 4099] {
                let got = decode_in_reads(&wire, pieces, cap, delivery);
                assert!(
                    got == expected,
                    "read buffer {delivery:?} {pieces:?} cap {cap}"
                );
            }
        }
    }
}

fn first_error(wire: &[u8], piece: usize) -> (usize, Error, Vec<u8>) {
    let mut conn = Connection::open_server(Config::default(), None);
    let mut events = 0;
    for chunk in wire.chunks(piece) {
        conn.receive_data(chunk);
        loop {
            match conn.next_event() {
                Ok(Some(_)) => events += 1,
                Ok(None) => break,
                Err(e) => return (events, e, conn.data_to_send().to_vec()),
            }
        }
    }
    panic!("no error")
}

#[test]
fn invalid_text_fails_with_1007_on_every_path() {
    let good = frame(OpCode::Text, true, b"fine", [1, 2, 3, 4]);
    for len in [10, 200, 5000, 100_000] {
        for at in [0, len / 2, len - 1] {
            let mut payload = text_exact(len);
            payload[at] = 0xff;
            let mut wire = good.clone();
            wire.extend(frame(OpCode::Text, true, &payload, [9, 8, 7, 6]));
            for piece in [wire.len(), 1000, 4096, 65536] {
                let (events, error, sent) = first_error(&wire, piece);
                assert_eq!(events, 1, "len {len} at {at} piece {piece}");
                assert!(matches!(error, Error::Protocol(ProtocolError::InvalidUtf8)));
                assert_eq!(
                    &sent[..4],
                    &[0x88, sent[1], 0x03, 0xef],
                    "close 1007 queued"
                );
            }
        }
    }
}

#[test]
fn text_is_rejected_as_soon_as_the_bad_byte_arrives() {
    // A 100 kB text frame whose byte 30 000 is invalid fails on the read carrying it.
    let mut payload = text_exact(100_000);
    payload[30_000] = 0xc0;
    let mut conn = Connection::open_server(Config::default(), None);
    let wire = frame(OpCode::Text, true, &payload, [4, 3, 2, 1]);
    conn.receive_data(&wire[..20_000]);
    assert!(conn.next_event().unwrap().is_none());
    conn.receive_data(&wire[20_000..40_000]);
    assert!(matches!(
        conn.next_event(),
        Err(Error::Protocol(ProtocolError::InvalidUtf8))
    ));
}

#[test]
fn malformed_whole_frames_are_still_reported() {
    // Length 5 written in the 16-bit form.
    let mut wire = vec![0x82, 0xfe, 0x00, 0x05, 1, 2, 3, 4];
    wire.extend_from_slice(&[0; 5]);
    let (_, error, _) = first_error(&wire, wire.len());
    assert!(matches!(
        error,
        Error::Protocol(ProtocolError::NonMinimalLength)
    ));
    // An unmasked frame to a server.
    let (_, error, _) = first_error(&[0x82, 0x01, 0x00], 3);
    assert!(matches!(
        error,
        Error::Protocol(ProtocolError::UnmaskedFrame)
    ));
    // Over the frame limit.
    let config = Config::default().max_frame_size(10);
    let mut conn = Connection::open_server(config, None);
    conn.receive_data(&frame(OpCode::Binary, true, &[0; 11], [1, 1, 1, 1]));
    assert!(matches!(
        conn.next_event(),
        Err(Error::Protocol(ProtocolError::FrameTooLarge))
    ));
}

/// Frames of 4–20 KiB, each finished by a read that goes on past it (the receiver splits
/// such a frame off at once and gives the rest of the read room of its own): the same
/// messages in both roles, whether the host drops each event at once or holds them all.
#[test]
fn frames_finished_mid_read_are_split_off_in_order() {
    for server in [true, false] {
        for size in [4096, 16 << 10, 20_000] {
            let mut wire = Vec::new();
            let mut expected = Vec::new();
            for i in 0..24 {
                let (op, payload) = if i % 3 == 0 {
                    (0x1, text_exact(size + i))
                } else {
                    (0x2, (0..size + i).map(|j| (j * 7 + i) as u8).collect())
                };
                let mask = server.then_some([i as u8, 3, 0x81, 0x7e]);
                wire.extend(support::frame(true, op, mask, &payload));
                expected.push(payload);
            }
            for read in [65536, 16_000, 5000] {
                for hold in [false, true] {
                    let mut conn = if server {
                        Connection::open_server(Config::default(), None)
                    } else {
                        Connection::open_client(
                            Config::default(),
                            None,
                            sansocket::SeededEntropy::new(1),
                        )
                    };
                    let mut held = Vec::new();
                    let mut got = Vec::new();
                    for chunk in wire.chunks(read) {
                        conn.receive_data(chunk);
                        while let Some(event) = conn.next_event().expect("valid frames") {
                            let data = match &event {
                                sansocket::Event::Binary(d) => d.to_vec(),
                                sansocket::Event::Text(t) => t.as_str().as_bytes().to_vec(),
                                other => panic!("unexpected {other:?}"),
                            };
                            got.push(data);
                            if hold {
                                held.push(event);
                            }
                        }
                    }
                    assert!(
                        got == expected,
                        "server {server} size {size} read {read} hold {hold}"
                    );
                }
            }
        }
    }
}

/// Invalid text in a frame that a read finishes and goes on past: the messages before it
/// are delivered, then the error; nothing after it.
#[test]
fn invalid_text_finished_mid_read_fails_in_order() {
    for server in [true, false] {
        let good: Vec<u8> = vec![7; 16 << 10];
        let mut bad = text_exact(16 << 10);
        bad[(16 << 10) - 3] = 0xff;
        let mask = server.then_some([1, 2, 3, 4]);
        let mut wire = support::frame(true, 0x2, mask, &good);
        wire.extend(support::frame(true, 0x1, mask, &bad));
        wire.extend(support::frame(true, 0x2, mask, &good));
        let mut conn = if server {
            Connection::open_server(Config::default(), None)
        } else {
            Connection::open_client(Config::default(), None, sansocket::SeededEntropy::new(1))
        };
        // The first read ends 10 bytes before the end of the bad frame.
        let cut = wire.len() - (16 << 10) - 14 - 10;
        conn.receive_data(&wire[..cut]);
        assert!(matches!(
            conn.next_event(),
            Ok(Some(sansocket::Event::Binary(_)))
        ));
        assert!(matches!(conn.next_event(), Ok(None)));
        conn.receive_data(&wire[cut..]);
        assert!(
            matches!(
                conn.next_event(),
                Err(Error::Protocol(ProtocolError::InvalidUtf8))
            ),
            "server {server}"
        );
    }
}
