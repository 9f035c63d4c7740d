"""sessions.json: whole connections, from the opening handshake to the closed transport."""

from .case import (SAMPLE_ACCEPT, accept_head, act, case, client_request_head, eof,
                   http_request, recv, server_101)
from .wire import (BINARY, CLOSE, PING, PONG, TEXT, ClientModel, close_payload, ev_accepted,
                   ev_binary, ev_close, ev_ping, ev_pong, ev_request, ev_text, masked,
                   server_close, server_frame)


def server_session():
    return case("server-echo-session", "server", [
        recv(http_request(), ev_request(origin="http://example.com",
                                        subprotocols=["chat", "superchat"]),
             state="connecting"),
        act("accept", {"subprotocol": "superchat"},
            out=accept_head(SAMPLE_ACCEPT, "superchat"), state="open"),
        recv(masked(TEXT, "Hello") + masked(BINARY, b"\x00\xff"),
             ev_text("Hello"), ev_binary(b"\x00\xff"), out=b""),
        act("send_text", "Hello", out=server_frame(TEXT, "Hello")),
        act("send_binary", b"\x00\xff", out=server_frame(BINARY, b"\x00\xff")),
        recv(masked(PING, b"t1"), ev_ping(b"t1"), out=server_frame(PONG, b"t1")),
        act("ping", b"t2", out=server_frame(PING, b"t2")),
        recv(masked(PONG, b"t2"), ev_pong(b"t2")),
        recv(masked(CLOSE, close_payload(1000, "bye")), ev_close(1000, "bye"),
             out=server_close(1000), state="closed", close=True),
        eof(out=b"", state="closed", close=True),
    ], description="Handshake, messages both ways, ping/pong, the client closes.")


def client_session():
    request = {"host": "localhost:9001", "target": "/", "subprotocols": ["chat"]}
    m = ClientModel(99)
    return case("client-session", "client", [
        recv(server_101(m.sec_key, [("Sec-WebSocket-Protocol", "chat")])
             + server_frame(TEXT, "welcome"),
             ev_accepted("chat"), ev_text("welcome"), out=b"", state="open"),
        act("send_text", "hi", out=m.frame(TEXT, "hi")),
        recv(server_frame(PING, b""), ev_ping(), out=m.frame(PONG, b"")),
        act("close", [1000, ""], out=m.close(1000), state="closing"),
        recv(server_frame(TEXT, "in flight") + server_close(1000), ev_text("in flight"),
             ev_close(1000), out=b"", state="closed", close=False),
        eof(out=b"", state="closed", close=True),
    ], seed=99, request=request, initial=client_request_head(request, m.sec_key),
        description="The client closes; it closes the transport after the server's EOF.")


def cases():
    return [server_session(), client_session()]
