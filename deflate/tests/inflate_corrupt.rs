//! Corrupt DEFLATE streams: ours and zlib-rs must both fail with `Corrupt` after the same
//! output, however the input is cut.

mod support;

use flate2::Decompress;
use sansocket_deflate::{InflateError, MessageInflater};

use support::*;

/// Corrupt streams, each with a prefix of good output: ours and zlib must both fail with
/// `Corrupt` after the same output, however the input is cut.
fn corrupt_cases() -> Vec<(&'static str, Vec<u8>)> {
    let mut cases = Vec::new();
    // Every case starts with a stored block holding "ok" (output kept before the error).
    let start = || {
        let mut b = Bits::default();
        b.put(0, 3);
        b.put(0, 5);
        b.put(2, 16);
        b.put(0xfffd, 16);
        b.put(u32::from(b'o'), 8);
        b.put(u32::from(b'k'), 8);
        b
    };
    let mut b = start();
    b.put(1 | 3 << 1, 3);
    cases.push(("block type 3", b.bytes()));
    let mut b = start();
    b.put(0, 3);
    b.put(0, 5);
    b.put(5, 16);
    b.put(0xfffb, 16);
    cases.push(("stored LEN/NLEN mismatch", b.bytes()));
    for (name, nlen, ndist) in [
        ("HLIT 287", 287, 1),
        ("HLIT 288", 288, 1),
        ("HDIST 31", 257, 31),
        ("HDIST 32", 257, 32),
    ] {
        let mut b = start();
        dynamic_header(&mut b, true, nlen, ndist, &cl_lens(), &[]);
        cases.push((name, b.bytes()));
    }
    let mut over = cl_lens();
    over[13] = 4;
    let mut b = start();
    dynamic_header(&mut b, true, 257, 1, &over, &[]);
    cases.push(("over-subscribed code length code", b.bytes()));
    let mut under = cl_lens();
    under[12] = 0;
    let mut b = start();
    dynamic_header(&mut b, true, 257, 1, &under, &[]);
    cases.push(("incomplete code length code", b.bytes()));
    let mut single = [0u8; 19];
    single[0] = 1;
    let mut b = start();
    dynamic_header(&mut b, true, 257, 1, &single, &[]);
    cases.push(("code length code of one code", b.bytes()));
    let mut b = start();
    dynamic_header(&mut b, true, 257, 1, &cl_lens(), &[(16, 0)]);
    cases.push(("repeat with no previous length", b.bytes()));
    let mut b = start();
    dynamic_header(
        &mut b,
        true,
        257,
        1,
        &cl_lens(),
        &[(1, 0), (18, 127), (18, 127), (18, 127)],
    );
    cases.push(("repeat past the last length", b.bytes()));
    let mut b = start();
    dynamic_header(
        &mut b,
        true,
        257,
        1,
        &cl_lens(),
        &[
            (2, 0),
            (16, 3),
            (16, 3),
            (16, 3),
            (16, 3),
            (16, 3),
            (16, 3),
            (16, 3),
            (16, 3),
            (16, 3),
            (16, 3),
            (16, 3),
            (16, 3),
            (16, 3),
            (16, 3),
            (16, 3),
            (16, 3),
            (16, 3),
            (16, 3),
            (16, 3),
            (16, 3),
            (16, 3),
            (16, 3),
            (16, 3),
            (16, 3),
            (16, 3),
            (16, 3),
            (16, 3),
            (16, 3),
            (16, 3),
            (16, 3),
            (16, 3),
            (16, 3),
            (16, 3),
            (16, 3),
            (16, 3),
            (16, 3),
            (16, 3),
            (16, 3),
            (16, 3),
            (16, 3),
            (16, 3),
            (16, 3),
            (16, 3),
            (16, 3),
            (16, 3),
            (16, 3),
            (16, 3),
            (16, 3),
            (16, 3),
        ],
    );
    cases.push(("repeat 16 past the last length", b.bytes()));
    // No end-of-block code: 'a' and 'b' only.
    let mut lit = vec![0u8; 257];
    lit[97] = 1;
    lit[98] = 1;
    let mut b = start();
    dynamic_header(&mut b, true, 257, 1, &cl_lens(), &plain_lens(&lit, &[1]));
    cases.push(("no end-of-block code", b.bytes()));
    for (name, lens, dist) in [
        (
            "over-subscribed literal/length code",
            [1, 1, 2, 3, 3],
            vec![1u8, 1],
        ),
        (
            "incomplete literal/length code",
            [2, 2, 2, 3, 0],
            vec![1, 1],
        ),
        (
            "over-subscribed distance code",
            [2, 2, 2, 3, 3],
            vec![1, 1, 1],
        ),
        (
            "incomplete distance code",
            [2, 2, 2, 3, 3],
            vec![2, 2, 2, 0],
        ),
    ] {
        let mut b = start();
        let lit = small_lit(lens);
        dynamic_header(
            &mut b,
            true,
            286,
            dist.len() as u32,
            &cl_lens(),
            &plain_lens(&lit, &dist),
        );
        cases.push((name, b.bytes()));
    }
    // A valid dynamic block then an invalid symbol: one 1-bit distance code used with its
    // other bit; a litlen code of one 1-bit code (the end of block) used with the other.
    let lit = small_lit([2, 2, 2, 3, 3]);
    let codes = canonical(&lit);
    let mut b = start();
    dynamic_header(&mut b, true, 286, 1, &cl_lens(), &plain_lens(&lit, &[1]));
    b.code(codes[97]);
    b.code(codes[257]);
    b.code((0, 1)); // distance 1: fine ("aaa...")
    b.code(codes[98]);
    b.code(codes[285]);
    b.code((1, 1)); // the distance code's missing half
    cases.push(("invalid distance code (incomplete code)", b.bytes()));
    let mut only_end = vec![0u8; 257];
    only_end[256] = 1;
    let mut b = start();
    dynamic_header(
        &mut b,
        true,
        257,
        1,
        &cl_lens(),
        &plain_lens(&only_end, &[0]),
    );
    b.code((1, 1));
    cases.push(("invalid literal/length code (incomplete code)", b.bytes()));
    let mut b = start();
    dynamic_header(&mut b, true, 286, 1, &cl_lens(), &plain_lens(&lit, &[0]));
    b.code(codes[98]);
    b.code(codes[257]);
    b.code((0, 1));
    cases.push(("distance with no distance codes", b.bytes()));
    // Fixed blocks: symbols 286/287, distances 30/31, distances before the start.
    for (name, lit, dist) in [
        ("fixed length symbol 286", 286, 0),
        ("fixed length symbol 287", 287, 0),
        ("fixed distance symbol 30", 257, 30),
        ("fixed distance symbol 31", 257, 31),
        ("distance 4 after 3 bytes", 257, 3),
        ("distance 32768 after 3 bytes", 257, 29),
    ] {
        let mut b = start();
        b.put(1 | 1 << 1, 3);
        fixed_lit(&mut b, u32::from(b'!'));
        fixed_lit(&mut b, lit);
        b.code((dist, 5));
        if dist == 29 {
            b.put(8191, 13);
        }
        fixed_lit(&mut b, 256);
        cases.push((name, b.bytes()));
    }
    cases
}

#[test]
fn corrupt_streams_fail_after_the_same_output() {
    for (name, wire) in corrupt_cases() {
        let mut reference = Decompress::new_with_window_bits(false, 15);
        let (want, err) = zlib(&mut reference, &wire, &mut false);
        assert_eq!(err, Some(InflateError::Corrupt), "zlib: {name}");
        for k in 0..=wire.len() {
            for step in [usize::MAX, 1] {
                let mut inf = MessageInflater::new(15);
                let (got, err) = ours(&mut inf, &[&wire[..k], &wire[k..]], step, NO_LIMIT);
                assert_eq!(err, Some(InflateError::Corrupt), "{name}, split {k}");
                assert_eq!(got, want, "{name}: output before the error");
            }
        }
    }
}
