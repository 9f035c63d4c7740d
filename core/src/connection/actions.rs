//! The actions of a [`Connection`]: what the application sends (messages, fragments,
//! pings, pongs, the close frame). Each only queues bytes for the output.

use super::Connection;
use crate::close;
use crate::error::UsageError;
use crate::event::MessageKind;
use crate::frame::OpCode;

/// # Actions
///
/// What the application does. Each only queues bytes (write
/// [`data_to_send`](Self::data_to_send) afterwards); an action the state does not allow
/// returns a [`UsageError`] and queues nothing.
impl Connection {
    /// Queue a text message.
    #[inline]
    pub fn send_text(&mut self, text: &str) -> Result<(), UsageError> {
        self.check_send()?;
        self.sender.message(MessageKind::Text, text.as_bytes())
    }

    /// Queue a binary message.
    #[inline]
    pub fn send_binary(&mut self, data: &[u8]) -> Result<(), UsageError> {
        self.check_send()?;
        self.sender.message(MessageKind::Binary, data)
    }

    /// Queue one fragment of a message (RFC 6455 §5.4): the first call starts a message of
    /// `kind`, later calls with the same kind continue it, `fin` ends it. Control frames and
    /// `close` may be sent between fragments; other messages may not. For text, the
    /// fragments together must be UTF-8 (a character may span fragments).
    pub fn send_fragment(
        &mut self,
        kind: MessageKind,
        data: &[u8],
        fin: bool,
    ) -> Result<(), UsageError> {
        self.check_send()?;
        self.sender.fragment(kind, data, fin)
    }

    /// Queue a ping (payload at most 125 bytes).
    pub fn ping(&mut self, payload: &[u8]) -> Result<(), UsageError> {
        self.control(OpCode::Ping, payload)
    }

    /// Queue a pong (payload at most 125 bytes); an unsolicited pong is a heartbeat.
    pub fn pong(&mut self, payload: &[u8]) -> Result<(), UsageError> {
        self.control(OpCode::Pong, payload)
    }

    /// Start the close handshake: queue a close frame with `code` and `reason` (at most 123
    /// bytes), or, with [`Config::auto_close_reply`](crate::Config::auto_close_reply) off and the peer's close frame received,
    /// reply to it (the connection is then closed). Code 1005 sends a close frame without a
    /// code. Calling it again once a close frame was sent does nothing. After it, nothing but
    /// the peer's messages and close reply arrive, and nothing more can be sent.
    pub fn close(&mut self, code: u16, reason: &str) -> Result<(), UsageError> {
        if self.life.has_sent_close() {
            return Ok(());
        }
        if !self.life.can_send() {
            return Err(UsageError::InvalidState("the connection is not open"));
        }
        let payload = close::close_payload(code, reason)?;
        self.sender.frame(OpCode::Close, true, &payload);
        self.life.close_sent();
        Ok(())
    }
}
