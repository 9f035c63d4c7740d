//! sansocket's DEFLATE decoder (RFC 1951, raw): a resumable state machine that inflates a
//! stream fed in pieces split anywhere, into a caller's buffer, with a history sized to
//! the peer's window.
//!
//! Design (after libdeflate's): a 64-bit bit buffer refilled a word at a time; decode tables
//! whose entries give a literal, or a length or distance base with its extra bits, in one
//! lookup (`inflate_table.rs`); a fast loop that runs while at least 8 input bytes and a
//! longest match's room (and some slack) are left, copying matches 32 bytes a step; a
//! careful path near the ends that decodes one symbol at a time and stops, with nothing
//! half-consumed, when input or room runs out. The tables live while messages are
//! inflated (from one to the next, until [`Decoder::release`]); an idle decoder keeps
//! only the history ([`Window`]).

pub(super) use crate::inflate_fast::FAST_ROOM;
use crate::inflate_fast::{copy_slow, fast};
use crate::inflate_table::{
    Alphabet, CODELEN_ROOT, CODELEN_SIZE, DIST_ROOT, DIST_SIZE, END, FLAGS, LITERAL, LITLEN_ROOT,
    LITLEN_SIZE, MAX_DIST, MAX_LITLEN, build, fixed_litlen_lengths, lookup, value,
};
use crate::symbols::CODELEN_ORDER;
use crate::window::Window;

/// Why a run stopped (when it did not fail).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Status {
    /// All input used: more is needed to go on.
    Input,
    /// The output room is full.
    Output,
    /// The final block ended (§3.2.3 BFINAL); what follows is not part of the stream.
    End,
}

/// The stream is not valid DEFLATE (or reaches back past the history).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Corrupt;

/// Where the decoder is in the stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// The next block's 3-bit header.
    Header,
    /// A stored block's LEN and NLEN.
    StoredLen,
    /// Inside a stored block: bytes left.
    Stored(u16),
    /// A dynamic block's HLIT, HDIST and HCLEN.
    Counts,
    /// A dynamic block's code length code lengths: the next one.
    CodeLenLens(u8),
    /// A dynamic block's literal/length and distance code lengths: the next one.
    Lens(u16),
    /// A block's codes.
    Codes,
    /// After the final block.
    Done,
}

/// Decode tables and a dynamic header's code lengths: 7.6 KiB, only while messages are
/// inflated.
#[derive(Debug)]
struct Tables {
    litlen: [u32; LITLEN_SIZE],
    dist: [u32; DIST_SIZE],
    codelen: [u32; CODELEN_SIZE],
    lens: [u8; MAX_LITLEN + MAX_DIST],
    /// The tables hold the fixed codes (§3.2.6), for the next fixed block.
    fixed: bool,
}

impl Tables {
    fn new() -> Box<Self> {
        Box::new(Self {
            litlen: [0; LITLEN_SIZE],
            dist: [0; DIST_SIZE],
            codelen: [0; CODELEN_SIZE],
            lens: [0; MAX_LITLEN + MAX_DIST],
            fixed: false,
        })
    }
}

/// What one [`Decoder::run`] did.
#[derive(Clone, Copy, Debug)]
pub(super) struct Ran {
    /// Input bytes consumed (bits not used yet are held in the decoder).
    pub(super) used: usize,
    /// The end of the output written.
    pub(super) end: usize,
    pub(super) status: Result<Status, Corrupt>,
}

/// A raw DEFLATE decoder with its history.
#[derive(Debug)]
pub(super) struct Decoder {
    /// Input bits not consumed yet, the next one lowest; bits above `count` are zero
    /// between runs.
    bits: u64,
    count: u32,
    mode: Mode,
    /// The current block is the final one.
    last: bool,
    /// A match not copied in full for lack of room: length left, distance.
    pending: (u16, u16),
    /// A dynamic header's counts: literal/length codes, distance codes, code length codes.
    nlen: u16,
    ndist: u16,
    ncode: u8,
    tables: Option<Box<Tables>>,
    window: Window,
}

