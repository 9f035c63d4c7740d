//! What one side sends, the other receives, byte for byte: messages of every length
//! encoding, fragments, control frames and close frames, both directions, both delivery
//! modes, fed whole and in pieces.

use sansocket_test_support as support;

use sansocket::{CloseFrame, Config, Connection, Delivery, Event, MessageKind};
use support::{events, join_chunks, pair, text_of_len, transfer, transfer_in_pieces};

/// Every length-encoding boundary (RFC 6455 §5.2), and 1 MiB.
const SIZES: [usize; 9] = [0, 1, 125, 126, 127, 65535, 65536, 65537, 1 << 20];

fn config(delivery: Delivery) -> Config {
    Config::default().delivery(delivery)
}

/// Both directions of a pair: (sender, receiver) for client→server and server→client.
fn both_ways(delivery: Delivery, mut check: impl FnMut(&mut Connection, &mut Connection)) {
    let (mut server, mut client) = pair(config(delivery), config(delivery));
    check(&mut client, &mut server);
    check(&mut server, &mut client);
}

fn receive_all(from: &mut Connection, to: &mut Connection, piece: Option<usize>) -> Vec<Event> {
    match piece {
        None => {
            transfer(from, to);
            events(to)
        }
        Some(size) => {
            let outcome = transfer_in_pieces(from, to, size);
            assert_eq!(outcome.error, None);
            outcome.events
        }
    }
}

#[test]
fn text_and_binary_of_every_size() {
    for delivery in [Delivery::Messages, Delivery::Chunks] {
        for piece in [None, Some(1000)] {
            both_ways(delivery, |from, to| {
                for size in SIZES {
                    let text = text_of_len(size);
                    let data: Vec<u8> = (0..size).map(|i| (i * 31 % 251) as u8).collect();
                    from.send_text(&text).unwrap();
                    from.send_binary(&data).unwrap();
                    let got = join_chunks(receive_all(from, to, piece));
                    assert_eq!(
                        got,
                        [
                            Event::Text(text.as_str().into()),
                            Event::Binary(data.into())
                        ],
                        "{size} bytes, {delivery:?}, pieces {piece:?}"
                    );
                }
            });
        }
    }
}

#[test]
fn fragments_of_every_size_with_pings_between() {
    for delivery in [Delivery::Messages, Delivery::Chunks] {
        both_ways(delivery, |from, to| {
            let text = text_of_len(70_000);
            let bytes = text.as_bytes();
            // Cuts that fall inside characters, and empty fragments.
            let cuts = [0, 0, 1, 126, 127, 65_536, 65_536, 69_999, 70_000];
            for (i, w) in cuts.windows(2).enumerate() {
                from.send_fragment(MessageKind::Text, &bytes[w[0]..w[1]], false)
                    .unwrap();
                from.ping(&[i as u8]).unwrap();
            }
            from.send_fragment(MessageKind::Text, b"", true).unwrap();
            let got = join_chunks(receive_all(from, to, Some(4096)));
            let mut want: Vec<Event> = (0..cuts.len() - 1)
                .map(|i| Event::Ping(vec![i as u8].into()))
                .collect();
            want.push(Event::Text(text.as_str().into()));
            assert_eq!(got, want, "{delivery:?}");
            // The pongs went back.
            let pongs = receive_all(to, from, None);
            assert_eq!(pongs.len(), cuts.len() - 1);
            assert!(pongs.iter().all(|e| matches!(e, Event::Pong(_))));
        });
    }
}

#[test]
fn binary_fragments_one_per_frame_in_chunks_mode() {
    both_ways(Delivery::Chunks, |from, to| {
        from.send_fragment(MessageKind::Binary, b"ab", false)
            .unwrap();
        from.send_fragment(MessageKind::Binary, b"cd", true)
            .unwrap();
        let got = receive_all(from, to, None);
        assert_eq!(
            got,
            [
                Event::Chunk {
                    kind: MessageKind::Binary,
                    data: b"ab"[..].into(),
                    fin: false
                },
                Event::Chunk {
                    kind: MessageKind::Binary,
                    data: b"cd"[..].into(),
                    fin: true
                },
            ]
        );
    });
}

