//! Shared payloads on the sending side (`send_binary_shared`, `send_text_shared`) and the
//! drains that go with them (`data_to_send_vectored`, `data_to_send_into`): the same wire
//! bytes as the copying calls, in both roles (a client's shared payload masked at drain
//! time), with every way of draining and mixes of them.

use sansocket_test_support as support;

use bytes::Bytes;
use sansocket::advanced::ConnectionExt;
#[cfg(feature = "deflate")]
use sansocket::deflate::DeflateConfig;
use sansocket::{Config, Connection, Event, MessageKind, UsageError, Utf8Bytes};
use support::{drain, events, pair, text_of_len};

/// Sizes around the sharing threshold (4 KiB) and the 16-bit/64-bit length forms.
const SIZES: [usize; 9] = [0, 1, 125, 4095, 4096, 4097, 65_535, 65_536, 1 << 20];

fn blob(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31) ^ seed)
        .collect()
}

/// One step of a script, applied to a connection that copies (`shared == false`) or
/// shares its payloads.
#[derive(Clone, Debug)]
enum Step {
    Binary(Vec<u8>),
    Text(String),
    Ping(Vec<u8>),
    Fragment(MessageKind, Vec<u8>, bool),
    Close(u16),
}

fn apply(conn: &mut Connection, step: &Step, shared: bool) -> Result<(), UsageError> {
    match step {
        Step::Binary(data) if shared => conn.send_binary_shared(Bytes::from(data.clone())),
        Step::Binary(data) => conn.send_binary(data),
        Step::Text(text) if shared => conn.send_text_shared(Utf8Bytes::from(text.clone())),
        Step::Text(text) => conn.send_text(text),
        Step::Ping(payload) => conn.ping(payload),
        Step::Fragment(kind, data, fin) => conn.send_fragment(*kind, data, *fin),
        Step::Close(code) => conn.close(*code, ""),
    }
}

fn script() -> Vec<Step> {
    let mut steps = Vec::new();
    for (i, &len) in SIZES.iter().enumerate() {
        steps.push(Step::Binary(blob(len, i as u8)));
        steps.push(Step::Text(text_of_len(len)));
        if i % 3 == 0 {
            steps.push(Step::Ping(vec![i as u8; 5]));
        }
    }
    // Two shared payloads back to back, a fragmented message between shared ones.
    steps.push(Step::Binary(blob(10_000, 7)));
    steps.push(Step::Binary(blob(20_000, 8)));
    steps.push(Step::Fragment(MessageKind::Binary, blob(5000, 9), false));
    steps.push(Step::Ping(b"in between".to_vec()));
    steps.push(Step::Fragment(MessageKind::Binary, blob(6000, 10), true));
    steps.push(Step::Text(text_of_len(9000)));
    steps.push(Step::Close(1000));
    steps
}

/// How the outbox is drained.
#[derive(Clone, Copy, Debug)]
enum Drain {
    Whole,
    Vectored,
    Into(usize),
}

/// Drains everything queued; also checks `buffered_amount` along the way.
fn drain_out(conn: &mut Connection, how: Drain) -> Vec<u8> {
    let total = conn.buffered_amount();
    let mut out = Vec::new();
    match how {
        Drain::Whole => out.extend_from_slice(&conn.data_to_send()),
        Drain::Vectored => {
            for piece in conn.data_to_send_vectored() {
                out.extend_from_slice(&piece);
            }
        }
        Drain::Into(size) => {
            let mut buf = vec![0u8; size];
            loop {
                let before = conn.buffered_amount();
                let n = conn.data_to_send_into(&mut buf[..]);
                assert_eq!(n, before.min(size));
                assert_eq!(conn.buffered_amount(), before - n);
                if n == 0 {
                    break;
                }
                out.extend_from_slice(&buf[..n]);
            }
        }
    }
    assert_eq!(out.len(), total);
    assert_eq!(conn.buffered_amount(), 0);
    assert!(conn.data_to_send().is_empty());
    out
}

