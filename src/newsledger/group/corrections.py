"""Analyst corrections applied to the stored cluster state: merge events, split one.

A correction names articles (and the sentences each gave the event), so it is found
again in a ledger that re-grouped them, or was rebuilt from the same inputs: each
member is *located* in the stored cluster whose unit of that article shares the most
of its sentences (else the article's largest unit). Applying one moves units (the
per-article feature counts), postings and cluster state, as the grouping would have
stored them had it placed the articles so:

- **merge**: the located clusters become one; the one with the smallest id keeps its
  id (ids hash the founding sentence, so the smallest is the same whichever run or
  rebuild applies it), the others' units, postings and members move into it and their
  events are deleted.
- **split**: the leaving members' units move out of every cluster that also holds a
  staying member, into a cluster holding leaving members only (the smallest id) or a
  new one, ``event_id`` of the first moved sentence (hashed again if a stored cluster
  holds that id, as when the founding article leaves); the named event keeps its id.

Applying is idempotent: a correction in effect (one cluster holds every part of a
merge; no leaving member shares a cluster with a staying one) changes nothing.
:func:`replay` applies the stored corrections, oldest first, at the end of every
fold's grouping; a member that a later correction places (a later merge's articles, a
later split's leaving ones) is left to it, so two corrections never undo each other.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from sqlalchemy import Connection, delete, insert, select, update

from newsledger.group.events import (
    ClusterState,
    _borrowed_date,
    _title,
    absorb,
    cluster_record,
    event_id,
)
from newsledger.group.features import ArticleFeatures
from newsledger.group.identity import basis_from, basis_record
from newsledger.group.incremental import (
    _Idf,
    _LazyFeatures,
    _mains,
    _top,
    _unit_from,
    _unit_record,
    load_clusters,
    save_clusters,
    stored_unit,
)
from newsledger.model import EventCluster, JoinBasis, SentenceRef
from newsledger.store.corrections import MERGE, SPLIT, Correction, Member
from newsledger.store.sql import clusters_table, insert_ignore
from newsledger.store.state import inc_cluster_state, inc_postings, inc_units

RULE = "correction"
Features = Callable[[str], ArticleFeatures | None]


@dataclass
class Applied:
    """What applying corrections changed: clusters rewritten (by id) and clusters gone."""

    changed: dict[str, EventCluster] = field(default_factory=dict)
    removed: set[str] = field(default_factory=set)
    applied: list[int] = field(default_factory=list)  # corrections that moved something
    moved: dict[str, str] = field(default_factory=dict)  # removed cluster -> its absorber

    def update(self, other: Applied) -> None:
        for cid in other.removed:
            self.changed.pop(cid, None)
        self.removed |= other.removed
        self.removed -= set(other.changed)
        self.changed.update(other.changed)
        self.applied += other.applied
        self.moved.update(other.moved)
        for cid in other.changed:
            self.moved.pop(cid, None)


# --------------------------------------------------------------------------- locating


def _units_of(conn: Connection, article_ids: Iterable[str]) -> dict[str, dict[str, list[int]]]:
    """Article -> stored cluster -> the sentences it gave that cluster."""
    out: dict[str, dict[str, list[int]]] = defaultdict(dict)
    ids = sorted(set(article_ids))
    for i in range(0, len(ids), 500):
        for cid, aid, record in conn.execute(
                select(inc_units.c.cluster_id, inc_units.c.article_id, inc_units.c.record)
                .where(inc_units.c.article_id.in_(ids[i : i + 500]))):
            out[aid][cid] = json.loads(record)["sentences"]
    return out


def _locate(member: Member, units: Mapping[str, Mapping[str, list[int]]]) -> str | None:
    """The cluster holding this member now: most shared sentences, else most sentences."""
    held = units.get(member.article_id)
    if not held:
        return None
    want = set(member.sentences)
    return min(held, key=lambda cid: (-len(want & set(held[cid])), -len(held[cid]), cid))


def _locate_part(part: Sequence[Member], units: Mapping[str, Mapping[str, list[int]]]
                 ) -> str | None:
    """The cluster most of a part's members are in (ties: the smallest id)."""
    votes: Counter[str] = Counter()
    for member in part:
        cid = _locate(member, units)
        if cid is not None:
            votes[cid] += 1 + len(set(member.sentences) & set(units[member.article_id][cid]))
    return min(votes, key=lambda c: (-votes[c], c)) if votes else None


