"""The chat page and its scripts, answered on the WebSocket's port.

The server runs with ``plain_http=True``: a ``GET`` without ``Upgrade`` reaches
:meth:`StaticFiles.answer`, which returns ``(status, headers, body)`` for the engine's
``reject`` path (any status, ``200`` with the file). Three roots:

- ``/`` and ``/<file>``: the page shipped in this package (``static/``);
- ``/vendor/stompjs/<file>``: the UMD bundle of ``@stomp/stompjs`` from the npm package's
  ``node_modules`` (installed by ``npm ci`` in ``bindings-wasm``), for ``?client=stompjs``;
- ``/vendor/sansocket/lib/<file>`` and ``/vendor/sansocket/pkg/web/<file>``: the npm
  package's web build (``npm run build``), for the page's default client.

Only regular files under those roots are served (no ``..``, no listing); anything else is
``404``. Files are read once and kept (the page is a few KiB; the bundles a few hundred).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, List, Optional, Tuple
from urllib.parse import unquote

__all__ = ["StaticFiles", "default_npm_dir", "PAGE_DIR"]

PAGE_DIR = Path(__file__).parent / "static"

_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".map": "application/json",
    ".json": "application/json",
    ".wasm": "application/wasm",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
}

Response = Tuple[int, List[Tuple[str, str]], bytes]


def default_npm_dir() -> Optional[Path]:
    """The npm package's folder: ``$SANSOCKET_NPM_DIR``, else ``./bindings-wasm`` if it
    exists (the chat script runs from the repository's root), else None."""
    env = os.environ.get("SANSOCKET_NPM_DIR")
    if env:
        return Path(env)
    here = Path("bindings-wasm")
    return here if (here / "package.json").is_file() else None


class StaticFiles:
    """Answers page requests from the page folder and the npm package's folder."""

    def __init__(self, page_dir: Path = PAGE_DIR, npm_dir: Optional[Path] = None) -> None:
        self._roots: List[Tuple[str, Path]] = [("/", page_dir)]
        if npm_dir is not None:
            self._roots[:0] = [
                ("/vendor/stompjs/", npm_dir / "node_modules/@stomp/stompjs/bundles"),
                ("/vendor/sansocket/lib/", npm_dir / "lib"),
                ("/vendor/sansocket/pkg/web/", npm_dir / "pkg/web"),
            ]
        self._cache: Dict[str, Response] = {}

    def answer(self, path: str) -> Response:
        """The response to ``GET path`` (the target's path, without the query)."""
        cached = self._cache.get(path)
        if cached is not None:
            return cached
        file = self._resolve(path)
        if file is None:
            return (404, [("Content-Type", "text/plain; charset=utf-8")], b"not found\n")
        response: Response = (
            200,
            [
                ("Content-Type", _TYPES.get(file.suffix, "application/octet-stream")),
                ("Cache-Control", "no-cache"),
                ("X-Content-Type-Options", "nosniff"),
            ],
            file.read_bytes(),
        )
        if len(self._cache) < 256:
            self._cache[path] = response
        return response

    def _resolve(self, path: str) -> Optional[Path]:
        path = unquote(path)
        if path == "/":
            path = "/index.html"
        for prefix, root in self._roots:
            if not path.startswith(prefix):
                continue
            rest = path[len(prefix) :]
            parts = rest.split("/")
            if not rest or any(p in ("", ".", "..") or "\\" in p or "\0" in p for p in parts):
                return None
            file = root.joinpath(*parts)
            try:
                if file.is_file() and file.resolve().is_relative_to(root.resolve()):
                    return file
            except (OSError, ValueError):
                return None
            return None
        return None
