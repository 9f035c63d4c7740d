//! The client side of an HTTP `CONNECT` tunnel (RFC 9110 §9.3.6), sans-IO: how a client
//! behind an HTTP proxy reaches a WebSocket server.
//!
//! See [`ProxyConnect`].

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::head::{HeadReader, write_head};

/// The default limit of the proxy's answer head (as `Config::max_handshake_size`).
const MAX_HEAD: usize = 16 * 1024;
/// The default limit of a rejection body kept (as the client's `Rejection`).
const MAX_BODY: usize = 64 * 1024;
/// Header lines parsed in the proxy's answer at most.
const MAX_HEADERS: usize = 128;

/// The client side of a `CONNECT` tunnel through an HTTP proxy.
///
/// A host connects its socket to the proxy, writes [`ProxyConnect::data_to_send`] (the
/// `CONNECT host:port` request), and feeds what the proxy answers to
/// [`ProxyConnect::receive_data`] until it returns an outcome:
///
/// - [`ProxyOutcome::Connected`]: the proxy answered 2xx, the socket is now a tunnel to the
///   target. Start TLS over it for `wss://`, then run the WebSocket client
///   ([`Connection::client`](crate::Connection::client)) on the same socket, first handing it
///   the `rest`: bytes the proxy's answer was followed by, which belong to the target.
/// - [`ProxyOutcome::Rejected`]: any other status (407 without or with wrong credentials, 403
///   for a port the proxy refuses, 502 when the target is down), with the proxy's headers and
///   body (at most [`ProxyConnect::with_max_body_size`] bytes of it). Close the socket.
///
/// Errors are typed ([`ProxyError`]): an answer that is not HTTP, a head past its size limit,
/// or the proxy closing before it answered ([`ProxyConnect::receive_eof`]).
///
/// ```
/// use sansocket::handshake::{ProxyConnect, ProxyOutcome};
///
/// let mut proxy = ProxyConnect::new("example.com", 443)?.with_credentials("user", "pass");
/// assert!(proxy.data_to_send().starts_with(b"CONNECT example.com:443 HTTP/1.1\r\n"));
/// let answer = b"HTTP/1.1 200 Connection established\r\n\r\n";
/// match proxy.receive_data(answer)? {
///     Some(ProxyOutcome::Connected { rest }) => assert!(rest.is_empty()),
///     other => panic!("{other:?}"),
/// }
/// # Ok::<(), sansocket::handshake::ProxyError>(())
/// ```
#[derive(Debug)]
pub struct ProxyConnect {
    to_send: Vec<u8>,
    buf: Vec<u8>,
    head: HeadReader,
    max_head: usize,
    max_body: usize,
    state: ProxyState,
}

#[derive(Debug)]
enum ProxyState {
    /// Waiting for the answer's head.
    Head,
    /// A rejection's head was read; its body is being collected (`remaining` from
    /// `Content-Length`, or `None`: until the proxy closes).
    Body {
        rejection: ProxyRejection,
        remaining: Option<usize>,
    },
    /// An outcome or an error was returned.
    Done,
}

/// What the proxy answered (see [`ProxyConnect`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProxyOutcome {
    /// 2xx: the tunnel is open. `rest` are the bytes that followed the proxy's head in the
    /// same reads: they came from the target and go to the WebSocket client first.
    Connected {
        /// Bytes from the target already received.
        rest: Vec<u8>,
    },
    /// Any other status: the proxy refused. Close the socket.
    Rejected(ProxyRejection),
}

/// A proxy's refusal: its status, reason, headers and (the start of) its body.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProxyRejection {
    /// The status code (407: credentials needed, 403: target refused, 502: target down...).
    pub status: u16,
    /// The reason phrase, as sent.
    pub reason: String,
    /// The header lines, in order (values that are not UTF-8 are replaced lossily).
    pub headers: Vec<(String, String)>,
    /// The body: its `Content-Length` bytes, or what came before the proxy closed, at most
    /// the body limit ([`ProxyConnect::with_max_body_size`], 64 KiB by default).
    pub body: Vec<u8>,
}

