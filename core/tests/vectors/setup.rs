//! Building a case's connection and performing its actions.

#[cfg(feature = "deflate")]
use sansocket::deflate::DeflateConfig;
use sansocket::{
    Accept, ClientRequest, Config, Connection, Delivery, MessageKind, SeededEntropy, State,
    UsageError,
};
use serde_json::Value;

use super::json::bytes;

/// `Config::default()` with the case's overrides (snake_case field names).
pub(crate) fn config(case: &Value) -> Config {
    let mut c = Config::default();
    let Some(overrides) = case.get("config") else {
        return c;
    };
    for (key, v) in overrides.as_object().expect("config is an object") {
        let size = || usize::try_from(v.as_u64().expect("a size")).unwrap();
        match key.as_str() {
            "max_frame_size" => c.max_frame_size = size(),
            "max_message_size" => c.max_message_size = size(),
            "max_fragments" => c.max_fragments = size(),
            "max_handshake_size" => c.max_handshake_size = size(),
            "max_headers" => c.max_headers = size(),
            "max_rejection_body" => c.max_rejection_body = size(),
            "auto_pong" => c.auto_pong = v.as_bool().expect("auto_pong"),
            "require_origin" => c.require_origin = v.as_bool().expect("require_origin"),
            "allowed_origins" => c.allowed_origins = v.as_array().map(|a| strings(a)),
            #[cfg(feature = "deflate")]
            "deflate" => c.deflate = deflate(v),
            // Only `deflate.json` sets it, and it is not replayed without the feature.
            #[cfg(not(feature = "deflate"))]
            "deflate" => assert!(v.is_null(), "permessage-deflate needs the feature"),
            "delivery" => {
                c.delivery = match v.as_str() {
                    Some("messages") => Delivery::Messages,
                    Some("chunks") => Delivery::Chunks,
                    _ => panic!("bad delivery {v}"),
                }
            }
            other => panic!("unknown config field {other}"),
        }
    }
    c
}

#[cfg(feature = "deflate")]
/// `null`, or `{}` with overrides of `DeflateConfig::default()`.
fn deflate(v: &Value) -> Option<DeflateConfig> {
    let overrides = v.as_object()?;
    let mut d = DeflateConfig::default();
    for (key, v) in overrides {
        let n = || v.as_u64().expect("a number");
        match key.as_str() {
            "max_window_bits" => d.max_window_bits = u8::try_from(n()).unwrap(),
            "level" => d.level = u32::try_from(n()).unwrap(),
            "min_size" => d.min_size = usize::try_from(n()).unwrap(),
            "no_context_takeover" => d.no_context_takeover = v.as_bool().expect("a bool"),
            "request_peer_no_context_takeover" => {
                d.request_peer_no_context_takeover = v.as_bool().expect("a bool");
            }
            other => panic!("unknown deflate field {other}"),
        }
    }
    Some(d)
}

fn strings(a: &[Value]) -> Vec<String> {
    a.iter()
        .map(|s| s.as_str().expect("a string").to_owned())
        .collect()
}

fn string(v: &Value) -> Option<String> {
    v.as_str().map(str::to_owned)
}

/// The case's connection, started as it says.
pub(crate) fn connect(case: &Value) -> Connection {
    let config = config(case);
    let open = case["open"].as_bool().unwrap_or(false);
    let subprotocol = string(&case["subprotocol"]);
    let seed = || SeededEntropy::new(case["seed"].as_u64().expect("a client case has a seed"));
    match (case["role"].as_str(), open) {
        (Some("server"), false) => Connection::server(config),
        (Some("server"), true) => Connection::open_server(config, subprotocol),
        (Some("client"), true) => Connection::open_client(config, subprotocol, seed()),
        (Some("client"), false) => {
            Connection::client(client_request(&case["request"]), config, seed())
                .expect("the case's request is valid")
        }
        _ => panic!("bad role"),
    }
}

fn client_request(r: &Value) -> ClientRequest {
    let mut req = ClientRequest::new(
        r["host"].as_str().expect("request.host"),
        r["target"].as_str().unwrap_or("/"),
    );
    req.origin = string(&r["origin"]);
    req.subprotocols = r["subprotocols"].as_array().map_or(vec![], |a| strings(a));
    req.extensions = r["extensions"].as_array().map_or(vec![], |a| strings(a));
    req.headers = pairs(&r["headers"]);
    req
}

fn pairs(v: &Value) -> Vec<(String, String)> {
    v.as_array().map_or(vec![], |a| {
        a.iter()
            .map(|p| {
                let s = strings(p.as_array().expect("a [name, value] pair"));
                (s[0].clone(), s[1].clone())
            })
            .collect()
    })
}

/// The action keys a step may have.
pub(crate) const ACTIONS: [&str; 8] = [
    "accept",
    "reject",
    "send_text",
    "send_binary",
    "send_fragment",
    "ping",
    "pong",
    "close",
];

/// Performs the step's action.
pub(crate) fn perform(conn: &mut Connection, action: &str, arg: &Value) -> Result<(), UsageError> {
    match action {
        "accept" => conn.accept(Accept {
            subprotocol: string(&arg["subprotocol"]),
            headers: pairs(&arg["headers"]),
            ..Accept::default()
        }),
        "reject" => {
            let headers = pairs(&arg["headers"]);
            let refs: Vec<(&str, &str)> = headers
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .collect();
            let body = arg.get("body").map_or(vec![], bytes);
            let status = u16::try_from(arg["status"].as_u64().expect("status")).unwrap();
            conn.reject(status, &refs, &body)
        }
        "send_text" => conn.send_text(arg.as_str().expect("send_text takes a string")),
        "send_binary" => conn.send_binary(&bytes(arg)),
        "send_fragment" => {
            let kind = match arg["kind"].as_str() {
                Some("text") => MessageKind::Text,
                Some("binary") => MessageKind::Binary,
                _ => panic!("bad fragment kind"),
            };
            let fin = arg["fin"].as_bool().expect("fin");
            conn.send_fragment(kind, &bytes(&arg["data"]), fin)
        }
        "ping" => conn.ping(&bytes(arg)),
        "pong" => conn.pong(&bytes(arg)),
        "close" => {
            let code = u16::try_from(arg[0].as_u64().expect("code")).unwrap();
            conn.close(code, arg[1].as_str().expect("reason"))
        }
        other => panic!("unknown action {other}"),
    }
}

/// The state as the vectors write it.
pub(crate) fn state_name(s: State) -> &'static str {
    match s {
        State::Connecting => "connecting",
        State::Open => "open",
        State::Closing => "closing",
        State::Closed => "closed",
    }
}
