"""Interop on loopback with the `websockets` library, both directions: its client against
our server, our client against its server. Subprotocols (STOMP's three), text, binary,
fragmented and 1 MiB messages, permessage-deflate, ping/pong, and every close path."""

from __future__ import annotations

import asyncio
from http import HTTPStatus
from typing import Any, List, Optional

import pytest
from websockets.asyncio.client import connect as ws_connect
from websockets.asyncio.server import serve as ws_serve
from websockets.exceptions import ConnectionClosed as WsClosed

import sansocket as ss
from sansocket.asyncio import ConnectionClosed, ConnectionRejected, WebSocket, connect, serve

from .conftest import run

STOMP = ["v12.stomp", "v11.stomp", "v10.stomp"]
MIB = 1 << 20


def our_url(server: Any, path: str = "/") -> str:
    host, port = server.sockets[0].getsockname()[:2]
    return f"ws://{host}:{port}{path}"


def their_url(server: Any, path: str = "/") -> str:
    host, port = list(server.sockets)[0].getsockname()[:2]
    return f"ws://{host}:{port}{path}"


# ---- their client, our server ------------------------------------------------------------


async def our_echo(ws: WebSocket) -> None:
    async for message in ws:
        if message == "ping-me":
            await ws.ping(b"from-server")
            await ws.send("pinged")
        elif message == "close-4000":
            await ws.close(4000, "as asked")
        else:
            await ws.send(message)


@pytest.mark.parametrize(
    "offer, chosen",
    [
        (["v10.stomp", "v11.stomp", "v12.stomp"], "v12.stomp"),
        (["v11.stomp", "v10.stomp"], "v11.stomp"),
        (["v10.stomp"], "v10.stomp"),
        (["mqtt"], None),
    ],
)
def test_their_client_subprotocols(offer: List[str], chosen: Optional[str]) -> None:
    async def main() -> None:
        async with await serve(our_echo, "127.0.0.1", 0, subprotocols=STOMP) as server:
            # No match: accepted without a subprotocol, which RFC 6455 allows.
            async with ws_connect(our_url(server), subprotocols=offer) as ws:  # type: ignore[list-item]
                assert ws.subprotocol == chosen
                await ws.send("CONNECT")
                assert await ws.recv() == "CONNECT"

    run(main())


