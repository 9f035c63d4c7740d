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
