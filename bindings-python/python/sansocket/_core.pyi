"""Type stubs for the native module (hand-written; checked by ``python -m mypy.stubtest``)."""

import asyncio
from collections.abc import Callable, Iterable, Iterator
from typing import Any, ClassVar, List, Literal, Optional, Protocol, Sequence, Tuple, Union, final, overload

from typing_extensions import Self, TypedDict, Unpack, disjoint_base

__all__ = [
    "__version__",
    "ConnectionState",
    "Connection",
    "ServerConnection",
    "ClientConnection",
    "Events",
    "ReadBuffer",
    "_Host",
    "Request",
    "AcceptConnection",
    "RejectConnection",
    "TextMessage",
    "BytesMessage",
    "Ping",
    "Pong",
    "CloseConnection",
    "MessageFields",
    "wsproto_events",
    "wsproto_receive",
    "wsproto_send",
    "wsproto_send_whole",
    "wsproto_message_classes",
    "WsprotoConnection",
    "wsproto_open_state",
    "WebSocketError",
    "LocalProtocolError",
    "RemoteProtocolError",
    "HandshakeError",
    "ProxyError",
    "ProxyConnect",
    "ProxyConnected",
    "ProxyRejected",
]

__version__: str

_Header = Tuple[bytes, bytes]
_HeaderIn = Tuple[Union[str, bytes], Union[str, bytes]]
_BytesLike = Union[bytes, bytearray, memoryview]

class _Transport(Protocol):
    """What ``Connection.write_to`` calls: an ``asyncio.Transport`` has these."""

    def is_closing(self) -> bool: ...
    def write(self, data: bytes, /) -> object: ...
    def writelines(self, list_of_data: Sequence[bytes], /) -> object: ...

class _DeflateOptions(TypedDict, total=False):
    max_window_bits: int
    no_context_takeover: bool
    request_peer_no_context_takeover: bool
    level: int
    min_size: int
    low_memory: bool

class _Options(TypedDict, total=False):
    max_message_size: Optional[int]
    max_frame_size: Optional[int]
    max_fragments: Optional[int]
    max_handshake_size: Optional[int]
    max_headers: Optional[int]
    max_rejection_body: Optional[int]
    auto_pong: bool
    auto_close_reply: bool
    delivery: Literal["messages", "chunks"]
    deflate: Union[bool, None, _DeflateOptions]

class _DeflateParams(TypedDict, total=False):
    server_no_context_takeover: bool
    client_no_context_takeover: bool
    server_max_window_bits: Optional[int]
    client_max_window_bits: Optional[int]

class _ServerOptions(_Options, total=False):
    allowed_origins: Optional[Iterable[str]]
    require_origin: bool
    plain_http: bool

class WebSocketError(Exception):
    """Base class of every error sansocket raises."""

class LocalProtocolError(WebSocketError):
    """The application asked for something the state or role does not allow."""

    kind: str

class RemoteProtocolError(WebSocketError):
    """The peer broke RFC 6455, or closed the transport without a close frame."""

    code: int
    kind: str

class HandshakeError(WebSocketError):
    """The opening handshake failed."""

    status_code: Optional[int]
    kind: str

