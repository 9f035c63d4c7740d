//! The WebSocket helpers: subprotocol preference and version caps, text or binary messages.

use sansocket_stomp::{
    Command, Frame, SUBPROTOCOLS, Version, encode, frame_is_binary, is_binary,
    subprotocol_for_version, version_for_subprotocol,
};

#[test]
fn subprotocols_most_preferred_first() {
    assert_eq!(SUBPROTOCOLS, ["v12.stomp", "v11.stomp", "v10.stomp"]);
    for v in Version::ALL {
        assert_eq!(version_for_subprotocol(Some(subprotocol_for_version(v))), v);
    }
    // No subprotocol (stomp.py) or another one: accept-version alone decides.
    assert_eq!(version_for_subprotocol(None), Version::V1_2);
    assert_eq!(version_for_subprotocol(Some("chat")), Version::V1_2);
}

#[test]
fn binary_iff_the_body_is_not_utf8() {
    let text = Frame::new(Command::Send)
        .with_header("destination", "/a")
        .with_body("héllo");
    let binary = Frame::new(Command::Send)
        .with_header("destination", "/a")
        .with_body(vec![0xff, 0, 1]);
    let nul = Frame::new(Command::Send).with_body(vec![0, 0]);
    assert!(!frame_is_binary(&text));
    assert!(frame_is_binary(&binary));
    assert!(!frame_is_binary(&nul));
    assert!(!is_binary(&encode(&text, Version::V1_2).unwrap()));
    assert!(is_binary(&encode(&binary, Version::V1_2).unwrap()));
    assert!(!is_binary(b"\n"));
}
