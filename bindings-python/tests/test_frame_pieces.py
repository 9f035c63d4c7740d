"""A binary frame straddling reads, taken piece by piece straight from the reads (its
``bytes`` made when its header comes, each piece unmasked into it): through the asyncio
host's ``data_received`` (``on_message``), ``Connection.receive_messages`` and
sansocket.wsproto. The messages, answers and errors must be those of the engine's path."""

from __future__ import annotations

from typing import Any, List

import pytest
import wsproto.connection as real_connection
import wsproto.events as real_events

import sansocket as ss
from sansocket.wsproto.connection import SERVER, Connection
from sansocket.wsproto.events import BytesMessage

from .test_on_message_reads import Data, answers, echo, feed, wire


def reads_of(data: bytes, size: int) -> List[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def payload(n: int, seed: int = 0) -> bytes:
    return bytes((i * 7 + seed) % 251 for i in range(n))


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_the_host_at_every_split_and_read_size(seed: int) -> None:
    """Two binary frames back to back and a text one, split at every offset and read in
    every size up to 40 bytes (every key phase: the seed changes the mask keys)."""
    messages: List[Data] = [payload(300, seed), payload(130, seed + 1), "tail"]
    data = wire(*messages, seed=seed)
    for cut in range(len(data) + 1):
        got, out, closed = feed([data[:cut], data[cut:]], echo)
        assert got == messages, cut
        assert answers(out) == messages, cut
        assert not closed
    for size in range(1, 41):
        got, out, _ = feed(reads_of(data, size), echo)
        assert got == messages, size
        assert answers(out) == messages, size


@pytest.mark.parametrize("size", [64 << 10, 1 << 20])
@pytest.mark.parametrize("read", [4 << 10, 64 << 10])
def test_the_host_with_big_messages(size: int, read: int) -> None:
    messages: List[Data] = [payload(size, 1), b"x", payload(size, 2), "end"]
    got, out, closed = feed(reads_of(wire(*messages), read), echo)
    assert got == messages
    assert answers(out) == messages
    assert not closed


def test_the_host_answers_a_close_right_after() -> None:
    client = ss.ClientConnection.opened(insecure_seed=5)
    client.send_binary(payload(5000))
    client.close(1000, "bye")
    data = client.data_to_send()
    for read in (100, 4096, 5003, 5008, 5010):
        got, out, closed = feed(reads_of(data, read), echo)
        assert got == [payload(5000)], read
        assert answers(out) == [payload(5000), ("close", 1000)], read
        assert closed, read


def test_the_host_keeps_the_limits() -> None:
    data = wire(payload(1000), payload(1001), b"never")
    for read in (10, 500, 1010):
        got, out, closed = feed(reads_of(data, read), echo, max_message_size=1000)
        assert got == [payload(1000)], read
        assert answers(out) == [payload(1000), ("close", 1009)], read
        assert closed


@pytest.mark.parametrize("read", [1, 7, 1000, 4096, 65536])
def test_receive_messages_at_every_limit(read: int) -> None:
    messages: List[Any] = [payload(70_000, 1), b"ab", "text", payload(3000, 2)]
    data = wire(*messages)
    for limit in (0, 1, 100):
        server = ss.ServerConnection.opened()
        got: List[Any] = []
        for chunk in reads_of(data, read):
            got += server.receive_messages(chunk, limit)
        while True:
            more = server.receive_messages(None, 100)
            if not more:
                break
            got += more
        assert got == messages, (read, limit)


def test_a_message_finished_with_no_room_comes_first_next_time() -> None:
    data = wire(payload(9000), b"next")
    server = ss.ServerConnection.opened()
    assert server.receive_messages(data[:4000], 1) == []
    # max_messages=0 only takes the data: the message it finishes waits for the next call.
    assert server.receive_messages(data[4000:], 0) == []
    assert server.receive_messages(None, 100) == [payload(9000), b"next"]


def test_other_input_is_refused_while_a_message_is_pieced() -> None:
    data = wire(payload(9000))
    server = ss.ServerConnection.opened()
    assert server.receive_messages(data[:4000], 1) == []
    with pytest.raises(ss.LocalProtocolError):
        server.receive_data(data[4000:])
    with pytest.raises(ss.LocalProtocolError):
        server.get_buffer(-1)
    # Nothing was taken: the read path goes on.
    assert server.receive_messages(bytearray(data[4000:]), 1) == [payload(9000)]
    server.receive_data(wire(b"after"))
    assert [e.data for e in server.events()] == [b"after"]


def wsproto_pieces(conn: Any, reads: List[bytes], message_class: Any) -> List[Any]:
    events: List[Any] = []
    for read in reads:
        conn.receive_data(read)
        for event in conn.events():
            assert isinstance(event, message_class)
            events.append((bytes(event.data), event.frame_finished, event.message_finished))
    return events


@pytest.mark.parametrize("read", [5, 4096, 65536, 100_000])
def test_wsproto_yields_each_piece_as_wsproto_does(read: int) -> None:
    """Each read's piece of a frame is a ``BytesMessage`` at once, unfinished until the last
    one: the same events as wsproto 1.3.2's for the same reads."""
    client = real_connection.Connection(real_connection.ConnectionType.CLIENT)
    data = b"".join(
        client.send(real_events.BytesMessage(data=payload(n, n % 7)))
        for n in (70_000, 3, 16 << 10, 200)
    )
    reads = reads_of(data, read)
    ours = wsproto_pieces(Connection(SERVER), reads, BytesMessage)
    theirs = wsproto_pieces(
        real_connection.Connection(real_connection.ConnectionType.SERVER),
        reads,
        real_events.BytesMessage,
    )
    assert ours == theirs


def test_a_connection_dropped_inside_a_pieced_message() -> None:
    """The unfinished ``bytes`` (never seen by Python code) is only freed."""
    import gc

    data = wire(payload(100_000))
    for _ in range(20):
        server = ss.ServerConnection.opened()
        assert server.receive_messages(data[:50_000], 1) == []
        del server
        gc.collect()
    assert not any(
        isinstance(o, bytes) and len(o) == 100_000 for o in gc.get_objects()
    )
