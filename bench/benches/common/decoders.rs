//! Decoders of the same wire bytes, server side (a client's masked frames) or client side (a
//! server's frames): sansocket and its Rust peers, each fed 64 KiB reads and consuming every whole message, plus the copy-and-XOR ceiling. Text
//! is consumed as `&str`, the way an application reads it (`Utf8Bytes::as_str`,
//! tungstenite's `Utf8Bytes::as_str`), so that any cost of getting the `str` is counted.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use sansocket::advanced::ConnectionExt;

use super::{CHUNK, WireStream, block_on};

/// Decodes one pass over the wire (every message in it), handing each message's payload
/// to `consume`.
pub(crate) trait Decoder {
    fn pass(&mut self, consume: &mut impl FnMut(&[u8]));
}

/// sansocket, server role, as a host drives it: `receive_data` per read, then drain
/// `next_event`.
pub(crate) struct Sansocket {
    conn: sansocket::Connection,
    wire: Arc<[u8]>,
}

impl Sansocket {
    pub(crate) fn new(wire: Arc<[u8]>) -> Self {
        Self::for_role(wire, true)
    }

    /// A server (`server`) decoding a client's masked frames, or a client decoding a
    /// server's.
    pub(crate) fn for_role(wire: Arc<[u8]>, server: bool) -> Self {
        Self {
            conn: open(server),
            wire,
        }
    }
}

/// An open sansocket connection in either role, default configuration.
pub(crate) fn open(server: bool) -> sansocket::Connection {
    let config = sansocket::Config::default();
    if server {
        sansocket::Connection::open_server(config, None)
    } else {
        sansocket::Connection::open_client(config, None, sansocket::SeededEntropy::new(1))
    }
}

impl Decoder for Sansocket {
    fn pass(&mut self, consume: &mut impl FnMut(&[u8])) {
        for chunk in self.wire.chunks(CHUNK) {
            self.conn.receive_data(chunk);
            while let Some(event) = self.conn.next_event().expect("valid frames") {
                match event {
                    sansocket::Event::Binary(data) => consume(&data),
                    sansocket::Event::Text(text) => consume(text.as_str().as_bytes()),
                    other => panic!("unexpected {other:?}"),
                }
            }
        }
    }
}

/// sansocket, the host reading straight into its receive buffer (`take_read_buffer`,
/// `give_read_buffer`) from a socket that has the wire in 64 KiB chunks: each read appends
/// as much as the engine offers room for, up to the end of the current chunk, as a tokio
/// `read_buf` into a `BytesMut` with that much spare capacity does.
pub(crate) struct SansocketReadBuf {
    conn: sansocket::Connection,
    wire: Arc<[u8]>,
}

impl SansocketReadBuf {
    pub(crate) fn new(wire: Arc<[u8]>) -> Self {
        Self::for_role(wire, true)
    }

    /// In either role (see [`Sansocket::for_role`]).
    pub(crate) fn for_role(wire: Arc<[u8]>, server: bool) -> Self {
        Self {
            conn: open(server),
            wire,
        }
    }
}

impl Decoder for SansocketReadBuf {
    fn pass(&mut self, consume: &mut impl FnMut(&[u8])) {
        let mut at = 0;
        while at < self.wire.len() {
            let chunk_end = self.wire.len().min((at / CHUNK + 1) * CHUNK);
            let mut buf = self.conn.take_read_buffer();
            let n = (buf.capacity() - buf.len()).min(chunk_end - at);
            buf.extend_from_slice(&self.wire[at..at + n]);
            at += n;
            self.conn.give_read_buffer(buf).expect("the buffer taken");
            while let Some(event) = self.conn.next_event().expect("valid frames") {
                match event {
                    sansocket::Event::Binary(data) => consume(&data),
                    sansocket::Event::Text(text) => consume(text.as_str().as_bytes()),
                    other => panic!("unexpected {other:?}"),
                }
            }
        }
    }
}

