//! [`RawConnection`]: a [`Connection`] behind wasm-bindgen, with batched events.

use bytes::{Bytes, BytesMut};
use js_sys::Array;
use sansocket::advanced::ConnectionExt;
use sansocket::frame::MAX_HEADER_LEN;
use sansocket::{
    Accept, Connection, Delivery, MessageKind, Request, Role, SeededEntropy, State, UsageError,
};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};

mod input;

use crate::entropy;
use std::sync::atomic::Ordering;

use crate::errors::{entropy_error, range_error, type_error, usage_error};
use crate::events::{Batch, address};
use crate::options::{self, Options};
use crate::template::RawServerTemplate;

/// One WebSocket connection, either role. Used through `lib/connection.js`.
#[wasm_bindgen]
pub struct RawConnection {
    conn: Connection,
    batch: Batch,
    /// The server's request, kept while it waits for `accept` or `reject`.
    pending: Option<Box<Request>>,
    /// What the last `take_output` returned, alive until the next call.
    out: Bytes,
    /// A batch ended with an error the core has not acted on yet (`next_event_batched`).
    unsettled: bool,
    /// Raised when `crypto.getRandomValues` failed (see [`entropy::Failed`]); never lowered.
    entropy_failed: entropy::Failed,
    /// The core's receive buffer while JavaScript writes a read into it (`input_room`).
    lent: Option<BytesMut>,
    /// The frame header written by `send_head`.
    head: [u8; MAX_HEADER_LEN],
    /// What the last call answered for JavaScript to read at once (before any other call):
    /// `[address, length]` of `take_output`, `[output address, output
    /// length, header address, header length]` of `send_head`.
    regs: [u32; 4],
    /// Reads may go through `whole_frames` (delivery by messages: the whole frames it takes
    /// are the messages `next_event` would return; by chunks it would return chunks).
    whole_frames: bool,
}

fn usage<T>(result: Result<T, UsageError>) -> Result<T, JsValue> {
    result.map_err(|e| usage_error(&e))
}

#[wasm_bindgen]
impl RawConnection {
    /// A server connection: reads the upgrade request, or starts open with `open: true`.
    pub fn server(opts: JsValue) -> Result<RawConnection, JsValue> {
        let o = Options::new(&opts, "ServerConnection", false)?;
        let config = options::config(&o)?;
        let whole_frames = config.delivery == Delivery::Messages;
        let conn = if o.bool("open")?.unwrap_or(false) {
            Connection::open_server(config, o.string("subprotocol")?)
        } else {
            Connection::server(config)
        };
        Ok(Self::wrap(conn, entropy::Failed::default(), whole_frames))
    }

    /// A server connection made with the options of `template` (checked once for many).
    #[wasm_bindgen(js_name = serverFrom)]
    pub fn server_from(template: &RawServerTemplate) -> RawConnection {
        let config = template.config.clone();
        let conn = if template.open {
            Connection::open_server(config, template.subprotocol.clone())
        } else {
            Connection::server(config)
        };
        Self::wrap(conn, entropy::Failed::default(), template.whole_frames())
    }

    /// A client connection: queues the upgrade request, or starts open with `open: true`.
    pub fn client(opts: JsValue) -> Result<RawConnection, JsValue> {
        let o = Options::new(&opts, "ClientConnection", true)?;
        let failed = entropy::Failed::default();
        let config = options::config(&o)?;
        let whole_frames = config.delivery == Delivery::Messages;
        let open = o.bool("open")?.unwrap_or(false);
        let conn = match o.seed("entropySeed")? {
            Some(seed) => {
                let entropy = SeededEntropy::new(seed);
                if open {
                    Connection::open_client(config, o.string("subprotocol")?, entropy)
                } else {
                    usage(Connection::client(
                        options::client_request(&o)?,
                        config,
                        entropy,
                    ))?
                }
            }
            None => {
                let mut probe = [0u8; 4];
                entropy::fill(&mut probe).map_err(|_| {
                    type_error("ClientConnection needs crypto.getRandomValues (Web Crypto)")
                })?;
                let source = entropy::source(failed.clone());
                let conn = if open {
                    Connection::open_client(config, o.string("subprotocol")?, source)
                } else {
                    let request = options::client_request(&o)?;
                    usage(Connection::client(request, config, source))?
                };
                // The handshake key was drawn just now.
                if failed.load(Ordering::Relaxed) {
                    return Err(entropy_error());
                }
                conn
            }
        };
        Ok(Self::wrap(conn, failed, whole_frames))
    }

    fn wrap(conn: Connection, entropy_failed: entropy::Failed, whole_frames: bool) -> Self {
        Self {
            entropy_failed,
            conn,
            batch: Batch::default(),
            pending: None,
            out: Bytes::new(),
            unsettled: false,
            lent: None,
            head: [0; MAX_HEADER_LEN],
            regs: [0; 4],
            whole_frames,
        }
    }

