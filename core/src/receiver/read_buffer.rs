//! The zero-copy input path: the host reads from its transport straight into the receive
//! buffer ([`ConnectionExt::take_read_buffer`](crate::advanced::ConnectionExt::take_read_buffer), then
//! [`give_read_buffer`](crate::advanced::ConnectionExt::give_read_buffer)), and the bytes it appended are
//! decoded where they are: unmasked in place while the read has just brought them into
//! cache, instead of being copied out of a borrowed read first.
//!
//! The engine decides how much room to offer (the buffer's spare capacity, which is what
//! tokio's `read_buf` and `BufMut` writers fill): for big frames the rest of the one in
//! progress, and between them the size of the last one, so that each read is one frame,
//! copied to the front of a buffer that stays in L1 cache; a read size that adapts to the
//! traffic between smaller frames.

use std::mem;

use bytes::BytesMut;

use super::{Receiver, room_for};
use crate::frame::MAX_HEADER_LEN;

/// Room offered between frames at first, and the least it shrinks to (an idle connection's
/// read: the host holds this much while it waits on the transport).
pub(super) const ROOM_MIN: usize = 4 << 10;

/// Most room offered in one read between small frames: what a read then unmasks in place
/// is still in L1 cache (measured against 8, 32 and 64 KiB: 1 KiB messages and 4 KiB
/// fragments ~10–25 % faster than with 32 or 64 KiB, 16 B and 125 B the same).
const ROOM_MAX: usize = 16 << 10;

/// Most room offered in one read for a big frame (the rest of one in progress, or the size
/// of the last one between them): bigger frames arrive in reads of this size, each still
/// unmasked in L1 cache (measured against 64 and 128 KiB: 64 KiB messages ~10 % faster, 1 MiB
/// and text the same or faster).
const FRAME_ROOM_MAX: usize = 32 << 10;

/// Frames from this size on are read one at a time (a read ends where the frame does): the
/// read and its unmasking stay in L1 cache, and the next read starts at the front of the
/// buffer. Smaller frames are read many at a time.
const FRAME_READ_MIN: usize = 8 << 10;

/// The buffer lent to the host (meanwhile, `buf` is empty).
#[derive(Debug)]
pub(crate) struct Lent {
    /// Its length when handed out: the host may only append.
    len: usize,
    /// The room it was given.
    room: usize,
    /// Bytes passed to `receive_data` meanwhile: they come after the buffer's.
    meanwhile: BytesMut,
}

impl Receiver {
    /// Whether the buffer is with the host.
    pub(crate) fn is_lent(&self) -> bool {
        self.lent.is_some()
    }

    /// The length of the buffer with the host when it was handed out.
    pub(crate) fn lent_len(&self) -> Option<usize> {
        self.lent.as_ref().map(|l| l.len)
    }

    /// Bytes received while the buffer is with the host: kept for after its bytes.
    pub(crate) fn keep_meanwhile(&mut self, data: &[u8]) {
        if let Some(lent) = self.lent.as_mut() {
            lent.meanwhile.extend_from_slice(data);
        }
    }

    /// Hands the buffer out with exactly [`read_room`](Self::read_room) bytes of spare
    /// capacity; an empty buffer if it is already out (the first one is still expected).
    pub(crate) fn lend(&mut self, framing: bool) -> BytesMut {
        if self.lent.is_some() {
            return BytesMut::new();
        }
        let room = self.read_room(framing);
        let want = self.read_capacity(framing, room);
        let mut buf = mem::take(&mut self.buf);
        let len = buf.len();
        // Reuse the allocation if nothing else holds it (moving what is buffered to its
        // front); else a new one of exactly the size needed.
        if buf.capacity() - len < want && !buf.try_reclaim(want) {
            let mut fresh = BytesMut::with_capacity(len + want);
            fresh.extend_from_slice(&buf);
            buf = fresh;
        }
        if buf.capacity() - len > room {
            // Offer only `room`: the rest of the allocation comes back with `reserve`.
            drop(buf.split_off(len + room));
        }
        self.lent = Some(Lent {
            len,
            room,
            meanwhile: BytesMut::new(),
        });
        buf
    }

