"""sansocket.wsproto: wsproto's semantics on the engine, beyond wsproto's own test suite
(which tests/wsproto_compat/run.sh runs): exact wire bytes, errors as events, bounded
inflation, deflate on already-open connections, subclassing, the import redirect."""

from __future__ import annotations

import os
import subprocess
import sys
import zlib
from typing import Any, List, Sequence, Tuple

import pytest

from sansocket import wsproto
from sansocket.wsproto.connection import CLIENT, SERVER, Connection, ConnectionState
from sansocket.wsproto.events import (
    AcceptConnection,
    BytesMessage,
    CloseConnection,
    Event,
    Message,
    Ping,
    Pong,
    RejectConnection,
    RejectData,
    Request,
    TextMessage,
)
from sansocket.wsproto.extensions import Extension, PerMessageDeflate
from sansocket.wsproto.frame_protocol import CloseReason
from sansocket.wsproto.utilities import LocalProtocolError, RemoteProtocolError

MASK = b"\x01\x02\x03\x04"


def client_frame(opcode: int, payload: bytes, fin: bool = True, rsv1: bool = False) -> bytes:
    """A masked frame, as a client sends it."""
    head = bytes([(0x80 if fin else 0) | (0x40 if rsv1 else 0) | opcode])
    n = len(payload)
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 1 << 16:
        head += bytes([0x80 | 126]) + n.to_bytes(2, "big")
    else:
        head += bytes([0x80 | 127]) + n.to_bytes(8, "big")
    masked = bytes(b ^ MASK[i % 4] for i, b in enumerate(payload))
    return head + MASK + masked


def handshake(
    client_exts: Sequence[Extension] = (), server_exts: Sequence[Extension] = ()
) -> Tuple[wsproto.WSConnection, wsproto.WSConnection, bytes]:
    client = wsproto.WSConnection(wsproto.ConnectionType.CLIENT)
    server = wsproto.WSConnection(wsproto.ConnectionType.SERVER)
    server.receive_data(client.send(Request(host="example.com", target="/", extensions=list(client_exts))))
    assert isinstance(next(server.events()), Request)
    response = server.send(AcceptConnection(extensions=list(server_exts)))
    client.receive_data(response)
    assert isinstance(next(client.events()), AcceptConnection)
    return client, server, response


def test_the_module_layout_and_version() -> None:
    assert tuple(int(p) for p in wsproto.__version__.split(".")) == (1, 3, 2)
    for name in wsproto.SUBMODULES:
        assert getattr(wsproto, name).__name__ == f"sansocket.wsproto.{name}"
    assert wsproto.Connection is Connection
    assert CloseReason(1000) is CloseReason.NORMAL_CLOSURE
    with pytest.raises(ValueError):
        CloseReason(4001)