/// Why a tunnel could not be set up (see [`ProxyConnect`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProxyError {
    /// The target host is empty or holds characters a request line cannot carry.
    InvalidTarget(String),
    /// The proxy's answer is not an HTTP/1.x response head.
    Malformed(String),
    /// The answer's head is larger than the limit (16 KiB by default) or has more than 128
    /// header lines.
    HeadTooLarge,
    /// The proxy closed the connection before its answer's head was complete.
    Closed,
    /// `receive_data`/`receive_eof` after an outcome or an error was returned.
    Finished,
}

impl std::fmt::Display for ProxyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::InvalidTarget(host) => write!(f, "invalid proxy target host {host:?}"),
            Self::Malformed(why) => write!(f, "malformed answer from the proxy: {why}"),
            Self::HeadTooLarge => f.write_str("the proxy's answer head is too large"),
            Self::Closed => f.write_str("the proxy closed the connection before answering"),
            Self::Finished => f.write_str("the proxy's answer was already handled"),
        }
    }
}

impl std::error::Error for ProxyError {}

impl ProxyConnect {
    /// A tunnel to `host:port` (the WebSocket server's host and port; an IPv6 address with
    /// or without brackets). The request is queued at once: `CONNECT host:port HTTP/1.1`
    /// with `Host: host:port`.
    ///
    /// # Errors
    /// [`ProxyError::InvalidTarget`] for an empty host or one with whitespace, control
    /// characters or `/`, `@`, `?`, `#`.
    pub fn new(host: &str, port: u16) -> Result<Self, ProxyError> {
        let bare = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        let bad = |c: char| c.is_whitespace() || c.is_control() || "/@?#[]\\\"".contains(c);
        if bare.is_empty() || bare.chars().any(bad) {
            return Err(ProxyError::InvalidTarget(host.to_owned()));
        }
        let target = if bare.contains(':') {
            format!("[{bare}]:{port}")
        } else {
            format!("{bare}:{port}")
        };
        Ok(Self {
            to_send: write_head(&format!("CONNECT {target} HTTP/1.1"), &[("Host", &target)]),
            buf: Vec::new(),
            head: HeadReader::default(),
            max_head: MAX_HEAD,
            max_body: MAX_BODY,
            state: ProxyState::Head,
        })
    }

    /// Adds `Proxy-Authorization: Basic base64(user:password)` (RFC 7617) to the request,
    /// for a proxy URL's credentials (percent-decoded by the host). Call before
    /// [`data_to_send`](Self::data_to_send).
    #[must_use]
    pub fn with_credentials(mut self, user: &str, password: &str) -> Self {
        let token = STANDARD.encode(format!("{user}:{password}"));
        self.add_header("Proxy-Authorization", &format!("Basic {token}"));
        self
    }

