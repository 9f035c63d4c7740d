"""sansocket.asyncio's callback mode: ``serve(on_message=...)`` and ``send_nowait``."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, List, Union

import pytest

import sansocket as ss
from sansocket.asyncio import ConnectionClosed, WebSocket, connect, serve

from .conftest import run


def url(server: Any) -> str:
    host, port = server.sockets[0].getsockname()[:2]
    return f"ws://{host}:{port}/"


def echo(ws: WebSocket, message: Union[str, bytes]) -> None:
    ws.send_nowait(message)


def test_echo_in_the_read_callback() -> None:
    async def main() -> None:
        async with serve(None, "127.0.0.1", 0, on_message=echo) as server:
            async with connect(url(server)) as ws:
                for message in ["héllo", b"\x00\x01", b"z" * 100_000, ""]:
                    await ws.send(message)
                    assert await ws.recv() == message
                # Many messages in one read: every answer, in order.
                for i in range(200):
                    await ws.send(str(i))
                assert [await ws.recv() for _ in range(200)] == [str(i) for i in range(200)]

    run(main())


def test_answers_go_out_before_the_close_for_a_protocol_error_in_the_same_read() -> None:
    async def main() -> None:
        async with serve(None, "127.0.0.1", 0, on_message=echo) as server:
            host, port = server.sockets[0].getsockname()[:2]
            reader, writer = await asyncio.open_connection(host, port)
            client = ss.ClientConnection(f"{host}:{port}", insecure_seed=7)
            writer.write(client.data_to_send())
            accepted: List[object] = []
            while not accepted:
                accepted = client.receive_messages(await reader.read(4096), 1)
            assert isinstance(accepted[0], ss.AcceptConnection)
            client.send_text("first")
            # A frame with a reserved opcode (3) right behind the message, in one write.
            writer.write(client.data_to_send() + bytes([0x83, 0x80, 1, 2, 3, 4]))
            got: List[object] = []
            while True:
                data = await asyncio.wait_for(reader.read(4096), 5)
                if not data:
                    break
                client.receive_data(data)
                try:
                    got += list(client.events())
                except ss.RemoteProtocolError:
                    break
            assert got[0] == ss.TextMessage("first")
            assert got[1] == ss.CloseConnection(1002, got[1].reason)  # type: ignore[union-attr]
            writer.close()

    run(main())


def test_a_failing_callback_closes_with_1011(caplog: pytest.LogCaptureFixture) -> None:
    def boom(ws: WebSocket, message: Union[str, bytes]) -> None:
        raise ValueError("boom")

    async def main() -> None:
        async with serve(None, "127.0.0.1", 0, on_message=boom) as server:
            async with connect(url(server)) as ws:
                await ws.send("x")
                with pytest.raises(ConnectionClosed) as info:
                    await ws.recv()
                assert info.value.code == 1011

    with caplog.at_level(logging.ERROR, logger="sansocket"):
        run(main())
    assert "on_message failed" in caplog.text


def test_a_handler_runs_alongside_and_recv_has_nothing() -> None:
    seen: List[str] = []

    async def handler(ws: WebSocket) -> None:
        with pytest.raises(RuntimeError):
            await ws.recv()
        ws.send_nowait("welcome")  # outside a read: written at once
        await ws.wait_closed()
        seen.append("done")

    async def main() -> None:
        async with serve(handler, "127.0.0.1", 0, on_message=echo) as server:
            async with connect(url(server)) as ws:
                assert await ws.recv() == "welcome"
                await ws.send("a")
                assert await ws.recv() == "a"
        assert seen == ["done"]

    run(main())


def test_send_nowait_errors_and_serve_arguments() -> None:
    async def main() -> None:
        with pytest.raises(TypeError):
            serve(None, "127.0.0.1", 0)
        async with serve(None, "127.0.0.1", 0, on_message=echo) as server:
            ws = await connect(url(server))
            with pytest.raises(TypeError):
                ws.send_nowait(123)  # type: ignore[arg-type]
            await ws.close()
            with pytest.raises(ConnectionClosed):
                ws.send_nowait("late")

    run(main())


@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
@pytest.mark.parametrize("mode", ["on_message", "handler"])
def test_both_read_paths_on_both_loops(loop: str, mode: str) -> None:
    """asyncio's loop reads into the engine's buffer (``get_buffer``/``buffer_updated``);
    uvloop hands ``bytes`` to ``data_received`` (it lends buffers only to protocols that
    are not ``asyncio.Protocol``). Both go through the native read path, in both modes."""

    async def handler(ws: WebSocket) -> None:
        async for message in ws:
            await ws.send(message)

    async def main() -> None:
        callback = echo if mode == "on_message" else None
        async with serve(
            handler if callback is None else None, "127.0.0.1", 0, on_message=callback
        ) as server:
            async with connect(url(server)) as ws:
                sent: List[Union[str, bytes]] = ["héllo", b"\x00\x01", b"z" * 70_000, "t" * 5000]
                for message in sent:
                    await ws.send(message)
                    assert await ws.recv() == message
                for i in range(100):
                    await ws.send(bytes([i]) * i)
                assert [await ws.recv() for _ in range(100)] == [bytes([i]) * i for i in range(100)]
                assert await ws.ping() >= 0
            assert ws.close_code == 1000

    if loop == "uvloop":
        uvloop = pytest.importorskip("uvloop")
        uvloop.run(asyncio.wait_for(main(), 30))
    else:
        run(main())


def test_a_closed_connection_is_collected() -> None:
    """The native base class shows the garbage collector its references (the transport
    refers back to the protocol), so a closed connection's objects are freed."""
    import gc
    import weakref

    refs: List[Any] = []

    async def handler(ws: WebSocket) -> None:
        refs.append(weakref.ref(ws))
        async for message in ws:
            await ws.send(message)

    async def main() -> None:
        async with serve(handler, "127.0.0.1", 0, on_message=None) as server:
            async with connect(url(server)) as ws:
                await ws.send("x")
                assert await ws.recv() == "x"
                refs.append(weakref.ref(ws))

    run(main())
    gc.collect()
    assert len(refs) == 2 and all(ref() is None for ref in refs)


