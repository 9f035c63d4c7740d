//! The inflater's fast loop and match copies (see `inflate.rs` for the design): the fast
//! loop decodes while plenty of input and output room are left, so that it checks neither
//! per symbol; matches are copied 32 bytes a step where the room allows.

use crate::inflate::{Corrupt, Status};
use crate::inflate_table::{
    DIST_ROOT, DIST_SIZE, END, FLAGS, LITERAL, LITLEN_ROOT, LITLEN_SIZE, SUB, lookup, value,
};
use crate::window::Window;

/// Output room the fast loop keeps: a longest match (258) plus what a 32-byte copy step
/// writes past it.
pub(crate) const FAST_ROOM: usize = 258 + 32;

/// The fast loop: while at least 8 input bytes and [`FAST_ROOM`] output bytes are left, a
/// refill gives at least 56 bits, enough for a length, a distance and their extra bits (at
/// most 48), or three literals. Returns at the end of the block or an error, or `None` when
/// near the ends.
#[allow(clippy::too_many_arguments)]
#[inline(never)]
pub(super) fn fast(
    input: &[u8],
    ip: &mut usize,
    out: &mut [u8],
    pos: &mut usize,
    start: usize,
    bits_io: &mut u64,
    count_io: &mut u32,
    (litlen, dist_table): (&[u32; LITLEN_SIZE], &[u32; DIST_SIZE]),
    window: &Window,
) -> Option<Result<Status, Corrupt>> {
    let (Some(in_end), Some(out_end)) =
        (input.len().checked_sub(8), out.len().checked_sub(FAST_ROOM))
    else {
        return None;
    };
    const ROOT_MASK: u64 = (1 << LITLEN_ROOT) - 1;
    let (wsize, reach) = (window.size(), start.wrapping_sub(window.len()));
    let (mut bits, mut count, mut i, mut o) = (*bits_io, *count_io, *ip, *pos);
    if i > in_end || o > out_end {
        return None;
    }
    // A refill: the next 8 bytes above the bits held (those past `count` are the same
    // stream bits again, so or-ing them in changes nothing), at least 56 bits held after.
    let refill = |bits: &mut u64, count: &mut u32, i: &mut usize| {
        let word = u64::from_le_bytes(input[*i..*i + 8].try_into().unwrap_or([0; 8]));
        *bits |= word << *count;
        *i += (63 - *count as usize) >> 3;
        *count |= 56;
    };
    refill(&mut bits, &mut count, &mut i);
    // The root entry for the next code, looked up before the refill that precedes its use
    // (the refill leaves the low bits as they are: an iteration takes at most 48 of the 64
    // stream bits it starts with), so that the lookup does not wait for the load.
    let mut e = litlen[(bits & ROOT_MASK) as usize];
    let result = loop {
        if e & LITERAL != 0 {
            // Up to three literals per refill (at most 45 bits), from the root table
            // (anything else is decoded after the next refill).
            bits >>= e & 0xff;
            count -= e & 0xff;
            out[o] = (e >> 16) as u8;
            e = litlen[(bits & ROOT_MASK) as usize];
            if e & LITERAL == 0 {
                o += 1;
            } else {
                bits >>= e & 0xff;
                count -= e & 0xff;
                out[o + 1] = (e >> 16) as u8;
                e = litlen[(bits & ROOT_MASK) as usize];
                if e & LITERAL == 0 {
                    o += 2;
                } else {
                    bits >>= e & 0xff;
                    count -= e & 0xff;
                    out[o + 2] = (e >> 16) as u8;
                    o += 3;
                    e = litlen[(bits & ROOT_MASK) as usize];
                }
            }
        } else {
            let (code, b, used) = if e & SUB == 0 {
                (e, bits, e & 0xff)
            } else {
                lookup(litlen, LITLEN_ROOT, bits)
            };
            if code & FLAGS != 0 {
                if code & LITERAL != 0 {
                    // A literal longer than the root.
                    bits >>= used;
                    count -= used;
                    out[o] = (code >> 16) as u8;
                    o += 1;
                    e = litlen[(bits & ROOT_MASK) as usize];
                } else if code & END != 0 {
                    bits >>= used;
                    count -= used;
                    break Some(Ok(Status::End));
                } else {
                    break Some(Err(Corrupt));
                }
            } else {
                let len = value(code, b) as usize;
                bits >>= used;
                count -= used;
                let (d, b, used) = lookup(dist_table, DIST_ROOT, bits);
                if d & FLAGS != 0 {
                    break Some(Err(Corrupt));
                }
                let dist = value(d, b) as usize;
                bits >>= used;
                count -= used;
                // In this run's output, in the history, or too far back (distances are at
                // least 1).
                if dist <= (o - start).min(wsize) {
                    o = copy_fast(out, o, dist, len);
                } else if dist <= wsize && dist <= o.wrapping_sub(reach) {
                    o = copy_slow(out, start, o, dist, len, window);
                } else {
                    break Some(Err(Corrupt));
                }
                e = litlen[(bits & ROOT_MASK) as usize];
            }
        }
        if i > in_end || o > out_end {
            break None;
        }
        refill(&mut bits, &mut count, &mut i);
    };
    (*bits_io, *count_io, *ip, *pos) = (bits, count, i, o);
    result
}

