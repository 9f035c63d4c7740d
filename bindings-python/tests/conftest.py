"""Shared helpers: every async test runs under a deadline, on loopback only."""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable, TypeVar

import pytest

T = TypeVar("T")

#: Seconds any one async test may take.
DEADLINE = 30.0


def run(coro: Awaitable[T], timeout: float = DEADLINE) -> T:
    """Runs `coro` in a fresh event loop, failing after `timeout` seconds."""

    async def bounded() -> T:
        return await asyncio.wait_for(coro, timeout)

    return asyncio.run(bounded())


@pytest.fixture
def arun() -> Callable[[Awaitable[Any]], Any]:
    return run
