"""Event clustering of a batch of new articles against stored cluster state.

The rules are those of :func:`newsledger.group.events.cluster_threads`; the state it
rebuilt from every article on every run is kept in the store instead:

- one *unit* per (cluster, article): the feature counts of the article's sentences in
  the cluster and its dates, exactly what ``cluster_threads`` derives for a stored
  cluster; a cluster's centroid is rebuilt from its units with the current IDF only
  when the cluster is a candidate for a new thread;
- document frequencies of every feature and the number of documents (the IDF);
- the inverted index feature -> cluster (the postings candidates are retrieved by);
- per cluster, its founder and whether the founder was a main story.

Only the new articles' features are computed (and, lazily, those needed for the title
or borrowed date of a cluster that changed).
"""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from functools import partial

from sqlalchemy import Connection, delete, func, insert, select, update

from newsledger.codec import dumps, loads
from newsledger.group.crosslingual import cross_language_match, neutral_score, reads_later
from newsledger.group.events import (
    BACKGROUND,
    CANDIDATES,
    INDEX_KEYS,
    JOIN_THRESHOLD,
    MAX_POSTING,
    ClusterState,
    Unit,
    _borrowed_date,
    _time_factor,
    _title,
    _unit,
    _unit_counts,
    _vector,
    absorb,
    choose_cluster,
    cluster_basis,
    cluster_record,
    event_id,
    rare_place,
    record_basis,
)
from newsledger.group.features import ArticleFeatures
from newsledger.group.identity import (
    basis_from,
    basis_record,
    day_gap,
    founded,
    neutral_shared,
)
from newsledger.group.threads import split_threads
from newsledger.model import Article, EventCluster, JoinBasis, SentenceRef
from newsledger.store.sql import clusters_table
from newsledger.store.state import (
    inc_cluster_state,
    inc_df,
    inc_meta,
    inc_postings,
    inc_units,
    inc_young,
)

_CHUNK = 500
Features = Callable[[str], ArticleFeatures | None]


def _chunks(items: Sequence, size: int = _CHUNK):
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _unit_record(unit: Unit, sentences: Sequence[int], basis: JoinBasis | None = None) -> str:
    record = {
        "counts": dict(unit.counts), "main": unit.main, "sentences": sorted(sentences),
        "event_date": unit.event_date.isoformat() if unit.event_date else None,
        "date_from_text": unit.date_from_text,
        "published": unit.published.isoformat() if unit.published else None,
    }
    if basis is not None:
        record["basis"] = basis_record(basis)
    return json.dumps(record, sort_keys=True, ensure_ascii=False)


def _basis_of(article_id: str, record: str) -> JoinBasis | None:
    """The basis a unit record keeps (None: stored before bases were recorded)."""
    return basis_from(article_id, json.loads(record).get("basis"))


def _unit_from(article_id: str, record: str) -> Unit:
    return _unit_of(article_id, json.loads(record))


def _unit_of(article_id: str, d: Mapping) -> Unit:
    return Unit(
        article_id=article_id, main=d["main"],
        refs=[SentenceRef(article_id, i) for i in d["sentences"]],
        counts=Counter(d["counts"]),
        event_date=date.fromisoformat(d["event_date"]) if d["event_date"] else None,
        date_from_text=d["date_from_text"],
        published=date.fromisoformat(d["published"]) if d["published"] else None,
    )


def stored_unit(feats: ArticleFeatures, indices: Sequence[int]) -> Unit:
    """The unit ``cluster_threads`` derives for an article of a stored cluster."""
    chosen = [feats.sentences[i] for i in indices if i < len(feats.sentences)]
    main = 0 in indices or len(chosen) * 2 >= len(feats.sentences)
    return _unit(feats, chosen, main)


