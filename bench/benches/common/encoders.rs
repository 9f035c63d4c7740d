//! Encoders of the same messages, client side (masked) or server side: sansocket and its
//! Rust peers, each writing every message out as it is sent to the same sink (which copies
//! each write into a reused buffer, as a socket does: see `WireStream::sink`), plus the
//! ceiling: that one copy of the frame (XORed by a client) and nothing else.

use std::cell::Cell;
use std::io::Write as _;
use std::rc::Rc;

use bytes::{Bytes, BytesMut};

use sansocket::advanced::ConnectionExt;

use super::decoders::open;
use super::{WireStream, block_on};

/// Encodes `count` binary messages of `payload`; returns the wire bytes produced.
pub(crate) trait Encoder {
    fn pass(&mut self, payload: &Bytes, count: usize) -> usize;
}

/// sansocket, the plain loop: `send_binary`, then `data_to_send` written to the sink.
pub(crate) struct Sansocket {
    conn: sansocket::Connection,
    sink: WireStream,
}

impl Sansocket {
    pub(crate) fn new() -> Self {
        Self::for_role(false)
    }

    /// A server (`server`: unmasked frames) or a client.
    pub(crate) fn for_role(server: bool) -> Self {
        Self {
            conn: open(server),
            sink: WireStream::sink(),
        }
    }
}

impl Sansocket {
    /// `count` times `send_binary` then `data_to_send` written to `sink`; the bytes written.
    fn send(
        conn: &mut sansocket::Connection,
        sink: &mut WireStream,
        payload: &[u8],
        count: usize,
    ) -> usize {
        let mut written = 0;
        for _ in 0..count {
            conn.send_binary(payload).expect("open");
            let out = conn.data_to_send();
            sink.write_all(&out).expect("a sink takes everything");
            written += out.len();
        }
        written
    }
}

impl Encoder for Sansocket {
    fn pass(&mut self, payload: &Bytes, count: usize) -> usize {
        Self::send(&mut self.conn, &mut self.sink, payload, count)
    }
}

/// sansocket without copies: `send_binary_shared`, then a server hands the payload back
/// as it is (`data_to_send_vectored`) and a client masks it straight into the host's
/// reused write buffer (`data_to_send_into`). Below 4 KiB, where the engine copies shared
/// payloads anyway, the host sends as [`Sansocket`] does (so does the Python binding).
pub(crate) struct SansocketShared {
    conn: sansocket::Connection,
    server: bool,
    buf: Vec<u8>,
    sink: WireStream,
}

impl SansocketShared {
    /// In either role (see [`Sansocket::for_role`]).
    pub(crate) fn for_role(server: bool) -> Self {
        Self {
            conn: open(server),
            server,
            buf: vec![0; 64 << 10],
            sink: WireStream::sink(),
        }
    }
}

impl Encoder for SansocketShared {
    fn pass(&mut self, payload: &Bytes, count: usize) -> usize {
        if payload.len() < 4096 {
            return Sansocket::send(&mut self.conn, &mut self.sink, payload, count);
        }
        let mut written = 0;
        for _ in 0..count {
            self.conn.send_binary_shared(payload.clone()).expect("open");
            if self.server {
                for out in self.conn.data_to_send_vectored() {
                    self.sink.write_all(&out).expect("a sink takes everything");
                    written += out.len();
                }
            } else {
                while self.conn.buffered_amount() > 0 {
                    let n = self.conn.data_to_send_into(&mut self.buf[..]);
                    self.sink
                        .write_all(&self.buf[..n])
                        .expect("a sink takes everything");
                    written += n;
                }
            }
        }
        written
    }
}

/// tungstenite: `send` (write + flush) of a `Message::Binary` sharing the payload's
/// `Bytes` (no copy on the way in).
pub(crate) struct Tungstenite {
    ws: tungstenite::WebSocket<WireStream>,
    written: Rc<Cell<usize>>,
}

impl Tungstenite {
    pub(crate) fn new() -> Self {
        Self::for_role(false)
    }

    /// In either role (see [`Sansocket::for_role`]).
    pub(crate) fn for_role(server: bool) -> Self {
        let sink = WireStream::sink();
        let written = sink.written.clone();
        let role = if server {
            tungstenite::protocol::Role::Server
        } else {
            tungstenite::protocol::Role::Client
        };
        let ws = tungstenite::WebSocket::from_raw_socket(sink, role, None);
        Self { ws, written }
    }
}

impl Encoder for Tungstenite {
    fn pass(&mut self, payload: &Bytes, count: usize) -> usize {
        let before = self.written.get();
        for _ in 0..count {
            self.ws
                .send(tungstenite::Message::Binary(payload.clone()))
                .expect("sent");
        }
        self.written.get() - before
    }
}

