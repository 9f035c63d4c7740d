"""``wsproto.handshake``: the HTTP/1.1 opening handshake, on sansocket's engine.

The engine parses and checks the HTTP heads; this module shapes its results into wsproto's
events and errors: a server's bad request raises ``RemoteProtocolError`` from
``receive_data`` with the refusal to send in ``event_hint``; a refusal with a body is a
``RejectConnection`` followed by ``RejectData`` events.
"""

from __future__ import annotations

from collections import deque
from typing import Any, Deque, Dict, Generator, Iterable, List, Optional, Sequence, Union

from .. import _core
from .connection import Connection, ConnectionState, ConnectionType, _engine_options
from .events import (
    AcceptConnection,
    Event,
    RejectConnection,
    RejectData,
    Request,
)
from .extensions import Extension, PerMessageDeflate
from .typing import Headers
from .utilities import LocalProtocolError, RemoteProtocolError

#: The protocol version a client asks for (RFC 6455 §4.1).
WEBSOCKET_VERSION = b"13"
#: The ``Upgrade`` token.
WEBSOCKET_UPGRADE = b"websocket"

# wsproto's messages for the engine's handshake failures (`HandshakeError.kind`).
_MESSAGES = {
    "malformed": "Bad HTTP message",
    "head-too-large": "Bad HTTP message",
    "too-many-headers": "Bad HTTP message",
    "method-not-allowed": "Request method must be GET",
    "http-version": "Missing header, 'Host'",
    "invalid-host": "Missing header, 'Host'",
    "upgrade-required": "Missing header, 'Upgrade: websocket'",
    "invalid-upgrade": "Missing header, 'Upgrade: websocket'",
    "invalid-connection": "Missing header, 'Connection: Upgrade'",
    "unsupported-version": "Missing header, 'Sec-WebSocket-Version'",
    "invalid-key": "Missing header, 'Sec-WebSocket-Key'",
    "invalid-accept": "Bad accept token",
    "connection-closed": "Connection closed during the handshake",
}

# Headers a server's Request.extra_headers leaves out (they have their own fields).
_REQUEST_OWN = (b"host", b"sec-websocket-extensions", b"sec-websocket-protocol")
# Headers a client's AcceptConnection.extra_headers leaves out.
_ACCEPT_OWN = (
    b"connection",
    b"upgrade",
    b"sec-websocket-accept",
    b"sec-websocket-protocol",
    b"sec-websocket-extensions",
)


def _lower(headers: Iterable[Any], leave_out: Sequence[bytes]) -> Headers:
    out = []
    for name, value in headers:
        name = bytes(name).lower()
        if name not in leave_out:
            out.append((name, bytes(value)))
    return out


def _idna_encode(host: str) -> str:
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


def _idna_decode(host: str) -> str:
    try:
        return host.encode("ascii").decode("idna")
    except UnicodeError:
        return host


