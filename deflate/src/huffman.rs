//! DEFLATE blocks (RFC 1951 §3.2): the bit writer, length-limited Huffman codes, and one
//! block written from LZ77 tokens as the smallest of dynamic, static or stored.

/// Literal/length symbols (0–285, 256 ends a block).
pub(super) const LITERALS: usize = 286;
/// Distance symbols.
pub(super) const DISTANCES: usize = 30;
use crate::symbols::{CODE_LENGTHS, CODELEN_ORDER, DIST_BASE, DIST_EXTRA, LEN_BASE, LEN_EXTRA};

/// End of block.
const END: usize = 256;

/// A token is a literal (below 256) or a match: `(length - 2) << 16 | distance`.
pub(super) const fn match_token(len: usize, dist: usize) -> u32 {
    (((len - 2) << 16) | dist) as u32
}

/// Length code (0–28) of each match length minus 3.
static LEN_CODE: [u8; 256] = len_codes();
/// Distance code of `distance - 1` below 256, and of `256 + ((distance - 1) >> 7)` above.
static DIST_CODE: [u8; 512] = dist_codes();

const fn len_codes() -> [u8; 256] {
    let mut table = [0u8; 256];
    let mut code = 0;
    while code < 28 {
        let mut k = 0;
        while k < 1 << LEN_EXTRA[code] {
            table[LEN_BASE[code] as usize - 3 + k] = code as u8;
            k += 1;
        }
        code += 1;
    }
    table[255] = 28;
    table
}

const fn dist_codes() -> [u8; 512] {
    let mut table = [0u8; 512];
    let mut code = 0;
    while code < 30 {
        let mut k = 0;
        while k < 1 << DIST_EXTRA[code] {
            let d = DIST_BASE[code] as usize - 1 + k;
            if d < 256 {
                table[d] = code as u8;
            } else {
                table[256 + (d >> 7)] = code as u8;
            }
            k += 1;
        }
        code += 1;
    }
    table
}

/// The length code of a match of `len` bytes.
#[inline]
pub(super) fn len_code(len: usize) -> usize {
    usize::from(LEN_CODE[(len - 3) & 0xff])
}

/// The distance code of `dist` (1–32768).
#[inline]
pub(super) fn dist_code(dist: usize) -> usize {
    let d = dist - 1;
    usize::from(if d < 256 {
        DIST_CODE[d]
    } else {
        DIST_CODE[(256 + (d >> 7)) & 511]
    })
}

/// Bits out, least significant first (RFC 1951 §3.1.1), appended to a `Vec`.
pub(super) struct BitWriter<'a> {
    out: &'a mut Vec<u8>,
    acc: u64,
    /// Bits in `acc`, always below 32 between calls.
    n: u32,
}

impl<'a> BitWriter<'a> {
    pub(super) fn new(out: &'a mut Vec<u8>) -> Self {
        Self { out, acc: 0, n: 0 }
    }

    /// Writes the low `len` bits of `bits` (`len` ≤ 32, no bits set above it).
    #[inline]
    fn put(&mut self, bits: u64, len: u32) {
        self.acc |= bits << self.n;
        self.n += len;
        if self.n >= 32 {
            self.out.extend_from_slice(&(self.acc as u32).to_le_bytes());
            self.acc >>= 32;
            self.n -= 32;
        }
    }

    /// Pads with zero bits to a byte boundary and writes out what is held.
    pub(super) fn align(&mut self) {
        let bytes = self.n.div_ceil(8) as usize;
        self.out.extend_from_slice(&self.acc.to_le_bytes()[..bytes]);
        self.acc = 0;
        self.n = 0;
    }

    /// A sync flush's empty stored block, up to its LEN field (RFC 7692 §7.2.1 removes the
    /// `00 00 ff ff` that would follow): a non-final stored block's header, then padding.
    pub(super) fn sync_marker(&mut self) {
        self.put(0, 3);
        self.align();
    }
}

