//! Fragmented messages, whole-message delivery: each fragment is unmasked while it is
//! copied into the message being assembled (one pass), straight from the host's read when
//! nothing is buffered before it ([`Receiver::join_read`]), from the receive buffer
//! otherwise ([`Receiver::join`]). The message buffer starts sized from the previous
//! fragmented message, so that it does not grow fragment by fragment.
//!
//! A fragment is only joined if it is valid (text checked on a copy of the validator, the
//! header's checks done beforehand): anything else is left as read for the general path,
//! which reports the error in stream order.

use bytes::{Buf, Bytes, BytesMut};

use super::{Frame, KEEP_IDLE, Message, RECYCLE_MIN, Receiver, message_event};
use crate::config::Delivery;
use crate::error::ProtocolError;
use crate::event::{Event, MessageKind};
use crate::frame::{FrameHeader, OpCode, parse_header};
use crate::mask::{extend_copy, extend_masked};
use crate::utf8::Utf8Validator;

/// A message in one frame of a size in this range, unfinished at the end of a read, is
/// joined into its own buffer as it is read ([`Receiver::join_read`]), so that the receive
/// buffer never moves it when it wraps (measured: 64 KiB binary messages +76 %, text +21 %).
/// Smaller frames are cheaper in the shared buffer; bigger ones measured slower this way
/// (their buffer grows from what the first read brought, each step a copy), and take the
/// general path, which reserves them once.
const JOIN_WHOLE: std::ops::RangeInclusive<u64> = (32 << 10)..=(256 << 10);

/// Where the payload appended by [`append`] comes from.
struct Source<'a> {
    bytes: &'a [u8],
    /// Bytes at the start already unmasked.
    unmasked: usize,
    /// Bytes at the start already UTF-8-checked (at most `unmasked`).
    checked: usize,
    key: Option<[u8; 4]>,
    /// Mask key position of `bytes[unmasked]`.
    phase: usize,
    /// The message ends with these bytes: text must end on a character boundary.
    last: bool,
}

/// Appends `src` to the message, unmasking while copying, and checks text. On invalid
/// text nothing changes (the appended bytes are dropped again) and `false` is returned.
fn append(message: &mut Message, src: &Source<'_>, room: usize) -> bool {
    let start = message.data.len();
    if start == 0 {
        message.data.reserve(room.max(src.bytes.len()));
    }
    message.data.extend_from_slice(&src.bytes[..src.unmasked]);
    match src.key {
        Some(key) => {
            extend_masked(
                &mut message.data,
                &src.bytes[src.unmasked..],
                key,
                src.phase,
            );
        }
        None => extend_copy(&mut message.data, &src.bytes[src.unmasked..]),
    }
    if message.kind == MessageKind::Text {
        let mut utf8 = message.utf8;
        let valid = utf8.feed(&message.data[start + src.checked..]).is_ok()
            && (!src.last || utf8.is_boundary());
        if !valid {
            message.data.truncate(start);
            return false;
        }
        message.utf8 = utf8;
    }
    true
}

impl Receiver {
    /// Whether a whole frame goes into the message being assembled ([`join`](Self::join)):
    /// whole-message delivery, a fragment of an uncompressed message, not a message in one
    /// frame (that one is split off the buffer without a copy).
    pub(super) fn joins(&self, frame: &Frame) -> bool {
        self.delivery == Delivery::Messages
            && !frame.header.opcode.is_control()
            && self
                .message
                .as_ref()
                .is_some_and(|m| !m.compressed && (!frame.header.fin || !m.data.is_empty()))
    }

    /// Room the first fragment's buffer starts with: the previous fragmented message's size,
    /// within the limit.
    fn join_room(&self) -> usize {
        let max = usize::try_from(self.max_message).unwrap_or(usize::MAX);
        self.joined_hint.min(max)
    }

    /// Joins the whole fragment at the start of the buffer (`available` bytes) into the
    /// message; the message when it was the last fragment.
    pub(super) fn join(
        &mut self,
        frame: Frame,
        available: usize,
    ) -> Result<Option<Event>, ProtocolError> {
        if !self.join_buffered(&frame, available) {
            return Err(ProtocolError::InvalidUtf8);
        }
        Ok(self
            .finished(frame.header.fin)
            .map(|(kind, data)| message_event(kind, data)))
    }

    /// [`join`](Self::join) without the error: `false`, nothing changed, on invalid text.
    /// A finished message is left in `message`.
    fn join_buffered(&mut self, frame: &Frame, available: usize) -> bool {
        let room = self.join_room();
        let Some(message) = self.message.as_mut() else {
            return false;
        };
        let src = Source {
            bytes: &self.buf[..available],
            unmasked: frame.unmasked.min(available),
            checked: frame.ready.min(available),
            key: frame.header.mask,
            phase: frame.phase,
            last: frame.header.fin,
        };
        if !append(message, &src, room) {
            return false;
        }
        self.buf.advance(available);
        true
    }

    /// The message, taken out of `message` if its last fragment was joined (`fin`): sized
    /// down if its buffer is much too big (sized for a bigger predecessor), remembered as
    /// the next one's size.
    fn finished(&mut self, fin: bool) -> Option<(MessageKind, Bytes)> {
        if !fin {
            return None;
        }
        let mut message = self.message.take()?;
        let len = message.data.len();
        self.joined_hint = len;
        let data = if message.data.capacity() > 2 * len + KEEP_IDLE {
            BytesMut::from(&message.data[..])
        } else if len >= RECYCLE_MIN {
            let data = message.data.split();
            let recycle = self.recycle.get_or_insert_default();
            recycle.swap(0, 1);
            recycle[0] = message.data;
            data
        } else {
            message.data
        };
        Some((message.kind, data.freeze()))
    }

