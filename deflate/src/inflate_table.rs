//! Huffman decode tables for the inflater (RFC 1951 §3.2.2, §3.2.5–3.2.7).
//!
//! A table is indexed by the next `ROOT` bits of the input (codes are read least significant
//! bit first, so the index holds the code's bits reversed); codes longer than the root go to
//! a subtable that the root entry points to. Each entry is a `u32`:
//!
//! - bits 0–7: bits to consume: the code (at this level) plus the extra bits that follow it;
//!   for a subtable pointer, the subtable's index bits;
//! - bits 8–11: the code's length at this level (the extra bits start after it);
//! - bits 12–15: what the entry is ([`LITERAL`], [`END`], [`SUB`], [`INVALID`]; none for a
//!   length or distance);
//! - bits 16–31: the literal byte, the length or distance base (the extra bits are added to
//!   it), or the subtable's offset.
//!
//! Decoding a length or distance is then one lookup and one shift: the extra bits come with
//! the code (see [`value`]).

use crate::symbols::{DIST_BASE, DIST_EXTRA, LEN_BASE, LEN_EXTRA};

/// A literal byte.
pub(super) const LITERAL: u32 = 0x8000;
/// The end-of-block code.
pub(super) const END: u32 = 0x4000;
/// A pointer to a subtable.
pub(super) const SUB: u32 = 0x2000;
/// A code that stands for no symbol (lengths 286–287, distances 30–31, the unused half of a
/// one-code table).
pub(super) const INVALID: u32 = 0x1000;
/// Any flag: not a length or distance.
pub(super) const FLAGS: u32 = 0xf000;

/// Root bits of the literal/length table (codes up to 10 bits in one lookup: the first
/// ones of a message's block are built faster than for 11 bits, and few codes are longer).
pub(super) const LITLEN_ROOT: u32 = 10;
/// Root bits of the distance table.
pub(super) const DIST_ROOT: u32 = 8;
/// Root bits of the code length code's table (its codes are at most 7 bits).
pub(super) const CODELEN_ROOT: u32 = 7;

/// Entries a literal/length table may need: the root and the largest set of subtables any
/// complete code of 288 symbols with codes up to 15 bits needs (zlib's `enough 288 10 15`).
pub(super) const LITLEN_SIZE: usize = 1332;
/// The same for distances (`enough 32 8 15`).
pub(super) const DIST_SIZE: usize = 402;
/// The code length code's table: its root only.
pub(super) const CODELEN_SIZE: usize = 1 << CODELEN_ROOT;

/// Literal/length symbols a dynamic block may define (§3.2.7: HLIT + 257 ≤ 286).
pub(super) const MAX_LITLEN: usize = 286;
/// Distance symbols a dynamic block may define (HDIST + 1 ≤ 30).
pub(super) const MAX_DIST: usize = 30;

/// Which alphabet a table decodes (what its symbols turn into).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Alphabet {
    /// Code lengths (§3.2.7): symbols 0–18 as they are.
    CodeLengths,
    /// Literals, the end of block, lengths.
    LitLen,
    /// Distances.
    Dist,
}

/// A table entry: `flags` and `value` with a code of `len` bits followed by `extra` bits.
const fn entry(flags: u32, value: u32, len: u32, extra: u32) -> u32 {
    (value << 16) | flags | (len << 8) | (len + extra)
}

/// What `symbol` of `alphabet` decodes to, as an entry without its code length.
fn symbol_entry(alphabet: Alphabet, symbol: usize, len: u32) -> u32 {
    match alphabet {
        Alphabet::CodeLengths => entry(0, symbol as u32, len, 0),
        Alphabet::LitLen => match symbol {
            0..=255 => entry(LITERAL, symbol as u32, len, 0),
            256 => entry(END, 0, len, 0),
            257..=285 => entry(
                0,
                u32::from(LEN_BASE[symbol - 257]),
                len,
                u32::from(LEN_EXTRA[symbol - 257]),
            ),
            _ => entry(INVALID, 0, len, 0),
        },
        Alphabet::Dist => match symbol {
            0..=29 => entry(
                0,
                u32::from(DIST_BASE[symbol]),
                len,
                u32::from(DIST_EXTRA[symbol]),
            ),
            _ => entry(INVALID, 0, len, 0),
        },
    }
}

/// The symbol value an entry decodes to from the input bits `bits` (the code's first bit
/// lowest): the base plus the extra bits after the code.
#[inline(always)]
pub(super) fn value(entry: u32, bits: u64) -> u32 {
    let total = entry & 0xff;
    let len = (entry >> 8) & 0xf;
    (entry >> 16) + ((bits & ((1u64 << total) - 1)) >> len) as u32
}

/// The entry for the next code in `bits`, and how many bits it takes in all (root, code,
/// extra bits). Complete tables always give an entry; `bits` may hold fewer valid bits
/// than the result: the caller checks.
#[inline(always)]
pub(super) fn lookup<const N: usize>(table: &[u32; N], root: u32, bits: u64) -> (u32, u64, u32) {
    let e = table[(bits & ((1 << root) - 1)) as usize];
    if e & SUB == 0 {
        return (e, bits, e & 0xff);
    }
    let rest = bits >> root;
    let sub = table[(e >> 16) as usize + (rest & ((1 << (e & 0xff)) - 1)) as usize];
    (sub, rest, root + (sub & 0xff))
}