/// Code lengths (at most `max_bits`) of a Huffman code for `freq`, into `lens`. Symbols of
/// zero frequency get no code; at least two symbols always get one (as zlib does: an
/// inflater may reject a code of a single symbol).
fn code_lengths<const N: usize>(freq: &[u32], max_bits: usize, lens: &mut [u8]) {
    lens.fill(0);
    // Frequency << 16 | symbol, sorted: by frequency, then symbol (`N` ≥ the alphabet's
    // size: the scratch arrays are sized to the alphabet, as they are zeroed per block).
    let mut sorted = [0u64; N];
    let mut n = 0;
    for (s, &f) in freq.iter().enumerate() {
        if f > 0 {
            sorted[n] = u64::from(f) << 16 | s as u64;
            n += 1;
        }
    }
    if n < 2 {
        let first = if n == 1 {
            (sorted[0] & 0xffff) as usize
        } else {
            0
        };
        lens[first] = 1;
        lens[usize::from(first == 0)] = 1;
        return;
    }
    let sorted = &mut sorted[..n];
    sorted.sort_unstable();
    let mut keys = [0u32; N];
    let keys = &mut keys[..n];
    for (k, s) in keys.iter_mut().zip(sorted.iter()) {
        *k = (s >> 16) as u32;
    }
    minimum_redundancy(keys);
    // keys[i]: the code length of syms[i] (longest first); limited to max_bits.
    let mut count = [0u32; 33];
    for &k in keys.iter() {
        count[k.min(32) as usize] += 1;
    }
    for len in max_bits + 1..=32 {
        count[max_bits] += count[len];
        count[len] = 0;
    }
    let mut total: u32 = (1..=max_bits).map(|l| count[l] << (max_bits - l)).sum();
    while total != 1 << max_bits {
        count[max_bits] -= 1;
        for len in (1..max_bits).rev() {
            if count[len] != 0 {
                count[len] -= 1;
                count[len + 1] += 2;
                break;
            }
        }
        total -= 1;
    }
    // The most frequent symbols (at the end) get the shortest codes.
    let mut j = n;
    for (len, &c) in count.iter().enumerate().take(max_bits + 1).skip(1) {
        for _ in 0..c {
            j -= 1;
            lens[(sorted[j] & 0xffff) as usize] = len as u8;
        }
    }
}

/// In-place minimum-redundancy code lengths of sorted weights (Moffat and Katajainen,
/// 1995): on return `a[i]` is the code length of the symbol of weight `a[i]`.
fn minimum_redundancy(a: &mut [u32]) {
    let n = a.len();
    a[0] += a[1];
    let (mut root, mut leaf) = (0, 2);
    for next in 1..n - 1 {
        if leaf >= n || a[root] < a[leaf] {
            a[next] = a[root];
            a[root] = next as u32;
            root += 1;
        } else {
            a[next] = a[leaf];
            leaf += 1;
        }
        if leaf >= n || (root < next && a[root] < a[leaf]) {
            a[next] += a[root];
            a[root] = next as u32;
            root += 1;
        } else {
            a[next] += a[leaf];
            leaf += 1;
        }
    }
    a[n - 2] = 0;
    for next in (0..n.saturating_sub(2)).rev() {
        a[next] = a[a[next] as usize] + 1;
    }
    let (mut avail, mut used, mut depth) = (1i64, 0i64, 0u32);
    let mut root = n as i64 - 2;
    let mut next = n as i64 - 1;
    while avail > 0 {
        while root >= 0 && a[root as usize] == depth {
            used += 1;
            root -= 1;
        }
        while avail > used {
            a[next as usize] = depth;
            next -= 1;
            avail -= 1;
        }
        avail = 2 * used;
        depth += 1;
        used = 0;
    }
}

