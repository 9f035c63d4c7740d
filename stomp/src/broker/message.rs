//! A message held by the broker and its MESSAGE encoding.

use bytes::Bytes;

use crate::Version;
use crate::escape::escape_into;

/// Headers of a SEND that the broker sets itself on MESSAGE, or that only concern the SEND.
const NOT_PASSED: [&str; 7] = [
    "destination",
    "message-id",
    "subscription",
    "ack",
    "receipt",
    "transaction",
    "content-length",
];

/// A published message: its id, destination, the user headers passed through, the body.
#[derive(Debug)]
pub(crate) struct Stored {
    pub(crate) id: String,
    pub(crate) destination: String,
    headers: Vec<(String, String)>,
    body: Bytes,
    /// The header block after `subscription` and `ack`, per version, built on first use.
    encoded: [Option<Vec<u8>>; 3],
}

impl Stored {
    pub(crate) fn new(
        id: String,
        destination: String,
        headers: &[(String, String)],
        body: Bytes,
    ) -> Self {
        let headers = headers
            .iter()
            .filter(|(n, _)| !NOT_PASSED.contains(&n.as_str()))
            .cloned()
            .collect();
        Self {
            id,
            destination,
            headers,
            body,
            encoded: [None, None, None],
        }
    }

    /// `message-id`, `destination`, the user headers (those this version cannot write are
    /// left out), `content-length`, the blank line.
    fn common(&mut self, version: Version) -> &[u8] {
        let slot = version as usize;
        if self.encoded[slot].is_none() {
            let mut out = Vec::with_capacity(64);
            header(&mut out, "message-id", &self.id, version);
            header(&mut out, "destination", &self.destination, version);
            for (n, v) in &self.headers {
                header(&mut out, n, v, version);
            }
            out.extend_from_slice(b"content-length:");
            crate::encoder::write_decimal(&mut out, self.body.len());
            out.extend_from_slice(b"\n\n");
            self.encoded[slot] = Some(out);
        }
        self.encoded[slot].as_deref().unwrap_or_default()
    }

    /// Appends the MESSAGE for subscription `subscription` (and `ack`) to `out`.
    pub(crate) fn encode_into(
        &mut self,
        out: &mut Vec<u8>,
        version: Version,
        subscription: &str,
        ack: Option<&str>,
    ) {
        out.extend_from_slice(b"MESSAGE\n");
        header(out, "subscription", subscription, version);
        if let Some(ack) = ack {
            header(out, "ack", ack, version);
        }
        let common = self.common(version);
        out.extend_from_slice(common);
        out.extend_from_slice(&self.body);
        out.push(0);
    }

    /// The size of the MESSAGE for a subscription id of `sub_len` bytes, roughly.
    pub(crate) fn approx_len(&self, sub_len: usize) -> usize {
        let headers: usize = self
            .headers
            .iter()
            .map(|(n, v)| n.len() + v.len() + 2)
            .sum();
        self.id.len() + self.destination.len() + headers + self.body.len() + 2 * sub_len + 96
    }
}

/// Writes `name:value\n`, or nothing if this version cannot carry it.
fn header(out: &mut Vec<u8>, name: &str, value: &str, version: Version) {
    let start = out.len();
    let ok = escape_into(out, name, true, version, true).is_ok() && {
        out.push(b':');
        escape_into(out, value, true, version, false).is_ok()
    };
    if ok {
        out.push(b'\n');
    } else {
        out.truncate(start);
    }
}
