"""Small ASGI WebSocket applications for the uvicorn tests, dispatched on the path.

Raw ASGI (no framework), so that what reaches the protocol is exactly what is written here.
`EVENTS` records what applications saw (read by the tests, from another thread).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, Awaitable, Callable, Dict, List

Scope = Dict[str, Any]
Receive = Callable[[], Awaitable[Dict[str, Any]]]
Send = Callable[[Dict[str, Any]], Awaitable[None]]

#: path -> the events the application received (the last one is usually the disconnect).
EVENTS: Dict[str, List[Dict[str, Any]]] = {}

PREFERENCES = ["v12.stomp", "v11.stomp"]


async def echo(scope: Scope, receive: Receive, send: Send) -> None:
    """Accepts, echoes every message, returns on disconnect."""
    await receive()  # websocket.connect
    await send({"type": "websocket.accept"})
    await echo_loop(receive, send)


async def echo_loop(receive: Receive, send: Send) -> None:
    """Echoes every message, returns on disconnect."""
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            return
        if message.get("text") is not None:
            await send({"type": "websocket.send", "text": message["text"]})
        else:
            await send({"type": "websocket.send", "bytes": message["bytes"]})


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            await send({"type": message["type"] + ".complete"})
            if message["type"] == "lifespan.shutdown":
                return
    assert scope["type"] == "websocket"
    path = scope["path"]
    if path == "/echo":
        await echo(scope, receive, send)
    elif path.startswith("/scope"):
        await receive()
        await send({"type": "websocket.accept"})
        shown = {k: v for k, v in scope.items() if k not in ("state", "headers")}
        shown["raw_path"] = scope["raw_path"].decode("latin-1")
        shown["query_string"] = scope["query_string"].decode("latin-1")
        shown["headers"] = [[k.decode("latin-1"), v.decode("latin-1")] for k, v in scope["headers"]]
        await send({"type": "websocket.send", "text": json.dumps(shown)})
        await receive()
    elif path == "/subprotocol":
        await receive()
        chosen = next((p for p in PREFERENCES if p in scope["subprotocols"]), None)
        await send(
            {
                "type": "websocket.accept",
                "subprotocol": chosen,
                "headers": [(b"x-chosen", (chosen or "none").encode())],
            }
        )
        await receive()
    elif path == "/reject":
        await receive()
        await send({"type": "websocket.close"})
    elif path == "/deny":
        await receive()
        await send(
            {
                "type": "websocket.http.response.start",
                "status": 418,
                "headers": [(b"x-why", b"teapot"), (b"content-type", b"text/plain")],
            }
        )
        await send({"type": "websocket.http.response.body", "body": b"no ", "more_body": True})
        await send({"type": "websocket.http.response.body", "body": b"websockets"})
    elif path == "/raise-before-accept":
        await receive()
        raise RuntimeError("boom before accept")
    elif path == "/raise-after-accept":
        await receive()
        await send({"type": "websocket.accept"})
        raise RuntimeError("boom after accept")
    elif path == "/no-accept":
        await receive()
    elif path == "/send-after-disconnect":
        await receive()
        await send({"type": "websocket.accept"})
        seen = EVENTS.setdefault(path, [])
        seen.append(await receive())
        try:
            await send({"type": "websocket.send", "text": "too late"})
        except Exception as exc:  # uvicorn's ClientDisconnected (an OSError)
            seen.append({"raised": type(exc).__name__})
    elif path == "/return-without-close":
        await receive()
        await send({"type": "websocket.accept"})
    elif path == "/close":
        await receive()
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.close", "code": 4001, "reason": "done here"})
        EVENTS[path] = [await receive()]
    elif path.startswith("/record"):
        seen = EVENTS.setdefault(path, [])
        seen.append(await receive())
        await send({"type": "websocket.accept"})
        while True:
            message = await receive()
            seen.append(message)
            if message["type"] == "websocket.disconnect":
                return
    elif path == "/late-echo":
        # Takes its first message only after a while, then echoes as /echo does.
        await receive()
        await send({"type": "websocket.accept"})
        await asyncio.sleep(0.3)
        await echo_loop(receive, send)
    elif path == "/slow":
        # Reads nothing for a while, then everything: reading must pause meanwhile.
        await receive()
        await send({"type": "websocket.accept"})
        await asyncio.sleep(1.0)
        count = total = 0
        while True:
            message = await receive()
            if message["type"] == "websocket.disconnect":
                return
            count += 1
            total += len(message["bytes"])
            if message["bytes"] == b"end":
                await send({"type": "websocket.send", "text": f"{count} {total}"})
    else:
        await receive()
        await send({"type": "websocket.close", "code": 4404})
