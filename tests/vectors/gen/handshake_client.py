"""handshake_client.json: the client's side of the opening handshake (RFC 6455 §4.1) and
the rejections it reports."""

from .case import act, case, client_request_head, eof, head, recv, server_101
from .wire import (BINARY, PING, PONG, TEXT, ClientModel, accept_key, ev_accepted,
                   ev_handshake_error, ev_ping, ev_protocol_error, ev_rejected, ev_text,
                   frame, server_frame)

BASIC = {"host": "server.example.com", "target": "/chat"}


def client(name, seed, steps_fn, request=None, description=None, config=None):
    """A client case; `steps_fn(model, sec_key)` builds the steps with the model of the
    client's entropy, so expected masked output is exact."""
    request = request or BASIC
    model = ClientModel(seed)
    initial = client_request_head(request, model.sec_key)
    return case(name, "client", steps_fn(model, model.sec_key), description=description,
                config=config, seed=seed, request=request, initial=initial)


def refused_101(name, seed, extra_fn, kind, request=None, description=None):
    """A 101 the client must refuse: nothing is sent, the transport is to be closed."""
    return client(name, seed, lambda m, k: [
        recv(head("HTTP/1.1 101 Switching Protocols", extra_fn(k)),
             ev_handshake_error(kind), out=b"", state="closed", close=True),
    ], request=request, description=description)


def upgrade_headers(key, upgrade=True, connection=True, accept=True):
    headers = []
    if upgrade:
        headers.append(("Upgrade", "websocket"))
    if connection:
        headers.append(("Connection", "Upgrade"))
    if accept:
        headers.append(("Sec-WebSocket-Accept", accept_key(key)))
    return headers


def rejected(name, seed, steps, description=None, config=None):
    return client(name, seed, lambda m, k: steps, description=description, config=config)


