//! The sending side: frames out (RFC 6455 §5.2, §5.3), written straight into the outbox.

use bytes::{Bytes, BytesMut};

use crate::deflate::Deflater;
use crate::entropy::MaskKeys;
use crate::error::UsageError;
use crate::event::MessageKind;
use crate::frame::{MAX_HEADER_LEN, OpCode, write_header};
use crate::mask::extend_masked;
use crate::utf8::Utf8Validator;

/// Largest outbox buffer kept for reuse once its bytes were taken.
const KEEP_IDLE: usize = 64 << 10;

/// Largest compression buffer kept for the next message (it is half the message's size
/// at first: kept for messages up to 32 KiB, whose compression costs far more than one
/// allocation).
const KEEP_SCRATCH: usize = 16 << 10;

#[derive(Debug)]
pub(crate) struct Sender {
    /// Bytes waiting for the host to write them.
    out: BytesMut,
    /// A client masks every frame (§5.3); a server has no keys.
    masks: Option<MaskKeys>,
    /// The kind of an outgoing fragmented message in progress, and (text) the UTF-8 state
    /// of the fragments sent so far.
    fragmenting: Option<(MessageKind, Utf8Validator)>,
    /// permessage-deflate, when negotiated.
    deflater: Option<Deflater>,
    /// Reused buffer for compressed payloads (a `Vec`: the compressor fills its spare
    /// capacity without zeroing it first).
    scratch: Vec<u8>,
}

impl Sender {
    pub(crate) fn new(masks: Option<MaskKeys>) -> Self {
        Self {
            out: BytesMut::new(),
            masks,
            fragmenting: None,
            deflater: None,
            scratch: Vec::new(),
        }
    }

    /// Queues raw bytes (the HTTP head of the handshake).
    pub(crate) fn raw(&mut self, bytes: &[u8]) {
        self.out.extend_from_slice(bytes);
    }

    /// Random bytes from the client's source (the handshake key).
    pub(crate) fn fill_random(&mut self, buf: &mut [u8]) {
        if let Some(masks) = self.masks.as_mut() {
            masks.fill(buf);
        }
    }

    /// Compress whole messages from now on (RFC 7692).
    pub(crate) fn enable_deflate(&mut self, deflater: Deflater) {
        self.deflater = Some(deflater);
    }

    /// Queues one frame.
    pub(crate) fn frame(&mut self, opcode: OpCode, fin: bool, payload: &[u8]) {
        self.frame_rsv(opcode, fin, 0, payload);
    }

    /// Queues one frame with RSV bits.
    fn frame_rsv(&mut self, opcode: OpCode, fin: bool, rsv: u8, payload: &[u8]) {
        let mask = self.masks.as_mut().map(MaskKeys::key);
        let mut header = [0u8; MAX_HEADER_LEN];
        let n = write_header(&mut header, fin, rsv, opcode, mask, payload.len() as u64);
        self.out.reserve(n + payload.len());
        self.out.extend_from_slice(&header[..n]);
        match mask {
            Some(key) => {
                extend_masked(&mut self.out, payload, key, 0);
            }
            None => self.out.extend_from_slice(payload),
        }
    }

    /// Queues a whole message.
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
    pub(crate) fn take(&mut self) -> Bytes {
        if self.out.capacity() > KEEP_IDLE {
            // A large buffer leaves with the bytes handed out, instead of staying allocated
            // for an idle connection; the next frames start a small one.
            return std::mem::take(&mut self.out).freeze();
        }
        self.out.split().freeze()
    }

    /// How many bytes are queued.
    pub(crate) fn len(&self) -> usize {
        self.out.len()
    }
}

fn opcode(kind: MessageKind) -> OpCode {
    match kind {
        MessageKind::Text => OpCode::Text,
        MessageKind::Binary => OpCode::Binary,
    }
}
