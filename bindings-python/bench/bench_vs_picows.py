"""Echo servers on loopback, sansocket's example against picows: server CPU per message.

    python bench/bench_vs_picows.py [--quick] [--servers sansocket,picows,raw]

Each server runs in its own process (``python -m sansocket.examples.echo_server``, a picows
echo server on its core API, a raw TCP echo on asyncio: the floor, no WebSocket work; and
uvicorn serving tests/uvicorn_echo.py with ``sansocket.uvicorn`` or ``websockets-sansio``);
a picows client in this process drives it (uvloop on both sides when installed). Columns:
request/response 256 B binary, 16 KiB binary, 256 B text; pipelined 1 KiB and 64 KiB (a
window of 64 messages in flight); 100 connections each doing request/response at 256 B.
Every echo is checked (length and type). Per cell: messages per second (wall clock) and the
server's CPU time per message (from /proc/PID/stat), which the load on a shared machine
disturbs less. Not a timed test: it prints a table. picows and uvloop are pinned in
requirements-test.txt.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
import time
from typing import Any, Dict, List, Optional, Tuple

from picows import WSFrame, WSListener, WSMsgType, WSTransport, ws_connect

import uvicorn_launch

try:
    import uvloop
except ImportError:  # optional
    uvloop = None  # type: ignore[assignment]

PICOWS_SERVER = """
import asyncio, sys
from picows import WSListener, WSMsgType, ws_create_server
try:
    import uvloop
except ImportError:
    uvloop = None

class Echo(WSListener):
    def on_ws_frame(self, transport, frame):
        if frame.msg_type == WSMsgType.CLOSE:
            transport.send_close(frame.get_close_code(), frame.get_close_message())
            transport.disconnect()
        else:
            transport.send(frame.msg_type, frame.get_payload_as_memoryview(), frame.fin)

async def main():
    server = await ws_create_server(lambda _: Echo(), "127.0.0.1", 0, max_frame_size=64 << 20)
    print(f"listening on 127.0.0.1:{server.sockets[0].getsockname()[1]}", flush=True)
    await server.serve_forever()

(uvloop.run if uvloop else asyncio.run)(main())
"""

RAW_SERVER = """
import asyncio
try:
    import uvloop
except ImportError:
    uvloop = None

class Echo(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport = transport
    def data_received(self, data):
        self.transport.write(data)

async def main():
    server = await asyncio.get_running_loop().create_server(Echo, "127.0.0.1", 0)
    print(f"listening on 127.0.0.1:{server.sockets[0].getsockname()[1]}", flush=True)
    await server.serve_forever()

(uvloop.run if uvloop else asyncio.run)(main())
"""

#: label, payload size, text?, messages in flight per connection, connections, messages in all
COLUMNS = [
    ("rr 256 B", 256, False, 1, 1, 40_000),
    ("rr 16 KiB", 16 << 10, False, 1, 1, 20_000),
    ("rr 256 B text", 256, True, 1, 1, 40_000),
    ("pipelined 1 KiB", 1 << 10, False, 64, 1, 200_000),
    ("pipelined 64 KiB", 64 << 10, False, 64, 1, 20_000),
    ("100 connections", 256, False, 1, 100, 100_000),
]


UVICORN = {"uvicorn-sansocket": "sansocket.uvicorn:WebSocketProtocol", "uvicorn-sansio": "websockets-sansio"}


def start_uvicorn(ws: str) -> Tuple["subprocess.Popen[bytes]", str]:
    """uvicorn serving tests/uvicorn_echo.py's ASGI echo app with the `--ws` backend `ws`."""
    proc, port = uvicorn_launch.start(ws)
    return proc, f"127.0.0.1:{port}"


def start_server(kind: str) -> Tuple["subprocess.Popen[Any]", str]:
    if kind in UVICORN:
        return start_uvicorn(UVICORN[kind])
    if kind == "sansocket":
        cmd = [sys.executable, "-m", "sansocket.examples.echo_server", "127.0.0.1:0", "--no-deflate"]
        if os.environ.get("SERVER_SCRIPT"):  # a wrapper (a profiler, another version)
            cmd = [sys.executable, os.environ["SERVER_SCRIPT"]]
    elif kind == "picows":
        cmd = [sys.executable, "-c", PICOWS_SERVER]
    else:
        cmd = [sys.executable, "-c", RAW_SERVER]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    match = re.search(r"listening on (\S+)", proc.stdout.readline())
    if not match:
        proc.kill()
        raise RuntimeError(f"{kind} server did not start")
    return proc, match.group(1)


def cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) process `pid` has used."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Client(WSListener):
    """Keeps `window` messages in flight until `count` echoes came back, checking each."""

    def __init__(self, payload: bytes, text: bool, window: int) -> None:
        self.payload = payload
        self.kind = WSMsgType.TEXT if text else WSMsgType.BINARY
        self.window = window
        self.count = 0
        self.received = 0
        self.sent = 0
        self.done: "asyncio.Future[None]" = asyncio.get_running_loop().create_future()
        self.transport: Optional[WSTransport] = None
        self.pending = 0  # bytes of the message being reassembled (frames of a large echo)

    def start(self, count: int) -> None:
        self.count, self.received, self.sent = count, 0, 0
        self.done = asyncio.get_running_loop().create_future()
        assert self.transport is not None
        while self.sent < min(self.window, count):
            self.transport.send(self.kind, self.payload)
            self.sent += 1

    def on_ws_connected(self, transport: WSTransport) -> None:
        self.transport = transport

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        if frame.msg_type == WSMsgType.CLOSE:
            if not self.done.done():
                self.done.set_exception(ConnectionError("closed"))
            return
        if frame.msg_type not in (WSMsgType.CONTINUATION, self.kind):
            raise AssertionError(f"unexpected {frame.msg_type}")
        self.pending += len(frame.get_payload_as_memoryview())
        if not frame.fin:
            return
        if self.pending != len(self.payload):
            raise AssertionError(f"echo of {self.pending} bytes, sent {len(self.payload)}")
        self.pending = 0
        self.received += 1
        if self.sent < self.count:
            transport.send(self.kind, self.payload)
            self.sent += 1
        elif self.received == self.count and not self.done.done():
            self.done.set_result(None)


