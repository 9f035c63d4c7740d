"""stomp.py against RabbitMQ, over TCP (61613) and Web-STOMP (15674, /ws), STOMP 1.1 and
1.2: proves the peer and the service that the interop tests rely on. Each case sends
three messages to a fresh queue (one with a header that needs escaping and a UTF-8 body),
receives them with client-individual acks, and disconnects (with a receipt over TCP)."""

from __future__ import annotations

import queue
import uuid
from typing import Any, Dict, List, Optional

import pytest
import stomp
from stomp.adapter.ws import WSTransport
from stomp.connect import BaseConnection, StompConnection11
from stomp.protocol import Protocol11

from .conftest import PASSWORD, STOMP_ADDR, TIMEOUT, USER, WS_ADDR, WS_PATH


class WSConnection11(StompConnection11):  # type: ignore[misc]
    """stomp.py's WSConnection speaks 1.2 only; its 1.1 connection over the same transport."""

    def __init__(self, host_and_ports: List[Any], header: Optional[Dict[str, str]] = None) -> None:
        transport = WSTransport(host_and_ports, vhost="/", ws_path=WS_PATH, header=header)
        BaseConnection.__init__(self, transport)
        Protocol11.__init__(self, transport, (0, 0))


class Collector(stomp.ConnectionListener):  # type: ignore[misc]
    def __init__(self) -> None:
        self.messages: "queue.Queue[Any]" = queue.Queue()
        self.receipts: "queue.Queue[str]" = queue.Queue()
        self.errors: List[Any] = []

    def on_message(self, frame: Any) -> None:
        self.messages.put(frame)

    def on_receipt(self, frame: Any) -> None:
        self.receipts.put(frame.headers["receipt-id"])

    def on_error(self, frame: Any) -> None:
        self.errors.append(frame)


def make(kind: str) -> Any:
    if kind == "tcp-1.2":
        return stomp.Connection12([STOMP_ADDR], vhost="/")
    if kind == "tcp-1.1":
        return stomp.Connection11([STOMP_ADDR], vhost="/")
    if kind == "ws-1.2":  # as stomp.py does by default: no Sec-WebSocket-Protocol
        return stomp.WSConnection([WS_ADDR], ws_path=WS_PATH, vhost="/")
    if kind == "ws-1.2-subprotocol":
        return stomp.WSConnection([WS_ADDR], ws_path=WS_PATH, vhost="/", header={"Sec-WebSocket-Protocol": "v12.stomp"})
    if kind == "ws-1.1-subprotocol":
        return WSConnection11([WS_ADDR], header={"Sec-WebSocket-Protocol": "v11.stomp"})
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["tcp-1.2", "tcp-1.1", "ws-1.2", "ws-1.2-subprotocol", "ws-1.1-subprotocol"])
def test_stomppy_against_rabbitmq(kind: str) -> None:
    conn = make(kind)
    listener = Collector()
    conn.set_listener("collector", listener)
    conn.connect(USER, PASSWORD, wait=True)
    try:
        dest = f"/queue/smoke-{uuid.uuid4().hex}"
        conn.subscribe(dest, id="s1", ack="client-individual", headers={"receipt": "sub"})
        assert listener.receipts.get(timeout=TIMEOUT) == "sub"
        bodies = ["one", "zwei: ü €", "x" * 20000]
        for i, body in enumerate(bodies):
            conn.send(dest, body, headers={"seq": str(i), "note": "a:b\\c\nd"})
        for i, body in enumerate(bodies):
            frame = listener.messages.get(timeout=TIMEOUT)
            assert frame.body == body
            assert frame.headers["seq"] == str(i)
            assert frame.headers["subscription"] == "s1"
            assert frame.headers["destination"] == dest
            if "1.2" in kind:
                assert frame.headers["note"] == "a:b\\c\nd"
                conn.ack(frame.headers["ack"])
            else:
                conn.ack(frame.headers["message-id"], "s1")
        assert not listener.errors
    finally:
        if kind.startswith("tcp"):
            conn.disconnect(receipt="bye")
        else:
            # RabbitMQ 3.10 Web-STOMP answers DISCONNECT with a WebSocket close (1000, "STOMP
            # died") and never sends its RECEIPT, so there is no receipt to wait for.
            conn.disconnect()
    if kind.startswith("tcp"):
        assert listener.receipts.get(timeout=TIMEOUT) == "bye"
