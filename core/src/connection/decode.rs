//! Decoding: received bytes become events (the handshake, frames, control frames answered
//! on the spot), and the checks an action makes before it queues anything.

use bytes::Bytes;

use super::Connection;
use super::opening::Handshake;
use crate::close::{self, CloseFrame};
use crate::error::{Error, ProtocolError, UsageError};
use crate::event::Event;
use crate::frame::OpCode;
use crate::receiver::Received;
use crate::state::State;

impl Connection {
    pub(super) fn next(&mut self, defer: bool) -> Result<Option<Event>, Error> {
        if let Some(error) = self.deferred {
            if defer {
                return Ok(None);
            }
            self.deferred = None;
            return Err(self.fail(error));
        }
        // While the buffer is with the host (`take_read_buffer`), so are the undecoded bytes:
        // nothing to decode (the receive buffer is empty then, which `whole_frame` sees).
        match self.handshake {
            Handshake::Done => {}
            Handshake::Pending(_) => return Ok(None),
            Handshake::Server(_) | Handshake::Client(_) if self.receiver.is_lent() => {
                return Ok(None);
            }
            Handshake::Server(_) | Handshake::Client(_) => return self.poll_handshake(),
        }
        if self.life.can_receive() {
            // The common case first, returned straight: a whole data frame in the buffer.
            if let Some(event) = self.receiver.whole_frame() {
                return Ok(Some(event));
            }
            if self.receiver.is_lent() {
                return Ok(None);
            }
            match self.receiver.poll() {
                Ok(Some(Received::Data(event))) => return Ok(Some(event)),
                Ok(Some(Received::Control(op, payload))) => {
                    return self.on_control(op, payload, defer);
                }
                Ok(None) if self.early_overflow => {
                    self.early_overflow = false;
                    let error = ProtocolError::EarlyDataTooLarge;
                    return Err(self.fail_or_defer(error, defer));
                }
                Ok(None) => {}
                Err(e) => return Err(self.fail_or_defer(e, defer)),
            }
        }
        if self.life.take_abnormal_eof() {
            return Err(Error::Protocol(ProtocolError::AbnormalClosure));
        }
        Ok(None)
    }

    // ---- internals ----------------------------------------------------------------

    #[inline]
    pub(super) fn check_send(&self) -> Result<(), UsageError> {
        if self.life.can_send() {
            return Ok(());
        }
        Err(UsageError::InvalidState(match self.life.state() {
            State::Connecting => "the handshake is not complete",
            _ => "a close frame was sent or the connection is closed",
        }))
    }

    pub(super) fn control(&mut self, op: OpCode, payload: &[u8]) -> Result<(), UsageError> {
        if payload.len() > 125 {
            return Err(UsageError::ControlPayloadTooLong(payload.len()));
        }
        self.check_send()?;
        self.sender.frame(op, true, payload);
        Ok(())
    }

    pub(super) fn on_control(
        &mut self,
        op: OpCode,
        payload: Bytes,
        defer: bool,
    ) -> Result<Option<Event>, Error> {
        match op {
            OpCode::Ping => {
                if self.config.auto_pong && self.life.can_send() {
                    self.sender.frame(OpCode::Pong, true, &payload);
                }
                Ok(Some(Event::Ping(payload)))
            }
            OpCode::Pong => Ok(Some(Event::Pong(payload))),
            _ => {
                let frame =
                    CloseFrame::parse(&payload).map_err(|e| self.fail_or_defer(e, defer))?;
                self.life.close_received();
                if self.config.auto_close_reply && self.life.can_send() {
                    // §5.5.1: reply with a close frame, echoing the status code.
                    let reply = if frame.code == close::code::NO_STATUS {
                        Vec::new()
                    } else {
                        frame.code.to_be_bytes().to_vec()
                    };
                    self.sender.frame(OpCode::Close, true, &reply);
                    self.life.close_sent();
                }
                Ok(Some(Event::Close(frame)))
            }
        }
    }

    /// Fails the connection now, or (for `next_event_batched`) at the next `next_event`.
    pub(super) fn fail_or_defer(&mut self, error: ProtocolError, defer: bool) -> Error {
        if defer {
            self.deferred = Some(error);
            return Error::Protocol(error);
        }
        self.fail(error)
    }

    /// §7.1.7 Fail the WebSocket Connection: send a close frame with the error's code if
    /// none was sent yet, and tell the host to close the transport.
    pub(super) fn fail(&mut self, error: ProtocolError) -> Error {
        if self.life.can_send() {
            let mut payload = error.close_code().to_be_bytes().to_vec();
            payload.extend_from_slice(error.reason().as_bytes());
            self.sender.frame(OpCode::Close, true, &payload);
            self.life.close_sent();
        }
        self.life.failed();
        Error::Protocol(error)
    }
}
