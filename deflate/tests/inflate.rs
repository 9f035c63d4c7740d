//! The DEFLATE decoder (`MessageInflater`, what a sansocket connection's receiver uses)
//! against zlib-rs (flate2, raw inflate): every window size, random and compressible data,
//! stored, fixed and dynamic blocks from sansocket's compressor and from zlib's at several
//! levels, context takeover across messages, every split of the input, tiny output caps,
//! the size limit, and every way a stream can be corrupt.

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};
use proptest::prelude::*;
use sansocket_deflate::{InflateError, Inflated, MessageCompressor, MessageInflater};

const TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];
const NO_LIMIT: usize = 1 << 30;

/// What inflating a message gave: its bytes, and the error that stopped it (if any).
type Outcome = (Vec<u8>, Option<InflateError>);

/// Inflates one message given in `pieces` (as frames or reads would cut it), `step` output
/// bytes at a time at most (a streaming receiver's cap), as the receiver drives it.
fn ours(inf: &mut MessageInflater, pieces: &[&[u8]], step: usize, limit: usize) -> Outcome {
    let mut out = Vec::new();
    for piece in pieces {
        let mut rest = *piece;
        loop {
            let cap = out.len().saturating_add(step);
            match inf.inflate(rest, &mut out, limit, cap) {
                Ok(Inflated { used, full }) => {
                    rest = &rest[used..];
                    if !full {
                        assert!(rest.is_empty(), "not full, input left");
                        break;
                    }
                    assert!(out.len() <= cap);
                }
                Err(e) => return (out, Some(e)),
            }
        }
    }
    match inf.finish(&mut out, limit) {
        Ok(()) => (out, None),
        Err(e) => (out, Some(e)),
    }
}

/// The same message through zlib-rs (all at once, the tail appended), as the receiver
/// drove it before: output up to an error is kept.
fn zlib(d: &mut Decompress, wire: &[u8], ended: &mut bool) -> Outcome {
    let mut input = wire.to_vec();
    input.extend_from_slice(&TAIL);
    let mut rest = &input[..];
    let mut out: Vec<u8> = Vec::with_capacity(64);
    if *ended {
        *ended = false;
        d.reset(false);
    }
    loop {
        if out.capacity() == out.len() {
            out.reserve(out.len().max(64));
        }
        let (before_in, before_out) = (d.total_in(), d.total_out());
        let result = d.decompress_vec(rest, &mut out, FlushDecompress::Sync);
        let used = (d.total_in() - before_in) as usize;
        let produced = (d.total_out() - before_out) as usize;
        rest = &rest[used..];
        match result {
            Err(_) => return (out, Some(InflateError::Corrupt)),
            Ok(Status::StreamEnd) => {
                *ended = true;
                return (out, None);
            }
            Ok(_) => {
                if out.len() < out.capacity() && (rest.is_empty() || used == 0 && produced == 0) {
                    return (out, None);
                }
            }
        }
    }
}

/// zlib's raw compressor with a sync flush per message (the tail removed), or a finish.
fn zlib_compress(c: &mut Compress, msg: &[u8], finish: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(msg.len() * 2 + 64);
    let flush = if finish {
        FlushCompress::Finish
    } else {
        FlushCompress::Sync
    };
    let mut rest = msg;
    loop {
        let before = c.total_in();
        let status = c.compress_vec(rest, &mut out, flush).expect("compress");
        rest = &rest[(c.total_in() - before) as usize..];
        if out.len() < out.capacity() || status == Status::StreamEnd {
            if rest.is_empty() {
                break;
            }
        } else {
            out.reserve(out.capacity());
        }
    }
    if !finish {
        if out.is_empty() {
            // Nothing new to flush (an empty message after a flush): §7.2.3.6's one byte,
            // an empty stored block whose LEN and NLEN are the tail.
            return vec![0x00];
        }
        assert!(out.ends_with(&TAIL));
        out.truncate(out.len() - 4);
    }
    out
}

/// `wire` cut at `cuts` (each at most `wire.len()`, in any order).
fn cut(wire: &[u8], mut cuts: Vec<usize>) -> Vec<&[u8]> {
    cuts.sort_unstable();
    let mut pieces = Vec::new();
    let mut at = 0;
    for c in cuts {
        pieces.push(&wire[at..c]);
        at = c;
    }
    pieces.push(&wire[at..]);
    pieces
}

