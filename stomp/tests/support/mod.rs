//! Helpers shared by the integration tests.
#![allow(dead_code, unreachable_pub)]

use sansocket_stomp::{DecodeError, DecodeEvent, Decoder, Limits, Version};

/// What decoding gave: events, then the error that stopped it, if any.
pub type Outcome = (Vec<DecodeEvent>, Option<DecodeError>);

/// Feeds `pieces` one after the other, draining events after each.
pub fn decode_pieces(pieces: &[&[u8]], version: Version, limits: Limits) -> Outcome {
    let mut decoder = Decoder::new(version, limits);
    let mut events = Vec::new();
    for piece in pieces {
        decoder.receive_data(piece);
        loop {
            match decoder.next_event() {
                Ok(Some(e)) => events.push(e),
                Ok(None) => break,
                Err(e) => return (events, Some(e)),
            }
        }
    }
    (events, None)
}

/// Decodes `input` whole, then checks that every two-piece split and byte-by-byte
/// feeding give the same outcome; returns it.
pub fn decode_all_ways(input: &[u8], version: Version, limits: Limits) -> Outcome {
    let whole = decode_pieces(&[input], version, limits);
    for cut in 0..=input.len() {
        let (a, b) = input.split_at(cut);
        assert_eq!(
            decode_pieces(&[a, b], version, limits),
            whole,
            "split at {cut}"
        );
    }
    let bytes: Vec<&[u8]> = input.chunks(1).collect();
    assert_eq!(
        decode_pieces(&bytes, version, limits),
        whole,
        "byte by byte"
    );
    whole
}

/// The frames of an outcome (heart-beats left out).
pub fn frames(outcome: &Outcome) -> Vec<sansocket_stomp::Frame> {
    outcome
        .0
        .iter()
        .filter_map(|e| match e {
            DecodeEvent::Frame(f) => Some(f.clone()),
            _ => None,
        })
        .collect()
}