class _Idf:
    def __init__(self, conn: Connection, new: Mapping[str, ArticleFeatures]) -> None:
        self.conn = conn
        stored = conn.execute(select(inc_meta.c.value).where(inc_meta.c.key == "n_docs")
                              ).scalar_one_or_none()
        self.n_docs = int(stored or 0) + len(new)
        self.added: Counter[str] = Counter()
        for feats in new.values():
            self.added.update(set(_unit_counts(feats, feats.sentences, True)))
        self.df: dict[str, int] = {}
        self._load(list(self.added))
        self.n = self.n_docs + BACKGROUND
        self.default = math.log(self.n)

    def _load(self, keys: Sequence[str]) -> None:
        want = sorted({k for k in keys if k not in self.df})
        found: dict[str, int] = {}
        for chunk in _chunks(want):
            found.update(self.conn.execute(select(inc_df.c.key, inc_df.c.n)
                                           .where(inc_df.c.key.in_(chunk))).all())
        for k in want:
            self.df[k] = found.get(k, 0) + self.added.get(k, 0)

    def doc_freq(self, key: str) -> int:
        self._load([key])
        return self.df[key]

    def vector(self, counts: Counter[str]) -> dict[str, float]:
        self._load(list(counts))
        idf = {k: math.log(self.n / (self.df[k] + 0.5)) for k in counts if self.df[k]}
        return _vector(counts, idf, self.default)

    def save(self) -> None:
        stored = set()
        keys = sorted(self.added)
        for chunk in _chunks(keys):
            stored.update(self.conn.execute(select(inc_df.c.key).where(inc_df.c.key.in_(chunk)))
                          .scalars())
        new_rows = [{"key": k, "n": self.added[k]} for k in keys if k not in stored]
        if new_rows:
            self.conn.execute(insert(inc_df), new_rows)
        for k in keys:
            if k in stored:
                self.conn.execute(update(inc_df).where(inc_df.c.key == k)
                                  .values(n=inc_df.c.n + self.added[k]))
        self.conn.execute(delete(inc_meta).where(inc_meta.c.key == "n_docs"))
        self.conn.execute(insert(inc_meta), {"key": "n_docs", "value": str(self.n_docs)})


def _top(vec: Mapping[str, float]) -> list[str]:
    return sorted(vec, key=lambda k: -vec[k])[:INDEX_KEYS]


def refresh_units(conn: Connection, article_ids: Sequence[str], features_of: Features) -> int:
    """Derive again the stored units of articles whose mentions moved to other entities.

    A unit's counts name entities by id (``E|<id>``); after a merge or split the new
    articles name the entity by its id now, so a stored cluster whose units keep the old
    one would look less like them than a batch run's cluster does. Each unit keeps its
    cluster and sentences; its counts and the cluster's postings follow the entities.
    (Document frequencies are not moved: see docs/scale.md.) Returns the units rewritten.
    """
    rewritten = 0
    for chunk in _chunks(sorted(set(article_ids))):
        rows = conn.execute(select(inc_units.c.cluster_id, inc_units.c.article_id,
                                   inc_units.c.record)
                            .where(inc_units.c.article_id.in_(chunk))).all()
        postings: set[tuple[str, str]] = set()
        for cid, aid, record in rows:
            feats = features_of(aid)
            if feats is None:
                continue
            indices = json.loads(record)["sentences"]
            unit = stored_unit(feats, indices)
            fresh = _unit_record(unit, indices, _basis_of(aid, record))
            if fresh == record:
                continue
            conn.execute(update(inc_units).where(inc_units.c.cluster_id == cid,
                                                 inc_units.c.article_id == aid)
                         .values(record=fresh))
            rewritten += 1
            old = Counter(json.loads(record)["counts"])
            postings.update((k[:256], cid) for k in unit.counts if k not in old)
        if postings:
            from newsledger.store.sql import insert_ignore

            insert_ignore(conn, inc_postings, [{"key": k, "cluster_id": c}
                                               for k, c in sorted(postings)])
    return rewritten


def stored_state(conn: Connection, cid: str, idf: _Idf) -> tuple[ClusterState, list[Unit]]:
    """A stored cluster's state (its centroid under the current IDF) and its units."""
    record = conn.execute(select(inc_cluster_state.c.record)
                          .where(inc_cluster_state.c.id == cid)).scalar_one()
    meta = json.loads(record)
    state = ClusterState(cid, founder_main=meta["founder_main"], founder=meta["founder"])
    state.articles = set(meta["articles"])
    for aid, rec in meta.get("basis", {}).items():  # members without sentences
        if (b := basis_from(aid, rec)) is not None:
            state.basis[aid] = b
    rows = conn.execute(
        select(inc_units.c.article_id, inc_units.c.record)
        .where(inc_units.c.cluster_id == cid).order_by(inc_units.c.article_id)).all()
    units = []
    for aid, rec in rows:
        data = json.loads(rec)
        units.append(_unit_of(aid, data))
        if (b := basis_from(aid, data.get("basis"))) is not None:
            state.basis.setdefault(aid, b)
    for unit in units:
        absorb(state, unit, idf.vector(unit.counts))
    return state, units