/// Why a set of code lengths makes no usable code (zlib's verdicts).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct BadCode;

/// Builds the decode table for the code with these lengths (§3.2.2: canonical codes) into
/// `table`. Over-subscribed codes fail, and so do incomplete ones, except (as zlib) a
/// literal/length or distance code of one 1-bit code, whose other code decodes as invalid.
/// A code with no codes at all decodes every input as invalid (zlib again; a code length
/// code without codes decodes as length 0 with 1 bit, as zlib's does).
pub(super) fn build(
    table: &mut [u32],
    root: u32,
    lens: &[u8],
    alphabet: Alphabet,
) -> Result<(), BadCode> {
    let mut count = [0u16; 16];
    for &len in lens {
        count[usize::from(len)] += 1;
    }
    count[0] = 0;
    let max = (1..16).rev().find(|&l| count[l] != 0).unwrap_or(0);
    let size = 1usize << root;
    if max == 0 {
        let empty = match alphabet {
            Alphabet::CodeLengths => entry(0, 0, 1, 0),
            _ => entry(INVALID, 0, 1, 0),
        };
        table[..size].fill(empty);
        return Ok(());
    }
    let mut left: i32 = 1;
    for &n in &count[1..] {
        left = (left << 1) - i32::from(n);
        if left < 0 {
            return Err(BadCode);
        }
    }
    if left > 0 && (alphabet == Alphabet::CodeLengths || max != 1) {
        return Err(BadCode);
    }
    // Symbols in canonical order: by length, then by symbol.
    let mut offsets = [0u16; 16];
    for len in 1..15 {
        offsets[len + 1] = offsets[len] + count[len];
    }
    let mut sorted = [0u16; 320];
    for (symbol, &len) in lens.iter().enumerate() {
        if len != 0 {
            let at = &mut offsets[usize::from(len)];
            sorted[usize::from(*at)] = symbol as u16;
            *at += 1;
        }
    }
    // (each length's offset has moved to the next one's start: the last is the total)
    let used = usize::from(offsets[15]);
    // Codes up to the root's length: each length's codes are placed in the first 2^len
    // entries, which are then doubled (as many copies of a code as the root has room for:
    // its index bits past the code's length take every value).
    let max_root = (max as u32).min(root);
    let mut at = 0usize;
    let mut code: u32 = 0;
    table[0] = entry(INVALID, 0, 1, 0);
    table[1] = entry(INVALID, 0, 1, 0);
    for len in 1..=max_root {
        for &symbol in &sorted[at..at + usize::from(count[len as usize])] {
            let reversed = code.reverse_bits() >> (32 - len);
            table[reversed as usize] = symbol_entry(alphabet, usize::from(symbol), len);
            code += 1;
        }
        at += usize::from(count[len as usize]);
        if len < root {
            double(table, 1 << len);
        }
        code <<= 1;
    }
    for len in max_root + 2..=root {
        double(table, 1 << (len - 1));
    }
    // Longer codes: subtables, one per root index their codes share.
    let mut len = root + 1;
    let mut remaining = count;
    let mut next_sub = size;
    let mut sub_prefix = u32::MAX;
    let (mut sub_start, mut sub_bits) = (0usize, 0u32);
    for &symbol in &sorted[at..used] {
        while remaining[len as usize] == 0 {
            len += 1;
            code <<= 1;
        }
        let reversed = code.reverse_bits() >> (32 - len);
        let prefix = reversed & ((1 << root) - 1);
        if prefix != sub_prefix {
            // A new subtable: as many index bits as the codes sharing this prefix need.
            let mut bits = len - root;
            let mut room: i32 = 1 << bits;
            while bits + root < max as u32 {
                room -= i32::from(remaining[(bits + root) as usize]);
                if room <= 0 {
                    break;
                }
                bits += 1;
                room <<= 1;
            }
            if next_sub + (1 << bits) > table.len() {
                return Err(BadCode);
            }
            table[prefix as usize] = ((next_sub as u32) << 16) | SUB | bits;
            (sub_start, sub_bits, sub_prefix) = (next_sub, bits, prefix);
            next_sub += 1 << bits;
        }
        let e = symbol_entry(alphabet, usize::from(symbol), len - root);
        let mut at = (reversed >> root) as usize;
        while at < 1 << sub_bits {
            table[sub_start + at] = e;
            at += 1 << (len - root);
        }
        remaining[len as usize] -= 1;
        code += 1;
    }
    Ok(())
}

/// Copies `table[..half]` to `table[half..2 * half]`: short ones in place (most of a table's
/// doublings are, and a `memmove` call costs more than their copy).
#[inline(always)]
fn double(table: &mut [u32], half: usize) {
    let (low, high) = table.split_at_mut(half);
    if half <= 16 {
        for (to, from) in high[..half].iter_mut().zip(&*low) {
            *to = *from;
        }
    } else {
        high[..half].copy_from_slice(low);
    }
}

/// §3.2.6: the fixed literal/length code lengths (288 symbols).
pub(super) fn fixed_litlen_lengths() -> [u8; 288] {
    let mut lens = [8u8; 288];
    lens[144..256].fill(9);
    lens[256..280].fill(7);
    lens
}
