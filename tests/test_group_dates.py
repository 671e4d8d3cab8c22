"""Inferred publication dates for undated articles, and the dates they rest on."""

from __future__ import annotations

import hashlib
from datetime import date

from newsledger.group import cluster_events, infer_publication_dates
from newsledger.group.dates import fallback_times, resolve_weekday, weekday_in
from newsledger.model import (
    Annotations,
    Article,
    EventCluster,
    Resolution,
    SentenceRef,
    TimeExpression,
)


def article(key: str, text: str, published: str | None = None) -> Article:
    digest = hashlib.sha256(text.encode()).hexdigest()
    return Article(
        id=f"a-{key}", content_hash=digest, path_or_url=key, text=text, published=published
    )


DATED = article(
    "dated",
    "Militants attacked the border village of Tyotkino on Tuesday, March 12, the governor said. "
    "The attack on Tyotkino was repelled, officials in the Kursk region said.",
    "2024-03-13",
)
UNDATED = article(
    "undated",
    "Fighters said they attacked the border village of Tyotkino on Tuesday. "
    "Officials in the Kursk region said the attack on Tyotkino was repelled.",
)


def test_undated_article_gets_event_date_and_weekday_basis():
    arts = [DATED, UNDATED]
    clusters = cluster_events(arts, {}, Resolution(), ())
    assert len({c.id for c in clusters if UNDATED.id in c.article_ids}) == 1
    dated = {a.id: a for a in infer_publication_dates(arts, {}, clusters)}
    inferred = dated[UNDATED.id]
    assert inferred.published == "2024-03-12"
    assert inferred.published_inferred is True
    assert inferred.published_basis == "event date 2024-03-12; 'Tuesday' in text"
    assert dated[DATED.id] == DATED  # stated dates are left alone


def test_weekday_after_the_event_dates_the_article_later():
    text = "Officials said on Thursday that the attack on the village had been repelled."
    undated = article("later", text)
    cluster = EventCluster("ev-x", (undated.id,), (SentenceRef(undated.id, 0),), date="2024-03-12")
    (out,) = infer_publication_dates([undated], {}, [cluster])
    assert out.published == "2024-03-14"  # the first Thursday on or after the event
    assert "'Thursday' in text" in out.published_basis


def test_explicit_date_with_matching_weekday_wins_over_cluster():
    text = "Drones rain in Russia this Tuesday March 12, 2024, officials said."
    undated = article("explicit", text)
    cluster = EventCluster("ev-y", (undated.id,), (SentenceRef(undated.id, 0),), date="2024-03-20")
    (out,) = infer_publication_dates([undated], {}, [cluster])
    assert out.published == "2024-03-12"
    assert out.published_basis.startswith("date in text 2024-03-12")


def test_extractor_times_are_used_when_present():
    text = "The raid happened on Tuesday, officials said."
    undated = article("ann", text)
    start = text.index("Tuesday")
    annotation = Annotations(
        undated.id,
        undated.content_hash,
        "en",
        times=(
            TimeExpression(
                start, start + 7, "Tuesday", None, relative="weekday:1;part_of_day:night"
            ),
        ),
    )
    cluster = EventCluster("ev-z", (undated.id,), (SentenceRef(undated.id, 0),), date="2024-03-12")
    (out,) = infer_publication_dates([undated], {undated.id: annotation}, [cluster])
    assert out.published == "2024-03-12"
    assert out.published_inferred


def test_undated_article_without_any_evidence_stays_undated():
    undated = article("none", "Nothing here says when.")
    (out,) = infer_publication_dates([undated], {}, [])
    assert out.published is None and not out.published_inferred


def test_weekday_helpers():
    assert weekday_in("weekday:1;part_of_day:night") == 1
    assert weekday_in("days:-1") is None
    assert resolve_weekday(date(2024, 3, 12), 1) == date(2024, 3, 12)
    assert resolve_weekday(date(2024, 3, 13), 0) == date(2024, 3, 11)
    values = {
        t.text: t.value
        for t in fallback_times("On Monday, March 4 and yesterday", date(2024, 3, 6))
    }
    assert values == {"Monday": "2024-03-04", "March 4": "2024-03-04", "yesterday": "2024-03-05"}