def stored_candidates(
    conn: Connection, vec: Mapping[str, float], fresh: Mapping[str, set[str]] | None = None
) -> list[str]:
    """The clusters a thread is compared with: those sharing its strongest features,
    by the stored postings and ``fresh`` ones of this batch (not yet written)."""
    keys = _top(vec)
    fresh = fresh or {}
    stored: dict[str, set[str]] = defaultdict(set)
    sizes: dict[str, int] = {}
    for chunk in _chunks(keys):
        sizes.update(conn.execute(select(inc_postings.c.key, func.count())
                                  .where(inc_postings.c.key.in_(chunk))
                                  .group_by(inc_postings.c.key)).all())
    small = [k for k in keys if 0 < sizes.get(k, 0) <= MAX_POSTING]
    for chunk in _chunks(small):
        for key, cid in conn.execute(select(inc_postings.c.key, inc_postings.c.cluster_id)
                                     .where(inc_postings.c.key.in_(chunk))):
            stored[key].add(cid)
    scores: Counter[str] = Counter()
    for key in keys:
        posting = stored.get(key, set()) | fresh.get(key, set())
        if posting and len(posting) <= MAX_POSTING:
            for cid in posting:
                scores[cid] += vec[key]
    return [cid for cid, _ in scores.most_common(CANDIDATES)]


def cluster_batch(
    conn: Connection,
    new_features: Mapping[str, ArticleFeatures],
    features_of: Features,
    legacy: Sequence[EventCluster] = (),
) -> list[EventCluster]:
    """Place the new articles' threads; returns every cluster that changed or is new.

    ``legacy``: clusters a ledger of an older version stored without state (the upgrade),
    whose articles are all in ``new_features``: they keep their ids and members.
    """
    idf = _Idf(conn, new_features)
    rare = rare_place(idf.doc_freq, idf.n_docs)
    clusters: dict[str, ClusterState] = {}
    units: dict[str, list[Unit]] = defaultdict(list)  # cluster -> units added this batch
    loaded_units: dict[str, list[Unit]] = {}
    fresh_postings: dict[str, set[str]] = defaultdict(set)
    fresh_clusters: set[str] = set()
    legacy_ids = {c.id for c in legacy}
    for c in legacy:
        if any(a not in new_features for a in c.article_ids):
            raise ValueError(f"cluster {c.id} of the upgrade names articles not in the batch")

    def load_state(cid: str) -> ClusterState:
        state = clusters.get(cid)
        if state is None:
            state, loaded_units[cid] = stored_state(conn, cid, idf)
            clusters[cid] = state
        return state

    def add(cid: str, unit: Unit, vec: dict[str, float]) -> None:
        state = clusters[cid]
        absorb(state, unit, vec)
        units[cid].append(unit)
        for key in _top(vec):
            fresh_postings[key].add(cid)

    # clusters of an older ledger: rebuilt from their members, as cluster_threads does
    placed: set[str] = set()
    for old in legacy:
        state = ClusterState(old.id, refs=set(), articles=set(old.article_ids))
        state.founder = min((r.article_id for r in old.sentences), default="")
        state.founder_main = False
        state.basis = {b.article_id: b for b in old.basis}
        clusters[old.id] = state
        fresh_clusters.add(old.id)
        placed.update(old.article_ids)
        by_article: dict[str, list[int]] = defaultdict(list)
        for ref in old.sentences:
            by_article[ref.article_id].append(ref.sentence)
        for article_id, indices in by_article.items():
            feats = new_features.get(article_id)
            if feats is None:
                continue
            unit = stored_unit(feats, indices)
            state.founder_main |= unit.main
            add(old.id, unit, idf.vector(unit.counts))

    touched: set[str] = set()
    extra_articles: dict[str, set[str]] = defaultdict(set)
    new = [aid for aid in new_features if aid not in placed]
    new.sort(key=lambda a: (reads_later(new_features[a].article),
                            new_features[a].published or date.max, a))
    for article_id in new:
        feats = new_features[article_id]
        own_main = None
        for thread in split_threads(feats):
            unit = _unit(feats, thread.sentences, thread.main)
            if not unit.refs and not thread.main:
                continue
            vec = idf.vector(unit.counts)
            found = [cid for cid in stored_candidates(conn, vec, fresh_postings)
                     if thread.main or cid != own_main]
            best_id, basis = choose_cluster(unit, vec, ((cid, load_state(cid)) for cid in found),
                                            rare)
            if best_id is None:  # nothing in its own words: a report of it in another language?
                best_id = cross_language_match(
                    vec, feats.article, [(cid, load_state(cid)) for cid in found],
                    lambda state: _founder(state.founder, new_features, features_of),
                    partial(_time_factor, unit), JOIN_THRESHOLD)
                if best_id is not None:
                    basis = _language_basis(unit, vec, clusters[best_id])
            if best_id is None:
                founder = unit.refs[0] if unit.refs else SentenceRef(article_id, 0)
                best_id = event_id(founder)
                clusters[best_id] = ClusterState(best_id, founder_main=thread.main,
                                                 founder=founder.article_id)
                fresh_clusters.add(best_id)
            side = None if thread.main else unit.counts  # a side story: why apart
            record_basis(clusters[best_id], basis or founded(article_id, side))
            touched.add(best_id)
            if thread.main:
                own_main = best_id
            add(best_id, unit, vec)
            if not unit.refs:
                extra_articles[best_id].add(article_id)
                clusters[best_id].articles.add(article_id)
    kept = {c.id: c for c in legacy if c.id not in touched}
    state_ids = touched | legacy_ids
    idf.save()
    _note_young(conn, clusters, units, fresh_clusters - legacy_ids, touched, idf.n_docs)

    # store the units, postings and state of every touched cluster
    unit_rows, posting_rows = [], set()
    for cid in sorted(state_ids):
        by_article: dict[str, list[int]] = defaultdict(list)
        for unit in units.get(cid, []):
            by_article[unit.article_id] += [r.sentence for r in unit.refs]
            for key in _top(idf.vector(unit.counts)):
                posting_rows.add((key[:256], cid))
        for aid, indices in sorted(by_article.items()):
            if not indices:
                continue  # an article without sentences is a member, not a unit
            unit_rows.append({"cluster_id": cid, "article_id": aid,
                              "record": _unit_record(stored_unit(new_features[aid], indices),
                                                     indices, clusters[cid].basis.get(aid))})
    if unit_rows:
        conn.execute(insert(inc_units), unit_rows)
    existing: set[tuple[str, str]] = set()
    keys = sorted({k for k, _ in posting_rows})
    for chunk in _chunks(keys):
        existing.update(conn.execute(select(inc_postings.c.key, inc_postings.c.cluster_id)
                                     .where(inc_postings.c.key.in_(chunk))).all())
    fresh = [{"key": k, "cluster_id": c} for k, c in sorted(posting_rows - existing)]
    if fresh:
        conn.execute(insert(inc_postings), fresh)
    for cid in sorted(state_ids):
        state = clusters[cid]
        meta = {"founder": state.founder, "founder_main": state.founder_main,
                "articles": sorted(state.articles)}
        without_units = {a: basis_record(state.basis[a]) for a in sorted(extra_articles[cid])
                         if a in state.basis}
        if without_units:
            meta["basis"] = without_units
        record = json.dumps(meta)
        conn.execute(delete(inc_cluster_state).where(inc_cluster_state.c.id == cid))
        conn.execute(insert(inc_cluster_state), {"id": cid, "record": record})

    # the clusters as records: dates (own or borrowed) and titles
    main_of, dates = _mains(conn, clusters, touched, idf, loaded_units)
    out = []
    for cid in sorted(touched):
        state = clusters[cid]
        own = state.event_date()[0]
        day = own or _borrowed_date(state, _LazyFeatures(features_of), main_of, dates)
        out.append(cluster_record(state, day, _title(state, _LazyFeatures(features_of)),
                                  cluster_basis(state)))
    out += kept.values()
    save_clusters(conn, out)
    return sorted(out, key=lambda c: c.id)


