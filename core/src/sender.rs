//! The sending side: frames out (RFC 6455 §5.2, §5.3), written straight into the outbox.
//!
//! The outbox is a byte buffer (headers, small payloads, control frames) with, before it, a
//! queue of pieces: the parts of that buffer frozen when a large payload the host shared
//! ([`Sender::message_shared`]) was queued, and those payloads themselves, kept as the
//! host's `Bytes` without a copy. A server's shared payload goes out as it is (a vectored
//! drain hands the same `Bytes` back); a client's is masked while it is drained, straight
//! into the destination.

use std::collections::VecDeque;
use std::mem::MaybeUninit;

use bytes::{Buf, Bytes, BytesMut};

use crate::deflate::Deflater;
use crate::entropy::MaskKeys;
use crate::error::UsageError;
use crate::event::MessageKind;
use crate::frame::{MAX_HEADER_LEN, OpCode, write_header};
use crate::mask::{ALIAS_WINDOW, alias_skip, extend_copy, extend_masked, xor_to};
use crate::utf8::Utf8Validator;

/// Shared payloads shorter than this are copied into the outbox like any other (a piece of
/// its own costs more than copying a few kilobytes).
pub(crate) const SHARE_MIN: usize = 4096;

/// A client's shared payload is masked into the destination in blocks of this size (a
/// multiple of 8: the key pattern repeats every 4 bytes).
const MASK_BLOCK: usize = 64;

/// Largest outbox buffer kept for reuse once its bytes were taken: room for a frame of
/// 64 KiB of payload with its header and placement (see `Sender::frame_rsv`), so that
/// messages of that size reuse one buffer instead of allocating one each.
const KEEP_IDLE: usize = (64 << 10) + MAX_HEADER_LEN + ALIAS_WINDOW;

/// Least room the outbox reserves when a frame does not fit (see `Sender::frame_rsv`).
const OUT_MIN: usize = 1024;

/// Unmasked payloads from this size on are placed in the outbox where their copy is fastest
/// (see `Sender::frame_rsv`).
const PLACE_MIN: usize = 4096;

/// Output up to this size leaves as a copy in a new allocation, and the outbox buffer stays
/// unshared for the next frames; larger output is split off the buffer without a copy.
/// Splitting shares the buffer: a reference count changed atomically twice per output (the
/// split and the host's drop), which costs small messages more than an allocation and a
/// copy of a kilobyte or two (measured: a server sending 16 B, 125 B and 1 KiB messages,
/// best of five, ~40 %, ~10 % and ~15 % faster).
const COPY_OUT_MAX: usize = 2 * OUT_MIN;

/// Largest compression buffer kept for the next message (it is half the message's size
/// at first: kept for messages up to 32 KiB, whose compression costs far more than one
/// allocation).
const KEEP_SCRATCH: usize = 16 << 10;

/// One piece of the outbox queue, in front of `Sender::out`.
#[derive(Debug)]
enum Piece {
    /// Bytes that go out as they are: a frozen part of the outbox buffer, or a server's
    /// shared payload.
    Plain { bytes: Bytes },
    /// A client's shared payload, masked as it is drained; `phase` is the key position of
    /// its first byte not yet drained.
    Masked {
        bytes: Bytes,
        key: [u8; 4],
        phase: usize,
    },
}

impl Piece {
    fn len(&self) -> usize {
        match self {
            Piece::Plain { bytes } | Piece::Masked { bytes, .. } => bytes.len(),
        }
    }
}

#[derive(Debug)]
pub(crate) struct Sender {
    /// Bytes waiting for the host to write them, after those of `pieces`.
    out: BytesMut,
    /// What goes out before `out`, in order (empty unless shared payloads were queued).
    pieces: VecDeque<Piece>,
    /// How many bytes `pieces` hold.
    queued: usize,
    /// A client masks every frame (§5.3); a server has no keys.
    masks: Option<Box<MaskKeys>>,
    /// The kind of an outgoing fragmented message in progress, and (text) the UTF-8 state
    /// of the fragments sent so far.
    fragmenting: Option<(MessageKind, Utf8Validator)>,
    /// permessage-deflate, when negotiated.
    deflater: Option<Box<Deflater>>,
    /// Reused buffer for compressed payloads (a `Vec`: the compressor fills its spare
    /// capacity without zeroing it first).
    scratch: Vec<u8>,
    /// `out` holds an HTTP head (the handshake's): see `releases_out`.
    head: bool,
}

