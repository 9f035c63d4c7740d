"""Rooms across two chat servers through an external STOMP broker (``--relay``): RabbitMQ's
STOMP plugin, at ``$CHAT_RELAY`` (HOST:PORT; tests/chat/run.sh starts RabbitMQ and sets
it). Skipped without it."""

from __future__ import annotations

import asyncio
import os

import pytest

from sansocket.chat.server import ChatOptions, ChatServer, start

from .conftest import run
from .test_chat_stomp import Client

RELAY = os.environ.get("CHAT_RELAY")
pytestmark = pytest.mark.skipif(not RELAY, reason="CHAT_RELAY (a STOMP broker HOST:PORT) not set")


async def relayed_server() -> ChatServer:
    assert RELAY is not None
    host, _, port = RELAY.rpartition(":")
    server = await start("127.0.0.1", 0, ChatOptions(relay=(host, int(port))))
    relay = server.chat.app.relay
    assert relay is not None
    await asyncio.wait_for(relay.wait_connected(), 20)
    return server


def test_two_servers_share_a_room_and_one_stopping_does_not_disturb_the_other() -> None:
    async def main() -> None:
        room = f"relay{os.getpid()}"
        one, two = await relayed_server(), await relayed_server()
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
