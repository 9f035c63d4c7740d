"""sansocket: the WebSocket protocol (RFC 6455) as a sans-IO engine written in Rust.

Bytes in, events out; actions in, bytes out. The classes mirror wsproto's names so wsproto
users can switch with small edits, with safer defaults: pings are answered and close frames
replied to automatically, and message, frame and handshake sizes are limited.

    conn = sansocket.ServerConnection()
    conn.receive_data(data_read_from_socket)
    for event in conn.events():
        if isinstance(event, sansocket.Request):
            conn.accept(subprotocol=event.select_subprotocol(["v12.stomp"]))
        elif isinstance(event, sansocket.TextMessage):
            conn.send_text(event.data)
    sock.sendall(conn.data_to_send())
    if conn.should_close_transport:
        sock.close()

``sansocket.asyncio`` drives the engine on asyncio (``serve`` and ``connect``).
"""

from typing import Union

from ._core import (
    AcceptConnection,
    BytesMessage,
    ClientConnection,
    CloseConnection,
    Connection,
    ConnectionState,
    Events,
    ReadBuffer,
    HandshakeError,
    LocalProtocolError,
    Ping,
    Pong,
    ProxyConnect,
    ProxyConnected,
    ProxyError,
    ProxyRejected,
    RejectConnection,
    RemoteProtocolError,
    Request,
    ServerConnection,
    TextMessage,
    WebSocketError,
    __version__,
)

#: Any event ``Connection.events()`` yields.
Event = Union[
    Request,
    AcceptConnection,
    RejectConnection,
    TextMessage,
    BytesMessage,
    Ping,
    Pong,
    CloseConnection,
]

__all__ = [
    "AcceptConnection",
    "BytesMessage",
    "ClientConnection",
    "CloseConnection",
    "Connection",
    "ConnectionState",
    "Event",
    "Events",
    "HandshakeError",
    "LocalProtocolError",
    "Ping",
    "Pong",
    "ProxyConnect",
    "ProxyConnected",
    "ProxyError",
    "ProxyRejected",
    "ReadBuffer",
    "RejectConnection",
    "RemoteProtocolError",
    "Request",
    "ServerConnection",
    "TextMessage",
    "WebSocketError",
    "__version__",
]
