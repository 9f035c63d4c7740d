"""sansocket.wsproto against wsproto 1.3.2, in one process, same calls.

    python bench/bench_wsproto.py [--quick] [--floor] [--rounds N] [--rows 6,9]

Both are driven through wsproto's API (`wsproto.connection.Connection`, `send(event)`,
`receive_data`, `events()`):

* receive (server): client frames (masked) of 125 B and 16 KiB, text and binary, fed in
  64 KiB reads; every event is iterated and its data touched;
* send (server) and client send (frames masked):
  `send(TextMessage(data=...))` / `send(BytesMessage(data=...))` per message, each
  library's own event class built by the caller every time, as hosts do.

Figures: messages per second and the ratio, best of 5 runs in process CPU time (each
measurement in a fresh process). `--rounds N` measures each row N times per library,
alternating the libraries' fresh processes (wsproto, sansocket, floor, wsproto, ...), and
keeps each one's best: the way to compare on a machine whose speed drifts from one second
to the next (a single pair of processes can land in different states). `--rows` picks the
rows (0-11, in the table's order). Not a timed
test: it prints a table. `--floor` adds what the least work costs in Python (a server
frame's header joined to its payload; each payload copied or decoded out of the reads):
`floor/wsproto` is the highest ratio any library returning Python objects could reach. (uvicorn with `--ws wsproto` on both: bench_uvicorn.py.)
"""

from __future__ import annotations

import argparse
import importlib
import os
import subprocess
import sys
import time
from typing import Any, Callable, Dict, List, Sequence, Tuple

# Each measurement imports only the library it measures (in a process of its own: wsproto's
# 16 KiB sends ran up to three times faster or slower depending on what else was loaded).
IMPLEMENTATIONS: Dict[str, str] = {
    "wsproto 1.3.2": "wsproto",
    "sansocket.wsproto": "sansocket.wsproto",
}
MASK = b"\x37\xfa\x21\x3d"
READ = 64 << 10