SMALL_EVENT = 6  # events of at most this many reports are placed again (group.young)


def _note_young(
    conn: Connection, clusters: Mapping[str, ClusterState], units: Mapping[str, list[Unit]],
    fresh: set[str], touched: set[str], n_docs: int,
) -> None:
    """Remember the small events this batch opened (see :mod:`newsledger.group.young`); a
    stored one that grew past SMALL_EVENT reports is no longer one."""
    grown = sorted(c for c in touched - fresh
                   if c not in clusters or len(clusters[c].articles) > SMALL_EVENT)
    for chunk in _chunks(grown):
        conn.execute(delete(inc_young).where(inc_young.c.cluster_id.in_(chunk)))
    rows = [{"cluster_id": cid, "article_id": clusters[cid].founder or min(clusters[cid].articles),
             "placed_at": n_docs}
            for cid in sorted(fresh)
            if len(clusters[cid].articles) <= SMALL_EVENT and units.get(cid)
            and all(u.refs for u in units[cid])]
    if rows:
        conn.execute(insert(inc_young), rows)


def _language_basis(unit: Unit, vec: Mapping[str, float], state: ClusterState) -> JoinBasis:
    """A report joined in another language: the names and places the two share."""
    score = neutral_score(vec, state.centroid) * _time_factor(unit, state)
    days = day_gap(unit.event_date, state.event_date()[0])
    return JoinBasis(unit.article_id, "language", round(score, 4),
                     neutral_shared(vec, state.centroid, days))


