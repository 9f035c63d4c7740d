"""``on_message``'s read path for ``bytes`` reads (uvloop's ``data_received``): whole frames
are made into messages straight from the read, the rest goes to the engine. Driven here with
a fake transport, so that every read boundary can be chosen."""

from __future__ import annotations

import asyncio
from typing import Any, List, Optional, Union

import pytest

import sansocket as ss
from sansocket.asyncio import WebSocket

from .conftest import run

Data = Union[str, bytes]


class FakeTransport:
    """What the protocol calls on a transport; records the writes."""

    def __init__(self) -> None:
        self.out = bytearray()
        self.closed = False
        self.writes = 0

    def write(self, data: bytes) -> None:
        self.out += data
        self.writes += 1

    def writelines(self, pieces: List[bytes]) -> None:
        for piece in pieces:
            self.out += piece
        self.writes += 1

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return default


def wire(*messages: Data, seed: int = 1) -> bytes:
    client = ss.ClientConnection.opened(insecure_seed=seed)
    for message in messages:
        if isinstance(message, str):
            client.send_text(message)
        else:
            client.send_binary(message)
    return client.data_to_send()


def feed(
    reads: List[bytes], on_message: Any, transport: Optional[FakeTransport] = None, **options: Any
) -> tuple[List[Data], bytes, bool]:
    """Gives `reads` to a server WebSocket's ``data_received``, in order; returns what
    ``on_message`` got, what was written and whether the transport was closed."""
    transport = transport or FakeTransport()
    got: List[Data] = []

    def callback(ws: WebSocket, message: Data) -> None:
        got.append(message)
        on_message(ws, message)

    async def main() -> tuple[List[Data], bytes, bool]:
        ws = WebSocket(
            ss.ServerConnection.opened(**options), open_timeout=None, on_message=callback
        )
        assert transport is not None
        ws.connection_made(transport)  # type: ignore[arg-type]
        for data in reads:
            ws.data_received(data)
        return got, bytes(transport.out), transport.closed

    return run(main())


def echo(ws: WebSocket, message: Data) -> None:
    ws.send_nowait(message)


def answers(out: bytes) -> List[object]:
    """The events a client decodes from what the server wrote (a protocol error last, as
    its close code)."""
    client = ss.ClientConnection.opened(insecure_seed=2)
    events: List[object] = []
    client.receive_data(out)
    for event in client.events():
        if isinstance(event, (ss.TextMessage, ss.BytesMessage)):
            events.append(event.data)
        elif isinstance(event, ss.CloseConnection):
            events.append(("close", event.code))
        else:
            events.append(event)
    return events


MESSAGES: List[Data] = ["héllo", b"", b"\x00\x01\x02", "x" * 200, b"y" * 5000, "", b"z" * 70]


def test_reads_split_at_every_offset() -> None:
    data = wire(*MESSAGES)
    for cut in range(len(data) + 1):
        got, out, closed = feed([data[:cut], data[cut:]], echo)
        assert got == MESSAGES, cut
        assert answers(out) == MESSAGES, cut
        assert not closed


def test_reads_split_in_three_around_each_frame_boundary() -> None:
    frames = [wire(m, seed=i) for i, m in enumerate(MESSAGES)]
    data = b"".join(frames)
    bounds = [sum(len(f) for f in frames[:i]) for i in range(len(frames) + 1)]
    for b in bounds:
        for d in (-3, -1, 0, 1, 2, 7):
            cut1 = min(max(b + d, 0), len(data))
            for cut2 in sorted({cut1, min(cut1 + 1, len(data)), min(cut1 + 300, len(data))}):
                reads = [data[:cut1], data[cut1:cut2], data[cut2:]]
                got, out, _ = feed(reads, echo)
                assert got == MESSAGES, (cut1, cut2)
                assert answers(out) == MESSAGES, (cut1, cut2)


def test_whole_frames_after_a_partial_one_in_the_same_read() -> None:
    data = wire(b"a" * 1000, b"b", "c")
    # The first read ends inside the first frame: the second read finishes it (the engine)
    # and holds two whole frames.
    got, out, _ = feed([data[:10], data[10:]], echo)
    assert got == [b"a" * 1000, b"b", "c"]
    assert answers(out) == got


