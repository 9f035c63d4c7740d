"""``wsproto.events``: what ``send()`` takes and ``events()`` yields.

Frozen dataclasses with wsproto's names, field order and defaults: construct them by
keyword or position, compare with ``==``; ``Ping.response()`` and
``CloseConnection.response()`` build the reply the application sends.
"""

from __future__ import annotations

from abc import ABC
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Generic, List, Optional, Sequence, TypeVar, Union

from .typing import Headers

if TYPE_CHECKING:
    from .extensions import Extension


class Event(ABC):
    """Base class of every event."""


@dataclass(frozen=True)
class Request(Event):
    """The opening handshake's request: a client sends it, a server receives it.

    A client passes ``Extension`` objects in ``extensions``; a server receives the offers as
    strings. ``extra_headers`` received by a server hold every header with a lower-cased
    name except ``host``, ``sec-websocket-extensions`` and ``sec-websocket-protocol``.
    """

    host: str
    target: str
    extensions: Union[Sequence[Extension], Sequence[str]] = field(default_factory=list)
    extra_headers: Headers = field(default_factory=list)
    subprotocols: List[str] = field(default_factory=list)


@dataclass(frozen=True)
class AcceptConnection(Event):
    """The handshake succeeded: a server sends it, a client receives it."""

    subprotocol: Optional[str] = None
    extensions: List[Extension] = field(default_factory=list)
    extra_headers: Headers = field(default_factory=list)


@dataclass(frozen=True)
class RejectConnection(Event):
    """The handshake was refused with an HTTP status; a body follows as ``RejectData``
    events when ``has_body``."""

    status_code: int = 400
    headers: Headers = field(default_factory=list)
    has_body: bool = False


@dataclass(frozen=True)
class RejectData(Event):
    """A piece of a refusal's body; ``body_finished`` on the last one."""

    data: bytes
    body_finished: bool = True


@dataclass(frozen=True)
class CloseConnection(Event):
    """A close frame (sent or received), or the transport's end (code 1006)."""

    code: int
    reason: Optional[str] = None

    def response(self) -> CloseConnection:
        """The close frame that answers this one: the same code and reason."""
        return CloseConnection(code=self.code, reason=self.reason)


T = TypeVar("T", bytes, str)


@dataclass(frozen=True)
class Message(Event, Generic[T]):
    """Data: a whole message, or a piece of one. Sent as text if ``data`` is a ``str``,
    as binary if it is bytes-like; ``message_finished=False`` sends a fragment."""

    data: T
    frame_finished: bool = True
    message_finished: bool = True


@dataclass(frozen=True)
class TextMessage(Message[str]):  # pylint: disable=unsubscriptable-object
    """Text data."""

    data: str


@dataclass(frozen=True)
class BytesMessage(Message[bytes]):  # pylint: disable=unsubscriptable-object
    """Binary data (``bytes`` when received)."""

    data: bytes


@dataclass(frozen=True)
class Ping(Event):
    """A ping; answer it with ``send(event.response())``."""

    payload: bytes = b""

    def response(self) -> Pong:
        """The pong that answers this ping."""
        return Pong(payload=self.payload)


@dataclass(frozen=True)
class Pong(Event):
    """A pong."""

    payload: bytes = b""


__all__ = [
    "AcceptConnection",
    "BytesMessage",
    "CloseConnection",
    "Event",
    "Message",
    "Ping",
    "Pong",
    "RejectConnection",
    "RejectData",
    "Request",
    "TextMessage",
]
