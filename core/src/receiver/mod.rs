//! The receiving side after the handshake: frames in, messages out (RFC 6455 §5.4, §6.2).
//!
//! Received bytes sit in one buffer. Payloads are unmasked as they arrive, mostly while
//! they are copied in from the read (text is UTF-8-checked at the same time, so an invalid
//! byte fails at once), then split off the buffer as `Bytes`: a message that arrives in one
//! frame is never copied again. Whole data frames are decoded ahead while the read is
//! copied in (`scan.rs`), so that their payloads are unmasked while still in L1 cache.
//! Fragments are unmasked while they are copied into the message being assembled, straight
//! from the read when nothing is buffered before them (`join.rs`); compressed messages are
//! inflated as they arrive (`inflate.rs`). The frame rules that depend on the connection
//! (masking, reserved bits, fragment order, limits) are in `check.rs`.

use bytes::{Buf, Bytes, BytesMut};

use crate::config::{Config, Delivery};
use crate::deflate::Inflater;
use crate::error::ProtocolError;
use crate::event::{Event, MessageKind, Utf8Bytes};
use crate::frame::{FrameHeader, OpCode, parse_header};
use crate::mask::{apply_mask, extend_copy, extend_masked};
use crate::utf8::Utf8Validator;

mod check;
mod inflate;
mod join;
mod read_buffer;
mod scan;

use scan::{SCAN_WINDOW, Scan, Simple, scanned_header, unmask_whole};

/// Below this, payload bytes are copied and then unmasked: one call, no per-piece overhead.
const FUSE_MIN: usize = 512;

/// Piece size of the fused copy-unmask-check of text: checked while still in cache.
const FUSE_PIECE: usize = 32 << 10;

/// Largest read size used as room past the end of a frame being received.
const READ_SIZE_MAX: usize = 256 << 10;

/// A frame still arriving gets room for at most this many times the bytes of it that
/// arrived (at least 64 KiB): a 1 MiB frame whose first 64 KiB read arrived is given its
/// whole size at once (one reallocation instead of four, each copying what arrived), while
/// a header alone announcing 16 MiB still reserves only 64 KiB.
const GROWTH: usize = 16;

/// Largest receive buffer kept while no message is in progress.
const KEEP_IDLE: usize = 4 << 10;

/// What the receiver hands to the connection.
#[derive(Debug)]
pub(crate) enum Received {
    /// A data event (message or chunk).
    Data(Event),
    /// A whole control frame: the connection decides what it means.
    Control(OpCode, Bytes),
}

/// The frame being received.
#[derive(Clone, Copy, Debug)]
struct Frame {
    header: FrameHeader,
    /// Payload bytes not yet split off the buffer.
    remaining: u64,
    /// How many bytes at the start of the buffer are already unmasked and checked.
    ready: usize,
    /// How many bytes at the start of the buffer are already unmasked (at least `ready`:
    /// [`Receiver::receive`] unmasks while it copies).
    unmasked: usize,
    /// Mask key position of `buf[unmasked]`.
    phase: usize,
}

/// The data message being received.
#[derive(Debug)]
struct Message {
    kind: MessageKind,
    /// Finished fragments (whole-message delivery only).
    data: BytesMut,
    len: u64,
    fragments: usize,
    utf8: Utf8Validator,
    /// RSV1 was set on the first frame: the payload is deflated (RFC 7692 §6).
    compressed: bool,
    /// Decompressed bytes so far (compressed messages).
    inflated: u64,
    /// Decompressed bytes not yet delivered (compressed messages): a `Vec`, which the
    /// inflater fills without zeroing it first, handed out as `Bytes` without a copy.
    plain: Vec<u8>,
}

