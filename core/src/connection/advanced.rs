//! [`ConnectionExt`]: the advanced methods of [`Connection`], for hosts that count copies.

use bytes::{Bytes, BytesMut};

use super::{Connection, Handshake};
use crate::error::{Error, UsageError};
use crate::event::{Event, MessageKind, Utf8Bytes};
use crate::frame::MAX_HEADER_LEN;

/// A piece of a frame whose payload the host takes itself, from
/// [`ConnectionExt::receive_frame_piece`].
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct FramePiece<'a> {
    /// The message's kind (binary: text frames are not handed out this way).
    pub kind: MessageKind,
    /// The frame's payload length: the whole message's (the frame is its only one).
    pub len: usize,
    /// Where `payload` starts in the frame's payload (0 for the first piece).
    pub offset: usize,
    /// The piece of the payload, still masked with `mask` from key position `offset % 4`
    /// (a server's: unmask it with [`mask::copy_masked`](crate::mask::copy_masked)); may be
    /// empty (a first piece that is the header alone).
    pub payload: &'a [u8],
    /// The frame's mask key (`None` on a client: frames from a server are not masked).
    pub mask: Option<[u8; 4]>,
    /// How many bytes of the `data` given were taken (the first piece's header and
    /// payload, then the payload): the rest of `data` follows the piece.
    pub taken: usize,
}

impl FramePiece<'_> {
    /// Whether this is the frame's first piece, the one with its header (the host makes
    /// its message's object now; the piece may be empty, and then so is `offset` of the
    /// next one).
    #[must_use]
    pub fn is_first(&self) -> bool {
        self.taken > self.payload.len()
    }

    /// Whether this piece finishes the frame (and its message): the engine is idle again.
    #[must_use]
    pub fn is_last(&self) -> bool {
        self.offset + self.payload.len() == self.len
    }
}

mod sealed {
    /// Only [`Connection`](crate::Connection) implements
    /// [`ConnectionExt`](super::ConnectionExt).
    #[allow(unreachable_pub)]
    pub trait Sealed {}

    impl Sealed for crate::Connection {}
}

/// The advanced methods of [`Connection`]: fewer copies, batches.
///
/// For hosts that measure every copy (reading into the engine's receive buffer, large
/// payloads shared instead of copied) or hand events over in batches. None of them is
/// needed to drive a connection: the plain loop (`receive_data`, `next_event`, `send_*`,
/// `data_to_send`) is as correct, and fast. Bring them into scope with
/// `use sansocket::advanced::ConnectionExt;`. Implemented for [`Connection`] only (sealed).
///
/// | what | methods |
/// | --- | --- |
/// | input without a copy | [`take_read_buffer`](Self::take_read_buffer), [`give_read_buffer`](Self::give_read_buffer) |
/// | output without a copy | [`send_binary_shared`](Self::send_binary_shared), [`send_text_shared`](Self::send_text_shared), [`send_head`](Self::send_head) |
/// | events in batches | [`next_event_batched`](Self::next_event_batched) |
/// | whole messages straight from the read | [`receive_whole_frames`](Self::receive_whole_frames), [`receive_frame_piece`](Self::receive_frame_piece), [`frame_rest`](Self::frame_rest) |
pub trait ConnectionExt: sealed::Sealed {
    /// The receive buffer, for the host to read from its transport straight into it: the
    /// zero-copy alternative to [`receive_data`](Connection::receive_data), which has to
    /// copy every read. Append to it (tokio's `AsyncReadExt::read_buf`, or any
    /// [`BufMut`](bytes::BufMut) writer), then hand it back with
    /// [`give_read_buffer`](Self::give_read_buffer) and call
    /// [`next_event`](Connection::next_event) as after `receive_data`.
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
    /// While a frame is with the host
    /// ([`receive_frame_piece`](Self::receive_frame_piece)), it returns an empty buffer
    /// (and `give_read_buffer` then fails): the frame's bytes go to `receive_frame_piece`.
    ///
    /// One buffer at a time: until it is given back, `next_event` returns `Ok(None)` (the
    /// undecoded bytes are with the host, and
    /// [`buffered_input`](Connection::buffered_input) does not count them), bytes passed to
    /// `receive_data` are kept for after the buffer's, and another call returns an empty
    /// buffer. In any state the bytes given back are treated exactly as `receive_data` would
    /// treat them (handshake, the early data limit, bytes after a close), and the events and
    /// errors are the same.
    ///
    /// ```
    /// use bytes::BufMut;
    /// use sansocket::advanced::ConnectionExt;
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
    fn take_read_buffer(&mut self) -> BytesMut;

