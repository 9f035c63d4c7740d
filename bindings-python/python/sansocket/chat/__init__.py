"""The chat room: ``python -m sansocket.chat HOST:PORT`` serves a chat page and STOMP over
WebSocket on one port (see :mod:`sansocket.chat.server`).

Modules: ``static_files`` (the page and the npm package's scripts), ``rooms`` (the
application logic: history, online lists, stamping posts), ``server`` (the server on
``sansocket.asyncio``), ``__main__`` (the command line).
"""
