//! The options object of `new ServerConnection(opts)` / `new ClientConnection(opts)`,
//! turned into the core's [`Config`] and [`ClientRequest`]. Unknown keys and wrong types
//! are refused with a `TypeError` naming the option, so a typo never passes silently.

use js_sys::{Array, Object, Reflect};
use sansocket::deflate::DeflateConfig;
use sansocket::{ClientRequest, Config, Delivery};
use wasm_bindgen::{JsCast, JsValue};

use crate::errors::{range_error, type_error};

/// Options that both roles take: the core's [`Config`].
const CONFIG_KEYS: &[&str] = &[
    "maxFrameSize",
    "maxMessageSize",
    "maxFragments",
    "maxHandshakeSize",
    "maxHeaders",
    "maxRejectionBody",
    "autoPong",
    "delivery",
    "allowedOrigins",
    "requireOrigin",
    "deflate",
    "open",
    "subprotocol",
];

/// Options only a client takes: its request, and a seed for tests.
const CLIENT_KEYS: &[&str] = &[
    "host",
    "target",
    "origin",
    "subprotocols",
    "extensions",
    "headers",
    "entropySeed",
];

/// The keys of the `deflate` object.
const DEFLATE_KEYS: &[&str] = &[
    "maxWindowBits",
    "noContextTakeover",
    "requestPeerNoContextTakeover",
    "level",
    "minSize",
    "lowMemory",
];

/// A checked options object (`undefined` and `null` read as empty).
pub(crate) struct Options {
    object: Option<Object>,
    what: &'static str,
}

impl Options {
    /// Checks that `value` is an object whose keys are all known for `what`.
    pub(crate) fn new(value: &JsValue, what: &'static str, client: bool) -> Result<Self, JsValue> {
        let extra = if client { CLIENT_KEYS } else { &[] };
        Self::checked(value, what, CONFIG_KEYS, extra)
    }

    /// Checks that `value` is an object whose keys are all in `keys`.
    fn new_with(value: &JsValue, what: &'static str, keys: &[&str]) -> Result<Self, JsValue> {
        Self::checked(value, what, keys, &[])
    }

    fn checked(
        value: &JsValue,
        what: &'static str,
        keys: &[&str],
        extra: &[&str],
    ) -> Result<Self, JsValue> {
        if value.is_undefined() || value.is_null() {
            return Ok(Self { object: None, what });
        }
        let Some(object) = value.dyn_ref::<Object>().filter(|_| value.is_object()) else {
            return Err(type_error(&format!("{what} options must be an object")));
        };
        for key in Object::keys(object).iter() {
            let key = key.as_string().unwrap_or_default();
            let known = keys.contains(&key.as_str()) || extra.contains(&key.as_str());
            if !known {
                return Err(type_error(&format!("unknown {what} option {key:?}")));
            }
        }
        Ok(Self {
            object: Some(object.clone()),
            what,
        })
    }

    fn get(&self, key: &str) -> Option<JsValue> {
        let object = self.object.as_ref()?;
        let value = Reflect::get(object, &JsValue::from_str(key)).ok()?;
        (!value.is_undefined()).then_some(value)
    }

    fn wrong(&self, key: &str, expected: &str) -> JsValue {
        type_error(&format!("{} option {key} must be {expected}", self.what))
    }

    /// A non-negative integer that fits in `usize`.
    pub(crate) fn size(&self, key: &str) -> Result<Option<usize>, JsValue> {
        let Some(value) = self.get(key) else {
            return Ok(None);
        };
        let n = value.as_f64().ok_or_else(|| self.wrong(key, "a number"))?;
        to_usize(n)
            .map(Some)
            .ok_or_else(|| range_error(&format!("{} option {key} out of range: {n}", self.what)))
    }

    pub(crate) fn bool(&self, key: &str) -> Result<Option<bool>, JsValue> {
        self.get(key)
            .map(|v| v.as_bool().ok_or_else(|| self.wrong(key, "a boolean")))
            .transpose()
    }

    pub(crate) fn string(&self, key: &str) -> Result<Option<String>, JsValue> {
        match self.get(key) {
            None => Ok(None),
            Some(v) if v.is_null() => Ok(None),
            Some(v) => v
                .as_string()
                .map(Some)
                .ok_or_else(|| self.wrong(key, "a string")),
        }
    }

    pub(crate) fn strings(&self, key: &str) -> Result<Option<Vec<String>>, JsValue> {
        let Some(value) = self.get(key).filter(|v| !v.is_null()) else {
            return Ok(None);
        };
        strings(&value)
            .map(Some)
            .ok_or_else(|| self.wrong(key, "an array of strings"))
    }

    pub(crate) fn headers(&self, key: &str) -> Result<Vec<(String, String)>, JsValue> {
        match self.get(key) {
            None => Ok(Vec::new()),
            Some(value) => headers(&value, &format!("{} option {key}", self.what)),
        }
    }

    /// The seed for deterministic mask keys (tests only).
    pub(crate) fn seed(&self, key: &str) -> Result<Option<u64>, JsValue> {
        let Some(value) = self.get(key) else {
            return Ok(None);
        };
        let n = value.as_f64().ok_or_else(|| self.wrong(key, "a number"))?;
        if !(0.0..=9_007_199_254_740_991.0).contains(&n) || n.fract() != 0.0 {
            return Err(range_error(&format!(
                "{} option {key} out of range: {n}",
                self.what
            )));
        }
        Ok(Some(n as u64))
    }
}

