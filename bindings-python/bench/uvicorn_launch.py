"""Starts uvicorn for the benchmarks: tests/uvicorn_echo.py's ASGI echo application with one
``--ws`` backend, compression off, in its own process (shared by bench_uvicorn.py and
bench_vs_picows.py).

    proc, port = start("sansocket.uvicorn:WebSocketProtocol")

``ws`` is what ``uvicorn --ws`` takes, followed by any of the launcher's own options
(``"wsproto --sansocket-wsproto"``). Returns once the port accepts connections; raises
``RuntimeError`` if uvicorn exits or does not listen within ``timeout`` seconds.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Tuple

LAUNCHER = Path(__file__).resolve().parent.parent / "tests" / "uvicorn_echo.py"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (now)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start(ws: str, timeout: float = 30.0) -> Tuple["subprocess.Popen[bytes]", int]:
    """uvicorn serving the echo application with the ``--ws`` backend ``ws`` on a free port
    of 127.0.0.1: the process and the port."""
    port = free_port()
    cmd = [sys.executable, str(LAUNCHER), f"127.0.0.1:{port}", "--ws", *ws.split(), "--no-deflate"]
    proc = subprocess.Popen(cmd)
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc, port
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                proc.wait()
                raise RuntimeError(f"uvicorn --ws {ws} did not start") from None
            time.sleep(0.05)
