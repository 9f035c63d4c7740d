"""Chat load: N clients in one room on loopback, posts delivered per second end to end, with
p50/p99 latency. Not a timed test: it prints one line per run.

    python bench/bench_chat.py ws://127.0.0.1:8080/stomp [--clients 100] [--senders 10]
        [--posts 100] [--direct --login guest --passcode guest]
    python bench/bench_chat.py "python -m sansocket.chat" [...]
    python bench/bench_chat.py "node bindings-wasm/examples/chat_server.mjs" [...]

The first argument is a WebSocket URL, or a chat server's command: it is started with
``127.0.0.1:0`` added, its ``/stomp`` is measured (from the ``chat: http://...`` line it
prints), and it is stopped with SIGTERM afterwards.

Every client (a ``sansocket.asyncio`` WebSocket speaking STOMP 1.2) subscribes to
``/topic/<room>`` (and joins through ``/app/rooms/<room>/join``, as the page does); the first ``--senders`` of them each send ``--posts`` posts as fast as
the connection takes them. Each post carries its send time, so every client that receives
it measures the latency; the rate is deliveries (posts x receivers) over the time from the
first send to the last delivery. With the chat server the posts go through its application
destination (``SEND /app/rooms/<room>``, the server stamps them); with ``--direct`` (a plain
broker, RabbitMQ's web-STOMP at ws://127.0.0.1:15674/ws) straight to ``/topic/<room>``.

The STOMP frames here are written and read by hand: this is a load generator, the protocol
engine is the server's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shlex
import signal
import statistics
import time
from typing import Dict, List, Optional, Tuple

from sansocket.asyncio import WebSocket, connect


def frame(command: str, headers: Dict[str, str], body: str = "") -> str:
    lines = [command] + [f"{k}:{v}" for k, v in headers.items()]
    return "\n".join(lines) + "\n\n" + body + "\0"


def text(message: object) -> str:
    """A WebSocket message as text (RabbitMQ's Web-STOMP here sends binary messages)."""
    return message.decode() if isinstance(message, bytes) else str(message)


def parse(data: str) -> List[Tuple[str, Dict[str, str], str]]:
    """The frames of one WebSocket message (heart-beat newlines skipped)."""
    frames = []
    for raw in data.split("\0"):
        raw = raw.lstrip("\r\n")
        if not raw:
            continue
        head, _, body = raw.partition("\n\n")
        command, *lines = head.split("\n")
        headers: Dict[str, str] = {}
        for line in lines:
            k, _, v = line.partition(":")
            headers.setdefault(k, v)
        frames.append((command, headers, body))
    return frames


class Client:
    def __init__(self, ws: WebSocket, room: str, direct: bool) -> None:
        self.ws = ws
        self.room = room
        self.direct = direct
        self.latencies: List[float] = []
        self.last = 0.0

    async def join(self, login: str, passcode: str) -> None:
        await self.ws.send(
            frame("CONNECT", {"accept-version": "1.2", "host": "/", "login": login,
                              "passcode": passcode, "heart-beat": "0,0"})
        )
        while not any(c == "CONNECTED" for c, _, _ in parse(text(await self.ws.recv()))):
            pass
        live = {"id": "live", "destination": f"/topic/{self.room}"}
        if self.direct:
            await self.ws.send(frame("SUBSCRIBE", {**live, "receipt": "joined"}))
            while not any(c == "RECEIPT" for c, _, _ in parse(text(await self.ws.recv()))):
                pass
            return
        reply = f"/topic/_me.{login}.{id(self)}"
        await self.ws.send(frame("SUBSCRIBE", live))
        await self.ws.send(frame("SUBSCRIBE", {"id": "reply", "destination": reply}))
        await self.ws.send(
            frame("SEND", {"destination": f"/app/rooms/{self.room}/join", "reply-to": reply})
        )
        while not any(
            h.get("subscription") == "reply" for _, h, _ in parse(text(await self.ws.recv()))
        ):
            pass

    async def receive(self, expected: int) -> None:
        got = 0
        while got < expected:
            for command, headers, body in parse(text(await self.ws.recv())):
                if command == "ERROR":
                    raise RuntimeError(f"ERROR {headers.get('message')}: {body}")
                if command != "MESSAGE" or headers.get("subscription") != "live":
                    continue
                event = json.loads(body)
                if event.get("type") != "post":
                    continue
                sent = float(event["text"].split(" ", 2)[1])
                now = time.perf_counter()
                self.latencies.append(now - sent)
                self.last = now
                got += 1

    async def send_posts(self, name: str, posts: int) -> None:
        for i in range(posts):
            text = f"{name} {time.perf_counter():.9f} {i}"
            if self.direct:
                body = json.dumps({"type": "post", "user": name, "text": text, "time": 0})
                await self.ws.send(frame("SEND", {"destination": f"/topic/{self.room}"}, body))
            else:
                await self.ws.send(frame("SEND", {"destination": f"/app/rooms/{self.room}"}, text))


async def start_server(command: str) -> Tuple["asyncio.subprocess.Process", str]:
    """Starts a chat server's command on 127.0.0.1:0: the process and its STOMP URL."""
    proc = await asyncio.create_subprocess_exec(
        *shlex.split(command), "127.0.0.1:0", stdout=asyncio.subprocess.PIPE
    )
    assert proc.stdout is not None
    line = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode()
    match = re.fullmatch(r"chat: http://([^/]+)/\s*", line)
    if match is None:
        proc.kill()
        await proc.wait()
        raise RuntimeError(f"{command}: did not start ({line!r})")
    return proc, f"ws://{match.group(1)}/stomp"


async def run(args: argparse.Namespace) -> None:
    if args.url.startswith(("ws://", "wss://")):
        await measure(args, args.url, args.url)
        return
    proc, url = await start_server(args.url)
    try:
        await measure(args, url, args.url)
    finally:
        proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.wait(), 15)


