//! The decoder: spec examples, grammar per version, escapes, content-length, every error,
//! every limit. Each input is also decoded split at every offset and byte by byte.

mod support;

use sansocket_stomp::{Command, DecodeError, DecodeEvent, Frame, Limits, Version};
use support::{decode_all_ways, frames};

const V12: Version = Version::V1_2;

fn ok(input: &[u8], version: Version) -> Vec<Frame> {
    let outcome = decode_all_ways(input, version, Limits::default());
    assert_eq!(outcome.1, None, "unexpected error for {input:?}");
    frames(&outcome)
}

fn err(input: &[u8], version: Version, limits: Limits) -> DecodeError {
    decode_all_ways(input, version, limits).1.expect("an error")
}

#[test]
fn spec_send_example() {
    // 1.2 "SEND": the example frame.
    let f = ok(
        b"SEND\ndestination:/queue/a\ncontent-type:text/plain\n\nhello queue a\0",
        V12,
    );
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].command(), Command::Send);
    assert_eq!(f[0].header("destination"), Some("/queue/a"));
    assert_eq!(f[0].header("content-type"), Some("text/plain"));
    assert_eq!(&f[0].body()[..], b"hello queue a");
}

#[test]
fn spec_connect_example_with_crlf() {
    let f = ok(
        b"CONNECT\r\naccept-version:1.2\r\nhost:stomp.github.org\r\n\r\n\0",
        V12,
    );
    assert_eq!(f[0].command(), Command::Connect);
    assert_eq!(f[0].header("accept-version"), Some("1.2"));
    assert_eq!(f[0].header("host"), Some("stomp.github.org"));
    assert!(f[0].body().is_empty());
}

#[test]
fn eols_between_frames_are_heart_beats() {
    let out = decode_all_ways(
        b"\n\r\nSEND\ndestination:/a\n\nx\0\n\n\r\n",
        V12,
        Limits::default(),
    );
    assert_eq!(out.1, None);
    let kinds: Vec<bool> = out
        .0
        .iter()
        .map(|e| matches!(e, DecodeEvent::HeartBeat))
        .collect();
    assert_eq!(kinds, [true, true, false, true, true, true]);
}

#[test]
fn a_message_of_only_lf_is_a_heart_beat() {
    let out = decode_all_ways(b"\n", V12, Limits::default());
    assert_eq!(out.0, vec![DecodeEvent::HeartBeat]);
}

#[test]
fn several_frames_in_one_piece() {
    let f = ok(
        b"SEND\ndestination:/a\n\n1\0SEND\ndestination:/b\n\n2\0BEGIN\ntransaction:t\n\n\0",
        V12,
    );
    assert_eq!(f.len(), 3);
    assert_eq!(&f[1].body()[..], b"2");
    assert_eq!(f[2].command(), Command::Begin);
}

#[test]
fn content_length_allows_nuls_and_counts_octets() {
    let f = ok(b"SEND\ndestination:/a\ncontent-length:5\n\na\0b\0c\0", V12);
    assert_eq!(&f[0].body()[..], b"a\0b\0c");
    // UTF-8: "é" is two octets.
    let f = ok(
        "SEND\ndestination:/a\ncontent-length:2\n\né\0".as_bytes(),
        V12,
    );
    assert_eq!(&f[0].body()[..], "é".as_bytes());
}

#[test]
fn first_content_length_wins() {
    let f = ok(
        b"SEND\ndestination:/a\ncontent-length:1\ncontent-length:3\n\nx\0",
        V12,
    );
    assert_eq!(&f[0].body()[..], b"x");
}

#[test]
fn repeated_headers_first_wins_and_all_kept() {
    let f = ok(b"MESSAGE\nfoo:World\nfoo:Hello\n\n\0", V12);
    assert_eq!(f[0].header("foo"), Some("World"));
    assert_eq!(f[0].headers().len(), 2);
    assert_eq!(f[0].headers()[1], ("foo".to_owned(), "Hello".to_owned()));
}

#[test]
fn nothing_is_trimmed() {
    let f = ok(b"SEND\ndestination: /a \n key :  v\n\n\0", V12);
    assert_eq!(f[0].header("destination"), Some(" /a "));
    assert_eq!(f[0].header(" key "), Some("  v"));
}

