"""The event-loop host calls: ``receive_messages`` (one call per read) and ``write_to``
(one call per flush), against what ``receive_data``/``next_event``/``data_to_send`` do."""

from __future__ import annotations

from typing import List, Sequence

import pytest

import sansocket as ss


def client_bytes(*actions: str) -> bytes:
    """The frames a client sends for `actions`: 't:...' text, 'b:...' binary, 'ping', 'close'."""
    client = ss.ClientConnection.opened(insecure_seed=1)
    for action in actions:
        kind, _, body = action.partition(":")
        if kind == "t":
            client.send_text(body)
        elif kind == "b":
            client.send_binary(body.encode())
        elif kind == "ping":
            client.ping(b"p")
        else:
            client.close(1000, "bye")
    return client.data_to_send()


def test_messages_come_as_str_and_bytes_up_to_the_limit() -> None:
    server = ss.ServerConnection.opened()
    wire = client_bytes("t:héllo", "b:one", "b:two", "t:last")
    assert server.receive_messages(wire, 0) == []  # only takes the data
    assert server.buffered_input == len(wire)
    assert server.receive_messages() == ["héllo"]
    assert server.receive_messages(None, 2) == [b"one", b"two"]
    assert server.receive_messages(None, 5) == ["last"]
    assert server.receive_messages(None, 5) == []


@pytest.mark.parametrize("kind", [bytes, bytearray, memoryview])
def test_whole_frames_of_a_read_up_to_the_limit_the_rest_buffered(kind: type) -> None:
    server = ss.ServerConnection.opened()
    first = client_bytes("t:one", "b:two")
    wire = first + client_bytes("t:three")
    assert server.receive_messages(kind(wire), 1) == ["one"]
    assert server.buffered_input == len(wire) - len(client_bytes("t:one"))
    assert server.receive_messages(None, 1) == [b"two"]
    assert server.receive_messages(b"", 5) == ["three"]
    assert server.buffered_input == 0


def test_text_not_utf8_in_a_whole_frame_fails_after_the_messages_before_it() -> None:
    server = ss.ServerConnection.opened()
    bad = bytes([0x81, 0x82, 0, 0, 0, 0, 0xC3, 0x28])  # masked (zero key), not UTF-8
    assert server.receive_messages(client_bytes("t:ok", "b:fine") + bad, 10) == ["ok", b"fine"]
    with pytest.raises(ss.RemoteProtocolError) as info:
        server.receive_messages(None, 10)
    assert info.value.code == 1007


def test_same_messages_whatever_the_chunking() -> None:
    wire = client_bytes("t:" + "a" * 3, "b:" + "x" * 70_000, "ping", "t:end")
    for size in (1, 7, 4096, len(wire)):
        server = ss.ServerConnection.opened()
        got: List[object] = []
        for i in range(0, len(wire), size):
            got += server.receive_messages(wire[i : i + size], 100)
            got += server.receive_messages(None, 100)  # after a Ping, the batch ended
        texts = [g for g in got if isinstance(g, (str, bytes))]
        assert texts == ["aaa", b"x" * 70_000, "end"]
        assert [type(g) for g in got if not isinstance(g, (str, bytes))] == [ss.Ping]


