//! Replays the language-neutral decoder vectors of `tests/vectors/stomp/*.json` (format:
//! `tests/vectors/stomp/README.md`): whole, cut in two at every offset, byte by byte.

mod support;

use std::path::PathBuf;

use sansocket_stomp::{DecodeEvent, Limits, Version};
use serde_json::{Value, json};
use support::decode_pieces;

const FILES: [&str; 3] = ["decoder", "escapes", "limits"];

fn load(file: &str) -> Vec<Value> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(format!("../tests/vectors/stomp/{file}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let doc: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    doc["cases"].as_array().expect("cases").clone()
}

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex"))
        .collect()
}

fn input(case: &Value) -> Vec<u8> {
    match (case.get("input"), case.get("input_hex")) {
        (Some(Value::String(s)), None) => s.as_bytes().to_vec(),
        (None, Some(Value::String(h))) => hex(h),
        _ => panic!("a case needs input or input_hex"),
    }
}

fn limits(case: &Value) -> Limits {
    let mut l = Limits::default();
    if let Some(obj) = case.get("limits").and_then(Value::as_object) {
        for (k, v) in obj {
            let n = usize::try_from(v.as_u64().expect("a number")).expect("fits");
            l = match k.as_str() {
                "max_headers" => l.max_headers(n),
                "max_line" => l.max_line(n),
                "max_header_block" => l.max_header_block(n),
                "max_body" => l.max_body(n),
                other => panic!("unknown limit {other}"),
            };
        }
    }
    l
}

fn to_json(outcome: &support::Outcome) -> Vec<Value> {
    let mut out: Vec<Value> = outcome
        .0
        .iter()
        .map(|e| match e {
            DecodeEvent::HeartBeat => json!({"type": "heart-beat"}),
            DecodeEvent::Frame(f) => {
                let headers: Vec<Value> = f.headers().iter().map(|(n, v)| json!([n, v])).collect();
                let mut ev =
                    json!({"type": "frame", "command": f.command().as_str(), "headers": headers});
                match std::str::from_utf8(f.body()) {
                    Ok(s) => ev["body"] = json!(s),
                    Err(_) => {
                        ev["body_hex"] = json!(
                            f.body()
                                .iter()
                                .map(|b| format!("{b:02x}"))
                                .collect::<String>()
                        )
                    }
                }
                ev
            }
            _ => panic!("unknown event"),
        })
        .collect();
    if let Some(e) = outcome.1 {
        out.push(json!({"type": "error", "kind": e.kind()}));
    }
    out
}

#[test]
fn vectors() {
    let mut count = 0;
    for file in FILES {
        for case in load(file) {
            let name = format!("{file}/{}", case["name"].as_str().expect("name"));
            for key in case.as_object().expect("object").keys() {
                assert!(
                    [
                        "name",
                        "description",
                        "version",
                        "limits",
                        "input",
                        "input_hex",
                        "events"
                    ]
                    .contains(&key.as_str()),
                    "{name}: unknown key {key}"
                );
            }
            let version =
                Version::parse(case["version"].as_str().expect("version")).expect("a version");
            let limits = limits(&case);
            let bytes = input(&case);
            let expected = case["events"].as_array().expect("events").clone();
            let whole = decode_pieces(&[&bytes], version, limits);
            assert_eq!(to_json(&whole), expected, "{name}: whole");
            for cut in 0..=bytes.len() {
                let (a, b) = bytes.split_at(cut);
                assert_eq!(
                    decode_pieces(&[a, b], version, limits),
                    whole,
                    "{name}: cut at {cut}"
                );
            }
            let singles: Vec<&[u8]> = bytes.chunks(1).collect();
            assert_eq!(
                decode_pieces(&singles, version, limits),
                whole,
                "{name}: byte by byte"
            );
            count += 1;
        }
    }
    assert!(count >= 50, "only {count} cases");
}