    /// Gives back the buffer taken with [`take_read_buffer`](Self::take_read_buffer), with
    /// the bytes read appended; [`next_event`](Connection::next_event) then decodes them (in
    /// place: they are not copied).
    ///
    /// Fails with [`UsageError::ReadBufferNotTaken`] if no buffer was taken, and with
    /// [`UsageError::ReadBufferShrunk`] if the buffer is shorter than it was handed out (the
    /// host may only append): then nothing changes, the buffer given is dropped and the one
    /// taken is still expected. Bytes before the appended ones must not be changed: the
    /// engine cannot tell, and would decode them as they are.
    fn give_read_buffer(&mut self, buf: BytesMut) -> Result<(), UsageError>;

    /// Queue a binary message whose payload the outbox keeps as it is instead of copying it
    /// (from 4 KiB on; shorter ones, and messages that permessage-deflate compresses, are
    /// copied as by [`send_binary`](Connection::send_binary)). A host that holds its data in
    /// a reference-counted buffer hands it over with `Bytes::from_owner`, and gets a
    /// server's payload back untouched from
    /// [`data_to_send_vectored`](Connection::data_to_send_vectored); a client's payload is
    /// masked when it is drained (straight into the host's buffer by
    /// [`data_to_send_into`](Connection::data_to_send_into)). The frames on the wire are the
    /// same as `send_binary`'s.
    fn send_binary_shared(&mut self, data: Bytes) -> Result<(), UsageError>;

    /// Queue a text message without copying its bytes (see
    /// [`send_binary_shared`](Self::send_binary_shared)); [`Utf8Bytes::from_utf8`] checks
    /// a `Bytes` is UTF-8.
    fn send_text_shared(&mut self, text: Utf8Bytes) -> Result<(), UsageError>;

    /// The header of a whole message of `len` bytes whose payload the host writes to the
    /// transport itself, as it is: for a server that holds its payload where the engine
    /// cannot reach it without a copy (the WASM binding's JavaScript buffers). Writes the
    /// header into `header` and returns its length (2 to 10 bytes); queues nothing, and
    /// [`buffered_amount`](Connection::buffered_amount) does not change.
    ///
    /// Write, in this order: the bytes of [`data_to_send`](Connection::data_to_send) (call
    /// it first: a pong or anything queued before must go out before this message), then
    /// `header[..n]`, then the `len` bytes of the payload, before anything drained later.
    /// The frame is the one [`send_binary`](Connection::send_binary) or
    /// [`send_text`](Connection::send_text) would queue. A text payload must be UTF-8: the
    /// engine does not see it.
    ///
    /// Fails with [`UsageError::InvalidState`] before the handshake is complete, after a
    /// close frame was sent, on a client (its payloads are masked) and when
    /// permessage-deflate was negotiated (payloads are compressed); with
    /// [`UsageError::FragmentOrder`] while a message sent with
    /// [`send_fragment`](Connection::send_fragment) is unfinished. Then the host sends the
    /// message with `send_binary`/`send_text` instead.
    ///
    /// ```
    /// use sansocket::advanced::ConnectionExt;
    /// use sansocket::frame::MAX_HEADER_LEN;
    /// use sansocket::{Config, Connection, MessageKind};
    ///
    /// let mut conn = Connection::open_server(Config::default(), None);
    /// let mut header = [0u8; MAX_HEADER_LEN];
    /// let n = conn.send_head(MessageKind::Text, 5, &mut header).unwrap();
    /// // A text frame of "Hello" (RFC 6455 §5.7): the header, then the payload as it is.
    /// assert_eq!(&header[..n], [0x81, 0x05]);
    /// assert!(conn.data_to_send().is_empty());
    /// ```
    fn send_head(
        &mut self,
        kind: MessageKind,
        len: usize,
        header: &mut [u8; MAX_HEADER_LEN],
    ) -> Result<usize, UsageError>;

