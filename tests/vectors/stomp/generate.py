#!/usr/bin/env python3
"""Writes the STOMP decoder vectors (*.json here). Every expected frame below is written by
hand from the STOMP 1.0/1.1/1.2 specifications, not computed by the engine. Format:
README.md. Run: python3 tests/vectors/stomp/generate.py"""

import json
import pathlib

HERE = pathlib.Path(__file__).parent


def frame(command, headers=(), body=b""):
    ev = {"type": "frame", "command": command, "headers": [list(h) for h in headers]}
    try:
        ev["body"] = body.decode("utf-8")
    except UnicodeDecodeError:
        ev["body_hex"] = body.hex()
    return ev


HB = {"type": "heart-beat"}


def error(kind):
    return {"type": "error", "kind": kind}


def case(name, input, events, version="1.2", limits=None, description=None):
    c = {"name": name}
    if description:
        c["description"] = description
    c["version"] = version
    if limits:
        c["limits"] = limits
    try:
        c["input"] = input.decode("utf-8")
    except UnicodeDecodeError:
        c["input_hex"] = input.hex()
    c["events"] = events
    return c


GRAMMAR = [
    case("spec-send", b"SEND\ndestination:/queue/a\ncontent-type:text/plain\n\nhello queue a\x00",
         [frame("SEND", [("destination", "/queue/a"), ("content-type", "text/plain")], b"hello queue a")],
         description="STOMP 1.2 SEND example"),
    case("spec-connect-crlf", b"CONNECT\r\naccept-version:1.2\r\nhost:stomp.github.org\r\n\r\n\x00",
         [frame("CONNECT", [("accept-version", "1.2"), ("host", "stomp.github.org")])]),
    case("stomp-command", b"STOMP\naccept-version:1.1,1.2\nhost:/\n\n\x00",
         [frame("STOMP", [("accept-version", "1.1,1.2"), ("host", "/")])]),
    case("spec-message", b"MESSAGE\nsubscription:0\nmessage-id:007\ndestination:/queue/a\ncontent-type:text/plain\n\nhello queue a\x00",
         [frame("MESSAGE", [("subscription", "0"), ("message-id", "007"), ("destination", "/queue/a"),
                            ("content-type", "text/plain")], b"hello queue a")]),
    case("heart-beats-around-frames", b"\n\r\nSEND\ndestination:/a\n\nx\x00\n\r\n",
         [HB, HB, frame("SEND", [("destination", "/a")], b"x"), HB, HB]),
    case("lone-lf-message", b"\n", [HB], description="stompjs sends a bare LF as a whole WebSocket message"),
    case("several-frames", b"SEND\ndestination:/a\n\n1\x00SEND\ndestination:/b\n\n2\x00",
         [frame("SEND", [("destination", "/a")], b"1"), frame("SEND", [("destination", "/b")], b"2")]),
    case("empty-body-frames", b"SUBSCRIBE\nid:0\ndestination:/queue/foo\nack:client\n\n\x00DISCONNECT\nreceipt:77\n\n\x00",
         [frame("SUBSCRIBE", [("id", "0"), ("destination", "/queue/foo"), ("ack", "client")]),
          frame("DISCONNECT", [("receipt", "77")])]),
    case("content-length-with-nuls", b"SEND\ndestination:/a\ncontent-length:5\n\na\x00b\x00c\x00",
         [frame("SEND", [("destination", "/a"), ("content-length", "5")], b"a\x00b\x00c")]),
    case("content-length-counts-octets", "SEND\ncontent-length:4\n\nhé!\x00".encode(),
         [frame("SEND", [("content-length", "4")], "hé!".encode())]),
    case("binary-body", b"SEND\ncontent-length:3\n\n\xff\x00\xfe\x00",
         [frame("SEND", [("content-length", "3")], b"\xff\x00\xfe")]),
    case("first-content-length-wins", b"SEND\ncontent-length:1\ncontent-length:3\n\nx\x00",
         [frame("SEND", [("content-length", "1"), ("content-length", "3")], b"x")]),
    case("repeated-header-first-wins", b"MESSAGE\nfoo:World\nfoo:Hello\n\n\x00",
         [frame("MESSAGE", [("foo", "World"), ("foo", "Hello")])]),
    case("no-trimming", b"SEND\ndestination: /a \n key :  v\n\n\x00",
         [frame("SEND", [("destination", " /a "), (" key ", "  v")])]),
    case("colon-in-value", b"SEND\nurl:http://x:1\n\n\x00", [frame("SEND", [("url", "http://x:1")])],
         version="1.0"),
    case("empty-name-and-value", b"SEND\n:\n\n\x00", [frame("SEND", [("", "")])]),
    case("cr-is-data-in-1.1", b"SEND\r\ndestination:/a\r\n\n\x00",
         [frame("SEND", [("destination", "/a\r")])], version="1.1",
         description="1.1 lines end at LF; the command line tolerates CR LF in every version"),
    case("crlf-blank-line-in-1.1", b"SEND\ndestination:/a\n\r\n\x00", [error("missing-colon")], version="1.1"),
    case("connect-crlf-in-1.0", b"CONNECT\r\nlogin:a\r\n\r\n\x00", [frame("CONNECT", [("login", "a")])],
         version="1.0", description="CONNECT is read before a version is known: CR LF accepted"),
    case("unknown-command", b"HELLO\n\n\x00", [error("unknown-command")]),
    case("lowercase-command", b"send\n\n\x00", [error("unknown-command")]),
    case("http-request", b"GET / HTTP/1.1\r\n", [error("unknown-command")]),
    case("nack-parsed-in-1.0", b"NACK\nmessage-id:1\n\n\x00", [frame("NACK", [("message-id", "1")])],
         version="1.0", description="the decoder knows every command; sessions refuse NACK in 1.0"),
    case("lone-cr-between-frames", b"\rX", [error("invalid-line-end")]),
    case("missing-colon", b"SEND\ndestination\n\n\x00", [error("missing-colon")]),
    case("invalid-content-length", b"SEND\ncontent-length:-1\n\n\x00", [error("invalid-content-length")]),
    case("content-length-with-space", b"SEND\ncontent-length: 1\n\nx\x00", [error("invalid-content-length")]),
    case("missing-nul-after-body", b"SEND\ncontent-length:1\n\nab\x00", [error("missing-nul")]),
    case("body-on-subscribe", b"SUBSCRIBE\nid:1\n\nx\x00", [error("body-not-allowed")]),
    case("content-length-on-ack", b"ACK\nid:1\ncontent-length:1\n\nx\x00", [error("body-not-allowed")]),
    case("zero-content-length-on-subscribe", b"SUBSCRIBE\nid:1\ncontent-length:0\n\n\x00",
         [frame("SUBSCRIBE", [("id", "1"), ("content-length", "0")])]),
    case("error-frame-body", b"ERROR\nmessage:malformed frame received\ncontent-type:text/plain\n\ndetails\x00",
         [frame("ERROR", [("message", "malformed frame received"), ("content-type", "text/plain")], b"details")]),
    case("invalid-utf8-header", b"SEND\nk:\xff\n\n\x00", [error("invalid-utf8")]),
    case("frame-then-error", b"SEND\n\n1\x00BAD\n\n\x00", [frame("SEND", [], b"1"), error("unknown-command")],
         description="frames decoded before an error come first"),
]

