"""Receive and send throughput of the sans-IO layers, same process, same bytes:
sansocket (this binding) vs websockets' sans-IO protocol (C speedups on) vs wsproto.

    python bench/bench_receive.py [--quick]

Receive: a server connection is fed a stream of masked client frames in 64 KiB reads, and
every message is taken to Python as `str` (text) or `bytes` (binary), whole (websockets
delivers frames and wsproto delivers pieces; the loop does what an application must to get
the whole message: decode / join). Send: a server queues messages (unmasked) and a client
queues them (masked), taking the wire bytes after each one: sansocket's `data_to_send_list()` and
websockets' `data_to_send()` hand over a list of `bytes` (sansocket's holds a server's large
payloads as the caller's own objects, websockets' one new `bytes` per frame), wsproto's
`send()` one `bytes`; the last column is sansocket's `data_to_send()` (one new `bytes`). Memory: the resident memory of
10,000 idle open server connections (handshake done), per connection.

Not a timed test: it prints a table. Each figure is the best of several runs, timed in CPU
time of this process (`time.process_time`), which other load on the machine disturbs less
than wall-clock time.
"""

from __future__ import annotations

import argparse
import gc
import os
import subprocess
import sys
import time
from typing import Callable, Dict, List, Tuple, TypeVar, Union

import websockets
import websockets.version
from websockets.frames import apply_mask  # type: ignore[attr-defined]
import wsproto
from websockets.frames import Frame, Opcode
from websockets.protocol import State
from websockets.server import ServerProtocol
from websockets.client import ClientProtocol
from websockets.uri import parse_uri
from wsproto.connection import Connection as WsprotoConnection
from wsproto.connection import ConnectionType
from wsproto.events import BytesMessage as WpBytes
from wsproto.events import TextMessage as WpText

import sansocket as ss

SIZES = [("125 B", 125), ("16 KiB", 16 << 10), ("1 MiB", 1 << 20)]
READ = 64 << 10  # bytes per transport read
MASK = bytes.fromhex("37fa213d")
Message = Union[str, bytes]
T = TypeVar("T")


def speedups_loaded() -> bool:
    try:
        from websockets import speedups
    except ImportError:
        return False
    return apply_mask is speedups.apply_mask


# ---- the byte streams ------------------------------------------------------------------


def masked_frame(opcode: int, payload: bytes) -> bytes:
    n = len(payload)
    if n < 126:
        head = bytes([0x80 | opcode, 0x80 | n])
    elif n < 65536:
        head = bytes([0x80 | opcode, 0x80 | 126]) + n.to_bytes(2, "big")
    else:
        head = bytes([0x80 | opcode, 0x80 | 127]) + n.to_bytes(8, "big")
    return head + MASK + apply_mask(payload, MASK)


