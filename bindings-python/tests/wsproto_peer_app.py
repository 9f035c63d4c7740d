"""An ASGI echo application that first tells which `wsproto` module its server runs on
(tests/test_wsproto_peers.py serves it with hypercorn). With the query `?ask` it tells only
after the client's first message: simple-websocket's client handles only the first event of
its handshake read, so a greeting that arrives with the 101 would wait unseen until its next
read, which never comes."""

from __future__ import annotations

import sys
from typing import Any, Awaitable, Callable, Dict


async def app(
    scope: Dict[str, Any],
    receive: Callable[[], Awaitable[Dict[str, Any]]],
    send: Callable[[Dict[str, Any]], Awaitable[None]],
) -> None:
    if scope["type"] != "websocket":
        return
    await receive()
    await send({"type": "websocket.accept"})
    if scope.get("query_string") == b"ask":
        await receive()
    module = sys.modules.get("wsproto")
    await send({"type": "websocket.send", "text": getattr(module, "__name__", "none")})
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            return
        if message.get("text") is not None:
            await send({"type": "websocket.send", "text": message["text"]})
        else:
            await send({"type": "websocket.send", "bytes": message["bytes"]})