ESCAPES = [
    case("escapes-1.2", b"MESSAGE\nk\\cx:a\\nb\\\\c\\cd\\re\n\n\x00",
         [frame("MESSAGE", [("k:x", "a\nb\\c:d\re")])]),
    case("escapes-1.1", b"MESSAGE\nk\\cx:a\\nb\\\\c\\cd\n\n\x00", [frame("MESSAGE", [("k:x", "a\nb\\c:d")])],
         version="1.1"),
    case("cr-escape-undefined-in-1.1", b"MESSAGE\nk:a\\rb\n\n\x00", [error("invalid-escape")], version="1.1"),
    case("no-escapes-in-1.0", b"MESSAGE\nk\\cx:a\\nb\\t\n\n\x00", [frame("MESSAGE", [("k\\cx", "a\\nb\\t")])],
         version="1.0"),
    case("backslash-then-n", b"SEND\nk:C\\\\new\n\n\x00", [frame("SEND", [("k", "C\\new")])],
         description="an escaped backslash followed by n is not a newline"),
    case("undefined-escape-t", b"SEND\nk:\\t\n\n\x00", [error("invalid-escape")]),
    case("backslash-at-end", b"SEND\nk:ab\\\n\n\x00", [error("invalid-escape")]),
    case("undefined-escape-in-name", b"SEND\nk\\x:v\n\n\x00", [error("invalid-escape")]),
    case("connect-never-unescaped", b"CONNECT\nlogin:me\npasscode:a\\cb\\n\n\n\x00",
         [frame("CONNECT", [("login", "me"), ("passcode", "a\\cb\\n")])]),
    case("stomp-never-unescaped", b"STOMP\npasscode:\\t\n\n\x00", [frame("STOMP", [("passcode", "\\t")])],
         version="1.1"),
    case("connected-never-unescaped", b"CONNECTED\nversion:1.2\nserver:x\\y\n\n\x00",
         [frame("CONNECTED", [("version", "1.2"), ("server", "x\\y")])]),
    case("utf8-values", "SEND\nnom:café ☕\n\n\x00".encode(), [frame("SEND", [("nom", "café ☕")])]),
]