@pytest.mark.parametrize("size", [3000, 64 << 10])
def test_reads_that_begin_inside_big_frames(size: int) -> None:
    """Pipelined big messages in reads that cut every frame: the engine finishes the frame
    it holds the start of, the whole frames after it are made from the read; every message
    and every answer, in order."""
    messages: List[Data] = [
        bytes([i]) * size if i % 2 else chr(65 + i) * size for i in range(8)
    ]
    data = wire(*messages)
    for read in (size // 2 + 1, size + size // 3, 2 * size + 5, 100 << 10):
        reads = [data[i : i + read] for i in range(0, len(data), read)]
        got, out, closed = feed(reads, echo)
        assert got == messages, read
        assert answers(out) == messages, read
        assert not closed


@pytest.mark.parametrize("cut", [None, 3])
def test_text_that_is_not_utf8_fails_after_the_answers_before_it(cut: Optional[int]) -> None:
    client = ss.ClientConnection.opened(insecure_seed=4)
    client.send_text("ok")
    client.send_binary(b"fine")
    good = client.data_to_send()
    bad = bytes([0x81, 0x82, 0, 0, 0, 0, 0xC3, 0x28])  # masked (zero key), not UTF-8
    data = good + bad + wire("never")
    reads = [data] if cut is None else [data[:cut], data[cut:]]
    got, out, closed = feed(reads, echo)
    assert got == ["ok", b"fine"]
    assert answers(out) == ["ok", b"fine", ("close", 1007)]
    assert closed


def test_a_protocol_error_after_whole_frames_closes_after_their_answers() -> None:
    data = wire("one", b"two") + bytes([0x82, 0x02, 1, 2])  # unmasked: 1002
    got, out, closed = feed([data], echo)
    assert got == ["one", b"two"]
    assert answers(out) == ["one", b"two", ("close", 1002)]
    assert closed


def test_messages_after_close_in_the_same_read_are_dropped() -> None:
    def close_on_first(ws: WebSocket, message: Data) -> None:
        ws.send_nowait(message)
        ws._start_closing(1000, "")

    got, out, _ = feed([wire("first", b"second", "third")], close_on_first)
    assert got == ["first"]
    assert answers(out) == ["first", ("close", 1000)]


def test_a_failing_callback_drops_the_rest_of_the_read() -> None:
    def boom(ws: WebSocket, message: Data) -> None:
        raise ValueError("boom")

    got, out, _ = feed([wire("a", "b", "c")], boom)
    assert got == ["a"]
    assert answers(out) == [("close", 1011)]


def test_limits_and_control_frames_go_through_the_engine() -> None:
    client = ss.ClientConnection.opened(insecure_seed=6)
    client.send_text("a")
    client.ping(b"p")
    client.send_binary(b"b")
    client.send_fragment("text", "fr", False)
    client.send_fragment("text", "ag", True)
    client.send_binary(b"c" * 100)  # over max_message_size
    got, out, closed = feed([client.data_to_send()], echo, max_message_size=50)
    assert got == ["a", b"b", "frag"]
    events = answers(out)
    assert events[0] == "a" and isinstance(events[1], ss.Pong)
    assert events[2:] == [b"b", "frag", ("close", 1009)]
    assert closed


def test_reads_of_whole_frames_between_reads_the_engine_decodes() -> None:
    """A read made only of whole frames leaves the engine nothing to decode (the read path
    then does not ask it); the reads around it that go to the engine are still decoded: a
    ping, a fragmented message, the close."""
    client = ss.ClientConnection.opened(insecure_seed=7)
    reads: List[bytes] = []
    for step in range(3):
        client.send_text(f"whole {step}")
        client.send_binary(bytes([step]) * 10)
        reads.append(client.data_to_send())
        client.ping(b"p%d" % step)
        reads.append(client.data_to_send())
        client.send_fragment("binary", b"fr", False)
        client.send_fragment("binary", b"ag", True)
        reads.append(client.data_to_send())
    client.close(1000, "done")
    reads.append(client.data_to_send())
    got, out, closed = feed(reads, echo)
    expected: List[Data] = []
    for step in range(3):
        expected += [f"whole {step}", bytes([step]) * 10, b"frag"]
    assert got == expected
    events = answers(out)
    pongs = [e for e in events if isinstance(e, ss.Pong)]
    assert [p.payload for p in pongs] == [b"p0", b"p1", b"p2"]
    assert [e for e in events if not isinstance(e, ss.Pong)] == expected + [("close", 1000)]
    assert closed


# Cuts: none, inside the first frame, at its end (70,014 bytes), inside the second.
@pytest.mark.parametrize("cut, reads_answering", [(0, 1), (10, 1), (70_014, 2), (70_020, 2)])
def test_the_answers_of_a_read_go_out_together_up_to_1_mib(cut: int, reads_answering: int) -> None:
    small = FakeTransport()
    got, out, _ = feed([wire(*[b"s" * 100] * 50)], echo, small)
    assert len(got) == 50 and answers(out) == got and small.writes == 1
    # 64 KiB messages pipelined: a read's answers in one write, whatever their size.
    large = FakeTransport()
    sent = [bytes([i]) * 70_000 for i in range(3)]
    data = wire(*sent)
    reads = [data[:cut], data[cut:]] if cut else [data]
    got, out, _ = feed(reads, echo, large)
    assert got == sent and answers(out) == got
    assert large.writes == reads_answering
    # Past 1 MiB queued, the answers go out at once (15 answers of 70,010 bytes), the rest
    # after the read.
    burst = FakeTransport()
    sent = [bytes([i]) * 70_000 for i in range(20)]
    data = wire(*sent)
    reads = [data[:cut], data[cut:]] if cut else [data]
    got, out, _ = feed(reads, echo, burst)
    assert got == sent and answers(out) == got
    assert burst.writes == reads_answering + 1


def test_memoryview_reads_take_the_engine_path() -> None:
    data = wire(*MESSAGES)
    got, out, _ = feed([memoryview(data)], echo)  # type: ignore[list-item]
    assert got == MESSAGES
    assert answers(out) == MESSAGES


def test_on_a_real_loop_with_uvloop() -> None:
    uvloop = pytest.importorskip("uvloop")
    from sansocket.asyncio import connect, serve

    async def main() -> None:
        async with serve(None, "127.0.0.1", 0, on_message=echo) as server:
            host, port = server.sockets[0].getsockname()[:2]
            async with connect(f"ws://{host}:{port}/", max_message_size=1 << 22) as ws:
                for size in (0, 1, 125, 126, 65535, 65536, 300_000):
                    await ws.send(b"q" * size)
                    assert await ws.recv() == b"q" * size
                burst = [bytes([i % 256]) * (i * 37 % 20_000) for i in range(60)]
                for message in burst:
                    await ws.send(message)
                assert [await ws.recv() for _ in burst] == burst

    uvloop.run(asyncio.wait_for(main(), 30))
