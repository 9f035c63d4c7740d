"""A small asyncio driver of ``sansocket.stomp.ClientSession`` for the tests: over TCP
(asyncio streams) or WebSocket (``sansocket.asyncio.connect``). It only moves bytes and
time; the session decides everything."""

from __future__ import annotations

import asyncio
import time
from typing import Any, Awaitable, Callable, List, Optional, Sequence

from sansocket import stomp
from sansocket.asyncio import ConnectionClosed, connect

#: Seconds any one wait for the peer may take.
TIMEOUT = 10.0


def now_ms() -> int:
    return int(time.monotonic() * 1000)


class StompClient:
    def __init__(
        self,
        session: stomp.ClientSession,
        send: Callable[[bytes], Awaitable[None]],
        recv: Callable[[], Awaitable[Optional[bytes]]],
        close: Callable[[], Awaitable[None]],
    ) -> None:
        self.session = session
        self._send = send
        self._recv = recv
        self._close = close
        self.eof = False

    @classmethod
    async def tcp(cls, host: str, port: int, **config: Any) -> "StompClient":
        reader, writer = await asyncio.open_connection(host, port)

        async def send(data: bytes) -> None:
            writer.write(data)
            await writer.drain()

        async def recv() -> Optional[bytes]:
            return await reader.read(1 << 16) or None

        async def close() -> None:
            writer.close()

        return await cls(stomp.ClientSession(now_ms(), **config), send, recv, close)._open()

    @classmethod
    async def websocket(cls, url: str, subprotocols: Sequence[str] = stomp.SUBPROTOCOLS, **config: Any) -> "StompClient":
        ws = await connect(url, subprotocols=subprotocols)
        # the version the server's subprotocol allows caps what the client offers
        config.setdefault("max_version", stomp.version_for_subprotocol(ws.subprotocol))

        async def send(data: bytes) -> None:
            await ws.send(data if stomp.is_binary(data) else data.decode())

        async def recv() -> Optional[bytes]:
            try:
                message = await ws.recv()
            except ConnectionClosed:
                return None
            return message.encode() if isinstance(message, str) else message

        async def close() -> None:
            await ws.close()

        return await cls(stomp.ClientSession(now_ms(), **config), send, recv, close)._open()

    async def _open(self) -> "StompClient":
        await self.flush()
        self.connected = await self.expect(stomp.Connected)
        return self

    async def flush(self) -> None:
        data = self.session.data_to_send(now_ms())
        if data:
            await self._send(data)

    async def next_event(self, timeout: float = TIMEOUT) -> Any:
        """The next event that is not a heart-beat; None once the transport is closed."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            event = self.session.next_event()
            if event is not None and not isinstance(event, stomp.HeartBeat):
                return event
            if event is not None:
                continue
            if self.eof:
                return None
            remaining = deadline - asyncio.get_running_loop().time()
            data = await asyncio.wait_for(self._recv(), max(remaining, 0.001))
            if data is None:
                self.eof = True
                self.session.receive_eof()
            else:
                self.session.receive_data(data, now_ms())

    async def expect(self, kind: Any) -> Any:
        event = await self.next_event()
        assert isinstance(event, kind), f"expected {kind.__name__}, got {event!r}"
        return event

    async def messages(self, n: int) -> List[stomp.Message]:
        return [await self.expect(stomp.Message) for _ in range(n)]

    async def close(self) -> None:
        await self._close()
