"""sansocket.wsproto's direct paths: whole messages made straight from the read on receive,
and a server's frame made in one `bytes` on send.

Every stream is fed in reads of many sizes (and at random cuts), with `events()` asked after
each read or only at the end; the events must be those of the same stream fed a byte at a
time (where no read ever holds a whole frame: the engine's own path) and, for the messages,
those of wsproto 1.3.2 itself. Frames are sent as wsproto 1.3.2 sends them."""

from __future__ import annotations

import random
from typing import Any, Iterable, List, Optional, Sequence, Tuple

import pytest
import wsproto.connection as real_connection
import wsproto.events as real_events

from sansocket import _core
from sansocket.wsproto.connection import CLIENT, SERVER, Connection, ConnectionState
from sansocket.wsproto.events import (
    BytesMessage,
    CloseConnection,
    Message,
    Ping,
    Pong,
    TextMessage,
)
from sansocket.wsproto.frame_protocol import CloseReason
from sansocket.wsproto.utilities import LocalProtocolError

from .test_wsproto import client_frame

Normal = Tuple[Any, ...]

TEXT = ("héllo wörld ✓ 🙂 " * 1200).encode()  # about 24 KiB, multi-byte characters
HEX = bytes(range(48, 58)) * 1700  # 17 000 bytes of ASCII


def normalize(events: Iterable[Any]) -> List[Normal]:
    """Events as comparable tuples, each message's pieces joined (where a library cuts a
    message into pieces is its own business; what the pieces hold and where messages end
    is not): a message is listed where its last piece arrived."""
    out: List[Normal] = []
    parts: List[Any] = []
    for event in events:
        if isinstance(event, (Message, real_events.Message)):
            parts.append(event.data)
            if event.message_finished:
                kind = "text" if isinstance(event.data, str) else "binary"
                joined = "".join(parts) if kind == "text" else b"".join(parts)
                out.append((kind, joined))
                parts = []
            continue
        # (a control frame may arrive between a message's fragments: the pieces go on)
        if isinstance(event, (Ping, real_events.Ping)):
            out.append(("ping", bytes(event.payload)))
        elif isinstance(event, (Pong, real_events.Pong)):
            out.append(("pong", bytes(event.payload)))
        elif isinstance(event, (CloseConnection, real_events.CloseConnection)):
            out.extend(unfinished(parts))
            parts = []
            out.append(("close", int(event.code), event.reason or ""))
        else:
            out.append(("other", type(event).__name__))
    return out + unfinished(parts)


def unfinished(parts: List[Any]) -> List[Normal]:
    """The pieces of a message that did not finish (what they hold, joined)."""
    if not parts:
        return []
    kind = "text" if isinstance(parts[0], str) else "binary"
    return [("unfinished " + kind, "".join(parts) if kind == "text" else b"".join(parts))]


def feed(
    stream: bytes,
    cuts: Sequence[int],
    each_read: bool = True,
    conn: Optional[Connection] = None,
    **limits: Any,
) -> Tuple[List[Any], Connection]:
    """The events of `stream` read in pieces ending at `cuts`."""
    conn = conn if conn is not None else Connection(SERVER, **limits)
    events: List[Any] = []
    start = 0
    for end in list(cuts) + [len(stream)]:
        if end <= start:
            continue
        conn.receive_data(stream[start:end])
        start = end
        if each_read:
            events.extend(conn.events())
    events.extend(conn.events())
    return events, conn


def bytewise(stream: bytes, **limits: Any) -> List[Normal]:
    return normalize(feed(stream, range(1, len(stream)), **limits)[0])


def wsproto_events(stream: bytes) -> List[Normal]:
    """What wsproto 1.3.2 makes of the stream (read at once)."""
    conn = real_connection.Connection(real_connection.ConnectionType.SERVER)
    conn.receive_data(stream)
    return normalize(conn.events())


def settled(events: List[Normal]) -> List[Normal]:
    """Without the pieces of a message cut short by an error (how much of it arrived
    before depends on the reads)."""
    return [e for e in events if not e[0].startswith("unfinished")]


def codes(events: List[Normal]) -> List[Normal]:
    """Settled events, close events without their reason."""
    return [e[:2] if e[0] == "close" else e for e in settled(events)]


