//! permessage-deflate end to end (RFC 7692): negotiation through the handshake, then
//! compressed messages both ways, in both delivery modes.

#![cfg(feature = "deflate")]

use proptest::prelude::*;
use sansocket::deflate::DeflateConfig;
use sansocket::{
    Accept, ClientRequest, Config, Connection, Delivery, Event, MessageKind, SeededEntropy,
};

fn pair(server_cfg: Config, client_cfg: Config) -> (Connection, Connection, String) {
    let mut server = Connection::server(server_cfg);
    let mut client = Connection::client(
        ClientRequest::new("h", "/"),
        client_cfg,
        SeededEntropy::new(1),
    )
    .unwrap();
    let request = client.data_to_send();
    server.receive_data(&request);
    let Ok(Some(Event::Request(_))) = server.next_event() else {
        panic!("no request")
    };
    server.accept(Accept::new()).unwrap();
    let response = server.data_to_send();
    client.receive_data(&response);
    let Ok(Some(Event::Accepted(_))) = client.next_event() else {
        panic!("not accepted")
    };
    (
        server,
        client,
        String::from_utf8_lossy(&response).into_owned(),
    )
}

fn deflate_config() -> Config {
    Config::default().deflate(Some(DeflateConfig::default()))
}

fn events(conn: &mut Connection) -> Vec<Event> {
    let mut out = Vec::new();
    while let Some(e) = conn.next_event().unwrap() {
        out.push(e);
    }
    out
}

#[test]
fn negotiated_only_when_both_sides_want_it() {
    let (s, c, response) = pair(deflate_config(), deflate_config());
    assert!(
        response.contains("Sec-WebSocket-Extensions: permessage-deflate"),
        "{response}"
    );
    assert!(s.deflate().is_some() && c.deflate().is_some());
    let (s, c, response) = pair(Config::default(), deflate_config());
    assert!(!response.contains("Sec-WebSocket-Extensions"));
    assert!(s.deflate().is_none() && c.deflate().is_none());
    let (s, c, _) = pair(deflate_config(), Config::default());
    assert!(s.deflate().is_none() && c.deflate().is_none());
}

#[test]
fn compressed_messages_both_ways() {
    let (mut server, mut client, _) = pair(deflate_config(), deflate_config());
    let text = "{\"symbol\":\"ACME\",\"bid\":101.25,\"ask\":101.27}".repeat(200);
    for _ in 0..3 {
        client.send_text(&text).unwrap();
        let wire = client.data_to_send();
        assert!(
            wire.len() < text.len() / 4,
            "compressed to {} bytes",
            wire.len()
        );
        assert_eq!(wire[0] & 0x40, 0x40, "RSV1 set");
        server.receive_data(&wire);
        assert_eq!(events(&mut server), vec![Event::Text(text.as_str().into())]);
        server.send_binary(text.as_bytes()).unwrap();
        client.receive_data(&server.data_to_send());
        assert_eq!(
            events(&mut client),
            vec![Event::Binary(text.clone().into_bytes().into())]
        );
    }
    // small messages go uncompressed (min_size), and still arrive
    client.send_text("hi").unwrap();
    let wire = client.data_to_send();
    assert_eq!(wire[0] & 0x40, 0);
    server.receive_data(&wire);
    assert_eq!(events(&mut server), vec![Event::Text("hi".into())]);
}

#[test]
fn compressed_messages_in_chunks_split_anywhere() {
    let chunks = deflate_config().delivery(Delivery::Chunks);
    let (_, mut client, _) = pair(chunks.clone(), deflate_config());
    let text = "κόσμε ✓ ".repeat(3000);
    client.send_text(&text).unwrap();
    let wire = client.data_to_send();
    for step in [1, 7, 100, wire.len()] {
        let (mut server, _, _) = pair(chunks.clone(), deflate_config());
        let mut got = String::new();
        let mut fin = false;
        for piece in wire.chunks(step) {
            server.receive_data(piece);
            for e in events(&mut server) {
                let Event::Chunk {
                    kind: MessageKind::Text,
                    data,
                    fin: f,
                } = e
                else {
                    panic!("{e:?}")
                };
                got.push_str(std::str::from_utf8(&data).expect("chunks end on char boundaries"));
                fin = f;
            }
        }
        assert!(fin);
        assert_eq!(got, text, "step {step}");
    }
}

#[test]
fn decompression_bomb_fails_with_1009_early() {
    let small = deflate_config().max_message_size(1 << 20);
    let (mut server, mut client, _) = pair(small, deflate_config());
    let bomb = vec![b'a'; 8 << 20];
    client.send_binary(&bomb).unwrap();
    let wire = client.data_to_send();
    assert!(wire.len() < 64 << 10);
    server.receive_data(&wire);
    let err = server.next_event().unwrap_err();
    assert_eq!(err.close_code(), Some(1009));
    assert!(server.buffered_input() <= (1 << 20) + (64 << 10));
}

