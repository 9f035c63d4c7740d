"""sansocket.asyncio against itself on loopback: messages, backpressure, every close path."""

from __future__ import annotations

import asyncio
from typing import Any, List

import pytest

import sansocket as ss
from sansocket.asyncio import ConnectionClosed, ConnectionRejected, WebSocket, connect, serve

from .conftest import run


async def echo(ws: WebSocket) -> None:
    async for message in ws:
        await ws.send(message)


def url(server: Any, path: str = "/") -> str:
    host, port = server.sockets[0].getsockname()[:2]
    return f"ws://{host}:{port}{path}"


def test_echo_and_ping() -> None:
    async def main() -> None:
        # `async with serve(...)` as in websockets (`async with await serve(...)` works too).
        async with serve(echo, "127.0.0.1", 0) as server:
            async with connect(url(server, "/x?y=1")) as ws:
                assert ws.state is ss.ConnectionState.OPEN
                await ws.send("hello")
                assert await ws.recv() == "hello"
                await ws.send(b"\x00\x01")
                assert await ws.recv() == b"\x00\x01"
                await ws.send(bytearray(b"ba"))
                assert await ws.recv() == b"ba"
                await ws.send(["frag", "ment"])
                assert await ws.recv() == "fragment"
                big = bytes(range(256)) * 4096
                await ws.send(big)
                assert await ws.recv() == big
                assert await ws.ping() >= 0
                assert await ws.ping(b"payload") >= 0
            assert ws.close_code == 1000
            assert ws.state is ss.ConnectionState.CLOSED

    run(main())


def test_subprotocol_preference_and_request() -> None:
    seen: List[Any] = []

    async def handler(ws: WebSocket) -> None:
        seen.append((ws.request.path if ws.request else None, ws.subprotocol))

    async def main() -> None:
        server = await serve(handler, "127.0.0.1", 0, subprotocols=["v12.stomp", "v11.stomp"])
        async with server:
            for offer, chosen in [
                (["v10.stomp", "v11.stomp", "v12.stomp"], "v12.stomp"),
                (["v11.stomp"], "v11.stomp"),
                (["v10.stomp"], None),
                ([], None),
            ]:
                async with connect(url(server, "/stomp"), subprotocols=offer) as ws:
                    assert ws.subprotocol == chosen
                    with pytest.raises(ConnectionClosed) as info:
                        await ws.recv()  # the handler returns at once: the server closes
                    assert info.value.code == 1000 and info.value.ok
        assert seen == [
            ("/stomp", "v12.stomp"),
            ("/stomp", "v11.stomp"),
            ("/stomp", None),
            ("/stomp", None),
        ]

    run(main())


def test_process_request_rejects() -> None:
    async def main() -> None:
        def gate(request: ss.Request) -> Any:
            if request.path != "/ok":
                return 403, [("X-Why", "path")], b"go away"
            return None

        async with await serve(echo, "127.0.0.1", 0, process_request=gate) as server:
            with pytest.raises(ConnectionRejected) as info:
                await connect(url(server, "/no"))
            assert info.value.response.status_code == 403
            assert info.value.response.body == b"go away"
            async with connect(url(server, "/ok")) as ws:
                await ws.send("fine")
                assert await ws.recv() == "fine"

    run(main())


def test_close_codes_both_ways() -> None:
    async def closer(ws: WebSocket) -> None:
        message = await ws.recv()
        if message == "close-4001":
            await ws.close(4001, "server says bye")
        elif message == "fail":
            raise RuntimeError("handler failure")
        else:
            async for _ in ws:
                pass

    async def main() -> None:
        async with await serve(closer, "127.0.0.1", 0) as server:
            async with connect(url(server)) as ws:
                await ws.send("close-4001")
                with pytest.raises(ConnectionClosed) as info:
                    await ws.recv()
                assert (info.value.code, info.value.reason) == (4001, "server says bye")
                assert not info.value.ok
                with pytest.raises(ConnectionClosed):
                    await ws.send("too late")
            async with connect(url(server)) as ws:
                await ws.send("fail")
                with pytest.raises(ConnectionClosed) as info:
                    await ws.recv()
                assert info.value.code == 1011
            ws = await connect(url(server))
            await ws.send("stay")
            await ws.close(3000, "client done")
            assert ws.close_code == 3000
            with pytest.raises(ConnectionClosed):  # 3000 is not a normal closure
                [m async for m in ws]
            ws = await connect(url(server))
            await ws.close()
            assert [m async for m in ws] == []  # a normal closure ends the iteration

    run(main())


