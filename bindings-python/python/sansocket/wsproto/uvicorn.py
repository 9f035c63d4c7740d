"""uvicorn's own wsproto backend on ``sansocket.wsproto``, for ``--ws``::

    uvicorn app:app --ws sansocket.wsproto.uvicorn:WSProtocol

Importing this module redirects ``import wsproto`` (``install()``) and then loads uvicorn's
``uvicorn.protocols.websockets.wsproto_impl``, whose ``WSProtocol`` it re-exports; uvicorn
imports the ``--ws`` string in every worker process, so the redirect holds there too.
(``sansocket.uvicorn:WebSocketProtocol`` is the engine's own uvicorn backend, faster still.)
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

from . import install

_IMPL = "uvicorn.protocols.websockets.wsproto_impl"

install()
if _IMPL in sys.modules and sys.modules[_IMPL].wsproto is not sys.modules["wsproto"]:
    # Loaded before the redirect (with the real wsproto): load it again on this one.
    del sys.modules[_IMPL]
WSProtocol: Any = importlib.import_module(_IMPL).WSProtocol

__all__ = ["WSProtocol"]