/// Runs `steps` on two identical pairs, one copying and one sharing, draining the sharing
/// one with `how` every `every` steps; the wire bytes must be the same, and the peer must
/// decode them.
fn same_wire(client: bool, config: Config, steps: &[Step], how: Drain, every: usize) {
    let (mut s1, mut c1) = pair(config.clone(), config.clone());
    let (mut s2, mut c2) = pair(config.clone(), config);
    let (copying, sharing) = if client {
        (&mut c1, &mut c2)
    } else {
        (&mut s1, &mut s2)
    };
    let mut want = Vec::new();
    let mut got = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        assert_eq!(
            apply(copying, step, false),
            apply(sharing, step, true),
            "{step:?}"
        );
        assert_eq!(
            copying.buffered_amount() + got.len(),
            sharing.buffered_amount() + want.len()
        );
        if i % every == every - 1 {
            want.extend_from_slice(&copying.data_to_send());
            got.extend(drain_out(sharing, how));
            assert_eq!(got, want, "after step {i} ({how:?}, client {client})");
        }
    }
    want.extend_from_slice(&copying.data_to_send());
    got.extend(drain_out(sharing, how));
    assert_eq!(got.len(), want.len());
    assert!(got == want, "{how:?}, client {client}");
    // The peer decodes it all.
    let peer = if client { &mut s2 } else { &mut c2 };
    peer.receive_data(&got);
    let outcome = drain(peer);
    assert_eq!(outcome.error, None);
    assert!(matches!(outcome.events.last(), Some(Event::Close(c)) if c.code == 1000));
}

#[test]
fn shared_payloads_make_the_same_wire_bytes_with_every_drain() {
    let steps = script();
    for client in [false, true] {
        for how in [
            Drain::Whole,
            Drain::Vectored,
            Drain::Into(1),
            Drain::Into(7),
            Drain::Into(4096),
            Drain::Into(1 << 20),
        ] {
            for every in [1, 3, steps.len()] {
                if matches!(how, Drain::Into(1) | Drain::Into(7)) && every != steps.len() {
                    continue; // byte-sized drains of 1 MiB: once is enough
                }
                same_wire(client, Config::default(), &steps, how, every);
            }
        }
    }
}

#[test]
fn a_partial_drain_then_another_kind_of_drain() {
    for client in [false, true] {
        let (mut server, mut client_conn) = pair(Config::default(), Config::default());
        let (mut s2, mut c2) = pair(Config::default(), Config::default());
        let (conn, copy) = if client {
            (&mut client_conn, &mut c2)
        } else {
            (&mut server, &mut s2)
        };
        let data = blob(100_003, 3);
        conn.send_binary_shared(Bytes::from(data.clone())).unwrap();
        conn.ping(b"p").unwrap();
        conn.send_binary_shared(Bytes::from(data.clone())).unwrap();
        copy.send_binary(&data).unwrap();
        copy.ping(b"p").unwrap();
        copy.send_binary(&data).unwrap();
        let want = copy.data_to_send();
        // 3 bytes (a header's part), then 50 001 (odd: the mask phase moves), then the rest
        // with each other drain.
        for rest in [Drain::Whole, Drain::Vectored, Drain::Into(4096)] {
            let (mut s3, mut c3) = pair(Config::default(), Config::default());
            let conn = if client { &mut c3 } else { &mut s3 };
            conn.send_binary_shared(Bytes::from(data.clone())).unwrap();
            conn.ping(b"p").unwrap();
            conn.send_binary_shared(Bytes::from(data.clone())).unwrap();
            let mut got = vec![0u8; 3];
            assert_eq!(conn.data_to_send_into(&mut got[..]), 3);
            let mut more = vec![0u8; 50_001];
            assert_eq!(conn.data_to_send_into(&mut more[..]), 50_001);
            got.extend_from_slice(&more);
            got.extend(drain_out(conn, rest));
            assert!(got == want[..], "{rest:?} client {client}");
        }
    }
}