/// Canonical codes (RFC 1951 §3.2.2) for `lens`, bit-reversed so that they are written
/// least significant bit first.
fn canonical(lens: &[u8], codes: &mut [u16]) {
    let mut count = [0u16; 16];
    for &l in lens {
        count[usize::from(l)] += 1;
    }
    count[0] = 0;
    let mut next = [0u16; 16];
    let mut code = 0u16;
    for bits in 1..16 {
        code = (code + count[bits - 1]) << 1;
        next[bits] = code;
    }
    for (c, &l) in codes.iter_mut().zip(lens) {
        if l > 0 {
            let l = usize::from(l);
            *c = next[l].reverse_bits() >> (16 - l);
            next[l] += 1;
        }
    }
}

/// A code-length symbol of the dynamic header and its extra bits.
#[derive(Clone, Copy, Default)]
struct ClSym {
    sym: u8,
    extra: u8,
}

/// Run-length codes (RFC 1951 §3.2.7) of `lens`, counted into `freq`; returns how many.
fn run_lengths(lens: &[u8], out: &mut [ClSym], freq: &mut [u32; CODE_LENGTHS]) -> usize {
    let mut n = 0;
    let mut push = |sym: u8, extra: u8, out: &mut [ClSym]| {
        out[n] = ClSym { sym, extra };
        freq[usize::from(sym)] += 1;
        n += 1;
    };
    let mut i = 0;
    while i < lens.len() {
        let l = lens[i];
        let mut run = 1;
        while i + run < lens.len() && lens[i + run] == l {
            run += 1;
        }
        i += run;
        if l == 0 {
            while run >= 11 {
                let r = run.min(138);
                push(18, (r - 11) as u8, out);
                run -= r;
            }
            if run >= 3 {
                push(17, (run - 3) as u8, out);
                run = 0;
            }
        } else {
            push(l, 0, out);
            run -= 1;
            while run >= 3 {
                let r = run.min(6);
                push(16, (r - 3) as u8, out);
                run -= r;
            }
        }
        for _ in 0..run {
            push(l, 0, out);
        }
    }
    n
}

/// Bits the tokens take with these code lengths and with the static code (extra bits
/// included in both).
fn data_bits(lit_freq: &[u32], dist_freq: &[u32], lit_len: &[u8], dist_len: &[u8]) -> (u64, u64) {
    let (mut dynamic, mut fixed) = (0u64, 0u64);
    for (s, (&f, &l)) in lit_freq.iter().zip(lit_len).enumerate() {
        if f == 0 {
            continue;
        }
        let (extra, static_len) = match s {
            0..=143 => (0, 8),
            144..=255 => (0, 9),
            256..=279 => (
                LEN_EXTRA.get(s.wrapping_sub(END + 1)).copied().unwrap_or(0),
                7,
            ),
            _ => (LEN_EXTRA[(s - END - 1).min(28)], 8),
        };
        dynamic += u64::from(f) * u64::from(l + extra);
        fixed += u64::from(f) * u64::from(static_len + extra);
    }
    for (s, (&f, &l)) in dist_freq.iter().zip(dist_len).enumerate() {
        dynamic += u64::from(f) * u64::from(l + DIST_EXTRA[s]);
        fixed += u64::from(f) * u64::from(5 + DIST_EXTRA[s]);
    }
    (dynamic, fixed)
}

