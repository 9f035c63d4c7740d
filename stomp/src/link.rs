//! What both session roles share: the decoder, the outbox, the version and the timers.

use crate::heartbeat::{Due, Timers};
use crate::{DecodeEvent, Decoder, EncodeError, Frame, Limits, Version, encode_into};

#[derive(Debug)]
pub(crate) struct Link {
    pub(crate) decoder: Decoder,
    pub(crate) version: Version,
    pub(crate) outbox: Vec<u8>,
    pub(crate) timers: Timers,
    /// The latest time the host gave us.
    pub(crate) now: u64,
    /// No more frames are decoded or sent; the transport should close.
    pub(crate) closed: bool,
    pub(crate) eof: bool,
}

impl Link {
    pub(crate) fn new(limits: Limits, now: u64) -> Self {
        Self {
            decoder: Decoder::new(Version::V1_2, limits),
            version: Version::V1_2,
            outbox: Vec::new(),
            timers: Timers::OFF,
            now,
            closed: false,
            eof: false,
        }
    }

    pub(crate) const fn set_version(&mut self, version: Version) {
        self.version = version;
        self.decoder.set_version(version);
    }

    pub(crate) fn tick(&mut self, now: u64) {
        if now > self.now {
            self.now = now;
        }
    }

    pub(crate) fn receive_data(&mut self, data: &[u8], now: u64) {
        self.tick(now);
        if self.closed || data.is_empty() {
            return;
        }
        self.timers.received(now);
        self.decoder.receive_data(data);
    }

    pub(crate) fn next(&mut self) -> Result<Option<DecodeEvent>, crate::DecodeError> {
        if self.closed {
            return Ok(None);
        }
        self.decoder.next_event()
    }

    pub(crate) fn queue(&mut self, frame: &Frame) -> Result<(), EncodeError> {
        encode_into(frame, self.version, &mut self.outbox)
    }

    pub(crate) fn data_to_send(&mut self, now: u64) -> Vec<u8> {
        self.tick(now);
        if !self.outbox.is_empty() {
            self.timers.sent(now);
        }
        std::mem::take(&mut self.outbox)
    }

    pub(crate) fn poll_timeout(&self) -> Option<u64> {
        if self.closed {
            None
        } else {
            self.timers.poll_timeout()
        }
    }

    /// `true` when the peer is dead.
    pub(crate) fn handle_timeout(&mut self, now: u64) -> bool {
        self.tick(now);
        if self.closed {
            return false;
        }
        match self.timers.handle_timeout(now) {
            Due::Nothing => false,
            Due::SendEol => {
                self.outbox.push(b'\n');
                false
            }
            Due::PeerDead => true,
        }
    }
}
