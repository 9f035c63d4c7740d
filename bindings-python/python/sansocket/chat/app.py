"""The chat's application destinations on the STOMP broker, as Spring's ``@MessageMapping``
methods would be: the broker hands over every ``SEND`` to ``/app/…`` and every ended
session; :class:`ChatApp` answers through :meth:`Broker.publish`.

- ``SEND /app/rooms/<room>/join`` with ``reply-to: /topic/_me.<token>``: the history
  (last posts, who is online) is published to the reply topic, the join to
  ``/topic/<room>``;
- ``SEND /app/rooms/<room>`` with the text as body: the post, stamped with the sender's
  name (the ``login`` of its CONNECT), the time and a number, to ``/topic/<room>``;
- a session that ends leaves its rooms (announced on ``/topic/<room>``).

Other ``/app/…`` destinations are ignored. The logic itself is :class:`~.rooms.Rooms`.

With a :class:`~.relay.Relay` the posts, joins and leaves go to the external broker
instead, tagged with this server's ``origin``; what the broker sends back (from every
server) is numbered, kept and published here by :meth:`ChatApp.relayed`.
"""

from __future__ import annotations

import json
import logging
import os
import re
from typing import Callable, Dict, Optional

from ..stomp import AppMessage, Authenticate, Broker, Closed, StompError
from .relay import Relay
from .rooms import Event, Rooms

__all__ = ["ChatApp", "REPLY_PREFIX"]

logger = logging.getLogger("sansocket.chat")

#: Where a page asks for its replies: a topic only it subscribes to.
REPLY_PREFIX = "/topic/_me."
_APP = re.compile(r"/app/rooms/([^/]+)(/join)?")
_TOKEN = re.compile(r"[A-Za-z0-9_.-]{1,128}")


class ChatApp:
    """Handles a :class:`~sansocket.stomp.Broker`'s events (made with ``authenticate=True``
    and ``/app/`` as an application prefix) for :class:`~.rooms.Rooms`."""

    def __init__(self, broker: Broker, rooms: Rooms) -> None:
        self.broker = broker
        self.rooms = rooms
        self._users: Dict[int, str] = {}
        #: Set by the server when rooms are relayed to an external broker.
        self.relay: Optional[Relay] = None
        #: Called after events published from outside a broker event (relayed ones).
        self.flush: Callable[[], None] = lambda: None
        self.origin = f"{os.getpid()}-{id(self):x}"

    def on_event(self, event: object) -> None:
        if isinstance(event, Authenticate):
            # Anyone may chat: the login is the name shown, not a credential.
            user = (event.login or "").strip()[:64] or f"guest-{event.connection}"
            self._users[event.connection] = user
            self.broker.accept(event.connection)
        elif isinstance(event, AppMessage):
            self._app_message(event.connection, event)
        elif isinstance(event, Closed):
            self.connection_gone(event.connection)

    def connection_gone(self, conn: int) -> None:
        """The session ended (a ``Closed`` event) or its transport went away (the broker
        reports no event for that): announce that it left its rooms. Twice is harmless."""
        self._users.pop(conn, None)
        for room, announce in self.rooms.leave_all(str(conn)):
            self._to_room(room, announce)

    def _app_message(self, conn: int, event: AppMessage) -> None:
        frame = event.frame
        match = _APP.fullmatch(frame.header("destination") or "")
        if match is None:
            return
        room, join = match.groups()
        user = self._users.get(conn, f"guest-{conn}")
        if join:
            reply_to = frame.header("reply-to") or ""
            token = reply_to[len(REPLY_PREFIX) :]
            if not reply_to.startswith(REPLY_PREFIX) or not _TOKEN.fullmatch(token):
                return
            joined = self.rooms.join(str(conn), user, room)
            if joined is None:
                return
            history, announce = joined
            if self.relay is not None:
                self.relay.subscribe(f"/topic/{room}")
            self._publish(reply_to, history)
            if announce is not None:
                self._to_room(room, announce)
            return
        text = frame.body.decode("utf-8", "replace")
        if self.relay is not None:
            stamped = self.rooms.stamp(user, room, text)
            if stamped is not None:
                self._to_room(room, stamped)
            return
        post = self.rooms.post(str(conn), user, room, text)
        if post is not None:
            self._publish(f"/topic/{room}", post)

    def _to_room(self, room: str, event: Event) -> None:
        if self.relay is None:
            self._publish(f"/topic/{room}", event)
        else:
            body = json.dumps({**event, "origin": self.origin}, ensure_ascii=False)
            self.relay.publish(f"/topic/{room}", body.encode())

    def relayed(self, destination: str, body: bytes) -> None:
        """A MESSAGE from the external broker: a post to number, keep and publish, or a
        join or leave (another server's ones counted in the online list)."""
        room = destination[len("/topic/") :] if destination.startswith("/topic/") else ""
        try:
            event = json.loads(body)
        except ValueError:
            return
        if not isinstance(event, dict):
            return
        mine = event.pop("origin", None) == self.origin
        if event.get("type") == "post":
            user, text, at = event.get("user"), event.get("text"), event.get("time")
            if not (isinstance(user, str) and isinstance(text, str) and isinstance(at, int)):
                return
            post = {"type": "post", "user": user[:64], "text": text[:2000], "time": at}
            shown = self.rooms.record(room, post)
        elif mine:
            shown = {**event, "online": self.rooms.online(room)}
        else:
            shown = self.rooms.remote(room, event)
        if shown is not None:
            self._publish(f"/topic/{room}", shown)
            self.flush()

    def _publish(self, destination: str, event: Event) -> None:
        body = json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode()
        try:
            self.broker.publish(destination, body, [("content-type", "application/json")])
        except StompError as e:
            logger.warning("chat: cannot publish to %s: %s", destination, e)
