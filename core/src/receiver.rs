//! The receiving side after the handshake: frames in, messages out (RFC 6455 §5.4, §6.2).
//!
//! Received bytes sit in one buffer. Payloads are unmasked in place as they arrive (text is
//! UTF-8-checked at the same time, so an invalid byte fails at once), then split off the
//! buffer as `Bytes`: a message that arrives in one frame is never copied again.

use bytes::{Buf, Bytes, BytesMut};

use crate::config::{Config, Delivery};
use crate::deflate::Inflater;
use crate::error::ProtocolError;
use crate::event::{Event, MessageKind, Utf8Bytes};
use crate::frame::{FrameHeader, OpCode, parse_header};
use crate::mask::apply_mask;
use crate::utf8::Utf8Validator;

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
    /// Mask key position of `buf[ready]`.
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
    inflater: Option<Inflater>,
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
        }
    }

    /// permessage-deflate was negotiated: RSV1 marks compressed messages (RFC 7692 §6).
    pub(crate) fn enable_inflate(&mut self, inflater: Inflater) {
        self.inflater = Some(inflater);
        self.rsv_allowed = 0b100;
    }

    /// Decodes the next event from the buffered bytes, or `Ok(None)` when more bytes are
    /// needed.
    pub(crate) fn poll(&mut self) -> Result<Option<Received>, ProtocolError> {
        loop {
            let mut frame = match self.frame.take() {
                Some(frame) => frame,
                None => match self.next_header()? {
                    Some(frame) => frame,
                    None => return Ok(None),
                },
            };
            let available = self
                .buf
                .len()
                .min(usize::try_from(frame.remaining).unwrap_or(usize::MAX));
            let carry = self.prepare(&mut frame, available)?;
            let complete = available as u64 == frame.remaining;
            if frame.header.opcode.is_control() {
                if !complete {
                    self.frame = Some(frame);
                    return Ok(None);
                }
                let payload = self.buf.split_to(available).freeze();
                return Ok(Some(Received::Control(frame.header.opcode, payload)));
            }
            let compressed = self.message.as_ref().is_some_and(|m| m.compressed);
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

    /// Parses and checks the next frame header and removes it from the buffer.
    fn next_header(&mut self) -> Result<Option<Frame>, ProtocolError> {
        let Some((header, header_len)) = parse_header(&self.buf)? else {
            return Ok(None);
        };
        self.check(&header)?;
        self.buf.advance(header_len);
        Ok(Some(Frame {
            header,
            remaining: header.len,
            ready: 0,
            phase: 0,
        }))
    }

    /// The checks that depend on the connection: extensions, role, fragmentation, limits.
    fn check(&mut self, h: &FrameHeader) -> Result<(), ProtocolError> {
        // §5.2: "If a nonzero value is received and none of the negotiated extensions defines
        // the meaning of such a nonzero value, the receiving endpoint MUST _Fail_".
        if h.rsv & !self.rsv_allowed != 0 {
            return Err(ProtocolError::ReservedBits);
        }
        // RFC 7692 §6.1: RSV1 only on the first frame of a data message.
        let rsv1 = h.rsv & 0b100 != 0;
        if rsv1 && (h.opcode.is_control() || h.opcode == OpCode::Continuation) {
            return Err(ProtocolError::CompressedContinuation);
        }
        // §5.1: servers fail on unmasked frames, clients on masked ones.
        match (self.expect_masked, h.mask.is_some()) {
            (true, false) => return Err(ProtocolError::UnmaskedFrame),
            (false, true) => return Err(ProtocolError::MaskedFrame),
            _ => {}
        }
        if h.opcode.is_control() {
            return Ok(());
        }
        if h.len > self.max_frame {
            return Err(ProtocolError::FrameTooLarge);
        }
        // §5.4: fragments of one message arrive in order, not interleaved with another.
        let kind = match h.opcode {
            OpCode::Text => Some(MessageKind::Text),
            OpCode::Binary => Some(MessageKind::Binary),
            _ => None,
        };
        match (kind, self.message.is_some()) {
            (Some(_), true) => return Err(ProtocolError::ExpectedContinuation),
            (None, false) => return Err(ProtocolError::UnexpectedContinuation),
            (Some(kind), false) => {
                self.message = Some(Message {
                    kind,
                    data: BytesMut::new(),
                    len: 0,
                    fragments: 0,
                    utf8: Utf8Validator::default(),
                    compressed: rsv1,
                    inflated: 0,
                });
            }
            (None, true) => {}
        }
        let Some(message) = self.message.as_mut() else {
            return Ok(());
        };
        message.fragments += 1;
        message.len += h.len;
        if message.fragments > self.max_fragments {
            return Err(ProtocolError::TooManyFragments);
        }
        if message.len > self.max_message {
            return Err(ProtocolError::MessageTooLarge);
        }
        Ok(())
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
        let fresh = &mut self.buf[frame.ready..available];
        if let Some(key) = frame.header.mask {
            frame.phase = apply_mask(fresh, key, frame.phase);
        }
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
            self.frame = Some(frame);
            return Ok(None);
        }
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

    /// A compressed message (RFC 7692 §7.2.2): inflate what has arrived at once, so a bomb
    /// fails as soon as it passes the size limit and bad text as soon as it inflates.
    fn compressed(
        &mut self,
        mut frame: Frame,
        complete: bool,
        available: usize,
    ) -> Result<Option<Event>, ProtocolError> {
        let raw = self.buf.split_to(available);
        frame.remaining -= available as u64;
        frame.ready = 0;
        if !complete {
            self.frame = Some(frame);
        }
        let fin = complete && frame.header.fin;
        let (Some(message), Some(inflater)) = (self.message.as_mut(), self.inflater.as_mut())
        else {
            return Ok(None);
        };
        let start = message.data.len();
        let room = usize::try_from(self.max_message.saturating_sub(message.inflated))
            .unwrap_or(usize::MAX);
        let limit = start.saturating_add(room);
        inflater.inflate(&raw, &mut message.data, limit)?;
        if fin {
            inflater.finish(&mut message.data, limit)?;
        }
        message.inflated += (message.data.len() - start) as u64;
        if message.kind == MessageKind::Text {
            message
                .utf8
                .feed(&message.data[start..])
                .map_err(|_| ProtocolError::InvalidUtf8)?;
        }
        let kind = message.kind;
        let data = match self.delivery {
            Delivery::Messages if !fin => return Ok(None),
            Delivery::Messages => std::mem::take(&mut message.data).freeze(),
            Delivery::Chunks => {
                let hold = message.utf8.partial().len();
                message.data.split_to(message.data.len() - hold).freeze()
            }
        };
        if fin {
            if let Some(message) = self.message.take() {
                finish(kind, &message.utf8)?;
            }
        } else if data.is_empty() {
            return Ok(None);
        }
        Ok(Some(match self.delivery {
            Delivery::Messages => message_event(kind, data),
            Delivery::Chunks => Event::Chunk { kind, data, fin },
        }))
    }

    /// Bytes buffered but not yet decoded, for memory accounting.
    pub(crate) fn buffered(&self) -> usize {
        self.buf.len() + self.message.as_ref().map_or(0, |m| m.data.len())
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
        MessageKind::Text => Event::Text(Utf8Bytes::new_unchecked_by_type(data)),
        MessageKind::Binary => Event::Binary(data),
    }
}
