//! `ConnectionExt::receive_whole_frames` and `frame_rest`: a host that makes its own object
//! of each whole message straight from the read must see the events `receive_data` and
//! `next_event` give, whatever the reads, and the engine's errors where it leaves a frame.

use sansocket::advanced::ConnectionExt;
use sansocket::mask::copy_masked;
use sansocket::{Config, Connection, Delivery, Error, Event, MessageKind, ProtocolError};
use sansocket_test_support::frame;

const KEY: Option<[u8; 4]> = Some([0x37, 0xfa, 0x21, 0x3d]);

/// An event as (kind, payload, fin) for data, or its debug form for the others.
#[derive(Debug, PartialEq)]
enum Seen {
    Data(MessageKind, Vec<u8>, bool),
    Other(String),
}

fn seen(event: Event) -> Seen {
    match event {
        Event::Text(text) => Seen::Data(MessageKind::Text, text.as_bytes().to_vec(), true),
        Event::Binary(data) => Seen::Data(MessageKind::Binary, data.to_vec(), true),
        Event::Chunk { kind, data, fin } => Seen::Data(kind, data.to_vec(), fin),
        other => Seen::Other(format!("{other:?}")),
    }
}

/// Everything decodable now; an error ends the list.
fn drain(conn: &mut Connection, out: &mut Vec<Seen>) {
    loop {
        match conn.next_event() {
            Ok(Some(event)) => out.push(seen(event)),
            Ok(None) => return,
            Err(error) => {
                out.push(Seen::Other(format!("{error:?}")));
                return;
            }
        }
    }
}

/// Data events joined into messages (where chunks are cut depends on the reads).
fn messages(events: Vec<Seen>) -> Vec<Seen> {
    let mut out = Vec::new();
    let mut open: Option<(MessageKind, Vec<u8>)> = None;
    for event in events {
        match event {
            Seen::Data(kind, data, fin) => {
                let (_, buf) = open.get_or_insert_with(|| (kind, Vec::new()));
                buf.extend_from_slice(&data);
                if fin {
                    let (kind, buf) = open.take().unwrap_or((kind, Vec::new()));
                    out.push(Seen::Data(kind, buf, true));
                }
            }
            other => out.push(other),
        }
    }
    out
}

fn server(delivery: Delivery, config: Config) -> Connection {
    Connection::open_server(config.delivery(delivery), None)
}

/// The plain way: `receive_data` and `next_event` after each read.
fn plain(wire: &[u8], reads: &[usize], delivery: Delivery, config: Config) -> Vec<Seen> {
    let mut conn = server(delivery, config);
    let mut out = Vec::new();
    for read in pieces(wire, reads) {
        conn.receive_data(read);
        drain(&mut conn, &mut out);
    }
    out
}

/// The direct way, as the Python binding's wsproto layer does it; text is checked by the
/// host (`std::str::from_utf8`), which leaves bad text to the engine.
fn direct(wire: &[u8], reads: &[usize], delivery: Delivery, config: Config) -> (Vec<Seen>, usize) {
    let mut conn = server(delivery, config);
    let mut out = Vec::new();
    let mut taken_frames = 0;
    for mut read in pieces(wire, reads) {
        loop {
            let taken = conn.receive_whole_frames(read, |kind, payload, mask| {
                let mut plain = vec![0u8; payload.len()];
                match mask {
                    Some(key) => copy_masked(&mut plain, payload, key, 0),
                    None => {
                        plain.copy_from_slice(payload);
                        0
                    }
                };
                if kind == MessageKind::Text && std::str::from_utf8(&plain).is_err() {
                    return false;
                }
                out.push(Seen::Data(kind, plain, true));
                taken_frames += 1;
                true
            });
            read = &read[taken..];
            let Some(rest) = conn.frame_rest().filter(|&n| n <= read.len()) else {
                break;
            };
            conn.receive_data(&read[..rest]);
            read = &read[rest..];
            match conn.next_event_batched() {
                Ok(Some(event)) => out.push(seen(event)),
                _ => break,
            }
        }
        conn.receive_data(read);
        drain(&mut conn, &mut out);
    }
    (out, taken_frames)
}

fn pieces<'a>(wire: &'a [u8], reads: &[usize]) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    let mut rest = wire;
    let mut i = 0;
    while !rest.is_empty() {
        let n = reads[i % reads.len()].clamp(1, rest.len());
        out.push(&rest[..n]);
        rest = &rest[n..];
        i += 1;
    }
    out
}

fn text(n: usize) -> Vec<u8> {
    "héllo ✓ 🙂 ".bytes().cycle().take(n).collect()
}

