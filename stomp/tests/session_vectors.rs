//! Replays the server session vectors of `tests/vectors/stomp/server.json` (format:
//! `tests/vectors/stomp/README.md`), with each `receive` fed whole and byte by byte.

use std::path::PathBuf;

use sansocket_stomp::{
    DecodeEvent, Decoder, HeartBeat, Limits, ServerConfig, ServerEvent, ServerSession, Version,
};
use serde_json::{Value, json};

fn load() -> Vec<Value> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/stomp/server.json");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    doc["cases"].as_array().unwrap().clone()
}

fn config(case: &Value) -> ServerConfig {
    let mut c = ServerConfig::default();
    let Some(obj) = case.get("config").and_then(Value::as_object) else {
        return c;
    };
    for (k, v) in obj {
        c = match k.as_str() {
            "max_version" => c.max_version(Version::parse(v.as_str().unwrap()).unwrap()),
            "heart_beat" => c.heart_beat(HeartBeat::new(
                v[0].as_u64().unwrap(),
                v[1].as_u64().unwrap(),
            )),
            "grace" => c.grace(v.as_f64().unwrap()),
            "server_name" => c.server_name(v.as_str().map(str::to_owned)),
            "limits" => {
                let mut l = Limits::default();
                for (name, n) in v.as_object().unwrap() {
                    let n = usize::try_from(n.as_u64().unwrap()).unwrap();
                    l = match name.as_str() {
                        "max_headers" => l.max_headers(n),
                        "max_line" => l.max_line(n),
                        "max_header_block" => l.max_header_block(n),
                        "max_body" => l.max_body(n),
                        other => panic!("unknown limit {other}"),
                    };
                }
                c.limits(l)
            }
            other => panic!("unknown config key {other}"),
        };
    }
    c
}

fn event_json(e: &ServerEvent) -> Value {
    match e {
        ServerEvent::Connect(r) => json!({
            "type": "connect", "version": r.version.as_str(), "login": r.login, "passcode": r.passcode,
            "host": r.host, "heart_beat": [r.heart_beat.send, r.heart_beat.receive],
        }),
        ServerEvent::Frame(f) => {
            let headers: Vec<Value> = f.headers().iter().map(|(n, v)| json!([n, v])).collect();
            let mut v =
                json!({"type": "frame", "command": f.command().as_str(), "headers": headers});
            if !f.body().is_empty() {
                v["body"] = json!(String::from_utf8_lossy(f.body()));
            }
            v
        }
        ServerEvent::Disconnect(_) => json!({"type": "disconnect"}),
        ServerEvent::HeartBeat => json!({"type": "heart-beat"}),
        _ => panic!("unknown event"),
    }
}

fn drain(s: &mut ServerSession) -> Vec<Value> {
    let mut out = Vec::new();
    loop {
        match s.next_event() {
            Ok(Some(e)) => out.push(event_json(&e)),
            Ok(None) => return out,
            Err(e) => out.push(json!({"type": "error", "kind": e.kind()})),
        }
    }
}

fn check_sent(name: &str, out: &mut Decoder, bytes: &[u8], expected: &[Value]) {
    out.receive_data(bytes);
    let mut got = Vec::new();
    while let Some(e) = out
        .next_event()
        .unwrap_or_else(|e| panic!("{name}: invalid output: {e}"))
    {
        got.push(e);
    }
    assert_eq!(
        got.len(),
        expected.len(),
        "{name}: sent {got:?}, expected {expected:?}"
    );
    for (g, x) in got.iter().zip(expected) {
        match g {
            DecodeEvent::HeartBeat => assert_eq!(x["heart-beat"], json!(true), "{name}"),
            DecodeEvent::Frame(f) => {
                assert_eq!(
                    f.command().as_str(),
                    x["command"].as_str().unwrap(),
                    "{name}"
                );
                if f.command() == sansocket_stomp::Command::Connected {
                    let v = f
                        .header("version")
                        .and_then(Version::parse)
                        .unwrap_or(Version::V1_0);
                    out.set_version(v);
                }
                for h in x["headers"].as_array().unwrap() {
                    let (n, v) = (h[0].as_str().unwrap(), h[1].as_str().unwrap());
                    assert!(
                        f.headers().iter().any(|(a, b)| a == n && b == v),
                        "{name}: no {n}:{v} in {f:?}"
                    );
                }
                if let Some(body) = x.get("body") {
                    assert_eq!(f.body(), body.as_str().unwrap().as_bytes(), "{name}");
                }
            }
            _ => panic!(),
        }
    }
}

fn run(case: &Value, bytewise: bool) {
    let name = case["name"].as_str().unwrap();
    let mut now = 0;
    let mut s = ServerSession::new(config(case), now);
    let mut out = Decoder::new(Version::V1_2, Limits::default());
    for step in case["steps"].as_array().unwrap() {
        if let Some(t) = step.get("now").and_then(Value::as_u64) {
            now = t;
        }
        if let Some(data) = step.get("receive") {
            let data = data.as_str().unwrap().as_bytes();
            if bytewise {
                for b in data.chunks(1) {
                    s.receive_data(b, now);
                }
            } else {
                s.receive_data(data, now);
            }
        } else if let Some(a) = step.get("accept") {
            s.accept(a.get("session").and_then(Value::as_str)).unwrap();
        } else if let Some(m) = step.get("reject") {
            s.reject(m.as_str().unwrap()).unwrap();
        } else if let Some(r) = step.get("send_receipt") {
            s.send_receipt(r.as_str().unwrap()).unwrap();
        } else if let Some(t) = step.get("handle_timeout") {
            now = t.as_u64().unwrap();
            s.handle_timeout(now);
        } else if step.get("eof").is_some() {
            s.receive_eof();
        } else {
            panic!("{name}: a step without an input or action");
        }
        let events = drain(&mut s);
        let expected = step
            .get("events")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        assert_eq!(events, expected, "{name}: events (bytewise: {bytewise})");
        let sent = step
            .get("sent")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        check_sent(name, &mut out, &s.data_to_send(now), &sent);
        if let Some(v) = step.get("should_close_transport") {
            assert_eq!(s.should_close_transport(), v.as_bool().unwrap(), "{name}");
        }
        if let Some(v) = step.get("poll_timeout") {
            assert_eq!(s.poll_timeout(), v.as_u64(), "{name}: poll_timeout");
        }
    }
}

#[test]
fn server_vectors() {
    let cases = load();
    assert!(cases.len() >= 20);
    for case in &cases {
        run(case, false);
        run(case, true);
    }
}
