//! The zero-copy input path (`take_read_buffer`/`give_read_buffer`): the room it offers,
//! its usage errors, and that it treats bytes as `receive_data` does in every state. (That
//! it gives the same events for any reads is checked with the other paths: `chunking.rs`,
//! `receive_paths.rs`, `vectors.rs`.)

use sansocket_test_support as support;

use sansocket::advanced::ConnectionExt;
use sansocket::frame::OpCode;
use sansocket::{Config, Connection, Error, Event, ProtocolError, UsageError};
use support::{SAMPLE_REQUEST, drain, events, masked_frame, read_into};

fn room(buf: &bytes::BytesMut) -> usize {
    buf.capacity() - buf.len()
}

/// Reads all of `wire` into `conn`'s buffer, each read filling the room offered, and calls
/// `after` after each; returns the rooms offered, read by read.
fn read_filling_rooms(
    conn: &mut Connection,
    wire: &[u8],
    mut after: impl FnMut(&mut Connection),
) -> Vec<usize> {
    let mut rooms = Vec::new();
    let mut at = 0;
    while at < wire.len() {
        let mut buf = conn.take_read_buffer();
        rooms.push(room(&buf));
        let n = room(&buf).min(wire.len() - at);
        buf.extend_from_slice(&wire[at..at + n]);
        at += n;
        conn.give_read_buffer(buf).unwrap();
        after(conn);
    }
    rooms
}

#[test]
fn giving_back_what_was_not_taken_or_less_is_a_usage_error() {
    let mut conn = Connection::open_server(Config::default(), None);
    let frame = masked_frame(OpCode::Text, true, b"hello", [1, 2, 3, 4]);
    assert_eq!(
        conn.give_read_buffer(bytes::BytesMut::from(&frame[..])),
        Err(UsageError::ReadBufferNotTaken)
    );
    // Three bytes of a frame stay buffered: the buffer handed out holds them.
    conn.receive_data(&frame[..3]);
    assert!(conn.next_event().unwrap().is_none());
    let mut buf = conn.take_read_buffer();
    assert_eq!(&buf[..], &frame[..3]);
    // A second one while the first is out is empty, and is refused (shorter).
    let second = conn.take_read_buffer();
    assert!(second.is_empty());
    assert_eq!(
        conn.give_read_buffer(second),
        Err(UsageError::ReadBufferShrunk { taken: 3, given: 0 })
    );
    // Meanwhile nothing is decoded: the bytes are out.
    assert!(conn.next_event().unwrap().is_none());
    // Bytes passed to `receive_data` meanwhile come after the buffer's.
    conn.receive_data(&frame);
    buf.extend_from_slice(&frame[3..]);
    let shorter = bytes::BytesMut::from(&buf[..2]);
    assert_eq!(
        conn.give_read_buffer(shorter),
        Err(UsageError::ReadBufferShrunk { taken: 3, given: 2 })
    );
    assert_eq!(
        UsageError::ReadBufferShrunk { taken: 3, given: 2 }.name(),
        "read-buffer-shrunk"
    );
    conn.give_read_buffer(buf).unwrap();
    let got = events(&mut conn);
    assert_eq!(got.len(), 2);
    assert!(
        got.iter()
            .all(|e| matches!(e, Event::Text(t) if t.as_str() == "hello"))
    );
    assert_eq!(
        conn.give_read_buffer(bytes::BytesMut::new()),
        Err(UsageError::ReadBufferNotTaken)
    );
}

#[test]
fn the_room_follows_the_frames_and_never_the_announced_length_alone() {
    let mut conn = Connection::open_server(Config::default(), None);
    // Between frames at first: a small read.
    let buf = conn.take_read_buffer();
    let first = room(&buf);
    assert!((1..=32 << 10).contains(&first), "{first}");
    conn.give_read_buffer(buf).unwrap();

    // A 14-byte header announcing 16 MiB (within the limit): the room and the buffer stay
    // small, whatever it announces.
    let mut header = vec![0x82, 0xff, 0, 0, 0, 0, 0x01, 0, 0, 0, 1, 2, 3, 4];
    header.extend_from_slice(&[0; 100]);
    let outcome = read_into(&mut conn, &header, usize::MAX);
    assert_eq!(outcome, Default::default());
    let buf = conn.take_read_buffer();
    assert!(room(&buf) <= 64 << 10, "room {}", room(&buf));
    assert!(buf.capacity() <= 1 << 20, "capacity {}", buf.capacity());
    conn.give_read_buffer(buf).unwrap();

    // 16 KiB frames: the rest of a frame once its start arrived, then one frame per read.
    let mut conn = Connection::open_server(Config::default(), None);
    let payload = vec![7; 16 << 10];
    let wire: Vec<u8> = (0..4u8)
        .flat_map(|i| masked_frame(OpCode::Binary, true, &payload, [i, 1, 2, 3]))
        .collect();
    let frame_len = wire.len() / 4;
    let rooms = read_filling_rooms(&mut conn, &wire, |conn| {
        for event in events(conn) {
            assert!(matches!(event, Event::Binary(b) if b == payload));
        }
    });
    assert_eq!(
        rooms[1],
        frame_len - rooms[0],
        "the rest of the first frame"
    );
    assert!(rooms[2..].iter().all(|&r| r == frame_len), "{rooms:?}");
    // Every room is within the limits of its kind.
    assert!(rooms.iter().all(|&r| r > 0 && r <= 64 << 10));
}