    /// Adds a header line to the request (a `User-Agent`, say). Names or values holding CR
    /// or LF are not added. Call before [`data_to_send`](Self::data_to_send).
    #[must_use]
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        let bad = |s: &str| s.contains(['\r', '\n']);
        if !name.is_empty() && !bad(name) && !bad(value) && !name.contains(':') {
            self.add_header(name, value);
        }
        self
    }

    /// The largest answer head accepted (16 KiB by default).
    #[must_use]
    pub fn with_max_head_size(mut self, bytes: usize) -> Self {
        self.max_head = bytes;
        self
    }

    /// The most bytes of a rejection's body kept (64 KiB by default); the rest is not waited
    /// for.
    #[must_use]
    pub fn with_max_body_size(mut self, bytes: usize) -> Self {
        self.max_body = bytes;
        self
    }

    fn add_header(&mut self, name: &str, value: &str) {
        // Before the blank line that ends the queued head.
        if self.to_send.ends_with(b"\r\n\r\n") {
            self.to_send.truncate(self.to_send.len() - 2);
            self.to_send
                .extend_from_slice(format!("{name}: {value}\r\n\r\n").as_bytes());
        }
    }

    /// The request bytes to write to the proxy (once; empty afterwards).
    #[must_use]
    pub fn data_to_send(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.to_send)
    }

    /// Feeds bytes read from the proxy. `Ok(None)`: read more. `Ok(Some(outcome))`: the
    /// answer is complete (see [`ProxyOutcome`]); later calls return
    /// [`ProxyError::Finished`].
    ///
    /// # Errors
    /// [`ProxyError::Malformed`], [`ProxyError::HeadTooLarge`]; close the socket.
    pub fn receive_data(&mut self, data: &[u8]) -> Result<Option<ProxyOutcome>, ProxyError> {
        match &mut self.state {
            ProxyState::Done => Err(ProxyError::Finished),
            ProxyState::Body {
                rejection,
                remaining,
            } => {
                let room = self.max_body - rejection.body.len();
                let want = remaining.map_or(room, |r| r.min(room));
                let take = data.len().min(want);
                rejection.body.extend_from_slice(&data[..take]);
                if let Some(r) = remaining {
                    *r -= take;
                }
                if take == want {
                    return Ok(Some(self.finish_rejection()));
                }
                Ok(None)
            }
            ProxyState::Head => {
                self.buf.extend_from_slice(data);
                let end = match self.head.find_end(&self.buf, self.max_head) {
                    Ok(Some(end)) => end,
                    Ok(None) => return Ok(None),
                    Err(_) => return self.fail(ProxyError::HeadTooLarge),
                };
                self.parse_head(end)
            }
        }
    }

    /// The proxy closed its side. A rejection whose body was being read (no
    /// `Content-Length`, or a shorter body) is returned with what came.
    ///
    /// # Errors
    /// [`ProxyError::Closed`] when the answer's head had not come yet.
    pub fn receive_eof(&mut self) -> Result<ProxyOutcome, ProxyError> {
        match self.state {
            ProxyState::Body { .. } => Ok(self.finish_rejection()),
            ProxyState::Head => self.fail(ProxyError::Closed),
            ProxyState::Done => Err(ProxyError::Finished),
        }
    }

    fn fail<T>(&mut self, error: ProxyError) -> Result<T, ProxyError> {
        self.state = ProxyState::Done;
        self.buf = Vec::new();
        Err(error)
    }

    fn finish_rejection(&mut self) -> ProxyOutcome {
        match std::mem::replace(&mut self.state, ProxyState::Done) {
            ProxyState::Body { rejection, .. } => ProxyOutcome::Rejected(rejection),
            // Only called in the Body state.
            _ => ProxyOutcome::Rejected(ProxyRejection {
                status: 0,
                reason: String::new(),
                headers: Vec::new(),
                body: Vec::new(),
            }),
        }
    }

    fn parse_head(&mut self, end: usize) -> Result<Option<ProxyOutcome>, ProxyError> {
        let mut slots = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut res = httparse::Response::new(&mut slots);
        let parsed = match res.parse(&self.buf[..end]) {
            Ok(httparse::Status::Complete(_)) => {
                let status = res.code.unwrap_or(0);
                let reason = res.reason.unwrap_or("").to_owned();
                let headers: Vec<(String, String)> = res
                    .headers
                    .iter()
                    .map(|h| {
                        (
                            h.name.to_owned(),
                            String::from_utf8_lossy(h.value).into_owned(),
                        )
                    })
                    .collect();
                Ok((status, reason, headers))
            }
            Ok(httparse::Status::Partial) => Err(ProxyError::Malformed("incomplete head".into())),
            Err(httparse::Error::TooManyHeaders) => Err(ProxyError::HeadTooLarge),
            Err(e) => Err(ProxyError::Malformed(e.to_string())),
        };
        let (status, reason, headers) = match parsed {
            Ok(p) => p,
            Err(e) => return self.fail(e),
        };
        let rest = self.buf.split_off(end);
        self.buf = Vec::new();
        if (200..300).contains(&status) {
            // RFC 9110 §9.3.6: a 2xx to CONNECT has no body; everything after the head is
            // the tunnel's.
            self.state = ProxyState::Done;
            return Ok(Some(ProxyOutcome::Connected { rest }));
        }
        let length = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
            .map(|(_, v)| v.trim().parse::<usize>());
        let remaining = match length {
            Some(Ok(n)) => Some(n),
            Some(Err(_)) => return self.fail(ProxyError::Malformed("bad Content-Length".into())),
            None => None,
        };
        self.state = ProxyState::Body {
            rejection: ProxyRejection {
                status,
                reason,
                headers,
                body: Vec::new(),
            },
            remaining,
        };
        // The body's first bytes may have come with the head (and may be all of it).
        self.receive_data(&rest)
    }
}
