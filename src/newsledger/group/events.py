"""Incremental event clustering over event threads (an article's main story and side stories).

Each thread is a sparse vector of salient terms, entities, places and event
types weighted by inverse document frequency. A new thread looks up candidate
clusters through an inverted index over its strongest features (never all
pairs), scores them by cosine to the cluster centroid times a penalty for the
gap between the events' own dates, and joins the best one above a threshold; below
it, a candidate that tells the same happening (type family, specific place, day and
a shared name: :mod:`newsledger.group.identity`) still matches; else the thread
opens a new cluster. Each article records why it joined (``EventCluster.basis``).
Clusters stored by an earlier run keep their ids and
members; only articles they do not hold are placed.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from newsledger.group.crosslingual import language
from newsledger.group.dates import choose_date, resolve_weekday, weekday_in
from newsledger.group.features import ArticleFeatures, SentenceFeatures, all_features
from newsledger.group.identity import (
    day_gap,
    founded,
    identity_evidence,
    is_rare,
    shared_features,
)
from newsledger.group.threads import Thread, split_threads
from newsledger.ingest.clean import heading_lines_end
from newsledger.model import (
    Annotations,
    Article,
    EventCluster,
    JoinBasis,
    Resolution,
    SentenceRef,
)

JOIN_THRESHOLD = 0.25
ENTITY_WEIGHT = 1.0
PLACE_WEIGHT = 1.0
TYPE_WEIGHT = 0.3
INDEX_KEYS = 30  # strongest features of a thread that go into the index
MAX_POSTING = 400  # features shared by more clusters than this retrieve nothing
CANDIDATES = 40
BACKGROUND = 30
FAR_TEXT = 0.35  # days apart by the texts' own dates: another event, unless very similar
FAR_PUBLISHED = 0.6  # apart only by publication: follow-ups (trials, funerals) still join


Vector = dict[str, float]


@dataclass
class Unit:
    """A thread ready for clustering: its vector and its event's date."""

    article_id: str
    main: bool
    refs: list[SentenceRef]
    counts: Counter[str]
    event_date: date | None
    date_from_text: bool
    published: date | None


@dataclass
class ClusterState:
    id: str
    refs: set[SentenceRef] = field(default_factory=set)
    articles: set[str] = field(default_factory=set)
    centroid: Vector = field(default_factory=dict)
    size: int = 0
    text_dates: Counter[date] = field(default_factory=Counter)
    published: list[date] = field(default_factory=list)
    founder_main: bool = True
    founder: str = ""
    touched: bool = False
    norm_cache: float | None = None
    basis: dict[str, JoinBasis] = field(default_factory=dict)  # article -> why it is here

    def event_date(self) -> tuple[date | None, bool]:
        if self.text_dates:
            best = max(self.text_dates.items(), key=lambda kv: (kv[1], -kv[0].toordinal()))
            return best[0], True
        return (min(self.published), False) if self.published else (None, False)

    def norm(self) -> float:
        if self.norm_cache is None:
            self.norm_cache = math.sqrt(sum(v * v for v in self.centroid.values())) or 1.0
        return self.norm_cache


def _unit_counts(
    feats: ArticleFeatures, sentences: Sequence[SentenceFeatures], main: bool
) -> Counter[str]:
    counts: Counter[str] = Counter()
    for s in sentences:
        counts.update(s.terms)
        counts.update("E|" + k for k in s.names)
        counts.update("P|" + k for k in s.places)
        counts.update("T|" + t for t in s.event_types)
    if main:
        counts.update(feats.title_terms)
    return counts


def _unit(feats: ArticleFeatures, sentences: Sequence[SentenceFeatures], main: bool) -> Unit:
    published = feats.published
    candidates = [d for s in sentences for d in s.dates]
    if published is None:
        # Undated text: trust only dates that agree with a weekday it names ("Tuesday"),
        # so a photo caption's date does not become the event's.
        named = {weekday_in(r) for s in sentences for r in s.relatives} - {None}
        candidates = [d for d in candidates if d[0].weekday() in named]
    chosen = choose_date(candidates, published)
    return Unit(
        article_id=feats.article.id,
        main=main,
        refs=[SentenceRef(feats.article.id, s.index) for s in sentences],
        counts=_unit_counts(feats, sentences, main),
        event_date=chosen[0] if chosen else published,
        date_from_text=chosen is not None,
        published=published,
    )


