"""Replays the STOMP vectors (``tests/vectors/stomp/*.json``, format in its README) as the
Rust runners do: the decoder files through ``sansocket.stomp.Decoder`` (``stomp/tests/
vectors.rs``: each input whole, cut in two at every offset, a sample of offsets above 4096
bytes, and byte by byte up to 4096 bytes), and ``server.json`` through
``sansocket.stomp.ServerSession`` (``stomp/tests/session_vectors.rs``: whole and byte by
byte). Every way must give the listed events and bytes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, Iterable, List

import pytest

from sansocket import stomp

VECTORS = Path(__file__).resolve().parents[2] / "tests" / "vectors" / "stomp"
EVERY_OFFSET_UP_TO = 4096
BYTEWISE_UP_TO = 4096


def load() -> List[Any]:
    cases = []
    for path in sorted(VECTORS.glob("*.json")):
        if path.name == "server.json":
            continue
        for case in json.loads(path.read_text())["cases"]:
            cases.append(pytest.param(case, id=f"{path.stem}/{case['name']}"))
    return cases


CASES = load()


def case_input(case: Dict[str, Any]) -> bytes:
    return bytes.fromhex(case["input_hex"]) if "input_hex" in case else case["input"].encode()


def decoder(case: Dict[str, Any]) -> stomp.Decoder:
    limits = stomp.Limits(**case.get("limits", {}))
    return stomp.Decoder(case["version"], limits)


def expected(case: Dict[str, Any]) -> List[Dict[str, Any]]:
    """The case's events, bodies as hex (a body may be written as text or as hex)."""
    out = []
    for event in case["events"]:
        event = dict(event)
        if event["type"] == "frame":
            body = bytes.fromhex(event.pop("body_hex")) if "body_hex" in event else event.pop("body", "").encode()
            event["body_hex"] = body.hex()
            event["headers"] = [list(h) for h in event["headers"]]
        out.append(event)
    return out


def replay(case: Dict[str, Any], pieces: Iterable[bytes]) -> List[Dict[str, Any]]:
    """Feeds the pieces, draining the decoder after each, and records the events."""
    dec = decoder(case)
    events: List[Dict[str, Any]] = []
    for piece in pieces:
        dec.receive_data(piece)
        while True:
            try:
                event = dec.next_event()
            except stomp.StompDecodeError as e:
                assert dec.has_failed
                assert dec.next_event() is None
                events.append({"type": "error", "kind": e.kind})
                return events
            if event is None:
                break
            if isinstance(event, stomp.HeartBeat):
                events.append({"type": "heart-beat"})
            else:
                assert isinstance(event, stomp.Frame)
                events.append(
                    {
                        "type": "frame",
                        "command": event.command,
                        "headers": [list(h) for h in event.headers],
                        "body_hex": event.body.hex(),
                    }
                )
    return events


def offsets(n: int) -> Iterable[int]:
    if n <= EVERY_OFFSET_UP_TO:
        return range(n + 1)
    return sorted({*range(0, 64), *range(n - 64, n + 1), *range(0, n, max(1, n // 512))})


@pytest.mark.parametrize("case", CASES)
def test_whole(case: Dict[str, Any]) -> None:
    assert replay(case, [case_input(case)]) == expected(case)


@pytest.mark.parametrize("case", CASES)
def test_every_split(case: Dict[str, Any]) -> None:
    data = case_input(case)
    want = expected(case)
    for cut in offsets(len(data)):
        assert replay(case, [data[:cut], data[cut:]]) == want, f"cut at {cut}"


@pytest.mark.parametrize("case", CASES)
def test_byte_by_byte(case: Dict[str, Any]) -> None:
    data = case_input(case)
    if len(data) > BYTEWISE_UP_TO:
        pytest.skip("long input: the Rust runner feeds it byte by byte")
    assert replay(case, [data[i : i + 1] for i in range(len(data))]) == expected(case)


def test_the_vectors_are_there() -> None:
    assert len(CASES) >= 50
    assert len(SERVER_CASES) >= 20


# ---- the server session (server.json) ----------------------------------------------------

SERVER_CASES = [
    pytest.param(c, id=c["name"]) for c in json.loads((VECTORS / "server.json").read_text())["cases"]
]


def server_session(case: Dict[str, Any]) -> stomp.ServerSession:
    config = dict(case.get("config", {}))
    if "heart_beat" in config:
        config["heart_beat"] = tuple(config["heart_beat"])
    if "limits" in config:
        config["limits"] = stomp.Limits(**config["limits"])
    return stomp.ServerSession(0, **config)


def server_events(session: stomp.ServerSession) -> List[Dict[str, Any]]:
    events: List[Dict[str, Any]] = []
    while True:
        try:
            event = session.next_event()
        except stomp.StompSessionError as e:
            events.append({"type": "error", "kind": e.kind})
            return events
        if event is None:
            return events
        if isinstance(event, stomp.ConnectRequest):
            events.append(
                {
                    "type": "connect",
                    "version": event.version,
                    "login": event.login,
                    "passcode": event.passcode,
                    "host": event.host,
                    "heart_beat": list(event.heart_beat),
                }
            )
        elif isinstance(event, stomp.Frame):
            e: Dict[str, Any] = {"type": "frame", "command": event.command, "headers": [list(h) for h in event.headers]}
            if event.body:
                e["body"] = event.body.decode("utf-8", "replace")
            events.append(e)
        elif isinstance(event, stomp.Disconnect):
            events.append({"type": "disconnect"})
        else:
            assert isinstance(event, stomp.HeartBeat)
            events.append({"type": "heart-beat"})


def check_sent(out: stomp.Decoder, data: bytes, expected: List[Dict[str, Any]]) -> None:
    out.receive_data(data)
    got = list(iter(out.next_event, None))
    assert len(got) == len(expected), (got, expected)
    for g, x in zip(got, expected):
        if isinstance(g, stomp.HeartBeat):
            assert x == {"heart-beat": True}
            continue
        assert isinstance(g, stomp.Frame)
        assert g.command == x["command"]
        if g.command == "CONNECTED":
            out.set_version(g.header("version") or "1.0")
        for name, value in x["headers"]:
            assert (name, value) in g.headers, (name, value, g)
        if "body" in x:
            assert g.body == x["body"].encode()


@pytest.mark.parametrize("bytewise", [False, True], ids=["whole", "byte-by-byte"])
@pytest.mark.parametrize("case", SERVER_CASES)
def test_server_session(case: Dict[str, Any], bytewise: bool) -> None:
    session = server_session(case)
    out = stomp.Decoder("1.2")
    now = 0
    for step in case["steps"]:
        now = step.get("now", now)
        if "receive" in step:
            data = step["receive"].encode()
            for piece in [data[i : i + 1] for i in range(len(data))] if bytewise else [data]:
                session.receive_data(piece, now)
        elif "accept" in step:
            session.accept(step["accept"].get("session"))
        elif "reject" in step:
            session.reject(step["reject"])
        elif "send_receipt" in step:
            session.send_receipt(step["send_receipt"])
        elif "handle_timeout" in step:
            now = step["handle_timeout"]
            session.handle_timeout(now)
        else:
            assert step.get("eof"), step
            session.receive_eof()
        assert server_events(session) == step.get("events", []), case["name"]
        check_sent(out, session.data_to_send(now), step.get("sent", []))
        if "should_close_transport" in step:
            assert session.should_close_transport == step["should_close_transport"]
        if "poll_timeout" in step:
            assert session.poll_timeout() == step["poll_timeout"]
