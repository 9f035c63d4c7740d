//! Randomness for clients: `crypto.getRandomValues` (Web Crypto), present in every browser
//! and in Node 20+ as `globalThis.crypto`. RFC 6455 §10.3 asks for unpredictable mask keys.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use wasm_bindgen::JsValue;
use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = crypto, js_name = getRandomValues, catch)]
    fn get_random_values(buf: &mut [u8]) -> Result<JsValue, JsValue>;
}

/// Fills `buf` from `crypto.getRandomValues`. The core asks for at most 256 bytes at a time,
/// well under the 65 536-byte limit of one call.
pub(crate) fn fill(buf: &mut [u8]) -> Result<(), JsValue> {
    get_random_values(buf).map(|_| ())
}

/// Set by a connection's entropy source when `crypto.getRandomValues` failed: the bytes it
/// was asked for (a mask key, the handshake key) are not random, so nothing the connection
/// queued since may be sent. Shared between the source (owned by the core) and the
/// [`RawConnection`](crate::RawConnection), which checks it after every call that may have
/// drawn randomness and fails the connection for good.
pub(crate) type Failed = Arc<AtomicBool>;

/// The entropy closure a client connection owns: on a failure of [`fill`] it raises
/// `failed` (it cannot return an error to the core, and a trap would kill every connection
/// in the instance).
pub(crate) fn source(failed: Failed) -> impl FnMut(&mut [u8]) + Send + 'static {
    move |buf: &mut [u8]| {
        if fill(buf).is_err() {
            failed.store(true, Ordering::Relaxed);
        }
    }
}
