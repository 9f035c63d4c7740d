//! The DEFLATE codec on its own: the same messages compressed, and the same raw DEFLATE
//! stream inflated, by sansocket-deflate, zlib-rs (flate2's `zlib-rs` backend) and
//! miniz_oxide, as a permessage-deflate endpoint uses them (RFC 7692): one stream per
//! connection, context takeover, a sync flush per message, level 6, a 12-bit window for
//! compressing (miniz_oxide only has 15 bits). The messages are those of the `deflate`
//! bench (market-data JSON, 1 MiB per case in 1 KiB or 64 KiB messages).
//!
//! Inflating, every codec reads the stream zlib-rs made (the bytes a peer running zlib
//! sends), message by message into a fresh `Vec` (zlib-rs and miniz_oxide are given one of
//! the message's size; sansocket-deflate sizes its own). Besides MB/s (CPU time of the
//! thread, best of N runs: the machine may be busy), it prints the compressed sizes and
//! the heap each codec holds between messages, counted by a global allocator.
//!
//! `cargo bench -p sansocket-bench --bench codec` (best of 5), `-- 10` for best of 10,
//! `-- --test` for one quick pass of every codec (a check that it runs).

use std::alloc::System;
use std::time::Instant;

use bytes::Bytes;
use cap::Cap;
use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress};
use miniz_oxide::deflate::core::{
    CompressorOxide, TDEFLFlush, TDEFLStatus, compress as mz_compress,
    create_comp_flags_from_zip_params,
};
use miniz_oxide::inflate::stream::{InflateState, inflate as mz_inflate};
use miniz_oxide::{DataFormat, MZFlush};
use sansocket_deflate::{MessageCompressor, MessageInflater};

mod common;

use common::compressed::{DEFLATE_CASES, market_messages};
use common::report;

#[global_allocator]
static ALLOC: Cap<System> = Cap::new(System, usize::MAX);

const CODECS: &[&str] = &["sansocket", "zlib-rs", "miniz_oxide"];
const LEVEL: u32 = 6;
const WINDOW_BITS: u8 = 12;
/// §7.2.1: the end of a sync flush, removed from each message on the wire.
const TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

/// A compressor of one direction of a connection.
trait Deflate {
    /// Appends `msg` compressed and sync-flushed, tail removed.
    fn message(&mut self, msg: &[u8], out: &mut Vec<u8>);
}

/// An inflater of one direction of a connection.
trait Inflate {
    /// Inflates one message (tail removed) of `size` bytes.
    fn message(&mut self, wire: &[u8], size: usize) -> Vec<u8>;

    /// Frees what an idle inflater need not hold (sansocket's decode tables, as a
    /// connection's receiver does once it has decoded all it was given).
    fn idle(&mut self) {}
}

struct Ours(MessageCompressor);

impl Deflate for Ours {
    fn message(&mut self, msg: &[u8], out: &mut Vec<u8>) {
        assert!(self.0.compress(msg, out), "compressible");
    }
}

struct Zlib(Compress);

impl Deflate for Zlib {
    fn message(&mut self, msg: &[u8], out: &mut Vec<u8>) {
        let start = self.0.total_in();
        loop {
            let done = (self.0.total_in() - start) as usize;
            out.reserve(msg.len() / 2 + 64);
            self.0
                .compress_vec(&msg[done..], out, FlushCompress::Sync)
                .expect("deflate");
            if (self.0.total_in() - start) as usize == msg.len() && out.len() < out.capacity() {
                break;
            }
        }
        assert!(out.ends_with(&TAIL));
        out.truncate(out.len() - 4);
    }
}

struct Miniz(Box<CompressorOxide>);

impl Deflate for Miniz {
    fn message(&mut self, msg: &[u8], out: &mut Vec<u8>) {
        let mut done = 0;
        loop {
            let start = out.len();
            out.resize(start + msg.len() / 2 + 64, 0);
            let (status, used, written) = mz_compress(
                &mut self.0,
                &msg[done..],
                &mut out[start..],
                TDEFLFlush::Sync,
            );
            assert_eq!(status, TDEFLStatus::Okay);
            done += used;
            out.truncate(start + written);
            if done == msg.len() && start + written < out.capacity() && written > 0 {
                break;
            }
        }
        assert!(out.ends_with(&TAIL));
        out.truncate(out.len() - 4);
    }
}

struct OursInflate(MessageInflater);

