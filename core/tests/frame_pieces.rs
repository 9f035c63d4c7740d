//! `ConnectionExt::receive_frame_piece`: a host that takes a straddling binary frame's
//! payload piece by piece, straight from its reads, must see the messages `receive_data`
//! and `next_event` give, whatever the reads, and the engine's errors and limits.

use sansocket::advanced::ConnectionExt;
use sansocket::mask::copy_masked;
use sansocket::{
    Config, Connection, Delivery, Error, Event, MessageKind, ProtocolError, SeededEntropy,
};
use sansocket_test_support::frame;

const KEY: Option<[u8; 4]> = Some([0x37, 0xfa, 0x21, 0x3d]);

/// An event as (kind, payload) for a message, or its debug form for the others.
#[derive(Debug, PartialEq)]
enum Seen {
    Data(MessageKind, Vec<u8>),
    Other(String),
}

fn drain(conn: &mut Connection, open: &mut Option<(MessageKind, Vec<u8>)>, out: &mut Vec<Seen>) {
    loop {
        match conn.next_event() {
            Ok(Some(Event::Text(text))) => {
                out.push(Seen::Data(MessageKind::Text, text.as_bytes().to_vec()));
            }
            Ok(Some(Event::Binary(data))) => {
                out.push(Seen::Data(MessageKind::Binary, data.to_vec()))
            }
            Ok(Some(Event::Chunk { kind, data, fin })) => {
                let (_, buf) = open.get_or_insert_with(|| (kind, Vec::new()));
                buf.extend_from_slice(&data);
                if fin {
                    let (kind, buf) = open.take().unwrap_or((kind, Vec::new()));
                    out.push(Seen::Data(kind, buf));
                }
            }
            Ok(Some(other)) => out.push(Seen::Other(format!("{other:?}"))),
            Ok(None) => return,
            Err(error) => {
                out.push(Seen::Other(format!("{error:?}")));
                return;
            }
        }
    }
}

fn reads<'a>(wire: &'a [u8], sizes: &[usize]) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    let mut rest = wire;
    let mut i = 0;
    while !rest.is_empty() {
        let n = sizes[i % sizes.len()].clamp(1, rest.len());
        out.push(&rest[..n]);
        rest = &rest[n..];
        i += 1;
    }
    out
}

/// The plain loop.
fn plain(mut conn: Connection, reads: &[&[u8]]) -> (Vec<Seen>, Vec<u8>) {
    let mut out = Vec::new();
    let mut open = None;
    for read in reads {
        conn.receive_data(read);
        drain(&mut conn, &mut open, &mut out);
    }
    (out, conn.data_to_send().to_vec())
}

/// Whole frames, then a straddling frame's pieces (unmasked into the host's message as
/// they come), then the engine, read by read. Returns the messages and output, and how
/// many frames went through pieces.
fn pieced(mut conn: Connection, reads: &[&[u8]]) -> (Vec<Seen>, Vec<u8>, usize) {
    let mut out = Vec::new();
    let mut open = None;
    let mut message: Option<Vec<u8>> = None;
    let mut framed = 0;
    for read in reads {
        let mut read: &[u8] = read;
        loop {
            let taken = conn.receive_whole_frames(read, |kind, payload, mask| {
                let mut plain = payload.to_vec();
                if let Some(key) = mask {
                    copy_masked(&mut plain, payload, key, 0);
                }
                if kind == MessageKind::Text && std::str::from_utf8(&plain).is_err() {
                    return false;
                }
                out.push(Seen::Data(kind, plain));
                true
            });
            read = &read[taken..];
            let Some(piece) = conn.receive_frame_piece(read) else {
                break;
            };
            assert_eq!(piece.kind, MessageKind::Binary);
            assert_eq!(piece.is_first(), message.is_none());
            let buf = message.get_or_insert_with(|| vec![0xee; piece.len]);
            assert_eq!(buf.len(), piece.len);
            let to = &mut buf[piece.offset..piece.offset + piece.payload.len()];
            match piece.mask {
                Some(key) => {
                    copy_masked(to, piece.payload, key, piece.offset % 4);
                }
                None => to.copy_from_slice(piece.payload),
            }
            assert!(piece.taken <= read.len());
            read = &read[piece.taken..];
            if piece.is_last() {
                out.push(Seen::Data(MessageKind::Binary, message.take().unwrap()));
                framed += 1;
            } else {
                assert!(
                    read.is_empty(),
                    "a piece that does not finish its frame takes the read"
                );
                break;
            }
        }
        conn.receive_data(read);
        drain(&mut conn, &mut open, &mut out);
    }
    (out, conn.data_to_send().to_vec(), framed)
}

