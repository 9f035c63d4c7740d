"""``python -m sansocket.chat HOST:PORT``: the chat room (see ``--help``).

Prints ``chat: http://HOST:PORT/`` once it listens (PORT 0 picks a free port, the printed
URL says which); stops cleanly on SIGINT and SIGTERM (closing every connection with 1001).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from pathlib import Path
from typing import List, Optional, Tuple

from .server import ChatOptions, start
from .static_files import default_npm_dir


def _address(text: str) -> Tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or int(port) > 65535:
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {text!r}")
    return host.strip("[]") or "127.0.0.1", int(port)


def parse(argv: Optional[List[str]]) -> Tuple[Tuple[str, int], ChatOptions]:
    p = argparse.ArgumentParser(
        prog="python -m sansocket.chat",
        description="The chat room: the page at / and STOMP over WebSocket at /stomp, on one port.",
    )
    p.add_argument("address", type=_address, help="HOST:PORT to listen on (127.0.0.1:8080)")
    p.add_argument(
        "--npm-dir",
        type=Path,
        default=None,
        help="the npm package's folder, for the page's STOMP clients "
        "(default: $SANSOCKET_NPM_DIR or ./bindings-wasm)",
    )
    p.add_argument("--history", type=int, default=50, help="posts kept per room (50)")
    p.add_argument(
        "--max-message-size", type=int, default=64 << 10, help="largest WebSocket message (64 KiB)"
    )
    p.add_argument(
        "--heart-beat-floor",
        type=int,
        default=1000,
        help="shortest heart-beat interval granted, ms (1000); 0 turns heart-beats off",
    )
    p.add_argument(
        "--grace", type=float, default=2.0, help="a client silent this many intervals is dropped (2)"
    )
    p.add_argument(
        "--relay",
        type=_address,
        default=None,
        metavar="HOST:PORT",
        help="share rooms with other chat servers through this STOMP broker over TCP "
        "(RabbitMQ: 127.0.0.1:61613)",
    )
    p.add_argument("--relay-login", default="guest", help="the broker login (guest)")
    p.add_argument("--relay-passcode", default="guest", help="the broker passcode (guest)")
    p.add_argument("--relay-vhost", default="/", help="the broker virtual host (/)")
    args = p.parse_args(argv)
    options = ChatOptions(
        npm_dir=args.npm_dir or default_npm_dir(),
        history=args.history,
        max_message_size=args.max_message_size,
        heart_beat_floor=args.heart_beat_floor,
        relay=args.relay,
        relay_login=args.relay_login,
        relay_passcode=args.relay_passcode,
        relay_vhost=args.relay_vhost,
        grace=args.grace,
    )
    return args.address, options


async def main(argv: Optional[List[str]] = None) -> int:
    (host, port), options = parse(argv)
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    server = await start(host, port, options)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    for h, p in server.addresses():
        shown = f"[{h}]" if ":" in h else h
        print(f"chat: http://{shown}:{p}/", flush=True)
    if options.npm_dir is None:
        print("chat: no npm package folder found: the page's STOMP clients will not load "
              "(run from the repository's root or pass --npm-dir)", file=sys.stderr, flush=True)
    await stop.wait()
    await server.close()
    print("chat: stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
