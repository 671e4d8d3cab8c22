"""Origin groups: copies of one wire story (rewrite, translation) versus independent reports."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from newsledger.group import find_origin_groups
from newsledger.group.credits import wire_credits
from newsledger.model import Article

FIXTURES = Path(__file__).parent / "fixtures" / "group"


def _article(path: Path) -> Article:
    text = path.read_text(encoding="utf-8")
    digest = hashlib.sha256(text.encode()).hexdigest()
    return Article(id=f"a-{path.name[:3]}", content_hash=digest, path_or_url=str(path), text=text)


@pytest.fixture(scope="module")
def seeds() -> list[Article]:
    return [_article(p) for p in sorted(FIXTURES.glob("00*.txt"))]


def test_rewrite_and_translation_share_a_group_independent_reports_do_not(seeds):
    groups = find_origin_groups(seeds, {})
    by_article = {aid: g for g in groups for aid in g.article_ids}
    assert by_article["a-002"] is by_article["a-003"]
    assert "credit: AFP" in by_article["a-002"].basis
    assert "shared quotes" in by_article["a-002"].basis
    for independent in ("a-000", "a-004"):
        assert by_article[independent].article_ids == (independent,)


def test_every_article_in_exactly_one_group(seeds):
    groups = find_origin_groups(seeds, {})
    members = [aid for g in groups for aid in g.article_ids]
    assert sorted(members) == sorted(a.id for a in seeds)


def test_group_ids_do_not_depend_on_input_order(seeds):
    forward = find_origin_groups(seeds, {})
    backward = find_origin_groups(list(reversed(seeds)), {})
    assert forward == backward
    assert len({g.id for g in forward}) == len(forward)


def test_near_copy_grouped_by_text_overlap(seeds):
    original = seeds[0]
    text = original.text.replace("Border towns", "Frontier towns").replace("volatile", "tense")
    copy = Article(id="a-copy", content_hash="x", path_or_url="copy", text=text)
    groups = find_origin_groups([original, copy, seeds[-1]], {})
    shared = next(g for g in groups if original.id in g.article_ids)
    assert shared.article_ids == tuple(sorted((original.id, "a-copy")))
    assert shared.basis.startswith("text overlap")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("WASHINGTON (AP) — Lawmakers met on Monday.", ("AP",)),
        ("LONDON (Reuters) - Prices rose.", ("REUTERS",)),
        ("All rights reserved. © (2024) Agence France-Presse", ("AFP",)),
        ("Photo © AFP – A. Photographer", ("AFP",)),
        ("the soldiers said, joined by AFP on the phone", ("AFP",)),
        ("clashes continue, it addedAFP. The unit said", ("AFP",)),
        ("the Deutsche Presse-Agentur reported", ("DPA",)),
        ("the official state news agency claims 100 were killed", ()),
        ("the Russian Volunteer Corps (RDK) has entered the fray", ()),
    ],
)
def test_wire_credits(text, expected):
    assert wire_credits(text) == expected


def test_credit_in_removed_boilerplate_counts(seeds):
    from newsledger.model import Removal

    wire = next(a for a in seeds if a.id == "a-002")
    line = "All rights of reproduction and representation reserved. © (2024) Agence France-Presse"
    cleaned = Article(
        id=wire.id,
        content_hash=wire.content_hash,
        path_or_url=wire.path_or_url,
        text=wire.text.replace(line, "").replace("© AFP", ""),
        removed=(Removal(0, len(line), line, "boilerplate"),),
    )
    others = [a for a in seeds if a.id != "a-002"]
    groups = find_origin_groups([cleaned, *others], {})
    shared = next(g for g in groups if cleaned.id in g.article_ids)
    assert shared.article_ids == ("a-002", "a-003")
    assert shared.basis.startswith("credit: AFP")
