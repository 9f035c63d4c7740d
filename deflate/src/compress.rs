//! sansocket's DEFLATE compressor (RFC 1951), sized for WebSocket messages (RFC 7692).
//!
//! LZ77 over the negotiated window only: a hash table of 2^bits heads (2^(bits − 1) from 14
//! bits on) and a chain link per window position (both `u16`), and the window's bytes
//! themselves, so a 12-bit window costs 21 KiB in all (zlib-rs: 259 KiB); as many heads as
//! window positions, not half as many, make chains that hold fewer other strings, walked
//! faster (64 KiB messages compress 5–10 % faster for the 4 KiB more). Matching is zlib's (greedy at levels 1–3,
//! lazy from 4, zlib's lengths per level; level 6 follows 32 chain links, not 128), on
//! multiplicative hashes of 4 bytes, so matches are 4 bytes long at least (3 only in a
//! message's last few bytes); a match longer than half the level's nice length hashes
//! only the strings at its ends. The chain walk tests each candidate first on the four
//! bytes that would end a longer match than the best so far (one load, one comparison),
//! and compares further, 8 bytes at a time, only the few that pass.
//! Blocks (16 Ki tokens at most) are dynamic, static or stored, whichever is smallest, and
//! every message ends with a sync flush whose `00 00 ff ff` is left out (§7.2.1). A message
//! that would not come out smaller is sent as is (the caller is told, and the history
//! does not take it in, as the peer's does not).
//!
//! Positions in the tables are stream positions modulo 2^16. A table entry is only ever
//! a hint: a match is taken only after its bytes were compared with the window, at a
//! distance within the window and within what the peer holds, so stale or aliased
//! entries (left by a reset, a message sent uncompressed, or older than 64 KiB) cost a
//! comparison, never correctness (a walk that loops on them ends with its chain's
//! length). That spares clearing tables between messages.

use crate::huffman::{
    BitWriter, DISTANCES, LITERALS, dist_code, len_code, match_token, write_block,
};
use crate::matcher::{MIN_MATCH, Search};

/// Tokens per block (zlib's default memLevel gives 16 K as well).
const BLOCK_TOKENS: usize = 16 << 10;
/// A 3-byte match farther than this costs more than its literals (zlib's `TOO_FAR`).
const TOO_FAR: usize = 4096;

/// How hard a level searches (after zlib's `configuration_table`).
#[derive(Clone, Copy, Debug)]
pub(super) struct Params {
    /// Quarter the chain once a match this long is in hand (lazy).
    pub(super) good: usize,
    /// Lazy: no search at the next position after a match this long. Greedy: the
    /// longest match whose positions are all hashed.
    pub(super) lazy: usize,
    /// Stop searching at a match this long.
    pub(super) nice: usize,
    /// Most chain links followed.
    pub(super) chain: u32,
    pub(super) lazy_matching: bool,
}

const fn params(good: usize, lazy: usize, nice: usize, chain: u32, lazy_matching: bool) -> Params {
    Params {
        good,
        lazy,
        nice,
        chain,
        lazy_matching,
    }
}

/// Level 6 (the default) follows a quarter of zlib's chain: on the benchmark's JSON that
/// still compresses better than zlib-rs at level 6 (its `deflate_medium`), for less work.
const LEVELS: [Params; 10] = [
    params(0, 0, 0, 0, false),
    params(4, 4, 8, 4, false),
    params(4, 5, 16, 8, false),
    params(4, 6, 32, 32, false),
    params(4, 4, 16, 16, true),
    params(8, 16, 32, 32, true),
    params(8, 16, 128, 32, true),
    params(8, 32, 128, 128, true),
    params(32, 128, 258, 1024, true),
    params(32, 258, 258, 4096, true),
];

/// The compressor's state between messages.
#[derive(Debug)]
pub(crate) struct Compressor {
    params: Params,
    /// Window bits, 8–15.
    bits: u8,
    /// The last bytes compressed (at most the window), which the peer holds too; during a
    /// message, followed by the message.
    buf: Vec<u8>,
    /// The stream position of `buf[0]`.
    base: usize,
    /// Positions before this one are in the hash chains (or were skipped).
    hashed: usize,
    /// `None` until first needed, and again after [`Compressor::release_tables`].
    tables: Option<Tables>,
}

#[derive(Debug)]
struct Tables {
    /// The latest position of each hash.
    head: Box<[u16]>,
    /// The previous position of the same hash, for each window position.
    prev: Box<[u16]>,
}

