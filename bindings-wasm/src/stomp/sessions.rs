//! The client and server sessions.

use sansocket_stomp::{
    AckMode, ClientConfig, ClientEvent, ClientSession, Frame, Message, ServerConfig, ServerEvent,
    ServerSession,
};
use wasm_bindgen::prelude::*;

use super::convert::{
    self, event, frame_from_js, frame_to_js, ms, opt_str, session_error, set, usage,
};

fn ack_mode(text: &str) -> Result<AckMode, JsValue> {
    AckMode::parse(text).ok_or_else(|| {
        js_sys::RangeError::new("ack is 'auto', 'client' or 'client-individual'").into()
    })
}

/// A MESSAGE as the client's event: the frame plus its routing headers.
fn message_to_js(m: &Message) -> JsValue {
    let o = frame_to_js(&m.frame);
    set(&o, "type", "message");
    set(&o, "subscription", m.subscription.as_str());
    set(&o, "destination", m.destination.as_str());
    set(&o, "messageId", m.message_id.as_str());
    set(&o, "ack", opt_str(m.ack.as_deref()));
    o
}

/// The `Message` a JavaScript message event stands for (its headers are what ACK/NACK use).
fn message_from_js(headers: &JsValue) -> Result<Message, JsValue> {
    let frame = frame_from_js("MESSAGE", headers, &[])?;
    let get = |n: &str| frame.header(n).unwrap_or_default().to_owned();
    Ok(Message {
        subscription: get("subscription"),
        destination: get("destination"),
        message_id: get("message-id"),
        ack: frame.header("ack").map(str::to_owned),
        frame: Frame::new(frame.command()),
    })
}

/// Heart-beat intervals as a JavaScript `[send, receive]` (ms).
fn heart_beat(send: u64, receive: u64) -> js_sys::Array {
    js_sys::Array::of2(&(send as f64).into(), &(receive as f64).into())
}

fn poll(t: Option<u64>) -> Option<f64> {
    t.map(|t| t as f64)
}

/// The methods both sessions have, in a `#[wasm_bindgen]` impl block of their own.
macro_rules! session_methods {
    ($raw:ident) => {
        #[wasm_bindgen]
        impl $raw {
            /// Bytes from the peer.
            pub fn receive(&mut self, data: &[u8], now: f64) {
                self.inner.receive_data(data, ms(now));
            }

            /// The peer closed its side.
            #[wasm_bindgen(js_name = receiveEof)]
            pub fn receive_eof(&mut self) {
                self.inner.receive_eof();
            }

            /// Queues any frame of this side.
            #[wasm_bindgen(js_name = sendFrame)]
            pub fn send_frame(
                &mut self,
                command: &str,
                headers: JsValue,
                body: &[u8],
            ) -> Result<(), JsValue> {
                let frame = frame_from_js(command, &headers, body)?;
                usage(self.inner.send_frame(&frame))
            }

            /// The bytes to write (drained).
            #[wasm_bindgen(js_name = dataToSend)]
            pub fn data_to_send(&mut self, now: f64) -> Vec<u8> {
                self.inner.data_to_send(ms(now))
            }

            /// When to call `handleTimeout` (ms), or undefined.
            #[wasm_bindgen(js_name = pollTimeout)]
            pub fn poll_timeout(&self) -> Option<f64> {
                poll(self.inner.poll_timeout())
            }

            /// Lets time pass.
            #[wasm_bindgen(js_name = handleTimeout)]
            pub fn handle_timeout(&mut self, now: f64) {
                self.inner.handle_timeout(ms(now));
            }

            /// The negotiated version.
            #[wasm_bindgen(getter)]
            pub fn version(&self) -> String {
                self.inner.version().as_str().to_owned()
            }

            /// Whether CONNECTED was received (client) or sent (server) and the session
            /// is open.
            #[wasm_bindgen(getter, js_name = isConnected)]
            pub fn is_connected(&self) -> bool {
                self.inner.is_connected()
            }

            /// Whether the session is over.
            #[wasm_bindgen(getter, js_name = isClosed)]
            pub fn is_closed(&self) -> bool {
                self.inner.is_closed()
            }

            /// Whether to close the transport.
            #[wasm_bindgen(getter, js_name = shouldCloseTransport)]
            pub fn should_close_transport(&self) -> bool {
                self.inner.should_close_transport()
            }
        }
    };
}

