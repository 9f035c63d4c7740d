"""An echo server on ``sansocket.asyncio``: every text and binary message is sent back.

    python -m sansocket.examples.echo_server 127.0.0.1:9002 \\
        [--subprotocol v12.stomp --subprotocol v11.stomp] [--no-deflate]

The same command line and behaviour as the Rust example (``cargo run --release -p sansocket
--example echo_server -- ADDR ...``): messages up to 64 MiB; with ``--subprotocol``, the
first of those names (in the order given) that the client offers is selected, and without a
match the connection is accepted with no subprotocol. permessage-deflate is accepted when a
client offers it, unless ``--no-deflate``. Prints ``listening on HOST:PORT`` once ready
(port 0 picks a free port). Runs on uvloop when it is installed.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any, Coroutine, List, Optional, Tuple, Union

from sansocket.asyncio import WebSocket, serve

#: The Rust example's limits: 64 MiB per frame and per message.
MAX_SIZE = 64 << 20


def echo(ws: WebSocket, message: Union[str, bytes]) -> None:
    """Sends the message back. Called for each message as it is read (``on_message``): the
    same as a handler ``async for message in ws: await ws.send(message)``, without a task
    switch per message, and the answers to one read go out in one write (at once from 1 MiB queued)."""
    ws.send_nowait(message)


def split_addr(addr: str) -> Tuple[str, int]:
    """``host:port`` or ``[v6]:port``."""
    host, sep, port = addr.rpartition(":")
    if not sep or not port.isdigit():
        raise ValueError(f"expected HOST:PORT, got {addr!r}")
    return host.strip("[]"), int(port)


async def run(addr: str, subprotocols: List[str], deflate: bool) -> None:
    """Serves until cancelled."""
    host, port = split_addr(addr)
    server = await serve(
        None,
        host,
        port,
        on_message=echo,
        subprotocols=subprotocols,
        max_message_size=MAX_SIZE,
        max_frame_size=MAX_SIZE,
        deflate=deflate,
    )
    async with server:
        name = server.sockets[0].getsockname()
        shown = f"[{name[0]}]:{name[1]}" if ":" in name[0] else f"{name[0]}:{name[1]}"
        print(f"listening on {shown}", flush=True)
        await server.serve_forever()


def run_loop(main: Coroutine[Any, Any, None]) -> None:
    """Runs ``main`` on uvloop when it is installed (``pip install sansocket[uvloop]``), on
    asyncio's own loop otherwise."""
    try:
        import uvloop
    except ImportError:
        asyncio.run(main)
    else:
        uvloop.run(main)


def main(argv: Optional[List[str]] = None) -> int:
    """The command line; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m sansocket.examples.echo_server", description="WebSocket echo server."
    )
    parser.add_argument("addr", metavar="ADDR", help="HOST:PORT to listen on")
    parser.add_argument(
        "--subprotocol",
        action="append",
        default=[],
        metavar="NAME",
        help="a subprotocol to accept, in order of preference (repeatable)",
    )
    parser.add_argument(
        "--no-deflate", action="store_true", help="refuse permessage-deflate (RFC 7692)"
    )
    args = parser.parse_args(argv)
    try:
        run_loop(run(args.addr, args.subprotocol, not args.no_deflate))
    except KeyboardInterrupt:
        pass
    except (OSError, ValueError) as exc:
        print(f"echo_server: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