def cases():
    full = {"host": "server.example.com:8080", "target": "/chat?room=1",
            "origin": "https://example.com", "subprotocols": ["v11.stomp", "v10.stomp"],
            "headers": [["Authorization", "Bearer abc"]]}
    return [
        client("accepted", 1, lambda m, k: [
            recv(server_101(k), ev_accepted(), out=b"", state="open", close=False),
        ], description="The request is deterministic for a seed: its key is the first 16 "
                       "bytes of SeededEntropy."),
        client("request-with-origin-subprotocols-and-headers", 2, lambda m, k: [
            recv(server_101(k, [("Sec-WebSocket-Protocol", "v10.stomp")]),
                 ev_accepted("v10.stomp"), state="open"),
        ], request=full),
        client("subprotocol-omitted-by-server", 3, lambda m, k: [
            recv(server_101(k), ev_accepted(None), state="open"),
        ], request=full, description="RFC 6455 allows the server to select none."),
        client("headers-ignore-case", 4, lambda m, k: [
            recv(head("HTTP/1.1 101 Web Socket Protocol Handshake",
                      [("upgrade", "WebSocket"), ("CONNECTION", "keep-alive, upgrade"),
                       ("sec-websocket-accept", accept_key(k))]), ev_accepted()),
        ]),
        client("frame-right-behind-101", 5, lambda m, k: [
            recv(server_101(k) + server_frame(TEXT, "Hello") + server_frame(BINARY, b"\x00"),
                 ev_accepted(), ev_text("Hello"), {"type": "binary", "data_hex": "00"}),
        ]),
        client("ping-right-behind-101", 6, lambda m, k: [
            recv(server_101(k) + server_frame(PING, "x"), ev_accepted(), ev_ping(b"x"),
                 out=m.frame(PONG, b"x")),
        ], description="The auto-pong is masked with the client's first mask key."),
        client("offered-extension-accepted", 7, lambda m, k: [
            recv(server_101(k, [("Sec-WebSocket-Extensions", "x-test; level=1")]),
                 ev_accepted(extensions=["x-test; level=1"])),
            recv(frame(TEXT, "x", rsv=4), ev_protocol_error("reserved-bits"),
                 out=m.close(1002, "protocol error"), state="closed", close=True),
        ], request=dict(BASIC, extensions=["x-test"]),
            description="An extension the host offered itself is reported; the engine does "
                        "not run it, so RSV bits still fail the connection."),
        refused_101("wrong-accept", 8, lambda k: upgrade_headers(k, accept=False)
                    + [("Sec-WebSocket-Accept", accept_key("x" + k))], "invalid-accept"),
        refused_101("missing-accept", 9, lambda k: upgrade_headers(k, accept=False),
                    "invalid-accept"),
        refused_101("missing-upgrade", 10, lambda k: upgrade_headers(k, upgrade=False),
                    "invalid-upgrade"),
        refused_101("missing-connection", 11, lambda k: upgrade_headers(k, connection=False),
                    "invalid-connection"),
        refused_101("subprotocol-not-offered", 12, lambda k: upgrade_headers(k)
                    + [("Sec-WebSocket-Protocol", "chat")], "unexpected-subprotocol"),
        refused_101("subprotocol-not-among-offered", 13, lambda k: upgrade_headers(k)
                    + [("Sec-WebSocket-Protocol", "v12.stomp")], "unexpected-subprotocol",
                    request=full),
        refused_101("two-subprotocols-selected", 14, lambda k: upgrade_headers(k)
                    + [("Sec-WebSocket-Protocol", "v11.stomp, v10.stomp")],
                    "unexpected-subprotocol", request=full),
        refused_101("extension-not-offered", 15, lambda k: upgrade_headers(k)
                    + [("Sec-WebSocket-Extensions", "permessage-deflate")],
                    "unexpected-extension"),
        client("malformed-response", 16, lambda m, k: [
            recv("HTTP/1.1 abc\r\n\r\n", ev_handshake_error("malformed"), out=b"",
                 state="closed", close=True),
        ]),
        client("eof-before-response", 17, lambda m, k: [
            eof(ev_handshake_error("connection-closed"), out=b"", state="closed", close=True),
        ]),
        client("eof-mid-response", 18, lambda m, k: [
            recv(server_101(k)[:30]),
            eof(ev_handshake_error("connection-closed"), state="closed", close=True),
        ]),
        client("response-head-too-large", 19, lambda m, k: [
            recv(server_101(k, [("X-Padding", "p" * 100)]),
                 ev_handshake_error("head-too-large"), state="closed", close=True),
        ], config={"max_handshake_size": 128}),
        client("response-too-many-headers", 20, lambda m, k: [
            recv(server_101(k, [("X-A", "1")]), ev_handshake_error("too-many-headers")),
        ], config={"max_headers": 3}),
        rejected("rejected-403-content-length", 21, [
            recv(head("HTTP/1.1 403 Forbidden", [("Content-Type", "text/plain"),
                                                 ("Content-Length", "9")]) + "forbidden",
                 ev_rejected(403, "Forbidden", b"forbidden"), out=b"", state="closed",
                 close=True),
        ]),
        rejected("rejected-body-in-later-packets", 22, [
            recv(head("HTTP/1.1 403 Forbidden", [("Content-Length", "9")]) + "forb",
                 state="connecting", close=False),
            recv("idden", ev_rejected(403, "Forbidden", b"forbidden"), state="closed",
                 close=True),
            recv("trailing bytes are ignored"),
        ]),
        rejected("rejected-empty-body", 23, [
            recv(head("HTTP/1.1 429 Too Many Requests",
                      [("Retry-After", "5"), ("Content-Length", "0")]),
                 ev_rejected(429, "Too Many Requests")),
        ]),
        rejected("rejected-chunked-body", 24, [
            recv(head("HTTP/1.1 404 Not Found", [("Transfer-Encoding", "chunked")])
                 + "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
                 ev_rejected(404, "Not Found", b"hello world"), state="closed", close=True),
        ], description="RFC 9112 §7.1 chunked transfer coding."),
        rejected("rejected-body-until-eof", 25, [
            recv(head("HTTP/1.1 500 Internal Server Error", [("Content-Type", "text/plain")])
                 + "boom", state="connecting"),
            eof(ev_rejected(500, "Internal Server Error", b"boom"), state="closed",
                close=True),
        ], description="No Content-Length, not chunked: the body ends at EOF "
                       "(RFC 9112 §6.3)."),
        rejected("proxy-502", 26, [
            recv(head("HTTP/1.1 502 Bad Gateway",
                      [("Server", "nginx"), ("Content-Type", "text/html"),
                       ("Content-Length", "24")]) + "<h1>502 Bad Gateway</h1>",
                 ev_rejected(502, "Bad Gateway", b"<h1>502 Bad Gateway</h1>")),
        ]),
        rejected("redirect-302", 27, [
            recv(head("HTTP/1.1 302 Found", [("Location", "/elsewhere"),
                                             ("Content-Length", "0")]),
                 ev_rejected(302, "Found")),
        ]),
        rejected("not-modified-has-no-body", 28, [
            recv(head("HTTP/1.1 304 Not Modified", [("Content-Length", "10")]),
                 ev_rejected(304, "Not Modified")),
        ], description="RFC 9112 §6.3: 1xx, 204 and 304 have no body."),
        rejected("rejection-body-truncated", 29, [
            recv(head("HTTP/1.1 403 Forbidden", [("Content-Length", "20")]) + "0123456789",
                 ev_rejected(403, "Forbidden", b"01234567")),
        ], config={"max_rejection_body": 8},
            description="Config.max_rejection_body: the rest of the body is not awaited."),
        rejected("rejection-body-until-eof-truncated", 30, [
            recv(head("HTTP/1.1 500 Internal Server Error", []) + "0123456789",
                 ev_rejected(500, "Internal Server Error", b"01234567")),
        ], config={"max_rejection_body": 8}),
        client("no-send-before-accepted", 31, lambda m, k: [
            act("send_text", "early", usage_error=True, out=b""),
            recv(server_101(k), ev_accepted()),
            act("send_text", "Hello", out=m.frame(TEXT, "Hello"), state="open"),
        ], description="Sending needs the 101 first; the first frame gets the first mask "
                       "key."),
    ]