def _overlaps(a: Member, b: Member) -> bool:
    return a.article_id == b.article_id and (
        not a.sentences or not b.sentences or bool(set(a.sentences) & set(b.sentences)))


def _without(correction: Correction, later: Sequence[Correction]) -> Correction:
    """The correction less the members later corrections place (they decide those)."""
    # a later split places its leaving members; a later merge places all it names, but
    # only against an earlier split (two merges naming one event agree)
    taken = [m for c in later if c.kind == SPLIT or correction.kind == SPLIT for m in c.moving]
    if not taken:
        return correction
    parts = tuple(tuple(m for m in part if not any(_overlaps(m, t) for t in taken))
                  for part in correction.parts)
    return replace(correction, parts=parts)


# --------------------------------------------------------------------------- moving state


class _State:
    """The stored state of the clusters one correction touches, written back at the end."""

    def __init__(self, conn: Connection, features_of: Features) -> None:
        self.conn, self.features_of = conn, features_of
        self.meta: dict[str, dict] = {}
        self.idf = _Idf(conn, {})

    def meta_of(self, cid: str) -> dict:
        if cid not in self.meta:
            record = self.conn.execute(select(inc_cluster_state.c.record)
                                       .where(inc_cluster_state.c.id == cid)).scalar_one()
            data = json.loads(record)
            data["articles"] = set(data["articles"])
            self.meta[cid] = data
        return self.meta[cid]

    def exists(self, cid: str) -> bool:
        return cid in self.meta or self.conn.execute(
            select(inc_cluster_state.c.id).where(inc_cluster_state.c.id == cid)
        ).scalar_one_or_none() is not None

    def create(self, cid: str, founder: str, founder_main: bool) -> None:
        self.meta[cid] = {"founder": founder, "founder_main": founder_main, "articles": set()}

    def move_article(self, src: str, dst: str, aid: str) -> None:
        """Move one article's unit (and membership) from ``src`` to ``dst``."""
        t = inc_units.c
        record = self.conn.execute(select(t.record).where(
            t.cluster_id == src, t.article_id == aid)).scalar_one_or_none()
        there = self.conn.execute(select(t.record).where(
            t.cluster_id == dst, t.article_id == aid)).scalar_one_or_none()
        if record is not None:
            self.conn.execute(delete(inc_units).where(t.cluster_id == src, t.article_id == aid))
            indices = json.loads(record)["sentences"]
            if there is not None:  # the article already gives dst sentences: one unit
                indices = sorted(set(indices) | set(json.loads(there)["sentences"]))
                feats = self.features_of(aid)
                if feats is not None:
                    record = _unit_record(stored_unit(feats, indices), indices)
                self.conn.execute(delete(inc_units).where(t.cluster_id == dst,
                                                          t.article_id == aid))
            self.conn.execute(insert(inc_units), {"cluster_id": dst, "article_id": aid,
                                                  "record": record})
            unit = _unit_from(aid, record)
            insert_ignore(self.conn, inc_postings, [
                {"key": k[:256], "cluster_id": dst}
                for k in sorted(set(_top(self.idf.vector(unit.counts))))])
        self.meta_of(src)["articles"].discard(aid)
        self.meta_of(dst)["articles"].add(aid)

    def absorb_cluster(self, src: str, dst: str) -> list[str]:
        """Move every unit, posting and member of ``src`` into ``dst`` and drop ``src``."""
        members = sorted(self.meta_of(src)["articles"])
        for aid in members:
            self.move_article(src, dst, aid)
        keys = self.conn.execute(select(inc_postings.c.key)
                                 .where(inc_postings.c.cluster_id == src)).scalars().all()
        insert_ignore(self.conn, inc_postings, [{"key": k, "cluster_id": dst}
                                                for k in sorted(set(keys))])
        self.conn.execute(delete(inc_postings).where(inc_postings.c.cluster_id == src))
        self.conn.execute(delete(inc_units).where(inc_units.c.cluster_id == src))
        self.conn.execute(delete(inc_cluster_state).where(inc_cluster_state.c.id == src))
        self.conn.execute(delete(clusters_table).where(clusters_table.c.id == src))
        self.meta.pop(src, None)
        return members

    def save(self, removed: set[str], only: set[str] | None = None) -> None:
        """Write the cluster state of every cluster touched, or of those in ``only`` (a
        founder that left hands on)."""
        for cid, meta in sorted(self.meta.items()):
            if cid in removed or (only is not None and cid not in only):
                continue
            units = self._units(cid)
            if meta["founder"] not in meta["articles"] and units:
                meta["founder"], meta["founder_main"] = units[0].article_id, units[0].main
            # other keys the grouping keeps there are written back as they were
            record = json.dumps({**meta, "articles": sorted(meta["articles"])})
            self.conn.execute(delete(inc_cluster_state).where(inc_cluster_state.c.id == cid))
            self.conn.execute(insert(inc_cluster_state), {"id": cid, "record": record})

    def _units(self, cid: str) -> list:
        return [_unit_from(aid, rec) for aid, rec in self.conn.execute(
            select(inc_units.c.article_id, inc_units.c.record)
            .where(inc_units.c.cluster_id == cid).order_by(inc_units.c.article_id))]

    def mark(self, cid: str, article_ids: Iterable[str], tag: str) -> None:
        """Record in these articles' units of ``cid`` that a correction placed them."""
        self.keep_bases(cid, {aid: JoinBasis(aid, RULE, shared=(tag,)) for aid in article_ids})

    def keep_bases(self, cid: str, bases: Mapping[str, JoinBasis]) -> None:
        """Record in these articles' units of ``cid`` why they are there (the grouping
        keeps a unit's basis when it rebuilds the cluster's record)."""
        t = inc_units.c
        for aid in sorted(bases):
            record = self.conn.execute(select(t.record).where(
                t.cluster_id == cid, t.article_id == aid)).scalar_one_or_none()
            if record is None:
                continue
            data = json.loads(record)
            data["basis"] = basis_record(bases[aid])
            self.conn.execute(update(inc_units).where(t.cluster_id == cid, t.article_id == aid)
                              .values(record=json.dumps(data, sort_keys=True,
                                                        ensure_ascii=False)))

    def record(self, cid: str, old: Sequence[JoinBasis]) -> EventCluster:
        """The cluster's record rebuilt from its stored units, as the grouping builds it."""
        meta = self.meta_of(cid)
        state = ClusterState(cid, founder_main=meta["founder_main"], founder=meta["founder"])
        state.articles = set(meta["articles"])
        for unit in self._units(cid):
            absorb(state, unit, self.idf.vector(unit.counts))
        features = _LazyFeatures(self.features_of)
        main_of, dates = _mains(self.conn, {cid: state}, {cid}, self.idf, {})
        day = state.event_date()[0] or _borrowed_date(state, features, main_of, dates)
        return cluster_record(state, day, _title(state, features),
                              _basis(self.conn, cid, old, state.articles))