impl Decoder {
    /// A decoder for streams whose distances stay within 2^`window_bits` bytes.
    pub(super) fn new(window_bits: u8) -> Self {
        Self {
            bits: 0,
            count: 0,
            mode: Mode::Header,
            last: false,
            pending: (0, 0),
            nlen: 0,
            ndist: 0,
            ncode: 0,
            tables: None,
            window: Window::new(1 << window_bits.clamp(8, 15)),
        }
    }

    /// Starts a new stream: no history, no state. The history's buffer and the tables are
    /// kept for the next message until [`release`](Self::release).
    pub(super) fn reset(&mut self) {
        let mut window = std::mem::take(&mut self.window);
        window.clear();
        let tables = self.tables.take();
        *self = Self {
            window,
            tables,
            ..Self::new(8)
        };
    }

    /// Frees what an idle decoder need not hold: the tables outside a coded block (the next
    /// block builds its own) and an empty history's buffer (after a reset).
    /// A message that ended inside a block (not sync-flushed) keeps them for the block's
    /// rest, which the next message continues, as zlib's decoder would.
    pub(super) fn release(&mut self) {
        if !matches!(
            self.mode,
            Mode::CodeLenLens(_) | Mode::Lens(_) | Mode::Codes
        ) {
            self.tables = None;
        }
        if self.window.len() == 0 {
            self.window.release();
        }
    }

    /// Heap bytes held.
    pub(super) fn heap(&self) -> usize {
        self.window.heap() + self.tables.as_ref().map_or(0, |_| size_of::<Tables>())
    }

    /// Takes one input byte into the bit buffer, if there is one.
    #[inline]
    fn pull(&mut self, input: &[u8], ip: &mut usize) -> bool {
        let Some(&byte) = input.get(*ip) else {
            return false;
        };
        self.bits |= u64::from(byte) << self.count;
        self.count += 8;
        *ip += 1;
        true
    }

    /// Makes at least `n` (≤ 56) bits available, or returns `false` with the input used up.
    #[inline]
    fn need(&mut self, n: u32, input: &[u8], ip: &mut usize) -> bool {
        while self.count < n {
            if !self.pull(input, ip) {
                return false;
            }
        }
        true
    }

    #[inline]
    fn drop_bits(&mut self, n: u32) {
        self.bits >>= n;
        self.count -= n;
    }

    /// Inflates `input` into `out[start..]`, as far as input and room go. Distances reach
    /// back into `out[start..]` and then the history; what was written is added to the
    /// history before returning.
    pub(super) fn run(&mut self, input: &[u8], out: &mut [u8], start: usize) -> Ran {
        let (mut ip, mut pos) = (0, start);
        let status = self.steps(input, &mut ip, out, start, &mut pos);
        self.window.push(&out[start..pos]);
        Ran {
            used: ip,
            end: pos,
            status,
        }
    }

