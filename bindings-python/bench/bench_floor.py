"""How close receive and send can get: the floor of `bench_receive.py`'s rows.

    python bench/bench_floor.py [--runs N] [--send]

The floor is one pass from the input to the final Python object and nothing else: the same
payloads, unmasked and without frame headers, concatenated (64 MiB, so read from memory as
the real input is), each cut out and made a `bytes` (`bytes(view)`) or a `str`
(`str(view, "utf-8")`). No WebSocket receiver can beat it on this interpreter, so
floor / websockets bounds the ratio any receiver can reach. Runs are interleaved with
sansocket and websockets (same bytes as `bench_receive.py`), best and worst of `--runs`,
CPU time of this process.

`--send`: the send rows that must make new bytes. A server's text must become UTF-8 bytes:
one pass over the `str`, at best a plain copy of its characters (`str.encode("latin-1")`,
CPython's copy of a Latin-1 `str`, stands for it: no conversion to UTF-8 is faster). A
client's payload must be masked into new bytes: one pass, at best a copy
(`bytes(memoryview(payload))`). A server's binary payload needs no pass at all (a vectored
write sends the caller's own object), so it has no floor row.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from typing import Callable, Dict, List

import bench_receive as b


def floor(plain: bytes, size: int, count: int, text: bool) -> int:
    view = memoryview(plain)
    if text:
        for i in range(count):
            str(view[i * size : (i + 1) * size], "utf-8")
    else:
        for i in range(count):
            bytes(view[i * size : (i + 1) * size])
    return count


def send_floor(messages: List[b.Message]) -> int:
    for m in messages:
        if isinstance(m, str):
            m.encode("latin-1")
        else:
            bytes(memoryview(m))
    return len(messages)


def send_rows(runs_n: int) -> None:
    for label, size in b.SIZES[1:]:
        count = max(8, (64 << 20) // size)
        texts, blobs = b.payloads(size, count)
        cases: List[tuple[str, List[b.Message], bool]] = [
            ("server text", list(texts), False),
            ("client binary", list(blobs), True),
        ]
        for what, messages, client in cases:
            runs: Dict[str, Callable[[List[b.Message]], int]] = {
                "floor": send_floor,
                "sansocket": lambda m: b.send_sansocket(m, client),  # noqa: B023
                "websockets": lambda m: b.send_websockets(m, client),  # noqa: B023
            }
            rates: Dict[str, List[float]] = {name: [] for name in runs}
            for _ in range(runs_n):
                for name, run in runs.items():
                    fresh = b.fresh(messages)
                    gc.collect()
                    t0 = time.process_time()
                    run(fresh)
                    rates[name].append(count * size / (time.process_time() - t0) / 1e9)
            best = {name: max(r) for name, r in rates.items()}
            cells = ", ".join(f"{n} {max(r):.2f} GB/s ({min(r):.2f}-{max(r):.2f})" for n, r in rates.items())
            print(
                f"send {what} {label}: {cells}; floor / websockets "
                f"{best['floor'] / best['websockets']:.1f}x, sansocket / websockets "
                f"{best['sansocket'] / best['websockets']:.1f}x",
                flush=True,
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--send", action="store_true", help="the send rows instead")
    args = parser.parse_args()
    if args.send:
        send_rows(args.runs)
        return 0
    for label, size in b.SIZES:
        count = max(8, (64 << 20) // size)
        texts, blobs = b.payloads(size, count)
        for kind in ("text", "binary"):
            raw = [t.encode() for t in texts] if kind == "text" else blobs
            chunks = b.stream(raw, 0x1 if kind == "text" else 0x2)
            plain = b"".join(raw)
            runs: Dict[str, Callable[[], int]] = {
                "floor": lambda: floor(plain, size, count, kind == "text"),  # noqa: B023
                "sansocket": lambda: b.recv_sansocket(chunks),  # noqa: B023
                "websockets": lambda: b.recv_websockets(chunks),  # noqa: B023
            }
            rates: Dict[str, List[float]] = {name: [] for name in runs}
            for _ in range(args.runs):
                for name, run in runs.items():
                    gc.collect()
                    t0 = time.process_time()
                    assert run() == count
                    rates[name].append(count * size / (time.process_time() - t0) / 1e9)
            best = {name: max(r) for name, r in rates.items()}
            cells = ", ".join(f"{n} {max(r):.2f} GB/s ({min(r):.2f}-{max(r):.2f})" for n, r in rates.items())
            print(
                f"receive {kind} {label}: {cells}; floor / websockets "
                f"{best['floor'] / best['websockets']:.1f}x, sansocket / websockets "
                f"{best['sansocket'] / best['websockets']:.1f}x",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
