//! The `text` target: arbitrary bytes sent as one text message through every receive path,
//! aimed at `Utf8Bytes::as_str`, which reads the text without checking it again (one
//! `from_utf8_unchecked`, sound only if the receiver let no invalid byte through).

use bytes::BufMut;
use sansocket::advanced::ConnectionExt;
use sansocket::deflate::DeflateParams;
use sansocket::{Config, Connection, Delivery, Error, Event, MessageKind, ProtocolError};

use crate::wire::{self, LenForm};

/// Input: a flags byte (bit 0 chunked delivery, bit 1 compressed, bit 2 reads into the
/// engine's buffer instead of `receive_data`), a fragment seed, a read seed, then the
/// payload. The payload is sent as one text message (uncompressed: cut into fragments
/// where the fragment seed says; compressed: one frame), masked, and fed in reads cut where
/// the read seed says.
///
/// Checks: the message is delivered exactly when `std::str::from_utf8` accepts the
/// payload, and then as exactly its bytes, through `as_str` (whole messages) or in chunks
/// each valid on its own; otherwise the connection fails with `InvalidUtf8` (1007).
pub fn text(data: &[u8]) {
    let [flags, frag_seed, read_seed, ref payload @ ..] = *data else {
        return;
    };
    let chunked = flags & 1 != 0;
    let compressed = flags & 2 != 0;
    let read_buffer = flags & 4 != 0;
    let delivery = if chunked {
        Delivery::Chunks
    } else {
        Delivery::Messages
    };
    let mut server = Connection::open_server(Config::default().delivery(delivery), None);
    if compressed {
        server = server.with_deflate(DeflateParams::default());
    }

    let key = [0x37, 0xfa, 0x21, 0x3d];
    let mut wire_bytes = Vec::new();
    if compressed {
        let body = wire::deflate(payload);
        wire_bytes.extend(wire::encode(0xc1, Some(key), &body, LenForm::Minimal));
    } else {
        let pieces = cut(payload.len(), frag_seed);
        let last = pieces.len() - 1;
        for (i, range) in pieces.into_iter().enumerate() {
            let opcode = if i == 0 { 0x01 } else { 0x00 };
            let fin = if i == last { 0x80 } else { 0 };
            let frame = wire::encode(fin | opcode, Some(key), &payload[range], LenForm::Minimal);
            wire_bytes.extend(frame);
        }
    }

    let mut text = Vec::new();
    let mut whole = false;
    let mut failed = None;
    for range in cut(wire_bytes.len(), read_seed) {
        let read = &wire_bytes[range];
        if read_buffer {
            let mut buf = server.take_read_buffer();
            buf.put_slice(read);
            server.give_read_buffer(buf).expect("the buffer taken");
        } else {
            server.receive_data(read);
        }
        loop {
            match server.next_event() {
                Ok(Some(Event::Text(t))) => {
                    assert!(!chunked && !whole, "one whole message");
                    // `as_str` trusts the check made on arrival: it must be the payload.
                    assert_eq!(std::str::from_utf8(t.as_bytes()), Ok(t.as_str()));
                    text.extend_from_slice(t.as_str().as_bytes());
                    whole = true;
                }
                Ok(Some(Event::Chunk { kind, data, fin })) => {
                    assert!(chunked && !whole && kind == MessageKind::Text);
                    assert!(
                        std::str::from_utf8(&data).is_ok(),
                        "a chunk is text on its own"
                    );
                    text.extend_from_slice(&data);
                    whole = fin;
                }
                Ok(Some(other)) => panic!("unexpected {other:?}"),
                Ok(None) => break,
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        if failed.is_some() {
            break;
        }
    }
    match std::str::from_utf8(payload) {
        Ok(_) => {
            assert_eq!(failed, None, "valid text refused");
            assert!(whole, "the message was not delivered");
            assert_eq!(text, payload);
        }
        Err(_) => {
            assert!(!whole, "invalid text delivered");
            assert_eq!(failed, Some(Error::Protocol(ProtocolError::InvalidUtf8)));
            // What came in chunks before the error is a valid prefix of the payload.
            assert!(payload.starts_with(&text));
        }
    }
}

/// `0..len` cut into up to 8 ranges where the bits of `seed` say (at least one range).
fn cut(len: usize, seed: u8) -> Vec<std::ops::Range<usize>> {
    let mut at = 0;
    let mut out = Vec::new();
    for i in 0..8u8 {
        if seed & (1 << i) != 0 {
            // Cuts spread over the length, a little uneven so characters are split.
            let end = (len * usize::from(i + 1) / 9 + usize::from(i % 3)).min(len);
            if end > at {
                out.push(at..end);
                at = end;
            }
        }
    }
    out.push(at..len);
    out
}
