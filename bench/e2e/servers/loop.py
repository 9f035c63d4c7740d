"""The event loop of every Python server of the benchmark: uvloop, or asyncio's own loop
with ``E2E_UVLOOP=0`` (the same choice for sansocket and the peers)."""

from __future__ import annotations

import asyncio
import os


def use_uvloop() -> bool:
    """Whether the servers run on uvloop."""
    return os.environ.get("E2E_UVLOOP", "1") != "0"


def install() -> None:
    """Makes ``asyncio.run`` use the chosen loop."""
    if use_uvloop():
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


def split_addr(addr: str) -> tuple[str, int]:
    """``HOST:PORT``."""
    host, _, port = addr.rpartition(":")
    return host, int(port)