impl Inflate for OursInflate {
    fn message(&mut self, wire: &[u8], _size: usize) -> Vec<u8> {
        let mut out = Vec::new();
        self.0
            .inflate(wire, &mut out, usize::MAX - 1, usize::MAX)
            .expect("valid");
        self.0.finish(&mut out, usize::MAX - 1).expect("valid");
        out
    }

    fn idle(&mut self) {
        self.0.release();
    }
}

struct ZlibInflate(Decompress);

impl Inflate for ZlibInflate {
    fn message(&mut self, wire: &[u8], size: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(size + 64);
        for input in [wire, &TAIL] {
            let start = self.0.total_in();
            while ((self.0.total_in() - start) as usize) < input.len() {
                let done = (self.0.total_in() - start) as usize;
                if out.len() == out.capacity() {
                    out.reserve(4096);
                }
                self.0
                    .decompress_vec(&input[done..], &mut out, FlushDecompress::Sync)
                    .expect("valid");
            }
        }
        out
    }
}

struct MinizInflate(Box<InflateState>);

impl Inflate for MinizInflate {
    fn message(&mut self, wire: &[u8], size: usize) -> Vec<u8> {
        let mut out = vec![0; size + 64];
        let mut len = 0;
        for input in [wire, &TAIL] {
            let mut rest = input;
            while !rest.is_empty() {
                if len == out.len() {
                    out.resize(len + 4096, 0);
                }
                let r = mz_inflate(&mut self.0, rest, &mut out[len..], MZFlush::Sync);
                r.status.expect("valid");
                rest = &rest[r.bytes_consumed..];
                len += r.bytes_written;
            }
        }
        out.truncate(len);
        out
    }
}

fn deflater(name: &str) -> Box<dyn Deflate> {
    match name {
        "sansocket" => Box::new(Ours(MessageCompressor::new(LEVEL, WINDOW_BITS))),
        "zlib-rs" => Box::new(Zlib(Compress::new_with_window_bits(
            Compression::new(LEVEL),
            false,
            WINDOW_BITS,
        ))),
        _ => Box::new(Miniz(Box::new(CompressorOxide::new(
            create_comp_flags_from_zip_params(LEVEL as i32, -15, 0),
        )))),
    }
}

/// An inflater for a peer compressing with a window of 2^`bits` bytes (miniz_oxide: always
/// 2^15).
fn inflater(name: &str, bits: u8) -> Box<dyn Inflate> {
    match name {
        "sansocket" => Box::new(OursInflate(MessageInflater::new(bits))),
        "zlib-rs" => Box::new(ZlibInflate(Decompress::new_with_window_bits(false, bits))),
        _ => Box::new(MinizInflate(InflateState::new_boxed(DataFormat::Raw))),
    }
}

/// A case: its messages and zlib-rs's stream of them, message by message.
struct Case {
    name: &'static str,
    messages: Vec<Bytes>,
    wire: Vec<Vec<u8>>,
}

fn compress_all(name: &str, messages: &[Bytes]) -> Vec<Vec<u8>> {
    let mut d = deflater(name);
    messages
        .iter()
        .map(|m| {
            let mut out = Vec::new();
            d.message(m, &mut out);
            out
        })
        .collect()
}

/// One pass: every message of the case through a fresh codec.
fn pass(mode: &str, name: &str, case: &Case) -> usize {
    if mode == "compress" {
        let mut d = deflater(name);
        let mut out = Vec::new();
        let mut total = 0;
        for m in &case.messages {
            out.clear();
            d.message(m, &mut out);
            total += std::hint::black_box(&out).len();
        }
        total
    } else {
        let mut i = inflater(name, WINDOW_BITS);
        case.messages
            .iter()
            .zip(&case.wire)
            .map(|(m, w)| std::hint::black_box(i.message(w, m.len())).len())
            .sum()
    }
}

/// Heap bytes a codec holds between messages, after it has handled all of the case.
fn held(mode: &str, name: &str, case: &Case) -> usize {
    let before = ALLOC.allocated();
    let kept: usize;
    if mode == "compress" {
        let mut d = deflater(name);
        for m in &case.messages {
            d.message(m, &mut Vec::new());
        }
        kept = ALLOC.allocated() - before;
        drop(d);
    } else {
        let mut i = inflater(name, WINDOW_BITS);
        for (m, w) in case.messages.iter().zip(&case.wire) {
            drop(i.message(w, m.len()));
        }
        i.idle();
        kept = ALLOC.allocated() - before;
        drop(i);
    }
    kept
}