@final
class ConnectionState:
    """Where a connection is in its life."""

    CONNECTING: ClassVar[ConnectionState]
    OPEN: ClassVar[ConnectionState]
    CLOSING: ClassVar[ConnectionState]
    CLOSED: ClassVar[ConnectionState]
    def __int__(self) -> int: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class Request:
    """Server: a client's valid upgrade request."""

    __match_args__: ClassVar[tuple[str, ...]]
    @property
    def target(self) -> str: ...
    @property
    def host(self) -> str: ...
    @property
    def origin(self) -> Optional[str]: ...
    @property
    def subprotocols(self) -> tuple[str, ...]: ...
    @property
    def extensions(self) -> tuple[str, ...]: ...
    @property
    def headers(self) -> tuple[_Header, ...]: ...
    @property
    def path(self) -> str: ...
    @property
    def query(self) -> Optional[str]: ...
    @property
    def is_upgrade(self) -> bool: ...
    def __new__(
        cls,
        target: str,
        host: str,
        origin: Optional[str] = None,
        subprotocols: Optional[Iterable[str]] = None,
        extensions: Optional[Iterable[str]] = None,
        headers: Optional[Iterable[_Header]] = None,
    ) -> Request: ...
    def select_subprotocol(self, preferences: Iterable[str]) -> Optional[str]: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class AcceptConnection:
    """Client: the server accepted the upgrade; the connection is open."""

    __match_args__: ClassVar[tuple[str, ...]]
    @property
    def subprotocol(self) -> Optional[str]: ...
    @property
    def extensions(self) -> tuple[str, ...]: ...
    @property
    def headers(self) -> tuple[_Header, ...]: ...
    def __new__(
        cls,
        subprotocol: Optional[str] = None,
        extensions: Optional[Iterable[str]] = None,
        headers: Optional[Iterable[_Header]] = None,
    ) -> AcceptConnection: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class RejectConnection:
    """Client: the server refused the upgrade."""

    __match_args__: ClassVar[tuple[str, ...]]
    @property
    def status_code(self) -> int: ...
    @property
    def reason(self) -> str: ...
    @property
    def headers(self) -> tuple[_Header, ...]: ...
    @property
    def body(self) -> bytes: ...
    def __new__(
        cls,
        status_code: int,
        reason: str = ...,
        headers: Optional[Iterable[_Header]] = None,
        body: Optional[bytes] = None,
    ) -> RejectConnection: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class TextMessage:
    """A text message (or a piece of one with ``delivery='chunks'``)."""

    __match_args__: ClassVar[tuple[str, ...]]
    @property
    def data(self) -> str: ...
    @property
    def message_finished(self) -> bool: ...
    def __new__(cls, data: str, message_finished: bool = True) -> TextMessage: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class BytesMessage:
    """A binary message (or a piece of one with ``delivery='chunks'``)."""

    __match_args__: ClassVar[tuple[str, ...]]
    @property
    def data(self) -> bytes: ...
    @property
    def message_finished(self) -> bool: ...
    def __new__(cls, data: bytes, message_finished: bool = True) -> BytesMessage: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class Ping:
    """The peer sent a ping (already answered with ``auto_pong``)."""

    __match_args__: ClassVar[tuple[str, ...]]
    @property
    def payload(self) -> bytes: ...
    def __new__(cls, payload: Optional[bytes] = None) -> Ping: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class Pong:
    """The peer sent a pong."""

    __match_args__: ClassVar[tuple[str, ...]]
    @property
    def payload(self) -> bytes: ...
    def __new__(cls, payload: Optional[bytes] = None) -> Pong: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class CloseConnection:
    """The peer sent a close frame; the reply is already queued."""

    __match_args__: ClassVar[tuple[str, ...]]
    @property
    def code(self) -> int: ...
    @property
    def reason(self) -> str: ...
    def __new__(cls, code: int, reason: str = ...) -> CloseConnection: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@disjoint_base
class MessageFields:
    """The fields of ``sansocket.wsproto``'s data events (a base class: use
    ``sansocket.wsproto.events.TextMessage`` / ``BytesMessage``)."""

    def __new__(
        cls, data: object, frame_finished: object = True, message_finished: object = True
    ) -> MessageFields: ...
    def __init__(
        self, data: object, frame_finished: object = True, message_finished: object = True
    ) -> None: ...
    @property
    def data(self) -> object: ...
    @property
    def frame_finished(self) -> bool: ...
    @property
    def message_finished(self) -> bool: ...

@disjoint_base
class WsprotoConnection:
    """The base of ``sansocket.wsproto.connection.Connection`` (use that class): its
    ``_engine``, ``_state`` and ``_fragment`` attributes (None until set), and ``send``."""

    _engine: Any
    _state: Any
    _fragment: Optional[str]
    def __new__(cls, *args: Any, **kwargs: Any) -> Self: ...
    def send(self, event: Any) -> bytes:
        """The bytes of ``event`` to write to the transport (a whole message natively,
        any other event through ``self._send_general(event)``)."""