LIMITS = [
    case("max-headers-ok", b"SEND\na:1\nb:2\n\n\x00", [frame("SEND", [("a", "1"), ("b", "2")])],
         limits={"max_headers": 2}),
    case("max-headers-over", b"SEND\na:1\nb:2\nc:3\n\n\x00", [error("too-many-headers")], limits={"max_headers": 2}),
    case("max-line-ok", b"SEND\nabc:1234\n\n\x00", [frame("SEND", [("abc", "1234")])], limits={"max_line": 8}),
    case("max-line-over", b"SEND\nabcd:12345\n\n\x00", [error("line-too-long")], limits={"max_line": 8}),
    case("max-line-over-unterminated", b"SEND\nabcd:12345", [error("line-too-long")], limits={"max_line": 8},
         description="refused before the LF arrives"),
    case("max-header-block-over", b"SEND\naaaa:1\nbbbb:2\ncccc:3\n\n\x00", [error("header-block-too-large")],
         limits={"max_header_block": 20}),
    case("max-body-ok", b"SEND\n\n1234\x00", [frame("SEND", [], b"1234")], limits={"max_body": 4}),
    case("max-body-over", b"SEND\n\n12345\x00", [error("body-too-large")], limits={"max_body": 4}),
    case("max-body-over-unterminated", b"SEND\n\n12345", [error("body-too-large")], limits={"max_body": 4}),
    case("content-length-over-max-body", b"SEND\ncontent-length:5\n", [error("body-too-large")],
         limits={"max_body": 4}, description="refused when the header is read, before any body byte"),
    case("huge-content-length", b"SEND\ncontent-length:1073741824\n", [error("body-too-large")]),
    case("overflowing-content-length", b"SEND\ncontent-length:99999999999999999999999\n\n\x00",
         [error("body-too-large")]),
]

def sent(command, headers=(), body=None):
    """A frame the session must have queued: its command, headers that must be among its
    headers (a subset, in any order), and optionally its exact body."""
    out = {"command": command, "headers": [list(h) for h in headers]}
    if body is not None:
        out["body"] = body
    return out


SENT_HB = {"heart-beat": True}


def connect_event(version, login=None, passcode=None, host=None, heart_beat=(0, 0)):
    return {"type": "connect", "version": version, "login": login, "passcode": passcode, "host": host,
            "heart_beat": list(heart_beat)}


def session(name, steps, config=None, description=None):
    c = {"name": name}
    if description:
        c["description"] = description
    if config:
        c["config"] = config
    c["steps"] = steps
    return c


CONNECT12 = "CONNECT\naccept-version:1.0,1.1,1.2\nhost:/\n\n\x00"
OPEN12 = [{"receive": CONNECT12, "events": [connect_event("1.2", host="/")]},
          {"accept": {}, "sent": [sent("CONNECTED", [("version", "1.2")])]}]


