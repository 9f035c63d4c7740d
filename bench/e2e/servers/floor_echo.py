"""The host's floor in Python: no WebSocket at all. Answers the client's handshake with a
fixed 101 response, then writes back every byte it reads, unchanged, from an
``asyncio.Protocol`` on the benchmark's event loop (the client runs with ``--floor``):

    python servers/floor_echo.py 127.0.0.1:PORT
"""

from __future__ import annotations

import asyncio
import sys
from typing import Optional

import loop

RESPONSE = (
    b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"
)


class Echo(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: Optional[asyncio.BaseTransport] = None
        self.head = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        transport = self.transport
        assert transport is not None
        if self.head is not None:
            self.head += data
            end = self.head.find(b"\r\n\r\n")
            if end < 0:
                return
            data = self.head[end + 4 :]
            self.head = None  # type: ignore[assignment]
            transport.write(RESPONSE)  # type: ignore[attr-defined]
        if data:
            transport.write(data)  # type: ignore[attr-defined]


async def main() -> None:
    host, port = loop.split_addr(sys.argv[1])
    server = await asyncio.get_running_loop().create_server(Echo, host, port, backlog=1024)
    await server.serve_forever()


if __name__ == "__main__":
    loop.install()
    asyncio.run(main())
