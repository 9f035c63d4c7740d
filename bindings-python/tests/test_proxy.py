"""Clients through HTTP proxies: sansocket.ProxyConnect (sans-IO) and
sansocket.asyncio.connect(proxy=...) against a real proxy (tinyproxy, started here on
loopback with its own configuration), with and without credentials, refusing (407, 403),
a "proxy" that closes the connection, wss:// through the tunnel, and the environment
variables (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY, NO_PROXY)."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import ssl
import subprocess
import time
from pathlib import Path
from typing import Any, Callable, Iterator, List, Optional

import pytest

import sansocket as ss
from sansocket.asyncio import ProxyRefused, WebSocket, connect, serve

from .conftest import run

TINYPROXY = shutil.which("tinyproxy")
needs_tinyproxy = pytest.mark.skipif(
    TINYPROXY is None, reason="tinyproxy is not installed (bindings-python/test.sh installs it)"
)


async def echo(ws: WebSocket) -> None:
    async for message in ws:
        await ws.send(message)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start_tinyproxy(tmp: Path, allowed_ports: List[int], auth: Optional[str] = None) -> Iterator[int]:
    """tinyproxy in the foreground on a loopback port, CONNECT allowed to `allowed_ports`
    only; yields its port, stops it after."""
    assert TINYPROXY is not None
    port = free_port()
    lines = [
        f"Port {port}",
        "Listen 127.0.0.1",
        "Timeout 30",
        "Allow 127.0.0.1",
        "MaxClients 16",
        "LogLevel Info",
        *[f"ConnectPort {p}" for p in allowed_ports],
    ]
    if auth:
        lines.append(f"BasicAuth {auth}")
    if os.geteuid() == 0:
        lines += ["User nobody", "Group nogroup"]
    conf = tmp / "tinyproxy.conf"
    conf.write_text("\n".join(lines) + "\n")
    # In the foreground, tinyproxy logs to its standard output: tinyproxy.log.
    log = open(tmp / "tinyproxy.log", "wb")
    proc = subprocess.Popen([TINYPROXY, "-d", "-c", str(conf)], stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(100):  # at most 5 s to listen
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if proc.poll() is not None:
                    raise RuntimeError(f"tinyproxy exited: {(tmp / 'tinyproxy.log').read_text()!r}")
                time.sleep(0.05)
        else:
            raise RuntimeError("tinyproxy did not listen")
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture
def echo_port() -> Iterator[int]:
    """A port reserved for the echo server the test starts (tinyproxy allows CONNECT to it)."""
    yield free_port()


@pytest.fixture
def proxy(tmp_path: Path, echo_port: int) -> Iterator[int]:
    yield from start_tinyproxy(tmp_path, [echo_port])


@pytest.fixture
def auth_proxy(tmp_path: Path, echo_port: int) -> Iterator[int]:
    yield from start_tinyproxy(tmp_path, [echo_port], auth="user s3cret")


@pytest.fixture(autouse=True)
def no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


async def round_trip(uri: str, **kwargs: Any) -> str:
    async with connect(uri, **kwargs) as ws:
        await ws.send("through the proxy")
        reply = await ws.recv()
        assert isinstance(reply, str)
        return reply


# ---- the sans-IO class ------------------------------------------------------------------


def test_sansio_request_and_outcomes() -> None:
    p = ss.ProxyConnect("example.com", 443, username="Aladdin", password="open sesame")
    assert p.data_to_send() == (
        b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n"
        b"Proxy-Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n\r\n"
    )
    assert p.receive_data(b"HTTP/1.1 200 OK\r\n") is None
    done = p.receive_data(memoryview(b"\r\nrest"))
    assert isinstance(done, ss.ProxyConnected) and done.rest == b"rest"
    with pytest.raises(ss.ProxyError) as err:
        p.receive_data(b"x")
    assert err.value.kind == "finished"

    p = ss.ProxyConnect("h", 1)
    answer = p.receive_data(b"HTTP/1.0 407 Auth\r\nContent-Length: 2\r\n\r\nno")
    assert isinstance(answer, ss.ProxyRejected)
    assert (answer.status_code, answer.reason, answer.body) == (407, "Auth", b"no")
    assert answer.headers == [("Content-Length", "2")]

    p = ss.ProxyConnect("h", 1)
    with pytest.raises(ss.ProxyError) as err:
        p.receive_eof()
    assert err.value.kind == "closed"
    with pytest.raises(ss.ProxyError) as err:
        ss.ProxyConnect("h", 1).receive_data(b"SSH-2.0\r\n\r\n")
    assert err.value.kind == "malformed"
    with pytest.raises(ss.ProxyError) as err:
        ss.ProxyConnect("bad host", 1)
    assert err.value.kind == "invalid-target"


# ---- a real proxy -----------------------------------------------------------------------


@needs_tinyproxy
def test_ws_through_tinyproxy(proxy: int, echo_port: int, tmp_path: Path) -> None:
    async def main() -> None:
        async with serve(echo, "127.0.0.1", echo_port):
            reply = await round_trip(f"ws://127.0.0.1:{echo_port}/", proxy=f"http://127.0.0.1:{proxy}")
            assert reply == "through the proxy"

    run(main())
    log = (tmp_path / "tinyproxy.log").read_text(errors="replace")
    assert "CONNECT" in log and f"127.0.0.1:{echo_port}" in log


@needs_tinyproxy
def test_credentials_from_the_proxy_url(auth_proxy: int, echo_port: int) -> None:
    async def main() -> None:
        async with serve(echo, "127.0.0.1", echo_port):
            uri = f"ws://127.0.0.1:{echo_port}/"
            # Percent-encoded in the URL ("us%65r" is "user"), decoded before Basic encoding.
            good = f"http://us%65r:s3cret@127.0.0.1:{auth_proxy}"
            assert await round_trip(uri, proxy=good) == "through the proxy"
            with pytest.raises(ProxyRefused) as refused:
                await round_trip(uri, proxy=f"http://127.0.0.1:{auth_proxy}")
            assert refused.value.status_code == 407
            assert ("Proxy-Authenticate", 'Basic realm="Tinyproxy"') in refused.value.headers
            assert b"407" in refused.value.body
            # Wrong credentials: tinyproxy 1.11 answers 401 (other proxies 407).
            with pytest.raises(ProxyRefused) as refused:
                await round_trip(uri, proxy=f"http://user:wrong@127.0.0.1:{auth_proxy}")
            assert refused.value.status_code in (401, 407)

    run(main())


@needs_tinyproxy
def test_a_port_the_proxy_refuses_is_403(proxy: int, echo_port: int) -> None:
    other = free_port()

    async def main() -> None:
        async with serve(echo, "127.0.0.1", other):
            with pytest.raises(ProxyRefused) as refused:
                await round_trip(f"ws://127.0.0.1:{other}/", proxy=f"http://127.0.0.1:{proxy}")
            assert refused.value.status_code == 403
            assert refused.value.body  # tinyproxy's error page

    run(main())


@needs_tinyproxy
def test_wss_through_tinyproxy(proxy: int, echo_port: int, tmp_path: Path) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(cert, key)
    client_ctx = ssl.create_default_context(cafile=str(cert))

    async def main() -> None:
        async with serve(echo, "127.0.0.1", echo_port, ssl=server_ctx):
            uri = f"wss://127.0.0.1:{echo_port}/"
            reply = await round_trip(uri, proxy=f"http://127.0.0.1:{proxy}", ssl=client_ctx)
            assert reply == "through the proxy"

    run(main())


async def closing_proxy(answer: bytes = b"") -> asyncio.base_events.Server:
    """A "proxy" on loopback that reads the request, writes `answer` and closes."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(answer)
        await writer.drain()
        writer.close()

    return await asyncio.start_server(handle, "127.0.0.1", 0)


