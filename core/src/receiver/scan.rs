//! The receive-time scan: whole data frames decoded ahead while a read is copied in, so
//! that their payloads are unmasked and checked while still in L1 cache (see [`Scan`]).

use super::Receiver;
use crate::event::MessageKind;
use crate::frame::OpCode;
use crate::mask::{apply_mask, extend_copy, extend_masked};
use crate::utf8::Utf8Validator;

/// Bytes copied in at a time while scanning, then unmasked while in L1 cache.
pub(super) const SCAN_WINDOW: usize = 4 << 10;

/// Frames from this size on are copied from the read and unmasked in one pass
/// ([`Receiver::scan_direct`]).
const DIRECT_MIN: usize = 512;

/// Whole unfragmented data frames unmasked and checked as they are read, while the bytes are
/// still in cache: what [`Receiver::whole_frame`] then only has to split off.
///
/// The scanned bytes are the frames between a frame boundary the general path has not
/// reached yet and `buf.len() - raw`; every one of them is a frame `whole_frame` takes
/// (`simple_header`), whose payload is unmasked and, for text, valid UTF-8. The scan only
/// starts at a frame boundary where no message is in progress, and stops at the first
/// frame it does not take (control, fragment, compressed, invalid, over a limit): from there
/// on the bytes are left as read, for the general path.
#[derive(Debug)]
pub(super) struct Scan {
    /// Scanning is in step with the frames: every byte read is scanned as it arrives.
    pub(super) on: bool,
    /// How many bytes at the end of `buf` are not scanned. Counted from the end, so that
    /// splitting bytes off the front does not move it; it may exceed `buf.len()` (then
    /// nothing buffered is scanned).
    pub(super) raw: usize,
    /// The last scanned frame, whose payload has not all arrived (`raw` is then 0).
    pub(super) open: Option<Open>,
}

impl Scan {
    /// Scanning or not, with the last `raw` bytes of the buffer not scanned.
    pub(super) fn new(on: bool, raw: usize) -> Self {
        Self {
            on,
            raw,
            open: None,
        }
    }
}

/// A scanned frame whose payload is still arriving: its header and `done` payload bytes
/// are the last scanned bytes, just before the `raw` ones.
#[derive(Clone, Copy, Debug)]
pub(super) struct Open {
    pub(super) len: usize,
    /// Payload bytes unmasked and checked so far.
    pub(super) done: usize,
    pub(super) utf8: Utf8Validator,
    key: Option<[u8; 4]>,
    kind: MessageKind,
    pub(super) header_len: u8,
}

impl Open {
    /// A frame whose header (`header_len` bytes, at most 14) was just scanned.
    fn new(kind: MessageKind, header_len: usize, len: usize, key: Option<[u8; 4]>) -> Self {
        Open {
            header_len: header_len as u8,
            kind,
            key,
            len,
            done: 0,
            utf8: Utf8Validator::default(),
        }
    }
}

/// What `simple_header` finds at the start of a buffer.
pub(super) enum Simple {
    /// Too few bytes to say.
    Incomplete,
    /// A frame for the general path.
    No,
    /// A whole unfragmented, uncompressed data frame within the limits.
    Yes {
        kind: MessageKind,
        header_len: usize,
        len: usize,
        key: Option<[u8; 4]>,
    },
}

/// A whole frame of a read (see [`Receiver::simple_frame`]).
pub(crate) struct WholeFrame<'a> {
    pub(crate) kind: MessageKind,
    /// The payload, still masked with `mask`.
    pub(crate) payload: &'a [u8],
    pub(crate) mask: Option<[u8; 4]>,
    /// The frame's length, header included.
    pub(crate) len: usize,
}

