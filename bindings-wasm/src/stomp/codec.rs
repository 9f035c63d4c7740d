//! The decoder and the encoder.
//!
//! Speed: a decoded frame crosses into JavaScript as one packed row in WASM memory
//! ([`RawStompDecoder::next_packed`]) that `lib/stomp.js` reads with one string decode for
//! all of its text and one copy of its body; a frame to encode crosses as one packed string
//! ([`stomp_encode_head_scratch`]) and only its head comes back, the body never entering WASM.

use std::cell::RefCell;

use sansocket_stomp::{Command, DecodeEvent, Decoder, Frame, Version, encode_head_packed};
use wasm_bindgen::prelude::*;

use super::convert::{self, decode_error, encode_error};

/// The kinds of a packed decoder row (its first `u32`).
const ROW_FRAME: u32 = 1;
const ROW_HEART_BEAT: u32 = 2;

/// The streaming decoder (`StompDecoder` in `lib/stomp.js`).
#[wasm_bindgen]
pub struct RawStompDecoder {
    inner: Decoder,
    /// The last packed row (see `next_packed`).
    row: Vec<u32>,
    /// The command, header names and values of the last frame, back to back.
    text: Vec<u8>,
    /// The last frame, kept so that its body stays where the row points.
    frame: Option<Frame>,
}

/// A WASM address or length as a `u32` (addresses are 32-bit in wasm32).
pub(super) fn addr(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// How many UTF-16 code units `s` is in JavaScript.
fn utf16_len(s: &str, ascii: bool) -> u32 {
    addr(if ascii {
        s.len()
    } else {
        s.encode_utf16().count()
    })
}

#[wasm_bindgen]
impl RawStompDecoder {
    /// `version`: "1.0", "1.1" or "1.2"; `options`: `{limits}`.
    #[wasm_bindgen(constructor)]
    pub fn new(version: &str, options: JsValue) -> Result<RawStompDecoder, JsValue> {
        Ok(Self {
            inner: Decoder::new(convert::version(version)?, convert::get_limits(&options)?),
            row: Vec::new(),
            text: Vec::new(),
            frame: None,
        })
    }

    /// Bytes as they arrive.
    pub fn receive(&mut self, data: &[u8]) {
        self.inner.receive_data(data);
    }

    /// Decodes the next event into a packed row and returns its address, or 0 when more
    /// bytes are needed; throws a `StompDecodeError`. The row (`u32`s) is valid until the
    /// next call: `[1 (frame), text address, text bytes, header count, body address, body
    /// bytes, command length, then each header's name length and value length]` (lengths
    /// in UTF-16 code units, the text being the command, names and values back to back in
    /// UTF-8), or `[2]` for a heart-beat.
    #[wasm_bindgen(js_name = nextPacked)]
    pub fn next_packed(&mut self) -> Result<u32, JsValue> {
        self.frame = None;
        self.row.clear();
        match self.inner.next_event() {
            Ok(None) => return Ok(0),
            Ok(Some(DecodeEvent::Frame(f))) => self.pack(f),
            Ok(Some(_)) => self.row.push(ROW_HEART_BEAT),
            Err(e) => return Err(decode_error(e)),
        }
        Ok(addr(self.row.as_ptr() as usize))
    }

    fn pack(&mut self, frame: Frame) {
        let command = frame.command().as_str();
        self.text.clear();
        self.text.extend_from_slice(command.as_bytes());
        for (name, value) in frame.headers() {
            self.text.extend_from_slice(name.as_bytes());
            self.text.extend_from_slice(value.as_bytes());
        }
        let ascii = self.text.is_ascii();
        let body = frame.body();
        self.row.extend_from_slice(&[
            ROW_FRAME,
            addr(self.text.as_ptr() as usize),
            addr(self.text.len()),
            addr(frame.headers().len()),
            addr(body.as_ptr() as usize),
            addr(body.len()),
            utf16_len(command, ascii),
        ]);
        for (name, value) in frame.headers() {
            self.row.push(utf16_len(name, ascii));
            self.row.push(utf16_len(value, ascii));
        }
        self.frame = Some(frame);
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

/// A frame as bytes for `version`; throws `StompEncodeError`. `headers`: `[[name, value],
/// ...]`.
#[wasm_bindgen(js_name = stompEncode)]
pub fn stomp_encode(
    command: &str,
    headers: JsValue,
    body: &[u8],
    version: &str,
) -> Result<Vec<u8>, JsValue> {
    let frame = convert::frame_from_js(command, &headers, body)?;
    sansocket_stomp::encode(&frame, convert::version(version)?).map_err(encode_error)
}

thread_local! {
    /// The last head of [`stomp_encode_head_scratch`]: its length (4 bytes, little-endian), then
    /// the head.
    static HEAD: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    /// Where JavaScript writes the packed string of [`stomp_encode_head_scratch`].
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Makes room for `len` bytes in the scratch buffer and returns its address (valid until
/// the next call of this function; JavaScript writes the packed string there with
/// `TextEncoder.encodeInto`, which is faster than passing a string).
#[wasm_bindgen(js_name = stompEncodeScratch)]
pub fn stomp_encode_scratch(len: u32) -> u32 {
    let len = usize::try_from(len).unwrap_or(0);
    SCRATCH.with_borrow_mut(|scratch| {
        scratch.resize(len, 0);
        addr(scratch.as_ptr() as usize)
    })
}

/// The head of a frame (see `sansocket_stomp::encode_head_packed`): the frame is this head,
/// the body, and a NUL. The first `len` bytes of the scratch buffer hold the command, the
/// version and each header's name and value, each followed by a NUL but the last (UTF-8);
/// `count`: the number of headers. Returns the address of the head's length (`u32`,
/// little-endian) followed by the head, valid until the next call; 0 when this frame is
/// not encoded here: the packed string does not hold exactly `2 + 2 * count` parts (a NUL
/// inside a name or value), or the frame is not valid (an unknown command or version, a
/// header that cannot be written, a body where none is allowed). `stompEncode` then encodes
/// it, or throws the error. Errors are not thrown here: a plain number returns fastest.
#[wasm_bindgen(js_name = stompEncodeHeadScratch)]
pub fn stomp_encode_head_scratch(len: u32, count: u32, body_len: u32) -> u32 {
    SCRATCH.with_borrow(|scratch| {
        usize::try_from(len)
            .ok()
            .and_then(|len| scratch.get(..len))
            .and_then(|bytes| std::str::from_utf8(bytes).ok())
            .and_then(|packed| head(packed, count, body_len))
            .unwrap_or(0)
    })
}

fn head(packed: &str, count: u32, body_len: u32) -> Option<u32> {
    let (command, rest) = packed.split_once('\0')?;
    // A NUL inside a name or value would shift the parts: the general path encodes those.
    let count = usize::try_from(count).ok()?;
    let (version, headers) = match rest.split_once('\0') {
        None if count == 0 => (rest, ""),
        Some((version, headers))
            if count > 0 && headers.bytes().filter(|b| *b == 0).count() + 1 == 2 * count =>
        {
            (version, headers)
        }
        _ => return None,
    };
    let command = Command::from_bytes(command.as_bytes())?;
    let version = Version::parse(version)?;
    let body_len = usize::try_from(body_len).ok()?;
    HEAD.with_borrow_mut(|out| {
        out.clear();
        out.extend_from_slice(&[0; 4]);
        encode_head_packed(command, headers, body_len, version, out).ok()?;
        let len = addr(out.len() - 4).to_le_bytes();
        out[..4].copy_from_slice(&len);
        Some(addr(out.as_ptr() as usize))
    })
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
