"""deflate.json: permessage-deflate (RFC 7692) as received: negotiation, the RFC's §7.2.3
example payloads, and the errors. What a sender compresses depends on the deflate library,
so outgoing compressed bytes are not pinned here."""

import zlib

from .case import (MINIMAL_HEADERS, SAMPLE_ACCEPT, accept_head, act, case, client_request_head,
                   http_request, recv, server_101)
from .open import srv_fails
from .wire import (BINARY, CONT, PING, TEXT, ClientModel, ev_accepted, ev_binary,
                   ev_chunk_text, ev_handshake_error, ev_protocol_error, ev_request, ev_text,
                   close_code, frame, masked, server_close)

H = bytes.fromhex
DEFLATE = {"deflate": {}}
OFFER = "permessage-deflate; client_max_window_bits"
HELLO = H("f248cdc9c90700")  # RFC 7692 §7.2.3.1


def deflated(data, level=6):
    """Raw DEFLATE with a sync flush, the 00 00 ff ff tail removed (RFC 7692 §7.2.1)."""
    c = zlib.compressobj(level, zlib.DEFLATED, -15)
    out = c.compress(data) + c.flush(zlib.Z_SYNC_FLUSH)
    assert out.endswith(b"\x00\x00\xff\xff")
    return out[:-4]


def open_deflate(name, steps, description=None, config=None):
    """A server that negotiated permessage-deflate with the client's plain offer."""
    request = http_request(MINIMAL_HEADERS + [("Sec-WebSocket-Extensions", OFFER)])
    return case(name, "server", [
        recv(request, ev_request(extensions=[OFFER])),
        act("accept", {}, out=accept_head(SAMPLE_ACCEPT, extra=[
            ("Sec-WebSocket-Extensions", "permessage-deflate")])),
        *steps,
    ], description=description, config=dict(DEFLATE, **(config or {})))


def fails(kind, close_reason):
    """The checks of a step on which the connection fails with `kind`."""
    return dict(out=server_close(close_code(kind), close_reason), state="closed", close=True)


def client_case(name, seed, answer, *events, description=None):
    request = {"host": "server.example.com", "target": "/chat"}
    m = ClientModel(seed)
    offer_request = dict(request, extensions=["permessage-deflate; client_max_window_bits"])
    return case(name, "client", [
        recv(server_101(m.sec_key, [("Sec-WebSocket-Extensions", answer)]), *events[0]),
        *events[1:],
    ], config=DEFLATE, seed=seed, request=request,
        initial=client_request_head(offer_request, m.sec_key), description=description)