def read_plans(stream: bytes) -> List[Tuple[str, List[int]]]:
    """Reads of fixed sizes, and random cuts."""
    plans = [("whole", [])]
    for size in (2, 7, 64, 125, 131, 1000, 4096, 16 << 10, (16 << 10) + 9, 64 << 10):
        plans.append((f"{size} B reads", list(range(size, len(stream), size))))
    rng = random.Random(len(stream))
    for i in range(4):
        cuts = sorted(rng.sample(range(1, len(stream)), min(12, len(stream) - 1)))
        plans.append((f"random cuts {i}", cuts))
    return plans


MIXED = (
    client_frame(0x1, TEXT)
    + client_frame(0x2, HEX)
    + client_frame(0x1, b"")
    + client_frame(0x2, b"")
    + client_frame(0x1, "ünïcødé".encode() * 18)  # 126 bytes: the 16-bit length
    + client_frame(0x9, b"ping")
    + client_frame(0x1, TEXT[:5000], fin=False)  # a fragmented message, a ping inside
    + client_frame(0xA, b"pong")
    + client_frame(0x0, TEXT[5000:9001], fin=False)  # cut inside a character
    + client_frame(0x0, TEXT[9001:], fin=True)
    + client_frame(0x2, HEX[:125])
    + client_frame(0x2, bytes(70000))  # the 64-bit length
    + client_frame(0x1, b"last")
    + client_frame(0x8, (1000).to_bytes(2, "big") + b"bye")
    + client_frame(0x1, b"after the close: never decoded")
)


@pytest.mark.parametrize("each_read", [True, False], ids=["events each read", "events at end"])
def test_every_chunking_gives_the_engines_events(each_read: bool) -> None:
    expected = bytewise(MIXED)
    assert expected == wsproto_events(MIXED)
    assert expected[-1] == ("close", 1000, "bye") and expected[0] == ("text", TEXT.decode())
    for name, cuts in read_plans(MIXED):
        events, _ = feed(MIXED, cuts, each_read)
        assert normalize(events) == expected, name


def test_a_whole_frame_in_a_read_is_one_event() -> None:
    server = Connection(SERVER)
    server.receive_data(client_frame(0x1, TEXT) + client_frame(0x2, HEX) + client_frame(0x1, b"x"))
    assert list(server.events()) == [
        TextMessage(TEXT.decode()),
        BytesMessage(HEX),
        TextMessage("x"),
    ]


def test_the_rest_of_a_frame_begun_is_its_last_piece() -> None:
    wire = client_frame(0x2, HEX) + client_frame(0x1, TEXT)
    server = Connection(SERVER)
    server.receive_data(wire[:1000])
    first = list(server.events())
    assert len(first) == 1 and not first[0].message_finished
    server.receive_data(wire[1000:])
    rest = list(server.events())
    assert [type(e) for e in rest] == [BytesMessage, TextMessage]
    assert rest[0].message_finished and first[0].data + rest[0].data == HEX
    assert rest[1] == TextMessage(TEXT.decode())


BAD = b"valid, then \xed\xa0\x80 a surrogate"  # UTF-8 of U+D800: refused by both decoders


@pytest.mark.parametrize(
    "stream",
    [
        client_frame(0x1, b"ok") + client_frame(0x1, BAD) + client_frame(0x1, b"not decoded"),
        client_frame(0x2, HEX) + client_frame(0x1, TEXT[:-2]) + client_frame(0x1, b"z"),
        client_frame(0x1, TEXT[:3000] + b"\xff" + TEXT[3000:]) + client_frame(0x1, b"z"),
        client_frame(0x1, b"\xc3") + client_frame(0x1, b"z"),
    ],
    ids=["surrogate", "cut character at the end", "bad byte inside", "lone lead byte"],
)
def test_bad_utf8_split_anywhere_is_close_1007(stream: bytes) -> None:
    expected = bytewise(stream)
    assert expected[-1][:2] == ("close", CloseReason.INVALID_FRAME_PAYLOAD_DATA)
    assert codes(expected) == codes(wsproto_events(stream))  # the reasons are each one's
    for each_read in (True, False):
        for name, cuts in read_plans(stream):
            events, server = feed(stream, cuts, each_read)
            assert settled(normalize(events)) == settled(expected), name
            assert list(server.events()) == []


