//! The life cycle and the application's misuse: every action the state or role does not
//! allow is refused with a `UsageError` and queues nothing.

use sansocket_test_support as support;

use sansocket::{
    ClientRequest, Config, Connection, Error, Event, MessageKind, ProtocolError, SeededEntropy,
    State, UsageError,
};
use support::{client_frame, default_pair, events, pending_server, transfer};

/// Tries every sending action; each must be refused as `InvalidState` and queue nothing.
fn assert_cannot_send(conn: &mut Connection) {
    let before = conn.buffered_amount();
    let results = [
        conn.send_text("x"),
        conn.send_binary(b"x"),
        conn.send_fragment(MessageKind::Binary, b"x", false),
        conn.ping(b""),
        conn.pong(b""),
    ];
    for r in results {
        assert!(matches!(r, Err(UsageError::InvalidState(_))), "{r:?}");
    }
    assert_eq!(conn.buffered_amount(), before);
}

#[test]
fn no_sending_before_the_handshake_completes() {
    let mut server = Connection::server(Config::default());
    assert_eq!(server.state(), State::Connecting);
    assert_cannot_send(&mut server);
    assert!(matches!(
        server.close(1000, ""),
        Err(UsageError::InvalidState(_))
    ));
    let mut server = pending_server(Config::default());
    assert_cannot_send(&mut server);

    let mut client = Connection::client(
        ClientRequest::new("h", "/"),
        Config::default(),
        SeededEntropy::new(1),
    )
    .unwrap();
    let request_len = client.buffered_amount();
    assert!(request_len > 0);
    assert_cannot_send(&mut client);
    assert_eq!(client.data_to_send().len(), request_len);
    assert_eq!(client.buffered_amount(), 0);
}

#[test]
fn no_sending_after_a_rejected_handshake() {
    let mut server = pending_server(Config::default());
    server.reject(403, &[], b"").unwrap();
    assert_eq!(server.state(), State::Closed);
    assert_cannot_send(&mut server);
}

#[test]
fn states_of_a_whole_connection() {
    let (mut server, mut client) = default_pair();
    assert_eq!((server.state(), client.state()), (State::Open, State::Open));
    client.close(1000, "").unwrap();
    assert_eq!(client.state(), State::Closing);
    assert_cannot_send(&mut client);
    transfer(&mut client, &mut server);
    events(&mut server);
    assert_eq!(server.state(), State::Closed);
    assert_cannot_send(&mut server);
    transfer(&mut server, &mut client);
    events(&mut client);
    assert_eq!(client.state(), State::Closed);
}

#[test]
fn control_payloads_are_limited_to_125_bytes() {
    let mut server = Connection::open_server(Config::default(), None);
    assert_eq!(
        server.ping(&[0; 126]),
        Err(UsageError::ControlPayloadTooLong(126))
    );
    assert_eq!(
        server.pong(&[0; 200]),
        Err(UsageError::ControlPayloadTooLong(200))
    );
    assert_eq!(server.buffered_amount(), 0);
    server.ping(&[0; 125]).unwrap();
    assert_eq!(server.buffered_amount(), 127);
}

#[test]
fn fragments_must_stay_in_order() {
    let mut server = Connection::open_server(Config::default(), None);
    server
        .send_fragment(MessageKind::Text, b"a", false)
        .unwrap();
    let _ = server.data_to_send(); // not checked here
    assert_eq!(server.send_text("b"), Err(UsageError::FragmentOrder));
    assert_eq!(server.send_binary(b"b"), Err(UsageError::FragmentOrder));
    assert_eq!(
        server.send_fragment(MessageKind::Binary, b"b", true),
        Err(UsageError::FragmentOrder)
    );
    assert_eq!(server.buffered_amount(), 0);
    // Control frames may go between fragments.
    server.ping(b"").unwrap();
    server.send_fragment(MessageKind::Text, b"c", true).unwrap();
    assert_eq!(&server.data_to_send()[..], b"\x89\x00\x80\x01c");
    // And then a new message may start.
    server.send_binary(b"d").unwrap();
    assert_eq!(&server.data_to_send()[..], b"\x82\x01d");
}

