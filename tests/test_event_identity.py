"""Event identity: reports of one happening join on what it is, not on how it is told.

Two reports of one shooting share the kind of event, the village, the day and the
victim's name but few words; they make one event, whose basis says ``identity`` and
names the place. The same village on another day, or a march there on the same day,
stays apart. Every article of an event records why it is there, in both paths
(batch ``cluster_threads`` and the stored state of ``cluster_batch``).
"""

from __future__ import annotations

import re
from pathlib import Path

from newsledger.group import cluster_events
from newsledger.group.features import article_features
from newsledger.group.incremental import (
    _basis_of,
    _unit_from,
    _unit_record,
    cluster_batch,
    stored_unit,
)
from newsledger.group.text import split_sentences
from newsledger.model import (
    Annotations,
    Article,
    Entity,
    EntityMention,
    EventCluster,
    EventMention,
    Mention,
    Resolution,
    TextSpan,
)
from newsledger.store import LedgerStore
from tests.test_group_events import article, by_article

NAMES = {  # surface -> (id, label, country, admin1)
    "Dunmore": ("e-dunmore", "GPE", "US", "Pennsylvania"),
    "Tomas Brandt": ("e-brandt", "PERSON", None, None),
    "Harlow County": ("e-harlow", "GPE", "US", "Pennsylvania"),
}
VIOLENCE = re.compile(r"\b(stormed|killing|opened fire|shooting|gunmen|died|shot)\b", re.I)
PROTEST = re.compile(r"\b(marched|march|rally|protesters|demonstration)\b", re.I)

# One shooting, told twice with little wording in common.
FIRST = article(
    "first",
    "Gunmen stormed a wedding hall in Dunmore late on Saturday, killing three guests, police "
    "said. Officers said the attackers fled in a pickup truck before roadblocks went up. "
    "Tomas Brandt, a local teacher, was among those killed.",
    "2024-06-02",
)
SECOND = article(
    "second",
    "Three people died when an armed group opened fire at a celebration in Dunmore on Saturday "
    "night. Tomas Brandt was named among the dead by the county sheriff. Neighbours described "
    "panic as the shooting erupted and families ran into the street.",
    "2024-06-02",
)
# The same village two days later: another shooting, however alike.
LATER = article(
    "later",
    "Three people were shot dead at a family party in Dunmore on Monday evening, the "
    "sheriff said. Tomas Brandt, whose name was read out at the vigil, was remembered by "
    "speakers before the gunfire started.",
    "2024-06-04",
)
# The same village on the same day, another kind of happening.
MARCH = article(
    "march",
    "Hundreds marched through Dunmore on Saturday demanding stricter gun laws, waving banners "
    "outside the town hall. Tomas Brandt addressed the rally, and protesters later held a "
    "demonstration at the courthouse steps.",
    "2024-06-02",
)


def _annotate(arts: list[Article]) -> tuple[dict[str, Annotations], Resolution]:
    annotations: dict[str, Annotations] = {}
    mentions_of: dict[str, list[EntityMention]] = {}
    for art in arts:
        sentences = split_sentences(art.text)

        def sentence_of(offset: int, sentences=sentences) -> int:
            return max(i for i, s in enumerate(sentences) if s.start <= offset)

        mentions = []
        for surface, (eid, label, _, _) in NAMES.items():
            for m in re.finditer(re.escape(surface), art.text):
                mentions.append(Mention(m.start(), m.end(), surface, label, sentence_of(m.start())))
                mentions_of.setdefault(eid, []).append(
                    EntityMention(art.id, m.start(), m.end(), surface))
        events = [
            EventMention(sentence_of(m.start()), TextSpan(m.start(), m.end(), m.group()), kind, "")
            for pattern, kind in ((VIOLENCE, "Violence against civilians"), (PROTEST, "Protests"))
            for m in pattern.finditer(art.text)
        ]
        annotations[art.id] = Annotations(
            art.id, art.content_hash, "en", sentences=sentences,
            mentions=tuple(sorted(mentions, key=lambda m: m.start)), events=tuple(events))
    entities = []
    for surface, (eid, label, country, admin1) in NAMES.items():
        if eid in mentions_of:
            entities.append(Entity(id=eid, type=label, name=surface, aliases=(surface,),
                                   mentions=tuple(mentions_of[eid]), country=country,
                                   admin1=admin1, feature="P.PPL" if label == "GPE" else None))
    return annotations, Resolution(tuple(entities))


