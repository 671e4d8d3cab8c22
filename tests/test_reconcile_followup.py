"""Conflict camps, event times, source labels, late slots and governing attributions."""

from __future__ import annotations

import csv
from dataclasses import replace

from newsledger.model import Article, Quantity, TimeExpression
from newsledger.reconcile import build_ledger
from newsledger.reconcile.outlets import outlet_basis, outlet_label
from newsledger.reconcile.slots import settle_slot
from newsledger.reconcile.times import resolve_relative
from newsledger.report import write_outputs
from tests.test_reconcile import MINISTRY, claim_with, raid, run
from tests.test_reconcile_support import Case, span


def test_contradiction_has_two_camps_that_partition_its_claims():
    ledger = run(raid())
    control = claim_with(ledger, "control")
    conflict = next(
        k for k in ledger.conflicts if k.kind == "contradiction" and control.id in k.claim_ids
    )
    assert len(conflict.sides) == 2
    camp_a, camp_b = (set(s) for s in conflict.sides)
    assert camp_a and camp_b and not camp_a & camp_b
    assert camp_a | camp_b == set(conflict.claim_ids)
    repelled = claim_with(ledger, "repelled")
    assert {control.id, repelled.id} <= camp_a | camp_b
    assert (control.id in camp_a) != (repelled.id in camp_a)


def test_numeric_conflict_has_one_camp_per_figure():
    ledger = run(raid())
    numeric = next(k for k in ledger.conflicts if k.kind == "numeric")
    sixty, three_hundred = claim_with(ledger, "60"), claim_with(ledger, "300")
    assert [set(s) for s in numeric.sides] == [{sixty.id}, {three_hundred.id}]


def test_report_shows_camps_side_by_side(tmp_path):
    ledger = run(raid())
    paths = write_outputs(ledger, tmp_path)
    text = paths["markdown"].read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| ") and "control" in line]
    # the claim of control and the claim of repulsion stand in one row, in two columns
    assert any(
        "repelled" in row and row.index("control") < row.index("repelled") for row in rows
    )
    html = paths["html"].read_text(encoding="utf-8")
    assert "repelled" in html and "taken control" in html


def test_relative_times_resolve_against_an_anchor():
    assert resolve_relative("weekday:1", "2024-03-13") == "2024-03-12"
    assert resolve_relative("weekday:1;part_of_day:night", "2024-03-12") == "2024-03-12"
    assert resolve_relative("days:-1", "2024-03-12") == "2024-03-11"
    assert resolve_relative("today;part_of_day:morning", "2024-03-12T08:00:00") == "2024-03-12"
    assert resolve_relative("monthday:03-15..03-17", "2024-03-12") == "2024-03-15"
    assert resolve_relative("monthday:12-30", "2024-01-05") == "2023-12-30"
    assert resolve_relative("month:02;part_of_month:mid", "2024-03-12") == "2024-02"
    assert resolve_relative("clock:12:40", "2024-03-12") == "2024-03-12T12:40"
    assert resolve_relative("text:someday", "2024-03-12") is None
    assert resolve_relative("weekday:1", None) is None


def _case_with_times() -> Case:
    case = raid()
    text = case.articles[0].text
    # the article's date was inferred by the group stage: extraction left values empty
    case.articles[0] = replace(
        case.articles[0], published="2024-03-13", published_inferred=True
    )
    when = span(text, "The ministry")  # any span will do; the time is its own text
    ann = case.annotations["a1"]
    times = (
        TimeExpression(when.start, when.end, text[when.start : when.end], None,
                       relative="weekday:1", sentence=2),
    )
    case.annotations["a1"] = replace(ann, times=times)
    return case


def test_event_times_are_resolved_and_quote_the_article():
    case = _case_with_times()
    ledger = run(case)
    event = ledger.events[0]
    assert event.times
    texts = {a.id: a.text for a in ledger.articles}
    for t in event.times:
        assert texts[t.article_id][t.start : t.end] == t.text
    assert event.times[0].value == "2024-03-12"


def test_articles_without_outlet_get_a_readable_label():
    url = Article("x", "h", "https://www.example.org/news/1", "t", title="A headline")
    titled = Article("y", "h", "/data/002_abc.txt", "t", title="  A  long headline " * 8)
    bare = Article("z", "h", "/data/003_def.txt", "t")
    named = Article("w", "h", "/data/004.txt", "t", outlet="Daily Paper", title="T")
    assert (outlet_label(url), outlet_basis(url)) == ("example.org", "host")
    assert outlet_basis(titled) == "headline" and outlet_label(titled).endswith("…”")
    assert (outlet_label(bare), outlet_basis(bare)) == ("003_def.txt", "file")
    assert (outlet_label(named), outlet_basis(named)) == ("Daily Paper", "outlet")


