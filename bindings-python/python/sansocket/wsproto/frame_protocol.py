"""``wsproto.frame_protocol``: the opcodes, close codes and frame constants.

Frames are parsed and built by sansocket's engine; wsproto's pure-Python parser classes
(``FrameDecoder``, ``FrameProtocol``, ``Buffer``, maskers) are not provided.
"""

from __future__ import annotations

from enum import IntEnum
from typing import NamedTuple


class Opcode(IntEnum):
    """RFC 6455 §5.2 frame opcodes."""

    CONTINUATION = 0x0
    TEXT = 0x1
    BINARY = 0x2
    CLOSE = 0x8
    PING = 0x9
    PONG = 0xA

    def iscontrol(self) -> bool:
        """True for close, ping and pong."""
        return bool(self & 0x08)


class CloseReason(IntEnum):
    """RFC 6455 §7.4.1 close codes (IANA registry)."""

    NORMAL_CLOSURE = 1000
    GOING_AWAY = 1001
    PROTOCOL_ERROR = 1002
    UNSUPPORTED_DATA = 1003
    NO_STATUS_RCVD = 1005
    ABNORMAL_CLOSURE = 1006
    INVALID_FRAME_PAYLOAD_DATA = 1007
    POLICY_VIOLATION = 1008
    MESSAGE_TOO_BIG = 1009
    MANDATORY_EXT = 1010
    INTERNAL_ERROR = 1011
    SERVICE_RESTART = 1012
    TRY_AGAIN_LATER = 1013
    TLS_HANDSHAKE_FAILED = 1015


#: Codes that report a local condition and are never sent in a close frame.
LOCAL_ONLY_CLOSE_REASONS = (
    CloseReason.NO_STATUS_RCVD,
    CloseReason.ABNORMAL_CLOSURE,
    CloseReason.TLS_HANDSHAKE_FAILED,
)

MIN_CLOSE_REASON = 1000
MIN_PROTOCOL_CLOSE_REASON = 1000
MAX_PROTOCOL_CLOSE_REASON = 2999
MIN_LIBRARY_CLOSE_REASON = 3000
MAX_LIBRARY_CLOSE_REASON = 3999
MIN_PRIVATE_CLOSE_REASON = 4000
MAX_PRIVATE_CLOSE_REASON = 4999
MAX_CLOSE_REASON = 4999

NULL_MASK = b"\x00\x00\x00\x00"
FIN_MASK = 0x80
RSV1_MASK = 0x40
RSV2_MASK = 0x20
RSV3_MASK = 0x10
OPCODE_MASK = 0x0F
MASK_MASK = 0x80
PAYLOAD_LEN_MASK = 0x7F
PAYLOAD_LENGTH_TWO_BYTE = 126
PAYLOAD_LENGTH_EIGHT_BYTE = 127
MAX_PAYLOAD_NORMAL = 125
MAX_PAYLOAD_TWO_BYTE = 2**16 - 1
MAX_PAYLOAD_EIGHT_BYTE = 2**64 - 1
MAX_FRAME_PAYLOAD = MAX_PAYLOAD_EIGHT_BYTE


class RsvBits(NamedTuple):
    """The three reserved bits of a frame header."""

    rsv1: bool
    rsv2: bool
    rsv3: bool


class ParseFailed(Exception):
    """A frame could not be parsed; ``code`` is the close code to fail with."""

    def __init__(self, msg: str, code: CloseReason = CloseReason.PROTOCOL_ERROR) -> None:
        super().__init__(msg)
        self.code = code


__all__ = [
    "CloseReason",
    "LOCAL_ONLY_CLOSE_REASONS",
    "Opcode",
    "ParseFailed",
    "RsvBits",
]
