"""What the asyncio hosts (``sansocket.asyncio`` and ``sansocket.uvicorn``) share besides
the engine's own host calls (``receive_messages``, ``write_to``): pausing reading while the
application is behind, and matching pongs to pings. Private.

A host owns the policy (how far to decode ahead, what an event means to its application);
the :class:`Driver` does the mechanics on an asyncio transport, the same way for both.
"""

from __future__ import annotations

from collections import deque
from typing import Deque, Generic, List, Optional, Tuple, TypeVar

import asyncio

from ._core import Connection

__all__ = ["Driver"]

T = TypeVar("T")


class Driver(Generic[T]):
    """Drives one :class:`~sansocket.Connection` on an asyncio transport.

    ``read_limit``: undecoded bytes the engine may hold while messages wait for the
    application; ``max_ahead``: messages decoded ahead of it. Reading pauses when messages
    wait and either limit is reached, and resumes when the application caught up. A full
    write buffer never pauses reading (two peers that both send without bound while reading
    in another task would otherwise each wait for the other, forever).
    """

    def __init__(self, conn: Connection, *, read_limit: int, max_ahead: int) -> None:
        self.conn = conn
        self.transport: Optional[asyncio.Transport] = None
        self.read_limit = read_limit
        self.max_ahead = max_ahead
        self.read_paused = False
        #: Pings waiting for their pong: payload, the host's token, when sent.
        self.pings: Deque[Tuple[bytes, T, float]] = deque()

    def update_reading(self, waiting: int) -> None:
        """Pauses or resumes reading for ``waiting`` messages not yet taken by the application."""
        pause = waiting > 0 and (
            waiting >= self.max_ahead or self.conn.buffered_input >= self.read_limit
        )
        transport = self.transport
        if pause == self.read_paused or transport is None or transport.is_closing():
            return
        self.read_paused = pause
        if pause:
            transport.pause_reading()
        else:
            transport.resume_reading()

    def ping(self, payload: bytes, token: T, now: float) -> None:
        """Queues a ping and remembers it (``token``: the host's, returned with its pong)."""
        self.conn.ping(payload)
        self.pings.append((payload, token, now))

    def pong(self, payload: bytes, now: float) -> List[Tuple[T, float]]:
        """The pings a pong answers, with their round trips: the one with its payload and
        every earlier one (a peer may answer only the latest). None for an unsolicited pong."""
        if not any(data == payload for data, _, _ in self.pings):
            return []
        answered: List[Tuple[T, float]] = []
        while self.pings:
            data, token, sent = self.pings.popleft()
            answered.append((token, now - sent))
            if data == payload:
                break
        return answered
