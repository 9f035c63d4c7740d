//! Replays the language-neutral test vectors of `tests/vectors/*.json` (format:
//! `tests/vectors/README.md`).
//!
//! Every case runs three ways: (a) each `receive` as given, checked step by step; (b) each
//! run of consecutive `receive` steps joined and cut in two at every byte offset; (c) all
//! input one byte at a time; (d) all input read into the engine's buffer
//! (`take_read_buffer`) in reads of the room offered, and of 1, 3 and 100 bytes at most.
//! (b), (c) and (d) must give the same events, bytes to send and final state as (a): the
//! engine's output must not depend on how the transport splits its input, nor on the input
//! path.

mod vectors {
    pub(crate) mod json;
    pub(crate) mod setup;
}

use std::path::PathBuf;

use sansocket::advanced::ConnectionExt;
use sansocket::{Connection, Delivery};
use serde_json::Value;
use vectors::json::{self, bytes, hex};
use vectors::setup::{self, ACTIONS};

const FILES: [&str; 11] = [
    "handshake_server",
    "handshake_client",
    "frames",
    "fragmentation",
    "utf8",
    "control",
    "close",
    "limits",
    "chunks",
    "deflate",
    "sessions",
];

const CASE_KEYS: [&str; 10] = [
    "name",
    "description",
    "role",
    "config",
    "open",
    "subprotocol",
    "seed",
    "request",
    "initial_data_to_send",
    "steps",
];

const CHECK_KEYS: [&str; 6] = [
    "events",
    "data_to_send",
    "http_response",
    "state",
    "should_close_transport",
    "usage_error",
];

/// Inputs longer than this are cut at a sample of offsets instead of every one.
const EVERY_OFFSET_UP_TO: usize = 4096;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors")
}

fn load(file: &str) -> Vec<Value> {
    let path = dir().join(format!("{file}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let doc: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    doc["cases"].as_array().expect("a cases list").clone()
}

/// Steps replayed together: one non-receive step, or a run of receive steps whose bytes
/// are fed in `pieces`.
struct Group<'a> {
    steps: Vec<&'a Value>,
    input: Option<Vec<u8>>,
}

fn groups(case: &Value, merge: bool) -> Vec<Group<'_>> {
    let mut out: Vec<Group<'_>> = Vec::new();
    for step in case["steps"].as_array().expect("steps") {
        check_step_keys(step);
        match step.get("receive") {
            Some(data) => match out.last_mut() {
                Some(Group {
                    steps,
                    input: Some(input),
                }) if merge => {
                    steps.push(step);
                    input.extend(bytes(data));
                }
                _ => out.push(Group {
                    steps: vec![step],
                    input: Some(bytes(data)),
                }),
            },
            None => out.push(Group {
                steps: vec![step],
                input: None,
            }),
        }
    }
    out
}

fn check_step_keys(step: &Value) {
    let obj = step.as_object().expect("a step is an object");
    let kinds = obj
        .keys()
        .filter(|k| *k == "receive" || *k == "eof" || ACTIONS.contains(&k.as_str()))
        .count();
    assert_eq!(kinds, 1, "a step has exactly one input or action: {step}");
    for k in obj.keys() {
        let known = k == "receive" || k == "eof" || ACTIONS.contains(&k.as_str());
        assert!(
            known || CHECK_KEYS.contains(&k.as_str()),
            "unknown step key {k}"
        );
    }
}

/// How the input of the receive groups is cut.
#[derive(Clone, Copy, Debug)]
enum Split {
    /// Each group in one piece.
    Whole,
    /// Group `group` in two pieces at `offset`; the others whole.
    At { group: usize, offset: usize },
    /// Every group one byte at a time.
    Bytewise,
}

fn pieces(input: &[u8], index: usize, split: Split) -> Vec<&[u8]> {
    match split {
        Split::At { group, offset } if group == index => vec![&input[..offset], &input[offset..]],
        Split::Bytewise if !input.is_empty() => input.chunks(1).collect(),
        _ => vec![input],
    }
}

