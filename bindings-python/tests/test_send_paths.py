"""The send paths: large `bytes` shared with the engine (no copy), large `str` encoded in one
pass, `data_to_send()` (one `bytes`, one pass) and `data_to_send_list()` (a server's large
payloads handed back as the same objects), against the copying path (`memoryview`
arguments are always copied) and decoded by the peer."""

from __future__ import annotations

from typing import List, Union

import pytest

import sansocket as ss

SIZES = [0, 1, 125, 126, 4095, 4096, 4097, 65535, 65536, 1 << 20]

Message = Union[str, bytes]


def texts(size: int) -> List[str]:
    """ASCII, Latin-1 (sparse and dense non-ASCII), BMP and astral text of `size` chars."""
    out = ["a" * size]
    if size:
        out.append("é" + "b" * (size - 1))
        out.append(("ë" + "c" * 7) * (size // 8) + "d" * (size % 8))
        out.append("\u00ff" * size)
        out.append("€" + "e" * (size - 1))
        out.append("𝄞" * (size // 2) + "f" * (size % 2))
    return out


def blob(size: int) -> bytes:
    return (bytes((i * 31 + 7) % 256 for i in range(min(size, 997))) * (size // 997 + 1))[:size]


def opened(client: bool, **options: object) -> ss.Connection:
    if client:
        return ss.ClientConnection.opened(insecure_seed=5, **options)  # type: ignore[arg-type]
    return ss.ServerConnection.opened(**options)  # type: ignore[arg-type]


def send(conn: ss.Connection, message: Message, copy: bool = False) -> None:
    if isinstance(message, str):
        conn.send_text(message)
    else:
        conn.send_binary(memoryview(message) if copy else message)


def copying_wire(client: bool, messages: List[Message], **options: object) -> bytes:
    """The wire bytes through the copying path (`memoryview`, `send_fragment` for text)."""
    conn = opened(client, **options)
    for m in messages:
        if isinstance(m, str):
            conn.send_fragment("text", m.encode(), True)
        else:
            conn.send_binary(memoryview(m))
        conn.ping(b"p")
    return conn.data_to_send()


@pytest.mark.parametrize("client", [False, True], ids=["server", "client"])
@pytest.mark.parametrize("drain", ["bytes", "list", "each"])
def test_same_wire_bytes_as_the_copying_path(client: bool, drain: str) -> None:
    messages: List[Message] = []
    for size in SIZES:
        messages.append(blob(size))
        messages.extend(texts(size))
    want = copying_wire(client, messages)
    conn = opened(client)
    got = b""
    for m in messages:
        send(conn, m)
        conn.ping(b"p")
        if drain == "each":
            pieces = conn.data_to_send_list()
            assert all(type(p) is bytes and p for p in pieces)
            got += b"".join(pieces)
    if drain == "bytes":
        assert conn.buffered_amount == len(want)
        got = conn.data_to_send()
    elif drain == "list":
        got = b"".join(conn.data_to_send_list())
    assert conn.buffered_amount == 0
    assert conn.data_to_send() == b"" and conn.data_to_send_list() == []
    assert got == want


@pytest.mark.parametrize("client", [False, True], ids=["server", "client"])
def test_the_peer_decodes_every_message(client: bool) -> None:
    sender = opened(client)
    receiver = opened(not client, max_message_size=None)
    messages: List[Message] = []
    for size in SIZES:
        messages.append(blob(size))
        messages.extend(texts(size))
    for m in messages:
        send(sender, m)
    for piece in sender.data_to_send_list():
        receiver.receive_data(piece)
    got = [e.data for e in receiver.events()]  # type: ignore[union-attr]
    assert got == messages


def test_a_server_hands_back_its_large_bytes_without_a_copy() -> None:
    conn = ss.ServerConnection.opened()
    big = blob(100_000)
    small = blob(4095)
    conn.send_binary(big)
    conn.send_binary(small)
    conn.send_binary(big)
    text = "x" * 5000
    conn.send_text(text)
    pieces = conn.data_to_send_list()
    # header, big, (header + small + header), big, header, the text's UTF-8
    assert len(pieces) == 6
    assert pieces[1] is big and pieces[3] is big
    assert pieces[5] == text.encode()
    assert b"".join(pieces[:2]) == b"\x82\x7f" + len(big).to_bytes(8, "big") + big


def test_a_client_never_hands_back_its_payload() -> None:
    conn = ss.ClientConnection.opened(insecure_seed=1)
    big = blob(100_000)
    conn.send_binary(big)
    pieces = conn.data_to_send_list()
    assert len(pieces) == 1 and pieces[0] is not big
    assert len(pieces[0]) == 14 + len(big) and pieces[0][14:] != big
    assert big == blob(100_000)  # the caller's object is untouched


def test_compressed_messages_still_round_trip() -> None:
    server = ss.ServerConnection(deflate=True)
    client = ss.ClientConnection("h", deflate=True)
    server.receive_data(client.data_to_send())
    for _ in server.events():
        server.accept()
    client.receive_data(server.data_to_send())
    list(client.events())
    big = blob(300_000)
    text = ("é" + "a" * 30) * 2000
    for conn, peer in [(server, client), (client, server)]:
        conn.send_binary(big)
        conn.send_text(text)
        pieces = conn.data_to_send_list()
        assert sum(map(len, pieces)) < len(big) // 2  # compressed
        for piece in pieces:
            peer.receive_data(piece)
        assert [e.data for e in peer.events()] == [big, text]  # type: ignore[union-attr]


def test_nothing_is_queued_when_sending_fails() -> None:
    conn = ss.ServerConnection.opened()
    conn.close()
    queued = conn.buffered_amount
    with pytest.raises(ss.LocalProtocolError):
        conn.send_binary(blob(10_000))
    with pytest.raises(ss.LocalProtocolError):
        conn.send_text("é" * 10_000)
    assert conn.buffered_amount == queued
    pending = ss.ServerConnection()
    with pytest.raises(ss.LocalProtocolError):
        pending.send_binary(blob(10_000))
    assert pending.data_to_send_list() == []


def test_a_lone_surrogate_is_refused_and_nothing_queued() -> None:
    conn = ss.ServerConnection.opened()
    for text in ["\ud800" + "a" * 10_000, "é" * 5000 + "\udfff", "a\ud800"]:
        with pytest.raises(UnicodeEncodeError):
            conn.send_text(text)
    assert conn.buffered_amount == 0


def test_bytes_subclasses_and_mutable_buffers() -> None:
    class Sub(bytes):
        pass

    conn = ss.ServerConnection.opened()
    data = Sub(blob(8192))
    conn.send_binary(data)
    array = bytearray(blob(8192))
    conn.send_binary(array)
    array[:] = bytes(len(array))  # a bytearray is copied when sent: changing it is safe
    wire = b"".join(conn.data_to_send_list())
    peer = ss.ClientConnection.opened(insecure_seed=1)
    peer.receive_data(wire)
    assert [e.data for e in peer.events()] == [blob(8192), blob(8192)]  # type: ignore[union-attr]


# ---- large `str` payloads: shared with the engine, not checked again ---------------------


def frame(payload: bytes, opcode: int = 0x1) -> bytes:
    n = len(payload)
    if n < 126:
        return bytes([0x80 | opcode, n]) + payload
    if n < 65536:
        return bytes([0x80 | opcode, 126]) + n.to_bytes(2, "big") + payload
    return bytes([0x80 | opcode, 127]) + n.to_bytes(8, "big") + payload


def text_cases() -> List[str]:
    """Every kind of `str` CPython stores, on both sides of the 4096-character threshold, and
    UTF-8 lengths that cross 4 KiB while the character count does not (and the reverse)."""
    out = [""]
    for size in [1, 4095, 4096, 4097, 70_000]:
        out.extend(texts(size))
        out.append("x" * (size - 1) + "é")  # the only non-ASCII character last
        out.append("é" + "ÿ" * (size - 1))  # every character non-ASCII
    out.append("é" * 2048)  # 2048 characters, 4096 bytes
    out.append("€" * 1366)  # 1366 characters, 4098 bytes
    out.append("𝄞" * 1024)  # 1024 characters, 4096 bytes
    return out


@pytest.mark.parametrize("drain", ["bytes", "list"])
def test_large_text_of_every_kind_makes_the_same_frames(drain: str) -> None:
    for text in text_cases():
        conn = ss.ServerConnection.opened()
        conn.send_text(text)
        wire = conn.data_to_send() if drain == "bytes" else b"".join(conn.data_to_send_list())
        assert wire == frame(text.encode()), (len(text), text[:3])


def test_large_text_round_trips_from_a_client() -> None:
    client = ss.ClientConnection.opened(insecure_seed=3)
    server = ss.ServerConnection.opened(max_message_size=None)
    cases = text_cases()
    for text in cases:
        client.send_text(text)
        server.receive_data(client.data_to_send())
    assert [e.data for e in server.events()] == cases  # type: ignore[union-attr]


def test_a_large_ascii_str_is_shared_until_it_is_drained() -> None:
    import sys

    for drain in ["bytes", "list", "close"]:
        conn = ss.ServerConnection.opened()
        text = "".join(["abc"] * 5000)
        before = sys.getrefcount(text)
        conn.send_text(text)
        assert sys.getrefcount(text) == before + 1  # held by the engine, not copied
        if drain == "bytes":
            assert conn.data_to_send()[4:] == text.encode()
        elif drain == "list":
            # No `bytes` object to hand back: the header and the text's UTF-8 in one new
            # `bytes` (the one copy either way).
            pieces = conn.data_to_send_list()
            assert len(pieces) == 1 and pieces[0][4:] == text.encode()
            assert type(pieces[0]) is bytes
        else:
            del conn  # the connection dropped with the message still queued
        assert sys.getrefcount(text) == before, drain


def test_a_large_non_ascii_str_is_not_held() -> None:
    import sys

    conn = ss.ServerConnection.opened()
    for text in ["é" * 5000, "€" * 5000, "𝄞" * 5000]:
        before = sys.getrefcount(text)
        conn.send_text(text)
        assert sys.getrefcount(text) == before  # its UTF-8 is a new `bytes`
    conn.data_to_send()


def test_changing_the_variable_after_sending_does_not_change_the_message() -> None:
    # `s += ...` resizes a `str` in place when nothing else refers to it: the engine's
    # reference keeps the queued one as it was.
    for start in ["a" * 10_000, "é" * 10_000, "a" * 4096]:
        conn = ss.ServerConnection.opened()
        s = start[:-1] + start[-1]  # a new object that only `s` refers to
        conn.send_text(s)
        s += "zzz"
        s *= 2
        assert conn.data_to_send() == frame(start.encode())


def test_shared_text_and_bytes_in_one_list() -> None:
    conn = ss.ServerConnection.opened()
    big = blob(50_000)
    ascii_text = "q" * 8000
    latin1_text = "é" * 8000
    conn.send_text(ascii_text)
    conn.send_binary(big)
    conn.send_text(latin1_text)
    conn.send_binary(big)
    pieces = conn.data_to_send_list()
    # header, ASCII text (a copy), header, big itself, header, Latin-1 UTF-8, header, big
    assert len(pieces) == 8
    assert pieces[3] is big and pieces[7] is big
    assert pieces[1] == ascii_text.encode() and pieces[5] == latin1_text.encode()
    assert b"".join(pieces) == b"".join(
        [frame(ascii_text.encode()), frame(big, 2), frame(latin1_text.encode()), frame(big, 2)]
    )


def test_str_subclasses_are_sent_as_their_text() -> None:
    class Sub(str):
        pass

    for text in ["a" * 5000, "é" * 5000, "€" * 5000, "𝄞" * 5000]:
        conn = ss.ServerConnection.opened()
        conn.send_text(Sub(text))
        assert conn.data_to_send() == frame(text.encode())


def test_a_lone_surrogate_in_any_kind_of_large_str_is_refused() -> None:
    conn = ss.ServerConnection.opened()
    for text in ["a" * 5000 + "\udc80", "é" * 5000 + "\ud800", "€" * 5000 + "\udfff"]:
        with pytest.raises(UnicodeEncodeError):
            conn.send_text(text)
    assert conn.buffered_amount == 0
    conn.send_text("ok")
    assert conn.data_to_send() == frame(b"ok")