/// sansocket fed exactly the reads tokio-websockets makes ([`TokioWebsockets::reads`]):
/// the same read sizes, so that the two decoders are compared like for like.
pub(crate) struct SansocketReads {
    conn: sansocket::Connection,
    wire: Arc<[u8]>,
    reads: Vec<usize>,
}

impl SansocketReads {
    pub(crate) fn new(wire: Arc<[u8]>, reads: Vec<usize>) -> Self {
        Self::for_role(wire, reads, true)
    }

    /// In either role (see [`Sansocket::for_role`]).
    pub(crate) fn for_role(wire: Arc<[u8]>, reads: Vec<usize>, server: bool) -> Self {
        Self {
            conn: open(server),
            wire,
            reads,
        }
    }
}

impl Decoder for SansocketReads {
    fn pass(&mut self, consume: &mut impl FnMut(&[u8])) {
        let mut at = 0;
        for &n in &self.reads {
            self.conn.receive_data(&self.wire[at..at + n]);
            at += n;
            while let Some(event) = self.conn.next_event().expect("valid frames") {
                match event {
                    sansocket::Event::Binary(data) => consume(&data),
                    sansocket::Event::Text(text) => consume(text.as_str().as_bytes()),
                    other => panic!("unexpected {other:?}"),
                }
            }
        }
    }
}

/// tungstenite, server role, over an in-memory `Read + Write`.
pub(crate) struct Tungstenite {
    ws: tungstenite::WebSocket<WireStream>,
    count: usize,
}

impl Tungstenite {
    pub(crate) fn new(wire: Arc<[u8]>, count: usize) -> Self {
        Self::for_role(wire, count, true)
    }

    /// In either role (see [`Sansocket::for_role`]).
    pub(crate) fn for_role(wire: Arc<[u8]>, count: usize, server: bool) -> Self {
        let stream = WireStream::new(wire);
        let role = if server {
            tungstenite::protocol::Role::Server
        } else {
            tungstenite::protocol::Role::Client
        };
        let ws = tungstenite::WebSocket::from_raw_socket(stream, role, None);
        Self { ws, count }
    }
}

impl Decoder for Tungstenite {
    fn pass(&mut self, consume: &mut impl FnMut(&[u8])) {
        for _ in 0..self.count {
            match self.ws.read().expect("valid frames") {
                tungstenite::Message::Binary(data) => consume(&data),
                tungstenite::Message::Text(text) => consume(text.as_str().as_bytes()),
                other => panic!("unexpected {other:?}"),
            }
        }
    }
}

/// fastwebsockets, server role, through its `FragmentCollector` (whole messages, UTF-8
/// checked), polled by a minimal executor.
pub(crate) struct FastWebsockets {
    ws: fastwebsockets::FragmentCollector<WireStream>,
    count: usize,
}

impl FastWebsockets {
    pub(crate) fn new(wire: Arc<[u8]>, count: usize) -> Self {
        Self::for_role(wire, count, true)
    }

    /// In either role (see [`Sansocket::for_role`]).
    pub(crate) fn for_role(wire: Arc<[u8]>, count: usize, server: bool) -> Self {
        let role = if server {
            fastwebsockets::Role::Server
        } else {
            fastwebsockets::Role::Client
        };
        let ws = fastwebsockets::WebSocket::after_handshake(WireStream::new(wire), role);
        Self {
            ws: fastwebsockets::FragmentCollector::new(ws),
            count,
        }
    }
}

impl Decoder for FastWebsockets {
    fn pass(&mut self, consume: &mut impl FnMut(&[u8])) {
        for _ in 0..self.count {
            let frame = block_on(self.ws.read_frame()).expect("valid frames");
            assert!(matches!(
                frame.opcode,
                fastwebsockets::OpCode::Binary | fastwebsockets::OpCode::Text
            ));
            consume(&frame.payload);
        }
    }
}

/// tokio-websockets, server role, polled by a minimal executor.
pub(crate) struct TokioWebsockets {
    ws: tokio_websockets::WebSocketStream<WireStream>,
    count: usize,
}