def test_install_redirects_import_wsproto_in_a_fresh_interpreter() -> None:
    code = (
        "import sansocket.wsproto; sansocket.wsproto.install()\n"
        "import wsproto, wsproto.events\n"
        "from wsproto.connection import ConnectionType\n"
        "from wsproto.utilities import LocalProtocolError\n"
        "assert wsproto is sansocket.wsproto and wsproto.events.Ping is sansocket.wsproto.events.Ping\n"
        "print(wsproto.__name__)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "sansocket.wsproto"


def test_bytes_leave_only_through_send() -> None:
    server = Connection(SERVER)
    server.receive_data(client_frame(0x9, b"hi"))
    assert list(server.events()) == [Ping(payload=b"hi")]
    # No automatic pong: the application answers.
    assert server.send(Ping(payload=b"hi").response()) == b"\x8a\x02hi"
    server.receive_data(client_frame(0x8, b"\x03\xe8bye"))
    (close,) = list(server.events())
    assert close == CloseConnection(code=1000, reason="bye")
    assert server.state is ConnectionState.REMOTE_CLOSING
    # The reply is the application's, with the reason echoed.
    assert server.send(close.response()) == b"\x88\x05\x03\xe8bye"
    assert server.state is ConnectionState.CLOSED


def test_data_after_a_peer_close_is_ignored_and_only_a_close_may_be_sent() -> None:
    server = Connection(SERVER)
    server.receive_data(client_frame(0x8, b"\x03\xe8"))
    assert [type(e) for e in server.events()] == [CloseConnection]
    server.receive_data(client_frame(0x1, b"late"))
    assert list(server.events()) == []
    with pytest.raises(LocalProtocolError):
        server.send(TextMessage(data="no"))


def test_a_protocol_error_is_a_close_event_and_the_state_stays_open() -> None:
    server = Connection(SERVER)
    server.receive_data(client_frame(0x1, b"ok") + b"\x81\x02no")  # then an unmasked frame
    events = list(server.events())
    assert events[0] == TextMessage(data="ok")
    assert isinstance(events[1], CloseConnection)
    assert events[1].code is CloseReason.PROTOCOL_ERROR
    assert "masked" in (events[1].reason or "")
    assert server.state is ConnectionState.OPEN
    # Nothing more is decoded; the failure's close frame leaves with the application's close.
    server.receive_data(client_frame(0x1, b"more"))
    assert list(server.events()) == []
    assert server.send(events[1].response()) == b"\x88\x10\x03\xeaprotocol error"
    assert server.state is ConnectionState.LOCAL_CLOSING


@pytest.mark.parametrize(
    "frame, code",
    [
        (client_frame(0x1, b"\xff"), CloseReason.INVALID_FRAME_PAYLOAD_DATA),
        (client_frame(0x3, b""), CloseReason.PROTOCOL_ERROR),
        (client_frame(0x8, b"\x03"), CloseReason.PROTOCOL_ERROR),
        (client_frame(0x8, b"\x03\xed"), CloseReason.PROTOCOL_ERROR),  # 1005 on the wire
    ],
)
def test_protocol_errors_carry_their_close_code(frame: bytes, code: CloseReason) -> None:
    server = Connection(SERVER)
    server.receive_data(frame)
    (event,) = list(server.events())
    assert isinstance(event, CloseConnection) and event.code is code


def test_limits_are_opt_in() -> None:
    server = Connection(SERVER, max_message_size=10)
    server.receive_data(client_frame(0x2, b"x" * 11))
    (event,) = list(server.events())
    assert isinstance(event, CloseConnection) and event.code is CloseReason.MESSAGE_TOO_BIG
    unlimited = Connection(SERVER)
    unlimited.receive_data(client_frame(0x2, b"x" * (1 << 20)))
    assert sum(len(e.data) for e in unlimited.events() if isinstance(e, BytesMessage)) == 1 << 20


def test_eof_is_an_abnormal_closure_event() -> None:
    client = Connection(CLIENT)
    client.receive_data(None)
    assert list(client.events()) == [CloseConnection(code=1006)]
    assert client.state is ConnectionState.CLOSED
    with pytest.raises(LocalProtocolError, match="already closed"):
        client.receive_data(b"x")


@pytest.mark.parametrize(
    "code, reason, wire",
    [
        (CloseReason.NO_STATUS_RCVD, None, b"\x88\x00"),
        (None, None, b"\x88\x00"),
        (1005, "", b"\x88\x02\x03\xe8"),  # the int: local-only codes go out as 1000
        (1006, "x", b"\x88\x03\x03\xe8x"),
        (CloseReason.TLS_HANDSHAKE_FAILED, "", b"\x88\x02\x03\xe8"),
        (999, "", b"\x88\x02\x03\xe8"),  # not allowed on the wire (RFC 6455 §7.4): 1000
        (4000, "é" * 70, b"\x88\x7c\x0f\xa0" + ("é" * 61).encode()),  # 122 B: whole chars
    ],
)
def test_close_codes_sent(code: int, reason: str, wire: bytes) -> None:
    server = Connection(SERVER)
    assert server.send(CloseConnection(code=code, reason=reason)) == wire


def test_close_with_a_reason_but_no_code_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        Connection(SERVER).send(CloseConnection(code=None, reason="x"))  # type: ignore[arg-type]


def test_send_errors_have_wsprotos_types() -> None:
    server = Connection(SERVER)
    with pytest.raises(ValueError):
        server.send(Ping(payload=b"x" * 126))
    server.send(TextMessage(data="a", message_finished=False))
    with pytest.raises(TypeError):
        server.send(BytesMessage(data=b"b"))
    with pytest.raises(TypeError):
        server.send(Message(data=1))  # type: ignore[arg-type,type-var]
    # Message dispatches on the data's type, not on the class.
    assert server.send(Message(data="z")) == b"\x80\x01z"


def test_fragments_go_out_as_sent_and_arrive_as_pieces() -> None:
    client = Connection(CLIENT)
    server = Connection(SERVER)
    wire = client.send(BytesMessage(data=b"ab", message_finished=False))
    wire += client.send(BytesMessage(data=b"cd"))
    server.receive_data(wire)
    assert [(e.data, e.message_finished) for e in server.events() if isinstance(e, Message)] == [
        (b"ab", False),
        (b"cd", True),
    ]


def test_text_split_anywhere_arrives_whole_characters() -> None:
    frame = client_frame(0x1, "ééé€😎".encode())
    for step in (1, 2, 3, 5):
        server = Connection(SERVER)
        text = ""
        for i in range(0, len(frame), step):
            server.receive_data(frame[i : i + step])
            for event in server.events():
                assert isinstance(event, TextMessage)
                text += event.data
        assert text == "ééé€😎"


def deflate_server() -> Connection:
    ext = PerMessageDeflate()
    ext.finalize("permessage-deflate")
    return Connection(SERVER, [ext])


def test_deflate_on_an_already_open_connection() -> None:
    ext = PerMessageDeflate()
    ext.finalize("permessage-deflate")
    client = Connection(CLIENT, [ext])
    server = deflate_server()
    wire = client.send(TextMessage(data="hello " * 200))
    assert wire[0] == 0xC1 and len(wire) < 100  # RSV1: compressed
    server.receive_data(wire)
    assert "".join(e.data for e in server.events() if isinstance(e, TextMessage)) == "hello " * 200
    # A disabled extension is not used.
    plain = Connection(CLIENT, [PerMessageDeflate()])
    assert plain.send(TextMessage(data="hello " * 200))[0] == 0x81


def test_a_deflate_bomb_is_inflated_in_bounded_pieces() -> None:
    compressor = zlib.compressobj(wbits=-15)
    payload = compressor.compress(b"\0" * (8 << 20)) + compressor.flush(zlib.Z_SYNC_FLUSH)
    server = deflate_server()
    server.receive_data(client_frame(0x2, payload[:-4], rsv1=True))
    sizes = [len(e.data) for e in server.events() if isinstance(e, BytesMessage)]
    assert sum(sizes) == 8 << 20 and max(sizes) <= 64 << 10


def test_deflate_is_decided_when_accepting() -> None:
    _, _, response = handshake([PerMessageDeflate()], [])
    assert b"permessage-deflate" not in response
    client, server, response = handshake([PerMessageDeflate()], [PerMessageDeflate()])
    assert b"Sec-WebSocket-Extensions: permessage-deflate" in response
    wire = server.send(TextMessage(data="x" * 1000))
    assert wire[0] == 0xC1
    client.receive_data(wire)
    assert [e.data for e in client.events()] == ["x" * 1000]


def test_a_failed_handshake_raises_with_the_answer_as_hint() -> None:
    server = wsproto.WSConnection(wsproto.ConnectionType.SERVER)
    with pytest.raises(RemoteProtocolError) as info:
        server.receive_data(b"POST / HTTP/1.1\r\nHost: x\r\n\r\n")
    hint = info.value.event_hint
    assert isinstance(hint, RejectConnection) and hint.status_code == 405
    answer = server.send(hint)
    assert answer.startswith(b"HTTP/1.1 405 ")


def test_a_refusal_with_a_body_is_sent_once_finished() -> None:
    client = wsproto.WSConnection(wsproto.ConnectionType.CLIENT)
    server = wsproto.WSConnection(wsproto.ConnectionType.SERVER)
    server.receive_data(client.send(Request(host="h", target="/")))
    list(server.events())
    assert server.send(RejectConnection(status_code=403, has_body=True)) == b""
    assert server.state is ConnectionState.REJECTING
    assert server.send(RejectData(data=b"no", body_finished=False)) == b""
    answer = server.send(RejectData(data=b"pe"))
    assert answer.startswith(b"HTTP/1.1 403 ") and answer.endswith(b"\r\n\r\nnope")
    assert server.state is ConnectionState.CLOSED
    client.receive_data(answer)
    client.receive_data(None)
    events: List[Event] = list(client.events())
    assert isinstance(events[0], RejectConnection) and events[0].status_code == 403
    assert events[1:] == [RejectData(data=b"nope", body_finished=False), RejectData(data=b"")]


def test_frames_behind_the_101_are_kept() -> None:
    client = wsproto.WSConnection(wsproto.ConnectionType.CLIENT)
    server = wsproto.WSConnection(wsproto.ConnectionType.SERVER)
    server.receive_data(client.send(Request(host="h", target="/")))
    list(server.events())
    wire = server.send(AcceptConnection()) + b"\x81\x02hi"
    client.receive_data(wire)
    assert [type(e) for e in client.events()] == [AcceptConnection, TextMessage]


class Relay(Connection):
    """A subclass with its own keyword, as mitmproxy writes one."""

    def __init__(self, *args: object, conn: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.conn = conn


def test_connection_can_be_subclassed_and_events_injected() -> None:
    relay = Relay(SERVER, conn="upstream")
    assert relay.conn == "upstream" and relay.state is ConnectionState.OPEN
    relay._events.append(TextMessage(data="injected"))
    relay.receive_data(client_frame(0x1, b"real"))
    assert [e.data for e in relay.events() if isinstance(e, TextMessage)] == ["injected", "real"]
    assert relay.state.name == "OPEN"


def test_events_are_decoded_lazily() -> None:
    server = Connection(SERVER)
    server.receive_data(client_frame(0x1, b"a") + client_frame(0x1, b"b"))
    assert next(server.events()) == TextMessage(data="a")
    assert next(server.events()) == TextMessage(data="b")


def test_events_not_asked_for_stay_for_the_next_call() -> None:
    server = Connection(SERVER)
    server.receive_data(
        client_frame(0x1, b"a") + client_frame(0x2, b"b") + client_frame(0x9, b"p")
        + client_frame(0x1, b"c")
    )
    for event in server.events():
        assert event == TextMessage("a")
        break
    assert list(server.events()) == [BytesMessage(b"b"), Ping(b"p"), TextMessage("c")]
    assert list(server.events()) == []


def test_data_before_a_protocol_error_arrives_first() -> None:
    server = Connection(SERVER)
    server.receive_data(client_frame(0x1, b"a") + client_frame(0x1, b"\xff") + client_frame(0x1, b"z"))
    events = list(server.events())
    assert events[0] == TextMessage("a")
    assert type(events[1]) is CloseConnection and events[1].code == CloseReason.INVALID_FRAME_PAYLOAD_DATA
    assert len(events) == 2 and list(server.events()) == []


def test_message_subclasses_can_call_super_init() -> None:
    class Upper(TextMessage):
        def __init__(self, text: str, tag: int) -> None:
            super().__init__(data=text.upper(), message_finished=False)
            self.tag = tag

    event = Upper("hi", 7)
    assert (event.data, event.frame_finished, event.message_finished, event.tag) == ("HI", True, False, 7)
    assert isinstance(event, Message) and isinstance(event, Event)
    assert repr(event) == "Upper(data='HI', frame_finished=True, message_finished=False)"
    assert Message[str] is not None and BytesMessage(b"x", 0, 1) == BytesMessage(b"x", False, True)
    server = Connection(SERVER)
    assert server.send(Upper("a", 1)) == b"\x01\x01A"  # a first fragment, data as set
    assert Upper(tag=2, text="b").tag == 2  # its own keywords, not Message's

    class Tagged(Upper):  # inherits Upper's __new__ and __init__
        pass

    assert Tagged(text="c", tag=3).data == "C"

    class Plain(BytesMessage):  # Message's arguments, checked
        pass

    assert Plain(data=b"x", message_finished=0) == Plain(b"x", True, False)
    with pytest.raises(TypeError):
        Plain(b"x", tag=1)
    with pytest.raises(TypeError):
        BytesMessage()


def test_init_sets_the_fields_again_except_right_after_new() -> None:
    # `TextMessage(...)` does not parse its arguments twice; `__init__` called again, or
    # after a subclass's own `__new__`, still sets the fields from its arguments.
    event = TextMessage("a", message_finished=False)
    event.__init__("b", False)  # type: ignore[misc]
    assert (event.data, event.frame_finished, event.message_finished) == ("b", False, True)
    event.__init__(data="c", message_finished=False)  # type: ignore[misc]
    assert (event.data, event.frame_finished, event.message_finished) == ("c", True, False)
    with pytest.raises(TypeError):
        event.__init__()  # type: ignore[misc]
    with pytest.raises(TypeError):
        event.__init__("d", data="e")  # type: ignore[misc]
    with pytest.raises(TypeError):
        event.__init__("d", bogus=1)  # type: ignore[misc]

    class Shouting(TextMessage):  # a `__new__` of its own: `__init__` gets the originals
        def __new__(cls, data: str, *args: Any, **kwargs: Any) -> "Shouting":
            return super().__new__(cls, data.upper(), *args, **kwargs)  # type: ignore[return-value]

    assert Shouting("quiet", message_finished=False).data == "quiet"
    assert Shouting("quiet", message_finished=False).message_finished is False


def test_event_classes_are_wsprotos() -> None:
    assert TextMessage("he", message_finished=False) == TextMessage(
        data="he", frame_finished=True, message_finished=False
    )
    assert CloseConnection(1000, "bye").response() == CloseConnection(1000, "bye")
    assert RejectConnection() == RejectConnection(status_code=400, headers=[], has_body=False)
    assert issubclass(TextMessage, Message) and issubclass(Ping, Event)
    assert repr(Pong()) == "Pong(payload=b'')"
    with pytest.raises(AttributeError):
        TextMessage("x").data = "y"  # type: ignore[misc]
    received = Connection(SERVER)
    received.receive_data(client_frame(0x1, b"a"))
    (event,) = list(received.events())
    assert type(event) is TextMessage and event == TextMessage("a") and hash(event) == hash(TextMessage("a"))


def test_the_benchmark_baseline_is_the_real_wsproto() -> None:
    # The benchmark compares against wsproto 1.3.2 itself; make sure it is not the alias.
    code = "import wsproto, sys; print(wsproto.__file__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "sansocket" not in out.stdout and os.path.basename(os.path.dirname(out.stdout.strip())) == "wsproto"


LAUNCHER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "uvicorn_echo.py")


@pytest.mark.parametrize(
    "how",
    [
        [LAUNCHER, "{addr}", "--ws", "wsproto", "--sansocket-wsproto"],
        [LAUNCHER, "{addr}", "--ws", "sansocket.wsproto.uvicorn:WSProtocol"],
        ["-m", "sansocket.wsproto", "uvicorn", "uvicorn_echo:app", "--app-dir", os.path.dirname(LAUNCHER),
         "--ws", "wsproto", "--host", "127.0.0.1", "--port", "{port}"],
    ],
    ids=["install", "ws-import-string", "python-m"],
)
def test_uvicorns_own_wsproto_backend_runs_on_sansocket_wsproto(how: List[str]) -> None:
    pytest.importorskip("uvicorn")
    import asyncio
    import socket
    import time

    from websockets.asyncio.client import connect

    from .conftest import run

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    cmd = [sys.executable] + [a.format(addr=f"127.0.0.1:{port}", port=port) for a in how]
    proc = subprocess.Popen(cmd)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, "uvicorn did not start"
                time.sleep(0.05)

        async def talk() -> None:
            async with connect(f"ws://127.0.0.1:{port}/", compression="deflate") as ws:
                assert ws.response is not None
                # uvicorn's wsproto backend accepts permessage-deflate; the answer is the
                # engine's (wsproto's own would be "...; client_max_window_bits=15").
                assert ws.response.headers["Sec-WebSocket-Extensions"] == "permessage-deflate"
                await ws.send("héllo " * 100)
                assert await ws.recv() == "héllo " * 100
                await ws.send(b"\x00\xff" * 40000)
                assert await ws.recv() == b"\x00\xff" * 40000
                pong = await ws.ping(b"p")
                await asyncio.wait_for(pong, 5)
                await ws.close(4000, "bye")
            received = ws.protocol.close_rcvd
            assert received is not None
            assert (received.code, received.reason) == (4000, "bye")  # the reason echoed

        run(talk())
    finally:
        proc.terminate()
        proc.wait(10)


def test_eof_during_the_handshake_is_no_error() -> None:
    server = wsproto.WSConnection(wsproto.ConnectionType.SERVER)
    server.receive_data(b"GET / HTTP/1.1\r\n")
    server.receive_data(None)
    assert list(server.events()) == []


def test_sending_data_after_a_protocol_error_raises_wsprotos_error() -> None:
    server = Connection(SERVER)
    server.receive_data(b"\x81\x02no")  # unmasked
    (event,) = list(server.events())
    assert isinstance(event, CloseConnection) and server.state is ConnectionState.OPEN
    with pytest.raises(LocalProtocolError):
        server.send(TextMessage(data="late"))
    assert server.send(event.response()).startswith(b"\x88")
