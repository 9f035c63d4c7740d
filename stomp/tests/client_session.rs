//! The client session against a server session in memory: CONNECT headers, subscriptions,
//! ACK/NACK per version, transactions, receipts, DISCONNECT, ERROR.

use sansocket_stomp::{
    AckMode, ClientConfig, ClientEvent, ClientSession, Command, Frame, ServerConfig, ServerEvent,
    ServerSession, SessionError, UsageError, Version,
};

/// Runs the CONNECT exchange and returns both sides.
fn pair(config: ClientConfig, server_max: Version) -> (ClientSession, ServerSession) {
    let mut c = ClientSession::new(config, 0).unwrap();
    let mut s = ServerSession::new(ServerConfig::default().max_version(server_max), 0);
    s.receive_data(&c.data_to_send(0), 0);
    let Ok(Some(ServerEvent::Connect(_))) = s.next_event() else {
        panic!()
    };
    s.accept(Some("s")).unwrap();
    c.receive_data(&s.data_to_send(0), 0);
    assert!(matches!(
        c.next_event(),
        Ok(Some(ClientEvent::Connected(_)))
    ));
    (c, s)
}

/// Moves the client's bytes to the server and returns the frames it decoded.
fn to_server(c: &mut ClientSession, s: &mut ServerSession) -> Vec<Frame> {
    s.receive_data(&c.data_to_send(0), 0);
    let mut out = Vec::new();
    while let Some(e) = s.next_event().unwrap() {
        match e {
            ServerEvent::Frame(f) | ServerEvent::Disconnect(f) => out.push(f),
            _ => {}
        }
    }
    out
}

fn message(
    s: &mut ServerSession,
    c: &mut ClientSession,
    sub: &str,
    id: &str,
    ack: Option<&str>,
) -> sansocket_stomp::Message {
    let mut f = Frame::new(Command::Message)
        .with_header("subscription", sub)
        .with_header("message-id", id)
        .with_header("destination", "/queue/a");
    if let Some(a) = ack {
        f.push_header("ack", a);
    }
    s.send_frame(&f.with_body("m")).unwrap();
    c.receive_data(&s.data_to_send(0), 0);
    let Ok(Some(ClientEvent::Message(m))) = c.next_event() else {
        panic!()
    };
    m
}

#[test]
fn connect_frame_headers() {
    let mut c = ClientSession::new(
        ClientConfig::default()
            .host("vh")
            .credentials("u", "p:\\w")
            .max_version(Version::V1_1)
            .header("x", "y"),
        0,
    )
    .unwrap();
    let bytes = c.data_to_send(0);
    assert_eq!(
        bytes,
        b"CONNECT\naccept-version:1.0,1.1\nhost:vh\nheart-beat:10000,10000\nlogin:u\npasscode:p:\\w\nx:y\n\n\0"
    );
    let mut c = ClientSession::new(ClientConfig::default().stomp_command(true), 0).unwrap();
    assert!(c.data_to_send(0).starts_with(b"STOMP\n"));
}

#[test]
fn connected_reports_version_and_heart_beats() {
    let mut c = ClientSession::new(ClientConfig::default(), 0).unwrap();
    let _ = c.data_to_send(0);
    c.receive_data(
        b"CONNECTED\nversion:1.1\nheart-beat:5000,20000\nserver:x/1\nsession:abc\n\n\0",
        0,
    );
    let Ok(Some(ClientEvent::Connected(k))) = c.next_event() else {
        panic!()
    };
    assert_eq!(k.version, Version::V1_1);
    assert_eq!(k.server.as_deref(), Some("x/1"));
    assert_eq!(k.session.as_deref(), Some("abc"));
    assert_eq!(k.heart_beat, (20000, 10000));
    // No version header: 1.0.
    let mut c = ClientSession::new(ClientConfig::default(), 0).unwrap();
    c.receive_data(b"CONNECTED\n\n\0", 0);
    let Ok(Some(ClientEvent::Connected(k))) = c.next_event() else {
        panic!()
    };
    assert_eq!(k.version, Version::V1_0);
    assert_eq!(k.heart_beat, (0, 0));
}

#[test]
fn a_version_not_offered_is_an_error() {
    let mut c = ClientSession::new(ClientConfig::default().max_version(Version::V1_1), 0).unwrap();
    c.receive_data(b"CONNECTED\nversion:1.2\n\n\0", 0);
    assert!(matches!(c.next_event(), Err(SessionError::Protocol(_))));
    assert!(c.is_closed());
}

#[test]
fn error_frame_is_a_typed_error() {
    let mut c = ClientSession::new(ClientConfig::default(), 0).unwrap();
    c.receive_data(b"ERROR\nmessage:bad login\n\ndetails\0", 0);
    match c.next_event() {
        Err(SessionError::Server { message, frame }) => {
            assert_eq!(message, "bad login");
            assert_eq!(&frame.body()[..], b"details");
        }
        other => panic!("{other:?}"),
    }
    assert!(c.should_close_transport());
    assert_eq!(c.send("/a", "x", &[]), Err(UsageError::Closed));
}

#[test]
fn subscribe_send_unsubscribe() {
    let (mut c, mut s) = pair(ClientConfig::default(), Version::V1_2);
    let id = c
        .subscribe("/queue/a", AckMode::ClientIndividual, &[])
        .unwrap();
    c.send(
        "/queue/a",
        "hi",
        &[("content-type".into(), "text/plain".into())],
    )
    .unwrap();
    c.unsubscribe(&id, &[]).unwrap();
    assert_eq!(
        c.unsubscribe(&id, &[]),
        Err(UsageError::UnknownSubscription)
    );
    let f = to_server(&mut c, &mut s);
    assert_eq!(f[0].header("id"), Some(id.as_str()));
    assert_eq!(f[0].header("ack"), Some("client-individual"));
    assert_eq!(f[1].header("content-length"), Some("2"));
    assert_eq!(f[1].header("content-type"), Some("text/plain"));
    assert_eq!(f[2].command(), Command::Unsubscribe);
}

