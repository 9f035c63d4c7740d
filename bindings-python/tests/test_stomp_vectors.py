"""Replays the STOMP decoder vectors (``tests/vectors/stomp/*.json``, format in its README)
through ``sansocket.stomp.Decoder``, as the Rust runner (``stomp/tests/vectors.rs``) does:
each input whole, cut in two at every offset (a sample of offsets above 4096 bytes), and
byte by byte (inputs up to 4096 bytes). Every way must give the listed events."""

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
