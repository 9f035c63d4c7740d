//! Property: the receiver's scan (whole data frames unmasked and checked while they are
//! read) changes nothing a host sees. Random streams of frames, valid and invalid (bad or
//! unfinished text, frames over the limits, non-minimal lengths, fragments, pings), are fed
//! in random reads, with or without draining events between reads, in both roles and both
//! delivery modes; the messages, the error and the bytes queued must equal those of the same
//! stream fed one byte at a time.

use proptest::prelude::*;
use sansocket::frame::{MAX_HEADER_LEN, OpCode, write_header};
use sansocket::mask::apply_mask;
use sansocket::{Config, Connection, Delivery, Event, SeededEntropy};

#[derive(Clone, Debug)]
enum Frame {
    Binary(usize),
    Text(usize),
    /// Text with an invalid byte at this fraction (per mille) of its length.
    BadText(usize, usize),
    /// Text that ends inside a character.
    CutText(usize),
    /// A text message in two fragments.
    Fragmented(usize),
    Ping(usize),
    /// A 16-bit length field holding a length under 126.
    NonMinimal,
}

fn frame() -> impl Strategy<Value = Frame> {
    let len = prop_oneof![0usize..140, 0usize..5000, 60_000usize..70_000];
    prop_oneof![
        6 => len.clone().prop_map(Frame::Binary),
        6 => len.clone().prop_map(Frame::Text),
        1 => (1usize..5000, 0usize..1000).prop_map(|(l, at)| Frame::BadText(l, at)),
        1 => (0usize..5000).prop_map(Frame::CutText),
        1 => len.prop_map(Frame::Fragmented),
        1 => (0usize..126).prop_map(Frame::Ping),
        1 => Just(Frame::NonMinimal),
    ]
}

fn text(len: usize) -> Vec<u8> {
    let mut t: Vec<u8> = "aé€𝄞 xyz".bytes().cycle().take(len).collect();
    while std::str::from_utf8(&t).is_err() {
        t.pop();
    }
    t.resize(len, b'.');
    t
}

fn put(wire: &mut Vec<u8>, masked: bool, fin: bool, op: OpCode, payload: &[u8], n: usize) {
    let key = masked.then_some([n as u8, 0xa5, (n >> 8) as u8, 0x3c]);
    let mut header = [0u8; MAX_HEADER_LEN];
    let h = write_header(&mut header, fin, 0, op, key, payload.len() as u64);
    wire.extend_from_slice(&header[..h]);
    let start = wire.len();
    wire.extend_from_slice(payload);
    if let Some(key) = key {
        apply_mask(&mut wire[start..], key, 0);
    }
}

fn wire(frames: &[Frame], masked: bool) -> Vec<u8> {
    let mut wire = Vec::new();
    for (n, f) in frames.iter().enumerate() {
        match *f {
            Frame::Binary(len) => {
                let data: Vec<u8> = (0..len).map(|i| (i * 7 + n) as u8).collect();
                put(&mut wire, masked, true, OpCode::Binary, &data, n);
            }
            Frame::Text(len) => put(&mut wire, masked, true, OpCode::Text, &text(len), n),
            Frame::BadText(len, at) => {
                let mut t = text(len);
                t[at * len / 1000] = 0xff;
                put(&mut wire, masked, true, OpCode::Text, &t, n);
            }
            Frame::CutText(len) => {
                let mut t = text(len);
                t.extend_from_slice("€".as_bytes().split_at(2).0);
                put(&mut wire, masked, true, OpCode::Text, &t, n);
            }
            Frame::Fragmented(len) => {
                let t = text(len);
                let (a, b) = t.split_at(len / 3);
                put(&mut wire, masked, false, OpCode::Text, a, n);
                put(&mut wire, masked, true, OpCode::Continuation, b, n);
            }
            Frame::Ping(len) => put(&mut wire, masked, true, OpCode::Ping, &vec![7; len], n),
            Frame::NonMinimal => {
                let mut h = vec![0x82, 0x7e, 0, 3];
                if masked {
                    h[1] |= 0x80;
                    h.extend_from_slice(&[1, 2, 3, 4]);
                }
                h.extend_from_slice(&[9, 9, 9]);
                wire.extend(h);
            }
        }
    }
    wire
}

/// Length and FNV-1a hash.
fn digest(data: &[u8]) -> String {
    let hash = data.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    format!("{} bytes {hash:016x}", data.len())
}

/// Everything a host sees: messages (chunks joined), pings, the error; and the bytes it
/// has to send.
fn run(
    wire: &[u8],
    reads: &[(usize, bool)],
    server: bool,
    config: Config,
) -> (Vec<String>, Vec<u8>) {
    let mut conn = if server {
        Connection::open_server(config, None)
    } else {
        Connection::open_client(config, None, SeededEntropy::new(1))
    };
    let mut seen = Vec::new();
    let mut sent = Vec::new();
    let mut partial = Vec::new();
    let mut failed = false;
    let mut rest = wire;
    let mut reads = reads.iter().cycle();
    while !rest.is_empty() {
        let &(n, drain) = reads.next().unwrap();
        let n = n.clamp(1, rest.len());
        conn.receive_data(&rest[..n]);
        rest = &rest[n..];
        if !drain && !rest.is_empty() {
            continue;
        }
        while !failed {
            match conn.next_event() {
                Ok(Some(Event::Chunk { kind, data, fin })) => {
                    partial.extend_from_slice(&data);
                    if fin {
                        seen.push(format!(
                            "{kind:?} {}",
                            digest(&std::mem::take(&mut partial))
                        ));
                    }
                }
                Ok(Some(Event::Text(t))) => seen.push(format!("Text {}", digest(t.as_bytes()))),
                Ok(Some(Event::Binary(b))) => seen.push(format!("Binary {}", digest(&b))),
                Ok(Some(event)) => seen.push(format!("{event:?}")),
                Ok(None) => break,
                Err(e) => {
                    seen.push(format!("error {e:?}"));
                    failed = true;
                }
            }
        }
        sent.extend_from_slice(&conn.data_to_send());
    }
    (seen, sent)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn scanning_is_invisible(
        frames in prop::collection::vec(frame(), 1..12),
        reads in prop::collection::vec((1usize..9000, any::<bool>()), 1..6),
        server in any::<bool>(),
        chunks in any::<bool>(),
        small_limit in any::<bool>(),
    ) {
        let config = Config::default()
            .delivery(if chunks { Delivery::Chunks } else { Delivery::Messages })
            .max_message_size(if small_limit { 3000 } else { Config::default().max_message_size });
        let wire = wire(&frames, server);
        let expected = run(&wire, &[(1, true)], server, config.clone());
        let got = run(&wire, &reads, server, config);
        prop_assert_eq!(got, expected);
    }
}

/// Found by the property: a read that adds nothing to a finished frame must not scan again
/// what an earlier read scanned after it (it was unmasked twice).
#[test]
fn frames_scanned_after_a_finished_frame_are_scanned_once() {
    let frames = [
        Frame::Binary(60592),
        Frame::Binary(8),
        Frame::BadText(99, 0),
        Frame::Text(4846),
    ];
    let wire = wire(&frames, true);
    let config = Config::default();
    let expected = run(&wire, &[(1, true)], true, config.clone());
    let got = run(
        &wire,
        &[(5541, false), (1969, false), (4103, true)],
        true,
        config,
    );
    assert_eq!(got, expected);
}
