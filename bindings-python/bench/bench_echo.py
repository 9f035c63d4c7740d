"""Asyncio echo round trips on loopback: sansocket.asyncio and websockets, as client and as
server, in every pairing.

    python bench/bench_echo.py [--quick]

The server runs in its own process (the echo server example, or a websockets echo server),
the client in this one; each client sends a message and waits for its echo, again and again
(request-response, as tarasko/websocket-benchmark measures Python clients). Compression is
off on both sides. Two figures per cell: round trips per second (wall clock, best of 3
runs), and the CPU time one round trip costs client and server together (from
`time.process_time` and the server's /proc/PID/stat), which other load on the machine
disturbs less. Not a timed test: it prints a table.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
import time
from typing import Any, Awaitable, Callable, Dict, List, Tuple

import websockets
import websockets.version
from websockets.asyncio.client import connect as ws_connect

from sansocket.asyncio import connect as ss_connect

SIZES = [("125 B", 125, 20_000), ("16 KiB", 16 << 10, 5_000), ("1 MiB", 1 << 20, 200)]

WEBSOCKETS_SERVER = """
import asyncio, sys
from websockets.asyncio.server import serve

async def echo(ws):
    async for message in ws:
        await ws.send(message)

async def main():
    async with serve(echo, "127.0.0.1", 0, compression=None, max_size=None) as server:
        port = list(server.sockets)[0].getsockname()[1]
        print(f"listening on 127.0.0.1:{port}", flush=True)
        await server.serve_forever()

asyncio.run(main())
"""


def start_server(kind: str) -> Tuple["subprocess.Popen[str]", str]:
    if kind == "sansocket":
        cmd = [sys.executable, "-m", "sansocket.examples.echo_server", "127.0.0.1:0", "--no-deflate"]
    else:
        cmd = [sys.executable, "-c", WEBSOCKETS_SERVER]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    match = re.search(r"listening on (\S+)", line)
    if not match:
        proc.kill()
        raise RuntimeError(f"{kind} server did not start: {line!r}")
    return proc, f"ws://{match.group(1)}/"


def server_cpu(pid: int) -> float:
    """CPU seconds (user + system) the process `pid` has used."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def round_trips(ws: Any, message: Any, count: int, pid: int) -> Tuple[float, float]:
    """Wall seconds and CPU seconds (client + server) of `count` round trips."""
    for _ in range(10):
        await ws.send(message)
        await ws.recv()
    cpu0, server0, t0 = time.process_time(), server_cpu(pid), time.perf_counter()
    for _ in range(count):
        await ws.send(message)
        await ws.recv()
    wall = time.perf_counter() - t0
    return wall, time.process_time() - cpu0 + server_cpu(pid) - server0


async def sansocket_client(url: str, message: Any, count: int, pid: int) -> Tuple[float, float]:
    async with ss_connect(url, max_message_size=None, max_frame_size=None) as ws:
        return await round_trips(ws, message, count, pid)


async def websockets_client(url: str, message: Any, count: int, pid: int) -> Tuple[float, float]:
    async with ws_connect(url, compression=None, max_size=None) as ws:
        return await round_trips(ws, message, count, pid)


CLIENTS: Dict[str, Callable[[str, Any, int, int], Awaitable[Tuple[float, float]]]] = {
    "sansocket": sansocket_client,
    "websockets": websockets_client,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer round trips")
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    repeat = 1 if args.quick else 3
    print(f"Python {sys.version.split()[0]}, websockets {websockets.version.version}")
    rows: List[List[str]] = []
    for server in ["sansocket", "websockets"]:
        proc, url = start_server(server)
        try:
            for client in ["sansocket", "websockets"]:
                cells = [f"{client} client -> {server} server"]
                for _, size, count in SIZES:
                    count = max(10, count // scale)
                    runs = [
                        asyncio.run(asyncio.wait_for(CLIENTS[client](url, b"x" * size, count, proc.pid), 120))
                        for _ in range(repeat)
                    ]
                    wall = min(w for w, _ in runs)
                    cpu = min(c for _, c in runs)
                    cells.append(f"{count / wall:,.0f}/s, {cpu / count * 1e6:,.0f} µs CPU")
                rows.append(cells)
        finally:
            proc.terminate()
            proc.wait(10)
    header = ["binary round trips"] + [label for label, _, _ in SIZES]
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
