"""The chat server's HTTP side: the page, the npm package's scripts and the refusals, on the
WebSocket's port (the engine's ``plain_http`` option and ``process_request``)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Tuple

import pytest

import sansocket as ss
from sansocket.asyncio import ConnectionRejected, connect, serve
from sansocket.chat.server import ChatOptions

from .chat_servers import Starter, start_server  # noqa: F401  (a fixture)
from .conftest import run


async def get(port: int, target: str, extra: str = "") -> Tuple[int, bytes, bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}\r\n".encode())
    response = await reader.read()  # the server closes after the answer
    writer.close()
    head, _, body = response.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, head, body


def port_of(server: Any) -> int:
    if hasattr(server, "addresses"):  # a chat server (either)
        return int(server.addresses()[0][1])
    return int(server.sockets[0].getsockname()[1])


def npm_dir(tmp_path: Path) -> Path:
    bundles = tmp_path / "node_modules/@stomp/stompjs/bundles"
    bundles.mkdir(parents=True)
    (bundles / "stomp.umd.min.js").write_text("var StompJs = {};")
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib/web.js").write_text("export const init = () => {};")
    (tmp_path / "secret.txt").write_text("no")
    return tmp_path


def test_the_page_and_its_scripts_are_served(tmp_path: Path, start_server: Starter) -> None:
    async def main() -> None:
        server = await start_server(ChatOptions(npm_dir=npm_dir(tmp_path)))
        async with server:
            port = port_of(server)
            status, head, body = await get(port, "/?room=a&user=b")
            assert status == 200
            assert b"Content-Type: text/html; charset=utf-8" in head
            assert b'<ul id="messages"' in body and b'<input id="message"' in body
            for path in ("/chat.js", "/style.css", "/clients/index.js", "/clients/stompjs.js"):
                status, head, _ = await get(port, path)
                assert status == 200, path
            status, head, body = await get(port, "/vendor/stompjs/stomp.umd.min.js")
            assert (status, body) == (200, b"var StompJs = {};")
            assert b"text/javascript" in head
            status, _, body = await get(port, "/vendor/sansocket/lib/web.js")
            assert status == 200 and b"init" in body

    run(main())


@pytest.mark.parametrize(
    "target",
    [
        "/nope.html",
        "/../README.md",
        "/clients/../../static_files.py",
        "/vendor/stompjs/../../../../secret.txt",
        "/vendor/stompjs/%2e%2e/%2e%2e/%2e%2e/%2e%2e/secret.txt",
        "/vendor/sansocket/secret.txt",
        "/clients/",
    ],
)
def test_nothing_outside_the_roots_is_served(
    tmp_path: Path, target: str, start_server: Starter
) -> None:
    async def main() -> None:
        server = await start_server(ChatOptions(npm_dir=npm_dir(tmp_path)))
        async with server:
            status, _, body = await get(port_of(server), target)
            assert status == 404, (target, body)

    run(main())


def test_upgrades_elsewhere_than_stomp_get_404(start_server: Starter) -> None:
    async def main() -> None:
        server = await start_server(ChatOptions())
        async with server:
            with pytest.raises(ConnectionRejected) as info:
                await connect(f"ws://127.0.0.1:{port_of(server)}/other")
            assert info.value.response.status_code == 404

    run(main())


def test_a_plain_request_nobody_answers_gets_426() -> None:
    async def main() -> None:
        async def handler(ws: Any) -> None:
            await ws.close()

        seen = []

        def only_upgrades(request: ss.Request) -> Any:
            seen.append(request.is_upgrade)
            return None

        server = await serve(handler, "127.0.0.1", 0, process_request=only_upgrades, plain_http=True)
        async with server:
            status, head, _ = await get(port_of(server), "/")
            assert status == 426 and b"Upgrade: websocket" in head
        assert seen == [False]

    run(main())


def test_the_sans_io_request_says_whether_it_is_an_upgrade() -> None:
    conn = ss.ServerConnection(plain_http=True)
    conn.receive_data(b"GET /x?y=1 HTTP/1.1\r\nHost: h\r\n\r\n")
    (event,) = list(conn.events())
    assert isinstance(event, ss.Request)
    assert (event.is_upgrade, event.path, event.query) == (False, "/x", "y=1")
    with pytest.raises(ss.LocalProtocolError):
        conn.accept()
    conn.reject(200, [("Content-Type", "text/plain")], b"ok")
    assert conn.data_to_send().startswith(b"HTTP/1.1 200 OK\r\n")
