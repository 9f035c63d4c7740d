//! Properties: encode → decode round trips for every version, and the decoder's output
//! does not depend on how its input is split (for valid and arbitrary input).

mod support;

use proptest::prelude::*;
use sansocket_stomp::{
    Command, EncodeError, Frame, Limits, Version, encode, encode_head_into, encode_head_packed,
};
use support::{decode_pieces, frames};

fn command() -> impl Strategy<Value = Command> {
    proptest::sample::select(Command::ALL.to_vec())
}

fn version() -> impl Strategy<Value = Version> {
    proptest::sample::select(Version::ALL.to_vec())
}

/// Header text, with the characters that need escaping over-represented.
fn text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just('\\'),
            Just(':'),
            Just('\n'),
            Just('\r'),
            Just('a'),
            Just('é'),
            any::<char>()
        ],
        0..12,
    )
    .prop_map(|c| c.into_iter().collect())
}

fn frame() -> impl Strategy<Value = Frame> {
    (
        command(),
        proptest::collection::vec((text(), text()), 0..5),
        proptest::collection::vec(prop_oneof![Just(0u8), any::<u8>()], 0..64),
    )
        .prop_map(|(command, headers, body)| {
            let headers = headers
                .into_iter()
                .filter(|(n, _)| n != "content-length")
                .collect();
            let body = if command.allows_body() {
                body
            } else {
                Vec::new()
            };
            Frame::from_parts(command, headers, body.into())
        })
}

/// Cuts `input` at the given fractions.
fn cut<'a>(input: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (input.len() + 1)).collect();
    points.sort_unstable();
    let mut pieces = Vec::new();
    let mut start = 0;
    for p in points {
        pieces.push(&input[start..p]);
        start = p;
    }
    pieces.push(&input[start..]);
    pieces
}

/// Header text that needs no escaping most of the time (the packed encoder's fast path),
/// sometimes [`text`].
fn plain_or_not() -> impl Strategy<Value = String> {
    prop_oneof![3 => "[a-z0-9/._@-]{0,12}", 1 => text(), 1 => Just("content-length".to_owned())]
}

proptest! {
    #[test]
    fn packed_head_is_the_head(command in command(), v in version(), body_len in 0usize..3,
                               headers in proptest::collection::vec((plain_or_not(), plain_or_not()), 0..5)) {
        prop_assume!(headers.iter().all(|(n, val)| !n.contains('\0') && !val.contains('\0')));
        let packed: Vec<String> = headers.iter().map(|(n, val)| format!("{n}\0{val}")).collect();
        let packed = packed.join("\0");
        let mut expected = b"kept".to_vec();
        let pairs = headers.iter().map(|(n, val)| (n.as_str(), val.as_str()));
        let want = encode_head_into(command, pairs, body_len, v, &mut expected);
        let mut head = b"kept".to_vec();
        prop_assert_eq!(encode_head_packed(command, &packed, body_len, v, &mut head), want);
        prop_assert_eq!(head, expected);
        if !packed.is_empty() {
            // A name without its value.
            let mut head = b"kept".to_vec();
            let odd = format!("{packed}\0name");
            let result = encode_head_packed(command, &odd, body_len, v, &mut head);
            if command.allows_body() || body_len == 0 {
                prop_assert_eq!(result, Err(EncodeError::Unencodable));
            }
            prop_assert_eq!(head, b"kept");
        }
    }

    #[test]
    fn round_trip(frames_in in proptest::collection::vec(frame(), 1..4), v in version(),
                  eols in proptest::collection::vec(0usize..3, 4), cuts in proptest::collection::vec(any::<usize>(), 0..6)) {
        let mut wire = Vec::new();
        let mut expected = Vec::new();
        for (i, f) in frames_in.iter().enumerate() {
            let Ok(bytes) = encode(f, v) else { continue };
            wire.extend_from_slice(&bytes);
            for _ in 0..eols[i % eols.len()] { wire.extend_from_slice(b"\n"); }
            let mut with_length = f.clone();
            if f.command().allows_body() {
                with_length.push_header("content-length", f.body().len().to_string());
            }
            expected.push(with_length);
        }
        let limits = Limits::default();
        let whole = decode_pieces(&[&wire], v, limits);
        prop_assert_eq!(&whole.1, &None);
        prop_assert_eq!(frames(&whole), expected);
        let pieces = cut(&wire, &cuts);
        prop_assert_eq!(decode_pieces(&pieces, v, limits), whole);
    }

    #[test]
    fn head_then_body_then_nul_is_the_frame(f in frame(), v in version(), extra_body in 0usize..3) {
        // Also bodies on frames that take none (`extra_body`), and any content-length header.
        let mut f = f;
        f.push_header("content-length", "7");
        if extra_body > 0 {
            f.set_body(vec![b'x'; extra_body]);
        }
        let mut head = b"kept".to_vec();
        let headers = f.headers().iter().map(|(n, val)| (n.as_str(), val.as_str()));
        let result = encode_head_into(f.command(), headers, f.body().len(), v, &mut head);
        match encode(&f, v) {
            Ok(whole) => {
                prop_assert_eq!(result, Ok(()));
                head.extend_from_slice(f.body());
                head.push(0);
                prop_assert_eq!(&head[4..], &whole[..]);
            }
            Err(e) => {
                prop_assert_eq!(result, Err(e));
                prop_assert_eq!(&head[..], b"kept");
            }
        }
    }

    #[test]
    fn chunking_invariance_on_any_input(input in proptest::collection::vec(
            prop_oneof![Just(b'\n'), Just(b'\r'), Just(0u8), Just(b':'), Just(b'\\'), any::<u8>()], 0..200),
            prefix in proptest::sample::select(vec![&b""[..], b"SEND\n", b"MESSAGE\nk:v\n", b"SEND\ncontent-length:3\n\n"]),
            v in version(), cuts in proptest::collection::vec(any::<usize>(), 0..8),
            max_line in 4usize..64, max_body in 0usize..64, max_headers in 0usize..6) {
        let mut wire = prefix.to_vec();
        wire.extend_from_slice(&input);
        let limits = Limits::default().max_line(max_line).max_body(max_body).max_headers(max_headers).max_header_block(96);
        let whole = decode_pieces(&[&wire], v, limits);
        let pieces = cut(&wire, &cuts);
        prop_assert_eq!(decode_pieces(&pieces, v, limits), whole.clone());
        let bytes: Vec<&[u8]> = wire.chunks(1).collect();
        prop_assert_eq!(decode_pieces(&bytes, v, limits), whole);
    }
}
