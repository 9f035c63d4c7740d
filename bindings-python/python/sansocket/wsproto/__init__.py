"""``sansocket.wsproto``: wsproto 1.3.2's public API on sansocket's engine.

A project written for wsproto runs on it once its ``import wsproto`` is redirected:
call :func:`install` before the project imports wsproto (or import from
``sansocket.wsproto`` directly). Same classes, fields and semantics (bytes only from
``send()``, pongs and close replies sent by the application, protocol errors as
``CloseConnection`` events, data streamed in pieces); the frames, UTF-8 checks,
permessage-deflate and the HTTP heads are the engine's. Differences are listed in the
package README.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any, Generator, Optional, Union

from . import connection, events, extensions, frame_protocol, handshake, utilities
from .connection import Connection, ConnectionState, ConnectionType
from .events import Event
from .handshake import H11Handshake
from .typing import Headers

#: The wsproto release whose API this module follows (numeric, as its users parse it).
__version__ = "1.3.2"

SUBMODULES = ("connection", "events", "extensions", "frame_protocol", "handshake", "typing", "utilities")


class WSConnection:
    """A WebSocket connection with its HTTP/1.1 handshake, client or server.

    ``limits`` (keyword-only, sansocket's options: ``max_message_size``,
    ``max_frame_size``, ``max_fragments``...) are off by default, as in wsproto.
    """

    def __init__(self, connection_type: ConnectionType, **limits: Any) -> None:
        self.client = connection_type is ConnectionType.CLIENT
        self.handshake = H11Handshake(connection_type, **limits)
        self.connection: Optional[Connection] = None

    @property
    def state(self) -> ConnectionState:
        """The handshake's state, then the connection's."""
        if self.connection is None:
            return self.handshake.state
        return self.connection.state

    def initiate_upgrade_connection(self, headers: Headers, path: Union[bytes, str]) -> None:
        """Server: feed a request an HTTP server already parsed."""
        self.handshake.initiate_upgrade_connection(headers, path)

    def send(self, event: Event) -> bytes:
        """The bytes of ``event``, to write to the transport."""
        if self.connection is None:
            data = self.handshake.send(event)
            self.connection = self.handshake.connection
            return data
        return self.connection.send(event)

    def receive_data(self, data: Optional[bytes]) -> None:
        """Bytes read from the transport; ``None`` when the peer closed it."""
        if self.connection is None:
            self.handshake.receive_data(data)
            self.connection = self.handshake.connection
        else:
            self.connection.receive_data(data)

    def events(self) -> Generator[Event, None, None]:
        """The events received, handshake first."""
        yield from self.handshake.events()
        if self.connection is not None:
            yield from self.connection.events()


def install(name: str = "wsproto") -> None:
    """Make ``import wsproto`` (and its submodules) load this module: call it before the
    project that uses wsproto is imported (uvicorn, hypercorn, trio-websocket,
    simple-websocket, httpx-ws...). Idempotent."""
    this = sys.modules[__name__]
    sys.modules[name] = this
    for sub in SUBMODULES:
        sys.modules[f"{name}.{sub}"] = importlib.import_module(f"{__name__}.{sub}")


# `import wsproto` makes these attributes of the package, as in wsproto.
from . import typing  # noqa: E402

__all__ = ["ConnectionType", "WSConnection"]
