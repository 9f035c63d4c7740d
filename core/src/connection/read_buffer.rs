//! The zero-copy input path: what `give_read_buffer` does with the bytes the host read
//! into the engine's own receive buffer.

use super::{Connection, Handshake};

impl Connection {
    /// The bytes after `old` in the receive buffer were just read: what
    /// [`receive_data`](Connection::receive_data) does with a read, in place.
    pub(super) fn appended(&mut self, old: usize) {
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
