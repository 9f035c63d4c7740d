//! What the `decode` and `encode` benches share: the cases, the wire bytes, in-memory
//! transports for the peers, a minimal executor, and the summary table.

#![allow(dead_code)] // each bench uses a different part of this module

pub(crate) mod compressed;
pub(crate) mod decoders;
pub(crate) mod encoders;
pub(crate) mod report;

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::io;
use std::pin::{Pin, pin};
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use bytes::BytesMut;
use sansocket::frame::{MAX_HEADER_LEN, OpCode};
use sansocket_test_support::frame;

/// Bytes handed over per "socket read", as a server reading 64 KiB at a time would.
pub(crate) const CHUNK: usize = 64 << 10;

/// Text or binary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Binary,
    Text,
}

/// One benchmark case: `count` messages of `size` bytes, each sent in `fragments` frames.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Case {
    pub(crate) name: &'static str,
    pub(crate) kind: Kind,
    pub(crate) size: usize,
    pub(crate) count: usize,
    pub(crate) fragments: usize,
}

/// The cases, about 1 MiB of payload each (4 MiB for the 1 MiB messages).
pub(crate) const CASES: &[Case] = &[
    Case {
        name: "16B",
        kind: Kind::Binary,
        size: 16,
        count: 65536,
        fragments: 1,
    },
    Case {
        name: "125B",
        kind: Kind::Binary,
        size: 125,
        count: 8192,
        fragments: 1,
    },
    Case {
        name: "1KiB",
        kind: Kind::Binary,
        size: 1 << 10,
        count: 1024,
        fragments: 1,
    },
    Case {
        name: "16KiB",
        kind: Kind::Binary,
        size: 16 << 10,
        count: 64,
        fragments: 1,
    },
    Case {
        name: "1MiB",
        kind: Kind::Binary,
        size: 1 << 20,
        count: 4,
        fragments: 1,
    },
    Case {
        name: "64KiB",
        kind: Kind::Binary,
        size: 64 << 10,
        count: 16,
        fragments: 1,
    },
    Case {
        name: "text-64KiB",
        kind: Kind::Text,
        size: 64 << 10,
        count: 16,
        fragments: 1,
    },
    Case {
        name: "64KiB-x16-frags",
        kind: Kind::Binary,
        size: 64 << 10,
        count: 16,
        fragments: 16,
    },
];

/// SplitMix64: deterministic payloads and mask keys.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// The payload of every message of a case: random bytes, or realistic text (mostly ASCII
/// words, some accented Latin, Cyrillic, CJK and emoji) of exactly `size` bytes.
pub(crate) fn payload(case: &Case) -> Vec<u8> {
    let mut rng = Rng::new(case.size as u64);
    match case.kind {
        Kind::Binary => (0..case.size).map(|_| rng.next() as u8).collect(),
        Kind::Text => text(case.size, &mut rng).into_bytes(),
    }
}

fn text(size: usize, rng: &mut Rng) -> String {
    const ASCII: &[&str] = &[
        "the",
        "quick",
        "brown",
        "fox",
        "jumps",
        "over",
        "lazy",
        "dog",
        "WebSocket",
        "frame",
        "message",
        "server",
        "client",
        "{\"id\":42,",
        "\"ok\":true}",
        "data",
        "of",
        "and",
        "to",
        "in",
        "is",
        "2024-05-01T12:00:00Z",
        "payload",
        "stream",
        "value",
        "name",
    ];
    const OTHER: &[&str] = &[
        "café",
        "naïve",
        "Größe",
        "déjà",
        "vu",
        "Привет",
        "мир",
        "東京",
        "日本語",
        "😀",
        "→",
        "€",
        "señor",
        "ünïcödé",
    ];
    let mut s = String::with_capacity(size + 16);
    while s.len() < size {
        let word = if rng.below(10) == 0 {
            OTHER[rng.below(OTHER.len())]
        } else {
            ASCII[rng.below(ASCII.len())]
        };
        if s.len() + word.len() + 1 > size {
            break;
        }
        s.push_str(word);
        s.push(if rng.below(12) == 0 { '\n' } else { ' ' });
    }
    while s.len() < size {
        s.push('.');
    }
    s
}

/// The wire bytes of a case as a client sends them: masked frames, a fresh key per frame.
pub(crate) fn client_wire(case: &Case, payload: &[u8]) -> Vec<u8> {
    wire(case, payload, true)
}

