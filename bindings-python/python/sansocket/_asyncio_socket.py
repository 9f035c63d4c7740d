"""The :class:`WebSocket` of :mod:`sansocket.asyncio` (an asyncio protocol on the engine) and
its exceptions; :mod:`sansocket.asyncio` opens connections with it and exports it."""

from __future__ import annotations

import asyncio
import logging
import os
from collections import deque
from typing import (
    Any,
    Callable,
    Deque,
    Iterable,
    List,
    Literal,
    Optional,
    Sequence,
    Tuple,
    Union,
    cast,
)

from ._driver import Driver
from ._core import (
    AcceptConnection,
    BytesMessage,
    ClientConnection,
    CloseConnection,
    Connection,
    ConnectionState,
    HandshakeError,
    Pong,
    RejectConnection,
    RemoteProtocolError,
    Request,
    ServerConnection,
    TextMessage,
    WebSocketError,
    _Host,
)

logger = logging.getLogger("sansocket")

Data = Union[str, bytes]
_Messages = List[Data]  # (made once: `cast` calls in the hot path would build it each time)
#: What ``process_request`` returns to refuse a request: status, headers, body.
Refusal = Tuple[int, Sequence[Tuple[str, str]], bytes]

# Close codes that end a connection normally (1005: the close frame had no code).
_NORMAL_CODES = (1000, 1001, 1005)
# Messages decoded ahead of the application while a ping waits for its pong.
_MAX_AHEAD = 16
# Decode everything buffered (``receive_messages``' limit).
_ALL = 1 << 62
_OPEN = ConnectionState.OPEN


class ConnectionClosed(WebSocketError):
    """The connection is closed: raised by ``recv``, ``send`` and ``ping``.

    ``code`` and ``reason`` come from the peer's close frame; for a connection that failed
    they are the code the engine sent (1002, 1007, 1009), and 1006 when the transport closed
    without a close frame.
    """

    def __init__(self, code: int, reason: str = "") -> None:
        super().__init__(f"WebSocket closed with code {code}" + (f": {reason}" if reason else ""))
        self.code = code
        self.reason = reason

    @property
    def ok(self) -> bool:
        """True for a normal closure (1000, 1001, or a close frame without a code)."""
        return self.code in _NORMAL_CODES


class ConnectionRejected(WebSocketError):
    """``connect`` got an HTTP answer other than ``101``; ``response`` holds it."""

    def __init__(self, response: RejectConnection) -> None:
        super().__init__(f"server rejected the WebSocket upgrade: {response.status_code}")
        self.response = response


