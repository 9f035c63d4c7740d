//! The server session: negotiation matrix, every ERROR path (with `message`, `receipt-id`,
//! then closed), DISCONNECT with a receipt.

mod support;

use sansocket_stomp::{
    Command, DecodeEvent, Decoder, Frame, HeartBeat, Limits, ServerConfig, ServerEvent,
    ServerSession, SessionError, UsageError, Version,
};

fn server() -> ServerSession {
    ServerSession::new(ServerConfig::default(), 0)
}

/// Decodes what the server sent (as a 1.2 peer would).
fn sent(s: &mut ServerSession) -> Vec<Frame> {
    let mut d = Decoder::new(s.version(), Limits::default());
    d.receive_data(&s.data_to_send(0));
    let mut out = Vec::new();
    while let Some(e) = d.next_event().expect("valid output") {
        if let DecodeEvent::Frame(f) = e {
            out.push(f);
        }
    }
    out
}

fn connect(s: &mut ServerSession, frame: &[u8]) -> Result<Option<ServerEvent>, SessionError> {
    s.receive_data(frame, 0);
    s.next_event()
}

fn connected(accept: &str) -> (ServerSession, Version) {
    let mut s = server();
    let frame = format!("CONNECT\naccept-version:{accept}\nhost:/\n\n\0");
    let Ok(Some(ServerEvent::Connect(req))) = connect(&mut s, frame.as_bytes()) else {
        panic!()
    };
    s.accept(None).unwrap();
    let f = sent(&mut s);
    assert_eq!(f[0].command(), Command::Connected);
    (s, req.version)
}

#[test]
fn negotiation_matrix() {
    let cases: [(Option<&str>, Version, Option<Version>); 9] = [
        (None, Version::V1_2, Some(Version::V1_0)),
        (Some("1.0"), Version::V1_2, Some(Version::V1_0)),
        (Some("1.1"), Version::V1_2, Some(Version::V1_1)),
        (Some("1.0,1.1,1.2"), Version::V1_2, Some(Version::V1_2)),
        (Some("1.2,1.0"), Version::V1_2, Some(Version::V1_2)),
        (Some("1.0,1.1,1.3"), Version::V1_2, Some(Version::V1_1)),
        (Some("1.3"), Version::V1_2, None),
        (Some("1.1,1.2"), Version::V1_0, None),
        (Some("1.0,1.1,1.2"), Version::V1_1, Some(Version::V1_1)),
    ];
    for (accept, max, expected) in cases {
        let mut s = ServerSession::new(ServerConfig::default().max_version(max), 0);
        let frame = match accept {
            Some(a) => format!("STOMP\naccept-version:{a}\n\n\0"),
            None => "CONNECT\n\n\0".to_owned(),
        };
        match (connect(&mut s, frame.as_bytes()), expected) {
            (Ok(Some(ServerEvent::Connect(req))), Some(v)) => {
                assert_eq!(req.version, v, "{accept:?} {max}");
                s.accept(Some("s1")).unwrap();
                let f = sent(&mut s);
                assert_eq!(f[0].header("version"), Some(v.as_str()));
                assert_eq!(f[0].header("session"), Some("s1"));
            }
            (Err(SessionError::UnsupportedVersion), None) => {
                let f = sent(&mut s);
                assert_eq!(f[0].command(), Command::Error);
                assert_eq!(
                    f[0].header("version"),
                    Some(Version::supported_list(max).as_str())
                );
                assert!(f[0].header("message").is_some());
                assert!(s.should_close_transport());
            }
            (other, _) => panic!("{accept:?} {max}: {other:?}"),
        }
    }
}

fn assert_error(
    s: &mut ServerSession,
    result: Result<Option<ServerEvent>, SessionError>,
    receipt: Option<&str>,
) {
    assert!(result.is_err(), "{result:?}");
    let f = sent(s);
    let last = f.last().expect("an ERROR");
    assert_eq!(last.command(), Command::Error);
    assert!(last.header("message").is_some_and(|m| !m.is_empty()));
    assert_eq!(last.header("receipt-id"), receipt);
    assert!(s.should_close_transport());
    assert!(s.is_closed());
    assert_eq!(s.next_event(), Ok(None));
    s.receive_data(b"SEND\ndestination:/a\n\n\0", 0);
    assert_eq!(s.next_event(), Ok(None));
}

