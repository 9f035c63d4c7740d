"""The chat server end to end over STOMP: sansocket's own STOMP client (``sansocket.stomp``
on ``sansocket.asyncio``) against ``sansocket.chat`` on loopback: joins, history, posts,
leaves, bad frames, a flooding client, 200 clients in one room."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any, Dict, List, Optional, Tuple

from sansocket.asyncio import ConnectionClosed, WebSocket, connect
from sansocket.chat.server import ChatOptions
from sansocket.stomp import ClientSession, Connected, Message, Receipt

from .chat_servers import Starter, start_server  # noqa: F401  (a fixture)
from .conftest import run



def now() -> int:
    return int(time.monotonic() * 1000)


class Client:
    """One chat page, without a browser: what chat.js does, through ``sansocket.stomp``."""

    def __init__(self, ws: WebSocket, session: ClientSession, user: str) -> None:
        self.ws = ws
        self.session = session
        self.user = user
        self.pending: List[Any] = []

    @classmethod
    async def open(cls, server: Any, user: str, room: Optional[str] = None) -> "Client":
        host, port = server.addresses()[0]
        ws = await connect(f"ws://{host}:{port}/stomp", subprotocols=["v12.stomp"])
        client = cls(ws, ClientSession(now(), login=user, heart_beat=(0, 0)), user)
        await client.flush()
        assert isinstance(await client.next(), Connected)
        if room is not None:
            await client.join(room)
        return client

    async def flush(self) -> None:
        data = self.session.data_to_send(now())
        if data:
            await self.ws.send(data.decode())

    async def next(self) -> Any:
        while not self.pending:
            message = await self.ws.recv()
            self.session.receive_data(message.encode() if isinstance(message, str) else message, now())
            while (event := self.session.next_event()) is not None:
                self.pending.append(event)
        return self.pending.pop(0)

    async def next_json(self) -> Tuple[str, Dict[str, Any]]:
        while True:
            event = await self.next()
            if isinstance(event, Message):
                return event.destination, json.loads(event.body)

    async def join(self, room: str) -> Dict[str, Any]:
        self.session.subscribe(f"/topic/{room}")
        reply = f"/topic/_me.{self.user}"
        self.session.subscribe(reply)
        self.session.send(f"/app/rooms/{room}/join", b"", [("reply-to", reply)])
        await self.flush()
        while True:
            destination, event = await self.next_json()
            if destination == reply:
                return event

    async def posts(self, n: int) -> List[Tuple[str, Dict[str, Any]]]:
        """The next ``n`` posts (skipping joins and leaves)."""
        got: List[Tuple[str, Dict[str, Any]]] = []
        while len(got) < n:
            destination, event = await self.next_json()
            if event["type"] == "post":
                got.append((destination, event))
        return got

    async def close(self) -> None:
        await self.ws.close()

    async def post(self, room: str, text: str) -> None:
        self.session.send(f"/app/rooms/{room}", text.encode())
        await self.flush()


def test_join_history_posts_and_leaves(start_server: Starter) -> None:
    async def main() -> None:
        async with await start_server(ChatOptions(history=2)) as server:
            alice = await Client.open(server, "alice")
            history = await alice.join("r")
            assert history == {"type": "history", "posts": [], "online": ["alice"]}
            assert (await alice.next_json())[1] == {"type": "join", "user": "alice", "online": ["alice"]}
            bob = await Client.open(server, "bob", "r")
            assert (await alice.next_json())[1]["online"] == ["alice", "bob"]
            for text in ("one", "two", "three"):
                await alice.post("r", text)
            for client in (alice, bob):
                seen = await client.posts(3)
                assert [(d, e["user"], e["text"], e["id"]) for d, e in seen] == [
                    ("/topic/r", "alice", "one", 0),
                    ("/topic/r", "alice", "two", 1),
                    ("/topic/r", "alice", "three", 2),
                ]
                assert all(isinstance(e["time"], int) for _, e in seen)
            carol = await Client.open(server, "carol")
            history = await carol.join("r")
            assert [p["text"] for p in history["posts"]] == ["two", "three"]  # history=2
            assert history["online"] == ["alice", "bob", "carol"]
            await alice.ws.close()
            for client in (bob, carol):
                _, event = await client.next_json()
                while event["type"] == "join":
                    _, event = await client.next_json()
                assert event == {"type": "leave", "user": "alice", "online": ["bob", "carol"]}
            await bob.close()
            await carol.close()

    run(main())


def test_topics_and_queues_directly_as_with_springs_simple_broker(start_server: Starter) -> None:
    async def main() -> None:
        async with await start_server(ChatOptions()) as server:
            a = await Client.open(server, "a")
            b = await Client.open(server, "b")
            b.session.subscribe("/queue/work", headers=[("receipt", "sub")])
            await b.flush()
            assert isinstance(await b.next(), Receipt)
            a.session.send("/queue/work", b"job 1", [("receipt", "sent")])
            await a.flush()
            assert isinstance(await a.next(), Receipt)
            message = await b.next()
            assert isinstance(message, Message) and message.body == b"job 1"
            await a.close()
            await b.close()

    run(main())


def test_a_malformed_frame_gets_error_then_close(start_server: Starter) -> None:
    async def main() -> None:
        async with await start_server(ChatOptions()) as server:
            host, port = server.addresses()[0]
            ws = await connect(f"ws://{host}:{port}/stomp", subprotocols=["v12.stomp"])
            await ws.send("CONNECT\naccept-version:1.2\nhost:/\nlogin:x\n\n\0")
            assert str(await ws.recv()).startswith("CONNECTED\n")
            await ws.send("SEND\ndestination:/topic/r\nbad-escape:\\q\n\nx\0")
            error = str(await ws.recv())
            assert error.startswith("ERROR\n"), error
            try:
                extra = await ws.recv()
                raise AssertionError(f"expected the close, got {extra!r}")
            except ConnectionClosed:
                pass
            # The server is fine afterwards.
            ok = await Client.open(server, "after", "r")
            await ok.ws.close()

    run(main())


def test_a_flooding_client_does_not_stall_the_others(start_server: Starter) -> None:
    async def main() -> None:
        async with await start_server(ChatOptions()) as server:
            alice = await Client.open(server, "alice", "quiet")
            bob = await Client.open(server, "bob", "quiet")
            await alice.next_json()  # bob's join
            flooder = await Client.open(server, "flooder", "loud")
            body = "x" * 1000
            stop = asyncio.Event()

            async def flood() -> int:
                sent = 0
                try:
                    # Never reads: its own posts pile up for it. Bounded (20 MB of posts), so
                    # that a server which keeps feeding it cannot grow this process forever.
                    while not stop.is_set() and sent < 20_000:
                        await flooder.post("loud", body)
                        sent += 1
                except ConnectionClosed:
                    pass
                return sent

            flooding = asyncio.ensure_future(flood())
            await asyncio.sleep(0.2)
            started = time.monotonic()
            await alice.post("quiet", "still here?")
            (_, event), = await bob.posts(1)
            assert event["text"] == "still here?"
            assert time.monotonic() - started < 2.0
            stop.set()
            assert await flooding > 0
            await alice.close()
            await bob.close()
            await flooder.ws.close()

    run(main())


def test_200_clients_receive_every_post_in_order_per_sender(start_server: Starter) -> None:
    async def main() -> None:
        async with await start_server(ChatOptions()) as server:
            clients = [await Client.open(server, f"u{i}", "big") for i in range(200)]
            senders, posts = clients[:4], 10
            for s in senders:
                for n in range(posts):
                    await s.post("big", f"{s.user} {n}")

            async def collect(c: Client) -> Dict[str, List[int]]:
                got: Dict[str, List[int]] = {}
                while sum(map(len, got.values())) < len(senders) * posts:
                    _, event = await c.next_json()
                    if event["type"] == "post":
                        user, n = event["text"].split()
                        got.setdefault(user, []).append(int(n))
                return got

            results = await asyncio.gather(*(collect(c) for c in clients))
            want = {s.user: list(range(posts)) for s in senders}
            assert all(r == want for r in results)
            await asyncio.gather(*(c.close() for c in clients))

    run(main(), timeout=120)


def test_heart_beats_granted_down_to_the_floor_and_a_silent_client_dropped(
    start_server: Starter,
) -> None:
    async def main() -> None:
        async with await start_server(ChatOptions(heart_beat_floor=200, grace=1.5)) as server:
            host, port = server.addresses()[0]
            ws = await connect(f"ws://{host}:{port}/stomp", subprotocols=["v12.stomp"])
            # The client says it sends every 50 ms and wants one every 10 s.
            await ws.send("CONNECT\naccept-version:1.2\nhost:/\nlogin:x\nheart-beat:50,10000\n\n\0")
            connected = str(await ws.recv())
            assert connected.startswith("CONNECTED\n")
            # The server offers its floor both ways: negotiated, the client must send every
            # max(50, 200) ms.
            assert "\nheart-beat:200,200\n" in connected, connected
            started = time.monotonic()
            received = []
            try:
                while True:  # silent: dropped after about 200 ms x 1.5
                    received.append(await ws.recv())
            except ConnectionClosed:
                pass
            assert 0.2 < time.monotonic() - started < 5.0
            assert any(str(m).startswith("ERROR\n") for m in received), received

    run(main())
