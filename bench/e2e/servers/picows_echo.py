"""picows's core API (a listener called per frame, C/Cython underneath) as an echo server:

    python servers/picows_echo.py 127.0.0.1:PORT
"""

from __future__ import annotations

import asyncio
import sys

from picows import WSFrame, WSListener, WSMsgType, WSTransport, WSUpgradeRequest, ws_create_server

import loop


class Echo(WSListener):
    """Sends every data frame back as it came (the client sends whole messages)."""

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        if frame.msg_type == WSMsgType.CLOSE:
            transport.send_close(frame.get_close_code(), frame.get_close_message())
            transport.disconnect()
        elif frame.msg_type in (WSMsgType.TEXT, WSMsgType.BINARY, WSMsgType.CONTINUATION):
            transport.send(frame.msg_type, frame.get_payload_as_memoryview(), frame.fin)


def listener(request: WSUpgradeRequest) -> Echo:
    return Echo()


async def main() -> None:
    host, port = loop.split_addr(sys.argv[1])
    server = await ws_create_server(listener, host, port, max_frame_size=64 << 20)
    await server.serve_forever()


if __name__ == "__main__":
    loop.install()
    asyncio.run(main())