fn drain(conn: &mut Connection, events: &mut Vec<Value>) {
    for _ in 0..1_000_000 {
        match conn.next_event() {
            Ok(Some(e)) => events.push(json::event(&e)),
            Ok(None) => return,
            Err(e) => events.push(json::error(&e, conn.role())),
        }
    }
    panic!("next_event never returned Ok(None)");
}

/// Replays `case` with its steps in `groups`; `exact` compares chunk events one for one.
fn run(case: &Value, groups: &[Group<'_>], split: Split, exact: bool) -> Result<(), String> {
    run_with(case, groups, split, exact, None)
}

/// [`run`], the input passed to `receive_data`, or (`read_cap`) read into the engine's
/// buffer (`take_read_buffer`/`give_read_buffer`) in reads of at most the room offered and
/// `read_cap` bytes, events drained after each read.
fn run_with(
    case: &Value,
    groups: &[Group<'_>],
    split: Split,
    exact: bool,
    read_cap: Option<usize>,
) -> Result<(), String> {
    let mut conn = setup::connect(case);
    let initial = conn.data_to_send();
    if let Some(spec) = case.get("initial_data_to_send") {
        compare_bytes("initial data_to_send", &bytes(spec), &initial)?;
    } else if case["role"] == "server" && !initial.is_empty() {
        return Err("a server queued bytes before any input".into());
    }
    let chunks = setup::config(case).delivery == Delivery::Chunks;
    for (index, group) in groups.iter().enumerate() {
        let at = |what: &str| format!("step group {index} ({what})");
        let mut events = Vec::new();
        let mut usage = None;
        match &group.input {
            Some(input) => {
                for piece in pieces(input, index, split) {
                    let Some(cap) = read_cap else {
                        conn.receive_data(piece);
                        drain(&mut conn, &mut events);
                        continue;
                    };
                    let mut rest = piece;
                    loop {
                        let mut buf = conn.take_read_buffer();
                        let n = (buf.capacity() - buf.len()).min(cap).min(rest.len());
                        buf.extend_from_slice(&rest[..n]);
                        rest = &rest[n..];
                        conn.give_read_buffer(buf).map_err(|e| e.to_string())?;
                        drain(&mut conn, &mut events);
                        if rest.is_empty() {
                            break;
                        }
                    }
                }
            }
            None => {
                let step = group.steps[0];
                if step.get("eof").is_some() {
                    conn.receive_eof();
                } else {
                    let (action, arg) = step
                        .as_object()
                        .and_then(|o| o.iter().find(|(k, _)| ACTIONS.contains(&k.as_str())))
                        .expect("an action");
                    usage = Some(setup::perform(&mut conn, action, arg).is_err());
                }
                drain(&mut conn, &mut events);
            }
        }
        let out = conn.data_to_send();
        let mut expected: Vec<Value> = group
            .steps
            .iter()
            .filter_map(|s| s["events"].as_array())
            .flatten()
            .map(json::expected)
            .collect();
        if chunks && !exact {
            expected = json::merge_chunks(expected);
            events = json::merge_chunks(events);
        }
        if events != expected {
            return Err(format!(
                "{}:\n  expected {}\n  got      {}",
                at("events"),
                Value::from(expected),
                Value::from(events)
            ));
        }
        if let Some(refused) = usage {
            let want = group.steps[0]["usage_error"].as_bool().unwrap_or(false);
            if refused != want {
                return Err(format!(
                    "{}: usage error {refused}, expected {want}",
                    at("action")
                ));
            }
            if refused && !out.is_empty() {
                return Err(format!("{}: a refused action queued bytes", at("action")));
            }
        }
        let outs: Option<Vec<u8>> = group
            .steps
            .iter()
            .map(|s| s.get("data_to_send").map(bytes))
            .collect::<Option<Vec<_>>>()
            .map(|v| v.concat());
        if let Some(want) = outs {
            compare_bytes(&at("data_to_send"), &want, &out)?;
        }
        let http: Vec<&Value> = group
            .steps
            .iter()
            .filter_map(|s| s.get("http_response"))
            .collect();
        if let [spec] = http.as_slice() {
            check_http(&out, spec).map_err(|e| format!("{}: {e}", at("http_response")))?;
        }
        let last = group.steps[group.steps.len() - 1];
        if let Some(state) = last.get("state") {
            let got = setup::state_name(conn.state());
            if state != got {
                return Err(format!("{}: state {got}, expected {state}", at("state")));
            }
        }
        if let Some(close) = last.get("should_close_transport") {
            let got = conn.should_close_transport();
            if *close != got {
                return Err(format!(
                    "{}: should_close_transport {got}, expected {close}",
                    at("state")
                ));
            }
        }
    }
    Ok(())
}

fn compare_bytes(what: &str, want: &[u8], got: &[u8]) -> Result<(), String> {
    if want == got {
        return Ok(());
    }
    let show = |b: &[u8]| {
        let h = hex(b);
        if h.len() > 400 {
            format!("{}… ({} bytes)", &h[..400], b.len())
        } else {
            format!("{h} {:?}", String::from_utf8_lossy(b))
        }
    };
    Err(format!(
        "{what}:\n  expected {}\n  got      {}",
        show(want),
        show(got)
    ))
}

/// The output starts with an HTTP/1.1 head of this status with these headers, and its
/// body has the length its Content-Length says.
fn check_http(out: &[u8], spec: &Value) -> Result<(), String> {
    let text = String::from_utf8_lossy(out);
    let (head, body) = text.split_once("\r\n\r\n").ok_or("no HTTP head")?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = spec["status"].as_u64().expect("status");
    if !status_line.starts_with(&format!("HTTP/1.1 {status} ")) {
        return Err(format!("status line {status_line:?}, expected {status}"));
    }
    let headers: Vec<(String, &str)> = lines
        .filter_map(|l| l.split_once(": "))
        .map(|(n, v)| (n.to_ascii_lowercase(), v))
        .collect();
    for pair in spec["headers"].as_array().into_iter().flatten() {
        let (name, value) = (pair[0].as_str().unwrap(), pair[1].as_str().unwrap());
        if !headers
            .iter()
            .any(|(n, v)| *n == name.to_ascii_lowercase() && *v == value)
        {
            return Err(format!("no header {name}: {value} in {head:?}"));
        }
    }
    if let Some((_, length)) = headers.iter().find(|(n, _)| n == "content-length")
        && length.parse::<usize>() != Ok(body.len())
    {
        return Err(format!("Content-Length {length}, body of {}", body.len()));
    }
    Ok(())
}

/// Cut offsets for an input: all of them, or a sample for long inputs.
fn offsets(len: usize) -> Vec<usize> {
    if len <= EVERY_OFFSET_UP_TO {
        return (1..len).collect();
    }
    let mut v: Vec<usize> = (1..=64).chain(len - 64..len).collect();
    v.extend((64..len - 64).step_by(len / 64));
    v
}

fn replay(case: &Value) -> Result<(), String> {
    for k in case.as_object().expect("a case is an object").keys() {
        assert!(CASE_KEYS.contains(&k.as_str()), "unknown case key {k}");
    }
    run(case, &groups(case, false), Split::Whole, true).map_err(|e| format!("as given: {e}"))?;
    let merged = groups(case, true);
    for (index, group) in merged.iter().enumerate() {
        let Some(input) = &group.input else { continue };
        for offset in offsets(input.len()) {
            let split = Split::At {
                group: index,
                offset,
            };
            run(case, &merged, split, false).map_err(|e| format!("{split:?}: {e}"))?;
        }
    }
    run(case, &merged, Split::Bytewise, false).map_err(|e| format!("byte by byte: {e}"))?;
    // Read into the engine's buffer: reads as big as the room offered, and smaller ones.
    for cap in [usize::MAX, 1, 3, 100] {
        run_with(case, &merged, Split::Whole, false, Some(cap))
            .map_err(|e| format!("read buffer, reads of {cap} at most: {e}"))?;
    }
    Ok(())
}

fn replay_file(file: &str) {
    let cases = load(file);
    assert!(!cases.is_empty(), "{file}.json has no cases");
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| {
            let name = case["name"].as_str().expect("a name");
            replay(case)
                .err()
                .map(|e| format!("{file}.json / {name}: {e}"))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

#[test]
fn handshake_server() {
    replay_file("handshake_server");
}

#[test]
fn handshake_client() {
    replay_file("handshake_client");
}

#[test]
fn frames() {
    replay_file("frames");
}

#[test]
fn fragmentation() {
    replay_file("fragmentation");
}

#[test]
fn utf8() {
    replay_file("utf8");
}

#[test]
fn control() {
    replay_file("control");
}

#[test]
fn close() {
    replay_file("close");
}

#[test]
fn limits() {
    replay_file("limits");
}

#[test]
fn chunks() {
    replay_file("chunks");
}

#[cfg(feature = "deflate")]
#[test]
fn deflate() {
    replay_file("deflate");
}

#[test]
fn sessions() {
    replay_file("sessions");
}

/// Every error kind the engine reports appears in at least one vector.
#[test]
fn every_error_kind_has_a_vector() {
    use sansocket::{HandshakeError as H, ProtocolError as P};
    let protocol = [
        P::ReservedBits,
        P::ReservedOpcode(3),
        P::ControlFrameTooLong,
        P::FragmentedControlFrame,
        P::InvalidLength,
        P::NonMinimalLength,
        P::UnmaskedFrame,
        P::MaskedFrame,
        P::UnexpectedContinuation,
        P::ExpectedContinuation,
        P::InvalidUtf8,
        P::InvalidClosePayload,
        P::InvalidCloseCode(0),
        P::FrameTooLarge,
        P::MessageTooLarge,
        P::TooManyFragments,
        P::InvalidCompressedData,
        P::CompressedContinuation,
        P::AbnormalClosure,
        P::EarlyDataTooLarge,
    ];
    let handshake = [
        H::Malformed(String::new()),
        H::HeadTooLarge,
        H::TooManyHeaders,
        H::MethodNotAllowed(String::new()),
        H::HttpVersion,
        H::InvalidHost,
        H::UpgradeRequired,
        H::InvalidUpgrade,
        H::InvalidConnection,
        H::UnsupportedVersion,
        H::InvalidKey,
        H::ForbiddenOrigin,
        H::InvalidAccept,
        H::UnexpectedSubprotocol(String::new()),
        H::UnexpectedExtension(String::new()),
        H::ConnectionClosed,
    ];
    let mut seen = Vec::new();
    for file in FILES {
        for case in load(file) {
            for step in case["steps"].as_array().unwrap() {
                for e in step["events"].as_array().into_iter().flatten() {
                    if e["type"] == "error" {
                        seen.push(e.clone());
                    }
                }
            }
        }
    }
    for p in protocol {
        let want =
            serde_json::json!({"type": "error", "kind": p.name(), "close_code": p.close_code()});
        assert!(seen.contains(&want), "no vector for {want}");
    }
    for h in handshake {
        let found = seen.iter().any(|e| {
            e["kind"] == h.name()
                && (e.get("status").is_none() || e["status"] == h.status().map_or(0, u64::from))
        });
        assert!(found, "no vector for {}", h.name());
        if let Some(status) = h.status() {
            let server = serde_json::json!({"type": "error", "kind": h.name(), "status": status});
            assert!(seen.contains(&server), "no server vector for {server}");
        }
    }
}

#[test]
fn every_vector_file_is_replayed_and_names_are_unique() {
    let mut on_disk: Vec<String> = std::fs::read_dir(dir())
        .expect("tests/vectors")
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            name.strip_suffix(".json").map(str::to_owned)
        })
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = FILES.iter().map(|f| (*f).to_owned()).collect();
    listed.sort();
    assert_eq!(on_disk, listed);
    for file in FILES {
        let mut names: Vec<String> = load(file)
            .iter()
            .map(|c| c["name"].as_str().unwrap().to_owned())
            .collect();
        let count = names.len();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), count, "duplicate case names in {file}.json");
    }
}