/// Time this thread spent on a CPU (Linux), in ns.
fn cpu_ns() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    stat.split_whitespace().next()?.parse().ok()
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    // `cargo test` runs benches without `--bench`: one quick pass then, as with `--test`.
    let quick = args.iter().any(|a| a == "--test") || !std::env::args().any(|a| a == "--bench");
    let reps: usize = args.iter().find_map(|a| a.parse().ok()).unwrap_or(5);
    let cases: Vec<Case> = DEFLATE_CASES
        .iter()
        .filter(|c| c.name == "1KiB" || c.name == "64KiB")
        .map(|c| {
            let messages = market_messages(c);
            let wire = compress_all("zlib-rs", &messages);
            Case {
                name: c.name,
                messages,
                wire,
            }
        })
        .collect();

    // Every codec reads every codec's stream back to the messages.
    for case in &cases {
        for from in CODECS {
            let wire = compress_all(from, &case.messages);
            // (miniz_oxide compresses with a 15-bit window)
            let bits = if *from == "miniz_oxide" {
                15
            } else {
                WINDOW_BITS
            };
            for to in CODECS {
                let mut i = inflater(to, bits);
                for (m, w) in case.messages.iter().zip(&wire) {
                    assert_eq!(
                        i.message(w, m.len()),
                        m[..],
                        "{from} -> {to}, {}",
                        case.name
                    );
                }
            }
        }
    }

    println!("\ncompressed size (bytes of 1 MiB of messages; level {LEVEL})\n");
    println!("| case   | sansocket | zlib-rs | miniz_oxide |\n|--------|---:|---:|---:|");
    for case in &cases {
        let sizes: Vec<usize> = CODECS
            .iter()
            .map(|c| compress_all(c, &case.messages).iter().map(Vec::len).sum())
            .collect();
        println!(
            "| {:<6} | {} | {} | {} |",
            case.name, sizes[0], sizes[1], sizes[2]
        );
    }

    println!(
        "\nheap held between messages (bytes, after the whole case; sansocket's 7.6 KiB of decode\ntables are freed when idle, as a connection does, and live while it inflates)\n"
    );
    println!(
        "| case   | mode     | sansocket | zlib-rs | miniz_oxide |\n|--------|----------|---:|---:|---:|"
    );
    for case in &cases {
        for mode in ["compress", "inflate"] {
            let h: Vec<usize> = CODECS.iter().map(|c| held(mode, c, case)).collect();
            println!(
                "| {:<6} | {mode:<8} | {} | {} | {} |",
                case.name, h[0], h[1], h[2]
            );
        }
    }

    if quick {
        for case in &cases {
            for mode in ["compress", "inflate"] {
                for name in CODECS {
                    pass(mode, name, case);
                }
            }
        }
        println!("\ncodec: every codec ran once (--test)");
        return;
    }

    for mode in ["compress", "inflate"] {
        let mut rows = Vec::new();
        for case in &cases {
            let bytes: usize = case.messages.iter().map(Bytes::len).sum();
            let mut best = vec![None::<f64>; CODECS.len()];
            for _ in 0..reps {
                for (col, name) in CODECS.iter().enumerate() {
                    let start = Instant::now();
                    pass(mode, name, case);
                    let per_pass = start.elapsed().as_secs_f64();
                    // Long enough runs (~0.3 s) that the scheduler's accounting is exact.
                    let passes = ((0.3 / per_pass) as usize).clamp(2, 10_000);
                    let cpu_start = cpu_ns();
                    let start = Instant::now();
                    for _ in 0..passes {
                        pass(mode, name, case);
                    }
                    let wall = start.elapsed().as_nanos() as f64;
                    let ns = match (cpu_start, cpu_ns()) {
                        (Some(a), Some(b)) if b > a => (b - a) as f64,
                        _ => wall,
                    };
                    let rate = (bytes * passes) as f64 * 1e3 / ns;
                    best[col] = Some(best[col].map_or(rate, |b: f64| b.max(rate)));
                }
            }
            rows.push((case.name, best));
        }
        let title = format!(
            "{mode} (MB/s of message bytes, 1 MB = 10^6 B; CPU time of the thread, best of {reps})"
        );
        report::print_table(&title, CODECS, CODECS.len() - 1, false, &rows);
    }
}
