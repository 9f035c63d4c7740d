//! permessage-deflate (RFC 7692): compressing and framing market-data-like JSON text
//! messages (server role, the side that pushes such feeds) and decoding and inflating them
//! (client role), by sansocket and sockudo-ws with the same settings (window 12 bits, level
//! 6, context takeover or not), on the same messages; the `-low-mem` cases run sansocket
//! with `DeflateConfig::low_memory` (sockudo-ws as in the case without it). Python
//! websockets is measured on the same messages by `deflate_websockets.py` next to this file.
//!
//! `cargo bench -p sansocket-bench --bench deflate` (criterion, wall time; add
//! `-- --measurement-time 2 --warm-up-time 1` for a quick run), or
//! `cargo bench -p sansocket-bench --bench deflate -- table 5` (CPU time of the thread, best of 5,
//! no criterion: for a busy machine; `DEFLATE_MODE=compress` or `inflate` runs one half), or
//! `cargo bench -p sansocket-bench --bench deflate -- compress sansocket 1KiB 100` (one
//! implementation, mode and case, for profilers). Both tables print MB/s of uncompressed
//! message bytes; the compressed sizes are printed first (see BENCHMARKS.md).

mod common;

use std::hint::black_box;
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use common::compressed::{
    Compressor, DEFLATE_CASES, DeflateCase, Inflater, SansocketReceiver, SansocketSender,
    SockudoReceiver, SockudoSender, checksum, market_messages, server_wire,
};
use common::report::{self, Row};
use criterion::{BenchmarkGroup, Criterion, Throughput, measurement::WallTime};

const IMPLS: &[&str] = &["sansocket", "sockudo-ws"];
const PEERS: &[&str] = &["sockudo-ws"];

/// FNV-1a of each case's messages; `deflate_websockets.py` checks the same values.
const CHECKSUMS: &[(&str, u64)] = &[
    ("1KiB", 0xf785_5e7e_9959_0bcf),
    ("64KiB", 0x41e7_8442_1caa_dbda),
    ("1KiB-no-ctx", 0xf785_5e7e_9959_0bcf),
    ("64KiB-no-ctx", 0x41e7_8442_1caa_dbda),
    ("1KiB-low-mem", 0xf785_5e7e_9959_0bcf),
    ("64KiB-low-mem", 0x41e7_8442_1caa_dbda),
    ("1KiB-no-ctx-low-mem", 0xf785_5e7e_9959_0bcf),
    ("64KiB-no-ctx-low-mem", 0x41e7_8442_1caa_dbda),
];

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    if let [mode, name, case, passes] = &args[..]
        && (mode == "compress" || mode == "inflate")
    {
        // One implementation on one case, for profilers (`perf record`, `valgrind`).
        let case = DEFLATE_CASES
            .iter()
            .find(|c| c.name == case)
            .expect("a case name");
        let case = prepare(case);
        for _ in 0..passes.parse::<usize>().expect("a number of passes") {
            run_pass(mode, name, &case);
        }
        return;
    }
    let cases: Vec<Prepared> = DEFLATE_CASES.iter().map(prepare).collect();
    print_sizes(&cases);
    if let [table, reps] = &args[..]
        && table == "table"
    {
        return cpu_table(&cases, reps.parse().expect("a number of repetitions"));
    }
    let since = SystemTime::now();
    let mut c = Criterion::default()
        .output_directory(&report::criterion_dir())
        .measurement_time(Duration::from_secs(5))
        .warm_up_time(Duration::from_secs(2))
        .configure_from_args();
    let mut rows = [Vec::new(), Vec::new()];
    for case in &cases {
        let bytes = case.case.size * case.case.count;
        for (mode, rows) in ["compress", "inflate"].into_iter().zip(&mut rows) {
            let group_name = format!("deflate-{mode}-{}", case.case.name);
            let mut group = c.benchmark_group(&group_name);
            group.throughput(Throughput::Bytes(bytes as u64));
            for name in IMPLS {
                bench(&mut group, mode, name, case);
            }
            group.finish();
            rows.push(Row {
                case: case.case.name,
                group: group_name,
                bytes,
            });
        }
    }
    c.final_summary();
    let dir = report::criterion_dir();
    for (title, rows) in [
        "compress + frame, server role",
        "decode + inflate, client role",
    ]
    .into_iter()
    .zip(&rows)
    {
        let rates: Vec<(&str, Vec<Option<f64>>)> = rows
            .iter()
            .map(|row| {
                let rate = |f: &&str| {
                    report::mean_ns(&dir, &row.group, f, since)
                        .map(|ns| row.bytes as f64 * 1e3 / ns)
                };
                (row.case, IMPLS.iter().map(rate).collect())
            })
            .collect();
        let title =
            format!("{title} (MB/s of message bytes, 1 MB = 10^6 B; criterion mean, wall time)");
        report::print_table(&title, IMPLS, PEERS.len(), false, &rates);
    }
}

/// A case's messages, the wire the receivers decode, and each sender's output size.
struct Prepared {
    case: DeflateCase,
    messages: Vec<Bytes>,
    wire: Vec<u8>,
}

