"""Runs a module's command line on the benchmark's event loop (see loop.py):

    python servers/run_module.py sansocket.examples.echo_server 127.0.0.1:PORT --no-deflate
"""

from __future__ import annotations

import runpy
import sys

import loop

if __name__ == "__main__":
    loop.install()
    module = sys.argv[1]
    sys.argv = [module, *sys.argv[2:]]
    runpy.run_module(module, run_name="__main__", alter_sys=True)
