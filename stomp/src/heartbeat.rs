//! Heart-beat negotiation and the timers driven by the host's clock.
//!
//! Time is a `u64` count of **milliseconds** since an epoch the host chooses (a monotonic
//! clock: `Instant` minus a start instant, `performance.now()`, `time.monotonic() * 1000`).
//! The engine never reads a clock; it works the same in WASM, where `std::time::Instant`
//! is unavailable.

use std::fmt;

/// A `heart-beat` header value `x,y` in milliseconds: `send` is how often this side can
/// send (`x`: 0 = never), `receive` how often it wants to receive (`y`: 0 = never). A
/// missing header means `0,0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct HeartBeat {
    /// The smallest interval at which this side can send heart-beats (0: cannot).
    pub send: u64,
    /// The interval at which this side wants to receive them (0: does not want any).
    pub receive: u64,
}

impl HeartBeat {
    /// No heart-beats either way (`0,0`).
    pub const NONE: Self = Self {
        send: 0,
        receive: 0,
    };

    /// `send,receive` in milliseconds.
    #[must_use]
    pub const fn new(send: u64, receive: u64) -> Self {
        Self { send, receive }
    }

    /// Parses `"x,y"` (two decimal numbers, no spaces), or `None`.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        let (x, y) = text.split_once(',')?;
        let num = |s: &str| {
            if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
                None
            } else {
                s.parse::<u64>().ok()
            }
        };
        Some(Self::new(num(x)?, num(y)?))
    }

    /// The intervals of a session in which this side offered `ours` and the peer `theirs`:
    /// `(send_every, expect_every)` in milliseconds, 0 meaning none (1.2 "Heart-beating":
    /// this side sends every `max(ours.send, theirs.receive)` unless either is 0, and
    /// expects the peer every `max(theirs.send, ours.receive)` unless either is 0).
    #[must_use]
    pub const fn negotiate(ours: Self, theirs: Self) -> (u64, u64) {
        let send = if ours.send == 0 || theirs.receive == 0 {
            0
        } else if ours.send > theirs.receive {
            ours.send
        } else {
            theirs.receive
        };
        let expect = if theirs.send == 0 || ours.receive == 0 {
            0
        } else if theirs.send > ours.receive {
            theirs.send
        } else {
            ours.receive
        };
        (send, expect)
    }
}

impl fmt::Display for HeartBeat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{},{}", self.send, self.receive)
    }
}

/// The default grace factor: a peer is dead after twice its interval without a byte (as
/// stompjs and Artemis; Spring uses 3, stomp.py 1.5).
pub const DEFAULT_GRACE: f64 = 2.0;

/// Heart-beat deadlines of one session.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timers {
    send_every: u64,
    expect_every: u64,
    grace: f64,
    last_sent: u64,
    last_received: u64,
}

/// What a timeout asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Due {
    Nothing,
    SendEol,
    PeerDead,
}

impl Timers {
    pub(crate) const OFF: Self = Self {
        send_every: 0,
        expect_every: 0,
        grace: DEFAULT_GRACE,
        last_sent: 0,
        last_received: 0,
    };

    /// Timers from `now`. A grace below 1 (or NaN) is taken as 1: a peer is never declared
    /// dead before its interval has passed.
    pub(crate) fn start(send_every: u64, expect_every: u64, grace: f64, now: u64) -> Self {
        let grace = if grace >= 1.0 { grace } else { 1.0 };
        Self {
            send_every,
            expect_every,
            grace,
            last_sent: now,
            last_received: now,
        }
    }

    pub(crate) const fn sent(&mut self, now: u64) {
        if now > self.last_sent {
            self.last_sent = now;
        }
    }

    pub(crate) const fn received(&mut self, now: u64) {
        if now > self.last_received {
            self.last_received = now;
        }
    }

    fn send_deadline(&self) -> Option<u64> {
        (self.send_every > 0).then(|| self.last_sent.saturating_add(self.send_every))
    }

    fn receive_deadline(&self) -> Option<u64> {
        (self.expect_every > 0).then(|| {
            #[allow(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                clippy::cast_precision_loss
            )]
            let window = (self.expect_every as f64 * self.grace).ceil() as u64;
            self.last_received.saturating_add(window)
        })
    }

    pub(crate) fn poll_timeout(&self) -> Option<u64> {
        match (self.send_deadline(), self.receive_deadline()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    pub(crate) fn handle_timeout(&mut self, now: u64) -> Due {
        if self.receive_deadline().is_some_and(|d| now >= d) {
            return Due::PeerDead;
        }
        if self.send_deadline().is_some_and(|d| now >= d) {
            self.last_sent = now;
            return Due::SendEol;
        }
        Due::Nothing
    }

    pub(crate) const fn intervals(&self) -> (u64, u64) {
        (self.send_every, self.expect_every)
    }
}
