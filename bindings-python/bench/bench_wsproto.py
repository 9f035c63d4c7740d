"""sansocket.wsproto against wsproto 1.3.2, in one process, same calls.

    python bench/bench_wsproto.py [--quick] [--floor]

Both are driven through wsproto's API (`wsproto.connection.Connection`, `send(event)`,
`receive_data`, `events()`):

* receive (server): client frames (masked) of 125 B and 16 KiB, text and binary, fed in
  64 KiB reads; every event is iterated and its data touched;
* send (server) and client send (frames masked):
  `send(TextMessage(data=...))` / `send(BytesMessage(data=...))` per message, each
  library's own event class built by the caller every time, as hosts do.

Figures: messages per second and the ratio, best of 5 runs in process CPU time (each row
in a fresh process, the implementations in turn within each round). Not a timed
test: it prints a table. `--floor` adds what the least work costs in Python (a server
frame's header joined to its payload; each payload copied or decoded out of the reads):
`floor/wsproto` is the highest ratio any library returning Python objects could reach. (uvicorn with `--ws wsproto` on both: bench_uvicorn.py.)
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from typing import Any, Callable, Dict, List, Tuple

import wsproto.connection as real_connection
import wsproto.events as real_events

import sansocket.wsproto.connection as ss_connection
import sansocket.wsproto.events as ss_events

IMPLEMENTATIONS: Dict[str, Tuple[Any, Any]] = {
    "wsproto 1.3.2": (real_connection, real_events),
    "sansocket.wsproto": (ss_connection, ss_events),
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


def best_of(runs: int, fns: List[Callable[[], None]]) -> List[float]:
    """The best time of each function, run in turn (so that each meets the allocator and
    the machine in the same states: wsproto's 16 KiB sends vary twofold with the heap's)."""
    best = [float("inf")] * len(fns)
    for _ in range(runs):
        for i, fn in enumerate(fns):
            t0 = time.process_time()
            fn()
            best[i] = min(best[i], time.process_time() - t0)
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
    parser.add_argument("--row", type=int, help=argparse.SUPPRESS)  # one row, in this process
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
    if args.row is None:
        # Each row in a fresh process: wsproto's 16 KiB sends run twice as fast or slow with
        # the state the rows before left the C heap in (glibc trims and re-grows it).
        rows: List[str] = []
        for row in range(len(cases) * len(directions)):
            out = subprocess.run(
                [sys.executable, __file__, "--row", str(row)] + sys.argv[1:],
                capture_output=True, text=True, check=True,
            )
            rows.append(out.stdout.strip())
        print("messages/s, best of %d in process CPU time" % runs)
        extra = " floor | floor/wsproto |" if args.floor else ""
        print("| workload | " + " | ".join(IMPLEMENTATIONS) + " | ratio |" + extra)
        print("|---|---|---|---|" + ("---|---|" if args.floor else ""))
        print("\n".join(rows))
        return
    label, size, count, text = cases[args.row // len(directions)]
    print(measure_row(label, size, count, text, directions[args.row % len(directions)], runs, args.floor))


def measure_row(
    label: str, size: int, count: int, text: bool, direction: str, runs: int, floor: bool
) -> str:
    """One row of the table: wsproto, sansocket.wsproto (and the floor), run in turn."""
    raw = os.urandom(size // 2).hex().encode()[:size]
    payload: Any = raw.decode() if text else raw
    wire = client_frame(1 if text else 2, raw) * count
    fns = []
    for modules in IMPLEMENTATIONS.values():
        if direction == "receive":
            fns.append(receive(modules, wire))
        else:
            fns.append(send(modules, text, payload, count, direction == "client send"))
    if floor and direction == "receive":
        fns.append(floor_receive(raw, count, text))
    elif floor and direction == "send":
        fns.append(floor_send(text, payload, count))
    rates = [count / t for t in best_of(runs, fns)]
    cells = " | ".join(f"{r / 1e6:.3f} M" for r in rates[:2])
    row = f"| {direction} {label} | {cells} | {rates[1] / rates[0]:.1f}x |"
    if len(rates) > 2:
        row += f" {rates[2] / 1e6:.3f} M | {rates[2] / rates[0]:.1f}x |"
    elif floor:
        row += " | |"  # a client also masks: no pure-Python floor worth the name
    return row


if __name__ == "__main__":
    main()
