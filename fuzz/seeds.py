#!/usr/bin/env python3
"""Writes the seed corpora in fuzz/seeds/<target>/ (checked in, small).

Sources: the RFC 6455 examples (§1.3, §5.7), a few handshake requests and responses, and
every case of tests/vectors/*.json (the bytes each case receives, and for whole
connections its actions too). The byte formats are documented in fuzz/src/input.rs.
Run it again after the vectors change: `python3 fuzz/seeds.py`.
"""

import json
import pathlib
import re
import shutil
import struct

HERE = pathlib.Path(__file__).resolve().parent
VECTORS = HERE.parent / "tests" / "vectors"
OUT = HERE / "seeds"
MAX_SEED = 8192  # bytes; larger inputs are truncated

LIMITS_MAX = 0x3F  # the largest limits, whole messages, auto-pong
REQUEST = (b"GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\n"
           b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
           b"Origin: http://example.com\r\nSec-WebSocket-Protocol: chat, superchat\r\n"
           b"Sec-WebSocket-Version: 13\r\n\r\n")
SAMPLE_ACCEPT = b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
RESPONSE = (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: " + SAMPLE_ACCEPT + b"\r\nSec-WebSocket-Protocol: chat\r\n\r\n")
STATUSES = [400, 403, 404, 101, 500, 503, 99, 1000]  # drive.rs Decision


def frame(first, payload, mask=None):
    """One frame, minimal length, masked with `mask` if given."""
    n = len(payload)
    head = bytes([first])
    bit = 0x80 if mask else 0
    if n < 126:
        head += bytes([bit | n])
    elif n < 65536:
        head += bytes([bit | 126]) + struct.pack(">H", n)
    else:
        head += bytes([bit | 127]) + struct.pack(">Q", n)
    if mask:
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        head += bytes(mask)
    return head + payload


KEY = [0x37, 0xFA, 0x21, 0x3D]
# RFC 6455 §5.7 examples, as a client sends them (masked) and as a server does.
RFC_FRAMES = {
    "hello": (0x81, b"Hello"),
    "ping": (0x89, b"Hello"),
    "pong": (0x8A, b"Hello"),
    "binary-256": (0x82, bytes(range(256))),
    "close-1000": (0x88, b"\x03\xe8bye"),
    "close-empty": (0x88, b""),
}
RFC_FRAGMENTED = [(0x01, b"Hel"), (0x80, b"lo")]

HANDSHAKE_REQUESTS = {
    "rfc6455": REQUEST,
    "minimal": (b"GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"),
    "extensions": REQUEST.replace(b"\r\n\r\n", b"\r\nSec-WebSocket-Extensions: permessage-deflate; "
                                  b"client_max_window_bits, x-foo; a=\"b,c\"\r\n\r\n"),
    "plain-http": b"GET /index.html HTTP/1.1\r\nHost: example.com\r\n\r\n",
    "post": REQUEST.replace(b"GET", b"POST", 1),
    "http10": REQUEST.replace(b"HTTP/1.1", b"HTTP/1.0", 1),
    "version-8": REQUEST.replace(b"Version: 13", b"Version: 8"),
    "bare-lf": REQUEST.replace(b"\r\n", b"\n"),
    "two-hosts": REQUEST.replace(b"Host: example.com\r\n", b"Host: a\r\nHost: b\r\n"),
    "then-frame": REQUEST + frame(0x81, b"Hello", KEY),
}
HANDSHAKE_RESPONSES = {
    "rfc6455": RESPONSE,
    "no-subprotocol": RESPONSE.replace(b"Sec-WebSocket-Protocol: chat\r\n", b""),
    "deflate": RESPONSE.replace(b"\r\n\r\n", b"\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n"),
    "wrong-accept": RESPONSE.replace(SAMPLE_ACCEPT, b"AAAAAAAAAAAAAAAAAAAAAAAAAAA="),
    "then-frames": RESPONSE + frame(0x81, b"Hello") + frame(0x89, b"hi") + frame(0x88, b"\x03\xe8"),
    "403-length": b"HTTP/1.1 403 Forbidden\r\nContent-Length: 5\r\n\r\nnope!",
    "404-chunked": b"HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    "302-until-eof": b"HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\n\r\nmoved",
}


# RFC 7692 §7.2.3: "Hello" compressed, as a server sends it (unmasked).
RFC7692 = {
    "one-block": "c107f248cdc9c90700",
    "fragmented": "4103f248cd8004c9c90700",
    "shared-window": "c107f248cdc9c90700" + "c105f200110000",
    "stored-block": "c10b000500faff48656c6c6f00",
    "bfinal": "c108f348cdc9c9070000",
    "two-blocks": "c10df248050000" "00ffffcac9c90700",
}
DEFLATE_FLAGS = 0x02 | 7 << 2  # deflate on, 15-bit windows, context takeover


def mask_frames(data, key=KEY):
    """The same frames, masked (for a server to receive)."""
    out = b""
    while data:
        first, second = data[0], data[1]
        n, pos = second & 0x7F, 2
        if n == 126:
            n, pos = struct.unpack(">H", data[2:4])[0], 4
        elif n == 127:
            n, pos = struct.unpack(">Q", data[2:10])[0], 10
        payload = data[pos:pos + n]
        out += data[:1] + bytes([second | 0x80]) + data[2:pos] + bytes(key)
        out += bytes(b ^ key[i % 4] for i, b in enumerate(payload))
        data = data[pos + n:]
    return out


def unhex(value):
    """The bytes of a vector field: hex, or a list of hex strings and {text}/{hex, repeat}."""
    if value is None:
        return b""
    if isinstance(value, str):
        return bytes.fromhex(value)
    out = b""
    for part in value:
        if isinstance(part, str):
            out += bytes.fromhex(part)
        elif "text" in part:
            out += part["text"].encode()
        else:
            out += bytes.fromhex(part["hex"]) * part.get("repeat", 1)
    return out


def pick(value, options):
    """The index of the smallest option at least `value` (else the largest)."""
    for i, option in enumerate(options):
        if option >= value:
            return i
    return len(options) - 1


def limits_byte(case):
    """The `limits` byte closest to the case's config (src/config.rs)."""
    config = case.get("config") or {}
    byte = pick(config.get("max_frame_size", 1 << 30), [8, 130, 1000, 70_000])
    byte |= pick(config.get("max_message_size", 1 << 30), [16, 300, 4000, 100_000]) << 2
    byte |= pick(config.get("max_fragments", 1 << 30), [1, 3, 16, 1000]) << 4
    if config.get("delivery") == "chunks":
        byte |= 0x40
    if config.get("auto_pong") is False:
        byte |= 0x80
    return byte


def deflate_flags(case):
    """permessage-deflate flag bits for a case whose config enables it (default: 12 bits)."""
    return 0x02 | 4 << 2 if "deflate" in (case.get("config") or {}) else 0


def decision(case):
    """The decision bytes for a server case's accept/reject step."""
    for step in case["steps"]:
        if "accept" in step:
            sub = (step["accept"] or {}).get("subprotocol")
            return (1, 1 if sub == "superchat" else 0) if sub else (0, 0)
        if "reject" in step:
            status = step["reject"].get("status", 403)
            return (3, STATUSES.index(status) if status in STATUSES else 1)
    return (0, 0)


def u8_payload(data):
    data = data[:255]
    return bytes([len(data)]) + data


def action_step(step):
    """A structured-format action for a vector step, or None."""
    if "send_text" in step:
        return bytes([3, 0]) + u8_payload(step["send_text"].encode())
    if "send_binary" in step:
        return bytes([3, 1]) + u8_payload(unhex(step["send_binary"]))
    if "send_fragment" in step:
        f = step["send_fragment"]
        fin = 0x10 if f.get("fin") else 0
        data = unhex(f["data"])
        if f["kind"] == "text":
            return bytes([3, 2 | fin, 255]) + u8_payload(data)
        return bytes([3, 3 | fin]) + u8_payload(data)
    if "ping" in step:
        return bytes([3, 4]) + u8_payload(unhex(step["ping"]))
    if "pong" in step:
        return bytes([3, 5]) + u8_payload(unhex(step["pong"]))
    if "close" in step:
        code, reason = (step["close"] + [1000, ""])[:2] if isinstance(step["close"], list) else (1000, "")
        return bytes([3, 6 | 0x10]) + struct.pack(">H", code) + u8_payload(reason.encode())
    if step.get("eof"):
        return bytes([4])
    return None


def data_step(data):
    out = b""
    for i in range(0, len(data), 65535):
        piece = data[i:i + 65535]
        out += bytes([1]) + struct.pack("<H", len(piece)) + piece
    return out


def write(target, name, data):
    folder = OUT / target
    folder.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", name)
    (folder / name).write_bytes(data[:MAX_SEED])


def builtin():
    for name, (first, payload) in RFC_FRAMES.items():
        masked = frame(first, payload, KEY)
        plain = frame(first, payload)
        zero = frame(first, payload, [0, 0, 0, 0])
        for split in (0, 3):
            write("frames_server", f"rfc-{name}-{split}", bytes([LIMITS_MAX, split, 0]) + masked)
            write("frames_client", f"rfc-{name}-{split}", bytes([LIMITS_MAX, split, 0]) + plain)
        write("differential", f"rfc-{name}-server", bytes([LIMITS_MAX, 0]) + masked + zero)
        write("differential", f"rfc-{name}-client", bytes([LIMITS_MAX, 2]) + plain)
        write("connection_server", f"rfc-{name}", bytes([LIMITS_MAX, 0, 0, 0, 1]) + data_step(masked))
        write("connection_client", f"rfc-{name}", bytes([LIMITS_MAX, 0, 0, 0, 1]) + data_step(plain))
    masked = b"".join(frame(f, p, KEY) for f, p in RFC_FRAGMENTED)
    plain = b"".join(frame(f, p) for f, p in RFC_FRAGMENTED)
    write("frames_server", "rfc-fragmented", bytes([LIMITS_MAX, 0, 1]) + masked)
    write("frames_client", "rfc-fragmented", bytes([LIMITS_MAX, 0, 1]) + plain)
    write("differential", "rfc-fragmented-server", bytes([LIMITS_MAX, 1]) + masked)
    write("differential", "rfc-fragmented-client", bytes([LIMITS_MAX, 3]) + plain)
    for name, hexed in RFC7692.items():
        plain = bytes.fromhex(hexed)
        write("frames_client", f"rfc7692-{name}", bytes([LIMITS_MAX, 0, DEFLATE_FLAGS]) + plain)
        write("frames_server", f"rfc7692-{name}", bytes([LIMITS_MAX, 0, DEFLATE_FLAGS]) + mask_frames(plain))
        write("frames_server", f"rfc7692-{name}-split",
              bytes([LIMITS_MAX | 0x40, 3, DEFLATE_FLAGS | 0x60]) + mask_frames(plain))
        write("connection_client", f"rfc7692-{name}",
              bytes([LIMITS_MAX, 0, 0, 0, DEFLATE_FLAGS | 1]) + data_step(plain))
        write("connection_server", f"rfc7692-{name}",
              bytes([LIMITS_MAX, 0, 0, 0, DEFLATE_FLAGS | 1]) + data_step(mask_frames(plain)))
    for name, request in HANDSHAKE_REQUESTS.items():
        for kind in range(4):
            write("handshake_server", f"{name}-{kind}", bytes([LIMITS_MAX, 0, kind, 1, 0, 0]) + request)
        write("handshake_server", f"{name}-split", bytes([LIMITS_MAX, 0, 0, 0, 7, 1]) + request)
    for name, response in HANDSHAKE_RESPONSES.items():
        write("handshake_client", name, bytes([LIMITS_MAX, 0, 0, 1]) + response)
        write("handshake_client", f"{name}-split", bytes([LIMITS_MAX, 0, 5, 0]) + response)
    # Whole connections: handshake, text both ways, ping, close.
    server = bytes([LIMITS_MAX, 0, 1, 1, 0]) + data_step(REQUEST)
    server += bytes([7 | 0 << 3]) + u8_payload(b"Hello")          # a valid text frame
    server += bytes([3, 0]) + u8_payload(b"hi there")              # send_text
    server += bytes([7 | 3 << 3]) + u8_payload(b"p")               # a valid ping frame
    server += bytes([3, 2, 3]) + u8_payload("κόσμε".encode())      # a text fragment, cut at 3
    server += bytes([3, 2 | 0x10, 0]) + u8_payload(b"!")           # its last fragment
    server += bytes([3, 6]) + bytes([0]) + u8_payload(b"bye")      # close 1000
    server += bytes([7 | 5 << 3]) + u8_payload(b"\x03\xe8")        # the close reply
    write("connection_server", "session", server)
    client = bytes([LIMITS_MAX, 0, 0, 0, 1])
    client += bytes([3, 1]) + u8_payload(b"\x00\xff")
    client += bytes([7 | 1 << 3]) + u8_payload(b"\x01\x02")
    client += bytes([3, 4]) + u8_payload(b"ping")
    client += bytes([7 | 4 << 3]) + u8_payload(b"ping")
    client += bytes([7 | 0 << 3 | 0x40]) + u8_payload(b"frag")
    client += bytes([7 | 2 << 3]) + u8_payload(b"ment")
    client += bytes([7 | 5 << 3]) + u8_payload(b"\x03\xe9")
    client += bytes([4])
    write("connection_client", "session", client)
    # The same sessions with permessage-deflate: compressed frames (tag bit 7) both ways.
    for name, seed in (("server", server), ("client", client)):
        deflated = bytearray(seed)
        deflated[4] |= DEFLATE_FLAGS  # flags byte
        write(f"connection_{name}", "session-deflate", bytes(deflated))
    seed = bytes([LIMITS_MAX, 0, 0, 0, DEFLATE_FLAGS | 1])
    seed += bytes([0x80 | 7]) + u8_payload(b"Hello, Hello, Hello")       # compressed text
    seed += bytes([0x80 | 7 | 1 << 3]) + u8_payload(bytes(range(100)))  # compressed binary
    seed += bytes([3, 0]) + u8_payload(b"x" * 100)                     # send_text, compressed
    write("connection_server", "deflate-frames", seed)
    write("connection_client", "deflate-frames", seed)
    # The deflate target: open connections, flags bit 0 for the client.
    for name, hexed in RFC7692.items():
        plain = bytes.fromhex(hexed)
        write("deflate", f"rfc7692-{name}-client", bytes([LIMITS_MAX, 0, 0, 0, DEFLATE_FLAGS | 1]) + data_step(plain))
        write("deflate", f"rfc7692-{name}-server",
              bytes([LIMITS_MAX, 0, 0, 0, DEFLATE_FLAGS]) + data_step(mask_frames(plain)))
    steps = seed[5:]
    for flags in (DEFLATE_FLAGS, DEFLATE_FLAGS | 1, DEFLATE_FLAGS | 0x60, 0x02 | 1 << 2 | 0x81):
        write("deflate", f"frames-{flags:02x}", bytes([LIMITS_MAX, 0, 0, 0, flags]) + steps)
        write("deflate", f"session-{flags:02x}", bytes([LIMITS_MAX, 0, 0, 0, flags]) + server[5 + 3 + len(REQUEST):])
    for name in ("extensions", "rfc6455"):
        request = HANDSHAKE_REQUESTS[name]
        write("handshake_server", f"{name}-deflate",
              bytes([LIMITS_MAX, 0, 0, 0, 0, DEFLATE_FLAGS]) + request)
    # The mask target: key, phase, source offset, destination prefix, split, payload.
    for length in (0, 1, 7, 31, 63, 64, 65, 127, 128, 255, 256, 257, 1000, 4099):
        for phase in (0, 3):
            write("mask", f"len-{length}-phase-{phase}",
                  bytes([0x37, 0xfa, 0x21, 0x3d, phase, length % 61, length % 37, 100])
                  + bytes((i * 7 + 3) % 256 for i in range(length)))
    # The text target: flags (chunks, compressed, read buffer), fragment and read seeds,
    # then the payload: valid text with characters of every width, and invalid sequences.
    texts = {
        "ascii": b"Hello",
        "widths": "héllo 🎉 привет 你好".encode() * 3,
        "invalid": b"ab\xc3\x28cd",
        "surrogate": b"ok\xed\xa0\x80",
        "truncated": "κόσμε".encode()[:-1],
    }
    for name, payload in texts.items():
        for flags in (0, 3, 4):
            write("text", f"{name}-{flags}", bytes([flags, 0x55, 0xAA]) + payload)
    for name in ("deflate", "rfc6455"):
        write("handshake_client", f"{name}-deflate",
              bytes([LIMITS_MAX, 0, 0, DEFLATE_FLAGS]) + HANDSHAKE_RESPONSES[name])


def vectors():
    for path in sorted(VECTORS.glob("*.json")):
        for case in json.loads(path.read_text())["cases"]:
            name = f"v-{path.stem}-{case['name']}"
            received = b"".join(unhex(s.get("receive")) for s in case["steps"])
            eof = any(s.get("eof") for s in case["steps"])
            limits = limits_byte(case)
            role = case.get("role", "server")
            deflate = deflate_flags(case)
            if case.get("open"):
                target = "frames_server" if role == "server" else "frames_client"
                write(target, name, bytes([limits, 0, int(eof) | deflate]) + received)
                flags = int(eof) | (2 if role == "client" else 0)
                write("differential", name, bytes([limits, flags]) + received)
                continue
            if role == "client":
                # The fuzzed client's key is the RFC sample nonce: answer it.
                received = re.sub(rb"Sec-WebSocket-Accept: [A-Za-z0-9+/=]+",
                                  b"Sec-WebSocket-Accept: " + SAMPLE_ACCEPT, received)
                write("handshake_client", name, bytes([limits, 0, 0, int(eof) | deflate]) + received)
            else:
                kind, index = decision(case)
                write("handshake_server", name,
                      bytes([limits, 0, kind, index, 0, int(eof) | deflate]) + received)
            # Whole connection: the same steps, actions included.
            kind, index = decision(case)
            seed = bytes([limits, 0, kind, index, deflate])
            for step in case["steps"]:
                if "receive" in step:
                    data = unhex(step["receive"])
                    if role == "client":
                        data = re.sub(rb"Sec-WebSocket-Accept: [A-Za-z0-9+/=]+",
                                      b"Sec-WebSocket-Accept: " + SAMPLE_ACCEPT, data)
                    seed += data_step(data)
                action = action_step(step)
                if action:
                    seed += action
            write("connection_server" if role == "server" else "connection_client", name, seed)


def stomp():
    """stomp_decoder: every case of tests/vectors/stomp/*.json behind the 7-byte prefix
    (version, limits, cuts; see fuzz/src/stomp.rs). stomp_broker: operation lists."""
    for path in sorted((VECTORS / "stomp").glob("*.json")):
        for case in json.loads(path.read_text())["cases"]:
            data = case["input"].encode() if "input" in case else bytes.fromhex(case["input_hex"])
            version = ["1.0", "1.1", "1.2"].index(case["version"])
            cut = len(data) // 2
            write("stomp_decoder", f"v-{path.stem}-{case['name']}",
                  bytes([version, 15, 255, 255, 255, cut % 256, (cut + 3) % 256]) + data)
    open2 = bytes([0, 2, 0, 2])
    connect2 = bytes([1, 0, 2, 1, 1, 2])
    queue = open2 + connect2 + bytes([2, 1, 12]) + bytes([4, 0, 2]) + b"hi" + bytes([4, 0, 2]) + b"yo"
    write("stomp_broker", "queue-client-ack", bytes([200]) + queue + bytes([6, 1, 0, 4, 0, 2]) + b"zz")
    write("stomp_broker", "queue-nack", bytes([200]) + queue + bytes([7, 1, 0]))
    write("stomp_broker", "queue-close-redeliver", bytes([200]) + queue + bytes([0, 2, 1, 2, 2, 2, 2, 12, 10, 1, 0]))
    topic = open2 + connect2 + bytes([2, 0, 0, 2, 1, 0, 4, 1, 5]) + b"hello"
    write("stomp_broker", "topic-fan-out", bytes([200]) + topic)
    write("stomp_broker", "topic-slow-consumer", bytes([0]) + topic + bytes([4, 1, 15]) + b"x" * 15 * 3)
    write("stomp_broker", "transaction", bytes([200]) + topic + bytes([8, 0, 0, 8, 0, 2, 8, 0, 4]))
    write("stomp_broker", "heart-beat-timeout", bytes([200]) + open2 + connect2 + bytes([11, 0, 200] * 4))
    write("stomp_broker", "raw-garbage", bytes([200]) + open2 + bytes([9, 0, 20]) + b"SEND\ndestination:/q\n\n\0")
    write("stomp_broker", "app-destination", bytes([200]) + open2 + connect2 + bytes([4, 0, 4]) + b"ping")
    write("stomp_broker", "publish-queue", bytes([9]) + open2 + connect2 + bytes([11, 0, 3] * 12 + [2, 0, 2]))


if __name__ == "__main__":
    if OUT.exists():
        shutil.rmtree(OUT)
    builtin()
    vectors()
    stomp()
    for folder in sorted(OUT.iterdir()):
        files = list(folder.iterdir())
        print(f"{folder.name}: {len(files)} seeds, {sum(f.stat().st_size for f in files)} bytes")
