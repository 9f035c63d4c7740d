//! Finding and writing an HTTP/1.1 head, incrementally and within limits.
//!
//! The end of the head is searched only in bytes not searched before, and the head is
//! parsed once, when complete: a long header sent a byte at a time costs linear time, not
//! quadratic (tungstenite's CVE-2023-43669).

use crate::error::HandshakeError;

/// Incremental search for the blank line that ends an HTTP head.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct HeadReader {
    scanned: usize,
}

impl HeadReader {
    /// The length of the head (through its blank line) if `buf` holds all of it.
    pub(crate) fn find_end(
        &mut self,
        buf: &[u8],
        max: usize,
    ) -> Result<Option<usize>, HandshakeError> {
        let start = self.scanned.saturating_sub(2);
        let end = buf[start..].iter().enumerate().find_map(|(i, &b)| {
            let at = start + i;
            if b != b'\n' {
                return None;
            }
            match buf.get(at + 1..) {
                Some([b'\n', ..]) => Some(at + 2),
                Some([b'\r', b'\n', ..]) => Some(at + 3),
                _ => None,
            }
        });
        self.scanned = buf.len();
        match end {
            Some(end) if end <= max => Ok(Some(end)),
            Some(_) => Err(HandshakeError::HeadTooLarge),
            None if buf.len() > max => Err(HandshakeError::HeadTooLarge),
            None => Ok(None),
        }
    }
}

/// Writes a head: the start line, the headers, the blank line.
pub(crate) fn write_head(start_line: &str, headers: &[(&str, &str)]) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    out.extend_from_slice(start_line.as_bytes());
    out.extend_from_slice(b"\r\n");
    for (name, value) in headers {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out
}

/// The reason phrase for a status code.
pub(crate) fn reason_phrase(status: u16) -> &'static str {
    match status {
        101 => "Switching Protocols",
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        426 => "Upgrade Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "Unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_end_in_any_chunking() {
        let head = b"GET / HTTP/1.1\r\nHost: a\r\n\r\nrest";
        for step in 1..head.len() {
            let mut reader = HeadReader::default();
            let mut found = None;
            for end in (step..=head.len()).step_by(step).chain([head.len()]) {
                if let Some(n) = reader.find_end(&head[..end], 1000).unwrap() {
                    found = Some(n);
                    break;
                }
            }
            assert_eq!(found, Some(head.len() - 4), "step {step}");
        }
    }

    #[test]
    fn bare_newlines_end_a_head_too() {
        assert_eq!(
            HeadReader::default().find_end(b"GET / HTTP/1.1\nHost: a\n\n", 100),
            Ok(Some(24))
        );
    }

    #[test]
    fn limit() {
        assert_eq!(
            HeadReader::default().find_end(&[b'a'; 101], 100),
            Err(HandshakeError::HeadTooLarge)
        );
        assert_eq!(
            HeadReader::default().find_end(b"aaaa\r\n\r\n", 7),
            Err(HandshakeError::HeadTooLarge)
        );
    }
}