fn prepare(case: &DeflateCase) -> Prepared {
    let messages = market_messages(case);
    let sum = checksum(&messages);
    let expected = CHECKSUMS.iter().find(|(n, _)| *n == case.name).map(|c| c.1);
    assert_eq!(
        Some(sum),
        expected,
        "{}: messages changed ({sum:#x})",
        case.name
    );
    let wire = server_wire(case, &messages);
    verify(case, &messages, &wire);
    Prepared {
        case: *case,
        messages,
        wire,
    }
}

fn sender(name: &str, case: &DeflateCase) -> Box<dyn Compressor> {
    match name {
        "sansocket" => Box::new(SansocketSender(*case)),
        "sockudo-ws" => Box::new(SockudoSender(*case)),
        other => panic!("no implementation {other}"),
    }
}

fn receiver(name: &str, case: &DeflateCase) -> Box<dyn Inflater> {
    match name {
        "sansocket" => Box::new(SansocketReceiver(*case)),
        "sockudo-ws" => Box::new(SockudoReceiver(*case)),
        other => panic!("no implementation {other}"),
    }
}

/// One pass of `name` in `mode` over a case.
fn run_pass(mode: &str, name: &str, case: &Prepared) {
    match mode {
        "compress" => sender(name, &case.case).pass(&case.messages, &mut |b| {
            black_box(b);
        }),
        _ => receiver(name, &case.case).pass(&case.wire, &mut |m| {
            black_box(m);
        }),
    }
}

fn bench(group: &mut BenchmarkGroup<'_, WallTime>, mode: &str, name: &str, case: &Prepared) {
    group.bench_function(name, |b| b.iter(|| run_pass(mode, name, case)));
}

/// Every receiver must decode every sender's output back to the messages (twice: a
/// receiver that keeps state between passes is caught too).
fn verify(case: &DeflateCase, messages: &[Bytes], wire: &[u8]) {
    for name in IMPLS {
        let mut out = Vec::new();
        sender(name, case).pass(messages, &mut |b| out.extend_from_slice(b));
        for wire in [wire, &out[..]] {
            for decoder in IMPLS {
                let mut receiver = receiver(decoder, case);
                for _ in 0..2 {
                    let mut got = 0;
                    receiver.pass(wire, &mut |m| {
                        assert!(m == messages[got], "{decoder} {}: message {got}", case.name);
                        got += 1;
                    });
                    assert_eq!(got, messages.len(), "{decoder} {}", case.name);
                }
            }
        }
    }
}

/// Compressed size per sender: the ratio of wire bytes (headers included) to message bytes
/// (to 0.001 %: parameters are tuned on differences of a few hundredths).
fn print_sizes(cases: &[Prepared]) {
    println!("\ncompressed size (wire bytes / message bytes, headers included)\n");
    let head: String = IMPLS.iter().map(|n| format!(" {n:>10} |")).collect();
    println!("| {:<20} |{head}", "case");
    println!(
        "|{}|{}",
        "-".repeat(22),
        "-----------:|".repeat(IMPLS.len())
    );
    for case in cases {
        let total = (case.case.size * case.case.count) as f64;
        let mut line = format!("| {:<20} |", case.case.name);
        for name in IMPLS {
            let mut n = 0;
            sender(name, &case.case).pass(&case.messages, &mut |b| n += b.len());
            line += &format!(" {:>8.3} % |", n as f64 * 100.0 / total);
        }
        println!("{line}");
    }
}

/// Every case, mode and implementation, interleaved; best of `reps` runs in CPU time.
fn cpu_table(cases: &[Prepared], reps: usize) {
    for mode in ["compress", "inflate"] {
        if std::env::var("DEFLATE_MODE").is_ok_and(|m| m != mode) {
            continue;
        }
        let mut best = vec![vec![None::<f64>; IMPLS.len()]; cases.len()];
        for _ in 0..reps {
            for (row, case) in cases.iter().enumerate() {
                for (col, name) in IMPLS.iter().enumerate() {
                    let bytes = case.case.size * case.case.count;
                    let start = Instant::now();
                    run_pass(mode, name, case);
                    let per_pass = start.elapsed().as_secs_f64();
                    // Long enough runs (~0.3 s) that the scheduler's accounting is exact.
                    let passes = ((0.3 / per_pass) as usize).clamp(2, 10_000);
                    let cpu_start = cpu_ns();
                    let start = Instant::now();
                    for _ in 0..passes {
                        run_pass(mode, name, case);
                    }
                    let wall = start.elapsed().as_nanos() as f64;
                    let ns = match (cpu_start, cpu_ns()) {
                        (Some(a), Some(b)) if b > a => (b - a) as f64,
                        _ => wall,
                    };
                    let rate = (bytes * passes) as f64 * 1e3 / ns;
                    let cell = &mut best[row][col];
                    *cell = Some(cell.map_or(rate, |b: f64| b.max(rate)));
                }
            }
        }
        let rows: Vec<(&str, Vec<Option<f64>>)> =
            cases.iter().map(|c| c.case.name).zip(best).collect();
        let title = format!(
            "{mode} (MB/s of message bytes, 1 MB = 10^6 B; CPU time of the thread, best of {reps})"
        );
        report::print_table(&title, IMPLS, PEERS.len(), false, &rows);
    }
}

/// Time this thread spent on a CPU (Linux), in ns.
fn cpu_ns() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    stat.split_whitespace().next()?.parse().ok()
}