session_methods!(RawStompClient);
session_methods!(RawStompServer);

/// The client session (`StompClientSession` in `lib/stomp.js`).
#[wasm_bindgen]
pub struct RawStompClient {
    inner: ClientSession,
}

#[wasm_bindgen]
impl RawStompClient {
    /// `options`: `{host, login, passcode, maxVersion, heartBeat, grace, limits,
    /// stompCommand, headers}`. Queues CONNECT.
    #[wasm_bindgen(constructor)]
    pub fn new(now: f64, options: JsValue) -> Result<RawStompClient, JsValue> {
        let d = ClientConfig::default();
        let mut config = ClientConfig::default()
            .host(convert::get_string(&options, "host")?.unwrap_or(d.host))
            .heart_beat(convert::get_heart_beat(&options, d.heart_beat)?)
            .grace(convert::get_number(&options, "grace")?.unwrap_or(d.grace))
            .limits(convert::get_limits(&options)?)
            .stomp_command(convert::get_bool(&options, "stompCommand")?.unwrap_or(false));
        if let Some(v) = convert::get_string(&options, "maxVersion")? {
            config = config.max_version(convert::version(&v)?);
        }
        config.login = convert::get_string(&options, "login")?;
        config.passcode = convert::get_string(&options, "passcode")?;
        config.headers = convert::get_headers(&options, "headers")?;
        Ok(Self {
            inner: usage(ClientSession::new(config, ms(now)))?,
        })
    }

    /// The next event or undefined; throws `StompSessionError`.
    #[wasm_bindgen(js_name = nextEvent)]
    pub fn next_event(&mut self) -> Result<JsValue, JsValue> {
        let e = match self.inner.next_event() {
            Ok(None) => return Ok(JsValue::UNDEFINED),
            Ok(Some(e)) => e,
            Err(e) => return Err(session_error(&e)),
        };
        Ok(match e {
            ClientEvent::Connected(c) => {
                let o = event("connected");
                set(&o, "version", c.version.as_str());
                set(&o, "server", opt_str(c.server.as_deref()));
                set(&o, "session", opt_str(c.session.as_deref()));
                set(&o, "heartBeat", heart_beat(c.heart_beat.0, c.heart_beat.1));
                set(&o, "frame", frame_to_js(&c.frame));
                o
            }
            ClientEvent::Message(m) => message_to_js(&m),
            ClientEvent::Receipt(id) => {
                let o = event("receipt");
                set(&o, "receiptId", id);
                o
            }
            ClientEvent::Disconnected => event("disconnected"),
            _ => event("heart-beat"),
        })
    }

    /// SUBSCRIBE; returns the new id.
    pub fn subscribe(
        &mut self,
        destination: &str,
        ack: &str,
        headers: JsValue,
    ) -> Result<String, JsValue> {
        let mode = ack_mode(ack)?;
        usage(
            self.inner
                .subscribe(destination, mode, &convert::headers(&headers)?),
        )
    }

    /// UNSUBSCRIBE.
    pub fn unsubscribe(&mut self, id: &str, headers: JsValue) -> Result<(), JsValue> {
        usage(self.inner.unsubscribe(id, &convert::headers(&headers)?))
    }

    /// SEND.
    pub fn send(
        &mut self,
        destination: &str,
        body: &[u8],
        headers: JsValue,
    ) -> Result<(), JsValue> {
        usage(
            self.inner
                .send(destination, body.to_vec(), &convert::headers(&headers)?),
        )
    }

    /// ACK the message whose headers are given.
    pub fn ack(
        &mut self,
        message_headers: JsValue,
        transaction: Option<String>,
    ) -> Result<(), JsValue> {
        let m = message_from_js(&message_headers)?;
        usage(self.inner.ack(&m, transaction.as_deref()))
    }

    /// NACK the message whose headers are given.
    pub fn nack(
        &mut self,
        message_headers: JsValue,
        transaction: Option<String>,
    ) -> Result<(), JsValue> {
        let m = message_from_js(&message_headers)?;
        usage(self.inner.nack(&m, transaction.as_deref()))
    }

    /// BEGIN; returns the transaction id.
    pub fn begin(&mut self, headers: JsValue) -> Result<String, JsValue> {
        usage(self.inner.begin(&convert::headers(&headers)?))
    }

