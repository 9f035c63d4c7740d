//! JavaScript values to and from the engine's frames, options and errors.

use js_sys::{Array, Error as JsError, Object, Reflect, Uint8Array};
use sansocket_stomp::{
    Command, DecodeError, EncodeError, Frame, HeartBeat, Limits, SessionError, UsageError, Version,
};
use wasm_bindgen::{JsCast, JsValue};

/// Sets `key` on a plain object (cannot fail on one).
pub(crate) fn set(target: &JsValue, key: &str, value: impl Into<JsValue>) {
    let _ = Reflect::set(target, &JsValue::from_str(key), &value.into());
}

/// `{type: kind}`, to add fields to.
pub(crate) fn event(kind: &str) -> JsValue {
    let o: JsValue = Object::new().into();
    set(&o, "type", kind);
    o
}

pub(crate) fn opt_str(value: Option<&str>) -> JsValue {
    value.map_or(JsValue::NULL, JsValue::from_str)
}

/// Milliseconds from JavaScript (a `number`).
pub(crate) fn ms(now: f64) -> u64 {
    if now.is_finite() && now > 0.0 {
        now as u64
    } else {
        0
    }
}

pub(crate) fn version(text: &str) -> Result<Version, JsValue> {
    Version::parse(text)
        .ok_or_else(|| js_sys::RangeError::new(&format!("unknown STOMP version {text:?}")).into())
}

fn type_error(message: &str) -> JsValue {
    js_sys::TypeError::new(message).into()
}

/// `[[name, value], ...]` (or undefined/null: none).
pub(crate) fn headers(value: &JsValue) -> Result<Vec<(String, String)>, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(Vec::new());
    }
    let Some(list) = value.dyn_ref::<Array>() else {
        return Err(type_error(
            "headers must be an array of [name, value] pairs",
        ));
    };
    let mut out = Vec::with_capacity(list.length() as usize);
    for pair in list.iter() {
        let pair = pair.dyn_into::<Array>().ok().filter(|p| p.length() == 2);
        let strings = pair.and_then(|p| Some((p.get(0).as_string()?, p.get(1).as_string()?)));
        out.push(
            strings.ok_or_else(|| type_error("each header is a [name, value] pair of strings"))?,
        );
    }
    Ok(out)
}

pub(crate) fn headers_to_js(headers: &[(String, String)]) -> Array {
    headers
        .iter()
        .map(|(n, v)| JsValue::from(Array::of2(&JsValue::from_str(n), &JsValue::from_str(v))))
        .collect()
}

/// A frame as `{type: 'frame', command, headers, body}`.
pub(crate) fn frame_to_js(frame: &Frame) -> JsValue {
    let o = event("frame");
    set(&o, "command", frame.command().as_str());
    set(&o, "headers", headers_to_js(frame.headers()));
    set(&o, "body", Uint8Array::from(&frame.body()[..]));
    o
}

pub(crate) fn frame_from_js(
    command: &str,
    headers: &JsValue,
    body: &[u8],
) -> Result<Frame, JsValue> {
    let command = Command::from_bytes(command.as_bytes()).ok_or_else(|| {
        JsValue::from(js_sys::RangeError::new(&format!(
            "unknown STOMP command {command:?}"
        )))
    })?;
    Ok(Frame::from_parts(
        command,
        self::headers(headers)?,
        body.to_vec().into(),
    ))
}

fn get(options: &JsValue, key: &str) -> Option<JsValue> {
    if !options.is_object() {
        return None;
    }
    Reflect::get(options, &JsValue::from_str(key))
        .ok()
        .filter(|v| !v.is_undefined() && !v.is_null())
}

pub(crate) fn get_string(options: &JsValue, key: &str) -> Result<Option<String>, JsValue> {
    get(options, key)
        .map(|v| {
            v.as_string()
                .ok_or_else(|| type_error(&format!("{key} must be a string")))
        })
        .transpose()
}