def payloads(size: int, count: int) -> Tuple[List[str], List[bytes]]:
    """Text: JSON-like records, mostly ASCII with a non-ASCII name now and then (what chat and
    STOMP traffic looks like); binary: varied bytes. Every message is a distinct object."""
    record = '{"id": %06d, "user": "%s", "body": "hello, world", "ok": true}, '
    names = ["alice", "bob", "carol", "dave", "zoë"]
    texts, blobs = [], []
    for i in range(count):
        parts, n = [], 0
        while n < size:
            part = record % ((i + n) % 1_000_000, names[(i + n) % len(names)])
            parts.append(part)
            n += len(part.encode())
        text = "".join(parts).encode()[:size].decode("utf-8", "ignore")
        text += "x" * (size - len(text.encode()))
        texts.append(text)
        blobs.append(bytes((i + j) % 251 for j in range(min(size, 251))) * (size // 251 + 1))
        blobs[-1] = blobs[-1][:size]
    return texts, blobs


def stream(messages: List[bytes], opcode: int) -> List[bytes]:
    wire = b"".join(masked_frame(opcode, m) for m in messages)
    return [wire[i : i + READ] for i in range(0, len(wire), READ)]


# ---- receivers: each returns the messages as str/bytes ---------------------------------


def recv_sansocket(chunks: List[bytes]) -> int:
    conn = ss.ServerConnection.opened(max_message_size=None, max_frame_size=None)
    n = 0
    for chunk in chunks:
        conn.receive_data(chunk)
        for event in conn.events():
            event.data  # type: ignore[union-attr]  # the str or bytes, already built
            n += 1
    return n


def recv_websockets(chunks: List[bytes]) -> int:
    proto = ServerProtocol(state=State.OPEN, max_size=None)
    n = 0
    for chunk in chunks:
        proto.receive_data(chunk)
        for frame in proto.events_received():
            assert isinstance(frame, Frame) and frame.fin
            if frame.opcode is Opcode.TEXT:
                bytes(frame.data).decode() if isinstance(frame.data, memoryview) else frame.data.decode()
            else:
                bytes(frame.data)
            n += 1
        proto.data_to_send()
    return n


def recv_wsproto(chunks: List[bytes]) -> int:
    conn = WsprotoConnection(ConnectionType.SERVER)
    n = 0
    text: List[str] = []
    binary: List[bytes] = []
    for chunk in chunks:
        conn.receive_data(chunk)
        for event in conn.events():
            if isinstance(event, WpText):
                text.append(event.data)
                if event.message_finished:
                    "".join(text)
                    text.clear()
                    n += 1
            elif isinstance(event, WpBytes):
                binary.append(bytes(event.data))
                if event.message_finished:
                    b"".join(binary)
                    binary.clear()
                    n += 1
    return n


# ---- senders: each returns the wire bytes count ------------------------------------------


def send_sansocket(messages: List[Message], client: bool) -> int:
    """`data_to_send_list()`: a list of `bytes`, as websockets' `data_to_send()` (a server's
    large payloads are the caller's own objects)."""
    conn: ss.Connection = ss.ClientConnection.opened() if client else ss.ServerConnection.opened()
    out = 0
    for m in messages:
        if isinstance(m, str):
            conn.send_text(m)
        else:
            conn.send_binary(m)
        out += sum(map(len, conn.data_to_send_list()))
    return out


def send_sansocket_bytes(messages: List[Message], client: bool) -> int:
    """`data_to_send()`: everything in one new `bytes` (one copy of each payload)."""
    conn: ss.Connection = ss.ClientConnection.opened() if client else ss.ServerConnection.opened()
    out = 0
    for m in messages:
        if isinstance(m, str):
            conn.send_text(m)
        else:
            conn.send_binary(m)
        out += len(conn.data_to_send())
    return out


def send_websockets(messages: List[Message], client: bool) -> int:
    proto = (
        ClientProtocol(parse_uri("ws://h/"), state=State.OPEN)
        if client
        else ServerProtocol(state=State.OPEN)
    )
    out = 0
    for m in messages:
        if isinstance(m, str):
            proto.send_text(m.encode())
        else:
            proto.send_binary(m)
        out += sum(map(len, proto.data_to_send()))
    return out


def send_wsproto(messages: List[Message], client: bool) -> int:
    conn = WsprotoConnection(ConnectionType.CLIENT if client else ConnectionType.SERVER)
    out = 0
    for m in messages:
        event = wsproto.events.TextMessage(data=m) if isinstance(m, str) else wsproto.events.BytesMessage(data=m)
        out += len(conn.send(event))
    return out


# ---- memory ----------------------------------------------------------------------------

REQUEST = (
    b"GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
    b"Origin: http://example.com\r\n\r\n"
)


def rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def open_sansocket() -> object:
    conn = ss.ServerConnection()
    conn.receive_data(REQUEST)
    for event in conn.events():
        conn.accept()
    conn.data_to_send()
    return conn


def open_websockets() -> object:
    proto = ServerProtocol()
    proto.receive_data(REQUEST)
    (request,) = proto.events_received()
    proto.send_response(proto.accept(request))  # type: ignore[arg-type]
    proto.data_to_send()
    return proto


def open_wsproto() -> object:
    conn = wsproto.WSConnection(ConnectionType.SERVER)
    conn.receive_data(REQUEST)
    for event in conn.events():
        conn.send(wsproto.events.AcceptConnection())
    return conn


def idle_memory(make: Callable[[], object], count: int = 20_000) -> float:
    """Resident bytes per idle connection: RSS growth over `count` of them (run in a fresh
    process, so that memory freed by earlier work does not hide the growth)."""
    keep = [make() for _ in range(100)]  # warm up allocators and caches
    gc.collect()
    before = rss()
    keep = [make() for _ in range(count)]
    gc.collect()
    after = rss()
    del keep
    return (after - before) / count


MAKERS = {"sansocket": open_sansocket, "websockets": open_websockets, "wsproto": open_wsproto}


def memory_in_subprocess(name: str) -> float:
    out = subprocess.run(
        [sys.executable, __file__, "--memory", name], check=True, capture_output=True, text=True
    )
    return float(out.stdout)


# ---- the table -------------------------------------------------------------------------


def best(fn: Callable[[T], int], make: Callable[[], T], repeat: int) -> Tuple[float, int]:
    """The shortest of `repeat` timed runs of `fn(make())` (`make` is not timed)."""
    times = []
    result = 0
    for _ in range(repeat):
        arg = make()
        gc.collect()
        t0 = time.process_time()
        result = fn(arg)
        times.append(time.process_time() - t0)
    return min(times), result


def fresh(messages: List[Message]) -> List[Message]:
    """New `str` objects: CPython caches a `str`'s UTF-8 once asked, which would make every
    run after the first free for whoever asks for it."""
    return [(m + "\0")[:-1] if isinstance(m, str) else m for m in messages]


def cell(rate: float, size: int) -> str:
    return f"{rate:,.0f} msg/s  {rate * size / 1e9:.2f} GB/s"


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer messages and runs")
    parser.add_argument("--memory", choices=sorted(MAKERS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory:
        print(idle_memory(MAKERS[args.memory]))
        return 0
    scale = 8 if args.quick else 1
    repeat = 2 if args.quick else 5

    print(
        f"Python {sys.version.split()[0]}, sansocket {ss.__version__}, "
        f"websockets {websockets.version.version} (C speedups: {speedups_loaded()}), "
        f"wsproto {wsproto.__version__}"
    )
    if not speedups_loaded():
        print("WARNING: websockets' C speedups are not loaded; its figures are too low")
    budget = (64 << 20) // scale  # payload bytes per run and kind
    rows: List[Dict[str, str]] = []

    def add(what: str, rates: Dict[str, float], size: int) -> None:
        one = rates.get("sansocket bytes")
        rows.append(
            {
                "what": what,
                "sansocket": cell(rates["sansocket"], size),
                "sansocket bytes": "" if one is None else f"{cell(one, size)} ({one / rates['websockets']:.1f}x)",
                "websockets": cell(rates["websockets"], size),
                "wsproto": cell(rates["wsproto"], size),
                "vs websockets": f"{rates['sansocket'] / rates['websockets']:.1f}x",
                "vs wsproto": f"{rates['sansocket'] / rates['wsproto']:.1f}x",
            }
        )

    receivers = {"sansocket": recv_sansocket, "websockets": recv_websockets, "wsproto": recv_wsproto}
    senders = {
        "sansocket": send_sansocket,
        "sansocket bytes": send_sansocket_bytes,
        "websockets": send_websockets,
        "wsproto": send_wsproto,
    }
    for label, size in SIZES:
        count = max(8, budget // size)
        texts, blobs = payloads(size, count)
        kinds: List[Tuple[str, List[Message], int]] = [("text", list(texts), 0x1), ("binary", list(blobs), 0x2)]
        for kind, messages, opcode in kinds:
            raw = [m.encode() if isinstance(m, str) else m for m in messages]
            chunks = stream(raw, opcode)
            rates = {}
            for name, receive in receivers.items():
                reps = 1 if name == "wsproto" and size >= (1 << 20) else repeat
                t, n = best(receive, lambda: chunks, reps)
                assert n == count, (name, n, count)
                rates[name] = count / t
            add(f"receive {kind} {label}", rates, size)
        cases: List[Tuple[str, List[Message], bool]] = [
            ("text", list(texts), False),
            ("binary", list(blobs), False),
            ("binary", list(blobs), True),
        ]
        for kind, messages, client in cases:
            rates = {}
            for name, send in senders.items():
                reps = 1 if name == "wsproto" and size >= (1 << 20) else repeat
                t, wire = best(
                    lambda m: send(m, client), lambda: fresh(messages), reps  # noqa: B023
                )
                assert wire >= count * size
                rates[name] = count / t
            add(f"send {kind} {label} ({'client' if client else 'server'})", rates, size)
    mem = {name: memory_in_subprocess(name) for name in MAKERS}
    rows.append(
        {
            "what": "idle open connection (RSS)",
            "sansocket bytes": "",
            "sansocket": f"{mem['sansocket']:,.0f} B",
            "websockets": f"{mem['websockets']:,.0f} B",
            "wsproto": f"{mem['wsproto']:,.0f} B",
            "vs websockets": f"{mem['sansocket'] / mem['websockets']:.2f}x",
            "vs wsproto": f"{mem['sansocket'] / mem['wsproto']:.2f}x",
        }
    )
    columns = ["what", "sansocket", "websockets", "wsproto", "vs websockets", "vs wsproto", "sansocket bytes"]
    widths = {c: max(len(c), *(len(r[c]) for r in rows)) for c in columns}
    print("| " + " | ".join(c.ljust(widths[c]) for c in columns) + " |")
    print("|" + "|".join("-" * (widths[c] + 2) for c in columns) + "|")
    for r in rows:
        print("| " + " | ".join(r[c].ljust(widths[c]) for c in columns) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
