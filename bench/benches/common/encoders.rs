//! Client-side (masked) encoders of the same messages: sansocket and its Rust peers, each
//! writing every message out as it is sent (to a sink that takes the bytes), plus the
//! copy-and-XOR ceiling.

use std::cell::Cell;
use std::rc::Rc;

use bytes::Bytes;

use super::decoders::xor;
use super::{WireStream, block_on};

/// Encodes `count` binary messages of `payload`; returns the wire bytes produced.
pub(crate) trait Encoder {
    fn pass(&mut self, payload: &Bytes, count: usize) -> usize;
}

/// sansocket, client role: `send_binary`, then `data_to_send` as a host writes it.
pub(crate) struct Sansocket {
    conn: sansocket::Connection,
}

impl Sansocket {
    pub(crate) fn new() -> Self {
        let entropy = sansocket::SeededEntropy::new(1);
        let conn = sansocket::Connection::open_client(sansocket::Config::default(), None, entropy);
        Self { conn }
    }
}

impl Encoder for Sansocket {
    fn pass(&mut self, payload: &Bytes, count: usize) -> usize {
        let mut written = 0;
        for _ in 0..count {
            self.conn.send_binary(payload).expect("open");
            let out = self.conn.data_to_send();
            written += std::hint::black_box(&out).len();
        }
        written
    }
}

/// tungstenite, client role: `send` (write + flush) of a `Message::Binary` sharing the
/// payload's `Bytes` (no copy on the way in).
pub(crate) struct Tungstenite {
    ws: tungstenite::WebSocket<WireStream>,
    written: Rc<Cell<usize>>,
}

impl Tungstenite {
    pub(crate) fn new() -> Self {
        let sink = WireStream::sink();
        let written = sink.written.clone();
        let ws = tungstenite::WebSocket::from_raw_socket(
            sink,
            tungstenite::protocol::Role::Client,
            None,
        );
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

/// fastwebsockets, client role: `write_frame` of a borrowed payload.
pub(crate) struct FastWebsockets {
    ws: fastwebsockets::WebSocket<WireStream>,
    written: Rc<Cell<usize>>,
}

impl FastWebsockets {
    pub(crate) fn new() -> Self {
        let sink = WireStream::sink();
        let written = sink.written.clone();
        let ws = fastwebsockets::WebSocket::after_handshake(sink, fastwebsockets::Role::Client);
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

/// tokio-websockets, client role: `SinkExt::send` (feed + flush) of a message sharing the
/// payload's `Bytes`.
pub(crate) struct TokioWebsockets {
    ws: tokio_websockets::WebSocketStream<WireStream>,
    written: Rc<Cell<usize>>,
}

impl TokioWebsockets {
    pub(crate) fn new() -> Self {
        let sink = WireStream::sink();
        let written = sink.written.clone();
        let ws = tokio_websockets::ClientBuilder::new().take_over(sink);
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

/// The ceiling: copy the payload behind a header-sized gap and XOR it; no framing.
pub(crate) struct Ceiling {
    buf: Vec<u8>,
}

impl Ceiling {
    pub(crate) fn new() -> Self {
        Self { buf: Vec::new() }
    }
}

impl Encoder for Ceiling {
    fn pass(&mut self, payload: &Bytes, count: usize) -> usize {
        let mut written = 0;
        for _ in 0..count {
            self.buf.clear();
            self.buf
                .extend_from_slice(&[0; 14][..header_len(payload.len())]);
            let start = self.buf.len();
            self.buf.extend_from_slice(payload);
            xor(&mut self.buf[start..], [0x37, 0xfa, 0x21, 0x3d]);
            written += std::hint::black_box(&self.buf).len();
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