def cases():
    zeros = deflated(bytes(1000))
    return [
        open_deflate("rfc7692-7.2.3.1-hello", [
            recv(masked(TEXT, HELLO, rsv=4), ev_text("Hello")),
        ], description="The server accepts the plain offer; RSV1 marks a compressed message."),
        open_deflate("rfc7692-7.2.3.1-fragmented", [
            recv(masked(TEXT, HELLO[:3], fin=False, rsv=4) + masked(CONT, HELLO[3:]),
                 ev_text("Hello")),
        ], description="RSV1 on the first frame only."),
        open_deflate("rfc7692-7.2.3.2-sharing-window", [
            recv(masked(TEXT, HELLO, rsv=4) + masked(TEXT, H("f200110000"), rsv=4),
                 ev_text("Hello"), ev_text("Hello")),
        ], description="The second message refers back into the first (context takeover)."),
        open_deflate("rfc7692-7.2.3.3-stored-block", [
            recv(masked(TEXT, H("000500faff48656c6c6f00"), rsv=4), ev_text("Hello")),
        ]),
        open_deflate("rfc7692-7.2.3.4-bfinal-set", [
            recv(masked(TEXT, H("f348cdc9c9070000"), rsv=4), ev_text("Hello")),
        ], description="A sender that cannot sync-flush ends each message with a final "
                       "block, then an empty non-final block header."),
        open_deflate("final-block-ends-the-stream", [
            recv(masked(TEXT, H("f348cdc9c90700"), rsv=4) + masked(TEXT, HELLO, rsv=4)
                 + masked(TEXT, H("f348cdc9c9070000"), rsv=4) + masked(TEXT, HELLO, rsv=4),
                 ev_text("Hello"), ev_text("Hello"), ev_text("Hello"), ev_text("Hello")),
        ], description="After a final block (with or without the trailing empty block "
                       "header) the next message starts a new stream."),
        open_deflate("rfc7692-7.2.3.5-two-blocks", [
            recv(masked(TEXT, H("f248050000 00ffff cac9c90700".replace(" ", "")), rsv=4),
                 ev_text("Hello")),
        ]),
        open_deflate("uncompressed-message-still-allowed", [
            recv(masked(BINARY, b"plain"), ev_binary(b"plain")),
        ], description="RSV1 clear: the message is not compressed (RFC 7692 §6)."),
        open_deflate("compressed-binary", [
            recv(masked(BINARY, deflated(bytes(range(256)) * 4), rsv=4),
                 ev_binary(bytes(range(256)) * 4)),
        ]),
        open_deflate("compressed-chunks", [
            recv(masked(TEXT, HELLO, rsv=4), ev_chunk_text("Hello", True)),
        ], config={"delivery": "chunks"}),
        open_deflate("rsv1-on-continuation", [
            recv(masked(TEXT, HELLO[:3], fin=False, rsv=4) + masked(CONT, HELLO[3:], rsv=4),
                 ev_protocol_error("compressed-continuation"), **fails(
                     "compressed-continuation", "protocol error")),
        ], description="RFC 7692 §6.1: RSV1 only on the first frame of a message."),
        open_deflate("rsv1-on-ping", [
            recv(masked(PING, b"", rsv=4), ev_protocol_error("compressed-continuation"),
                 **fails("compressed-continuation", "protocol error")),
        ]),
        open_deflate("rsv2-still-reserved", [
            recv(masked(TEXT, HELLO, rsv=2), ev_protocol_error("reserved-bits"),
                 **fails("reserved-bits", "protocol error")),
        ]),
        open_deflate("corrupt-compressed-data", [
            recv(masked(TEXT, H("ffffff"), rsv=4), ev_protocol_error("invalid-compressed-data"),
                 **fails("invalid-compressed-data", "invalid compressed data")),
        ], description="BTYPE 11 is reserved in DEFLATE: 1007."),
        open_deflate("compressed-invalid-utf8", [
            recv(masked(TEXT, deflated(b"ok \xed\xa0\x80"), rsv=4),
                 ev_protocol_error("invalid-utf8"), **fails("invalid-utf8", "invalid UTF-8")),
        ]),
        open_deflate("decompression-bomb", [
            recv(masked(BINARY, zeros, rsv=4), ev_protocol_error("message-too-large"),
                 **fails("message-too-large", "message too large")),
        ], config={"max_message_size": 100},
            description=f"{len(zeros)} bytes inflating to 1000: max_message_size applies to "
                        "the inflated size."),
        srv_fails("rsv1-without-negotiation", masked(TEXT, HELLO, rsv=4), "reserved-bits",
                  config=DEFLATE, description="Configured but not negotiated (open server)."),
        case("server-declines-bad-offer", "server", [
            recv(http_request(MINIMAL_HEADERS + [("Sec-WebSocket-Extensions",
                                                  "permessage-deflate; server_max_window_bits=7")]),
                 ev_request(extensions=["permessage-deflate; server_max_window_bits=7"])),
            act("accept", {}, out=accept_head(SAMPLE_ACCEPT)),
        ], config=DEFLATE, description="RFC 7692 §7.1.2.1: window bits are 8-15; a bad offer "
                                       "is declined, not refused."),
        case("server-without-deflate-config-ignores-offer", "server", [
            recv(http_request(MINIMAL_HEADERS + [("Sec-WebSocket-Extensions", OFFER)]),
                 ev_request(extensions=[OFFER])),
            act("accept", {}, out=accept_head(SAMPLE_ACCEPT)),
        ]),
        client_case("client-negotiates", 110, "permessage-deflate",
                    [ev_accepted(extensions=["permessage-deflate"])],
                    recv(frame(TEXT, HELLO, rsv=4), ev_text("Hello")),
                    description="The client offers client_max_window_bits without a value; "
                                "the server's frames are compressed."),
        client_case("client-accepts-a-window-limit", 113,
                    "permessage-deflate; client_max_window_bits=15",
                    [ev_accepted(extensions=["permessage-deflate; client_max_window_bits=15"])],
                    description="RFC 7692 §7.1.2.2: the server may set any limit 8-15."),
        client_case("client-refuses-invalid-window", 111,
                    "permessage-deflate; client_max_window_bits=16",
                    [ev_handshake_error("unexpected-extension")],
                    description="RFC 7692 §7.1.2.2: window bits are 8-15."),
        client_case("client-refuses-two-answers", 112, "permessage-deflate, permessage-deflate",
                    [ev_handshake_error("unexpected-extension")]),
    ]