    fn steps(
        &mut self,
        input: &[u8],
        ip: &mut usize,
        out: &mut [u8],
        start: usize,
        pos: &mut usize,
    ) -> Result<Status, Corrupt> {
        loop {
            match self.mode {
                Mode::Header => {
                    if !self.need(3, input, ip) {
                        return Ok(Status::Input);
                    }
                    let header = self.bits & 7;
                    self.drop_bits(3);
                    self.last = header & 1 != 0;
                    match header >> 1 {
                        0 => {
                            // §3.2.4: skip to a byte boundary.
                            self.drop_bits(self.count & 7);
                            self.mode = Mode::StoredLen;
                        }
                        1 => {
                            let tables = self.tables.get_or_insert_with(Tables::new);
                            if !tables.fixed {
                                build_fixed(tables);
                            }
                            self.mode = Mode::Codes;
                        }
                        2 => self.mode = Mode::Counts,
                        _ => return Err(Corrupt),
                    }
                }
                Mode::StoredLen => {
                    if !self.need(32, input, ip) {
                        return Ok(Status::Input);
                    }
                    let len = self.bits as u16;
                    if len != !((self.bits >> 16) as u16) {
                        return Err(Corrupt);
                    }
                    self.drop_bits(32);
                    self.mode = Mode::Stored(len);
                }
                Mode::Stored(mut left) => {
                    // Bytes already in the bit buffer first (it is byte-aligned here).
                    while left > 0 && self.count >= 8 && *pos < out.len() {
                        out[*pos] = self.bits as u8;
                        self.drop_bits(8);
                        *pos += 1;
                        left -= 1;
                    }
                    let n = usize::from(left)
                        .min(input.len() - *ip)
                        .min(out.len() - *pos);
                    out[*pos..*pos + n].copy_from_slice(&input[*ip..*ip + n]);
                    (*pos, *ip) = (*pos + n, *ip + n);
                    left -= n as u16;
                    self.mode = Mode::Stored(left);
                    if left > 0 {
                        return Ok(if *pos == out.len() {
                            Status::Output
                        } else {
                            Status::Input
                        });
                    }
                    if self.end_block() {
                        return Ok(Status::End);
                    }
                }
                Mode::Counts => {
                    if !self.need(14, input, ip) {
                        return Ok(Status::Input);
                    }
                    self.nlen = 257 + (self.bits & 31) as u16;
                    self.ndist = 1 + ((self.bits >> 5) & 31) as u16;
                    self.ncode = 4 + ((self.bits >> 10) & 15) as u8;
                    self.drop_bits(14);
                    if usize::from(self.nlen) > MAX_LITLEN || usize::from(self.ndist) > MAX_DIST {
                        return Err(Corrupt);
                    }
                    let tables = self.tables.get_or_insert_with(Tables::new);
                    tables.fixed = false;
                    tables.lens[..19].fill(0);
                    self.mode = Mode::CodeLenLens(0);
                }
                Mode::CodeLenLens(mut i) => {
                    let Some(mut tables) = self.tables.take() else {
                        return Err(Corrupt);
                    };
                    while i < self.ncode {
                        if !self.need(3, input, ip) {
                            self.tables = Some(tables);
                            self.mode = Mode::CodeLenLens(i);
                            return Ok(Status::Input);
                        }
                        tables.lens[CODELEN_ORDER[usize::from(i)]] = (self.bits & 7) as u8;
                        self.drop_bits(3);
                        i += 1;
                    }
                    let Tables { codelen, lens, .. } = &mut *tables;
                    let built = build(codelen, CODELEN_ROOT, &lens[..19], Alphabet::CodeLengths);
                    self.tables = Some(tables);
                    built.map_err(|_| Corrupt)?;
                    self.mode = Mode::Lens(0);
                }
                Mode::Lens(i) => match self.lens(input, ip, i)? {
                    Some(i) => {
                        self.mode = Mode::Lens(i);
                        return Ok(Status::Input);
                    }
                    None => self.mode = Mode::Codes,
                },
                Mode::Codes => match self.codes(input, ip, out, start, pos)? {
                    Status::End => {
                        if self.end_block() {
                            return Ok(Status::End);
                        }
                    }
                    stop => return Ok(stop),
                },
                Mode::Done => return Ok(Status::End),
            }
        }
    }

    /// A block ended: the next one's header follows, or the stream ended.
    fn end_block(&mut self) -> bool {
        if self.last {
            self.mode = Mode::Done;
            true
        } else {
            self.mode = Mode::Header;
            false
        }
    }