def _doc_freq(features: Mapping[str, ArticleFeatures]) -> Counter[str]:
    df: Counter[str] = Counter()
    for feats in features.values():
        df.update(set(_unit_counts(feats, feats.sentences, True)))
    return df


def _idf(features: Mapping[str, ArticleFeatures], df: Mapping[str, int] | None = None
         ) -> dict[str, float]:
    df = _doc_freq(features) if df is None else df
    # BACKGROUND pseudo-documents that lack every term keep shared words informative
    # in a corpus of five articles, and vanish in a corpus of thousands.
    n = len(features) + BACKGROUND
    return {k: math.log(n / (c + 0.5)) for k, c in df.items()}


def _weight(key: str) -> float:
    if key.startswith("E|"):
        return ENTITY_WEIGHT
    if key.startswith("P|"):
        return PLACE_WEIGHT
    if key.startswith("T|"):
        return TYPE_WEIGHT
    return 1.0


def _vector(counts: Counter[str], idf: Mapping[str, float], default_idf: float) -> Vector:
    vec = {
        k: (1.0 + math.log(c)) * idf.get(k, default_idf) * _weight(k)
        for k, c in counts.items()
        if c > 0
    }
    norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
    return {k: v / norm for k, v in vec.items()}


def _time_factor(unit: Unit, cluster: ClusterState) -> float:
    """Event, not topic: the same kind of happening on another day is another event."""
    c_date, c_text = cluster.event_date()
    if unit.event_date is None or c_date is None:
        return 1.0
    gap = abs((unit.event_date - c_date).days)
    if unit.date_from_text and c_text:
        return (
            1.0 if gap <= 1 else 0.6 if gap <= 3 else max(FAR_TEXT, 0.35) if gap <= 10 else FAR_TEXT
        )
    return 1.0 if gap <= 2 else 0.75 if gap <= 7 else FAR_PUBLISHED


def event_id(ref: SentenceRef) -> str:
    return "ev-" + hashlib.sha1(f"{ref.article_id}:{ref.sentence}".encode()).hexdigest()[:12]


class _Index:
    def __init__(self) -> None:
        self.postings: dict[str, set[str]] = defaultdict(set)

    def add(self, cluster_id: str, vec: Vector) -> None:
        for key in sorted(vec, key=lambda k: -vec[k])[:INDEX_KEYS]:
            self.postings[key].add(cluster_id)

    def candidates(self, vec: Vector) -> list[str]:
        scores: Counter[str] = Counter()
        for key in sorted(vec, key=lambda k: -vec[k])[:INDEX_KEYS]:
            posting = self.postings.get(key)
            if posting and len(posting) <= MAX_POSTING:
                for cid in posting:
                    scores[cid] += vec[key]
        return [cid for cid, _ in scores.most_common(CANDIDATES)]


def absorb(cluster: ClusterState, unit: Unit, vec: Mapping[str, float]) -> None:
    """A unit joins a cluster: its sentences, article, vector (centroid) and dates."""
    cluster.refs.update(unit.refs)
    cluster.articles.add(unit.article_id)
    for k, v in vec.items():
        cluster.centroid[k] = cluster.centroid.get(k, 0.0) + v
    cluster.norm_cache = None
    cluster.size += 1
    if unit.event_date is not None and unit.date_from_text:
        cluster.text_dates[unit.event_date] += 1
    if unit.published is not None:
        cluster.published.append(unit.published)


def _add(cluster: ClusterState, unit: Unit, vec: Vector, index: _Index) -> None:
    absorb(cluster, unit, vec)
    index.add(cluster.id, vec)


def _score(vec: Vector, cluster: ClusterState) -> float:
    dot = sum(v * cluster.centroid.get(k, 0.0) for k, v in vec.items())
    return dot / cluster.norm()


