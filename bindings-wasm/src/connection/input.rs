//! The input side of [`RawConnection`]: reads in (copied, into the core's buffer, through the
//! scratch buffer, or unmasked in JavaScript's own read), events out in batches.

use js_sys::Array;
use sansocket::advanced::ConnectionExt;
use sansocket::{Connection, Event, Request, Role, State};
use wasm_bindgen::prelude::wasm_bindgen;

use super::RawConnection;
use crate::events::{self, Batch, address};
use crate::in_place;
use crate::whole_frames;

#[wasm_bindgen]
impl RawConnection {
    /// Bytes read from the transport.
    pub fn feed(&mut self, data: &[u8]) {
        self.settle();
        // The previous batch's payloads share the core's receive buffer: drop them first
        // so that the buffer can be reused instead of reallocated.
        self.batch.clear();
        self.conn.receive_data(data);
    }

    /// Room for a read of `len` bytes at the end of the core's receive buffer: returns its
    /// address in WASM memory. JavaScript copies the read there at once (nothing may run in
    /// WASM in between: a memory growth would move it), and the next call hands the buffer
    /// back to the core, which decodes the bytes in place. One copy instead of two (`feed`
    /// copies the argument into WASM memory, the core into its buffer). Behind undecoded
    /// bytes (a frame that straddles reads) the buffer grows, or its bytes move to its
    /// front, as `feed` would do it: the whole read is offered at once (offering it in the
    /// pieces the core plans for between decodes would copy the undecoded bytes again for
    /// each piece).
    ///
    /// Returns 0 during the handshake (use `feed`): the request or response is small, and
    /// the buffer the core lends is kept (4 KiB or more per connection, idle ones included).
    #[wasm_bindgen(js_name = inputRoom)]
    pub fn input_room(&mut self, len: u32) -> u32 {
        self.settle();
        if self.conn.state() == State::Connecting || len == 0 {
            return 0;
        }
        self.batch.clear();
        let mut buf = self.conn.take_read_buffer();
        let start = buf.len();
        // Zeroed, then overwritten: no uninitialised memory without `unsafe`.
        buf.resize(start + len as usize, 0);
        let at = address(&buf[start..]);
        self.lent = Some(buf);
        at
    }

    /// Room for a read of `len` bytes in the instance's scratch buffer (see
    /// `whole_frames.rs`): returns its address in WASM memory, which stays the scratch
    /// buffer's, at least `len` bytes long, until the next `scratch_room` call on any
    /// connection (nothing else moves it): JavaScript keeps it and, for every read no longer
    /// than that, copies the read there and calls `receive_scratch`, one call per read.
    /// Returns 0 during the handshake and with delivery by chunks (use `input_room` or
    /// `feed`).
    #[wasm_bindgen(js_name = scratchRoom)]
    pub fn scratch_room(&mut self, len: u32) -> u32 {
        self.settle();
        if !self.reads_whole_frames() || len == 0 {
            return 0;
        }
        whole_frames::room(len as usize)
    }

    /// Decodes the read of `len` bytes written into the scratch buffer (at the address of
    /// the last `scratch_room`, on any connection) and every event available then, as
    /// `feed` and `drain` would; returns the address of the batch's table, or 0 when there
    /// is none. The payloads of whole frames are unmasked straight out of the read into the
    /// instance's buffer: their rows are valid until the next read through the scratch
    /// buffer on any connection, so JavaScript copies them out at once. A connection whose
    /// reads do not go through whole frames (the handshake, delivery by chunks) takes the
    /// read as `feed` would.
    #[wasm_bindgen(js_name = receiveScratch)]
    pub fn receive_scratch(&mut self, len: u32) -> u32 {
        self.settle();
        self.batch.clear();
        if self.reads_whole_frames() {
            let Self {
                conn,
                batch,
                pending,
                unsettled,
                ..
            } = self;
            whole_frames::receive(conn, batch, len as usize, |conn, batch| {
                drain_into(conn, batch, pending, unsettled)
            });
        } else {
            whole_frames::feed(&mut self.conn, len as usize);
        }
        self.end_read()
    }