#[derive(Debug)]
pub(crate) struct Receiver {
    /// Received bytes not yet turned into events.
    pub(crate) buf: BytesMut,
    expect_masked: bool,
    /// RSV bits a negotiated extension allows.
    rsv_allowed: u8,
    max_frame: u64,
    max_message: u64,
    max_fragments: usize,
    delivery: Delivery,
    frame: Option<Frame>,
    message: Option<Message>,
    /// permessage-deflate, when negotiated.
    inflater: Option<Box<Inflater>>,
    /// Size of the last read (capped): the room kept past a frame for the bytes after it.
    read_size: usize,
    /// The buffer was grown past [`KEEP_IDLE`] (a big read or frame): give it back when idle.
    grown: bool,
    /// Frames decoded ahead as they arrive (see [`receive`](Self::receive)).
    scan: Scan,
    /// Size of the last fragmented message: the room its successor's buffer starts with.
    joined_hint: usize,
    /// A fragmented message joined as it was read (see `join.rs`), before everything
    /// buffered: delivered first.
    joined: Option<(MessageKind, Bytes)>,
    /// The buffer is with the host, to read into (see `read_buffer.rs`).
    lent: Option<read_buffer::Lent>,
    /// Room offered for a read between small frames (see `read_buffer.rs`).
    between: usize,
    /// Size of the last frame whose header was decoded, header included.
    last_frame: usize,
    /// Payload size of the last frame the general path received whole (whole-message
    /// delivery): a frame that big in progress is given room for all of it at once.
    last_whole: u64,
}

impl Receiver {
    /// A receiver for an endpoint that expects masked frames (a server) or unmasked ones.
    pub(crate) fn new(expect_masked: bool, config: &Config) -> Self {
        Self {
            buf: BytesMut::new(),
            expect_masked,
            rsv_allowed: 0,
            max_frame: config.max_frame_size as u64,
            max_message: config.max_message_size as u64,
            max_fragments: config.max_fragments,
            delivery: config.delivery,
            frame: None,
            message: None,
            inflater: None,
            read_size: 0,
            grown: false,
            scan: Scan::new(false, usize::MAX),
            joined_hint: 0,
            joined: None,
            lent: None,
            between: read_buffer::ROOM_MIN,
            last_frame: 0,
            last_whole: 0,
        }
    }

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
            self.buf.reserve(data.len());
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

