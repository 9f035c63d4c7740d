//! Bytes in: each read is copied into the receive buffer, the rest of a frame in progress
//! unmasked (and text checked) while it is copied, whole data frames scanned as they
//! arrive (`scan.rs`), fragments joined straight from the read (`join.rs`), and a frame
//! finished mid-read split off at once.

use super::scan::{SCAN_WINDOW, Scan};
use super::{KEEP_IDLE, Receiver, SPLIT};
use crate::config::Delivery;
use crate::event::MessageKind;
use crate::mask::{apply_mask, extend_copy, extend_masked};

/// Below this, payload bytes are copied and then unmasked: one call, no per-piece overhead.
const FUSE_MIN: usize = 512;

/// Piece size of the fused copy-unmask-check of text: checked while still in cache.
const FUSE_PIECE: usize = 32 << 10;

/// Largest read size used as room past the end of a frame being received.
const READ_SIZE_MAX: usize = 256 << 10;

impl Receiver {
    /// Bytes read from the transport (`framing`: the handshake is over, so they are frames).
    ///
    /// The rest of a frame whose header was already parsed is unmasked while it is copied in
    /// (one pass over memory instead of two), and text is checked while it is still in
    /// cache. After it, whole data frames are scanned as they are copied in (see [`Scan`]),
    /// a window at a time so that they are still in L1 cache when they are unmasked.
    pub(crate) fn receive(&mut self, mut data: &[u8], framing: bool) {
        self.read_size = data.len().min(READ_SIZE_MAX);
        self.grown |= self.buf.len() + data.len() > KEEP_IDLE;
        if framing && !self.scan.on {
            // The rest of a frame being joined goes straight into its message.
            data = self.join_read(data);
        }
        if let Some(frame) = self.frame.as_mut() {
            let remaining = usize::try_from(frame.remaining).unwrap_or(usize::MAX);
            let take = remaining.saturating_sub(self.buf.len()).min(data.len());
            let fuse = frame.header.mask.filter(|_| {
                take >= FUSE_MIN
                    && frame.unmasked == self.buf.len()
                    && !frame.header.opcode.is_control()
            });
            if let Some(key) = fuse {
                // Text of a whole-message delivery is checked here too (the chunked delivery
                // checks it when it cuts chunks). A failure is left for `poll` to report.
                let mut utf8 = self.message.as_mut().filter(|m| {
                    m.kind == MessageKind::Text
                        && !m.compressed
                        && self.delivery == Delivery::Messages
                        && frame.ready == frame.unmasked
                });
                let piece_len = if utf8.is_some() { FUSE_PIECE } else { take };
                for piece in data[..take].chunks(piece_len) {
                    let start = self.buf.len();
                    frame.phase = extend_masked(&mut self.buf, piece, key, frame.phase);
                    frame.unmasked += piece.len();
                    if let Some(message) = utf8.as_deref_mut() {
                        let mut checked = message.utf8;
                        if checked.feed(&self.buf[start..]).is_ok() {
                            message.utf8 = checked;
                            frame.ready = frame.unmasked;
                        } else {
                            utf8 = None;
                        }
                    }
                }
            } else {
                extend_copy(&mut self.buf, &data[..take]);
            }
            data = &data[take..];
            if !self.scan.on {
                self.scan.raw = self.scan.raw.saturating_add(take);
            }
            if framing && !data.is_empty() {
                self.split_finished();
            }
            if framing {
                self.scan_after_frame();
            }
        }
        if framing && !self.scan.on {
            // Fragments of a message in progress go straight into it.
            data = self.join_read(data);
        }
        if framing {
            self.scan_at_boundary();
        }
        if self.scan.on && !data.is_empty() {
            // Room past the read for the rest of a frame it ends in (the size of the last
            // frame, at most the read's): the frame's head then stays where it is copied
            // (see `split_finished`).
            let slack = if self.last_frame as u64 >= *SPLIT.start() {
                self.last_frame.min(data.len())
            } else {
                0
            };
            self.buf.reserve(data.len() + slack);
            let mut pos = 0;
            while self.scan.on && pos < data.len() {
                if self.buf.is_empty() && self.scan.raw == 0 && self.scan.open.is_none() {
                    // Nothing pending: a message to join as it is read (fragments, or a big
                    // frame this read does not finish) goes to its own buffer.
                    let rest = self.join_read(&data[pos..]).len();
                    if rest < data.len() - pos {
                        pos = data.len() - rest;
                        if self.message.is_some() || self.frame.is_some() {
                            self.scan = Scan::new(false, 0);
                        }
                        continue;
                    }
                }
                let taken = match self.scan_open(&data[pos..]) {
                    0 => self.scan_direct(&data[pos..]),
                    n => n,
                };
                if taken > 0 {
                    pos += taken;
                    continue;
                }
                let end = data.len().min(pos + SCAN_WINDOW);
                self.buf.extend_from_slice(&data[pos..end]);
                self.scan.raw += end - pos;
                pos = end;
                self.scan_frames();
            }
            data = &data[pos..];
        }
        extend_copy(&mut self.buf, data);
        self.scan.raw = self.scan.raw.saturating_add(data.len());
    }