#[test]
fn small_frames_get_bigger_reads_while_reads_fill_the_room() {
    let mut conn = Connection::open_server(Config::default(), None);
    let frame = masked_frame(OpCode::Binary, true, &[5; 100], [9, 9, 9, 9]);
    let wire: Vec<u8> = frame
        .iter()
        .copied()
        .cycle()
        .take(frame.len() * 2000)
        .collect();
    let rooms = read_filling_rooms(&mut conn, &wire, |conn| {
        drain(conn);
    });
    assert!(rooms.windows(2).all(|w| w[1] >= w[0]), "{rooms:?}");
    assert_eq!(*rooms.last().unwrap(), 16 << 10, "{rooms:?}");
    // Small reads (an idle connection's) shrink it again.
    for _ in 0..8 {
        read_into(&mut conn, &frame, usize::MAX);
    }
    let buf = conn.take_read_buffer();
    assert_eq!(room(&buf), 4 << 10);
    conn.give_read_buffer(buf).unwrap();
}

#[test]
fn before_the_handshake_and_after_a_close_bytes_are_treated_as_receive_data_would() {
    // The request and an eager client's frame in one read, then more early data than
    // `max_handshake_size` allows.
    let config = Config::default().max_handshake_size(1024);
    let mut input = SAMPLE_REQUEST.to_vec();
    input.extend(masked_frame(OpCode::Text, true, b"early", [1, 2, 3, 4]));
    let mut via_buffer = Connection::server(config.clone());
    let mut via_data = Connection::server(config);
    let got = read_into(&mut via_buffer, &input, usize::MAX);
    via_data.receive_data(&input);
    assert_eq!(got, drain(&mut via_data));
    assert!(matches!(got.events[..], [Event::Request(_)]));
    let flood = vec![0x82; 2000];
    read_into(&mut via_buffer, &flood, 300);
    via_data.receive_data(&flood);
    for conn in [&mut via_buffer, &mut via_data] {
        conn.accept(sansocket::Accept::new()).unwrap();
        let _ = conn.data_to_send(); // not checked here
    }
    let (a, b) = (drain(&mut via_buffer), drain(&mut via_data));
    assert_eq!(a, b);
    assert!(matches!(&a.events[0], Event::Text(t) if t.as_str() == "early"));
    // (the flood's first bytes are valid frames: 0x82 0x82 is a masked 2-byte binary frame)
    assert!(a.events[1..].iter().all(|e| matches!(e, Event::Binary(_))));
    assert_eq!(
        a.error,
        Some(Error::Protocol(ProtocolError::EarlyDataTooLarge))
    );
    assert_eq!(via_buffer.data_to_send(), via_data.data_to_send());

    // After the peer's close frame, further bytes are dropped.
    let mut conn = Connection::open_server(Config::default(), None);
    let mut wire = masked_frame(OpCode::Close, true, &[0x03, 0xe8], [4, 4, 4, 4]);
    wire.extend(masked_frame(OpCode::Text, true, b"late", [4, 4, 4, 4]));
    let mut twin = Connection::open_server(Config::default(), None);
    let got = read_into(&mut conn, &wire, usize::MAX);
    twin.receive_data(&wire);
    assert_eq!(got, drain(&mut twin));
    assert!(matches!(&got.events[..], [Event::Close(_)]), "{got:?}");
    let held = conn.buffered_input();
    assert_eq!(held, twin.buffered_input());
    assert_eq!(
        read_into(&mut conn, b"more", usize::MAX),
        Default::default()
    );
    assert_eq!(conn.buffered_input(), held, "dropped");
    assert_eq!(conn.data_to_send(), twin.data_to_send());
}
