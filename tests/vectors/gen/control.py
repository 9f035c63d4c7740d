"""control.json: ping and pong (RFC 6455 §5.5.2, §5.5.3): automatic pongs and their exact
bytes, control payload limits."""

from .case import act, recv
from .open import cli, srv, srv_fails
from .wire import (PING, PONG, TEXT, KEY, ev_ping, ev_pong, ev_text, masked, server_close,
                   server_frame)

H = bytes.fromhex


def cases():
    p125 = bytes(range(125))
    return [
        srv("ping-answered-with-pong", [
            recv(masked(PING, b"Hello"), ev_ping(b"Hello"), out=H("8a0548656c6c6f"),
                 state="open"),
        ], description="RFC 6455 §5.5.3: the pong echoes the ping's payload."),
        srv("empty-ping", [recv(masked(PING, b""), ev_ping(b""), out=H("8a00"))]),
        srv("ping-of-125-bytes", [
            recv(masked(PING, p125), ev_ping(p125), out=server_frame(PONG, p125)),
        ]),
        srv_fails("ping-of-126-bytes", masked(PING, bytes(126)), "control-frame-too-long",
                  description="RFC 6455 §5.5: control payloads are at most 125 bytes."),
        srv_fails("ping-with-16-bit-length", H("89fe0005") + KEY + b"Hello",
                  "control-frame-too-long"),
        srv_fails("pong-of-126-bytes", masked(PONG, bytes(126)), "control-frame-too-long"),
        srv("pings-answered-in-order", [
            recv(masked(PING, b"1") + masked(PING, b"2") + masked(PING, b"3"),
                 ev_ping(b"1"), ev_ping(b"2"), ev_ping(b"3"),
                 out=server_frame(PONG, b"1") + server_frame(PONG, b"2")
                 + server_frame(PONG, b"3")),
        ]),
        srv("binary-ping-payload", [
            recv(masked(PING, H("00ff80")), ev_ping(H("00ff80")), out=H("8a0300ff80")),
        ]),
        srv("auto-pong-off", [
            recv(masked(PING, b"x"), ev_ping(b"x"), out=b""),
            act("pong", b"x", out=H("8a0178")),
        ], config={"auto_pong": False}, description="The host answers pings itself."),
        srv("unsolicited-pong", [recv(masked(PONG, b"hb"), ev_pong(b"hb"), out=b"")]),
        cli("client-pong-is-masked", 60, lambda m: [
            recv(server_frame(PING, b"Hello"), ev_ping(b"Hello"),
                 out=m.frame(PONG, b"Hello")),
            recv(server_frame(PING, b""), ev_ping(b""), out=m.frame(PONG, b"")),
        ]),
        srv("no-pong-after-close-sent", [
            act("close", [1000, ""], out=server_close(1000), state="closing"),
            recv(masked(PING, b"late") + masked(TEXT, "still delivered"), ev_ping(b"late"),
                 ev_text("still delivered"), out=b"", state="closing"),
        ], description="RFC 6455 §5.5.1: nothing is sent after a close frame; messages "
                       "still arrive until the peer's close."),
        srv("ping-and-pong-sent", [
            act("ping", b"", out=H("8900")),
            act("ping", p125, out=server_frame(PING, p125)),
            act("pong", b"unsolicited", out=server_frame(PONG, b"unsolicited")),
        ]),
    ]
