"""Replays the shared vectors (``tests/vectors/*.json``, format in its README) through the
binding, expecting the same events, bytes and states as the Rust runner
(``core/tests/vectors.rs``), whose logic this follows.

Each case runs as given, then with each run of consecutive ``receive`` steps joined and cut
in two at every offset (a sample above 4096 bytes, as the Rust runner does), then byte by
byte (inputs up to ``BYTEWISE_UP_TO`` bytes: the Rust runner covers longer ones, and this
checks the binding's conversions, not the engine's buffering again).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import pytest

import sansocket as ss

VECTORS = Path(__file__).resolve().parents[2] / "tests" / "vectors"
FILES = sorted(p.stem for p in VECTORS.glob("*.json"))
ACTIONS = ("accept", "reject", "send_text", "send_binary", "send_fragment", "ping", "pong", "close")
EVERY_OFFSET_UP_TO = 4096
BYTEWISE_UP_TO = 4096


# ---- the JSON forms --------------------------------------------------------------------


def spec_bytes(spec: Any) -> bytes:
    """A bytes spec: a hex string, or a list of hex strings and {text|hex, repeat?} parts."""
    if isinstance(spec, str):
        return bytes.fromhex(spec)
    out = bytearray()
    for part in spec:
        if isinstance(part, str):
            out += bytes.fromhex(part)
        else:
            unit = part["text"].encode() if "text" in part else bytes.fromhex(part["hex"])
            out += unit * part.get("repeat", 1)
    return bytes(out)


def event_json(event: Any, chunks: bool) -> Dict[str, Any]:
    """A binding event as the vectors write it."""
    if isinstance(event, ss.Request):
        key = next(v for n, v in event.headers if n.lower() == b"sec-websocket-key")
        return {
            "type": "request",
            "target": event.target,
            "host": event.host,
            "origin": event.origin,
            "key": key.decode(),
            "subprotocols": list(event.subprotocols),
            "extensions": list(event.extensions),
        }
    if isinstance(event, ss.AcceptConnection):
        return {
            "type": "accepted",
            "subprotocol": event.subprotocol,
            "extensions": list(event.extensions),
        }
    if isinstance(event, ss.RejectConnection):
        return {
            "type": "rejected",
            "status": event.status_code,
            "reason": event.reason,
            "body_hex": event.body.hex(),
        }
    if isinstance(event, ss.TextMessage):
        assert isinstance(event.data, str)
        if not chunks:
            assert event.message_finished is True
            return {"type": "text", "data": event.data}
        return {"type": "chunk", "kind": "text", "data": event.data, "fin": event.message_finished}
    if isinstance(event, ss.BytesMessage):
        assert isinstance(event.data, bytes)
        if not chunks:
            assert event.message_finished is True
            return {"type": "binary", "data_hex": event.data.hex()}
        return {
            "type": "chunk",
            "kind": "binary",
            "data_hex": event.data.hex(),
            "fin": event.message_finished,
        }
    if isinstance(event, ss.Ping):
        return {"type": "ping", "data_hex": event.payload.hex()}
    if isinstance(event, ss.Pong):
        return {"type": "pong", "data_hex": event.payload.hex()}
    if isinstance(event, ss.CloseConnection):
        return {"type": "close", "code": event.code, "reason": event.reason}
    raise AssertionError(f"unknown event {event!r}")


def error_json(exc: ss.WebSocketError) -> Dict[str, Any]:
    if isinstance(exc, ss.RemoteProtocolError):
        assert isinstance(exc.code, int) and str(exc)
        return {"type": "error", "kind": exc.kind, "close_code": exc.code}
    assert isinstance(exc, ss.HandshakeError), exc
    if exc.status_code is not None:
        return {"type": "error", "kind": exc.kind, "status": exc.status_code}
    return {"type": "error", "kind": exc.kind}


def expected_json(event: Dict[str, Any]) -> Dict[str, Any]:
    e = dict(event)
    for key in ("data_hex", "body_hex"):
        if key in e:
            e[key] = spec_bytes(e[key]).hex()
    if isinstance(e.get("data"), list):
        e["data"] = spec_bytes(e["data"]).decode()
    return e


def merge_chunks(events: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """As the Rust runner: merge consecutive chunks of a message, and drop an unfinished
    message cut short by an error."""
    out: List[Dict[str, Any]] = []
    for e in events:
        if e["type"] == "error" and out and out[-1]["type"] == "chunk" and not out[-1]["fin"]:
            out.pop()
        last = out[-1] if out and out[-1]["type"] == "chunk" and not out[-1]["fin"] else None
        if last is not None and e["type"] == "chunk":
            for key in ("data", "data_hex"):
                if key in last and key in e:
                    last[key] = last[key] + e[key]
            last["fin"] = e["fin"]
        else:
            out.append(dict(e))
    return out


# ---- connections and actions -------------------------------------------------------------


def options(case: Dict[str, Any]) -> Dict[str, Any]:
    return dict(case.get("config", {}))


def connect(case: Dict[str, Any]) -> ss.Connection:
    opts = options(case)
    if case["role"] == "server":
        if case.get("open"):
            return ss.ServerConnection.opened(case.get("subprotocol"), **opts)
        return ss.ServerConnection(**opts)
    seed = case["seed"]
    if case.get("open"):
        return ss.ClientConnection.opened(case.get("subprotocol"), insecure_seed=seed, **opts)
    r = case["request"]
    conn = ss.ClientConnection(
        r["host"],
        r.get("target") or "/",
        subprotocols=r.get("subprotocols") or [],
        origin=r.get("origin"),
        extensions=r.get("extensions") or [],
        extra_headers=[tuple(h) for h in r.get("headers", [])],
        insecure_seed=seed,
        **opts,
    )
    return conn


def perform(conn: ss.Connection, action: str, arg: Any) -> bool:
    """Performs the action; True if the binding refused it with LocalProtocolError."""
    try:
        if action == "accept":
            assert isinstance(conn, ss.ServerConnection)
            conn.accept(
                subprotocol=arg.get("subprotocol"),
                extra_headers=[tuple(h) for h in arg.get("headers", [])],
            )
        elif action == "reject":
            assert isinstance(conn, ss.ServerConnection)
            conn.reject(
                arg["status"],
                [tuple(h) for h in arg.get("headers", [])],
                spec_bytes(arg.get("body", "")),
            )
        elif action == "send_text":
            conn.send_text(arg)
        elif action == "send_binary":
            conn.send_binary(spec_bytes(arg))
        elif action == "send_fragment":
            conn.send_fragment(arg["kind"], spec_bytes(arg["data"]), arg["fin"])
        elif action == "ping":
            conn.ping(spec_bytes(arg))
        elif action == "pong":
            conn.pong(spec_bytes(arg))
        elif action == "close":
            conn.close(arg[0], arg[1])
        else:
            raise AssertionError(f"unknown action {action}")
    except ss.LocalProtocolError as exc:
        assert exc.kind and str(exc)
        return True
    return False


def drain(conn: ss.Connection, events: List[Dict[str, Any]], chunks: bool) -> None:
    """Iterates events() to its end; a failure raises after the events decoded before it,
    and a new events() then goes on (it ends at once: the connection is over)."""
    for _ in range(1_000):
        try:
            for event in conn.events():
                events.append(event_json(event, chunks))
            return
        except ss.WebSocketError as exc:
            events.append(error_json(exc))
    raise AssertionError("events() kept failing")


# ---- replay ----------------------------------------------------------------------------


Group = Tuple[List[Dict[str, Any]], Optional[bytes]]


def groups(case: Dict[str, Any], merge: bool) -> List[Group]:
    out: List[Group] = []
    for step in case["steps"]:
        if "receive" in step:
            data = spec_bytes(step["receive"])
            if merge and out and out[-1][1] is not None:
                steps, prev = out[-1]
                out[-1] = (steps + [step], (prev or b"") + data)
            else:
                out.append(([step], data))
        else:
            out.append(([step], None))
    return out


def pieces(data: bytes, index: int, split: Any) -> List[bytes]:
    if isinstance(split, tuple) and split[0] == index:
        return [data[: split[1]], data[split[1] :]]
    if split == "bytewise" and data:
        return [data[i : i + 1] for i in range(len(data))]
    return [data]


def http_check(out: bytes, spec: Dict[str, Any]) -> None:
    head, sep, body = out.partition(b"\r\n\r\n")
    assert sep, "no HTTP head"
    lines = head.decode("latin-1").split("\r\n")
    assert lines[0].startswith(f"HTTP/1.1 {spec['status']} "), lines[0]
    headers = [tuple(line.split(": ", 1)) for line in lines[1:] if ": " in line]
    lower = [(n.lower(), v) for n, v in headers]
    for name, value in spec["headers"]:
        assert (name.lower(), value) in lower, f"no header {name}: {value} in {lines}"
    for name, value in lower:
        if name == "content-length":
            assert int(value) == len(body)


def run(case: Dict[str, Any], grouped: List[Group], split: Any, exact: bool) -> None:
    chunks = case.get("config", {}).get("delivery") == "chunks"
    conn = connect(case)
    initial = conn.data_to_send()
    assert isinstance(initial, bytes)
    if "initial_data_to_send" in case:
        assert initial == spec_bytes(case["initial_data_to_send"])
    elif case["role"] == "server":
        assert initial == b""
    for index, (steps, data) in enumerate(grouped):
        where = f"step group {index}"
        events: List[Dict[str, Any]] = []
        refused = None
        if data is not None:
            for piece in pieces(data, index, split):
                conn.receive_data(piece)
                drain(conn, events, chunks)
        else:
            step = steps[0]
            if "eof" in step:
                conn.receive_eof()
            else:
                action = next(k for k in step if k in ACTIONS)
                refused = perform(conn, action, step[action])
            drain(conn, events, chunks)
        out = conn.data_to_send()
        expected = [expected_json(e) for s in steps for e in s.get("events", [])]
        if chunks and not exact:
            expected, events = merge_chunks(expected), merge_chunks(events)
        assert events == expected, f"{where}: events"
        if refused is not None:
            assert refused == steps[0].get("usage_error", False), f"{where}: usage error"
            if refused:
                assert out == b"", f"{where}: a refused action queued bytes"
        if all("data_to_send" in s for s in steps):
            want = b"".join(spec_bytes(s["data_to_send"]) for s in steps)
            assert out == want, f"{where}: data_to_send"
        https = [s["http_response"] for s in steps if "http_response" in s]
        if len(https) == 1:
            http_check(out, https[0])
        last = steps[-1]
        if "state" in last:
            assert conn.state == getattr(ss.ConnectionState, last["state"].upper()), where
        if "should_close_transport" in last:
            assert conn.should_close_transport is last["should_close_transport"], where


def offsets(n: int) -> List[int]:
    if n <= EVERY_OFFSET_UP_TO:
        return list(range(1, n))
    picked = set(range(1, 65)) | set(range(n - 64, n)) | set(range(64, n - 64, max(1, n // 64)))
    return sorted(picked)


def cases() -> List[Any]:
    out = []
    for f in FILES:
        doc = json.loads((VECTORS / f"{f}.json").read_text())
        for case in doc["cases"]:
            out.append(pytest.param(case, id=f"{f}/{case['name']}"))
    return out


def test_vectors_exist() -> None:
    assert len(FILES) >= 10, f"expected the shared vectors in {VECTORS}"


@pytest.mark.parametrize("case", cases())
def test_vector(case: Dict[str, Any]) -> None:
    run(case, groups(case, merge=False), None, exact=True)
    merged = groups(case, merge=True)
    for index, (_, data) in enumerate(merged):
        if data is None:
            continue
        for offset in offsets(len(data)):
            run(case, merged, (index, offset), exact=False)
    if all(data is None or len(data) <= BYTEWISE_UP_TO for _, data in merged):
        run(case, merged, "bytewise", exact=False)
