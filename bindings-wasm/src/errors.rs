//! Core errors as JavaScript `Error` objects: the one place where they are converted.
//!
//! Every error gets a `code` (a stable kebab-case name); protocol errors carry the
//! `closeCode` they were reported with, handshake errors the HTTP `status` a server answered
//! with (when there is one).

use js_sys::{Error as JsError, Reflect};
use sansocket::{Error, UsageError};
use wasm_bindgen::JsValue;

/// Sets `key` on a JavaScript object. Setting a property on a plain object or an `Error`
/// cannot fail, so the result is ignored. `key` is one of this crate's constant names: it
/// is made into a JavaScript string once, then reused (`wasm_bindgen::intern`).
pub(crate) fn set(target: &JsValue, key: &'static str, value: impl Into<JsValue>) {
    let _ = Reflect::set(
        target,
        &JsValue::from_str(wasm_bindgen::intern(key)),
        &value.into(),
    );
}

fn error(name: &str, message: &str, code: &str) -> JsError {
    let error = JsError::new(message);
    error.set_name(name);
    set(&error, "code", code);
    error
}

/// `crypto.getRandomValues` failed while a client drew a mask or handshake key: the
/// connection can send nothing more (code `entropy-failed`).
pub(crate) fn entropy_error() -> JsValue {
    error(
        "Error",
        "crypto.getRandomValues failed: the connection cannot mask frames and sends nothing more",
        "entropy-failed",
    )
    .into()
}

/// A `TypeError` for an argument of the wrong type (an option, a header list).
pub(crate) fn type_error(message: &str) -> JsValue {
    js_sys::TypeError::new(message).into()
}

/// A `RangeError` for a number out of range (a status, a close code, a limit).
pub(crate) fn range_error(message: &str) -> JsValue {
    js_sys::RangeError::new(message).into()
}

/// A protocol or handshake failure reported by the engine. `status` is set only on a
/// server, which has queued an HTTP answer with it.
pub(crate) fn connection_error(e: &Error, server: bool) -> JsValue {
    let (name, close_code, status) = match e {
        Error::Protocol(p) => ("ProtocolError", Some(p.close_code()), None),
        Error::Handshake(h) => ("HandshakeError", None, h.status().filter(|_| server)),
        // A kind of failure newer than this binding.
        other => ("Error", other.close_code(), None),
    };
    let error = error(name, &e.to_string(), e.name());
    set(
        &error,
        "closeCode",
        close_code.map_or(JsValue::NULL, JsValue::from),
    );
    set(
        &error,
        "status",
        status.map_or(JsValue::NULL, JsValue::from),
    );
    error.into()
}

/// The application asked for something the connection's state does not allow.
pub(crate) fn usage_error(e: &UsageError) -> JsValue {
    let code = e.name();
    error("UsageError", &e.to_string(), code).into()
}
