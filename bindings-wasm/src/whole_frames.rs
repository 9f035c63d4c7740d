//! Reads decoded from a scratch buffer, whole frames unmasked straight out of it.
//!
//! JavaScript copies a read into [`SCRATCH`] (kept between reads, so neither allocated nor
//! zeroed per read); the whole frames at its front that the engine would return as whole
//! messages (`ConnectionExt::receive_whole_frames`) are unmasked in one pass into
//! [`PLAIN`], from where JavaScript copies each payload out: three passes over a payload
//! (copy in, unmask, copy out) where the engine's receive buffer takes four (its room
//! zeroed, copy in, unmask in place, copy out). A binary frame that straddles reads (every
//! message larger than a read) goes the same way piece by piece
//! (`ConnectionExt::receive_frame_piece`: the engine decodes its header, checks the limits
//! and counts its bytes): each piece is unmasked into [`PLAIN`], and JavaScript copies it
//! into the message it allocated when the header came, instead of the engine gathering
//! the frame in its buffer (copied in, grown, unmasked, copied out). The rest of the read
//! goes to the engine: the rest of a frame it holds the start of (a text frame, or one
//! whose header a read cut: exactly its bytes, `frame_rest`), after which whole frames are
//! taken again, and whatever no whole frame starts.
//!
//! Both buffers are the instance's, not a connection's: an idle connection holds neither.
//! The rows that point into [`PLAIN`] are valid until the next read through it, on any
//! connection: JavaScript copies them out at once (`lib/connection.js`, `receiveEvents`).

use std::cell::Cell;

use sansocket::advanced::ConnectionExt;
use sansocket::mask::copy_masked;
use sansocket::{Connection, MessageKind};

use crate::events::{self, Batch};

thread_local! {
    /// Where JavaScript copies a read (see [`room`]).
    pub(crate) static SCRATCH: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
    /// Where whole frames' payloads are unmasked, for JavaScript to copy out.
    pub(crate) static PLAIN: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

/// The largest buffers kept between reads (a Node socket reads at most 64 KiB at a time;
/// `SCRATCH_KEEP` in `lib/connection.js` is the same figure).
const KEEP: usize = 128 << 10;

/// Runs `f` with the instance's buffer `cell`, at least `len` bytes long (zeroed only where
/// it grows; `len` 0 takes it as it is). The buffer is kept for the next call: `room`'s
/// address points into [`SCRATCH`] until `receive`, and the rows into [`PLAIN`] until the
/// next read. One that grew past [`KEEP`] (a read larger than a socket's) is dropped by the
/// next call that needs no more than that.
pub(crate) fn with<R>(
    cell: &'static std::thread::LocalKey<Cell<Vec<u8>>>,
    len: usize,
    f: impl FnOnce(&mut [u8]) -> R,
) -> R {
    let mut buf = cell.take();
    if len > 0 && len <= KEEP && buf.capacity() > KEEP {
        buf = Vec::new();
    }
    if buf.len() < len {
        buf.resize(len, 0);
    }
    let result = f(&mut buf);
    cell.set(buf);
    result
}

/// `payload` unmasked with `mask` from key position `phase` (copied as it is without one)
/// into `plain` at `at`: the bytes written, or `None` if they do not fit.
pub(crate) fn unmask_into<'p>(
    plain: &'p mut [u8],
    at: usize,
    payload: &[u8],
    mask: Option<[u8; 4]>,
    phase: usize,
) -> Option<&'p mut [u8]> {
    let dst = plain.get_mut(at..at.checked_add(payload.len())?)?;
    match mask {
        Some(key) => {
            copy_masked(dst, payload, key, phase);
        }
        None => dst.copy_from_slice(payload),
    }
    Some(dst)
}

/// Adds the row of a whole frame's payload, unmasked at `dst`; `false`, adding nothing,
/// for text that is not UTF-8 (the engine then reports the error as it would have).
pub(crate) fn push_whole(batch: &mut Batch, kind: MessageKind, dst: &[u8]) -> bool {
    let row = match kind {
        MessageKind::Text => {
            if std::str::from_utf8(dst).is_err() {
                return false;
            }
            events::TEXT
        }
        MessageKind::Binary => events::BINARY,
    };
    batch.push_row(row, events::address(dst), dst.len());
    true
}

