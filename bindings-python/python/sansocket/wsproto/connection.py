"""``wsproto.connection``: the frame layer of an open connection, on sansocket's engine.

wsproto's semantics: every byte comes out of ``send(event)``; pings and close frames are
answered only when the application sends ``event.response()``; a protocol error arrives
as a ``CloseConnection`` event (the state stays ``OPEN``; the close frame leaves with the
application's next ``send(CloseConnection(...))``); data arrives as it is received, in
``Message`` pieces (``message_finished`` on the last; a compressed message is inflated at
most 64 KiB per event).
"""

from __future__ import annotations

from collections import deque
from enum import Enum
from typing import Any, Deque, Dict, Generator, List, Optional, Sequence, Union

from .. import _core
from .events import (
    BytesMessage,
    CloseConnection,
    Event,
    Message,
    Ping,
    Pong,
    TextMessage,
)
from .extensions import Extension, PerMessageDeflate
from .frame_protocol import CloseReason
from .utilities import LocalProtocolError


class ConnectionState(Enum):
    """Where a connection is in its life (wsproto's six states)."""

    CONNECTING = 0
    OPEN = 1
    REMOTE_CLOSING = 2
    LOCAL_CLOSING = 3
    CLOSED = 4
    REJECTING = 5


class ConnectionType(Enum):
    """Which end of the connection this is."""

    CLIENT = 1
    SERVER = 2


CLIENT = ConnectionType.CLIENT
SERVER = ConnectionType.SERVER

#: Engine options that give wsproto's behaviour: no automatic pong or close reply, data
#: streamed as it arrives, and no size limits unless the application sets them.
ENGINE_OPTIONS: Dict[str, Any] = {
    "auto_pong": False,
    "auto_close_reply": False,
    "delivery": "chunks",
    "max_message_size": None,
    "max_frame_size": None,
    "max_fragments": None,
}

_CODES = {int(c): c for c in CloseReason}
_MAX_REASON = 123

_OPEN = ConnectionState.OPEN
_decode = _core.wsproto_events
_receive_whole = _core.wsproto_receive
_core.wsproto_message_classes(Message, TextMessage, BytesMessage)
_core.wsproto_open_state(_OPEN)


def _code(code: int) -> int:
    """A received close code: a ``CloseReason`` member when it has one."""
    return _CODES.get(code, code)


def _truncate(reason: str) -> str:
    """The reason cut to 123 bytes of UTF-8 at a character boundary."""
    data = reason.encode("utf-8")
    if len(data) <= _MAX_REASON:
        return reason
    return data[:_MAX_REASON].decode("utf-8", "ignore")


def _engine_options(limits: Dict[str, Any]) -> Dict[str, Any]:
    options = dict(ENGINE_OPTIONS)
    options.update(limits)
    return options