@pytest.mark.parametrize("size", [3000, 64 << 10])
def test_reads_that_begin_inside_a_frame(size: int) -> None:
    """The engine finishes the frame it holds the start of; the whole frames after it in
    the same read are made straight from the read: every message, in order, whatever the
    reads (sizes on both sides of the engine's own buffer for big frames)."""
    actions = [f"b:{chr(97 + i) * size}" if i % 2 else f"t:{chr(65 + i) * size}" for i in range(8)]
    wire = client_bytes(*actions)
    expected: List[object] = [
        a[2:].encode() if a.startswith("b") else a[2:] for a in actions
    ]
    for read in (size // 2 + 1, size + size // 3, 2 * size + 5, 100 << 10):
        server = ss.ServerConnection.opened()
        got: List[object] = []
        for i in range(0, len(wire), read):
            got += server.receive_messages(wire[i : i + read], 100)
        assert got == expected, read


@pytest.mark.parametrize("size", [3000, 64 << 10])
def test_bad_text_in_a_frame_begun_in_an_earlier_read(size: int) -> None:
    """Text that is not UTF-8 at the end of a frame that straddles two reads: the messages
    before it come out, then the error (raised, or marked with defer_errors)."""
    client = ss.ClientConnection.opened(insecure_seed=1)
    client.send_text("x" * size)
    frame = bytearray(client.data_to_send())
    key = frame[4:8] if size < 65536 else frame[10:14]
    frame[-1] = 0xFF ^ key[(size - 1) % 4]  # the last byte, once unmasked, is 0xFF
    first = client_bytes("b:ok")
    wire = first + bytes(frame) + client_bytes("b:after")
    cut = len(first) + len(frame) // 2
    for defer in (False, True):
        server = ss.ServerConnection.opened()
        assert server.receive_messages(wire[:cut], 10, defer) == [b"ok"]
        if defer:
            assert server.receive_messages(wire[cut:], 10, True) == [None]
            assert server.data_to_send() == b""  # no close frame yet
        with pytest.raises(ss.RemoteProtocolError) as info:
            server.receive_messages(None if defer else wire[cut:], 10)
        assert info.value.code == 1007
        assert server.data_to_send()[0] == 0x88
        assert server.receive_messages(None, 10) == []  # nothing past it


def test_other_events_end_the_batch_as_event_objects() -> None:
    server = ss.ServerConnection.opened()
    batch = server.receive_messages(client_bytes("b:1", "ping", "b:2", "close"), 100)
    assert batch == [b"1", ss.Ping(b"p")]
    assert server.data_to_send()  # the automatic pong
    assert server.receive_messages(None, 100) == [b"2", ss.CloseConnection(1000, "bye")]
    assert server.should_close_transport


def test_a_protocol_error_after_messages_is_raised_by_the_next_call() -> None:
    server = ss.ServerConnection.opened()
    bad = bytes([0x83, 0x80, 0, 0, 0, 0])  # reserved opcode 3
    assert server.receive_messages(client_bytes("b:ok") + bad, 10) == [b"ok"]
    server.send_binary(b"answer")  # goes out before the close frame
    with pytest.raises(ss.RemoteProtocolError) as info:
        server.receive_messages(None, 10)
    assert info.value.code == 1002
    out = server.data_to_send()
    assert out.startswith(bytes([0x82, 6]) + b"answer") and out[8] == 0x88
    assert server.should_close_transport
    assert server.receive_messages(None, 10) == []


def test_defer_errors_marks_the_error_and_leaves_it_for_a_later_call() -> None:
    server = ss.ServerConnection.opened()
    bad = bytes([0x83, 0x80, 0, 0, 0, 0])  # reserved opcode 3
    server.receive_messages(client_bytes("b:1", "b:2") + bad, 0)
    assert server.receive_messages(None, 1, True) == [b"1"]
    assert server.receive_messages(None, 5, True) == [b"2", None]  # the error, not raised
    assert server.receive_messages(None, 5, True) == []  # nothing past it
    assert server.data_to_send() == b""  # no close frame yet
    server.send_binary(b"answer")
    with pytest.raises(ss.RemoteProtocolError) as info:
        server.receive_messages(None, 5)
    assert info.value.code == 1002
    out = server.data_to_send()
    assert out.startswith(bytes([0x82, 6]) + b"answer") and out[8] == 0x88


def test_defer_errors_first_and_on_its_own() -> None:
    server = ss.ServerConnection.opened()
    assert server.receive_messages(bytes([0x82, 0x05, 1, 2, 3, 4, 5]), 1, True) == [None]
    assert server.data_to_send() == b""
    with pytest.raises(ss.RemoteProtocolError):
        server.receive_messages(None, 1)
    assert server.data_to_send()[0] == 0x88


def test_a_protocol_error_first_is_raised_at_once() -> None:
    server = ss.ServerConnection.opened()
    with pytest.raises(ss.RemoteProtocolError):
        server.receive_messages(bytes([0x82, 0x05, 1, 2, 3, 4, 5]), 1)  # unmasked
    assert server.data_to_send()[0] == 0x88


def test_handshake_request_and_error() -> None:
    client = ss.ClientConnection("example.com")
    server = ss.ServerConnection()
    (request,) = server.receive_messages(client.data_to_send(), 1)
    assert isinstance(request, ss.Request) and request.host == "example.com"
    with pytest.raises(ss.HandshakeError):
        ss.ServerConnection().receive_messages(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", 1)


def test_bad_argument_types() -> None:
    with pytest.raises(TypeError):
        ss.ServerConnection.opened().receive_messages("text", 1)  # type: ignore[arg-type]
    with pytest.raises(OverflowError):
        ss.ServerConnection.opened().receive_messages(None, -1)


class Transport:
    """What write_to needs of an asyncio transport, recording the calls."""

    def __init__(self, closing: bool = False) -> None:
        self.closing = closing
        self.calls: List[tuple[str, object]] = []

    def is_closing(self) -> bool:
        return self.closing

    def write(self, data: bytes) -> None:
        self.calls.append(("write", data))

    def writelines(self, pieces: Sequence[bytes]) -> None:
        self.calls.append(("writelines", list(pieces)))


class ClosableTransport(Transport):
    """A transport the host may also close."""

    def close(self) -> None:
        self.calls.append(("close", None))


def test_the_native_host_flushes_through_the_transport_methods() -> None:
    """``_Host`` looks up ``is_closing`` and ``write`` once, when the transport is set, and
    flushes through them: one write per send, none while the transport is closing, large
    payloads through ``writelines``; ``close`` when the engine says so."""
    from sansocket._core import _Host

    host = _Host(ss.ServerConnection.opened())
    with pytest.raises(AttributeError):
        host._transport = object()  # no is_closing/write: refused, nothing kept
    assert host._transport is None
    t = ClosableTransport()
    host._transport = t
    assert host._transport is t
    host.send_nowait(b"a")
    host.send_nowait("b")
    assert t.calls == [("write", b"\x82\x01a"), ("write", b"\x81\x01b")]
    t.calls.clear()
    big = b"x" * 5000
    host.send_nowait(big)
    assert t.calls[0][0] == "writelines" and t.calls[0][1][-1] is big  # type: ignore[index]
    t.calls.clear()
    t.closing = True
    host.send_nowait(b"c")  # kept while the transport is closing
    assert t.calls == []
    t.closing = False

    class Host(_Host):
        def _handle(self, event: object) -> None:
            self.events.append(event)

    got: List[object] = []
    host = Host(ss.ServerConnection.opened(), on_message=lambda ws, m: got.append(m))
    host.events = []  # type: ignore[attr-defined]
    t = ClosableTransport()
    host._transport = t
    host.data_received(client_bytes("b:hi", "close"))
    assert got == [b"hi"]
    assert isinstance(host.events[0], ss.CloseConnection)  # type: ignore[attr-defined]
    assert [name for name, _ in t.calls] == ["write", "close"]  # the close reply, then close


def test_write_to_writes_once_and_reports_should_close() -> None:
    server = ss.ServerConnection.opened()
    t = Transport()
    assert server.write_to(t) is False and t.calls == []  # nothing queued: no call
    server.send_binary(b"a")
    server.send_text("b")
    assert server.write_to(t) is False
    assert t.calls == [("write", bytes([0x82, 1]) + b"a" + bytes([0x81, 1]) + b"b")]
    server.receive_messages(client_bytes("close"), 1)
    t.calls.clear()
    assert server.write_to(t) is True  # the close reply written, then close the transport
    assert t.calls[0][0] == "write" and server.buffered_amount == 0


def test_write_to_hands_large_payloads_over_as_they_are() -> None:
    server = ss.ServerConnection.opened()
    payload = b"z" * 70_000
    server.send_binary(payload)
    t = Transport()
    server.write_to(t)
    ((method, pieces),) = t.calls
    assert method == "writelines"
    assert isinstance(pieces, list) and pieces[-1] is payload
    assert b"".join(pieces) == bytes([0x82, 127]) + (70_000).to_bytes(8, "big") + payload


def test_write_to_leaves_the_data_when_the_transport_is_closing() -> None:
    server = ss.ServerConnection.opened()
    server.send_binary(b"a")
    t = Transport(closing=True)
    assert server.write_to(t) is False and t.calls == []
    assert server.buffered_amount == 3
    with pytest.raises(AttributeError):
        server.write_to(object())  # type: ignore[arg-type]


def test_reading_into_the_engines_buffer() -> None:
    server = ss.ServerConnection.opened()
    wire = client_bytes("b:first", "t:second")
    buf = server.get_buffer(-1)
    assert server.get_buffer(-1) is buf  # the same until buffer_updated
    room = len(buf)
    assert room >= len(wire)
    view = memoryview(buf)
    assert not view.readonly and bytes(view[:4]) == bytes(4)  # zeroed
    view[: len(wire)] = wire
    with pytest.raises(BufferError):
        server.buffer_updated(len(wire))  # a view is still held
    view.release()
    assert server.receive_messages(None, 5) == []  # nothing given back yet
    server.buffer_updated(len(wire))
    assert server.receive_messages(None, 5) == [b"first", "second"]


def test_reading_in_pieces_and_through_slices() -> None:
    server = ss.ServerConnection.opened()
    wire = client_bytes("b:" + "y" * 3000)
    got: List[object] = []
    for i in range(0, len(wire), 1000):
        piece = wire[i : i + 1000]
        buf = server.get_buffer()
        part = buf[0 : len(piece)]  # the TLS transport reads through a slice
        assert isinstance(part, memoryview)
        part[:] = piece
        part.release()
        server.buffer_updated(len(piece))
        got += server.receive_messages(None, 5)
    assert got == [b"y" * 3000]


def test_buffer_updated_errors() -> None:
    server = ss.ServerConnection.opened()
    with pytest.raises(ValueError):
        server.buffer_updated(1)  # no buffer lent
    room = len(server.get_buffer())
    with pytest.raises(ValueError):
        server.buffer_updated(room + 1)  # more than it had room for
    server.buffer_updated(0)  # nothing read: fine, and the buffer is back
    with pytest.raises(ValueError):
        server.buffer_updated(0)
    # Claiming bytes that were not written gives zeros to the engine, never other memory:
    # a zero byte is a continuation frame without a message, a protocol error.
    server.get_buffer()
    server.buffer_updated(2)
    with pytest.raises(ss.RemoteProtocolError):
        server.receive_messages(None, 1)


def test_bytes_given_while_the_buffer_is_lent_come_after_it() -> None:
    server = ss.ServerConnection.opened()
    a, b = client_bytes("b:a"), client_bytes("b:b")
    buf = server.get_buffer()
    server.receive_messages(b, 0)  # kept for after the lent buffer's bytes
    memoryview(buf)[: len(a)] = a
    server.buffer_updated(len(a))
    assert server.receive_messages(None, 5) == [b"a", b"b"]
