//! The output of a [`Connection`]: the bytes to write to the transport, as one buffer, as
//! buffers for `writev`, or into the host's own buffer.

use bytes::Bytes;

use super::{Connection, OutputBuf};

/// # Output
///
/// The bytes to write to the transport, after each input (the handshake answer, pongs, the
/// close reply) and each action: all at once ([`data_to_send`](Self::data_to_send)), as
/// buffers for `writev` ([`data_to_send_vectored`](Self::data_to_send_vectored)), or into the
/// host's own buffer ([`data_to_send_into`](Self::data_to_send_into)). They may be mixed.
impl Connection {
    /// Everything queued for the transport, in order; empty if nothing is. Write it all,
    /// then call it again after the next input or action.
    ///
    /// When payloads were queued with [`ConnectionExt::send_binary_shared`](crate::advanced::ConnectionExt::send_binary_shared) or
    /// [`ConnectionExt::send_text_shared`](crate::advanced::ConnectionExt::send_text_shared), this gathers them and the frames around
    /// them into one new buffer (a copy); [`data_to_send_vectored`](Self::data_to_send_vectored)
    /// hands a server's shared payloads back without one, and
    /// [`data_to_send_into`](Self::data_to_send_into) copies into the host's own buffer.
    #[must_use = "the bytes are taken from the outbox: write them to the transport"]
    #[inline]
    pub fn data_to_send(&mut self) -> Bytes {
        self.sender.take()
    }

    /// Everything queued for the transport, in order, as buffers to write one after the
    /// other (`writev`, `sendmsg`): a server's shared payloads are the `Bytes` the host
    /// gave (no copy: a host that keeps its own handle to a payload can recognise it by
    /// its address, as the Python binding does), a client's are masked into new buffers,
    /// and the frames between them come in the fewest buffers the outbox holds them in.
    /// Empty if nothing is queued.
    #[must_use = "the bytes are taken from the outbox: write them to the transport"]
    pub fn data_to_send_vectored(&mut self) -> Vec<Bytes> {
        self.sender.take_vectored()
    }

    /// Moves the first `buf.len()` queued bytes (all of them if fewer are queued) into
    /// `buf`, in order, and returns how many it wrote; the rest stays queued for the next
    /// call. A client's shared payloads are masked on the way, straight into `buf`: with a
    /// buffer of [`buffered_amount`](Self::buffered_amount) bytes, everything leaves in one
    /// pass.
    ///
    /// `buf` is a `[u8]`, or a `[MaybeUninit<u8>]` for memory that is not initialized yet
    /// (a runtime's new, unfilled buffer, such as `BytesMut::spare_capacity_mut`): then the
    /// first `n` elements are initialized on return, `n` being the result, and the buffer is
    /// never read. Pass an array or a `Vec` as a slice (`&mut buf[..]`).
    ///
    /// ```
    /// use std::mem::MaybeUninit;
    /// use sansocket::{Config, Connection};
    ///
    /// let mut conn = Connection::open_server(Config::default(), None);
    /// conn.send_text("hello").unwrap();
    /// let mut head = [0u8; 4];
    /// assert_eq!(conn.data_to_send_into(&mut head[..]), 4);
    /// assert_eq!(head, *b"\x81\x05he");
    /// let mut rest = [MaybeUninit::<u8>::uninit(); 16];
    /// assert_eq!(conn.data_to_send_into(&mut rest[..]), 3);
    /// assert_eq!(conn.buffered_amount(), 0);
    /// ```
    #[must_use = "the result is how many bytes of `buf` to write: the rest of it is not output"]
    pub fn data_to_send_into<B: OutputBuf + ?Sized>(&mut self, buf: &mut B) -> usize {
        self.sender.drain_into(buf)
    }
}
