//! The byte formats the targets read. `seeds.py` writes seeds in these formats.
//!
//! Raw formats (a few fixed bytes, then the bytes the peer sends):
//! - `handshake_server`: `limits handshake decision_kind decision_index split flags data…`
//! - `handshake_client`: `limits handshake split flags data…`
//! - `frames_server`, `frames_client`: `limits split flags data…`
//! - `differential`: `limits flags data…` (flags bit 1: client role)
//!
//! `limits` and `handshake` pick the [`Config`](crate::config::FuzzConfig); `split` cuts
//! the data into pieces (0: whole; else pieces of 1 to `split % 32 + 1` bytes, times 64
//! if bit 6 is set); `flags` bit 0 ends the input with EOF, bits 1–7 configure
//! permessage-deflate ([`deflate_config`](crate::config::deflate_config); for `frames_*`
//! the connection is open with [`deflate_params`] from the same bits).
//!
//! Structured format (`connection_server`, `connection_client`):
//! `limits handshake decision_kind decision_index flags` then steps until the input ends;
//! `flags` bit 0 starts with a valid handshake from the peer ([`prelude`]), bits 1–7
//! configure permessage-deflate as above. A step is a tag byte:
//! - `tag % 8` in 0, 5, 6: data, `len:u8` then up to `len` bytes;
//! - 1: data, `len:u16le` then up to `len` bytes;
//! - 2: a frame built by the harness: `first_byte opts key[4] len:u8 payload` (`opts`
//!   bits 0–1 length encoding, bit 2 wrong masking for the role);
//! - 7: a valid frame: `((tag >> 3) & 7) % 6` picks text, binary, continuation, ping, pong or
//!   close, `tag & 0x40` clears FIN, `tag & 0x80` compresses it (RSV1); then `len:u8 payload`;
//! - 3: an application action, `sel` then its arguments (see [`action`]);
//! - 4: EOF.
//!
//! `deflate` reads the structured format too, for an open connection with
//! permessage-deflate always on: `flags` bit 0 picks the client role (no prelude), bits
//! 2–7 the parameters.

use arbitrary::Unstructured;

use crate::config::{FuzzConfig, deflate_params};
use crate::drive::{Action, Decision, Op, Scenario, Start, client_request};
use crate::wire::{self, LenForm};

/// A valid upgrade request (RFC 6455 §1.3 key) offering `chat` and `superchat`.
pub const REQUEST: &[u8] = b"GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\n\
Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: http://example.com\r\n\
Sec-WebSocket-Protocol: chat, superchat\r\nSec-WebSocket-Version: 13\r\n\r\n";

/// A valid answer to the fuzzed client's request (its key is the RFC 6455 §1.3 sample).
pub const RESPONSE: &[u8] = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\
Connection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\
Sec-WebSocket-Protocol: chat\r\n\r\n";

/// The peer's side of a valid handshake; with permessage-deflate (flags bit 1) offered or
/// accepted.
pub fn prelude(client: bool, flags: u8) -> Vec<u8> {
    let deflate = flags & 2 != 0;
    let (head, extension): (&[u8], &[u8]) = match (client, deflate) {
        (_, false) => (if client { RESPONSE } else { REQUEST }, b""),
        (false, true) => (REQUEST, b"permessage-deflate; client_max_window_bits"),
        (true, true) if flags & 0x40 != 0 => {
            (RESPONSE, b"permessage-deflate; server_no_context_takeover")
        }
        (true, true) => (RESPONSE, b"permessage-deflate"),
    };
    let mut out = head[..head.len() - 2].to_vec();
    if !extension.is_empty() {
        out.extend_from_slice(b"Sec-WebSocket-Extensions: ");
        out.extend_from_slice(extension);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out
}

/// What every structured input starts with: the limits, then the accept/reject decision.
fn limits_and_decision(u: &mut Unstructured<'_>) -> (FuzzConfig, Decision) {
    let config = FuzzConfig::read(u);
    let decision = Decision {
        kind: byte(u),
        index: byte(u),
    };
    (config, decision)
}

fn byte(u: &mut Unstructured<'_>) -> u8 {
    u.arbitrary().unwrap_or_default()
}

fn take(u: &mut Unstructured<'_>, len: usize) -> Vec<u8> {
    let n = len.min(u.len());
    u.bytes(n).map(<[u8]>::to_vec).unwrap_or_default()
}

/// Cuts `data` into pieces as `seed` says (see the module docs).
pub fn split(data: &[u8], seed: u8) -> Vec<Op> {
    if seed == 0 {
        return vec![Op::Data(data.to_vec())];
    }
    let max = (usize::from(seed % 32) + 1) * if seed & 0x40 != 0 { 64 } else { 1 };
    let mut state = u64::from(seed).wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut ops = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let n = (state % max as u64) as usize + 1;
        let (piece, tail) = rest.split_at(n.min(rest.len()));
        ops.push(Op::Data(piece.to_vec()));
        rest = tail;
    }
    ops
}