def test_their_client_messages() -> None:
    async def main() -> None:
        async with await serve(
            our_echo, "127.0.0.1", 0, max_message_size=4 * MIB, max_frame_size=4 * MIB
        ) as server:
            async with ws_connect(our_url(server), max_size=None, compression=None) as ws:
                await ws.send("hello ✓")
                assert await ws.recv() == "hello ✓"
                await ws.send(b"\x00\xff")
                assert await ws.recv() == b"\x00\xff"
                await ws.send("")
                assert await ws.recv() == ""
                text = "é" * (MIB // 2)
                await ws.send(text)
                assert await ws.recv() == text
                blob = bytes(range(256)) * (MIB // 256)
                await ws.send(blob)
                assert await ws.recv() == blob
                await ws.send(["frag", "ment", "ed"])
                assert await ws.recv() == "fragmented"
                await ws.send([b"a" * 100_000, b"b" * 100_000, b"c"])
                assert await ws.recv() == b"a" * 100_000 + b"b" * 100_000 + b"c"
                # their ping, our automatic pong
                latency = await asyncio.wait_for(await ws.ping(b"from-client"), 5)
                assert latency >= 0
                # our ping, their automatic pong (our ping() returns once the pong is in)
                await ws.send("ping-me")
                assert await ws.recv() == "pinged"

    run(main())


def test_their_client_with_deflate() -> None:
    async def main() -> None:
        async with await serve(our_echo, "127.0.0.1", 0, deflate=True) as server:
            async with ws_connect(our_url(server)) as ws:  # websockets offers deflate
                extensions = [e.name for e in ws.protocol.extensions]
                assert extensions == ["permessage-deflate"]
                for message in ["short", "long text " * 10_000, b"\x00" * MIB]:
                    await ws.send(message)
                    assert await ws.recv() == message

    run(main())


def test_their_client_close_paths() -> None:
    async def main() -> None:
        server = await serve(our_echo, "127.0.0.1", 0, max_message_size=1000)
        async with server:
            # They close normally.
            ws = await ws_connect(our_url(server))
            await ws.close(1000, "done")
            assert ws.close_code == 1000

            # We close with a code of our choosing.
            async with ws_connect(our_url(server)) as ws:
                await ws.send("close-4000")
                with pytest.raises(WsClosed) as info:
                    await ws.recv()
                assert info.value.rcvd is not None
                assert (info.value.rcvd.code, info.value.rcvd.reason) == (4000, "as asked")

            # They break our limit: we fail the connection with 1009.
            async with ws_connect(our_url(server)) as ws:
                await ws.send("x" * 1001)
                with pytest.raises(WsClosed) as info:
                    await ws.recv()
                assert info.value.rcvd is not None and info.value.rcvd.code == 1009

            # Our server shuts down: 1001 to everyone.
            ws = await ws_connect(our_url(server))
            server.close()
            await server.wait_closed()
            with pytest.raises(WsClosed) as info:
                await ws.recv()
            assert info.value.rcvd is not None and info.value.rcvd.code == 1001

    run(main())


def test_their_client_vanishes() -> None:
    async def main() -> None:
        codes: "asyncio.Queue[int]" = asyncio.Queue()

        async def handler(ws: WebSocket) -> None:
            try:
                await ws.recv()
            except ConnectionClosed as exc:
                await codes.put(exc.code)

        async with await serve(handler, "127.0.0.1", 0) as server:
            ws = await ws_connect(our_url(server))
            ws.transport.abort()
            assert await asyncio.wait_for(codes.get(), 5) == 1006

    run(main())


# ---- our client, their server ------------------------------------------------------------


async def their_echo(ws: Any) -> None:
    try:
        async for message in ws:
            if message == "ping-me":
                await asyncio.wait_for(await ws.ping(b"from-server"), 5)
                await ws.send("pinged")
            elif message == "close-4000":
                await ws.close(4000, "as asked")
            elif message == "vanish":
                ws.transport.abort()
            else:
                await ws.send(message)
    except WsClosed:
        pass


@pytest.mark.parametrize(
    "offer, chosen",
    [
        (["v10.stomp", "v11.stomp", "v12.stomp"], "v12.stomp"),
        (["v11.stomp"], "v11.stomp"),
        (["v10.stomp", "mqtt"], "v10.stomp"),
        (["mqtt"], None),
    ],
)
def test_our_client_subprotocols(offer: List[str], chosen: Optional[str]) -> None:
    async def main() -> None:
        async with ws_serve(their_echo, "127.0.0.1", 0, subprotocols=STOMP) as server:  # type: ignore[arg-type]
            if chosen is None:
                # websockets refuses a client whose offers it supports none of (400).
                with pytest.raises(ConnectionRejected) as info:
                    await connect(their_url(server), subprotocols=offer)
                assert info.value.response.status_code == 400
                return
            async with connect(their_url(server), subprotocols=offer) as ws:
                assert ws.subprotocol == chosen
                await ws.send("CONNECT")
                assert await ws.recv() == "CONNECT"

    run(main())


def test_our_client_messages() -> None:
    async def main() -> None:
        async with ws_serve(their_echo, "127.0.0.1", 0, max_size=None, compression=None) as server:
            async with connect(their_url(server)) as ws:
                await ws.send("hello ✓")
                assert await ws.recv() == "hello ✓"
                await ws.send(b"\x00\xff")
                assert await ws.recv() == b"\x00\xff"
                text = "é" * (MIB // 2)
                await ws.send(text)
                assert await ws.recv() == text
                blob = bytes(range(256)) * (MIB // 256)
                await ws.send(blob)
                assert await ws.recv() == blob
                await ws.send(["frag", "ment", "ed"])
                assert await ws.recv() == "fragmented"
                await ws.send([b"x" * 70_000, b"y"])
                assert await ws.recv() == b"x" * 70_000 + b"y"
                assert await ws.ping(b"from-client") >= 0  # their automatic pong
                await ws.send("ping-me")  # their ping, our automatic pong
                assert await ws.recv() == "pinged"

    run(main())


def test_our_client_with_deflate() -> None:
    async def main() -> None:
        async with ws_serve(their_echo, "127.0.0.1", 0, max_size=None) as server:
            async with connect(their_url(server), deflate=True) as ws:
                assert ws.response is not None
                assert any(e.startswith("permessage-deflate") for e in ws.response.extensions)
                for message in ["short", "long text " * 10_000, b"\x00" * MIB]:
                    await ws.send(message)
                    assert await ws.recv() == message

    run(main())


def test_our_client_close_paths() -> None:
    async def main() -> None:
        handler_saw: "asyncio.Queue[Any]" = asyncio.Queue()

        async def watcher(ws: Any) -> None:
            try:
                await their_echo(ws)
            finally:
                await handler_saw.put((ws.close_code, ws.close_reason))

        async with ws_serve(watcher, "127.0.0.1", 0, max_size=1000) as server:
            # We close normally; they see our code and reason.
            ws = await connect(their_url(server))
            await ws.close(1000, "bye")
            assert ws.close_code == 1000
            assert await asyncio.wait_for(handler_saw.get(), 5) == (1000, "bye")

            # They close with 4000.
            ws = await connect(their_url(server))
            await ws.send("close-4000")
            with pytest.raises(ConnectionClosed) as info:
                await ws.recv()
            assert (info.value.code, info.value.reason) == (4000, "as asked")
            await ws.wait_closed()
            await handler_saw.get()

            # We break their limit: they fail the connection with 1009.
            ws = await connect(their_url(server))
            await ws.send("x" * 1001)
            with pytest.raises(ConnectionClosed) as info:
                await ws.recv()
            assert info.value.code == 1009
            await handler_saw.get()

            # They vanish: 1006.
            ws = await connect(their_url(server))
            await ws.send("vanish")
            with pytest.raises(ConnectionClosed) as info:
                await ws.recv()
            assert info.value.code == 1006
            await handler_saw.get()

            # Their server shuts down (1001).
            ws = await connect(their_url(server))
        with pytest.raises(ConnectionClosed) as info:
            await ws.recv()
        assert info.value.code == 1001 and info.value.ok

    run(main())


def test_our_client_rejected() -> None:
    async def main() -> None:
        def refuse(connection: Any, request: Any) -> Any:
            return connection.respond(HTTPStatus.FORBIDDEN, "not you\n")

        async with ws_serve(their_echo, "127.0.0.1", 0, process_request=refuse) as server:
            with pytest.raises(ConnectionRejected) as info:
                await connect(their_url(server))
            assert info.value.response.status_code == 403
            assert info.value.response.body == b"not you\n"

    run(main())


# ---- the sans-IO layers against each other, in memory -------------------------------------


def test_sansio_against_their_sansio_protocols() -> None:
    from websockets.client import ClientProtocol
    from websockets.frames import Frame, Opcode
    from websockets.server import ServerProtocol
    from websockets.uri import parse_uri

    # Their client protocol, our server connection.
    theirs = ClientProtocol(parse_uri("ws://example.com/chat"), subprotocols=STOMP[::-1])  # type: ignore[arg-type]
    theirs.send_request(theirs.connect())
    ours = ss.ServerConnection()
    ours.receive_data(b"".join(theirs.data_to_send()))
    (request,) = list(ours.events())
    assert isinstance(request, ss.Request)
    ours.accept(subprotocol=request.select_subprotocol(STOMP))
    theirs.receive_data(ours.data_to_send())
    assert theirs.handshake_exc is None and theirs.subprotocol == "v12.stomp"
    theirs.send_text(b"abc", fin=False)
    theirs.send_continuation(b"def", fin=True)
    theirs.send_ping(b"p")
    ours.receive_data(b"".join(theirs.data_to_send()))
    assert list(ours.events()) == [ss.TextMessage("abcdef"), ss.Ping(b"p")]
    theirs.receive_data(ours.data_to_send())
    events = theirs.events_received()
    assert isinstance(events[-1], Frame) and events[-1].opcode is Opcode.PONG

    # Our client connection, their server protocol.
    server = ServerProtocol(subprotocols=STOMP)  # type: ignore[arg-type]
    client = ss.ClientConnection("example.com", "/", subprotocols=["v11.stomp"])
    server.receive_data(client.data_to_send())
    (req,) = server.events_received()
    server.send_response(server.accept(req))
    client.receive_data(b"".join(server.data_to_send()))
    (accepted,) = list(client.events())
    assert isinstance(accepted, ss.AcceptConnection) and accepted.subprotocol == "v11.stomp"
    client.send_binary(b"\x01" * 200_000)
    client.close(1000, "bye")
    server.receive_data(client.data_to_send())
    frames = server.events_received()
    assert frames[0].data == b"\x01" * 200_000
    assert frames[1].opcode is Opcode.CLOSE
    client.receive_data(b"".join(server.data_to_send()))
    assert list(client.events()) == [ss.CloseConnection(1000, "bye")]
