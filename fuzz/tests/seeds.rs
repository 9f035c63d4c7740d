//! Every checked-in seed passes its target on stable Rust (no libFuzzer needed), and the
//! seeds reach the states the targets are meant to explore.

use std::path::Path;

use sansocket::Event;
use sansocket_fuzz::drive::{Entry, Feed, run};
use sansocket_fuzz::{input, targets, wire};

fn seeds(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("seeds")
        .join(target);
    let mut out: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|f| f.expect("a seed").path())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    assert!(out.len() >= 10, "{target}: only {} seeds", out.len());
    out
}

#[test]
fn every_seed_passes_its_target() {
    type Target = (&'static str, fn(&[u8]));
    let targets: [Target; 11] = [
        ("handshake_server", targets::handshake_server),
        ("handshake_client", targets::handshake_client),
        ("frames_server", |d| targets::frames(d, false)),
        ("frames_client", |d| targets::frames(d, true)),
        ("connection_server", |d| targets::connection(d, false)),
        ("connection_client", |d| targets::connection(d, true)),
        ("differential", targets::differential),
        ("deflate", targets::deflate),
        ("inflate", targets::inflate),
        ("mask", targets::mask),
        ("proxy_connect", targets::proxy_connect),
    ];
    for (name, target) in targets {
        for (seed, data) in seeds(name) {
            eprintln!("{name}/{seed}");
            target(&data);
        }
    }
}

fn count(entries: &[Entry], f: impl Fn(&Entry) -> bool) -> usize {
    entries.iter().filter(|e| f(e)).count()
}

#[test]
fn the_session_seeds_reach_messages_and_the_close_handshake() {
    let data = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds/connection_server/session"),
    )
    .unwrap();
    let s = input::connection(&data, false);
    let r = run(&s, Feed::AsGiven);
    assert_eq!(
        count(&r.entries, |e| matches!(
            e,
            Entry::Handshake(Event::Request(_))
        )),
        1
    );
    assert!(
        r.entries.contains(&Entry::Text(b"Hello".to_vec())),
        "{:?}",
        r.entries
    );
    assert!(
        r.entries.contains(&Entry::Close(1000, String::new())),
        "{:?}",
        r.entries
    );
    assert_eq!(r.sent.len(), 3, "{:?}", r.sent); // text, fragmented text, close
    assert!(r.close_transport);

    let data = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds/connection_client/session"),
    )
    .unwrap();
    let s = input::connection(&data, true);
    let r = run(&s, Feed::AsGiven);
    assert_eq!(
        count(&r.entries, |e| matches!(
            e,
            Entry::Handshake(Event::Accepted(_))
        )),
        1
    );
    assert!(
        r.entries.contains(&Entry::Text(b"fragment".to_vec())),
        "{:?}",
        r.entries
    );
    assert!(
        r.entries.contains(&Entry::Close(1001, String::new())),
        "{:?}",
        r.entries
    );
}

fn seed(path: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("seeds")
            .join(path),
    )
    .unwrap()
}

#[test]
fn the_deflate_seeds_negotiate_and_compress() {
    for client in [false, true] {
        let name = if client {
            "connection_client"
        } else {
            "connection_server"
        };
        let s = input::connection(&seed(&format!("{name}/deflate-frames")), client);
        let r = run(&s, Feed::AsGiven);
        assert!(r.deflate.is_some(), "{name}: not negotiated");
        assert!(
            r.entries
                .contains(&Entry::Text(b"Hello, Hello, Hello".to_vec())),
            "{name}: {:?}",
            r.entries
        );
        assert!(
            r.entries.contains(&Entry::Binary((0..100).collect())),
            "{name}: {:?}",
            r.entries
        );
        // The 100-byte text went out compressed: RSV1 on a text frame.
        let (_, frames) = wire::split_head(&r.output).expect("a head");
        let frames = wire::parse_all(frames).expect("whole frames");
        assert!(
            frames.iter().any(|f| f.opcode == 1 && f.rsv == 4),
            "{name}: no compressed frame in {frames:?}"
        );
    }
    let s = input::frames(&seed("frames_client/rfc7692-shared-window"), true);
    let r = run(&s, Feed::Bytewise);
    let hello = Entry::Text(b"Hello".to_vec());
    assert_eq!(r.entries, [hello.clone(), hello]);
}

#[test]
fn every_stomp_seed_passes_its_target() {
    type Target = (&'static str, fn(&[u8]));
    let targets: [Target; 2] = [
        ("stomp_decoder", sansocket_fuzz::stomp::decoder),
        ("stomp_broker", sansocket_fuzz::stomp::broker::run),
    ];
    for (name, target) in targets {
        for (seed, data) in seeds(name) {
            eprintln!("{name}/{seed}");
            target(&data);
        }
    }
}