/// A JavaScript number as a `usize`, if it is a non-negative integer that fits.
pub(crate) fn to_usize(n: f64) -> Option<usize> {
    if !n.is_finite() || n < 0.0 || n.fract() != 0.0 || n > usize::MAX as f64 {
        return None;
    }
    usize::try_from(n as u64).ok()
}

/// An array of strings.
fn strings(value: &JsValue) -> Option<Vec<String>> {
    let array = value.dyn_ref::<Array>()?;
    array.iter().map(|v| v.as_string()).collect()
}

/// Headers as `[[name, value], ...]` or `{name: value}`; `undefined`/`null` is none.
pub(crate) fn headers(value: &JsValue, what: &str) -> Result<Vec<(String, String)>, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(Vec::new());
    }
    let wrong = || {
        type_error(&format!(
            "{what} must be [[name, value], ...] or {{name: value}}"
        ))
    };
    let entries = if let Some(array) = value.dyn_ref::<Array>() {
        array.clone()
    } else if value.is_object() {
        Object::entries(value.unchecked_ref::<Object>())
    } else {
        return Err(wrong());
    };
    entries
        .iter()
        .map(|pair| {
            let pair = pair.dyn_into::<Array>().map_err(|_| wrong())?;
            match (
                pair.length(),
                pair.get(0).as_string(),
                pair.get(1).as_string(),
            ) {
                (2, Some(name), Some(value)) => Ok((name, value)),
                _ => Err(wrong()),
            }
        })
        .collect()
}

/// The core's configuration from the options both roles share.
pub(crate) fn config(o: &Options) -> Result<Config, JsValue> {
    let mut config = Config::default();
    let sizes: [(&str, &mut usize); 6] = [
        ("maxFrameSize", &mut config.max_frame_size),
        ("maxMessageSize", &mut config.max_message_size),
        ("maxFragments", &mut config.max_fragments),
        ("maxHandshakeSize", &mut config.max_handshake_size),
        ("maxHeaders", &mut config.max_headers),
        ("maxRejectionBody", &mut config.max_rejection_body),
    ];
    for (key, field) in sizes {
        if let Some(n) = o.size(key)? {
            *field = n;
        }
    }
    if let Some(auto_pong) = o.bool("autoPong")? {
        config.auto_pong = auto_pong;
    }
    config.delivery = match o.string("delivery")?.as_deref() {
        None | Some("messages") => Delivery::Messages,
        Some("chunks") => Delivery::Chunks,
        Some(other) => {
            return Err(type_error(&format!(
                "{} option delivery must be \"messages\" or \"chunks\", not {other:?}",
                o.what
            )));
        }
    };
    config.allowed_origins = o.strings("allowedOrigins")?;
    if let Some(require) = o.bool("requireOrigin")? {
        config.require_origin = require;
    }
    config.deflate = deflate(o)?;
    Ok(config)
}

/// `deflate`: `true` for the defaults, an object to tune them, `false`/absent for none.
fn deflate(o: &Options) -> Result<Option<DeflateConfig>, JsValue> {
    let Some(value) = o.get("deflate") else {
        return Ok(None);
    };
    if let Some(on) = value.as_bool() {
        return Ok(on.then(DeflateConfig::default));
    }
    if value.is_null() {
        return Ok(None);
    }
    let d = Options::new_with(&value, "deflate", DEFLATE_KEYS)?;
    let mut cfg = DeflateConfig::default();
    if let Some(bits) = d.size("maxWindowBits")? {
        cfg.max_window_bits = u8::try_from(bits)
            .ok()
            .filter(|b| (8..=15).contains(b))
            .ok_or_else(|| {
                range_error(&format!(
                    "deflate option maxWindowBits must be 8-15, not {bits}"
                ))
            })?;
    }
    if let Some(level) = d.size("level")? {
        cfg.level = u32::try_from(level)
            .ok()
            .filter(|l| *l <= 9)
            .ok_or_else(|| {
                range_error(&format!("deflate option level must be 0-9, not {level}"))
            })?;
    }
    if let Some(on) = d.bool("noContextTakeover")? {
        cfg.no_context_takeover = on;
    }
    if let Some(on) = d.bool("requestPeerNoContextTakeover")? {
        cfg.request_peer_no_context_takeover = on;
    }
    if let Some(min) = d.size("minSize")? {
        cfg.min_size = min;
    }
    if let Some(on) = d.bool("lowMemory")? {
        cfg.low_memory = on;
    }
    Ok(Some(cfg))
}

/// The client's upgrade request.
pub(crate) fn client_request(o: &Options) -> Result<ClientRequest, JsValue> {
    let Some(host) = o.string("host")? else {
        return Err(type_error(
            "ClientConnection needs a host option (\"example.com\" or \"example.com:8080\")",
        ));
    };
    let mut request = ClientRequest::new(host, o.string("target")?.unwrap_or_else(|| "/".into()));
    request.origin = o.string("origin")?;
    request.subprotocols = o.strings("subprotocols")?.unwrap_or_default();
    request.extensions = o.strings("extensions")?.unwrap_or_default();
    request.headers = o.headers("headers")?;
    Ok(request)
}

#[cfg(test)]
mod tests {
    use super::to_usize;

    #[test]
    fn sizes_must_be_non_negative_integers() {
        assert_eq!(to_usize(0.0), Some(0));
        assert_eq!(to_usize(65536.0), Some(65536));
        assert_eq!(to_usize(-1.0), None);
        assert_eq!(to_usize(1.5), None);
        assert_eq!(to_usize(f64::NAN), None);
        assert_eq!(to_usize(f64::INFINITY), None);
    }
}
