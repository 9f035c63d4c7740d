//! The STOMP engine (`sansocket-stomp`) for JavaScript: raw wasm-bindgen classes that
//! `lib/stomp.js` wraps into `StompDecoder`, `StompClientSession`, `StompServerSession`
//! and `StompBroker`. Types are converted here and nothing else.
//!
//! Conventions: time is a `number` of milliseconds (negative or non-finite counts as 0);
//! connection ids are numbers; a frame is `{command, headers: [[name, value], ...], body:
//! Uint8Array}`; events are plain objects with a `type`; errors are `Error`s whose `name`
//! is `StompDecodeError`, `StompEncodeError`, `StompUsageError` or `StompSessionError` and
//! whose `code` is the engine's kebab-case kind.

mod broker;
mod codec;
mod convert;
mod sessions;

pub use broker::RawStompBroker;
pub use codec::{
    RawStompDecoder, stomp_encode, stomp_encode_head_scratch, stomp_encode_scratch,
    stomp_is_binary, stomp_subprotocol_version,
};
pub use sessions::{RawStompClient, RawStompServer};
