"""Our STOMP client (``sansocket.stomp.ClientSession``, driven on asyncio by
``tests/stomp_driver.py``) against RabbitMQ: over Web-STOMP (``sansocket.asyncio``; each
subprotocol, and none) and over TCP 61613 (1.0, 1.1, 1.2). A queue with client acks,
escaped headers, a UTF-8 body, a body that is not UTF-8 (a binary WebSocket message), a
NACK redelivered, a committed and an aborted transaction, receipts, and DISCONNECT."""

from __future__ import annotations

import uuid
from typing import List, Optional

import pytest

from sansocket import stomp
from tests.conftest import run
from tests.stomp_driver import StompClient

from .conftest import PASSWORD, STOMP_ADDR, USER, WS_ADDR, WS_PATH

NOTE = "a:b\\c\nd"
WS_URL = f"ws://{WS_ADDR[0]}:{WS_ADDR[1]}{WS_PATH}"


async def open_client(transport: str, version: str, subprotocols: Optional[List[str]]) -> StompClient:
    config = dict(login=USER, passcode=PASSWORD, heart_beat=(0, 0), max_version=version)
    if transport == "tcp":
        return await StompClient.tcp(*STOMP_ADDR, **config)
    return await StompClient.websocket(WS_URL, subprotocols=subprotocols or [], **config)


CASES = [
    ("ws", "1.2", ["v12.stomp", "v11.stomp", "v10.stomp"]),
    ("ws", "1.1", ["v11.stomp"]),
    ("ws", "1.2", None),
    ("tcp", "1.2", None),
    ("tcp", "1.1", None),
    ("tcp", "1.0", None),
]


@pytest.mark.parametrize("transport, version, subprotocols", CASES)
def test_our_client_against_rabbitmq(transport: str, version: str, subprotocols: Optional[List[str]]) -> None:
    async def main() -> None:
        client = await open_client(transport, version, subprotocols)
        session = client.session
        assert client.connected.version == version
        assert (client.connected.server or "").startswith("RabbitMQ/")
        dest = f"/queue/ours-{uuid.uuid4().hex}"
        ack = "client" if version == "1.0" else "client-individual"
        session.subscribe(dest, ack=ack, headers=[("receipt", "sub")])
        await client.flush()
        assert (await client.expect(stomp.Receipt)).receipt_id == "sub"

        note = NOTE if version != "1.0" else "plain"
        bodies = [b"one", "zwei: \u00fc \u20ac".encode(), bytes(range(256)) * 80]
        for i, body in enumerate(bodies):
            session.send(dest, body, headers=[("seq", str(i)), ("note", note)])
        await client.flush()
        messages = await client.messages(len(bodies))
        for i, (message, body) in enumerate(zip(messages, bodies)):
            assert message.body == body
            assert message.header("seq") == str(i)
            assert message.header("note") == note
            assert message.destination == dest
        if version == "1.0":
            session.ack(messages[-1])  # cumulative
        else:
            for message in messages[:-1]:
                session.ack(message)
            session.nack(messages[-1])  # RabbitMQ requeues it
            await client.flush()
            (again,) = await client.messages(1)
            assert again.body == bodies[-1]
            session.ack(again)

            tx = session.begin()
            session.send(dest, "committed", headers=[("transaction", tx)])
            session.commit(tx)
            tx = session.begin()
            session.send(dest, "aborted", headers=[("transaction", tx)])
            session.abort(tx, headers=[("receipt", "aborted")])
            await client.flush()
            assert (await client.expect(stomp.Receipt)).receipt_id == "aborted"
            (committed,) = await client.messages(1)
            assert committed.body == b"committed"
            session.ack(committed)

        session.disconnect(receipt=True)
        await client.flush()
        event = await client.next_event()
        if transport == "tcp":
            assert isinstance(event, stomp.Disconnected)
        else:
            # RabbitMQ 3.10 Web-STOMP closes the WebSocket (1000, "STOMP died") instead of
            # sending the RECEIPT of DISCONNECT: the session sees the end of the transport.
            assert event is None or isinstance(event, stomp.Disconnected)
        assert session.should_close_transport
        await client.close()

    run(main())


def test_rabbitmq_error_is_a_typed_error() -> None:
    """Bad credentials: RabbitMQ answers ERROR, which the session raises as
    StompSessionError(kind='server-error') with the frame."""

    async def main() -> None:
        with pytest.raises(stomp.StompSessionError) as info:
            await StompClient.tcp(*STOMP_ADDR, login=USER, passcode="wrong", heart_beat=(0, 0))
        assert info.value.kind == "server-error"
        assert info.value.frame is not None and info.value.frame.command == "ERROR"

    run(main())


def test_heart_beats_with_rabbitmq() -> None:
    """1 s heart-beats both ways: the session sends EOLs at poll_timeout and RabbitMQ's
    arrive as HeartBeat events, without any failure for three seconds."""

    async def main() -> None:
        import asyncio

        client = await StompClient.tcp(*STOMP_ADDR, login=USER, passcode=PASSWORD, heart_beat=(1000, 1000))
        session = client.session
        assert client.connected.heart_beat == (1000, 1000)
        beats = 0
        loop = asyncio.get_running_loop()
        end = loop.time() + 3.0
        from tests.stomp_driver import now_ms

        while loop.time() < end:
            due = session.poll_timeout()
            assert due is not None
            wait = max(0.0, min((due - now_ms()) / 1000, end - loop.time()))
            try:
                data = await asyncio.wait_for(client._recv(), wait)
            except asyncio.TimeoutError:
                data = b""
            if data:
                session.receive_data(data, now_ms())
            session.handle_timeout(now_ms())
            while (event := session.next_event()) is not None:
                beats += isinstance(event, stomp.HeartBeat)
            await client.flush()
        assert beats >= 2
        assert session.is_connected
        session.disconnect(receipt=True)
        await client.flush()
        assert isinstance(await client.next_event(), stomp.Disconnected)
        await client.close()

    run(main())
