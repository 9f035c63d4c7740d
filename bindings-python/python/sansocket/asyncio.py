"""An asyncio server and client on the sans-IO engine.

This module is also the example of driving the engine with your own IO: a
:class:`WebSocket` is an :class:`asyncio.Protocol` that gives the engine what the transport
reads, hands messages to the application, and writes what the engine queues.

Events are decoded as the application asks for messages: one message is decoded ahead, and
the input after it waits in the engine until ``recv()`` is called again. So what the
application sends in answer to a message goes out before the engine reacts to whatever
followed that message (a protocol error, say), as a synchronous host would do it, and the
engine holds at most ``read_limit`` undecoded bytes before reading pauses. Reading does not
pause while the transport's write buffer is full (only :meth:`WebSocket.send` waits until it
drains): two peers that both send without bound while reading in another task would
otherwise each wait for the other to read, forever (websockets behaves the same). While a ``ping()`` waits for its pong, or once ``close()`` was called, everything is
decoded at once (messages that arrive after ``close()`` are dropped).

Server::

    async def echo(ws):
        async for message in ws:
            await ws.send(message)

    async with serve(echo, "127.0.0.1", 9002) as server:
        await server.serve_forever()

Client::

    async with connect("ws://127.0.0.1:9002/chat", subprotocols=["v12.stomp"]) as ws:
        await ws.send("hello")
        reply = await ws.recv()
"""

from __future__ import annotations

import asyncio
import ssl as ssl_module
from typing import Any, Awaitable, Callable, Dict, Generator, Optional, Sequence, Set, Tuple, Union
from urllib.parse import urlsplit

from ._proxy import ProxyRefused, open_tunnel, resolve_proxy
from ._core import ClientConnection, Request, ServerConnection
from ._asyncio_socket import ConnectionClosed, ConnectionRejected, WebSocket, logger
# The type aliases of the API (messages; what ``process_request`` returns to refuse).
from ._asyncio_socket import Data as Data, Refusal as Refusal

__all__ = [
    "ConnectionClosed",
    "ConnectionRejected",
    "ProxyRefused",
    "Server",
    "WebSocket",
    "connect",
    "serve",
]

# Named where users import them from.
for _exported in (ConnectionClosed, ConnectionRejected, WebSocket):
    _exported.__module__ = __name__

Handler = Callable[[WebSocket], Awaitable[Any]]
#: ``on_message(ws, message)``: called for each message as it is read (see :func:`serve`).
MessageCallback = Callable[[WebSocket, Data], object]


