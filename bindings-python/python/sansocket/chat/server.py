"""The chat server: the page and STOMP over WebSocket on one port, on ``sansocket.asyncio``.

- ``GET /`` and the page's files: :class:`~sansocket.chat.static_files.StaticFiles`
  (the engine's ``plain_http`` option hands plain requests to ``process_request``);
- ``/stomp``: STOMP over WebSocket, subprotocols ``v12.stomp``, ``v11.stomp``,
  ``v10.stomp`` or none; any other upgrade target gets ``404``.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Tuple

from .. import Request
from ..asyncio import Refusal, Server, WebSocket, serve
from .rooms import Rooms
from .static_files import StaticFiles

__all__ = ["ChatOptions", "start"]

logger = logging.getLogger("sansocket.chat")

SUBPROTOCOLS = ["v12.stomp", "v11.stomp", "v10.stomp"]
STOMP_PATH = "/stomp"


@dataclass
class ChatOptions:
    """What ``python -m sansocket.chat`` takes (see ``--help``)."""

    npm_dir: Optional[Path] = None
    history: int = 50
    max_message_size: int = 64 << 10
    relay: Optional[Tuple[str, int]] = None
    relay_login: str = "guest"
    relay_passcode: str = "guest"
    relay_vhost: str = "/"


class _Chat:
    def __init__(self, options: ChatOptions) -> None:
        self.options = options
        self.files = StaticFiles(npm_dir=options.npm_dir)
        self.rooms = Rooms(history=options.history)

    def process_request(self, request: Request) -> Optional[Refusal]:
        if not request.is_upgrade:
            return self.files.answer(request.path)
        if request.path != STOMP_PATH:
            return (404, [("Content-Type", "text/plain; charset=utf-8")], b"STOMP is at /stomp\n")
        return None

    async def handle(self, ws: WebSocket) -> None:
        # The STOMP session (sansocket.stomp's server session and broker, with the
        # application destinations of rooms.Rooms) plugs in here.
        await ws.close(1011, "this build has no STOMP engine")


async def start(host: str, port: int, options: ChatOptions) -> Server:
    """Listen on ``host``:``port``; the returned server's ``close()`` stops it."""
    chat = _Chat(options)
    return await serve(
        chat.handle,
        host,
        port,
        subprotocols=SUBPROTOCOLS,
        process_request=chat.process_request,
        plain_http=True,
        max_message_size=options.max_message_size,
    )


def addresses(server: Server) -> List[Tuple[str, int]]:
    return [s.getsockname()[:2] for s in server.sockets]


async def run_until_stopped(server: Server, stop: "asyncio.Event") -> None:
    await stop.wait()
    server.close(1001, "server stopping")
    try:
        await asyncio.wait_for(server.wait_closed(), 10)
    except asyncio.TimeoutError:
        logger.warning("chat: connections still open after 10 s; stopping anyway")