impl Receiver {
    /// Scans the bytes after `buf.len() - scan.raw` (see [`Scan`]).
    pub(super) fn scan_frames(&mut self) {
        loop {
            let at = self.buf.len() - self.scan.raw;
            if let Some(open) = self.scan.open.as_mut() {
                let n = (open.len - open.done).min(self.scan.raw);
                let piece = &mut self.buf[at..at + n];
                if let Some(key) = open.key {
                    apply_mask(piece, key, open.done % 4);
                }
                let text = open.kind == MessageKind::Text;
                let mut ok = !text || open.utf8.feed(piece).is_ok();
                open.done += n;
                self.scan.raw -= n;
                if ok && open.done < open.len {
                    return;
                }
                ok &= !text || open.utf8.is_boundary();
                if !ok {
                    self.abandon_open();
                    return;
                }
                self.scan.open = None;
                continue;
            }
            match self.simple_header(&self.buf[at..]) {
                Simple::Incomplete => return,
                Simple::No => {
                    self.scan.on = false;
                    return;
                }
                Simple::Yes {
                    kind,
                    header_len,
                    len,
                    key,
                } => {
                    self.last_frame = header_len.saturating_add(len);
                    if self.scan.raw - header_len < len {
                        self.scan.open = Some(Open::new(kind, header_len, len, key));
                        self.scan.raw -= header_len;
                        continue;
                    }
                    let payload = &mut self.buf[at + header_len..at + header_len + len];
                    if !unmask_whole(payload, key, kind) {
                        self.scan.on = false;
                        return;
                    }
                    self.scan.raw -= header_len + len;
                }
            }
        }
    }

    /// The open frame's payload continues at the start of `data`: appends as much of it as
    /// `data` holds, unmasked while it is copied (one pass, instead of a copy and an
    /// unmasking pass), and checks text. Returns how many bytes of `data` it took, `0` when
    /// no frame is open (or nothing is left of it).
    pub(super) fn scan_open(&mut self, data: &[u8]) -> usize {
        let Some(open) = self.scan.open.as_mut() else {
            return 0;
        };
        debug_assert_eq!(self.scan.raw, 0, "an open frame is the last scanned one");
        let n = (open.len - open.done).min(data.len());
        let text = open.kind == MessageKind::Text;
        // Text a few windows at a time, checked while it is in L1 cache.
        let piece_len = if text { 4 * SCAN_WINDOW } else { n.max(1) };
        let mut taken = 0;
        let mut ok = true;
        for piece in data[..n].chunks(piece_len) {
            let start = self.buf.len();
            match open.key {
                Some(key) => {
                    extend_masked(&mut self.buf, piece, key, open.done % 4);
                }
                None => extend_copy(&mut self.buf, piece),
            }
            open.done += piece.len();
            taken += piece.len();
            if text && open.utf8.feed(&self.buf[start..]).is_err() {
                ok = false;
                break;
            }
        }
        if ok && open.done == open.len {
            ok = !text || open.utf8.is_boundary();
            if ok {
                self.scan.open = None;
            }
        }
        if !ok {
            // Everything appended is masked back; the rest of `data` is left to the caller.
            self.abandon_open();
        }
        taken
    }

