"""Rooms across server processes: one STOMP connection over TCP to an external broker
(RabbitMQ's STOMP plugin on 61613, ActiveMQ…), shared by the whole process.

This is the "multiplexing bridge" of a broker relay, not Spring's one broker connection
per browser: the process subscribes once to ``/topic/<room>`` for each room its pages
joined, sends the posts, joins and leaves its pages make to the broker instead of its own
broker, and hands what comes back (its own and other servers' events) to the chat, which
numbers posts, keeps them as history and publishes them to its local subscribers. So every
server sees every post of a room, in the broker's order, at the cost of one broker
connection per process. Only the chat's application destinations are relayed; ``/topic/``
and ``/queue/`` frames that clients send directly stay in the process.

The STOMP protocol is ``sansocket.stomp.ClientSession`` (sans-IO): this module only moves
bytes and time. It logs in with its own ``login``/``passcode``/virtual host (RabbitMQ's
``guest``/``guest``/``/``), whatever the browsers send; heart-beats 10 s both ways; while
the broker is unreachable it reconnects with backoff (0.5 s doubling to 10 s) and keeps at
most ``max_pending`` events to send once connected (the oldest are dropped past that).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from typing import Callable, Deque, Optional, Set, Tuple

from ..stomp import ClientSession, Connected, Message, StompError

__all__ = ["Relay"]

logger = logging.getLogger("sansocket.chat")


def _now() -> int:
    return int(time.monotonic() * 1000)


class Relay:
    """The process's connection to the external broker at ``address``.

    ``on_message(destination, body)`` gets every MESSAGE of the subscribed destinations.
    """

    def __init__(
        self,
        address: Tuple[str, int],
        on_message: Callable[[str, bytes], None],
        *,
        login: str = "guest",
        passcode: str = "guest",
        vhost: str = "/",
        heart_beat: int = 10_000,
        max_pending: int = 1000,
    ) -> None:
        self.address = address
        self._on_message = on_message
        self._login, self._passcode, self._vhost = login, passcode, vhost
        self._heart_beat = heart_beat
        self._subscribed: Set[str] = set()
        self._pending: Deque[Tuple[str, bytes]] = deque(maxlen=max_pending)
        self._session: Optional[ClientSession] = None
        self._writer: Optional[asyncio.StreamWriter] = None
        self._connected = asyncio.Event()
        self._task: Optional["asyncio.Task[None]"] = None

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    async def wait_connected(self) -> None:
        await self._connected.wait()

    def start(self) -> None:
        self._task = asyncio.ensure_future(self._run())

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        self._close_transport()

    def subscribe(self, destination: str) -> None:
        """Receive ``destination`` from now on (and after every reconnect)."""
        if destination in self._subscribed:
            return
        self._subscribed.add(destination)
        if self._session is not None and self.connected:
            self._session.subscribe(destination)
            self._flush()

    def publish(self, destination: str, body: bytes) -> None:
        """Send to the broker; kept until connected if it is not."""
        if self._session is not None and self.connected:
            self._session.send(destination, body, [("content-type", "application/json")])
            self._flush()
        else:
            self._pending.append((destination, body))

    def _flush(self) -> None:
        if self._session is not None and self._writer is not None:
            data = self._session.data_to_send(_now())
            if data:
                self._writer.write(data)

    def _close_transport(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._writer = None
        self._session = None
        self._connected.clear()

    async def _run(self) -> None:
        delay = 0.5
        while True:
            try:
                await self._connection()
                delay = 0.5
            except (OSError, StompError, asyncio.TimeoutError) as e:
                logger.warning("chat: relay %s:%s: %s", *self.address, e)
            finally:
                self._close_transport()
            logger.info("chat: relay reconnecting in %.1f s", delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)

    async def _connection(self) -> None:
        host, port = self.address
        reader, self._writer = await asyncio.wait_for(asyncio.open_connection(host, port), 10)
        session = self._session = ClientSession(
            _now(),
            host=self._vhost,
            login=self._login,
            passcode=self._passcode,
            heart_beat=(self._heart_beat, self._heart_beat),
        )
        self._flush()
        while True:
            due = session.poll_timeout()
            timeout = None if due is None else max(0.0, (due - _now()) / 1000)
            try:
                data = await asyncio.wait_for(reader.read(1 << 16), timeout)
            except asyncio.TimeoutError:
                session.handle_timeout(_now())
            else:
                if not data:
                    session.receive_eof()
                    return
                session.receive_data(data, _now())
                while (event := session.next_event()) is not None:
                    if isinstance(event, Connected):
                        logger.info("chat: relay connected to %s:%s", host, port)
                        for destination in sorted(self._subscribed):
                            session.subscribe(destination)
                        self._connected.set()
                        while self._pending:
                            destination, body = self._pending.popleft()
                            session.send(destination, body, [("content-type", "application/json")])
                    elif isinstance(event, Message):
                        self._on_message(event.destination, event.body)
            self._flush()
            if self._writer is not None:
                await self._writer.drain()
            if session.should_close_transport:
                return