impl Sender {
    pub(crate) fn new(masks: Option<MaskKeys>) -> Self {
        Self {
            out: BytesMut::new(),
            pieces: VecDeque::new(),
            queued: 0,
            masks: masks.map(Box::new),
            fragmenting: None,
            deflater: None,
            scratch: Vec::new(),
            head: false,
        }
    }

    /// Queues raw bytes (the HTTP head of the handshake).
    pub(crate) fn raw(&mut self, bytes: &[u8]) {
        self.out.extend_from_slice(bytes);
        self.head = true;
    }

    /// Whether `out` leaves with the bytes taken from it rather than staying allocated: a
    /// large one, or one that held an HTTP head (an idle connection then keeps nothing of
    /// its handshake; the frames after it start a small buffer).
    fn releases_out(&mut self) -> bool {
        std::mem::take(&mut self.head) || self.out.capacity() > KEEP_IDLE
    }

    /// Random bytes from the client's source (the handshake key).
    pub(crate) fn fill_random(&mut self, buf: &mut [u8]) {
        if let Some(masks) = self.masks.as_mut() {
            masks.fill(buf);
        }
    }

    /// Compress whole messages from now on (RFC 7692).
    #[cfg(feature = "deflate")]
    pub(crate) fn enable_deflate(&mut self, deflater: Deflater) {
        self.deflater = Some(Box::new(deflater));
    }

    /// Queues one frame.
    #[inline]
    pub(crate) fn frame(&mut self, opcode: OpCode, fin: bool, payload: &[u8]) {
        self.frame_rsv(opcode, fin, 0, payload);
    }

    /// Queues one frame with RSV bits.
    #[inline]
    fn frame_rsv(&mut self, opcode: OpCode, fin: bool, rsv: u8, payload: &[u8]) {
        let mask = self.masks.as_mut().map(|m| m.key());
        let mut header = [0u8; MAX_HEADER_LEN];
        let n = write_header(&mut header, fin, rsv, opcode, mask, payload.len() as u64);
        let need = n + payload.len();
        // A big unmasked frame first in the buffer may start anywhere in it: where its
        // payload's copy is fastest (`alias_skip`, at most `ALIAS_WINDOW` bytes on).
        let placed = mask.is_none() && self.out.is_empty() && payload.len() >= PLACE_MIN;
        let room = need + if placed { ALIAS_WINDOW } else { 0 };
        if self.out.capacity() - self.out.len() < room {
            // Room for several small frames at once: the buffer is reclaimed (or grown) once
            // per `OUT_MIN` bytes rather than once per frame.
            self.out.reserve(room.max(OUT_MIN));
        }
        if placed {
            let at = self.out.spare_capacity_mut().as_ptr() as usize + n;
            let skip = alias_skip(at, payload.as_ptr() as usize, payload.len());
            if skip > 0 {
                self.out.resize(skip, 0);
                self.out.advance(skip);
            }
        }
        put_header(&mut self.out, &header, n);
        match mask {
            Some(key) => {
                extend_masked(&mut self.out, payload, key, 0);
            }
            None => extend_copy(&mut self.out, payload),
        }
    }