    /// Reads a dynamic header's code lengths from the `i`th on, then builds its tables.
    /// Returns the next one to read if the input ran out first.
    fn lens(&mut self, input: &[u8], ip: &mut usize, mut i: u16) -> Result<Option<u16>, Corrupt> {
        let Some(mut tables) = self.tables.take() else {
            return Err(Corrupt);
        };
        let total = self.nlen + self.ndist;
        while i < total {
            if self.count < 16 && *ip + 8 <= input.len() {
                // A word at a time while 8 bytes are left (a code and its extra bits take at
                // most 14), whole bytes only, so nothing is held past `count`.
                let word = u64::from_le_bytes(input[*ip..*ip + 8].try_into().unwrap_or([0; 8]));
                let bytes = (63 - self.count) >> 3;
                self.bits |= (word & ((1 << (8 * bytes)) - 1)) << self.count;
                self.count += 8 * bytes;
                *ip += bytes as usize;
            }
            let e = loop {
                let e = tables.codelen[(self.bits & ((1 << CODELEN_ROOT) - 1)) as usize];
                if e & 0xff <= self.count {
                    break e;
                }
                if !self.pull(input, ip) {
                    self.tables = Some(tables);
                    return Ok(Some(i));
                }
            };
            let len = e & 0xff;
            let symbol = e >> 16;
            if symbol < 16 {
                tables.lens[usize::from(i)] = symbol as u8;
                self.drop_bits(len);
                i += 1;
                continue;
            }
            let (extra, base) = match symbol {
                16 => (2, 3),
                17 => (3, 3),
                _ => (7, 11),
            };
            if !self.need(len + extra, input, ip) {
                self.tables = Some(tables);
                return Ok(Some(i));
            }
            let repeat = base + ((self.bits >> len) & ((1 << extra) - 1)) as u16;
            self.drop_bits(len + extra);
            let length = if symbol == 16 {
                if i == 0 {
                    return Err(Corrupt);
                }
                tables.lens[usize::from(i) - 1]
            } else {
                0
            };
            if i + repeat > total {
                return Err(Corrupt);
            }
            tables.lens[usize::from(i)..usize::from(i + repeat)].fill(length);
            i += repeat;
        }
        let (nlen, ndist) = (usize::from(self.nlen), usize::from(self.ndist));
        let Tables {
            litlen, dist, lens, ..
        } = &mut *tables;
        // zlib's order of verdicts: no end-of-block code, then each code.
        let built = if lens[256] == 0 {
            Err(Corrupt)
        } else {
            build(litlen, LITLEN_ROOT, &lens[..nlen], Alphabet::LitLen)
                .and_then(|()| build(dist, DIST_ROOT, &lens[nlen..nlen + ndist], Alphabet::Dist))
                .map_err(|_| Corrupt)
        };
        self.tables = Some(tables);
        built.map(|()| None)
    }

