//! Limits (Config): exactly at the limit passes, one byte over fails with 1009, and the
//! failure comes from the frame header, before the payload is buffered.

use sansocket_test_support as support;

use sansocket::{
    ClientRequest, Config, Connection, Delivery, Error, Event, HandshakeError, MessageKind,
    ProtocolError, SeededEntropy,
};
use support::{client_frame, drain, join_chunks, pair, transfer};

const MIB: usize = 1 << 20;

fn receive(server: &mut Connection, client: &mut Connection) -> support::Outcome {
    transfer(client, server);
    drain(server)
}

fn limited(max_frame: usize, max_message: usize, delivery: Delivery) -> Config {
    Config::default()
        .max_frame_size(max_frame)
        .max_message_size(max_message)
        .delivery(delivery)
}

#[test]
fn message_size_limit_at_and_over() {
    for delivery in [Delivery::Messages, Delivery::Chunks] {
        let (mut server, mut client) = pair(limited(MIB, MIB, delivery), Config::default());
        client.send_binary(&vec![7; MIB]).unwrap();
        let got = receive(&mut server, &mut client);
        assert_eq!(got.error, None);
        assert_eq!(
            join_chunks(got.events),
            [Event::Binary(vec![7; MIB].into())]
        );

        client
            .send_fragment(MessageKind::Binary, &vec![1; MIB / 2], false)
            .unwrap();
        client
            .send_fragment(MessageKind::Binary, &vec![2; MIB / 2 + 1], true)
            .unwrap();
        let got = receive(&mut server, &mut client);
        assert_eq!(
            got.error,
            Some(Error::Protocol(ProtocolError::MessageTooLarge)),
            "{delivery:?}"
        );
        let close = server.data_to_send();
        assert_eq!(&close[..4], b"\x88\x13\x03\xf1", "1009 with a reason");
        assert!(server.should_close_transport());
    }
}

#[test]
fn frame_size_limit_fails_on_the_header() {
    let mut server = Connection::open_server(limited(1000, MIB, Delivery::Messages), None);
    let frame = client_frame(true, 2, &[0; 1001]);
    server.receive_data(&frame[..8]); // header and mask key only
    assert_eq!(
        server.next_event(),
        Err(Error::Protocol(ProtocolError::FrameTooLarge))
    );
    server.receive_data(&frame[8..]);
    assert_eq!(server.next_event(), Ok(None));
    assert!(server.buffered_input() <= 8, "the payload is not kept");
}

#[test]
fn sender_limits_are_the_receivers_business() {
    // A connection may send more than its own receive limits allow.
    let (mut server, mut client) = pair(Config::default(), limited(10, 10, Delivery::Messages));
    client.send_binary(&[0; 100]).unwrap();
    let got = receive(&mut server, &mut client);
    assert_eq!(got.events.len(), 1);
}

#[test]
fn default_fragment_limit_bounds_a_flood_of_empty_fragments() {
    let config = Config::default();
    let mut server = Connection::open_server(config.clone(), None);
    let mut input = client_frame(false, 2, b"");
    for _ in 0..config.max_fragments {
        input.extend_from_slice(&client_frame(false, 0, b""));
    }
    server.receive_data(&input);
    assert_eq!(
        server.next_event(),
        Err(Error::Protocol(ProtocolError::TooManyFragments))
    );
    assert_eq!(ProtocolError::TooManyFragments.close_code(), 1009);
}

#[test]
fn fragments_at_the_limit_pass() {
    let config = Config::default().max_fragments(1000);
    let mut server = Connection::open_server(config, None);
    let mut input = client_frame(false, 1, b"a");
    for _ in 0..998 {
        input.extend_from_slice(&client_frame(false, 0, b"b"));
    }
    input.extend_from_slice(&client_frame(true, 0, b"c"));
    server.receive_data(&input);
    let Ok(Some(Event::Text(text))) = server.next_event() else {
        panic!("no message");
    };
    assert_eq!(text.len(), 1000);
}

#[test]
fn handshake_head_limits() {
    // Server: a head of exactly max_handshake_size passes, one more byte does not.
    let head = |len: usize| {
        let base = "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
                    Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nX: ";
        let pad = len - base.len() - 4;
        format!("{base}{}\r\n\r\n", "p".repeat(pad))
    };
    for (len, ok) in [(300, true), (301, false)] {
        let config = Config::default().max_handshake_size(300);
        let mut server = Connection::server(config);
        server.receive_data(head(len).as_bytes());
        let result = server.next_event();
        assert_eq!(result.is_ok(), ok, "head of {len} bytes: {result:?}");
        if !ok {
            assert_eq!(result.unwrap_err().status(), Some(431));
        }
    }
    // Client: the response head is limited too.
    let config = Config::default().max_handshake_size(64);
    let mut client =
        Connection::client(ClientRequest::new("h", "/"), config, SeededEntropy::new(1)).unwrap();
    client.receive_data(&[b'x'; 65]);
    assert_eq!(
        client.next_event(),
        Err(Error::Handshake(HandshakeError::HeadTooLarge))
    );
}

#[test]
fn rejection_body_is_capped() {
    let config = Config::default().max_rejection_body(10);
    let mut client =
        Connection::client(ClientRequest::new("h", "/"), config, SeededEntropy::new(1)).unwrap();
    client.receive_data(b"HTTP/1.1 500 Internal Server Error\r\n\r\n");
    for _ in 0..100 {
        client.receive_data(&[b'e'; 1000]);
    }
    let Ok(Some(Event::Rejected(r))) = client.next_event() else {
        panic!("not rejected");
    };
    assert_eq!(&r.body[..], b"eeeeeeeeee");
    assert!(client.buffered_input() < 1000, "the rest is not kept");
}
