//! `handshake::ProxyConnect`: the client side of an HTTP CONNECT tunnel, every path, each
//! answer also fed one byte at a time.

use sansocket::handshake::{ProxyConnect, ProxyError, ProxyOutcome};
use sansocket::{Config, Connection, Event, SeededEntropy};

/// Feeds `answer` in pieces of `step` bytes, as a host does: the first outcome or error;
/// after a `Connected`, the pieces not fed yet go to the WebSocket client, so they are added
/// to its `rest` here (the tunnel's bytes must not depend on how reads were cut).
fn feed(
    proxy: &mut ProxyConnect,
    answer: &[u8],
    step: usize,
) -> Result<Option<ProxyOutcome>, ProxyError> {
    let mut fed = 0;
    for piece in answer.chunks(step.max(1)) {
        fed += piece.len();
        match proxy.receive_data(piece)? {
            Some(ProxyOutcome::Connected { mut rest }) => {
                rest.extend_from_slice(&answer[fed..]);
                return Ok(Some(ProxyOutcome::Connected { rest }));
            }
            Some(outcome) => return Ok(Some(outcome)),
            None => {}
        }
    }
    Ok(None)
}

/// The outcome of `answer` for every piece size from 1 to its length: all must agree.
fn outcome_in_any_pieces(answer: &[u8]) -> Result<Option<ProxyOutcome>, ProxyError> {
    let whole = feed(
        &mut ProxyConnect::new("example.com", 443).unwrap(),
        answer,
        answer.len(),
    );
    for step in 1..answer.len() {
        let got = feed(
            &mut ProxyConnect::new("example.com", 443).unwrap(),
            answer,
            step,
        );
        assert_eq!(got, whole, "in pieces of {step}");
    }
    whole
}

#[test]
fn the_request_is_connect_with_host() {
    let mut p = ProxyConnect::new("example.com", 443).unwrap();
    assert_eq!(
        p.data_to_send(),
        b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"
    );
    assert!(p.data_to_send().is_empty(), "sent once");
}

#[test]
fn ipv6_targets_get_brackets_once() {
    for host in ["::1", "[::1]"] {
        let mut p = ProxyConnect::new(host, 8080).unwrap();
        assert!(
            p.data_to_send()
                .starts_with(b"CONNECT [::1]:8080 HTTP/1.1\r\nHost: [::1]:8080\r\n")
        );
    }
}

#[test]
fn credentials_become_basic_proxy_authorization() {
    // RFC 7617 §2's example.
    let mut p = ProxyConnect::new("example.com", 80)
        .unwrap()
        .with_credentials("Aladdin", "open sesame");
    let request = String::from_utf8(p.data_to_send()).unwrap();
    assert_eq!(
        request,
        "CONNECT example.com:80 HTTP/1.1\r\nHost: example.com:80\r\n\
         Proxy-Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n\r\n"
    );
}

#[test]
fn extra_headers_are_added_unless_they_would_split_the_head() {
    let mut p = ProxyConnect::new("h", 1)
        .unwrap()
        .with_header("User-Agent", "t/1")
        .with_header("X-Bad", "a\r\nInjected: 1")
        .with_header("Bad:Name", "v");
    assert_eq!(
        p.data_to_send(),
        b"CONNECT h:1 HTTP/1.1\r\nHost: h:1\r\nUser-Agent: t/1\r\n\r\n"
    );
}

#[test]
fn invalid_targets_are_refused() {
    for host in ["", "a b", "a\r\nb", "a/b", "user@h", "[]", "h?x"] {
        assert_eq!(
            ProxyConnect::new(host, 1).err(),
            Some(ProxyError::InvalidTarget(host.to_owned())),
            "{host:?}"
        );
    }
}

#[test]
fn a_2xx_opens_the_tunnel_and_keeps_the_bytes_after_the_head() {
    let answer = b"HTTP/1.1 200 Connection established\r\nProxy-Agent: t\r\n\r\nHTTP/1.1 101";
    assert_eq!(
        outcome_in_any_pieces(answer),
        Ok(Some(ProxyOutcome::Connected {
            rest: b"HTTP/1.1 101".to_vec()
        }))
    );
    // HTTP/1.0 and bare LF line ends (tinyproxy and squid answer 1.0).
    let answer = b"HTTP/1.0 200 OK\n\n";
    assert_eq!(
        outcome_in_any_pieces(answer),
        Ok(Some(ProxyOutcome::Connected { rest: vec![] }))
    );
}

#[test]
fn after_the_head_in_pieces_the_rest_is_only_what_came_with_the_last_piece() {
    let mut p = ProxyConnect::new("h", 1).unwrap();
    assert_eq!(p.receive_data(b"HTTP/1.1 200 OK\r\n"), Ok(None));
    assert_eq!(
        p.receive_data(b"\r\nabc"),
        Ok(Some(ProxyOutcome::Connected {
            rest: b"abc".to_vec()
        }))
    );
    assert_eq!(p.receive_data(b"more"), Err(ProxyError::Finished));
    assert_eq!(p.receive_eof(), Err(ProxyError::Finished));
}

#[test]
fn a_refusal_with_content_length_has_its_status_headers_and_body() {
    let answer = b"HTTP/1.0 407 Proxy Authentication Required\r\n\
        Proxy-Authenticate: Basic realm=\"t\"\r\nContent-Length: 5\r\n\r\ndeniedEXTRA";
    let Ok(Some(ProxyOutcome::Rejected(r))) = outcome_in_any_pieces(answer) else {
        panic!("not a rejection")
    };
    assert_eq!(
        (r.status, r.reason.as_str()),
        (407, "Proxy Authentication Required")
    );
    assert_eq!(
        r.headers[0],
        (
            "Proxy-Authenticate".to_owned(),
            "Basic realm=\"t\"".to_owned()
        )
    );
    assert_eq!(r.body, b"denie");
}

