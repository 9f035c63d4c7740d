"""Wire helpers for the vector generator, written from RFC 6455 independently of the engine:
frames, masking, the accept key, the SeededEntropy stream, and the JSON forms of bytes and
events described in ../README.md."""

import base64
import hashlib

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
M64 = (1 << 64) - 1

CONT, TEXT, BINARY, CLOSE, PING, PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA

# The RFC 6455 §5.7 mask key; used for most client-to-server frames in the vectors.
KEY = bytes.fromhex("37fa213d")


def accept_key(key: str) -> str:
    """Sec-WebSocket-Accept for a Sec-WebSocket-Key (RFC 6455 §4.2.2)."""
    digest = hashlib.sha1((key + GUID).encode()).digest()
    return base64.b64encode(digest).decode()


class Rep:
    """`unit` repeated `count` times (keeps large payloads small in the JSON)."""

    def __init__(self, unit, count):
        self.unit = unit.encode() if isinstance(unit, str) else bytes(unit)
        self.count = count

    def raw(self):
        return self.unit * self.count


class B:
    """Bytes kept as parts: `bytes`, `str` (written as text in the JSON) or `Rep`."""

    def __init__(self, *parts):
        self.parts = []
        for p in parts:
            if isinstance(p, B):
                self.parts.extend(p.parts)
            elif isinstance(p, (bytes, bytearray)):
                if p:
                    self.parts.append(bytes(p))
            elif isinstance(p, (str, Rep)):
                self.parts.append(p)
            else:
                raise TypeError(p)

    def __add__(self, other):
        return B(self, other)

    def __radd__(self, other):
        return B(other, self)

    def raw(self):
        return b"".join(part_raw(p) for p in self.parts)

    def __len__(self):
        return sum(len(part_raw(p)) for p in self.parts)

    def spec(self):
        """The JSON bytes spec: a hex string, or a list of parts."""
        merged = []
        for p in self.parts:
            if isinstance(p, bytes) and merged and isinstance(merged[-1], bytes):
                merged[-1] += p
            else:
                merged.append(p)
        if all(isinstance(p, bytes) for p in merged):
            return b"".join(merged).hex()
        out = []
        for p in merged:
            if isinstance(p, bytes):
                out.append(p.hex())
            elif isinstance(p, str):
                out.append({"text": p})
            else:
                out.append({"hex": p.unit.hex(), "repeat": p.count})
        return out


def part_raw(p):
    if isinstance(p, bytes):
        return p
    if isinstance(p, str):
        return p.encode()
    return p.raw()


def spec(data):
    """A bytes spec for bytes, str (as text) or B."""
    return B(data).spec()


def xor(data, key, phase=0):
    return bytes(b ^ key[(i + phase) % 4] for i, b in enumerate(data))


def mask(data, key):
    """Masks B (or bytes) with `key` (RFC 6455 §5.3), keeping 4-byte repetitions compact."""
    out, phase = [], 0
    for p in B(data).parts:
        if isinstance(p, Rep) and len(p.unit) % 4 == 0:
            out.append(Rep(xor(p.unit, key, phase), p.count))
        else:
            raw = part_raw(p)
            out.append(xor(raw, key, phase))
            phase = (phase + len(raw)) % 4
    return B(*out)


def header(op, length, fin=True, rsv=0, key=None):
    """A frame header with the shortest length encoding (RFC 6455 §5.2)."""
    b0 = (0x80 if fin else 0) | (rsv << 4) | op
    m = 0x80 if key is not None else 0
    if length <= 125:
        h = bytes([b0, m | length])
    elif length <= 0xFFFF:
        h = bytes([b0, m | 126]) + length.to_bytes(2, "big")
    else:
        h = bytes([b0, m | 127]) + length.to_bytes(8, "big")
    return h + (key or b"")


def frame(op, payload=b"", fin=True, rsv=0, key=None):
    """A whole frame; masked when `key` is given."""
    payload = B(payload)
    body = mask(payload, key) if key is not None else payload
    return B(header(op, len(payload), fin, rsv, key), body)


def masked(op, payload=b"", fin=True, rsv=0, key=KEY):
    """A frame as a client sends it (masked)."""
    return frame(op, payload, fin, rsv, key)


