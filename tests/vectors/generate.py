#!/usr/bin/env python3
"""Writes the test vectors (*.json) in this folder from the case lists in gen/.

The expected bytes and events are computed here from RFC 6455, independently of the engine
(frames, masking, the accept key, the SeededEntropy stream). Edit a gen/*.py module and run
`python3 tests/vectors/generate.py`; the Rust runner is core/tests/vectors.rs.
"""

import json
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from gen import (  # noqa: E402
    chunks, close, control, deflate, fragmentation, frames, handshake_client, handshake_server,
    limits, sessions, utf8)

FILES = {
    "handshake_server": (handshake_server, "The server side of the opening handshake "
                                           "(RFC 6455 §4.2) and its HTTP error answers."),
    "handshake_client": (handshake_client, "The client side of the opening handshake "
                                           "(RFC 6455 §4.1) and the rejections it reports."),
    "frames": (frames, "Framing (RFC 6455 §5.2, §5.3, §5.7): the RFC's examples, length "
                       "encodings, header errors."),
    "fragmentation": (fragmentation, "Fragmented messages (RFC 6455 §5.4)."),
    "utf8": (utf8, "UTF-8 in text messages (RFC 6455 §8.1), checked as it arrives."),
    "control": (control, "Ping and pong (RFC 6455 §5.5.2, §5.5.3)."),
    "close": (close, "The close handshake and close codes (RFC 6455 §5.5.1, §7)."),
    "limits": (limits, "max_frame_size, max_message_size, max_fragments (close code 1009)."),
    "chunks": (chunks, "delivery = \"chunks\": messages delivered in pieces."),
    "deflate": (deflate, "permessage-deflate (RFC 7692) as received."),
    "sessions": (sessions, "Whole connections, handshake to closed transport."),
}


def dump(value, indent=0, width=100):
    """JSON, a value on one line when it fits in `width` or holds no containers."""
    flat = json.dumps(value, ensure_ascii=False)
    children = value.values() if isinstance(value, dict) else value
    if (len(flat) + indent <= width or not isinstance(value, (dict, list))
            or not any(isinstance(c, (dict, list)) for c in children)):
        return flat
    pad, inner = " " * indent, " " * (indent + 2)
    if isinstance(value, dict):
        items = [f"{inner}{json.dumps(k)}: {dump(v, indent + 2, width)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    items = [inner + dump(v, indent + 2, width) for v in value]
    return "[\n" + ",\n".join(items) + "\n" + pad + "]"


def main():
    total = 0
    for name, (module, description) in FILES.items():
        cases = module.cases()
        names = [c["name"] for c in cases]
        duplicates = {n for n in names if names.count(n) > 1}
        if duplicates:
            raise SystemExit(f"{name}: duplicate case names {sorted(duplicates)}")
        doc = {"description": description, "cases": cases}
        (HERE / f"{name}.json").write_text(dump(doc) + "\n", encoding="utf-8")
        total += len(cases)
        print(f"{name}.json: {len(cases)} cases")
    print(f"total: {total} cases")


if __name__ == "__main__":
    main()
