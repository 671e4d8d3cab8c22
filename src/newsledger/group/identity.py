"""Event identity beyond wording, and the record of why a thread joined its event.

Reports of one happening by many outlets can share few words ("gunmen stormed" and
"an armed group crossed into"), yet say the same thing about what happened: the same
kind of event, at the same specific place, on the same day, involving the same
people. When a thread's best wording score falls below the join threshold, a
candidate cluster (still retrieved through the index, never all pairs) matches on
that structure alone, under conservative conditions:

- the same dominant event-type family (violence, unrest, developments, accidents);
- a shared specific place entity that few documents name (a city named by a fifth
  of the corpus tells one shooting from another no better than a word would);
- event dates, from the texts or publication, at most ``MAX_DAYS`` apart;
- some wording in common still (``MIN_WORDING``): the same place and day alone are
  a coincidence in a busy city;
- a shared name that is not a place (a victim, a unit, a group), or else more
  wording in common (``NAMELESS_WORDING``).

Every placed thread records a :class:`~newsledger.model.JoinBasis`: the rule that
placed it and the features that carried the score, strongest first.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from datetime import date

from newsledger.model import JoinBasis

MIN_WORDING = 0.10  # cosine x time factor a structural join still needs
MAX_DAYS = 1  # the publication day and the next; "Tuesday" resolved to the same date
RARE_SHARE = 0.02  # a place named by at most this share of documents is specific
RARE_MIN_DOCS = 3  # ... or by this many, in a small corpus
REQUIRE_NAME = True  # a shared non-place name as well as the place ...
NAMELESS_WORDING = 0.15  # ... unless this much wording is shared
SHARED_SHOWN = 6

# Event-type families: types an extractor confuses for one happening ("kill" reads as an
# attack on civilians or a clash) belong to one family.
_FAMILIES = {
    "Battles": "violence",
    "Explosions/Remote violence": "violence",
    "Violence against civilians": "violence",
    "Protests": "unrest",
    "Riots": "unrest",
    "Strategic developments": "developments",
    "Not political violence": "accident",
}

_RENDER = (("P|", "place:"), ("E|", "name:"), ("T|", "type:"))


def type_family(event_type: str) -> str:
    return _FAMILIES.get(event_type, event_type.lower())


def dominant_family(vec: Mapping[str, float]) -> str | None:
    """The family that most of a vector's event-type weight falls in (None: no types)."""
    weight: Counter[str] = Counter()
    for k, v in vec.items():
        if k.startswith("T|") and v > 0:
            weight[type_family(k[2:])] += v
    if not weight:
        return None
    return min(weight.items(), key=lambda kv: (-kv[1], kv[0]))[0]


def is_rare(doc_freq: int, n_docs: int) -> bool:
    return doc_freq <= max(RARE_MIN_DOCS, RARE_SHARE * n_docs)


def _render(key: str) -> str:
    for prefix, label in _RENDER:
        if key.startswith(prefix):
            return label + key[2:]
    return "term:" + key


def _contributions(vec: Mapping[str, float], centroid: Mapping[str, float]) -> list[str]:
    """Shared features by their share of the dot product, a place's name folded into it."""
    scores = {k: v * centroid[k] for k, v in vec.items() if k in centroid and centroid[k] > 0}
    ranked = sorted(scores, key=lambda k: (-scores[k], k))
    return [k for k in ranked if not (k.startswith("E|") and "P|" + k[2:] in scores)]


def shared_features(
    vec: Mapping[str, float],
    centroid: Mapping[str, float],
    days: int | None,
    first: tuple[str, ...] = (),
    only: tuple[str, ...] | None = None,
) -> tuple[str, ...]:
    """The strongest matched features, rendered; ``first`` keys lead, ``only`` filters."""
    keys = [k for k in first if k in vec]
    for k in _contributions(vec, centroid):
        if len(keys) >= SHARED_SHOWN:
            break
        if k not in keys and (only is None or k.startswith(only)):
            keys.append(k)
    out = tuple(_render(k) for k in keys[:SHARED_SHOWN])
    return out + ((f"days:{days}",) if days is not None else ())


def day_gap(a: date | None, b: date | None) -> int | None:
    return abs((a - b).days) if a is not None and b is not None else None


def identity_evidence(
    vec: Mapping[str, float],
    centroid: Mapping[str, float],
    days: int | None,
    wording: float,
    rare: Callable[[str], bool],
) -> tuple[str, ...] | None:
    """The keys that make a thread and a cluster one happening, or None when they do not.

    ``rare``: whether a feature key is named by few documents (the place test).
    """
    if days is None or days > MAX_DAYS or wording < MIN_WORDING:
        return None
    family = dominant_family(vec)
    if family is None or family != dominant_family(centroid):
        return None
    shared = [k for k in vec if k in centroid and centroid[k] > 0]
    places = sorted(
        (k for k in shared if k.startswith("P|") and rare(k)), key=lambda k: -vec[k] * centroid[k]
    )
    if not places:
        return None
    place_ids = {k[2:] for k in vec if k.startswith("P|")} | {
        k[2:] for k in centroid if k.startswith("P|")
    }
    names = sorted(
        (k for k in shared if k.startswith("E|") and k[2:] not in place_ids),
        key=lambda k: -vec[k] * centroid[k],
    )
    if not names and REQUIRE_NAME and wording < NAMELESS_WORDING:
        return None
    types = sorted(
        (k for k in shared if k.startswith("T|") and type_family(k[2:]) == family),
        key=lambda k: -vec[k] * centroid[k],
    )
    return (places[0], *names[:1], *types[:1])


def founded(article_id: str, side_places: Mapping[str, int] | None = None) -> JoinBasis:
    """An article opening an event; a side story (``side_places``: its place feature
    counts) says why it stands apart from its article's main story: where it happens."""
    if side_places is None:
        return JoinBasis(article_id, "founded")
    where = sorted((k for k in side_places if k.startswith("P|")),
                   key=lambda k: (-side_places[k], k))[:2]
    return JoinBasis(article_id, "founded",
                     shared=("apart:side story", *(_render(k) for k in where)))


def basis_record(basis: JoinBasis) -> dict:
    return {"rule": basis.rule, "score": basis.score, "shared": list(basis.shared)}


def basis_from(article_id: str, record: Mapping | None) -> JoinBasis | None:
    if not record:
        return None
    shared = tuple(record.get("shared", ()))
    return JoinBasis(article_id, record["rule"], record.get("score"), shared)


def neutral_shared(
    vec: Mapping[str, float], centroid: Mapping[str, float], days: int | None
) -> tuple[str, ...]:
    """What a report in another language shares: places and names (words cannot match)."""
    return shared_features(vec, centroid, days, only=("P|", "E|"))
