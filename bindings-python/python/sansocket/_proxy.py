"""Clients through HTTP proxies: which proxy (``proxy=`` or the environment, as websockets
and urllib read it) and the ``CONNECT`` tunnel, driven by the engine's
:class:`~sansocket.ProxyConnect` on a plain socket. Private: used by ``sansocket.asyncio``.
"""

from __future__ import annotations

import asyncio
import socket
import urllib.request
from typing import Optional, Tuple, Union
from urllib.parse import unquote, urlsplit

from ._core import ProxyConnect, ProxyRejected, WebSocketError

__all__ = ["ProxyRefused", "open_tunnel", "resolve_proxy"]


class ProxyRefused(WebSocketError):
    """The HTTP proxy refused to open a tunnel: ``status_code`` (407: credentials missing or
    wrong, 403: target not allowed, 502: target unreachable...), ``reason``, ``headers`` and
    ``body`` as the proxy sent them (the body bounded to 64 KiB)."""

    def __init__(self, answer: ProxyRejected) -> None:
        super().__init__(f"the proxy refused the tunnel: {answer.status_code} {answer.reason}")
        self.status_code = answer.status_code
        self.reason = answer.reason
        self.headers = answer.headers
        self.body = answer.body


def resolve_proxy(proxy: Union[str, bool, None], secure: bool, host: str, port: int) -> Optional[str]:
    """The proxy URL to use, or None to connect directly.

    ``proxy=True`` (the default) reads the environment as websockets and urllib do: ``HTTPS_PROXY``
    for ``wss://``, ``HTTP_PROXY`` for ``ws://``, else ``ALL_PROXY`` (lowercase names too),
    unless ``NO_PROXY`` matches the host. ``None`` or ``False``: direct. A string: that proxy.
    """
    if proxy is None or proxy is False:
        return None
    if isinstance(proxy, str):
        return proxy
    # urllib's reading of the environment (and of the system's settings on macOS and
    # Windows), as websockets does.
    proxies = urllib.request.getproxies()
    if urllib.request.proxy_bypass(f"{host}:{port}"):
        return None
    return proxies.get("https" if secure else "http") or proxies.get("all")


async def open_tunnel(proxy_url: str, host: str, port: int) -> Tuple[socket.socket, bytes]:
    """A socket connected to ``proxy_url`` and tunnelled to ``host``:``port`` with
    ``CONNECT``, and the bytes the target sent behind the proxy's answer (normally none).

    Raises :class:`ProxyRefused` for any answer but 2xx, :class:`~sansocket.ProxyError` for
    an answer that is not HTTP or a proxy that closes before answering, ``ValueError`` for a
    proxy URL that is not ``http://``, ``OSError`` when the proxy cannot be reached.
    """
    parts = urlsplit(proxy_url)
    if parts.scheme != "http" or not parts.hostname:
        raise ValueError(f"only http:// proxies are supported, not {proxy_url!r}")
    username = unquote(parts.username) if parts.username is not None else None
    password = unquote(parts.password) if parts.password is not None else None
    tunnel = ProxyConnect(host, port, username=username, password=password)
    loop = asyncio.get_running_loop()
    sock = await _connect(loop, parts.hostname, parts.port or 80)
    try:
        await loop.sock_sendall(sock, tunnel.data_to_send())
        while True:
            data = await loop.sock_recv(sock, 1 << 16)
            answer = tunnel.receive_data(data) if data else tunnel.receive_eof()
            if answer is None:
                continue
            if isinstance(answer, ProxyRejected):
                raise ProxyRefused(answer)
            return sock, answer.rest
    except BaseException:
        sock.close()
        raise


async def _connect(loop: asyncio.AbstractEventLoop, host: str, port: int) -> socket.socket:
    """A non-blocking TCP socket connected to the first address of ``host`` that answers."""
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    error: Optional[OSError] = None
    for family, kind, proto, _, address in infos:
        sock = socket.socket(family, kind, proto)
        try:
            sock.setblocking(False)
            await loop.sock_connect(sock, address)
            return sock
        except OSError as exc:
            sock.close()
            error = exc
        except BaseException:
            sock.close()
            raise
    raise error or OSError(f"cannot resolve proxy host {host!r}")
