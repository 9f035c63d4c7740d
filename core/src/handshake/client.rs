//! Client side of the opening handshake (RFC 6455 §4.1).

use bytes::{Buf, Bytes, BytesMut};

use super::head::{HeadReader, write_head};
use super::headers::{self, ExtensionOffer, HeaderList, check_header, has_token, single};
use super::{VERSION, accept_key, encode_key};
use crate::config::Config;
use crate::error::{HandshakeError, UsageError};

/// What a client asks for: where, from which origin, with which subprotocols.
///
/// ```
/// let request = sansocket::ClientRequest::new("example.com", "/chat")
///     .origin("https://example.com")
///     .subprotocol("v11.stomp")
///     .subprotocol("v10.stomp");
/// # let _ = request;
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientRequest {
    /// The `Host` header (`host` or `host:port`).
    pub host: String,
    /// The request target: path and query (`/chat?room=1`).
    pub target: String,
    /// The `Origin` header, if any.
    pub origin: Option<String>,
    /// Subprotocols to offer, most preferred first.
    pub subprotocols: Vec<String>,
    /// Extension offers, sent as written (`Sec-WebSocket-Extensions`), after the
    /// permessage-deflate offer that [`Config::deflate`](crate::Config::deflate) adds. The
    /// server may only answer with extensions named here; the engine runs permessage-deflate
    /// and no other, so frames using another extension's RSV bits fail the connection.
    pub extensions: Vec<String>,
    /// Extra request headers (`Authorization`, `Cookie`…).
    pub headers: Vec<(String, String)>,
}

impl ClientRequest {
    /// A request for `target` on `host`.
    pub fn new(host: impl Into<String>, target: impl Into<String>) -> Self {
        Self {
            host: host.into(),
            target: target.into(),
            ..Self::default()
        }
    }

    /// Set the `Origin`.
    pub fn origin(mut self, origin: impl Into<String>) -> Self {
        self.origin = Some(origin.into());
        self
    }

    /// Offer a subprotocol (call in order of preference).
    pub fn subprotocol(mut self, name: impl Into<String>) -> Self {
        self.subprotocols.push(name.into());
        self
    }

    /// Add a request header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The request bytes for a `Sec-WebSocket-Key` made from `nonce`.
    pub(crate) fn encode(&self, nonce: &[u8; 16]) -> Result<(Vec<u8>, String), UsageError> {
        let key = encode_key(nonce);
        let target = if self.target.is_empty() {
            "/"
        } else {
            self.target.as_str()
        };
        if target.bytes().any(|b| b <= b' ' || b == 0x7f) {
            return Err(UsageError::InvalidHeader(format!(
                "request target {target:?}"
            )));
        }
        let protocols = self.subprotocols.join(", ");
        let extensions = self.extensions.join(", ");
        let mut fields: Vec<(&str, &str)> = vec![
            ("Host", &self.host),
            ("Upgrade", "websocket"),
            ("Connection", "Upgrade"),
            ("Sec-WebSocket-Key", &key),
            ("Sec-WebSocket-Version", VERSION),
        ];
        if let Some(origin) = &self.origin {
            fields.push(("Origin", origin));
        }
        if !protocols.is_empty() {
            fields.push(("Sec-WebSocket-Protocol", &protocols));
        }
        if !extensions.is_empty() {
            fields.push(("Sec-WebSocket-Extensions", &extensions));
        }
        fields.extend(self.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())));
        for (name, value) in &fields {
            check_header(name, value)?;
        }
        if self.subprotocols.iter().any(|p| !headers::is_token(p)) {
            return Err(UsageError::InvalidHeader(format!(
                "Sec-WebSocket-Protocol: {protocols}"
            )));
        }
        Ok((write_head(&format!("GET {target} HTTP/1.1"), &fields), key))
    }
}

/// The server's `101` answer, checked against RFC 6455 §4.1.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// Every header field in the order received.
    pub headers: Vec<(String, Vec<u8>)>,
    /// The subprotocol the server selected (one that was offered), if any.
    pub subprotocol: Option<String>,
    /// The extensions the server selected (all among those offered).
    pub extensions: Vec<ExtensionOffer>,
}

/// The server refused the upgrade: any status but `101`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// The HTTP status (`403`, `404`, a proxy's `502`…).
    pub status: u16,
    /// The reason phrase, as sent.
    pub reason: String,
    /// Every header field in the order received.
    pub headers: Vec<(String, Vec<u8>)>,
    /// The body, at most `Config::max_rejection_body` bytes.
    pub body: Bytes,
}