    /// Fragments at the start of a read, joined straight from it (whole-message delivery,
    /// nothing else buffered): first the fragment that the read finished in the buffer, then
    /// every fragment that passes the checks, starting new messages too, the last one
    /// possibly unfinished (its rest comes through the buffer). A message finished this way
    /// waits in `joined`, delivered before anything buffered; a second one is not finished
    /// here. Stops at anything else (whole frames: the scan starts there), at invalid text,
    /// at a fragment that fails a check. Returns the rest of `data`, for the usual path.
    pub(super) fn join_read<'a>(&mut self, mut data: &'a [u8]) -> &'a [u8] {
        while self.delivery == Delivery::Messages {
            if let Some(mut frame) = self.frame.filter(|_| self.buf.is_empty()) {
                // The rest of a frame being joined, nothing of it buffered: from the read.
                let take = usize::try_from(frame.remaining)
                    .unwrap_or(usize::MAX)
                    .min(data.len());
                let last = frame.header.fin && take as u64 == frame.remaining;
                let room = self.join_room();
                let joinable = self.joins(&frame) && !(last && self.joined.is_some());
                let Some(message) = self.message.as_mut().filter(|_| joinable && take > 0) else {
                    return data;
                };
                let src = Source {
                    bytes: &data[..take],
                    unmasked: 0,
                    checked: 0,
                    key: frame.header.mask,
                    phase: frame.phase,
                    last,
                };
                if !append(message, &src, room) {
                    return data;
                }
                data = &data[take..];
                frame.remaining -= take as u64;
                frame.phase = (frame.phase + take) % 4;
                if frame.remaining > 0 {
                    self.frame = Some(frame);
                    return data;
                }
                self.frame = None;
                self.joined = self.finished(frame.header.fin).or(self.joined.take());
                continue;
            }
            if let Some(frame) = self.frame {
                // The fragment this read finished, alone in the buffer.
                if !self.joins(&frame)
                    || self.buf.len() as u64 != frame.remaining
                    || (frame.header.fin && self.joined.is_some())
                    || !self.join_buffered(&frame, self.buf.len())
                {
                    return data;
                }
                self.frame = None;
                self.joined = self.finished(frame.header.fin).or(self.joined.take());
                continue;
            }
            if !self.buf.is_empty() {
                return data;
            }
            let Ok(Some((header, header_len))) = parse_header(data) else {
                return data;
            };
            let Ok(len) = usize::try_from(header.len) else {
                return data;
            };
            let arrived = len.min(data.len() - header_len);
            let last = header.fin && arrived == len;
            if !self.continues(&header, arrived) || (last && self.joined.is_some()) {
                return data;
            }
            let room = if header.fin {
                // A big message in one frame, unfinished: room as for the general path.
                len.min(super::room_for(arrived))
            } else {
                self.join_room()
            };
            // A new message's buffer (`append` reserves its room) takes back an allocation
            // the host is done with if it can.
            let fresh = if self.message.is_none() {
                self.reclaim(room)
            } else {
                BytesMut::new()
            };
            let message = self.message.get_or_insert_with(|| Message {
                kind: match header.opcode {
                    OpCode::Text => MessageKind::Text,
                    _ => MessageKind::Binary,
                },
                data: fresh,
                len: 0,
                fragments: 0,
                utf8: Utf8Validator::default(),
                compressed: false,
                inflated: 0,
                plain: Vec::new(),
            });
            let src = Source {
                bytes: &data[header_len..header_len + arrived],
                unmasked: 0,
                checked: 0,
                key: header.mask,
                phase: 0,
                last,
            };
            if !append(message, &src, room) {
                if message.fragments == 0 {
                    self.message = None; // (just made: nothing of it was taken)
                }
                return data;
            }
            message.fragments += 1;
            message.len += header.len;
            data = &data[header_len + arrived..];
            if arrived < len {
                self.frame = Some(Frame {
                    header,
                    remaining: (len - arrived) as u64,
                    ready: 0,
                    unmasked: 0,
                    phase: arrived % 4,
                });
                return data;
            }
            if header.fin {
                self.joined = self.finished(true);
            }
        }
        data
    }

    /// An empty buffer for a message to be joined into, with room for `room` bytes if it is
    /// one of the [`recycle`](Receiver::recycle) allocations the host is done with; else
    /// empty (`append` reserves the room).
    fn reclaim(&mut self, room: usize) -> BytesMut {
        for spare in self.recycle.iter_mut().flat_map(|r| r.iter_mut()) {
            if spare.try_reclaim(room) {
                return std::mem::take(spare);
            }
        }
        BytesMut::new()
    }

    /// Whether `h` (`arrived` bytes of its payload in the read) is the next frame of a
    /// message joined as it is read, with RSV clear and passing [`admit`](Self::admit) (the
    /// checks of [`check`](Self::check); the join counts the frame itself): a continuation
    /// frame of the uncompressed message in progress, or, with none in progress, the first frame of a fragmented uncompressed
    /// message, or an uncompressed message in one frame of a size in [`JOIN_WHOLE`] that
    /// the read does not finish (its own buffer, so that it is never moved when the
    /// receive buffer wraps; smaller and finished ones are left to the scan).
    fn continues(&self, h: &FrameHeader, arrived: usize) -> bool {
        let joinable = match (&self.message, h.opcode) {
            (Some(m), OpCode::Continuation) => !m.compressed,
            (None, OpCode::Text | OpCode::Binary) => {
                !h.fin || (JOIN_WHOLE.contains(&h.len) && (arrived as u64) < h.len)
            }
            _ => false,
        };
        joinable && h.rsv == 0 && self.admit(h).is_ok()
    }
}