    /// The frame in progress ends in what is buffered, no message goes on after it, and
    /// nothing after it is scanned yet: the scan starts at its end (unless `join_read` goes
    /// on from the fragment it ends).
    fn scan_after_frame(&mut self) {
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
    fn scan_at_boundary(&mut self) {
        if !self.scan.on
            && self.frame.is_none()
            && self.message.is_none()
            && self.scan.raw >= self.buf.len()
        {
            self.scan = Scan::new(true, self.buf.len());
        }
    }

    /// permessage-deflate was negotiated: RSV1 marks compressed messages (RFC 7692 §6).
    #[cfg(feature = "deflate")]
    pub(crate) fn enable_inflate(&mut self, inflater: Inflater) {
        self.inflater = Some(Box::new(inflater));
        self.rsv_allowed = 0b100;
    }

    /// Decodes the next event from the buffered bytes, or `Ok(None)` when more bytes are
    /// needed.
    /// The general path (frames in pieces, fragments, control frames, compression, errors);
    /// the connection tries [`whole_frame`](Self::whole_frame) first.
    pub(crate) fn poll(&mut self) -> Result<Option<Received>, ProtocolError> {
        if let Some((kind, data)) = self.joined.take() {
            return Ok(Some(Received::Data(message_event(kind, data))));
        }
        loop {
            let mut frame = match self.frame.take() {
                Some(frame) => frame,
                None => match self.next_header()? {
                    Some(frame) => frame,
                    None => {
                        self.release_idle_buffer();
                        if let Some(inflater) = self.inflater.as_mut() {
                            inflater.release();
                        }
                        return Ok(None);
                    }
                },
            };
            let available = self
                .buf
                .len()
                .min(usize::try_from(frame.remaining).unwrap_or(usize::MAX));
            let complete = available as u64 == frame.remaining;
            let compressed = self.message.as_ref().is_some_and(|m| m.compressed);
            if complete && !compressed && self.joins(&frame) {
                if let Some(event) = self.join(frame, available)? {
                    return Ok(Some(Received::Data(event)));
                }
                continue;
            }
            let carry = self.prepare(&mut frame, available)?;
            if frame.header.opcode.is_control() {
                if !complete {
                    self.frame = Some(frame);
                    return Ok(None);
                }
                let payload = self.buf.split_to(available).freeze();
                return Ok(Some(Received::Control(frame.header.opcode, payload)));
            }
            let event = match self.delivery {
                _ if compressed => self.compressed(frame, complete, available)?,
                Delivery::Messages => self.whole(frame, complete, available)?,
                Delivery::Chunks => self.chunk(frame, complete, available, carry)?,
            };
            if let Some(event) = event {
                return Ok(Some(Received::Data(event)));
            }
            if self.frame.is_some() {
                return Ok(None);
            }
        }
    }

    /// The common case in one step: a whole unfragmented, uncompressed data frame is in the
    /// buffer; parse, unmask, check, split off. `None` for anything else (incomplete,
    /// fragmented, control, compressed, malformed, over a limit, invalid text): then
    /// [`poll`](Self::poll) handles it and reports the errors. The connection returns the
    /// event straight away, which keeps the hot path free of enum re-wrapping (measured:
    /// +20 % on 16-byte messages).
    #[inline]
    pub(crate) fn whole_frame(&mut self) -> Option<Event> {
        if self.frame.is_some() || self.message.is_some() || self.joined.is_some() {
            return None;
        }
        let (kind, pos, len) = if self.buf.len() > self.scan.raw {
            // A scanned frame: checked, unmasked (unless it is the open one, still arriving).
            scanned_header(&self.buf)?
        } else {
            let Simple::Yes {
                kind,
                header_len,
                len,
                key,
            } = self.simple_header(&self.buf)
            else {
                return None;
            };
            if self.buf.len() - header_len < len
                || !unmask_whole(&mut self.buf[header_len..header_len + len], key, kind)
            {
                return None;
            }
            (kind, header_len, len)
        };
        if self.buf.len() - pos < len {
            return None;
        }
        let end = pos + len;
        let mut data = self.buf.split_to(end).freeze();
        data.advance(pos);
        Some(match self.delivery {
            Delivery::Messages => message_event(kind, data),
            Delivery::Chunks => Event::Chunk {
                kind,
                data,
                fin: true,
            },
        })
    }

    /// Parses and checks the next frame header and removes it from the buffer.
    fn next_header(&mut self) -> Result<Option<Frame>, ProtocolError> {
        let Some((header, header_len)) = parse_header(&self.buf)? else {
            return Ok(None);
        };
        self.check(&header)?;
        self.last_frame = usize::try_from(header.len)
            .unwrap_or(usize::MAX)
            .saturating_add(header_len);
        let mut frame = Frame {
            header,
            remaining: header.len,
            ready: 0,
            unmasked: 0,
            phase: 0,
        };
        let raw = self.scan.raw;
        let len = self.buf.len();
        if let Some(open) =
            (self.scan.open).filter(|o| raw + usize::from(o.header_len) + o.done == len)
        {
            // The scanned frame still arriving: go on from where the scan got; the scan stops.
            frame.ready = open.done;
            frame.unmasked = open.done;
            frame.phase = open.done % 4;
            if let Some(message) = self.message.as_mut() {
                message.utf8 = open.utf8;
            }
            self.scan = Scan::new(false, self.buf.len());
        }
        self.buf.advance(header_len);
        Ok(Some(frame))
    }

    /// Unmasks the newly arrived payload bytes and checks text as it goes. Returns the
    /// unfinished UTF-8 character carried over from before these bytes.
    fn prepare(
        &mut self,
        frame: &mut Frame,
        available: usize,
    ) -> Result<([u8; 4], usize), ProtocolError> {
        let mut carry = ([0u8; 4], 0);
        if available <= frame.ready {
            return Ok(carry);
        }
        if let Some(key) = frame.header.mask.filter(|_| available > frame.unmasked) {
            frame.phase = apply_mask(&mut self.buf[frame.unmasked..available], key, frame.phase);
            frame.unmasked = available;
        }
        let fresh = &self.buf[frame.ready..available];
        frame.ready = available;
        if frame.header.opcode.is_control() {
            return Ok(carry);
        }
        if let Some(message) = self
            .message
            .as_mut()
            .filter(|m| m.kind == MessageKind::Text && !m.compressed)
        {
            let partial = message.utf8.partial();
            carry.0[..partial.len()].copy_from_slice(partial);
            carry.1 = partial.len();
            message
                .utf8
                .feed(fresh)
                .map_err(|_| ProtocolError::InvalidUtf8)?;
        }
        Ok(carry)
    }

    /// Whole-message delivery: wait for the frame, then append or emit.
    fn whole(
        &mut self,
        frame: Frame,
        complete: bool,
        available: usize,
    ) -> Result<Option<Event>, ProtocolError> {
        if !complete {
            // Room for more of the frame at once, rather than growing the buffer (and copying
            // what arrived) read by read; but never more than [`GROWTH`] times what already
            // arrived (or 64 KiB): a 14-byte header announcing 16 MiB must not make us
            // allocate 16 MiB.
            let rest = usize::try_from(frame.remaining).unwrap_or(usize::MAX) - available;
            let room = rest.min(available.saturating_mul(GROWTH).max(64 << 10));
            // (nothing buffered of a frame being joined: its bytes go to the message)
            let joining =
                available == 0 && self.message.as_ref().is_some_and(|m| !m.data.is_empty());
            if !joining {
                let need = room + self.read_size;
                if self.buf.capacity() - self.buf.len() < need {
                    // One read more past it: the next read that ends inside a frame still
                    // finds the room after it, so the buffered head of that frame is moved
                    // to the front of the buffer every other read instead of every read
                    // (16 KiB frames in 64 KiB reads: the move 15 -> 7 % of the time).
                    self.buf.reserve(need + self.read_size);
                }
                self.grown = true;
            }
            self.frame = Some(frame);
            return Ok(None);
        }
        self.last_whole = frame.header.len;
        let payload = self.buf.split_to(available);
        let Some(message) = self.message.as_mut() else {
            return Ok(None);
        };
        if !frame.header.fin {
            message.data.extend_from_slice(&payload);
            return Ok(None);
        }
        let Some(mut message) = self.message.take() else {
            return Ok(None);
        };
        let data = if message.data.is_empty() {
            payload.freeze()
        } else {
            message.data.extend_from_slice(&payload);
            message.data.freeze()
        };
        finish(message.kind, &message.utf8)?;
        Ok(Some(message_event(message.kind, data)))
    }

    /// Chunked delivery: emit what has arrived, text cut at a character boundary.
    fn chunk(
        &mut self,
        mut frame: Frame,
        complete: bool,
        available: usize,
        carry: ([u8; 4], usize),
    ) -> Result<Option<Event>, ProtocolError> {
        let fin = complete && frame.header.fin;
        let piece = self.buf.split_to(available).freeze();
        frame.remaining -= available as u64;
        frame.ready = 0;
        frame.unmasked = 0;
        if !complete {
            self.frame = Some(frame);
        }
        let Some(message) = self.message.as_ref() else {
            return Ok(None);
        };
        let kind = message.kind;
        let data = match kind {
            MessageKind::Binary => piece,
            MessageKind::Text => {
                let (carry, carried) = carry;
                let held = message.utf8.partial().len();
                let total = carried + piece.len();
                let emit = total - held.min(total);
                if carried == 0 {
                    piece.slice(..emit)
                } else if emit == 0 {
                    Bytes::new()
                } else {
                    let mut joined = BytesMut::with_capacity(emit);
                    joined.extend_from_slice(&carry[..carried]);
                    joined.extend_from_slice(&piece[..emit - carried]);
                    joined.freeze()
                }
            }
        };
        if fin {
            if let Some(message) = self.message.take() {
                finish(kind, &message.utf8)?;
            }
        } else if data.is_empty() {
            return Ok(None);
        }
        Ok(Some(Event::Chunk { kind, data, fin }))
    }

    /// Between messages, with at most a partial header buffered: give back a large buffer
    /// (after a big message, or a big read) instead of holding it while the connection idles.
    fn release_idle_buffer(&mut self) {
        // The capacity left says nothing of the allocation behind it (payloads were split
        // off its front), hence the flag.
        if (self.grown || self.buf.capacity() > KEEP_IDLE) && self.message.is_none() {
            self.buf = BytesMut::from(&self.buf[..]);
            self.grown = false;
        }
    }

    /// Bytes buffered but not yet decoded, for memory accounting.
    pub(crate) fn buffered(&self) -> usize {
        self.buf.len()
            + self
                .message
                .as_ref()
                .map_or(0, |m| m.data.len() + m.plain.len())
            + self.joined.as_ref().map_or(0, |(_, data)| data.len())
    }
}

/// §8.1: a text message must end on a character boundary.
fn finish(kind: MessageKind, utf8: &Utf8Validator) -> Result<(), ProtocolError> {
    if kind == MessageKind::Text && !utf8.is_boundary() {
        return Err(ProtocolError::InvalidUtf8);
    }
    Ok(())
}

/// A whole message as an event; text was checked on the way in.
fn message_event(kind: MessageKind, data: Bytes) -> Event {
    match kind {
        MessageKind::Text => Event::Text(Utf8Bytes::from_checked(data)),
        MessageKind::Binary => Event::Binary(data),
    }
}
