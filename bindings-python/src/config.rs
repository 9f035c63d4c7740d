//! Keyword options to the core's `Config`. Defaults stay in the core: an option not given
//! keeps `Config::default()`'s value.

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use sansocket::deflate::{DeflateConfig, DeflateParams};
use sansocket::{Config, Delivery};

use crate::convert;

/// Options every connection takes.
const COMMON: &[&str] = &[
    "max_message_size",
    "max_frame_size",
    "max_fragments",
    "max_handshake_size",
    "max_headers",
    "max_rejection_body",
    "auto_pong",
    "auto_close_reply",
    "delivery",
    "deflate",
];

/// Options only a server takes.
const SERVER: &[&str] = &["allowed_origins", "require_origin", "plain_http"];

/// Builds a `Config` from `**options`, refusing unknown names (a typo must not silently keep
/// a default limit).
pub(crate) fn from_options(options: Option<&Bound<'_, PyDict>>, server: bool) -> PyResult<Config> {
    let mut config = Config::default();
    let Some(options) = options else {
        return Ok(config);
    };
    for (key, value) in options.iter() {
        let key: String = key.extract()?;
        match key.as_str() {
            "max_message_size" => config.max_message_size = limit(&value)?,
            "max_frame_size" => config.max_frame_size = limit(&value)?,
            "max_fragments" => config.max_fragments = limit(&value)?,
            "max_handshake_size" => config.max_handshake_size = limit(&value)?,
            "max_headers" => config.max_headers = limit(&value)?,
            "max_rejection_body" => config.max_rejection_body = limit(&value)?,
            "auto_pong" => config.auto_pong = value.extract()?,
            "auto_close_reply" => config.auto_close_reply = value.extract()?,
            "delivery" => {
                let delivery: String = value.extract()?;
                config.delivery = match delivery.as_str() {
                    "messages" => Delivery::Messages,
                    "chunks" => Delivery::Chunks,
                    other => {
                        return Err(PyValueError::new_err(format!(
                            "delivery must be 'messages' or 'chunks', not {other:?}"
                        )));
                    }
                };
            }
            "deflate" => config.deflate = deflate(&value)?,
            "allowed_origins" if server => {
                config.allowed_origins = if value.is_none() {
                    None
                } else {
                    Some(convert::strings(Some(&value), "allowed_origins")?)
                };
            }
            "require_origin" if server => config.require_origin = value.extract()?,
            "plain_http" if server => config.plain_http = value.extract()?,
            other => {
                let mut known = COMMON.to_vec();
                if server {
                    known.extend_from_slice(SERVER);
                }
                return Err(PyTypeError::new_err(format!(
                    "unexpected option {other:?}; options are {}",
                    known.join(", ")
                )));
            }
        }
    }
    Ok(config)
}

/// A size limit: a non-negative int, or None for no limit.
fn limit(value: &Bound<'_, PyAny>) -> PyResult<usize> {
    if value.is_none() {
        return Ok(usize::MAX);
    }
    value.extract()
}

/// permessage-deflate: None or False (off), True (the engine's defaults), or a dict of
/// overrides (`max_window_bits`, `no_context_takeover`, `request_peer_no_context_takeover`,
/// `level`, `min_size`, `low_memory`).
fn deflate(value: &Bound<'_, PyAny>) -> PyResult<Option<DeflateConfig>> {
    if value.is_none() {
        return Ok(None);
    }
    if let Ok(on) = value.cast::<pyo3::types::PyBool>() {
        return Ok(on.is_true().then(DeflateConfig::default));
    }
    let overrides = value.cast::<PyDict>().map_err(|_| {
        PyTypeError::new_err("deflate must be None, a bool, or a dict of deflate options")
    })?;
    let mut d = DeflateConfig::default();
    for (key, v) in overrides.iter() {
        let key: String = key.extract()?;
        match key.as_str() {
            "max_window_bits" => d.max_window_bits = v.extract()?,
            "no_context_takeover" => d.no_context_takeover = v.extract()?,
            "request_peer_no_context_takeover" => {
                d.request_peer_no_context_takeover = v.extract()?;
            }
            "level" => d.level = v.extract()?,
            "min_size" => d.min_size = v.extract()?,
            "low_memory" => d.low_memory = v.extract()?,
            other => {
                return Err(PyTypeError::new_err(format!(
                    "unexpected deflate option {other:?}; options are max_window_bits, \
                     no_context_takeover, request_peer_no_context_takeover, level, min_size, \
                     low_memory"
                )));
            }
        }
    }
    Ok(Some(d))
}

/// The permessage-deflate parameters a host negotiated itself, for `opened(deflate_params=…)`:
/// a dict with any of `server_no_context_takeover`, `client_no_context_takeover` (bools),
/// `server_max_window_bits`, `client_max_window_bits` (8–15 or None), as RFC 7692 names them.
pub(crate) fn deflate_params(value: &Bound<'_, PyAny>) -> PyResult<DeflateParams> {
    let dict = value
        .cast::<PyDict>()
        .map_err(|_| PyTypeError::new_err("deflate_params must be a dict"))?;
    let mut params = DeflateParams::default();
    for (key, v) in dict.iter() {
        let key: String = key.extract()?;
        match key.as_str() {
            "server_no_context_takeover" => params.server_no_context_takeover = v.extract()?,
            "client_no_context_takeover" => params.client_no_context_takeover = v.extract()?,
            "server_max_window_bits" => params.server_max_window_bits = window_bits(&v)?,
            "client_max_window_bits" => params.client_max_window_bits = window_bits(&v)?,
            other => {
                return Err(PyTypeError::new_err(format!(
                    "unexpected deflate parameter {other:?}; parameters are \
                     server_no_context_takeover, client_no_context_takeover, \
                     server_max_window_bits, client_max_window_bits"
                )));
            }
        }
    }
    Ok(params)
}

/// A window size of 8–15 bits, or None (15).
fn window_bits(value: &Bound<'_, PyAny>) -> PyResult<Option<u8>> {
    let bits: Option<u8> = value.extract()?;
    match bits {
        Some(b) if !(8..=15).contains(&b) => Err(PyValueError::new_err(format!(
            "a window must be 8 to 15 bits, not {b}"
        ))),
        _ => Ok(bits),
    }
}