/// Copies a match whose bytes are all in `out` (`dist` ≤ what was written), with room for
/// a 32-byte copy step past its end; returns the new end.
#[inline(always)]
fn copy_fast(out: &mut [u8], pos: usize, dist: usize, len: usize) -> usize {
    let end = pos + len;
    if dist >= 32 {
        // 32 bytes a step from before the step's start: the first one from before `pos`.
        let (mut s, mut d) = (pos - dist, pos);
        loop {
            let (before, after) = out.split_at_mut(d);
            let word: &[u8; 32] = before[s..].first_chunk().unwrap_or(&[0; 32]);
            if let Some(to) = after.first_chunk_mut::<32>() {
                *to = *word;
            }
            s += 32;
            d += 32;
            if d >= end {
                break;
            }
        }
    } else if dist >= 16 {
        // 32 bytes a step (most matches take one), as two 16-byte copies that each read
        // bytes written before them (they are `dist` ≥ 16 back).
        let (mut s, mut d) = (pos - dist, pos);
        loop {
            let word: [u8; 16] = out[s..s + 16].try_into().unwrap_or([0; 16]);
            out[d..d + 16].copy_from_slice(&word);
            let word: [u8; 16] = out[s + 16..s + 32].try_into().unwrap_or([0; 16]);
            out[d + 16..d + 32].copy_from_slice(&word);
            s += 32;
            d += 32;
            if d >= end {
                break;
            }
        }
    } else if dist >= 8 {
        let (mut s, mut d) = (pos - dist, pos);
        loop {
            for k in [0, 8, 16, 24] {
                let word: [u8; 8] = out[s + k..s + k + 8].try_into().unwrap_or([0; 8]);
                out[d + k..d + k + 8].copy_from_slice(&word);
            }
            s += 32;
            d += 32;
            if d >= end {
                break;
            }
        }
    } else if dist == 1 {
        let byte = out[pos - 1];
        out[pos..end].fill(byte);
    } else {
        for at in pos..end {
            out[at] = out[at - dist];
        }
    }
    end
}

/// Copies a match of `len` bytes (room checked, distance checked against the history):
/// first what lies in the history, then from `out`. Returns the new end.
pub(super) fn copy_slow(
    out: &mut [u8],
    start: usize,
    mut pos: usize,
    dist: usize,
    mut len: usize,
    window: &Window,
) -> usize {
    let here = pos - start;
    if dist > here {
        let back = dist - here;
        let n = len.min(back);
        window.copy_out(back, out, pos, n);
        pos += n;
        len -= n;
        if len == 0 {
            return pos;
        }
    }
    if pos + len + 32 <= out.len() {
        return copy_fast(out, pos, dist, len);
    }
    for at in pos..pos + len {
        out[at] = out[at - dist];
    }
    pos + len
}
