"""Report writers: Markdown, HTML (escaped, self-contained) and events.csv in ACLED columns."""

from __future__ import annotations

import csv
import json
from dataclasses import replace

from newsledger.report import write_outputs
from newsledger.report.render import ACLED_COLUMNS, md_escape
from tests.test_reconcile import raid, run


def outputs(tmp_path, ledger=None):
    ledger = ledger or run(raid())
    return ledger, write_outputs(ledger, tmp_path)


def test_write_outputs_writes_every_file(tmp_path):
    _, paths = outputs(tmp_path)
    assert set(paths) == {"json", "markdown", "html", "csv"}
    assert all(p.exists() and p.stat().st_size > 0 for p in paths.values())
    assert json.loads(paths["json"].read_text())["schema"] == "newsledger/1"


def test_markdown_brief_cites_every_claim(tmp_path):
    ledger, paths = outputs(tmp_path)
    text = paths["markdown"].read_text()
    assert "### Conflicting accounts" in text and "Numeric disagreement" in text
    for claim in ledger.claims:
        assert claim.statement.split(":")[0] in text
    # every footnote reference has its definition, and every definition quotes an evidence span
    refs = {line.split("]:")[0] + "]" for line in text.splitlines() if line.startswith("[^")}
    for ref in refs:
        assert ref in text.replace(ref + ":", "")
    quotes = {ev.quote for c in ledger.claims for ev in c.evidence}
    for line in text.splitlines():
        if line.startswith("[^"):
            assert any(" ".join(q.split()) in line for q in quotes)


def test_html_is_self_contained_and_escapes_hostile_text(tmp_path):
    ledger = run(raid())
    hostile = "<script>alert(1)</script>"
    claims = tuple(replace(c, statement=c.statement + hostile) for c in ledger.claims)
    articles = tuple(replace(a, title=hostile, outlet="<b>Evil</b>") for a in ledger.articles)
    ledger = replace(ledger, claims=claims, articles=articles)
    _, paths = outputs(tmp_path, ledger)
    html = paths["html"].read_text()
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>Evil</b>" not in html
    for external in ("http://", "https://", "src=", "<link"):
        assert external not in html
    md = paths["markdown"].read_text()
    assert "<script>" not in md and "&lt;script&gt;" in md


def test_events_csv_has_acled_columns(tmp_path):
    _, paths = outputs(tmp_path)
    with paths["csv"].open(newline="") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
    assert tuple(reader.fieldnames) == ACLED_COLUMNS
    (row,) = rows
    assert row["event_type"] == "Battles"
    assert row["location"] == "Tetkino" and row["admin1"] == "Kursk"
    assert row["geo_precision"] == "1"
    assert row["fatalities"] == "64"
    assert row["actor1"] == "Freedom of Russia Legion"
    assert set(row["source"].split("; ")) == {"Wire", "Rewrite", "Paper"}


def test_md_escape_neutralises_markup():
    assert md_escape("[x](http://e) *b* <i>") == "\\[x\\](http://e) \\*b\\* &lt;i&gt;"