class H11Handshake:
    """The opening handshake of one connection, client or server.

    ``limits`` (keyword-only) are sansocket options passed on to the engine
    (``max_message_size``...); none by default.
    """

    def __init__(self, connection_type: ConnectionType, **limits: Any) -> None:
        self.client = connection_type is ConnectionType.CLIENT
        self._type = connection_type
        self._limits = limits
        self._state = ConnectionState.CONNECTING
        self._events: Deque[Event] = deque()
        self._connection: Optional[Connection] = None
        self._engine: Optional[_core.Connection] = None
        self._offered: List[Extension] = []  # client: what Request.extensions offered
        self._request: Optional[Request] = None  # server: the request being answered
        self._rejection: Optional[RejectConnection] = None
        self._body = bytearray()
        self._refused = False  # server: the engine already queued an HTTP error answer
        if not self.client:
            options = _engine_options(limits)
            options["deflate"] = True  # accepted or declined per AcceptConnection
            self._engine = _core.ServerConnection(**options)

    @property
    def state(self) -> ConnectionState:
        """The handshake's state (``OPEN`` once it succeeded)."""
        return self._state

    @property
    def connection(self) -> Optional[Connection]:
        """The ``Connection`` once the handshake succeeded, else None."""
        return self._connection

    def initiate_upgrade_connection(self, headers: Headers, path: Union[bytes, str]) -> None:
        """Server: feed an upgrade request that an HTTP server already parsed."""
        if self.client:
            raise LocalProtocolError("Cannot initiate an upgrade connection when acting as the client")
        target = path.encode("ascii") if isinstance(path, str) else bytes(path)
        head = bytearray(b"GET " + target + b" HTTP/1.1\r\n")
        for name, value in headers:
            head += bytes(name) + b": " + bytes(value) + b"\r\n"
        head += b"\r\n"
        self.receive_data(bytes(head))

    # ---- sending -------------------------------------------------------------------

    def send(self, event: Event) -> bytes:
        """The bytes of ``event`` (``Request`` for a client; ``AcceptConnection``,
        ``RejectConnection``, ``RejectData`` for a server)."""
        state = self._state
        if isinstance(event, Request) and self.client and state is ConnectionState.CONNECTING:
            if self._engine is not None:
                raise LocalProtocolError(f"Event {event} cannot be sent in state {state}.")
            return self._send_request(event)
        if not self.client and isinstance(event, AcceptConnection) and state is ConnectionState.CONNECTING:
            return self._accept(event)
        if not self.client and isinstance(event, RejectConnection) and state is ConnectionState.CONNECTING:
            return self._reject(event)
        if not self.client and isinstance(event, RejectData) and state is ConnectionState.REJECTING:
            self._body += event.data
            if not event.body_finished:
                return b""
            return self._finish_rejection()
        raise LocalProtocolError(f"Event {event} cannot be sent in state {state}.")

    def _send_request(self, event: Request) -> bytes:
        offers: List[str] = []
        deflate: Optional[Dict[str, Any]] = None
        self._offered = []
        for ext in event.extensions:
            if isinstance(ext, str):
                offers.append(ext)  # an offer written out (not an Extension object)
                continue
            if isinstance(ext, PerMessageDeflate):
                deflate = {
                    "max_window_bits": ext.client_max_window_bits,
                    "no_context_takeover": ext.client_no_context_takeover,
                    "request_peer_no_context_takeover": ext.server_no_context_takeover,
                }
                self._offered.append(ext)
                continue
            offer = ext.offer()
            if offer is True:
                offers.append(ext.name)
            elif offer:
                offers.append(f"{ext.name}; {offer}")
            else:
                continue
            self._offered.append(ext)
        options = _engine_options(self._limits)
        options["deflate"] = deflate
        self._engine = _core.ClientConnection(
            _idna_encode(event.host),
            event.target,
            subprotocols=list(event.subprotocols),
            extensions=offers,
            extra_headers=list(event.extra_headers),
            **options,
        )
        return self._engine.data_to_send()

    def _accept(self, event: AcceptConnection) -> bytes:
        request = self._request
        engine = self._engine
        if request is None or not isinstance(engine, _core.ServerConnection):
            raise LocalProtocolError(f"Event {event} cannot be sent in state {self._state}.")
        offers = [str(o) for o in request.extensions]
        deflate = False
        headers = list(event.extra_headers)
        others: List[Extension] = []
        for ext in event.extensions:
            if isinstance(ext, PerMessageDeflate):
                deflate = server_extensions_handshake(offers, [ext]) is not None
            else:
                others.append(ext)
        if others:
            value = server_extensions_handshake(offers, others)
            if value is not None:
                headers.append((b"Sec-WebSocket-Extensions", value))
        try:
            engine.accept(subprotocol=event.subprotocol, extra_headers=headers, deflate=deflate)
        except _core.LocalProtocolError as err:
            raise LocalProtocolError(str(err)) from None
        data = engine.data_to_send()
        self._open(event.extensions)
        return data

    def _reject(self, event: RejectConnection) -> bytes:
        if self._refused:
            # The engine already queued its answer to the bad request: that is the hint.
            self._state = ConnectionState.REJECTING if event.has_body else ConnectionState.CLOSED
            self._rejection = None
            return self._engine.data_to_send() if self._engine is not None else b""
        if self._request is None:
            raise LocalProtocolError(f"Event {event} cannot be sent in state {self._state}.")
        if event.has_body:
            self._rejection = event
            self._body = bytearray()
            self._state = ConnectionState.REJECTING
            return b""
        self._rejection = event
        self._body = bytearray()
        return self._finish_rejection()

    def _finish_rejection(self) -> bytes:
        self._state = ConnectionState.CLOSED
        rejection = self._rejection
        engine = self._engine
        if rejection is None or not isinstance(engine, _core.ServerConnection):
            return b""  # the engine's own answer was already sent
        framing = (b"content-length", b"transfer-encoding")
        headers = [(n, v) for n, v in rejection.headers if bytes(n).lower() not in framing]
        engine.reject(rejection.status_code, headers, bytes(self._body))
        return engine.data_to_send()

    def _open(self, extensions: Sequence[Extension]) -> None:
        assert self._engine is not None
        self._connection = Connection._from_engine(self._type, self._engine, extensions)
        self._state = ConnectionState.OPEN

    # ---- receiving -----------------------------------------------------------------

    def receive_data(self, data: Optional[bytes]) -> None:
        """Bytes read from the transport (``None`` at its end). Raises
        ``RemoteProtocolError`` if the peer's handshake is invalid."""
        engine = self._engine
        if engine is None:
            if data is None:
                return
            raise LocalProtocolError("The request has not been sent yet")
        if self._state is not ConnectionState.CONNECTING:
            if self._connection is not None:
                self._connection.receive_data(data)
            # After a refusal: the rest of its response is not looked at.
            return
        if data is None:
            engine.receive_eof()
        else:
            engine.receive_data(data)
        try:
            ev = engine.next_event()
        except _core.HandshakeError as err:
            if data is None and err.kind == "connection-closed":
                return  # the peer left during the handshake: no event, as in wsproto
            raise self._failure(err) from None
        if ev is None:
            return
        if isinstance(ev, _core.Request):
            self._request = Request(
                host=_idna_decode(ev.host),
                target=ev.target,
                extensions=list(ev.extensions),
                extra_headers=_lower(ev.headers, _REQUEST_OWN),
                subprotocols=list(ev.subprotocols),
            )
            self._events.append(self._request)
        elif isinstance(ev, _core.AcceptConnection):
            try:
                accepted = client_extensions_handshake(ev.extensions, self._offered)
            except RemoteProtocolError:
                self._state = ConnectionState.CLOSED
                raise
            self._events.append(
                AcceptConnection(
                    subprotocol=ev.subprotocol,
                    extensions=accepted,
                    extra_headers=_lower(ev.headers, _ACCEPT_OWN),
                )
            )
            self._open(accepted)
        elif isinstance(ev, _core.RejectConnection):
            has_body = ev.status_code >= 200
            headers = _lower(ev.headers, ())
            self._events.append(
                RejectConnection(status_code=ev.status_code, headers=headers, has_body=has_body)
            )
            if has_body:
                if ev.body:
                    self._events.append(RejectData(data=ev.body, body_finished=False))
                self._events.append(RejectData(data=b"", body_finished=True))
            self._state = ConnectionState.CLOSED

    def _failure(self, err: _core.HandshakeError) -> RemoteProtocolError:
        kind = err.kind
        message = _MESSAGES.get(kind)
        if message is None:
            message = str(err)
            detail = message.split('"')
            if kind == "unexpected-subprotocol" and len(detail) > 1:
                message = f"unrecognized subprotocol {detail[1]}"
            elif kind == "unexpected-extension" and len(detail) > 1:
                message = f"unrecognized extension {detail[1].split(';')[0].strip()}"
        if self.client:
            self._state = ConnectionState.CLOSED
            return RemoteProtocolError(message, event_hint=RejectConnection())
        self._refused = True
        status = err.status_code or 400
        if kind == "unsupported-version":
            hint = RejectConnection(
                headers=[(b"Sec-WebSocket-Version", WEBSOCKET_VERSION)], status_code=status
            )
        else:
            hint = RejectConnection(status_code=status)
        return RemoteProtocolError(message, event_hint=hint)

    def events(self) -> Generator[Event, None, None]:
        """The handshake's events."""
        while self._events:
            yield self._events.popleft()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(client={self.client}, state={self._state})"


