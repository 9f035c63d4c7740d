"""Rooms across two chat servers through an external STOMP broker (``--relay``): RabbitMQ's
STOMP plugin, at ``$CHAT_RELAY`` (HOST:PORT; tests/chat/run.sh starts RabbitMQ and sets
it). Skipped without it."""

from __future__ import annotations

import asyncio
import os
from typing import Any, Tuple

import pytest

from sansocket.chat.server import ChatOptions, start

from .chat_servers import NodeChatServer, node_available
from .conftest import run
from .test_chat_stomp import Client

RELAY = os.environ.get("CHAT_RELAY")
pytestmark = pytest.mark.skipif(not RELAY, reason="CHAT_RELAY (a STOMP broker HOST:PORT) not set")


async def relayed_server(kind: str = "python") -> Any:
    """A chat server relaying to $CHAT_RELAY: Python's (in process) or Node's."""
    assert RELAY is not None
    host, _, port = RELAY.rpartition(":")
    options = ChatOptions(relay=(host, int(port)))
    if kind == "node":
        return await NodeChatServer.start(options)
    server = await start("127.0.0.1", 0, options)
    relay = server.chat.app.relay
    assert relay is not None
    await asyncio.wait_for(relay.wait_connected(), 20)
    return server


NODE = pytest.mark.skipif(not node_available(), reason="node or the npm package's build missing")


@pytest.mark.parametrize(
    "kinds",
    [
        ("python", "python"),
        pytest.param(("node", "node"), marks=NODE),
        pytest.param(("python", "node"), marks=NODE),
        pytest.param(("node", "python"), marks=NODE),
    ],
)
def test_two_servers_share_a_room_and_one_stopping_does_not_disturb_the_other(
    kinds: Tuple[str, str],
) -> None:
    async def main() -> None:
        room = f"relay{os.getpid()}{kinds[0][0]}{kinds[1][0]}"
        one, two = await relayed_server(kinds[0]), await relayed_server(kinds[1])
        try:
            alice = await Client.open(one, "alice", room)
            bob = await Client.open(two, "bob", room)
            dave = await Client.open(two, "dave", room)
            await asyncio.sleep(0.5)  # the relay's SUBSCRIBEs reach the broker
            await alice.post(room, "from one")
            for c in (alice, bob, dave):
                (_, post), = await c.posts(1)
                assert (post["user"], post["text"]) == ("alice", "from one")
            await bob.post(room, "from two")
            for c in (alice, bob, dave):
                (_, post), = await c.posts(1)
                assert (post["user"], post["text"]) == ("bob", "from two")
            await one.close()
            _, left = await bob.next_json()
            while left["type"] != "leave":
                _, left = await bob.next_json()
            assert left == {"type": "leave", "user": "alice", "online": ["bob", "dave"]}
            await bob.post(room, "still here")
            for c in (bob, dave):
                (_, post), = await c.posts(1)
                assert (post["user"], post["text"]) == ("bob", "still here")
            carol = await Client.open(two, "carol")
            history = await carol.join(room)
            assert [p["text"] for p in history["posts"]] == ["from one", "from two", "still here"]
            for c in (bob, dave, carol):
                await c.close()
        finally:
            await one.close()
            await two.close()

    run(main(), timeout=60)
