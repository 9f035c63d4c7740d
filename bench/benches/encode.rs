//! Client-side (masked) encoding of the same binary messages by sansocket, tungstenite,
//! fastwebsockets and tokio-websockets, each writing every message out as it is sent, next to
//! a copy-and-XOR ceiling.
//!
//! `cargo bench -p sansocket-bench --bench encode` (add `-- --measurement-time 2 --warm-up-time 1`
//! for a quick run). Prints criterion's output, then a summary table (see BENCHMARKS.md).

mod common;

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use common::encoders::{
    Ceiling, Encoder, FastWebsockets, Sansocket, TokioWebsockets, Tungstenite, header_len,
};
use common::report::{self, Row};
use common::{CASES, Case, Kind, payload};
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
    // Whole binary messages: the text and fragmented cases have no common API to compare.
    for case in CASES
        .iter()
        .filter(|c| c.kind == Kind::Binary && c.fragments == 1)
    {
        let payload = Bytes::from(payload(case));
        let wire_len = case.count * (header_len(case.size) + case.size);
        verify(case, &payload, wire_len);
        let group_name = format!("encode-{}", case.name);
        let mut group = c.benchmark_group(&group_name);
        group.throughput(Throughput::Bytes(wire_len as u64));
        bench(
            &mut group,
            "sansocket",
            Sansocket::new(),
            &payload,
            case.count,
        );
        bench(
            &mut group,
            "tungstenite",
            Tungstenite::new(),
            &payload,
            case.count,
        );
        bench(
            &mut group,
            "fastwebsockets",
            FastWebsockets::new(),
            &payload,
            case.count,
        );
        bench(
            &mut group,
            "tokio-websockets",
            TokioWebsockets::new(),
            &payload,
            case.count,
        );
        bench(&mut group, "ceiling", Ceiling::new(), &payload, case.count);
        group.finish();
        rows.push(Row {
            case: case.name,
            group: group_name,
            bytes: wire_len,
        });
    }
    c.final_summary();
    report::print(
        "encode, client role",
        &rows,
        &["sansocket"],
        PEERS,
        Some("ceiling"),
        since,
    );
}

fn bench(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    mut encoder: impl Encoder,
    payload: &Bytes,
    count: usize,
) {
    group.bench_function(name, |b| b.iter(|| encoder.pass(payload, count)));
}

/// Every implementation must write every frame: the same number of wire bytes, and a
/// server decodes sansocket's output back to the messages.
fn verify(case: &Case, payload: &Bytes, wire_len: usize) {
    assert_eq!(
        Sansocket::new().pass(payload, case.count),
        wire_len,
        "sansocket"
    );
    assert_eq!(
        Tungstenite::new().pass(payload, case.count),
        wire_len,
        "tungstenite"
    );
    assert_eq!(
        FastWebsockets::new().pass(payload, case.count),
        wire_len,
        "fastwebsockets"
    );
    assert_eq!(
        TokioWebsockets::new().pass(payload, case.count),
        wire_len,
        "tokio-websockets"
    );
    let mut client = sansocket::Connection::open_client(
        sansocket::Config::default(),
        None,
        sansocket::SeededEntropy::new(3),
    );
    let mut server = sansocket::Connection::open_server(sansocket::Config::default(), None);
    for _ in 0..case.count {
        client.send_binary(payload).expect("open");
    }
    server.receive_data(&client.data_to_send());
    for _ in 0..case.count {
        let event = server.next_event().expect("valid frames");
        assert!(matches!(event, Some(sansocket::Event::Binary(b)) if b == *payload));
    }
}
