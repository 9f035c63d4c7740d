"""Interop of the STOMP broker served through the binding (``sansocket.stomp_asyncio``
over ``sansocket.asyncio`` and TCP) with a real peer, stomp.py: ``WSConnection`` with and
without a ``Sec-WebSocket-Protocol`` header (stomp.py sends none by default), STOMP 1.1
and 1.2, and its TCP connections; and our own asyncio client driver against the same
server. Each case: a queue with client-individual acks, three messages (a header that
needs escaping, a UTF-8 body, a 20 000-byte body), receipts, and DISCONNECT with a receipt."""

from __future__ import annotations

import asyncio
import queue
import threading
import uuid
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest
import stomp as stomppy
from stomp.adapter.ws import WSTransport
from stomp.connect import BaseConnection, StompConnection11
from stomp.protocol import Protocol11

from sansocket import stomp
from sansocket.stomp_asyncio import BrokerServer

from .conftest import run
from .stomp_driver import StompClient

TIMEOUT = 10.0
BODIES = ["one", "zwei: ü €", "x" * 20000]
NOTE = "a:b\\c\nd"


class Served:
    """A broker served on a private event loop in a thread, for the blocking stomp.py."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        assert self.ready.wait(TIMEOUT)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self._start())
        self.ready.set()
        self.loop.run_forever()

    async def _start(self) -> None:
        self.server = BrokerServer(stomp.Broker(heart_beat=(0, 0)))
        ws = await self.server.serve_websocket("127.0.0.1", 0)
        tcp = await self.server.serve_tcp("127.0.0.1", 0)
        self.ws_port = ws.sockets[0].getsockname()[1]
        self.tcp_port = tcp.sockets[0].getsockname()[1]

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.server.close(), self.loop).result(TIMEOUT)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(TIMEOUT)


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    s = Served()
    yield s
    s.stop()


class WSConnection11(StompConnection11):  # type: ignore[misc]
    """stomp.py's WSConnection speaks 1.2 only; its 1.1 connection over the same transport."""

    def __init__(self, host_and_ports: List[Any], header: Optional[Dict[str, str]] = None) -> None:
        transport = WSTransport(host_and_ports, vhost="/", ws_path="/", header=header)
        BaseConnection.__init__(self, transport)
        Protocol11.__init__(self, transport, (0, 0))


class Collector(stomppy.ConnectionListener):  # type: ignore[misc]
    def __init__(self) -> None:
        self.messages: "queue.Queue[Any]" = queue.Queue()
        self.receipts: "queue.Queue[str]" = queue.Queue()
        self.errors: List[Any] = []
        self.connected: "queue.Queue[Any]" = queue.Queue()

    def on_connected(self, frame: Any) -> None:
        self.connected.put(frame)

    def on_message(self, frame: Any) -> None:
        self.messages.put(frame)

    def on_receipt(self, frame: Any) -> None:
        self.receipts.put(frame.headers["receipt-id"])

    def on_error(self, frame: Any) -> None:
        self.errors.append(frame)


def stomppy_connection(kind: str, served: Served) -> Tuple[Any, str]:
    """A stomp.py connection and the version it must get."""
    ws = [("127.0.0.1", served.ws_port)]
    if kind == "ws-1.2-no-subprotocol":
        return stomppy.WSConnection(ws, ws_path="/", vhost="/"), "1.2"
    if kind == "ws-1.2-v12.stomp":
        return stomppy.WSConnection(ws, ws_path="/", vhost="/", header={"Sec-WebSocket-Protocol": "v12.stomp"}), "1.2"
    if kind == "ws-1.1-no-subprotocol":
        return WSConnection11(ws), "1.1"
    if kind == "ws-1.1-v11.stomp":
        return WSConnection11(ws, header={"Sec-WebSocket-Protocol": "v11.stomp"}), "1.1"
    tcp = [("127.0.0.1", served.tcp_port)]
    if kind == "tcp-1.2":
        return stomppy.Connection12(tcp, vhost="/"), "1.2"
    if kind == "tcp-1.1":
        return stomppy.Connection11(tcp, vhost="/"), "1.1"
    if kind == "tcp-1.0":
        return stomppy.Connection10(tcp), "1.0"
    raise AssertionError(kind)


KINDS = [
    "ws-1.2-no-subprotocol",
    "ws-1.2-v12.stomp",
    "ws-1.1-no-subprotocol",
    "ws-1.1-v11.stomp",
    "tcp-1.2",
    "tcp-1.1",
    "tcp-1.0",
]


