"""`sansocket.uvicorn.WebSocketProtocol` inside a real uvicorn server on loopback.

Modelled on uvicorn's tests/protocols/test_websocket.py: the scope, accept with subprotocol and
headers, rejection (403) and the denial response extension, applications raising, close codes
both ways, server shutdown (1012), size limits, keepalive pings and flow control. Clients: the
`websockets` library and sansocket's own asyncio client.
"""

from __future__ import annotations

import asyncio
import json
import socket
import struct
import threading
import time
from typing import Any, Iterator

import pytest

uvicorn = pytest.importorskip("uvicorn")

import websockets  # noqa: E402
from websockets.asyncio.client import connect as ws_connect  # noqa: E402

import sansocket as ss  # noqa: E402
import sansocket.asyncio as sa  # noqa: E402
from sansocket.uvicorn import WebSocketProtocol  # noqa: E402

from . import uvicorn_apps  # noqa: E402
from .conftest import run  # noqa: E402


async def raw_upgrade(
    port: int, path: str = "/echo"
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A raw TCP connection to the server on `port`, upgraded to WebSocket on `path` (the
    101 read): the tests that write frames by hand start from it."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        f"GET {path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    await reader.readuntil(b"\r\n\r\n")
    return reader, writer


WS = "sansocket.uvicorn:WebSocketProtocol"


class Server:
    """uvicorn serving `uvicorn_apps.app` in a thread, on an ephemeral loopback port."""

    def __init__(self, **options: Any) -> None:
        options.setdefault("ws", WS)
        self.config = uvicorn.Config(
            uvicorn_apps.app, host="127.0.0.1", port=0, lifespan="off", log_level="critical",
            **options,
        )
        self.server = uvicorn.Server(self.config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Server:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            assert self.thread.is_alive(), "uvicorn exited"
            time.sleep(0.01)
        self.port = self.server.servers[0].sockets[0].getsockname()[1]
        return self

    def url(self, path: str) -> str:
        return f"ws://127.0.0.1:{self.port}{path}"

    def protocols(self) -> list[WebSocketProtocol]:
        return [c for c in self.server.server_state.connections if isinstance(c, WebSocketProtocol)]

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(15)
        assert not self.thread.is_alive(), "uvicorn did not stop"

    def __exit__(self, *exc: object) -> None:
        self.stop()


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with Server(ws_max_queue=4) as s:
        yield s


def test_the_class_is_what_uvicorn_loads() -> None:
    config = uvicorn.Config(uvicorn_apps.app, ws=WS)
    config.load()
    assert config.ws_protocol_class is WebSocketProtocol


@pytest.mark.parametrize("client", ["websockets", "sansocket"])
def test_echo_text_and_binary(server: Server, client: str) -> None:
    async def main() -> list[Any]:
        if client == "websockets":
            async with ws_connect(server.url("/echo")) as ws:
                out = []
                for message in ["hello", b"\x00\xff", "", b"", "ünïcødé"]:
                    await ws.send(message)
                    out.append(await ws.recv())
                return out
        async with sa.connect(server.url("/echo")) as sws:
            out = []
            for message in ["hello", b"\x00\xff", "", b"", "ünïcødé"]:
                await sws.send(message)
                out.append(await sws.recv())
            return out

    assert run(main()) == ["hello", b"\x00\xff", "", b"", "ünïcødé"]


def test_scope(server: Server) -> None:
    async def main() -> Any:
        async with ws_connect(
            server.url("/scope/a%20b?x=1&y=%20"),
            subprotocols=["one", "two"],  # type: ignore[list-item]
            additional_headers={"X-Custom": "value"},
        ) as ws:
            return json.loads(await ws.recv()), ws.local_address

    scope, local = run(main())
    assert scope["type"] == "websocket"
    assert scope["asgi"] == {"version": "3.0", "spec_version": "2.4"}
    assert scope["http_version"] == "1.1"
    assert scope["scheme"] == "ws"
    assert scope["path"] == "/scope/a b"
    assert scope["raw_path"] == "/scope/a%20b"
    assert scope["query_string"] == "x=1&y=%20"
    assert scope["root_path"] == ""
    assert scope["server"] == ["127.0.0.1", server.port]
    assert scope["client"] == [local[0], local[1]]
    assert scope["subprotocols"] == ["one", "two"]
    assert scope["extensions"] == {"websocket.http.response": {}}
    headers = dict(scope["headers"])
    assert headers["host"] == f"127.0.0.1:{server.port}"
    assert headers["x-custom"] == "value"
    assert headers["upgrade"] == "websocket"
    assert all(name == name.lower() for name, _ in scope["headers"])


@pytest.mark.parametrize(
    ("offered", "chosen"),
    [(["v11.stomp", "v12.stomp"], "v12.stomp"), (["v11.stomp"], "v11.stomp"), ([], None)],
)
def test_subprotocol_and_accept_headers(server: Server, offered: list[str], chosen: Any) -> None:
    async def main() -> Any:
        async with ws_connect(server.url("/subprotocol"), subprotocols=offered) as ws:  # type: ignore[arg-type]
            assert ws.response is not None
            return ws.subprotocol, ws.response.headers

    subprotocol, headers = run(main())
    assert subprotocol == chosen
    assert headers["x-chosen"] == (chosen or "none")
    assert headers["server"] == "uvicorn"  # uvicorn's default headers are added
    assert "date" in headers

    async def own_client() -> Any:
        async with sa.connect(server.url("/subprotocol"), subprotocols=offered) as ws:
            return ws.subprotocol

    assert run(own_client()) == chosen


def test_reject_before_accept_is_403(server: Server) -> None:
    async def main() -> Any:
        with pytest.raises(websockets.InvalidStatus) as info:
            async with ws_connect(server.url("/reject")):
                pass
        with pytest.raises(sa.ConnectionRejected) as own:
            async with sa.connect(server.url("/reject")):
                pass
        return info.value.response.status_code, own.value.response.status_code

    assert run(main()) == (403, 403)


def test_denial_response(server: Server) -> None:
    async def main() -> Any:
        with pytest.raises(websockets.InvalidStatus) as info:
            async with ws_connect(server.url("/deny")):
                pass
        with pytest.raises(sa.ConnectionRejected) as own:
            async with sa.connect(server.url("/deny")):
                pass
        return info.value.response, own.value.response

    response, own = run(main())
    assert response.status_code == 418
    assert response.headers["x-why"] == "teapot"
    assert response.headers["content-type"] == "text/plain"
    assert response.body == b"no websockets"
    assert own.status_code == 418 and own.body == b"no websockets"


def test_app_raising_before_accept_is_500(server: Server) -> None:
    async def main() -> Any:
        with pytest.raises(websockets.InvalidStatus) as info:
            async with ws_connect(server.url("/raise-before-accept")):
                pass
        return info.value.response

    response = run(main())
    assert response.status_code == 500
    assert response.body == b"Internal Server Error"


def test_app_returning_without_accepting_is_500(server: Server) -> None:
    async def main() -> Any:
        with pytest.raises(websockets.InvalidStatus) as info:
            async with ws_connect(server.url("/no-accept")):
                pass
        return info.value.response.status_code

    assert run(main()) == 500


def test_transport_lost_then_send_raises_client_disconnected(server: Server) -> None:
    """The client drops TCP without a close frame: the application gets a disconnect (1005,
    as uvicorn's own backends say after the handshake) and a send raises ClientDisconnected."""
    path = "/send-after-disconnect"

    async def main() -> None:
        reader, writer = await raw_upgrade(server.port, path)
        writer.transport.abort()

    run(main())
    deadline = time.monotonic() + 5
    while len(uvicorn_apps.EVENTS.get(path, [])) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert uvicorn_apps.EVENTS[path] == [
        {"type": "websocket.disconnect", "code": 1005},
        {"raised": "ClientDisconnected"},
    ]


@pytest.mark.parametrize(("path", "code"), [("/raise-after-accept", 1011), ("/return-without-close", 1000)])
def test_app_ending_after_accept_closes(server: Server, path: str, code: int) -> None:
    async def main() -> Any:
        async with sa.connect(server.url(path)) as ws:
            with pytest.raises(sa.ConnectionClosed):
                await ws.recv()
            return ws.close_code

    assert run(main()) == code


def test_server_closes_with_code_and_reason(server: Server) -> None:
    async def main() -> Any:
        async with ws_connect(server.url("/close")) as ws:
            with pytest.raises(websockets.ConnectionClosed):
                await ws.recv()
            return ws.close_code, ws.close_reason

    assert run(main()) == (4001, "done here")
    deadline = time.monotonic() + 5
    while "/close" not in uvicorn_apps.EVENTS and time.monotonic() < deadline:
        time.sleep(0.01)
    assert uvicorn_apps.EVENTS["/close"] == [
        {"type": "websocket.disconnect", "code": 4001, "reason": "done here"}
    ]


@pytest.mark.parametrize("client", ["websockets", "sansocket"])
def test_client_close_reaches_the_app(server: Server, client: str) -> None:
    path = f"/record-{client}"

    async def main() -> None:
        if client == "websockets":
            async with ws_connect(server.url(path)) as ws:
                await ws.send("one")
                await ws.close(4000, "bye now")
        else:
            async with sa.connect(server.url(path)) as sws:
                await sws.send(b"two")
                await sws.close(4000, "bye now")

    run(main())
    deadline = time.monotonic() + 5
    while len(uvicorn_apps.EVENTS.get(path, [])) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    first = {"type": "websocket.receive", "text": "one"} if client == "websockets" else {
        "type": "websocket.receive", "bytes": b"two"}
    assert uvicorn_apps.EVENTS[path] == [
        {"type": "websocket.connect"},
        first,
        {"type": "websocket.disconnect", "code": 4000, "reason": "bye now"},
    ]


@pytest.mark.parametrize("kind", [str, bytes])
def test_one_mebibyte_message(server: Server, kind: type) -> None:
    message = ("é" * (1 << 19)) if kind is str else bytes(range(256)) * 4096

    async def main() -> Any:
        async with ws_connect(server.url("/echo"), max_size=None) as ws:
            await ws.send(message)
            first = await ws.recv()
        async with sa.connect(server.url("/echo")) as sws:
            await sws.send(message)
            second = await sws.recv()
        return first, second

    assert run(main()) == (message, message)


def test_ws_max_size_closes_with_1009() -> None:
    async def main() -> Any:
        async with ws_connect(s.url("/echo")) as ws:
            await ws.send(b"x" * 1024)
            assert await ws.recv() == b"x" * 1024
            await ws.send(b"x" * 1025)
            with pytest.raises(websockets.ConnectionClosedError):
                await ws.recv()
            return ws.close_code

    with Server(ws_max_size=1024) as s:
        assert run(main()) == 1009


def test_protocol_error_closes_with_1002(server: Server) -> None:
    """Raw bytes: an unmasked client frame is a protocol error."""

    async def main() -> bytes:
        reader, writer = await raw_upgrade(server.port)
        writer.write(b"\x81\x02hi")
        data = await reader.read()  # until the server closes
        writer.close()
        return data

    data = run(main())
    assert data[:2] == b"\x88\x02" or data[0] == 0x88
    assert struct.unpack("!H", data[2:4])[0] == 1002


def test_bad_upgrade_request_is_answered_by_uvicorn_or_the_engine(server: Server) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(
            b"GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Version: 13\r\n\r\n"  # no key
        )
        answer = b""
        while True:
            chunk = sock.recv(4096)
            if not chunk:
                break
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 400 ")


def test_server_shutdown_closes_with_1012() -> None:
    async def main(s: Server) -> Any:
        async with ws_connect(s.url("/record-shutdown")) as ws, sa.connect(s.url("/echo")) as sws:
            await ws.send("before")
            await sws.send("hi")
            assert await sws.recv() == "hi"
            stopper = threading.Thread(target=s.stop)
            stopper.start()
            with pytest.raises(websockets.ConnectionClosed):
                await ws.recv()
            with pytest.raises(sa.ConnectionClosed):
                await sws.recv()
            await asyncio.get_running_loop().run_in_executor(None, stopper.join, 15)
            return ws.close_code, sws.close_code

    s = Server()
    s.__enter__()
    assert run(main(s)) == (1012, 1012)
    assert uvicorn_apps.EVENTS["/record-shutdown"][-1] == {"type": "websocket.disconnect", "code": 1012}


def test_slow_consumer_pauses_reading(server: Server) -> None:
    """The application reads nothing for a second: reading pauses with ws_max_queue (4)
    messages decoded, and resumes when the application catches up."""
    count, size = 200, 16 * 1024

    async def main() -> Any:
        async with ws_connect(server.url("/slow"), max_size=None) as ws:
            sending = asyncio.ensure_future(_send_many(ws, count, size))
            await asyncio.sleep(0.5)
            (protocol,) = [p for p in server.protocols() if p.scope["path"] == "/slow"]
            paused = protocol.driver.read_paused, protocol.pending_messages, protocol.transport.is_reading()
            await sending
            return paused, await ws.recv()

    (read_paused, pending, reading), answer = run(main())
    assert read_paused and not reading
    assert pending == 4
    assert answer == f"{count + 1} {count * size + 3}"


async def _send_many(ws: Any, count: int, size: int) -> None:
    for _ in range(count):
        await ws.send(b"x" * size)
    await ws.send(b"end")


def test_keepalive_ping_timeout_closes_with_1011() -> None:
    """A client that never answers pings: closed with 1011 after ws_ping_timeout."""

    async def main(s: Server) -> bytes:
        reader, writer = await raw_upgrade(s.port)
        data = await reader.read()  # a ping, then the close frame, then EOF
        writer.close()
        return data

    with Server(ws_ping_interval=0.1, ws_ping_timeout=0.2) as s:
        data = run(main(s), timeout=10)
    assert data[:2] == b"\x89\x04"  # the ping, 4 random bytes
    close = data[6:]
    assert close[0] == 0x88 and struct.unpack("!H", close[2:4])[0] == 1011


def test_keepalive_pings_answered_keep_the_connection() -> None:
    async def main(s: Server) -> Any:
        async with sa.connect(s.url("/echo")) as sws:
            await asyncio.sleep(0.6)  # several ping rounds, answered by the engine
            await sws.send("still here")
            return await sws.recv()

    with Server(ws_ping_interval=0.1, ws_ping_timeout=0.2) as s:
        assert run(main(s)) == "still here"


@pytest.mark.parametrize("deflate", [True, False])
def test_per_message_deflate_setting(deflate: bool) -> None:
    async def main(s: Server) -> Any:
        async with ws_connect(s.url("/echo")) as ws:  # websockets offers permessage-deflate
            await ws.send("a" * 10000)
            assert await ws.recv() == "a" * 10000
            assert ws.response is not None
            return ws.response.headers.get("sec-websocket-extensions")

    with Server(ws_per_message_deflate=deflate) as s:
        extensions = run(main(s))
    if deflate:
        assert extensions is not None and extensions.startswith("permessage-deflate")
    else:
        assert extensions is None


@pytest.mark.parametrize("count", [3, 4, 5, 9, 100])
def test_burst_in_one_read_past_the_queue_limit(server: Server, count: int) -> None:
    """Many small messages in one write: decoding stops at ws_max_queue (4) messages with
    the rest held in the engine, and goes on as the application takes them; every echo
    comes back, in order, with nothing read after the burst to wake it."""
    client = ss.ClientConnection.opened(insecure_seed=3)
    messages = [f"m{i}" if i % 2 else f"b{i}".encode() for i in range(count)]
    for message in messages:
        if isinstance(message, str):
            client.send_text(message)
        else:
            client.send_binary(message)
    wire = client.data_to_send()

    async def main() -> list[Any]:
        reader, writer = await raw_upgrade(server.port)
        writer.write(wire)  # the whole burst at once
        got: list[Any] = []
        while len(got) < count:
            got += client.receive_messages(await asyncio.wait_for(reader.read(65536), 5), 1000)
        writer.close()
        return got

    assert run(main()) == messages


@pytest.mark.parametrize("count", [1, 3, 40])
def test_answers_in_a_burst_go_out_before_the_protocol_error_after_them(
    server: Server, count: int
) -> None:
    """Messages and then an unmasked frame (a protocol error) in one write: every echo, in
    order, then the close frame (1002); the error waits until the application took every
    message decoded before it (ws_max_queue is 4: most are decoded after the first echoes)."""
    client = ss.ClientConnection.opened(insecure_seed=5)
    for i in range(count):
        client.send_binary(b"%d" % i)
    wire = client.data_to_send() + b"\x81\x02hi"

    async def main() -> bytes:
        reader, writer = await raw_upgrade(server.port)
        writer.write(wire)
        data = await asyncio.wait_for(reader.read(), 5)  # until the server closes
        writer.close()
        return data

    assert_echoes_then_close(run(main()), count, 1002)


@pytest.mark.parametrize("count", [1, 3, 6])
def test_answers_go_out_before_a_protocol_error_in_a_later_read(
    server: Server, count: int
) -> None:
    """Messages, then a protocol error in a later read, while the application has not taken
    the messages yet (it waits 0.3 s first): every echo goes out, then the close frame
    (1002). With more messages than ws_max_queue (4), reading pauses meanwhile."""
    client = ss.ClientConnection.opened(insecure_seed=9)
    for i in range(count):
        client.send_binary(b"%d" % i)
    wire = client.data_to_send()

    async def main() -> bytes:
        reader, writer = await raw_upgrade(server.port, "/late-echo")
        writer.write(wire)
        await writer.drain()
        await asyncio.sleep(0.1)  # a later read for the server
        writer.write(b"\x82\x02no")  # unmasked: a protocol error
        data = await asyncio.wait_for(reader.read(), 5)  # until the server closes
        writer.close()
        return data

    assert_echoes_then_close(run(main()), count, 1002)


def assert_echoes_then_close(data: bytes, count: int, code: int) -> None:
    """`data` is the echoes of the binary messages b"0", b"1", ... (`count` of them), in
    order, then a close frame with `code`."""
    echoes = b"".join(b"\x82" + bytes([len(b"%d" % i)]) + b"%d" % i for i in range(count))
    assert data.startswith(echoes), data
    rest = data[len(echoes) :]
    assert rest[0] == 0x88 and struct.unpack("!H", rest[2:4])[0] == code, data
