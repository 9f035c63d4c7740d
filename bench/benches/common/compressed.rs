//! What the `deflate` bench measures: market-data-like JSON messages, and sansocket and
//! sockudo-ws compressing them (server role, the side that pushes such data) and
//! decompressing them (client role), with the same permessage-deflate settings.

use bytes::{Bytes, BytesMut};
use sansocket::deflate::{DeflateConfig, DeflateParams};
use sockudo_ws::deflate::{DeflateConfig as SockudoConfig, DeflateWindowBits};
use sockudo_ws::protocol::{CompressedProtocol, Message};

use super::{CHUNK, Rng};

/// One compressed case: `count` distinct text messages of `size` bytes each, sent on one
/// connection, with or without context takeover; `low_memory` applies to sansocket only
/// (`DeflateConfig::low_memory`: no compressor kept between messages).
#[derive(Clone, Copy, Debug)]
pub(crate) struct DeflateCase {
    pub(crate) name: &'static str,
    pub(crate) size: usize,
    pub(crate) count: usize,
    pub(crate) context_takeover: bool,
    pub(crate) low_memory: bool,
}

const fn case(
    name: &'static str,
    size: usize,
    context_takeover: bool,
    low_memory: bool,
) -> DeflateCase {
    DeflateCase {
        name,
        size,
        count: (1 << 20) / size,
        context_takeover,
        low_memory,
    }
}

/// 1 MiB of messages per case.
pub(crate) const DEFLATE_CASES: &[DeflateCase] = &[
    case("1KiB", 1 << 10, true, false),
    case("64KiB", 64 << 10, true, false),
    case("1KiB-no-ctx", 1 << 10, false, false),
    case("64KiB-no-ctx", 64 << 10, false, false),
    case("1KiB-low-mem", 1 << 10, true, true),
    case("64KiB-low-mem", 64 << 10, true, true),
    case("1KiB-no-ctx-low-mem", 1 << 10, false, true),
    case("64KiB-no-ctx-low-mem", 64 << 10, false, true),
];

/// The settings every implementation compresses with (those of Python websockets' server):
/// a 12-bit window, level 6, context takeover unless the case says otherwise.
pub(crate) const WINDOW_BITS: u8 = 12;
pub(crate) const LEVEL: u32 = 6;
/// Below this size messages go uncompressed (never reached here: all messages are larger).
pub(crate) const MIN_SIZE: usize = 64;

const SYMBOLS: &[&str] = &[
    "BTC-USD", "ETH-USD", "SOL-USD", "XRP-USD", "ADA-USD", "DOGE-USD", "AVAX-USD", "DOT-USD",
];

/// The messages of a case: trade records as a market-data feed sends them
/// (`{"channel":"trades","seq":N,"data":[{...},...]}`), padded with spaces to exactly `size`
/// bytes. Deterministic: `deflate_websockets.py` generates the same bytes (the checksums in
/// `deflate.rs` and the script must agree).
pub(crate) fn market_messages(case: &DeflateCase) -> Vec<Bytes> {
    let mut rng = Rng::new(0x6d61_726b_6574 ^ case.size as u64);
    let mut id: u64 = 912_000_000;
    let mut millis: u64 = 1_717_171_717_000;
    let mut prices: Vec<u64> = (0..SYMBOLS.len() as u64)
        .map(|i| 1_000_000 + i * 137_713)
        .collect();
    (0..case.count)
        .map(|seq| {
            let mut msg = format!("{{\"channel\":\"trades\",\"seq\":{seq},\"data\":[");
            let mut first = true;
            loop {
                let s = rng.below(SYMBOLS.len());
                prices[s] = (prices[s] + rng.below(201) as u64).saturating_sub(100);
                id += 1 + rng.below(3) as u64;
                millis += rng.below(40) as u64;
                let record = format!(
                    "{}{{\"id\":{id},\"symbol\":\"{}\",\"price\":\"{}.{:02}\",\"size\":\"0.{:08}\",\"side\":\"{}\",\"ts\":{millis}}}",
                    if first { "" } else { "," },
                    SYMBOLS[s],
                    prices[s] / 100,
                    prices[s] % 100,
                    rng.below(100_000_000),
                    if rng.below(2) == 0 { "buy" } else { "sell" },
                );
                if msg.len() + record.len() + 2 > case.size {
                    break;
                }
                msg += &record;
                first = false;
            }
            msg += "]";
            while msg.len() < case.size - 1 {
                msg.push(' ');
            }
            msg += "}";
            assert_eq!(msg.len(), case.size);
            Bytes::from(msg)
        })
        .collect()
}