def test_limits_fail_the_connection_with_1009() -> None:
    async def main() -> None:
        async with await serve(echo, "127.0.0.1", 0, max_message_size=1000) as server:
            async with connect(url(server)) as ws:
                await ws.send("x" * 1000)
                assert await ws.recv() == "x" * 1000
                await ws.send("x" * 1001)
                with pytest.raises(ConnectionClosed) as info:
                    await ws.recv()
                assert info.value.code == 1009

    run(main())


def test_abrupt_transport_close_is_1006() -> None:
    closed: "asyncio.Future[int]"

    async def handler(ws: WebSocket) -> None:
        try:
            await ws.recv()
        except ConnectionClosed as exc:
            closed.set_result(exc.code)

    async def main() -> None:
        nonlocal closed
        closed = asyncio.get_running_loop().create_future()
        async with await serve(handler, "127.0.0.1", 0) as server:
            ws = await connect(url(server))
            assert ws._transport is not None
            ws._transport.abort()
            assert await closed == 1006
            with pytest.raises(ConnectionClosed) as info:
                await ws.recv()
            assert info.value.code == 1006

    run(main())


def test_server_shutdown_closes_with_1001() -> None:
    async def main() -> None:
        server = await serve(echo, "127.0.0.1", 0)
        clients = [await connect(url(server)) for _ in range(3)]
        server.close()
        await server.wait_closed()
        for ws in clients:
            with pytest.raises(ConnectionClosed) as info:
                await ws.recv()
            assert info.value.code == 1001 and info.value.ok
            await ws.wait_closed()

    run(main())


def test_backpressure_stops_reading_and_sending() -> None:
    """A handler that does not read: the server decodes one message ahead, stops reading
    once read_limit bytes wait undecoded, TCP fills up, and the client's send() waits; once
    the handler reads, everything arrives in order."""
    release = asyncio.Event
    received: List[int] = []

    async def main() -> None:
        go = release()

        async def slow(ws: WebSocket) -> None:
            await go.wait()
            async for message in ws:
                received.append(len(message))

        chunk = b"x" * (1 << 20)
        async with await serve(slow, "127.0.0.1", 0, read_limit=1 << 16) as server:
            async with connect(url(server)) as ws:
                sent = 0

                async def sender() -> None:
                    nonlocal sent
                    for _ in range(64):
                        await ws.send(chunk)
                        sent += 1

                task = asyncio.ensure_future(sender())
                await asyncio.sleep(1.0)
                assert not task.done(), "send() never waited: no backpressure"
                assert sent < 64
                blocked_at = sent
                go.set()
                await asyncio.wait_for(task, 20)
                assert blocked_at < sent == 64
                while len(received) < 64:
                    await asyncio.sleep(0.05)
        assert received == [1 << 20] * 64

    run(main())


def test_pipelining_without_bound_does_not_deadlock() -> None:
    """Our client sends 1 MiB messages without waiting for the echoes (it reads them in
    another task) to our echo server. Both write buffers fill up; if a full write buffer
    paused reading, each side would wait for the other to read, forever."""
    count, size = 48, 1 << 20

    async def main() -> None:
        async with await serve(echo, "127.0.0.1", 0, read_limit=1 << 16) as server:
            async with connect(url(server), read_limit=1 << 16) as ws:
                chunk = b"y" * size

                async def sender() -> None:
                    for _ in range(count):
                        await ws.send(chunk)

                async def receiver() -> int:
                    n = 0
                    for _ in range(count):
                        n += len(await ws.recv())
                    return n

                sent = asyncio.ensure_future(sender())
                assert await asyncio.wait_for(receiver(), 30) == count * size
                await asyncio.wait_for(sent, 5)

    run(main())


