"""STOMP 1.0, 1.1 and 1.2 as a sans-IO engine (the Rust crate ``sansocket-stomp``).

Bytes in, events out; commands in, bytes out; no sockets, threads, clocks or randomness.
Time is an ``int`` of milliseconds from a monotonic clock that the host passes in
(``int(time.monotonic() * 1000)``); the sessions say when they next want it
(``poll_timeout()``) for heart-beats.

- ``Decoder`` / ``encode``: the codec (frames split anywhere; escaping per version; limits).
- ``ClientSession``: CONNECT, SUBSCRIBE, SEND, ACK/NACK, transactions, receipts, DISCONNECT.
- ``ServerSession``: version negotiation and the spec's checks, ERROR then close on a
  violation.
- ``Broker``: an in-memory broker (``/topic/`` fan-out, ``/queue/`` round robin with acks
  and redelivery, transactions, receipts, authentication hooks, application destinations).

Every session follows one loop::

    session.receive_data(data, now)
    while (event := session.next_event()) is not None:
        ...
    sock.sendall(session.data_to_send(now))
    if session.should_close_transport:
        sock.close()

Over WebSocket the subprotocols are ``SUBPROTOCOLS`` (``v12.stomp`` first);
``sansocket.stomp_asyncio`` serves a ``Broker`` over WebSocket and TCP on asyncio.
"""

from ._stomp import (
    DEFAULT_GRACE,
    SUBPROTOCOLS,
    AppMessage,
    Authenticate,
    Broker,
    ClientSession,
    Closed,
    Connected,
    ConnectRequest,
    Decoder,
    Disconnect,
    Disconnected,
    Frame,
    HeartBeat,
    Limits,
    Message,
    Receipt,
    ServerSession,
    StompDecodeError,
    StompEncodeError,
    StompError,
    StompSessionError,
    StompUsageError,
    encode,
    is_binary,
    subprotocol_for_version,
    version_for_subprotocol,
)

__all__ = [
    "DEFAULT_GRACE",
    "SUBPROTOCOLS",
    "AppMessage",
    "Authenticate",
    "Broker",
    "ClientSession",
    "Closed",
    "ConnectRequest",
    "Connected",
    "Decoder",
    "Disconnect",
    "Disconnected",
    "Frame",
    "HeartBeat",
    "Limits",
    "Message",
    "Receipt",
    "ServerSession",
    "StompDecodeError",
    "StompEncodeError",
    "StompError",
    "StompSessionError",
    "StompUsageError",
    "encode",
    "is_binary",
    "subprotocol_for_version",
    "version_for_subprotocol",
]