def choose_cluster(
    unit: Unit,
    vec: Vector,
    candidates: Iterable[tuple[str, ClusterState]],
    rare: Callable[[str], bool],
) -> tuple[str | None, JoinBasis | None]:
    """The cluster a thread joins and why: its wording, else what the event is.

    The best wording score above the threshold wins; without one, the candidate with
    the best wording score among those that tell the same happening by type family,
    specific place, day and a shared name (:func:`identity_evidence`).
    """
    best_id, best, best_state = None, JOIN_THRESHOLD, None
    same_id, same, same_state, same_keys = None, -1.0, None, ()
    for cid, state in candidates:
        score = _score(vec, state) * _time_factor(unit, state)
        if score > best or (score == best and best_id is not None and cid < best_id):
            best_id, best, best_state = cid, score, state
        if best_id is None and (score > same or (score == same and cid < (same_id or ""))):
            days = day_gap(unit.event_date, state.event_date()[0])
            keys = identity_evidence(vec, state.centroid, days, score, rare)
            if keys is not None:
                same_id, same, same_state, same_keys = cid, score, state, keys
    if best_state is not None:
        return best_id, JoinBasis(unit.article_id, "wording", round(best, 4),
                                  _shared(unit, vec, best_state))
    if same_state is not None:
        return same_id, JoinBasis(unit.article_id, "identity", round(same, 4),
                                  _shared(unit, vec, same_state, same_keys))
    return None, None


def _shared(unit: Unit, vec: Vector, state: ClusterState, first: tuple[str, ...] = ()
            ) -> tuple[str, ...]:
    days = day_gap(unit.event_date, state.event_date()[0])
    return shared_features(vec, state.centroid, days, first)


def rare_place(doc_freq: Callable[[str], int], n_docs: int) -> Callable[[str], bool]:
    return lambda key: is_rare(doc_freq(key), n_docs)


def record_basis(state: ClusterState, basis: JoinBasis) -> None:
    """One basis per article: the first thread that placed it (its main story, usually)."""
    state.basis.setdefault(basis.article_id, basis)


def cluster_threads(
    articles: Sequence[Article],
    annotations: Mapping[str, Annotations],
    resolution: Resolution,
    previous: Sequence[EventCluster],
) -> tuple[EventCluster, ...]:
    features = all_features(list(articles), annotations, resolution)
    df = _doc_freq(features)
    idf = _idf(features, df)
    rare = rare_place(lambda k: df.get(k, 0), len(features))
    default_idf = math.log(len(features) + BACKGROUND)
    index = _Index()
    clusters: dict[str, ClusterState] = {}
    previous_by_id = {c.id: c for c in previous}
    known_articles: set[str] = set()

    for old in previous:
        state = ClusterState(old.id, refs=set(old.sentences), articles=set(old.article_ids))
        state.founder = min((r.article_id for r in old.sentences), default="")
        state.basis = {b.article_id: b for b in old.basis}
        clusters[old.id] = state
        known_articles.update(old.article_ids)
        by_article: dict[str, list[int]] = defaultdict(list)
        for ref in old.sentences:
            by_article[ref.article_id].append(ref.sentence)
        state.founder_main = False
        for article_id, indices in by_article.items():
            feats = features.get(article_id)
            if feats is None:
                continue
            chosen = [feats.sentences[i] for i in indices if i < len(feats.sentences)]
            main = 0 in indices or len(chosen) * 2 >= len(feats.sentences)
            state.founder_main |= main
            unit = _unit(feats, chosen, main)
            _add(state, unit, _vector(unit.counts, idf, default_idf), index)

    new = [a for a in articles if a.id not in known_articles and a.id in features]
    new.sort(key=lambda a: (features[a.id].published or date.max, a.id))
    for article in new:
        feats = features[article.id]
        threads: list[Thread] = split_threads(feats)
        own_main = None
        for thread in threads:
            unit = _unit(feats, thread.sentences, thread.main)
            if not unit.refs and not thread.main:
                continue
            vec = _vector(unit.counts, idf, default_idf)
            # a side story is never folded back into its own article's main story
            best_id, basis = choose_cluster(
                unit, vec,
                ((cid, clusters[cid]) for cid in index.candidates(vec)
                 if thread.main or cid != own_main),
                rare,
            )
            if best_id is None:
                founder = unit.refs[0] if unit.refs else SentenceRef(article.id, 0)
                best_id = event_id(founder)
                clusters[best_id] = ClusterState(
                    best_id, founder_main=thread.main, founder=founder.article_id
                )
            cluster = clusters[best_id]
            side = None if thread.main else unit.counts  # a side story: why apart
            record_basis(cluster, basis or founded(article.id, side))
            cluster.touched = True
            if thread.main:
                own_main = best_id
            _add(cluster, unit, vec, index)
            if not unit.refs:
                cluster.articles.add(article.id)

    dates = {cid: state.event_date()[0] for cid, state in clusters.items()}
    main_of = _main_clusters(clusters)
    out = []
    for cid in sorted(clusters):
        state = clusters[cid]
        old = previous_by_id.get(cid)
        if old is not None and not state.touched:
            out.append(old)
            continue
        day = dates[cid] or _borrowed_date(state, features, main_of, dates)
        out.append(cluster_record(state, day, _title(state, features), cluster_basis(state)))
    return tuple(out)


