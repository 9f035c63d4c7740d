//! The opening handshake through the API: what `Request`, `Response` and `Rejection`
//! carry, subprotocol selection, and the checks on what the host asks to send.

use sansocket_test_support as support;

use sansocket::{
    Accept, ClientRequest, Config, Connection, Error, Event, HandshakeError, SeededEntropy, State,
    UsageError,
};
use support::{SAMPLE_REQUEST, events, pending_server, transfer};

fn request_event(conn: &mut Connection) -> Box<sansocket::Request> {
    match conn.next_event() {
        Ok(Some(Event::Request(r))) => r,
        other => panic!("expected a request, got {other:?}"),
    }
}

#[test]
fn request_carries_headers_in_order_with_raw_values() {
    let mut server = Connection::server(Config::default());
    server.receive_data(
        b"GET /chat?room=1&x=%20 HTTP/1.1\r\nHost: example.com:8080\r\nUpgrade: websocket\r\n\
          Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
          Sec-WebSocket-Version: 13\r\nCookie: a=1; b=\xc3\xa9\r\nX-Multi: 1\r\nx-multi: 2\r\n\r\n",
    );
    let r = request_event(&mut server);
    assert_eq!(r.path(), "/chat");
    assert_eq!(r.query(), Some("room=1&x=%20"));
    assert_eq!(r.host, "example.com:8080");
    assert_eq!(r.origin, None);
    assert_eq!(r.header("cookie"), Some("a=1; b=é".as_bytes()));
    assert_eq!(r.header("X-MULTI"), Some(&b"1"[..]));
    let names: Vec<&str> = r.headers.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "Host",
            "Upgrade",
            "Connection",
            "Sec-WebSocket-Key",
            "Sec-WebSocket-Version",
            "Cookie",
            "X-Multi",
            "x-multi"
        ]
    );
}

#[test]
fn the_server_preference_selects_the_subprotocol() {
    let mut server = Connection::server(Config::default());
    server.receive_data(SAMPLE_REQUEST);
    let r = request_event(&mut server);
    assert_eq!(r.subprotocols, ["chat", "superchat"]);
    assert_eq!(
        r.select_subprotocol(&["superchat", "chat"]),
        Some("superchat")
    );
    assert_eq!(r.select_subprotocol(&["mqtt", "chat"]), Some("chat"));
    assert_eq!(
        r.select_subprotocol(&["Chat"]),
        None,
        "names are case-sensitive"
    );
    assert_eq!(r.select_subprotocol::<&str>(&[]), None);
}

#[test]
fn end_to_end_subprotocol_and_extra_headers() {
    let mut server = Connection::server(Config::default());
    let request = ClientRequest::new("example.com", "/ws")
        .origin("https://example.com")
        .subprotocol("v12.stomp")
        .subprotocol("v11.stomp")
        .header("Authorization", "Bearer t");
    let mut client = Connection::client(request, Config::default(), SeededEntropy::new(3)).unwrap();
    assert_eq!(client.state(), State::Connecting);
    transfer(&mut client, &mut server);
    let r = request_event(&mut server);
    assert_eq!(r.origin.as_deref(), Some("https://example.com"));
    assert_eq!(r.header("authorization"), Some(&b"Bearer t"[..]));
    let chosen = r
        .select_subprotocol(&["v11.stomp", "v12.stomp"])
        .map(str::to_owned);
    server
        .accept(
            Accept::new()
                .subprotocol(chosen.unwrap())
                .header("Set-Cookie", "s=1"),
        )
        .unwrap();
    assert_eq!(server.subprotocol(), Some("v11.stomp"));
    transfer(&mut server, &mut client);
    let Ok(Some(Event::Accepted(response))) = client.next_event() else {
        panic!("not accepted");
    };
    assert_eq!(response.subprotocol.as_deref(), Some("v11.stomp"));
    assert!(
        response
            .headers
            .iter()
            .any(|(n, v)| n == "Set-Cookie" && v == b"s=1")
    );
    assert_eq!(client.subprotocol(), Some("v11.stomp"));
    assert_eq!((client.state(), server.state()), (State::Open, State::Open));
}