    /// COMMIT.
    pub fn commit(&mut self, id: &str, headers: JsValue) -> Result<(), JsValue> {
        usage(self.inner.commit(id, &convert::headers(&headers)?))
    }

    /// ABORT.
    pub fn abort(&mut self, id: &str, headers: JsValue) -> Result<(), JsValue> {
        usage(self.inner.abort(id, &convert::headers(&headers)?))
    }

    /// DISCONNECT (with a receipt: closed when it arrives).
    pub fn disconnect(&mut self, receipt: bool) -> Result<(), JsValue> {
        usage(self.inner.disconnect(receipt))
    }

    /// Receipts asked for and not received.
    #[wasm_bindgen(getter, js_name = pendingReceipts)]
    pub fn pending_receipts(&self) -> Vec<String> {
        self.inner.pending_receipts()
    }
}

/// Server options: `{maxVersion, heartBeat, grace, limits, serverName}` (`serverName:
/// null` sends no `server` header).
pub(crate) fn server_config(options: &JsValue) -> Result<ServerConfig, JsValue> {
    let d = ServerConfig::default();
    let mut config = ServerConfig::default()
        .heart_beat(convert::get_heart_beat(options, d.heart_beat)?)
        .grace(convert::get_number(options, "grace")?.unwrap_or(d.grace))
        .limits(convert::get_limits(options)?);
    if let Some(v) = convert::get_string(options, "maxVersion")? {
        config = config.max_version(convert::version(&v)?);
    }
    let has_name = options.is_object()
        && js_sys::Reflect::has(options, &JsValue::from_str("serverName")).unwrap_or(false);
    if has_name {
        config = config.server_name(convert::get_string(options, "serverName")?);
    }
    Ok(config)
}

/// The server session (`StompServerSession` in `lib/stomp.js`).
#[wasm_bindgen]
pub struct RawStompServer {
    inner: ServerSession,
}

#[wasm_bindgen]
impl RawStompServer {
    /// A session waiting for CONNECT.
    #[wasm_bindgen(constructor)]
    pub fn new(now: f64, options: JsValue) -> Result<RawStompServer, JsValue> {
        Ok(Self {
            inner: ServerSession::new(server_config(&options)?, ms(now)),
        })
    }

    /// The next event or undefined; throws `StompSessionError` (the ERROR is queued).
    #[wasm_bindgen(js_name = nextEvent)]
    pub fn next_event(&mut self) -> Result<JsValue, JsValue> {
        let e = match self.inner.next_event() {
            Ok(None) => return Ok(JsValue::UNDEFINED),
            Ok(Some(e)) => e,
            Err(e) => return Err(session_error(&e)),
        };
        Ok(match e {
            ServerEvent::Connect(r) => {
                let o = event("connect");
                set(&o, "version", r.version.as_str());
                set(&o, "host", opt_str(r.host.as_deref()));
                set(&o, "login", opt_str(r.login.as_deref()));
                set(&o, "passcode", opt_str(r.passcode.as_deref()));
                set(
                    &o,
                    "heartBeat",
                    heart_beat(r.heart_beat.send, r.heart_beat.receive),
                );
                set(&o, "frame", frame_to_js(&r.frame));
                o
            }
            ServerEvent::Frame(f) => frame_to_js(&f),
            ServerEvent::Disconnect(f) => {
                let o = event("disconnect");
                set(&o, "frame", frame_to_js(&f));
                o
            }
            _ => event("heart-beat"),
        })
    }

    /// Accepts the pending CONNECT.
    pub fn accept(&mut self, session: Option<String>, headers: JsValue) -> Result<(), JsValue> {
        usage(
            self.inner
                .accept_with(session.as_deref(), &convert::headers(&headers)?),
        )
    }

    /// Rejects the pending CONNECT with an ERROR.
    pub fn reject(&mut self, message: &str) -> Result<(), JsValue> {
        usage(self.inner.reject(message))
    }

    /// Queues a RECEIPT.
    #[wasm_bindgen(js_name = sendReceipt)]
    pub fn send_receipt(&mut self, receipt_id: &str) -> Result<(), JsValue> {
        usage(self.inner.send_receipt(receipt_id))
    }

    /// Queues an ERROR and closes.
    #[wasm_bindgen(js_name = sendError)]
    pub fn send_error(&mut self, message: &str, receipt_id: Option<String>) -> Result<(), JsValue> {
        usage(self.inner.send_error(message, receipt_id.as_deref()))
    }
}
