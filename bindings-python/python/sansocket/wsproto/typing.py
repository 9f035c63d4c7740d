"""``wsproto.typing``: the header list type."""

from typing import List, Tuple

#: HTTP headers as ``(name, value)`` byte pairs.
Headers = List[Tuple[bytes, bytes]]

__all__ = ["Headers"]
