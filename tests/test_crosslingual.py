"""Russian and Ukrainian reports of the bundled example's raid join its English event.

The three fixtures (tests/fixtures/crosslingual/reports.jsonl) were written for this
test in the styles of the region's press: a ministry statement relayed by an
agency (ru), a governor's Telegram post retold (ru), an outlet's own report (uk).
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from newsledger import meaning

pytestmark = pytest.mark.slow

FIXTURE = Path(__file__).parent / "fixtures" / "crosslingual" / "reports.jsonl"


@pytest.fixture(scope="module")
def mixed_out(tmp_path_factory: pytest.TempPathFactory, example_dir: Path) -> Path:
    from newsledger.pipeline import analyze

    inputs = tmp_path_factory.mktemp("mixed-in")
    for path in example_dir.iterdir():
        shutil.copy(path, inputs / path.name)
    shutil.copy(FIXTURE, inputs / FIXTURE.name)
    out = tmp_path_factory.mktemp("mixed-out")
    analyze([str(inputs)], out)
    return out


@pytest.fixture(scope="module")
def mixed_ledger(mixed_out: Path) -> dict:
    return json.loads((mixed_out / "ledger.json").read_text(encoding="utf-8"))


def _foreign(ledger: dict) -> dict[str, str]:
    return {a["id"]: a["language"] for a in ledger["articles"] if a["language"] in ("ru", "uk")}


def _main_event(ledger: dict) -> dict:
    return max(ledger["events"], key=lambda e: len(e["article_ids"]))


def _entity(ledger: dict, pattern: str) -> dict:
    found = [e for e in ledger["entities"] if re.search(pattern, e["name"], re.I)]
    assert found, pattern
    return max(found, key=lambda e: len(e["mentions"]))


def test_languages_are_detected(mixed_ledger):
    assert sorted(_foreign(mixed_ledger).values()) == ["ru", "ru", "uk"]


def test_russian_and_ukrainian_reports_join_the_english_event(mixed_ledger):
    assert meaning.available()
    event = _main_event(mixed_ledger)
    foreign = _foreign(mixed_ledger)
    assert set(foreign) <= set(event["article_ids"])
    english = [a for a in event["article_ids"] if a not in foreign]
    assert len(english) == 5  # the English event itself is as without them
    assert not re.search(r"[А-Яа-яЁёІіЇї]", event["title"] or "")


def test_entities_merge_across_scripts(mixed_ledger):
    village = _entity(mixed_ledger, r"t[iy]?[eo]tkino")
    assert {"Тёткино", "Тьоткіно"} & set(village["aliases"]) and village["geonames_id"]
    gladkov = _entity(mixed_ledger, r"gladkov")
    assert "Вячеслав Гладков" in gladkov["aliases"] and gladkov["name"].isascii()
    ministry = _entity(mixed_ledger, r"defen[cs]e ministry|ministry of defen[cs]e")
    assert {"Минобороны России", "Міністерство оборони Росії"} <= set(ministry["aliases"])


def _claims_with(ledger: dict, entity_id: str) -> list[dict]:
    return [c for c in ledger["claims"] if entity_id in c["claimants"]]


def test_claims_merge_with_the_english_ones(mixed_ledger):
    foreign = _foreign(mixed_ledger)
    mixed = [c for c in mixed_ledger["claims"]
             if {e["article_id"] in foreign for e in c["evidence"]} == {True, False}]
    assert len(mixed) >= 3
    legion = _entity(mixed_ledger, r"legion")
    control = [c for c in mixed if legion["id"] in c["claimants"]]
    assert control, "the Legion's control of the village in Ukrainian joins the English claim"
    assert any(foreign.get(e["article_id"]) == "uk" for c in control for e in c["evidence"])
    # the original-language evidence stays as written
    assert any("Тьоткіно" in e["quote"] for c in control for e in c["evidence"])
    gladkov = _entity(mixed_ledger, r"gladkov")
    wounded = [c for c in mixed if gladkov["id"] in c["claimants"]
               and any(q["slot"] == "wounded" and q["value"] == 2 for q in c["quantities"])]
    assert wounded
    languages = {foreign.get(e["article_id"], "en") for c in wounded for e in c["evidence"]}
    assert languages == {"en", "ru", "uk"}


def test_figures_join_the_right_claimants_row(mixed_ledger):
    foreign = _foreign(mixed_ledger)
    ministry = _entity(mixed_ledger, r"defen[cs]e ministry|ministry of defen[cs]e")
    rows = [c for c in _claims_with(mixed_ledger, ministry["id"])
            if any(q["slot"] == "killed" and q["value"] == 60 for q in c["quantities"])]
    assert len(rows) == 1
    row = rows[0]
    assert {foreign.get(e["article_id"], "en") for e in row["evidence"]} == {"en", "ru"}
    # one figure with both evidences, not one per language
    assert sum(q["slot"] == "killed" and q["value"] == 60 for q in row["quantities"]) == 1
    # no other claimant's row holds the agency's Russian figure
    agency = next(a for a, lang in foreign.items() if lang == "ru" and any(
        "60 боевиков" in e["quote"] for c in mixed_ledger["claims"] for e in c["evidence"]
        if e["article_id"] == a))
    holders = {cid for c in mixed_ledger["claims"] for cid in c["claimants"]
               if any(e["article_id"] == agency and "60" in e["quote"] for e in c["evidence"])}
    assert holders == {ministry["id"]}


def test_russian_figures_and_cues_are_read():
    from newsledger.extract import annotate_articles
    from newsledger.ingest import article_from_text

    text = ("Как сообщили в Минобороны России, уничтожено до 60 боевиков, пять танков и "
            "бронетранспортер. По словам губернатора, ранены два человека.")
    article = article_from_text(text, "ru-test", published="2024-03-12")
    article = replace(article, language="ru")
    ann = next(iter(annotate_articles([article])))
    figures = {(q.slot, q.value, q.qualifier) for q in ann.quantities if q.slot != "other"}
    assert {("killed", 60.0, "up_to"), ("destroyed", 5.0, "exact"),
            ("wounded", 2.0, "exact")} <= figures
    sources = {a.source.text for a in ann.attributions if a.source}
    assert "Минобороны России" in sources and "губернатора" in sources
    assert not any(s.lower().startswith("как") for s in sources)


def test_ukrainian_cues_and_figures_are_read():
    from newsledger.extract import annotate_articles
    from newsledger.ingest import article_from_text

    text = ("За словами голови адміністрації, внаслідок обстрілу поранено двох людей. "
            "Генштаб ЗСУ повідомив, що збито щонайменше 12 безпілотників.")
    article = article_from_text(text, "uk-test", published="2024-03-12")
    article = replace(article, language="uk")
    ann = next(iter(annotate_articles([article])))
    figures = {(q.slot, q.value, q.qualifier) for q in ann.quantities if q.slot != "other"}
    assert {("wounded", 2.0, "exact"), ("intercepted", 12.0, "at_least")} <= figures
    cues = {a.cue.text for a in ann.attributions}
    assert {"За словами", "повідомив"} <= cues


def test_brief_and_workbench_name_languages(mixed_out, mixed_ledger):
    from newsledger.web.data import LedgerIndex
    from newsledger.web.views import claim_view

    brief = (mixed_out / "report.md").read_text(encoding="utf-8")
    assert re.search(r"languages: (?:en, ru|ru, en)", brief)
    assert "[uk] “" in brief and "[ru] “" in brief  # original-language evidence, tagged
    idx = LedgerIndex.build(mixed_ledger)
    views = [claim_view(idx, c) for c in mixed_ledger["claims"]]
    several = [v for v in views if len(v["languages"]) > 1]
    assert several
    assert all(v["languages"] == [] for v in views
               if {e["language"] for e in v["evidence"]} == {"en"})
    quotes = {e["language"] for v in several for e in v["evidence"]}
    assert {"en", "ru"} <= quotes
