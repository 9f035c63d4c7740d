//! Header fields of the handshake: comma lists, tokens, extension offers.

use crate::error::{HandshakeError, UsageError};

/// Header fields in the order received: name as sent, raw value.
pub(crate) type HeaderList = Vec<(String, Vec<u8>)>;

/// Copies httparse's borrowed headers into an owned list.
pub(crate) fn collect(headers: &[httparse::Header<'_>]) -> HeaderList {
    headers
        .iter()
        .map(|h| (h.name.to_owned(), h.value.to_vec()))
        .collect()
}

/// Every value of header `name` (case-insensitive), in order.
pub(crate) fn values<'a>(
    headers: &'a [(String, Vec<u8>)],
    name: &'a str,
) -> impl Iterator<Item = &'a [u8]> + 'a {
    headers
        .iter()
        .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_slice())
}

/// The value of a header that must appear exactly once; `Err(())` if it is repeated.
pub(crate) fn single<'a>(
    headers: &'a [(String, Vec<u8>)],
    name: &'a str,
) -> Result<Option<&'a [u8]>, ()> {
    let mut it = values(headers, name);
    let first = it.next();
    if it.next().is_some() {
        Err(())
    } else {
        Ok(first)
    }
}

/// The elements of comma-separated lists across all lines of header `name`, trimmed,
/// empty elements skipped (RFC 9110 §5.6.1).
pub(crate) fn tokens<'a>(
    headers: &'a [(String, Vec<u8>)],
    name: &'a str,
) -> impl Iterator<Item = &'a str> + 'a {
    values(headers, name)
        .filter_map(|v| std::str::from_utf8(v).ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim_matches([' ', '\t']))
        .filter(|t| !t.is_empty())
}

/// True if any element of header `name` equals `token`, ignoring ASCII case.
pub(crate) fn has_token(headers: &[(String, Vec<u8>)], name: &str, token: &str) -> bool {
    tokens(headers, name).any(|t| t.eq_ignore_ascii_case(token))
}

/// One offer or answer in `Sec-WebSocket-Extensions` (RFC 6455 §9.1):
/// `permessage-deflate; client_max_window_bits; server_max_window_bits=10`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ExtensionOffer {
    /// The extension token, as sent.
    pub name: String,
    /// Parameters in order; a value-less parameter has `None`. Quoted values are unquoted.
    pub params: Vec<(String, Option<String>)>,
}

impl std::fmt::Display for ExtensionOffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name)?;
        for (name, value) in &self.params {
            match value {
                Some(v) => write!(f, "; {name}={v}")?,
                None => write!(f, "; {name}")?,
            }
        }
        Ok(())
    }
}

/// Parses every `Sec-WebSocket-Extensions` line. Elements with an empty name are skipped.
pub(crate) fn extensions(headers: &[(String, Vec<u8>)]) -> Vec<ExtensionOffer> {
    let mut offers = Vec::new();
    for value in
        values(headers, "sec-websocket-extensions").filter_map(|v| std::str::from_utf8(v).ok())
    {
        for element in split_outside_quotes(value, ',') {
            let mut parts = split_outside_quotes(element, ';')
                .into_iter()
                .map(str::trim);
            let name = parts.next().unwrap_or_default();
            if name.is_empty() {
                continue;
            }
            let params = parts
                .filter(|p| !p.is_empty())
                .map(|p| match p.split_once('=') {
                    Some((k, v)) => (
                        k.trim().to_owned(),
                        Some(v.trim().trim_matches('"').to_owned()),
                    ),
                    None => (p.to_owned(), None),
                })
                .collect();
            offers.push(ExtensionOffer {
                name: name.to_owned(),
                params,
            });
        }
    }
    offers
}

fn split_outside_quotes(s: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut start, mut quoted) = (0, false);
    for (i, c) in s.char_indices() {
        if c == '"' {
            quoted = !quoted;
        } else if c == sep && !quoted {
            parts.push(&s[start..i]);
            start = i + 1;
        }
    }
    parts.push(&s[start..]);
    parts
}

/// RFC 9110 §5.6.2 `tchar`.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// A header name is a non-empty token.
pub(crate) fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(is_tchar)
}

/// Checks a header the application wants to send: a token name, and a value without
/// CR, LF or NUL (no header injection).
pub(crate) fn check_header(name: &str, value: &str) -> Result<(), UsageError> {
    if !is_token(name) || value.bytes().any(|b| matches!(b, b'\r' | b'\n' | 0)) {
        return Err(UsageError::InvalidHeader(format!("{name}: {value}")));
    }
    Ok(())
}

/// Maps httparse's errors to ours.
pub(crate) fn parse_error(e: httparse::Error) -> HandshakeError {
    match e {
        httparse::Error::TooManyHeaders => HandshakeError::TooManyHeaders,
        other => HandshakeError::Malformed(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(pairs: &[(&str, &str)]) -> HeaderList {
        pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.as_bytes().to_vec()))
            .collect()
    }

    #[test]
    fn tokens_across_repeated_lines() {
        let h = list(&[
            ("Sec-WebSocket-Protocol", "v10.stomp, v11.stomp"),
            ("sec-websocket-protocol", " v12.stomp ,,"),
        ]);
        assert_eq!(
            tokens(&h, "Sec-WebSocket-Protocol").collect::<Vec<_>>(),
            ["v10.stomp", "v11.stomp", "v12.stomp"]
        );
        assert!(has_token(
            &list(&[("Connection", "keep-alive, Upgrade")]),
            "connection",
            "upgrade"
        ));
    }

    #[test]
    fn extension_offers() {
        let h = list(&[(
            "Sec-WebSocket-Extensions",
            "permessage-deflate; client_max_window_bits; server_max_window_bits=\"10\", permessage-deflate",
        )]);
        let offers = extensions(&h);
        assert_eq!(offers.len(), 2);
        assert_eq!(
            offers[0].params,
            vec![
                ("client_max_window_bits".into(), None),
                ("server_max_window_bits".into(), Some("10".into()))
            ]
        );
        assert_eq!(
            offers[0].to_string(),
            "permessage-deflate; client_max_window_bits; server_max_window_bits=10"
        );
    }

    #[test]
    fn header_injection_is_refused() {
        assert!(check_header("X-Ok", "fine").is_ok());
        assert!(check_header("X-Bad", "a\r\nSet-Cookie: x").is_err());
        assert!(check_header("Bad Name", "v").is_err());
        assert!(check_header("", "v").is_err());
    }
}
