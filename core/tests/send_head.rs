//! `send_head`: the header of a whole server message whose payload the host writes itself.
//! The bytes are those of `send_binary`/`send_text` at every length form, nothing is
//! queued, a client peer decodes the message, and every refusal leaves the connection as
//! it was.

use sansocket_test_support as support;

use sansocket::advanced::ConnectionExt;
#[cfg(feature = "deflate")]
use sansocket::deflate::DeflateConfig;
use sansocket::frame::MAX_HEADER_LEN;
use sansocket::{Config, Connection, Event, MessageKind, UsageError};
use support::{default_pair, events, pending_server, text_of_len};

/// Around the 7-bit, 16-bit and 64-bit length forms.
const SIZES: [usize; 9] = [0, 1, 125, 126, 127, 65_535, 65_536, 65_537, 1 << 20];

fn payload(kind: MessageKind, len: usize) -> Vec<u8> {
    match kind {
        MessageKind::Text => text_of_len(len).into_bytes(),
        _ => (0..len).map(|i| (i as u8).wrapping_mul(7)).collect(),
    }
}

fn head(conn: &mut Connection, kind: MessageKind, len: usize) -> Result<Vec<u8>, UsageError> {
    let mut header = [0xaa; MAX_HEADER_LEN];
    let n = conn.send_head(kind, len, &mut header)?;
    Ok(header[..n].to_vec())
}

#[test]
fn header_and_payload_are_the_bytes_of_send_binary_and_send_text() {
    for kind in [MessageKind::Binary, MessageKind::Text] {
        for len in SIZES {
            let data = payload(kind, len);
            let (mut server, _) = default_pair();
            match kind {
                MessageKind::Text => server.send_text(std::str::from_utf8(&data).unwrap()),
                _ => server.send_binary(&data),
            }
            .unwrap();
            let queued = server.data_to_send();

            let (mut server, _) = default_pair();
            let mut wire = head(&mut server, kind, len).unwrap();
            assert!((2..=10).contains(&wire.len()), "{kind:?} {len}");
            wire.extend_from_slice(&data);
            assert_eq!(wire, queued.to_vec(), "{kind:?} of {len} bytes");
        }
    }
}

#[test]
fn nothing_is_queued_and_the_client_decodes_the_message() {
    let (mut server, mut client) = default_pair();
    // A ping answered before: its pong is what data_to_send returns first.
    client.ping(b"p").unwrap();
    server.receive_data(&client.data_to_send());
    assert!(matches!(&events(&mut server)[..], [Event::Ping(_)]));
    let before = server.buffered_amount();
    assert!(before > 0);

    let data = payload(MessageKind::Text, 70_000);
    let header = head(&mut server, MessageKind::Text, data.len()).unwrap();
    assert_eq!(server.buffered_amount(), before);
    let mut wire = server.data_to_send().to_vec();
    wire.extend_from_slice(&header);
    wire.extend_from_slice(&data);
    let header = head(&mut server, MessageKind::Binary, 3).unwrap();
    wire.extend_from_slice(&header);
    wire.extend_from_slice(b"abc");
    assert!(server.data_to_send().is_empty());

    client.receive_data(&wire);
    let got = events(&mut client);
    assert!(
        matches!(&got[0], Event::Pong(p) if p[..] == b"p"[..]),
        "{got:?}"
    );
    assert!(matches!(&got[1], Event::Text(t) if t.as_bytes() == &data[..]));
    assert!(matches!(&got[2], Event::Binary(b) if b[..] == b"abc"[..]));
    assert_eq!(got.len(), 3);
}

fn refused(conn: &mut Connection, kind: MessageKind) -> UsageError {
    let mut header = [0u8; MAX_HEADER_LEN];
    let before = conn.buffered_amount();
    let err = conn.send_head(kind, 5, &mut header).unwrap_err();
    assert_eq!(header, [0u8; MAX_HEADER_LEN], "header written on {err:?}");
    assert_eq!(conn.buffered_amount(), before, "queued on {err:?}");
    err
}

#[test]
fn refused_before_the_handshake_is_complete() {
    let mut server = Connection::server(Config::default());
    assert!(matches!(
        refused(&mut server, MessageKind::Binary),
        UsageError::InvalidState(_)
    ));
    let mut server = pending_server(Config::default());
    assert!(matches!(
        refused(&mut server, MessageKind::Text),
        UsageError::InvalidState(_)
    ));
}

#[test]
fn refused_on_a_client_whose_payloads_are_masked() {
    let (_, mut client) = default_pair();
    let err = refused(&mut client, MessageKind::Binary);
    assert!(matches!(err, UsageError::InvalidState(why) if why.contains("client")));
    // The client still sends normally.
    client.send_binary(b"x").unwrap();
    assert!(!client.data_to_send().is_empty());
}

#[test]
fn refused_after_a_close_frame_was_sent_or_received_and_on_failure() {
    let (mut server, _) = default_pair();
    server.close(1000, "").unwrap();
    assert!(matches!(
        refused(&mut server, MessageKind::Binary),
        UsageError::InvalidState(_)
    ));

    // A close from the client: the server replies, then may send nothing more.
    let (mut server, mut client) = default_pair();
    client.close(1000, "").unwrap();
    server.receive_data(&client.data_to_send());
    let _ = events(&mut server);
    assert!(matches!(
        refused(&mut server, MessageKind::Text),
        UsageError::InvalidState(_)
    ));

    // A protocol error (an unmasked frame from the client) fails the connection.
    let (mut server, _) = default_pair();
    server.receive_data(&[0x82, 0x00]);
    assert!(support::drain(&mut server).error.is_some());
    assert!(matches!(
        refused(&mut server, MessageKind::Binary),
        UsageError::InvalidState(_)
    ));

    // The end of the input.
    let (mut server, _) = default_pair();
    server.receive_eof();
    let _ = support::drain(&mut server);
    assert!(matches!(
        refused(&mut server, MessageKind::Binary),
        UsageError::InvalidState(_)
    ));
}

#[test]
fn refused_while_a_fragmented_message_is_unfinished() {
    let (mut server, mut client) = default_pair();
    server
        .send_fragment(MessageKind::Binary, b"ab", false)
        .unwrap();
    for kind in [MessageKind::Binary, MessageKind::Text] {
        assert_eq!(refused(&mut server, kind), UsageError::FragmentOrder);
    }
    server
        .send_fragment(MessageKind::Binary, b"c", true)
        .unwrap();
    let mut wire = server.data_to_send().to_vec();
    wire.extend_from_slice(&head(&mut server, MessageKind::Binary, 1).unwrap());
    wire.push(b'd');
    client.receive_data(&wire);
    let got = events(&mut client);
    assert!(matches!(&got[..], [Event::Binary(a), Event::Binary(b)]
        if a[..] == b"abc"[..] && b[..] == b"d"[..]));
}

#[cfg(feature = "deflate")]
#[test]
fn refused_when_permessage_deflate_was_negotiated() {
    let config = Config::default().deflate(Some(DeflateConfig::default()));
    let (mut server, _) = support::pair(config.clone(), config);
    assert!(server.deflate().is_some());
    let err = refused(&mut server, MessageKind::Binary);
    assert!(matches!(err, UsageError::InvalidState(why) if why.contains("deflate")));
    server.send_binary(b"still sent").unwrap();
    assert!(!server.data_to_send().is_empty());
}