impl Compressor {
    /// A compressor with a window of 2^`bits` bytes (8–15) at `level` (1–9).
    pub(crate) fn new(level: u32, bits: u8) -> Self {
        Self {
            params: LEVELS[level.clamp(1, 9) as usize],
            bits: bits.clamp(8, 15),
            buf: Vec::new(),
            base: 0,
            hashed: 0,
            tables: None,
        }
    }

    fn window(&self) -> usize {
        1 << self.bits
    }

    /// 32 − the hash's bits: a head per window position up to 13 bits, half as many above.
    fn hash_shift(&self) -> u32 {
        let bits = u32::from(self.bits);
        32 - bits.min(13).max(bits - 1).max(8)
    }

    /// Forgets the history (no context takeover): the next message refers to nothing.
    pub(crate) fn reset(&mut self) {
        self.base = self.base.wrapping_add(self.buf.len());
        self.hashed = self.base;
        self.buf.clear();
    }

    /// Drops the hash tables (16 KiB at 12 bits) until the next message, which rebuilds
    /// them from the history.
    pub(crate) fn release_tables(&mut self) {
        self.tables = None;
        self.hashed = self.base;
    }

    /// Heap bytes held (for tests and the docs).
    pub(crate) fn heap(&self) -> usize {
        self.buf.capacity()
            + self
                .tables
                .as_ref()
                .map_or(0, |t| 2 * (t.head.len() + t.prev.len()))
    }

    /// Appends `data` compressed (a sync-flushed stream, its `00 00 ff ff` left out) to
    /// `out`, and returns `true`; or returns `false`, with `out` and the history as they
    /// were, if that would not be smaller than `data` (the message is then better sent as
    /// is, which leaves the peer's context unchanged too).
    pub(crate) fn compress(&mut self, data: &[u8], out: &mut Vec<u8>) -> bool {
        let start = self.buf.len();
        let out_start = out.len();
        let shift = self.hash_shift();
        let wmask = self.window() - 1;
        // New tables point 32 KiB back, out of any window: zeros would be position 0, a
        // string that chains to itself at the start of a stream (a new compressor each
        // message, as `low_memory` without context takeover has).
        let far = (self.base as u16).wrapping_sub(0x8000);
        let tables = self.tables.get_or_insert_with(|| Tables {
            head: vec![far; 1 << (32 - shift)].into_boxed_slice(),
            prev: vec![far; wmask + 1].into_boxed_slice(),
        });
        self.buf.extend_from_slice(data);
        let buf = &self.buf[..];
        let end = buf.len();
        let base = self.base;
        let search = Search {
            buf,
            base,
            shift,
            wmask,
            max_dist: wmask + 1,
            p: self.params,
            insert_all: (self.params.nice / 2).max(16),
        };
        let Tables { head, prev } = tables;
        let (head, prev) = (&mut head[..], &mut prev[..]);
        // The history's last strings, which needed the message's first bytes to hash.
        let from = self.hashed.wrapping_sub(base).min(start);
        search.insert_range(head, prev, from, start);
        out.reserve(data.len() / 4 + 64);
        let mut w = BitWriter::new(out);
        let mut lz = Sink {
            buf,
            tokens: Vec::with_capacity(data.len().min(BLOCK_TOKENS) + 1),
            lit_freq: [0; LITERALS],
            dist_freq: [0; DISTANCES],
            block_start: start,
            emitted: start,
        };
        if self.params.lazy_matching {
            lazy(&search, head, prev, &mut lz, &mut w, start);
        } else {
            greedy(&search, head, prev, &mut lz, &mut w, start);
        }
        lz.flush(&mut w);
        w.sync_marker();
        self.hashed = base.wrapping_add(end.saturating_sub(3).max(start));
        if out.len() - out_start >= data.len().max(1) && !data.is_empty() {
            out.truncate(out_start);
            self.buf.truncate(start);
            self.hashed = self.hashed.min(base.wrapping_add(start));
            return false;
        }
        self.keep_window();
        true
    }

    /// Keeps the last window's worth of bytes, in a buffer not much larger.
    fn keep_window(&mut self) {
        let window = self.window();
        if self.buf.len() > window {
            let drop = self.buf.len() - window;
            self.buf.drain(..drop);
            self.base = self.base.wrapping_add(drop);
        }
        let keep = window + window / 4 + 256;
        if self.buf.capacity() > keep {
            self.buf.shrink_to(keep);
        }
    }
}

/// One message's tokens and the blocks they go out in.
struct Sink<'a> {
    buf: &'a [u8],
    tokens: Vec<u32>,
    lit_freq: [u32; LITERALS],
    dist_freq: [u32; DISTANCES],
    /// Where the current block's bytes start in `buf`.
    block_start: usize,
    /// Bytes up to here are in tokens.
    emitted: usize,
}