fn stream() -> Vec<u8> {
    let long = text(16 << 10);
    let mut wire = Vec::new();
    wire.extend(frame(true, 1, KEY, &long)); // whole characters (16 bytes a round)
    wire.extend(frame(true, 2, KEY, &[7u8; 16 << 10]));
    wire.extend(frame(true, 1, KEY, b""));
    wire.extend(frame(true, 2, KEY, &[1u8; 125]));
    wire.extend(frame(true, 9, KEY, b"ping"));
    wire.extend(frame(false, 1, KEY, &long[..1001])); // a fragmented message
    wire.extend(frame(true, 10, KEY, b"pong"));
    wire.extend(frame(true, 0, KEY, &long[1001..4000]));
    wire.extend(frame(true, 2, KEY, &[9u8; 70_000]));
    wire.extend(frame(true, 1, KEY, b"last"));
    wire
}

const READS: &[&[usize]] = &[
    &[1 << 20],
    &[1],
    &[7],
    &[125, 3000],
    &[4096],
    &[16 << 10],
    &[(16 << 10) + 9],
    &[65536],
    &[65536, 100, 20_000, 1],
];

#[test]
fn every_chunking_gives_the_events_of_the_plain_loop() {
    let wire = stream();
    for delivery in [Delivery::Messages, Delivery::Chunks] {
        let expected = messages(plain(&wire, &[1 << 20], delivery, Config::default()));
        assert_eq!(expected.len(), 9);
        for reads in READS {
            let (got, _) = direct(&wire, reads, delivery, Config::default());
            assert_eq!(messages(got), expected, "{delivery:?} reads {reads:?}");
        }
    }
}

#[test]
fn whole_frames_are_taken_and_the_rest_is_left_to_the_engine() {
    let wire = stream();
    let (_, taken) = direct(&wire, &[1 << 20], Delivery::Chunks, Config::default());
    assert_eq!(taken, 4, "the four whole frames before the ping");
    // In 64 KiB reads, the frame cut by a read is finished by the engine (`frame_rest`),
    // and the frames after it are taken again.
    for delivery in [Delivery::Chunks, Delivery::Messages] {
        let (got, taken) = direct(&wire, &[16 << 10], delivery, Config::default());
        assert!(taken >= 1, "{delivery:?}");
        assert_eq!(messages(got).len(), 9);
    }
    // 64 KiB frames in reads of 100 KiB: each read begins inside a frame, which the engine
    // finishes; the whole frame after it in the read is taken straight from it.
    let mut wire = Vec::new();
    for i in 0..20u8 {
        wire.extend(frame(true, 2, KEY, &[i; 64 << 10]));
    }
    for delivery in [Delivery::Chunks, Delivery::Messages] {
        let expected = messages(plain(&wire, &[1 << 20], delivery, Config::default()));
        let (got, taken) = direct(&wire, &[100 << 10], delivery, Config::default());
        assert_eq!(messages(got), expected, "{delivery:?}");
        assert!(taken >= 5, "{delivery:?}: {taken} frames taken");
    }
}

#[test]
fn bad_text_left_by_the_host_is_the_engines_error_wherever_the_reads_cut() {
    let mut bad = text(5000);
    bad[3000] = 0xff;
    let cut_char = text(4000)[..3998].to_vec(); // ends inside a character
    // A message in one frame big enough to be joined into its own buffer as it is read.
    let mut big_bad = text(40_000);
    big_bad[39_000] = 0xff;
    for payload in [bad, cut_char, big_bad, b"\xed\xa0\x80".to_vec()] {
        let mut wire = frame(true, 1, KEY, b"ok");
        wire.extend(frame(true, 1, KEY, &payload));
        wire.extend(frame(true, 1, KEY, b"never"));
        assert!(std::str::from_utf8(&payload).is_err());
        for delivery in [Delivery::Messages, Delivery::Chunks] {
            for reads in READS {
                let (got, _) = direct(&wire, reads, delivery, Config::default());
                let got = messages(got);
                assert_eq!(got[0], Seen::Data(MessageKind::Text, b"ok".to_vec(), true));
                let Some(Seen::Other(last)) = got.last() else {
                    panic!("{got:?}");
                };
                assert_eq!(
                    last,
                    &format!("{:?}", Error::Protocol(ProtocolError::InvalidUtf8)),
                    "{delivery:?} {reads:?}"
                );
            }
        }
    }
}

#[test]
fn limits_hold() {
    let mut wire = frame(true, 2, KEY, &[1u8; 1000]);
    wire.extend(frame(true, 2, KEY, &[2u8; 1001]));
    for config in [
        Config::default().max_message_size(1000),
        Config::default().max_frame_size(1000),
    ] {
        for reads in READS {
            let (got, _) = direct(&wire, reads, Delivery::Chunks, config.clone());
            let expected = plain(&wire, &[1 << 20], Delivery::Chunks, config.clone());
            assert_eq!(messages(got), messages(expected), "{reads:?}");
        }
    }
}

