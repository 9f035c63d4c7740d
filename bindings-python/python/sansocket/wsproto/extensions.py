"""``wsproto.extensions``: extension negotiation objects.

Negotiation (``offer``, ``accept``, ``finalize``) happens here, in wsproto's terms; the
compression itself is sansocket's engine's (bounded inflation, at most 64 KiB per event).
A custom ``Extension`` is negotiated (its header is sent and parsed) but its frame hooks are
not called: the engine only runs permessage-deflate on frames.
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Tuple, Union

from .frame_protocol import CloseReason, Opcode, RsvBits

#: wsproto passes its frame parser to the hooks; sansocket never calls them.
FrameProtocol = Any


class Extension:
    """Base class of extensions: ``name``, and the negotiation methods to override."""

    name: str

    def enabled(self) -> bool:
        """True once negotiated."""
        return False

    def offer(self) -> Union[bool, str]:
        """Client: the offer's parameters (a string), True to offer without parameters,
        False not to offer."""
        raise NotImplementedError

    def accept(self, offer: str) -> Optional[Union[bool, str]]:
        """Server: the answer to ``offer`` (its parameters, True for none), or None/False to
        decline."""
        return None

    def finalize(self, offer: str) -> None:
        """Client: the server's answer, to apply."""

    def frame_inbound_header(
        self,
        proto: FrameProtocol,
        opcode: Opcode,
        rsv: RsvBits,
        payload_length: int,
    ) -> Union[CloseReason, RsvBits]:
        """Frame hook (kept for the API; sansocket's engine does not call it)."""
        return RsvBits(False, False, False)

    def frame_inbound_payload_data(
        self, proto: FrameProtocol, data: bytes
    ) -> Union[bytes, CloseReason]:
        """Frame hook (kept for the API; not called)."""
        return data

    def frame_inbound_complete(
        self, proto: FrameProtocol, fin: bool
    ) -> Union[bytes, CloseReason, None]:
        """Frame hook (kept for the API; not called)."""
        return None

    def frame_outbound(
        self,
        proto: FrameProtocol,
        opcode: Opcode,
        rsv: RsvBits,
        data: bytes,
        fin: bool,
    ) -> Tuple[RsvBits, bytes]:
        """Frame hook (kept for the API; not called)."""
        return (rsv, data)


def _params(text: str) -> Dict[str, Optional[str]]:
    """``name; a=1; b`` → ``{"a": "1", "b": None}`` (the name is skipped)."""
    out: Dict[str, Optional[str]] = {}
    for part in text.split(";")[1:]:
        key, eq, value = part.strip().partition("=")
        if key:
            out[key.strip()] = value.strip().strip('"') if eq else None
    return out


def _bits(value: Optional[str], default: int) -> Optional[int]:
    """A window size parameter's value, or None if it is not a number in 9–15."""
    if value is None:
        return default
    try:
        bits = int(value)
    except ValueError:
        return None
    return bits if 9 <= bits <= 15 else None