    /// Queues a whole message.
    #[inline]
    pub(crate) fn message(&mut self, kind: MessageKind, payload: &[u8]) -> Result<(), UsageError> {
        if self.fragmenting.is_some() {
            return Err(UsageError::FragmentOrder);
        }
        if let Some(deflater) = self.deflater.as_mut() {
            let mut scratch = std::mem::take(&mut self.scratch);
            scratch.clear();
            let compressed = deflater.compress(payload, &mut scratch);
            // Kept for the next message unless a large message grew it, or memory matters
            // more than an allocation per message.
            let keep = scratch.capacity() <= KEEP_SCRATCH && !deflater.low_memory();
            if compressed {
                self.frame_rsv(opcode(kind), true, 0b100, &scratch);
            }
            if keep {
                self.scratch = scratch;
            }
            if compressed {
                return Ok(());
            }
        }
        self.frame(opcode(kind), true, payload);
        Ok(())
    }

    /// The header of a whole message of `len` bytes whose payload the host writes itself
    /// (nothing is queued): only for unmasked frames (a server's) without compression, and
    /// not while a fragmented message is under way.
    pub(crate) fn head(
        &self,
        kind: MessageKind,
        len: usize,
        out: &mut [u8; MAX_HEADER_LEN],
    ) -> Result<usize, UsageError> {
        if self.masks.is_some() {
            return Err(UsageError::InvalidState(
                "a client masks its payloads: only a server sends a header alone",
            ));
        }
        if self.deflater.is_some() {
            return Err(UsageError::InvalidState(
                "permessage-deflate is on: payloads are compressed by the engine",
            ));
        }
        if self.fragmenting.is_some() {
            return Err(UsageError::FragmentOrder);
        }
        Ok(write_header(out, true, 0, opcode(kind), None, len as u64))
    }

    /// Queues a whole message whose payload the host shares: kept as it is (no copy) when it
    /// is at least [`SHARE_MIN`] bytes long and goes out uncompressed, copied otherwise.
    pub(crate) fn message_shared(
        &mut self,
        kind: MessageKind,
        payload: Bytes,
    ) -> Result<(), UsageError> {
        if self.deflater.is_some() || payload.len() < SHARE_MIN {
            return self.message(kind, &payload);
        }
        if self.fragmenting.is_some() {
            return Err(UsageError::FragmentOrder);
        }
        let mask = self.masks.as_mut().map(|m| m.key());
        let mut header = [0u8; MAX_HEADER_LEN];
        let n = write_header(
            &mut header,
            true,
            0,
            opcode(kind),
            mask,
            payload.len() as u64,
        );
        self.out.extend_from_slice(&header[..n]);
        self.freeze_out();
        self.queued += payload.len();
        self.pieces.push_back(match mask {
            Some(key) => Piece::Masked {
                bytes: payload,
                key,
                phase: 0,
            },
            None => Piece::Plain { bytes: payload },
        });
        Ok(())
    }

    /// Moves the bytes of `out` to the back of `pieces`.
    fn freeze_out(&mut self) {
        if self.out.is_empty() {
            return;
        }
        let bytes = if self.releases_out() {
            std::mem::take(&mut self.out).freeze()
        } else {
            self.out.split().freeze()
        };
        self.queued += bytes.len();
        self.pieces.push_back(Piece::Plain { bytes });
    }

    /// Queues one fragment of a message (§5.4): the first carries the kind, the rest are
    /// continuations, the last has `fin`.
    pub(crate) fn fragment(
        &mut self,
        kind: MessageKind,
        payload: &[u8],
        fin: bool,
    ) -> Result<(), UsageError> {
        let (op, mut utf8) = match self.fragmenting {
            None => (opcode(kind), Utf8Validator::default()),
            Some((current, utf8)) if current == kind => (OpCode::Continuation, utf8),
            Some(_) => return Err(UsageError::FragmentOrder),
        };
        // §8.1: checked before anything is queued; a character may span fragments.
        if kind == MessageKind::Text && (utf8.feed(payload).is_err() || fin && !utf8.is_boundary())
        {
            return Err(UsageError::InvalidUtf8);
        }
        self.frame(op, fin, payload);
        self.fragmenting = (!fin).then_some((kind, utf8));
        Ok(())
    }

    /// Everything queued so far.
    #[inline]
    pub(crate) fn take(&mut self) -> Bytes {
        if !self.pieces.is_empty() {
            return self.take_pieces();
        }
        self.take_out()
    }

