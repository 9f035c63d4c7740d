//! Events handed to JavaScript in batches: one call decodes a whole received chunk.
//!
//! Data events (text, binary, chunks, pings, pongs) become rows of a `u32` table in WASM
//! memory: `[kind, pointer, length, extra]`, after a header `[rows, rich]`. The payloads stay
//! alive here until the next batch starts, and JavaScript copies them out before that.
//! Rare events (request, accepted, rejected, close, error) are built as JavaScript objects
//! right away and stand in the table as a [`RICH`] row; JavaScript fetches them with
//! `takeRich()`.

use bytes::Bytes;
use js_sys::{Array, Object, Uint8Array};
use sansocket::{CloseFrame, Error, ExtensionOffer, MessageKind, Rejection, Request, Response};
use wasm_bindgen::JsValue;

use crate::errors::{connection_error, set};

/// A whole text message; the payload is UTF-8 (checked by the core).
pub(crate) const TEXT: u32 = 1;
/// A whole binary message.
pub(crate) const BINARY: u32 = 2;
/// A piece of a text message; `extra` is 1 on the last piece.
pub(crate) const TEXT_CHUNK: u32 = 3;
/// A piece of a binary message; `extra` is 1 on the last piece.
pub(crate) const BINARY_CHUNK: u32 = 4;
/// A ping and its payload.
pub(crate) const PING: u32 = 5;
/// A pong and its payload.
pub(crate) const PONG: u32 = 6;
/// The next object of the rich list.
pub(crate) const RICH: u32 = 7;
/// A piece of a binary message whose one frame straddles reads, taken straight from them
/// (`whole_frames.rs`): `extra` is the message's length on its first piece (which may be
/// empty), 0 on the others. The pieces of a message come in order, in this batch and the
/// next ones, with no other row between them; the message is whole once they add up to
/// its length.
pub(crate) const PIECE: u32 = 8;
/// A whole binary message whose payload JavaScript unmasks in place in its own read
/// (`in_place.rs`): `pointer` is the payload's offset in the read (not an address), `extra`
/// the mask key as a little-endian `u32` (0: not masked).
pub(crate) const IN_READ: u32 = 9;
/// A piece of a binary message whose one frame straddles reads, left in the read as
/// [`IN_READ`] leaves a payload (offset in the read, key from the piece's phase on); the
/// first piece of a message comes right after an [`IN_READ_BEGIN`] row. Otherwise as
/// [`PIECE`].
pub(crate) const IN_READ_PIECE: u32 = 10;
/// The start of a message put together from [`IN_READ_PIECE`] rows: `extra` is its length.
pub(crate) const IN_READ_BEGIN: u32 = 11;

/// The row kinds by name, for `lib/connection.js` (the one definition of them is above).
#[wasm_bindgen::prelude::wasm_bindgen(js_name = eventKinds)]
pub fn event_kinds() -> Object {
    let kinds = Object::new();
    for (name, kind) in [
        ("TEXT", TEXT),
        ("BINARY", BINARY),
        ("TEXT_CHUNK", TEXT_CHUNK),
        ("BINARY_CHUNK", BINARY_CHUNK),
        ("PING", PING),
        ("PONG", PONG),
        ("RICH", RICH),
        ("PIECE", PIECE),
        ("IN_READ", IN_READ),
        ("IN_READ_PIECE", IN_READ_PIECE),
        ("IN_READ_BEGIN", IN_READ_BEGIN),
    ] {
        set(&kinds, name, kind);
    }
    kinds
}

/// Words before the first row.
const HEADER: usize = 2;

/// One batch of events.
#[derive(Default)]
pub(crate) struct Batch {
    table: Vec<u32>,
    held: Vec<Bytes>,
    rich: Vec<JsValue>,
}

impl Batch {
    /// Forgets the previous batch, so the core can reuse its receive buffer.
    pub(crate) fn clear(&mut self) {
        self.table.clear();
        self.held.clear();
        self.rich.clear();
    }

    /// A row for a payload; `extra` is the `fin` flag of a chunk.
    pub(crate) fn push_bytes(&mut self, kind: u32, bytes: Bytes, extra: u32) {
        self.ensure_header();
        self.table
            .extend_from_slice(&[kind, address(&bytes), len32(&bytes), extra]);
        self.held.push(bytes);
    }

    /// A row for a payload that lies elsewhere in WASM memory (the instance's buffer of
    /// `whole_frames`), valid as long as that is.
    pub(crate) fn push_row(&mut self, kind: u32, at: u32, len: usize) {
        self.push_row_extra(kind, at, len, 0);
    }

    /// [`push_row`](Self::push_row) with its `extra` word (a [`PIECE`]'s message length).
    pub(crate) fn push_row_extra(&mut self, kind: u32, at: u32, len: usize, extra: u32) {
        self.ensure_header();
        let len = u32::try_from(len).unwrap_or(u32::MAX);
        self.table.extend_from_slice(&[kind, at, len, extra]);
    }

    /// A row for an event built as a JavaScript object.
    pub(crate) fn push_rich(&mut self, value: JsValue) {
        self.ensure_header();
        self.table.extend_from_slice(&[RICH, 0, 0, 0]);
        self.rich.push(value);
    }

    fn ensure_header(&mut self) {
        if self.table.is_empty() {
            self.table.resize(HEADER, 0);
        }
    }

