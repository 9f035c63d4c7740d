//! The connection's life cycle. Every state transition lives in this file, and it does not
//! care which role it plays except where RFC 6455 says so (who closes TCP first, §7.1.1).

use crate::Role;

/// Where a connection is in its life (RFC 6455 §4, §7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum State {
    /// The opening handshake is in progress.
    Connecting,
    /// Messages flow both ways.
    Open,
    /// A close frame was sent; the peer's is awaited. Received messages are still delivered.
    Closing,
    /// Over: the close handshake completed, the connection failed, the handshake was
    /// rejected, or the transport closed. Nothing more can be sent.
    Closed,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Handshake,
    Open,
    /// The handshake was rejected or failed.
    Refused,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Lifecycle {
    role: Role,
    phase: Phase,
    close_sent: bool,
    close_received: bool,
    failed: bool,
    eof: bool,
}

impl Lifecycle {
    pub(crate) fn new(role: Role, open: bool) -> Self {
        let phase = if open { Phase::Open } else { Phase::Handshake };
        Self {
            role,
            phase,
            close_sent: false,
            close_received: false,
            failed: false,
            eof: false,
        }
    }

    pub(crate) fn state(&self) -> State {
        match self.phase {
            Phase::Handshake if !self.eof => State::Connecting,
            Phase::Open if self.failed || self.eof || (self.close_sent && self.close_received) => {
                State::Closed
            }
            Phase::Open if self.close_sent || self.close_received => State::Closing,
            Phase::Open => State::Open,
            _ => State::Closed,
        }
    }

    pub(crate) fn in_handshake(&self) -> bool {
        self.phase == Phase::Handshake && !self.eof
    }

    /// The handshake succeeded.
    pub(crate) fn opened(&mut self) {
        if self.phase == Phase::Handshake {
            self.phase = Phase::Open;
        }
    }

    /// The handshake was rejected or failed.
    pub(crate) fn refused(&mut self) {
        self.phase = Phase::Refused;
    }

    /// The connection failed (§7.1.7).
    pub(crate) fn failed(&mut self) {
        self.failed = true;
    }

    pub(crate) fn close_sent(&mut self) {
        self.close_sent = true;
    }

    pub(crate) fn close_received(&mut self) {
        self.close_received = true;
    }

    pub(crate) fn eof(&mut self) {
        self.eof = true;
    }

    pub(crate) fn has_eof(&self) -> bool {
        self.eof
    }

    /// Frames may still be decoded: open, not failed, and the peer has not closed.
    pub(crate) fn can_receive(&self) -> bool {
        self.phase == Phase::Open && !self.failed && !self.close_received
    }

    /// Data and pings may be sent: open and no close frame sent (§5.5.1: nothing after it).
    pub(crate) fn can_send(&self) -> bool {
        self.phase == Phase::Open && !self.failed && !self.eof && !self.close_sent
    }

    /// A close frame was sent (by the application, as a reply, or on failure).
    pub(crate) fn has_sent_close(&self) -> bool {
        self.close_sent
    }

    /// The peer's EOF ended an open connection before the close handshake (§7.1.5: code
    /// 1006). True once; the connection is failed from then on.
    pub(crate) fn take_abnormal_eof(&mut self) -> bool {
        if self.eof && self.phase == Phase::Open && !self.failed && !self.close_received {
            self.failed = true;
            return true;
        }
        false
    }

    /// Whether the host should close the transport once `data_to_send` is flushed:
    /// after a failure, a refused handshake or the peer's EOF; and after a completed close
    /// handshake on the server, which closes TCP first (§7.1.1). A client whose close
    /// handshake completed waits for the server's EOF (and should give up after a timeout).
    pub(crate) fn should_close_transport(&self) -> bool {
        self.failed
            || self.eof
            || self.phase == Phase::Refused
            || (self.close_sent && self.close_received && self.role == Role::Server)
    }
}