    /// Everything, when `pieces` is not empty: one piece as it is if it is all there is
    /// (and needs no masking), otherwise everything gathered into one new buffer.
    fn take_pieces(&mut self) -> Bytes {
        if self.out.is_empty()
            && self.pieces.len() == 1
            && let Some(Piece::Plain { .. }) = self.pieces.front()
            && let Some(Piece::Plain { bytes }) = self.pieces.pop_front()
        {
            self.queued = 0;
            return bytes;
        }
        let mut all = BytesMut::with_capacity(self.len());
        for piece in self.pieces.drain(..) {
            match piece {
                Piece::Plain { bytes } => all.extend_from_slice(&bytes),
                Piece::Masked { bytes, key, phase } => {
                    extend_masked(&mut all, &bytes, key, phase);
                }
            }
        }
        self.queued = 0;
        all.extend_from_slice(&self.out);
        self.out.clear();
        if self.releases_out() {
            self.out = BytesMut::new();
        }
        all.freeze()
    }

    /// The bytes of `out`.
    #[inline]
    fn take_out(&mut self) -> Bytes {
        if self.out.len() <= COPY_OUT_MAX && !self.head {
            // A few small frames: copied out, and the buffer stays ours (see `COPY_OUT_MAX`).
            let bytes = Bytes::copy_from_slice(&self.out);
            self.out.clear();
            return bytes;
        }
        if self.releases_out() {
            // A large buffer leaves with the bytes handed out, instead of staying allocated
            // for an idle connection; the next frames start a small one.
            return std::mem::take(&mut self.out).freeze();
        }
        self.out.split().freeze()
    }

    /// Everything queued, as pieces: shared server payloads as the host gave them, the
    /// rest as few buffers as the queue allows (a client's shared payload masked into a new
    /// one).
    pub(crate) fn take_vectored(&mut self) -> Vec<Bytes> {
        if self.pieces.is_empty() {
            return if self.out.is_empty() {
                Vec::new()
            } else {
                vec![self.take_out()]
            };
        }
        let mut all = Vec::with_capacity(self.pieces.len() + 1);
        for piece in self.pieces.drain(..) {
            match piece {
                Piece::Plain { bytes } => all.push(bytes),
                Piece::Masked { bytes, key, phase } => {
                    let mut masked = BytesMut::with_capacity(bytes.len());
                    extend_masked(&mut masked, &bytes, key, phase);
                    all.push(masked.freeze());
                }
            }
        }
        self.queued = 0;
        if !self.out.is_empty() {
            all.push(self.take_out());
        }
        all
    }

    /// Moves the first `buf.len()` queued bytes (or all, if fewer) into `buf`, masking a
    /// client's shared payloads on the way; returns how many were written.
    pub(crate) fn drain_into<B: Sink + ?Sized>(&mut self, buf: &mut B) -> usize {
        let cap = buf.len();
        let mut done = 0;
        while done < cap {
            let Some(piece) = self.pieces.front_mut() else {
                break;
            };
            let n = match piece {
                Piece::Plain { bytes } => {
                    let n = bytes.len().min(cap - done);
                    buf.put(done, &bytes[..n]);
                    bytes.advance(n);
                    n
                }
                Piece::Masked { bytes, key, phase } => {
                    let n = bytes.len().min(cap - done);
                    buf.put_masked(done, &bytes[..n], *key, *phase);
                    *phase = (*phase + n) % 4;
                    bytes.advance(n);
                    n
                }
            };
            done += n;
            self.queued -= n;
            if piece.len() == 0 {
                self.pieces.pop_front();
            }
        }
        let n = self.out.len().min(cap - done);
        buf.put(done, &self.out[..n]);
        self.out.advance(n);
        if self.out.is_empty() && self.releases_out() {
            self.out = BytesMut::new();
        }
        done + n
    }

    /// How many bytes are queued.
    pub(crate) fn len(&self) -> usize {
        self.queued + self.out.len()
    }
}

