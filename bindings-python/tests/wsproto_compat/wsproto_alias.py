"""pytest plugin (``-p wsproto_alias``): runs a suite written for wsproto against
``sansocket.wsproto``.

Before collection it points ``wsproto`` and its submodules at ``sansocket.wsproto``
(``sansocket.wsproto.install()``), so the suite's own imports load the replacement even
if the real wsproto is installed; then it deselects the tests listed in ``excluded.txt``
(beside this file: one ``fnmatch`` pattern of test ids a line, ``#`` and the reason after)
and marks those listed in ``differences.txt`` (same format) as expected failures: the
behaviours where sansocket.wsproto differs from wsproto on purpose.
"""

from __future__ import annotations

import fnmatch
import os
from typing import List, Tuple

import pytest

import sansocket.wsproto

sansocket.wsproto.install()

import wsproto  # noqa: E402  (the alias, checked below)

assert wsproto is sansocket.wsproto, "wsproto was not redirected"


def _listed(name: str) -> List[Tuple[str, str]]:
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), name)
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            pattern, _, reason = line.partition("#")
            if pattern.strip():
                out.append((pattern.strip(), reason.strip()))
    return out


def pytest_report_header() -> str:
    return f"wsproto -> {wsproto.__name__} ({wsproto.__file__})"


def pytest_collection_modifyitems(config: pytest.Config, items: List[pytest.Item]) -> None:
    excluded = _listed("excluded.txt")
    differences = _listed("differences.txt")
    kept, dropped = [], []
    for item in items:
        test_id = item.nodeid.split("tests/", 1)[-1]
        if any(fnmatch.fnmatchcase(test_id, p) for p, _ in excluded):
            dropped.append(item)
            continue
        for pattern, reason in differences:
            if fnmatch.fnmatchcase(test_id, pattern):
                item.add_marker(pytest.mark.xfail(reason=reason, strict=True))
        kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
