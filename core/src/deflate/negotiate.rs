//! Negotiating permessage-deflate parameters (RFC 7692 §7.1).

use super::{DeflateConfig, EXTENSION_NAME};
use crate::Role;
use crate::error::HandshakeError;
use crate::handshake::ExtensionOffer;

/// The agreed parameters (RFC 7692 §7.1), as both ends see them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct DeflateParams {
    /// The server resets its compressor after each message.
    pub server_no_context_takeover: bool,
    /// The client resets its compressor after each message.
    pub client_no_context_takeover: bool,
    /// The server's compressor uses at most this window (8–15); `None` means 15.
    pub server_max_window_bits: Option<u8>,
    /// The client's compressor uses at most this window (8–15); `None` means 15.
    pub client_max_window_bits: Option<u8>,
}

impl DeflateParams {
    /// Whether `role`'s compressor resets after each message.
    pub(crate) fn no_context_takeover(&self, role: Role) -> bool {
        match role {
            Role::Server => self.server_no_context_takeover,
            Role::Client => self.client_no_context_takeover,
        }
    }

    /// The largest window `role`'s compressor may use.
    pub(crate) fn max_window_bits(&self, role: Role) -> u8 {
        match role {
            Role::Server => self.server_max_window_bits,
            Role::Client => self.client_max_window_bits,
        }
        .unwrap_or(15)
    }

    /// The header value that announces these parameters.
    pub fn header_value(&self) -> String {
        let mut value = EXTENSION_NAME.to_owned();
        if self.server_no_context_takeover {
            value.push_str("; server_no_context_takeover");
        }
        if self.client_no_context_takeover {
            value.push_str("; client_no_context_takeover");
        }
        if let Some(bits) = self.server_max_window_bits {
            value.push_str(&format!("; server_max_window_bits={bits}"));
        }
        if let Some(bits) = self.client_max_window_bits {
            value.push_str(&format!("; client_max_window_bits={bits}"));
        }
        value
    }
}

/// One offer's parameters, checked: no unknown or repeated parameter, no value where none
/// is allowed, window bits 8–15 (RFC 7692 §7.1).
#[derive(Default)]
struct Parsed {
    server_no_context_takeover: bool,
    client_no_context_takeover: bool,
    server_max_window_bits: Option<u8>,
    /// `Some(None)`: offered without a value.
    client_max_window_bits: Option<Option<u8>>,
}

fn parse(offer: &ExtensionOffer, role_of_sender: Role) -> Option<Parsed> {
    let mut p = Parsed::default();
    let mut seen = Vec::new();
    for (name, value) in &offer.params {
        let name = name.to_ascii_lowercase();
        if seen.contains(&name) {
            return None;
        }
        seen.push(name.clone());
        match (name.as_str(), value) {
            ("server_no_context_takeover", None) => p.server_no_context_takeover = true,
            ("client_no_context_takeover", None) => p.client_no_context_takeover = true,
            ("server_max_window_bits", Some(v)) => p.server_max_window_bits = Some(window_bits(v)?),
            ("client_max_window_bits", None) if role_of_sender == Role::Client => {
                p.client_max_window_bits = Some(None)
            }
            ("client_max_window_bits", Some(v)) => {
                p.client_max_window_bits = Some(Some(window_bits(v)?))
            }
            _ => return None,
        }
    }
    Some(p)
}

/// A window size: 8–15 written as plain digits without a leading zero (§7.1.2.1).
fn window_bits(v: &str) -> Option<u8> {
    match v.parse::<u8>() {
        Ok(bits @ 8..=15) if !v.starts_with('0') && v.bytes().all(|b| b.is_ascii_digit()) => {
            Some(bits)
        }
        _ => None,
    }
}

/// Server: accepts the first acceptable permessage-deflate offer (§7.1: malformed offers
/// are declined, the next one is tried) and returns the agreed parameters.
pub(crate) fn server_negotiate(
    offers: &[ExtensionOffer],
    config: &DeflateConfig,
) -> Option<DeflateParams> {
    offers
        .iter()
        .filter(|o| o.name.eq_ignore_ascii_case(EXTENSION_NAME))
        .find_map(|offer| {
            let p = parse(offer, Role::Client)?;
            let ours = config.max_window_bits.clamp(8, 15);
            Some(DeflateParams {
                server_no_context_takeover: p.server_no_context_takeover
                    || config.no_context_takeover,
                client_no_context_takeover: p.client_no_context_takeover
                    || config.request_peer_no_context_takeover,
                // §7.1.2.1: answer with the same or a smaller value. Without a request we add
                // none: we may always compress with a smaller window than the peer can read.
                server_max_window_bits: p.server_max_window_bits.map(|b| b.min(ours)),
                // §7.1.2.2: the server may include it only if the client offered it; the value
                // it asked for (if any) is kept so the client's compressor stays within it.
                // With `low_memory` the client is asked for our window (at least 9 bits: zlib
                // cannot make 8-bit raw streams), so that our inflater keeps as little
                // history (2^bits bytes instead of 32 KiB).
                client_max_window_bits: match p.client_max_window_bits {
                    Some(offered) if config.low_memory => {
                        Some(offered.unwrap_or(15).min(ours.max(9)))
                    }
                    offered => offered.flatten(),
                },
            })
        })
}