def close_payload(code=None, reason=""):
    if code is None:
        return b""
    return code.to_bytes(2, "big") + reason.encode()


class SeededEntropy:
    """SplitMix64, byte for byte as sansocket's SeededEntropy."""

    def __init__(self, seed):
        self.state = seed

    def fill(self, n):
        out = b""
        while len(out) < n:
            self.state = (self.state + 0x9E3779B97F4A7C15) & M64
            z = self.state
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
            z ^= z >> 31
            out += z.to_bytes(8, "little")[: n - len(out)]
        return out


class ClientModel:
    """What a sansocket client built with SeededEntropy(seed) draws: first the 16-byte
    handshake nonce (unless it starts open), then mask keys from 256-byte pools."""

    def __init__(self, seed, handshake=True):
        self.source = SeededEntropy(seed)
        self.sec_key = None
        if handshake:
            self.sec_key = base64.b64encode(self.source.fill(16)).decode()
        self.pool, self.next = b"", 256

    def key(self):
        if self.next == 256:
            self.pool, self.next = self.source.fill(256), 0
        k = self.pool[self.next : self.next + 4]
        self.next += 4
        return k

    def frame(self, op, payload=b"", fin=True):
        """The next frame this client sends, masked with its next key."""
        return frame(op, payload, fin, 0, self.key())

    def close(self, code=None, reason=""):
        return self.frame(CLOSE, close_payload(code, reason))


def server_frame(op, payload=b"", fin=True):
    """A frame as a server sends it (unmasked)."""
    return frame(op, payload, fin)


def server_close(code=None, reason=""):
    return frame(CLOSE, close_payload(code, reason))


# ---- events (the JSON objects of ../README.md) ---------------------------------------


def text_spec(data):
    """The `data` of a text event: a JSON string, or a bytes-spec list for a Rep."""
    if isinstance(data, str):
        return data
    if isinstance(data, Rep):
        return [{"text": data.unit.decode(), "repeat": data.count}]
    raise TypeError(data)


def ev_text(data):
    return {"type": "text", "data": text_spec(data)}


def ev_binary(data):
    return {"type": "binary", "data_hex": spec(data)}


def ev_chunk_text(data, fin):
    return {"type": "chunk", "kind": "text", "data": text_spec(data), "fin": fin}


def ev_chunk_binary(data, fin):
    return {"type": "chunk", "kind": "binary", "data_hex": spec(data), "fin": fin}


def ev_ping(data=b""):
    return {"type": "ping", "data_hex": spec(data)}


def ev_pong(data=b""):
    return {"type": "pong", "data_hex": spec(data)}


def ev_close(code, reason=""):
    return {"type": "close", "code": code, "reason": reason}


CLOSE_CODES = {
    "invalid-utf8": 1007,
    "invalid-compressed-data": 1007,
    "frame-too-large": 1009,
    "message-too-large": 1009,
    "too-many-fragments": 1009,
    "abnormal-closure": 1006,
    "early-data-too-large": 1008,
}

CLOSE_REASONS = {
    "invalid-utf8": "invalid UTF-8",
    "invalid-compressed-data": "invalid compressed data",
    "frame-too-large": "frame too large",
    "message-too-large": "message too large",
    "too-many-fragments": "too many fragments",
    "early-data-too-large": "too much data before the handshake",
}


def close_code(kind):
    return CLOSE_CODES.get(kind, 1002)


def close_reason(kind):
    return CLOSE_REASONS.get(kind, "protocol error")


def ev_protocol_error(kind):
    return {"type": "error", "kind": kind, "close_code": close_code(kind)}


def ev_handshake_error(kind, status=None):
    ev = {"type": "error", "kind": kind}
    if status is not None:
        ev["status"] = status
    return ev


def ev_request(target="/chat", host="server.example.com", origin=None,
               key="dGhlIHNhbXBsZSBub25jZQ==", subprotocols=(), extensions=()):
    return {"type": "request", "target": target, "host": host, "origin": origin, "key": key,
            "subprotocols": list(subprotocols), "extensions": list(extensions)}


def ev_accepted(subprotocol=None, extensions=()):
    return {"type": "accepted", "subprotocol": subprotocol, "extensions": list(extensions)}


def ev_rejected(status, reason, body=b""):
    return {"type": "rejected", "status": status, "reason": reason, "body_hex": spec(body)}