    /// Lets the core act on the error that ended the last batch (queue the close frame,
    /// fail the connection), once the application had its turn: actions taken in answer to
    /// the events before the error are queued first, as between `next_event` calls in Rust.
    /// Every call but the actions starts with it; it also drops the last output.
    fn settle(&mut self) {
        // JavaScript copied the last output when `take_output` returned: let it go.
        self.out = Bytes::new();
        self.give_back();
        if self.unsettled {
            self.unsettled = false;
            // Returns the error already reported (or `Ok(None)` if it was acted on at once).
            let _ = self.conn.next_event();
        }
    }

    // ---- output ---------------------------------------------------------------------

    /// Takes what is queued for the transport; returns the address of `[address, length]`,
    /// or 0 when nothing is queued. The bytes stay valid until the next call.
    #[wasm_bindgen(js_name = takeOutput)]
    pub fn take_output(&mut self) -> Result<u32, JsValue> {
        self.settle();
        self.out = self.conn.data_to_send();
        if self.entropy_failed.load(Ordering::Relaxed) {
            // Frames masked with keys that are not random: never sent.
            self.out = Bytes::new();
            return Err(entropy_error());
        }
        if self.out.is_empty() {
            return Ok(0);
        }
        self.regs = [
            address(&self.out),
            u32::try_from(self.out.len()).unwrap_or(u32::MAX),
            0,
            0,
        ];
        Ok(address(&self.regs))
    }

    /// The result of an action, or the entropy error if it drew randomness that failed.
    fn drew(&self, result: Result<(), JsValue>) -> Result<(), JsValue> {
        if self.entropy_failed.load(Ordering::Relaxed) {
            return Err(entropy_error());
        }
        result
    }

    // ---- getters --------------------------------------------------------------------

    /// 0 connecting, 1 open, 2 closing, 3 closed.
    pub fn state(&mut self) -> u8 {
        self.settle();
        match self.conn.state() {
            State::Connecting => 0,
            State::Open => 1,
            State::Closing => 2,
            State::Closed => 3,
        }
    }

    /// True for a client.
    #[wasm_bindgen(js_name = isClient)]
    pub fn is_client(&self) -> bool {
        self.conn.role() == Role::Client
    }

    /// The negotiated subprotocol.
    pub fn subprotocol(&mut self) -> Option<String> {
        self.settle();
        self.conn.subprotocol().map(str::to_owned)
    }

    /// The negotiated permessage-deflate parameters as a header value, if in use.
    pub fn deflate(&mut self) -> Option<String> {
        self.settle();
        self.conn.deflate().map(|p| p.header_value())
    }

    /// See `Connection::should_close_transport`.
    #[wasm_bindgen(js_name = shouldCloseTransport)]
    pub fn should_close_transport(&mut self) -> bool {
        self.settle();
        self.conn.should_close_transport()
    }

    /// Bytes waiting in the outbox.
    #[wasm_bindgen(js_name = bufferedAmount)]
    pub fn buffered_amount(&mut self) -> usize {
        self.settle();
        self.conn.buffered_amount()
    }

    /// Received bytes held: undecoded input plus an unfinished message.
    #[wasm_bindgen(js_name = bufferedInput)]
    pub fn buffered_input(&mut self) -> usize {
        self.settle();
        self.conn.buffered_input()
    }

    // ---- actions --------------------------------------------------------------------

    /// Server: the first of `preferences` that the pending request offered.
    #[wasm_bindgen(js_name = selectSubprotocol)]
    pub fn select_subprotocol(&self, preferences: JsValue) -> Result<Option<String>, JsValue> {
        let preferences: Vec<String> = preferences
            .dyn_ref::<Array>()
            .and_then(|a| a.iter().map(|v| v.as_string()).collect())
            .ok_or_else(|| type_error("selectSubprotocol expects an array of strings"))?;
        let Some(request) = &self.pending else {
            return Err(usage_error(&UsageError::NoPendingRequest));
        };
        Ok(request.select_subprotocol(&preferences).map(str::to_owned))
    }

    /// Server: accept the pending request.
    pub fn accept(&mut self, subprotocol: Option<String>, headers: JsValue) -> Result<(), JsValue> {
        let headers = options::headers(&headers, "accept headers")?;
        usage(self.conn.accept(Accept {
            subprotocol,
            headers,
            ..Accept::default()
        }))?;
        self.pending = None;
        // The request came through `feed`, and the core's receive buffer keeps its
        // allocation. With nothing else in it, the buffer lent out and given back unused
        // is released at the next `drain` (an idle connection then holds none), and the
        // batch of the request event is dropped, its vectors' room with it.
        self.batch = Batch::default();
        if self.conn.buffered_input() == 0 {
            let buf = self.conn.take_read_buffer();
            let _ = self.conn.give_read_buffer(buf);
        }
        Ok(())
    }

