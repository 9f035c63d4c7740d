"""Projects built on wsproto, unchanged, on sansocket.wsproto: hypercorn serving (started
with `python -m sansocket.wsproto hypercorn`) and trio-websocket connecting (after
`sansocket.wsproto.install()`), in their own processes on loopback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest

pytest.importorskip("hypercorn")
pytest.importorskip("trio_websocket")

HERE = os.path.dirname(os.path.abspath(__file__))

CLIENT = """
import sys
import sansocket.wsproto
sansocket.wsproto.install()
import trio, trio_websocket, wsproto
assert wsproto is sansocket.wsproto

async def main(url):
    async with trio_websocket.open_websocket_url(url) as ws:
        print(await ws.get_message())
        await ws.send_message("h\\u00e9llo")
        print(await ws.get_message())
        await ws.send_message(b"\\x00\\xff" * 50000)
        print(len(await ws.get_message()))
        await ws.ping(b"x")
        print("pong")
    print(ws.closed.code)

trio.run(main, sys.argv[1])
"""


def test_trio_websocket_client_against_hypercorn_both_on_sansocket_wsproto() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "sansocket.wsproto", "hypercorn", "--workers", "0",
         "--bind", f"127.0.0.1:{port}", "wsproto_peer_app:app"],
        cwd=HERE,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "no hypercorn"
                time.sleep(0.05)
        out = subprocess.run(
            [sys.executable, "-c", CLIENT, f"ws://127.0.0.1:{port}/"],
            capture_output=True, text=True, timeout=60,
        )
        assert out.returncode == 0, out.stderr
        assert out.stdout.split("\n")[:5] == ["sansocket.wsproto", "héllo", "100000", "pong", "1000"]
    finally:
        server.terminate()
        server.wait(10)
