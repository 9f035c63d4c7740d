//! Fragments joined into the message being assembled (each whole fragment unmasked while
//! it is copied into the message buffer, which starts sized from the previous fragmented
//! message): the same messages whatever the read sizes, errors in a later fragment still
//! reported after the events before them, limits still enforced.

use sansocket_test_support as support;

use sansocket::frame::OpCode;
use sansocket::{Config, Connection, Delivery, Error, Event, MessageKind, ProtocolError};
use support::{decode_in_pieces, feed_until_error, masked_frame as frame};

/// `payload` in fragments of the given sizes (cycled), each with its own key, and a ping
/// after the second one.
fn fragmented(op: OpCode, payload: &[u8], sizes: &[usize]) -> Vec<u8> {
    let mut wire = Vec::new();
    let mut rest = payload;
    let mut sizes = sizes.iter().cycle();
    let mut first = true;
    let mut n = 0u8;
    loop {
        let take = (*sizes.next().unwrap()).min(rest.len());
        let (piece, tail) = rest.split_at(take);
        rest = tail;
        let opcode = if first { op } else { OpCode::Continuation };
        n = n.wrapping_add(1);
        wire.extend(frame(
            opcode,
            rest.is_empty(),
            piece,
            [n, 0x9c, n ^ 0x55, 3],
        ));
        if n == 2 {
            wire.extend(frame(OpCode::Ping, true, b"p", [1, 1, 1, 1]));
        }
        first = false;
        if rest.is_empty() {
            return wire;
        }
    }
}

fn text(len: usize) -> Vec<u8> {
    let mut t: Vec<u8> = "ascii and ünïcödé, кириллица, 東京, 😀 "
        .bytes()
        .cycle()
        .take(len)
        .collect();
    while std::str::from_utf8(&t).is_err() {
        t.pop();
    }
    t.resize(len, b'.');
    t
}

fn binary(len: usize, seed: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 131 + seed * 7) as u8).collect()
}

/// Messages: a big fragmented one, then small fragmented ones (their buffer starts sized
/// from the big one, then shrinks), then whole ones, text cut inside characters.
fn wire() -> (Vec<u8>, Vec<(MessageKind, Vec<u8>)>) {
    let mut wire = Vec::new();
    let mut expected = Vec::new();
    let cases: &[(usize, &[usize])] = &[
        (300_000, &[4096]),
        (100, &[7, 1, 30]),
        (65_536, &[4096]),
        (65_536, &[1, 65_535]),
        (5000, &[0, 1000]),
        (12, &[12]),
        (70_000, &[65_530, 3]),
        (3, &[1]),
    ];
    for (i, &(len, sizes)) in cases.iter().enumerate() {
        let (kind, op, payload) = if i % 2 == 0 {
            (MessageKind::Text, OpCode::Text, text(len))
        } else {
            (MessageKind::Binary, OpCode::Binary, binary(len, i))
        };
        wire.extend(fragmented(op, &payload, sizes));
        expected.push((kind, payload));
        let whole = binary(i * 50, i);
        wire.extend(frame(OpCode::Binary, true, &whole, [9, 9, 9, i as u8]));
        expected.push((MessageKind::Binary, whole));
    }
    (wire, expected)
}

#[test]
fn fragments_joined_at_every_read_size() {
    let (wire, expected) = wire();
    for delivery in [Delivery::Messages, Delivery::Chunks] {
        for piece in [wire.len(), 1, 13, 4096, 4111, 65_536, 100_000] {
            let got = decode_in_pieces(&wire, &[piece], delivery);
            assert_eq!(got.len(), expected.len(), "{delivery:?} {piece}");
            for (i, (g, e)) in got.iter().zip(&expected).enumerate() {
                assert!(g == e, "{delivery:?} {piece}: message {i} differs");
            }
        }
    }
}

/// Feeds `wire` in `piece`s; the events before the first error, and the error.
fn until_error(wire: &[u8], piece: usize, config: Config) -> (Vec<Event>, Error) {
    let mut conn = Connection::open_server(config, None);
    let mut events = Vec::new();
    for chunk in wire.chunks(piece) {
        conn.receive_data(chunk);
        loop {
            match conn.next_event() {
                Ok(Some(e)) => events.push(e),
                Ok(None) => break,
                Err(e) => return (events, e),
            }
        }
    }
    panic!("no error")
}

#[test]
fn bad_text_in_a_later_fragment_fails_after_the_events_before_it() {
    for len in [40, 5000, 70_000] {
        for at in [0, len / 3, len - 1] {
            let mut payload = text(len);
            payload[at] = 0xff;
            let mut wire = frame(OpCode::Binary, true, b"before", [1, 2, 3, 4]);
            wire.extend(fragmented(OpCode::Text, &payload, &[len / 4 + 1]));
            for piece in [wire.len(), 1, 999, 65_536] {
                let (events, error) = until_error(&wire, piece, Config::default());
                assert!(matches!(error, Error::Protocol(ProtocolError::InvalidUtf8)));
                assert!(matches!(&events[0], Event::Binary(b) if &b[..] == b"before"));
                // The ping after the second fragment, if the bad byte comes after it.
                assert!(events.len() <= 2, "len {len} at {at} piece {piece}");
            }
        }
    }
}

