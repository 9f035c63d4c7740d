//! Decoding and encoding SEND frames with 100 B and 16 KiB bodies, by sansocket-stomp and
//! by stomp-parser (nom, whole frames), and broker fan-out: one publisher, 1,000
//! subscribers of one topic.
//!
//! `cargo bench -p sansocket-stomp --bench codec` (add `-- --measurement-time 2
//! --warm-up-time 1` for a quick run). Figures: BENCHMARKS.md.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput};
use sansocket_stomp::{
    Broker, BrokerConfig, Command, DecodeEvent, Decoder, Frame, HeartBeat, Limits, ServerConfig,
    Version, encode_into,
};
use stomp_parser::client::{ClientFrame, SendFrameBuilder};

fn frame(body_len: usize) -> Frame {
    Frame::new(Command::Send)
        .with_header("destination", "/topic/chat.general")
        .with_header("content-type", "text/plain")
        .with_header("receipt", "r-1234")
        .with_body(vec![b'a'; body_len])
}

fn codec(c: &mut Criterion) {
    for (name, len) in [("100B", 100), ("16KiB", 16 * 1024)] {
        let f = frame(len);
        let wire = sansocket_stomp::encode(&f, Version::V1_2).unwrap();
        let mut group = c.benchmark_group(format!("decode-{name}"));
        group.throughput(Throughput::Bytes(wire.len() as u64));
        let mut decoder = Decoder::new(Version::V1_2, Limits::default());
        group.bench_function("sansocket-stomp", |b| {
            b.iter(|| {
                decoder.receive_data(black_box(&wire));
                let Ok(Some(DecodeEvent::Frame(f))) = decoder.next_event() else {
                    panic!()
                };
                black_box(f);
            });
        });
        group.bench_function("stomp-parser", |b| {
            b.iter(|| {
                let parsed = ClientFrame::try_from(black_box(&wire).clone()).unwrap();
                black_box(parsed);
            });
        });
        group.finish();

        let mut group = c.benchmark_group(format!("encode-{name}"));
        group.throughput(Throughput::Bytes(wire.len() as u64));
        let mut out = Vec::with_capacity(wire.len() * 2);
        group.bench_function("sansocket-stomp", |b| {
            b.iter(|| {
                out.clear();
                encode_into(black_box(&f), Version::V1_2, &mut out).unwrap();
                black_box(&out);
            });
        });
        // stomp-parser serialises in its builder, which takes owned headers and body.
        let body = vec![b'a'; len];
        group.bench_function("stomp-parser", |b| {
            b.iter(|| {
                let frame = SendFrameBuilder::new("/topic/chat.general".to_owned())
                    .add_custom_header("content-type".to_owned(), "text/plain".to_owned())
                    .add_custom_header("receipt".to_owned(), "r-1234".to_owned())
                    .body(black_box(&body).clone())
                    .build();
                let bytes: Vec<u8> = frame.into();
                black_box(bytes);
            });
        });
        group.finish();
    }
}

fn fan_out(c: &mut Criterion) {
    const SUBSCRIBERS: usize = 1000;
    let config =
        BrokerConfig::default().server(ServerConfig::default().heart_beat(HeartBeat::NONE));
    let mut broker = Broker::new(config);
    let mut ids = Vec::new();
    for i in 0..SUBSCRIBERS {
        let id = broker.open(Version::V1_2, 0);
        let subscribe = format!(
            "CONNECT\naccept-version:1.2\n\n\0SUBSCRIBE\nid:s{i}\ndestination:/topic/t\n\n\0"
        );
        broker.receive_data(id, subscribe.as_bytes(), 0).unwrap();
        let _ = broker.data_to_send(id, 0);
        ids.push(id);
    }
    let publisher = broker.open(Version::V1_2, 0);
    broker
        .receive_data(publisher, b"CONNECT\naccept-version:1.2\n\n\0", 0)
        .unwrap();
    let _ = broker.data_to_send(publisher, 0);
    // No receipt: no RECEIPT per publish.
    let send = Frame::new(Command::Send)
        .with_header("destination", "/topic/t")
        .with_body(vec![b'a'; 100]);
    let send = sansocket_stomp::encode(&send, Version::V1_2).unwrap();
    let mut group = c.benchmark_group("broker-fan-out-1000");
    group.throughput(Throughput::Elements(SUBSCRIBERS as u64));
    group.bench_function("sansocket-stomp", |b| {
        b.iter(|| {
            broker.receive_data(publisher, black_box(&send), 0).unwrap();
            let mut total = 0;
            for id in broker.connections_to_flush() {
                total += broker.data_to_send(id, 0).len();
            }
            black_box(total);
        });
    });
    group.finish();
}

fn main() {
    let mut c = Criterion::default()
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1))
        .configure_from_args();
    codec(&mut c);
    fan_out(&mut c);
    c.final_summary();
}