    /// `receive_scratch` for a host that unmasks large binary payloads in its own read
    /// (see `in_place.rs`): the scratch buffer holds the read's bytes `[from, to)` at their
    /// offsets (`from` 0 and `first` on a read's first call, which starts a new batch).
    /// Returns the batch's table address (0: none) once the read is decoded, or, when the
    /// engine needs more of the read's bytes, the address of `[from, to)` with its lowest
    /// bit set (tables are 4-aligned): copy those bytes and call again with them and
    /// `first` false, before any other call on any connection.
    #[wasm_bindgen(js_name = receiveInPlace)]
    pub fn receive_in_place(&mut self, len: u32, from: u32, to: u32, first: bool) -> u32 {
        if first {
            self.settle();
            self.batch.clear();
        }
        let step = if !self.reads_whole_frames() {
            if to < len {
                // The engine takes the read as bytes: it needs them all.
                in_place::Step::Need {
                    from: from as usize,
                    to: len as usize,
                }
            } else {
                whole_frames::feed(&mut self.conn, len as usize);
                in_place::Step::Done
            }
        } else {
            let Self {
                conn,
                batch,
                pending,
                unsettled,
                ..
            } = self;
            in_place::receive(
                conn,
                batch,
                len as usize,
                from as usize,
                to as usize,
                |conn, batch| drain_into(conn, batch, pending, unsettled),
            )
        };
        if let in_place::Step::Need { from, to } = step {
            self.regs = [
                u32::try_from(from).unwrap_or(u32::MAX),
                u32::try_from(to).unwrap_or(u32::MAX),
                0,
                0,
            ];
            return address(&self.regs) | 1;
        }
        self.end_read()
    }

    /// The peer closed its side of the transport.
    #[wasm_bindgen(js_name = feedEof)]
    pub fn feed_eof(&mut self) {
        self.settle();
        self.conn.receive_eof();
    }

    /// Decodes every event available now into a batch (see `events.rs`); returns the
    /// address of its table, or 0 when there is none.
    pub fn drain(&mut self) -> u32 {
        self.settle();
        self.batch.clear();
        self.end_read()
    }

    /// The rich events of the last batch (request, accepted, rejected, close, error).
    #[wasm_bindgen(js_name = takeRich)]
    pub fn take_rich(&mut self) -> Array {
        self.batch.take_rich()
    }
}

impl RawConnection {
    /// Hands the buffer of `input_room` back to the core, with the read in it.
    pub(super) fn give_back(&mut self) {
        if let Some(buf) = self.lent.take() {
            // Only fails for a buffer that was not taken or shrank: neither happens here.
            let _ = self.conn.give_read_buffer(buf);
        }
    }

    /// Whether reads go through whole frames: delivery by messages, the handshake over
    /// (during it, and with delivery by chunks, the core takes each read as `feed` would).
    fn reads_whole_frames(&self) -> bool {
        self.whole_frames && self.conn.state() != State::Connecting
    }

    /// Ends a read's batch: every event decoded now, unless the read ended with an error
    /// left for `settle`; returns the address of the batch's table, or 0 when there is none.
    fn end_read(&mut self) -> u32 {
        if !self.unsettled {
            drain_into(
                &mut self.conn,
                &mut self.batch,
                &mut self.pending,
                &mut self.unsettled,
            );
        }
        self.batch.finish()
    }
}

/// Pushes every event the core decodes now into `batch` (a request is kept in `pending`);
/// returns false if one was an error, which is left for `settle` (`unsettled`).
fn drain_into(
    conn: &mut Connection,
    batch: &mut Batch,
    pending: &mut Option<Box<Request>>,
    unsettled: &mut bool,
) -> bool {
    let server = conn.role() == Role::Server;
    // Bounded: the core returns `Ok(None)` after an error; stop anyway should a second
    // error follow at once, rather than loop.
    let mut errors = 0;
    loop {
        match conn.next_event_batched() {
            Ok(Some(event)) => push(batch, pending, event),
            Ok(None) => break,
            Err(e) => {
                batch.push_rich(events::error(&e, server));
                *unsettled = true;
                errors += 1;
                if errors > 1 {
                    break;
                }
            }
        }
    }
    errors == 0
}

fn push(batch: &mut Batch, pending: &mut Option<Box<Request>>, event: Event) {
    match event {
        Event::Text(text) => batch.push_bytes(events::TEXT, text.into_bytes(), 0),
        Event::Binary(data) => batch.push_bytes(events::BINARY, data, 0),
        Event::Chunk { kind, data, fin } => {
            batch.push_bytes(events::chunk_kind(kind), data, u32::from(fin));
        }
        Event::Ping(data) => batch.push_bytes(events::PING, data, 0),
        Event::Pong(data) => batch.push_bytes(events::PONG, data, 0),
        Event::Request(request) => {
            batch.push_rich(events::request(&request));
            *pending = Some(request);
        }
        Event::Accepted(response) => batch.push_rich(events::accepted(&response)),
        Event::Rejected(rejection) => batch.push_rich(events::rejected(&rejection)),
        Event::Close(frame) => batch.push_rich(events::close(&frame)),
    }
}
