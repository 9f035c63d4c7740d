//! The close handshake (RFC 6455 §5.5.1, §7): codes allowed on the wire in both directions,
//! who closes the transport, and what is still allowed once a close frame was sent.

use sansocket_test_support as support;

use sansocket::{
    CloseFrame, Config, Connection, Error, Event, ProtocolError, SeededEntropy, State, UsageError,
    is_valid_close_code,
};
use support::{client_frame, default_pair, drain, events, transfer};

fn open_server() -> Connection {
    Connection::open_server(Config::default(), None)
}

#[test]
fn every_code_received_is_accepted_or_refused_per_section_7_4() {
    for code in 0..=u16::MAX {
        let mut server = open_server();
        server.receive_data(&client_frame(true, 8, &code.to_be_bytes()));
        let outcome = drain(&mut server);
        if is_valid_close_code(code) {
            assert_eq!(
                outcome.events,
                [Event::Close(CloseFrame {
                    code,
                    reason: String::new()
                })]
            );
            assert_eq!(outcome.error, None);
            let mut echo = vec![0x88, 0x02];
            echo.extend_from_slice(&code.to_be_bytes());
            assert_eq!(server.data_to_send(), echo, "code {code}");
        } else {
            assert_eq!(
                outcome.error,
                Some(Error::Protocol(ProtocolError::InvalidCloseCode(code))),
                "code {code}"
            );
            assert_eq!(&server.data_to_send()[..4], b"\x88\x10\x03\xea");
        }
    }
}

#[test]
fn every_code_sent_is_checked_per_section_7_4() {
    for code in 0..=u16::MAX {
        let mut server = open_server();
        let result = server.close(code, "");
        if is_valid_close_code(code) || code == 1005 {
            assert_eq!(result, Ok(()), "code {code}");
            assert_eq!(server.state(), State::Closing);
        } else {
            assert_eq!(result, Err(UsageError::InvalidCloseCode(code)));
            assert!(server.data_to_send().is_empty());
            assert_eq!(server.state(), State::Open);
        }
    }
}

#[test]
fn reasons_are_limited_to_123_bytes() {
    let mut server = open_server();
    assert_eq!(
        server.close(1000, &"x".repeat(124)),
        Err(UsageError::CloseReasonTooLong(124))
    );
    assert_eq!(
        server.close(1005, "no code, no reason"),
        Err(UsageError::InvalidCloseCode(1005))
    );
    assert!(server.data_to_send().is_empty());
    // 41 three-byte characters: 123 bytes.
    server.close(1000, &"€".repeat(41)).unwrap();
    assert_eq!(server.data_to_send().len(), 2 + 125);
}

#[test]
fn client_initiated_close() {
    let (mut server, mut client) = default_pair();
    client.close(1000, "bye").unwrap();
    assert_eq!(client.state(), State::Closing);
    transfer(&mut client, &mut server);
    assert_eq!(
        events(&mut server),
        [Event::Close(CloseFrame {
            code: 1000,
            reason: "bye".into()
        })]
    );
    // §7.1.1: the server closes the TCP connection first.
    assert_eq!(server.state(), State::Closed);
    assert!(server.should_close_transport());
    transfer(&mut server, &mut client);
    assert_eq!(events(&mut client).len(), 1);
    assert_eq!(client.state(), State::Closed);
    assert!(
        !client.should_close_transport(),
        "the client waits for the server's EOF"
    );
    client.receive_eof();
    assert_eq!(events(&mut client), []);
    assert!(client.should_close_transport());
}

#[test]
fn server_initiated_close() {
    let (mut server, mut client) = default_pair();
    server.close(1001, "restart").unwrap();
    assert!(!server.should_close_transport());
    transfer(&mut server, &mut client);
    assert_eq!(
        events(&mut client),
        [Event::Close(CloseFrame {
            code: 1001,
            reason: "restart".into()
        })]
    );
    assert!(!client.should_close_transport());
    transfer(&mut client, &mut server);
    assert_eq!(events(&mut server).len(), 1);
    assert!(server.should_close_transport());
    server.receive_eof();
    assert_eq!(
        events(&mut server),
        [],
        "EOF after the close handshake is clean"
    );
}

#[test]
fn simultaneous_close() {
    let (mut server, mut client) = default_pair();
    server.close(1000, "s").unwrap();
    client.close(1001, "c").unwrap();
    transfer(&mut server, &mut client);
    transfer(&mut client, &mut server);
    assert_eq!(
        events(&mut server),
        [Event::Close(CloseFrame {
            code: 1001,
            reason: "c".into()
        })]
    );
    assert_eq!(
        events(&mut client),
        [Event::Close(CloseFrame {
            code: 1000,
            reason: "s".into()
        })]
    );
    // Neither answers again: each already sent its close frame.
    assert!(server.data_to_send().is_empty());
    assert!(client.data_to_send().is_empty());
    assert_eq!(
        (server.state(), client.state()),
        (State::Closed, State::Closed)
    );
    assert!(server.should_close_transport());
}

