"""chunks.json: Config.delivery = "chunks": data is delivered as it arrives, with `fin` on
the last piece of a message; text pieces end on character boundaries."""

from .case import recv
from .open import cli, srv, srv_fails
from .wire import (BINARY, CONT, PING, PONG, TEXT, B, ev_chunk_binary, ev_chunk_text, ev_ping,
                   ev_protocol_error, masked, server_close, server_frame)

CHUNKS = {"delivery": "chunks"}


def pieces(frame_b, *cuts):
    """A frame's bytes cut at the given offsets."""
    raw = B(frame_b).raw()
    bounds = [0, *cuts, len(raw)]
    return [raw[a:b] for a, b in zip(bounds, bounds[1:])]


def chunked(name, steps, description=None):
    return srv(name, steps, config=CHUNKS, description=description)


def cases():
    euro = pieces(masked(TEXT, b"a\xe2\x82\xacb"), 6 + 2)
    clef = pieces(masked(TEXT, "𝄞"), 6 + 1, 6 + 2, 6 + 3)
    partial = pieces(masked(TEXT, "abcdefghij"), 6 + 4)
    bad = pieces(masked(TEXT, b"abc\xffdef"), 6 + 3)
    big = pieces(masked(BINARY, bytes(range(200))), 4 + 4 + 50, 4 + 4 + 120)
    return [
        chunked("single-text-frame", [
            recv(masked(TEXT, "Hello"), ev_chunk_text("Hello", True)),
        ]),
        chunked("single-binary-frame", [
            recv(masked(BINARY, b"\x00\x01"), ev_chunk_binary(b"\x00\x01", True)),
        ]),
        chunked("empty-message", [
            recv(masked(TEXT, ""), ev_chunk_text("", True)),
        ], description="An empty message is one empty chunk with fin."),
        chunked("one-chunk-per-fragment", [
            recv(masked(TEXT, "Hel", fin=False) + masked(CONT, "lo"),
                 ev_chunk_text("Hel", False), ev_chunk_text("lo", True)),
        ]),
        chunked("frame-delivered-as-it-arrives", [
            recv(partial[0], ev_chunk_text("abcd", False)),
            recv(partial[1], ev_chunk_text("efghij", True)),
        ]),
        chunked("binary-frame-in-three-receives", [
            recv(big[0], ev_chunk_binary(bytes(range(50)), False)),
            recv(big[1], ev_chunk_binary(bytes(range(50, 120)), False)),
            recv(big[2], ev_chunk_binary(bytes(range(120, 200)), True)),
        ]),
        chunked("character-split-across-receives", [
            recv(euro[0], ev_chunk_text("a", False)),
            recv(euro[1], ev_chunk_text("€b", True)),
        ], description="A chunk never ends inside a character: the first byte of '€' waits."),
        chunked("character-split-across-fragments", [
            recv(masked(TEXT, b"a\xe2", fin=False) + masked(CONT, b"\x82\xacb"),
                 ev_chunk_text("a", False), ev_chunk_text("€b", True)),
        ]),
        chunked("character-split-around-a-ping", [
            recv(masked(TEXT, b"a\xe2", fin=False) + masked(PING, b"") + masked(CONT, b"\x82\xacb"),
                 ev_chunk_text("a", False), ev_ping(), ev_chunk_text("€b", True),
                 out=server_frame(PONG)),
        ]),
        chunked("4-byte-character-byte-by-byte", [
            recv(clef[0]), recv(clef[1]), recv(clef[2]),
            recv(clef[3], ev_chunk_text("𝄞", True)),
        ]),
        chunked("ping-between-fragments", [
            recv(masked(TEXT, "Hel", fin=False) + masked(PING, b"") + masked(CONT, "lo"),
                 ev_chunk_text("Hel", False), ev_ping(), ev_chunk_text("lo", True),
                 out=server_frame(PONG)),
        ]),
        chunked("empty-last-fragment", [
            recv(masked(TEXT, "abc", fin=False) + masked(CONT, ""),
                 ev_chunk_text("abc", False), ev_chunk_text("", True)),
        ]),
        chunked("empty-middle-fragment-gives-no-chunk", [
            recv(masked(BINARY, b"a", fin=False) + masked(CONT, b"", fin=False)
                 + masked(CONT, b"b"),
                 ev_chunk_binary(b"a", False), ev_chunk_binary(b"b", True)),
        ]),
        srv("invalid-utf8-after-a-chunk", [
            recv(bad[0], ev_chunk_text("abc", False)),
            recv(bad[1], ev_protocol_error("invalid-utf8"),
                 out=server_close(1007, "invalid UTF-8"), state="closed", close=True),
        ], config=CHUNKS, description="Chunks delivered before the invalid byte stay "
                                      "delivered; the connection then fails with 1007."),
        srv_fails("truncated-character-at-end", masked(TEXT, b"ab\xe2"), "invalid-utf8",
                  config=CHUNKS),
        cli("client-receives-chunks", 90, lambda m: [
            recv(server_frame(BINARY, b"ab", fin=False) + server_frame(CONT, b"cd"),
                 ev_chunk_binary(b"ab", False), ev_chunk_binary(b"cd", True)),
        ], config=CHUNKS),
    ]
