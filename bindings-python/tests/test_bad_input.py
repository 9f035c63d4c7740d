"""Bad input gives Python exceptions, never a crash or a Rust panic (PanicException)."""

from __future__ import annotations

import random
import sys

import pytest

import sansocket as ss

# pyo3's PanicException derives from BaseException: `except Exception` would not catch it,
# so any panic fails these tests.
WIRE_ERRORS = (ss.RemoteProtocolError, ss.HandshakeError)


def drain(conn: ss.Connection) -> None:
    for _ in range(10_000):
        try:
            for _event in conn.events():
                pass
            return
        except WIRE_ERRORS:
            pass
    raise AssertionError("events() never ended")


def frames(rng: random.Random) -> bytes:
    """Plausible-looking frames with random opcodes, flags, lengths and payloads."""
    out = bytearray()
    for _ in range(rng.randint(1, 6)):
        b0 = rng.choice([0x81, 0x82, 0x01, 0x00, 0x80, 0x88, 0x89, 0x8A, rng.randrange(256)])
        length = rng.choice([0, 1, 2, 5, 125, 126, 127, rng.randrange(300)])
        masked = rng.random() < 0.7
        if length < 126:
            out += bytes([b0, (0x80 if masked else 0) | length])
        elif length < 65536 and rng.random() < 0.8:
            out += bytes([b0, (0x80 if masked else 0) | 126]) + length.to_bytes(2, "big")
        else:
            out += bytes([b0, (0x80 if masked else 0) | 127]) + rng.randrange(1 << 64).to_bytes(
                8, "big"
            )
            length = rng.randrange(64)
        if masked:
            out += rng.randbytes(4) if hasattr(rng, "randbytes") else bytes(4)
        out += bytes(rng.randrange(256) for _ in range(min(length, 200)))
    return bytes(out)


@pytest.mark.parametrize("seed", range(4))
def test_random_bytes_after_the_handshake(seed: int) -> None:
    rng = random.Random(seed)
    for i in range(500):
        server = ss.ServerConnection.opened(
            delivery=rng.choice(["messages", "chunks"]),
            max_message_size=rng.choice([None, 10, 1000]),
            deflate=rng.random() < 0.5,
        )
        client = ss.ClientConnection.opened(insecure_seed=i)
        data = frames(rng) if i % 2 else bytes(rng.randrange(256) for _ in range(rng.randrange(64)))
        for conn in (server, client):
            for cut in range(0, len(data), max(1, len(data) // 3)):
                conn.receive_data(data[cut : cut + max(1, len(data) // 3)])
                drain(conn)
                assert isinstance(conn.data_to_send(), bytes)
            conn.receive_eof()
            drain(conn)
            assert conn.should_close_transport


@pytest.mark.parametrize("seed", range(2))
def test_random_bytes_in_the_handshake(seed: int) -> None:
    rng = random.Random(100 + seed)
    good = (
        b"GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    for _ in range(400):
        data = bytearray(good)
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        server = ss.ServerConnection(max_headers=rng.choice([1, 3, 128, 10**12]))
        server.receive_data(bytes(data))
        try:
            for event in server.events():
                if isinstance(event, ss.Request):
                    server.accept()
        except ss.HandshakeError as exc:
            assert exc.status_code in (400, 403, 405, 426, 431, 505)
            assert server.data_to_send().startswith(b"HTTP/1.1 ")
        client = ss.ClientConnection("h", insecure_seed=seed)
        client.data_to_send()
        client.receive_data(bytes(data).replace(b"GET / HTTP/1.1", b"HTTP/1.1 101 OK", 1))
        client.receive_eof()
        drain(client)


def test_wrong_argument_types() -> None:
    conn = ss.ServerConnection.opened()
    for bad in ["text", 3, None, [1, 2], object()]:
        with pytest.raises(TypeError):
            conn.receive_data(bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        conn.send_text(b"bytes")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        conn.send_binary("str")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        conn.ping("str")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        conn.close("1000")  # type: ignore[arg-type]
    with pytest.raises(OverflowError):
        conn.close(70000)
    with pytest.raises(OverflowError):
        conn.close(-1)
    with pytest.raises(TypeError):
        conn.send_fragment("text", 5, True)  # type: ignore[arg-type]
    with pytest.raises(UnicodeEncodeError):
        conn.send_text("lone surrogate \ud800")
    with pytest.raises(TypeError):
        ss.TextMessage(b"bytes")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ss.BytesMessage("str")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ss.ClientConnection(5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ss.ClientConnection("h", extra_headers=[("only-name",)])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        ss.ClientConnection("h", extra_headers=[("X", 1)])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        ss.ClientConnection("h", extra_headers=[("X", b"\xff")])
    with pytest.raises(ss.LocalProtocolError):
        ss.ClientConnection("h\r\nInjected: 1")
    with pytest.raises(OverflowError):
        ss.ClientConnection("h", insecure_seed=-1)


def test_mutating_a_bytearray_argument_later_is_harmless() -> None:
    server = ss.ServerConnection.opened()
    buf = bytearray(b"\x81\x82\x00\x00\x00\x00hi")
    server.receive_data(buf)
    buf[:] = b"garbage" * 10
    assert list(server.events()) == [ss.TextMessage("hi")]


def test_events_iterator_outlives_nothing_it_needs() -> None:
    server = ss.ServerConnection.opened()
    events = server.events()
    del server
    assert list(events) == []


def test_huge_and_unlimited_options_do_not_allocate_up_front() -> None:
    big = sys.maxsize
    server = ss.ServerConnection(
        max_headers=big, max_handshake_size=big, max_message_size=None, max_fragments=big
    )
    client = ss.ClientConnection("h", max_headers=big, max_rejection_body=big)
    server.receive_data(client.data_to_send())
    assert isinstance(next(server.events()), ss.Request)
