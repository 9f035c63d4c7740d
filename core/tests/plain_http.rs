//! `Config::plain_http`: a `GET` without `Upgrade` is handed to the host, which answers it
//! with `reject` (a page on the WebSocket's port); without the option it still gets `426`.

use sansocket::{Accept, Config, Connection, Error, Event, HandshakeError, UsageError};

const PAGE_REQUEST: &[u8] =
    b"GET /index.html?room=a HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nAccept: text/html\r\n\r\n";

fn plain_server() -> Connection {
    Connection::server(plain_server_config())
}

#[test]
fn a_page_request_is_delivered_and_answered_with_any_status() {
    let mut server = plain_server();
    server.receive_data(PAGE_REQUEST);
    let Ok(Some(Event::Request(request))) = server.next_event() else {
        panic!("no request")
    };
    assert!(!request.is_upgrade());
    assert_eq!(request.path(), "/index.html");
    assert_eq!(request.query(), Some("room=a"));
    assert_eq!(request.host, "127.0.0.1:8080");
    assert_eq!(request.header("accept"), Some(&b"text/html"[..]));
    assert!(request.subprotocols.is_empty());
    server
        .reject(200, &[("Content-Type", "text/html")], b"<p>hi</p>")
        .unwrap();
    let out = server.data_to_send();
    assert_eq!(
        out,
        &b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 9\r\n\
           Connection: close\r\n\r\n<p>hi</p>"[..]
    );
    assert!(server.should_close_transport());
}

#[test]
fn accept_refuses_a_plain_request_and_leaves_it_pending() {
    let mut server = plain_server();
    server.receive_data(PAGE_REQUEST);
    assert!(matches!(server.next_event(), Ok(Some(Event::Request(_)))));
    assert!(matches!(
        server.accept(Accept::new()),
        Err(UsageError::InvalidState(_))
    ));
    assert!(server.data_to_send().is_empty());
    server.reject(404, &[], b"").unwrap();
    assert!(
        server
            .data_to_send()
            .starts_with(b"HTTP/1.1 404 Not Found\r\n")
    );
}

#[test]
fn upgrades_are_unchanged_under_the_option() {
    let mut server = plain_server();
    server.receive_data(
        b"GET /stomp HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
          Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    );
    let Ok(Some(Event::Request(request))) = server.next_event() else {
        panic!("no request")
    };
    assert!(request.is_upgrade());
    server.accept(Accept::new()).unwrap();
    assert!(
        server
            .data_to_send()
            .starts_with(b"HTTP/1.1 101 Switching Protocols\r\n")
    );
}

#[test]
fn without_the_option_a_page_request_gets_426() {
    let mut server = Connection::server(Config::default());
    server.receive_data(PAGE_REQUEST);
    assert!(matches!(
        server.next_event(),
        Err(Error::Handshake(HandshakeError::UpgradeRequired))
    ));
    assert!(server.data_to_send().starts_with(b"HTTP/1.1 426 "));
}

#[test]
fn the_other_checks_still_apply_to_plain_requests() {
    for (request, status) in [
        (&b"GET / HTTP/1.1\r\n\r\n"[..], "400"),
        (&b"POST / HTTP/1.1\r\nHost: h\r\n\r\n"[..], "405"),
        (&b"GET / HTTP/1.0\r\nHost: h\r\n\r\n"[..], "505"),
    ] {
        let mut server = plain_server();
        server.receive_data(request);
        assert!(matches!(server.next_event(), Err(Error::Handshake(_))));
        let out = server.data_to_send();
        assert!(
            out.starts_with(format!("HTTP/1.1 {status} ").as_bytes()),
            "{}",
            String::from_utf8_lossy(&out)
        );
    }
    let mut server = Connection::server(plain_server_config().max_handshake_size(64));
    server.receive_data(&[b"GET /".as_slice(), &[b'a'; 100], b" HTTP/1.1\r\n"].concat());
    assert!(matches!(
        server.next_event(),
        Err(Error::Handshake(HandshakeError::HeadTooLarge))
    ));
}

fn plain_server_config() -> Config {
    Config::default().plain_http(true)
}
