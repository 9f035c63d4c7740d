"""uvicorn serving the ASGI echo app of bindings-python/tests/uvicorn_echo.py (the one the
Autobahn suite runs) with a given WebSocket backend, on the benchmark's event loop:

    python servers/uvicorn_echo.py 127.0.0.1:PORT BACKEND

BACKEND is anything ``uvicorn --ws`` takes: ``sansocket.uvicorn:WebSocketProtocol``,
``websockets-sansio``, ``websockets``, ``wsproto``. No compression, no access log.
"""

from __future__ import annotations

import sys
from pathlib import Path

import loop

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bindings-python" / "tests"))
from uvicorn_echo import app  # noqa: E402

if __name__ == "__main__":
    import uvicorn

    host, port = loop.split_addr(sys.argv[1])
    uvicorn.run(
        app,
        host=host,
        port=port,
        ws=sys.argv[2],
        loop="uvloop" if loop.use_uvloop() else "asyncio",
        ws_per_message_deflate=False,
        lifespan="off",
        access_log=False,
        log_level="warning",
    )
