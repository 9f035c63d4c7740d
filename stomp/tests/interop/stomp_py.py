"""stomp.py (PyPI stomp-py 9.0.0) against the sansocket-stomp TCP broker example, in STOMP
1.0, 1.1 and 1.2: escaped headers and a UTF-8 body, client / client-individual acks, NACK
redelivery, a transaction held until COMMIT, receipts, heart-beats, DISCONNECT with a
receipt. Not wired into a suite yet:

    cargo run -p sansocket-stomp --example tcp_broker -- 127.0.0.1:0   # prints the port
    pip install stomp-py==9.0.0 && python3 stomp/tests/interop/stomp_py.py 127.0.0.1 PORT
"""
import sys
import threading
import time

import stomp

host, port = sys.argv[1], int(sys.argv[2])

class L(stomp.ConnectionListener):
    def __init__(self):
        self.messages, self.receipts, self.errors = [], [], []
        self.cv = threading.Condition()
    def on_message(self, frame):
        with self.cv:
            self.messages.append(frame); self.cv.notify_all()
    def on_receipt(self, frame):
        with self.cv:
            self.receipts.append(frame.headers.get("receipt-id")); self.cv.notify_all()
    def on_error(self, frame):
        self.errors.append(frame)
    def wait(self, pred, timeout=5):
        with self.cv:
            assert self.cv.wait_for(pred, timeout), "timeout"

ok = 0
for cls, ver in [(stomp.Connection12, "1.2"), (stomp.Connection11, "1.1"), (stomp.Connection10, "1.0")]:
    c = cls([(host, port)], heartbeats=(1000, 1000)) if ver != "1.0" else cls([(host, port)])
    l = L(); c.set_listener("", l)
    c.connect("guest", "guest", wait=True)
    q = f"/queue/interop-{ver}"
    if ver == "1.0":
        c.subscribe(q, ack="client", id="s1")
    else:
        c.subscribe(q, id="s1", ack="client-individual")
    c.send(q, "héllo:\n\\", headers={"x-custom": "a:b\\c"})
    l.wait(lambda: len(l.messages) >= 1)
    m = l.messages[0]
    assert m.body == "héllo:\n\\", repr(m.body)
    if ver != "1.0":
        assert m.headers["x-custom"] == "a:b\\c", m.headers
        # NACK: redelivered (same subscriber, the only one).
        if ver == "1.2":
            c.nack(m.headers["ack"])
        else:
            c.nack(m.headers["message-id"], "s1")
        l.wait(lambda: len(l.messages) >= 2)
        m = l.messages[1]
        assert m.headers["message-id"] == l.messages[0].headers["message-id"]
    if ver == "1.2":
        c.ack(m.headers["ack"])
    elif ver == "1.1":
        c.ack(m.headers["message-id"], "s1")
    else:
        c.ack(m.headers["message-id"])
    # Transaction: nothing until COMMIT.
    c.subscribe("/topic/t", id="s2")
    tx = c.begin()
    c.send("/topic/t", "in-tx", transaction=tx)
    time.sleep(0.3)
    assert not any(x.body == "in-tx" for x in l.messages)
    c.commit(tx)
    l.wait(lambda: any(x.body == "in-tx" for x in l.messages))
    c.send("/topic/t", "with-receipt", headers={"receipt": "r-1"})
    l.wait(lambda: "r-1" in l.receipts)
    time.sleep(1.5 if ver != "1.0" else 0)  # heart-beats keep the session up
    c.disconnect(receipt="bye")
    assert "bye" in l.receipts, l.receipts
    assert not l.errors, [e.headers for e in l.errors]
    print(f"stomp.py {ver}: ok")
    ok += 1
print(f"{ok}/3 versions ok")
