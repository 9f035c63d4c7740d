"""``python -m sansocket.wsproto MODULE [ARGS...]``: runs ``python -m MODULE ARGS...`` with
``import wsproto`` redirected to ``sansocket.wsproto`` (see ``install()``), e.g.::

    python -m sansocket.wsproto hypercorn app:app
    python -m sansocket.wsproto uvicorn app:app --ws wsproto

The redirect holds in this process only (servers' worker processes start without it: use
``--ws sansocket.wsproto.uvicorn:WSProtocol`` with uvicorn, or call ``install()`` first
thing in each process).
"""

from __future__ import annotations

import runpy
import sys

from . import install


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] in ("-h", "--help"):
        print(__doc__)
        raise SystemExit(0 if len(sys.argv) >= 2 else 2)
    install()
    module = sys.argv[1]
    sys.argv = [module, *sys.argv[2:]]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
