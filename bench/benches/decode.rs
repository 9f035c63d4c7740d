//! Server-side decoding of the same masked client wire bytes by sansocket, tungstenite,
//! fastwebsockets and tokio-websockets, next to a copy-and-XOR ceiling; fed in 64 KiB reads
//! (sansocket: `receive_data` per read, and `sansocket-read-buf`, the host reading from the
//! same 64 KiB chunks into sansocket's own buffer with `take_read_buffer`).
//!
//! `cargo bench -p sansocket-bench --bench decode` (add `-- --measurement-time 2 --warm-up-time 1`
//! for a quick run). Prints criterion's output, then a summary table (see BENCHMARKS.md).

mod common;

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use common::decoders::{
    Ceiling, Decoder, FastWebsockets, Sansocket, SansocketReadBuf, SansocketReads, TokioWebsockets,
    Tungstenite,
};
use common::report::{self, Row};
use common::{CASES, Case, Tally, client_wire, payload};
use criterion::{BenchmarkGroup, Criterion, Throughput, measurement::WallTime};

const PEERS: &[&str] = &["tungstenite", "fastwebsockets", "tokio-websockets"];

fn main() {
    let since = SystemTime::now();
    let mut c = Criterion::default()
        .output_directory(&report::criterion_dir())
        .measurement_time(Duration::from_secs(5))
        .warm_up_time(Duration::from_secs(2))
        .configure_from_args();
    let mut rows = Vec::new();
    for case in CASES {
        let payload = payload(case);
        let wire: Arc<[u8]> = client_wire(case, &payload).into();
        verify(case, &payload, &wire);
        let group_name = format!("decode-{}", case.name);
        let mut group = c.benchmark_group(&group_name);
        group.throughput(Throughput::Bytes(wire.len() as u64));
        bench(&mut group, "sansocket", Sansocket::new(wire.clone()));
        bench(&mut group, READ_BUF, SansocketReadBuf::new(wire.clone()));
        bench(
            &mut group,
            "tungstenite",
            Tungstenite::new(wire.clone(), case.count),
        );
        bench(
            &mut group,
            "fastwebsockets",
            FastWebsockets::new(wire.clone(), case.count),
        );
        bench(
            &mut group,
            "tokio-websockets",
            TokioWebsockets::new(wire.clone(), case.count),
        );
        bench(&mut group, "ceiling", Ceiling::new(wire.clone()));
        let reads = TokioWebsockets::reads(wire.clone(), case.count);
        bench(
            &mut group,
            SAME_READS,
            SansocketReads::new(wire.clone(), reads),
        );
        group.finish();
        rows.push(Row {
            case: case.name,
            group: group_name,
            bytes: wire.len(),
        });
    }
    c.final_summary();
    report::print(
        "decode, server role",
        &rows,
        &["sansocket", READ_BUF],
        PEERS,
        Some("ceiling"),
        since,
    );
    report::print(
        "decode, server role, sansocket fed tokio-websockets' own reads",
        &rows,
        &[SAME_READS],
        &["tokio-websockets"],
        None,
        since,
    );
}

/// sansocket, the host reading into its buffer (`take_read_buffer`), from 64 KiB chunks.
const READ_BUF: &str = "sansocket-read-buf";

/// sansocket fed the reads tokio-websockets makes, not 64 KiB ones.
const SAME_READS: &str = "sansocket-tws-reads";

fn bench(group: &mut BenchmarkGroup<'_, WallTime>, name: &str, mut decoder: impl Decoder) {
    group.bench_function(name, |b| {
        b.iter(|| {
            decoder.pass(&mut |payload| {
                black_box(payload);
            })
        })
    });
}

/// One pass of a decoder, handing each payload to the callback.
type Pass<'a> = dyn FnMut(&mut dyn FnMut(&[u8])) + 'a;

/// Every implementation must decode every message, whole and intact (twice, so that a
/// decoder which loses its place between passes is caught too).
fn verify(case: &Case, payload: &[u8], wire: &Arc<[u8]>) {
    let expected = Tally {
        messages: case.count,
        bytes: case.count * case.size,
    };
    let check = |name: &str, decoder: &mut Pass<'_>| {
        for _ in 0..2 {
            let mut tally = Tally::default();
            decoder(&mut |p| {
                assert!(p == payload, "{name} {}: payload differs", case.name);
                tally.messages += 1;
                tally.bytes += p.len();
            });
            assert_eq!(tally, expected, "{name} {}", case.name);
        }
    };
    let mut d = Sansocket::new(wire.clone());
    check("sansocket", &mut |mut f| d.pass(&mut f));
    let mut d = SansocketReadBuf::new(wire.clone());
    check(READ_BUF, &mut |mut f| d.pass(&mut f));
    let mut d = Tungstenite::new(wire.clone(), case.count);
    check("tungstenite", &mut |mut f| d.pass(&mut f));
    let mut d = FastWebsockets::new(wire.clone(), case.count);
    check("fastwebsockets", &mut |mut f| d.pass(&mut f));
    let mut d = TokioWebsockets::new(wire.clone(), case.count);
    check("tokio-websockets", &mut |mut f| d.pass(&mut f));
    let reads = TokioWebsockets::reads(wire.clone(), case.count);
    let mut d = SansocketReads::new(wire.clone(), reads);
    check(SAME_READS, &mut |mut f| d.pass(&mut f));
}