def test_a_protocol_error_is_acted_on_when_events_are_asked_for() -> None:
    # The engine finishes a frame begun with bad text: the error waits for events(), as
    # wsproto's does (a message can still be sent in between).
    wire = client_frame(0x1, TEXT[:100] + b"\xff" + TEXT[100:200])
    server = Connection(SERVER)
    server.receive_data(wire[:50])
    (piece,) = server.events()
    assert piece.data and TEXT.decode().startswith(piece.data) and not piece.message_finished
    server.receive_data(wire[50:] + client_frame(0x1, b"later"))
    assert server.send(TextMessage("still open")) == b"\x81\x0astill open"
    events = list(server.events())
    assert [type(e) for e in events] == [CloseConnection]
    assert events[0].code == CloseReason.INVALID_FRAME_PAYLOAD_DATA


@pytest.mark.parametrize(
    "limits, code",
    [
        ({"max_message_size": 1000}, CloseReason.MESSAGE_TOO_BIG),
        ({"max_frame_size": 1000}, CloseReason.MESSAGE_TOO_BIG),
    ],
)
def test_limits_hold_on_the_direct_path(limits: Any, code: CloseReason) -> None:
    stream = client_frame(0x2, bytes(1000)) + client_frame(0x2, bytes(1001)) + client_frame(0x1, b"x")
    expected = bytewise(stream, **limits)
    assert expected[0] == ("binary", bytes(1000)) and expected[-1][:2] == ("close", code)
    for name, cuts in read_plans(stream):
        events, _ = feed(stream, cuts, **limits)
        assert normalize(events) == expected, name


@pytest.mark.parametrize(
    "frame, code",
    [
        (b"\x81\x02ok", CloseReason.PROTOCOL_ERROR),  # unmasked, from a client
        (b"\xc1\x82" + b"\x00" * 4 + b"ok", CloseReason.PROTOCOL_ERROR),  # RSV1, no deflate
        (b"\x81\xfe\x00\x05" + b"\x00" * 4 + b"hello", CloseReason.PROTOCOL_ERROR),  # long form
        (client_frame(0x0, b"x"), CloseReason.PROTOCOL_ERROR),  # continuation first
    ],
    ids=["unmasked", "rsv1", "non-minimal length", "orphan continuation"],
)
def test_frames_the_direct_path_leaves_get_the_engines_close_codes(
    frame: bytes, code: CloseReason
) -> None:
    stream = client_frame(0x1, b"first") + frame + client_frame(0x1, b"never")
    for name, cuts in read_plans(stream):
        events, _ = feed(stream, cuts)
        assert normalize(events) == [("text", "first"), ("close", code, normalize([events[-1]])[0][2])], name
        assert events[-1].code == code


def test_the_event_pending_goes_before_later_reads() -> None:
    # A ping decoded behind a batch of messages is yielded before the messages of a read
    # made while it waited.
    server = Connection(SERVER)
    server.receive_data(client_frame(0x1, b"a") + client_frame(0x9, b"p"))
    gen = server.events()
    assert next(gen) == TextMessage("a")
    server.receive_data(client_frame(0x1, b"b"))
    assert list(gen) + list(server.events()) == [Ping(b"p"), TextMessage("b")]


def test_a_client_receives_unmasked_frames_directly() -> None:
    server = real_connection.Connection(real_connection.ConnectionType.SERVER)
    wire = b"".join(
        server.send(ev)
        for ev in (
            real_events.TextMessage(TEXT.decode()),
            real_events.BytesMessage(HEX),
            real_events.TextMessage(""),
        )
    )
    for name, cuts in read_plans(wire):
        events, _ = feed(wire, cuts, conn=Connection(CLIENT))
        assert normalize(events) == [("text", TEXT.decode()), ("binary", HEX), ("text", "")], name


# Around the header sizes, and around 4 KiB, where the copy switches from memcpy to a loop.
PAYLOADS = [
    b"", b"x" * 125, b"x" * 126, HEX[:4095], HEX[:4096], HEX[:4097], HEX[:65535], HEX * 4, TEXT
]


