"""Report stage: a Ledger out as ledger.json, report.md, report.html and events.csv."""

from __future__ import annotations

from pathlib import Path

from newsledger.model import Ledger
from newsledger.report.ledger_json import write_ledger_json
from newsledger.report.render import write_reports


def write_outputs(ledger: Ledger, out_dir: Path) -> dict[str, Path]:
    """Every output file of a run, by kind."""
    paths = {"json": out_dir / "ledger.json"}
    write_ledger_json(ledger, paths["json"])
    paths.update(write_reports(ledger, out_dir))
    return paths