def _basis(conn: Connection, cid: str, old: Sequence[JoinBasis], articles: Iterable[str]
           ) -> tuple[JoinBasis, ...]:
    """One basis per member article, by article id: a correction's, where a unit records
    one, else the one the cluster's record had (why the grouping placed the article)."""
    members = set(articles)
    by_article = {b.article_id: b for b in old if b.article_id in members}
    for aid, record in conn.execute(select(inc_units.c.article_id, inc_units.c.record)
                                    .where(inc_units.c.cluster_id == cid)):
        basis = basis_from(aid, json.loads(record).get("basis"))
        if basis is not None and basis.rule == RULE and aid in members:
            by_article[aid] = basis
    return tuple(by_article[a] for a in sorted(by_article))


# --------------------------------------------------------------------------- applying


def apply_correction(conn: Connection, correction: Correction, features_of: Features
                     ) -> Applied:
    """Bring the stored clusters in line with one correction (nothing if in effect)."""
    if correction.kind == MERGE:
        return _merge(conn, correction, features_of)
    if correction.kind == SPLIT:
        return _split(conn, correction, features_of)
    raise ValueError(f"unknown correction kind {correction.kind!r}")


def _stored(conn: Connection, ids: Iterable[str]) -> dict[str, EventCluster]:
    return {c.id: c for c in load_clusters(conn, sorted(set(ids)))}


