"""The sans-IO STOMP API of the binding: conversions in and out, every error type, and the
sessions and the broker driven in memory with time moved by hand."""

from __future__ import annotations

from typing import Any, List

import pytest

from sansocket import stomp


def drain(session: Any) -> List[Any]:
    events = []
    while (event := session.next_event()) is not None:
        events.append(event)
    return events


def test_frame_and_encode_round_trip() -> None:
    frame = stomp.Frame("SEND", [("destination", "/queue/a"), ("k", "a:b\nc\\d"), ("k", "second")], "h\u00e9\0llo")
    assert frame.command == "SEND"
    assert frame.header("k") == "a:b\nc\\d"  # the first repeat wins
    assert frame.header("missing") is None
    assert frame.body == "h\u00e9\0llo".encode()
    for version in ("1.1", "1.2"):
        data = stomp.encode(frame, version)
        assert b"content-length:7\n" in data
        decoder = stomp.Decoder(version)
        decoder.receive_data(memoryview(data))
        decoded = decoder.next_event()
        assert isinstance(decoded, stomp.Frame)
        assert decoded.headers == frame.headers + [("content-length", "7")]
        assert decoded.body == frame.body
        assert decoder.next_event() is None
    assert stomp.encode(stomp.Frame("CONNECT", [("host", "/")]), "1.0") == b"CONNECT\nhost:/\n\n\0"


def test_bad_arguments() -> None:
    with pytest.raises(ValueError):
        stomp.Frame("NOPE")
    with pytest.raises(ValueError):
        stomp.Decoder("1.3")
    with pytest.raises(TypeError):
        stomp.Frame("SEND", [], 42)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        stomp.ClientSession(0).subscribe("/queue/a", ack="sometimes")


def test_errors_are_typed() -> None:
    with pytest.raises(stomp.StompEncodeError) as enc:
        stomp.encode(stomp.Frame("SUBSCRIBE", [("id", "1")], b"body"))
    assert enc.value.kind == "body-not-allowed"
    assert isinstance(enc.value, stomp.StompError)

    decoder = stomp.Decoder("1.2", stomp.Limits(max_body=10))
    decoder.receive_data(b"SEND\ncontent-length:11\n")
    with pytest.raises(stomp.StompDecodeError) as dec:
        decoder.next_event()
    assert (dec.value.kind, dec.value.is_limit) == ("body-too-large", True)
    assert decoder.has_failed and decoder.next_event() is None

    client = stomp.ClientSession(0)
    with pytest.raises(stomp.StompUsageError) as use:
        client.unsubscribe("never")
    assert use.value.kind == "unknown-subscription"

    server = stomp.ServerSession(0)
    server.receive_data(b"SEND\ndestination:/a\nreceipt:r\n\n\0", 0)
    with pytest.raises(stomp.StompSessionError) as ses:
        server.next_event()
    assert ses.value.kind == "protocol"
    assert server.should_close_transport
    error = server.data_to_send(0)
    assert error.startswith(b"ERROR\n") and b"receipt-id:r\n" in error


