"""``wsproto.events``: what ``send()`` takes and ``events()`` yields.

wsproto's classes, names, field order and defaults: construct them by keyword or position,
compare them with ``==`` (same class, same fields), hash them, read their fields; fields
are read-only, as in wsproto's frozen dataclasses. ``Ping.response()`` and
``CloseConnection.response()`` build the reply the application sends. The classes use
``__slots__`` (they are built once per message received or sent, several times faster than
frozen dataclasses); ``dataclasses.fields()``/``replace()`` do not apply to them. The data
events' fields live in a native base class (``_core.MessageFields``): building a
``TextMessage`` or ``BytesMessage`` runs no Python code, and the connection makes them
natively.
"""

from __future__ import annotations

from abc import ABC
from operator import attrgetter
from typing import (
    TYPE_CHECKING,
    Any,
    Generic,
    Iterator,
    List,
    Optional,
    Sequence,
    Tuple,
    TypeVar,
    Union,
)

from .. import _core
from .typing import Headers

if TYPE_CHECKING:
    from .extensions import Extension

E = TypeVar("E", bound="Event")


class Event(ABC):
    """Base class of every event."""

    __slots__ = ()
    _fields: Tuple[str, ...] = ()

    def _values(self) -> Iterator[Any]:
        return (getattr(self, f) for f in self._fields)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return tuple(self._values()) == tuple(other._values())

    def __hash__(self) -> int:
        return hash((self.__class__, *self._values()))

    def __repr__(self) -> str:
        fields = ", ".join(f"{f}={getattr(self, f)!r}" for f in self._fields)
        return f"{self.__class__.__name__}({fields})"

    def __reduce__(self) -> Tuple[Any, ...]:
        return (self.__class__, tuple(self._values()))


class Request(Event):
    """The opening handshake's request: a client sends it, a server receives it.

    A client passes ``Extension`` objects in ``extensions``; a server receives the offers as
    strings. ``extra_headers`` received by a server hold every header with a lower-cased
    name except ``host``, ``sec-websocket-extensions`` and ``sec-websocket-protocol``.
    """

    __slots__ = ("_host", "_target", "_extensions", "_extra_headers", "_subprotocols")
    __match_args__ = ("host", "target", "extensions", "extra_headers", "subprotocols")
    _fields = __match_args__

    def __init__(
        self,
        host: str,
        target: str,
        extensions: Union[Sequence[Extension], Sequence[str], None] = None,
        extra_headers: Optional[Headers] = None,
        subprotocols: Optional[List[str]] = None,
    ) -> None:
        self._host = host
        self._target = target
        self._extensions = [] if extensions is None else extensions
        self._extra_headers = [] if extra_headers is None else extra_headers
        self._subprotocols = [] if subprotocols is None else subprotocols

    @property
    def host(self) -> str:
        return self._host

    @property
    def target(self) -> str:
        return self._target

    @property
    def extensions(self) -> Union[Sequence[Extension], Sequence[str]]:
        return self._extensions

    @property
    def extra_headers(self) -> Headers:
        return self._extra_headers

    @property
    def subprotocols(self) -> List[str]:
        return self._subprotocols


class AcceptConnection(Event):
    """The handshake succeeded: a server sends it, a client receives it."""

    __slots__ = ("_subprotocol", "_extensions", "_extra_headers")
    __match_args__ = ("subprotocol", "extensions", "extra_headers")
    _fields = __match_args__

    def __init__(
        self,
        subprotocol: Optional[str] = None,
        extensions: Optional[List[Extension]] = None,
        extra_headers: Optional[Headers] = None,
    ) -> None:
        self._subprotocol = subprotocol
        self._extensions = [] if extensions is None else extensions
        self._extra_headers = [] if extra_headers is None else extra_headers

    @property
    def subprotocol(self) -> Optional[str]:
        return self._subprotocol

    @property
    def extensions(self) -> List[Extension]:
        return self._extensions

    @property
    def extra_headers(self) -> Headers:
        return self._extra_headers


class RejectConnection(Event):
    """The handshake was refused with an HTTP status; a body follows as ``RejectData``
    events when ``has_body``."""

    __slots__ = ("_status_code", "_headers", "_has_body")
    __match_args__ = ("status_code", "headers", "has_body")
    _fields = __match_args__

    def __init__(
        self, status_code: int = 400, headers: Optional[Headers] = None, has_body: bool = False
    ) -> None:
        self._status_code = status_code
        self._headers = [] if headers is None else headers
        self._has_body = has_body

    @property
    def status_code(self) -> int:
        return self._status_code

    @property
    def headers(self) -> Headers:
        return self._headers

    @property
    def has_body(self) -> bool:
        return self._has_body


