"""How close receive can get: the floor of `bench_receive.py`'s receive rows.

    python bench/bench_floor.py [--runs N]

The floor is one pass from the input to the final Python object and nothing else: the same
payloads, unmasked and without frame headers, concatenated (64 MiB, so read from memory as
the real input is), each cut out and made a `bytes` (`bytes(view)`) or a `str`
(`str(view, "utf-8")`). No WebSocket receiver can beat it on this interpreter, so
floor / websockets bounds the ratio any receiver can reach. Runs are interleaved with
sansocket and websockets (same bytes as `bench_receive.py`), best and worst of `--runs`,
CPU time of this process.
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


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
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