#[test]
fn control_payloads_of_every_size() {
    both_ways(Delivery::Messages, |from, to| {
        for size in [0, 1, 124, 125] {
            let payload: Vec<u8> = (0..size as u8).collect();
            from.ping(&payload).unwrap();
            from.pong(&payload).unwrap();
            assert_eq!(
                receive_all(from, to, Some(3)),
                [
                    Event::Ping(payload.clone().into()),
                    Event::Pong(payload.clone().into())
                ]
            );
            // The automatic pong echoes the payload.
            assert_eq!(receive_all(to, from, None), [Event::Pong(payload.into())]);
        }
    });
}

#[test]
fn close_codes_and_reasons_both_ways() {
    for (code, reason) in [
        (1000, ""),
        (1001, "going away"),
        (1011, "ünïcödé 𝄞"),
        (3000, ""),
        (4999, "r".repeat(123).as_str()),
    ]
    .map(|(c, r)| (c, r.to_owned()))
    {
        for client_closes in [true, false] {
            let (mut server, mut client) = pair(Config::default(), Config::default());
            let (closer, peer) = if client_closes {
                (&mut client, &mut server)
            } else {
                (&mut server, &mut client)
            };
            closer.close(code, &reason).unwrap();
            let want = CloseFrame {
                code,
                reason: reason.clone(),
            };
            assert_eq!(receive_all(closer, peer, None), [Event::Close(want)]);
            // The echo carries the code (§5.5.1).
            let echo = receive_all(peer, closer, None);
            assert_eq!(
                echo,
                [Event::Close(CloseFrame {
                    code,
                    reason: String::new()
                })]
            );
        }
    }
}

#[test]
fn close_without_status() {
    let (mut server, mut client) = pair(Config::default(), Config::default());
    client.close(1005, "").unwrap();
    let got = receive_all(&mut client, &mut server, None);
    assert_eq!(
        got,
        [Event::Close(CloseFrame {
            code: 1005,
            reason: String::new()
        })]
    );
    assert_eq!(&server.data_to_send()[..], b"\x88\x00");
}

#[test]
fn many_small_messages_in_one_read() {
    both_ways(Delivery::Messages, |from, to| {
        for i in 0..1000u32 {
            from.send_binary(&i.to_be_bytes()).unwrap();
        }
        let got = receive_all(from, to, None);
        let want: Vec<Event> = (0..1000u32)
            .map(|i| Event::Binary(i.to_be_bytes().to_vec().into()))
            .collect();
        assert_eq!(got, want);
    });
}

/// A server's big frame is placed in the outbox where its copy is fastest, which depends
/// on where the payload is: every distance between the two modulo 4 KiB gives the same bytes.
#[test]
fn server_frames_are_exact_wherever_the_payload_lies() {
    let big: Vec<u8> = (0..(80 << 10) + 8192).map(|i| (i * 31 + 7) as u8).collect();
    let mut conn = Connection::open_server(Config::default(), None);
    for len in [4095, 4096, 5000, 16 << 10, 70_000] {
        for off in (0..4096).step_by(37) {
            let payload = &big[off..off + len];
            conn.send_binary(payload).unwrap();
            let out = conn.data_to_send();
            let head: &[u8] = if len < 65536 {
                &[0x82, 126, (len >> 8) as u8, len as u8]
            } else {
                &[
                    0x82,
                    127,
                    0,
                    0,
                    0,
                    0,
                    0,
                    (len >> 16) as u8,
                    (len >> 8) as u8,
                    len as u8,
                ]
            };
            assert_eq!(&out[..head.len()], head, "len {len} off {off}");
            assert_eq!(&out[head.len()..], payload, "len {len} off {off}");
        }
    }
}
