"""The sans-IO API: both roles driven against each other in memory."""

from __future__ import annotations

import pickle
from typing import List, Tuple

import pytest

import sansocket as ss
from sansocket import ConnectionState as S


def pair(**options: object) -> Tuple[ss.ServerConnection, ss.ClientConnection, ss.Request]:
    """A server and a client, handshake done, with `options` on both."""
    server = ss.ServerConnection(**options)  # type: ignore[arg-type]
    client = ss.ClientConnection("example.com", "/chat", **options)  # type: ignore[arg-type]
    server.receive_data(client.data_to_send())
    (request,) = list(server.events())
    assert isinstance(request, ss.Request)
    server.accept()
    client.receive_data(server.data_to_send())
    (accepted,) = list(client.events())
    assert isinstance(accepted, ss.AcceptConnection)
    return server, client, request


def flow(src: ss.Connection, dst: ss.Connection) -> List[ss.Event]:
    dst.receive_data(src.data_to_send())
    return list(dst.events())


def test_handshake_with_subprotocols_origin_and_headers() -> None:
    server = ss.ServerConnection()
    client = ss.ClientConnection(
        "example.com:8080",
        "/stomp?room=1",
        subprotocols=["v10.stomp", "v11.stomp", "v12.stomp"],
        origin="https://example.com",
        extra_headers=[("Authorization", "Bearer x"), (b"X-Raw", b"1")],
    )
    assert client.state is S.CONNECTING and server.state is S.CONNECTING
    (request,) = flow(client, server)
    assert isinstance(request, ss.Request)
    assert request.target == "/stomp?room=1"
    assert request.path == "/stomp" and request.query == "room=1"
    assert request.host == "example.com:8080"
    assert request.origin == "https://example.com"
    assert request.subprotocols == ("v10.stomp", "v11.stomp", "v12.stomp")
    assert (b"Authorization", b"Bearer x") in request.headers
    assert (b"X-Raw", b"1") in request.headers
    assert request.select_subprotocol(["v12.stomp", "v11.stomp"]) == "v12.stomp"
    assert request.select_subprotocol(["mqtt"]) is None
    assert list(server.events()) == []  # nothing more until accept or reject

    server.accept(subprotocol="v11.stomp", extra_headers=[("Set-Cookie", "a=b")])
    assert server.state is S.OPEN and server.subprotocol == "v11.stomp"
    (accepted,) = flow(server, client)
    assert accepted == ss.AcceptConnection(
        "v11.stomp", (), accepted.headers
    ), "AcceptConnection compares by value"
    assert isinstance(accepted, ss.AcceptConnection)
    assert accepted.subprotocol == "v11.stomp"
    assert (b"Set-Cookie", b"a=b") in accepted.headers
    assert client.state is S.OPEN and client.subprotocol == "v11.stomp"


def test_messages_both_ways() -> None:
    server, client, _ = pair()
    client.send_text("héllo ✓")
    client.send_binary(b"\x00\xff")
    client.send_binary(bytearray(b"ba"))
    client.send_binary(memoryview(b"xmvx")[1:3])
    client.send_text("")
    client.send_binary(b"")
    events = flow(client, server)
    assert events == [
        ss.TextMessage("héllo ✓"),
        ss.BytesMessage(b"\x00\xff"),
        ss.BytesMessage(b"ba"),
        ss.BytesMessage(b"mv"),
        ss.TextMessage(""),
        ss.BytesMessage(b""),
    ]
    assert type(events[0].data) is str and type(events[1].data) is bytes  # type: ignore[union-attr]
    server.send_text("back")
    assert flow(server, client) == [ss.TextMessage("back")]


def test_long_text_is_sent_as_utf8_whatever_its_width() -> None:
    """Long non-ASCII `str` are encoded into a temporary `bytes` (short and ASCII ones are
    read in place): every width of `str` gives the same UTF-8 on the wire."""
    server = ss.ServerConnection.opened()
    for text in ["a" * 5000, "é" * 5000, "x" * 4095 + "é", "✓" * 4096, "🎉" * 3000]:
        server.send_text(text)
        wire = server.data_to_send()
        assert wire[4:].decode() == text and int.from_bytes(wire[2:4], "big") == len(text.encode())
    with pytest.raises(UnicodeEncodeError):
        server.send_text("\ud800" * 5000)