/// A destination of [`Sender::drain_into`]: initialized bytes, or memory the host has not
/// initialized (a new buffer of its runtime), written without reading it. The supertrait
/// of the public [`OutputBuf`](crate::OutputBuf), which it seals: `pub` in a private
/// module, so no other crate can implement it.
#[allow(unreachable_pub)]
pub trait Sink {
    fn len(&self) -> usize;
    /// Writes `src` at `at` (`at + src.len() <= len()`).
    fn put(&mut self, at: usize, src: &[u8]);
    /// Writes `src` masked with `key` from key position `phase` at `at`.
    fn put_masked(&mut self, at: usize, src: &[u8], key: [u8; 4], phase: usize);
}

impl Sink for [u8] {
    fn len(&self) -> usize {
        <[u8]>::len(self)
    }

    fn put(&mut self, at: usize, src: &[u8]) {
        let dst = &mut self[at..at + src.len()];
        if !xor_to(dst, src, [0; 4], 0) {
            dst.copy_from_slice(src);
        }
    }

    fn put_masked(&mut self, at: usize, src: &[u8], key: [u8; 4], phase: usize) {
        let dst = &mut self[at..at + src.len()];
        if !xor_to(dst, src, key, phase) {
            xor_into(dst, src, key, phase, |d, b| *d = b);
        }
    }
}

impl Sink for [MaybeUninit<u8>] {
    fn len(&self) -> usize {
        <[MaybeUninit<u8>]>::len(self)
    }

    fn put(&mut self, at: usize, src: &[u8]) {
        for (d, &b) in self[at..at + src.len()].iter_mut().zip(src) {
            *d = MaybeUninit::new(b);
        }
    }

    fn put_masked(&mut self, at: usize, src: &[u8], key: [u8; 4], phase: usize) {
        let dst = &mut self[at..at + src.len()];
        xor_into(dst, src, key, phase, |d, b| *d = MaybeUninit::new(b));
    }
}

/// `dst[i] = src[i] ^ key[(phase + i) % 4]` in one pass (`store` writes one byte), 64 bytes
/// at a time so that the compiler vectorizes it: masking straight into the destination.
#[inline(always)]
fn xor_into<T>(dst: &mut [T], src: &[u8], key: [u8; 4], phase: usize, store: impl Fn(&mut T, u8)) {
    let word = u32::from_le_bytes(key).rotate_right(8 * (phase % 4) as u32);
    let wide = (u64::from(word) | (u64::from(word) << 32)).to_le_bytes();
    let mut pattern = [0u8; MASK_BLOCK];
    for (i, p) in pattern.iter_mut().enumerate() {
        *p = wide[i % 8];
    }
    let mut dst_blocks = dst.chunks_exact_mut(MASK_BLOCK);
    let mut src_blocks = src.chunks_exact(MASK_BLOCK);
    for (d, s) in (&mut dst_blocks).zip(&mut src_blocks) {
        for ((d, s), m) in d.iter_mut().zip(s).zip(&pattern) {
            store(d, s ^ m);
        }
    }
    let rest = dst_blocks.into_remainder();
    for ((d, s), m) in rest.iter_mut().zip(src_blocks.remainder()).zip(&pattern) {
        store(d, s ^ m);
    }
}

/// Appends the first `n` bytes of `header`, each length a copy of known size (no call to
/// `memcpy` for a few bytes).
#[inline(always)]
fn put_header(out: &mut BytesMut, header: &[u8; MAX_HEADER_LEN], n: usize) {
    match n {
        2 => out.extend_from_slice(&header[..2]),
        4 => out.extend_from_slice(&header[..4]),
        6 => out.extend_from_slice(&header[..6]),
        8 => out.extend_from_slice(&header[..8]),
        10 => out.extend_from_slice(&header[..10]),
        _ => out.extend_from_slice(&header[..n.min(MAX_HEADER_LEN)]),
    }
}

fn opcode(kind: MessageKind) -> OpCode {
    match kind {
        MessageKind::Text => OpCode::Text,
        MessageKind::Binary => OpCode::Binary,
    }
}