    /// Decodes a block's codes until its end (`Status::End`), or input or room runs out.
    #[inline(always)]
    fn codes(
        &mut self,
        input: &[u8],
        ip: &mut usize,
        out: &mut [u8],
        start: usize,
        pos: &mut usize,
    ) -> Result<Status, Corrupt> {
        if self.pending.0 > 0 {
            let (len, dist) = (usize::from(self.pending.0), usize::from(self.pending.1));
            let n = len.min(out.len() - *pos);
            *pos = copy_slow(out, start, *pos, dist, n, &self.window);
            self.pending.0 -= n as u16;
            if self.pending.0 > 0 {
                return Ok(Status::Output);
            }
        }
        let Some(tables) = self.tables.as_deref() else {
            return Err(Corrupt);
        };
        let (litlen, dist_table) = (&tables.litlen, &tables.dist);
        let window = &self.window;
        let (mut bits, mut count) = (self.bits, self.count);
        let (mut i, mut o) = (*ip, *pos);
        let result = 'done: loop {
            // (the fast loop's own test first: near the ends, where the symbols are decoded
            // one at a time, it is not called for each)
            if i + 8 <= input.len()
                && o + FAST_ROOM <= out.len()
                && let Some(stop) = fast(
                    input,
                    &mut i,
                    out,
                    &mut o,
                    start,
                    &mut bits,
                    &mut count,
                    (&tables.litlen, &tables.dist),
                    window,
                )
            {
                break 'done stop;
            }
            // Near the ends: one symbol at a time, taken only when all its bits are here.
            bits &= (1u64 << count) - 1;
            while count <= 48 {
                let Some(&byte) = input.get(i) else { break };
                bits |= u64::from(byte) << count;
                count += 8;
                i += 1;
            }
            let (e, b, used) = lookup(litlen, LITLEN_ROOT, bits);
            if used > count {
                break Ok(Status::Input);
            }
            if e & LITERAL != 0 {
                if o == out.len() {
                    break Ok(Status::Output);
                }
                out[o] = (e >> 16) as u8;
                o += 1;
                bits >>= used;
                count -= used;
                continue;
            }
            if e & FLAGS != 0 {
                if e & END != 0 {
                    bits >>= used;
                    count -= used;
                    break Ok(Status::End);
                }
                break Err(Corrupt);
            }
            let len = value(e, b) as usize;
            let (d, db, dused) = lookup(dist_table, DIST_ROOT, bits >> used);
            if used + dused > count {
                break Ok(Status::Input);
            }
            if d & FLAGS != 0 {
                break Err(Corrupt);
            }
            if o == out.len() {
                break Ok(Status::Output);
            }
            let dist = value(d, db) as usize;
            bits >>= used + dused;
            count -= used + dused;
            if dist > window.size() || dist > o - start + window.len() {
                break Err(Corrupt);
            }
            let n = len.min(out.len() - o);
            o = copy_slow(out, start, o, dist, n, window);
            if n < len {
                self.pending = ((len - n) as u16, dist as u16);
                break Ok(Status::Output);
            }
        };
        bits &= (1u64 << count) - 1;
        (self.bits, self.count) = (bits, count);
        (*ip, *pos) = (i, o);
        result
    }
}

/// §3.2.6: the fixed codes.
fn build_fixed(tables: &mut Tables) {
    let lens = fixed_litlen_lengths();
    // Both are complete codes: building cannot fail.
    let _ = build(&mut tables.litlen, LITLEN_ROOT, &lens, Alphabet::LitLen);
    let _ = build(&mut tables.dist, DIST_ROOT, &[5; 32], Alphabet::Dist);
    tables.fixed = true;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fixed_code_decodes_a_known_stream() {
        // "Hello" with the fixed code, final block (RFC 7692 §7.2.3.1 plus BFINAL).
        let stream = [0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00];
        let mut d = Decoder::new(15);
        let mut out = [0u8; 16];
        let ran = d.run(&stream, &mut out, 0);
        assert_eq!(ran.status, Ok(Status::End));
        assert_eq!(&out[..ran.end], b"Hello");
    }

    #[test]
    fn tables_are_small_and_released_between_blocks() {
        assert!(size_of::<Tables>() <= 7800, "{}", size_of::<Tables>());
        let mut d = Decoder::new(12);
        // A fixed block, not final, then the sync flush's empty stored block: the tables go
        // when released between messages.
        let mut out = [0u8; 16];
        let hello = [
            0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00, 0x00, 0xff, 0xff,
        ];
        let ran = d.run(&hello, &mut out, 0);
        assert_eq!((ran.status, ran.end), (Ok(Status::Input), 5));
        assert!(d.tables.is_some());
        d.release();
        assert_eq!(d.heap(), 1024, "the history grows as needed");
        // Inside a block (a message cut short), they stay for the block's rest.
        let ran = d.run(&hello[..2], &mut out, 0);
        assert_eq!(ran.status, Ok(Status::Input));
        d.release();
        assert!(d.tables.is_some());
        // A reset keeps the buffers for the next message, until released.
        d.reset();
        assert!(d.heap() > 1024);
        d.release();
        assert_eq!(d.heap(), 0);
    }
}