    /// Finishes the table; returns its address in WASM memory, 0 for an empty batch.
    pub(crate) fn finish(&mut self) -> u32 {
        if self.table.is_empty() {
            return 0;
        }
        let rows = (self.table.len() - HEADER) / 4;
        self.table[0] = u32::try_from(rows).unwrap_or(u32::MAX);
        self.table[1] = u32::try_from(self.rich.len()).unwrap_or(u32::MAX);
        address(&self.table)
    }

    /// The rich events of the batch, in order.
    pub(crate) fn take_rich(&mut self) -> Array {
        self.rich.drain(..).collect()
    }
}

/// The address of a slice in WASM memory (32-bit there; only meaningful on wasm32).
pub(crate) fn address<T>(slice: &[T]) -> u32 {
    slice.as_ptr() as usize as u32
}

fn len32(bytes: &[u8]) -> u32 {
    u32::try_from(bytes.len()).unwrap_or(u32::MAX)
}

/// The row kind of a data message or chunk.
pub(crate) fn chunk_kind(kind: MessageKind) -> u32 {
    match kind {
        MessageKind::Text => TEXT_CHUNK,
        MessageKind::Binary => BINARY_CHUNK,
    }
}

fn object(kind: &'static str) -> Object {
    let object = Object::new();
    set(&object, "type", wasm_bindgen::intern(kind));
    object
}

fn optional(value: Option<&str>) -> JsValue {
    value.map_or(JsValue::NULL, JsValue::from_str)
}

/// Header bytes as a string, one character per byte (latin1, as Node's `rawHeaders`).
fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// Header names (and values) most requests and responses carry, as clients spell them: made into
/// JavaScript strings once (the names a peer sends are looked up, never added: the cache
/// does not grow with what peers send).
const COMMON_HEADERS: &[&str] = &[
    "Host",
    "host",
    "Upgrade",
    "upgrade",
    "Connection",
    "connection",
    "Sec-WebSocket-Key",
    "sec-websocket-key",
    "Sec-WebSocket-Version",
    "sec-websocket-version",
    "Sec-WebSocket-Extensions",
    "sec-websocket-extensions",
    "Sec-WebSocket-Protocol",
    "sec-websocket-protocol",
    "Sec-WebSocket-Accept",
    "sec-websocket-accept",
    "Origin",
    "origin",
    "User-Agent",
    "user-agent",
    "websocket",
    "13",
];

fn header_list(headers: &[(String, Vec<u8>)]) -> Array {
    thread_local! {
        static INTERNED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }
    if !INTERNED.replace(true) {
        for name in COMMON_HEADERS {
            wasm_bindgen::intern(name);
        }
    }
    headers
        .iter()
        .map(|(name, value)| {
            Array::of2(&JsValue::from_str(name), &JsValue::from_str(&latin1(value)))
        })
        .collect()
}

fn string_list(items: &[String]) -> Array {
    items.iter().map(|s| JsValue::from_str(s)).collect()
}

fn extension_list(offers: &[ExtensionOffer]) -> Array {
    offers
        .iter()
        .map(|offer| {
            let params: Array = offer
                .params
                .iter()
                .map(|(k, v)| Array::of2(&JsValue::from_str(k), &optional(v.as_deref())))
                .collect();
            let item = Object::new();
            set(&item, "name", offer.name.as_str());
            set(&item, "params", params);
            JsValue::from(item)
        })
        .collect()
}

/// `{type: "request", target, path, query, host, origin, key, subprotocols, extensions, headers}`
pub(crate) fn request(r: &Request) -> JsValue {
    let event = object("request");
    set(&event, "target", r.target.as_str());
    set(&event, "path", r.path());
    set(&event, "query", optional(r.query()));
    set(&event, "host", r.host.as_str());
    set(&event, "origin", optional(r.origin.as_deref()));
    set(&event, "key", r.key.as_str());
    set(&event, "subprotocols", string_list(&r.subprotocols));
    set(&event, "extensions", extension_list(&r.extensions));
    set(&event, "headers", header_list(&r.headers));
    event.into()
}

/// `{type: "accepted", subprotocol, extensions, headers}`
pub(crate) fn accepted(r: &Response) -> JsValue {
    let event = object("accepted");
    set(&event, "subprotocol", optional(r.subprotocol.as_deref()));
    set(&event, "extensions", extension_list(&r.extensions));
    set(&event, "headers", header_list(&r.headers));
    event.into()
}

/// `{type: "rejected", status, reason, headers, body}`
pub(crate) fn rejected(r: &Rejection) -> JsValue {
    let event = object("rejected");
    set(&event, "status", r.status);
    set(&event, "reason", r.reason.as_str());
    set(&event, "headers", header_list(&r.headers));
    set(&event, "body", Uint8Array::from(&r.body[..]));
    event.into()
}

/// `{type: "close", code, reason}`
pub(crate) fn close(frame: &CloseFrame) -> JsValue {
    let event = object("close");
    set(&event, "code", frame.code);
    set(&event, "reason", frame.reason.as_str());
    event.into()
}

/// `{type: "error", error}`: the error also carries `code`, `closeCode` and `status` (the
/// HTTP status a server answered a failed handshake with; `null` on a client).
pub(crate) fn error(e: &Error, server: bool) -> JsValue {
    let event = object("error");
    set(&event, "error", connection_error(e, server));
    event.into()
}
