"""Shared fixtures: the bundled example analyzed once per test session."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import settings

# CI runs the property tests on a fixed sequence of examples, so a red build is reproducible;
# developers get fresh random examples on every run.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "kursk-belgorod-2024-03"
SCHEMA = REPO / "schema" / "ledger.schema.json"


@pytest.fixture(scope="session")
def example_dir() -> Path:
    return EXAMPLE


@pytest.fixture(scope="session")
def example_ledger_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled example through the real pipeline, written to a temporary folder."""
    from newsledger.pipeline import analyze

    out = tmp_path_factory.mktemp("example-ledger")
    analyze([str(EXAMPLE)], out)
    return out


@pytest.fixture(scope="session")
def example_ledger(example_ledger_dir: Path) -> dict:
    return json.loads((example_ledger_dir / "ledger.json").read_text(encoding="utf-8"))
