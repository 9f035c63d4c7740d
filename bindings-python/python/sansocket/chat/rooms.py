"""The chat's application logic, with no transport: what Spring's ``@MessageMapping`` and
``@SubscribeMapping`` methods would hold.

The STOMP side (:mod:`.app`) calls it for the page's application destinations and
publishes what it returns:

- :meth:`Rooms.join` for a ``SEND`` to ``/app/rooms/<room>/join``: the history reply for
  the joining page (the last posts and who is online) and the join announcement;
- :meth:`Rooms.post` for a ``SEND`` to ``/app/rooms/<room>``: the post stamped with the
  sender's name, the time and a per-room sequence number;
- :meth:`Rooms.leave_all` when the session ends: the leave announcements.

Events are dicts, sent as JSON. Time comes from the injected ``clock`` (milliseconds since
the epoch). Everything that grows has a limit: posts kept per room, rooms kept, text size.
"""

from __future__ import annotations

import re
import time
from collections import Counter, OrderedDict, deque
from dataclasses import dataclass, field
from typing import Any, Callable, Deque, Dict, List, Optional, Set, Tuple

__all__ = ["Rooms", "valid_room", "ROOM_NAME"]

Event = Dict[str, Any]

#: Room names as they appear in destinations (``/topic/<room>``): letters, digits, ``_``
#: and ``-``, at most 64.
ROOM_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")


def valid_room(name: str) -> bool:
    return ROOM_NAME.fullmatch(name) is not None


@dataclass
class _Room:
    posts: Deque[Event]
    online: "Counter[str]" = field(default_factory=Counter)  # user -> sessions in the room
    remote: "Counter[str]" = field(default_factory=Counter)  # user -> joins on other servers
    next_id: int = 0


class Rooms:
    """Every room of one chat server.

    ``history``: posts kept per room and sent to whoever joins (default 50);
    ``max_rooms``: rooms kept (default 10 000; past it the least recently used room with
    nobody online is forgotten, and a join to a new room is refused if every room is in
    use); ``max_text``: characters of a post kept (default 2000; longer is cut);
    ``clock``: seconds since the epoch (default :func:`time.time`).
    """

    def __init__(
        self,
        *,
        history: int = 50,
        max_rooms: int = 10_000,
        max_text: int = 2000,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._history = history
        self._max_rooms = max_rooms
        self._max_text = max_text
        self._clock = clock
        self._rooms: "OrderedDict[str, _Room]" = OrderedDict()
        self._members: Dict[Tuple[str, str], Set[str]] = {}  # (session, room) -> users
        self._joined: Dict[str, Set[str]] = {}  # session -> rooms

    def _room(self, name: str, create: bool) -> Optional[_Room]:
        room = self._rooms.get(name)
        if room is not None:
            self._rooms.move_to_end(name)
            return room
        if not create:
            return None
        if len(self._rooms) >= self._max_rooms:
            idle = next((n for n, r in self._rooms.items() if not +r.online and not +r.remote), None)
            if idle is None:
                return None
            del self._rooms[idle]
        room = self._rooms[name] = _Room(deque(maxlen=self._history))
        return room

    def online(self, name: str) -> List[str]:
        """Who is in the room, sorted (with those a relay announced from other servers)."""
        room = self._rooms.get(name)
        return sorted(+room.online + +room.remote) if room else []

    def join(self, session: str, user: str, name: str) -> Optional[Tuple[Event, Optional[Event]]]:
        """``session`` (any id unique per connection) joins room ``name`` as ``user``.

        Returns the history reply for the joining subscription and the announcement for
        ``/topic/<room>`` (None when the user was already in the room from another session,
        a second tab), or None if the name is not a valid room or no room is free.
        """
        room = self._room(name, create=True) if valid_room(name) else None
        if room is None:
            return None
        users = self._members.setdefault((session, name), set())
        self._joined.setdefault(session, set()).add(name)
        announce = None
        if user not in users:
            users.add(user)
            room.online[user] += 1
            if room.online[user] == 1:
                announce = {"type": "join", "user": user, "online": self.online(name)}
        history = {"type": "history", "posts": list(room.posts), "online": self.online(name)}
        return history, announce

    def post(self, session: str, user: str, name: str, text: str) -> Optional[Event]:
        """A post by ``user`` to room ``name``: the event for ``/topic/<room>``, or None if
        the room name is invalid, no room is free, or the text is empty. A session need not
        have joined to post (as with Spring, a SEND needs no subscription)."""
        post = self.stamp(user, name, text)
        return None if post is None else self.record(name, post)

    def stamp(self, user: str, name: str, text: str) -> Optional[Event]:
        """The post without its number and not kept (a relay numbers and keeps it when the
        broker sends it back, with :meth:`record`); None as for :meth:`post`."""
        text = text.strip()[: self._max_text]
        if not valid_room(name) or not text:
            return None
        return {"type": "post", "user": user, "text": text, "time": int(self._clock() * 1000)}

    def record(self, name: str, post: Event) -> Optional[Event]:
        """Keeps a stamped post in room ``name``'s history with the room's next number:
        the event to show, or None if the room is invalid or no room is free."""
        room = self._room(name, create=True) if valid_room(name) else None
        if room is None:
            return None
        event = {**post, "id": room.next_id}
        room.next_id += 1
        room.posts.append(event)
        return event

    def remote(self, name: str, event: Event) -> Optional[Event]:
        """A join or leave announced by another server (through a relay): counted in room
        ``name``'s online list, which the returned copy carries; None if it is not one."""
        room = self._room(name, create=True) if valid_room(name) else None
        user = event.get("user")
        if room is None or event.get("type") not in ("join", "leave") or not isinstance(user, str):
            return None
        if event["type"] == "join":
            room.remote[user] += 1
        elif room.remote[user] > 0:
            room.remote[user] -= 1
        return {"type": event["type"], "user": user, "online": self.online(name)}

    def leave(self, session: str, name: str) -> List[Event]:
        """``session`` leaves room ``name``: the announcements for ``/topic/<room>`` (one per
        user whose last session in the room this was)."""
        users = self._members.pop((session, name), set())
        rooms = self._joined.get(session)
        if rooms is not None:
            rooms.discard(name)
            if not rooms:
                del self._joined[session]
        room = self._rooms.get(name)
        events = []
        for user in sorted(users):
            if room is None:
                break
            room.online[user] -= 1
            if room.online[user] <= 0:
                del room.online[user]
                events.append({"type": "leave", "user": user, "online": self.online(name)})
        return events

    def leave_all(self, session: str) -> List[Tuple[str, Event]]:
        """``session`` is gone: ``(room, announcement)`` for every room it was in."""
        names = sorted(self._joined.get(session, ()))
        return [(n, e) for n in names for e in self.leave(session, n)]