def refused(frame, kind, receipt=None, extra=()):
    headers = [("message", None)] + ([("receipt-id", receipt)] if receipt else []) + list(extra)
    return {"receive": frame, "events": [{"type": "error", "kind": kind}],
            "sent": [sent("ERROR", [h for h in headers if h[1] is not None])],
            "should_close_transport": True}


SERVER = [
    session("connect-1.2", [
        {"receive": "CONNECT\naccept-version:1.0,1.1,1.2\nhost:example.org\nlogin:guest\npasscode:p\\c\nheart-beat:0,0\n\n\x00",
         "events": [connect_event("1.2", "guest", "p\\c", "example.org")], "should_close_transport": False},
        {"accept": {"session": "s1"},
         "sent": [sent("CONNECTED", [("version", "1.2"), ("heart-beat", "10000,10000"),
                                     ("server", "sansocket-stomp"), ("session", "s1")])]},
    ], description="CONNECT headers are never unescaped: the passcode keeps its backslash"),
    session("stomp-command", [
        {"receive": "STOMP\naccept-version:1.1\nhost:/\n\n\x00", "events": [connect_event("1.1", host="/")]},
        {"accept": {}, "sent": [sent("CONNECTED", [("version", "1.1")])]},
    ]),
    session("no-accept-version-is-1.0", [
        {"receive": "CONNECT\nlogin:a\n\n\x00", "events": [connect_event("1.0", login="a")]},
        {"accept": {}, "sent": [sent("CONNECTED", [("version", "1.0"), ("heart-beat", "0,0")])]},
    ]),
    session("highest-common-version", [
        {"receive": "CONNECT\naccept-version:1.0,1.1,1.3\n\n\x00", "events": [connect_event("1.1")]},
    ]),
    session("subprotocol-caps-version", [
        {"receive": CONNECT12, "events": [connect_event("1.1", host="/")]},
    ], config={"max_version": "1.1"}, description="v11.stomp negotiated: 1.1 at most"),
    session("no-common-version", [
        refused("CONNECT\naccept-version:1.3\n\n\x00", "unsupported-version",
                extra=[("version", "1.0,1.1,1.2")]),
    ]),
    session("no-common-version-capped", [
        refused("CONNECT\naccept-version:1.2\n\n\x00", "unsupported-version", extra=[("version", "1.0,1.1")]),
    ], config={"max_version": "1.1"}),
    session("send-before-connect", [
        refused("SEND\ndestination:/queue/a\nreceipt:9\n\nx\x00", "protocol", receipt="9"),
        {"receive": "CONNECT\n\n\x00"},
    ], description="CVE-2025-41254: nothing but CONNECT/STOMP before CONNECTED; nothing decoded after the ERROR"),
    session("second-connect", OPEN12 + [refused("CONNECT\naccept-version:1.2\nreceipt:r\n\n\x00", "protocol", "r")],
            description="CVE-2022-22971"),
    session("send-without-destination", OPEN12 + [refused("SEND\nreceipt:r\n\nx\x00", "protocol", "r")]),
    session("subscribe-without-id", OPEN12 + [refused("SUBSCRIBE\ndestination:/a\n\n\x00", "protocol")]),
    session("subscribe-unknown-ack-mode", OPEN12 + [
        refused("SUBSCRIBE\nid:0\ndestination:/a\nack:sometimes\n\n\x00", "protocol")]),
    session("subscribe-without-id-in-1.0", [
        {"receive": "CONNECT\n\n\x00", "events": [connect_event("1.0")]},
        {"accept": {}, "sent": [sent("CONNECTED", [("version", "1.0")])]},
        {"receive": "SUBSCRIBE\ndestination:/a\n\n\x00",
         "events": [{"type": "frame", "command": "SUBSCRIBE", "headers": [["destination", "/a"]]}]},
    ]),
    session("ack-needs-id-in-1.2", OPEN12 + [refused("ACK\nmessage-id:1\n\n\x00", "protocol")]),
    session("client-sends-message", OPEN12 + [refused("MESSAGE\ndestination:/a\n\n\x00", "protocol")]),
    session("frames-in-order", OPEN12 + [
        {"receive": "SUBSCRIBE\nid:0\ndestination:/queue/a\nack:client\n\n\x00\nSEND\ndestination:/queue/a\ncontent-length:2\n\nhi\x00",
         "events": [{"type": "frame", "command": "SUBSCRIBE",
                     "headers": [["id", "0"], ["destination", "/queue/a"], ["ack", "client"]]},
                    {"type": "heart-beat"},
                    {"type": "frame", "command": "SEND", "headers": [["destination", "/queue/a"], ["content-length", "2"]],
                     "body": "hi"}]},
        {"send_receipt": "r1", "sent": [sent("RECEIPT", [("receipt-id", "r1")])]},
    ]),
    session("undefined-escape", OPEN12 + [refused("SEND\ndestination:/a\nreceipt:5\nk:\\t\n\n\x00", "invalid-escape", "5")]),
    session("body-limit", OPEN12 + [refused("SEND\ndestination:/a\ncontent-length:10\n", "body-too-large")],
            config={"limits": {"max_body": 4}}, description="refused on the header, before the body arrives"),
    session("connect-pending-holds-frames", [
        {"receive": CONNECT12 + "SEND\ndestination:/a\n\nx\x00", "events": [connect_event("1.2", host="/")]},
        {"accept": {}, "events": [{"type": "frame", "command": "SEND", "headers": [["destination", "/a"]], "body": "x"}],
         "sent": [sent("CONNECTED")]},
    ]),
    session("reject", [
        {"receive": "CONNECT\naccept-version:1.2\nlogin:x\npasscode:y\n\n\x00",
         "events": [connect_event("1.2", "x", "y")]},
        {"reject": "bad credentials", "sent": [sent("ERROR", [("message", "bad credentials")])],
         "should_close_transport": True},
    ]),
    session("disconnect-with-receipt", OPEN12 + [
        {"receive": "DISCONNECT\nreceipt:77\n\n\x00", "events": [{"type": "disconnect"}],
         "sent": [sent("RECEIPT", [("receipt-id", "77")])], "should_close_transport": True},
    ]),
    session("server-heart-beats", [
        {"receive": "CONNECT\naccept-version:1.2\nheart-beat:0,300\n\n\x00", "now": 1000,
         "events": [connect_event("1.2", heart_beat=(0, 300))]},
        {"accept": {}, "sent": [sent("CONNECTED", [("heart-beat", "100,0")])], "poll_timeout": 1300},
        {"handle_timeout": 1299, "poll_timeout": 1300},
        {"handle_timeout": 1300, "sent": [SENT_HB], "poll_timeout": 1600},
    ], config={"heart_beat": [100, 0]}, description="send every max(100, 300) ms when idle"),
    session("silent-client-times-out", [
        {"receive": "CONNECT\naccept-version:1.2\nheart-beat:1000,0\n\n\x00",
         "events": [connect_event("1.2", heart_beat=(1000, 0))]},
        {"accept": {}, "sent": [sent("CONNECTED", [("heart-beat", "0,500")])], "poll_timeout": 2000},
        {"receive": "\n", "now": 1500, "events": [{"type": "heart-beat"}], "poll_timeout": 3500},
        {"handle_timeout": 3499},
        {"handle_timeout": 3500, "events": [{"type": "error", "kind": "heart-beat-timeout"}],
         "sent": [sent("ERROR")], "should_close_transport": True, "poll_timeout": None},
    ], config={"heart_beat": [0, 500]}, description="expected every max(1000, 500) ms; dead after 2x that"),
]

FILES = {
    "decoder": ("The STOMP frame grammar: commands, headers, bodies, heart-beat EOLs, errors.", GRAMMAR),
    "escapes": ("Header escaping per version; CONNECT/STOMP/CONNECTED never unescaped.", ESCAPES),
    "limits": ("Decoder limits: header count, line length, header block, body.", LIMITS),
    "server": ("Server sessions: negotiation, CONNECTED, every ERROR path, receipts, heart-beats.", SERVER),
}

for name, (description, cases) in FILES.items():
    names = [c["name"] for c in cases]
    assert len(names) == len(set(names)), name
    doc = {"description": description, "cases": cases}
    (HERE / f"{name}.json").write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
