//! The LZ77 match finder of the compressor (`compress.rs`): hash chains over the window,
//! and the search for the longest match at a position (see the module docs of
//! `compress.rs` for the tables and how a chain walk tests its candidates).

use crate::compress::Params;

pub(super) const MIN_MATCH: usize = 3;
const MAX_MATCH: usize = 258;
/// The multiplier of the (multiplicative) hash of 4 bytes (Snappy's: on JSON text it spreads
/// the frequent strings over the small table better than the golden ratio's 0x9e3779b1).
const HASH_MUL: u32 = 0x1e35_a7bd;

#[inline(always)]
fn load8(s: &[u8]) -> u64 {
    match s.get(..8) {
        Some(&[a, b, c, d, e, f, g, h]) => u64::from_le_bytes([a, b, c, d, e, f, g, h]),
        _ => 0,
    }
}

#[inline(always)]
fn load4(s: &[u8], at: usize) -> u32 {
    match s.get(at..at + 4) {
        Some(&[a, b, c, d]) => u32::from_le_bytes([a, b, c, d]),
        _ => 0,
    }
}

/// The four bytes that end `dist` bytes before the end of `s`, if there are four.
#[inline(always)]
fn last4(s: &[u8], dist: usize) -> Option<u32> {
    s.get(..s.len().wrapping_sub(dist))
        .and_then(<[u8]>::last_chunk)
        .map(|&c| u32::from_le_bytes(c))
}

/// How many bytes `a` and `b` have in common at their start (`a` at least as long as `b`).
#[inline(always)]
fn common(a: &[u8], b: &[u8]) -> usize {
    let n = b.len();
    let a = &a[..n];
    let mut k = 0;
    while k + 8 <= n {
        let x = load8(&a[k..]) ^ load8(&b[k..]);
        if x != 0 {
            return k + (x.trailing_zeros() / 8) as usize;
        }
        k += 8;
    }
    while k < n && a[k] == b[k] {
        k += 1;
    }
    k
}

/// How many bytes `buf[at..]` has in common with `cur` (`at + cur.len()` within `buf`).
#[inline(never)]
fn extend(buf: &[u8], at: usize, cur: &[u8]) -> usize {
    common(&buf[at..], cur)
}

/// What one message's match search reads (the tables are passed apart, as plain slices,
/// so that nothing aliases them).
#[derive(Clone, Copy)]
pub(super) struct Search<'a> {
    /// The history, then the message.
    pub(super) buf: &'a [u8],
    /// The stream position of `buf[0]`.
    pub(super) base: usize,
    pub(super) shift: u32,
    pub(super) wmask: usize,
    /// The farthest a match may reach back: the window. Every chain link followed (from a
    /// position within it) was written by that position's own insertion, except at a whole
    /// window's distance, whose slot is the searched position's own (just linked to the
    /// chain's head): following it walks the chain again, which only repeats candidates.
    pub(super) max_dist: usize,
    pub(super) p: Params,
    /// Matches up to this long have all their strings hashed (lazy levels).
    pub(super) insert_all: usize,
}