#[test]
fn frames_before_connect_are_refused() {
    for frame in [
        &b"SEND\ndestination:/a\nreceipt:9\n\nx\0"[..],
        b"SUBSCRIBE\nid:1\ndestination:/a\nreceipt:9\n\n\0",
    ] {
        let mut s = server();
        let r = connect(&mut s, frame);
        assert_error(&mut s, r, Some("9"));
    }
}

#[test]
fn second_connect_is_refused() {
    let (mut s, _) = connected("1.2");
    let r = connect(&mut s, b"CONNECT\naccept-version:1.2\nreceipt:r\n\n\0");
    assert_error(&mut s, r, Some("r"));
}

#[test]
fn required_headers() {
    let cases: [(&str, &[u8]); 9] = [
        ("1.2", b"SEND\nreceipt:r\n\nx\0"),
        ("1.2", b"SUBSCRIBE\ndestination:/a\nreceipt:r\n\n\0"),
        ("1.2", b"SUBSCRIBE\nid:1\nreceipt:r\n\n\0"),
        (
            "1.2",
            b"SUBSCRIBE\nid:1\ndestination:/a\nack:sometimes\nreceipt:r\n\n\0",
        ),
        ("1.2", b"UNSUBSCRIBE\nreceipt:r\n\n\0"),
        ("1.2", b"ACK\nmessage-id:1\nreceipt:r\n\n\0"),
        ("1.1", b"ACK\nmessage-id:1\nreceipt:r\n\n\0"),
        ("1.0", b"NACK\nmessage-id:1\nreceipt:r\n\n\0"),
        ("1.2", b"BEGIN\nreceipt:r\n\n\0"),
    ];
    for (version, frame) in cases {
        let (mut s, _) = connected(version);
        let r = connect(&mut s, frame);
        assert_error(&mut s, r, Some("r"));
    }
}

#[test]
fn version_specific_headers_accepted() {
    let cases: [(&str, &[u8]); 5] = [
        ("1.0", b"SUBSCRIBE\ndestination:/a\n\n\0"),
        ("1.0", b"UNSUBSCRIBE\ndestination:/a\n\n\0"),
        ("1.0", b"ACK\nmessage-id:1\n\n\0"),
        ("1.1", b"NACK\nmessage-id:1\nsubscription:s\n\n\0"),
        ("1.2", b"ACK\nid:1\ntransaction:t\n\n\0"),
    ];
    for (version, frame) in cases {
        let (mut s, _) = connected(version);
        assert!(
            matches!(connect(&mut s, frame), Ok(Some(ServerEvent::Frame(_)))),
            "{version} {frame:?}"
        );
    }
}

#[test]
fn server_frames_from_a_client_are_refused() {
    for frame in [
        &b"MESSAGE\n\n\0"[..],
        b"CONNECTED\n\n\0",
        b"RECEIPT\nreceipt-id:1\n\n\0",
        b"ERROR\n\n\0",
    ] {
        let (mut s, _) = connected("1.2");
        let r = connect(&mut s, frame);
        assert_error(&mut s, r, None);
    }
}

#[test]
fn decode_errors_and_limits_become_error_frames() {
    let (mut s, _) = connected("1.2");
    let r = connect(&mut s, b"SEND\ndestination:/a\nreceipt:5\nk:\\t\n\n\0");
    assert!(matches!(
        r,
        Err(SessionError::Decode(
            sansocket_stomp::DecodeError::InvalidEscape
        ))
    ));
    // The receipt of the frame being decoded is carried.
    let f = sent(&mut s);
    assert_eq!(f[0].header("receipt-id"), Some("5"));

    let mut s = ServerSession::new(
        ServerConfig::default().limits(Limits::default().max_body(4)),
        0,
    );
    let r = connect(&mut s, b"CONNECT\naccept-version:1.2\n\n\0");
    assert!(matches!(r, Ok(Some(ServerEvent::Connect(_)))));
    s.accept(None).unwrap();
    let _ = sent(&mut s);
    let r = connect(&mut s, b"SEND\ndestination:/a\ncontent-length:100\n");
    assert_error(&mut s, r, None);
}

#[test]
fn invalid_heart_beat_is_refused() {
    let mut s = server();
    let r = connect(&mut s, b"CONNECT\naccept-version:1.2\nheart-beat:x\n\n\0");
    assert_error(&mut s, r, None);
}