/// Writes one non-final block holding `tokens` (whose symbol counts are `lit_freq` and
/// `dist_freq`, without the end of block), which stand for the bytes `raw`: as a dynamic,
/// static or stored block, whichever is smallest. The counts are cleared.
pub(super) fn write_block(
    w: &mut BitWriter<'_>,
    tokens: &[u32],
    lit_freq: &mut [u32; LITERALS],
    dist_freq: &mut [u32; DISTANCES],
    raw: &[u8],
) {
    lit_freq[END] += 1;
    let mut lit_len = [0u8; LITERALS];
    let mut dist_len = [0u8; DISTANCES];
    code_lengths::<LITERALS>(lit_freq, 15, &mut lit_len);
    code_lengths::<DISTANCES>(dist_freq, 15, &mut dist_len);
    let hlit = lit_len
        .iter()
        .rposition(|&l| l > 0)
        .map_or(0, |p| p + 1)
        .max(257);
    let hdist = dist_len
        .iter()
        .rposition(|&l| l > 0)
        .map_or(0, |p| p + 1)
        .max(1);
    let mut all = [0u8; LITERALS + DISTANCES];
    all[..hlit].copy_from_slice(&lit_len[..hlit]);
    all[hlit..hlit + hdist].copy_from_slice(&dist_len[..hdist]);
    let mut rle = [ClSym::default(); LITERALS + DISTANCES];
    let mut cl_freq = [0u32; CODE_LENGTHS];
    let runs = run_lengths(&all[..hlit + hdist], &mut rle, &mut cl_freq);
    let mut cl_len = [0u8; CODE_LENGTHS];
    code_lengths::<CODE_LENGTHS>(&cl_freq, 7, &mut cl_len);
    let hclen = CODELEN_ORDER
        .iter()
        .rposition(|&s| cl_len[s] > 0)
        .map_or(0, |p| p + 1)
        .max(4);
    let header_bits = 14
        + 3 * hclen as u64
        + cl_freq
            .iter()
            .zip(&cl_len)
            .enumerate()
            .map(|(s, (&f, &l))| {
                let extra = [2, 3, 7].get(s.wrapping_sub(16)).copied().unwrap_or(0);
                u64::from(f) * (u64::from(l) + extra)
            })
            .sum::<u64>();
    let (dynamic_data, fixed_data) = data_bits(lit_freq, dist_freq, &lit_len, &dist_len);
    let dynamic = 3 + header_bits + dynamic_data;
    let fixed = 3 + fixed_data;
    // A stored block: header, padding to a byte, LEN and NLEN, the bytes (one block per
    // 65535 bytes).
    let stored = (raw.len() as u64 + 5 * (raw.len() as u64 / 65535 + 1)) * 8 + 7;
    if stored < dynamic.min(fixed) {
        write_stored(w, raw);
    } else if fixed <= dynamic {
        let (static_lit, static_dist) = static_lengths();
        let mut lit_code = [0u16; LITERALS + 2];
        let mut dist_code = [0u16; DISTANCES];
        canonical(&static_lit, &mut lit_code);
        canonical(&static_dist, &mut dist_code);
        w.put(0b010, 3);
        write_tokens(w, tokens, &lit_code, &static_lit, &dist_code, &static_dist);
    } else {
        let mut lit_code = [0u16; LITERALS];
        let mut dist_code = [0u16; DISTANCES];
        let mut cl_code = [0u16; CODE_LENGTHS];
        canonical(&lit_len, &mut lit_code);
        canonical(&dist_len, &mut dist_code);
        canonical(&cl_len, &mut cl_code);
        w.put(0b100, 3);
        w.put((hlit - 257) as u64, 5);
        w.put((hdist - 1) as u64, 5);
        w.put((hclen - 4) as u64, 4);
        for &s in &CODELEN_ORDER[..hclen] {
            w.put(u64::from(cl_len[s]), 3);
        }
        for r in &rle[..runs] {
            let s = usize::from(r.sym);
            w.put(u64::from(cl_code[s]), u32::from(cl_len[s]));
            match s {
                16 => w.put(u64::from(r.extra), 2),
                17 => w.put(u64::from(r.extra), 3),
                18 => w.put(u64::from(r.extra), 7),
                _ => {}
            }
        }
        write_tokens(w, tokens, &lit_code, &lit_len, &dist_code, &dist_len);
    }
    lit_freq.fill(0);
    dist_freq.fill(0);
}

/// The static code's lengths (RFC 1951 §3.2.6).
fn static_lengths() -> ([u8; LITERALS + 2], [u8; DISTANCES]) {
    let mut lit = [8u8; LITERALS + 2];
    lit[144..256].fill(9);
    lit[256..280].fill(7);
    (lit, [5u8; DISTANCES])
}

