//! # sansocket-wasm
//!
//! The WebAssembly side of the npm package `sansocket`: a thin wasm-bindgen layer over the
//! [`sansocket`] engine. It converts types and nothing else; every protocol decision is the
//! core's.
//!
//! JavaScript never sees this crate's exports directly: `lib/connection.js` in the package
//! wraps [`RawConnection`] into `ServerConnection` / `ClientConnection`. The split exists for
//! speed: one call into WASM per received chunk decodes every frame in it
//! ([`RawConnection::drain`]) and leaves a table of `(kind, pointer, length)` rows in WASM
//! memory; JavaScript turns the rows into plain event objects, copying each payload out (it
//! never keeps a view into WASM memory, which a memory growth would detach). Rare events
//! (handshake, close, errors) are built here as JavaScript objects.
//!
//! Nothing here may panic: a panic in WASM is a trap, and a trap kills every connection in
//! the instance. Bad arguments become `TypeError`/`RangeError`s, misuse a `UsageError`, a
//! peer's violation an `error` event.

#![forbid(unsafe_code)]

mod connection;
mod entropy;
mod errors;
mod events;
mod in_place;
mod options;
mod proxy;
mod stomp;
mod template;
mod whole_frames;

pub use connection::RawConnection;
pub use events::event_kinds;
pub use proxy::RawProxyConnect;
pub use stomp::{
    RawStompBroker, RawStompClient, RawStompDecoder, RawStompServer, stomp_encode,
    stomp_encode_head_scratch, stomp_encode_scratch, stomp_is_binary, stomp_subprotocol_version,
};
pub use template::RawServerTemplate;

/// The instance's `WebAssembly.Memory`: JavaScript reads event tables and payloads from it
/// (through views it renews whenever the memory grows).
#[wasm_bindgen::prelude::wasm_bindgen(js_name = wasmMemory)]
pub fn wasm_memory() -> wasm_bindgen::JsValue {
    wasm_bindgen::memory()
}
