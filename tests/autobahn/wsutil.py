#!/usr/bin/env python3
"""Small stdlib-only helpers for the Autobahn scripts.

  wsutil.py free-port                 print a free TCP port on 127.0.0.1
  wsutil.py listening PORT            exit 0 if a TCP socket listens on PORT
                                      (reads /proc/net/tcp{,6}; never connects)
  wsutil.py update-reports URL AGENT  open URL/updateReports?agent=AGENT with a
                                      minimal WebSocket handshake and wait until
                                      wstest has written the reports and closed
"""
import base64
import os
import socket
import sys
import time
from urllib.parse import quote, urlsplit


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(port):
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(name) as f:
                next(f)
                for line in f:
                    parts = line.split()
                    local, state = parts[1], parts[3]
                    if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:
                        return True
        except OSError:
            pass
    return False


def update_reports(url, agent, timeout=600):
    u = urlsplit(url)
    host, port = u.hostname, u.port or 80
    path = "/updateReports?agent=" + quote(agent, safe="")
    key = base64.b64encode(os.urandom(16)).decode()
    req = ("GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % (path, host, port, key))
    s = socket.create_connection((host, port), timeout=30)
    s.settimeout(timeout)
    s.sendall(req.encode())
    data = b""
    deadline = time.time() + timeout
    while time.time() < deadline:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
        head, sep, rest = data.partition(b"\r\n\r\n")
        if sep and not head.startswith(b"HTTP/1.1 101"):
            raise SystemExit("update-reports: handshake refused: %r" % head[:200])
        # server sends a Close frame (opcode 0x8) once the reports are written
        if sep and rest and (rest[0] & 0x0F) == 0x8:
            s.sendall(b"\x88\x82\x00\x00\x00\x00\x03\xe8")  # masked Close 1000 (zero mask)
            break
    s.close()


def main(argv):
    if len(argv) == 2 and argv[1] == "free-port":
        print(free_port())
        return 0
    if len(argv) == 3 and argv[1] == "listening":
        return 0 if listening(int(argv[2])) else 1
    if len(argv) == 4 and argv[1] == "update-reports":
        update_reports(argv[2], argv[3])
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