def in_loop(loop: str, main: Any) -> None:
    if loop == "uvloop":
        uvloop = pytest.importorskip("uvloop")
        uvloop.run(asyncio.wait_for(main(), 30))
    else:
        run(main())


@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
def test_large_messages_pipelined_with_a_stalled_reader(loop: str) -> None:
    """64 KiB messages pipelined (a read's answers go out together, up to 1 MiB queued),
    while the client stops reading for a while: the server's write buffer fills, its
    reading pauses, and every echo still comes back, in order."""
    sent = [bytes([i]) * ((64 << 10) + i * 7) for i in range(96)]

    async def main() -> None:
        async with serve(None, "127.0.0.1", 0, on_message=echo) as server:
            async with connect(url(server), max_message_size=1 << 20) as ws:

                async def send_all() -> None:
                    for message in sent:
                        await ws.send(message)

                sender = asyncio.ensure_future(send_all())
                await asyncio.sleep(0.3)  # nothing read meanwhile: backpressure both ways
                got = [await ws.recv() for _ in sent]
                await sender
                assert got == sent

    in_loop(loop, main)


@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
def test_a_close_in_the_middle_of_a_burst(loop: str) -> None:
    """A burst of large messages, a close frame, then more messages, all written at once:
    every message before the close is echoed, then the close frame; none after it."""

    async def main() -> None:
        async with serve(None, "127.0.0.1", 0, on_message=echo) as server:
            host, port = server.sockets[0].getsockname()[:2]
            client = ss.ClientConnection(f"{host}:{port}", insecure_seed=3)
            reader, writer = await asyncio.open_connection(host, port)
            writer.write(client.data_to_send())
            client.receive_data(await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5))
            assert isinstance(next(client.events()), ss.AcceptConnection)
            before = [bytes([i]) * (70_000 + i) for i in range(20)]
            for message in before:
                client.send_binary(message)
            client.close(1000)
            burst = client.data_to_send()
            # Frames the client's engine no longer sends (it is closing): made by another.
            after = ss.ClientConnection.opened(insecure_seed=4)
            for i in range(5):
                after.send_binary(b"late" * 1000)
            writer.write(burst + after.data_to_send())
            received = await asyncio.wait_for(reader.read(-1), 10)  # until the server closes
            writer.close()
            client.receive_data(received)
            events = list(client.events())
            assert [e.data for e in events if isinstance(e, ss.BytesMessage)] == before
            assert isinstance(events[-1], ss.CloseConnection) and events[-1].code == 1000

    in_loop(loop, main)