impl TokioWebsockets {
    pub(crate) fn new(wire: Arc<[u8]>, count: usize) -> Self {
        Self::for_role(wire, count, true)
    }

    /// In either role (see [`Sansocket::for_role`]).
    pub(crate) fn for_role(wire: Arc<[u8]>, count: usize, server: bool) -> Self {
        let stream = WireStream::new(wire);
        let ws = if server {
            tokio_websockets::ServerBuilder::new().serve(stream)
        } else {
            tokio_websockets::ClientBuilder::new().take_over(stream)
        };
        Self { ws, count }
    }
}

impl TokioWebsockets {
    /// The sizes of the reads tokio-websockets makes over one pass (the second, once its
    /// buffer has settled), for [`SansocketReads`].
    pub(crate) fn reads(wire: Arc<[u8]>, count: usize) -> Vec<usize> {
        Self::reads_for_role(wire, count, true)
    }

    /// [`reads`](Self::reads) in either role (see [`Sansocket::for_role`]).
    pub(crate) fn reads_for_role(wire: Arc<[u8]>, count: usize, server: bool) -> Vec<usize> {
        let reads = Rc::new(RefCell::new(Vec::new()));
        let mut stream = WireStream::new(wire.clone());
        stream.reads = Some(reads.clone());
        let mut d = Self::for_role(wire.clone(), count, server);
        d.ws = if server {
            tokio_websockets::ServerBuilder::new().serve(stream)
        } else {
            tokio_websockets::ClientBuilder::new().take_over(stream)
        };
        d.pass(&mut |_| {});
        reads.borrow_mut().clear();
        d.pass(&mut |_| {});
        let sizes = reads.take();
        assert_eq!(
            sizes.iter().sum::<usize>(),
            wire.len(),
            "one pass reads the wire once"
        );
        sizes
    }
}

impl Decoder for TokioWebsockets {
    fn pass(&mut self, consume: &mut impl FnMut(&[u8])) {
        use futures_util::StreamExt;
        for _ in 0..self.count {
            let message = block_on(self.ws.next())
                .expect("a message")
                .expect("valid frames");
            assert!(message.is_binary() || message.is_text());
            consume(message.as_payload());
        }
    }
}

/// The ceiling: copy each read into a buffer and XOR it with a key (a server unmasking; a
/// client only copies); no framing at all.
pub(crate) struct Ceiling {
    wire: Arc<[u8]>,
    buf: Vec<u8>,
    unmask: bool,
}

impl Ceiling {
    pub(crate) fn new(wire: Arc<[u8]>) -> Self {
        Self::for_role(wire, true)
    }

    /// In either role (see [`Sansocket::for_role`]).
    pub(crate) fn for_role(wire: Arc<[u8]>, server: bool) -> Self {
        Self {
            wire,
            buf: Vec::with_capacity(CHUNK),
            unmask: server,
        }
    }
}

impl Decoder for Ceiling {
    fn pass(&mut self, consume: &mut impl FnMut(&[u8])) {
        for chunk in self.wire.chunks(CHUNK) {
            self.buf.clear();
            self.buf.extend_from_slice(chunk);
            if self.unmask {
                xor(&mut self.buf, [0x37, 0xfa, 0x21, 0x3d]);
            }
            consume(&self.buf);
        }
    }
}

/// Plain XOR with a repeating 4-byte key, eight bytes at a time (LLVM vectorises it).
pub(crate) fn xor(buf: &mut [u8], key: [u8; 4]) {
    let wide = u64::from_ne_bytes([
        key[0], key[1], key[2], key[3], key[0], key[1], key[2], key[3],
    ]);
    let (words, rest) = buf.as_chunks_mut::<8>();
    for word in words {
        *word = (u64::from_ne_bytes(*word) ^ wide).to_ne_bytes();
    }
    for (b, k) in rest.iter_mut().zip(key.iter().cycle()) {
        *b ^= k;
    }
}
