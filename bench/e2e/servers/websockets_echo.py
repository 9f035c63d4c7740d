"""websockets' asyncio server as an echo server, or picows's websockets-style API
(``picows.websockets``, the same names) with ``--picows``:

    python servers/websockets_echo.py [--picows] 127.0.0.1:PORT
"""

from __future__ import annotations

import asyncio
import sys

import loop

if "--picows" in sys.argv:
    sys.argv.remove("--picows")
    from picows.websockets.asyncio.server import ServerConnection, serve
else:
    from websockets.asyncio.server import ServerConnection, serve


async def echo(ws: ServerConnection) -> None:
    async for message in ws:
        await ws.send(message)


async def main() -> None:
    host, port = loop.split_addr(sys.argv[1])
    async with serve(echo, host, port, compression=None, max_size=64 << 20) as server:
        await server.serve_forever()


if __name__ == "__main__":
    loop.install()
    asyncio.run(main())