#[test]
fn reject_sends_error_and_closes() {
    let mut s = server();
    let Ok(Some(ServerEvent::Connect(req))) = connect(
        &mut s,
        b"CONNECT\naccept-version:1.2\nlogin:a\npasscode:b\\c\n\n\0",
    ) else {
        panic!()
    };
    assert_eq!(req.passcode.as_deref(), Some("b\\c"));
    s.reject("bad credentials").unwrap();
    let f = sent(&mut s);
    assert_eq!(f[0].command(), Command::Error);
    assert_eq!(f[0].header("message"), Some("bad credentials"));
    assert!(s.should_close_transport());
    assert_eq!(s.accept(None), Err(UsageError::NoPendingConnect));
}

#[test]
fn frames_wait_while_connect_is_pending() {
    let mut s = server();
    s.receive_data(
        b"CONNECT\naccept-version:1.2\n\n\0SEND\ndestination:/a\n\nx\0",
        0,
    );
    assert!(matches!(s.next_event(), Ok(Some(ServerEvent::Connect(_)))));
    assert_eq!(s.next_event(), Ok(None));
    assert_eq!(s.send_receipt("x"), Err(UsageError::NotConnected));
    s.accept(None).unwrap();
    assert!(
        matches!(s.next_event(), Ok(Some(ServerEvent::Frame(f))) if f.command() == Command::Send)
    );
}

#[test]
fn disconnect_with_receipt() {
    let (mut s, _) = connected("1.2");
    let r = connect(&mut s, b"DISCONNECT\nreceipt:77\n\n\0");
    assert!(matches!(r, Ok(Some(ServerEvent::Disconnect(_)))));
    let f = sent(&mut s);
    assert_eq!(f[0].command(), Command::Receipt);
    assert_eq!(f[0].header("receipt-id"), Some("77"));
    assert!(s.should_close_transport());
}

#[test]
fn connected_advertises_heart_beat_except_in_1_0() {
    let (mut s, _) = connected("1.2");
    let _ = &mut s;
    let mut s = ServerSession::new(
        ServerConfig::default().heart_beat(HeartBeat::new(500, 1000)),
        0,
    );
    let _ = connect(
        &mut s,
        b"CONNECT\naccept-version:1.1\nheart-beat:100,2000\n\n\0",
    );
    s.accept(None).unwrap();
    let f = sent(&mut s);
    assert_eq!(f[0].header("heart-beat"), Some("500,1000"));
    // Server sends every max(500, 2000); expects the client every max(100, 1000).
    assert_eq!(s.heart_beat_intervals(), (2000, 1000));

    let mut s = server();
    let _ = connect(&mut s, b"CONNECT\nheart-beat:100,100\n\n\0");
    s.accept(None).unwrap();
    let f = sent(&mut s);
    assert_eq!(f[0].header("heart-beat"), Some("0,0"));
    assert_eq!(s.poll_timeout(), None);
}

#[test]
fn send_error_closes_and_send_frame_refused_after() {
    let (mut s, _) = connected("1.2");
    s.send_error("bye", Some("r1")).unwrap();
    let f = sent(&mut s);
    assert_eq!(f[0].header("receipt-id"), Some("r1"));
    assert_eq!(s.send_receipt("x"), Err(UsageError::Closed));
}

#[test]
fn eof_closes() {
    let (mut s, _) = connected("1.2");
    s.receive_eof();
    assert!(s.should_close_transport());
    assert_eq!(s.next_event(), Ok(None));
}

#[test]
fn data_buffered_while_connect_waits_is_bounded() {
    let limits = Limits::default().max_header_block(100).max_body(100);
    let mut s = ServerSession::new(ServerConfig::default().limits(limits), 0);
    s.receive_data(b"CONNECT\naccept-version:1.2\n\n\0", 0);
    assert!(matches!(s.next_event(), Ok(Some(ServerEvent::Connect(_)))));
    s.receive_data(&[b'x'; 150], 0);
    assert_eq!(s.next_event(), Ok(None));
    s.receive_data(&[b'x'; 60], 0);
    assert!(matches!(s.next_event(), Err(SessionError::Protocol(_))));
    assert!(s.should_close_transport());
}