@pytest.mark.parametrize("payload", PAYLOADS, ids=lambda p: f"{len(p)} B")
def test_a_servers_frames_are_wsprotos(payload: bytes) -> None:
    ours = Connection(SERVER)
    theirs = real_connection.Connection(real_connection.ConnectionType.SERVER)
    for event, real in (
        (BytesMessage(payload), real_events.BytesMessage(payload)),
        (BytesMessage(bytearray(payload)), real_events.BytesMessage(bytearray(payload))),
        (TextMessage(payload.decode()), real_events.TextMessage(payload.decode())),
        (TextMessage(TEXT.decode()[: len(payload)]), real_events.TextMessage(TEXT.decode()[: len(payload)])),
    ):
        out = ours.send(event)
        assert type(out) is bytes and out == theirs.send(real)


def test_sends_the_engine_makes_still_do() -> None:
    # A client masks, a fragment under way goes on, a close ends sending: the engine's path.
    client = Connection(CLIENT)
    server = Connection(SERVER)
    for data in (TEXT.decode(), HEX):
        server.receive_data(client.send(Message(data=data)))
    assert normalize(server.events()) == [("text", TEXT.decode()), ("binary", HEX)]
    first = server.send(TextMessage("ab", message_finished=False))
    with pytest.raises(TypeError):
        server.send(BytesMessage(b"cd"))
    rest = server.send(TextMessage("cd"))
    client.receive_data(first + rest)
    assert normalize(client.events()) == [("text", "abcd")]
    server.send(CloseConnection(code=1000))
    with pytest.raises(LocalProtocolError):
        server.send(TextMessage("late"))


def test_only_wsprotos_own_whole_messages_take_the_native_send() -> None:
    # A subclass may read its fields otherwise, data of a subclass of str/bytes may encode
    # otherwise: both go the general way, and every send gives wsproto's bytes.
    class Shout(TextMessage):
        @property
        def data(self) -> str:  # type: ignore[override]
            return "LOUD"

    class Str(str):
        pass

    class Raw(bytes):
        pass

    ours = Connection(SERVER)
    theirs = real_connection.Connection(real_connection.ConnectionType.SERVER)
    assert ours.send(Shout("quiet")) == b"\x81\x04LOUD"
    for event, real in (
        (Message(data="m"), real_events.Message(data="m")),
        (Message(data=b"m"), real_events.Message(data=b"m")),
        (TextMessage(Str("s")), real_events.TextMessage(Str("s"))),
        (BytesMessage(Raw(b"r")), real_events.BytesMessage(Raw(b"r"))),
        (BytesMessage(memoryview(b"v")), real_events.BytesMessage(memoryview(b"v"))),
        (TextMessage("a", message_finished=False), real_events.TextMessage("a", message_finished=False)),
        (TextMessage("b"), real_events.TextMessage("b")),
        (BytesMessage(HEX[:70000]), real_events.BytesMessage(HEX[:70000])),
    ):
        assert ours.send(event) == theirs.send(real)
    with pytest.raises(TypeError):
        ours.send(BytesMessage(1))  # type: ignore[arg-type]
    ours.send(CloseConnection(code=1000))
    with pytest.raises(LocalProtocolError):
        ours.send(BytesMessage(b"late"))


def test_send_is_native_and_subclasses_can_override_it() -> None:
    # `send` comes from the native base; a subclass's override reaches it with super(), and
    # the state the Python class sets (closing, a fragment under way) is what it checks.
    sent: List[object] = []

    class Logged(Connection):
        def send(self, event: Any) -> bytes:
            sent.append(event)
            return super().send(event)

    conn = Logged(SERVER)
    assert type(conn).__mro__[-2] is _core.WsprotoConnection
    assert conn.send(BytesMessage(b"ab")) == b"\x82\x02ab"
    assert conn.send(TextMessage("c", message_finished=False)) == b"\x01\x01c"
    assert conn._fragment == "text"
    assert conn.send(TextMessage("d")) == b"\x80\x01d"
    assert conn._fragment is None
    assert conn.send(CloseConnection(code=1000)).startswith(b"\x88")
    assert conn.state is ConnectionState.LOCAL_CLOSING
    with pytest.raises(LocalProtocolError):
        conn.send(BytesMessage(b"late"))
    assert len(sent) == 5
    # Before `__init__` (or without it), the attributes are None and every event goes the
    # general way (which refuses it: no state).
    bare: Any = Connection.__new__(Connection)
    assert bare._engine is None and bare._state is None and bare._fragment is None
    with pytest.raises(LocalProtocolError):
        bare.send(BytesMessage(b"x"))
