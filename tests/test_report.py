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


# ------------------------------------------------------------------ issue 6 follow-ups


def _example(example_ledger: dict) -> Ledger:
    from newsledger.codec import from_data

    return from_data(Ledger, example_ledger)


def _main_event(ledger: Ledger):
    return max(ledger.events, key=lambda e: len(e.claim_ids))


def test_summary_quotes_each_camp_by_reconciles_choice(example_ledger):
    from newsledger.reconcile.claims import claim_body, lead_rank

    ledger = _example(example_ledger)
    claims = {c.id: c for c in ledger.claims}
    event = _main_event(ledger)
    disputes = [
        k for k in ledger.conflicts
        if k.kind == "contradiction" and not k.same_speaker
        and set(k.claim_ids) & set(event.claim_ids)
    ]
    assert disputes
    main = max(disputes, key=lambda k: sum(claims[c].independent_origins for c in k.claim_ids))
    lead = next(e.lead for e in build_brief(ledger).events if e.id == event.id)
    for camp in main.sides:
        best = max((claims[c] for c in camp), key=lead_rank)
        body = claim_body(best.statement)
        assert body in lead, (body, lead)
        # the camp's shortest claim is quoted only when it is also its best
        shortest = min((claims[c] for c in camp), key=lambda c: len(c.statement))
        if shortest.id != best.id:
            assert claim_body(shortest.statement) not in lead
    assert "says: “denies" not in lead and "claims: “denies" not in lead


def _view(claim_id: str, statement: str, claimants: list[str], origins: int = 1):
    from newsledger.report.brief import ClaimView

    return ClaimView(claim_id, statement, claimants, "contested", "contested", origins, [], [1])


def _event():
    from newsledger.model import EventRecord

    return EventRecord("ev-1", "t", "2024-03-12", "day", "Battles", "Armed clash", None, (), (),
                       (), (), None)


def test_a_denial_reads_as_the_speaker_denying():
    from newsledger.report.brief import ConflictView, _lead

    claim = _view("c-1", "Legion: The village is entirely controlled by our forces.", ["Legion"], 3)
    denial = _view("c-2", "Russia: denies the border “violation”.", ["Russia"])
    lead, _ = _lead(_event(), [claim, denial], {},
                    ConflictView("k-1", "contradiction", "x", [[claim], [denial]]))
    assert "Russia denies the border “violation”." in lead
    assert "says: “denies" not in lead
    assert "Legion claims: “The village is entirely controlled by our forces”" in lead
    two = _view("c-3", "Russia, TASS: denies any breakthrough.", ["Russia", "TASS"])
    lead, _ = _lead(_event(), [claim, two], {},
                    ConflictView("k-1", "contradiction", "x", [[claim], [two]]))
    assert "Russia, TASS deny any breakthrough." in lead
    # a lone denial, with no contradiction to set it against, reads the same way
    lead, _ = _lead(_event(), [denial], {})
    assert lead.endswith("Russia denies the border “violation”.")


def test_one_speaker_on_both_sides_is_not_set_against_himself(example_ledger):
    from newsledger.report.brief import ConflictView, _lead

    said = _view("c-1", "Gladkov: A drone crashed without causing any casualties.", ["Gladkov"])
    copied = _view("c-2", "Gladkov: the drone hit the building, leaving two wounded.", ["Gladkov"])
    lead, _ = _lead(_event(), [said, copied], {},
                    ConflictView("k-1", "contradiction", "x", [[said], [copied]]))
    assert "Gladkov claims" not in lead and "Gladkov says" not in lead
    assert "Reports differ on what Gladkov said" in lead
    # the example's summaries never set a speaker against himself either
    for event in build_brief(_example(example_ledger)).events:
        found = re.search(r"(?:^|\. )([^.“]+?) claims?: “.*”; (.+?) says?: “", event.lead)
        assert not found or found.group(1) != found.group(2), event.lead


def test_reconcile_marks_reporting_discrepancies(example_ledger):
    from newsledger.codec import from_data
    from newsledger.model import Claim

    claims = {c["id"]: from_data(Claim, c) for c in example_ledger["claims"]}
    flagged = [k for k in example_ledger["conflicts"] if k.get("same_speaker")]
    assert flagged, "the example holds a story whose copies disagree about one speaker"
    for k in example_ledger["conflicts"]:
        assert "same_speaker" in k
        assert bool(k["same_speaker"]) == k["explanation"].startswith("Reports disagree about what")
    for k in flagged:
        a, b = ({e for c in camp for e in claims[c].claimants} for camp in k["sides"])
        assert a == b and a


def test_a_reporting_discrepancy_shows_reports_not_the_speaker_twice(tmp_path, example_ledger):
    ledger = _example(example_ledger)
    paths = write_outputs(ledger, tmp_path)
    md = paths["markdown"].read_text()
    claims = {c.id: c for c in ledger.claims}
    flagged = [k for k in ledger.conflicts if k.same_speaker]
    disputes = [k for k in ledger.conflicts if k.kind == "contradiction" and not k.same_speaker]
    assert md.count("| One report | Another report |") == len(flagged)
    assert md.count("| One side | The other side |") == len(disputes)
    for k in flagged:
        table = md.split(md_escape(k.explanation), 1)[1].split("| One report | Another report |")[1]
        row = table.strip().splitlines()[1]  # the first row under the |---|---| line
        speaker = claims[k.sides[0][0]].statement.split(": ", 1)[0]
        assert speaker not in row, row
        for camp in k.sides:
            for outlet in claims[camp[0]].outlets:
                assert md_escape(outlet) in row
    html = paths["html"].read_text()
    assert html.count("<h4>One report</h4>") == len(flagged)
    assert html.count("<h4>One account</h4>") == len(disputes)


def test_the_event_page_labels_report_columns(tmp_path, example_ledger):
    from fastapi.testclient import TestClient

    from newsledger.web import create_app

    (tmp_path / "ledger.json").write_text(json.dumps(example_ledger), encoding="utf-8")
    flagged = next(k for k in example_ledger["conflicts"] if k.get("same_speaker"))
    claim = next(c for c in example_ledger["claims"] if c["id"] == flagged["sides"][0][0])
    page = TestClient(create_app(tmp_path)).get(f"/events/{claim['event_id']}")
    assert page.status_code == 200
    assert page.text.count("One report") == 1 and page.text.count("Another report") == 1
    assert "Side 1" in page.text, "a dispute between speakers keeps its side labels"


def test_actor2_is_empty_when_reconcile_found_no_opponent(tmp_path):
    from newsledger.model import Entity

    ledger = run(raid())
    army = Entity("e-army", "ARMED_GROUP", "Russian army", (), ())
    guard = Entity("e-guard", "ARMED_GROUP", "Russian National Guard", (), ())
    legion = next(e for e in ledger.entities if e.name == "Freedom of Russia Legion")

    def actor2(*actors: str) -> str:
        events = tuple(replace(e, actors=actors) for e in ledger.events)
        case = replace(ledger, events=events, entities=(*ledger.entities, army, guard))
        _, paths = outputs(tmp_path, case)
        with paths["csv"].open(newline="") as handle:
            (row,) = list(csv.DictReader(handle))
        return row["actor2"]

    assert actor2(army.id, guard.id) == "", "two forces of one state are one side"
    assert actor2(legion.id, army.id) == "Russian army"
    assert actor2(legion.id) == ""
