//! Server side of the opening handshake (RFC 6455 §4.2).

use bytes::BytesMut;

use super::head::{HeadReader, reason_phrase, write_head};
use super::headers::{self, ExtensionOffer, HeaderList, check_header, has_token, single, tokens};
use super::{VERSION, accept_key, is_valid_key};
use crate::config::Config;
use crate::error::{HandshakeError, UsageError};

/// A client's upgrade request, checked against RFC 6455 §4.2.1.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// The request target: path and query, as sent (`/chat?room=1`).
    pub target: String,
    /// Every header field in the order received: name as sent, raw value.
    pub headers: Vec<(String, Vec<u8>)>,
    /// The `Host` header.
    pub host: String,
    /// The `Origin` header, if any (browsers always send one).
    pub origin: Option<String>,
    /// The `Sec-WebSocket-Key`.
    pub key: String,
    /// Subprotocols offered in `Sec-WebSocket-Protocol`, across repeated lines, in the
    /// client's order of preference.
    pub subprotocols: Vec<String>,
    /// Extensions offered in `Sec-WebSocket-Extensions`.
    pub extensions: Vec<ExtensionOffer>,
}

impl Request {
    /// The first value of a header (name compared ignoring case).
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
    }

    /// `false` for a plain HTTP `GET` (no `Upgrade` header), delivered only under
    /// [`Config::plain_http`]: answer it with
    /// [`reject`](crate::Connection::reject), `accept` refuses it. Every other request
    /// passed the RFC 6455 checks and is an upgrade.
    pub fn is_upgrade(&self) -> bool {
        self.header("upgrade").is_some()
    }

    /// The path part of the target, without the query.
    pub fn path(&self) -> &str {
        self.target.split_once('?').map_or(&self.target, |(p, _)| p)
    }

    /// The query part of the target, without the `?`.
    pub fn query(&self) -> Option<&str> {
        self.target.split_once('?').map(|(_, q)| q)
    }

    /// The first of the server's `preferences` that the client offered, or `None`: the
    /// server's order decides, as in `websockets`. Names are compared exactly
    /// (subprotocol names are case-sensitive).
    ///
    /// ```
    /// # use sansocket::Request;
    /// # let mut request = Request { target: "/".into(), headers: vec![], host: "h".into(), origin: None,
    /// #     key: String::new(), subprotocols: vec![], extensions: vec![] };
    /// request.subprotocols = vec!["v10.stomp".into(), "v11.stomp".into()];
    /// assert_eq!(request.select_subprotocol(&["v12.stomp", "v11.stomp"]), Some("v11.stomp"));
    /// assert_eq!(request.select_subprotocol(&["mqtt"]), None);
    /// ```
    pub fn select_subprotocol<S: AsRef<str>>(&self, preferences: &[S]) -> Option<&str> {
        preferences
            .iter()
            .find_map(|p| self.subprotocols.iter().find(|o| o.as_str() == p.as_ref()))
            .map(String::as_str)
    }
}

/// How a server accepts a request: the subprotocol it chose (one the client offered) and
/// extra response headers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Accept {
    /// The selected subprotocol; it must be one the client offered.
    pub subprotocol: Option<String>,
    /// Extra headers for the `101` response (for example `Set-Cookie`).
    pub headers: Vec<(String, String)>,
    /// Decline permessage-deflate for this connection although [`Config::deflate`] would
    /// accept the client's offer (the decision is the application's, made at accept time).
    ///
    /// [`Config::deflate`]: crate::Config::deflate
    pub decline_deflate: bool,
}

impl Accept {
    /// Accept with no subprotocol and no extra headers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Select a subprotocol.
    pub fn subprotocol(mut self, name: impl Into<String>) -> Self {
        self.subprotocol = Some(name.into());
        self
    }

    /// Decline permessage-deflate for this connection (see [`Accept::decline_deflate`]).
    pub fn without_deflate(mut self) -> Self {
        self.decline_deflate = true;
        self
    }

