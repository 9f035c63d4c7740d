//! Reads whose large binary payloads JavaScript unmasks in place, in the read itself.
//!
//! The scratch-buffer path (`whole_frames.rs`) passes over a payload three times: the read
//! is copied into WASM memory, unmasked into [`PLAIN`](crate::whole_frames::PLAIN), and
//! copied out again. Here JavaScript copies only the bytes the engine asks for: the frame
//! headers, and the payloads it has to see (text, which the engine checks for UTF-8, and
//! small frames, cheaper copied than asked for). A binary payload of [`IN_READ_MIN`] bytes
//! or more that was not copied, and a piece of a binary frame that straddles reads that was
//! not, become rows that say where the payload lies in the read and with which key it is
//! masked ([`events::IN_READ`], [`events::IN_READ_PIECE`]): JavaScript unmasks those bytes
//! in place (Node: bufferutil, as ws does) and hands out a view of its read, one pass.
//! Payloads that were copied (JavaScript copies a whole read that continues a message: its
//! pieces are cheaper unmasked here than by bufferutil) take the rows of
//! `whole_frames::receive`.
//!
//! The engine decides every frame as on the other path (the same `receive_frame_piece` and
//! `receive_whole_frames` calls, the same limits and errors): it only reads headers, and a
//! header is read only where JavaScript copied it. The scratch buffer holds the read's bytes
//! `[from, to)` at their own offsets; the bytes outside are stale and never looked at. When
//! the engine needs bytes it does not have, the call returns [`Step::Need`], JavaScript
//! copies them and calls again, and the batch goes on where it stopped.

use sansocket::advanced::ConnectionExt;
use sansocket::frame::MAX_HEADER_LEN;
use sansocket::{Connection, MessageKind};

use crate::events::{self, Batch};
use crate::whole_frames::{PLAIN, SCRATCH, push_whole, to_engine, unmask_into, with};

/// Binary payloads from this long on are left in the read; shorter ones are copied with
/// their neighbours (one copy of a run of small frames costs less than a call per frame).
pub(crate) const IN_READ_MIN: usize = 2048;

/// How many bytes JavaScript copies at a frame boundary when the engine asks for a header
/// (at least [`MAX_HEADER_LEN`]: a header is never cut by the window but by the read's end).
pub(crate) const PEEK: usize = 64;

/// What a call of [`receive`] ended with.
pub(crate) enum Step {
    /// The read is decoded: the batch is complete.
    Done,
    /// Copy the read's bytes `[from, to)` to the same offsets of the scratch buffer and call
    /// again with them.
    Need { from: usize, to: usize },
}

/// The mask key of a payload piece that starts at key position `phase`, as JavaScript
/// applies it from the piece's first byte (a little-endian `u32`; 0 without a key).
fn key_word(mask: Option<[u8; 4]>, phase: usize) -> u32 {
    match mask {
        Some(key) => {
            let k = |i: usize| key[(phase + i) % 4];
            u32::from_le_bytes([k(0), k(1), k(2), k(3)])
        }
        None => 0,
    }
}

/// The offset of `part` in `read` (a subslice of it).
fn offset_in(read: &[u8], part: &[u8]) -> usize {
    (part.as_ptr() as usize).saturating_sub(read.as_ptr() as usize)
}

fn len32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Decodes the read of `len` bytes whose bytes `[from, to)` JavaScript copied into the
/// scratch buffer at their offsets (`from`: where decoding goes on, 0 on a read's first
/// call). Rows are pushed to `batch` (not cleared here: a read's calls add to one batch);
/// `drain` as in [`whole_frames::receive`](crate::whole_frames::receive).
pub(crate) fn receive(
    conn: &mut Connection,
    batch: &mut Batch,
    len: usize,
    from: usize,
    to: usize,
    mut drain: impl FnMut(&mut Connection, &mut Batch) -> bool,
) -> Step {
    with(&SCRATCH, 0, |scratch| {
        let read = scratch.get(..len).unwrap_or_default();
        let valid = to.min(read.len());
        let mut pos = from.min(valid);
        // Small payloads are unmasked into the instance's buffer at their offset in the
        // read: the rows of a read's earlier calls stay where they are.
        with(&PLAIN, read.len(), |plain| {
            loop {
                if pos >= read.len() {
                    return Step::Done;
                }
                if valid < read.len() && valid < pos.saturating_add(MAX_HEADER_LEN) {
                    // A frame boundary whose header was not copied (pos is 0, where the
                    // first window always is, inside a frame with the host).
                    let to = pos.saturating_add(PEEK).min(read.len());
                    return Step::Need { from: pos, to };
                }
                let data = &read[pos..];
                if let Some(piece) = conn.receive_frame_piece(data) {
                    let at = offset_in(read, piece.payload);
                    let n = piece.payload.len();
                    let phase = piece.offset % 4;
                    let total = if piece.is_first() {
                        len32(piece.len)
                    } else {
                        0
                    };
                    if at + n <= valid {
                        // Copied already: unmasked here, as `whole_frames::receive` does.
                        let Some(dst) = plain.get_mut(at..).and_then(|plain| {
                            unmask_into(plain, 0, piece.payload, piece.mask, phase)
                        }) else {
                            return Step::Done; // never: pieces are parts of the read
                        };
                        batch.push_row_extra(events::PIECE, events::address(dst), n, total);
                    } else {
                        if total > 0 {
                            batch.push_row_extra(events::IN_READ_BEGIN, 0, 0, total);
                        }
                        let key = key_word(piece.mask, phase);
                        batch.push_row_extra(events::IN_READ_PIECE, len32(at), n, key);
                    }
                    pos += piece.taken;
                    continue;
                }
                // The start of the frame the engine offers next, and where to go on when a
                // frame needs bytes not copied yet.
                let mut start = pos;
                let mut need = None;
                let taken = conn.receive_whole_frames(data, |kind, payload, mask| {
                    let at = offset_in(read, payload);
                    let end = at + payload.len();
                    if at > valid {
                        // Its header was read from stale bytes: copy it first.
                        need = Some((start, start.saturating_add(PEEK)));
                        return false;
                    }
                    if kind == MessageKind::Binary && payload.len() >= IN_READ_MIN && end > valid {
                        let key = key_word(mask, 0);
                        batch.push_row_extra(events::IN_READ, len32(at), payload.len(), key);
                        start = end;
                        return true;
                    }
                    if end > valid {
                        // Its payload is needed here: copy the rest of the read.
                        need = Some((start, read.len()));
                        return false;
                    }
                    let Some(dst) = plain
                        .get_mut(at..)
                        .and_then(|plain| unmask_into(plain, 0, payload, mask, 0))
                    else {
                        return false;
                    };
                    if !push_whole(batch, kind, dst) {
                        return false;
                    }
                    start = end;
                    true
                });
                pos += taken;
                if let Some((from, to)) = need {
                    return Step::Need {
                        from,
                        to: to.min(read.len()),
                    };
                }
                if taken > 0 {
                    continue;
                }
                if valid < read.len() {
                    // The engine takes the rest as bytes: it needs them all.
                    return Step::Need {
                        from: pos,
                        to: read.len(),
                    };
                }
                match to_engine(conn, batch, &read[pos..], &mut drain) {
                    Some(taken) => pos += taken,
                    None => return Step::Done,
                }
            }
        })
    })
}
