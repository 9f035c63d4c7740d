"""`python -m sansocket.examples.echo_server`: the Rust example's command line and behaviour."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from typing import Iterator, List

import pytest
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import ConnectionClosed as WsClosed

from .conftest import run


def start(*args: str) -> "subprocess.Popen[str]":
    return subprocess.Popen(
        [sys.executable, "-m", "sansocket.examples.echo_server", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def echo_url() -> Iterator[str]:
    proc = start("127.0.0.1:0", "--subprotocol", "v12.stomp", "--subprotocol", "v11.stomp")
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        match = re.fullmatch(r"listening on (127\.0\.0\.1:\d+)\n", line)
        assert match, f"unexpected first line {line!r}"
        yield f"ws://{match.group(1)}/"
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.mark.parametrize(
    "offer, chosen",
    [
        (["v10.stomp", "v11.stomp", "v12.stomp"], "v12.stomp"),  # the server's order decides
        (["v11.stomp", "v10.stomp"], "v11.stomp"),
        (["v10.stomp"], None),  # no match: accepted without a subprotocol
        ([], None),
    ],
)
def test_subprotocol_preference(echo_url: str, offer: List[str], chosen: str) -> None:
    async def main() -> None:
        async with ws_connect(echo_url, subprotocols=offer) as ws:  # type: ignore[arg-type]
            assert ws.subprotocol == chosen
            await ws.send("hi")
            assert await ws.recv() == "hi"

    run(main())


def test_echoes_up_to_64_mib(echo_url: str) -> None:
    async def main() -> None:
        async with ws_connect(echo_url, max_size=None, compression=None) as ws:
            big = b"\x5a" * (20 << 20)  # above the engine's 16 MiB default
            await ws.send(big)
            assert await ws.recv() == big
            text = "ü" * (1 << 20)
            await ws.send(text)
            assert await ws.recv() == text
            await ws.send(["frag", "mented"])
            assert await ws.recv() == "fragmented"
            await asyncio.wait_for(await ws.ping(b"p"), 5)
        async with ws_connect(echo_url, max_size=None, compression=None) as ws:
            with pytest.raises(WsClosed) as info:
                await ws.send(b"x" * ((64 << 20) + 1))
                await ws.recv()
            assert info.value.rcvd is not None and info.value.rcvd.code == 1009

    run(main(), timeout=60)


def test_bad_command_lines() -> None:
    for args in [[], ["nonsense"], ["127.0.0.1:0", "--bogus"]]:
        proc = start(*args)
        _, err = proc.communicate(timeout=20)
        assert proc.returncode != 0 and err


def test_deflate_unless_no_deflate(echo_url: str) -> None:
    async def extensions(url: str) -> List[str]:
        async with ws_connect(url) as ws:  # websockets offers permessage-deflate
            await ws.send("x" * 1000)
            assert await ws.recv() == "x" * 1000
            return [e.name for e in ws.protocol.extensions]

    assert run(extensions(echo_url)) == ["permessage-deflate"]
    proc = start("127.0.0.1:0", "--no-deflate")
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("listening on ")
        assert run(extensions(f"ws://{line.split()[-1]}/")) == []
    finally:
        proc.terminate()
        proc.wait(10)