    /// [`receive_data`](Connection::receive_data) for hosts that make their own object of
    /// each message straight from the read, without the engine's copy: the whole frames at
    /// the front of `data` that [`next_event`](Connection::next_event) would return as a
    /// whole message (final, uncompressed text or binary frames, masked as the role
    /// expects, within the limits; with [`Delivery::Chunks`](crate::Delivery::Chunks),
    /// the one `Chunk` with `fin` set that such a frame would be) are handed to
    /// `each(kind, payload, mask)` in order,
    /// `payload` still masked with `mask` (a server's: unmask it with
    /// [`mask::copy_masked`](crate::mask::copy_masked)). Returns how many bytes of `data`
    /// were taken: pass the rest to `receive_data`.
    ///
    /// `each` returns `false` to leave a frame to the engine (text the host found not to be
    /// UTF-8: the engine then reports the error as it would have); the frames before it
    /// were taken. Takes nothing (returns 0) unless nothing is buffered or under way (no
    /// partial frame, fragmented message or undecoded bytes, no pending error: each frame
    /// would have been the next event) and the connection is open and receiving. Text is
    /// not checked here: the host checks it before it keeps it.
    fn receive_whole_frames<F>(&mut self, data: &[u8], each: F) -> usize
    where
        F: FnMut(MessageKind, &[u8], Option<[u8; 4]>) -> bool;

    /// How many bytes finish the data frame in progress, when it is the last of its message,
    /// uncompressed, its header decoded, and nothing but its payload's start is buffered:
    /// the engine handed out its first piece as a chunk
    /// ([`Delivery::Chunks`](crate::Delivery::Chunks)), or it holds the frame's first bytes
    /// ([`Delivery::Messages`](crate::Delivery::Messages), after a
    /// [`next_event`](Connection::next_event) that returned `None` for want of them).
    /// `None` otherwise. Give exactly these to [`receive_data`](Connection::receive_data):
    /// the next event is then the frame's last piece or its message (or the error it
    /// holds), after which [`receive_whole_frames`](Self::receive_whole_frames) takes whole
    /// frames again.
    fn frame_rest(&self) -> Option<usize>;

    /// For hosts that make a message's object themselves when its frame straddles reads
    /// (the companion of [`receive_whole_frames`](Self::receive_whole_frames), which takes
    /// the frames whole in a read): the host takes the frame's payload piece by piece,
    /// straight from each read, and the engine only decodes its header and counts its bytes.
    ///
    /// When no frame is with the host: if `data` starts with the whole header of a frame
    /// that `receive_whole_frames` would take (same conditions: nothing buffered or under
    /// way, the connection open and receiving, a final uncompressed frame masked as the role
    /// expects, within [`max_frame_size`](crate::Config::max_frame_size) and
    /// [`max_message_size`](crate::Config::max_message_size)) but whose payload is not all
    /// in `data`, and it is a **binary** frame (text frames keep the engine's path, which
    /// checks their UTF-8; so does a frame whose header a read cuts: its first bytes went
    /// to `receive_data`), and its length is at most 16 times the payload bytes present
    /// (or 64 KiB: the room the engine itself would give the frame by now, as the host
    /// makes the message's object at once: a header announcing 16 MiB keeps the engine's
    /// path, which grows its buffer as the bytes come), the frame goes to the host: the
    /// call takes all of `data` (its header and the payload bytes present, perhaps none)
    /// and returns them as the frame's first piece. Otherwise `None`, and nothing is taken.
    ///
    /// While a frame is with the host: the call returns its next piece, the first
    /// `min(rest of the frame, data.len())` bytes of `data`
    /// ([`FramePiece::taken`]); the piece with [`FramePiece::is_last`] finishes the frame,
    /// and the engine is idle again: give the rest of `data` to `receive_whole_frames`,
    /// this method, or [`receive_data`](Connection::receive_data), as any read.
    ///
    /// The engine makes no event of a frame with the host (the host makes the message;
    /// with [`Delivery::Chunks`](crate::Delivery::Chunks), one per piece if it likes), and
    /// nothing else happens meanwhile (control frames cannot come inside a frame). Give
    /// each read to this method first until the frame is finished: bytes given to
    /// `receive_data` meanwhile are kept and decoded after the frame, as if they came
    /// after it, and [`take_read_buffer`](Self::take_read_buffer) returns an empty buffer.
    /// [`next_event`](Connection::next_event) returns `Ok(None)` (or the abnormal closure,
    /// after [`receive_eof`](Connection::receive_eof)). Once the connection has failed or
    /// the peer's close frame came, this returns `None`: the frame stays unfinished, and
    /// `receive_data` drops what arrives.
    ///
    /// ```
    /// use sansocket::advanced::ConnectionExt;
    /// use sansocket::mask::copy_masked;
    /// use sansocket::{Config, Connection};
    ///
    /// let mut conn = Connection::open_server(Config::default(), None);
    /// // A masked binary frame of 6 bytes, in two reads.
    /// let key = [1, 2, 3, 4];
    /// let mut wire = vec![0x82, 0x86, 1, 2, 3, 4];
    /// wire.extend(b"sansio".iter().zip(key.iter().cycle()).map(|(b, k)| b ^ k));
    /// let (first, second) = wire.split_at(8);
    ///
    /// let mut message = vec![0; 0];
    /// for read in [first, second] {
    ///     let piece = conn.receive_frame_piece(read).unwrap();
    ///     message.resize(piece.len, 0);
    ///     let to = &mut message[piece.offset..piece.offset + piece.payload.len()];
    ///     copy_masked(to, piece.payload, piece.mask.unwrap(), piece.offset % 4);
    ///     assert_eq!(piece.taken, read.len());
    /// }
    /// assert_eq!(message, b"sansio");
    /// assert!(conn.next_event().unwrap().is_none());
    /// ```
    #[must_use = "the piece's bytes were taken: the host must keep them"]
    fn receive_frame_piece<'a>(&mut self, data: &'a [u8]) -> Option<FramePiece<'a>>;

    /// [`next_event`](Connection::next_event) for hosts that hand events over in batches
    /// (the WASM binding does: it decodes a read's events into one table for JavaScript). A
    /// protocol error is returned at once but not acted on yet, so that the application can
    /// still answer the events decoded before it, as it can between `next_event` calls: the
    /// connection stays as it was, and this method returns `Ok(None)` from then on. The
    /// next `next_event` call fails the connection as it would have (queues the close frame)
    /// and returns the error again: call it once after the application has handled the
    /// batch. Handshake errors and the abnormal closure are acted on at once, as by
    /// `next_event`, which then returns `Ok(None)`.
    fn next_event_batched(&mut self) -> Result<Option<Event>, Error>;
}