#[test]
fn value_may_hold_a_colon_after_the_first() {
    let f = ok(b"SEND\ndestination:/a\nurl:http://x:1\n\n\0", Version::V1_0);
    assert_eq!(f[0].header("url"), Some("http://x:1"));
}

#[test]
fn escapes_per_version() {
    let input = b"MESSAGE\nk\\cx:a\\nb\\\\c\\cd\n\n\0";
    for v in [Version::V1_1, Version::V1_2] {
        let f = ok(input, v);
        assert_eq!(f[0].header("k:x"), Some("a\nb\\c:d"), "{v}");
    }
    // 1.0: no escaping, backslashes are literal.
    let f = ok(input, Version::V1_0);
    assert_eq!(f[0].header("k\\cx"), Some("a\\nb\\\\c\\cd"));
    // \r: 1.2 only.
    let f = ok(b"MESSAGE\nk:a\\rb\n\n\0", V12);
    assert_eq!(f[0].header("k"), Some("a\rb"));
    assert_eq!(
        err(b"MESSAGE\nk:a\\rb\n\n\0", Version::V1_1, Limits::default()),
        DecodeError::InvalidEscape
    );
}

#[test]
fn escaped_backslash_then_n_is_not_a_newline() {
    // `\\n` is a backslash and an `n` (chained replace() gets this wrong).
    let f = ok(b"SEND\ndestination:/a\nk:C\\\\new\n\n\0", V12);
    assert_eq!(f[0].header("k"), Some("C\\new"));
}

#[test]
fn undefined_escapes_are_fatal() {
    for input in [
        &b"SEND\nk:\\t\n\n\0"[..],
        b"SEND\nk:ab\\\n\n\0",
        b"SEND\nk\\x:v\n\n\0",
    ] {
        assert_eq!(
            err(input, V12, Limits::default()),
            DecodeError::InvalidEscape,
            "{input:?}"
        );
    }
}

#[test]
fn connect_and_connected_are_never_unescaped() {
    let f = ok(b"CONNECT\nlogin:me\npasscode:a\\cb\\n\n\n\0", Version::V1_2);
    assert_eq!(f[0].header("passcode"), Some("a\\cb\\n"));
    let f = ok(b"CONNECTED\nversion:1.2\nserver:x\\y\n\n\0", Version::V1_2);
    assert_eq!(f[0].header("server"), Some("x\\y"));
    let f = ok(b"STOMP\npasscode:\\t\n\n\0", Version::V1_1);
    assert_eq!(f[0].header("passcode"), Some("\\t"));
}

#[test]
fn cr_is_data_in_1_1_and_a_line_end_in_1_2() {
    let f = ok(b"SEND\r\ndestination:/a\r\n\r\n\0", V12);
    assert_eq!(f[0].header("destination"), Some("/a"));
    // 1.1: LF alone ends a line, the CR stays in the value; the blank line must be LF.
    let f = ok(b"SEND\r\ndestination:/a\r\n\n\0", Version::V1_1);
    assert_eq!(f[0].header("destination"), Some("/a\r"));
    assert_eq!(
        err(
            b"SEND\ndestination:/a\n\r\n\0",
            Version::V1_1,
            Limits::default()
        ),
        DecodeError::MissingColon
    );
}

#[test]
fn a_lone_cr_between_frames_is_an_error() {
    assert_eq!(
        err(b"\rX", V12, Limits::default()),
        DecodeError::InvalidLineEnd
    );
}

#[test]
fn unknown_and_lowercase_commands_are_refused() {
    assert_eq!(
        err(b"send\n\n\0", V12, Limits::default()),
        DecodeError::UnknownCommand
    );
    assert_eq!(
        err(b"HELLO\n\n\0", V12, Limits::default()),
        DecodeError::UnknownCommand
    );
    // Refused before the line ends: no command is that long.
    assert_eq!(
        err(b"GET / HTTP/1.1", V12, Limits::default()),
        DecodeError::UnknownCommand
    );
}

#[test]
fn header_without_colon() {
    assert_eq!(
        err(b"SEND\ndestination\n\n\0", V12, Limits::default()),
        DecodeError::MissingColon
    );
}

