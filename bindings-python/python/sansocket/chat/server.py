"""The chat server: the page and STOMP over WebSocket on one port, on ``sansocket.asyncio``
and the STOMP engine's in-memory broker (``sansocket.stomp.Broker`` served by
``sansocket.stomp_asyncio.BrokerServer``).

- ``GET /`` and the page's files: :class:`~sansocket.chat.static_files.StaticFiles`
  (the engine's ``plain_http`` option hands plain requests to ``process_request``);
- ``/stomp``: STOMP over WebSocket, subprotocols ``v12.stomp``, ``v11.stomp``,
  ``v10.stomp`` or none; any other upgrade target gets ``404``;
- destinations: ``/topic/…`` (every subscriber) and ``/queue/…`` (one, round robin) as
  with Spring's simple broker, ``/app/…`` for the chat itself (:mod:`.app`);
- ``relay``: rooms shared with other chat servers through an external STOMP broker
  (:mod:`.relay`);
- heart-beats: the server proposes ``heart_beat_floor`` (1 s) both ways, so the
  negotiated interval is what the client asks for, but at least that; a client silent
  for the interval times ``grace`` (2) is dropped with an ERROR.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, List, Optional, Tuple

from .. import Request
from ..asyncio import Refusal, Server
from ..stomp import DEFAULT_GRACE, Broker
from ..stomp_asyncio import BrokerServer
from .app import ChatApp
from .relay import Relay
from .rooms import Rooms
from .static_files import StaticFiles

__all__ = ["ChatOptions", "ChatServer", "start"]

logger = logging.getLogger("sansocket.chat")

STOMP_PATH = "/stomp"


@dataclass
class ChatOptions:
    """What ``python -m sansocket.chat`` takes (see ``--help``)."""

    npm_dir: Optional[Path] = None
    history: int = 50
    max_message_size: int = 64 << 10
    heart_beat_floor: int = 1000
    relay: Optional[Tuple[str, int]] = None
    relay_login: str = "guest"
    relay_passcode: str = "guest"
    relay_vhost: str = "/"
    grace: float = DEFAULT_GRACE
    max_outgoing: int = 1 << 20


class _ChatBrokerServer(BrokerServer):
    """``BrokerServer`` that also tells the app when a transport goes away: ``Broker.close``
    reports no ``Closed`` event, and the page's leave must still be announced."""

    def __init__(self, broker: Broker, app: ChatApp) -> None:
        super().__init__(broker, app.on_event)
        self._app = app

    def _gone(self, conn: int) -> None:
        super()._gone(conn)
        self._app.connection_gone(conn)
        self.flush()


class _Chat:
    def __init__(self, options: ChatOptions) -> None:
        self.options = options
        self.files = StaticFiles(npm_dir=options.npm_dir)
        self.rooms = Rooms(history=options.history)
        floor = options.heart_beat_floor
        self.broker = Broker(
            app_prefixes=["/app/"],
            authenticate=True,
            heart_beat=(floor, floor),
            grace=options.grace,
            max_outgoing=options.max_outgoing,
            server_name="sansocket-chat",
        )
        self.app = ChatApp(self.broker, self.rooms)
        self.stomp = _ChatBrokerServer(self.broker, self.app)
        self.app.flush = self.stomp.flush
        if options.relay is not None:
            self.app.relay = Relay(
                options.relay,
                self.app.relayed,
                login=options.relay_login,
                passcode=options.relay_passcode,
                vhost=options.relay_vhost,
            )

    def process_request(self, request: Request) -> Optional[Refusal]:
        if not request.is_upgrade:
            return self.files.answer(request.path)
        if request.path != STOMP_PATH:
            return (404, [("Content-Type", "text/plain; charset=utf-8")], b"STOMP is at /stomp\n")
        return None


class ChatServer:
    """A running chat server: :attr:`sockets` it listens on, :meth:`close` to stop it."""

    def __init__(self, chat: _Chat, server: Server) -> None:
        self.chat = chat
        self.server = server

    @property
    def sockets(self) -> Tuple[Any, ...]:
        return self.server.sockets

    def addresses(self) -> List[Tuple[str, int]]:
        return [s.getsockname()[:2] for s in self.server.sockets]

    async def close(self, timeout: float = 10.0) -> None:
        """Stops listening and closes every connection (1001), waiting at most ``timeout``."""
        try:
            await asyncio.wait_for(self.chat.stomp.close(), timeout)
        except asyncio.TimeoutError:
            logger.warning("chat: connections still open after %s s; stopping anyway", timeout)
        if self.chat.app.relay is not None:  # after the leaves went out through it
            await self.chat.app.relay.close()

    async def __aenter__(self) -> "ChatServer":
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()


async def start(host: str, port: int, options: ChatOptions) -> ChatServer:
    """Listen on ``host``:``port`` (0: a free port)."""
    chat = _Chat(options)
    server = await chat.stomp.serve_websocket(
        host,
        port,
        process_request=chat.process_request,
        plain_http=True,
        max_message_size=options.max_message_size,
    )
    if chat.app.relay is not None:
        chat.app.relay.start()
    return ChatServer(chat, server)