impl Sink<'_> {
    #[inline(always)]
    fn literal(&mut self, w: &mut BitWriter<'_>, byte: u8) {
        self.tokens.push(u32::from(byte));
        self.lit_freq[usize::from(byte)] += 1;
        self.emitted += 1;
        if self.tokens.len() >= BLOCK_TOKENS {
            self.flush(w);
        }
    }

    #[inline(always)]
    fn matched(&mut self, w: &mut BitWriter<'_>, len: usize, dist: usize) {
        debug_assert!(dist >= 1 && dist <= self.emitted, "distance {dist}");
        self.tokens.push(match_token(len, dist));
        self.lit_freq[257 + len_code(len)] += 1;
        self.dist_freq[dist_code(dist)] += 1;
        self.emitted += len;
        if self.tokens.len() >= BLOCK_TOKENS {
            self.flush(w);
        }
    }

    /// Writes the tokens so far as a block.
    fn flush(&mut self, w: &mut BitWriter<'_>) {
        if self.tokens.is_empty() {
            return;
        }
        write_block(
            w,
            &self.tokens,
            &mut self.lit_freq,
            &mut self.dist_freq,
            &self.buf[self.block_start..self.emitted],
        );
        self.tokens.clear();
        self.block_start = self.emitted;
    }
}

/// zlib's `deflate_fast`: take the longest match at each position.
fn greedy(
    s: &Search<'_>,
    head: &mut [u16],
    prev: &mut [u16],
    out: &mut Sink<'_>,
    w: &mut BitWriter<'_>,
    start: usize,
) {
    let s = *s;
    let buf = s.buf;
    let end = buf.len();
    let hash_end = end.saturating_sub(3);
    let mut i = start;
    while i < end {
        let (mut len, mut dist) = (0, 0);
        if i < hash_end {
            let first = s.insert(head, prev, i);
            (len, dist) = s.longest(prev, i, first, 0, s.p.chain);
            debug_assert!(dist <= s.max_dist);
            if len == MIN_MATCH && dist > TOO_FAR {
                len = 0;
            }
        }
        if len >= MIN_MATCH {
            out.matched(w, len, dist);
            if len <= s.p.lazy {
                s.insert_range(head, prev, i + 1, i + len);
            }
            i += len;
        } else {
            out.literal(w, buf[i]);
            i += 1;
        }
    }
}

/// zlib's `deflate_slow`: a match is taken only if the next position has no longer one.
fn lazy(
    s: &Search<'_>,
    head: &mut [u16],
    prev: &mut [u16],
    out: &mut Sink<'_>,
    w: &mut BitWriter<'_>,
    start: usize,
) {
    let s = *s;
    let buf = s.buf;
    let end = buf.len();
    let hash_end = end.saturating_sub(3);
    let mut i = start;
    // A byte at `i - 1` is pending, with the match found there (length 0: none).
    let mut pending = false;
    let (mut prev_len, mut prev_dist) = (0, 0);
    while i < hash_end {
        let first = s.insert(head, prev, i);
        let (mut len, mut dist) = (0, 0);
        if prev_len < s.p.lazy {
            let chain = if prev_len >= s.p.good {
                s.p.chain >> 2
            } else {
                s.p.chain
            };
            (len, dist) = s.longest(prev, i, first, prev_len, chain);
            debug_assert!(dist <= s.max_dist);
            if len == MIN_MATCH && dist > TOO_FAR {
                len = 0;
            }
        }
        if pending && prev_len >= MIN_MATCH && len <= prev_len {
            out.matched(w, prev_len, prev_dist);
            let next = i - 1 + prev_len;
            if prev_len <= s.insert_all {
                s.insert_range(head, prev, i + 1, next);
            } else {
                // A long match: its inner strings are mostly found again through the
                // strings around them; only its ends are hashed.
                s.insert_range(head, prev, i + 1, i + 5);
                s.insert_range(head, prev, next - 4, next);
            }
            i = next;
            pending = false;
            prev_len = 0;
            continue;
        }
        if pending {
            out.literal(w, buf[i - 1]);
        }
        pending = true;
        (prev_len, prev_dist) = (len, dist);
        i += 1;
    }
    // The last three bytes (no strings to hash): the pending match, or literals.
    if pending && prev_len >= MIN_MATCH {
        out.matched(w, prev_len, prev_dist);
        i += prev_len - 1;
    } else if pending {
        out.literal(w, buf[i - 1]);
    }
    for &b in &buf[i.min(end)..] {
        out.literal(w, b);
    }
}
