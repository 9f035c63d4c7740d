//! The decoder and the encoder.

use sansocket_stomp::{DecodeEvent, Decoder};
use wasm_bindgen::prelude::*;

use super::convert::{self, decode_error, encode_error, event, frame_from_js, frame_to_js};

/// The streaming decoder (`StompDecoder` in `lib/stomp.js`).
#[wasm_bindgen]
pub struct RawStompDecoder {
    inner: Decoder,
}

#[wasm_bindgen]
impl RawStompDecoder {
    /// `version`: "1.0", "1.1" or "1.2"; `options`: `{limits}`.
    #[wasm_bindgen(constructor)]
    pub fn new(version: &str, options: JsValue) -> Result<RawStompDecoder, JsValue> {
        Ok(Self {
            inner: Decoder::new(convert::version(version)?, convert::get_limits(&options)?),
        })
    }

    /// Bytes as they arrive.
    pub fn receive(&mut self, data: &[u8]) {
        self.inner.receive_data(data);
    }

    /// The next `{type: 'frame', ...}` or `{type: 'heart-beat'}`, or undefined; throws a
    /// `StompDecodeError`.
    #[wasm_bindgen(js_name = nextEvent)]
    pub fn next_event(&mut self) -> Result<JsValue, JsValue> {
        match self.inner.next_event() {
            Ok(None) => Ok(JsValue::UNDEFINED),
            Ok(Some(DecodeEvent::Frame(f))) => Ok(frame_to_js(&f)),
            Ok(Some(_)) => Ok(event("heart-beat")),
            Err(e) => Err(decode_error(e)),
        }
    }

    /// Changes the version for the frames not decoded yet.
    #[wasm_bindgen(js_name = setVersion)]
    pub fn set_version(&mut self, version: &str) -> Result<(), JsValue> {
        self.inner.set_version(convert::version(version)?);
        Ok(())
    }

    /// The version headers are unescaped for.
    #[wasm_bindgen(getter)]
    pub fn version(&self) -> String {
        self.inner.version().as_str().to_owned()
    }

    /// Bytes received and not decoded yet.
    #[wasm_bindgen(getter)]
    pub fn buffered(&self) -> usize {
        self.inner.buffered()
    }

    /// Whether the decoder failed.
    #[wasm_bindgen(getter, js_name = hasFailed)]
    pub fn has_failed(&self) -> bool {
        self.inner.has_failed()
    }
}

/// A frame as bytes for `version`; throws `StompEncodeError`.
#[wasm_bindgen(js_name = stompEncode)]
pub fn stomp_encode(
    command: &str,
    headers: JsValue,
    body: &[u8],
    version: &str,
) -> Result<Vec<u8>, JsValue> {
    let frame = frame_from_js(command, &headers, body)?;
    sansocket_stomp::encode(&frame, convert::version(version)?).map_err(encode_error)
}

/// Whether encoded bytes must go in a binary WebSocket message.
#[wasm_bindgen(js_name = stompIsBinary)]
pub fn stomp_is_binary(encoded: &[u8]) -> bool {
    sansocket_stomp::is_binary(encoded)
}

/// The version a WebSocket subprotocol allows ("v11.stomp" → "1.1"; others → "1.2").
#[wasm_bindgen(js_name = stompSubprotocolVersion)]
pub fn stomp_subprotocol_version(subprotocol: Option<String>) -> String {
    sansocket_stomp::version_for_subprotocol(subprotocol.as_deref())
        .as_str()
        .to_owned()
}
