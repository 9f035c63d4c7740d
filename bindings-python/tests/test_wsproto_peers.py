"""Projects built on wsproto, unchanged, on sansocket.wsproto, in their own processes on
loopback: hypercorn serving (started with `python -m sansocket.wsproto hypercorn`);
trio-websocket, simple-websocket's `Client` and httpx-ws connecting to it (after
`sansocket.wsproto.install()`); simple-websocket's `Server` (what Flask-Sock and
python-engineio run inside a WSGI server) answering the `websockets` client. (uvicorn's own
wsproto backend on sansocket.wsproto: tests/test_wsproto.py.)"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from typing import Iterator, List

import pytest

pytest.importorskip("hypercorn")
pytest.importorskip("trio_websocket")
pytest.importorskip("simple_websocket")
pytest.importorskip("httpx_ws")

HERE = os.path.dirname(os.path.abspath(__file__))

# What each client prints, talking to wsproto_peer_app (an echo that first sends the name
# of its server's wsproto module): that name, a non-ASCII text echoed, the length of a
# 100,000-byte binary message echoed (several reads and frames); then how it closed.
ECHOED = ["sansocket.wsproto", "héllo", "100000"]

REDIRECT = """
import sys
import sansocket.wsproto
sansocket.wsproto.install()
import wsproto
assert wsproto is sansocket.wsproto
"""

TRIO_WEBSOCKET = REDIRECT + """
import trio, trio_websocket

async def main(url):
    async with trio_websocket.open_websocket_url(url) as ws:
        print(await ws.get_message())
        await ws.send_message("h\\u00e9llo")
        print(await ws.get_message())
        await ws.send_message(b"\\x00\\xff" * 50000)
        print(len(await ws.get_message()))
        await ws.ping(b"x")
    print(ws.closed.code)

trio.run(main, sys.argv[1])
"""

SIMPLE_WEBSOCKET_CLIENT = REDIRECT + """
import simple_websocket

ws = simple_websocket.Client.connect(sys.argv[1] + "?ask")
assert type(ws.ws).__module__ == "sansocket.wsproto"
ws.send("which wsproto?")
print(ws.receive(timeout=10))
ws.send("h\\u00e9llo")
print(ws.receive(timeout=10))
ws.send(b"\\x00\\xff" * 50000)
print(len(ws.receive(timeout=10)))
ws.close()
print("closed" if not ws.connected else "open")
"""

HTTPX_WS_CLIENT = REDIRECT + """
import httpx, httpx_ws

with httpx.Client() as client:
    with httpx_ws.connect_ws(sys.argv[1], client) as ws:
        assert type(ws.connection).__module__ == "sansocket.wsproto.connection"
        print(ws.receive_text(timeout=10))
        ws.send_text("h\\u00e9llo")
        print(ws.receive_text(timeout=10))
        ws.send_bytes(b"\\x00\\xff" * 50000)
        print(len(ws.receive_bytes(timeout=10)))
        ws.ping(b"x").wait(10)
    print(ws.connection.state.name)
"""

# simple-websocket's Server as Flask-Sock runs it: handed the WSGI environ of an upgrade
# request whose `werkzeug.socket` is the connection's socket. The HTTP head is read here
# as a WSGI server would; the server echoes one connection, then exits.
SIMPLE_WEBSOCKET_SERVER = REDIRECT + """
import socket
import simple_websocket

listener = socket.create_server(("127.0.0.1", 0))
print(listener.getsockname()[1], flush=True)
listener.settimeout(30)
sock, _ = listener.accept()
head = b""
while b"\\r\\n\\r\\n" not in head and len(head) < 65536:
    head += sock.recv(4096)
environ = {"werkzeug.socket": sock, "REQUEST_METHOD": "GET", "PATH_INFO": "/"}
for line in head.split(b"\\r\\n\\r\\n")[0].decode().split("\\r\\n")[1:]:
    name, value = line.split(":", 1)
    environ["HTTP_" + name.strip().upper().replace("-", "_")] = value.strip()
ws = simple_websocket.Server(environ)
ws.send(wsproto.__name__)
try:
    while True:
        message = ws.receive(timeout=30)
        if message is None:
            break
        ws.send(message)
except simple_websocket.ConnectionClosed:
    pass
print(ws.close_reason)
"""


def wait_for_port(port: int, process: "subprocess.Popen[str]") -> None:
    deadline = time.monotonic() + 15
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            assert process.poll() is None and time.monotonic() < deadline, "no server"
            time.sleep(0.05)


@pytest.fixture(scope="module")
def hypercorn_url() -> Iterator[str]:
    """hypercorn on sansocket.wsproto serving wsproto_peer_app on a loopback port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "sansocket.wsproto", "hypercorn", "--workers", "0",
         "--bind", f"127.0.0.1:{port}", "wsproto_peer_app:app"],
        cwd=HERE, text=True,
    )
    try:
        wait_for_port(port, server)
        yield f"ws://127.0.0.1:{port}/"
    finally:
        server.terminate()
        server.wait(10)


def run_client(script: str, url: str) -> List[str]:
    out = subprocess.run(
        [sys.executable, "-c", script, url], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.split("\n")[:4]


def test_trio_websocket_client_against_hypercorn_both_on_sansocket_wsproto(
    hypercorn_url: str,
) -> None:
    # The close code hypercorn answered with.
    assert run_client(TRIO_WEBSOCKET, hypercorn_url) == [*ECHOED, "1000"]


def test_simple_websocket_client_against_hypercorn_both_on_sansocket_wsproto(
    hypercorn_url: str,
) -> None:
    assert run_client(SIMPLE_WEBSOCKET_CLIENT, hypercorn_url) == [*ECHOED, "closed"]


def test_httpx_ws_client_against_hypercorn_both_on_sansocket_wsproto(
    hypercorn_url: str,
) -> None:
    # httpx-ws sends its close frame and closes the stream without waiting for the reply;
    # its background reader may still have taken the reply first (as with wsproto itself).
    *echoed, state = run_client(HTTPX_WS_CLIENT, hypercorn_url)
    assert echoed == ECHOED
    assert state in ("LOCAL_CLOSING", "CLOSED")


def echo_with_websockets(url: str) -> None:
    """The `websockets` client (its own implementation) through wsproto_peer_app's echo."""
    from websockets.sync.client import connect

    with connect(url, open_timeout=10) as ws:
        assert ws.recv(timeout=10) == "sansocket.wsproto"
        ws.send("h\u00e9llo")
        assert ws.recv(timeout=10) == "h\u00e9llo"
        payload = b"\x00\xff" * 50000
        ws.send(payload)
        assert ws.recv(timeout=10) == payload
        ws.ping(b"x").wait(10)
        ws.close(1000, "bye")
    assert ws.close_code == 1000


def test_simple_websocket_server_flask_sock_style_answers_websockets() -> None:

    server = subprocess.Popen(
        [sys.executable, "-c", SIMPLE_WEBSOCKET_SERVER],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        echo_with_websockets(f"ws://127.0.0.1:{port}/")
        out, err = server.communicate(timeout=30)
        assert server.returncode == 0, err
        assert out.split("\n")[0] == "1000"
    finally:
        if server.poll() is None:
            server.kill()
            server.communicate()