fn raw(
    start: Start,
    config: FuzzConfig,
    decision: Decision,
    split_seed: u8,
    flags: u8,
    data: &[u8],
) -> Scenario {
    let mut ops = split(data, split_seed);
    if flags & 1 != 0 {
        ops.push(Op::Eof);
    }
    Scenario {
        start,
        config: config.config(),
        decision,
        ops,
    }
}

/// `handshake_server` input.
pub fn handshake_server(data: &[u8]) -> Scenario {
    let mut input = Unstructured::new(data);
    let u = &mut input;
    let (config, decision) = limits_and_decision(u);
    let (split_seed, flags) = (byte(u), byte(u));
    let config = FuzzConfig {
        deflate: flags,
        ..config
    };
    raw(
        Start::Server,
        config,
        decision,
        split_seed,
        flags,
        input.take_rest(),
    )
}

/// `handshake_client` input.
pub fn handshake_client(data: &[u8]) -> Scenario {
    let mut input = Unstructured::new(data);
    let u = &mut input;
    let config = FuzzConfig::read(u);
    let (split_seed, flags) = (byte(u), byte(u));
    let config = FuzzConfig {
        deflate: flags,
        ..config
    };
    let start = Start::Client(client_request());
    raw(
        start,
        config,
        Decision::default(),
        split_seed,
        flags,
        input.take_rest(),
    )
}

/// `frames_server` / `frames_client` input.
pub fn frames(data: &[u8], client: bool) -> Scenario {
    let mut input = Unstructured::new(data);
    let u = &mut input;
    let limits = byte(u);
    let (split_seed, flags) = (byte(u), byte(u));
    let config = FuzzConfig {
        limits,
        handshake: 0,
        deflate: flags,
    };
    let params = deflate_params(flags);
    let start = if client {
        Start::OpenClient(params)
    } else {
        Start::OpenServer(params)
    };
    raw(
        start,
        config,
        Decision::default(),
        split_seed,
        flags,
        input.take_rest(),
    )
}

/// `differential` input: the config, whether the endpoint is a client, EOF, the bytes.
pub fn differential(data: &[u8]) -> (sansocket::Config, bool, bool, &[u8]) {
    let mut input = Unstructured::new(data);
    let u = &mut input;
    let config = FuzzConfig {
        limits: byte(u),
        ..FuzzConfig::default()
    }
    .config();
    let flags = byte(u);
    (config, flags & 2 != 0, flags & 1 != 0, input.take_rest())
}

/// `connection_server` / `connection_client` input.
pub fn connection(data: &[u8], client: bool) -> Scenario {
    let mut input = Unstructured::new(data);
    let u = &mut input;
    let (config, decision) = limits_and_decision(u);
    let flags = byte(u);
    let config = FuzzConfig {
        deflate: flags,
        ..config
    };
    let mut ops = Vec::new();
    if flags & 1 != 0 {
        ops.push(Op::Data(prelude(client, flags)));
    }
    steps(u, !client, &mut ops);
    let start = if client {
        Start::Client(client_request())
    } else {
        Start::Server
    };
    Scenario {
        start,
        config: config.config(),
        decision,
        ops,
    }
}