def wsproto_open_state(open: object) -> None:
    """Names ``sansocket.wsproto``'s ``ConnectionState.OPEN`` for ``WsprotoConnection.send``
    (the first call only)."""

def wsproto_events(
    conn: Connection, text_cls: type, bytes_cls: type, out: List[Any]
) -> Optional[object]:
    """``sansocket.wsproto``'s decoder: appends the data events available on ``conn`` to
    ``out`` as ``text_cls(data, fin, fin)`` / ``bytes_cls(data, fin, fin)`` objects; returns
    the first other event (the engine's object), or None when no more input is buffered."""

def wsproto_receive(
    conn: Connection, data: _BytesLike, text_cls: type, bytes_cls: type, out: List[Any]
) -> Optional[object]:
    """``sansocket.wsproto``'s ``receive_data``: appends the whole messages of ``data`` to
    ``out`` as ``text_cls(data)`` / ``bytes_cls(data)`` objects (flags true by default),
    made straight from the read (and the last piece of a frame the engine had begun, as
    ``wsproto_events`` does), and hands the rest to the engine (decode it with
    ``wsproto_events``); returns another event the engine decoded, or None. Only when every
    event decoded before was handed out."""

def wsproto_send(conn: Connection, data: Union[str, _BytesLike]) -> bytes:
    """``sansocket.wsproto``'s send of a whole message: queues ``data`` as a text (``str``)
    or binary message and returns everything queued for the transport."""

def wsproto_message_classes(message: type, text: type, binary: type) -> None:
    """Names ``sansocket.wsproto``'s own message classes for ``wsproto_send_whole`` (the
    first call only)."""

def wsproto_send_whole(conn: Connection, event: object) -> Optional[bytes]:
    """``sansocket.wsproto``'s send on an open connection with no fragmented message under
    way: a whole message of one of the classes given to ``wsproto_message_classes`` (not a
    subclass) with ``str`` or ``bytes`` data is sent as ``wsproto_send`` does and its bytes
    returned; anything else gives None, nothing done."""

_Event = Union[
    Request,
    AcceptConnection,
    RejectConnection,
    TextMessage,
    BytesMessage,
    Ping,
    Pong,
    CloseConnection,
]

@final
class Events:
    """The iterator ``Connection.events()`` returns."""

    def __iter__(self) -> Events: ...
    def __next__(self) -> _Event: ...

@final
class ReadBuffer:
    """The engine's receive buffer, lent for one read (``Connection.get_buffer``)."""

    def __len__(self) -> int: ...
    def __getitem__(self, key: Union[int, slice], /) -> Union[int, memoryview]: ...

@disjoint_base
class _Host:
    """The native read path of ``sansocket.asyncio.WebSocket`` (its base class)."""

    def __new__(
        cls,
        conn: Connection,
        *args: Any,
        on_message: Optional[Callable[[Any, Union[str, bytes]], object]] = None,
        **kwargs: Any,
    ) -> Self: ...
    @property
    def _conn(self) -> Connection: ...
    @property
    def _on_message(self) -> Optional[Callable[[Any, Union[str, bytes]], object]]: ...
    _transport: Optional[asyncio.Transport]
    _closing: bool
    @property
    def _in_read(self) -> bool: ...
    def buffer_updated(self, nbytes: int) -> None: ...
    def data_received(self, data: _BytesLike) -> None: ...
    def _dispatch(self, data: Optional[_BytesLike] = None) -> None: ...
    def send_nowait(self, message: Union[str, _BytesLike]) -> None: ...

