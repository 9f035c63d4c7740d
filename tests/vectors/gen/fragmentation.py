"""fragmentation.json: fragmented messages (RFC 6455 §5.4), control frames between
fragments, and the fragment-order errors."""

from .case import act, recv
from .open import cli, srv, srv_fails
from .wire import (BINARY, CLOSE, CONT, PING, PONG, TEXT, close_payload, ev_binary, ev_close,
                   ev_ping, ev_pong, ev_text, masked, server_close, server_frame)


def cases():
    return [
        srv("text-in-three-fragments", [
            recv(masked(TEXT, "Hel", fin=False), out=b""),
            recv(masked(CONT, "lo, ", fin=False)),
            recv(masked(CONT, "world"), ev_text("Hello, world")),
        ]),
        srv("binary-in-fragments", [
            recv(masked(BINARY, b"\x01\x02", fin=False) + masked(CONT, b"\x03", fin=False)
                 + masked(CONT, b"\x04\x05"), ev_binary(b"\x01\x02\x03\x04\x05")),
        ]),
        srv("empty-fragments", [
            recv(masked(TEXT, "", fin=False) + masked(CONT, "", fin=False)
                 + masked(CONT, "abc", fin=False) + masked(CONT, ""), ev_text("abc")),
        ]),
        srv("all-fragments-empty", [
            recv(masked(BINARY, b"", fin=False) + masked(CONT, b""), ev_binary(b"")),
        ]),
        srv("ping-between-fragments", [
            recv(masked(TEXT, "Hel", fin=False) + masked(PING, b"p") + masked(CONT, "lo"),
                 ev_ping(b"p"), ev_text("Hello"), out=server_frame(PONG, b"p")),
        ], description="RFC 6455 §5.4: control frames may be injected between fragments."),
        srv("pong-between-fragments", [
            recv(masked(BINARY, b"a", fin=False) + masked(PONG, b"") + masked(CONT, b"b"),
                 ev_pong(b""), ev_binary(b"ab")),
        ]),
        srv("control-frames-in-every-gap", [
            recv(masked(TEXT, "a", fin=False) + masked(PING, b"1") + masked(CONT, "b", fin=False)
                 + masked(PONG, b"2") + masked(CONT, "c", fin=False) + masked(PING, b"3")
                 + masked(CONT, "d"),
                 ev_ping(b"1"), ev_pong(b"2"), ev_ping(b"3"), ev_text("abcd"),
                 out=server_frame(PONG, b"1") + server_frame(PONG, b"3")),
        ]),
        srv("close-between-fragments", [
            recv(masked(TEXT, "Hel", fin=False) + masked(CLOSE, close_payload(1000))
                 + masked(CONT, "lo"),
                 ev_close(1000), out=server_close(1000), state="closed", close=True),
        ], description="The unfinished message is dropped; nothing after the close frame "
                       "is decoded."),
        srv("messages-after-a-fragmented-one", [
            recv(masked(TEXT, "a", fin=False) + masked(CONT, "b") + masked(BINARY, b"c")
                 + masked(TEXT, "d", fin=False) + masked(CONT, "e"),
                 ev_text("ab"), ev_binary(b"c"), ev_text("de")),
        ]),
        cli("client-receives-fragments", 40, lambda m: [
            recv(server_frame(BINARY, b"ab", fin=False) + server_frame(PING, b"")
                 + server_frame(CONT, b"cd"),
                 ev_ping(b""), ev_binary(b"abcd"), out=m.frame(PONG, b"")),
        ]),
        srv_fails("continuation-without-message", masked(CONT, "x"), "unexpected-continuation"),
        srv_fails("unfinished-continuation-without-message", masked(CONT, "x", fin=False),
                  "unexpected-continuation"),
        srv_fails("continuation-after-finished-message",
                  masked(TEXT, "a") + masked(CONT, "b"), "unexpected-continuation",
                  ev_text("a")),
        srv_fails("text-while-fragmented-message", masked(TEXT, "a", fin=False)
                  + masked(TEXT, "b"), "expected-continuation"),
        srv_fails("binary-while-fragmented-message", masked(TEXT, "a", fin=False)
                  + masked(BINARY, b"b"), "expected-continuation"),
        srv_fails("fragmented-ping", masked(PING, b"", fin=False), "fragmented-control-frame",
                  description="RFC 6455 §5.5: control frames must not be fragmented."),
        srv_fails("fragmented-close", masked(CLOSE, b"", fin=False), "fragmented-control-frame"),
        srv_fails("fragmented-pong-between-fragments", masked(TEXT, "a", fin=False)
                  + masked(PONG, b"", fin=False), "fragmented-control-frame"),
        srv("server-sends-fragments-with-control-frames-between", [
            act("send_fragment", {"kind": "binary", "data": b"ab", "fin": False},
                out=server_frame(BINARY, b"ab", fin=False)),
            act("ping", b"", out=server_frame(PING, b"")),
            act("send_fragment", {"kind": "binary", "data": b"cd", "fin": False},
                out=server_frame(CONT, b"cd", fin=False)),
            act("send_fragment", {"kind": "binary", "data": b"", "fin": True},
                out=server_frame(CONT, b"")),
            act("send_text", "next", out=server_frame(TEXT, "next")),
        ]),
    ]