/// `deflate` input: the structured format with an open connection using permessage-deflate
/// (`flags` bits 2–6 as in [`deflate_params`] and bit 7 for 64-byte `min_size`), `flags`
/// bit 0 for a client, and the steps of the structured format.
pub fn deflate(data: &[u8]) -> Scenario {
    let mut input = Unstructured::new(data);
    let u = &mut input;
    let (config, decision) = limits_and_decision(u);
    let flags = byte(u) | 2;
    let client = flags & 1 != 0;
    let config = FuzzConfig {
        deflate: flags,
        ..config
    };
    let mut ops = Vec::new();
    steps(u, !client, &mut ops);
    let params = deflate_params(flags);
    let start = if client {
        Start::OpenClient(params)
    } else {
        Start::OpenServer(params)
    };
    Scenario {
        start,
        config: config.config(),
        decision,
        ops,
    }
}

/// The steps of the structured format; frames built here are `masked` (to a server).
fn steps(u: &mut Unstructured<'_>, masked: bool, ops: &mut Vec<Op>) {
    while !u.is_empty() {
        let tag = byte(u);
        ops.push(match tag % 8 {
            1 => {
                let len = u16::from_le_bytes([byte(u), byte(u)]);
                Op::Data(take(u, usize::from(len)))
            }
            2 => {
                let (first, opts) = (byte(u), byte(u));
                let key = [byte(u), byte(u), byte(u), byte(u)];
                let len = usize::from(byte(u));
                let payload = take(u, len);
                let form = [
                    LenForm::Minimal,
                    LenForm::Force16,
                    LenForm::Force64,
                    LenForm::HighBit,
                ][usize::from(opts & 3)];
                let mask = (masked != (opts & 4 != 0)).then_some(key);
                Op::Data(wire::encode(first, mask, &payload, form))
            }
            3 => Op::Act(action(u)),
            4 => Op::Eof,
            7 => {
                let opcode = [1, 2, 0, 9, 10, 8][usize::from((tag >> 3) & 7) % 6];
                let fin = if tag & 0x40 != 0 && opcode < 8 {
                    0
                } else {
                    0x80
                };
                let len = usize::from(byte(u));
                let mut payload = take(u, len);
                let mut fin = fin;
                if tag & 0x80 != 0 {
                    // Compressed (RFC 7692): RSV1 and a deflated payload.
                    payload = wire::deflate(&payload);
                    fin |= 0x40;
                }
                let mask = masked.then_some([1, 2, 3, 4]);
                Op::Data(wire::encode(fin | opcode, mask, &payload, LenForm::Minimal))
            }
            _ => {
                let len = usize::from(byte(u));
                Op::Data(take(u, len))
            }
        });
    }
}

/// An application action: `(sel & 15) % 10` picks text, binary, text fragment, binary fragment,
/// ping, pong, close, accept, reject, or a large binary message; `sel & 0x10` is FIN for
/// fragments and a raw close code for close. Payloads are `len:u8` then bytes.
pub fn action(u: &mut Unstructured<'_>) -> Action {
    let sel = byte(u);
    let flag = sel & 0x10 != 0;
    let payload = |u: &mut Unstructured<'_>| {
        let len = usize::from(byte(u));
        take(u, len)
    };
    let text = |bytes: Vec<u8>| String::from_utf8_lossy(&bytes).into_owned();
    match (sel & 0x0f) % 10 {
        0 => Action::Text(text(payload(u))),
        1 => Action::Binary(payload(u)),
        2 => {
            let cut = usize::from(byte(u));
            Action::TextFragment {
                text: text(payload(u)),
                cut,
                fin: flag,
            }
        }
        3 => Action::BinaryFragment(payload(u), flag),
        4 => Action::Ping(payload(u)),
        5 => Action::Pong(payload(u)),
        6 => {
            let code = if flag {
                u16::from_be_bytes([byte(u), byte(u)])
            } else {
                [1000, 1001, 1005, 3000, 4999, 1006, 1011, 1015][usize::from(byte(u) % 8)]
            };
            Action::Close(code, text(payload(u)))
        }
        7 => Action::Accept,
        8 => Action::Reject(u16::from_be_bytes([byte(u), byte(u)])),
        _ => {
            let len = u16::from_le_bytes([byte(u), byte(u)]);
            Action::Binary(vec![sel; usize::from(len)])
        }
    }
}
