"""Builders for cases and steps (the format of ../README.md), and HTTP heads."""

from .wire import B, spec

# RFC 6455 §1.2: the sample client handshake.
SAMPLE_KEY = "dGhlIHNhbXBsZSBub25jZQ=="
SAMPLE_ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
SAMPLE_HEADERS = [
    ("Host", "server.example.com"),
    ("Upgrade", "websocket"),
    ("Connection", "Upgrade"),
    ("Sec-WebSocket-Key", SAMPLE_KEY),
    ("Origin", "http://example.com"),
    ("Sec-WebSocket-Protocol", "chat, superchat"),
    ("Sec-WebSocket-Version", "13"),
]
MINIMAL_HEADERS = [h for h in SAMPLE_HEADERS if h[0] not in ("Origin", "Sec-WebSocket-Protocol")]


def head(start_line, headers, eol="\r\n"):
    """An HTTP/1.1 head as text."""
    lines = [start_line] + [f"{n}: {v}" for n, v in headers]
    return eol.join(lines) + eol + eol


def http_request(headers=None, target="/chat", method="GET", version="HTTP/1.1"):
    return head(f"{method} {target} {version}", SAMPLE_HEADERS if headers is None else headers)


def without(headers, name):
    return [(n, v) for n, v in headers if n.lower() != name.lower()]


def replaced(headers, name, value):
    return [(n, value if n.lower() == name.lower() else v) for n, v in headers]


def accept_head(accept, subprotocol=None, extra=()):
    """The engine's 101 answer (RFC 6455 §4.2.2), in its header order."""
    headers = [("Upgrade", "websocket"), ("Connection", "Upgrade"),
               ("Sec-WebSocket-Accept", accept)]
    if subprotocol is not None:
        headers.append(("Sec-WebSocket-Protocol", subprotocol))
    headers.extend(extra)
    return head("HTTP/1.1 101 Switching Protocols", headers)


def reject_bytes(status, reason, headers=(), body=""):
    """The engine's rejection: extra headers, then Content-Length and Connection: close."""
    headers = list(headers) + [("Content-Length", str(len(body.encode()))),
                               ("Connection", "close")]
    return head(f"HTTP/1.1 {status} {reason}", headers) + body


def client_request_head(request, sec_key):
    """The GET request a sansocket client queues for a vector's `request` object."""
    headers = [("Host", request["host"]), ("Upgrade", "websocket"), ("Connection", "Upgrade"),
               ("Sec-WebSocket-Key", sec_key), ("Sec-WebSocket-Version", "13")]
    if request.get("origin") is not None:
        headers.append(("Origin", request["origin"]))
    if request.get("subprotocols"):
        headers.append(("Sec-WebSocket-Protocol", ", ".join(request["subprotocols"])))
    if request.get("extensions"):
        headers.append(("Sec-WebSocket-Extensions", ", ".join(request["extensions"])))
    headers.extend(tuple(h) for h in request.get("headers", []))
    return head(f"GET {request.get('target') or '/'} HTTP/1.1", headers)


def server_101(sec_key, extra=()):
    """A server's valid 101 for a client's key, with `extra` headers."""
    from .wire import accept_key

    return head("HTTP/1.1 101 Switching Protocols",
                [("Upgrade", "websocket"), ("Connection", "Upgrade"),
                 ("Sec-WebSocket-Accept", accept_key(sec_key))] + list(extra))


# ---- cases and steps -------------------------------------------------------------------


def case(name, role, steps, *, description=None, config=None, open=False, subprotocol=None,
         seed=None, request=None, initial=None):
    c = {"name": name}
    if description:
        c["description"] = description
    c["role"] = role
    if config:
        c["config"] = config
    if open:
        c["open"] = True
        if subprotocol is not None:
            c["subprotocol"] = subprotocol
    if seed is not None:
        c["seed"] = seed
    if request is not None:
        c["request"] = request
    if initial is not None:
        c["initial_data_to_send"] = spec(initial)
    c["steps"] = steps
    return c


def _checks(step, events, out, state, close, http, usage_error):
    if usage_error:
        step["usage_error"] = True
    if events:
        step["events"] = list(events)
    if out is not None:
        step["data_to_send"] = spec(out)
    if http is not None:
        step["http_response"] = http
    if state is not None:
        step["state"] = state
    if close is not None:
        step["should_close_transport"] = close
    return step


def recv(data, *events, out=None, state=None, close=None, http=None):
    return _checks({"receive": spec(B(data))}, events, out, state, close, http, False)


def eof(*events, out=None, state=None, close=None):
    return _checks({"eof": True}, events, out, state, close, None, False)


def act(action, arg, *events, out=None, state=None, close=None, usage_error=False):
    """An action step: accept, reject, send_text, send_binary, send_fragment, ping, pong,
    close. Byte arguments are given as bytes/str/B and written as bytes specs."""
    if action in ("send_binary", "ping", "pong"):
        arg = spec(arg)
    elif action == "send_fragment":
        arg = dict(arg, data=spec(arg["data"]))
    elif action == "reject":
        arg = dict(arg)
        if "body" in arg:
            arg["body"] = spec(arg["body"])
    return _checks({action: arg}, events, out, state, close, None, usage_error)


def http_status(status, *headers):
    """An `http_response` check: status and headers that must be present."""
    return {"status": status, "headers": [list(h) for h in headers]}