#[test]
fn chunked_delivery_inflates_a_bomb_in_bounded_chunks() {
    // A streaming host with a raised limit must still get a few compressed bytes that
    // stand for megabytes in bounded pieces, not in one allocation (found by fuzzing).
    let streaming = deflate_config()
        .delivery(Delivery::Chunks)
        .max_message_size(64 << 20);
    let (_, mut client, _) = pair(streaming.clone(), deflate_config());
    let text = "ab✓".repeat(8 << 20); // 40 MiB of text, each character cut somewhere
    client.send_text(&text).unwrap();
    client.ping(b"after").unwrap();
    // A whole uncompressed data frame behind it (a lone final fragment is never compressed):
    // the receive-time scan may decode it ahead, while the bomb still inflates.
    client
        .send_fragment(MessageKind::Binary, b"tail", true)
        .unwrap();
    let wire = client.data_to_send();
    assert!(wire.len() < 256 << 10, "{}", wire.len());
    for step in [wire.len(), 4096, 333] {
        let (mut server, _, _) = pair(streaming.clone(), deflate_config());
        let (mut got, mut pieces, mut largest) = (Vec::new(), 0, 0);
        let (mut after, mut finished) = (Vec::new(), false);
        for piece in wire.chunks(step) {
            server.receive_data(piece);
            while let Some(event) = server.next_event().unwrap() {
                match event {
                    Event::Chunk {
                        kind: MessageKind::Text,
                        data,
                        fin,
                    } => {
                        assert!(std::str::from_utf8(&data).is_ok(), "character boundaries");
                        largest = largest.max(data.len());
                        pieces += 1;
                        got.extend_from_slice(&data);
                        // (the last chunk may be empty: whether the inflater holds more
                        // is known only once it is asked again)
                        assert!(!fin || got.len() == text.len());
                        finished |= fin;
                    }
                    other => after.push(other),
                }
                assert!(server.buffered_input() <= wire.len() + (64 << 10));
            }
        }
        assert!(finished, "step {step}");
        assert_eq!(got.len(), text.len(), "step {step}");
        assert!(got == text.as_bytes(), "step {step}");
        assert!(
            largest <= 64 << 10,
            "step {step}: a chunk of {largest} bytes"
        );
        assert!(
            pieces >= text.len() / (64 << 10),
            "step {step}: {pieces} chunks"
        );
        // The frames after the message come after all of it.
        let tail = Event::Chunk {
            kind: MessageKind::Binary,
            data: b"tail"[..].into(),
            fin: true,
        };
        assert_eq!(
            after,
            vec![Event::Ping(b"after"[..].into()), tail],
            "step {step}"
        );
    }
    // Past the limit it still fails with 1009, after the chunks up to the limit.
    let small = streaming.max_message_size(1 << 20);
    let (mut server, _, _) = pair(small, deflate_config());
    server.receive_data(&wire);
    let mut delivered = 0;
    let err = loop {
        match server.next_event() {
            Ok(Some(Event::Chunk {
                kind: MessageKind::Text,
                data,
                ..
            })) => delivered += data.len(),
            Ok(other) => panic!("{other:?}"),
            Err(err) => break err,
        }
    };
    assert_eq!(err.close_code(), Some(1009));
    assert!(
        delivered <= 1 << 20 && delivered > (1 << 20) - (64 << 10),
        "{delivered}"
    );
}

#[test]
fn rsv1_on_continuation_is_a_protocol_error() {
    let (mut server, _, _) = pair(deflate_config(), deflate_config());
    // masked text frame, FIN=0, RSV1, then a continuation with RSV1
    server.receive_data(&[0x41, 0x80, 0, 0, 0, 0, 0xc0, 0x80, 0, 0, 0, 0]);
    assert_eq!(server.next_event().unwrap_err().close_code(), Some(1002));
}

#[test]
fn rsv1_without_negotiation_is_a_protocol_error() {
    let (mut server, _, _) = pair(Config::default(), Config::default());
    server.receive_data(&[0xc1, 0x80, 0, 0, 0, 0]);
    assert_eq!(server.next_event().unwrap_err().close_code(), Some(1002));
}

#[test]
fn rfc7692_hello_example_decodes() {
    // §7.2.3.1: "Hello" compressed, unmasked server frame c1 07 f2 48 cd c9 c9 07 00
    let (_, mut client, _) = pair(deflate_config(), deflate_config());
    client.receive_data(&[0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]);
    assert_eq!(events(&mut client), vec![Event::Text("Hello".into())]);
    // §7.2.3.2 second message with context takeover: c1 05 f2 00 11 00 00
    client.receive_data(&[0xc1, 0x05, 0xf2, 0x00, 0x11, 0x00, 0x00]);
    assert_eq!(events(&mut client), vec![Event::Text("Hello".into())]);
    // §7.2.3.1 fragmented: 41 03 f2 48 cd, 80 04 c9 c9 07 00
    client.receive_data(&[
        0x41, 0x03, 0xf2, 0x48, 0xcd, 0x80, 0x04, 0xc9, 0xc9, 0x07, 0x00,
    ]);
    assert_eq!(events(&mut client), vec![Event::Text("Hello".into())]);
}