def _merge(conn: Connection, correction: Correction, features_of: Features) -> Applied:
    units = _units_of(conn, correction.articles)
    located = sorted({cid for part in correction.parts
                      if (cid := _locate_part(part, units)) is not None})
    if len(located) < 2:
        return _ensure_basis(conn, located)
    keep, absorbed = located[0], located[1:]
    state = _State(conn, features_of)
    before = _stored(conn, located)
    moved: list[str] = []
    for cid in absorbed:
        moved += state.absorb_cluster(cid, keep)
    removed = set(absorbed)
    state.save(removed)
    state.mark(keep, moved, correction.tag)
    old = before.get(keep)
    record = state.record(keep, old.basis if old else ())
    save_clusters(conn, [record])
    return Applied({keep: record}, removed, [correction.id], dict.fromkeys(absorbed, keep))


def _split(conn: Connection, correction: Correction, features_of: Features) -> Applied:
    leaving, staying = correction.parts
    units = _units_of(conn, correction.articles)
    at = {m.article_id: cid for m in leaving if (cid := _locate(m, units)) is not None}
    stay = {cid for m in staying if (cid := _locate(m, units)) is not None}
    bad = {aid: cid for aid, cid in sorted(at.items()) if cid in stay}
    if not bad:
        free = sorted(set(at.values()) - stay)
        return _ensure_basis(conn, free)
    state = _State(conn, features_of)
    free = sorted(set(at.values()) - stay)
    if free:
        target = free[0]
    else:
        aid = min(bad)
        first = SentenceRef(aid, min(units[aid][bad[aid]], default=0))
        target = event_id(first)
        while state.exists(target):  # the founding sentence left with it: hash again
            target = "ev-" + hashlib.sha1(f"{target}:split".encode()).hexdigest()[:12]
        state.create(target, aid, bool(json.loads(conn.execute(
            select(inc_units.c.record).where(inc_units.c.cluster_id == bad[aid],
                                             inc_units.c.article_id == aid)).scalar_one()
        )["main"]))
    sources = sorted(set(bad.values()))
    before = _stored(conn, [*sources, target])
    for aid, src in bad.items():
        state.move_article(src, target, aid)
    state.save(set())
    state.mark(target, bad, correction.tag)
    changed: dict[str, EventCluster] = {}
    for cid in [*sources, target]:
        old = before.get(cid)
        changed[cid] = state.record(cid, old.basis if old else ())
    save_clusters(conn, list(changed.values()))
    return Applied(changed, set(), [correction.id])


def _ensure_basis(conn: Connection, clusters: Sequence[str]) -> Applied:
    """A correction in effect: only the basis of the articles it placed is put back if
    lost (the grouping rewrites a cluster's record when new articles join it)."""
    out = Applied()
    for cluster in load_clusters(conn, clusters):
        basis = _basis(conn, cluster.id, cluster.basis, cluster.article_ids)
        if basis != cluster.basis:
            record = replace(cluster, basis=basis)
            save_clusters(conn, [record])
            out.changed[cluster.id] = record
    return out


def replay(conn: Connection, corrections: Sequence[Correction], features_of: Features,
           articles: Iterable[str] | None = None) -> Applied:
    """Apply the stored corrections again, oldest first, each less what later ones place.

    ``articles``: replay only the corrections naming one of these (the articles whose
    clusters the fold changed); None: every correction.
    """
    wanted = None if articles is None else set(articles)
    out = Applied()
    for i, correction in enumerate(corrections):
        if wanted is not None and not wanted & set(correction.articles):
            continue
        effective = _without(correction, corrections[i + 1 :])
        if effective.kind == SPLIT and not effective.parts[0]:
            continue
        out.update(apply_correction(conn, effective, features_of))
    return out


def members_of(cluster: EventCluster, article_ids: Iterable[str] | None = None
               ) -> list[Member]:
    """The members of an event (of these articles only, when given), with their sentences."""
    wanted = None if article_ids is None else set(article_ids)
    sentences: dict[str, list[int]] = {a: [] for a in cluster.article_ids}
    for ref in cluster.sentences:
        sentences.setdefault(ref.article_id, []).append(ref.sentence)
    return [Member(a, tuple(sorted(s))) for a, s in sorted(sentences.items())
            if wanted is None or a in wanted]


__all__ = ["RULE", "Applied", "apply_correction", "members_of", "replay"]