#[test]
fn a_refusal_without_length_is_read_until_the_proxy_closes() {
    let mut p = ProxyConnect::new("h", 1).unwrap();
    assert_eq!(
        p.receive_data(b"HTTP/1.0 403 Filtered\r\n\r\n<html>"),
        Ok(None)
    );
    assert_eq!(p.receive_data(b"</html>"), Ok(None));
    let Ok(ProxyOutcome::Rejected(r)) = p.receive_eof() else {
        panic!()
    };
    assert_eq!(
        (r.status, r.body.as_slice()),
        (403, b"<html></html>".as_slice())
    );
}

#[test]
fn a_refusal_body_is_bounded() {
    let mut p = ProxyConnect::new("h", 1).unwrap().with_max_body_size(4);
    assert!(
        p.receive_data(b"HTTP/1.1 502 Bad Gateway\r\n\r\n")
            .unwrap()
            .is_none()
    );
    let Ok(Some(ProxyOutcome::Rejected(r))) = p.receive_data(&[b'x'; 100]) else {
        panic!()
    };
    assert_eq!((r.status, r.body.len()), (502, 4));
    // With a Content-Length larger than the limit too, and nothing waited for past it.
    let mut p = ProxyConnect::new("h", 1).unwrap().with_max_body_size(3);
    let answer = b"HTTP/1.1 403 No\r\nContent-Length: 1000000\r\n\r\nabcdef";
    let Ok(Some(ProxyOutcome::Rejected(r))) = p.receive_data(answer) else {
        panic!()
    };
    assert_eq!(r.body, b"abc");
}

#[test]
fn a_refusal_with_an_empty_body_comes_at_once() {
    let answer = b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n";
    let Ok(Some(ProxyOutcome::Rejected(r))) = outcome_in_any_pieces(answer) else {
        panic!()
    };
    assert!(r.body.is_empty());
}

#[test]
fn eof_before_the_answer_is_closed_never_a_hang() {
    let mut p = ProxyConnect::new("h", 1).unwrap();
    assert_eq!(p.receive_eof(), Err(ProxyError::Closed));
    let mut p = ProxyConnect::new("h", 1).unwrap();
    assert_eq!(p.receive_data(b"HTTP/1.1 200 Conn"), Ok(None));
    assert_eq!(p.receive_eof(), Err(ProxyError::Closed));
    assert_eq!(
        p.receive_data(b"ection established\r\n\r\n"),
        Err(ProxyError::Finished)
    );
}

#[test]
fn garbage_and_oversized_heads_are_typed_errors() {
    assert!(matches!(
        outcome_in_any_pieces(b"SSH-2.0-OpenSSH\r\n\r\n"),
        Err(ProxyError::Malformed(_))
    ));
    let bad_length = b"HTTP/1.1 403 No\r\nContent-Length: x\r\n\r\n";
    assert!(matches!(
        outcome_in_any_pieces(bad_length),
        Err(ProxyError::Malformed(_))
    ));
    let mut p = ProxyConnect::new("h", 1).unwrap().with_max_head_size(64);
    assert_eq!(p.receive_data(&[b'a'; 65]), Err(ProxyError::HeadTooLarge));
    let mut many = b"HTTP/1.1 200 OK\r\n".to_vec();
    for _ in 0..200 {
        many.extend_from_slice(b"X: y\r\n");
    }
    many.extend_from_slice(b"\r\n");
    assert_eq!(
        ProxyConnect::new("h", 1).unwrap().receive_data(&many),
        Err(ProxyError::HeadTooLarge)
    );
}

#[test]
fn arbitrary_bytes_never_panic() {
    // A deterministic sweep of short answers: every outcome is an Ok or a typed error.
    let mut seed = 0x1234_5678u32;
    for _ in 0..2000 {
        let mut p = ProxyConnect::new("h", 1).unwrap().with_max_head_size(256);
        let mut bytes = b"HTTP/1.1 ".to_vec();
        for _ in 0..(seed % 300) {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            bytes.push(b"0123 \r\n:HTTP/1.0x"[seed as usize % 17]);
        }
        let _ = p.receive_data(&bytes);
        let _ = p.receive_eof();
    }
}

#[test]
fn the_websocket_handshake_runs_on_the_bytes_after_the_tunnel() {
    // A proxy answer, the server's 101 and a text frame arrive in one read.
    let mut server = Connection::server(Config::default());
    let mut client = Connection::client(
        sansocket::ClientRequest::new("example.com", "/"),
        Config::default(),
        SeededEntropy::new(7),
    )
    .unwrap();
    server.receive_data(&client.data_to_send());
    while let Ok(Some(event)) = server.next_event() {
        if let Event::Request(_) = event {
            server.accept(sansocket::Accept::default()).unwrap();
        }
    }
    server.send_text("through").unwrap();
    let mut read = b"HTTP/1.1 200 Connection established\r\n\r\n".to_vec();
    read.extend_from_slice(&server.data_to_send());
    let mut proxy = ProxyConnect::new("example.com", 80).unwrap();
    let Ok(Some(ProxyOutcome::Connected { rest })) = proxy.receive_data(&read) else {
        panic!()
    };
    client.receive_data(&rest);
    let mut texts = Vec::new();
    while let Ok(Some(event)) = client.next_event() {
        if let Event::Text(t) = event {
            texts.push(t.as_str().to_owned());
        }
    }
    assert_eq!(texts, ["through"]);
}