def test_memoryviews_are_read_through_the_buffer_protocol() -> None:
    """Contiguous views (of bytes, bytearray, array) are borrowed, strided ones copied; both
    give the same bytes, and a view is released (its bytearray can be resized again)."""
    import array

    server = ss.ServerConnection.opened()
    backing = bytearray(b"abcdefgh")
    view = memoryview(backing)
    for data, expected in [
        (view[2:5], b"cde"),
        (view[::2], b"aceg"),
        (memoryview(array.array("H", [1, 2])), bytes(array.array("H", [1, 2]))),
        (memoryview(b""), b""),
    ]:
        server.send_binary(data)
        assert server.data_to_send() == bytes([0x82, len(expected)]) + expected
    view.release()
    backing.extend(b"ij")  # no export left behind
    client = ss.ClientConnection.opened(insecure_seed=1)
    client.send_binary(b"payload")
    wire = client.data_to_send()
    server.receive_data(memoryview(bytearray(wire)))
    assert list(server.events()) == [ss.BytesMessage(b"payload")]
    with pytest.raises(TypeError):
        server.send_binary("text")  # type: ignore[arg-type]


def test_fragments_are_reassembled_and_sent() -> None:
    server, client, _ = pair()
    client.send_fragment("text", "frag", False)
    client.ping(b"between")
    client.send_fragment("text", b"ment \xe2\x9c", False)  # a character split across fragments
    client.send_fragment("text", b"\x93", True)
    assert flow(client, server) == [ss.Ping(b"between"), ss.TextMessage("fragment ✓")]
    with pytest.raises(ss.LocalProtocolError) as info:
        client.send_fragment("text", "a", False)
        client.send_binary(b"not now")
    assert info.value.kind == "fragment-order"
    with pytest.raises(ValueError):
        client.send_fragment("json", "x", True)  # type: ignore[arg-type]


def test_chunks_delivery() -> None:
    server = ss.ServerConnection.opened(delivery="chunks")
    client = ss.ClientConnection.opened()
    client.send_fragment("binary", b"ab", False)
    client.send_fragment("binary", b"cd", True)
    events = flow(client, server)
    assert all(isinstance(e, ss.BytesMessage) for e in events)
    assert b"".join(e.data for e in events) == b"abcd"  # type: ignore[union-attr]
    assert [e.message_finished for e in events][-1] is True  # type: ignore[union-attr]
    assert not any(e.message_finished for e in events[:-1])  # type: ignore[union-attr]


def test_ping_pong_auto_and_manual() -> None:
    server, client, _ = pair()
    client.ping(b"hi")
    assert flow(client, server) == [ss.Ping(b"hi")]
    assert flow(server, client) == [ss.Pong(b"hi")]  # answered by the engine
    server.pong(b"beat")
    assert flow(server, client) == [ss.Pong(b"beat")]
    client.ping()
    assert flow(client, server) == [ss.Ping(b"")]

    quiet = ss.ServerConnection.opened(auto_pong=False)
    peer = ss.ClientConnection.opened()
    peer.ping(b"x")
    assert flow(peer, quiet) == [ss.Ping(b"x")]
    assert quiet.data_to_send() == b""


@pytest.mark.parametrize("closer", ["client", "server"])
def test_close_handshake(closer: str) -> None:
    server, client, _ = pair()
    first, second = (client, server) if closer == "client" else (server, client)
    first.close(4000, "bye")
    assert first.state is S.CLOSING
    first.close(1000)  # again: nothing
    assert flow(first, second) == [ss.CloseConnection(4000, "bye")]
    assert second.state is S.CLOSED  # the reply is queued
    assert flow(second, first) == [ss.CloseConnection(4000, "")]
    assert first.state is S.CLOSED
    assert server.should_close_transport  # the server closes TCP first
    assert not client.should_close_transport
    client.receive_eof()
    assert list(client.events()) == []
    assert client.should_close_transport


def test_close_without_code() -> None:
    server, client, _ = pair()
    client.close(1005)
    assert flow(client, server) == [ss.CloseConnection(1005, "")]


def test_abnormal_closure() -> None:
    server, _, _ = pair()
    server.receive_eof()
    with pytest.raises(ss.RemoteProtocolError) as info:
        list(server.events())
    assert info.value.code == 1006 and info.value.kind == "abnormal-closure"
    assert server.state is S.CLOSED and server.should_close_transport
    assert list(server.events()) == []


def test_protocol_error_queues_close_frame() -> None:
    server = ss.ServerConnection.opened(max_message_size=10)
    client = ss.ClientConnection.opened()
    client.send_text("ok")
    client.send_text("x" * 11)
    server.receive_data(client.data_to_send())
    events = server.events()
    assert next(events) == ss.TextMessage("ok")  # decoded before the failure
    with pytest.raises(ss.RemoteProtocolError) as info:
        next(events)
    assert info.value.code == 1009
    assert info.value.kind == "message-too-large"
    assert "max_message_size" in str(info.value)
    assert server.data_to_send().startswith(b"\x88")  # a close frame...
    assert server.should_close_transport
    with pytest.raises(StopIteration):
        next(events)


