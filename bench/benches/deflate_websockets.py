"""Python websockets' permessage-deflate (zlib) on the messages of `benches/deflate.rs`.

Measures websockets' sans-I/O `Protocol` with its `PerMessageDeflate` extension, in the
roles and with the settings of the Rust bench: the server compresses and frames each
message (`send_text` + `data_to_send`), the client decodes and inflates the wire
(`receive_data` in 64 KiB reads + `events_received`) and decodes the text to `str`, as
websockets' connections do (its protocol layer does not check UTF-8 itself). Window 12
bits, level 6, websockets' default memLevel 5 (its server default), context takeover or not.
Each pass starts a new connection (a fresh context), like the Rust bench.

Prints MB/s of message bytes, in CPU time of the process (best of N runs), and the
compressed size. Run it in a throwaway virtual environment:

    python3 -m venv /tmp/wsvenv && /tmp/wsvenv/bin/pip install websockets
    /tmp/wsvenv/bin/python bench/benches/deflate_websockets.py [REPS]

The messages are generated as in `benches/common/compressed.rs`; the checksums below
(also checked by the Rust bench) prove they are the same bytes.
"""

import sys
import time
import zlib

import websockets
from websockets.extensions.permessage_deflate import PerMessageDeflate
from websockets.frames import Opcode
from websockets.protocol import CLIENT, OPEN, SERVER, Protocol

CHUNK = 64 << 10
WINDOW_BITS = 12
LEVEL = 6
MEM_LEVEL = 5

# (name, size, count, context takeover), as DEFLATE_CASES in benches/common/compressed.rs.
CASES = [
    ("1KiB", 1 << 10, 1024, True),
    ("64KiB", 64 << 10, 16, True),
    ("1KiB-no-ctx", 1 << 10, 1024, False),
    ("64KiB-no-ctx", 64 << 10, 16, False),
]

# FNV-1a of each case's messages, as CHECKSUMS in benches/deflate.rs.
CHECKSUMS = {
    "1KiB": 0xF7855E7E99590BCF,
    "64KiB": 0x41E784421CAADBDA,
    "1KiB-no-ctx": 0xF7855E7E99590BCF,
    "64KiB-no-ctx": 0x41E784421CAADBDA,
}

SYMBOLS = ["BTC-USD", "ETH-USD", "SOL-USD", "XRP-USD", "ADA-USD", "DOGE-USD", "AVAX-USD", "DOT-USD"]
MASK64 = (1 << 64) - 1


class Rng:
    """SplitMix64, as `common::Rng`."""

    def __init__(self, seed):
        self.state = seed

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)

    def below(self, n):
        return self.next() % n


def market_messages(size, count):
    """The same messages as `common::compressed::market_messages`."""
    rng = Rng(0x6D61726B6574 ^ size)
    ident = 912_000_000
    millis = 1_717_171_717_000
    prices = [1_000_000 + i * 137_713 for i in range(len(SYMBOLS))]
    messages = []
    for seq in range(count):
        msg = f'{{"channel":"trades","seq":{seq},"data":['
        first = True
        while True:
            s = rng.below(len(SYMBOLS))
            prices[s] = max(prices[s] + rng.below(201) - 100, 0)
            ident += 1 + rng.below(3)
            millis += rng.below(40)
            size_digits = rng.below(100_000_000)
            side = "buy" if rng.below(2) == 0 else "sell"
            record = (
                ("" if first else ",")
                + f'{{"id":{ident},"symbol":"{SYMBOLS[s]}","price":"{prices[s] // 100}.{prices[s] % 100:02}",'
                + f'"size":"0.{size_digits:08}","side":"{side}","ts":{millis}}}'
            )
            if len(msg) + len(record) + 2 > size:
                break
            msg += record
            first = False
        msg += "]"
        msg += " " * (size - 1 - len(msg))
        msg += "}"
        assert len(msg) == size
        messages.append(msg.encode())
    return messages


def checksum(messages):
    h = 0xCBF29CE484222325
    for m in messages:
        for b in m:
            h = ((h ^ b) * 0x100000001B3) & MASK64
    return h


def extension(context_takeover, side):
    """The extension as negotiated for the case, on `side`."""
    server = side is SERVER
    return PerMessageDeflate(
        remote_no_context_takeover=server is False and not context_takeover,
        local_no_context_takeover=server and not context_takeover,
        remote_max_window_bits=15 if server else WINDOW_BITS,
        local_max_window_bits=WINDOW_BITS if server else 15,
        compress_settings={"level": LEVEL, "memLevel": MEM_LEVEL},
    )


def protocol(side, context_takeover):
    proto = Protocol(side, state=OPEN, max_size=None)
    proto.extensions = [extension(context_takeover, side)]
    return proto


def compress_pass(messages, context_takeover):
    """Server: compresses and frames every message; returns the wire."""
    proto = protocol(SERVER, context_takeover)
    out = []
    for msg in messages:
        proto.send_text(msg)
        out.extend(proto.data_to_send())
    return b"".join(out)


def inflate_pass(wire, context_takeover, check=None):
    """Client: decodes the wire in 64 KiB reads; returns the number of messages."""
    proto = protocol(CLIENT, context_takeover)
    n = 0
    for start in range(0, len(wire), CHUNK):
        proto.receive_data(wire[start : start + CHUNK])
        for frame in proto.events_received():
            assert frame.opcode is Opcode.TEXT and frame.fin
            text = frame.data.decode()
            if check is not None:
                assert text.encode() == check[n], f"message {n} differs"
            n += 1
    return n


def rate(fn, total_bytes, reps):
    """Best MB/s (10^6 B/s) in CPU time over `reps` runs of about 0.3 s."""
    start = time.process_time()
    fn()
    per_pass = max(time.process_time() - start, 1e-6)
    passes = max(2, int(0.3 / per_pass))
    best = 0.0
    for _ in range(reps):
        start = time.process_time()
        for _ in range(passes):
            fn()
        elapsed = time.process_time() - start
        best = max(best, total_bytes * passes / elapsed / 1e6)
    return best


def main():
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    print(f"websockets {websockets.__version__}, zlib {zlib.ZLIB_RUNTIME_VERSION}, Python {sys.version.split()[0]}")
    print(f"window {WINDOW_BITS} bits, level {LEVEL}, memLevel {MEM_LEVEL}; CPU time, best of {reps}\n")
    print("| case            | compress MB/s | inflate MB/s | compressed size |")
    print("|-----------------|--------------:|-------------:|----------------:|")
    for name, size, count, takeover in CASES:
        messages = market_messages(size, count)
        sum_ = checksum(messages)
        assert sum_ == CHECKSUMS[name], f"{name}: messages changed ({sum_:#x})"
        wire = compress_pass(messages, takeover)
        assert inflate_pass(wire, takeover, check=messages) == count
        total = size * count
        comp = rate(lambda: compress_pass(messages, takeover), total, reps)
        infl = rate(lambda: inflate_pass(wire, takeover), total, reps)
        print(f"| {name:<16}| {comp:>13.1f} | {infl:>12.1f} | {len(wire) * 100 / total:>13.1f} % |")


if __name__ == "__main__":
    main()
