"""A uvicorn WebSocket protocol backed by sansocket's engine.

    uvicorn app:app --ws sansocket.uvicorn:WebSocketProtocol
    uvicorn.run(app, ws="sansocket.uvicorn:WebSocketProtocol")

It follows uvicorn's own ``websockets-sansio`` and ``wsproto`` backends: uvicorn's HTTP protocol
hands over the upgrade request (re-serialised, through ``data_received``), the application gets
the ASGI ``websocket`` scope and events, including the WebSocket Denial Response extension
(``websocket.http.response.start`` / ``body``). uvicorn's settings map onto the engine:
``ws_max_size`` limits messages and frames, ``ws_max_queue`` is how many received messages are
decoded ahead of the application before reading pauses, ``ws_ping_interval`` /
``ws_ping_timeout`` drive keepalive pings, ``ws_per_message_deflate`` enables permessage-deflate.
Server shutdown closes open connections with 1012.

Messages are decoded on demand: when the application takes a message, the next ones are decoded
on the following loop iteration, so an application's answer to a message goes out before the
engine reacts to a protocol error in what followed it. While more input is being decoded, what
the application sends is written with the answers to what follows (one write for a burst, at
most 32 messages).
"""

from __future__ import annotations

import asyncio
import logging
import random
import struct
from collections import deque
from typing import Any, Deque, Literal, Optional, cast
from urllib.parse import unquote

from uvicorn._types import ASGIReceiveEvent, ASGISendEvent, WebSocketScope
from uvicorn.config import Config
from uvicorn.logging import TRACE_LOG_LEVEL
from uvicorn.protocols.utils import (
    ClientDisconnected,
    get_client_addr,
    get_local_addr,
    get_path_with_query_string,
    get_remote_addr,
    is_ssl,
)
from uvicorn.server import ServerState

from ._driver import Driver
from ._core import (
    CloseConnection,
    ConnectionState,
    HandshakeError,
    LocalProtocolError,
    Pong,
    RemoteProtocolError,
    Request,
    ServerConnection,
)

__all__ = ["WebSocketProtocol"]

_CLOSE_TIMEOUT = 10.0
#: Undecoded bytes the engine may hold while messages wait for the application.
_READ_LIMIT = 256 * 1024
#: Messages sent, at most, before they are written while more input is being decoded.
_MAX_UNFLUSHED = 32
_INTERNAL_ERROR_HEADERS = [(b"content-type", b"text/plain; charset=utf-8")]


def _headers(message: dict[str, Any]) -> list[tuple[bytes, bytes]]:
    """An ASGI message's ``headers`` (any iterable of byte-string pairs) as a list of tuples."""
    return [(bytes(name), bytes(value)) for name, value in message.get("headers", ())]


