"""STOMP decode and encode in one process: sansocket.stomp (the Rust engine through this
binding) vs stomp.py's parser (``stomp.utils.parse_frame``) and encoder
(``stomp.utils.convert_frame``), on MESSAGE frames with 100-byte and 16 KiB bodies.

    python bench/bench_stomp.py [--quick]

Decode: sansocket is fed a stream of frames in 64 KiB reads and finds the frames itself
(streaming, content-length, NUL check, escapes, limits); stomp.py is handed each frame
already cut out of the stream (its transport's own framing loop is not counted), so the
comparison favours stomp.py. Both deliver the body as ``bytes`` and the headers as ``str``.
Encode: one frame to wire bytes, with ``content-length``. Not a timed test: it prints a
table; each figure is the best of several runs in CPU time.
"""

from __future__ import annotations

import argparse
import time
from typing import Callable, List

from stomp import utils as stomppy  # type: ignore[import-untyped]

from sansocket import stomp

HEADERS = [
    ("destination", "/topic/chat.general"),
    ("message-id", "T_sub-0@@session-Xo3pG1@@1"),
    ("subscription", "sub-0"),
    ("content-type", "text/plain"),
]


def best(fn: Callable[[], int], rounds: int) -> float:
    """Items per second, the best of `rounds`."""
    top = 0.0
    for _ in range(rounds):
        start = time.process_time()
        n = fn()
        elapsed = time.process_time() - start
        top = max(top, n / max(elapsed, 1e-9))
    return top


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="a smoke run: tiny counts")
    args = parser.parse_args()
    rounds = 1 if args.quick else 5
    print(f"{'case':<28}{'sansocket':>14}{'stomp.py':>14}{'ratio':>8}")
    for size in (100, 16 * 1024):
        count = (20 if args.quick else 20000) if size == 100 else (5 if args.quick else 2000)
        frame = stomp.Frame("MESSAGE", HEADERS, b"x" * size)
        wire = stomp.encode(frame)
        stream = wire * count
        reads = [stream[i : i + 65536] for i in range(0, len(stream), 65536)]
        frames: List[bytes] = [wire[:-1]] * count  # stomp.py gets each frame cut out, no NUL

        def ours_decode() -> int:
            dec = stomp.Decoder("1.2")
            n = 0
            for read in reads:
                dec.receive_data(read)
                while (event := dec.next_event()) is not None:
                    n += len(event.body) > 0 if isinstance(event, stomp.Frame) else 0
            assert n == count
            return n

        def their_decode() -> int:
            n = 0
            for f in frames:
                parsed = stomppy.parse_frame(f)
                n += len(parsed.body) > 0
            assert n == count
            return n

        body = b"x" * size
        their_frame = stomppy.Frame("MESSAGE", dict(HEADERS), body)

        def ours_encode() -> int:
            for _ in range(count):
                stomp.encode(stomp.Frame("MESSAGE", HEADERS, body))
            return count

        def their_encode() -> int:
            for _ in range(count):
                headers = dict(HEADERS)
                headers["content-length"] = str(size)
                b"".join(stomppy.convert_frame(stomppy.Frame("MESSAGE", headers, body)))
            return count

        for what, ours, theirs in (("decode", ours_decode, their_decode), ("encode", ours_encode, their_encode)):
            a, b = best(ours, rounds), best(theirs, rounds)
            label = f"{what} {size} B body"
            print(f"{label:<28}{a:>12,.0f}/s{b:>12,.0f}/s{a / b:>7.1f}x")


if __name__ == "__main__":
    main()
