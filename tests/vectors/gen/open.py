"""Helpers for cases that start open (`"open": true`): a server, or a seeded client."""

from .case import case, recv
from .wire import B, ClientModel, close_code, close_reason, ev_protocol_error, server_close


def srv(name, steps, **kw):
    """An open server."""
    return case(name, "server", steps, open=True, **kw)


def cli(name, seed, steps_fn, **kw):
    """An open client; `steps_fn(model)` builds the steps with the model of its mask keys."""
    model = ClientModel(seed, handshake=False)
    return case(name, "client", steps_fn(model), open=True, seed=seed, **kw)


def srv_fails(name, data, kind, *before, description=None, config=None, sent_before=b""):
    """An open server that fails on `data` (after the events `before`, which queued
    `sent_before`): it sends a close frame with the error's code and asks for the transport
    to be closed."""
    return srv(name, [
        recv(data, *before, ev_protocol_error(kind),
             out=B(sent_before) + server_close(close_code(kind), close_reason(kind)),
             state="closed", close=True),
    ], description=description, config=config)


def cli_fails(name, seed, data, kind, *before, description=None, config=None):
    """The same for an open client: its close frame is masked."""
    return cli(name, seed, lambda m: [
        recv(data, *before, ev_protocol_error(kind),
             out=m.close(close_code(kind), close_reason(kind)), state="closed", close=True),
    ], description=description, config=config)