#[test]
fn a_message_cut_inside_a_character_fails() {
    let mut payload = text(9000);
    payload.truncate(payload.len() - 1);
    payload.extend_from_slice("é".as_bytes());
    payload.pop(); // ends with half of "é"
    let wire = fragmented(OpCode::Text, &payload, &[3000]);
    for piece in [wire.len(), 1, 4096] {
        let (_, error) = until_error(&wire, piece, Config::default());
        assert!(matches!(error, Error::Protocol(ProtocolError::InvalidUtf8)));
    }
}

#[test]
fn limits_still_hold_for_joined_fragments() {
    let payload = binary(20_000, 1);
    let wire = fragmented(OpCode::Binary, &payload, &[1000]);
    let small = Config::default().max_message_size(19_999);
    let (events, error) = until_error(&wire, 4096, small);
    assert!(matches!(
        error,
        Error::Protocol(ProtocolError::MessageTooLarge)
    ));
    assert!(events.iter().all(|e| matches!(e, Event::Ping(_))));
    let few = Config::default().max_fragments(19);
    let (_, error) = until_error(&wire, wire.len(), few);
    assert!(matches!(
        error,
        Error::Protocol(ProtocolError::TooManyFragments)
    ));
}

/// The first fragment in one read, the rest of the stream in the next: the continuation
/// frames are joined straight from that read.
fn split_after_first(wire: &[u8], first: usize, config: Config) -> Result<Vec<Event>, Error> {
    let mut conn = Connection::open_server(config, None);
    let mut events = Vec::new();
    for part in [&wire[..first], &wire[first..]] {
        conn.receive_data(part);
        while let Some(e) = conn.next_event()? {
            events.push(e);
        }
    }
    Ok(events)
}

#[test]
fn fragments_joined_from_the_read_then_whole_frames_in_the_same_read() {
    let payload = text(10_000);
    let first = frame(OpCode::Text, false, &payload[..1000], [1, 2, 3, 4]);
    let mut wire = first.clone();
    wire.extend(frame(
        OpCode::Continuation,
        false,
        &payload[1000..1001],
        [5, 6, 7, 8],
    ));
    wire.extend(frame(
        OpCode::Continuation,
        false,
        &payload[1001..9000],
        [9, 1, 2, 3],
    ));
    wire.extend(frame(
        OpCode::Continuation,
        true,
        &payload[9000..],
        [4, 5, 6, 7],
    ));
    let after: Vec<Vec<u8>> = (0..5).map(|i| binary(100 + 1000 * i, i)).collect();
    for (i, b) in after.iter().enumerate() {
        wire.extend(frame(OpCode::Binary, true, b, [i as u8, 1, 2, 3]));
    }
    wire.extend(frame(OpCode::Ping, true, b"p", [1, 1, 1, 1]));
    let events = split_after_first(&wire, first.len(), Config::default()).unwrap();
    assert_eq!(events.len(), 7);
    assert!(matches!(&events[0], Event::Text(t) if t.as_bytes() == &payload[..]));
    for (e, b) in events[1..6].iter().zip(&after) {
        assert!(matches!(e, Event::Binary(got) if got[..] == b[..]));
    }
    assert!(matches!(&events[6], Event::Ping(_)));
    // The same, the last fragment cut by the read: its rest comes through the buffer.
    let mut conn = Connection::open_server(Config::default(), None);
    let cut = first.len() + 5000;
    let mut got = Vec::new();
    for part in [&wire[..first.len()], &wire[first.len()..cut], &wire[cut..]] {
        conn.receive_data(part);
        while let Some(e) = conn.next_event().unwrap() {
            got.push(e);
        }
    }
    assert_eq!(got.len(), 7);
    assert!(matches!(&got[0], Event::Text(t) if t.as_bytes() == &payload[..]));
}

