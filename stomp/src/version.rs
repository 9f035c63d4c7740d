//! STOMP protocol versions and their negotiation.

use std::fmt;

/// A STOMP protocol version. Ordered: `V1_0 < V1_1 < V1_2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Version {
    /// STOMP 1.0: no header escaping, no `NACK`, no heart-beats, LF line ends.
    V1_0,
    /// STOMP 1.1: escapes `\n`, `\c`, `\\`; heart-beats; `NACK`; LF line ends.
    V1_1,
    /// STOMP 1.2: also escapes `\r`; `[CR]LF` line ends; `ack` ids on `MESSAGE`.
    V1_2,
}

impl Version {
    /// Every version, lowest first.
    pub const ALL: [Self; 3] = [Self::V1_0, Self::V1_1, Self::V1_2];

    /// The version as written in `accept-version` and `version` headers, e.g. `"1.2"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::V1_0 => "1.0",
            Self::V1_1 => "1.1",
            Self::V1_2 => "1.2",
        }
    }

    /// `"1.0"`, `"1.1"` or `"1.2"` as a version, or `None`.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "1.0" => Some(Self::V1_0),
            "1.1" => Some(Self::V1_1),
            "1.2" => Some(Self::V1_2),
            _ => None,
        }
    }

    /// The highest version listed in an `accept-version` value (`"1.0,1.1,1.2"`) that is
    /// at most `max`. Unknown entries (`1.3`) are skipped. `None` (the header is absent)
    /// means the client speaks 1.0 only (1.2 "Protocol Negotiation"). Returns `None` when
    /// nothing is in common: the server then answers ERROR with a `version` header.
    #[must_use]
    pub fn negotiate(accept_version: Option<&str>, max: Self) -> Option<Self> {
        let Some(list) = accept_version else {
            return Some(Self::V1_0);
        };
        list.split(',')
            .filter_map(Self::parse)
            .filter(|v| *v <= max)
            .max()
    }

    /// The `version` header value a server lists when negotiation fails: every version up
    /// to `max`, comma-separated (`"1.0,1.1,1.2"`).
    #[must_use]
    pub fn supported_list(max: Self) -> String {
        Self::ALL
            .iter()
            .filter(|v| **v <= max)
            .map(|v| v.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The `accept-version` value a client sends to offer every version up to `max`.
    #[must_use]
    pub fn accept_list(max: Self) -> String {
        Self::supported_list(max)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