    /// At a frame boundary with nothing unscanned, a frame of [`DIRECT_MIN`] bytes or more
    /// whose header is whole at the start of `data`: its header is appended and the frame
    /// opened, for [`scan_open`](Self::scan_open) to copy and unmask its payload in one pass
    /// (smaller frames are cheaper to copy a window at a time, then unmask in place). Returns
    /// how many bytes of `data` it took (the header's), `0` if it did not take the frame.
    pub(super) fn scan_direct(&mut self, data: &[u8]) -> usize {
        if self.scan.raw != 0 || self.scan.open.is_some() {
            return 0;
        }
        let Simple::Yes {
            kind,
            header_len,
            len,
            key,
        } = self.simple_header(data)
        else {
            return 0;
        };
        if len < DIRECT_MIN {
            return 0;
        }
        let end = header_len + len;
        // A frame still arriving that starts the buffer gets room for more of it at once
        // (see `room_for`), which takes back the allocation of a message the host has
        // dropped: a frame at a time goes into one allocation, as the general path reserves
        // it, instead of this read's room being outgrown, and its head moved, on the next.
        let room = if self.buf.is_empty() && end > data.len() {
            end.min(super::room_for(data.len()))
        } else {
            end.min(data.len())
        };
        self.buf.reserve(room);
        self.buf.extend_from_slice(&data[..header_len]);
        if end > data.len() || (kind == MessageKind::Text && len > 4 * SCAN_WINDOW) {
            // Still arriving (or text to check a few windows at a time): `scan_open` goes on.
            self.scan.open = Some(Open::new(kind, header_len, len, key));
            return header_len;
        }
        // The whole frame is in this read: copied and unmasked in one go.
        let start = self.buf.len();
        match key {
            Some(key) => {
                extend_masked(&mut self.buf, &data[header_len..end], key, 0);
            }
            None => extend_copy(&mut self.buf, &data[header_len..end]),
        }
        if kind == MessageKind::Text && simdutf8::basic::from_utf8(&self.buf[start..]).is_err() {
            // Masked back and left unscanned, for the general path to report the error.
            if let Some(key) = key {
                apply_mask(&mut self.buf[start..], key, 0);
            }
            self.scan = Scan::new(false, end);
        }
        end
    }

    /// The open frame turned out invalid: its payload is masked back, the scan stops before
    /// its header, for the general path to report the error.
    fn abandon_open(&mut self) {
        let Some(open) = self.scan.open else {
            return;
        };
        let end = self.buf.len() - self.scan.raw;
        if let Some(key) = open.key {
            apply_mask(&mut self.buf[end - open.done..end], key, 0);
        }
        self.scan = Scan::new(
            false,
            self.scan.raw + usize::from(open.header_len) + open.done,
        );
    }

    /// Whether `buf` starts with a frame [`whole_frame`](Self::whole_frame) takes: FIN set,
    /// RSV clear, text or binary, masked as the role expects, the length in its shortest
    /// form and within the limits.
    #[inline]
    pub(super) fn simple_header(&self, buf: &[u8]) -> Simple {
        let [b0, b1, ..] = *buf else {
            return match buf {
                [0x81 | 0x82] | [] => Simple::Incomplete,
                _ => Simple::No,
            };
        };
        let kind = match b0 {
            0x81 => MessageKind::Text,
            0x82 => MessageKind::Binary,
            _ => return Simple::No,
        };
        if (b1 & 0x80 != 0) != self.expect_masked {
            return Simple::No;
        }
        let (len, mut pos) = match (b1 & 0x7f, buf) {
            (126, [_, _, a, b, ..]) => (u64::from(u16::from_be_bytes([*a, *b])), 4),
            (127, [_, _, a, b, c, d, e, f, g, h, ..]) => {
                (u64::from_be_bytes([*a, *b, *c, *d, *e, *f, *g, *h]), 10)
            }
            (126 | 127, _) => return Simple::Incomplete,
            (n, _) => (u64::from(n), 2),
        };
        let minimal = match pos {
            4 => len >= 126,
            10 => len > 0xffff && len >> 63 == 0,
            _ => true,
        };
        if !minimal || len > self.max_frame || len > self.max_message || self.max_fragments == 0 {
            return Simple::No;
        }
        let key = if self.expect_masked {
            let [a, b, c, d] = *buf.get(pos..pos + 4).unwrap_or(&[0; 0]) else {
                return Simple::Incomplete;
            };
            pos += 4;
            Some([a, b, c, d])
        } else {
            None
        };
        let Ok(len) = usize::try_from(len) else {
            return Simple::No;
        };
        Simple::Yes {
            kind,
            header_len: pos,
            len,
            key,
        }
    }