def test_invalid_utf8_is_1007() -> None:
    server = ss.ServerConnection.opened()
    server.receive_data(bytes([0x81, 0x82, 0, 0, 0, 0, 0xC3, 0x28]))
    with pytest.raises(ss.RemoteProtocolError) as info:
        list(server.events())
    assert info.value.code == 1007


def test_reject_and_rejection_event() -> None:
    server = ss.ServerConnection()
    client = ss.ClientConnection("example.com")
    flow(client, server)
    server.reject(403, [("X-Why", "nope")], b"forbidden")
    assert server.state is S.CLOSED and server.should_close_transport
    (event,) = flow(server, client)
    assert isinstance(event, ss.RejectConnection)
    assert event.status_code == 403 and event.reason == "Forbidden"
    assert event.body == b"forbidden"
    assert (b"X-Why", b"nope") in event.headers
    assert client.state is S.CLOSED and client.should_close_transport


def test_server_handshake_errors_carry_status() -> None:
    server = ss.ServerConnection()
    server.receive_data(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    with pytest.raises(ss.HandshakeError) as info:
        list(server.events())
    assert info.value.status_code == 426 and info.value.kind == "upgrade-required"
    assert server.data_to_send().startswith(b"HTTP/1.1 426 ")
    assert server.should_close_transport


def test_origin_policy() -> None:
    server = ss.ServerConnection(allowed_origins=["https://ok.example"])
    client = ss.ClientConnection("h", origin="https://evil.example")
    server.receive_data(client.data_to_send())
    with pytest.raises(ss.HandshakeError) as info:
        list(server.events())
    assert info.value.status_code == 403


def test_client_handshake_error_has_no_status() -> None:
    client = ss.ClientConnection("h")
    client.receive_data(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n"
    )
    with pytest.raises(ss.HandshakeError) as info:
        list(client.events())
    assert info.value.status_code is None and info.value.kind == "invalid-accept"


def test_usage_errors() -> None:
    server = ss.ServerConnection()
    with pytest.raises(ss.LocalProtocolError) as info:
        server.accept()
    assert info.value.kind == "no-pending-request"
    with pytest.raises(ss.LocalProtocolError) as info:
        server.send_text("too early")
    assert info.value.kind == "invalid-state"

    client = ss.ClientConnection("h", subprotocols=["a"])
    server.receive_data(client.data_to_send())
    list(server.events())
    with pytest.raises(ss.LocalProtocolError) as info:
        server.accept(subprotocol="b")
    assert info.value.kind == "subprotocol-not-offered"
    with pytest.raises(ss.LocalProtocolError) as info:
        server.accept(extra_headers=[("X", "a\r\nInjected: 1")])
    assert info.value.kind == "invalid-header"
    with pytest.raises(ss.LocalProtocolError) as info:
        server.reject(101)
    assert info.value.kind == "invalid-status"
    server.accept(subprotocol="a")

    for code in (999, 1004, 1006, 1015, 2999, 5000):
        with pytest.raises(ss.LocalProtocolError) as info:
            server.close(code)
        assert info.value.kind == "invalid-close-code"
    with pytest.raises(ss.LocalProtocolError) as info:
        server.close(1000, "x" * 124)
    assert info.value.kind == "close-reason-too-long"
    with pytest.raises(ss.LocalProtocolError) as info:
        server.ping(b"x" * 126)
    assert info.value.kind == "control-payload-too-long"
    assert server.data_to_send().startswith(b"HTTP/1.1 101")  # nothing else was queued
    assert isinstance(info.value, ss.WebSocketError)

    with pytest.raises(ss.LocalProtocolError):
        ss.ClientConnection("h", "/a b")  # a target with a space


def test_events_are_frozen_with_repr_eq_hash_and_match_args() -> None:
    samples = [
        ss.Request("/", "h", "o", ["p"], ["e"], [(b"a", b"b")]),
        ss.AcceptConnection("p", ["e"], [(b"a", b"b")]),
        ss.RejectConnection(404, "Not Found", [(b"a", b"b")], b"body"),
        ss.TextMessage("t"),
        ss.BytesMessage(b"b", False),
        ss.Ping(b"p"),
        ss.Pong(),
        ss.CloseConnection(1000, "r"),
    ]
    for event in samples:
        cls = type(event)
        assert repr(event).startswith(cls.__name__ + "(")
        first = cls.__match_args__[0]  # type: ignore[attr-defined]
        with pytest.raises(AttributeError):
            setattr(event, first, None)
        assert event == event and not (event != event)
        assert hash(event) == hash(event)
        assert cls.__doc__
        values = [getattr(event, name) for name in cls.__match_args__]  # type: ignore[attr-defined]
        for name in cls.__match_args__:  # type: ignore[attr-defined]
            assert name + "=" in repr(event)
        assert values
    assert ss.TextMessage("a") != ss.TextMessage("b")
    assert ss.TextMessage("a") != ss.BytesMessage(b"a")
    assert ss.TextMessage("a") != "a"
    assert ss.Ping() == ss.Ping(b"")
    assert len({ss.Ping(b"x"), ss.Ping(b"x"), ss.Pong(b"x")}) == 2
    long = repr(ss.BytesMessage(b"x" * 10_000))
    assert len(long) < 200 and "10000" in long
    assert eval(repr(ss.CloseConnection(1000, "r")), vars(ss)) == ss.CloseConnection(1000, "r")


def test_match_statement() -> None:
    server, client, _ = pair()
    client.send_text("hi")
    client.close(1001, "away")
    seen = []
    for event in flow(client, server):
        # `match` needs Python 3.10; the equivalent positional unpacking:
        names = type(event).__match_args__  # type: ignore[attr-defined]
        seen.append((type(event).__name__, *(getattr(event, n) for n in names)))
    assert seen == [("TextMessage", "hi", True), ("CloseConnection", 1001, "away")]


def test_connection_state_enum() -> None:
    assert [int(s) for s in (S.CONNECTING, S.OPEN, S.CLOSING, S.CLOSED)] == [0, 1, 2, 3]
    assert S.OPEN == S.OPEN and S.OPEN != S.CLOSED
    assert repr(S.OPEN) == "ConnectionState.OPEN"
    conn = ss.ServerConnection()
    assert repr(conn) == "<ServerConnection state=CONNECTING subprotocol=None>"
    assert "subprotocol='x'" in repr(ss.ClientConnection.opened("x"))


def test_buffered_amounts() -> None:
    server, client, _ = pair()
    assert client.buffered_amount == 0
    client.send_binary(b"x" * 1000)
    assert client.buffered_amount == 1000 + 8
    server.receive_data(client.data_to_send()[:500])
    assert server.buffered_input > 0
    assert client.buffered_amount == 0


def test_insecure_seed_is_deterministic() -> None:
    a = ss.ClientConnection("h", insecure_seed=7).data_to_send()
    b = ss.ClientConnection("h", insecure_seed=7).data_to_send()
    c = ss.ClientConnection("h").data_to_send()
    d = ss.ClientConnection("h").data_to_send()
    assert a == b and c != d


def test_deflate_negotiated_and_used() -> None:
    server, client, request = pair(deflate=True)
    assert any(e.startswith("permessage-deflate") for e in request.extensions)
    client.send_text("a" * 10_000)
    wire = client.data_to_send()
    assert len(wire) < 1000 and wire[0] & 0x40  # compressed, RSV1 set
    server.receive_data(wire)
    assert list(server.events()) == [ss.TextMessage("a" * 10_000)]


def test_options_are_checked() -> None:
    with pytest.raises(TypeError, match="max_mesage_size"):
        ss.ServerConnection(max_mesage_size=1)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        ss.ClientConnection("h", allowed_origins=["x"])  # type: ignore[call-arg]
    with pytest.raises(ValueError):
        ss.ServerConnection(delivery="frames")  # type: ignore[arg-type]
    with pytest.raises(OverflowError):
        ss.ServerConnection(max_message_size=-1)
    with pytest.raises(TypeError):
        ss.ServerConnection(max_message_size="big")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ss.ServerConnection(deflate="yes")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ss.ServerConnection(deflate={"window": 9})  # type: ignore[typeddict-unknown-key]
    with pytest.raises(TypeError):
        ss.ClientConnection("h", subprotocols="v12.stomp")  # a str is not a list of str
    ss.ServerConnection(max_message_size=None, max_frame_size=None)  # no limit
    ss.ServerConnection(deflate={"max_window_bits": 9, "level": 1, "min_size": 0, "low_memory": True})


def test_not_picklable_or_constructible_base() -> None:
    with pytest.raises(TypeError):
        ss.Connection()  # type: ignore[call-arg]
    with pytest.raises(Exception):
        pickle.dumps(ss.ServerConnection())
