//! The broker.

use sansocket_stomp::{Broker, BrokerConfig, BrokerEvent, Grants};
use wasm_bindgen::prelude::*;

use super::codec::addr;
use super::convert::{self, event, frame_to_js, ms, opt_str, session_error, set, usage};
use super::sessions::server_config;

/// The in-memory broker (`StompBroker` in `lib/stomp.js`).
#[wasm_bindgen]
pub struct RawStompBroker {
    inner: Broker,
    /// The bytes of the last `takePacked`, kept where its row points.
    out: Vec<u8>,
    /// The row of the last `takePacked`.
    row: Vec<u32>,
}

#[wasm_bindgen]
impl RawStompBroker {
    /// `options`: the server options plus `{topicPrefixes, queuePrefixes, appPrefixes,
    /// authenticate, maxOutgoing, maxQueueDepth, maxUnacked}`.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<RawStompBroker, JsValue> {
        let d = BrokerConfig::default();
        let n = |key: &str, default: usize| -> Result<usize, JsValue> {
            Ok(convert::get_number(&options, key)?.map_or(default, |v| v as usize))
        };
        let config = BrokerConfig::default()
            .server(server_config(&options)?)
            .topic_prefixes(
                convert::get_strings(&options, "topicPrefixes")?.unwrap_or(d.topic_prefixes),
            )
            .queue_prefixes(
                convert::get_strings(&options, "queuePrefixes")?.unwrap_or(d.queue_prefixes),
            )
            .app_prefixes(convert::get_strings(&options, "appPrefixes")?.unwrap_or(d.app_prefixes))
            .authenticate(convert::get_bool(&options, "authenticate")?.unwrap_or(false))
            .max_outgoing(n("maxOutgoing", d.max_outgoing)?)
            .max_queue_depth(n("maxQueueDepth", d.max_queue_depth)?)
            .max_unacked(n("maxUnacked", d.max_unacked)?);
        Ok(Self {
            inner: Broker::new(config),
            out: Vec::new(),
            row: Vec::with_capacity(3),
        })
    }

    /// A new connection; returns its id.
    pub fn open(&mut self, now: f64, max_version: &str) -> Result<f64, JsValue> {
        Ok(self.inner.open(convert::version(max_version)?, ms(now)) as f64)
    }

    /// Bytes from a connection.
    pub fn receive(&mut self, id: f64, data: &[u8], now: f64) -> Result<(), JsValue> {
        usage(self.inner.receive_data(ms(id), data, ms(now)))
    }

    /// The transport of `id` is gone.
    pub fn close(&mut self, id: f64) {
        self.inner.close(ms(id));
    }

    /// The next `authenticate`, `app-message` or `closed` event, or undefined.
    #[wasm_bindgen(js_name = nextEvent)]
    pub fn next_event(&mut self) -> JsValue {
        let Some(e) = self.inner.next_event() else {
            return JsValue::UNDEFINED;
        };
        match e {
            BrokerEvent::Authenticate {
                connection,
                login,
                passcode,
                host,
            } => {
                let o = event("authenticate");
                set(&o, "connection", connection as f64);
                set(&o, "login", opt_str(login.as_deref()));
                set(&o, "passcode", opt_str(passcode.as_deref()));
                set(&o, "host", opt_str(host.as_deref()));
                o
            }
            BrokerEvent::AppMessage { connection, frame } => {
                let o = event("app-message");
                set(&o, "connection", connection as f64);
                set(&o, "frame", frame_to_js(&frame));
                o
            }
            BrokerEvent::Closed { connection, error } => {
                let o = event("closed");
                set(&o, "connection", connection as f64);
                set(
                    &o,
                    "error",
                    error.as_ref().map_or(JsValue::NULL, session_error),
                );
                o
            }
            _ => JsValue::UNDEFINED,
        }
    }

    /// The bytes to write to `id` (drained).
    #[wasm_bindgen(js_name = dataToSend)]
    pub fn data_to_send(&mut self, id: f64, now: f64) -> Vec<u8> {
        self.inner.data_to_send(ms(id), ms(now))
    }

    /// `dataToSend`, `shouldClose` and `stompIsBinary` in one call (what a host does for
    /// each connection to flush): returns the address of three `u32`s, `[bytes address,
    /// byte count, flags]` (flags: 1 close the transport once they are written, 2 they go
    /// in a binary WebSocket message), valid until the next call.
    #[wasm_bindgen(js_name = takePacked)]
    pub fn take_packed(&mut self, id: f64, now: f64) -> u32 {
        let id = ms(id);
        self.out = self.inner.data_to_send(id, ms(now));
        let close = u32::from(self.inner.should_close(id));
        let binary = u32::from(sansocket_stomp::is_binary(&self.out));
        self.row.clear();
        self.row.extend_from_slice(&[
            addr(self.out.as_ptr() as usize),
            addr(self.out.len()),
            close | (binary << 1),
        ]);
        addr(self.row.as_ptr() as usize)
    }

    /// Connections with bytes to write or a transport to close.
    #[wasm_bindgen(js_name = connectionsToFlush)]
    pub fn connections_to_flush(&mut self) -> Vec<f64> {
        self.inner
            .connections_to_flush()
            .into_iter()
            .map(|id| id as f64)
            .collect()
    }

    /// Whether to close `id`'s transport.
    #[wasm_bindgen(js_name = shouldClose)]
    pub fn should_close(&self, id: f64) -> bool {
        self.inner.should_close(ms(id))
    }

    /// Open connections.
    #[wasm_bindgen(getter, js_name = connectionCount)]
    pub fn connection_count(&self) -> usize {
        self.inner.connection_count()
    }

    /// Messages waiting in a queue.
    #[wasm_bindgen(js_name = queueDepth)]
    pub fn queue_depth(&self, destination: &str) -> usize {
        self.inner.queue_depth(destination)
    }

    /// When to call `handleTimeout` (ms), or undefined.
    #[wasm_bindgen(js_name = pollTimeout)]
    pub fn poll_timeout(&self) -> Option<f64> {
        self.inner.poll_timeout().map(|t| t as f64)
    }

    /// Lets time pass.
    #[wasm_bindgen(js_name = handleTimeout)]
    pub fn handle_timeout(&mut self, now: f64) {
        self.inner.handle_timeout(ms(now));
    }

    /// Accepts `id`'s CONNECT after `authenticate`; `send`/`subscribe`: allowed prefixes
    /// (undefined: all).
    pub fn accept(
        &mut self,
        id: f64,
        send: Option<Vec<String>>,
        subscribe: Option<Vec<String>>,
    ) -> Result<(), JsValue> {
        let mut g = Grants::all();
        if let Some(p) = send {
            g = g.send_only(p);
        }
        if let Some(p) = subscribe {
            g = g.subscribe_only(p);
        }
        usage(self.inner.accept(ms(id), g))
    }

    /// Rejects `id`'s CONNECT.
    pub fn reject(&mut self, id: f64, message: &str) -> Result<(), JsValue> {
        usage(self.inner.reject(ms(id), message))
    }

    /// Publishes from the application.
    pub fn publish(
        &mut self,
        destination: &str,
        body: &[u8],
        headers: JsValue,
    ) -> Result<(), JsValue> {
        usage(
            self.inner
                .publish(destination, body.to_vec(), &convert::headers(&headers)?),
        )
    }
}
