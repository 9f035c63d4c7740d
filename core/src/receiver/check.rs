//! The frame rules that depend on the connection (RFC 6455 §5.1, §5.2, §5.4; RFC 7692
//! §6.1): masking per role, reserved bits, fragmentation order, and the limits.

use bytes::BytesMut;

use super::{Message, Receiver};
use crate::error::ProtocolError;
use crate::event::MessageKind;
use crate::frame::{FrameHeader, OpCode};
use crate::utf8::Utf8Validator;

impl Receiver {
    /// The checks that depend on the connection: extensions, role, fragmentation, limits;
    /// starts the message a first data frame opens and counts the frame into it.
    pub(super) fn check(&mut self, h: &FrameHeader) -> Result<(), ProtocolError> {
        if let Some(kind) = self.admit(h)? {
            self.message = Some(Message {
                kind,
                data: BytesMut::new(),
                len: 0,
                fragments: 0,
                utf8: Utf8Validator::default(),
                compressed: h.rsv & 0b100 != 0,
                inflated: 0,
                plain: Vec::new(),
            });
        }
        if let (Some(message), false) = (self.message.as_mut(), h.opcode.is_control()) {
            message.fragments += 1;
            message.len += h.len;
        }
        Ok(())
    }

    /// [`check`](Self::check) without its effects: whether `h` may come next, and the kind
    /// of the message it starts, if it starts one.
    pub(super) fn admit(&self, h: &FrameHeader) -> Result<Option<MessageKind>, ProtocolError> {
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
            return Ok(None);
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
        let (fragments, len) = match (kind, &self.message) {
            (Some(_), Some(_)) => return Err(ProtocolError::ExpectedContinuation),
            (None, None) => return Err(ProtocolError::UnexpectedContinuation),
            (Some(_), None) => (0, 0),
            (None, Some(message)) => (message.fragments, message.len),
        };
        if fragments.saturating_add(1) > self.max_fragments {
            return Err(ProtocolError::TooManyFragments);
        }
        if len.saturating_add(h.len) > self.max_message {
            return Err(ProtocolError::MessageTooLarge);
        }
        Ok(kind)
    }
}