class Server:
    """What :func:`serve` returns: the listening sockets and the open connections.

    ``close()`` stops listening and closes every connection with 1001 (going away);
    ``async with`` does that on exit and waits for the handlers to finish.
    """

    def __init__(
        self, handler: Optional[Handler], options: Dict[str, Any], ws_options: Dict[str, Any]
    ):
        self._handler = handler
        self._options = options
        self._ws_options = ws_options
        self._server: Optional[asyncio.base_events.Server] = None
        self._connections: Set[WebSocket] = set()
        self._tasks: Set[asyncio.Task[None]] = set()

    @property
    def sockets(self) -> Tuple[Any, ...]:
        """The listening sockets."""
        return tuple(self._server.sockets) if self._server else ()

    def close(self, code: int = 1001, reason: str = "") -> None:
        """Stop listening and start closing every connection."""
        if self._server is not None:
            self._server.close()
        for ws in list(self._connections):
            ws._start_closing(code, reason)

    async def wait_closed(self) -> None:
        """Wait until the listening sockets and every connection are closed."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    async def serve_forever(self) -> None:
        """Serve until cancelled."""
        assert self._server is not None
        await self._server.serve_forever()

    async def __aenter__(self) -> Server:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.close()
        await self.wait_closed()

    def _protocol(self) -> WebSocket:
        ws = WebSocket(ServerConnection(**self._options), **self._ws_options)
        self._connections.add(ws)
        task = asyncio.get_running_loop().create_task(self._run(ws))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return ws

    async def _run(self, ws: WebSocket) -> None:
        try:
            try:
                await asyncio.shield(ws._opened)
            except Exception:
                return  # the handshake failed: the engine answered it
            if self._handler is None:  # on_message does the work
                await ws.wait_closed()
                return
            try:
                await self._handler(ws)
            except ConnectionClosed:
                pass
            except Exception:
                logger.exception("WebSocket handler failed")
                await ws.close(1011)
            await ws.close()
        finally:
            await ws.wait_closed()
            self._connections.discard(ws)


class serve:
    """Listen on ``host``:``port`` and run ``await handler(ws)`` for every connection.

    ``async with serve(handler, host, port) as server:`` listens for the block and closes
    every connection on exit (1001, then waits for the handlers); ``server = await
    serve(...)`` returns the :class:`Server` to close yourself (``async with await
    serve(...)`` works too).

    ``subprotocols`` are in the server's order of preference: the first one the client
    offers is selected, none if none matches. ``process_request(request)`` may return
    ``(status, headers, body)`` to refuse a request. With ``plain_http=True`` it also gets
    plain HTTP ``GET`` requests (``request.is_upgrade`` false) and answers them the same
    way, ``(200, headers, page)`` to serve a page on the WebSocket's port (``426`` if it
    returns None). ``options`` go to
    :class:`~sansocket.ServerConnection` (limits, ``allowed_origins``...). The connection
    is closed (1000) when the handler returns, 1011 if it raises.

    ``on_message(ws, message)``: a plain function called for each message as soon as it is
    read, in the event loop's read callback, with no task switch in between (the fastest
    way to answer messages: an echo is ``lambda ws, m: ws.send_nowait(m)``). What it sends
    with :meth:`WebSocket.send_nowait` is written once the read's messages are handled, in
    one write (at once from 1 MiB queued); reading pauses while the transport's write
    buffer is full. If it raises, the connection is closed with 1011. ``recv()`` then has no
    messages to give; ``handler`` may be None (the connection then stays open until either
    side closes it), or run alongside to ping, send or close.
    """

    def __init__(
        self,
        handler: Optional[Handler],
        host: Optional[str] = None,
        port: int = 0,
        *,
        subprotocols: Sequence[str] = (),
        process_request: Optional[Callable[[Request], Optional[Refusal]]] = None,
        on_message: Optional[MessageCallback] = None,
        read_limit: int = 1 << 18,
        open_timeout: Optional[float] = 10.0,
        close_timeout: float = 10.0,
        ssl: Optional[ssl_module.SSLContext] = None,
        **options: Any,
    ) -> None:
        if "delivery" in options:
            raise TypeError("sansocket.asyncio delivers whole messages; 'delivery' is not an option")
        if handler is None and on_message is None:
            raise TypeError("serve() needs a handler, on_message, or both")
        ServerConnection(**options)  # check the options now rather than per connection
        ws_options: Dict[str, Any] = dict(
            read_limit=read_limit,
            open_timeout=open_timeout,
            close_timeout=close_timeout,
            subprotocols=subprotocols,
            process_request=process_request,
            on_message=on_message,
        )
        self._server = Server(handler, options, ws_options)
        self._address = (host, port)
        self._ssl = ssl

    async def _start(self) -> Server:
        loop = asyncio.get_running_loop()
        host, port = self._address
        self._server._server = await loop.create_server(self._server._protocol, host, port, ssl=self._ssl)
        return self._server

    def __await__(self) -> Generator[Any, None, Server]:
        return self._start().__await__()

    async def __aenter__(self) -> Server:
        return await self._start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self._server.__aexit__(*exc_info)


class connect:
    """Open a client connection to ``uri`` (``ws://`` or ``wss://``).

    ``ws = await connect(uri)``, or ``async with connect(uri) as ws:`` to close it on exit.
    Raises :class:`ConnectionRejected` if the server answers without upgrading,
    :class:`~sansocket.HandshakeError` if its answer is invalid, and
    :class:`asyncio.TimeoutError` after ``open_timeout`` seconds. ``options`` go to
    :class:`~sansocket.ClientConnection` (limits...).

    ``proxy``: an ``http://[user:password@]host:port`` proxy URL to tunnel through
    (``CONNECT``; TLS for ``wss://`` runs inside the tunnel), ``True`` (the default) for the
    proxy the environment names (``HTTPS_PROXY`` for ``wss://``, ``HTTP_PROXY`` for
    ``ws://``, else ``ALL_PROXY``, skipped for hosts in ``NO_PROXY``), ``None`` to connect
    directly. A refusing proxy raises :class:`ProxyRefused`, one that does not answer HTTP
    :class:`~sansocket.ProxyError`.
    """

    def __init__(
        self,
        uri: str,
        *,
        subprotocols: Sequence[str] = (),
        origin: Optional[str] = None,
        extra_headers: Sequence[Tuple[str, str]] = (),
        read_limit: int = 1 << 18,
        open_timeout: Optional[float] = 10.0,
        close_timeout: float = 10.0,
        ssl: Optional[ssl_module.SSLContext] = None,
        proxy: Union[str, bool, None] = True,
        **options: Any,
    ) -> None:
        if "delivery" in options:
            raise TypeError("sansocket.asyncio delivers whole messages; 'delivery' is not an option")
        parts = urlsplit(uri)
        if parts.scheme not in ("ws", "wss") or not parts.hostname:
            raise ValueError(f"not a ws:// or wss:// URI: {uri!r}")
        secure = parts.scheme == "wss"
        self._host = parts.hostname
        self._port = parts.port or (443 if secure else 80)
        self._ssl = ssl if ssl is not None else (ssl_module.create_default_context() if secure else None)
        self._proxy = resolve_proxy(proxy, secure, self._host, self._port)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self._conn = ClientConnection(
            parts.netloc.rpartition("@")[2],
            target,
            subprotocols=list(subprotocols),
            origin=origin,
            extra_headers=list(extra_headers),
            **options,
        )
        self._open_timeout = open_timeout
        self._ws_options: Dict[str, Any] = dict(
            read_limit=read_limit, open_timeout=None, close_timeout=close_timeout
        )
        self._ws: Optional[WebSocket] = None

    async def _open(self) -> WebSocket:
        loop = asyncio.get_running_loop()
        if self._proxy is None:
            transport, ws = await loop.create_connection(
                lambda: WebSocket(self._conn, **self._ws_options), self._host, self._port, ssl=self._ssl
            )
        else:
            sock, rest = await open_tunnel(self._proxy, self._host, self._port)
            if rest and self._ssl is not None:
                sock.close()
                raise ConnectionError("the server spoke before the TLS handshake through the proxy")
            try:
                transport, ws = await loop.create_connection(
                    lambda: WebSocket(self._conn, **self._ws_options),
                    sock=sock,
                    ssl=self._ssl,
                    server_hostname=self._host if self._ssl is not None else None,
                )
            except BaseException:
                sock.close()
                raise
            if rest:
                ws.data_received(rest)
        try:
            await ws._opened
        except BaseException:
            transport.abort()
            raise
        return ws

    async def _connect(self) -> WebSocket:
        return await asyncio.wait_for(self._open(), self._open_timeout)

    def __await__(self) -> Generator[Any, None, WebSocket]:
        return self._connect().__await__()

    async def __aenter__(self) -> WebSocket:
        self._ws = await self._connect()
        return self._ws

    async def __aexit__(self, *exc_info: object) -> None:
        if self._ws is not None:
            await self._ws.close()
