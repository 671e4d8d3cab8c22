"""Report writers: Markdown, HTML (escaped, self-contained) and events.csv in ACLED columns."""

from __future__ import annotations

import csv
import json
import re
from dataclasses import replace

from newsledger.model import Ledger, Rejection
from newsledger.report import write_outputs
from newsledger.report.brief import build_brief, when
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


def test_counts_read_as_english_with_no_zero_clutter(tmp_path):
    ledger, paths = outputs(tmp_path)
    for text in (paths["markdown"].read_text(), paths["html"].read_text()):
        assert not re.search(r"\b1 (claims|articles|conflicts|independent origins)\b", text)
        assert not re.search(r"\b0 (corroborated|contested|single source|unverified)", text)
    brief = build_brief(ledger)
    (event,) = brief.events
    line = event.sources_line
    assert line.startswith(f"{event.counts['articles']} article")
    assert f"{event.counts['claims']} claim" in line


def test_sources_table_shows_no_internal_ids(tmp_path):
    ledger, paths = outputs(tmp_path)
    md, html = paths["markdown"].read_text(), paths["html"].read_text()
    for group in ledger.origin_groups:
        assert group.id not in md and group.id not in html
    assert "Origin group" not in md
    sources = build_brief(ledger).sources
    shared = [s for s in sources if s["origin_label"] != "independent"]
    assert all(str(s["origin_label"]).startswith("same origin as #") for s in shared)


def test_published_timestamps_are_written_for_people():
    assert when("2024-03-13T15:35:00-04:00") == "2024-03-13 15:35 -04:00"
    assert when("2024-03-13T00:00:00+00:00") == "2024-03-13"
    assert when("2024-03-13T08:05:00Z") == "2024-03-13 08:05 UTC"
    assert when("2024-03-13") == "2024-03-13"
    assert when("2024-03-13 09:00:00-04:00") == "2024-03-13 09:00 -04:00"
    assert when("2024-03") == "2024-03"
    assert when(None) is None


def test_an_empty_ledger_says_so_and_lists_what_was_rejected(tmp_path):
    ledger = Ledger(rejected=(Rejection("photos/a.png", "binary content (PNG image), not text"),))
    paths = write_outputs(ledger, tmp_path)
    md, html = paths["markdown"].read_text(), paths["html"].read_text()
    for text in (md, html):
        assert "no articles yet" in text
        assert "photos/a.png" in text and "PNG image" in text
        assert "Sources" not in text and "Evidence" not in text  # no empty sections
    assert "0 events" not in md


def test_outputs_are_replaced_whole_and_leave_no_temporary_files(tmp_path):
    outputs(tmp_path)
    outputs(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "events.csv", "ledger.json", "report.html", "report.md"
    ]


def test_an_undated_unplaced_event_says_what_is_missing(tmp_path):
    ledger = run(raid())
    events = tuple(replace(e, date=None, location=None, locations=()) for e in ledger.events)
    _, paths = outputs(tmp_path, replace(ledger, events=events))
    for text in (paths["markdown"].read_text(), paths["html"].read_text()):
        assert "no date found in the reports" in text
        assert "no place found in the reports" in text
        assert "unknown" not in text.replace("outlet unknown", "")


def _as_accident(ledger: Ledger) -> Ledger:
    from newsledger.extract.events import ACCIDENT, NON_ACLED_TYPES

    events = tuple(
        replace(e, event_type=NON_ACLED_TYPES[ACCIDENT], sub_event_type=ACCIDENT)
        for e in ledger.events
    )
    return replace(ledger, events=events)


def test_a_type_outside_acled_is_never_presented_as_an_acled_category(tmp_path):
    ledger = _as_accident(run(raid()))
    _, paths = outputs(tmp_path, ledger)
    md = paths["markdown"].read_text()
    assert "**Type:** Accident (not political violence; outside ACLED's categories)" in md
    assert "Type (ACLED)" not in md
    html = paths["html"].read_text()
    assert "Type: Accident (not political violence; outside ACLED&#39;s categories)" in html
    assert "Not political violence · Accident" not in html
    with paths["csv"].open(newline="") as handle:
        (row,) = list(csv.DictReader(handle))
    assert row["event_type"] == "" and row["sub_event_type"] == ""
    assert row["notes"].startswith("[Outside ACLED's categories: Accident, not political violence]")
    assert row["location"] == "Tetkino", "the row keeps everything else"


def test_acled_types_keep_their_acled_label(tmp_path):
    _, paths = outputs(tmp_path)
    assert "**Type (ACLED):** Battles" in paths["markdown"].read_text()
    with paths["csv"].open(newline="") as handle:
        (row,) = list(csv.DictReader(handle))
    assert not row["notes"].startswith("[")