def _founder(
    article_id: str, new: Mapping[str, ArticleFeatures], features_of: Features
) -> Article | None:
    """The article that opened a cluster (its language decides the cross-language reading)."""
    feats = new.get(article_id) or (features_of(article_id) if article_id else None)
    return feats.article if feats is not None else None


class _LazyFeatures(Mapping[str, ArticleFeatures]):
    """Features computed on first use: a cluster's title needs one or two articles."""

    def __init__(self, features_of: Features) -> None:
        self.features_of = features_of
        self.cache: dict[str, ArticleFeatures | None] = {}

    def __getitem__(self, key: str) -> ArticleFeatures:
        value = self.get(key)
        if value is None:
            raise KeyError(key)
        return value

    def get(self, key: str, default=None):  # type: ignore[override]
        if key not in self.cache:
            self.cache[key] = self.features_of(key)
        return self.cache[key] if self.cache[key] is not None else default

    def __iter__(self):
        return iter(self.cache)

    def __len__(self) -> int:
        return len(self.cache)


def _mains(
    conn: Connection, clusters: dict[str, ClusterState], touched: set[str], idf: _Idf,
    loaded: Mapping[str, list[Unit]],
) -> tuple[dict[str, str], dict[str, date | None]]:
    """Each article of a touched cluster: its main cluster, and that cluster's own date."""
    articles = sorted({a for cid in touched for a in clusters[cid].articles})
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for chunk in _chunks(articles):
        for cid, aid, record in conn.execute(
            select(inc_units.c.cluster_id, inc_units.c.article_id, inc_units.c.record)
            .where(inc_units.c.article_id.in_(chunk))
        ):
            counts[aid][cid] += len(json.loads(record)["sentences"])
    main_of = {aid: min(c.items(), key=lambda kv: (-kv[1], kv[0]))[0] for aid, c in counts.items()}
    dates: dict[str, date | None] = {}
    for cid in set(main_of.values()) | touched:
        state = clusters.get(cid)
        if state is None:
            state = ClusterState(cid)
            for aid, record in conn.execute(select(inc_units.c.article_id, inc_units.c.record)
                                            .where(inc_units.c.cluster_id == cid)):
                unit = _unit_from(aid, record)
                if unit.event_date is not None and unit.date_from_text:
                    state.text_dates[unit.event_date] += 1
                if unit.published is not None:
                    state.published.append(unit.published)
        dates[cid] = state.event_date()[0]
    return main_of, dates


def save_clusters(conn: Connection, clusters: Sequence[EventCluster]) -> None:
    """Upsert cluster records in the ``clusters`` table, keeping stored positions."""
    if not clusters:
        return
    positions: dict[str, int] = {}
    for chunk in _chunks([c.id for c in clusters]):
        positions.update(conn.execute(select(clusters_table.c.id, clusters_table.c.position)
                                      .where(clusters_table.c.id.in_(chunk))).all())
    top = conn.execute(select(func.max(clusters_table.c.position))).scalar_one_or_none()
    nxt = (top if top is not None else -1) + 1
    for chunk in _chunks([c.id for c in clusters]):
        conn.execute(delete(clusters_table).where(clusters_table.c.id.in_(chunk)))
    rows = []
    for c in clusters:
        pos = positions.get(c.id)
        if pos is None:
            pos, nxt = nxt, nxt + 1
        rows.append({"position": pos, "id": c.id, "record": dumps(c)})
    conn.execute(insert(clusters_table), rows)


def clusters_of_articles(conn: Connection, article_ids: Sequence[str]) -> list[EventCluster]:
    """Stored clusters that hold any of these articles."""
    ids: set[str] = set()
    for chunk in _chunks(sorted(set(article_ids))):
        ids.update(conn.execute(select(inc_units.c.cluster_id).distinct()
                                .where(inc_units.c.article_id.in_(chunk))).scalars())
    return load_clusters(conn, sorted(ids))


def load_clusters(conn: Connection, ids: Sequence[str]) -> list[EventCluster]:
    out = []
    for chunk in _chunks(sorted(set(ids))):
        out += [loads(EventCluster, r) for r in conn.execute(
            select(clusters_table.c.record).where(clusters_table.c.id.in_(chunk))).scalars()]
    return sorted(out, key=lambda c: c.id)


__all__ = ["cluster_batch", "clusters_of_articles", "load_clusters", "refresh_units",
           "stored_unit"]
