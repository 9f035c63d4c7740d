//! [`RawProxyConnect`]: the core's HTTP `CONNECT` tunnel (`sansocket::handshake::ProxyConnect`)
//! for JavaScript; `lib/glue.js`'s `connect(url, {proxy})` drives it on a Node socket.

use js_sys::{Array, Object, Uint8Array};
use sansocket::handshake::{ProxyConnect, ProxyError, ProxyOutcome};
use wasm_bindgen::JsValue;
use wasm_bindgen::prelude::wasm_bindgen;

use crate::errors::set;

/// The client side of a `CONNECT` tunnel. Exported to JavaScript as `ProxyConnect`.
#[wasm_bindgen(js_name = ProxyConnect)]
pub struct RawProxyConnect {
    inner: ProxyConnect,
}

/// An `Error` for a [`ProxyError`], with `code`: `proxy-invalid-target`, `proxy-malformed`,
/// `proxy-head-too-large`, `proxy-closed` or `proxy-finished`.
fn proxy_error(error: &ProxyError) -> JsValue {
    let code = match error {
        ProxyError::InvalidTarget(_) => "proxy-invalid-target",
        ProxyError::Malformed(_) => "proxy-malformed",
        ProxyError::HeadTooLarge => "proxy-head-too-large",
        ProxyError::Closed => "proxy-closed",
        _ => "proxy-finished",
    };
    let e = js_sys::Error::new(&error.to_string());
    set(&e, "code", code);
    e.into()
}

/// `{type: 'connected', rest}` or `{type: 'rejected', status, reason, headers, body}`.
fn outcome(outcome: ProxyOutcome) -> JsValue {
    let o = Object::new();
    match outcome {
        ProxyOutcome::Connected { rest } => {
            set(&o, "type", "connected");
            set(&o, "rest", Uint8Array::from(rest.as_slice()));
        }
        ProxyOutcome::Rejected(r) => {
            set(&o, "type", "rejected");
            set(&o, "status", r.status);
            set(&o, "reason", r.reason);
            let headers = Array::new();
            for (n, v) in &r.headers {
                headers.push(&Array::of2(&JsValue::from_str(n), &JsValue::from_str(v)));
            }
            set(&o, "headers", headers);
            set(&o, "body", Uint8Array::from(r.body.as_slice()));
        }
        _ => set(&o, "type", "rejected"),
    }
    o.into()
}

#[wasm_bindgen(js_class = ProxyConnect)]
impl RawProxyConnect {
    /// A tunnel to `host`:`port`; `username`/`password` (already percent-decoded) add
    /// `Proxy-Authorization: Basic`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        host: &str,
        port: u16,
        username: Option<String>,
        password: Option<String>,
    ) -> Result<RawProxyConnect, JsValue> {
        let mut inner = ProxyConnect::new(host, port).map_err(|e| proxy_error(&e))?;
        if username.is_some() || password.is_some() {
            inner = inner.with_credentials(
                username.as_deref().unwrap_or(""),
                password.as_deref().unwrap_or(""),
            );
        }
        Ok(Self { inner })
    }

    /// The request to write to the proxy (once; empty afterwards).
    #[wasm_bindgen(js_name = dataToSend)]
    pub fn data_to_send(&mut self) -> Vec<u8> {
        self.inner.data_to_send()
    }

    /// Bytes read from the proxy: `undefined` (read more) or the outcome. Throws on an
    /// answer that is not HTTP or too large.
    #[wasm_bindgen(js_name = receiveData)]
    pub fn receive_data(&mut self, data: &[u8]) -> Result<JsValue, JsValue> {
        match self.inner.receive_data(data) {
            Ok(Some(o)) => Ok(outcome(o)),
            Ok(None) => Ok(JsValue::UNDEFINED),
            Err(e) => Err(proxy_error(&e)),
        }
    }

    /// The proxy closed: the outcome of a refusal whose body was being read, or throws
    /// (`proxy-closed`) when it had not answered.
    #[wasm_bindgen(js_name = receiveEof)]
    pub fn receive_eof(&mut self) -> Result<JsValue, JsValue> {
        self.inner
            .receive_eof()
            .map(outcome)
            .map_err(|e| proxy_error(&e))
    }
}