def client_frame(opcode: int, payload: bytes) -> bytes:
    n = len(payload)
    if n < 126:
        head = bytes([0x80 | opcode, 0x80 | n])
    else:
        head = bytes([0x80 | opcode, 0x80 | 126]) + n.to_bytes(2, "big")
    mask = (MASK * (n // 4 + 1))[:n]
    masked = (int.from_bytes(payload, "big") ^ int.from_bytes(mask, "big")).to_bytes(n, "big")
    return head + MASK + masked


def best_of(runs: int, fn: Callable[[], None]) -> float:
    best = float("inf")
    for _ in range(runs):
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return best


def receive(modules: Tuple[Any, Any], wire: bytes) -> Callable[[], None]:
    connection, _ = modules

    def run() -> None:
        conn = connection.Connection(connection.ConnectionType.SERVER)
        total = 0
        for i in range(0, len(wire), READ):
            conn.receive_data(wire[i : i + READ])
            for event in conn.events():
                total += len(event.data)
        assert total > 0

    return run


def send(
    modules: Tuple[Any, Any], text: bool, payload: Any, count: int, client: bool
) -> Callable[[], None]:
    connection, events = modules
    cls = events.TextMessage if text else events.BytesMessage
    role = connection.ConnectionType.CLIENT if client else connection.ConnectionType.SERVER

    def run() -> None:
        conn = connection.Connection(role)
        out = conn.send
        for _ in range(count):
            out(cls(data=payload))

    return run


def floor_receive(raw: bytes, count: int, text: bool) -> Callable[[], None]:
    """The least a Python caller pays to get each payload out of reads of the same sizes as
    a `bytes` (one copy) or a `str` (one decoding pass), skipping the frame header and the
    unmasking (the frames' mask key is zero: a lower bound no library can beat)."""
    size = len(raw)
    head = len(client_frame(1, raw)) - size
    wire = (client_frame(1, b"")[:1] + client_frame(1, raw)[1 : head - 4] + bytes(4) + raw) * count
    frame = head + size

    def run() -> None:
        total = 0
        start = head  # where the next payload starts, in the wire
        for i in range(0, len(wire), READ):
            view = memoryview(wire[i : i + READ])
            end = i + len(view)
            while start < end:
                piece = view[start - i : start - i + size]
                total += len(str(piece, "utf-8") if text else piece.tobytes())
                start += frame
        assert total > 0

    return run


def floor_send(text: bool, payload: Any, count: int) -> Callable[[], None]:
    """The least a Python caller pays to get a server frame as one `bytes`: the header
    joined to the payload (one copy), after `str.encode()` for text (one more)."""
    n = len(payload.encode() if text else payload)
    header = bytes([0x81 if text else 0x82]) + (
        bytes([n]) if n < 126 else bytes([126]) + n.to_bytes(2, "big")
    )

    def run() -> None:
        if text:
            for _ in range(count):
                header + payload.encode()
        else:
            for _ in range(count):
                header + payload

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the messages, 2 runs")
    parser.add_argument(
        "--floor",
        action="store_true",
        help="add the pure-Python floor: the least any library can cost (see floor_*)",
    )
    # One measurement in this process: --row ROW --impl N (0 wsproto, 1 sansocket, 2 floor).
    parser.add_argument(
        "--rounds", type=int, default=1, help="fresh processes per library and row, alternated"
    )
    parser.add_argument("--rows", help="comma-separated rows to measure (default: all)")
    parser.add_argument("--row", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--impl", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    runs = 2 if args.quick else 5
    scale = 10 if args.quick else 1
    cases: List[Tuple[str, int, int, bool]] = [
        ("125 B text", 125, 100_000 // scale, True),
        ("125 B binary", 125, 100_000 // scale, False),
        ("16 KiB text", 16 << 10, 5_000 // scale, True),
        ("16 KiB binary", 16 << 10, 5_000 // scale, False),
    ]
    directions = ("receive", "send", "client send")
    if args.row is not None:
        label, size, count, text = cases[args.row // len(directions)]
        direction = directions[args.row % len(directions)]
        print(count / best_of(runs, workload(size, count, text, direction, args.impl or 0)))
        return
    # Each measurement in a fresh process: in one process, wsproto's 16 KiB sends ran twice
    # as fast or as slow depending on what ran before them.
    lines: List[str] = []
    rows: Sequence[int] = range(len(cases) * len(directions))
    if args.rows:
        rows = [int(r) for r in args.rows.split(",")]
    for row in rows:
        label, _, _, _ = cases[row // len(directions)]
        direction = directions[row % len(directions)]
        impls = 3 if args.floor and direction != "client send" else 2
        rates = [0.0] * impls
        for _ in range(max(1, args.rounds)):
            for impl in range(impls):
                out = subprocess.run(
                    [sys.executable, __file__, "--row", str(row), "--impl", str(impl)]
                    + (["--quick"] if args.quick else []),
                    capture_output=True, text=True, check=True,
                )
                rates[impl] = max(rates[impl], float(out.stdout))
        line = f"| {direction} {label} | {rates[0] / 1e6:.3f} M | {rates[1] / 1e6:.3f} M"
        line += f" | {rates[1] / rates[0]:.1f}x |"
        if impls == 3:
            line += f" {rates[2] / 1e6:.3f} M | {rates[2] / rates[0]:.1f}x |"
        elif args.floor:
            line += " | |"  # a client also masks: no pure-Python floor worth the name
        lines.append(line)
    print(
        "messages/s, best of %d in process CPU time, best of %d fresh processes per library"
        % (runs, max(1, args.rounds))
    )
    extra = " floor | floor/wsproto |" if args.floor else ""
    print("| workload | " + " | ".join(IMPLEMENTATIONS) + " | ratio |" + extra)
    print("|---|---|---|---|" + ("---|---|" if args.floor else ""))
    print("\n".join(lines))


def workload(size: int, count: int, text: bool, direction: str, impl: int) -> Callable[[], None]:
    """What one measurement runs: wsproto (0), sansocket.wsproto (1) or the floor (2)."""
    raw = os.urandom(size // 2).hex().encode()[:size]
    payload: Any = raw.decode() if text else raw
    if impl == 2:
        if direction == "receive":
            return floor_receive(raw, count, text)
        return floor_send(text, payload, count)
    package = list(IMPLEMENTATIONS.values())[impl]
    modules = (
        importlib.import_module(package + ".connection"),
        importlib.import_module(package + ".events"),
    )
    if direction == "receive":
        return receive(modules, client_frame(1 if text else 2, raw) * count)
    return send(modules, text, payload, count, direction == "client send")


if __name__ == "__main__":
    main()
