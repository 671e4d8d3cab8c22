"""Joining reports in different languages into one event.

A thread's vector mixes words and language-neutral features: resolved entity and
place ids (gazetteer ids are script-independent, and the resolve stage merges
Суми, Sumy and Sumi into one place and Иванов into Ivanov). Between
two languages the words share almost nothing, so the plain cosine stays below the
join threshold however alike the reports are. Across languages the score is
therefore also read on the neutral features alone, and only counts when the two
share a specific place and more names, and when the meaning of their titles and
leads (the multilingual embedder, :mod:`newsledger.meaning`) says they tell one
happening; the date factor applies to it as to any score. It is asked only when
nothing matched in the thread's own words, so one language's reports cluster as
they would alone.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from newsledger import meaning
from newsledger.model import Article

NEUTRAL = ("E|", "P|")
MIN_SHARED = 3  # neutral features in common, one of them a specific place
NEUTRAL_JOIN = 1 / 3  # share of a thread's name weight the cluster must also hold
SAME_STORY = 0.80  # e5 cosine of title+lead under which reports tell other stories (~0.75)
LEAD_CHARS = 400


def language(article: Article | None) -> str:
    lang = ((article.language if article else None) or "en").lower()
    return lang.split("-")[0].split("_")[0] or "en"


def reads_later(article: Article) -> bool:
    """Reports not in English are placed after a batch's English ones.

    Most events of a mixed batch have English reports; placed first, they cluster
    among themselves exactly as without the others, which then join them here.
    """
    return language(article) != "en"


def _neutral(vec: Mapping[str, float]) -> dict[str, float]:
    return {k: v for k, v in vec.items() if k.startswith(NEUTRAL)}


def neutral_score(vec: Mapping[str, float], centroid: Mapping[str, float]) -> float:
    """Share of a thread's entity and place weight that the cluster also names.

    Asymmetric on purpose: a short report in another language names a few of the
    many names a large event holds, and the names it adds of its own (its outlet's
    city, a unit) should not count against it as they would in a cosine. 0 without
    enough in common.
    """
    a, b = _neutral(vec), _neutral(centroid)
    shared = a.keys() & b.keys()
    if len(shared) < MIN_SHARED or not any(k.startswith("P|") for k in shared):
        return 0.0
    total = sum(a.values())
    return sum(a[k] for k in shared) / total if total else 0.0


def _lead(article: Article) -> str:
    body = " ".join(article.text.split())
    title = (article.title or "").strip()
    if title and body.startswith(title):
        body = body[len(title) :].lstrip()
    return f"{title}. {body[:LEAD_CHARS]}" if title else body[:LEAD_CHARS]


def same_story(a: Article, b: Article) -> bool | None:
    """Whether two reports' titles and leads mean one happening (None: no embedder)."""
    vectors = meaning.embed([_lead(a), _lead(b)])
    if vectors is None:
        return None
    return float(vectors[0] @ vectors[1]) >= SAME_STORY


def cross_language_match(
    vec: Mapping[str, float],
    article: Article,
    candidates: Sequence[tuple[str, Any]],
    founder_of: Callable[[Any], Article | None],
    time_factor: Callable[[Any], float],
    threshold: float,
) -> str | None:
    """The cluster founded in another language that a thread joins, if any.

    Asked only when no cluster matched in the thread's own words, so reports in
    one language cluster exactly as they would alone; ``candidates`` are (id,
    cluster state) pairs, the state's ``centroid`` the cluster's vector.
    """
    best_id, best = None, NEUTRAL_JOIN
    for cid, state in candidates:
        founder = founder_of(state)
        if founder is None or language(founder) == language(article):
            continue
        score = neutral_score(vec, state.centroid) * time_factor(state)
        if score > best or (score == best and best_id is not None and cid < best_id):
            if same_story(article, founder) is False:
                continue
            best_id, best = cid, score
    return best_id