#[test]
fn low_memory_compresses_as_well_and_interoperates() {
    let low = Config::default().deflate(Some(DeflateConfig::default().low_memory(true)));
    // Messages that share most of their bytes with the previous ones: context takeover is
    // what makes them small.
    let messages: Vec<String> = (0..20)
        .map(|i| {
            (0..40)
                .map(|j| format!("{{\"id\":{},\"px\":\"{}.25\"}},", 1000 + i + j, 90 + j % 9))
                .collect()
        })
        .collect();
    // Wire sizes each way with both sides at the defaults, then with one side low_memory.
    let sizes = |server_cfg: Config, client_cfg: Config| {
        let (mut server, mut client, _) = pair(server_cfg, client_cfg);
        let (mut up, mut down) = (0, 0);
        for text in &messages {
            client.send_text(text).unwrap();
            let wire = client.data_to_send();
            up += wire.len();
            server.receive_data(&wire);
            assert_eq!(events(&mut server), vec![Event::Text(text.as_str().into())]);
            server.send_text(text).unwrap();
            let wire = server.data_to_send();
            down += wire.len();
            client.receive_data(&wire);
            assert_eq!(events(&mut client), vec![Event::Text(text.as_str().into())]);
        }
        (up, down)
    };
    let (up, down) = sizes(deflate_config(), deflate_config());
    let total: usize = messages.iter().map(String::len).sum();
    assert!(up < total / 5 && down < total / 5, "{up} {down} of {total}");
    for (server_cfg, client_cfg) in [
        (low.clone(), deflate_config()),
        (deflate_config(), low.clone()),
        (low.clone(), low.clone()),
    ] {
        let (low_up, low_down) = sizes(server_cfg, client_cfg);
        // The same context, primed from the kept window: within a few bytes per message.
        assert!(
            low_up <= up + 40 && low_down <= down + 40,
            "{low_up} {low_down}"
        );
    }
}

#[test]
fn accept_can_decline_deflate_the_config_would_accept() {
    let mut server = Connection::server(deflate_config());
    let mut client = Connection::client(
        ClientRequest::new("h", "/"),
        deflate_config(),
        SeededEntropy::new(1),
    )
    .unwrap();
    server.receive_data(&client.data_to_send());
    let Ok(Some(Event::Request(_))) = server.next_event() else {
        panic!("no request")
    };
    server.accept(Accept::new().without_deflate()).unwrap();
    let response = server.data_to_send();
    assert!(!String::from_utf8_lossy(&response).contains("Sec-WebSocket-Extensions"));
    client.receive_data(&response);
    assert!(matches!(client.next_event(), Ok(Some(Event::Accepted(_)))));
    assert!(server.deflate().is_none() && client.deflate().is_none());
    client.send_text(&"x".repeat(1000)).unwrap();
    server.receive_data(&client.data_to_send());
    assert_eq!(events(&mut server).len(), 1);
}

/// Messages built from the proptest's choices: bytes, a few symbols, repeated units.
fn message() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..300),
        proptest::collection::vec(
            prop_oneof![Just(b'a'), Just(b'b'), Just(b'{'), Just(b'"')],
            0..5000
        ),
        (proptest::collection::vec(any::<u8>(), 1..20), 1usize..3000)
            .prop_map(|(unit, n)| unit.repeat(n)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn random_messages_through_connections(
        messages in proptest::collection::vec(message(), 1..6),
        level in 1u32..=9,
        bits in 8u8..=15,
        no_context_takeover in any::<bool>(),
    ) {
        // The client compresses with these settings, the server's receiver inflates.
        let deflate = DeflateConfig::default()
            .max_window_bits(bits)
            .no_context_takeover(no_context_takeover)
            .level(level)
            .min_size(0);
        let config = Config::default().deflate(Some(deflate));
        let mut server = Connection::server(config.clone());
        let mut client =
            Connection::client(ClientRequest::new("h", "/"), config, SeededEntropy::new(3))
                .unwrap();
        server.receive_data(&client.data_to_send());
        let Ok(Some(Event::Request(_))) = server.next_event() else { panic!("no request") };
        server.accept(Accept::new()).unwrap();
        client.receive_data(&server.data_to_send());
        let Ok(Some(Event::Accepted(_))) = client.next_event() else { panic!("not accepted") };
        for msg in &messages {
            client.send_binary(msg).unwrap();
            server.receive_data(&client.data_to_send());
            let Ok(Some(Event::Binary(got))) = server.next_event() else { panic!("no message") };
            prop_assert_eq!(&got[..], &msg[..]);
        }
    }
}