#[test]
fn errors_in_fragments_joined_from_the_read_come_after_the_events_before_them() {
    let payload = text(9000);
    let first = frame(OpCode::Text, false, &payload[..100], [1, 2, 3, 4]);
    type Case = (Vec<u8>, fn(&Error) -> bool);
    let cases: [Case; 4] = [
        // Invalid text in the third fragment.
        (
            {
                let mut bad = payload[3000..6000].to_vec();
                bad[1500] = 0xff;
                [
                    frame(
                        OpCode::Continuation,
                        false,
                        &payload[100..3000],
                        [5, 6, 7, 8],
                    ),
                    frame(OpCode::Ping, true, b"p", [1, 1, 1, 1]),
                    frame(OpCode::Continuation, false, &bad, [9, 1, 2, 3]),
                ]
                .concat()
            },
            |e| matches!(e, Error::Protocol(ProtocolError::InvalidUtf8)),
        ),
        // The message ends inside a character.
        (
            frame(
                OpCode::Continuation,
                true,
                "aé".as_bytes().split_at(2).0,
                [2; 4],
            ),
            |e| matches!(e, Error::Protocol(ProtocolError::InvalidUtf8)),
        ),
        // A new message before the last fragment.
        (
            [
                frame(OpCode::Continuation, false, &payload[100..200], [3; 4]),
                frame(OpCode::Binary, true, b"x", [3; 4]),
            ]
            .concat(),
            |e| matches!(e, Error::Protocol(ProtocolError::ExpectedContinuation)),
        ),
        // Over the message limit (10 000 bytes below).
        (
            [
                frame(OpCode::Continuation, false, &payload[100..9000], [4; 4]),
                frame(OpCode::Continuation, true, &[b'a'; 1000], [4; 4]),
            ]
            .concat(),
            |e| matches!(e, Error::Protocol(ProtocolError::MessageTooLarge)),
        ),
    ];
    for (i, (rest, is_expected)) in cases.iter().enumerate() {
        let mut wire = frame(OpCode::Binary, true, b"before", [7; 4]);
        let start = wire.len() + first.len();
        wire.extend(&first);
        wire.extend(rest);
        let config = Config::default().max_message_size(9999);
        let mut conn = Connection::open_server(config, None);
        let (events, error) = feed_until_error(&mut conn, &[&wire[..start], &wire[start..]]);
        let error = error.unwrap_or_else(|| panic!("case {i}: no error"));
        assert!(is_expected(&error), "case {i}: {error:?}");
        assert!(matches!(&events[0], Event::Binary(b) if &b[..] == b"before"));
        let pings = usize::from(i == 0);
        assert_eq!(events.len(), 1 + pings, "case {i}: {events:?}");
    }
}

#[test]
fn big_single_frames_joined_across_reads_keep_their_order() {
    // A: a 40 KiB text frame cut by the first read (joined into its own buffer); B: a
    // fragmented message finished in the same read as A (the joined slot is taken: B goes
    // through the buffer); C: another big frame, cut again; then small frames and a ping.
    let a = text(40_000);
    let b = binary(3000, 1);
    let c = text(100_000);
    let mut wire = frame(OpCode::Text, true, &a, [1, 2, 3, 4]);
    let cut = 20_000;
    wire.extend(fragmented(OpCode::Binary, &b, &[1000]));
    wire.extend(frame(OpCode::Text, true, &c, [5, 6, 7, 8]));
    let cut2 = wire.len() - 30_000;
    wire.extend(frame(OpCode::Binary, true, b"tail", [9, 9, 9, 9]));
    let want: [&[u8]; 4] = [&a, &b, &c, b"tail"];
    for delivery in [Delivery::Messages, Delivery::Chunks] {
        for parts in [vec![cut, cut2], vec![cut, cut + 1, cut2], vec![1, cut2 - 1]] {
            let mut conn = Connection::open_server(Config::default().delivery(delivery), None);
            let mut got: Vec<Vec<u8>> = Vec::new();
            let mut partial = Vec::new();
            let mut at = 0;
            for end in parts.iter().copied().chain([wire.len()]) {
                conn.receive_data(&wire[at..end]);
                at = end;
                while let Some(e) = conn.next_event().unwrap() {
                    match e {
                        Event::Text(t) => got.push(t.as_bytes().to_vec()),
                        Event::Binary(b) => got.push(b.to_vec()),
                        Event::Chunk { data, fin, .. } => {
                            partial.extend_from_slice(&data);
                            if fin {
                                got.push(std::mem::take(&mut partial));
                            }
                        }
                        Event::Ping(_) => {}
                        other => panic!("unexpected {other:?}"),
                    }
                }
            }
            assert_eq!(got.len(), 4, "{delivery:?} {parts:?}");
            for (g, w) in got.iter().zip(want) {
                assert!(g[..] == w[..], "{delivery:?} {parts:?}");
            }
        }
    }
}

#[test]
fn bad_text_in_a_big_frame_joined_across_reads() {
    for at in [100, 30_000, 49_999] {
        let mut payload = text(50_000);
        payload[at] = 0xfe;
        let mut wire = frame(OpCode::Binary, true, b"before", [7; 4]);
        wire.extend(frame(OpCode::Text, true, &payload, [1, 2, 3, 4]));
        for cut in [20_000, 40_000, wire.len() - 1] {
            let mut conn = Connection::open_server(Config::default(), None);
            let (events, error) = feed_until_error(&mut conn, &[&wire[..cut], &wire[cut..]]);
            assert!(
                matches!(error, Some(Error::Protocol(ProtocolError::InvalidUtf8))),
                "at {at} cut {cut}"
            );
            assert_eq!(events.len(), 1);
        }
    }
}