async def measure(args: argparse.Namespace, url: str, label: str) -> None:
    room = f"bench{os.getpid()}"
    clients: List[Client] = []
    for i in range(args.clients):
        ws = await connect(url, subprotocols=["v12.stomp"])
        client = Client(ws, room, args.direct)
        await client.join(args.login or f"user{i}", args.passcode)
        clients.append(client)
    expected = args.senders * args.posts
    receiving = [asyncio.ensure_future(c.receive(expected)) for c in clients]
    start = time.perf_counter()
    await asyncio.gather(*(c.send_posts(f"user{i}", args.posts) for i, c in
                           enumerate(clients[: args.senders])))
    await asyncio.wait_for(asyncio.gather(*receiving), args.timeout)
    end = max(c.last for c in clients)
    for c in clients:
        await c.ws.close()
    latencies = sorted(x for c in clients for x in c.latencies)
    deliveries = len(latencies)
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[min(deliveries - 1, int(deliveries * 0.99))] * 1000
    print(
        f"{label} clients={args.clients} senders={args.senders} posts={args.posts}: "
        f"{deliveries} deliveries in {end - start:.2f} s = {deliveries / (end - start):,.0f}/s, "
        f"p50 {p50:.1f} ms, p99 {p99:.1f} ms",
        flush=True,
    )


def main(argv: Optional[List[str]] = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("url", help="ws://HOST:PORT/stomp, or a chat server's command")
    p.add_argument("--clients", type=int, default=100)
    p.add_argument("--senders", type=int, default=10)
    p.add_argument("--posts", type=int, default=100)
    p.add_argument("--direct", action="store_true", help="a plain broker: SEND to /topic")
    p.add_argument("--login", default="")
    p.add_argument("--passcode", default="")
    p.add_argument("--timeout", type=float, default=120.0)
    asyncio.run(run(p.parse_args(argv)))


if __name__ == "__main__":
    main()