/// The address of room for a read of `len` bytes in the scratch buffer. Valid until the
/// next call into WASM: JavaScript copies the read there, then calls [`receive`].
pub(crate) fn room(len: usize) -> u32 {
    with(&SCRATCH, len, |buf| events::address(buf))
}

/// Gives the engine the read of `len` bytes that JavaScript wrote into the scratch buffer,
/// as it is (a connection whose reads do not go through whole frames).
pub(crate) fn feed(conn: &mut Connection, len: usize) {
    with(&SCRATCH, 0, |scratch| {
        conn.receive_data(scratch.get(..len).unwrap_or_default());
    });
}

/// Gives the engine `rest`, the part of a read where no whole frame starts: the rest of a
/// frame it holds the start of (exactly its bytes, `frame_rest`), after which whole frames
/// are taken again (`Some` of the bytes it took), unless `drain` met an error; otherwise,
/// or then, all of it (`None`: the read is done).
pub(crate) fn to_engine(
    conn: &mut Connection,
    batch: &mut Batch,
    rest: &[u8],
    drain: &mut impl FnMut(&mut Connection, &mut Batch) -> bool,
) -> Option<usize> {
    match conn.frame_rest().filter(|&n| n > 0 && n <= rest.len()) {
        Some(n) => {
            conn.receive_data(&rest[..n]);
            if drain(conn, batch) {
                return Some(n);
            }
            conn.receive_data(&rest[n..]);
            None
        }
        None => {
            conn.receive_data(rest);
            None
        }
    }
}

/// Decodes the read of `len` bytes that JavaScript wrote into the scratch buffer: whole
/// frames become rows of `batch` pointing into [`PLAIN`]; so do the pieces of a binary frame
/// that straddles reads ([`events::PIECE`] rows, unmasked there too: JavaScript puts them
/// into the message it made at the first one); the rest goes to the engine, and `drain`
/// pushes the events the engine decodes (it returns false after an error, which ends the
/// taking of whole frames). The rows the engine's events make follow in order.
pub(crate) fn receive(
    conn: &mut Connection,
    batch: &mut Batch,
    len: usize,
    mut drain: impl FnMut(&mut Connection, &mut Batch) -> bool,
) {
    with(&SCRATCH, 0, |scratch| {
        // Longer than the room `room` made: not a read JavaScript wrote, nothing to decode.
        let mut read = scratch.get(..len).unwrap_or_default();
        // Payloads are never longer than the read: the buffer does not move below.
        with(&PLAIN, read.len(), |plain| {
            let mut used = 0;
            loop {
                // The next piece of a frame with the host, or a straddling frame's first.
                if let Some(piece) = conn.receive_frame_piece(read) {
                    let n = piece.payload.len();
                    let phase = piece.offset % 4;
                    let Some(dst) = unmask_into(plain, used, piece.payload, piece.mask, phase)
                    else {
                        break; // never: pieces are parts of the read
                    };
                    // The message's length on its first piece (a u32 on wasm32).
                    let total = if piece.is_first() {
                        u32::try_from(piece.len).unwrap_or(u32::MAX)
                    } else {
                        0
                    };
                    batch.push_row_extra(events::PIECE, events::address(dst), n, total);
                    used += n;
                    read = read.get(piece.taken..).unwrap_or_default();
                    if read.is_empty() {
                        break;
                    }
                    continue;
                }
                let taken = conn.receive_whole_frames(read, |kind, payload, mask| {
                    let Some(dst) = unmask_into(plain, used, payload, mask, 0) else {
                        return false;
                    };
                    if !push_whole(batch, kind, dst) {
                        return false;
                    }
                    used += payload.len();
                    true
                });
                read = read.get(taken..).unwrap_or_default();
                if read.is_empty() {
                    break;
                }
                if taken > 0 {
                    continue; // the rest may start a frame that straddles reads
                }
                match to_engine(conn, batch, read, &mut drain) {
                    Some(taken) => read = &read[taken..],
                    None => break,
                }
            }
        });
    });
}