    /// Add a response header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// Reads the request head and, once it is complete, checks it.
#[derive(Debug, Default)]
pub(crate) struct ServerHandshake {
    head: HeadReader,
}

impl ServerHandshake {
    /// Takes the request head off the front of `buf` once it is complete; bytes after it
    /// (the client's first frames) stay in `buf`.
    pub(crate) fn poll(
        &mut self,
        buf: &mut BytesMut,
        config: &Config,
    ) -> Result<Option<Request>, HandshakeError> {
        let Some(end) = self.head.find_end(buf, config.max_handshake_size)? else {
            return Ok(None);
        };
        let head = buf.split_to(end);
        parse_request(&head, config).map(Some)
    }
}

fn parse_request(head: &[u8], config: &Config) -> Result<Request, HandshakeError> {
    // A header line takes at least 3 bytes (`x:\n`), so the head bounds the slots needed;
    // a huge `max_headers` must not allocate (or overflow) up front.
    let mut slots = vec![httparse::EMPTY_HEADER; config.max_headers.min(head.len() / 3 + 1)];
    let mut req = httparse::Request::new(&mut slots);
    match req.parse(head).map_err(headers::parse_error)? {
        httparse::Status::Complete(_) => {}
        httparse::Status::Partial => {
            return Err(HandshakeError::Malformed("incomplete head".into()));
        }
    }
    let method = req.method.unwrap_or_default();
    if method != "GET" {
        return Err(HandshakeError::MethodNotAllowed(method.to_owned()));
    }
    if req.version != Some(1) {
        return Err(HandshakeError::HttpVersion);
    }
    let target = req.path.unwrap_or("/").to_owned();
    let list = headers::collect(req.headers);
    check_request(target, list, config)
}

/// Checks the header fields of a `GET` request (§4.2.1).
fn check_request(
    target: String,
    list: HeaderList,
    config: &Config,
) -> Result<Request, HandshakeError> {
    let host = match single(&list, "host") {
        Ok(Some(h)) if !h.is_empty() => {
            String::from_utf8(h.to_vec()).map_err(|_| HandshakeError::InvalidHost)?
        }
        _ => return Err(HandshakeError::InvalidHost),
    };
    if headers::values(&list, "upgrade").next().is_none() {
        if !config.plain_http {
            return Err(HandshakeError::UpgradeRequired);
        }
        return Ok(Request {
            target,
            headers: list,
            host,
            origin: None,
            key: String::new(),
            subprotocols: Vec::new(),
            extensions: Vec::new(),
        });
    }
    if !has_token(&list, "upgrade", "websocket") {
        return Err(HandshakeError::InvalidUpgrade);
    }
    if !has_token(&list, "connection", "upgrade") {
        return Err(HandshakeError::InvalidConnection);
    }
    match single(&list, "sec-websocket-version") {
        Ok(Some(v)) if v.trim_ascii() == VERSION.as_bytes() => {}
        _ => return Err(HandshakeError::UnsupportedVersion),
    }
    let key = match single(&list, "sec-websocket-key") {
        Ok(Some(k)) => std::str::from_utf8(k.trim_ascii())
            .map_err(|_| HandshakeError::InvalidKey)?
            .to_owned(),
        _ => return Err(HandshakeError::InvalidKey),
    };
    if !is_valid_key(&key) {
        return Err(HandshakeError::InvalidKey);
    }
    let origin = headers::values(&list, "origin")
        .next()
        .map(|o| String::from_utf8_lossy(o).into_owned());
    if let Some(allowed) = &config.allowed_origins {
        let ok = match &origin {
            Some(o) => allowed.iter().any(|a| a.eq_ignore_ascii_case(o)),
            None => !config.require_origin,
        };
        if !ok {
            return Err(HandshakeError::ForbiddenOrigin);
        }
    }
    let subprotocols = tokens(&list, "sec-websocket-protocol")
        .map(str::to_owned)
        .collect();
    let extensions = headers::extensions(&list);
    Ok(Request {
        target,
        headers: list,
        host,
        origin,
        key,
        subprotocols,
        extensions,
    })
}

/// The `101 Switching Protocols` response (§4.2.2).
pub(crate) fn accept_response(
    request: &Request,
    accept: &Accept,
    extension: Option<&str>,
) -> Result<Vec<u8>, UsageError> {
    if let Some(p) = accept
        .subprotocol
        .as_ref()
        .filter(|p| !request.subprotocols.contains(p))
    {
        return Err(UsageError::SubprotocolNotOffered(p.clone()));
    }
    for (name, value) in &accept.headers {
        check_header(name, value)?;
    }
    let accept_value = accept_key(&request.key);
    let mut fields: Vec<(&str, &str)> = vec![
        ("Upgrade", "websocket"),
        ("Connection", "Upgrade"),
        ("Sec-WebSocket-Accept", &accept_value),
    ];
    if let Some(p) = &accept.subprotocol {
        fields.push(("Sec-WebSocket-Protocol", p));
    }
    if let Some(e) = extension {
        fields.push(("Sec-WebSocket-Extensions", e));
    }
    fields.extend(accept.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())));
    Ok(write_head("HTTP/1.1 101 Switching Protocols", &fields))
}

/// A response refusing the upgrade, with a body. `Content-Length` and `Connection: close`
/// are added.
pub(crate) fn reject_response(
    status: u16,
    extra: &[(&str, &str)],
    body: &[u8],
) -> Result<Vec<u8>, UsageError> {
    if !(100..=999).contains(&status) || status == 101 {
        return Err(UsageError::InvalidStatus(status));
    }
    for (name, value) in extra {
        check_header(name, value)?;
    }
    let length = body.len().to_string();
    let mut fields: Vec<(&str, &str)> = extra
        .iter()
        .copied()
        .filter(|(n, _)| {
            !n.eq_ignore_ascii_case("content-length") && !n.eq_ignore_ascii_case("connection")
        })
        .collect();
    fields.push(("Content-Length", &length));
    fields.push(("Connection", "close"));
    let mut out = write_head(
        &format!("HTTP/1.1 {status} {}", reason_phrase(status)),
        &fields,
    );
    out.extend_from_slice(body);
    Ok(out)
}

/// The response a server sends for a handshake error: its status, the headers that say
/// what would work (`Allow`, `Upgrade`, `Sec-WebSocket-Version`) and a one-line body.
pub(crate) fn error_response(error: &HandshakeError) -> Vec<u8> {
    let status = error.status().unwrap_or(400);
    let mut extra: Vec<(&str, &str)> = vec![("Content-Type", "text/plain; charset=utf-8")];
    match error {
        HandshakeError::MethodNotAllowed(_) => extra.push(("Allow", "GET")),
        HandshakeError::UpgradeRequired => extra.push(("Upgrade", "websocket")),
        HandshakeError::UnsupportedVersion => extra.push(("Sec-WebSocket-Version", VERSION)),
        _ => {}
    }
    let body = format!("{error}\n");
    // ok: the status comes from HandshakeError::status, always a valid error status.
    reject_response(status, &extra, body.as_bytes()).unwrap_or_default()
}