/// FNV-1a (64 bits) over every message, to check that the Python script generates the same.
pub(crate) fn checksum(messages: &[Bytes]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in messages.iter().flat_map(|m| m.iter()) {
        h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// What both ends agreed on for a case: the server compresses with at most `WINDOW_BITS`
/// (it may always use a smaller window than the peer's limit, so nothing is announced),
/// the client reads with the full window.
pub(crate) fn params(case: &DeflateCase) -> DeflateParams {
    DeflateParams {
        server_no_context_takeover: !case.context_takeover,
        ..DeflateParams::default()
    }
}

fn sansocket_config(case: &DeflateCase) -> sansocket::Config {
    sansocket::Config::default().deflate(Some(
        DeflateConfig::default()
            .max_window_bits(WINDOW_BITS)
            .no_context_takeover(!case.context_takeover)
            .level(LEVEL)
            .min_size(MIN_SIZE)
            .low_memory(case.low_memory),
    ))
}

fn sockudo_config(case: &DeflateCase) -> SockudoConfig {
    SockudoConfig {
        server_max_window_bits: DeflateWindowBits::Bits12,
        client_max_window_bits: DeflateWindowBits::Bits15,
        server_no_context_takeover: !case.context_takeover,
        client_no_context_takeover: false,
        compression_level: LEVEL,
        compression_threshold: MIN_SIZE,
    }
}

/// A sender: one pass compresses and frames every message on a new connection (a fresh
/// context, so every pass writes the same bytes) and hands the wire bytes to `sink`.
pub(crate) trait Compressor {
    fn pass(&mut self, messages: &[Bytes], sink: &mut dyn FnMut(&[u8]));
}

/// A receiver: one pass decodes the whole wire (64 KiB reads) on a new connection and
/// hands every message's payload to `consume`.
pub(crate) trait Inflater {
    fn pass(&mut self, wire: &[u8], consume: &mut dyn FnMut(&[u8]));
}

/// sansocket as a host drives it: `send_text`, then `data_to_send`.
pub(crate) struct SansocketSender(pub(crate) DeflateCase);

impl Compressor for SansocketSender {
    fn pass(&mut self, messages: &[Bytes], sink: &mut dyn FnMut(&[u8])) {
        let mut conn = sansocket::Connection::open_server(sansocket_config(&self.0), None)
            .with_deflate(params(&self.0));
        for msg in messages {
            let text = std::str::from_utf8(msg).expect("text");
            conn.send_text(text).expect("open");
            sink(&conn.data_to_send());
        }
    }
}

/// sansocket, client role: `receive_data` per read, then drain `next_event`.
pub(crate) struct SansocketReceiver(pub(crate) DeflateCase);

impl Inflater for SansocketReceiver {
    fn pass(&mut self, wire: &[u8], consume: &mut dyn FnMut(&[u8])) {
        let mut conn = sansocket::Connection::open_client(
            sansocket_config(&self.0),
            None,
            sansocket::SeededEntropy::new(5),
        )
        .with_deflate(params(&self.0));
        for chunk in wire.chunks(CHUNK) {
            conn.receive_data(chunk);
            while let Some(event) = conn.next_event().expect("valid frames") {
                match event {
                    sansocket::Event::Text(text) => consume(text.as_str().as_bytes()),
                    other => panic!("unexpected {other:?}"),
                }
            }
        }
    }
}

/// sockudo-ws's sans-IO `CompressedProtocol`, server role: `encode_message` into a buffer
/// that is split off after every message (as a writer hands it to the socket).
pub(crate) struct SockudoSender(pub(crate) DeflateCase);

impl Compressor for SockudoSender {
    fn pass(&mut self, messages: &[Bytes], sink: &mut dyn FnMut(&[u8])) {
        let mut proto = CompressedProtocol::server(1 << 24, 1 << 24, sockudo_config(&self.0));
        let mut buf = BytesMut::new();
        for msg in messages {
            proto
                .encode_message(&Message::Text(msg.clone()), &mut buf)
                .expect("compressible");
            sink(&buf.split());
        }
    }
}

/// sockudo-ws, client role: each read appended to its buffer, then `process_into`.
pub(crate) struct SockudoReceiver(pub(crate) DeflateCase);

impl Inflater for SockudoReceiver {
    fn pass(&mut self, wire: &[u8], consume: &mut dyn FnMut(&[u8])) {
        let mut proto = CompressedProtocol::client(1 << 24, 1 << 24, sockudo_config(&self.0));
        let mut buf = BytesMut::new();
        let mut messages = Vec::new();
        for chunk in wire.chunks(CHUNK) {
            buf.extend_from_slice(chunk);
            proto
                .process_into(&mut buf, &mut messages)
                .expect("valid frames");
            for msg in messages.drain(..) {
                match msg {
                    Message::Text(data) => consume(&data),
                    other => panic!("unexpected {other:?}"),
                }
            }
        }
    }
}

/// The wire every receiver decodes: sansocket's sender output for the case.
pub(crate) fn server_wire(case: &DeflateCase, messages: &[Bytes]) -> Vec<u8> {
    let mut wire = Vec::new();
    SansocketSender(*case).pass(messages, &mut |b| wire.extend_from_slice(b));
    wire
}
