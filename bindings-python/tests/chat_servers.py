"""The chat servers under test: ``python -m sansocket.chat``'s (in process) and its Node
twin, ``node bindings-wasm/examples/chat_server.mjs`` (a child process). Tests that take
the ``start_server`` fixture run against both: the same tests prove both behave the same."""

from __future__ import annotations

import asyncio
import re
import shutil
import signal
from pathlib import Path
from typing import Any, Awaitable, Callable, List, Tuple

import pytest

from sansocket.chat.server import ChatOptions, start

REPO = Path(__file__).resolve().parents[2]
NODE_SERVER = REPO / "bindings-wasm/examples/chat_server.mjs"


class NodeChatServer:
    """``node bindings-wasm/examples/chat_server.mjs`` in a child process, with what the
    tests use of :class:`ChatServer`: :meth:`addresses` and ``async with``."""

    def __init__(self, proc: "asyncio.subprocess.Process", address: Tuple[str, int]) -> None:
        self.proc = proc
        self.address = address

    @classmethod
    async def start(cls, options: ChatOptions) -> "NodeChatServer":
        proc = await asyncio.create_subprocess_exec(
            "node", str(NODE_SERVER), "127.0.0.1:0", "--history", str(options.history),
            "--heart-beat-floor", str(options.heart_beat_floor), "--grace", str(options.grace),
            *(["--npm-dir", str(options.npm_dir)] if options.npm_dir is not None else []),
            *(
                ["--relay", f"{options.relay[0]}:{options.relay[1]}", "--relay-login",
                 options.relay_login, "--relay-passcode", options.relay_passcode,
                 "--relay-vhost", options.relay_vhost]
                if options.relay is not None
                else []
            ),
            stdout=asyncio.subprocess.PIPE,
        )
        assert proc.stdout is not None
        line = (await asyncio.wait_for(proc.stdout.readline(), 20)).decode()
        match = re.fullmatch(r"chat: http://([^/]+):(\d+)/\s*", line)
        if match is None:
            proc.kill()
            await proc.wait()
            raise AssertionError(f"the Node chat server did not start: {line!r}")
        server = cls(proc, (match.group(1), int(match.group(2))))
        if options.relay is not None:  # wait for its relay, as the tests do for Python's
            while not (await asyncio.wait_for(proc.stdout.readline(), 20)).startswith(
                b"chat: relay connected"
            ):
                pass
        return server

    def addresses(self) -> List[Tuple[str, int]]:
        return [self.address]

    async def __aenter__(self) -> "NodeChatServer":
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        """SIGTERM; the server must exit 0 (twice is harmless)."""
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(self.proc.wait(), 15) == 0


Starter = Callable[[ChatOptions], Awaitable[Any]]


def node_available() -> bool:
    return shutil.which("node") is not None and (REPO / "bindings-wasm/pkg/node").is_dir()


@pytest.fixture(
    params=[
        "python",
        pytest.param(
            "node",
            marks=pytest.mark.skipif(
                not node_available(), reason="node or the npm package's build (npm run build) missing"
            ),
        ),
    ]
)
def start_server(request: Any) -> Starter:
    """Starts the chat server under test: ``python -m sansocket.chat``'s, in process, or the
    Node one (the same tests prove both behave the same)."""
    if request.param == "node":
        return NodeChatServer.start
    return lambda options: start("127.0.0.1", 0, options)
