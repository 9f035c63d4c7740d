"""A ``sansocket.stomp.Broker`` served on asyncio, over WebSocket (``sansocket.asyncio``,
subprotocols ``v12.stomp``, ``v11.stomp``, ``v10.stomp``, or none) and over plain TCP.

    broker = Broker()
    server = BrokerServer(broker)
    ws = await server.serve_websocket("127.0.0.1", 0)   # a sansocket.asyncio Server
    tcp = await server.serve_tcp("127.0.0.1", 0)        # an asyncio.Server
    ...
    await server.close()

Only IO and time live here: bytes read go to ``Broker.receive_data``, the broker's bytes
are written to each connection (a text WebSocket message when they are UTF-8, binary
otherwise), transports are closed when ``Broker.should_close`` says so, and
``Broker.handle_timeout`` runs at ``Broker.poll_timeout()``. ``on_event`` receives the
broker's ``Authenticate`` and ``AppMessage`` events (and ``Closed``); it may call
``broker.accept``/``reject``/``publish``, then the server flushes.
"""

from __future__ import annotations

import asyncio
import time
from typing import Callable, Dict, Optional, Set, Union

from .asyncio import ConnectionClosed, WebSocket, serve
from .asyncio import Server as WebSocketServer
from .stomp import SUBPROTOCOLS, AppMessage, Authenticate, Broker, Closed, is_binary, version_for_subprotocol

BrokerEvent = Union[Authenticate, AppMessage, Closed]

#: Sentinel in a connection's outbox: close the transport after what came before.
_CLOSE = b""


def now_ms() -> int:
    """Milliseconds from the monotonic clock: the time the broker is given."""
    return int(time.monotonic() * 1000)


class BrokerServer:
    """Runs ``broker`` for every WebSocket and TCP connection accepted (see the module)."""

    def __init__(self, broker: Broker, on_event: Optional[Callable[[BrokerEvent], None]] = None) -> None:
        self.broker = broker
        self.on_event = on_event
        self._outboxes: Dict[int, "asyncio.Queue[bytes]"] = {}
        self._tasks: Set["asyncio.Task[None]"] = set()
        self._servers: list[Union[asyncio.AbstractServer, WebSocketServer]] = []
        self._timer: Optional[asyncio.TimerHandle] = None

    # ---- the broker's side -------------------------------------------------------------

    def flush(self) -> None:
        """Hands the broker's events to ``on_event``, queues each connection's bytes, and
        arms the heart-beat timer."""
        broker = self.broker
        while (event := broker.next_event()) is not None:
            if self.on_event is not None:
                self.on_event(event)
        now = now_ms()
        for conn in broker.connections_to_flush():
            outbox = self._outboxes.get(conn)
            data = broker.data_to_send(conn, now)
            if outbox is None:
                continue
            if data:
                outbox.put_nowait(data)
            if broker.should_close(conn):
                outbox.put_nowait(_CLOSE)
        self._arm_timer()

    def _arm_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        due = self.broker.poll_timeout()
        if due is not None:
            loop = asyncio.get_running_loop()
            self._timer = loop.call_later(max(0.0, (due - now_ms()) / 1000), self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        self.broker.handle_timeout(now_ms())
        self.flush()

    def _open(self, max_version: str) -> "tuple[int, asyncio.Queue[bytes]]":
        conn = self.broker.open(now_ms(), max_version)
        outbox: "asyncio.Queue[bytes]" = asyncio.Queue()
        self._outboxes[conn] = outbox
        return conn, outbox

    def _received(self, conn: int, data: bytes) -> None:
        self.broker.receive_data(conn, data, now_ms())
        self.flush()

    def _gone(self, conn: int) -> None:
        self._outboxes.pop(conn, None)
        self.broker.close(conn)
        self.flush()

    # ---- WebSocket ---------------------------------------------------------------------

    async def serve_websocket(self, host: str = "127.0.0.1", port: int = 0, **options: object) -> WebSocketServer:
        """Listens for STOMP over WebSocket; ``options`` go to ``sansocket.asyncio.serve``."""
        server = await serve(self._websocket, host, port, subprotocols=SUBPROTOCOLS, **options)  # type: ignore[arg-type]
        self._servers.append(server)
        return server

    async def _websocket(self, ws: WebSocket) -> None:
        conn, outbox = self._open(version_for_subprotocol(ws.subprotocol))
        writer = asyncio.ensure_future(self._write_websocket(ws, outbox))
        try:
            async for message in ws:
                self._received(conn, message.encode() if isinstance(message, str) else message)
        except ConnectionClosed:
            pass
        finally:
            self._gone(conn)
            outbox.put_nowait(_CLOSE)
            await writer

    @staticmethod
    async def _write_websocket(ws: WebSocket, outbox: "asyncio.Queue[bytes]") -> None:
        try:
            while (data := await outbox.get()) is not _CLOSE:
                await ws.send(data if is_binary(data) else data.decode())
            await ws.close()
        except ConnectionClosed:
            pass

    # ---- TCP ---------------------------------------------------------------------------

    async def serve_tcp(self, host: str = "127.0.0.1", port: int = 0) -> asyncio.AbstractServer:
        """Listens for STOMP over plain TCP (as on port 61613)."""
        server = await asyncio.start_server(self._tcp, host, port)
        self._servers.append(server)
        return server

    async def _tcp(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn, outbox = self._open("1.2")
        write = asyncio.ensure_future(self._write_tcp(writer, outbox))
        try:
            while data := await reader.read(1 << 16):
                self._received(conn, data)
        except OSError:
            pass
        finally:
            self._gone(conn)
            outbox.put_nowait(_CLOSE)
            await write

    @staticmethod
    async def _write_tcp(writer: asyncio.StreamWriter, outbox: "asyncio.Queue[bytes]") -> None:
        try:
            while (data := await outbox.get()) is not _CLOSE:
                writer.write(data)
                await writer.drain()
        except OSError:
            pass
        finally:
            writer.close()

    async def close(self) -> None:
        """Stops listening and closes every connection."""
        if self._timer is not None:
            self._timer.cancel()
        for server in self._servers:
            server.close()
        for server in self._servers:
            await server.wait_closed()
        self._servers.clear()
