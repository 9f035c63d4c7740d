"""handshake_server.json: the server's side of the opening handshake (RFC 6455 §4.2)."""

from .case import (MINIMAL_HEADERS, SAMPLE_ACCEPT, accept_head, act, case,
                   eof, http_request, http_status, recv, reject_bytes, replaced, without)
from .wire import (BINARY, PING, TEXT, ev_binary, ev_handshake_error, ev_ping,
                   ev_protocol_error, ev_request, ev_text, masked, server_close, server_frame,
                   PONG)

SAMPLE_REQUEST = ev_request(origin="http://example.com", subprotocols=["chat", "superchat"])
MINIMAL_REQUEST = ev_request()
COMMON = (("Connection", "close"), ("Content-Type", "text/plain; charset=utf-8"))


def refused(name, description, request_text, kind, status, *headers, config=None):
    """A request the server refuses with an HTTP error."""
    return case(name, "server", [
        recv(request_text, ev_handshake_error(kind, status),
             http=http_status(status, *COMMON, *headers), state="closed", close=True),
    ], description=description, config=config)


def cases():
    out = [
        case("rfc6455-1.3-sample-handshake", "server", [
            recv(http_request(), SAMPLE_REQUEST, out=b"", state="connecting", close=False),
            act("accept", {"subprotocol": "chat"},
                out=accept_head(SAMPLE_ACCEPT, "chat"), state="open", close=False),
        ], description="RFC 6455 §1.2/§1.3: key dGhlIHNhbXBsZSBub25jZQ== gives accept "
                       "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=; the selected subprotocol is echoed."),
        case("accept-without-subprotocol", "server", [
            recv(http_request(), SAMPLE_REQUEST),
            act("accept", {}, out=accept_head(SAMPLE_ACCEPT), state="open"),
        ]),
        case("accept-with-extra-headers", "server", [
            recv(http_request(), SAMPLE_REQUEST),
            act("accept", {"subprotocol": "superchat", "headers": [["Set-Cookie", "id=1"]]},
                out=accept_head(SAMPLE_ACCEPT, "superchat", [("Set-Cookie", "id=1")])),
        ]),
        case("minimal-request", "server", [
            recv(http_request(MINIMAL_HEADERS, target="/"), ev_request(target="/")),
            act("accept", {}, out=accept_head(SAMPLE_ACCEPT), state="open"),
        ], description="No Origin (not a browser), no subprotocols."),
        case("target-with-query", "server", [
            recv(http_request(MINIMAL_HEADERS, target="/chat?room=1&user=a"),
                 ev_request(target="/chat?room=1&user=a")),
        ]),
        case("tokens-ignore-case", "server", [
            recv(http_request(replaced(replaced(MINIMAL_HEADERS, "Upgrade", "WebSocket"),
                                       "Connection", "keep-alive, Upgrade")),
                 MINIMAL_REQUEST),
            act("accept", {}, out=accept_head(SAMPLE_ACCEPT)),
        ], description="Upgrade compared ignoring case; Connection is a list (Firefox sends "
                       "'keep-alive, Upgrade')."),
        case("header-names-ignore-case", "server", [
            recv(http_request([(n.lower(), v) for n, v in MINIMAL_HEADERS]), MINIMAL_REQUEST),
        ]),
        case("subprotocols-across-lines", "server", [
            recv(http_request(MINIMAL_HEADERS + [("Sec-WebSocket-Protocol", "v10.stomp, v11.stomp"),
                                                 ("Sec-WebSocket-Protocol", " v12.stomp ,")]),
                 ev_request(subprotocols=["v10.stomp", "v11.stomp", "v12.stomp"])),
            act("accept", {"subprotocol": "v12.stomp"},
                out=accept_head(SAMPLE_ACCEPT, "v12.stomp")),
        ], description="RFC 9110 §5.6.1 lists: repeated lines concatenate, empty elements "
                       "are skipped."),
        case("extension-offer-reported-not-accepted", "server", [
            recv(http_request(MINIMAL_HEADERS + [(
                "Sec-WebSocket-Extensions",
                "permessage-deflate; client_max_window_bits, x-webkit-deflate-frame")]),
                ev_request(extensions=["permessage-deflate; client_max_window_bits",
                                       "x-webkit-deflate-frame"])),
            act("accept", {}, out=accept_head(SAMPLE_ACCEPT)),
        ], description="Offers are reported; the engine negotiates none, so the 101 has no "
                       "Sec-WebSocket-Extensions."),
        case("bare-lf-line-endings", "server", [
            recv(http_request(MINIMAL_HEADERS).replace("\r\n", "\n"), MINIMAL_REQUEST),
        ]),
        case("frame-pipelined-behind-request", "server", [
            recv(http_request() + masked(TEXT, "Hello"), SAMPLE_REQUEST, out=b""),
            act("accept", {"subprotocol": "chat"}, ev_text("Hello"),
                out=accept_head(SAMPLE_ACCEPT, "chat")),
        ], description="Frames sent right behind the request are kept and decoded once the "
                       "request is accepted."),
        case("ping-pipelined-behind-request", "server", [
            recv(http_request() + masked(PING, "hi"), SAMPLE_REQUEST, out=b""),
            act("accept", {}, ev_ping(b"hi"),
                out=accept_head(SAMPLE_ACCEPT) + server_frame(PONG, b"hi")),
        ], description="The pong for a pipelined ping follows the 101."),
        case("invalid-frame-pipelined-behind-request", "server", [
            recv(http_request() + masked(TEXT, "ok") + server_frame(TEXT, "unmasked"),
                 SAMPLE_REQUEST, out=b""),
            act("accept", {}, ev_text("ok"), ev_protocol_error("unmasked-frame"),
                out=accept_head(SAMPLE_ACCEPT) + server_close(1002, "protocol error"),
                state="closed", close=True),
        ], description="The error surfaces once accepted; the close frame follows the 101."),
        case("early-data-past-max-handshake-size", "server", [
            recv(http_request() + masked(TEXT, "Hello") + masked(BINARY, bytes(300)),
                 SAMPLE_REQUEST, out=b""),
            recv(masked(TEXT, "dropped"), out=b""),
            act("accept", {}, ev_text("Hello"), ev_protocol_error("early-data-too-large"),
                out=accept_head(SAMPLE_ACCEPT) + server_close(1008,
                                                              "too much data before the handshake"),
                state="closed", close=True),
        ], config={"max_handshake_size": 256},
            description="RFC 6455 §4.1: a client waits for the 101. Bytes behind the request are "
                        "kept up to max_handshake_size; the rest is dropped, and once what was kept "
                        "is decoded the connection fails with 1008."),
        case("early-data-within-max-handshake-size", "server", [
            recv(http_request() + masked(TEXT, "Hello"), SAMPLE_REQUEST, out=b""),
            recv(masked(BINARY, bytes(200)), out=b""),
            act("accept", {}, ev_text("Hello"), ev_binary(bytes(200)),
                out=accept_head(SAMPLE_ACCEPT), state="open", close=False),
        ], config={"max_handshake_size": 256}),
        case("headers-at-max-headers", "server", [
            recv(http_request(MINIMAL_HEADERS), MINIMAL_REQUEST),
        ], config={"max_headers": len(MINIMAL_HEADERS)}),
        case("pipelined-frames-dropped-on-reject", "server", [
            recv(http_request() + masked(TEXT, "Hello"), SAMPLE_REQUEST),
            act("reject", {"status": 403, "body": "no"},
                out=reject_bytes(403, "Forbidden", body="no"), state="closed", close=True),
            recv(masked(TEXT, "more"), out=b""),
        ]),
        case("reject-with-headers-and-body", "server", [
            recv(http_request(), SAMPLE_REQUEST),
            act("reject", {"status": 401, "headers": [["WWW-Authenticate", "Bearer"]],
                           "body": "log in first"},
                out=reject_bytes(401, "Unauthorized", [("WWW-Authenticate", "Bearer")],
                                 "log in first"),
                state="closed", close=True),
        ]),
        case("reject-replaces-content-length-and-connection", "server", [
            recv(http_request(), SAMPLE_REQUEST),
            act("reject", {"status": 404, "headers": [["Content-Length", "99"],
                                                      ["Connection", "keep-alive"]]},
                out=reject_bytes(404, "Not Found")),
        ]),
        case("eof-mid-request", "server", [
            recv(http_request()[:40]),
            eof(ev_handshake_error("connection-closed"), out=b"", state="closed", close=True),
        ], description="Nothing is sent to a client that went away."),
        case("eof-before-request", "server", [
            eof(ev_handshake_error("connection-closed"), out=b"", state="closed", close=True),
        ]),
        case("eof-while-request-pending", "server", [
            recv(http_request(), SAMPLE_REQUEST),
            eof(state="closed", close=True),
            act("accept", {}, ev_protocol_error("abnormal-closure"),
                out=accept_head(SAMPLE_ACCEPT), state="closed", close=True),
        ], description="The host may still answer; the connection then ends with 1006."),
        refused("post-is-405", "Not GET: 405 with Allow: GET.",
                http_request(method="POST"), "method-not-allowed", 405, ("Allow", "GET")),
        refused("http-1.0-is-505", "RFC 6455 §4.1: HTTP/1.1 or higher.",
                http_request(version="HTTP/1.0"), "http-version", 505),
        refused("plain-http-is-426", "No Upgrade at all: 426 with Upgrade: websocket.",
                http_request(without(without(MINIMAL_HEADERS, "Upgrade"), "Connection")),
                "upgrade-required", 426, ("Upgrade", "websocket")),
        refused("missing-host-is-400", None, http_request(without(MINIMAL_HEADERS, "Host")),
                "invalid-host", 400),
        refused("empty-host-is-400", None,
                http_request(replaced(MINIMAL_HEADERS, "Host", "")), "invalid-host", 400),
        refused("repeated-host-is-400", None,
                http_request(MINIMAL_HEADERS + [("Host", "other.example.com")]),
                "invalid-host", 400),
        refused("upgrade-not-websocket-is-400", None,
                http_request(replaced(MINIMAL_HEADERS, "Upgrade", "h2c")), "invalid-upgrade", 400),
        refused("connection-without-upgrade-is-400", None,
                http_request(replaced(MINIMAL_HEADERS, "Connection", "keep-alive")),
                "invalid-connection", 400),
        refused("missing-connection-is-400", None,
                http_request(without(MINIMAL_HEADERS, "Connection")), "invalid-connection", 400),
        refused("version-8-is-426", "RFC 6455 §4.4: answer with the versions supported.",
                http_request(replaced(MINIMAL_HEADERS, "Sec-WebSocket-Version", "8")),
                "unsupported-version", 426, ("Sec-WebSocket-Version", "13")),
        refused("missing-version-is-426", None,
                http_request(without(MINIMAL_HEADERS, "Sec-WebSocket-Version")),
                "unsupported-version", 426, ("Sec-WebSocket-Version", "13")),
        refused("repeated-version-is-426", None,
                http_request(MINIMAL_HEADERS + [("Sec-WebSocket-Version", "13")]),
                "unsupported-version", 426, ("Sec-WebSocket-Version", "13")),
        refused("missing-key-is-400", None,
                http_request(without(MINIMAL_HEADERS, "Sec-WebSocket-Key")), "invalid-key", 400),
        refused("short-key-is-400", "RFC 6455 §4.2.1: 16 bytes in base64.",
                http_request(replaced(MINIMAL_HEADERS, "Sec-WebSocket-Key",
                                      "dGhlIHNhbXBsZSBub25jZQ")), "invalid-key", 400),
        refused("17-byte-key-is-400", None,
                http_request(replaced(MINIMAL_HEADERS, "Sec-WebSocket-Key",
                                      "dGhlIHNhbXBsZSBub25jZXM=")), "invalid-key", 400),
        refused("repeated-key-is-400", None,
                http_request(MINIMAL_HEADERS + [("Sec-WebSocket-Key", "AAAAAAAAAAAAAAAAAAAAAA==")]),
                "invalid-key", 400),
        refused("malformed-header-line-is-400", None,
                "GET / HTTP/1.1\r\nHost server.example.com\r\n\r\n", "malformed", 400),
        refused("malformed-request-line-is-400", None, "hello\r\n\r\n", "malformed", 400),
        refused("forbidden-origin-is-403", "Config.allowed_origins.",
                http_request(), "forbidden-origin", 403,
                config={"allowed_origins": ["https://example.com"]}),
        case("allowed-origin-ignores-case", "server", [
            recv(http_request(), SAMPLE_REQUEST),
        ], config={"allowed_origins": ["HTTP://EXAMPLE.COM"]}),
        case("no-origin-allowed-by-default", "server", [
            recv(http_request(MINIMAL_HEADERS), MINIMAL_REQUEST),
        ], config={"allowed_origins": ["https://example.com"]},
            description="A client without Origin is not a browser: accepted unless "
                        "require_origin is set."),
        refused("no-origin-with-require-origin-is-403", None,
                http_request(MINIMAL_HEADERS), "forbidden-origin", 403,
                config={"allowed_origins": ["https://example.com"], "require_origin": True}),
        refused("head-too-large-is-431", "Config.max_handshake_size.",
                http_request(), "head-too-large", 431, config={"max_handshake_size": 64}),
        refused("unterminated-head-too-large-is-431", "Refused before the head ends.",
                "GET /" + "a" * 100, "head-too-large", 431, config={"max_handshake_size": 64}),
        refused("too-many-headers-is-431", "Config.max_headers.",
                http_request(), "too-many-headers", 431, config={"max_headers": 4}),
    ]
    return out
