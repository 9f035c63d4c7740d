//! Randomness for clients: `crypto.getRandomValues` (Web Crypto), present in every browser
//! and in Node 20+ as `globalThis.crypto`. RFC 6455 §10.3 asks for unpredictable mask keys.

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

/// The entropy closure a client connection owns. [`fill`] was checked to work when the
/// connection was made; should it fail later anyway, the error is dropped rather than
/// trapping (a trap would kill every connection in the instance).
pub(crate) fn source() -> impl FnMut(&mut [u8]) + Send + 'static {
    |buf: &mut [u8]| {
        let _ = fill(buf);
    }
}
