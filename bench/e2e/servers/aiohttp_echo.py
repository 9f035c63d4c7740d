"""aiohttp's WebSocket server as an echo server:

    python servers/aiohttp_echo.py 127.0.0.1:PORT
"""

from __future__ import annotations

import asyncio
import sys

from aiohttp import WSMsgType, web

import loop


async def echo(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse(compress=False, max_msg_size=64 << 20)
    await ws.prepare(request)
    async for msg in ws:
        if msg.type == WSMsgType.TEXT:
            await ws.send_str(msg.data)
        elif msg.type == WSMsgType.BINARY:
            await ws.send_bytes(msg.data)
    return ws


async def main() -> None:
    host, port = loop.split_addr(sys.argv[1])
    app = web.Application()
    app.router.add_get("/", echo)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port, backlog=1024).start()
    await asyncio.Event().wait()


if __name__ == "__main__":
    loop.install()
    asyncio.run(main())