#[test]
fn each_client_gets_a_fresh_key() {
    let key = |seed| {
        let mut c = Connection::client(
            ClientRequest::new("h", "/"),
            Config::default(),
            SeededEntropy::new(seed),
        )
        .unwrap();
        let mut server = Connection::server(Config::default());
        transfer(&mut c, &mut server);
        request_event(&mut server).key
    };
    assert_ne!(key(1), key(2));
    assert_eq!(key(1), key(1));
    assert_eq!(key(1).len(), 24);
}

#[test]
fn the_host_may_bring_its_own_entropy() {
    let mut calls = 0u8;
    let entropy = move |buf: &mut [u8]| {
        calls = calls.wrapping_add(1);
        buf.fill(calls);
    };
    let mut c =
        Connection::client(ClientRequest::new("h", "/"), Config::default(), entropy).unwrap();
    let request = String::from_utf8(c.data_to_send().to_vec()).unwrap();
    // 16 bytes of 0x01, in base64.
    assert!(
        request.contains("Sec-WebSocket-Key: AQEBAQEBAQEBAQEBAQEBAQ==\r\n"),
        "{request}"
    );
}

#[test]
fn client_request_is_checked_before_anything_is_sent() {
    let bad = [
        ClientRequest::new("h", "/").header("X-Evil", "a\r\nInjected: 1"),
        ClientRequest::new("h", "/").header("Bad Name", "v"),
        ClientRequest::new("h\r\nX: 1", "/"),
        ClientRequest::new("h", "/a b"),
        ClientRequest::new("h", "/").origin("o\n"),
        ClientRequest::new("h", "/").subprotocol("two words"),
        ClientRequest::new("h", "/").subprotocol(""),
    ];
    for request in bad {
        let result = Connection::client(request.clone(), Config::default(), SeededEntropy::new(1));
        assert!(
            matches!(result, Err(UsageError::InvalidHeader(_))),
            "{request:?} gave {result:?}"
        );
    }
    // An empty target means "/".
    let mut c = Connection::client(
        ClientRequest::new("h", ""),
        Config::default(),
        SeededEntropy::new(1),
    )
    .unwrap();
    assert!(c.data_to_send().starts_with(b"GET / HTTP/1.1\r\n"));
}

#[test]
fn refused_accepts_leave_the_request_pending() {
    let mut server = pending_server(Config::default());
    assert_eq!(
        server.accept(Accept::new().subprotocol("mqtt")),
        Err(UsageError::SubprotocolNotOffered("mqtt".into()))
    );
    assert!(matches!(
        server.accept(Accept::new().header("X", "a\r\nb: c")),
        Err(UsageError::InvalidHeader(_))
    ));
    assert!(matches!(
        server.reject(403, &[("X", "a\nb")], b""),
        Err(UsageError::InvalidHeader(_))
    ));
    for status in [0, 99, 101, 1000] {
        assert_eq!(
            server.reject(status, &[], b""),
            Err(UsageError::InvalidStatus(status))
        );
    }
    assert!(server.data_to_send().is_empty());
    assert_eq!(server.state(), State::Connecting);
    server.accept(Accept::new().subprotocol("chat")).unwrap();
    assert!(server.data_to_send().starts_with(b"HTTP/1.1 101 "));
}

#[test]
fn accept_and_reject_need_a_pending_request() {
    let mut server = Connection::server(Config::default());
    assert_eq!(
        server.accept(Accept::new()),
        Err(UsageError::NoPendingRequest)
    );
    server.receive_data(&SAMPLE_REQUEST[..20]);
    assert_eq!(server.next_event(), Ok(None));
    assert_eq!(
        server.reject(400, &[], b""),
        Err(UsageError::NoPendingRequest)
    );
    server.receive_data(&SAMPLE_REQUEST[20..]);
    request_event(&mut server);
    server.accept(Accept::new()).unwrap();
    assert_eq!(
        server.accept(Accept::new()),
        Err(UsageError::NoPendingRequest)
    );
    assert_eq!(
        server.reject(403, &[], b""),
        Err(UsageError::NoPendingRequest)
    );

    let mut client = Connection::client(
        ClientRequest::new("h", "/"),
        Config::default(),
        SeededEntropy::new(1),
    )
    .unwrap();
    assert_eq!(
        client.accept(Accept::new()),
        Err(UsageError::NoPendingRequest)
    );
    let mut open = Connection::open_server(Config::default(), None);
    assert_eq!(
        open.reject(403, &[], b""),
        Err(UsageError::NoPendingRequest)
    );
}

