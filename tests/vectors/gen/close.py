"""close.json: the close handshake (RFC 6455 §5.5.1, §7): echoes, codes (§7.4), reasons,
who closes the transport, EOF without a close frame (1006)."""

from .case import act, eof, recv
from .open import cli, srv, srv_fails
from .wire import (CLOSE, TEXT, close_payload, ev_close, ev_protocol_error, ev_text, masked,
                   server_close, server_frame)

H = bytes.fromhex

VALID = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999,
         4000, 4999]
INVALID = [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535]


def cases():
    out = [
        srv("peer-close-echoed", [
            recv(masked(CLOSE, close_payload(1000)), ev_close(1000), out=H("880203e8"),
                 state="closed", close=True),
        ], description="RFC 6455 §5.5.1: the reply echoes the status code. The server "
                       "closes the transport first (§7.1.1)."),
        srv("peer-close-with-reason-echoes-code-only", [
            recv(masked(CLOSE, close_payload(1001, "going away")), ev_close(1001, "going away"),
                 out=H("880203e9"), state="closed", close=True),
        ]),
        srv("empty-close-is-1005", [
            recv(masked(CLOSE, b""), ev_close(1005), out=H("8800"), state="closed", close=True),
        ], description="No status code: reported as 1005, answered with an empty close."),
        srv("reason-of-123-bytes", [
            recv(masked(CLOSE, close_payload(1000, "r" * 123)), ev_close(1000, "r" * 123),
                 out=H("880203e8")),
        ]),
        srv("utf8-reason", [
            recv(masked(CLOSE, close_payload(4000, "déjà vu 𝄞")), ev_close(4000, "déjà vu 𝄞"),
                 out=H("88020fa0")),
        ]),
        srv_fails("one-byte-close-payload", masked(CLOSE, b"\x03"), "invalid-close-payload"),
        srv_fails("close-payload-of-126-bytes", masked(CLOSE, close_payload(1000, "r" * 124)),
                  "control-frame-too-long"),
        srv_fails("reason-not-utf8", masked(CLOSE, H("03e8") + b"\xff"), "invalid-utf8",
                  description="The reason must be UTF-8: fail with 1007."),
        srv_fails("reason-with-surrogate", masked(CLOSE, H("03e8") + H("eda080")),
                  "invalid-utf8"),
        srv("nothing-after-close-is-decoded", [
            recv(masked(CLOSE, close_payload(1000)) + masked(TEXT, "late"), ev_close(1000),
                 out=H("880203e8")),
            recv(masked(TEXT, "later"), out=b""),
        ]),
        srv("server-initiates-close", [
            act("close", [1000, "done"], out=server_close(1000, "done"), state="closing",
                close=False),
            recv(masked(TEXT, "in flight"), ev_text("in flight"), state="closing"),
            recv(masked(CLOSE, close_payload(1000)), ev_close(1000), out=b"", state="closed",
                 close=True),
            eof(state="closed", close=True),
        ], description="Messages that were in flight still arrive; the peer's close is not "
                       "answered again."),
        srv("close-is-idempotent", [
            act("close", [1001, ""], out=server_close(1001)),
            act("close", [1000, "again"], out=b"", state="closing"),
        ]),
        srv("close-without-status", [
            act("close", [1005, ""], out=H("8800"), state="closing"),
            recv(masked(CLOSE, b""), ev_close(1005), out=b"", state="closed", close=True),
        ], description="Code 1005 sends a close frame without a payload."),
        srv("close-between-sent-fragments", [
            act("send_fragment", {"kind": "text", "data": b"par", "fin": False},
                out=H("0103706172")),
            act("close", [1000, ""], out=server_close(1000), state="closing"),
        ]),
        cli("client-answers-server-close-and-waits-for-eof", 70, lambda m: [
            recv(server_close(1000, "bye"), ev_close(1000, "bye"), out=m.close(1000),
                 state="closed", close=False),
            eof(out=b"", state="closed", close=True),
        ], description="RFC 6455 §7.1.1: the client waits for the server to close TCP."),
        cli("client-initiates-close", 71, lambda m: [
            act("close", [1000, "bye"], out=m.close(1000, "bye"), state="closing", close=False),
            recv(server_close(1000), ev_close(1000), out=b"", state="closed", close=False),
            eof(state="closed", close=True),
        ]),
        srv("eof-while-open-is-1006", [
            eof(ev_protocol_error("abnormal-closure"), out=b"", state="closed", close=True),
        ], description="RFC 6455 §7.1.5: closed without a close frame; nothing is sent."),
        srv("eof-mid-frame-is-1006", [
            recv(partial_text()),
            eof(ev_protocol_error("abnormal-closure"), out=b"", state="closed", close=True),
        ]),
        srv("eof-after-close-sent-is-1006", [
            act("close", [1000, ""], out=server_close(1000)),
            eof(ev_protocol_error("abnormal-closure"), out=b"", state="closed", close=True),
        ], description="The peer never answered the close frame."),
        srv("eof-after-close-received-is-clean", [
            recv(masked(CLOSE, close_payload(1000)), ev_close(1000), out=H("880203e8")),
            eof(out=b"", state="closed", close=True),
        ]),
        cli("client-eof-while-open-is-1006", 72, lambda m: [
            recv(server_frame(TEXT, "last"), ev_text("last")),
            eof(ev_protocol_error("abnormal-closure"), out=b"", state="closed", close=True),
        ]),
    ]
    for code in VALID:
        out.append(srv(f"valid-code-{code}", [
            recv(masked(CLOSE, close_payload(code, "x")), ev_close(code, "x"),
                 out=server_close(code), state="closed", close=True),
        ]))
    for code in INVALID:
        out.append(srv_fails(f"invalid-code-{code}", masked(CLOSE, close_payload(code)),
                             "invalid-close-code",
                             description="RFC 6455 §7.4: not to be sent on the wire."))
    return out


def partial_text():
    """A text frame whose payload never finishes."""
    return masked(TEXT, "Hello").raw()[:8]