/// What the client handshake ends in.
#[derive(Debug)]
pub(crate) enum ClientOutcome {
    Accepted(Response),
    Rejected(Rejection),
}

/// How the body of a rejection ends (RFC 9112 §6.3).
#[derive(Clone, Copy, Debug)]
enum Body {
    Length(usize),
    Chunked,
    UntilEof,
}

#[derive(Debug)]
struct PendingRejection {
    rejection: Rejection,
    body: Body,
    raw: BytesMut,
    /// Chunked body: how far its chunks were read.
    chunks: ChunkScan,
}

/// Reads and checks the server's answer.
#[derive(Debug)]
pub(crate) struct ClientHandshake {
    expected_accept: String,
    subprotocols: Vec<String>,
    extensions: Vec<String>,
    head: HeadReader,
    rejection: Option<PendingRejection>,
}

impl ClientHandshake {
    pub(crate) fn new(request: &ClientRequest, key: &str) -> Self {
        let extensions = request
            .extensions
            .iter()
            .flat_map(|e| e.split(','))
            .filter_map(|e| e.split(';').next())
            .map(|n| n.trim().to_owned())
            .collect();
        Self {
            expected_accept: accept_key(key),
            subprotocols: request.subprotocols.clone(),
            extensions,
            head: HeadReader::default(),
            rejection: None,
        }
    }

    /// Consumes the response from `buf`; bytes after a `101` head stay in `buf` (the
    /// server's first frames).
    pub(crate) fn poll(
        &mut self,
        buf: &mut BytesMut,
        config: &Config,
        eof: bool,
    ) -> Result<Option<ClientOutcome>, HandshakeError> {
        if self.rejection.is_none() {
            let Some(end) = self.head.find_end(buf, config.max_handshake_size)? else {
                return if eof {
                    Err(HandshakeError::ConnectionClosed)
                } else {
                    Ok(None)
                };
            };
            let head = buf.split_to(end);
            let (status, reason, list) = parse_response(&head, config)?;
            if status == 101 {
                return self.check(list).map(|r| Some(ClientOutcome::Accepted(r)));
            }
            let body = body_framing(status, &list);
            let rejection = Rejection {
                status,
                reason,
                headers: list,
                body: Bytes::new(),
            };
            self.rejection = Some(PendingRejection {
                rejection,
                body,
                raw: BytesMut::new(),
                chunks: ChunkScan::default(),
            });
        }
        let Some(pending) = self.rejection.as_mut() else {
            return Ok(None);
        };
        let max = config.max_rejection_body;
        // Raw bytes kept: the body limit plus room for chunk framing.
        let cap = max + 64;
        let room = cap.saturating_sub(pending.raw.len());
        let take = buf.len().min(room);
        pending.raw.extend_from_slice(&buf[..take]);
        buf.advance(buf.len()); // nothing after a rejection is for us
        let done = match pending.body {
            Body::Length(n) => pending.raw.len() >= n.min(max),
            // Done once the last chunk is parsed or the raw bytes are capped, so the body
            // does not depend on how the reads were split.
            Body::Chunked => pending.chunks.done(&pending.raw) || pending.raw.len() >= cap,
            Body::UntilEof => pending.raw.len() >= max,
        };
        if !(done || eof) {
            return Ok(None);
        }
        let Some(mut pending) = self.rejection.take() else {
            return Ok(None);
        };
        let mut body = match pending.body {
            Body::Chunked => decode_chunked(&pending.raw).0,
            _ => pending.raw,
        };
        body.truncate(match pending.body {
            Body::Length(n) => n.min(max),
            _ => max,
        });
        pending.rejection.body = body.freeze();
        Ok(Some(ClientOutcome::Rejected(pending.rejection)))
    }

    /// §4.1: the checks a client makes on a `101` answer.
    fn check(&self, list: HeaderList) -> Result<Response, HandshakeError> {
        if !has_token(&list, "upgrade", "websocket") {
            return Err(HandshakeError::InvalidUpgrade);
        }
        if !has_token(&list, "connection", "upgrade") {
            return Err(HandshakeError::InvalidConnection);
        }
        match single(&list, "sec-websocket-accept") {
            Ok(Some(v)) if v.trim_ascii() == self.expected_accept.as_bytes() => {}
            _ => return Err(HandshakeError::InvalidAccept),
        }
        let selected: Vec<&str> = headers::tokens(&list, "sec-websocket-protocol").collect();
        let subprotocol = match selected.as_slice() {
            [] => None,
            [one] if self.subprotocols.iter().any(|p| p == one) => Some((*one).to_owned()),
            _ => return Err(HandshakeError::UnexpectedSubprotocol(selected.join(", "))),
        };
        let extensions = headers::extensions(&list);
        if let Some(e) = extensions.iter().find(|e| {
            !self
                .extensions
                .iter()
                .any(|o| o.eq_ignore_ascii_case(&e.name))
        }) {
            return Err(HandshakeError::UnexpectedExtension(e.name.clone()));
        }
        Ok(Response {
            headers: list,
            subprotocol,
            extensions,
        })
    }
}