/// Client: the offer to send.
pub(crate) fn client_offer(config: &DeflateConfig) -> String {
    // §7.1.2.2: `client_max_window_bits` without a value says we can honour any limit the
    // server sets; our compressor then uses the smaller of that and our own window. (An
    // offer with a value is answered with larger values by some servers, Autobahn's among
    // them, and buys nothing: a smaller window than agreed is always allowed.)
    let mut offer = format!("{EXTENSION_NAME}; client_max_window_bits");
    if config.no_context_takeover {
        offer.push_str("; client_no_context_takeover");
    }
    if config.request_peer_no_context_takeover {
        offer.push_str("; server_no_context_takeover");
    }
    offer
}

/// Client: checks the server's answer against what was offered (§7.1: a response the client
/// cannot accept fails the connection).
pub(crate) fn client_accept(
    answer: &ExtensionOffer,
    config: &DeflateConfig,
) -> Result<DeflateParams, HandshakeError> {
    let bad = || HandshakeError::UnexpectedExtension(answer.to_string());
    let p = parse(answer, Role::Server).ok_or_else(bad)?;
    let client_bits = p.client_max_window_bits.flatten();
    if config.request_peer_no_context_takeover && !p.server_no_context_takeover {
        return Err(bad());
    }
    Ok(DeflateParams {
        server_no_context_takeover: p.server_no_context_takeover,
        client_no_context_takeover: p.client_no_context_takeover || config.no_context_takeover,
        server_max_window_bits: p.server_max_window_bits,
        client_max_window_bits: client_bits,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offer(text: &str) -> Vec<ExtensionOffer> {
        let headers = vec![(
            "Sec-WebSocket-Extensions".to_owned(),
            text.as_bytes().to_vec(),
        )];
        crate::handshake::parse_extensions(&headers)
    }

    #[test]
    fn server_accepts_plain_offer() {
        let p = server_negotiate(&offer("permessage-deflate"), &DeflateConfig::default()).unwrap();
        assert_eq!(p, DeflateParams::default());
        assert_eq!(p.header_value(), "permessage-deflate");
    }

    #[test]
    fn server_honours_parameters() {
        let p = server_negotiate(
            &offer("permessage-deflate; server_no_context_takeover; server_max_window_bits=10; client_max_window_bits"),
            &DeflateConfig::default(),
        )
        .unwrap();
        assert_eq!(
            p.header_value(),
            "permessage-deflate; server_no_context_takeover; server_max_window_bits=10"
        );
        let p = server_negotiate(
            &offer("permessage-deflate; client_max_window_bits=9"),
            &DeflateConfig::default(),
        )
        .unwrap();
        assert_eq!(p.client_max_window_bits, Some(9));
        // With low_memory the server asks for its own window (not below 9, not above the
        // value offered), when the offer allows it.
        let low = DeflateConfig {
            low_memory: true,
            ..DeflateConfig::default()
        };
        for (text, bits) in [
            ("permessage-deflate; client_max_window_bits", Some(12)),
            ("permessage-deflate; client_max_window_bits=10", Some(10)),
            ("permessage-deflate; client_max_window_bits=15", Some(12)),
            ("permessage-deflate", None),
        ] {
            let p = server_negotiate(&offer(text), &low).unwrap();
            assert_eq!(p.client_max_window_bits, bits, "{text}");
        }
        let tiny = DeflateConfig {
            max_window_bits: 8,
            ..low
        };
        let p = server_negotiate(&offer("permessage-deflate; client_max_window_bits"), &tiny);
        assert_eq!(
            p.unwrap().header_value(),
            "permessage-deflate; client_max_window_bits=9"
        );
    }

    #[test]
    fn server_declines_malformed_and_takes_the_next_offer() {
        for bad in [
            "permessage-deflate; server_max_window_bits=16",
            "permessage-deflate; server_max_window_bits=7",
            "permessage-deflate; server_max_window_bits=010",
            "permessage-deflate; server_max_window_bits",
            "permessage-deflate; server_no_context_takeover=1",
            "permessage-deflate; foo",
            "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
        ] {
            assert_eq!(
                server_negotiate(&offer(bad), &DeflateConfig::default()),
                None,
                "{bad}"
            );
            let two = format!("{bad}, permessage-deflate; client_no_context_takeover");
            let p = server_negotiate(&offer(&two), &DeflateConfig::default()).unwrap();
            assert!(p.client_no_context_takeover, "{bad}");
        }
        assert_eq!(
            server_negotiate(&offer("x-webkit-deflate-frame"), &DeflateConfig::default()),
            None
        );
    }

    #[test]
    fn client_checks_the_answer() {
        let config = DeflateConfig {
            max_window_bits: 15,
            ..DeflateConfig::default()
        };
        assert_eq!(
            client_offer(&config),
            "permessage-deflate; client_max_window_bits"
        );
        let ok = |s: &str| client_accept(&offer(s)[0], &config);
        assert!(ok("permessage-deflate").is_ok());
        assert_eq!(
            ok("permessage-deflate; server_max_window_bits=8")
                .unwrap()
                .server_max_window_bits,
            Some(8)
        );
        assert_eq!(
            ok("permessage-deflate; client_max_window_bits=10")
                .unwrap()
                .client_max_window_bits,
            Some(10)
        );
        assert!(ok("permessage-deflate; client_max_window_bits").is_err());
        assert!(ok("permessage-deflate; server_max_window_bits=20").is_err());
        assert!(ok("permessage-deflate; bogus").is_err());
        let small = DeflateConfig::default(); // our window is 12 bits, the offer has no value
        assert_eq!(
            client_offer(&small),
            "permessage-deflate; client_max_window_bits"
        );
        let p = client_accept(
            &offer("permessage-deflate; client_max_window_bits=15")[0],
            &small,
        )
        .unwrap();
        assert_eq!(p.client_max_window_bits, Some(15));
    }
}
