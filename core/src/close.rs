//! Close frames (RFC 6455 §5.5.1, §7.4): status codes and reasons.

use crate::error::{ProtocolError, UsageError};

/// Close status codes from RFC 6455 §7.4.1 and the IANA registry.
pub mod code {
    /// 1000: normal closure.
    pub const NORMAL: u16 = 1000;
    /// 1001: the endpoint is going away (server shutdown, page navigation).
    pub const GOING_AWAY: u16 = 1001;
    /// 1002: protocol error.
    pub const PROTOCOL_ERROR: u16 = 1002;
    /// 1003: a data type the endpoint cannot accept.
    pub const UNSUPPORTED_DATA: u16 = 1003;
    /// 1005: no status code was present (never sent on the wire).
    pub const NO_STATUS: u16 = 1005;
    /// 1006: the connection closed without a close frame (never sent on the wire).
    pub const ABNORMAL: u16 = 1006;
    /// 1007: message data was not consistent with its type (invalid UTF-8 in text).
    pub const INVALID_PAYLOAD: u16 = 1007;
    /// 1008: policy violation.
    pub const POLICY_VIOLATION: u16 = 1008;
    /// 1009: a message or frame is too big to process.
    pub const MESSAGE_TOO_BIG: u16 = 1009;
    /// 1010: the client expected an extension the server did not negotiate.
    pub const MANDATORY_EXTENSION: u16 = 1010;
    /// 1011: the server hit an unexpected condition.
    pub const INTERNAL_ERROR: u16 = 1011;
    /// 1012: the service is restarting.
    pub const SERVICE_RESTART: u16 = 1012;
    /// 1013: try again later.
    pub const TRY_AGAIN_LATER: u16 = 1013;
    /// 1014: a gateway or proxy got an invalid response upstream.
    pub const BAD_GATEWAY: u16 = 1014;
}

/// Longest close reason: a control payload is at most 125 bytes, 2 of them the code.
pub const MAX_REASON_LEN: usize = 123;

/// True for a status code that may appear in a close frame on the wire (RFC 6455 §7.4:
/// 1000–1003 and 1007–1014 are defined; 3000–4999 are for libraries and applications;
/// 1004–1006, 1015 and everything else are not to be sent).
pub fn is_valid_close_code(code: u16) -> bool {
    matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999)
}

/// A close frame: the status code and the reason.
///
/// A close frame without a payload is reported with code 1005 ([`code::NO_STATUS`]) and an
/// empty reason, as browsers and `websockets` do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CloseFrame {
    /// The status code (1005 when the frame carried none).
    pub code: u16,
    /// The reason, valid UTF-8, at most 123 bytes.
    pub reason: String,
}

impl CloseFrame {
    /// Parses a received close payload (RFC 6455 §5.5.1): empty, or a 2-byte code plus a
    /// UTF-8 reason.
    pub(crate) fn parse(payload: &[u8]) -> Result<Self, ProtocolError> {
        match payload {
            [] => Ok(Self {
                code: code::NO_STATUS,
                reason: String::new(),
            }),
            [_] => Err(ProtocolError::InvalidClosePayload),
            [hi, lo, reason @ ..] => {
                let code = u16::from_be_bytes([*hi, *lo]);
                if !is_valid_close_code(code) {
                    return Err(ProtocolError::InvalidCloseCode(code));
                }
                let reason = std::str::from_utf8(reason).map_err(|_| ProtocolError::InvalidUtf8)?;
                Ok(Self {
                    code,
                    reason: reason.to_owned(),
                })
            }
        }
    }
}

/// Checks a close code and reason the application wants to send and returns the payload.
/// Code 1005 means "no status": the frame is sent with an empty payload.
pub(crate) fn close_payload(code: u16, reason: &str) -> Result<Vec<u8>, UsageError> {
    if code == code::NO_STATUS {
        if !reason.is_empty() {
            return Err(UsageError::InvalidCloseCode(code));
        }
        return Ok(Vec::new());
    }
    if !is_valid_close_code(code) {
        return Err(UsageError::InvalidCloseCode(code));
    }
    if reason.len() > MAX_REASON_LEN {
        return Err(UsageError::CloseReasonTooLong(reason.len()));
    }
    let mut payload = Vec::with_capacity(2 + reason.len());
    payload.extend_from_slice(&code.to_be_bytes());
    payload.extend_from_slice(reason.as_bytes());
    Ok(payload)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_codes_per_rfc6455_section_7_4() {
        for c in 0..=u16::MAX {
            let expected = matches!(c, 1000 | 1001 | 1002 | 1003 | 1007..=1014 | 3000..=4999);
            assert_eq!(is_valid_close_code(c), expected, "code {c}");
        }
    }

    #[test]
    fn parse_close_payloads() {
        assert_eq!(CloseFrame::parse(b"").unwrap().code, 1005);
        assert_eq!(
            CloseFrame::parse(b"\x03").unwrap_err(),
            ProtocolError::InvalidClosePayload
        );
        assert_eq!(
            CloseFrame::parse(b"\x03\xe8ok").unwrap(),
            CloseFrame {
                code: 1000,
                reason: "ok".into()
            }
        );
        assert_eq!(
            CloseFrame::parse(b"\x03\xed").unwrap_err(),
            ProtocolError::InvalidCloseCode(1005)
        );
        assert_eq!(
            CloseFrame::parse(b"\x03\xe8\xff").unwrap_err(),
            ProtocolError::InvalidUtf8
        );
    }

    #[test]
    fn outgoing_close_payloads() {
        assert_eq!(close_payload(1000, "bye").unwrap(), b"\x03\xe8bye");
        assert_eq!(close_payload(1005, "").unwrap(), b"");
        assert!(close_payload(1006, "").is_err());
        assert!(close_payload(1000, &"x".repeat(124)).is_err());
        assert!(close_payload(1000, &"x".repeat(123)).is_ok());
    }
}
