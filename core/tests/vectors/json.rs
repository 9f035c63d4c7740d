//! The JSON side of the vectors: bytes specs, events as JSON objects, chunk merging.

use sansocket::{Error, Event, MessageKind, Role};
use serde_json::{Value, json};

/// Decodes a bytes spec: a hex string, or a list of hex strings, `{"text", "repeat"?}` and
/// `{"hex", "repeat"?}` parts.
pub(crate) fn bytes(spec: &Value) -> Vec<u8> {
    match spec {
        Value::String(h) => unhex(h),
        Value::Array(parts) => parts.iter().flat_map(part).collect(),
        other => panic!("not a bytes spec: {other}"),
    }
}

fn part(p: &Value) -> Vec<u8> {
    match p {
        Value::String(h) => unhex(h),
        Value::Object(o) => {
            let unit = match (o.get("text"), o.get("hex")) {
                (Some(Value::String(t)), None) => t.as_bytes().to_vec(),
                (None, Some(Value::String(h))) => unhex(h),
                _ => panic!("bad bytes part: {p}"),
            };
            let repeat = o.get("repeat").map_or(1, |n| n.as_u64().expect("repeat"));
            unit.repeat(usize::try_from(repeat).expect("repeat"))
        }
        other => panic!("bad bytes part: {other}"),
    }
}

/// Hex digits, whitespace ignored.
pub(crate) fn unhex(h: &str) -> Vec<u8> {
    let nibble = |d: u8| match d {
        b'0'..=b'9' => d - b'0',
        b'a'..=b'f' => d - b'a' + 10,
        b'A'..=b'F' => d - b'A' + 10,
        _ => panic!("not a hex digit in {h:?}"),
    };
    let digits: Vec<u8> = h.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    assert!(digits.len().is_multiple_of(2), "odd hex length in {h:?}");
    digits
        .chunks(2)
        .map(|p| nibble(p[0]) << 4 | nibble(p[1]))
        .collect()
}

/// Lowercase hex.
pub(crate) fn hex(b: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        s.push(char::from(DIGITS[usize::from(x >> 4)]));
        s.push(char::from(DIGITS[usize::from(x & 0xf)]));
    }
    s
}

fn utf8(b: &[u8], what: &str) -> String {
    String::from_utf8(b.to_vec()).unwrap_or_else(|_| panic!("{what} is not UTF-8: {}", hex(b)))
}

/// An event as the vectors write it.
pub(crate) fn event(e: &Event) -> Value {
    match e {
        Event::Request(r) => json!({
            "type": "request", "target": r.target, "host": r.host, "origin": r.origin,
            "key": r.key, "subprotocols": r.subprotocols,
            "extensions": r.extensions.iter().map(ToString::to_string).collect::<Vec<_>>(),
        }),
        Event::Accepted(r) => json!({
            "type": "accepted", "subprotocol": r.subprotocol,
            "extensions": r.extensions.iter().map(ToString::to_string).collect::<Vec<_>>(),
        }),
        Event::Rejected(r) => json!({
            "type": "rejected", "status": r.status, "reason": r.reason, "body_hex": hex(&r.body),
        }),
        Event::Text(t) => json!({"type": "text", "data": utf8(t.as_bytes(), "a text message")}),
        Event::Binary(b) => json!({"type": "binary", "data_hex": hex(b)}),
        Event::Chunk {
            kind: MessageKind::Text,
            data,
            fin,
        } => json!({
            "type": "chunk", "kind": "text", "data": utf8(data, "a text chunk"), "fin": fin,
        }),
        Event::Chunk {
            kind: MessageKind::Binary,
            data,
            fin,
        } => json!({
            "type": "chunk", "kind": "binary", "data_hex": hex(data), "fin": fin,
        }),
        Event::Ping(b) => json!({"type": "ping", "data_hex": hex(b)}),
        Event::Pong(b) => json!({"type": "pong", "data_hex": hex(b)}),
        Event::Close(c) => json!({"type": "close", "code": c.code, "reason": c.reason}),
    }
}

/// An error as the vectors write it: a protocol error with its close code, a handshake
/// error with the status of the HTTP answer a server queued (none on a client).
pub(crate) fn error(e: &Error, role: Role) -> Value {
    match e {
        Error::Protocol(p) => {
            json!({"type": "error", "kind": p.name(), "close_code": p.close_code()})
        }
        Error::Handshake(h) => match (role, h.status()) {
            (Role::Server, Some(status)) => {
                json!({"type": "error", "kind": h.name(), "status": status})
            }
            _ => json!({"type": "error", "kind": h.name()}),
        },
        other => panic!("a kind of error the vectors do not know: {other:?}"),
    }
}

/// An expected event with its bytes specs decoded, comparable with [`event`].
pub(crate) fn expected(e: &Value) -> Value {
    let mut e = e.clone();
    let obj = e.as_object_mut().expect("an event is an object");
    for key in ["data_hex", "body_hex"] {
        if let Some(spec) = obj.get(key) {
            let decoded = hex(&bytes(spec));
            obj.insert(key.into(), decoded.into());
        }
    }
    if let Some(spec @ Value::Array(_)) = obj.get("data") {
        let decoded = utf8(&bytes(spec), "expected text");
        obj.insert("data".into(), decoded.into());
    }
    e
}

/// Chunk boundaries depend on how input is split: merges consecutive chunks of one
/// message, then drops an unfinished message cut short by an error (how much of it was
/// delivered depends on the split too).
pub(crate) fn merge_chunks(events: Vec<Value>) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    for e in events {
        if e["type"] == "error" && out.last().is_some_and(|l| is_chunk(l) && l["fin"] == false) {
            out.pop();
        }
        let open = out.last_mut().filter(|l| is_chunk(l) && l["fin"] == false);
        match open {
            Some(last) if is_chunk(&e) => {
                for key in ["data", "data_hex"] {
                    if let (Some(Value::String(a)), Some(Value::String(b))) =
                        (last.get(key).cloned(), e.get(key))
                    {
                        last[key] = format!("{a}{b}").into();
                    }
                }
                last["fin"] = e["fin"].clone();
            }
            _ => out.push(e),
        }
    }
    out
}

fn is_chunk(e: &Value) -> bool {
    e["type"] == "chunk"
}