#[test]
fn rejection_reports_status_headers_and_body() {
    let mut client = Connection::client(
        ClientRequest::new("h", "/"),
        Config::default(),
        SeededEntropy::new(1),
    )
    .unwrap();
    let mut server = pending_server(Config::default());
    let _ = client.data_to_send(); // not checked here
    server
        .reject(
            401,
            &[("WWW-Authenticate", "Basic realm=\"x\"")],
            b"who are you?",
        )
        .unwrap();
    assert!(server.should_close_transport());
    assert_eq!(server.state(), State::Closed);
    transfer(&mut server, &mut client);
    let Ok(Some(Event::Rejected(rejection))) = client.next_event() else {
        panic!("not rejected");
    };
    assert_eq!(rejection.status, 401);
    assert_eq!(rejection.reason, "Unauthorized");
    assert_eq!(&rejection.body[..], b"who are you?");
    assert!(
        rejection
            .headers
            .iter()
            .any(|(n, v)| n == "WWW-Authenticate" && v == b"Basic realm=\"x\"")
    );
    assert!(client.should_close_transport());
    assert_eq!(client.state(), State::Closed);
    assert!(client.send_text("x").is_err());
}

#[test]
fn server_error_answers_explain_themselves() {
    let mut server = Connection::server(Config::default());
    server.receive_data(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n");
    let err = server.next_event().unwrap_err();
    assert_eq!(err, Error::Handshake(HandshakeError::UpgradeRequired));
    assert_eq!(err.status(), Some(426));
    let out = String::from_utf8(server.data_to_send().to_vec()).unwrap();
    assert!(
        out.starts_with("HTTP/1.1 426 Upgrade Required\r\n"),
        "{out}"
    );
    assert!(out.contains("\r\nUpgrade: websocket\r\n"));
    assert!(out.ends_with(&format!("{}\n", HandshakeError::UpgradeRequired)));
    // Nothing more happens afterwards.
    assert_eq!(server.next_event(), Ok(None));
    server.receive_data(SAMPLE_REQUEST);
    assert_eq!(server.next_event(), Ok(None));
    assert!(server.data_to_send().is_empty());
}

#[test]
fn pipelined_frames_wait_for_accept() {
    let mut server = Connection::server(Config::default());
    let mut input = SAMPLE_REQUEST.to_vec();
    input.extend_from_slice(&support::client_frame(true, 1, b"early"));
    server.receive_data(&input);
    request_event(&mut server);
    assert_eq!(server.buffered_input(), 6 + 5);
    for _ in 0..3 {
        assert_eq!(server.next_event(), Ok(None));
    }
    server.accept(Accept::new()).unwrap();
    assert_eq!(events(&mut server), [Event::Text("early".into())]);
    assert_eq!(server.buffered_input(), 0);
}

#[test]
fn open_connections_report_their_subprotocol() {
    let server = Connection::open_server(Config::default(), Some("chat".into()));
    let client = Connection::open_client(
        Config::default(),
        Some("chat".into()),
        SeededEntropy::new(1),
    );
    assert_eq!(server.subprotocol(), Some("chat"));
    assert_eq!(client.subprotocol(), Some("chat"));
    assert_eq!((server.state(), client.state()), (State::Open, State::Open));
    assert_eq!(
        (server.role(), client.role()),
        (sansocket::Role::Server, sansocket::Role::Client)
    );
}

#[test]
fn client_handshake_errors_are_not_http_answers() {
    let mut client = Connection::client(
        ClientRequest::new("h", "/"),
        Config::default(),
        SeededEntropy::new(1),
    )
    .unwrap();
    let _ = client.data_to_send(); // not checked here
    client.receive_data(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
          Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n",
    );
    let err = client.next_event().unwrap_err();
    assert_eq!(err, Error::Handshake(HandshakeError::InvalidAccept));
    assert_eq!(err.status(), None);
    assert_eq!(err.close_code(), None);
    assert!(client.data_to_send().is_empty());
    assert!(client.should_close_transport());
    assert_eq!(client.next_event(), Ok(None));
}