#[test]
fn a_server_gets_its_shared_payloads_back_without_a_copy() {
    let (mut server, mut client) = pair(Config::default(), Config::default());
    let payload = Bytes::from(blob(1 << 20, 1));
    server.send_binary_shared(payload.clone()).unwrap();
    server
        .send_text_shared(Utf8Bytes::from(text_of_len(5000)))
        .unwrap();
    let pieces = server.data_to_send_vectored();
    assert_eq!(pieces.len(), 4, "header, payload, header, payload");
    assert_eq!(pieces[1].as_ptr(), payload.as_ptr());
    assert_eq!(pieces[1].len(), payload.len());
    for piece in &pieces {
        client.receive_data(piece);
    }
    let got = events(&mut client);
    assert!(matches!(&got[0], Event::Binary(b) if b == &payload));
    assert!(matches!(&got[1], Event::Text(t) if t.as_str() == text_of_len(5000)));

    // The header drained into the host's buffer first: the payload still comes back as
    // it was given, then the frames behind it.
    server.send_binary_shared(payload.clone()).unwrap();
    server.ping(b"p").unwrap();
    let mut head = [0u8; 10];
    assert_eq!(server.data_to_send_into(&mut head[..]), 10);
    let rest = server.data_to_send_vectored();
    assert_eq!(rest.len(), 2, "payload, ping");
    assert_eq!(rest[0].as_ptr(), payload.as_ptr());
    assert_eq!(rest[0].len(), payload.len());
    assert_eq!(&rest[1][..], b"\x89\x01p");
    assert_eq!(server.buffered_amount(), 0);
}

#[test]
fn a_client_never_hands_out_its_payload_unmasked() {
    let (mut server, mut client) = pair(Config::default(), Config::default());
    let payload = Bytes::from(blob(70_000, 2));
    client.send_binary_shared(payload.clone()).unwrap();
    let pieces = client.data_to_send_vectored();
    assert!(pieces.iter().all(|p| p.as_ptr() != payload.as_ptr()));
    let wire: Vec<u8> = pieces.concat();
    assert_eq!(wire.len(), 14 + payload.len());
    assert_ne!(&wire[14..], &payload[..], "masked");
    server.receive_data(&wire);
    assert!(matches!(&events(&mut server)[..], [Event::Binary(b)] if b == &payload));
    // The shared buffer itself is untouched (it is the host's).
    assert_eq!(&payload[..], &blob(70_000, 2)[..]);
}

#[test]
fn nothing_is_queued_when_sending_is_not_allowed() {
    let big = || Bytes::from(blob(10_000, 4));
    // Before the handshake.
    let mut server = support::pending_server(Config::default());
    assert!(matches!(
        server.send_binary_shared(big()),
        Err(UsageError::InvalidState(_))
    ));
    assert_eq!(server.buffered_amount(), 0);
    // After close.
    let (mut server, mut client) = pair(Config::default(), Config::default());
    for conn in [&mut server, &mut client] {
        conn.close(1000, "").unwrap();
        let before = conn.buffered_amount();
        assert!(matches!(
            conn.send_binary_shared(big()),
            Err(UsageError::InvalidState(_))
        ));
        assert!(matches!(
            conn.send_text_shared(Utf8Bytes::from("x".repeat(10_000))),
            Err(UsageError::InvalidState(_))
        ));
        assert_eq!(conn.buffered_amount(), before);
    }
    // In the middle of a fragmented message (a large and a small payload).
    let (mut server, _client) = pair(Config::default(), Config::default());
    server
        .send_fragment(MessageKind::Text, b"start", false)
        .unwrap();
    let before = server.buffered_amount();
    for data in [big(), Bytes::from_static(b"small")] {
        assert_eq!(
            server.send_binary_shared(data),
            Err(UsageError::FragmentOrder)
        );
    }
    assert_eq!(server.buffered_amount(), before);
}

#[test]
fn utf8_bytes_are_checked() {
    assert!(Utf8Bytes::from_utf8(Bytes::from_static(b"caf\xc3\xa9")).is_ok());
    let bad = Bytes::from_static(b"caf\xc3");
    assert_eq!(Utf8Bytes::from_utf8(bad.clone()).unwrap_err(), bad);
    assert_eq!(Utf8Bytes::from(String::from("été")).as_str(), "été");
}