class WebSocketProtocol(asyncio.Protocol):
    """uvicorn's WebSocket protocol interface (``--ws``) on the sansocket engine."""

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: Optional[asyncio.AbstractEventLoop] = None,
    ) -> None:
        if not config.loaded:
            config.load()  # pragma: no cover
        self.config = config
        self.app = config.loaded_app
        self.loop = _loop or asyncio.get_event_loop()
        self.logger = logging.getLogger("uvicorn.error")
        self.root_path = config.root_path
        self.app_state = app_state
        self.connections = server_state.connections
        self.tasks = server_state.tasks
        self.default_headers = server_state.default_headers

        self.transport: asyncio.Transport = None  # type: ignore[assignment]
        self.server: Optional[tuple[str, Optional[int]]] = None
        self.client: Optional[tuple[str, int]] = None
        self.scheme: Literal["wss", "ws"] = "ws"
        self.scope: WebSocketScope = None  # type: ignore[assignment]

        deflate = bool(config.ws_per_message_deflate)
        self.conn = ServerConnection(
            max_message_size=config.ws_max_size,
            max_frame_size=config.ws_max_size,
            deflate=deflate,
        )
        # What receive() hands out, and the receive() calls waiting for it (a deque and
        # futures: an asyncio.Queue costs a coroutine and a lock per message).
        self.queue: Deque[ASGIReceiveEvent] = deque()
        self.receive_waiters: list[asyncio.Future[None]] = []
        self.max_queue = max(1, int(config.ws_max_queue or 1))
        self.pending_messages = 0  # websocket.receive events queued, not yet taken
        #: The engine holds a protocol error, deferred while messages waited for the
        #: application: the pull after it took the last one acts on it.
        self.error_waiting = False
        self.handshake_complete = False
        self.close_sent = False
        self.peer_closed = False  # the peer's close frame arrived, or it broke the protocol
        self.disconnected = False
        self.close_timer: Optional[asyncio.TimerHandle] = None
        self.denial: Optional[tuple[int, list[tuple[bytes, bytes]], list[bytes]]] = None

        # Pulls, flushes, pauses reading and matches pongs (shared with sansocket.asyncio).
        self.driver: Driver[None] = Driver(self.conn, read_limit=_READ_LIMIT, max_ahead=self.max_queue)
        self.pull_scheduled = False
        #: Sends not written yet: the pull queued behind the application writes them, with
        #: the answers to the messages it decodes (one write for a burst, not one each).
        self.unflushed = 0
        self.write_paused = False
        self.drain_waiters: list[asyncio.Future[None]] = []

        self.ping_interval = config.ws_ping_interval
        self.ping_timeout = config.ws_ping_timeout
        self.ping_timer: Optional[asyncio.TimerHandle] = None
        self.pong_timer: Optional[asyncio.TimerHandle] = None
        self.last_ping_rtt = 0.0

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.connections.add(self)  # type: ignore[arg-type]
        self.transport = cast(asyncio.Transport, transport)
        self.driver.transport = self.transport
        self.server = get_local_addr(self.transport)
        self.client = get_remote_addr(self.transport)
        self.scheme = "wss" if is_ssl(self.transport) else "ws"
        if self.logger.level <= TRACE_LOG_LEVEL:
            prefix = "%s:%d - " % self.client if self.client else ""
            self.logger.log(TRACE_LOG_LEVEL, "%sWebSocket connection made", prefix)

    def connection_lost(self, exc: Optional[Exception]) -> None:
        self.stop_keepalive()
        code = 1005 if self.handshake_complete else 1006
        self.put({"type": "websocket.disconnect", "code": code})
        self.connections.discard(self)
        if self.logger.level <= TRACE_LOG_LEVEL:
            prefix = "%s:%d - " % self.client if self.client else ""
            self.logger.log(TRACE_LOG_LEVEL, "%sWebSocket connection lost", prefix)
        self.handshake_complete = True
        self.disconnected = True
        self.wake_writers()  # asyncio never calls resume_writing() on a lost transport
        if self.close_timer is not None:
            self.close_timer.cancel()
            self.close_timer = None
        if exc is None:
            self.transport.close()

    def eof_received(self) -> None:
        # Without a close frame first, this is an abnormal closure; connection_lost follows.
        pass

    def pause_writing(self) -> None:
        self.write_paused = True

    def resume_writing(self) -> None:
        self.wake_writers()

    def wake_writers(self) -> None:
        self.write_paused = False
        for waiter in self.drain_waiters:
            if not waiter.done():
                waiter.set_result(None)
        self.drain_waiters.clear()

    def put(self, message: ASGIReceiveEvent) -> None:
        """Queues ``message`` for receive()."""
        self.queue.append(message)
        if self.receive_waiters:
            for waiter in self.receive_waiters:
                if not waiter.done():
                    waiter.set_result(None)
            self.receive_waiters.clear()

    def shutdown(self) -> None:
        """uvicorn's server is stopping: close with 1012 (service restart)."""
        self.stop_keepalive()
        if self.close_sent:
            if self.close_timer is not None:
                self.close_timer.cancel()
                self.close_timer = None
            self.transport.close()
            return
        if self.handshake_complete:
            self.put({"type": "websocket.disconnect", "code": 1012})
            try:
                self.conn.close(1012)
            except LocalProtocolError:  # pragma: no cover - already closing
                pass
            self.close_sent = True
            self.flush()
        else:
            self.send_500_response()
        self.transport.close()

    # Engine driving

    def pull(self, data: Optional[bytes] = None) -> None:
        """Takes ``data`` read from the transport, decodes events up to the next message,
        writes what the engine queued, and pauses or resumes reading.

        One message per call: when more may follow, the next call is scheduled behind the
        application's task, which the queued message woke, so that its answer goes out
        before the engine decodes (and perhaps fails on) what followed. Decoding goes on
        while fewer than ``ws_max_queue`` messages wait for the application; a protocol
        error met meanwhile waits in the engine until the application took them all.
        """
        self.pull_scheduled = False
        conn = self.conn
        more = False
        quiet = True  # only messages decoded: the engine queued nothing to write
        try:
            while True:
                # One engine call per event at most: a message, or another event, or none.
                pending = self.pending_messages
                limit = 1 if pending < self.max_queue else 0
                # While messages wait for the application, an error waits for its answers.
                batch = conn.receive_messages(data, limit, pending > 0)
                data = None
                if not batch:
                    break
                event = batch[0]
                kind = type(event)
                if kind is bytes or kind is str:
                    if self.close_sent:
                        continue  # the application is past websocket.close
                    # put(), inlined: this is every message's path.
                    if kind is str:
                        self.queue.append({"type": "websocket.receive", "text": event})  # type: ignore[typeddict-item]
                    else:
                        self.queue.append({"type": "websocket.receive", "bytes": event})  # type: ignore[typeddict-item]
                    waiters = self.receive_waiters
                    if waiters:
                        for waiter in waiters:
                            if not waiter.done():
                                waiter.set_result(None)
                        waiters.clear()
                    self.pending_messages += 1
                    more = True
                    break
                if event is None:
                    self.error_waiting = True
                    break
                quiet = False
                if isinstance(event, Request):
                    self.handle_connect(event)
                    break  # nothing more until the application answers
                if isinstance(event, CloseConnection):
                    self.handle_close(event)
                elif isinstance(event, Pong):
                    self.handle_pong(event.payload)
                # Ping: the engine queued the pong.
        except RemoteProtocolError as exc:
            self.fail(exc.code, str(exc) if exc.code != 1006 else "")
            return
        except HandshakeError:
            # The engine queued the HTTP error response (400, 426...).
            self.handshake_complete = True
            self.close_sent = True
            self.flush()
            self.transport.close()
            return
        pending = self.pending_messages
        buffered = conn.buffered_input if pending else 0
        # Nothing can follow a message before more input arrives when the engine holds
        # none: then data_received pulls, not a scheduled call.
        again = more and buffered and pending < self.max_queue
        # What the application sent meanwhile goes out now, unless the next pull follows
        # (then with the answers to what it decodes).
        if not quiet or (self.unflushed and not again):
            self.unflushed = 0
            if conn.write_to(self.transport):
                self.transport.close()
                return
        if again:
            self.schedule_pull()
        if not pending:
            if self.driver.read_paused:
                self.driver.update_reading(0)
            return
        # Reading pauses only while messages wait for the application (so a message being
        # received is never starved) and the engine holds enough of what follows
        # (Driver.update_reading's test, first here: it holds for nearly every read).
        if self.driver.read_paused or pending >= self.max_queue or buffered >= _READ_LIMIT:
            self.driver.update_reading(pending)

    #: ``asyncio.Protocol.data_received``: bytes read from the transport.
    data_received = pull

    def schedule_pull(self) -> None:
        if not self.pull_scheduled and not self.disconnected:
            self.pull_scheduled = True
            self.loop.call_soon(self.pull)

    def flush(self) -> None:
        self.unflushed = 0
        self.conn.write_to(self.transport)  # pull() closes the transport when the engine asks

    def fail(self, code: int, reason: str) -> None:
        """The peer broke the protocol: the engine queued the close frame."""
        if not self.close_sent:
            self.put({"type": "websocket.disconnect", "code": code, "reason": reason})
        self.close_sent = True
        self.peer_closed = True
        self.flush()
        self.transport.close()

    # Events

    def handle_connect(self, event: Request) -> None:
        raw_path, _, query_string = event.target.partition("?")
        headers = [(name.lower(), value) for name, value in event.headers]
        self.scope = {
            "type": "websocket",
            "asgi": {"version": self.config.asgi_version, "spec_version": "2.4"},
            "http_version": "1.1",
            "scheme": self.scheme,
            "server": self.server,
            "client": self.client,
            "root_path": self.root_path,
            "path": self.root_path + unquote(raw_path),
            "raw_path": self.root_path.encode("ascii") + raw_path.encode("latin-1"),
            "query_string": query_string.encode("latin-1"),
            "headers": headers,
            "subprotocols": list(event.subprotocols),
            "state": self.app_state.copy(),
            "extensions": {"websocket.http.response": {}},
        }
        self.put({"type": "websocket.connect"})
        task = self.loop.create_task(self.run_asgi())
        task.add_done_callback(self.tasks.discard)
        self.tasks.add(task)

    def handle_close(self, event: CloseConnection) -> None:
        if self.close_sent:
            # The peer answered our close frame: the closing handshake is complete.
            if self.close_timer is not None:
                self.close_timer.cancel()
                self.close_timer = None
            return
        # The engine queued the reply; pull() flushes it and closes the transport.
        self.close_sent = True
        self.peer_closed = True
        self.put(
            {"type": "websocket.disconnect", "code": event.code, "reason": event.reason}
        )

    def handle_pong(self, payload: bytes) -> None:
        answered = self.driver.pong(payload, self.loop.time())
        if not answered:
            return  # unsolicited or stale
        self.last_ping_rtt = answered[-1][1]
        if self.pong_timer is not None:
            self.pong_timer.cancel()
            self.pong_timer = None
            self.schedule_ping()

    # Keepalive

    def start_keepalive(self) -> None:
        if self.ping_interval is not None and self.ping_interval > 0:
            self.schedule_ping()

    def stop_keepalive(self) -> None:
        if self.ping_timer is not None:
            self.ping_timer.cancel()
            self.ping_timer = None
        if self.pong_timer is not None:
            self.pong_timer.cancel()
            self.pong_timer = None
        self.driver.pings.clear()

    def schedule_ping(self) -> None:
        assert self.ping_interval is not None
        delay = max(0.0, self.ping_interval - self.last_ping_rtt)
        self.ping_timer = self.loop.call_later(delay, self.send_keepalive_ping)

    def send_keepalive_ping(self) -> None:
        self.ping_timer = None
        if self.close_sent or self.transport.is_closing():
            return
        self.driver.ping(struct.pack("!I", random.getrandbits(32)), None, self.loop.time())
        self.flush()
        if self.ping_timeout is not None:
            self.pong_timer = self.loop.call_later(self.ping_timeout, self.keepalive_timeout)
        else:
            self.schedule_ping()

    def keepalive_timeout(self) -> None:
        self.pong_timer = None
        self.driver.pings.clear()
        if self.close_sent or self.transport.is_closing():
            return
        if self.logger.level <= TRACE_LOG_LEVEL:
            prefix = "%s:%d - " % self.client if self.client else ""
            self.logger.log(TRACE_LOG_LEVEL, "%sWebSocket keepalive ping timeout", prefix)
        reason = "keepalive ping timeout"
        self.conn.close(1011, reason)
        self.put({"type": "websocket.disconnect", "code": 1011, "reason": reason})
        self.close_sent = True
        self.flush()
        self.transport.close()

    # ASGI

    async def run_asgi(self) -> None:
        close_code = 1000
        try:
            result = await self.app(self.scope, self.receive, self.send)
        except ClientDisconnected:
            pass
        except BaseException:
            self.logger.exception("Exception in ASGI application\n")
            self.send_500_response()
            close_code = 1011
        else:
            if not self.handshake_complete:
                self.logger.error("ASGI callable returned without completing handshake.")
                self.send_500_response()
            elif result is not None:
                self.logger.error("ASGI callable should return None, but returned '%s'.", result)
        if self.close_timer is None:
            self.close_transport(close_code)

    def close_transport(self, code: int) -> None:
        """The application is done: an open connection gets a close frame (1000 when the
        application returned, 1011 when it raised) before the transport closes."""
        if not self.close_sent and not self.disconnected and self.handshake_complete:
            try:
                self.conn.close(code)
                self.flush()
            except LocalProtocolError:  # pragma: no cover
                pass
        self.transport.close()

    def send_500_response(self) -> None:
        if self.denial is not None or self.handshake_complete:
            return
        self.handshake_complete = True
        self.close_sent = True
        self.conn.reject(500, _INTERNAL_ERROR_HEADERS, b"Internal Server Error")
        self.flush()

    def log_outcome(self, outcome: str) -> None:
        self.logger.info(
            '%s - "WebSocket %s" %s',
            get_client_addr(self.scope),
            get_path_with_query_string(self.scope),
            outcome,
        )

    async def send(self, event: ASGISendEvent) -> None:
        message: dict[str, Any] = event  # type: ignore[assignment]
        while self.write_paused and not self.disconnected:
            waiter = self.loop.create_future()
            self.drain_waiters.append(waiter)
            await waiter
        if self.disconnected or self.peer_closed:
            raise ClientDisconnected()
        kind = message["type"]
        if not self.handshake_complete:
            if kind == "websocket.accept":
                self.log_outcome("[accepted]")
                headers = self.default_headers + _headers(message)
                subprotocol = message.get("subprotocol")
                if not self.transport.is_closing():
                    self.handshake_complete = True
                    self.conn.accept(subprotocol=subprotocol, extra_headers=headers)
                    self.flush()
                    self.start_keepalive()
                    self.schedule_pull()
            elif kind == "websocket.close":
                self.put({"type": "websocket.disconnect", "code": 1006})
                self.log_outcome("403")
                self.handshake_complete = True
                self.close_sent = True
                self.conn.reject(403)
                self.flush()
                self.transport.close()
            elif kind == "websocket.http.response.start":
                status = int(message["status"])
                if not (100 <= status < 600):
                    raise RuntimeError("Invalid HTTP status code '%d' in response." % status)
                self.log_outcome(str(status))
                self.handshake_complete = True
                headers = _headers(message)
                self.denial = (status, headers, [])
            else:
                raise RuntimeError(
                    "Expected ASGI message 'websocket.accept', 'websocket.close' "
                    f"or 'websocket.http.response.start' but got '{kind}'."
                )
        elif not self.close_sent and self.denial is None:
            try:
                if kind == "websocket.send":
                    data = message.get("bytes")
                    if data is not None:
                        self.conn.send_binary(data)
                    else:
                        text = message.get("text")
                        if text is not None:
                            self.conn.send_text(text)
                    if self.pull_scheduled and self.unflushed < _MAX_UNFLUSHED:
                        self.unflushed += 1  # the pull queued behind this task writes it
                    else:
                        self.unflushed = 0
                        self.conn.write_to(self.transport)  # flush(), inlined
                elif kind == "websocket.close":
                    code = cast(int, message.get("code", 1000))
                    reason = cast(str, message.get("reason", "") or "")
                    self.conn.close(code, reason)
                    self.put(
                        {"type": "websocket.disconnect", "code": code, "reason": reason}
                    )
                    self.close_sent = True
                    self.flush()
                    if not self.transport.is_closing():
                        # Keep reading until the peer's reply completes the handshake.
                        self.pending_messages = 0
                        self.schedule_pull()
                        self.close_timer = self.loop.call_later(
                            _CLOSE_TIMEOUT, self.transport.close
                        )
                else:
                    raise RuntimeError(
                        "Expected ASGI message 'websocket.send' or 'websocket.close', "
                        f"but got '{kind}'."
                    )
            except LocalProtocolError as exc:
                if self.conn.state == ConnectionState.OPEN:  # the application's own misuse
                    raise RuntimeError(str(exc)) from exc
                raise ClientDisconnected() from exc
        elif self.denial is not None:
            if kind != "websocket.http.response.body":
                raise RuntimeError(
                    f"Expected ASGI message 'websocket.http.response.body' but got '{kind}'."
                )
            self.denial[2].append(bytes(message["body"]))
            if not message.get("more_body", False):
                status, headers, body = self.denial
                if not any(name.lower() == b"content-type" for name, _ in headers):
                    headers = headers + _INTERNAL_ERROR_HEADERS
                self.put({"type": "websocket.disconnect", "code": 1006})
                self.close_sent = True
                self.conn.reject(status, headers, b"".join(body))
                self.flush()
                self.transport.close()
        else:
            raise RuntimeError(f"Unexpected ASGI message '{kind}', after sending 'websocket.close'.")

    async def receive(self) -> ASGIReceiveEvent:
        queue = self.queue
        while not queue:
            waiter = self.loop.create_future()
            self.receive_waiters.append(waiter)
            try:
                await waiter
            finally:
                if waiter in self.receive_waiters:
                    self.receive_waiters.remove(waiter)
        message = queue.popleft()
        if message["type"] == "websocket.receive":
            pending = self.pending_messages
            self.pending_messages = pending - 1
            # Decoding stopped at the limit, reading to resume, or an error to act on: a
            # pull behind this task. (Below the limit, pull() scheduled itself if more was
            # buffered.)
            if (
                pending >= self.max_queue
                or self.driver.read_paused
                or (pending == 1 and self.error_waiting)
            ):
                self.schedule_pull()
        return message