#[test]
fn nothing_is_taken_while_something_is_under_way() {
    let whole = frame(true, 1, KEY, b"whole");
    let take = |conn: &mut Connection| conn.receive_whole_frames(&whole, |_, _, _| true);
    // Bytes buffered: the next frame is not the next event.
    let mut conn = server(Delivery::Chunks, Config::default());
    conn.receive_data(&whole[..3]);
    assert_eq!(take(&mut conn), 0);
    // A fragmented message under way.
    let mut conn = server(Delivery::Chunks, Config::default());
    conn.receive_data(&frame(false, 1, KEY, b"a"));
    assert!(matches!(
        conn.next_event(),
        Ok(Some(Event::Chunk { fin: false, .. }))
    ));
    assert_eq!(conn.frame_rest(), None);
    assert_eq!(take(&mut conn), 0);
    // A protocol error not acted on yet.
    let mut conn = server(Delivery::Chunks, Config::default());
    conn.receive_data(&[0x83, 0x80, 1, 2, 3, 4]);
    assert!(conn.next_event_batched().is_err());
    assert_eq!(take(&mut conn), 0);
    // After the peer's close frame.
    let mut conn = server(Delivery::Chunks, Config::default());
    conn.receive_data(&frame(true, 8, KEY, &1000u16.to_be_bytes()));
    assert!(matches!(conn.next_event(), Ok(Some(Event::Close(_)))));
    assert_eq!(take(&mut conn), 0);
    // A client's frames must not be masked, a server's must.
    let mut conn = server(Delivery::Chunks, Config::default());
    assert_eq!(
        conn.receive_whole_frames(&frame(true, 1, None, b"x"), |_, _, _| true),
        0
    );
    assert_eq!(take(&mut conn), whole.len());
}

#[test]
fn the_rest_of_a_frame_begun_finishes_it() {
    let payload = [5u8; 3000];
    let wire = frame(true, 2, KEY, &payload);
    let mut conn = server(Delivery::Chunks, Config::default());
    conn.receive_data(&wire[..1000]);
    let Ok(Some(Event::Chunk {
        data: first,
        fin: false,
        ..
    })) = conn.next_event()
    else {
        panic!("a first piece");
    };
    let rest = conn.frame_rest().expect("a frame under way");
    assert_eq!(first.len() + rest, payload.len());
    assert_eq!(1000 + rest, wire.len());
    conn.receive_data(&wire[1000..]);
    let Ok(Some(Event::Chunk { fin: true, .. })) = conn.next_event() else {
        panic!("the last piece");
    };
    assert_eq!(conn.frame_rest(), None);
    assert_eq!(conn.receive_whole_frames(&wire, |_, _, _| true), wire.len());
}

#[test]
fn the_rest_of_a_frame_held_finishes_it() {
    let payload = [6u8; 3000];
    let wire = frame(true, 2, KEY, &payload);
    let mut conn = server(Delivery::Messages, Config::default());
    // The header alone, not yet decoded: nothing to say.
    conn.receive_data(&wire[..3]);
    assert_eq!(conn.frame_rest(), None);
    assert!(matches!(conn.next_event(), Ok(None)));
    assert_eq!(conn.frame_rest(), None, "the header is not whole yet");
    conn.receive_data(&wire[3..1000]);
    assert!(matches!(conn.next_event(), Ok(None)));
    let rest = conn.frame_rest().expect("a frame under way");
    assert_eq!(1000 + rest, wire.len());
    conn.receive_data(&wire[1000..]);
    assert_eq!(conn.frame_rest(), None, "the frame is whole");
    let Ok(Some(Event::Binary(data))) = conn.next_event() else {
        panic!("the message");
    };
    assert_eq!(&data[..], &payload[..]);
    assert_eq!(conn.frame_rest(), None);
    assert_eq!(conn.receive_whole_frames(&wire, |_, _, _| true), wire.len());
    // A fragment's frame is not finished this way, nor one after a fragment.
    let mut conn = server(Delivery::Messages, Config::default());
    let first = frame(false, 2, KEY, &payload);
    conn.receive_data(&first[..1000]);
    assert!(matches!(conn.next_event(), Ok(None)));
    assert_eq!(conn.frame_rest(), None);
    conn.receive_data(&first[1000..]);
    let last = frame(true, 0, KEY, &payload);
    conn.receive_data(&last[..1000]);
    assert!(matches!(conn.next_event(), Ok(None)));
    assert_eq!(conn.frame_rest(), None);
}
