"""``wsproto.utilities``: the exceptions and the handshake helpers wsproto's users import."""

from __future__ import annotations

import base64
import hashlib
import os
from typing import TYPE_CHECKING, Dict, List, Optional

from .typing import Headers

if TYPE_CHECKING:
    from .events import Event

#: The GUID RFC 6455 §1.3 appends to ``Sec-WebSocket-Key``.
ACCEPT_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class ProtocolError(Exception):
    """Base class of ``LocalProtocolError`` and ``RemoteProtocolError``."""


class LocalProtocolError(ProtocolError):
    """The application asked for something the connection's state does not allow."""


class RemoteProtocolError(ProtocolError):
    """The peer's opening handshake was invalid (raised by ``receive_data`` only).

    ``event_hint`` is the event to ``send()`` back (for a server, the HTTP refusal),
    or None.
    """

    def __init__(self, message: str, event_hint: Optional[Event] = None) -> None:
        self.event_hint = event_hint
        super().__init__(message)


def normed_header_dict(headers: Headers) -> Dict[bytes, bytes]:
    """The headers as a dict of lower-cased names; repeated headers joined with ``", "``."""
    out: Dict[bytes, bytes] = {}
    for name, value in headers:
        name = name.lower()
        out[name] = out[name] + b", " + value if name in out else value
    return out


def split_comma_header(value: bytes) -> List[str]:
    """The comma-separated items of a header value, stripped, as ASCII strings."""
    return [item.strip() for item in value.decode("ascii").split(",") if item.strip()]


def generate_nonce() -> bytes:
    """A new ``Sec-WebSocket-Key``: 16 random bytes, base64-encoded."""
    return base64.b64encode(os.urandom(16))


def generate_accept_token(token: bytes) -> bytes:
    """The ``Sec-WebSocket-Accept`` value answering the key ``token``."""
    digest = hashlib.sha1(token + ACCEPT_GUID).digest()  # noqa: S324 (RFC 6455 §4.2.2)
    return base64.b64encode(digest)


__all__ = [
    "ACCEPT_GUID",
    "LocalProtocolError",
    "ProtocolError",
    "RemoteProtocolError",
    "generate_accept_token",
    "generate_nonce",
    "normed_header_dict",
    "split_comma_header",
]
