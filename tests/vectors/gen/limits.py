"""limits.json: Config.max_frame_size, max_message_size and max_fragments (close code 1009),
enforced as soon as a frame header announces too much."""

from .case import recv
from .open import cli_fails, srv, srv_fails
from .wire import (BINARY, CONT, PING, PONG, TEXT, KEY, ev_binary, ev_chunk_text, ev_ping, ev_pong,
                   ev_text, header, masked, server_frame)

H = bytes.fromhex


def cases():
    frame16 = {"max_frame_size": 16}
    message16 = {"max_message_size": 16}
    three = {"max_fragments": 3}
    return [
        srv("frame-at-max-frame-size", [
            recv(masked(BINARY, bytes(16)), ev_binary(bytes(16))),
        ], config=frame16),
        srv_fails("frame-over-max-frame-size", header(BINARY, 17, key=KEY), "frame-too-large",
                  config=frame16,
                  description="Refused on the header alone: the payload is never awaited."),
        srv_fails("fragment-over-max-frame-size", masked(TEXT, "a" * 10, fin=False)
                  + header(CONT, 17, key=KEY), "frame-too-large", config=frame16),
        srv("control-frames-not-limited-by-max-frame-size", [
            recv(masked(PING, bytes(100)), ev_ping(bytes(100)),
                 out=server_frame(PONG, bytes(100))),
        ], config={"max_frame_size": 4}),
        srv_fails("default-limit-refuses-huge-length", header(BINARY, 1 << 62, key=KEY),
                  "frame-too-large",
                  description="16 MiB by default; a 2^62 length is refused at once."),
        srv("message-at-max-message-size", [
            recv(masked(TEXT, "a" * 10, fin=False) + masked(CONT, "b" * 6),
                 ev_text("a" * 10 + "b" * 6)),
        ], config=message16),
        srv_fails("message-over-max-message-size", masked(TEXT, "a" * 10, fin=False)
                  + header(CONT, 7, key=KEY), "message-too-large", config=message16,
                  description="Refused when the header of the fragment that crosses the "
                              "limit arrives."),
        srv_fails("single-frame-over-max-message-size", header(BINARY, 17, key=KEY),
                  "message-too-large", config=message16),
        srv_fails("message-limit-in-chunks-mode", masked(TEXT, "a" * 10, fin=False)
                  + header(CONT, 7, key=KEY), "message-too-large",
                  ev_chunk_text("a" * 10, False),
                  config={"max_message_size": 16, "delivery": "chunks"}),
        srv("fragments-at-max-fragments", [
            recv(masked(TEXT, "a", fin=False) + masked(CONT, "b", fin=False)
                 + masked(CONT, "c"), ev_text("abc")),
        ], config=three),
        srv_fails("fragments-over-max-fragments", masked(TEXT, "a", fin=False)
                  + masked(CONT, "b", fin=False) + masked(CONT, "c", fin=False)
                  + masked(CONT, "d"), "too-many-fragments", config=three),
        srv_fails("empty-fragments-count", masked(BINARY, b"", fin=False)
                  + masked(CONT, b"", fin=False) + masked(CONT, b"", fin=False)
                  + masked(CONT, b""), "too-many-fragments", config=three,
                  description="Bounds floods of empty fragments."),
        srv("control-frames-are-not-fragments", [
            recv(masked(TEXT, "a", fin=False) + masked(PING, b"") + masked(PING, b"")
                 + masked(CONT, "b", fin=False) + masked(PONG, b"") + masked(CONT, "c"),
                 ev_ping(), ev_ping(), ev_pong(), ev_text("abc"),
                 out=server_frame(PONG) + server_frame(PONG)),
        ], config=three),
        srv("limit-applies-per-message", [
            recv(masked(TEXT, "a" * 16) + masked(TEXT, "b" * 16),
                 ev_text("a" * 16), ev_text("b" * 16)),
        ], config=message16),
        cli_fails("client-frame-over-max-frame-size", 80, header(BINARY, 17), "frame-too-large",
                  config=frame16, description="The client's 1009 close frame is masked."),
    ]
