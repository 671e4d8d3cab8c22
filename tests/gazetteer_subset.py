"""A small gazetteer index (a few countries) built once per test session for the resolve tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsledger.resolve.gazetteer import INDEX_NAME, build_index

SUBSET = ("RU", "UA", "US", "EG", "BY", "GB", "CA", "IT", "CN", "HK", "TW", "MO", "KR", "KP",
          "CD", "CG", "GE", "IN")


def subset_index(factory: pytest.TempPathFactory) -> Path:
    """Built on first use in the session's temp folder, then reused by every module."""
    folder = factory.getbasetemp() / "gazetteer-subset"
    path = folder / INDEX_NAME
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        build_index(path, countries_only=SUBSET)
    return path