impl Search<'_> {
    /// Adds the string at `buf[i..i + 4]` to its hash chain; returns the chain's previous
    /// head.
    #[inline(always)]
    pub(super) fn insert(&self, head: &mut [u16], prev: &mut [u16], i: usize) -> u16 {
        let v = match self.buf.get(i..i + 4) {
            Some(&[a, b, c, d]) => u32::from_le_bytes([a, b, c, d]),
            _ => 0,
        };
        let hmask = head.len() - 1;
        let head = &mut head[..=hmask];
        let prev = &mut prev[..=self.wmask];
        let h = (v.wrapping_mul(HASH_MUL) >> self.shift) as usize & hmask;
        let pos = self.base.wrapping_add(i) as u16;
        let old = head[h];
        prev[usize::from(pos) & self.wmask] = old;
        head[h] = pos;
        old
    }

    /// Inserts the strings at `from..to` that have four bytes.
    #[inline(always)]
    pub(super) fn insert_range(&self, head: &mut [u16], prev: &mut [u16], from: usize, to: usize) {
        let to = to.min(self.buf.len().saturating_sub(3));
        if from >= to {
            return;
        }
        let hmask = head.len() - 1;
        let head = &mut head[..=hmask];
        let wmask = self.wmask;
        let prev = &mut prev[..=wmask];
        let shift = self.shift;
        let mut put = |v: u32, pos: usize| {
            let h = (v.wrapping_mul(HASH_MUL) >> shift) as usize & hmask;
            prev[pos & wmask] = head[h];
            head[h] = pos as u16;
        };
        let mut pos = self.base.wrapping_add(from);
        let mut bytes = &self.buf[from..to + 3];
        // Five strings per 8-byte load.
        while let Some(&c) = bytes.first_chunk::<8>() {
            let v = u64::from_le_bytes(c);
            put(v as u32, pos);
            put((v >> 8) as u32, pos.wrapping_add(1));
            put((v >> 16) as u32, pos.wrapping_add(2));
            put((v >> 24) as u32, pos.wrapping_add(3));
            put((v >> 32) as u32, pos.wrapping_add(4));
            pos = pos.wrapping_add(5);
            bytes = &bytes[5..];
        }
        for w in bytes.windows(4) {
            put(u32::from_le_bytes([w[0], w[1], w[2], w[3]]), pos);
            pos = pos.wrapping_add(1);
        }
    }

    /// The longest match for position `i` longer than `floor` (0 if none), following at
    /// most `chain` links from `first`: `(length, distance)`.
    #[inline(always)]
    pub(super) fn longest(
        &self,
        prev: &[u16],
        i: usize,
        first: u16,
        floor: usize,
        chain: u32,
    ) -> (usize, usize) {
        let buf = self.buf;
        let max_len = buf.len().saturating_sub(i).min(MAX_MATCH);
        if floor >= max_len {
            return (0, 0);
        }
        if max_len < 8 {
            return self.longest_short(prev, i, first, floor, chain);
        }
        let cur = &buf[i..i + max_len];
        let pos = self.base.wrapping_add(i) as u16;
        let limit = self.max_dist.min(i);
        let nice = self.p.nice.min(max_len);
        let wmask = self.wmask;
        let prev = &prev[..=wmask];
        let (mut best, mut best_dist) = (floor.max(MIN_MATCH - 1), 0);
        // A longer match agrees with `cur` on the four bytes that end at `best`.
        let mut off = best.max(3) - 3;
        let mut want = load4(cur, off);
        // The bytes before the end of those four at `i`: a candidate's four end `dist`
        // bytes earlier.
        let mut ends = &buf[..i + off + 4];
        let mut cand = first;
        let mut left = chain;
        while left > 0 {
            left -= 1;
            // Links within the window are not stale (see `max_dist`), so distances grow
            // along the chain; a stale head (from before a reset) or a walk started again
            // costs comparisons, and the chain's length bounds them.
            let dist = usize::from(pos.wrapping_sub(cand));
            if dist.wrapping_sub(1) >= limit {
                break;
            }
            cand = prev[usize::from(cand) & wmask];
            if last4(ends, dist) != Some(want) {
                continue;
            }
            let len = extend(buf, i - dist, cur);
            if len > best {
                (best, best_dist) = (len, dist);
                if len >= nice {
                    break;
                }
                off = best - 3;
                want = load4(cur, off);
                ends = &buf[..i + off + 4];
            }
        }
        if best_dist == 0 {
            (0, 0)
        } else {
            (best, best_dist)
        }
    }

    /// [`Search::longest`] for the message's last few bytes: byte by byte.
    #[cold]
    #[inline(never)]
    fn longest_short(
        &self,
        prev: &[u16],
        i: usize,
        first: u16,
        floor: usize,
        chain: u32,
    ) -> (usize, usize) {
        let buf = self.buf;
        let cur = &buf[i..];
        let pos = self.base.wrapping_add(i) as u16;
        let limit = self.max_dist.min(i);
        let (mut best, mut best_dist) = (floor.max(MIN_MATCH - 1), 0);
        let mut cand = first;
        let mut last = 0;
        for _ in 0..chain {
            let dist = usize::from(pos.wrapping_sub(cand));
            if dist <= last || dist > limit {
                break;
            }
            last = dist;
            cand = prev[usize::from(cand) & self.wmask];
            let len = common(&buf[i - dist..], cur);
            if len > best {
                (best, best_dist) = (len, dist);
            }
        }
        if best_dist == 0 {
            (0, 0)
        } else {
            (best, best_dist)
        }
    }
}