pub(crate) fn get_number(options: &JsValue, key: &str) -> Result<Option<f64>, JsValue> {
    get(options, key)
        .map(|v| {
            v.as_f64()
                .filter(|n| n.is_finite() && *n >= 0.0)
                .ok_or_else(|| type_error(&format!("{key} must be a number >= 0")))
        })
        .transpose()
}

pub(crate) fn get_bool(options: &JsValue, key: &str) -> Result<Option<bool>, JsValue> {
    get(options, key)
        .map(|v| {
            v.as_bool()
                .ok_or_else(|| type_error(&format!("{key} must be a boolean")))
        })
        .transpose()
}

pub(crate) fn get_strings(options: &JsValue, key: &str) -> Result<Option<Vec<String>>, JsValue> {
    get(options, key)
        .map(|v| {
            v.dyn_into::<Array>()
                .ok()
                .and_then(|a| a.iter().map(|s| s.as_string()).collect::<Option<Vec<_>>>())
                .ok_or_else(|| type_error(&format!("{key} must be an array of strings")))
        })
        .transpose()
}

pub(crate) fn get_headers(options: &JsValue, key: &str) -> Result<Vec<(String, String)>, JsValue> {
    get(options, key).map_or_else(|| Ok(Vec::new()), |v| headers(&v))
}

/// `heartBeat: [send, receive]` in ms.
pub(crate) fn get_heart_beat(options: &JsValue, default: HeartBeat) -> Result<HeartBeat, JsValue> {
    let Some(v) = get(options, "heartBeat") else {
        return Ok(default);
    };
    let pair = v.dyn_into::<Array>().ok().filter(|a| a.length() == 2);
    let nums = pair.and_then(|a| Some((a.get(0).as_f64()?, a.get(1).as_f64()?)));
    match nums {
        Some((s, r)) if s >= 0.0 && r >= 0.0 => Ok(HeartBeat::new(ms(s), ms(r))),
        _ => Err(type_error("heartBeat must be [send, receive] in ms")),
    }
}

/// `limits: {maxHeaders, maxLine, maxHeaderBlock, maxBody}`, each optional.
pub(crate) fn get_limits(options: &JsValue) -> Result<Limits, JsValue> {
    let d = Limits::default();
    let Some(l) = get(options, "limits") else {
        return Ok(d);
    };
    let n = |key: &str, default: usize| -> Result<usize, JsValue> {
        Ok(get_number(&l, key)?.map_or(default, |v| v as usize))
    };
    Ok(d.max_headers(n("maxHeaders", d.max_headers)?)
        .max_line(n("maxLine", d.max_line)?)
        .max_header_block(n("maxHeaderBlock", d.max_header_block)?)
        .max_body(n("maxBody", d.max_body)?))
}

fn error(name: &str, message: &str, code: &str) -> JsError {
    let e = JsError::new(message);
    e.set_name(name);
    set(&e, "code", code);
    e
}

pub(crate) fn decode_error(e: DecodeError) -> JsValue {
    let err = error("StompDecodeError", &e.to_string(), e.kind());
    set(&err, "isLimit", e.is_limit());
    err.into()
}

pub(crate) fn encode_error(e: EncodeError) -> JsValue {
    error("StompEncodeError", &e.to_string(), e.kind()).into()
}

pub(crate) fn usage_error(e: UsageError) -> JsValue {
    error("StompUsageError", &e.to_string(), e.kind()).into()
}

/// A session failure: `code`, `stompMessage` (an ERROR's `message` header or the reason)
/// and `frame` (the server's ERROR frame, or null).
pub(crate) fn session_error(e: &SessionError) -> JsValue {
    let err = error("StompSessionError", &e.to_string(), e.kind());
    let (message, frame) = match e {
        SessionError::Server { message, frame } => (message.clone(), frame_to_js(frame)),
        other => (other.to_string(), JsValue::NULL),
    };
    set(&err, "stompMessage", message);
    set(&err, "frame", frame);
    err.into()
}

/// Maps a `UsageError` result to a thrown `StompUsageError`.
pub(crate) fn usage<T>(r: Result<T, UsageError>) -> Result<T, JsValue> {
    r.map_err(usage_error)
}
