//! `Connection::next_event_batched`: a host that hands events over in batches (the WASM
//! binding) must let the application answer the events before a protocol error, as
//! `next_event` does between calls (Autobahn 3.2, 4.1.3, 5.15…: the echo of the message
//! before the bad frame goes out before the close frame).

use sansocket::advanced::ConnectionExt;
use sansocket::{Config, Connection, Error, Event, ProtocolError, State};

/// A masked text frame "Hello" (RFC 6455 §5.7), then a frame with reserved opcode 3.
const HELLO_THEN_BAD: [u8; 17] = [
    0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58, 0x83, 0x80, 1, 2, 3, 4,
];

#[test]
fn the_error_is_reported_at_once_and_acted_on_by_the_next_next_event() {
    let mut conn = Connection::open_server(Config::default(), None);
    conn.receive_data(&HELLO_THEN_BAD);
    let Ok(Some(Event::Text(text))) = conn.next_event_batched() else {
        panic!("expected the text first");
    };
    assert_eq!(text.as_str(), "Hello");
    let error = conn.next_event_batched();
    assert_eq!(
        error,
        Err(Error::Protocol(ProtocolError::ReservedOpcode(3)))
    );
    // Not acted on yet: the application can still answer the text.
    assert_eq!(conn.state(), State::Open);
    assert!(!conn.should_close_transport());
    assert_eq!(
        conn.next_event_batched(),
        Ok(None),
        "nothing past the error"
    );
    conn.send_text("Hello").unwrap();

    // The next next_event fails the connection exactly as next_event would have.
    let again = conn.next_event();
    assert_eq!(
        again,
        Err(Error::Protocol(ProtocolError::ReservedOpcode(3)))
    );
    assert_eq!(conn.next_event(), Ok(None));
    assert!(conn.should_close_transport());
    assert_eq!(conn.state(), State::Closed);
    let out = conn.data_to_send();
    assert_eq!(&out[..7], b"\x81\x05Hello", "the echo goes out first");
    assert_eq!(
        &out[7..11],
        b"\x88\x10\x03\xea",
        "then the close frame with 1002"
    );
}

#[test]
fn an_invalid_close_frame_is_deferred_too() {
    let mut conn = Connection::open_server(Config::default(), None);
    // A masked close frame with a one-byte payload (invalid, §5.5.1).
    conn.receive_data(&[0x88, 0x81, 0, 0, 0, 0, 0x03]);
    assert_eq!(
        conn.next_event_batched(),
        Err(Error::Protocol(ProtocolError::InvalidClosePayload))
    );
    assert_eq!(conn.state(), State::Open);
    assert_eq!(
        conn.next_event(),
        Err(Error::Protocol(ProtocolError::InvalidClosePayload))
    );
    assert!(conn.should_close_transport());
}

#[test]
fn handshake_errors_and_eof_are_acted_on_at_once() {
    let mut conn = Connection::server(Config::default());
    conn.receive_data(b"POST / HTTP/1.1\r\nHost: h\r\n\r\n");
    assert!(matches!(
        conn.next_event_batched(),
        Err(Error::Handshake(_))
    ));
    assert!(conn.should_close_transport());
    assert!(conn.data_to_send().starts_with(b"HTTP/1.1 405 "));
    assert_eq!(
        conn.next_event(),
        Ok(None),
        "calling next_event after it is harmless"
    );

    let mut conn = Connection::open_server(Config::default(), None);
    conn.receive_eof();
    assert_eq!(
        conn.next_event_batched(),
        Err(Error::Protocol(ProtocolError::AbnormalClosure))
    );
    assert_eq!(conn.next_event(), Ok(None));
}

#[test]
fn without_errors_it_is_next_event() {
    let mut a = Connection::open_server(Config::default(), None);
    let mut b = Connection::open_server(Config::default(), None);
    let input = [
        &HELLO_THEN_BAD[..11],
        &[0x89, 0x80, 9, 9, 9, 9][..], // a ping
        &HELLO_THEN_BAD[..11],
    ]
    .concat();
    a.receive_data(&input);
    b.receive_data(&input);
    loop {
        let (x, y) = (a.next_event(), b.next_event_batched());
        assert_eq!(x, y);
        if x == Ok(None) {
            break;
        }
    }
    assert_eq!(a.data_to_send(), b.data_to_send());
}