    /// Server: refuse the pending request with an HTTP status.
    pub fn reject(&mut self, status: f64, headers: JsValue, body: &[u8]) -> Result<(), JsValue> {
        let status = options::to_usize(status)
            .and_then(|s| u16::try_from(s).ok())
            .ok_or_else(|| range_error(&format!("invalid HTTP status {status}")))?;
        let headers = options::headers(&headers, "reject headers")?;
        let pairs: Vec<(&str, &str)> = headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        usage(self.conn.reject(status, &pairs, body))?;
        self.pending = None;
        Ok(())
    }

    /// Queue a text message.
    #[wasm_bindgen(js_name = sendText)]
    pub fn send_text(&mut self, text: &str) -> Result<(), JsValue> {
        let result = usage(self.conn.send_text(text));
        self.drew(result)
    }

    /// A whole message whose payload JavaScript writes itself, unchanged: when the core's
    /// `send_head` allows it (a server, open, no permessage-deflate, no fragmented message
    /// under way), takes everything queued so far and writes the header of a final
    /// `text`/`binary` frame of `len` bytes. Returns the address of `[output address,
    /// output length, header address, header length]`: the host writes the output, the
    /// header, then the payload, in that order, before any other call. Returns 0 (and
    /// queues nothing) otherwise: send through `send_binary` / `send_text`, which give the
    /// error if there is one. A text payload must be UTF-8 (JavaScript passes strings it
    /// encoded itself, or bytes `check_utf8` accepted).
    ///
    /// Unlike `take_output` it does not settle an error that ended the last batch: an
    /// answer to the events before it goes out before the close frame, as for every action.
    #[wasm_bindgen(js_name = sendHead)]
    pub fn send_head(&mut self, text: bool, len: f64) -> u32 {
        let Some(len) = options::to_usize(len) else {
            return 0;
        };
        let kind = if text {
            MessageKind::Text
        } else {
            MessageKind::Binary
        };
        let Ok(n) = self.conn.send_head(kind, len, &mut self.head) else {
            return 0;
        };
        // Usually nothing is queued: then the last output is kept (the host copied it).
        if self.conn.buffered_amount() > 0 {
            self.out = self.conn.data_to_send();
        } else if !self.out.is_empty() {
            self.out = Bytes::new();
        }
        self.regs = [
            address(&self.out),
            u32::try_from(self.out.len()).unwrap_or(u32::MAX),
            address(&self.head[..]),
            u32::try_from(n).unwrap_or(0),
        ];
        address(&self.regs)
    }

    /// True if `data` is UTF-8 (for a text payload given as bytes, before `send_head`).
    #[wasm_bindgen(js_name = checkUtf8)]
    pub fn check_utf8(data: &[u8]) -> bool {
        std::str::from_utf8(data).is_ok()
    }

    /// Queue a text message given as bytes (UTF-8 is checked).
    #[wasm_bindgen(js_name = sendTextBytes)]
    pub fn send_text_bytes(&mut self, data: &[u8]) -> Result<(), JsValue> {
        let text = std::str::from_utf8(data).map_err(|_| usage_error(&UsageError::InvalidUtf8))?;
        let result = usage(self.conn.send_text(text));
        self.drew(result)
    }

    /// Queue a binary message.
    #[wasm_bindgen(js_name = sendBinary)]
    pub fn send_binary(&mut self, data: &[u8]) -> Result<(), JsValue> {
        let result = usage(self.conn.send_binary(data));
        self.drew(result)
    }

    /// Queue one fragment of a message (`text` chooses the kind of a new message).
    #[wasm_bindgen(js_name = sendFragment)]
    pub fn send_fragment(&mut self, text: bool, data: &[u8], fin: bool) -> Result<(), JsValue> {
        let kind = if text {
            MessageKind::Text
        } else {
            MessageKind::Binary
        };
        let result = usage(self.conn.send_fragment(kind, data, fin));
        self.drew(result)
    }

    /// Queue a ping.
    pub fn ping(&mut self, payload: &[u8]) -> Result<(), JsValue> {
        let result = usage(self.conn.ping(payload));
        self.drew(result)
    }

    /// Queue a pong.
    pub fn pong(&mut self, payload: &[u8]) -> Result<(), JsValue> {
        let result = usage(self.conn.pong(payload));
        self.drew(result)
    }

    /// Start the close handshake.
    pub fn close(&mut self, code: f64, reason: &str) -> Result<(), JsValue> {
        let code = options::to_usize(code)
            .and_then(|c| u16::try_from(c).ok())
            .ok_or_else(|| range_error(&format!("invalid close code {code}")))?;
        let result = usage(self.conn.close(code, reason));
        self.drew(result)
    }
}