#[test]
fn ack_and_nack_headers_per_version() {
    // 1.2: id = the MESSAGE's ack header.
    let (mut c, mut s) = pair(ClientConfig::default(), Version::V1_2);
    let m = message(&mut s, &mut c, "sub-0", "m1", Some("a1"));
    c.ack(&m, None).unwrap();
    c.nack(&m, Some("tx")).unwrap();
    let f = to_server(&mut c, &mut s);
    assert_eq!(f[0].headers(), [("id".to_owned(), "a1".to_owned())]);
    assert_eq!(f[1].command(), Command::Nack);
    assert_eq!(f[1].header("transaction"), Some("tx"));
    // 1.1: message-id + subscription.
    let (mut c, mut s) = pair(ClientConfig::default(), Version::V1_1);
    let m = message(&mut s, &mut c, "sub-0", "m1", None);
    c.ack(&m, None).unwrap();
    let f = to_server(&mut c, &mut s);
    assert_eq!(f[0].header("message-id"), Some("m1"));
    assert_eq!(f[0].header("subscription"), Some("sub-0"));
    // 1.0: message-id, and no NACK.
    let (mut c, mut s) = pair(ClientConfig::default(), Version::V1_0);
    let m = message(&mut s, &mut c, "sub-0", "m1", None);
    c.ack(&m, None).unwrap();
    assert_eq!(c.nack(&m, None), Err(UsageError::NotInVersion));
    let f = to_server(&mut c, &mut s);
    assert_eq!(f[0].headers(), [("message-id".to_owned(), "m1".to_owned())]);
}

#[test]
fn transactions() {
    let (mut c, mut s) = pair(ClientConfig::default(), Version::V1_2);
    let tx = c.begin(&[]).unwrap();
    c.send("/queue/a", "1", &[("transaction".into(), tx.clone())])
        .unwrap();
    c.commit(&tx, &[]).unwrap();
    assert_eq!(c.commit(&tx, &[]), Err(UsageError::UnknownTransaction));
    let tx2 = c.begin(&[]).unwrap();
    c.abort(&tx2, &[]).unwrap();
    let f = to_server(&mut c, &mut s);
    let commands: Vec<Command> = f.iter().map(Frame::command).collect();
    assert_eq!(
        commands,
        [
            Command::Begin,
            Command::Send,
            Command::Commit,
            Command::Begin,
            Command::Abort
        ]
    );
    assert_eq!(f[1].header("transaction"), Some(tx.as_str()));
}

#[test]
fn receipts_complete_requests() {
    let (mut c, mut s) = pair(ClientConfig::default(), Version::V1_2);
    c.send("/queue/a", "1", &[("receipt".into(), "r-1".into())])
        .unwrap();
    assert_eq!(c.pending_receipts(), ["r-1"]);
    let f = to_server(&mut c, &mut s);
    s.send_receipt(f[0].header("receipt").unwrap()).unwrap();
    c.receive_data(&s.data_to_send(0), 0);
    assert_eq!(c.next_event(), Ok(Some(ClientEvent::Receipt("r-1".into()))));
    assert!(c.pending_receipts().is_empty());
}

#[test]
fn graceful_disconnect() {
    let (mut c, mut s) = pair(ClientConfig::default(), Version::V1_2);
    c.disconnect(true).unwrap();
    assert_eq!(c.send("/a", "x", &[]), Err(UsageError::Closed));
    assert!(!c.should_close_transport());
    let f = to_server(&mut c, &mut s);
    assert_eq!(f[0].command(), Command::Disconnect);
    c.receive_data(&s.data_to_send(0), 0);
    assert_eq!(c.next_event(), Ok(Some(ClientEvent::Disconnected)));
    assert!(c.should_close_transport());
}

#[test]
fn disconnect_without_receipt_closes_at_once() {
    let (mut c, _s) = pair(ClientConfig::default(), Version::V1_2);
    c.disconnect(false).unwrap();
    assert!(c.data_to_send(0).starts_with(b"DISCONNECT\n"));
    assert!(c.should_close_transport());
}

#[test]
fn unexpected_server_frames() {
    let mut c = ClientSession::new(ClientConfig::default(), 0).unwrap();
    c.receive_data(b"MESSAGE\n\n\0", 0);
    assert!(matches!(c.next_event(), Err(SessionError::Protocol(_))));
    let (mut c, _s) = pair(ClientConfig::default(), Version::V1_2);
    c.receive_data(b"SEND\ndestination:/a\n\n\0", 0);
    assert!(matches!(c.next_event(), Err(SessionError::Protocol(_))));
}

#[test]
fn frames_queued_before_connected_follow_connect() {
    let mut c = ClientSession::new(ClientConfig::default(), 0).unwrap();
    c.subscribe("/topic/t", AckMode::Auto, &[]).unwrap();
    let bytes = c.data_to_send(0);
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.starts_with("CONNECT\n"));
    assert!(text.contains("\0SUBSCRIBE\n"));
    assert_eq!(
        c.ack(
            &sansocket_stomp::Message {
                subscription: String::new(),
                destination: String::new(),
                message_id: String::new(),
                ack: None,
                frame: Frame::new(Command::Message),
            },
            None
        ),
        Err(UsageError::NotConnected)
    );
}