#[test]
fn after_a_protocol_error_nothing_more_happens() {
    let mut server = Connection::open_server(Config::default(), None);
    let mut input = client_frame(true, 1, b"ok");
    input.extend_from_slice(&[0x83, 0x80, 0, 0, 0, 0]); // reserved opcode 3
    input.extend_from_slice(&client_frame(true, 1, b"never"));
    server.receive_data(&input);
    assert_eq!(server.next_event(), Ok(Some(Event::Text("ok".into()))));
    let err = server.next_event().unwrap_err();
    assert_eq!(err, Error::Protocol(ProtocolError::ReservedOpcode(3)));
    assert_eq!(err.close_code(), Some(1002));
    assert_eq!(err.name(), "reserved-opcode");
    for _ in 0..3 {
        assert_eq!(server.next_event(), Ok(None));
    }
    server.receive_data(&client_frame(true, 1, b"more"));
    assert_eq!(server.next_event(), Ok(None));
    assert_eq!(server.state(), State::Closed);
    assert!(server.should_close_transport());
    assert_cannot_send(&mut server);
}

#[test]
fn eof_ends_everything() {
    let (mut server, _client) = default_pair();
    server.receive_eof();
    assert_eq!(
        server.next_event(),
        Err(Error::Protocol(ProtocolError::AbnormalClosure))
    );
    assert_eq!(server.state(), State::Closed);
    assert!(server.should_close_transport());
    assert_cannot_send(&mut server);
    server.receive_data(&client_frame(true, 1, b"late"));
    assert_eq!(server.next_event(), Ok(None));
}

#[test]
fn buffered_amount_tracks_the_outbox() {
    let mut server = Connection::open_server(Config::default(), None);
    assert_eq!(server.buffered_amount(), 0);
    server.send_binary(&[0; 1000]).unwrap();
    assert_eq!(server.buffered_amount(), 4 + 1000);
    server.send_text("hi").unwrap();
    assert_eq!(server.buffered_amount(), 1004 + 4);
    assert_eq!(server.data_to_send().len(), 1008);
    assert_eq!(server.buffered_amount(), 0);
    assert!(server.data_to_send().is_empty());
}

#[test]
fn buffered_input_counts_undecoded_bytes_and_unfinished_messages() {
    let mut server = Connection::open_server(Config::default(), None);
    let frame = client_frame(false, 2, &[1; 100]);
    server.receive_data(&frame[..50]);
    // The first fragment is joined as it is read: its 6-byte header decoded, the 44
    // payload bytes that arrived held.
    assert_eq!(server.buffered_input(), 44);
    assert_eq!(server.next_event(), Ok(None));
    server.receive_data(&frame[50..]);
    assert_eq!(server.next_event(), Ok(None));
    assert_eq!(server.buffered_input(), 100, "the first fragment is held");
    server.receive_data(&client_frame(true, 0, &[2; 10]));
    assert!(matches!(server.next_event(), Ok(Some(Event::Binary(b))) if b.len() == 110));
    assert_eq!(server.buffered_input(), 0);
}

#[test]
fn text_fragments_must_be_utf8_together() {
    let mut server = Connection::open_server(Config::default(), None);
    let euro = "€".as_bytes(); // e2 82 ac
    // A character may span fragments.
    server
        .send_fragment(MessageKind::Text, &euro[..1], false)
        .unwrap();
    server
        .send_fragment(MessageKind::Text, &euro[1..2], false)
        .unwrap();
    // A byte that cannot continue it is refused, and nothing is queued.
    let queued = server.buffered_amount();
    assert_eq!(
        server.send_fragment(MessageKind::Text, b"x", false),
        Err(UsageError::InvalidUtf8)
    );
    // Ending the message inside the character is refused too.
    assert_eq!(
        server.send_fragment(MessageKind::Text, b"", true),
        Err(UsageError::InvalidUtf8)
    );
    assert_eq!(server.buffered_amount(), queued);
    // The message can still be finished correctly.
    server
        .send_fragment(MessageKind::Text, &euro[2..], true)
        .unwrap();
    let wire = server.data_to_send();
    assert_eq!(&wire[..], b"\x01\x01\xe2\x00\x01\x82\x80\x01\xac");
    // Binary fragments are not checked; a new text message starts fresh.
    server
        .send_fragment(MessageKind::Binary, &[0xff], true)
        .unwrap();
    assert_eq!(
        server.send_fragment(MessageKind::Text, &[0xc0, 0x80], true),
        Err(UsageError::InvalidUtf8)
    );
    assert_eq!(UsageError::InvalidUtf8.name(), "invalid-utf8");
}