@pytest.mark.parametrize("kind", KINDS)
def test_stomppy_against_our_broker(kind: str, served: Served) -> None:
    conn, version = stomppy_connection(kind, served)
    listener = Collector()
    conn.set_listener("collector", listener)
    if version == "1.0":
        conn.connect(wait=True)
    else:
        conn.connect("guest", "guest", wait=True)
    connected = listener.connected.get(timeout=TIMEOUT)
    assert connected.headers.get("version", "1.0") == version
    assert connected.headers["server"] == "sansocket-stomp"
    dest = f"/queue/interop-{uuid.uuid4().hex}"
    ack = "client-individual" if version != "1.0" else "client"
    conn.subscribe(dest, id="s1", ack=ack, headers={"receipt": "sub"})
    assert listener.receipts.get(timeout=TIMEOUT) == "sub"
    for i, body in enumerate(BODIES):
        conn.send(dest, body, headers={"seq": str(i), "note": NOTE if version != "1.0" else "plain"})
    for i, body in enumerate(BODIES):
        frame = listener.messages.get(timeout=TIMEOUT)
        assert frame.body == body
        assert frame.headers["seq"] == str(i)
        assert frame.headers["subscription"] == "s1"
        assert frame.headers["destination"] == dest
        assert frame.headers["content-length"] == str(len(body.encode()))
        if version != "1.0":
            assert frame.headers["note"] == NOTE
        if version == "1.2":
            conn.ack(frame.headers["ack"])
        elif version == "1.1":
            conn.ack(frame.headers["message-id"], "s1")
        else:
            conn.ack(frame.headers["message-id"])
    assert not listener.errors
    conn.disconnect(receipt="bye")
    assert listener.receipts.get(timeout=TIMEOUT) == "bye"


def test_stomppy_version_capped_by_subprotocol(served: Served) -> None:
    """stomp.py's WSConnection offers only 1.2; with the v11.stomp subprotocol the broker
    serves at most 1.1, so nothing is in common: ERROR with the versions it supports."""
    conn = stomppy.WSConnection(
        [("127.0.0.1", served.ws_port)], ws_path="/", vhost="/", header={"Sec-WebSocket-Protocol": "v11.stomp"}
    )
    listener = Collector()
    conn.set_listener("c", listener)
    with pytest.raises(stomppy.exception.ConnectFailedException):
        conn.connect("guest", "guest", wait=True)
    (error,) = listener.errors
    assert error.headers["version"] == "1.0,1.1"
    assert "message" in error.headers


def test_stomppy_topic_fan_out_and_transactions(served: Served) -> None:
    """Two stomp.py subscribers of one topic each get every message; a transaction's SENDs
    arrive at COMMIT only, and an aborted one never."""
    ws = [("127.0.0.1", served.ws_port)]
    conns = [stomppy.WSConnection(ws, ws_path="/", vhost="/") for _ in range(2)]
    listeners = [Collector() for _ in conns]
    topic = f"/topic/fan-{uuid.uuid4().hex}"
    for conn, listener in zip(conns, listeners):
        conn.set_listener("c", listener)
        conn.connect("guest", "guest", wait=True)
        conn.subscribe(topic, id="t", ack="auto", headers={"receipt": "sub"})
        assert listener.receipts.get(timeout=TIMEOUT) == "sub"
    sender = conns[0]
    sender.begin("tx1")
    sender.send(topic, "in tx1", transaction="tx1")
    sender.begin("tx2")
    sender.send(topic, "in tx2", transaction="tx2")
    sender.abort("tx2")
    sender.send(topic, "plain")
    sender.commit("tx1", headers={"receipt": "committed"})
    assert listeners[0].receipts.get(timeout=TIMEOUT) == "committed"
    for listener in listeners:
        got = [listener.messages.get(timeout=TIMEOUT).body for _ in range(2)]
        assert got == ["plain", "in tx1"]
        assert listener.messages.empty()
    for conn in conns:
        conn.disconnect(receipt="bye")


def test_stomppy_gets_error_for_frames_before_connect(served: Served) -> None:
    """Raw bytes (no stomp.py) over TCP: a SEND before CONNECT gets ERROR and a close."""

    async def main() -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", served.tcp_port)
        writer.write(b"SEND\ndestination:/queue/a\nreceipt:r1\n\nhi\x00")
        data = await asyncio.wait_for(reader.read(), TIMEOUT)  # until the server closes
        writer.close()
        return data

    data = run(main())
    assert data.startswith(b"ERROR\n")
    assert b"receipt-id:r1\n" in data


@pytest.mark.parametrize("transport", ["ws", "tcp"])
def test_our_client_against_our_broker(transport: str, served: Served) -> None:
    async def main() -> None:
        if transport == "ws":
            client = await StompClient.websocket(f"ws://127.0.0.1:{served.ws_port}/", heart_beat=(0, 0))
        else:
            client = await StompClient.tcp("127.0.0.1", served.tcp_port, heart_beat=(0, 0))
        session = client.session
        assert client.connected.version == "1.2"
        dest = f"/queue/ours-{uuid.uuid4().hex}"
        session.subscribe(dest, ack="client-individual", headers=[("receipt", "sub")])
        body = bytes(range(256)) * 4  # not UTF-8: a binary WebSocket message
        session.send(dest, body, headers=[("note", NOTE)])
        await client.flush()
        assert (await client.expect(stomp.Receipt)).receipt_id == "sub"
        (message,) = await client.messages(1)
        assert message.body == body
        assert message.header("note") == NOTE
        session.nack(message)
        await client.flush()
        (again,) = await client.messages(1)  # redelivered after NACK
        assert again.body == body
        session.ack(again)
        session.disconnect(receipt=True)
        await client.flush()
        await client.expect(stomp.Disconnected)
        assert session.should_close_transport
        await client.close()

    run(main())