@disjoint_base
class Connection:
    """A WebSocket connection with no IO of its own."""

    def receive_data(self, data: _BytesLike) -> None: ...
    def receive_eof(self) -> None: ...
    def events(self) -> Events: ...
    def next_event(self) -> Optional[_Event]: ...
    def data_to_send(self) -> bytes: ...
    def data_to_send_list(self) -> List[bytes]: ...
    @overload
    def receive_messages(
        self,
        data: Optional[_BytesLike] = None,
        max_messages: int = 1,
        defer_errors: Literal[False] = False,
    ) -> List[Union[str, bytes, _Event]]: ...
    @overload
    def receive_messages(
        self, data: Optional[_BytesLike], max_messages: int, defer_errors: bool
    ) -> List[Union[str, bytes, _Event, None]]: ...
    def write_to(self, transport: _Transport) -> bool: ...
    def get_buffer(self, sizehint: int = ...) -> ReadBuffer: ...
    def buffer_updated(self, nbytes: int) -> None: ...
    def send_text(self, data: str) -> None: ...
    def send_binary(self, data: _BytesLike) -> None: ...
    def send_fragment(
        self, kind: Literal["text", "binary"], data: Union[str, _BytesLike], fin: bool
    ) -> None: ...
    def ping(self, payload: Optional[_BytesLike] = None) -> None: ...
    def pong(self, payload: Optional[_BytesLike] = None) -> None: ...
    def close(self, code: int = 1000, reason: str = "") -> None: ...
    @property
    def state(self) -> ConnectionState: ...
    @property
    def subprotocol(self) -> Optional[str]: ...
    @property
    def should_close_transport(self) -> bool: ...
    @property
    def buffered_amount(self) -> int: ...
    @property
    def buffered_input(self) -> int: ...

@final
class ServerConnection(Connection):
    """The server role."""

    def __new__(cls, **options: Unpack[_ServerOptions]) -> ServerConnection: ...
    @staticmethod
    def opened(
        subprotocol: Optional[str] = None,
        *,
        deflate_params: Optional[_DeflateParams] = None,
        **options: Unpack[_ServerOptions],
    ) -> ServerConnection: ...
    def accept(
        self,
        subprotocol: Optional[str] = None,
        extra_headers: Optional[Iterable[_HeaderIn]] = None,
        *,
        deflate: bool = True,
    ) -> None: ...
    def reject(
        self,
        status_code: int = 400,
        headers: Optional[Iterable[_HeaderIn]] = None,
        body: Optional[_BytesLike] = None,
    ) -> None: ...

@final
class ClientConnection(Connection):
    """The client role."""

    def __new__(
        cls,
        host: str,
        target: str = "/",
        *,
        subprotocols: Optional[Iterable[str]] = None,
        origin: Optional[str] = None,
        extensions: Optional[Iterable[str]] = None,
        extra_headers: Optional[Iterable[_HeaderIn]] = None,
        insecure_seed: Optional[int] = None,
        **options: Unpack[_Options],
    ) -> ClientConnection: ...
    @staticmethod
    def opened(
        subprotocol: Optional[str] = None,
        *,
        deflate_params: Optional[_DeflateParams] = None,
        insecure_seed: Optional[int] = None,
        **options: Unpack[_Options],
    ) -> ClientConnection: ...

class ProxyError(WebSocketError):
    """An HTTP proxy's answer to ``CONNECT`` could not be used."""

    kind: str

@final
class ProxyConnected:
    """The proxy answered 2xx: the socket is a tunnel to the target."""

    @property
    def rest(self) -> bytes: ...

@final
class ProxyRejected:
    """The proxy refused the tunnel."""

    @property
    def status_code(self) -> int: ...
    @property
    def reason(self) -> str: ...
    @property
    def headers(self) -> List[Tuple[str, str]]: ...
    @property
    def body(self) -> bytes: ...

@final
class ProxyConnect:
    """The client side of an HTTP ``CONNECT`` tunnel, sans-IO."""

    def __new__(
        cls,
        host: str,
        port: int,
        *,
        username: Optional[str] = None,
        password: Optional[str] = None,
        headers: Optional[Iterable[_HeaderIn]] = None,
    ) -> ProxyConnect: ...
    def data_to_send(self) -> bytes: ...
    def receive_data(self, data: _BytesLike) -> Optional[Union[ProxyConnected, ProxyRejected]]: ...
    def receive_eof(self) -> Union[ProxyConnected, ProxyRejected]: ...
