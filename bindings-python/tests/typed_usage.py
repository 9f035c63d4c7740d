"""Type-checked with `mypy --strict` by test.sh (not collected by pytest): the public API as a
typed user writes it, so the stubs and the package's annotations stay usable."""

from __future__ import annotations

import asyncio
from typing import List, Optional, Union

import sansocket
from sansocket import (
    AcceptConnection,
    BytesMessage,
    ClientConnection,
    CloseConnection,
    ConnectionState,
    Event,
    Ping,
    RejectConnection,
    Request,
    ServerConnection,
    TextMessage,
)
from sansocket.asyncio import ConnectionClosed, WebSocket, connect, serve


def handle(conn: ServerConnection, data: Union[bytes, bytearray, memoryview]) -> bytes:
    conn.receive_data(data)
    try:
        for event in conn.events():
            if isinstance(event, Request):
                chosen: Optional[str] = event.select_subprotocol(["v12.stomp", "v11.stomp"])
                conn.accept(subprotocol=chosen, extra_headers=[("X-Server", "sansocket")])
            elif isinstance(event, TextMessage):
                text: str = event.data
                conn.send_text(text)
            elif isinstance(event, BytesMessage):
                payload: bytes = event.data
                conn.send_binary(payload)
            elif isinstance(event, Ping):
                assert isinstance(event.payload, bytes)
            elif isinstance(event, CloseConnection):
                code: int = event.code
                assert code
    except sansocket.RemoteProtocolError as exc:
        close_code: int = exc.code
        assert close_code
    except sansocket.HandshakeError as exc:
        status: Optional[int] = exc.status_code
        assert status is None or status >= 400
    out: bytes = conn.data_to_send()
    if conn.should_close_transport:
        assert conn.state is ConnectionState.CLOSED or conn.state is not ConnectionState.OPEN
    return out


def client() -> List[Event]:
    conn = ClientConnection(
        "example.com",
        "/chat",
        subprotocols=["v12.stomp"],
        origin="https://example.com",
        extra_headers=[("Authorization", "Bearer x")],
        max_message_size=1 << 20,
        deflate={"max_window_bits": 10},
    )
    conn.send_fragment("text", "par", False)
    conn.close(1000, "bye")
    events: List[Event] = []
    event = conn.next_event()
    if event is not None:
        events.append(event)
    for e in conn.events():
        if isinstance(e, AcceptConnection):
            sub: Optional[str] = e.subprotocol
            assert sub is None or sub
        elif isinstance(e, RejectConnection):
            body: bytes = e.body
            assert e.status_code and body is not None
        events.append(e)
    return events


async def echo(ws: WebSocket) -> None:
    async for message in ws:
        await ws.send(message)


async def main() -> None:
    server = await serve(echo, "127.0.0.1", 0, subprotocols=["v12.stomp"], max_message_size=None)
    async with server:
        async with connect("ws://127.0.0.1:1/", subprotocols=["v12.stomp"]) as ws:
            await ws.send("hello")
            reply: Union[str, bytes] = await ws.recv()
            latency: float = await ws.ping()
            assert reply and latency >= 0
        try:
            await ws.recv()
        except ConnectionClosed as exc:
            assert exc.code and exc.ok in (True, False)


if __name__ == "__main__":
    print(handle(ServerConnection(), b""), client())
    asyncio.run(main())
