"""Messages per second through uvicorn with each WebSocket backend, same app, same client.

    python bench/bench_uvicorn.py [--quick] [--client sansocket|websockets]

uvicorn serves the ASGI echo application of tests/uvicorn_echo.py in its own process with
`--ws websockets-sansio`, `--ws wsproto`, `--ws wsproto` on `sansocket.wsproto` (uvicorn's
own wsproto backend, its `import wsproto` redirected) and
`--ws sansocket.uvicorn:WebSocketProtocol` (compression off), all at once, runs interleaved; the client (sansocket's asyncio
client by default) runs in this process. Two workloads per message size:

* round trips: send a message, wait for its echo, again and again;
* streamed: a writer task sends N messages while the reader takes the N echoes, at most
  `WINDOW` (32) in flight.

Figures: messages per second (wall clock, best of 3 runs) and the server process's CPU time
per message (from /proc/PID/stat), which other load on the machine disturbs less. Not a timed
test: it prints a table.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from typing import Any, Dict, List, Tuple

from websockets.asyncio.client import connect as ws_connect

from sansocket.asyncio import connect as ss_connect

import uvicorn_launch

BACKENDS = [
    ("websockets-sansio", "websockets-sansio"),
    ("wsproto", "wsproto"),
    ("wsproto on sansocket.wsproto", "wsproto --sansocket-wsproto"),
    ("sansocket", "sansocket.uvicorn:WebSocketProtocol"),
]
#: Streamed messages in flight at most. Unbounded, client and server could both block on a full
#: write buffer while the other stops reading (sansocket's client pauses reading then).
WINDOW = 32
SIZES = [("125 B", 125, 20_000), ("16 KiB", 16 << 10, 5_000)]


def start(ws: str) -> Tuple["subprocess.Popen[bytes]", str]:
    proc, port = uvicorn_launch.start(ws, timeout=15)
    return proc, f"ws://127.0.0.1:{port}/"


def server_cpu(pid: int) -> float:
    """CPU seconds (user + system) the process `pid` has used."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def connect(client: str, url: str) -> Any:
    if client == "websockets":
        return ws_connect(url, compression=None, max_size=None)
    return ss_connect(url)


async def round_trips(ws: Any, message: bytes, count: int) -> None:
    for _ in range(count):
        await ws.send(message)
        await ws.recv()


async def streamed(ws: Any, message: bytes, count: int) -> None:
    window = asyncio.Semaphore(WINDOW)

    async def writer() -> None:
        for _ in range(count):
            await window.acquire()
            await ws.send(message)

    task = asyncio.ensure_future(writer())
    for _ in range(count):
        await ws.recv()
        window.release()
    await task


async def measure(client: str, url: str, pid: int, size: int, count: int, workload: Any) -> Tuple[float, float]:
    """One run: messages per second and server CPU seconds per message."""
    message = os.urandom(size)
    async with connect(client, url) as ws:
        await round_trips(ws, message, 50)  # warm up
        cpu0, t0 = server_cpu(pid), time.perf_counter()
        await asyncio.wait_for(workload(ws, message, count), 120)
        wall, cpu = time.perf_counter() - t0, server_cpu(pid) - cpu0
    return count / wall, cpu / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the messages, one run")
    parser.add_argument("--client", choices=["sansocket", "websockets"], default="sansocket")
    args = parser.parse_args()
    runs = 1 if args.quick else 3
    results: Dict[Tuple[str, str, str], Tuple[float, float]] = {}
    servers = {backend: start(ws) for backend, ws in BACKENDS}
    try:
        # Runs interleave the backends, so that load changes on the machine hit them alike.
        for label, size, count in SIZES:
            count = count // 10 if args.quick else count
            for workload_name, workload in (("round trips", round_trips), ("streamed", streamed)):
                for _ in range(runs):
                    for backend, (proc, url) in servers.items():
                        rate, cpu = asyncio.run(measure(args.client, url, proc.pid, size, count, workload))
                        best = results.get((label, workload_name, backend), (0.0, float("inf")))
                        results[(label, workload_name, backend)] = (max(best[0], rate), min(best[1], cpu))
    finally:
        for proc, _ in servers.values():
            proc.terminate()
            proc.wait(10)
    names = [b for b, _ in BACKENDS]
    print(f"uvicorn echo, client: {args.client}; messages/s (server CPU µs per message)")
    print("| workload | " + " | ".join(names) + " |")
    print("|---" * (len(names) + 1) + "|")
    rows: List[str] = []
    for label, _, _ in SIZES:
        for shown in ("round trips", "streamed"):
            cells = []
            for backend in names:
                rate, cpu = results[(label, shown, backend)]
                cells.append(f"{rate / 1000:.1f} k ({cpu * 1e6:.0f} µs)")
            rows.append(f"| {label} {shown} | " + " | ".join(cells) + " |")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