impl ConnectionExt for Connection {
    fn take_read_buffer(&mut self) -> BytesMut {
        if self.receiver.has_host_frame() {
            return BytesMut::new();
        }
        let framing = matches!(self.handshake, Handshake::Done);
        self.receiver.lend(framing)
    }

    fn give_read_buffer(&mut self, buf: BytesMut) -> Result<(), UsageError> {
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

    fn send_binary_shared(&mut self, data: Bytes) -> Result<(), UsageError> {
        self.check_send()?;
        self.sender.message_shared(MessageKind::Binary, data)
    }

    fn send_text_shared(&mut self, text: Utf8Bytes) -> Result<(), UsageError> {
        self.check_send()?;
        self.sender
            .message_shared(MessageKind::Text, text.into_bytes())
    }

    fn send_head(
        &mut self,
        kind: MessageKind,
        len: usize,
        header: &mut [u8; MAX_HEADER_LEN],
    ) -> Result<usize, UsageError> {
        self.check_send()?;
        self.sender.head(kind, len, header)
    }

    fn receive_whole_frames<F>(&mut self, data: &[u8], mut each: F) -> usize
    where
        F: FnMut(MessageKind, &[u8], Option<[u8; 4]>) -> bool,
    {
        if !self.receiving_normally() || !self.receiver.is_idle() {
            return 0;
        }
        let mut taken = 0;
        while let Some(frame) = self.receiver.simple_frame(&data[taken..]) {
            if !each(frame.kind, frame.payload, frame.mask) {
                break;
            }
            taken += frame.len;
        }
        taken
    }

    fn receive_frame_piece<'a>(&mut self, data: &'a [u8]) -> Option<FramePiece<'a>> {
        if !self.life.can_receive() {
            // The connection failed or the peer closed (at the end of the transport, say):
            // `receive_data` drops what arrives now, and a frame with the host stays
            // unfinished, as a frame in the engine's buffer does.
            return None;
        }
        match self.receiver.host_piece(data) {
            Some((piece, meanwhile)) => {
                if !meanwhile.is_empty() {
                    self.receive_data(&meanwhile);
                }
                Some(piece)
            }
            None if self.receiving_normally() && self.receiver.is_idle() => {
                self.receiver.begin_host_frame(data)
            }
            None => None,
        }
    }

    fn frame_rest(&self) -> Option<usize> {
        self.receiver
            .frame_rest()
            .filter(|_| self.receiving_normally())
    }

    fn next_event_batched(&mut self) -> Result<Option<Event>, Error> {
        self.next(true)
    }
}

impl Connection {
    /// Open and receiving, with no error or overflow waiting to be reported: what
    /// [`ConnectionExt::receive_whole_frames`] and [`ConnectionExt::frame_rest`] need before
    /// they let a host take frames past the engine.
    fn receiving_normally(&self) -> bool {
        matches!(self.handshake, Handshake::Done)
            && self.deferred.is_none()
            && !self.early_overflow
            && self.life.can_receive()
    }
}