    /// Nothing received is left to decode or in progress (no bytes buffered, no frame or
    /// message under way, none with the host, the buffer not lent): the next bytes start a
    /// frame.
    pub(crate) fn is_idle(&self) -> bool {
        self.buf.is_empty()
            && self.host.is_none()
            && self.frame.is_none()
            && self.message.is_none()
            && self.joined.is_none()
            && self.lent.is_none()
    }

    /// The bytes that finish the final data frame in progress when nothing but its own
    /// payload is held: chunked delivery after its first piece was handed out, or
    /// whole-message delivery holding the first bytes of a message in one frame (in the
    /// buffer, or joined into the message's own). Once exactly these are received, the next
    /// event is that frame's last piece or its message (or an error) and the receiver is
    /// idle again. `None` in any other case (compressed messages, fragments joined before
    /// it, a message joined and not yet delivered).
    pub(crate) fn frame_rest(&self) -> Option<usize> {
        let frame = self.frame.as_ref()?;
        let message = self.message.as_ref()?;
        let alone = self.joined.is_none() && self.lent.is_none();
        // The message's own buffer holds this frame's first bytes only if the frame began
        // the message (and then nothing of it is in the receive buffer).
        let own = message.data.is_empty() || frame.header.opcode != OpCode::Continuation;
        let plain = !message.compressed && own && message.plain.is_empty();
        if !alone || !plain || !frame.header.fin || frame.header.opcode.is_control() {
            return None;
        }
        // `remaining` counts the frame's bytes in the receive buffer (its header is off it),
        // not those joined into the message's buffer.
        let held = self.buf.len() as u64;
        frame
            .remaining
            .checked_sub(held)
            .filter(|&n| n > 0)
            .and_then(|n| usize::try_from(n).ok())
    }

    /// The whole frame at the front of `data` when it is one that
    /// [`whole_frame`](Self::whole_frame) takes (a final, uncompressed text or binary frame,
    /// masked as expected, within the limits).
    pub(crate) fn simple_frame<'a>(&self, data: &'a [u8]) -> Option<WholeFrame<'a>> {
        let Simple::Yes {
            kind,
            header_len,
            len,
            key,
        } = self.simple_header(data)
        else {
            return None;
        };
        let end = header_len.checked_add(len)?;
        let payload = data.get(header_len..end)?;
        Some(WholeFrame {
            kind,
            payload,
            mask: key,
            len: end,
        })
    }
}

/// The kind, header length and payload length of the scanned frame at the start of `buf`
/// (see [`Scan`]: its header passed `simple_header`, so only the lengths are read back).
/// `None` if its header is not all there, which the scan never leaves at the front.
#[inline]
pub(super) fn scanned_header(buf: &[u8]) -> Option<(MessageKind, usize, usize)> {
    let [b0, b1, ..] = *buf else { return None };
    let kind = if b0 == 0x81 {
        MessageKind::Text
    } else {
        MessageKind::Binary
    };
    let mask = usize::from(b1 >> 7) * 4;
    let (len, pos) = match b1 & 0x7f {
        126 => (
            usize::from(u16::from_be_bytes(*buf.get(2..4)?.first_chunk()?)),
            4,
        ),
        127 => {
            let len = u64::from_be_bytes(*buf.get(2..10)?.first_chunk()?);
            (usize::try_from(len).ok()?, 10)
        }
        n => (usize::from(n), 2),
    };
    Some((kind, pos + mask, len))
}

/// Unmasks the payload of a whole frame and, for text, checks that it is UTF-8. Invalid text
/// is masked back and `false` returned: the general path then reports the error at its first
/// bad byte.
#[inline]
pub(super) fn unmask_whole(payload: &mut [u8], key: Option<[u8; 4]>, kind: MessageKind) -> bool {
    if let Some(key) = key {
        apply_mask(payload, key, 0);
    }
    if kind == MessageKind::Text && simdutf8::basic::from_utf8(payload).is_err() {
        if let Some(key) = key {
            apply_mask(payload, key, 0);
        }
        return false;
    }
    true
}
