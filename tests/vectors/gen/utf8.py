"""utf8.json: text must be UTF-8 (RFC 6455 §8.1), checked as it arrives: the connection fails
(1007) on the first byte that cannot be valid, even before the frame or message ends."""

from .case import recv
from .open import cli_fails, srv, srv_fails
from .wire import BINARY, CONT, TEXT, B, ev_binary, ev_text, masked, server_frame

H = bytes.fromhex

BOUNDARIES = "\x7f \u0080 \u07ff \u0800 \ud7ff \ue000 \ufffd \uffff \U00010000 \U0010ffff"

# Byte sequences that are never valid UTF-8 (RFC 3629), with the reason.
INVALID = [
    ("ff", "0xFF never appears"),
    ("fe", "0xFE never appears"),
    ("80", "a lone continuation byte"),
    ("c0af", "overlong '/' (2 bytes)"),
    ("c1bf", "overlong (0xC1 lead)"),
    ("e080af", "overlong '/' (3 bytes)"),
    ("f08080af", "overlong '/' (4 bytes)"),
    ("eda080", "UTF-16 surrogate U+D800"),
    ("edbfbf", "UTF-16 surrogate U+DFFF"),
    ("f4908080", "above U+10FFFF"),
    ("f5808080", "0xF5 lead byte"),
    ("e28278", "a 3-byte sequence cut by an ASCII byte"),
    ("cebae1bdb9cf83cebcceb5eda080656469746564",
     "Autobahn 6.4: 'κόσμε' then a surrogate, then 'edited'"),
]


def partial(frame_bytes, n):
    """The first n bytes of a frame: the rest never arrives."""
    return B(frame_bytes).raw()[:n]


def cases():
    out = [
        srv("valid-boundary-characters", [
            recv(masked(TEXT, BOUNDARIES), ev_text(BOUNDARIES)),
        ], description="The first and last code points of each sequence length, and "
                       "around the surrogates."),
        srv("autobahn-6.2-kosme", [recv(masked(TEXT, "κόσμε"), ev_text("κόσμε"))]),
        srv("character-split-across-fragments", [
            recv(masked(TEXT, b"a\xe2", fin=False) + masked(CONT, b"\x82\xacb"),
                 ev_text("a€b")),
        ]),
        srv("4-byte-character-across-4-fragments", [
            recv(masked(TEXT, b"\xf0", fin=False) + masked(CONT, b"\x9d", fin=False)
                 + masked(CONT, b"\x84", fin=False) + masked(CONT, b"\x9e"), ev_text("𝄞")),
        ]),
        srv("binary-is-not-checked", [
            recv(masked(BINARY, H("fffeeda080")), ev_binary(H("fffeeda080"))),
        ]),
    ]
    for hex_bytes, why in INVALID:
        out.append(srv_fails(f"invalid-{hex_bytes}", masked(TEXT, b"ok " + H(hex_bytes)),
                             "invalid-utf8", description=why))
    out += [
        srv_fails("fails-mid-frame", partial(masked(TEXT, b"ab\xff" + b"x" * 17), 2 + 4 + 3),
                  "invalid-utf8",
                  description="The frame announces 20 bytes; the connection fails on the "
                              "third, without waiting for the rest."),
        srv_fails("fails-before-character-completes",
                  partial(masked(TEXT, b"\xf4\x90\x80\x80 and more"), 2 + 4 + 2),
                  "invalid-utf8", description="F4 90 can never start a valid sequence."),
        srv_fails("fails-across-fragments", masked(TEXT, b"ab\xf4", fin=False)
                  + partial(masked(CONT, b"\x90" + b"x" * 9), 2 + 4 + 1), "invalid-utf8",
                  description="A character started in one fragment is continued wrongly "
                              "in the next, which is not complete yet."),
        srv_fails("fails-in-unfinished-fragment", masked(TEXT, b"abc\xff", fin=False),
                  "invalid-utf8"),
        srv_fails("invalid-at-start-of-continuation", masked(TEXT, b"abc", fin=False)
                  + masked(CONT, b"\xffabc"), "invalid-utf8"),
        srv_fails("truncated-at-message-end", masked(TEXT, b"a\xce"), "invalid-utf8",
                  description="A message must end on a character boundary."),
        srv_fails("truncated-at-end-of-last-fragment", masked(TEXT, b"a", fin=False)
                  + masked(CONT, b"\xe2\x82"), "invalid-utf8"),
        srv_fails("truncated-before-empty-last-fragment", masked(TEXT, b"a\xe2\x82", fin=False)
                  + masked(CONT, b""), "invalid-utf8"),
        srv_fails("valid-message-then-invalid", masked(TEXT, "fine") + masked(TEXT, b"\xc0"),
                  "invalid-utf8", ev_text("fine")),
        cli_fails("client-fails-on-invalid-text", 50, server_frame(TEXT, b"\xed\xa0\x80"),
                  "invalid-utf8", description="The client's close frame (1007) is masked."),
    ]
    return out