def server_extensions_handshake(
    requested: Iterable[str], supported: List[Extension]
) -> Optional[bytes]:
    """Server: accept the offers (``Sec-WebSocket-Extensions`` items) that a supported
    extension agrees to; the response header's value, or None if none was agreed."""
    accepts: Dict[str, Union[bool, str]] = {}
    for offer in requested:
        name = offer.split(";", 1)[0].strip()
        for extension in supported:
            if extension.name == name and name not in accepts:
                accepted = extension.accept(offer)
                if accepted is True:
                    accepts[name] = True
                elif accepted:
                    accepts[name] = accepted
    if not accepts:
        return None
    parts = [name if value is True else f"{name}; {value}" for name, value in accepts.items()]
    return ", ".join(parts).encode("ascii")


def client_extensions_handshake(
    accepted: Iterable[str], supported: Sequence[Extension]
) -> List[Extension]:
    """Client: finalize the extensions the server accepted; ``RemoteProtocolError`` for one
    that was not offered."""
    out: List[Extension] = []
    for answer in accepted:
        name = answer.split(";", 1)[0].strip()
        for extension in supported:
            if extension.name == name:
                extension.finalize(answer)
                out.append(extension)
                break
        else:
            raise RemoteProtocolError(f"unrecognized extension {name}", event_hint=RejectConnection())
    return out


__all__ = [
    "H11Handshake",
    "WEBSOCKET_UPGRADE",
    "WEBSOCKET_VERSION",
    "client_extensions_handshake",
    "server_extensions_handshake",
]
