//! Without criterion: runs one implementation on one case for a fixed number of passes (a
//! target for profilers such as `perf record` or `valgrind --tool=callgrind`), or prints the
//! summary table measured in CPU time, which other processes on a busy machine do not
//! inflate the way they inflate wall time.
//!
//! `cargo bench -p sansocket-bench --bench profile -- decode 16B sansocket 1000`
//! (a mode, a case name from `common::CASES`, an implementation, passes), or
//! `cargo bench -p sansocket-bench --bench profile -- table decode 5` (best of 5 runs).
//!
//! Modes: `decode` (server role: a client's masked frames), `decode-client` (client role: a
//! server's frames), `encode` (client role: masked frames), `encode-server` (server role).
//! Implementations: `sansocket` (the plain loop: `receive_data` + `next_event`, or
//! `send_binary` + `data_to_send` per message), its zero-copy paths (decoding
//! `sansocket-read-buf`, the host reading into the engine's buffer; encoding
//! `sansocket-shared`, `send_binary_shared` + `data_to_send_vectored` for a server,
//! `data_to_send_into` a reused buffer for a client), `tungstenite`, `fastwebsockets`,
//! `tokio-websockets`, `ceiling`; when decoding also `sansocket-tws-reads`, sansocket fed
//! tokio-websockets' reads; when encoding as a server also `floor`, the two copies a
//! borrowed payload costs with no framing (the plain loop's floor).

mod common;

use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use common::decoders::{self, Decoder};
use common::encoders::{self, Encoder};
use common::report;
use common::{CASES, Case, Kind, client_wire, payload, server_wire};

/// sansocket's decoders: `receive_data` per 64 KiB read, and reads into its own buffer.
const DECODE_OURS: &[&str] = &["sansocket", "sansocket-read-buf"];

/// sansocket's encoders: `send_binary` + `data_to_send`, and shared payloads.
const ENCODE_OURS: &[&str] = &["sansocket", "sansocket-shared"];

/// The modes, each with its role's wire (decoding) or role (encoding).
const MODES: &[&str] = &["decode", "decode-client", "encode", "encode-server"];

/// sansocket's columns in `mode`.
fn ours(mode: &str) -> &'static [&'static str] {
    if mode.starts_with("decode") {
        DECODE_OURS
    } else {
        ENCODE_OURS
    }
}

/// Columns after the ceiling in `mode`: the server's two-copy floor when encoding.
fn floors(mode: &str) -> &'static [&'static str] {
    if mode == "encode-server" {
        &["floor"]
    } else {
        &[]
    }
}

/// The cases of `mode`: every case decoding, whole binary messages encoding.
fn cases(mode: &str) -> Vec<&'static Case> {
    CASES
        .iter()
        .filter(|c| mode.starts_with("decode") || (c.kind == Kind::Binary && c.fragments == 1))
        .collect()
}

/// The peers and the ceiling, after a placeholder for sansocket's columns ([`ours`]).
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
        for &mode in MODES {
            for case in cases(mode) {
                for name in ours(mode).iter().chain(&IMPLS[1..]).chain(floors(mode)) {
                    run(mode, case, name, 1);
                }
            }
        }
        println!("profile: every implementation ran every case once (--test)");
        return;
    }
    let [mode, case, name, passes] = &args[..] else {
        eprintln!("usage: profile MODE CASE IMPL PASSES | table MODE REPS (modes: {MODES:?})");
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
    let cases = cases(mode);
    let ours = ours(mode);
    let impls: Vec<&str> = ours
        .iter()
        .chain(&IMPLS[1..])
        .chain(floors(mode))
        .copied()
        .collect();
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
    let server = matches!(mode, "decode" | "encode-server");
    let bytes = match mode {
        "decode" | "decode-client" => {
            let wire = if server {
                client_wire(case, &payload)
            } else {
                server_wire(case, &payload)
            };
            let wire: Arc<[u8]> = wire.into();
            let n = case.count;
            let w = wire.clone();
            match name {
                "sansocket" => decode(decoders::Sansocket::for_role(w, server), passes),
                "sansocket-read-buf" => {
                    decode(decoders::SansocketReadBuf::for_role(w, server), passes);
                }
                "tungstenite" => decode(decoders::Tungstenite::for_role(w, n, server), passes),
                "fastwebsockets" => {
                    decode(decoders::FastWebsockets::for_role(w, n, server), passes);
                }
                "tokio-websockets" => {
                    decode(decoders::TokioWebsockets::for_role(w, n, server), passes);
                }
                "ceiling" => decode(decoders::Ceiling::for_role(w, server), passes),
                "sansocket-tws-reads" => {
                    let reads = decoders::TokioWebsockets::reads_for_role(w.clone(), n, server);
                    decode(decoders::SansocketReads::for_role(w, reads, server), passes);
                }
                other => panic!("no implementation {other}"),
            };
            wire.len() * passes
        }
        "encode" | "encode-server" => {
            let payload = Bytes::from(payload);
            let n = case.count;
            let p = &payload;
            match name {
                "sansocket" => encode(encoders::Sansocket::for_role(server), p, n, passes),
                "sansocket-shared" => {
                    encode(encoders::SansocketShared::for_role(server), p, n, passes)
                }
                "tungstenite" => encode(encoders::Tungstenite::for_role(server), p, n, passes),
                "fastwebsockets" => {
                    encode(encoders::FastWebsockets::for_role(server), p, n, passes)
                }
                "tokio-websockets" => {
                    encode(encoders::TokioWebsockets::for_role(server), p, n, passes)
                }
                "ceiling" => encode(encoders::Ceiling::for_role(server), p, n, passes),
                "floor" if server => encode(encoders::Floor::new(), p, n, passes),
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