class PerMessageDeflate(Extension):
    """permessage-deflate (RFC 7692) with its four parameters."""

    name = "permessage-deflate"

    DEFAULT_CLIENT_MAX_WINDOW_BITS = 15
    DEFAULT_SERVER_MAX_WINDOW_BITS = 15

    def __init__(
        self,
        client_no_context_takeover: bool = False,
        client_max_window_bits: Optional[int] = None,
        server_no_context_takeover: bool = False,
        server_max_window_bits: Optional[int] = None,
    ) -> None:
        self.client_no_context_takeover = client_no_context_takeover
        self.server_no_context_takeover = server_no_context_takeover
        self._client_max_window_bits = self.DEFAULT_CLIENT_MAX_WINDOW_BITS
        self._server_max_window_bits = self.DEFAULT_SERVER_MAX_WINDOW_BITS
        if client_max_window_bits is not None:
            self.client_max_window_bits = client_max_window_bits
        if server_max_window_bits is not None:
            self.server_max_window_bits = server_max_window_bits
        self._enabled = False

    @property
    def client_max_window_bits(self) -> int:
        """The client's compression window, 9–15 bits."""
        return self._client_max_window_bits

    @client_max_window_bits.setter
    def client_max_window_bits(self, value: int) -> None:
        if value < 9 or value > 15:
            raise ValueError("Window size must be between 9 and 15 inclusive")
        self._client_max_window_bits = value

    @property
    def server_max_window_bits(self) -> int:
        """The server's compression window, 9–15 bits."""
        return self._server_max_window_bits

    @server_max_window_bits.setter
    def server_max_window_bits(self, value: int) -> None:
        if value < 9 or value > 15:
            raise ValueError("Window size must be between 9 and 15 inclusive")
        self._server_max_window_bits = value

    def enabled(self) -> bool:
        return self._enabled

    def offer(self) -> Union[bool, str]:
        parts = [
            f"client_max_window_bits={self.client_max_window_bits}",
            f"server_max_window_bits={self.server_max_window_bits}",
        ]
        if self.client_no_context_takeover:
            parts.append("client_no_context_takeover")
        if self.server_no_context_takeover:
            parts.append("server_no_context_takeover")
        return "; ".join(parts)

    def finalize(self, offer: str) -> None:
        params = _params(offer)
        if "client_max_window_bits" in params:
            value = params["client_max_window_bits"]
            if value is not None:
                self.client_max_window_bits = int(value)
        if "server_max_window_bits" in params:
            value = params["server_max_window_bits"]
            if value is not None:
                self.server_max_window_bits = int(value)
        if "client_no_context_takeover" in params:
            self.client_no_context_takeover = True
        if "server_no_context_takeover" in params:
            self.server_no_context_takeover = True
        self._enabled = True

    def accept(self, offer: str) -> Union[bool, None, str]:
        params = _params(offer)
        answer = []
        if "client_no_context_takeover" in params:
            self.client_no_context_takeover = True
        if "server_no_context_takeover" in params:
            self.server_no_context_takeover = True
        if "client_max_window_bits" in params:
            bits = _bits(params["client_max_window_bits"], self.client_max_window_bits)
            if bits is None:
                return None
            self.client_max_window_bits = min(bits, self.client_max_window_bits)
            answer.append(f"client_max_window_bits={self.client_max_window_bits}")
        if "server_max_window_bits" in params:
            bits = _bits(params["server_max_window_bits"], self.server_max_window_bits)
            if bits is None:
                return None
            self.server_max_window_bits = bits
            answer.append(f"server_max_window_bits={self.server_max_window_bits}")
        if self.client_no_context_takeover:
            answer.append("client_no_context_takeover")
        if self.server_no_context_takeover:
            answer.append("server_no_context_takeover")
        self._enabled = True
        return "; ".join(answer) if answer else True

    def engine_params(self) -> Dict[str, Any]:
        """The negotiated parameters as sansocket's ``deflate_params`` (for ``opened``)."""
        return {
            "client_no_context_takeover": self.client_no_context_takeover,
            "server_no_context_takeover": self.server_no_context_takeover,
            "client_max_window_bits": self.client_max_window_bits,
            "server_max_window_bits": self.server_max_window_bits,
        }

    def __repr__(self) -> str:
        descr = [f"client_max_window_bits={self.client_max_window_bits}"]
        if self.client_no_context_takeover:
            descr.append("client_no_context_takeover")
        descr.append(f"server_max_window_bits={self.server_max_window_bits}")
        if self.server_no_context_takeover:
            descr.append("server_no_context_takeover")
        return f"<{type(self).__name__} {'; '.join(descr)}>"


#: The extensions wsproto knows by name.
SUPPORTED_EXTENSIONS = {PerMessageDeflate.name: PerMessageDeflate}

__all__ = ["Extension", "PerMessageDeflate", "SUPPORTED_EXTENSIONS"]