class WebSocket(_Host, asyncio.BufferedProtocol, asyncio.Protocol):
    """An open WebSocket connection on an asyncio transport.

    Iterate it (``async for message in ws``) for the messages, ``str`` or ``bytes``, until a
    normal close; an abnormal one raises :class:`ConnectionClosed`. Created by :func:`serve`
    and :func:`connect`, not directly.

    The read path is the native base class's: the event loop calls its ``data_received``
    (or ``buffer_updated``) directly, which decodes and, with ``on_message``, calls it for
    each message and writes the answers (``send_nowait``) in one write (at once from 1 MiB
    queued). (uvloop reads into a protocol's buffer only when it is not an
    ``asyncio.Protocol``, and releases the view after ``buffer_updated``, which the engine's
    lent buffer refuses: on uvloop, reads come as ``bytes`` to ``data_received``, whose whole
    frames become messages straight from them; asyncio's own loop reads into the engine's
    buffer.)
    """

    def __init__(
        self,
        conn: Connection,
        *,
        read_limit: int = 1 << 18,
        open_timeout: Optional[float] = 10.0,
        close_timeout: float = 10.0,
        subprotocols: Sequence[str] = (),
        process_request: Optional[Callable[[Request], Optional[Refusal]]] = None,
        on_message: Optional[Callable[[WebSocket, Data], object]] = None,
    ) -> None:
        # conn, on_message, the transport and the _closing flag live in the native base
        # class (_Host), which reads them on every read.
        # The event loop reads straight into the engine's buffer (no Python frame between).
        self.get_buffer = conn.get_buffer  # type: ignore[method-assign]
        self._loop = asyncio.get_running_loop()
        self._read_limit = read_limit
        self._open_timeout = open_timeout
        self._close_timeout = close_timeout
        self._subprotocols = list(subprotocols)
        self._process_request = process_request
        self._messages: Deque[Data] = deque()
        self._receiving = True  # False once no more messages can arrive
        self._recv_waiter: Optional[asyncio.Future[None]] = None
        self._write_paused = False
        self._drain_waiters: List[asyncio.Future[None]] = []
        # Pulls, flushes, pauses reading and matches pongs (shared with sansocket.uvicorn).
        self._driver: Driver[asyncio.Future[float]] = Driver(
            conn, read_limit=read_limit, max_ahead=_MAX_AHEAD
        )
        self._timer: Optional[asyncio.TimerHandle] = None
        self._opened: asyncio.Future[None] = self._loop.create_future()
        self._closed: asyncio.Future[None] = self._loop.create_future()
        self._close_code: Optional[int] = None
        self._close_reason = ""
        self._sent_code: Optional[int] = None  # the code of our close frame
        #: Server: the client's upgrade request.
        self.request: Optional[Request] = None
        #: Client: the server's ``101`` answer.
        self.response: Optional[AcceptConnection] = None

    # ---- the application's side ----------------------------------------------------

    @property
    def subprotocol(self) -> Optional[str]:
        """The negotiated subprotocol, or None."""
        return self._conn.subprotocol

    @property
    def state(self) -> ConnectionState:
        """The engine's state."""
        return self._conn.state

    @property
    def close_code(self) -> Optional[int]:
        """How the connection closed (see :class:`ConnectionClosed`), None while open."""
        return self._close_code

    @property
    def close_reason(self) -> str:
        """The reason of the close frame, if any."""
        return self._close_reason

    @property
    def remote_address(self) -> Any:
        """The peer's address, as the socket reports it."""
        return self._transport.get_extra_info("peername") if self._transport else None

    async def recv(self) -> Data:
        """The next message: ``str`` for text, ``bytes`` for binary. Raises
        :class:`ConnectionClosed` once the connection is closed and no message is left."""
        if self._on_message is not None:
            raise RuntimeError("messages go to on_message: recv() has none to give")
        while not self._messages:
            if self._receiving:
                self._pull()  # decode what is buffered
                if self._messages:
                    break
            if not self._receiving:
                raise self._closed_error()
            if self._recv_waiter is not None:
                raise RuntimeError("another coroutine is already waiting in recv()")
            self._recv_waiter = self._loop.create_future()
            try:
                await self._recv_waiter
            finally:
                self._recv_waiter = None
        message = self._messages.popleft()
        if self._driver.read_paused:
            self._update_reading()
        return message

    def __aiter__(self) -> WebSocket:
        return self

    async def __anext__(self) -> Data:
        try:
            return await self.recv()
        except ConnectionClosed as exc:
            if exc.ok:
                raise StopAsyncIteration from None
            raise

    async def send(self, message: Union[Data, bytearray, memoryview, Iterable[Data]]) -> None:
        """Send a message: ``str`` as text, bytes-like as binary, or an iterable of ``str``
        (or of bytes) as one message in fragments. Waits while the write buffer is full."""
        conn = self._conn
        if conn.state is not _OPEN:
            raise self._closed_error()
        if isinstance(message, bytes):
            conn.send_binary(message)
        elif isinstance(message, str):
            conn.send_text(message)
        elif isinstance(message, (bytearray, memoryview)):
            self._conn.send_binary(message)
        else:
            pieces = list(message)
            if not pieces:
                raise ValueError("cannot send an empty iterable of fragments")
            kind: Literal["text", "binary"] = "text" if isinstance(pieces[0], str) else "binary"
            for piece in pieces:
                if isinstance(piece, str) != (kind == "text"):
                    raise TypeError("fragments must all be str or all be bytes-like")
            for i, piece in enumerate(pieces):
                self._conn.send_fragment(kind, piece, i == len(pieces) - 1)
        transport = self._transport
        if transport is not None and conn.write_to(transport):
            transport.close()
        if self._write_paused:
            await self._drain()

    async def ping(self, payload: Optional[bytes] = None) -> float:
        """Send a ping and wait for its pong; returns the round trip in seconds. Without a
        payload, 4 random bytes are sent."""
        self._check_open()
        data = os.urandom(4) if payload is None else bytes(payload)
        waiter: asyncio.Future[float] = self._loop.create_future()
        self._driver.ping(data, waiter, self._loop.time())
        self._flush()
        return await waiter

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Start the close handshake (if it has not started) and wait until the transport is
        closed, at most ``close_timeout`` seconds before dropping it."""
        self._start_closing(code, reason)
        try:
            await asyncio.wait_for(asyncio.shield(self._closed), self._close_timeout)
        except asyncio.TimeoutError:
            self._abort()
            await self._closed

    async def wait_closed(self) -> None:
        """Wait until the transport is closed."""
        await asyncio.shield(self._closed)

    def _start_closing(self, code: int, reason: str) -> None:
        """Queues the close frame (or drops a connection still in its handshake)."""
        self._closing = True
        if self._conn.state is ConnectionState.CONNECTING:
            self._abort()
            return
        if self._conn.state is ConnectionState.OPEN:
            self._conn.close(code, reason)
            self._sent_code = code
        self._pull()  # writes the close frame; the peer's answer may be buffered already

    # ---- asyncio.Protocol: the transport's side -----------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # Not an isinstance check: uvloop's transports are not asyncio.Transport subclasses.
        transport = cast(asyncio.Transport, transport)
        self._transport = transport
        self._driver.transport = transport
        if self._open_timeout is not None:
            self._timer = self._loop.call_later(self._open_timeout, self._abort)
        self._flush()  # a client's upgrade request

    def get_buffer(self, sizehint: int) -> Any:
        return self._conn.get_buffer(sizehint)

    def eof_received(self) -> Optional[bool]:
        self._conn.receive_eof()
        self._pull(everything=True)  # no more input will come
        return False  # let the transport close

    def pause_writing(self) -> None:
        self._write_paused = True
        if self._on_message is not None and self._transport is not None:
            # Callbacks cannot wait for the peer to read: reading waits instead, so that
            # answers do not pile up in the write buffer without bound.
            self._transport.pause_reading()

    def resume_writing(self) -> None:
        self._write_paused = False
        if self._on_message is not None and self._transport is not None:
            self._transport.resume_reading()
        self._wake_drain_waiters()

    def connection_lost(self, exc: Optional[Exception]) -> None:
        if self._timer is not None:
            self._timer.cancel()
        if self._close_code is None:
            self._close_code = 1006
        self._receiving = False
        closed = self._closed_error()
        if not self._opened.done():
            self._opened.set_exception(closed)
            self._opened.exception()  # mark retrieved: nobody may be waiting
        for _, waiter, _ in self._driver.pings:
            if not waiter.done():
                waiter.set_exception(closed)
        self._driver.pings.clear()
        self._wake_recv()
        self._wake_drain_waiters()
        self._closed.set_result(None)

    # ---- the engine's side ---------------------------------------------------------

    def _pull(self, everything: bool = False, data: Optional[bytes] = None) -> None:
        """Takes ``data`` read from the transport, decodes events until a message waits for
        the application (all of them while a ping waits or when closing), then writes what
        the engine queued. One engine call per batch: messages come back as ``str`` and
        ``bytes``, other events as event objects (each ends a batch, so that the condition
        is checked again after it, as it would be after every event)."""
        if self._on_message is not None:
            self._dispatch(data)  # the native base class decodes and calls on_message
            return
        conn = self._conn
        messages = self._messages
        try:
            while True:
                if everything or self._closing or self._driver.pings:
                    limit = _ALL
                else:
                    limit = 0 if messages else 1
                batch = conn.receive_messages(data, limit)
                data = None
                if not batch:
                    break
                last = batch[-1]
                kind = type(last)
                if kind is bytes or kind is str:
                    if not self._closing:
                        messages.extend(cast(_Messages, batch))
                        self._wake_recv()
                    continue
                if len(batch) > 1 and not self._closing:
                    messages.extend(cast(_Messages, batch[:-1]))
                    self._wake_recv()
                self._handle(last)
        except RemoteProtocolError as exc:
            self._set_closed(exc.code, "")
        except HandshakeError as exc:
            if not self._opened.done():
                self._opened.set_exception(exc)
        transport = self._transport
        if transport is not None and conn.write_to(transport):
            transport.close()
        if messages or self._driver.read_paused:
            self._update_reading()

    def _decode_failed(self, exc: Exception) -> None:
        """The engine's failure, raised while decoding for ``on_message`` (``_Host``)."""
        if isinstance(exc, RemoteProtocolError):
            self._set_closed(exc.code, "")
        elif isinstance(exc, HandshakeError):
            if not self._opened.done():
                self._opened.set_exception(exc)
        else:
            raise exc

    def _on_message_failed(self, exc: Exception) -> None:
        """``on_message`` raised: log it and close with 1011, dropping the next messages."""
        logger.error("on_message failed", exc_info=exc)
        self._closing = True
        if self._conn.state is _OPEN:
            self._conn.close(1011, "")
            self._sent_code = 1011

    def _handle(self, event: object) -> bool:
        """Acts on one event; True: go on decoding (while ``_pull``'s condition holds)."""
        if isinstance(event, (TextMessage, BytesMessage)):
            if not self._closing:
                self._messages.append(event.data)
                self._wake_recv()
        elif isinstance(event, Pong):
            self._pong(event.payload)
        elif isinstance(event, CloseConnection):
            self._set_closed(event.code, event.reason)
            if isinstance(self._conn, ClientConnection):
                # The server closes TCP first; don't wait for it forever.
                self._arm_timer(self._close_timeout)
        elif isinstance(event, Request):
            self._answer(event)
        elif isinstance(event, AcceptConnection):
            self.response = event
            self._set_open()
        elif isinstance(event, RejectConnection):
            if not self._opened.done():
                self._opened.set_exception(ConnectionRejected(event))
        # Ping: the engine has queued the pong.
        return True

    def _answer(self, request: Request) -> None:
        assert isinstance(self._conn, ServerConnection)
        self.request = request
        try:
            refusal = self._process_request(request) if self._process_request else None
        except Exception:
            logger.exception("process_request failed")
            refusal = (500, [], b"")
        if refusal is None and not request.is_upgrade:
            # plain_http=True and process_request did not answer this page request.
            refusal = (426, [("Upgrade", "websocket")], b"WebSocket upgrade required\n")
        if refusal is not None:
            status, headers, body = refusal
            self._conn.reject(status, headers, body)
            return
        self._conn.accept(subprotocol=request.select_subprotocol(self._subprotocols))
        self._set_open()

    def _set_open(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self._opened.done():
            self._opened.set_result(None)

    def _set_closed(self, code: int, reason: str) -> None:
        if self._close_code is None:
            self._close_code, self._close_reason = code, reason
        self._receiving = False
        self._wake_recv()

    def _pong(self, payload: bytes) -> None:
        """Resolves the ping this pong answers, and every earlier one."""
        for waiter, rtt in self._driver.pong(payload, self._loop.time()):
            if not waiter.done():
                waiter.set_result(rtt)

    def _flush(self) -> None:
        transport = self._transport
        if transport is not None and self._conn.write_to(transport):
            transport.close()

    def _check_open(self) -> None:
        if self._conn.state is not ConnectionState.OPEN:
            raise self._closed_error()

    def _closed_error(self) -> ConnectionClosed:
        return ConnectionClosed(self._close_code or self._sent_code or 1006, self._close_reason)

    def _update_reading(self) -> None:
        """Reads while the application keeps up: not when a message waits for it and
        ``read_limit`` bytes wait undecoded (or too many messages were decoded ahead)."""
        self._driver.update_reading(len(self._messages))

    async def _drain(self) -> None:
        while self._write_paused and not self._closed.done():
            waiter: asyncio.Future[None] = self._loop.create_future()
            self._drain_waiters.append(waiter)
            await waiter

    def _wake_drain_waiters(self) -> None:
        for waiter in self._drain_waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._drain_waiters.clear()

    def _wake_recv(self) -> None:
        waiter = self._recv_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _arm_timer(self, delay: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = self._loop.call_later(delay, self._abort)

    def _abort(self) -> None:
        if self._transport is not None:
            self._transport.abort()
