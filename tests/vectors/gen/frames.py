"""frames.json: framing (RFC 6455 §5.2, §5.3, §5.7): the RFC's example frames, the three
length encodings in both directions, and every header-level protocol error."""

from .case import act, recv
from .open import cli, cli_fails, srv, srv_fails
from .wire import (BINARY, CONT, KEY, PING, PONG, TEXT, B, Rep, ev_binary, ev_ping,
                   ev_pong, ev_protocol_error, ev_text, masked, server_frame)

H = bytes.fromhex

# Payloads for the length encodings: 7-bit (0-125), 16-bit (126-65535), 64-bit (65536+).
LENGTHS = [0, 1, 125, 126, 127, 65535, 65536]


def payload(n):
    """n bytes: a repeated 4-byte unit (compact in the JSON) and a tail."""
    return B(Rep(b"\x00\x7f\x80\xff", n // 4), bytes([0x61, 0x62, 0x63][: n % 4]))


def cases():
    out = [
        cli("rfc6455-5.7-single-frame-unmasked-text", 1, lambda m: [
            recv(H("810548656c6c6f"), ev_text("Hello"), out=b""),
        ]),
        srv("rfc6455-5.7-single-frame-masked-text", [
            recv(H("818537fa213d7f9f4d5158"), ev_text("Hello"), out=b""),
        ]),
        cli("rfc6455-5.7-fragmented-unmasked-text", 2, lambda m: [
            recv(H("010348656c"), out=b""),
            recv(H("80026c6f"), ev_text("Hello")),
        ]),
        cli("rfc6455-5.7-unmasked-ping", 3, lambda m: [
            recv(H("890548656c6c6f"), ev_ping(b"Hello"), out=m.frame(PONG, b"Hello")),
        ], description="The pong echoes the payload, masked with the client's next key."),
        srv("rfc6455-5.7-masked-pong", [
            recv(H("8a8537fa213d7f9f4d5158"), ev_pong(b"Hello"), out=b""),
        ]),
        cli("rfc6455-5.7-256-bytes-binary", 4, lambda m: [
            recv(H("827e0100") + bytes(range(256)), ev_binary(bytes(range(256)))),
        ]),
        cli("rfc6455-5.7-64KiB-binary", 5, lambda m: [
            recv(B(H("827f0000000000010000"), Rep(bytes(range(256)), 256)),
                 ev_binary(Rep(bytes(range(256)), 256))),
        ]),
        srv("server-sends-rfc6455-5.7-frames", [
            act("send_text", "Hello", out=H("810548656c6c6f")),
            act("send_fragment", {"kind": "text", "data": b"Hel", "fin": False},
                out=H("010348656c")),
            act("send_fragment", {"kind": "text", "data": b"lo", "fin": True},
                out=H("80026c6f")),
            act("ping", b"Hello", out=H("890548656c6c6f")),
            act("pong", b"Hello", out=H("8a0548656c6c6f")),
            act("send_binary", bytes(range(256)), out=H("827e0100") + bytes(range(256))),
            act("send_binary", Rep(bytes(range(256)), 256),
                out=B(H("827f0000000000010000"), Rep(bytes(range(256)), 256))),
        ]),
        cli("client-sends-masked-frames", 6, lambda m: [
            act("send_text", "Hello", out=m.frame(TEXT, "Hello")),
            act("send_binary", b"\x00\x01", out=m.frame(BINARY, b"\x00\x01")),
            act("send_fragment", {"kind": "binary", "data": b"ab", "fin": False},
                out=m.frame(BINARY, b"ab", fin=False)),
            act("ping", b"p", out=m.frame(PING, b"p")),
            act("send_fragment", {"kind": "binary", "data": b"", "fin": True},
                out=m.frame(CONT, b"")),
            act("pong", b"", out=m.frame(PONG, b"")),
            act("close", [1000, "bye"], out=m.close(1000, "bye"), state="closing"),
        ], description="RFC 6455 §5.3: every client frame is masked with a fresh key."),
        srv("several-frames-in-one-receive", [
            recv(masked(TEXT, "a") + masked(BINARY, b"\x01") + masked(PING, b"p")
                 + masked(PONG, b"q") + masked(TEXT, ""),
                 ev_text("a"), ev_binary(b"\x01"), ev_ping(b"p"), ev_pong(b"q"), ev_text(""),
                 out=server_frame(PONG, b"p")),
        ]),
        srv("mask-keys-vary-per-frame", [
            recv(masked(TEXT, "first", key=H("00000000"))
                 + masked(TEXT, "second", key=H("ffffffff"))
                 + masked(TEXT, "third", key=H("01020304")),
                 ev_text("first"), ev_text("second"), ev_text("third")),
        ]),
        srv("multibyte-text", [
            recv(masked(TEXT, "κόσμε 𝄞 €"), ev_text("κόσμε 𝄞 €")),
        ]),
    ]
    for n in LENGTHS:
        out.append(srv(f"server-receives-length-{n}", [
            recv(masked(BINARY, payload(n)), ev_binary(payload(n))),
        ]))
        out.append(cli(f"client-receives-length-{n}", 10 + n % 97, lambda m, n=n: [
            recv(server_frame(BINARY, payload(n)), ev_binary(payload(n))),
        ]))
        out.append(srv(f"server-sends-length-{n}", [
            act("send_binary", payload(n), out=server_frame(BINARY, payload(n))),
        ]))
        out.append(cli(f"client-sends-length-{n}", 20 + n % 89, lambda m, n=n: [
            act("send_binary", payload(n), out=m.frame(BINARY, payload(n))),
        ]))
    out += [
        srv_fails("rsv1-without-extension", masked(TEXT, "x", rsv=4), "reserved-bits"),
        srv_fails("rsv2", masked(TEXT, "x", rsv=2), "reserved-bits"),
        srv_fails("rsv3", masked(BINARY, b"x", rsv=1), "reserved-bits"),
        srv_fails("rsv-on-control-frame", masked(PING, b"", rsv=7), "reserved-bits"),
    ]
    for op in [3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF]:
        out.append(srv_fails(f"reserved-opcode-{op:x}", bytes([0x80 | op, 0x80]) + KEY,
                             "reserved-opcode"))
    out += [
        srv_fails("unmasked-frame-to-server", server_frame(TEXT, "Hello"), "unmasked-frame",
                  description="RFC 6455 §5.1: a server fails on an unmasked frame."),
        srv_fails("unmasked-ping-to-server", server_frame(PING, b""), "unmasked-frame"),
        cli_fails("masked-frame-to-client", 30, masked(TEXT, "Hello"), "masked-frame",
                  description="RFC 6455 §5.1: a client fails on a masked frame."),
        srv_fails("length-with-msb-set", H("82ff8000000000000000") + KEY, "invalid-length",
                  description="RFC 6455 §5.2: the most significant bit of a 64-bit length "
                              "must be 0."),
        srv_fails("16-bit-length-for-125", H("82fe007d") + KEY, "non-minimal-length",
                  description="RFC 6455 §5.2: the minimal number of bytes must be used."),
        srv_fails("64-bit-length-for-65535", H("82ff000000000000ffff") + KEY,
                  "non-minimal-length"),
        srv_fails("64-bit-length-for-0", H("82ff0000000000000000") + KEY, "non-minimal-length"),
        cli_fails("client-non-minimal-length", 31, H("827e0005") + b"hello",
                  "non-minimal-length"),
        srv_fails("events-before-error-are-delivered",
                  masked(TEXT, "ok") + masked(PING, b"") + server_frame(TEXT, "bad"),
                  "unmasked-frame", ev_text("ok"), ev_ping(b""),
                  sent_before=server_frame(PONG, b""),
                  description="The pong for the ping is queued before the close frame."),
        srv("nothing-decoded-after-error", [
            recv(masked(TEXT, "x", rsv=4) + masked(TEXT, "later"),
                 ev_protocol_error("reserved-bits"),
                 state="closed", close=True),
            recv(masked(TEXT, "more"), out=b""),
        ]),
    ]
    return out
