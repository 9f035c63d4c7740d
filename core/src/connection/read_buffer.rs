//! The zero-copy input path: the host reads into the engine's own receive buffer.

use bytes::BytesMut;

use super::{Connection, Handshake};
use crate::error::UsageError;

/// # Advanced: the receive buffer
///
/// Reading from the transport straight into the engine's buffer, instead of
/// [`receive_data`](Connection::receive_data)'s copy: [`take_read_buffer`](Self::take_read_buffer),
/// append the read, [`give_read_buffer`](Self::give_read_buffer).
impl Connection {
    /// The receive buffer, for the host to read from its transport straight into it: the
    /// zero-copy alternative to [`receive_data`](Self::receive_data), which has to copy
    /// every read. Append to it (tokio's `AsyncReadExt::read_buf`, or any
    /// [`BufMut`](bytes::BufMut) writer), then hand it back with
    /// [`give_read_buffer`](Self::give_read_buffer) and call
    /// [`next_event`](Self::next_event) as after `receive_data`.
    ///
    /// It holds the bytes received but not decoded yet, which the host must leave as they
    /// are, and its spare capacity (`capacity() - len()`) is the room the engine offers for
    /// the next read: for frames of 8 KiB and more, the rest of the frame in progress, and
    /// between them the size of the last one (so that each read is one frame, unmasked in
    /// place while it is in cache, at the front of a buffer that stays in cache); between
    /// smaller frames, a size that adapts to the traffic (4 to 16 KiB: doubled when a read
    /// fills it, halved after reads of less than 4 KiB). It is never more than 32 KiB,
    /// whatever a header announces, and never 0; appending more is allowed (the buffer
    /// grows). The buffer may share its allocation with payloads handed out earlier.
    ///
    /// One buffer at a time: until it is given back, `next_event` returns `Ok(None)` (the
    /// undecoded bytes are with the host, and [`buffered_input`](Self::buffered_input) does
    /// not count them), bytes passed to `receive_data` are kept for after the buffer's, and
    /// another call returns an empty buffer. In any state the bytes given
    /// back are treated exactly as `receive_data` would treat them (handshake, the early
    /// data limit, bytes after a close), and the events and errors are the same.
    ///
    /// ```
    /// use bytes::BufMut;
    /// use sansocket::{Config, Connection, Event};
    ///
    /// let mut conn = Connection::open_server(Config::default(), None);
    /// // What a socket delivers: a masked text frame "Hello" (RFC 6455 §5.7).
    /// let wire = [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58];
    ///
    /// let mut buf = conn.take_read_buffer();
    /// let room = buf.capacity() - buf.len();
    /// // tokio: `let n = socket.read_buf(&mut buf).await?;` (0: `conn.receive_eof()`)
    /// let n = wire.len().min(room);
    /// buf.put_slice(&wire[..n]);
    /// conn.give_read_buffer(buf).unwrap();
    ///
    /// let Ok(Some(Event::Text(text))) = conn.next_event() else { panic!() };
    /// assert_eq!(text.as_str(), "Hello");
    /// assert!(conn.next_event().unwrap().is_none());
    /// ```
    #[must_use = "the buffer holds the undecoded input: give it back with `give_read_buffer`"]
    pub fn take_read_buffer(&mut self) -> BytesMut {
        let framing = matches!(self.handshake, Handshake::Done);
        self.receiver.lend(framing)
    }

    /// Gives back the buffer taken with [`take_read_buffer`](Self::take_read_buffer), with
    /// the bytes read appended; [`next_event`](Self::next_event) then decodes them (in place:
    /// they are not copied).
    ///
    /// Fails with [`UsageError::ReadBufferNotTaken`] if no buffer was taken, and with
    /// [`UsageError::ReadBufferShrunk`] if the buffer is shorter than it was handed out (the
    /// host may only append): then nothing changes, the buffer given is dropped and the one
    /// taken is still expected. Bytes before the appended ones must not be changed: the
    /// engine cannot tell, and would decode them as they are.
    pub fn give_read_buffer(&mut self, buf: BytesMut) -> Result<(), UsageError> {
        let given = buf.len();
        let (meanwhile, old) = match self.receiver.take_back(buf) {
            Ok(back) => back,
            Err(_) => {
                return Err(match self.receiver.lent_len() {
                    Some(taken) => UsageError::ReadBufferShrunk { taken, given },
                    None => UsageError::ReadBufferNotTaken,
                });
            }
        };
        self.appended(old);
        if !meanwhile.is_empty() {
            self.receive_data(&meanwhile);
        }
        Ok(())
    }

    /// The bytes after `old` in the receive buffer were just read: what
    /// [`receive_data`](Self::receive_data) does with a read, in place.
    fn appended(&mut self, old: usize) {
        let buf = &mut self.receiver.buf;
        let n = buf.len() - old;
        if self.early_overflow {
            buf.truncate(old);
            return;
        }
        if matches!(self.handshake, Handshake::Pending(_)) {
            let before = self.receiver.buffered() - n;
            let room = self.config.max_handshake_size.saturating_sub(before);
            if n > room {
                self.receiver.buf.truncate(old + room);
                self.receiver.received_in_place(old, false);
                self.early_overflow = true;
                return;
            }
        }
        if self.life.in_handshake() || self.life.can_receive() {
            let framing = matches!(self.handshake, Handshake::Done);
            self.receiver.received_in_place(old, framing);
        } else {
            self.receiver.buf.truncate(old);
        }
    }
}