def cluster_record(
    state: ClusterState, day: date | None, title: str | None, basis: tuple[JoinBasis, ...]
) -> EventCluster:
    """The record of a cluster's state, on its (own or borrowed) day."""
    return EventCluster(
        id=state.id,
        article_ids=tuple(sorted(state.articles)),
        sentences=tuple(sorted(state.refs, key=lambda r: (r.article_id, r.sentence))),
        date=day.isoformat() if day else None,
        date_precision="day" if day else None,
        title=title,
        basis=basis,
    )


def cluster_basis(state: ClusterState) -> tuple[JoinBasis, ...]:
    """One basis per member article that has one, by article id."""
    return tuple(state.basis[a] for a in sorted(state.articles) if a in state.basis)


def _main_clusters(clusters: Mapping[str, ClusterState]) -> dict[str, str]:
    """Each article's main cluster: the one holding most of its sentences."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for cid, state in clusters.items():
        for ref in state.refs:
            counts[ref.article_id][cid] += 1
    return {aid: min(c.items(), key=lambda kv: (-kv[1], kv[0]))[0] for aid, c in counts.items()}


def _borrowed_date(
    state: ClusterState,
    features: Mapping[str, ArticleFeatures],
    main_of: Mapping[str, str],
    dates: Mapping[str, date | None],
) -> date | None:
    """A side story told without a date of its own: "on Tuesday" in the week of the main story."""
    for ref in sorted(state.refs, key=lambda r: (r.article_id, r.sentence)):
        main = main_of.get(ref.article_id)
        anchor = dates.get(main) if main and main != state.id else None
        feats = features.get(ref.article_id)
        if anchor is None or feats is None or ref.sentence >= len(feats.sentences):
            continue
        for relative in feats.sentences[ref.sentence].relatives:
            weekday = weekday_in(relative)
            if weekday is not None:
                return resolve_weekday(anchor, weekday)
    for aid in sorted(state.articles):  # else the day it was reported
        feats = features.get(aid)
        main = main_of.get(aid)
        if feats is not None and feats.published is not None:
            return feats.published
        if main and main != state.id and dates.get(main):
            return dates[main]
    return None


def _title(state: ClusterState, features: Mapping[str, ArticleFeatures]) -> str | None:
    """A main story's article title; a side story's own opening sentence."""
    if state.founder_main:
        founder = features.get(state.founder)
        own = language(founder.article) if founder else None
        # a title in the founder's language: reports that joined from another read later
        ranked = sorted(state.articles)
        if own is not None:
            ranked.sort(key=lambda a: (f := features.get(a)) is None or language(f.article) != own)
        for article_id in ranked:
            feats = features.get(article_id)
            if feats and feats.article.title:
                return feats.article.title
    for ref in sorted(
        state.refs, key=lambda r: (r.article_id != state.founder, r.article_id, r.sentence)
    ):
        feats = features.get(ref.article_id)
        if feats is None or ref.sentence >= len(feats.sentences):
            continue
        s = feats.sentences[ref.sentence]
        if len(s.terms) >= 4:  # headings and captions make poor titles
            sentence = feats.article.text[s.start : s.end]
            words = sentence[heading_lines_end(sentence) :].split()
            return " ".join(words[:14]) + (" …" if len(words) > 14 else "")
    return None
