//! The DEFLATE decoder (`MessageInflater`, what a sansocket connection's receiver uses)
//! against zlib-rs (flate2, raw inflate): every window size, random and compressible data,
//! stored, fixed and dynamic blocks from sansocket's compressor and from zlib's at several
//! levels, context takeover across messages, every split of the input, tiny output caps,
//! the size limit, and every way a stream can be corrupt.

mod support;

use flate2::{Compress, Compression, Decompress};
use proptest::prelude::*;
use sansocket_deflate::{InflateError, MessageCompressor, MessageInflater};

use support::*;

/// Messages of every kind: empty, short, random, text, long runs, and ones that repeat an
/// earlier message (so that distances reach into the previous message's history).
fn messages(seed: u64) -> Vec<Vec<u8>> {
    let first = text(seed, 3000);
    vec![
        b"Hello".to_vec(),
        first.clone(),
        first[1000..2500].to_vec(),
        noise(seed, 700),
        Vec::new(),
        vec![b'x'; 5000],
        text(seed + 1, 40_000),
        first.clone(),
        noise(seed + 2, 3),
    ]
}

/// One message's wire bytes from each compressor we test with, for a window.
fn wires(messages: &[Vec<u8>], bits: u8, reset: bool) -> Vec<(String, Vec<Vec<u8>>)> {
    let mut all = Vec::new();
    for level in [1, 6, 9] {
        let mut c = MessageCompressor::new(level, bits).with_no_context_takeover(reset);
        let wire = messages
            .iter()
            .map(|m| {
                let mut w = Vec::new();
                // Messages it would send uncompressed are compressed by zlib level 0
                // (stored blocks) instead, so that every message is a compressed one.
                if !c.compress(m, &mut w) {
                    let mut z = Compress::new_with_window_bits(Compression::none(), false, 9);
                    w = zlib_compress(&mut z, m, false);
                    // (uncompressed messages are not part of the context: no takeover)
                    if !reset {
                        return Vec::new();
                    }
                }
                w
            })
            .collect();
        all.push((format!("sansocket level {level}"), wire));
    }
    if bits >= 9 {
        for level in [0, 1, 6, 9] {
            let mut c = Compress::new_with_window_bits(Compression::new(level), false, bits);
            let wire = messages
                .iter()
                .map(|m| {
                    if reset {
                        c.reset();
                    }
                    zlib_compress(&mut c, m, false)
                })
                .collect();
            all.push((format!("zlib level {level}"), wire));
        }
    }
    all
}

#[test]
fn inflates_what_every_compressor_makes_at_every_window() {
    let msgs = messages(7);
    for bits in 8..=15u8 {
        for reset in [false, true] {
            for (name, wire) in wires(&msgs, bits, reset) {
                let mut inf = MessageInflater::new(bits).with_no_context_takeover(reset);
                let mut reference = Decompress::new_with_window_bits(false, 15);
                let mut ended = false;
                for (n, (msg, w)) in msgs.iter().zip(&wire).enumerate() {
                    if w.is_empty() && !msg.is_empty() {
                        continue; // sent uncompressed
                    }
                    if reset {
                        reference.reset(false);
                    }
                    let (got, err) = ours(&mut inf, &[w], usize::MAX, NO_LIMIT);
                    assert_eq!(err, None, "{name} bits {bits} reset {reset} message {n}");
                    assert!(got == *msg, "{name} bits {bits} reset {reset} message {n}");
                    let (want, _) = zlib(&mut reference, w, &mut ended);
                    assert!(want == *msg, "reference: {name} {bits} {n}");
                }
            }
        }
    }
}

#[test]
fn final_blocks_end_the_stream_and_the_next_message_starts_anew() {
    // §7.2.3.4: a message ending with a final block (zlib's finish); the rest is ignored.
    for level in [0, 1, 6, 9] {
        let msgs = messages(level as u64);
        let mut inf = MessageInflater::new(15);
        for msg in &msgs {
            let mut c = Compress::new_with_window_bits(Compression::new(level), false, 15);
            let mut w = zlib_compress(&mut c, msg, true);
            w.extend_from_slice(&[0x00, 0xff, 0x13]); // padding after the final block
            let (got, err) = ours(
                &mut inf,
                &[&w[..w.len() / 2], &w[w.len() / 2..]],
                100,
                NO_LIMIT,
            );
            assert_eq!(err, None);
            assert!(got == *msg, "level {level}");
        }
    }
}