fn server(delivery: Delivery, config: Config) -> Connection {
    Connection::open_server(config.delivery(delivery), None)
}

fn client(delivery: Delivery) -> Connection {
    Connection::open_client(
        Config::default().delivery(delivery),
        None,
        SeededEntropy::new(3),
    )
}

fn bytes(n: usize, seed: u8) -> Vec<u8> {
    (0..n)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

fn check(wire: &[u8], sizes: &[usize], make: &dyn Fn() -> Connection) -> usize {
    let expected = plain(make(), &[wire]);
    let (got, output, framed) = pieced(make(), &reads(wire, sizes));
    assert_eq!(got, expected.0, "reads {sizes:?}");
    assert_eq!(output, expected.1, "reads {sizes:?}");
    framed
}

#[test]
fn every_split_gives_the_messages_of_the_plain_loop() {
    // Two binary frames back to back (lengths of each header form), text, a ping.
    let mut wire = frame(true, 2, KEY, &bytes(130, 1));
    wire.extend(frame(true, 2, KEY, &bytes(37, 2)));
    wire.extend(frame(true, 1, KEY, "héllo wörld".as_bytes()));
    wire.extend(frame(true, 9, KEY, b"ping"));
    wire.extend(frame(true, 2, KEY, &bytes(300, 3)));
    for delivery in [Delivery::Messages, Delivery::Chunks] {
        let make = || server(delivery, Config::default());
        // Every read size, and every split of the stream in two (a frame ending exactly at
        // the read's end, and every key phase, among them).
        let mut framed = 0;
        for size in 1..=wire.len() {
            framed += check(&wire, &[size], &make);
        }
        for at in 1..wire.len() {
            framed += check(&wire, &[at, wire.len()], &make);
        }
        assert!(framed > wire.len() / 2, "{framed} frames in pieces");
    }
}

#[test]
fn big_messages_in_every_read_size() {
    let mut wire = Vec::new();
    for (i, len) in [16 << 10, 64 << 10, 1 << 20, 16 << 10, 70_000]
        .into_iter()
        .enumerate()
    {
        wire.extend(frame(true, 2, KEY, &bytes(len, i as u8)));
    }
    for delivery in [Delivery::Messages, Delivery::Chunks] {
        let make = || server(delivery, Config::default());
        for sizes in [
            &[4096][..],
            &[65536],
            &[65535],
            &[(16 << 10) + 9],
            &[65536, 100, 20_000, 1, 3],
        ] {
            // (A read that cuts a header leaves that frame to the engine, and so does one
            // of more than 64 KiB until 1/16 of it is in the read: the 1 MiB frame here.)
            let framed = check(&wire, sizes, &make);
            assert!(
                framed >= 1 || sizes == [(16 << 10) + 9],
                "{sizes:?}: {framed}"
            );
        }
    }
}

#[test]
fn a_client_takes_unmasked_frames() {
    let mut wire = frame(true, 2, None, &bytes(5000, 9));
    wire.extend(frame(true, 2, None, &bytes(3, 8)));
    for delivery in [Delivery::Messages, Delivery::Chunks] {
        for size in [1, 2, 3, 5, 1000, 4999] {
            let framed = check(&wire, &[size], &|| client(delivery));
            assert!(framed >= 1 || size < 5, "{size}: {framed}");
        }
    }
}

#[test]
fn text_and_other_frames_are_not_taken() {
    let mut conn = server(Delivery::Messages, Config::default());
    let text = frame(true, 1, KEY, &[b'a'; 300]);
    assert!(conn.receive_frame_piece(&text[..100]).is_none());
    let fragment = frame(false, 2, KEY, &[1; 300]);
    assert!(conn.receive_frame_piece(&fragment[..100]).is_none());
    let unmasked = frame(true, 2, None, &[1; 300]);
    assert!(conn.receive_frame_piece(&unmasked[..100]).is_none());
    let whole = frame(true, 2, KEY, &[1; 30]);
    assert!(
        conn.receive_frame_piece(&whole).is_none(),
        "whole frames go whole"
    );
    // A header not all there yet.
    let big = frame(true, 2, KEY, &[1; 300]);
    assert!(conn.receive_frame_piece(&big[..5]).is_none());
    // Bytes buffered in the engine: the next frame is not the next event.
    conn.receive_data(&big[..5]);
    assert!(conn.receive_frame_piece(&big[5..100]).is_none());
    // Before the handshake.
    let mut conn = Connection::server(Config::default());
    assert!(conn.receive_frame_piece(&big[..100]).is_none());
}

#[test]
fn limits_are_checked_on_the_header() {
    let mut wire = frame(true, 2, KEY, &[1u8; 1000]);
    wire.extend(frame(true, 2, KEY, &[2u8; 1001]));
    wire.extend(frame(true, 2, KEY, &[3u8; 10]));
    for config in [
        Config::default().max_message_size(1000),
        Config::default().max_frame_size(1000),
    ] {
        for delivery in [Delivery::Messages, Delivery::Chunks] {
            let make = || server(delivery, config.clone());
            for size in [1, 7, 500, 1003, 1100, 4000] {
                check(&wire, &[size], &make);
            }
            let (got, _, _) = pieced(make(), &reads(&wire, &[500]));
            assert_eq!(got.len(), 2, "{got:?}");
            assert!(
                matches!(&got[1], Seen::Other(e) if e.contains("TooLarge")),
                "{got:?}"
            );
        }
    }
}

#[test]
fn a_close_right_after_is_answered() {
    let mut wire = frame(true, 2, KEY, &bytes(2000, 4));
    wire.extend(frame(true, 8, KEY, &1000u16.to_be_bytes()));
    wire.extend(frame(true, 2, KEY, &bytes(2000, 5)));
    for delivery in [Delivery::Messages, Delivery::Chunks] {
        let make = || server(delivery, Config::default());
        for size in [100, 1000, 2003, 2004, 2010, 3000] {
            let framed = check(&wire, &[size], &make);
            assert!(framed >= usize::from(size < 2008), "{size}: {framed}");
        }
    }
}

#[test]
fn bytes_given_to_receive_data_meanwhile_come_after_the_frame() {
    let wire = frame(true, 2, KEY, &bytes(3000, 6));
    let after = frame(true, 2, KEY, b"after");
    let mut conn = server(Delivery::Messages, Config::default());
    let first = conn
        .receive_frame_piece(&wire[..1000])
        .expect("a first piece");
    assert_eq!((first.offset, first.len, first.taken), (0, 3000, 1000));
    conn.receive_data(&after);
    assert!(
        conn.take_read_buffer().is_empty(),
        "no buffer while a frame is with the host"
    );
    assert!(matches!(conn.next_event(), Ok(None)));
    let last = conn
        .receive_frame_piece(&wire[1000..])
        .expect("the last piece");
    assert!(last.is_last());
    assert_eq!(last.offset, 1000 - 8);
    let Ok(Some(Event::Binary(data))) = conn.next_event() else {
        panic!("the message kept meanwhile");
    };
    assert_eq!(&data[..], b"after");
    assert!(
        conn.receive_frame_piece(&wire[..10]).is_some(),
        "idle again"
    );
}

#[test]
fn eof_inside_a_frame_with_the_host_is_an_abnormal_closure() {
    let wire = frame(true, 2, KEY, &bytes(3000, 7));
    let mut conn = server(Delivery::Messages, Config::default());
    let _ = conn
        .receive_frame_piece(&wire[..1000])
        .expect("a first piece");
    conn.receive_eof();
    assert!(matches!(
        conn.next_event(),
        Err(Error::Protocol(ProtocolError::AbnormalClosure))
    ));
}

#[test]
fn a_frame_is_taken_only_when_its_read_holds_a_16th_of_it() {
    // The host makes the message's object with the first piece: no bigger than the room the
    // engine would give the frame by then (16 times what arrived, at least 64 KiB).
    let wire = frame(true, 2, KEY, &bytes(1 << 20, 9));
    let header = 14;
    let sixteenth = (1 << 20) / 16;
    let mut conn = server(Delivery::Messages, Config::default());
    assert!(conn.receive_frame_piece(&wire[..header]).is_none());
    assert!(
        conn.receive_frame_piece(&wire[..header + sixteenth - 1])
            .is_none()
    );
    let piece = conn
        .receive_frame_piece(&wire[..header + sixteenth])
        .expect("a 16th of the frame is in the read");
    assert_eq!((piece.len, piece.payload.len()), (1 << 20, sixteenth));
    // A header alone announcing 16 MiB is not taken; the engine's path has it.
    let big = frame(true, 2, KEY, &bytes(16 << 20, 1));
    let mut conn = server(Delivery::Messages, Config::default());
    assert!(conn.receive_frame_piece(&big[..header]).is_none());
    // Up to 64 KiB, the header alone is enough.
    let small = frame(true, 2, KEY, &bytes(64 << 10, 2));
    let piece = server(Delivery::Messages, Config::default())
        .receive_frame_piece(&small[..header])
        .map(|p| p.len);
    assert_eq!(piece, Some(64 << 10));
    for sizes in [
        &[header + sixteenth - 1][..],
        &[header + sixteenth],
        &[4096],
    ] {
        check(&wire, sizes, &|| {
            server(Delivery::Messages, Config::default())
        });
    }
}