    /// The room to offer for the next read: the rest of a big frame in progress (within
    /// the frame limit already: the header passed the checks), so that the read ends at its
    /// end; between big frames, the size of the last one (the next is likely the same size:
    /// each read is then one frame); between small frames, `between` (adapted by
    /// [`take_back`](Self::take_back)). Never more than [`FRAME_ROOM_MAX`], whatever a
    /// header announces.
    pub(crate) fn read_room(&self, framing: bool) -> usize {
        if !framing {
            return self.between;
        }
        if let Some((len, rest, _)) = self.frame_in_progress()
            && rest > 0
        {
            if len >= FRAME_READ_MIN as u64 {
                return usize::try_from(rest)
                    .unwrap_or(usize::MAX)
                    .min(FRAME_ROOM_MAX);
            }
            return self.between;
        }
        if self.last_frame >= FRAME_READ_MIN {
            return self.last_frame.min(FRAME_ROOM_MAX);
        }
        self.between
    }

    /// The spare capacity the buffer needs for the read (at least `room`): for a big frame
    /// in progress, room for all of it as the general path reserves it (`GROWTH`), so that
    /// it is not moved read by read; between frames bigger than [`FRAME_ROOM_MAX`], room for
    /// one whole read and the header before it.
    fn read_capacity(&self, framing: bool, room: usize) -> usize {
        if !framing {
            return room;
        }
        if let Some((len, rest, arrived)) = self.frame_in_progress()
            && len >= FRAME_READ_MIN as u64
        {
            let rest = usize::try_from(rest).unwrap_or(usize::MAX);
            let arrived = usize::try_from(arrived).unwrap_or(usize::MAX);
            if self.last_whole >= len {
                // A frame this big arrived whole before: room for all of it at once.
                return rest.max(room);
            }
            return rest.min(room_for(arrived)).max(room);
        }
        if self.last_frame > FRAME_ROOM_MAX {
            return room + MAX_HEADER_LEN;
        }
        room
    }

    /// The frame whose payload is still arriving: its length, how many of its bytes are not
    /// buffered yet, how many are.
    fn frame_in_progress(&self) -> Option<(u64, u64, u64)> {
        if let Some(open) = self.scan.open.filter(|_| self.scan.on) {
            let buffered = open.done + self.scan.raw.min(open.len - open.done);
            return Some((
                open.len as u64,
                (open.len - buffered) as u64,
                buffered as u64,
            ));
        }
        let frame = self.frame?;
        let buffered = frame.remaining.min(self.buf.len() as u64);
        let arrived = frame.header.len - frame.remaining + buffered;
        Some((frame.header.len, frame.remaining - buffered, arrived))
    }

    /// The buffer handed out by [`lend`](Self::lend) is back, with bytes appended: `Err`
    /// with it unchanged if it was not lent or is shorter than it was (then the lent one is
    /// still expected). Else the bytes that came in meanwhile
    /// ([`keep_meanwhile`](Self::keep_meanwhile)) are returned, and the length of the buffer
    /// when it was lent.
    pub(crate) fn take_back(&mut self, buf: BytesMut) -> Result<(BytesMut, usize), BytesMut> {
        let lent = match self.lent.take() {
            Some(lent) if buf.len() >= lent.len => lent,
            other => {
                self.lent = other;
                return Err(buf);
            }
        };
        let n = buf.len() - lent.len;
        // Between small frames: more room after a read that filled it, less after a small
        // one (an idle connection's read).
        self.between = if n >= lent.room {
            (self.between * 2).min(ROOM_MAX)
        } else if n < ROOM_MIN {
            (self.between / 2).max(ROOM_MIN)
        } else {
            self.between
        };
        // A read that did not fill its room (the transport had no more: the connection may
        // idle now) or grew the buffer: give the buffer back once decoded (see `poll`). One
        // that filled it keeps it for the next read.
        self.grown |= n != lent.room;
        self.buf = buf;
        Ok((lent.meanwhile, lent.len))
    }

    /// The bytes after `old` in the buffer were appended by the host: decoded in place, as
    /// [`receive`](Self::receive) decodes a read (`framing`: the handshake is over).
    ///
    /// They are what the scan (see [`Scan`](super::scan::Scan)) takes as it finds them, a
    /// window of a read, unmasked in place while the read has brought them into cache; the
    /// general path unmasks the rest of a frame in progress (`prepare`) as `poll` reaches it.
    pub(crate) fn received_in_place(&mut self, old: usize, framing: bool) {
        let n = self.buf.len() - old;
        // No room past a frame in progress (`lend` offers the room for the next read).
        self.read_size = 0;
        self.scan.raw = self.scan.raw.saturating_add(n);
        if !framing {
            return;
        }
        // As in `receive`: the scan starts after a frame this read finished, or at a frame
        // boundary.
        self.scan_after_frame();
        self.scan_at_boundary();
        if self.scan.on {
            self.scan_frames();
        }
    }
}
