"""uvicorn's floor: a ``--ws`` protocol class that does the ASGI dance of a WebSocket backend
with no WebSocket work at all, for the benchmark's ``floor-uvicorn`` (the client runs with
``--floor``):

    python servers/uvicorn_echo.py 127.0.0.1:PORT uvicorn_floor:FloorProtocol

It answers the upgrade request with a fixed 101 response once the application accepts, then
hands every read to the application as a ``websocket.receive`` message (its bytes as they
are: the frames are not decoded) and writes what the application sends back unchanged. The
dance is a backend's cheapest: a deque, one future per wait, one ``transport.write`` per send.
What a real backend costs per message above this is its own.

``FrameFloorProtocol`` (``floor-uvicorn-frames``) hands the application one message per
frame instead of one per read, as a backend does: it reads each frame's length from its
header and passes the frame's bytes on as they came (neither unmasked nor checked).
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any, Deque, Dict, List, Optional

RESPONSE = (
    b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"
)


class FloorProtocol(asyncio.Protocol):
    def __init__(self, config: Any, server_state: Any, app_state: Dict[str, Any], _loop: Any = None) -> None:
        if not config.loaded:
            config.load()  # pragma: no cover
        self.app = config.loaded_app
        self.loop = _loop or asyncio.get_event_loop()
        self.tasks = server_state.tasks
        self.transport: Any = None
        self.queue: Deque[Dict[str, Any]] = deque()
        self.waiters: List["asyncio.Future[None]"] = []
        self.upgraded = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def connection_lost(self, exc: Optional[Exception]) -> None:
        self.put({"type": "websocket.disconnect", "code": 1006})

    def data_received(self, data: bytes) -> None:
        if not self.upgraded:
            # uvicorn's HTTP protocol hands over the whole upgrade request.
            self.upgraded = True
            scope = {"type": "websocket", "path": "/", "headers": [], "subprotocols": []}
            self.put({"type": "websocket.connect"})
            task = self.loop.create_task(self.app(scope, self.receive, self.send))
            task.add_done_callback(self.tasks.discard)
            self.tasks.add(task)
            return
        self.put({"type": "websocket.receive", "bytes": data})

    def put(self, message: Dict[str, Any]) -> None:
        self.queue.append(message)
        for waiter in self.waiters:
            if not waiter.done():
                waiter.set_result(None)
        self.waiters.clear()

    async def receive(self) -> Dict[str, Any]:
        while not self.queue:
            waiter = self.loop.create_future()
            self.waiters.append(waiter)
            await waiter
        return self.queue.popleft()

    async def send(self, message: Dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "websocket.send":
            self.transport.write(message["bytes"])
        elif kind == "websocket.accept":
            self.transport.write(RESPONSE)
        elif kind == "websocket.close":
            self.transport.close()


class FrameFloorProtocol(FloorProtocol):
    """The floor with one ``websocket.receive`` per frame: the frame's bytes as they came."""

    def __init__(self, config: Any, server_state: Any, app_state: Dict[str, Any], _loop: Any = None) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.pending = bytearray()

    def data_received(self, data: bytes) -> None:
        if not self.upgraded:
            super().data_received(data)
            return
        buf = self.pending
        buf += data
        pos, end = 0, len(buf)
        while end - pos >= 2:
            size = buf[pos + 1] & 0x7F
            head = 2
            if size == 126:
                head = 4
                size = int.from_bytes(buf[pos + 2 : pos + 4], "big")
            elif size == 127:
                head = 10
                size = int.from_bytes(buf[pos + 2 : pos + 10], "big")
            if buf[pos + 1] & 0x80:
                head += 4
            if end - pos < head or end - pos - head < size:
                break
            self.put({"type": "websocket.receive", "bytes": bytes(buf[pos : pos + head + size])})
            pos += head + size
        del buf[:pos]