/// fastwebsockets: `write_frame` of a borrowed payload.
pub(crate) struct FastWebsockets {
    ws: fastwebsockets::WebSocket<WireStream>,
    written: Rc<Cell<usize>>,
}

impl FastWebsockets {
    pub(crate) fn new() -> Self {
        Self::for_role(false)
    }

    /// In either role (see [`Sansocket::for_role`]).
    pub(crate) fn for_role(server: bool) -> Self {
        let sink = WireStream::sink();
        let written = sink.written.clone();
        let role = if server {
            fastwebsockets::Role::Server
        } else {
            fastwebsockets::Role::Client
        };
        let ws = fastwebsockets::WebSocket::after_handshake(sink, role);
        Self { ws, written }
    }
}

impl Encoder for FastWebsockets {
    fn pass(&mut self, payload: &Bytes, count: usize) -> usize {
        let before = self.written.get();
        for _ in 0..count {
            let frame = fastwebsockets::Frame::binary(fastwebsockets::Payload::Borrowed(payload));
            block_on(self.ws.write_frame(frame)).expect("sent");
        }
        self.written.get() - before
    }
}

/// tokio-websockets: `SinkExt::send` (feed + flush) of a message sharing the payload's
/// `Bytes`.
pub(crate) struct TokioWebsockets {
    ws: tokio_websockets::WebSocketStream<WireStream>,
    written: Rc<Cell<usize>>,
}

impl TokioWebsockets {
    pub(crate) fn new() -> Self {
        Self::for_role(false)
    }

    /// In either role (see [`Sansocket::for_role`]).
    pub(crate) fn for_role(server: bool) -> Self {
        let sink = WireStream::sink();
        let written = sink.written.clone();
        let ws = if server {
            tokio_websockets::ServerBuilder::new().serve(sink)
        } else {
            tokio_websockets::ClientBuilder::new().take_over(sink)
        };
        Self { ws, written }
    }
}

impl Encoder for TokioWebsockets {
    fn pass(&mut self, payload: &Bytes, count: usize) -> usize {
        use futures_util::SinkExt;
        let before = self.written.get();
        for _ in 0..count {
            let message = tokio_websockets::Message::binary(payload.clone());
            block_on(self.ws.send(message)).expect("sent");
        }
        self.written.get() - before
    }
}

/// The ceiling: the sink's one copy of each frame (see [`WireStream::sink`]), the payload
/// behind a header-sized gap copied into a reused buffer, XORed with a key by a client, in
/// one pass (the sink's loop); no framing.
pub(crate) struct Ceiling {
    buf: BytesMut,
    key: [u8; 4],
}

impl Ceiling {
    pub(crate) fn new() -> Self {
        Self::for_role(false)
    }

    /// In either role (see [`Sansocket::for_role`]).
    pub(crate) fn for_role(server: bool) -> Self {
        let key = if server {
            [0; 4]
        } else {
            [0x37, 0xfa, 0x21, 0x3d]
        };
        Self {
            buf: BytesMut::new(),
            key,
        }
    }
}

impl Encoder for Ceiling {
    fn pass(&mut self, payload: &Bytes, count: usize) -> usize {
        let mut written = 0;
        for _ in 0..count {
            self.buf.clear();
            self.buf
                .extend_from_slice(&[0; 14][..header_len(payload.len())]);
            sansocket::mask::extend_masked(&mut self.buf, payload, self.key, 0);
            written += std::hint::black_box(&self.buf).len();
        }
        written
    }
}

/// The floor of a server's plain path for a borrowed payload (`send_binary(&[u8])`, then
/// the bytes written out): the payload copied behind a header-sized gap into a reused
/// buffer (`memcpy`), then the sink's copy of that buffer (see [`WireStream::sink`]); two
/// copies, no framing.
pub(crate) struct Floor {
    buf: Vec<u8>,
    sink: WireStream,
}

impl Floor {
    pub(crate) fn new() -> Self {
        Self {
            buf: Vec::new(),
            sink: WireStream::sink(),
        }
    }
}

impl Encoder for Floor {
    fn pass(&mut self, payload: &Bytes, count: usize) -> usize {
        let mut written = 0;
        for _ in 0..count {
            self.buf.clear();
            // An unmasked header: 4 bytes shorter than a masked one.
            self.buf
                .extend_from_slice(&[0; 10][..header_len(payload.len()) - 4]);
            self.buf.extend_from_slice(payload);
            self.sink
                .write_all(&self.buf)
                .expect("a sink takes everything");
            written += self.buf.len();
        }
        written
    }
}

/// Length of a masked frame's header for a payload of `len` bytes.
pub(crate) fn header_len(len: usize) -> usize {
    4 + match len {
        0..=125 => 2,
        126..=65535 => 4,
        _ => 10,
    }
}