#[test]
fn bad_content_lengths() {
    for cl in ["", "-1", "+1", " 1", "1 ", "0x10", "abc"] {
        let input = format!("SEND\ncontent-length:{cl}\n\n\0");
        assert_eq!(
            err(input.as_bytes(), V12, Limits::default()),
            DecodeError::InvalidContentLength,
            "{cl:?}"
        );
    }
    let huge = b"SEND\ncontent-length:99999999999999999999999\n\n\0";
    assert_eq!(err(huge, V12, Limits::default()), DecodeError::BodyTooLarge);
}

#[test]
fn nul_must_follow_a_content_length_body() {
    assert_eq!(
        err(b"SEND\ncontent-length:1\n\nab\0", V12, Limits::default()),
        DecodeError::MissingNul
    );
}

#[test]
fn only_send_message_error_have_bodies() {
    for input in [
        &b"SUBSCRIBE\nid:1\n\nx\0"[..],
        b"ACK\nid:1\ncontent-length:1\n\nx\0",
        b"CONNECT\n\nx\0",
    ] {
        assert_eq!(
            err(input, V12, Limits::default()),
            DecodeError::BodyNotAllowed,
            "{input:?}"
        );
    }
    let f = ok(b"SUBSCRIBE\nid:1\ncontent-length:0\n\n\0", V12);
    assert_eq!(f[0].command(), Command::Subscribe);
    let f = ok(b"ERROR\nmessage:m\n\ndetails\0", V12);
    assert_eq!(&f[0].body()[..], b"details");
}

#[test]
fn limits() {
    let l = Limits::default().max_headers(2);
    assert_eq!(
        err(b"SEND\na:1\nb:2\nc:3\n\n\0", V12, l),
        DecodeError::TooManyHeaders
    );
    ok(b"SEND\na:1\nb:2\n\n\0", V12);

    let l = Limits::default().max_line(8);
    assert_eq!(
        err(b"SEND\nabcd:12345\n\n\0", V12, l),
        DecodeError::LineTooLong
    );
    assert!(decode_all_ways(b"SEND\nabc:1234\n\n\0", V12, l).1.is_none());

    let l = Limits::default().max_header_block(20);
    assert_eq!(
        err(b"SEND\naaaa:1\nbbbb:2\ncccc:3\n\n\0", V12, l),
        DecodeError::HeaderBlockTooLarge
    );

    let l = Limits::default().max_body(4);
    assert_eq!(err(b"SEND\n\n12345\0", V12, l), DecodeError::BodyTooLarge);
    assert!(decode_all_ways(b"SEND\n\n1234\0", V12, l).1.is_none());
    // Announced too large: refused on the header line, before any body byte.
    assert_eq!(
        err(b"SEND\ncontent-length:5\n", V12, l),
        DecodeError::BodyTooLarge
    );
}

#[test]
fn oversized_frame_refused_without_waiting() {
    // A 1 GiB content-length is refused at once; nothing near that size is allocated.
    let mut d = sansocket_stomp::Decoder::default();
    d.receive_data(b"SEND\ncontent-length:1073741824\n");
    assert_eq!(d.next_event(), Err(DecodeError::BodyTooLarge));
    assert!(d.has_failed());
    d.receive_data(b"more");
    assert_eq!(d.next_event(), Ok(None));
    assert_eq!(d.buffered(), 0);
}

#[test]
fn a_failed_frame_keeps_its_receipt() {
    let mut d = sansocket_stomp::Decoder::default();
    d.receive_data(b"SEND\nreceipt:77\nbad\\t:x\n\n\0");
    assert_eq!(d.next_event(), Err(DecodeError::InvalidEscape));
    assert_eq!(d.receipt(), Some("77"));
}

#[test]
fn invalid_utf8_header() {
    assert_eq!(
        err(b"SEND\nk:\xff\n\n\0", V12, Limits::default()),
        DecodeError::InvalidUtf8
    );
}

#[test]
fn version_switch_between_frames() {
    let mut d = sansocket_stomp::Decoder::new(Version::V1_2, Limits::default());
    d.receive_data(b"CONNECT\naccept-version:1.0\n\n\0SEND\nk:a\\nb\n\n\0");
    assert!(matches!(d.next_event(), Ok(Some(DecodeEvent::Frame(_)))));
    d.set_version(Version::V1_0);
    let Ok(Some(DecodeEvent::Frame(f))) = d.next_event() else {
        panic!()
    };
    assert_eq!(f.header("k"), Some("a\\nb"));
}