/// Every message of `wire` inflated in the pieces `split` cuts it into, with `step`-byte
/// caps, must give the same as the whole message at once.
fn check_split(
    msgs: &[Vec<u8>],
    wire: &[Vec<u8>],
    bits: u8,
    reset: bool,
    split: &dyn Fn(&[u8]) -> Vec<usize>,
    step: usize,
) {
    let mut inf = MessageInflater::new(bits).with_no_context_takeover(reset);
    for (n, (msg, w)) in msgs.iter().zip(wire).enumerate() {
        if w.is_empty() && !msg.is_empty() {
            continue;
        }
        let mut cuts = split(w);
        cuts.retain(|&c| c <= w.len());
        let pieces = cut(w, cuts);
        let (got, err) = ours(&mut inf, &pieces, step, NO_LIMIT);
        assert_eq!(err, None, "message {n}");
        assert!(got == *msg, "message {n}, step {step}");
    }
}

#[test]
fn every_split_of_the_input_gives_the_same() {
    let msgs: Vec<Vec<u8>> = vec![
        text(3, 1500),
        text(3, 1500)[200..900].to_vec(),
        noise(4, 300),
    ];
    for bits in [8, 12, 15] {
        for (name, wire) in wires(&msgs, bits, false) {
            let longest = wire.iter().map(Vec::len).max().unwrap_or(0);
            for k in 0..=longest {
                check_split(&msgs, &wire, bits, false, &|_| vec![k], usize::MAX);
            }
            // One byte at a time, and with small caps.
            let bytes = |w: &[u8]| (1..w.len()).collect::<Vec<_>>();
            for step in [1, 2, 7, 100, 259, 4096] {
                check_split(&msgs, &wire, bits, false, &bytes, step);
                check_split(&msgs, &wire, bits, false, &|_| Vec::new(), step);
            }
            let _ = name;
        }
    }
}

#[test]
fn tiny_caps_stream_long_messages() {
    let msgs = vec![vec![b'a'; 100_000], text(9, 70_000), text(9, 70_000)];
    for (_, wire) in wires(&msgs, 15, false) {
        for step in [1, 3, 64, 1000] {
            check_split(&msgs, &wire, 15, false, &|w| vec![w.len() / 3], step);
        }
    }
}

#[test]
fn the_limit_stops_a_message_at_its_size() {
    let msg = text(5, 50_000);
    let mut c = MessageCompressor::new(6, 15).with_no_context_takeover(true);
    let mut w = Vec::new();
    assert!(c.compress(&msg, &mut w));
    for limit in [0, 1, 100, 4095, 4096, 4097, 49_999, 50_000, 50_001] {
        for step in [usize::MAX, 1000] {
            let mut inf = MessageInflater::new(15).with_no_context_takeover(true);
            let (got, err) = ours(&mut inf, &[&w], step, limit);
            if limit < msg.len() {
                assert_eq!(err, Some(InflateError::TooLarge), "limit {limit}");
                assert!(got.len() <= limit && got.capacity() <= limit + 1);
                assert!(got[..] == msg[..got.len()]);
            } else {
                assert_eq!(err, None);
                assert!(got == msg);
            }
        }
    }
    // A bomb: 10 MiB of zeros, limit 1 MiB: it allocates at most the limit and a byte.
    let mut c = MessageCompressor::new(9, 15).with_no_context_takeover(true);
    let mut w = Vec::new();
    assert!(c.compress(&vec![0; 10 << 20], &mut w));
    let mut inf = MessageInflater::new(15).with_no_context_takeover(true);
    let mut out = Vec::new();
    let err = inf.inflate(&w, &mut out, 1 << 20, usize::MAX).unwrap_err();
    assert_eq!(err, InflateError::TooLarge);
    assert!(out.len() <= 1 << 20 && out.capacity() <= (1 << 20) + 1);
}