    /// The frame in progress, a message in one frame (or the last fragment of one with
    /// nothing joined), was just finished by a read that goes on past it: it is split off
    /// now, to be delivered first (as `joined`), so that the rest of the read goes after it
    /// into room of its own (a fresh allocation if the buffer's is full) instead of the
    /// frame's head being moved to the front of the buffer for room (measured: 16 KiB
    /// messages in 64 KiB reads moved a quarter of their bytes once more). Anything that
    /// could fail (invalid text) is left for `poll` to report in order.
    fn split_finished(&mut self) {
        let Some(mut frame) = self.frame.filter(|f| {
            self.joined.is_none()
                && self.delivery == Delivery::Messages
                && f.header.fin
                && SPLIT.contains(&f.header.len)
        }) else {
            return;
        };
        if frame.remaining != self.buf.len() as u64 || frame.header.opcode.is_control() {
            return;
        }
        let Some(message) = self
            .message
            .as_ref()
            .filter(|m| !m.compressed && m.data.is_empty())
        else {
            return;
        };
        let len = self.buf.len();
        if let Some(key) = frame.header.mask.filter(|_| frame.unmasked < len) {
            frame.phase = apply_mask(&mut self.buf[frame.unmasked..], key, frame.phase);
            frame.unmasked = len;
            self.frame = Some(frame);
        }
        if message.kind == MessageKind::Text {
            let mut utf8 = message.utf8;
            if utf8.feed(&self.buf[frame.ready.min(len)..]).is_err() || !utf8.is_boundary() {
                return;
            }
        }
        let kind = message.kind;
        self.frame = None;
        self.message = None;
        self.last_whole = frame.header.len;
        self.joined = Some((kind, self.buf.split_to(len).freeze()));
        // The rest of the read goes to the allocation the previous such frame was split
        // off, which `reserve` takes back without a copy if the host has dropped that frame.
        std::mem::swap(&mut self.buf, &mut self.spare);
        self.spare.clear();
    }

    /// The frame in progress ends in what is buffered, no message goes on after it, and
    /// nothing after it is scanned yet: the scan starts at its end (unless `join_read` goes
    /// on from the fragment it ends).
    pub(super) fn scan_after_frame(&mut self) {
        let Some(frame) = self.frame.filter(|_| !self.scan.on) else {
            return;
        };
        let remaining = usize::try_from(frame.remaining).unwrap_or(usize::MAX);
        let clean =
            frame.header.fin && (!frame.header.opcode.is_control() || self.message.is_none());
        let joins = remaining == self.buf.len() && self.joins(&frame);
        if clean
            && !joins
            && remaining <= self.buf.len()
            && self.scan.raw >= self.buf.len() - remaining
        {
            self.scan = Scan::new(true, self.buf.len() - remaining);
        }
    }

    /// At a frame boundary with no message in progress and nothing buffered scanned: the
    /// scan starts at the front of the buffer.
    pub(super) fn scan_at_boundary(&mut self) {
        if !self.scan.on
            && self.frame.is_none()
            && self.message.is_none()
            && self.scan.raw >= self.buf.len()
        {
            self.scan = Scan::new(true, self.buf.len());
        }
    }
}