class RejectData(Event):
    """A piece of a refusal's body; ``body_finished`` on the last one."""

    __slots__ = ("_data", "_body_finished")
    __match_args__ = ("data", "body_finished")
    _fields = __match_args__

    def __init__(self, data: bytes, body_finished: bool = True) -> None:
        self._data = data
        self._body_finished = body_finished

    @property
    def data(self) -> bytes:
        return self._data

    @property
    def body_finished(self) -> bool:
        return self._body_finished


class CloseConnection(Event):
    """A close frame (sent or received), or the transport's end (code 1006)."""

    __slots__ = ("_code", "_reason")
    __match_args__ = ("code", "reason")
    _fields = __match_args__

    def __init__(self, code: int, reason: Optional[str] = None) -> None:
        self._code = code
        self._reason = reason

    def response(self) -> CloseConnection:
        """The close frame that answers this one: the same code and reason."""
        return CloseConnection(self._code, self._reason)

    @property
    def code(self) -> int:
        return self._code

    @property
    def reason(self) -> Optional[str]:
        return self._reason


T = TypeVar("T", bytes, str)


class Message(Event, _core.MessageFields, Generic[T]):
    """Data: a whole message, or a piece of one. Sent as text if ``data`` is a ``str``,
    as binary if it is bytes-like; ``message_finished=False`` sends a fragment.

    ``Message(data, frame_finished=True, message_finished=True)``; the flags are stored as
    ``bool``. The fields live in native code (``_core.MessageFields``): building a message
    runs no Python code.
    """

    __slots__ = ()
    __match_args__ = ("data", "frame_finished", "message_finished")
    _fields = __match_args__

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # The native ``__new__`` takes ``Message``'s arguments; a subclass with an
        # ``__init__`` of its own takes others, and sets the fields with
        # ``super().__init__(...)``.
        if "__init__" in cls.__dict__ and "__new__" not in cls.__dict__:
            cls.__new__ = staticmethod(_new_any_arguments)  # type: ignore[method-assign]

    if TYPE_CHECKING:

        def __init__(
            self, data: T, frame_finished: bool = True, message_finished: bool = True
        ) -> None: ...

        @property
        def data(self) -> T: ...

        @property
        def frame_finished(self) -> bool: ...

        @property
        def message_finished(self) -> bool: ...


def _new_any_arguments(cls: Any, *_args: Any, **_kwargs: Any) -> Any:
    """``__new__`` of a ``Message`` subclass with its own ``__init__``: a message of no data
    yet (its ``__init__`` sets the fields)."""
    return _core.MessageFields.__new__(cls, None)


class TextMessage(Message[str]):  # pylint: disable=unsubscriptable-object
    """Text data."""

    __slots__ = ()


class BytesMessage(Message[bytes]):  # pylint: disable=unsubscriptable-object
    """Binary data (``bytes`` when received)."""

    __slots__ = ()


class Ping(Event):
    """A ping; answer it with ``send(event.response())``."""

    __slots__ = ("_payload",)
    __match_args__ = ("payload",)
    _fields = __match_args__

    def __init__(self, payload: bytes = b"") -> None:
        self._payload = payload

    def response(self) -> Pong:
        """The pong that answers this ping."""
        return Pong(self._payload)

    @property
    def payload(self) -> bytes:
        return self._payload


class Pong(Event):
    """A pong."""

    __slots__ = ("_payload",)
    __match_args__ = ("payload",)
    _fields = __match_args__

    def __init__(self, payload: bytes = b"") -> None:
        self._payload = payload

    @property
    def payload(self) -> bytes:
        return self._payload



def _fast_fields() -> None:
    # The properties above document and type the fields; at run time the same read-only
    # properties read the slot through a C getter (no Python frame per field read).
    for cls in (Request, AcceptConnection, RejectConnection, RejectData, CloseConnection, Ping, Pong):
        for name in cls._fields:
            setattr(cls, name, property(attrgetter("_" + name), doc=f"The event's ``{name}``."))


_fast_fields()

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