#[test]
fn nothing_is_sent_after_a_close_frame() {
    let (mut server, mut client) = default_pair();
    client.close(1000, "").unwrap();
    let invalid = |r: Result<(), UsageError>| matches!(r, Err(UsageError::InvalidState(_)));
    assert!(invalid(client.send_text("x")));
    assert!(invalid(client.send_binary(b"x")));
    assert!(invalid(client.send_fragment(
        sansocket::MessageKind::Text,
        b"x",
        true
    )));
    assert!(invalid(client.ping(b"")));
    assert!(invalid(client.pong(b"")));
    let _ = client.data_to_send(); // not checked here
    // Closing again is allowed and does nothing.
    client.close(1001, "again").unwrap();
    assert!(client.data_to_send().is_empty());
    // The server still delivers what it receives until its close frame is answered.
    server.send_text("late").unwrap();
    transfer(&mut server, &mut client);
    assert_eq!(events(&mut client), [Event::Text("late".into())]);
}

#[test]
fn nothing_is_received_after_the_peers_close_frame() {
    let mut server = open_server();
    let mut input = client_frame(true, 8, b"\x03\xe8");
    input.extend_from_slice(&client_frame(true, 1, b"after"));
    server.receive_data(&input);
    assert_eq!(events(&mut server).len(), 1);
    let held = server.buffered_input();
    server.receive_data(&client_frame(true, 1, b"later"));
    assert_eq!(events(&mut server), []);
    assert_eq!(
        server.buffered_input(),
        held,
        "later input is dropped, not buffered"
    );
    assert!(matches!(
        server.send_text("x"),
        Err(UsageError::InvalidState(_))
    ));
}

#[test]
fn a_failed_connection_has_already_sent_its_close_frame() {
    let mut server = open_server();
    server.receive_data(&client_frame(true, 1, b"\xff"));
    assert_eq!(
        server.next_event(),
        Err(Error::Protocol(ProtocolError::InvalidUtf8))
    );
    assert_eq!(&server.data_to_send()[..], b"\x88\x0f\x03\xefinvalid UTF-8");
    assert_eq!(server.close(1000, ""), Ok(()));
    assert!(server.data_to_send().is_empty());
    assert_eq!(server.next_event(), Ok(None));
    assert!(server.should_close_transport());
}

#[test]
fn eof_without_close_frame_is_abnormal_and_reported_once() {
    let mut client = Connection::open_client(Config::default(), None, SeededEntropy::new(1));
    client.receive_eof();
    assert_eq!(
        client.next_event(),
        Err(Error::Protocol(ProtocolError::AbnormalClosure))
    );
    assert_eq!(
        Error::Protocol(ProtocolError::AbnormalClosure).close_code(),
        Some(1006)
    );
    assert_eq!(client.next_event(), Ok(None));
    assert!(client.data_to_send().is_empty(), "1006 is never sent");
    assert!(client.should_close_transport());
    assert_eq!(client.state(), State::Closed);
    assert!(client.close(1000, "").is_err() || client.data_to_send().is_empty());
    assert!(client.data_to_send().is_empty());
}

fn no_auto_reply() -> Config {
    Config::default().auto_close_reply(false)
}

#[test]
fn without_auto_close_reply_the_application_replies_with_its_own_reason() {
    let mut server = Connection::open_server(no_auto_reply(), None);
    let mut payload = 1000u16.to_be_bytes().to_vec();
    payload.extend_from_slice(b"bye");
    server.receive_data(&client_frame(true, 8, &payload));
    let outcome = drain(&mut server);
    assert_eq!(
        outcome.events,
        [Event::Close(CloseFrame {
            code: 1000,
            reason: "bye".into()
        })]
    );
    assert!(server.data_to_send().is_empty());
    assert_eq!(server.state(), State::Closing);
    assert!(!server.should_close_transport());
    // §5.5.1: an endpoint may finish the message it is sending before it replies.
    server.send_text("last").unwrap();
    assert_eq!(server.data_to_send(), b"\x81\x04last"[..]);
    server.close(1000, "bye").unwrap();
    assert_eq!(server.data_to_send(), b"\x88\x05\x03\xe8bye"[..]);
    assert_eq!(server.state(), State::Closed);
    assert!(server.should_close_transport());
}

#[test]
fn without_auto_close_reply_an_empty_close_is_answered_with_1005_as_empty() {
    let mut client = Connection::open_client(no_auto_reply(), None, SeededEntropy::new(3));
    client.receive_data(b"\x88\x00");
    let outcome = drain(&mut client);
    assert_eq!(outcome.events.len(), 1);
    assert!(client.data_to_send().is_empty());
    client.close(1005, "").unwrap();
    let reply = client.data_to_send();
    assert_eq!((reply[0], reply[1]), (0x88, 0x80), "masked, empty");
    assert_eq!(client.state(), State::Closed);
}

#[test]
fn without_auto_close_reply_a_close_we_started_still_completes() {
    let mut server = Connection::open_server(no_auto_reply(), None);
    server.close(1001, "").unwrap();
    assert_eq!(server.data_to_send(), b"\x88\x02\x03\xe9"[..]);
    server.receive_data(&client_frame(true, 8, &1001u16.to_be_bytes()));
    drain(&mut server);
    assert!(server.data_to_send().is_empty());
    assert_eq!(server.state(), State::Closed);
}