/// The tokens and the end of block, with these codes.
fn write_tokens(
    w: &mut BitWriter<'_>,
    tokens: &[u32],
    lit_code: &[u16],
    lit_len: &[u8],
    dist_codes: &[u16],
    dist_len: &[u8],
) {
    let lit_code = &lit_code[..LITERALS];
    let lit_len = &lit_len[..LITERALS];
    let dist_codes = &dist_codes[..DISTANCES];
    let dist_len = &dist_len[..DISTANCES];
    for &t in tokens {
        if t < 0x1_0000 {
            let t = t as usize & 0xff;
            w.put(u64::from(lit_code[t]), u32::from(lit_len[t]));
        } else {
            let len = (t >> 16) as usize + 2;
            let dist = (t & 0xffff) as usize;
            let lc = len_code(len);
            let sym = END + 1 + lc;
            let extra = u32::from(LEN_EXTRA[lc]);
            let bits = u64::from(lit_code[sym])
                | ((len - usize::from(LEN_BASE[lc])) as u64) << lit_len[sym];
            w.put(bits, u32::from(lit_len[sym]) + extra);
            let dc = dist_code(dist);
            let extra = u32::from(DIST_EXTRA[dc]);
            let bits = u64::from(dist_codes[dc])
                | ((dist - usize::from(DIST_BASE[dc])) as u64) << dist_len[dc];
            w.put(bits, u32::from(dist_len[dc]) + extra);
        }
    }
    w.put(u64::from(lit_code[END]), u32::from(lit_len[END]));
}

/// `raw` as stored blocks (non-final).
fn write_stored(w: &mut BitWriter<'_>, raw: &[u8]) {
    let mut rest = raw;
    loop {
        let n = rest.len().min(65535);
        w.put(0, 3);
        w.align();
        let len = n as u16;
        w.out.extend_from_slice(&len.to_le_bytes());
        w.out.extend_from_slice(&(!len).to_le_bytes());
        w.out.extend_from_slice(&rest[..n]);
        rest = &rest[n..];
        if rest.is_empty() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_match_rfc_1951() {
        assert_eq!(len_code(3), 0);
        assert_eq!(len_code(10), 7);
        assert_eq!(len_code(11), 8);
        assert_eq!(len_code(257), 27);
        assert_eq!(len_code(258), 28);
        assert_eq!(dist_code(1), 0);
        assert_eq!(dist_code(5), 4);
        assert_eq!(dist_code(256), 15);
        assert_eq!(dist_code(257), 16);
        assert_eq!(dist_code(4096), 23);
        assert_eq!(dist_code(4097), 24);
        assert_eq!(dist_code(32768), 29);
        for d in 1..=32768 {
            let c = dist_code(d);
            assert!(usize::from(DIST_BASE[c]) <= d);
            assert!(d < usize::from(DIST_BASE[c]) + (1 << DIST_EXTRA[c]), "{d}");
        }
    }

    #[test]
    fn code_lengths_are_limited_and_complete() {
        // Fibonacci frequencies make the deepest unlimited trees.
        let mut freq = [0u32; LITERALS];
        let (mut a, mut b) = (1u32, 1u32);
        for f in freq.iter_mut().take(30) {
            *f = a;
            (a, b) = (b, a.saturating_add(b).min(1 << 28));
        }
        for max in [7, 15] {
            let mut lens = [0u8; LITERALS];
            code_lengths::<LITERALS>(
                &freq[..if max == 7 { 19 } else { LITERALS }],
                max,
                &mut lens,
            );
            assert!(lens.iter().all(|&l| usize::from(l) <= max));
            let kraft: u64 = lens
                .iter()
                .filter(|&&l| l > 0)
                .map(|&l| 1u64 << (max - usize::from(l)))
                .sum();
            assert_eq!(kraft, 1 << max, "max {max}: {lens:?}");
        }
    }
}