#[test]
fn text_from_a_str_owner_is_shared_and_dropped_with_the_last_piece() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A host's string: counts its drops, and tells where its bytes are.
    struct Host(String, Arc<AtomicUsize>);
    impl AsRef<str> for Host {
        fn as_ref(&self) -> &str {
            &self.0
        }
    }
    impl Drop for Host {
        fn drop(&mut self) {
            self.1.fetch_add(1, Ordering::SeqCst);
        }
    }

    for len in [0, 4095, 4096, 70_000] {
        let drops = Arc::new(AtomicUsize::new(0));
        let text = text_of_len(len);
        let host = Host(text.clone(), drops.clone());
        let at = host.0.as_ptr();
        let utf8 = Utf8Bytes::from_str_owner(host);
        assert_eq!(utf8.as_str(), text);
        assert_eq!(utf8.as_bytes().as_ptr(), at, "no copy");
        let (mut server, mut client) = pair(Config::default(), Config::default());
        server.send_text_shared(utf8).unwrap();
        let pieces = server.data_to_send_vectored();
        if len >= 4096 {
            assert!(pieces.iter().any(|p| p.as_ptr() == at), "{len}: shared");
            assert_eq!(drops.load(Ordering::SeqCst), 0, "held by the pieces");
        } else {
            assert_eq!(
                drops.load(Ordering::SeqCst),
                1,
                "{len}: copied, owner dropped"
            );
        }
        for piece in &pieces {
            client.receive_data(piece);
        }
        drop(pieces);
        assert_eq!(drops.load(Ordering::SeqCst), 1);
        assert!(matches!(&events(&mut client)[..], [Event::Text(t)] if t.as_str() == text));
    }
}

#[cfg(feature = "deflate")]
#[test]
fn compressed_messages_are_copied_and_match_the_copying_calls() {
    let config = Config::default().deflate(Some(DeflateConfig::default()));
    let steps = script();
    for client in [false, true] {
        for how in [Drain::Whole, Drain::Vectored, Drain::Into(1000)] {
            same_wire(client, config.clone(), &steps, how, 2);
        }
    }
}

#[test]
fn a_large_drained_outbox_does_not_stay_allocated() {
    // The memory test's concern: after a large shared message is drained piece by piece,
    // an idle connection holds no large buffer (checked through the next small message:
    // it must still come out right).
    let (mut server, mut client) = pair(Config::default(), Config::default());
    server.send_binary(&blob(200_000, 5)).unwrap();
    server
        .send_binary_shared(Bytes::from(blob(200_000, 6)))
        .unwrap();
    let mut buf = vec![0u8; server.buffered_amount()];
    assert_eq!(server.data_to_send_into(&mut buf[..]), buf.len());
    server.send_text("after").unwrap();
    buf.extend_from_slice(&server.data_to_send());
    client.receive_data(&buf);
    let got = events(&mut client);
    assert_eq!(got.len(), 3);
    assert!(matches!(&got[2], Event::Text(t) if t.as_str() == "after"));
}

#[test]
fn an_uninitialized_buffer_takes_exactly_its_share() {
    // The bytes written into `MaybeUninit` memory cannot be read back without `unsafe`,
    // which this crate forbids (the Python binding's tests check them: its
    // `data_to_send()` drains this way). Here: the counts, and that what is left is the
    // rest of the same wire bytes, mask phases included, for cuts everywhere.
    let steps = script();
    for client in [false, true] {
        let (mut s1, mut c1) = pair(Config::default(), Config::default());
        let copying = if client { &mut c1 } else { &mut s1 };
        for step in &steps {
            apply(copying, step, false).unwrap();
        }
        let want = copying.data_to_send();
        for cut in [
            0,
            1,
            2,
            5,
            14,
            4097,
            100_001,
            want.len() / 2,
            want.len() - 3,
        ] {
            let (mut s2, mut c2) = pair(Config::default(), Config::default());
            let conn = if client { &mut c2 } else { &mut s2 };
            for step in &steps {
                apply(conn, step, true).unwrap();
            }
            let mut taken = 0;
            let mut buf = vec![std::mem::MaybeUninit::<u8>::uninit(); 777];
            while taken < cut {
                let size = (cut - taken).min(buf.len());
                let n = conn.data_to_send_into(&mut buf[..size]);
                assert_eq!(n, size);
                taken += n;
            }
            assert_eq!(conn.buffered_amount(), want.len() - cut);
            let rest = conn.data_to_send();
            assert!(rest[..] == want[cut..], "cut {cut} client {client}");
            assert_eq!(conn.data_to_send_into(&mut buf[..]), 0);
        }
    }
}
