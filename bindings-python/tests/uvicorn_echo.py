"""An ASGI echo application, and a launcher serving it with uvicorn (Autobahn, benchmarks).

    python tests/uvicorn_echo.py 127.0.0.1:9002 [--ws sansocket.uvicorn:WebSocketProtocol]

is `uvicorn uvicorn_echo:app --ws ... --host 127.0.0.1 --port 9002` with a host:port
argument (what the Autobahn harness substitutes for `{addr}`) and the access log off.
Every `--ws` uvicorn accepts works (`websockets-sansio`, `wsproto`, an import string).
`--sansocket-wsproto` redirects `import wsproto` to `sansocket.wsproto` first
(`sansocket.wsproto.install()`), so that `--ws wsproto` runs uvicorn's own wsproto backend on
sansocket's engine.
"""

from __future__ import annotations

import argparse
from typing import Any, Awaitable, Callable, Dict

Scope = Dict[str, Any]
Receive = Callable[[], Awaitable[Dict[str, Any]]]
Send = Callable[[Dict[str, Any]], Awaitable[None]]


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    """Accepts every WebSocket and echoes text and binary messages until the peer leaves."""
    if scope["type"] != "websocket":
        return
    await receive()  # websocket.connect
    await send({"type": "websocket.accept"})
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            return
        text = message.get("text")
        if text is not None:
            await send({"type": "websocket.send", "text": text})
        else:
            await send({"type": "websocket.send", "bytes": message["bytes"]})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("addr", help="host:port to listen on")
    parser.add_argument("--ws", default="sansocket.uvicorn:WebSocketProtocol")
    parser.add_argument("--ws-max-queue", type=int, default=32)
    parser.add_argument("--no-deflate", action="store_true", help="ws_per_message_deflate=False")
    parser.add_argument(
        "--sansocket-wsproto", action="store_true", help="import wsproto = sansocket.wsproto"
    )
    args = parser.parse_args()
    host, _, port = args.addr.rpartition(":")
    if args.sansocket_wsproto:
        import sansocket.wsproto

        sansocket.wsproto.install()
    import uvicorn

    uvicorn.run(
        app,
        host=host,
        port=int(port),
        ws=args.ws,
        ws_max_queue=args.ws_max_queue,
        ws_per_message_deflate=not args.no_deflate,
        lifespan="off",
        access_log=False,
        log_level="warning",
    )


if __name__ == "__main__":
    main()