def test_client_and_server_in_memory_with_heart_beats() -> None:
    client = stomp.ClientSession(0, login="u", passcode="p", heart_beat=(1000, 1000))
    server = stomp.ServerSession(0, heart_beat=(1000, 1000))
    server.receive_data(client.data_to_send(0), 0)
    (request,) = drain(server)
    assert isinstance(request, stomp.ConnectRequest)
    assert (request.version, request.login, request.passcode, request.heart_beat) == ("1.2", "u", "p", (1000, 1000))
    server.accept("s-1", headers=[("user-name", "u")])
    client.receive_data(server.data_to_send(0), 0)
    (connected,) = drain(client)
    assert isinstance(connected, stomp.Connected)
    assert (connected.version, connected.session, connected.heart_beat) == ("1.2", "s-1", (1000, 1000))
    assert connected.frame.header("user-name") == "u"

    sub = client.subscribe("/queue/a", "client-individual")
    client.send("/queue/a", b"\xff", headers=[("receipt", "r1")])
    server.receive_data(client.data_to_send(10), 10)
    subscribe, send = drain(server)
    assert subscribe.command == "SUBSCRIBE" and subscribe.header("id") == sub
    assert send.body == b"\xff"
    server.send_frame(
        stomp.Frame("MESSAGE", [("destination", "/queue/a"), ("message-id", "m1"), ("subscription", sub), ("ack", "a1")], b"x")
    )
    server.send_receipt("r1")
    client.receive_data(server.data_to_send(20), 20)
    message, receipt = drain(client)
    assert isinstance(message, stomp.Message) and isinstance(receipt, stomp.Receipt)
    assert (message.subscription, message.message_id, message.ack, message.body) == (sub, "m1", "a1", b"x")
    assert receipt.receipt_id == "r1" and client.pending_receipts == []
    client.ack(message)
    assert client.data_to_send(30) == b"ACK\nid:a1\n\n\0"

    # time moves by hand: the client owes a heart-beat at 1030, the server fails it at 2030+
    due = client.poll_timeout()
    assert due is not None and due <= 1030
    client.handle_timeout(due)
    assert client.data_to_send(due) == b"\n"
    server.handle_timeout(10_000)
    with pytest.raises(stomp.StompSessionError) as timeout:
        drain(server)
    assert timeout.value.kind == "heart-beat-timeout"


def test_broker_topic_queue_and_events() -> None:
    broker = stomp.Broker(app_prefixes=["/app/"], authenticate=True, heart_beat=(0, 0))
    a, b = broker.open(0), broker.open(0, "1.1")
    broker.receive_data(a, b"CONNECT\naccept-version:1.2\nlogin:alice\n\n\0", 0)
    broker.receive_data(b, b"CONNECT\naccept-version:1.1,1.2\nlogin:mallory\n\n\0", 0)
    auth = [broker.next_event(), broker.next_event()]
    assert all(isinstance(e, stomp.Authenticate) for e in auth)
    assert [(e.connection, e.login) for e in auth] == [(a, "alice"), (b, "mallory")]
    broker.accept(a, subscribe=["/topic/"])
    broker.reject(b, "who are you")
    closed = broker.next_event()
    assert isinstance(closed, stomp.Closed) and closed.connection == b
    assert isinstance(closed.error, stomp.StompSessionError) and closed.error.kind == "rejected"
    assert broker.should_close(b)
    assert broker.data_to_send(b, 0).startswith(b"ERROR\n")
    broker.close(b)

    broker.receive_data(a, b"SUBSCRIBE\nid:1\ndestination:/topic/t\n\n\0SEND\ndestination:/app/x\n\nhi\0", 0)
    assert sorted(broker.connections_to_flush()) == [a]
    assert broker.data_to_send(a, 0).startswith(b"CONNECTED\n")
    app = broker.next_event()
    assert isinstance(app, stomp.AppMessage) and app.frame.body == b"hi"
    broker.publish("/topic/t", "news", headers=[("k", "v")])
    out = broker.data_to_send(a, 0)
    assert out.startswith(b"MESSAGE\n") and b"k:v\n" in out and b"subscription:1\n" in out
    broker.publish("/queue/q", b"waits")
    assert broker.queue_depth("/queue/q") == 1
    with pytest.raises(stomp.StompUsageError) as info:
        broker.publish("/nowhere", b"")
    assert info.value.kind == "unknown-destination"
    assert broker.connection_count == 1
    broker.receive_data(a, b"DISCONNECT\nreceipt:bye\n\n\0", 0)
    assert b"receipt-id:bye" in broker.data_to_send(a, 0)
    assert broker.should_close(a)


def test_websocket_helpers() -> None:
    assert stomp.SUBPROTOCOLS == ["v12.stomp", "v11.stomp", "v10.stomp"]
    assert stomp.version_for_subprotocol(None) == "1.2"
    assert stomp.version_for_subprotocol("v10.stomp") == "1.0"
    assert stomp.subprotocol_for_version("1.1") == "v11.stomp"
    assert stomp.is_binary(b"\xff") and not stomp.is_binary(b"SEND\n\n\0")
