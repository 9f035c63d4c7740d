"""Text payloads made into ``str`` straight from the read (an ASCII payload is unmasked into
its ``str`` in one pass, other text decoded by CPython): every length up to 300 and around
16, 32 and 64 KiB, several mask keys (each byte of the key first), non-ASCII characters and
invalid UTF-8 at the first, middle and last positions and all through the last SIMD block,
through the hosts' ``receive_messages`` and ``sansocket.wsproto``, masked (a server
receiving) and not (a client receiving), whole in a read and cut across reads."""

from __future__ import annotations

from typing import Iterator, List, Sequence, Tuple

import pytest

import sansocket as ss
from sansocket.wsproto.connection import CLIENT, SERVER, Connection
from sansocket.wsproto.events import CloseConnection, TextMessage
from sansocket.wsproto.frame_protocol import CloseReason

KEYS = [b"\x37\xfa\x21\x3d", b"\xfa\x21\x3d\x37", b"\x21\x3d\x37\xfa", b"\x3d\x37\xfa\x21", bytes(4)]
BIG = [n + d for n in (16 << 10, 32 << 10, 64 << 10) for d in (-33, -32, -31, -1, 0, 1, 31, 32, 33)]
LENGTHS = list(range(301)) + BIG
# The large lengths that get a character or a bad byte at each position.
BIG_FEW = [(16 << 10) - 1, 16 << 10, (32 << 10) + 1, (64 << 10) - 1, (64 << 10) + 33]
CHARS = ["é", "€", "😀"]  # 2, 3 and 4 bytes of UTF-8


def frame(payload: bytes, key: bytes | None) -> bytes:
    """A text frame: masked with `key` (a client's), or unmasked (a server's) for None."""
    n = len(payload)
    if n < 126:
        head = bytes([0x81, n])
    elif n < 1 << 16:
        head = bytes([0x81, 126]) + n.to_bytes(2, "big")
    else:
        head = bytes([0x81, 127]) + n.to_bytes(8, "big")
    if key is None:
        return head + payload
    pad = (key * (n // 4 + 1))[:n]
    masked = (int.from_bytes(payload, "big") ^ int.from_bytes(pad, "big")).to_bytes(n, "big")
    return bytes([head[0], head[1] | 0x80]) + head[2:] + key + masked


ASCII = bytes(0x20 + (i * 7) % 95 for i in range(max(LENGTHS)))


def ascii_text(n: int) -> bytes:
    return ASCII[:n]


def positions(n: int) -> List[int]:
    """Where to put the odd byte in `n` bytes: everywhere up to 96 bytes, else the first,
    middle and last bytes and every byte of the last 40 (the SIMD tail and the block
    before it)."""
    if n <= 96:
        return list(range(n))
    return sorted({0, 1, n // 2, n // 2 + 1} | set(range(n - 40, n)))


def good_payloads() -> Iterator[bytes]:
    """ASCII of every length, then each character at the positions where it fits."""
    for n in LENGTHS:
        yield ascii_text(n)
    for char in CHARS:
        utf8 = char.encode()
        for n in list(range(301)) + BIG_FEW:
            for at in positions(n):
                if at + len(utf8) <= n:
                    base = ascii_text(n)
                    yield base[:at] + utf8 + base[at + len(utf8) :]


def bad_payloads() -> Iterator[bytes]:
    """Not UTF-8: a 0xff, a lone continuation byte or a cut character at each position."""
    for n in list(range(1, 301, 3)) + BIG_FEW:
        for at in positions(n):
            base = ascii_text(n)
            for bad in (b"\xff", b"\x80", "é".encode()[:1]):
                yield base[:at] + bad + base[at + 1 :]


GOOD = list(good_payloads())
BAD = list(bad_payloads())


def cuts(wire: bytes) -> List[Tuple[str, Sequence[int]]]:
    """Reads: the whole wire at once, and 4096-byte reads (frames cut across them)."""
    return [("one read", [len(wire)]), ("4 KiB reads", [4096] * (len(wire) // 4096 + 1))]


def host_messages(conn: ss.Connection, wire: bytes, sizes: Sequence[int]) -> List[object]:
    got: List[object] = []
    at = 0
    for size in sizes:
        got += conn.receive_messages(wire[at : at + size], 1 << 20)
        at += size
    return got + conn.receive_messages(None, 1 << 20)


def wsproto_messages(conn: Connection, wire: bytes, sizes: Sequence[int]) -> List[object]:
    """The messages, pieces of one joined."""
    got: List[object] = []
    piece = ""
    at = 0
    for size in sizes:
        conn.receive_data(wire[at : at + size])
        at += size
        for event in conn.events():
            if isinstance(event, TextMessage):
                piece += event.data
                if event.message_finished:
                    got.append(piece)
                    piece = ""
            else:
                got.append(event)
    return got


@pytest.mark.parametrize("key", KEYS + [None], ids=lambda k: "unmasked" if k is None else k.hex())
def test_text_of_every_length_and_character_position(key: bytes | None) -> None:
    wire = b"".join(frame(p, key) for p in GOOD)
    want = [p.decode() for p in GOOD]
    for name, sizes in cuts(wire):
        host = ss.ClientConnection.opened() if key is None else ss.ServerConnection.opened()
        got = host_messages(host, wire, sizes)
        assert got == want, name
        assert all(type(g) is str for g in got)
        conn = Connection(CLIENT if key is None else SERVER)
        assert wsproto_messages(conn, wire, sizes) == want, name


@pytest.mark.parametrize("key", [KEYS[0], KEYS[3], None], ids=["masked", "other key", "unmasked"])
def test_invalid_utf8_anywhere_is_1007_after_the_messages_before_it(key: bytes | None) -> None:
    before = frame(b"before", key)
    for payload in BAD:
        wire = before + frame(payload, key) + frame(b"after", key)
        for name, sizes in cuts(wire):
            host = ss.ClientConnection.opened() if key is None else ss.ServerConnection.opened()
            assert host.receive_messages(wire[: sizes[0]], 1) == ["before"]
            with pytest.raises(ss.RemoteProtocolError) as info:
                host_messages(host, wire[sizes[0] :], [len(wire)])
            assert info.value.code == 1007, (len(payload), name)
            conn = Connection(CLIENT if key is None else SERVER)
            got = wsproto_messages(conn, wire, sizes)
            assert got[0] == "before" and isinstance(got[-1], CloseConnection), (len(payload), name)
            assert got[-1].code == CloseReason.INVALID_FRAME_PAYLOAD_DATA
