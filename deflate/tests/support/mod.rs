//! What the inflate tests share: the two decoders driven alike, input cutting, test data,
//! and a bit writer for hand-made DEFLATE streams.

// Each test file uses a different part of this module.
#![allow(dead_code)]

use flate2::{Compress, Decompress, FlushCompress, FlushDecompress, Status};
use sansocket_deflate::{InflateError, Inflated, MessageInflater};

pub(crate) const TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];
pub(crate) const NO_LIMIT: usize = 1 << 30;

/// What inflating a message gave: its bytes, and the error that stopped it (if any).
pub(crate) type Outcome = (Vec<u8>, Option<InflateError>);

/// Inflates one message given in `pieces` (as frames or reads would cut it), `step` output
/// bytes at a time at most (a streaming receiver's cap), as the receiver drives it.
pub(crate) fn ours(
    inf: &mut MessageInflater,
    pieces: &[&[u8]],
    step: usize,
    limit: usize,
) -> Outcome {
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
pub(crate) fn zlib(d: &mut Decompress, wire: &[u8], ended: &mut bool) -> Outcome {
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
pub(crate) fn zlib_compress(c: &mut Compress, msg: &[u8], finish: bool) -> Vec<u8> {
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
pub(crate) fn cut(wire: &[u8], mut cuts: Vec<usize>) -> Vec<&[u8]> {
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
pub(crate) fn noise(seed: u64, n: usize) -> Vec<u8> {
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
pub(crate) fn text(seed: u64, n: usize) -> Vec<u8> {
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

/// Writes bits least significant first, and Huffman codes most significant bit first.
#[derive(Default)]
pub(crate) struct Bits {
    out: Vec<u8>,
    acc: u64,
    n: u32,
}

impl Bits {
    pub(crate) fn put(&mut self, value: u32, n: u32) {
        self.acc |= u64::from(value) << self.n;
        self.n += n;
        while self.n >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.n -= 8;
        }
    }
    /// A Huffman code: `code` of `len` bits, first bit its highest.
    pub(crate) fn code(&mut self, (code, len): (u32, u32)) {
        self.put(code.reverse_bits() >> (32 - len), len);
    }
    pub(crate) fn bytes(mut self) -> Vec<u8> {
        if self.n > 0 {
            self.out.push(self.acc as u8);
        }
        self.out
    }
}

/// Canonical codes for these lengths (§3.2.2), zero-length symbols none.
pub(crate) fn canonical(lens: &[u8]) -> Vec<(u32, u32)> {
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
pub(crate) fn cl_lens() -> [u8; 19] {
    let mut l = [0u8; 19];
    for s in (0..=12).chain(16..=18) {
        l[s] = 4;
    }
    l
}

pub(crate) const ORDER: [usize; 19] = [
    16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
];

/// A dynamic block's header: counts, code length code `cl`, then the code length symbols
/// `(symbol, extra value)` as given (not checked).
pub(crate) fn dynamic_header(
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
pub(crate) fn plain_lens(lit: &[u8], dist: &[u8]) -> Vec<(u32, u32)> {
    lit.iter().chain(dist).map(|&l| (u32::from(l), 0)).collect()
}

/// A litlen code: 'a' (97), 'b', end of block, and length symbols 257 and 285 with
/// lengths `lens`; distance code `dist`.
pub(crate) fn small_lit(lens: [u8; 5]) -> Vec<u8> {
    let mut lit = vec![0u8; 286];
    for (s, l) in [97, 98, 256, 257, 285].into_iter().zip(lens) {
        lit[s] = l;
    }
    lit
}

/// A fixed block's code for literal/length `s`.
pub(crate) fn fixed_lit(b: &mut Bits, s: u32) {
    match s {
        0..=143 => b.code((0x30 + s, 8)),
        144..=255 => b.code((0x190 + s - 144, 9)),
        256..=279 => b.code((s - 256, 7)),
        _ => b.code((0xc0 + s - 280, 8)),
    }
}