def test_a_proxy_that_closes_is_an_error_not_a_hang() -> None:
    async def main() -> None:
        for answer, kind in ((b"", "closed"), (b"HTTP/1.1 200 Conn", "closed"), (b"garbage\r\n\r\n", "malformed")):
            server = await closing_proxy(answer)
            port = server.sockets[0].getsockname()[1]
            with pytest.raises(ss.ProxyError) as err:
                await round_trip("ws://127.0.0.1:9/", proxy=f"http://127.0.0.1:{port}", open_timeout=5)
            assert err.value.kind == kind
            server.close()

    run(main())


def test_a_proxy_that_refuses_without_length_is_read_to_its_close() -> None:
    async def main() -> None:
        server = await closing_proxy(b"HTTP/1.0 502 Bad Gateway\r\n\r\ntarget down")
        port = server.sockets[0].getsockname()[1]
        with pytest.raises(ProxyRefused) as refused:
            await round_trip("ws://127.0.0.1:9/", proxy=f"http://127.0.0.1:{port}")
        assert (refused.value.status_code, refused.value.body) == (502, b"target down")
        server.close()

    run(main())


def test_only_http_proxies() -> None:
    with pytest.raises(ValueError):
        run(round_trip("ws://127.0.0.1:9/", proxy="socks5://127.0.0.1:1080"))


def test_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    async def main() -> None:
        server = await closing_proxy()
        port = server.sockets[0].getsockname()[1]
        async with serve(echo, "127.0.0.1", 0) as ws_server:
            ws_port = ws_server.sockets[0].getsockname()[1]
            uri = f"ws://127.0.0.1:{ws_port}/"
            for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
                monkeypatch.setenv(name, f"http://127.0.0.1:{port}")
                with pytest.raises(ss.ProxyError):  # went to the closing proxy
                    await round_trip(uri)
                assert await round_trip(uri, proxy=None) == "through the proxy"
                monkeypatch.delenv(name)
            # HTTPS_PROXY is for wss:// only.
            monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{port}")
            assert await round_trip(uri) == "through the proxy"
            # NO_PROXY skips the proxy for matching hosts.
            monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{port}")
            for no_proxy in ("127.0.0.1", "*", f"127.0.0.1:{ws_port}"):
                monkeypatch.setenv("NO_PROXY", no_proxy)
                assert await round_trip(uri) == "through the proxy"
        server.close()

    run(main())