def _basis(clusters: tuple[EventCluster, ...] | list[EventCluster], article_id: str):
    return next(b for c in clusters for b in c.basis if b.article_id == article_id)


def test_two_reports_in_other_words_same_place_and_day_are_one_event():
    arts = [FIRST, SECOND]
    annotations, resolution = _annotate(arts)
    clusters = cluster_events(arts, annotations, resolution, ())
    assigned = by_article(clusters)
    assert assigned[FIRST.id] == assigned[SECOND.id]
    assert _basis(clusters, FIRST.id).rule == "founded"
    joined = _basis(clusters, SECOND.id)
    assert joined.rule == "identity"
    assert "place:e-dunmore" in joined.shared
    assert "name:e-brandt" in joined.shared
    assert "days:0" in joined.shared
    assert joined.score is not None and joined.score < 0.25  # the words alone would not join


def test_another_day_or_another_kind_of_happening_stays_apart():
    arts = [FIRST, LATER, MARCH]
    annotations, resolution = _annotate(arts)
    assigned = by_article(cluster_events(arts, annotations, resolution, ()))
    assert assigned[FIRST.id] != assigned[LATER.id]
    assert assigned[FIRST.id] != assigned[MARCH.id]


def test_every_article_of_an_event_has_one_basis():
    arts = [FIRST, SECOND, LATER, MARCH]
    annotations, resolution = _annotate(arts)
    clusters = cluster_events(arts, annotations, resolution, ())
    for c in clusters:
        assert [b.article_id for b in c.basis] == sorted(c.article_ids)
        assert {b.rule for b in c.basis} <= {"founded", "wording", "identity"}


def test_a_later_batch_keeps_the_stored_basis():
    annotations, resolution = _annotate([FIRST, SECOND, LATER])
    first = cluster_events([FIRST, SECOND], annotations, resolution, ())
    second = cluster_events([FIRST, SECOND, LATER], annotations, resolution, first)
    assert _basis(second, SECOND.id) == _basis(first, SECOND.id)


def test_the_stored_state_path_records_the_same_basis(tmp_path: Path):
    arts = [FIRST, SECOND, MARCH]
    annotations, resolution = _annotate(arts)
    feats = {a.id: article_features(a, annotations[a.id], resolution) for a in arts}
    store = LedgerStore(f"sqlite:///{tmp_path}/ledger.sqlite")
    store.add_articles(arts)
    with store.transaction() as conn:
        cluster_batch(conn, {FIRST.id: feats[FIRST.id]}, feats.get)
    with store.transaction() as conn:
        changed = cluster_batch(conn, {k: v for k, v in feats.items() if k != FIRST.id},
                                feats.get)
    store.close()
    batch = cluster_events(arts, annotations, resolution, ())
    assert by_article(tuple(changed))[SECOND.id] == by_article(batch)[SECOND.id]
    joined = _basis(changed, SECOND.id)
    assert joined == _basis(batch, SECOND.id)
    assert joined.rule == "identity"
    held = next(c for c in changed if SECOND.id in c.article_ids)
    assert [b.article_id for b in held.basis] == [FIRST.id, SECOND.id]
    assert _basis(changed, FIRST.id).rule == "founded"  # read back from the stored unit


def test_a_unit_record_stored_before_bases_still_loads():
    annotations, resolution = _annotate([FIRST])
    feats = article_features(FIRST, annotations[FIRST.id], resolution)
    unit = stored_unit(feats, [0, 1])
    old = _unit_record(unit, [0, 1])  # as an earlier version wrote it: no basis
    assert _basis_of(FIRST.id, old) is None
    assert _unit_from(FIRST.id, old).refs == unit.refs
    basis = _basis(cluster_events([FIRST, SECOND], *_annotate([FIRST, SECOND]), ()), SECOND.id)
    assert _basis_of(SECOND.id, _unit_record(unit, [0, 1], basis)) == basis