/// The wire bytes of a case as a server sends them: frames not masked.
pub(crate) fn server_wire(case: &Case, payload: &[u8]) -> Vec<u8> {
    wire(case, payload, false)
}

fn wire(case: &Case, payload: &[u8], masked: bool) -> Vec<u8> {
    let mut rng = Rng::new(0x5eed);
    let piece = payload.len().div_ceil(case.fragments);
    let mut wire =
        Vec::with_capacity(case.count * (payload.len() + case.fragments * MAX_HEADER_LEN));
    for _ in 0..case.count {
        let pieces: Vec<&[u8]> = payload.chunks(piece.max(1)).collect();
        for (i, part) in pieces.iter().enumerate() {
            let opcode = match (i, case.kind) {
                (0, Kind::Binary) => OpCode::Binary,
                (0, Kind::Text) => OpCode::Text,
                _ => OpCode::Continuation,
            };
            let key = (rng.next() as u32).to_ne_bytes();
            let fin = i + 1 == pieces.len();
            let mask = masked.then_some(key);
            wire.extend_from_slice(&frame(fin, opcode as u8, mask, part));
        }
    }
    wire
}

/// What a decoder saw in one pass: messages, payload bytes, and the first payload.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Tally {
    pub(crate) messages: usize,
    pub(crate) bytes: usize,
}

/// A transport that hands out `wire` in reads of at most [`CHUNK`] bytes, starting over at
/// the end (each pass over the wire starts on a chunk boundary), and takes writes: a
/// [`sink`](Self::sink) copies each one into a reused buffer, as a socket's kernel copies
/// it into its send buffer, so that every encoder pays for the bytes it hands out.
pub(crate) struct WireStream {
    wire: Arc<[u8]>,
    pos: usize,
    /// Bytes written so far (shared, as some peers do not lend their stream back).
    pub(crate) written: Rc<Cell<usize>>,
    /// If set, the size of every read is appended here.
    pub(crate) reads: Option<Rc<RefCell<Vec<usize>>>>,
    /// The "socket buffer" each write is copied into (a sink), reused.
    sent: Option<BytesMut>,
}

impl WireStream {
    pub(crate) fn new(wire: Arc<[u8]>) -> Self {
        Self {
            wire,
            pos: 0,
            written: Rc::default(),
            reads: None,
            sent: None,
        }
    }

    /// A stream with nothing to read, for encoders: each write is copied (see [`WireStream`]).
    pub(crate) fn sink() -> Self {
        let mut sink = Self::new(Arc::from(&[][..]));
        sink.sent = Some(BytesMut::new());
        sink
    }

    fn next_read(&mut self, room: usize) -> &[u8] {
        let end = self.wire.len().min(self.pos + CHUNK).min(self.pos + room);
        let start = self.pos;
        self.pos = if end == self.wire.len() { 0 } else { end };
        if let Some(reads) = &self.reads {
            reads.borrow_mut().push(end - start);
        }
        &self.wire[start..end]
    }
}

impl io::Read for WireStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let data = self.next_read(buf.len());
        let n = data.len();
        buf[..n].copy_from_slice(data);
        Ok(n)
    }
}

impl io::Write for WireStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Some(sent) = self.sent.as_mut() {
            // The same copy loop for every writer (XOR with 0: `memcpy`'s slow case avoided,
            // see `mask::extend_copy`), into the same reused buffer.
            sent.clear();
            sansocket::mask::extend_masked(sent, buf, [0; 4], 0);
            std::hint::black_box(&sent[..]);
        }
        std::hint::black_box(buf);
        self.written.set(self.written.get() + buf.len());
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl tokio::io::AsyncRead for WireStream {
    fn poll_read(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let data = this.next_read(buf.remaining());
        buf.put_slice(data);
        Poll::Ready(Ok(()))
    }
}

impl tokio::io::AsyncWrite for WireStream {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Poll::Ready(io::Write::write(self.get_mut(), buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let mut n = 0;
        for buf in bufs {
            n += io::Write::write(this, buf)?;
        }
        Poll::Ready(Ok(n))
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// Runs a future that never waits (in-memory streams are always ready) to completion.
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    match future.as_mut().poll(&mut cx) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("an in-memory stream never waits"),
    }
}
