//! The receiving side after the handshake: frames in, messages out (RFC 6455 §5.4, §6.2).
//!
//! Received bytes sit in one buffer. Payloads are unmasked as they arrive, mostly while
//! they are copied in from the read (`receive.rs`; text is UTF-8-checked at the same time,
//! so an invalid byte fails at once), then split off the buffer as `Bytes` (`poll.rs`): a
//! message that arrives in one frame is never copied again. Whole data frames are decoded
//! ahead while the read is copied in (`scan.rs`), so that their payloads are unmasked while
//! still in L1 cache; the host may also read straight into the buffer (`read_buffer.rs`).
//! Fragments are unmasked while they are copied into the message being assembled, straight
//! from the read when nothing is buffered before them (`join.rs`); compressed messages are
//! inflated as they arrive (`inflate.rs`). The frame rules that depend on the connection
//! (masking, reserved bits, fragment order, limits) are in `check.rs`.

use bytes::{Bytes, BytesMut};

use crate::config::{Config, Delivery};
use crate::deflate::Inflater;
use crate::error::ProtocolError;
use crate::event::{Event, MessageKind, Utf8Bytes};
use crate::frame::{FrameHeader, OpCode};
use crate::utf8::Utf8Validator;

mod check;
mod host_frame;
mod inflate;
mod join;
mod poll;
mod read_buffer;
mod receive;
mod scan;

use scan::Scan;

/// A frame still arriving gets room for at most this many times the bytes of it that
/// arrived (at least 64 KiB): a 1 MiB frame whose first 64 KiB read arrived is given its
/// whole size at once (one reallocation instead of four, each copying what arrived), while
/// a header alone announcing 16 MiB still reserves only 64 KiB.
const GROWTH: usize = 16;

/// The most room a frame still arriving may be given once `arrived` bytes of it are here:
/// [`GROWTH`] times those, and at least 64 KiB.
fn room_for(arrived: usize) -> usize {
    arrived.saturating_mul(GROWTH).max(64 << 10)
}

/// A message in one frame of a size in this range, finished by a read that goes on past it,
/// is split off at once (`split_finished`), and the rest of the read goes to an allocation
/// of its own. The head of a smaller one costs less to move than that allocation. A bigger
/// one stays where it is: the next frame's head is moved to the front of its allocation once
/// the host has dropped it, so that one allocation takes frame after frame instead of two
/// taking turns, whose two big regions do not stay in cache, at the cost of moving that
/// head (1 MiB client frames in 64 KiB reads: one allocation instead of two, 6 % more bytes
/// copied).
const SPLIT: std::ops::RangeInclusive<u64> = (4 << 10)..=(256 << 10);

/// A joined message from this size on is split off its buffer, whose allocation the next
/// message takes back once the host has dropped this one (`recycle`).
const RECYCLE_MIN: usize = 4 << 10;

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
    /// The buffer a frame was last split off from (`split_finished`), empty: the next one
    /// takes its allocation back once the host has dropped the frame, instead of a new one.
    spare: BytesMut,
    /// The allocations the last two joined messages (from [`RECYCLE_MIN`] bytes) were split
    /// from, empty, the newer first: a message joined takes back one whose message the host
    /// has dropped, instead of a new one. Two, because a read that finishes one message and
    /// starts the next needs a buffer for the next before the host has the first (64 KiB
    /// client frames in 64 KiB reads: 0.3 MiB allocated for 12 messages instead of 0.75).
    /// Boxed, made by the first such message: an idle connection's size stays small.
    recycle: Option<Box<[BytesMut; 2]>>,
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
    /// A frame whose payload the host takes itself (see `host_frame.rs`).
    host: Option<Box<host_frame::HostFrame>>,
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
            spare: BytesMut::new(),
            recycle: None,
            joined: None,
            lent: None,
            between: read_buffer::ROOM_MIN,
            last_frame: 0,
            last_whole: 0,
            host: None,
        }
    }

    /// permessage-deflate was negotiated: RSV1 marks compressed messages (RFC 7692 §6).
    #[cfg(feature = "deflate")]
    pub(crate) fn enable_inflate(&mut self, inflater: Inflater) {
        self.inflater = Some(Box::new(inflater));
        self.rsv_allowed = 0b100;
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