def test_connect_timeout_and_bad_uri() -> None:
    async def main() -> None:
        async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await asyncio.sleep(5)
            writer.close()

        server = await asyncio.start_server(silent, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        with pytest.raises(asyncio.TimeoutError):
            await connect(f"ws://127.0.0.1:{port}/", open_timeout=0.3)
        server.close()
        with pytest.raises(ValueError):
            connect("http://127.0.0.1/")
        with pytest.raises(OSError):
            await connect(f"ws://127.0.0.1:{port}/")  # nothing listens any more
        with pytest.raises(TypeError):
            connect("ws://127.0.0.1/", delivery="chunks")

    run(main())


def test_server_drops_a_client_that_never_finishes_the_handshake() -> None:
    async def main() -> None:
        async with await serve(echo, "127.0.0.1", 0, open_timeout=0.3) as server:
            host, port = server.sockets[0].getsockname()[:2]
            reader, writer = await asyncio.open_connection(host, port)
            writer.write(b"GET / HTTP/1.1\r\n")
            assert await asyncio.wait_for(reader.read(), 5) == b""  # closed by the server
            writer.close()

    run(main())


def test_http_error_answer() -> None:
    async def main() -> None:
        async with await serve(echo, "127.0.0.1", 0) as server:
            host, port = server.sockets[0].getsockname()[:2]
            reader, writer = await asyncio.open_connection(host, port)
            writer.write(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            answer = await asyncio.wait_for(reader.read(), 5)
            assert answer.startswith(b"HTTP/1.1 426 ")
            writer.close()

    run(main())


def test_deflate_between_our_client_and_server() -> None:
    async def main() -> None:
        async with await serve(echo, "127.0.0.1", 0, deflate=True) as server:
            async with connect(url(server), deflate=True) as ws:
                assert ws.response is not None
                assert any("permessage-deflate" in e for e in ws.response.extensions)
                await ws.send("compress me " * 1000)
                assert await ws.recv() == "compress me " * 1000

    run(main())


def test_answer_to_a_message_precedes_the_failure_that_follows_it() -> None:
    """A message and a broken frame in one read: the echo goes out before the close frame
    (as the synchronous Rust example does; Autobahn 3.2, 4.1.3 and alike)."""

    async def main() -> None:
        async with await serve(echo, "127.0.0.1", 0) as server:
            host, port = server.sockets[0].getsockname()[:2]
            client = ss.ClientConnection(f"{host}:{port}", insecure_seed=1)
            reader, writer = await asyncio.open_connection(host, port)
            writer.write(client.data_to_send())
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
            client.receive_data(head)
            assert isinstance(client.next_event(), ss.AcceptConnection)
            client.send_text("first")
            broken = bytes([0xC1, 0x80, 0, 0, 0, 0])  # RSV1 without an extension
            writer.write(client.data_to_send() + broken)
            client.receive_data(await asyncio.wait_for(reader.read(), 5))
            client.receive_eof()
            events = list(client.events())
            assert events == [ss.TextMessage("first"), ss.CloseConnection(1002, "protocol error")]
            writer.close()

    run(main())


def test_process_request_failure_is_a_500() -> None:
    async def main() -> None:
        def broken(request: ss.Request) -> Any:
            raise RuntimeError("bug")

        async with await serve(echo, "127.0.0.1", 0, process_request=broken) as server:
            with pytest.raises(ConnectionRejected) as info:
                await connect(url(server))
            assert info.value.response.status_code == 500

    run(main())