/// Pseudo-random bytes (xorshift).
fn noise(seed: u64, n: usize) -> Vec<u8> {
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// JSON-like text, with repeats near and far.
fn text(seed: u64, n: usize) -> Vec<u8> {
    let words = noise(seed, n / 8 + 8);
    let mut s = String::new();
    let mut i = 0;
    while s.len() < n {
        let w = words[i % words.len()];
        s += &format!(
            r#"{{"id":{},"sym":"{}","px":{}.{}}},"#,
            w,
            ["AB", "CDE", "F"][usize::from(w % 3)],
            w / 3,
            w % 7
        );
        if w.is_multiple_of(11) {
            s += &" ".repeat(usize::from(w % 40));
        }
        i += 1;
    }
    s.truncate(n);
    s.into_bytes()
}

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

/// Writes bits least significant first, and Huffman codes most significant bit first.
#[derive(Default)]
struct Bits {
    out: Vec<u8>,
    acc: u64,
    n: u32,
}

impl Bits {
    fn put(&mut self, value: u32, n: u32) {
        self.acc |= u64::from(value) << self.n;
        self.n += n;
        while self.n >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.n -= 8;
        }
    }
    /// A Huffman code: `code` of `len` bits, first bit its highest.
    fn code(&mut self, (code, len): (u32, u32)) {
        self.put(code.reverse_bits() >> (32 - len), len);
    }
    fn bytes(mut self) -> Vec<u8> {
        if self.n > 0 {
            self.out.push(self.acc as u8);
        }
        self.out
    }
}

/// Canonical codes for these lengths (§3.2.2), zero-length symbols none.
fn canonical(lens: &[u8]) -> Vec<(u32, u32)> {
    let mut count = [0u32; 16];
    for &l in lens {
        count[usize::from(l)] += 1;
    }
    count[0] = 0;
    let mut next = [0u32; 16];
    let mut code = 0;
    for len in 1..16 {
        code = (code + count[len - 1]) << 1;
        next[len] = code;
    }
    lens.iter()
        .map(|&l| {
            if l == 0 {
                return (0, 0);
            }
            let c = next[usize::from(l)];
            next[usize::from(l)] += 1;
            (c, u32::from(l))
        })
        .collect()
}

/// The code length code's lengths used here: 0–12 and 16–18 with 4 bits (complete).
fn cl_lens() -> [u8; 19] {
    let mut l = [0u8; 19];
    for s in (0..=12).chain(16..=18) {
        l[s] = 4;
    }
    l
}

const ORDER: [usize; 19] = [
    16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
];

/// A dynamic block's header: counts, code length code `cl`, then the code length symbols
/// `(symbol, extra value)` as given (not checked).
fn dynamic_header(
    b: &mut Bits,
    last: bool,
    nlen: u32,
    ndist: u32,
    cl: &[u8; 19],
    syms: &[(u32, u32)],
) {
    b.put(u32::from(last) | 2 << 1, 3);
    b.put(nlen - 257, 5);
    b.put(ndist - 1, 5);
    b.put(19 - 4, 4);
    for &s in &ORDER {
        b.put(u32::from(cl[s]), 3);
    }
    let codes = canonical(cl);
    for &(s, extra) in syms {
        b.code(codes[s as usize]);
        match s {
            16 => b.put(extra, 2),
            17 => b.put(extra, 3),
            18 => b.put(extra, 7),
            _ => {}
        }
    }
}

/// Literal/length and distance lengths written plainly (symbols ≤ 12).
fn plain_lens(lit: &[u8], dist: &[u8]) -> Vec<(u32, u32)> {
    lit.iter().chain(dist).map(|&l| (u32::from(l), 0)).collect()
}

/// A litlen code: 'a' (97), 'b', end of block, and length symbols 257 and 285 with
/// lengths `lens`; distance code `dist`.
fn small_lit(lens: [u8; 5]) -> Vec<u8> {
    let mut lit = vec![0u8; 286];
    for (s, l) in [97, 98, 256, 257, 285].into_iter().zip(lens) {
        lit[s] = l;
    }
    lit
}

/// A fixed block's code for literal/length `s`.
fn fixed_lit(b: &mut Bits, s: u32) {
    match s {
        0..=143 => b.code((0x30 + s, 8)),
        144..=255 => b.code((0x190 + s - 144, 9)),
        256..=279 => b.code((s - 256, 7)),
        _ => b.code((0xc0 + s - 280, 8)),
    }
}

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
