//! The opening handshake (RFC 6455 §4): an HTTP/1.1 `GET` with `Upgrade: websocket`,
//! answered by `101 Switching Protocols`.
//!
//! [`Connection`](crate::Connection) drives these; they are public so that a host that does
//! its own HTTP can reuse the pieces ([`accept_key`], [`Request`], [`ClientRequest`]).
//! [`ProxyConnect`] is the step before them for a client behind an HTTP proxy: the
//! `CONNECT` tunnel.

mod client;
mod head;
mod headers;
mod proxy;
mod server;

pub use client::{ClientRequest, Rejection, Response};
pub use headers::ExtensionOffer;
pub use proxy::{ProxyConnect, ProxyError, ProxyOutcome, ProxyRejection};
pub use server::{Accept, Request};

pub(crate) use client::{ClientHandshake, ClientOutcome};
#[cfg(all(test, feature = "deflate"))]
pub(crate) use headers::extensions as parse_extensions;
pub(crate) use server::{ServerHandshake, accept_response, error_response, reject_response};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// The GUID of RFC 6455 §1.3, appended to the key before hashing.
pub const GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// The `Sec-WebSocket-Version` this crate speaks.
pub const VERSION: &str = "13";

/// `Sec-WebSocket-Accept` for a `Sec-WebSocket-Key`: base64(SHA-1(key + GUID)) (§4.2.2).
///
/// ```
/// // RFC 6455 §1.3
/// assert_eq!(sansocket::handshake::accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
/// ```
pub fn accept_key(key: &str) -> String {
    let mut sha = sha1_smol::Sha1::new();
    sha.update(key.as_bytes());
    sha.update(GUID.as_bytes());
    STANDARD.encode(sha.digest().bytes())
}

/// A fresh `Sec-WebSocket-Key`: 16 random bytes in base64 (§4.1).
pub(crate) fn encode_key(nonce: &[u8; 16]) -> String {
    STANDARD.encode(nonce)
}

/// True if `key` is base64 of exactly 16 bytes (§4.2.1 item 5).
pub(crate) fn is_valid_key(key: &str) -> bool {
    key.len() == 24 && STANDARD.decode(key).is_ok_and(|k| k.len() == 16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6455_section_1_3_accept_key() {
        assert_eq!(
            accept_key("dGhlIHNhbXBsZSBub25jZQ=="),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
    }

    #[test]
    fn key_validation() {
        assert!(is_valid_key("dGhlIHNhbXBsZSBub25jZQ=="));
        assert!(!is_valid_key("dGhlIHNhbXBsZSBub25jZQ"));
        assert!(!is_valid_key("dGhlIHNhbXBsZSBub25jZXg="));
        assert!(!is_valid_key("!GhlIHNhbXBsZSBub25jZQ=="));
        assert_eq!(encode_key(b"the sample nonce"), "dGhlIHNhbXBsZSBub25jZQ==");
    }
}
