//! Chunking invariance: the same scenario fed whole, as given and one byte at a time, read
//! into the engine's buffer in reads of any size, and with the other delivery mode, must
//! give the same events, errors and output.

use sansocket::Delivery;

use crate::drive::{Entry, Feed, Op, Run, Scenario, run};
use crate::outbox;

/// A run's entries with chunks joined into whole messages (placed where the last chunk
/// arrived), and the chunks of an unfinished message.
pub fn normalize(entries: &[Entry]) -> (Vec<Entry>, Option<(bool, Vec<u8>)>) {
    let mut out = Vec::new();
    let mut pending: Option<(bool, Vec<u8>)> = None;
    for entry in entries {
        match entry {
            Entry::Chunk(text, data, fin) => {
                let message = pending.get_or_insert((*text, Vec::new()));
                assert_eq!(message.0, *text, "chunk kind changed inside a message");
                message.1.extend_from_slice(data);
                if *fin {
                    let (text, data) = pending.take().unwrap_or_default();
                    out.push(if text {
                        Entry::Text(data)
                    } else {
                        Entry::Binary(data)
                    });
                }
            }
            other => out.push(other.clone()),
        }
    }
    (out, pending)
}

fn same(a: &Run, b: &Run, what: &str) {
    let (ea, _) = normalize(&a.entries);
    let (eb, _) = normalize(&b.entries);
    assert_eq!(ea, eb, "events differ: {what}");
    assert!(
        a.output == b.output,
        "output differs: {what}\n{:02x?}\n{:02x?}",
        a.output,
        b.output
    );
    assert_eq!(
        (a.state, a.close_transport),
        (b.state, b.close_transport),
        "{what}"
    );
}

/// A non-zero seed for the read sizes of [`Feed::ReadBuffer`], from the scenario's data
/// (FNV-1a): the fuzz input decides the reads.
fn read_seed(s: &Scenario) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for op in &s.ops {
        if let Op::Data(bytes) = op {
            for &b in bytes {
                h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
            }
        }
    }
    h | 1
}

/// Runs `s` in every chunking and both delivery modes, requires the same results, checks
/// the output, and returns the run fed as given.
pub fn check(s: &Scenario) -> Run {
    let given = run(s, Feed::AsGiven);
    let whole = run(s, Feed::Coalesced);
    let bytes = run(s, Feed::Bytewise);
    same(&given, &whole, "as given / coalesced");
    same(&given, &bytes, "as given / bytewise");
    // Read into the engine's buffer: reads of the room offered, and of sizes the input
    // decides (a seed hashed from its data steps).
    same(
        &given,
        &run(s, Feed::ReadBuffer(0)),
        "as given / read buffer",
    );
    let seed = read_seed(s);
    same(
        &given,
        &run(s, Feed::ReadBuffer(seed)),
        "as given / read buffer, reads of any size",
    );
    // Whole frames taken straight from the reads, as the Python binding's hosts do.
    same(
        &given,
        &run(s, Feed::WholeFrames(seed)),
        "as given / whole frames from the reads",
    );
    // With chunked delivery, an unfinished message has delivered at most what arrived
    // (text up to the last whole character); byte by byte delivers the most.
    let (_, most) = normalize(&bytes.entries);
    for r in [&given, &whole] {
        if let (_, Some((text, data))) = normalize(&r.entries) {
            let (t, all) = most
                .clone()
                .expect("an unfinished message byte by byte too");
            assert!(
                t == text && all.starts_with(&data),
                "unfinished message: {data:02x?} vs {all:02x?}"
            );
        }
    }
    let mut other = s.clone();
    other.config.delivery = match s.config.delivery {
        Delivery::Messages => Delivery::Chunks,
        Delivery::Chunks => Delivery::Messages,
    };
    same(&given, &run(&other, Feed::AsGiven), "messages / chunks");
    outbox::check(s, &given);
    given
}
