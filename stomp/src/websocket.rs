//! STOMP over WebSocket, without depending on a WebSocket implementation.

use crate::{Frame, Version};

/// The WebSocket subprotocols of STOMP, most preferred first: `v12.stomp`, `v11.stomp`,
/// `v10.stomp`. A server passes this list to its subprotocol selection; a client offers
/// it. A client that offers none (stomp.py does not) is still served, with
/// `accept-version` alone deciding.
pub const SUBPROTOCOLS: [&str; 3] = ["v12.stomp", "v11.stomp", "v10.stomp"];

/// The highest version a WebSocket subprotocol allows: `v12.stomp` → 1.2, `v11.stomp` →
/// 1.1, `v10.stomp` → 1.0; no subprotocol (`None`) → 1.2 (`accept-version` decides).
/// Any other name also gives 1.2: only the three STOMP names cap the version.
/// Use it as [`ServerConfig::max_version`](crate::ServerConfig::max_version) or
/// [`ClientConfig::max_version`](crate::ClientConfig::max_version).
#[must_use]
pub fn version_for_subprotocol(subprotocol: Option<&str>) -> Version {
    match subprotocol {
        Some("v10.stomp") => Version::V1_0,
        Some("v11.stomp") => Version::V1_1,
        _ => Version::V1_2,
    }
}

/// The subprotocol name of a version (`1.2` → `v12.stomp`).
#[must_use]
pub const fn subprotocol_for_version(version: Version) -> &'static str {
    match version {
        Version::V1_0 => "v10.stomp",
        Version::V1_1 => "v11.stomp",
        Version::V1_2 => "v12.stomp",
    }
}

/// Whether an encoded frame goes in a **binary** WebSocket message: when its bytes are not
/// UTF-8 (a binary body). Otherwise it goes in a text message. Receivers accept both.
#[must_use]
pub fn is_binary(encoded: &[u8]) -> bool {
    std::str::from_utf8(encoded).is_err()
}

/// [`is_binary`] for a frame before encoding: its body is not UTF-8 (headers always are).
#[must_use]
pub fn frame_is_binary(frame: &Frame) -> bool {
    std::str::from_utf8(frame.body()).is_err()
}