class Connection(_core.WsprotoConnection):
    """An open WebSocket connection (the handshake was done elsewhere: by
    ``WSConnection``, by an HTTP server, or over HTTP/2 as in RFC 8441).

    ``extensions``: those whose ``enabled()`` is true are used (permessage-deflate with its
    negotiated parameters). ``trailing_data``: bytes read after the handshake, decoded at
    once. Keyword-only ``limits`` are sansocket options (``max_message_size``,
    ``max_frame_size``, ``max_fragments``...): none by default, as in wsproto.

    ``send(event)`` (from the native base) returns the bytes of ``event`` (a message, ping,
    pong or close) to write to the transport; it raises ``LocalProtocolError`` if the state
    does not allow it, ``ValueError`` for a control payload over 125 bytes, ``TypeError``
    for data of another type than the message's first fragment. A whole message of this
    package's own classes with ``str`` or ``bytes`` data, on an open connection, is sent
    natively; every other event by ``_send_general``.
    """

    _engine: _core.Connection
    _state: ConnectionState
    _fragment: Optional[str]

    def __init__(
        self,
        connection_type: ConnectionType,
        extensions: Optional[Sequence[Extension]] = None,
        trailing_data: bytes = b"",
        **limits: Any,
    ) -> None:
        params: Any = None
        for ext in extensions or ():
            if isinstance(ext, PerMessageDeflate) and ext.enabled():
                params = ext.engine_params()
        options = _engine_options(limits)
        if params is not None:
            options["deflate"] = True
        engine: _core.Connection
        if connection_type is ConnectionType.CLIENT:
            engine = _core.ClientConnection.opened(deflate_params=params, **options)
        else:
            engine = _core.ServerConnection.opened(deflate_params=params, **options)
        self._attach(connection_type, engine, extensions)
        if trailing_data:
            self.receive_data(trailing_data)

    def _attach(
        self,
        connection_type: ConnectionType,
        engine: _core.Connection,
        extensions: Optional[Sequence[Extension]],
    ) -> None:
        self.client = connection_type is ConnectionType.CLIENT
        self._engine = engine
        self._extensions = [e for e in extensions or () if e.enabled()]
        self._state = ConnectionState.OPEN
        self._events: Deque[Event] = deque()
        self._fragment = None  # the kind of the message being sent
        self._failed = False  # the peer broke the protocol: nothing more is decoded
        # An event decoded after a batch of data events, yielded once they are.
        self._pending: Any = None
        self._batch: List[Event] = []  # made by receive_data, then queued

    @classmethod
    def _from_engine(
        cls,
        connection_type: ConnectionType,
        engine: _core.Connection,
        extensions: Optional[Sequence[Extension]],
    ) -> Connection:
        conn = cls.__new__(cls)
        conn._attach(connection_type, engine, extensions)
        return conn

    @property
    def state(self) -> ConnectionState:
        """The connection's state."""
        return self._state

    def _send_general(self, event: Event) -> bytes:
        """``send`` (the native base's) for every event it does not send itself."""
        try:
            return self._send(event)
        except _core.LocalProtocolError as err:
            # The engine refuses (its connection failed on the peer's protocol error, or the
            # transport ended): wsproto's exception type.
            raise LocalProtocolError(str(err)) from None

    def _send(self, event: Event) -> bytes:
        engine = self._engine
        state = self._state
        if isinstance(event, Message) and state is _OPEN:
            data = event.data
            if isinstance(data, str):
                kind = "text"
            elif isinstance(data, (bytes, bytearray, memoryview)):
                kind = "binary"
            else:
                raise TypeError(f"Data must be bytes or str, not {type(data).__name__}")
            started = self._fragment
            if started is None and event.message_finished:
                if isinstance(data, str):
                    engine.send_text(data)
                else:
                    engine.send_binary(data)
                return engine.data_to_send()
            if started is not None and started != kind:
                raise TypeError("Data type mismatch inside a fragmented message")
            engine.send_fragment(
                "text" if kind == "text" else "binary", data, event.message_finished
            )
            self._fragment = None if event.message_finished else kind
        elif isinstance(event, (Ping, Pong)) and state is _OPEN:
            if len(event.payload) > 125:
                raise ValueError("control frame payloads must be at most 125 bytes")
            if isinstance(event, Ping):
                engine.ping(event.payload)
            else:
                engine.pong(event.payload)
        elif isinstance(event, CloseConnection) and state in (
            _OPEN,
            ConnectionState.REMOTE_CLOSING,
        ):
            self._close(event)
            self._state = (
                ConnectionState.LOCAL_CLOSING if state is _OPEN else ConnectionState.CLOSED
            )
        else:
            raise LocalProtocolError(f"Event {event} cannot be sent in state {state}.")
        return engine.data_to_send()

    def _close(self, event: CloseConnection) -> None:
        code: Optional[int] = event.code
        reason = event.reason
        if code is CloseReason.NO_STATUS_RCVD:
            code = None
        if code is None:
            if reason:
                raise TypeError("cannot specify a reason without a code")
            code = 1005
        elif code in (1005, 1006, 1015) or not _core_accepts(code):
            # Local-only codes (and codes RFC 6455 §7.4 does not allow on the wire) are
            # sent as a normal closure.
            code = 1000
        try:
            self._engine.close(code, _truncate(reason or "") if code != 1005 else "")
        except _core.LocalProtocolError:
            # The engine's connection is already over (the peer's EOF): nothing to send.
            pass

    def receive_data(self, data: Optional[bytes]) -> None:
        """Bytes read from the transport; ``None`` when the peer closed it (a
        ``CloseConnection(1006)`` event follows)."""
        if data is None:
            self._engine.receive_eof()
            # A control event decoded but not yet yielded goes with the transport.
            self._pending = None
            self._events.append(CloseConnection(code=CloseReason.ABNORMAL_CLOSURE))
            self._state = ConnectionState.CLOSED
            self._failed = True
            return
        state = self._state
        if state is _OPEN or state is ConnectionState.LOCAL_CLOSING:
            if self._pending is None and not self._failed:
                # Every event decoded so far is queued: the whole messages at the front of
                # the read are made straight from it, after them; the rest goes to the engine.
                batch = self._batch
                try:
                    self._pending = _receive_whole(
                        self._engine, data, TextMessage, BytesMessage, batch
                    )
                finally:
                    if batch:
                        self._events.extend(batch)
                        batch.clear()
            else:
                self._engine.receive_data(data)
        elif state is ConnectionState.CLOSED:
            raise LocalProtocolError("Connection already closed.")
        # REMOTE_CLOSING (and REJECTING): ignored, as in wsproto.

    def events(self) -> Generator[Event, None, None]:
        """The received events, decoded as they are asked for."""
        queued = self._events
        engine = self._engine
        batch: List[Event] = []
        ev: Any
        while True:
            while queued:
                yield queued.popleft()
            ev = self._pending
            if ev is None:
                if self._failed:
                    return
                # The data events come in batches, made natively, into the queue (those not
                # asked for yet stay for the next events()); the other event that ends a
                # batch (or the error) waits in _pending until the batch is out.
                try:
                    ev = _decode(engine, TextMessage, BytesMessage, batch)
                except _core.RemoteProtocolError as err:
                    ev = err
                if batch:
                    queued.extend(batch)
                    batch.clear()
                    self._pending = ev
                    continue
                if ev is None:
                    return
            else:
                self._pending = None
            t = type(ev)
            if t is _core.Ping:
                yield Ping(ev.payload)
            elif t is _core.Pong:
                yield Pong(ev.payload)
            elif t is _core.CloseConnection:
                code = ev.code
                close = CloseConnection(
                    CloseReason.NO_STATUS_RCVD if code == 1005 else _code(code), ev.reason
                )
                if self._state is ConnectionState.LOCAL_CLOSING:
                    self._state = ConnectionState.CLOSED
                else:
                    self._state = ConnectionState.REMOTE_CLOSING
                # Nothing after a close frame is decoded.
                self._failed = True
                yield close
                return
            elif isinstance(ev, _core.RemoteProtocolError):
                self._failed = True
                if ev.code == 1006:
                    # The engine saw the transport's end (receive_data(None) reports it).
                    return
                reason = str(ev).rsplit(" (close code", 1)[0]
                yield CloseConnection(_code(ev.code), reason)
                return

    def __repr__(self) -> str:
        return f"{type(self).__name__}(client={self.client}, state={self._state})"


def _core_accepts(code: int) -> bool:
    """Whether RFC 6455 §7.4 allows ``code`` in a close frame (as the engine checks)."""
    return 1000 <= code <= 1003 or 1007 <= code <= 1014 or 3000 <= code <= 4999


__all__ = [
    "CLIENT",
    "SERVER",
    "Connection",
    "ConnectionState",
    "ConnectionType",
]
