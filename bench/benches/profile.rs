//! Without criterion: runs one implementation on one case for a fixed number of passes (a
//! target for profilers such as `perf record` or `valgrind --tool=callgrind`), or prints the
//! summary table measured in CPU time, which other processes on a busy machine do not
//! inflate the way they inflate wall time.
//!
//! `cargo bench -p sansocket-bench --bench profile -- decode 16B sansocket 1000`
//! (`decode|encode`, a case name from `common::CASES`, an implementation, passes: `sansocket`,
//! `tungstenite`, `fastwebsockets`, `tokio-websockets`, `ceiling`; when decoding also
//! `sansocket-read-buf`, the host reading into sansocket's buffer, and `sansocket-tws-reads`,
//! sansocket fed tokio-websockets' reads), or
//! `cargo bench -p sansocket-bench --bench profile -- table decode 5` (best of 5 runs).

mod common;

use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use common::decoders::{self, Decoder};
use common::encoders::{self, Encoder};
use common::report;
use common::{CASES, Case, Kind, client_wire, payload};

/// sansocket's decoders: `receive_data` per 64 KiB read, and reads into its own buffer.
const DECODE_OURS: &[&str] = &["sansocket", "sansocket-read-buf"];

/// sansocket (its first entry, or [`DECODE_OURS`] when decoding), the peers, the ceiling.
const IMPLS: &[&str] = &[
    "sansocket",
    "tungstenite",
    "fastwebsockets",
    "tokio-websockets",
    "ceiling",
];

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    if let [table, mode, reps] = &args[..]
        && table == "table"
    {
        return print_table(mode, reps.parse().expect("a number of repetitions"));
    }
    if args.iter().any(|a| a == "--test") {
        // A check that every implementation runs every case (`cargo bench -- --test`).
        for mode in ["decode", "encode"] {
            let ours = if mode == "decode" {
                DECODE_OURS
            } else {
                &IMPLS[..1]
            };
            for case in CASES
                .iter()
                .filter(|c| mode == "decode" || (c.kind == Kind::Binary && c.fragments == 1))
            {
                for name in ours.iter().chain(&IMPLS[1..]) {
                    run(mode, case, name, 1);
                }
            }
        }
        println!("profile: every implementation ran every case once (--test)");
        return;
    }
    let [mode, case, name, passes] = &args[..] else {
        eprintln!("usage: profile decode|encode CASE IMPL PASSES | table decode|encode REPS");
        return;
    };
    let case = CASES.iter().find(|c| c.name == case).expect("a case name");
    let passes: usize = passes.parse().expect("a number of passes");
    let (wall, cpu) = run(mode, case, name, passes);
    let cpu = cpu.map_or(String::new(), |r| format!(" {r:.0} MB/s of CPU time"));
    println!("{mode} {} {name}: {wall:.0} MB/s{cpu}", case.name);
}

/// Every case and implementation, interleaved, best of `reps` runs.
fn print_table(mode: &str, reps: usize) {
    let cases: Vec<&Case> = CASES
        .iter()
        .filter(|c| mode == "decode" || (c.kind == Kind::Binary && c.fragments == 1))
        .collect();
    let ours = if mode == "decode" {
        DECODE_OURS
    } else {
        &IMPLS[..1]
    };
    let impls: Vec<&str> = ours.iter().chain(&IMPLS[1..]).copied().collect();
    let mut best = vec![vec![None::<f64>; impls.len()]; cases.len()];
    for _ in 0..reps {
        for (row, case) in cases.iter().enumerate() {
            for (col, name) in impls.iter().enumerate() {
                // Long enough runs (~0.3 s) that the scheduler's accounting is exact.
                let (probe, _) = run(mode, case, name, 4);
                let per_pass = (case.size * case.count) as f64 / probe / 1e6;
                let passes = ((0.3 / per_pass) as usize).clamp(4, 100_000);
                let (wall, cpu) = run(mode, case, name, passes);
                let rate = cpu.unwrap_or(wall);
                let cell = &mut best[row][col];
                *cell = Some(cell.map_or(rate, |b: f64| b.max(rate)));
            }
        }
    }
    let rows: Vec<(&str, Vec<Option<f64>>)> = cases.iter().map(|c| c.name).zip(best).collect();
    let title = format!(
        "{mode} (MB/s of wire bytes, 1 MB = 10^6 B; CPU time of the thread, best of {reps})"
    );
    report::print_table_of(&title, &impls, ours.len(), 3, true, &rows);
}

/// Runs `passes` passes; returns MB/s of wall time, and of CPU time where known.
fn run(mode: &str, case: &Case, name: &str, passes: usize) -> (f64, Option<f64>) {
    let payload = payload(case);
    let start = Instant::now();
    let cpu_start = cpu_ns();
    let bytes = match mode {
        "decode" => {
            let wire: Arc<[u8]> = client_wire(case, &payload).into();
            let n = case.count;
            let w = wire.clone();
            match name {
                "sansocket" => decode(decoders::Sansocket::new(w), passes),
                "sansocket-read-buf" => decode(decoders::SansocketReadBuf::new(w), passes),
                "tungstenite" => decode(decoders::Tungstenite::new(w, n), passes),
                "fastwebsockets" => decode(decoders::FastWebsockets::new(w, n), passes),
                "tokio-websockets" => decode(decoders::TokioWebsockets::new(w, n), passes),
                "ceiling" => decode(decoders::Ceiling::new(w), passes),
                "sansocket-tws-reads" => {
                    let reads = decoders::TokioWebsockets::reads(w.clone(), n);
                    decode(decoders::SansocketReads::new(w, reads), passes)
                }
                other => panic!("no implementation {other}"),
            };
            wire.len() * passes
        }
        "encode" => {
            let payload = Bytes::from(payload);
            let n = case.count;
            match name {
                "sansocket" => encode(encoders::Sansocket::new(), &payload, n, passes),
                "tungstenite" => encode(encoders::Tungstenite::new(), &payload, n, passes),
                "fastwebsockets" => encode(encoders::FastWebsockets::new(), &payload, n, passes),
                "tokio-websockets" => encode(encoders::TokioWebsockets::new(), &payload, n, passes),
                "ceiling" => encode(encoders::Ceiling::new(), &payload, n, passes),
                other => panic!("no implementation {other}"),
            }
        }
        other => panic!("no mode {other}"),
    };
    let secs = start.elapsed().as_secs_f64();
    let cpu = match (cpu_start, cpu_ns()) {
        (Some(a), Some(b)) if b > a => Some(bytes as f64 / (b - a) as f64 * 1e3),
        _ => None,
    };
    (bytes as f64 / secs / 1e6, cpu)
}

fn decode(mut decoder: impl Decoder, passes: usize) {
    for _ in 0..passes {
        decoder.pass(&mut |p| {
            black_box(p);
        });
    }
}

fn encode(mut encoder: impl Encoder, payload: &Bytes, count: usize, passes: usize) -> usize {
    (0..passes).map(|_| encoder.pass(payload, count)).sum()
}

/// Time this thread spent on a CPU (Linux), in ns.
fn cpu_ns() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    stat.split_whitespace().next()?.parse().ok()
}