def test_labels_are_used_in_claims_reports_and_csv(tmp_path):
    case = raid()
    case.articles = [replace(a, outlet=None) for a in case.articles]
    ledger = run(case)
    labels = {outlet_label(a) for a in ledger.articles}
    assert all(c.outlets and set(c.outlets) <= labels for c in ledger.claims)
    paths = write_outputs(ledger, tmp_path)
    with paths["csv"].open(encoding="utf-8") as handle:
        row = next(csv.DictReader(handle))
    assert "Title a1" in row["source"] and "headline" in row["source"]
    assert "Title a1" in paths["markdown"].read_text(encoding="utf-8")


def _quantity(text: str, surface: str, subject: str) -> Quantity:
    s = span(text, surface)
    return Quantity(s.start, s.end, surface, 1.0, subject=subject)


def test_slot_from_the_words_after_a_quoted_figure():
    text = "And it adds “100 Enemy Soldiers” were killed and “Six tanks” were destroyed."
    q = settle_slot(_quantity(text, "100", "Enemy Soldiers"), text, 0)
    assert q.slot == "killed"
    tanks = settle_slot(_quantity(text, "Six", "tanks"), text, 0)
    assert tanks.slot == "destroyed"


def test_slot_from_a_list_of_losses():
    text = "TASS announced minor losses: “About 60 Ukrainian terrorists, 5 tanks and a carrier."
    assert settle_slot(_quantity(text, "About 60", "Ukrainian terrorists"), text, 0).slot == (
        "killed"
    )
    assert settle_slot(_quantity(text, "5", "tanks"), text, 0).slot == "destroyed"
    # no casualty word governs the number: it stays as the extractor left it
    plain = "The group announced plans: 60 volunteers will march."
    assert settle_slot(_quantity(plain, "60", "volunteers"), plain, 0).slot == "other"


def test_figure_after_a_cue_takes_its_claimant():
    case = Case()
    case.entity(MINISTRY, "ORG", "Russian Defence Ministry")
    text = (
        "The Russian Defence Ministry said the raid failed. "
        "The Russian Defence Ministry announced losses: “About 60 enemy soldiers and 5 tanks."
    )
    case.article(
        "b1", text, outlet="Wire", origin="g1",
        mentions=[("Russian Defence Ministry", "ORG", MINISTRY),
                  ("Russian Defence Ministry@2", "ORG", MINISTRY)],
        attributions=[("The Russian Defence Ministry", "said", "the raid failed", "asserts")],
        quantities=[("About 60", 60, "other", "enemy soldiers", None)],
    )
    ann = case.annotations["b1"]
    second = span(text, "The Russian Defence Ministry", 10)
    from newsledger.model import Attribution

    att = Attribution(second, span(text, "announced"), span(text, "losses"), sentence=1)
    case.annotations["b1"] = replace(ann, attributions=(*ann.attributions, att))
    ledger = build_ledger(
        case.articles, case.annotations, case.resolution(), case.origin_groups(),
        [case.cluster()], [],
    )
    figure = next(c for c in ledger.claims if any(q.slot == "killed" for q in c.quantities))
    assert figure.claimants == (MINISTRY,)
    quote = figure.evidence[0].quote
    assert "About 60" in quote and text[figure.evidence[0].start:].startswith(quote)


def test_nationality_before_a_name_gives_the_speaker_a_side():
    from newsledger.reconcile.claims import context_nations

    case = Case()
    case.entity("p-agency", "ORG", "Novo Agency")
    case.entity("p-other", "ORG", "Plain Agency")
    text = "As reported by Russian state media Novo Agency, the drone fell. Plain Agency said so."
    case.article(
        "n1", text, outlet="Wire", origin="g1",
        mentions=[("Novo Agency", "ORG", "p-agency"), ("Plain Agency", "ORG", "p-other")],
    )
    found = context_nations(case.resolution().entities, {a.id: a for a in case.articles})
    assert found == {"p-agency": "RU"}


def test_pronoun_resolved_outside_the_sentence_yields_to_the_last_speaker():
    case = Case()
    case.entity(MINISTRY, "ORG", "Russian Defence Ministry")
    case.entity("p-town", "GPE", "Belgorod", country="RU", feature="P.PPLA")
    text = (
        "The Russian Defence Ministry said the attack near Belgorod was repelled. "
        "It claimed the elimination of 60 enemy soldiers."
    )
    case.article(
        "p1", text, outlet="Wire", origin="g1",
        mentions=[("Russian Defence Ministry", "ORG", MINISTRY), ("Belgorod", "GPE", "p-town")],
        attributions=[
            ("The Russian Defence Ministry", "said", "the attack near Belgorod was repelled",
             "asserts"),
            ("Belgorod", "claimed", "the elimination of 60 enemy soldiers", "asserts"),
        ],
        quantities=[("60", 60, "killed", "enemy soldiers", 1)],
    )
    ledger = run(case)
    sixty = claim_with(ledger, "60")
    assert sixty.claimants == (MINISTRY,)