fn parse_response(
    head: &[u8],
    config: &Config,
) -> Result<(u16, String, HeaderList), HandshakeError> {
    // A header line takes at least 3 bytes (`x:\n`), so the head bounds the slots needed;
    // a huge `max_headers` must not allocate (or overflow) up front.
    let mut slots = vec![httparse::EMPTY_HEADER; config.max_headers.min(head.len() / 3 + 1)];
    let mut res = httparse::Response::new(&mut slots);
    match res.parse(head).map_err(headers::parse_error)? {
        httparse::Status::Complete(_) => {}
        httparse::Status::Partial => {
            return Err(HandshakeError::Malformed("incomplete head".into()));
        }
    }
    let status = res.code.unwrap_or_default();
    let reason = res.reason.unwrap_or_default().to_owned();
    Ok((status, reason, headers::collect(res.headers)))
}

fn body_framing(status: u16, list: &[(String, Vec<u8>)]) -> Body {
    if (100..200).contains(&status) || status == 204 || status == 304 {
        return Body::Length(0);
    }
    if headers::has_token(list, "transfer-encoding", "chunked") {
        return Body::Chunked;
    }
    let length = headers::values(list, "content-length")
        .next()
        .and_then(|v| std::str::from_utf8(v).ok())
        .and_then(|v| v.trim().parse::<usize>().ok());
    length.map_or(Body::UntilEof, Body::Length)
}

/// A resumable walk over a chunked body that reads the chunks as [`decode_chunked`] does,
/// so the end is found whatever the reads were, in linear time even if the body trickles
/// in a byte at a time.
#[derive(Debug, Default)]
struct ChunkScan {
    /// Start of the current chunk's size line in the raw body.
    line: usize,
    /// Bytes after `line` already searched for the end of the size line.
    searched: usize,
    /// The end of the size line and the chunk size, once the line is whole.
    size: Option<(usize, usize)>,
}

impl ChunkScan {
    /// True once the last chunk (or a size line that is not one) is reached.
    fn done(&mut self, raw: &[u8]) -> bool {
        loop {
            let rest = &raw[self.line..];
            let (eol, size) = match self.size {
                Some(known) => known,
                None => {
                    let Some(i) = rest[self.searched..].iter().position(|&b| b == b'\n') else {
                        self.searched = rest.len();
                        return false;
                    };
                    let eol = self.searched + i;
                    let line = std::str::from_utf8(&rest[..eol]).unwrap_or_default();
                    let size_text = line.split(';').next().unwrap_or_default().trim();
                    match usize::from_str_radix(size_text, 16) {
                        Ok(0) | Err(_) => return true,
                        Ok(size) => *self.size.insert((eol, size)),
                    }
                }
            };
            let after = match rest[eol + 1..].get(size..) {
                Some(after) if !after.is_empty() && after != b"\r" => after,
                _ => return false, // the chunk or its CRLF is not all here
            };
            self.line += eol + 1 + size + if after.starts_with(b"\r\n") { 2 } else { 0 };
            self.searched = 0;
            self.size = None;
        }
    }
}

/// Decodes as much of a chunked body as is present; `true` once the last chunk was seen.
fn decode_chunked(mut raw: &[u8]) -> (BytesMut, bool) {
    let mut out = BytesMut::new();
    loop {
        let Some(eol) = raw.iter().position(|&b| b == b'\n') else {
            return (out, false);
        };
        let line = std::str::from_utf8(&raw[..eol]).unwrap_or_default();
        let size_text = line.split(';').next().unwrap_or_default().trim();
        let Ok(size) = usize::from_str_radix(size_text, 16) else {
            return (out, true);
        };
        if size == 0 {
            return (out, true);
        }
        let data = &raw[eol + 1..];
        if data.len() < size {
            out.extend_from_slice(data);
            return (out, false);
        }
        out.extend_from_slice(&data[..size]);
        raw = data[size..].strip_prefix(b"\r\n").unwrap_or(&data[size..]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_bodies() {
        assert_eq!(
            decode_chunked(b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"),
            (BytesMut::from(&b"hello world"[..]), true)
        );
        assert_eq!(
            decode_chunked(b"5\r\nhel"),
            (BytesMut::from(&b"hel"[..]), false)
        );
    }
}