#[test]
fn distances_reach_into_the_last_message_and_no_further() {
    // "abcd" then a message that is one match of distance 4: fine with context takeover
    // (and what it copies is the last message's), 1007 after a reset or across a window.
    let mut b = Bits::default();
    b.put(1 << 1, 3);
    fixed_lit(&mut b, 257 + 1); // length 4
    b.code((3, 5)); // distance 4
    fixed_lit(&mut b, 256);
    b.put(0, 3); // the sync flush's empty stored block, whose LEN and NLEN are the tail
    let again = b.bytes();
    let mut c = MessageCompressor::new(6, 15);
    let mut first = Vec::new();
    let abcd = b"abcd".repeat(30);
    assert!(c.compress(&abcd, &mut first));
    let mut inf = MessageInflater::new(15);
    assert_eq!(
        ours(&mut inf, &[&first], usize::MAX, NO_LIMIT),
        (abcd.clone(), None)
    );
    for step in [usize::MAX, 1] {
        assert_eq!(
            ours(&mut inf, &[&again], step, NO_LIMIT),
            (b"abcd".to_vec(), None)
        );
    }
    let mut inf = MessageInflater::new(15).with_no_context_takeover(true);
    assert_eq!(
        ours(&mut inf, &[&first], usize::MAX, NO_LIMIT),
        (abcd, None)
    );
    let (_, err) = ours(&mut inf, &[&again], usize::MAX, NO_LIMIT);
    assert_eq!(err, Some(InflateError::Corrupt), "after a reset");
    // A peer that goes past its negotiated window (zlib at 15 bits, read with 9).
    let msg = [noise(1, 600), noise(1, 600)].concat();
    let mut z = Compress::new_with_window_bits(Compression::new(6), false, 15);
    let w = zlib_compress(&mut z, &msg, false);
    for bits in [9, 10] {
        let mut inf = MessageInflater::new(bits);
        let (got, err) = ours(&mut inf, &[&w], usize::MAX, NO_LIMIT);
        if bits == 9 {
            assert_eq!(err, Some(InflateError::Corrupt));
            assert!(got.len() < msg.len() && got[..] == msg[..got.len()]);
        } else {
            assert_eq!((err, got == msg), (None, true));
        }
    }
}

/// A proptest case: message bytes, bytes to change (where, xor), cuts, output cap.
type Mangled = (Vec<u8>, Vec<(usize, u8)>, Vec<usize>, usize);

/// Bytes that may or may not be DEFLATE: mostly a valid stream with a few bytes changed.
fn mangled() -> impl Strategy<Value = Mangled> {
    (
        prop::collection::vec(any::<u8>(), 0..3000),
        prop::collection::vec((any::<usize>(), any::<u8>()), 0..4),
        prop::collection::vec(any::<usize>(), 0..6),
        prop_oneof![Just(usize::MAX), 1usize..300],
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Any stream, cut anywhere, with any cap: ours gives what zlib gives (the same bytes,
    /// and an error where zlib has one), message after message.
    #[test]
    fn agrees_with_zlib_on_any_stream((data, edits, cuts, step) in mangled(), level in 0u32..10, zlib_made in any::<bool>()) {
        let mut wire = if zlib_made {
            let mut c = Compress::new_with_window_bits(Compression::new(level), false, 15);
            zlib_compress(&mut c, &[&data[..], &data[..data.len() / 2]].concat(), false)
        } else {
            let mut w = Vec::new();
            let doubled = [&data[..], &data[..data.len() / 2]].concat();
            if !MessageCompressor::new(level, 15).compress(&doubled, &mut w) {
                w = doubled;
            }
            w
        };
        for (at, byte) in &edits {
            if !wire.is_empty() {
                let i = at % wire.len();
                wire[i] ^= byte;
            }
        }
        let cuts: Vec<usize> = cuts.iter().map(|c| c % (wire.len() + 1)).collect();
        let pieces = cut(&wire, cuts);
        let mut inf = MessageInflater::new(15);
        let mut reference = Decompress::new_with_window_bits(false, 15);
        let mut ended = false;
        // Twice: the second message reads the first's history (or garbage state).
        for _ in 0..2 {
            let (want, want_err) = zlib(&mut reference, &wire, &mut ended);
            let (got, err) = ours(&mut inf, &pieces, step, NO_LIMIT);
            prop_assert_eq!(&err, &want_err);
            prop_assert!(got == want, "{} vs {} bytes", got.len(), want.len());
            if err.is_some() {
                break;
            }
        }
    }
}
