"""The RabbitMQ broker these tests talk to: started by tests/stomp/run.sh
(tests/services/rabbitmq.sh), never by the tests themselves. Addresses come from the
environment that script exports, with its defaults."""

from __future__ import annotations

import os
import socket
from typing import Tuple

import pytest

STOMP_ADDR: Tuple[str, int] = (
    os.environ.get("RABBITMQ_STOMP_HOST", "127.0.0.1"),
    int(os.environ.get("RABBITMQ_STOMP_PORT", "61613")),
)
WS_ADDR: Tuple[str, int] = (
    os.environ.get("RABBITMQ_WS_HOST", "127.0.0.1"),
    int(os.environ.get("RABBITMQ_WS_PORT", "15674")),
)
WS_PATH = "/ws"
USER = os.environ.get("RABBITMQ_USER", "guest")
PASSWORD = os.environ.get("RABBITMQ_PASSWORD", "guest")
#: Seconds to wait for any one reply of the broker.
TIMEOUT = 10.0


def _reachable(addr: Tuple[str, int]) -> bool:
    try:
        socket.create_connection(addr, timeout=2).close()
        return True
    except OSError:
        return False


@pytest.fixture(scope="session", autouse=True)
def rabbitmq() -> None:
    """Fails (not skips) when the broker is down: these tests exist to talk to it."""
    for addr in (STOMP_ADDR, WS_ADDR):
        assert _reachable(addr), f"RabbitMQ is not listening on {addr}: bash tests/services/rabbitmq.sh start"