class RawClient(asyncio.Protocol):
    """The floor's client: the same bytes as a masked frame of the payload, on plain TCP,
    each message done when as many bytes came back."""

    def __init__(self, payload: bytes, window: int) -> None:
        header = bytes([0x82, 0xFF]) + (len(payload)).to_bytes(8, "big") + b"\0\0\0\0"
        self.message = header + payload
        self.window = window
        self.count = self.received = self.sent = self.pending = 0
        self.done: "asyncio.Future[None]" = asyncio.get_running_loop().create_future()
        self.transport: Optional[asyncio.Transport] = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def start(self, count: int) -> None:
        self.count, self.received, self.sent = count, 0, 0
        self.done = asyncio.get_running_loop().create_future()
        assert self.transport is not None
        while self.sent < min(self.window, count):
            self.transport.write(self.message)
            self.sent += 1

    def data_received(self, data: bytes) -> None:
        self.pending += len(data)
        while self.pending >= len(self.message):
            self.pending -= len(self.message)
            self.received += 1
            if self.sent < self.count:
                assert self.transport is not None
                self.transport.write(self.message)
                self.sent += 1
            elif self.received == self.count and not self.done.done():
                self.done.set_result(None)


async def run_column(addr: str, pid: int, size: int, text: bool, window: int, conns: int, total: int, raw: bool) -> Tuple[float, float]:
    payload = (b"x" * size)
    clients: List[Any] = []
    for _ in range(conns):
        client: Any
        if raw:
            host, port = addr.rsplit(":", 1)
            _, client = await asyncio.get_running_loop().create_connection(lambda: RawClient(payload, window), host, int(port))
        else:
            _, client = await ws_connect(lambda: Client(payload, text, window), f"ws://{addr}/", max_frame_size=64 << 20)
        clients.append(client)
    try:
        for c in clients:  # warm up
            c.start(max(1, 200 // conns))
        await asyncio.gather(*(c.done for c in clients))
        per = total // conns
        cpu0, t0 = cpu_seconds(pid), time.perf_counter()
        for c in clients:
            c.start(per)
        await asyncio.wait_for(asyncio.gather(*(c.done for c in clients)), 300)
        wall = time.perf_counter() - t0
        cpu = cpu_seconds(pid) - cpu0
        return per * conns / wall, cpu / (per * conns)
    finally:
        for c in clients:
            if c.transport is None:
                continue
            if raw:
                c.transport.close()
            else:
                c.transport.send_close()
                c.transport.disconnect()


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the messages")
    parser.add_argument("--servers", default="sansocket,picows,raw,uvicorn-sansocket,uvicorn-sansio")
    parser.add_argument("--columns", default="", help="comma-separated column numbers (1-6)")
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    picked = [int(c) - 1 for c in args.columns.split(",") if c] or list(range(len(COLUMNS)))
    print(f"Python {sys.version.split()[0]}, uvloop {'yes' if uvloop else 'no'}")
    rows: Dict[str, List[str]] = {}
    for server in args.servers.split(","):
        proc, addr = start_server(server)
        try:
            cells = []
            for i in picked:
                label, size, text, window, conns, total = COLUMNS[i]
                run = run_column(addr, proc.pid, size, text, window, conns, total // scale, server == "raw")
                rate, cpu = (uvloop.run if uvloop else asyncio.run)(run)
                cells.append(f"{rate:,.0f}/s {cpu * 1e6:.2f} µs")
            rows[server] = cells
            print(server, cells, flush=True)
        finally:
            proc.terminate()
            proc.wait(10)
    header = ["server"] + [COLUMNS[i][0] for i in picked]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for server, cells in rows.items():
        print(f"| {server} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
