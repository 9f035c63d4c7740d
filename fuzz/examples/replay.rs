//! Replays one input with details, on stable Rust:
//! `cargo run --release --example replay -- TARGET FILE` prints the scenario, the events of
//! each run, then runs the target's checks (which panic on a violation).

use sansocket_fuzz::drive::{Feed, Scenario, run};
use sansocket_fuzz::{input, targets};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, target, file] = args.as_slice() else {
        eprintln!("usage: replay TARGET FILE");
        std::process::exit(2);
    };
    let data = std::fs::read(file).expect("readable input");
    let scenario: Option<Scenario> = match target.as_str() {
        "handshake_server" => Some(input::handshake_server(&data)),
        "handshake_client" => Some(input::handshake_client(&data)),
        "frames_server" => Some(input::frames(&data, false)),
        "frames_client" => Some(input::frames(&data, true)),
        "connection_server" => Some(input::connection(&data, false)),
        "connection_client" => Some(input::connection(&data, true)),
        "deflate" => Some(input::deflate(&data)),
        _ => None,
    };
    if let Some(s) = &scenario {
        println!("{s:#?}");
        for feed in [Feed::AsGiven, Feed::Coalesced, Feed::Bytewise] {
            let std::thread::Result::Ok(r) = std::panic::catch_unwind(|| run(s, feed)) else {
                println!("{feed:?}: panicked");
                continue;
            };
            println!("{feed:?}: {:?}\n  output {:02x?}", r.entries, r.output);
        }
    }
    match target.as_str() {
        "handshake_server" => targets::handshake_server(&data),
        "handshake_client" => targets::handshake_client(&data),
        "frames_server" => targets::frames(&data, false),
        "frames_client" => targets::frames(&data, true),
        "connection_server" => targets::connection(&data, false),
        "connection_client" => targets::connection(&data, true),
        "differential" => targets::differential(&data),
        "deflate" => targets::deflate(&data),
        other => panic!("unknown target {other}"),
    }
    println!("all checks passed");
}
