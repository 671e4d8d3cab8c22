"""A report that opened an event while the ledger was young is placed again once it has grown.

An article is placed once, with the document frequencies of the ledger at that moment.
In a young ledger they mislead: the first batches hold a few happenings, so each one's
own words look common and weigh little, and a report told in other words than the
first ones opens an event of its own where a run over everything would have joined
it. ``inc_young`` remembers every event opened by one article and the number of
documents the IDF counted then; once that number has doubled, the article's unit is
compared again, through the stored postings and with the same wording and identity rules
(:func:`newsledger.group.events.choose_cluster`), with the events that exist now. If
one takes it, the lone event is absorbed into it (its id and record are gone, as after
a merge); if none does, it waits for the next doubling. An event the current run opened is
also looked at once at the run's end, against the events the run changed: a run places
its articles one after the other, so the first ones saw none of the events its later
ones built (a first analyze of a thousand reports, each happening's reports scattered
through it), while every other event is as it was when they were placed. Not in a ledger
of fewer documents than the IDF's prior (``BACKGROUND``): there every word still looks
common, and the grown events of a dozen reports on related politics take reports of
another happening (NewsWCL50 in arrival order, BENCHMARKS.md). So each lone event is
looked at about 1 + log2(ledger size) times in its life, and at most ``limit`` of them in
one run (oldest first), which keeps the cost of a run bound to its new articles.

Never placed again: an event that gained a second article, or one a correction made
(corrections are replayed after this step and win). A lone side story never joins the
event that holds its own article's main story, as at its first placement.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection

from sqlalchemy import Connection, delete, or_, select, update

from newsledger.group.corrections import _State
from newsledger.group.events import BACKGROUND, ClusterState, choose_cluster, rare_place
from newsledger.group.features import ArticleFeatures
from newsledger.group.incremental import (
    _Idf,
    load_clusters,
    save_clusters,
    stored_candidates,
    stored_state,
)
from newsledger.model import EventCluster, JoinBasis
from newsledger.store.state import inc_cluster_state, inc_young

Features = Callable[[str], ArticleFeatures | None]
GROWTH = 2  # placed again once the ledger holds this many times the documents
PER_NEW_ARTICLE = 2  # lone events looked at again per new article of the run (about what
# a steady ledger makes due per article: see docs/scale.md)
MIN_PER_RUN = 20


def limit_for(new_articles: int) -> int:
    """How many lone events one run looks at again: proportional to what is new."""
    return MIN_PER_RUN + PER_NEW_ARTICLE * new_articles


def place_young_again(
    conn: Connection, features_of: Features, limit: int,
    changed: Collection[str] | None = None,
) -> tuple[list[EventCluster], dict[str, str]]:
    """Events that absorbed a lone event (their new records), and the event that absorbed
    each lone event gone.

    ``changed``: the events this run placed articles in. A lone event the run opened has
    met every other event already, as it is now and with the same IDF, so only these are
    compared with it again (None: all).
    """
    idf = _Idf(conn, {})
    recent = frozenset(changed or ())
    due_now = inc_young.c.placed_at * GROWTH <= idf.n_docs
    if idf.n_docs >= BACKGROUND:  # fewer documents than the IDF's prior tell little apart
        due_now = or_(due_now, inc_young.c.placed_at == idf.n_docs)  # opened by this run
    due = conn.execute(
        select(inc_young.c.cluster_id, inc_young.c.article_id, inc_young.c.placed_at)
        .where(due_now)
        .order_by(inc_young.c.placed_at, inc_young.c.cluster_id).limit(limit)).all()
    if not due:
        return [], {}
    rare = rare_place(idf.doc_freq, idf.n_docs)
    moving = _State(conn, features_of)
    loaded: dict[str, ClusterState] = {}
    absorbed: dict[str, str] = {}  # lone event -> the event that took it
    taken: dict[str, dict[str, JoinBasis]] = defaultdict(dict)  # event -> article -> why
    before: dict[str, EventCluster] = {}

    def state_of(cid: str) -> ClusterState:
        if cid not in loaded:
            loaded[cid] = stored_state(conn, cid, idf)[0]
        return loaded[cid]

    for cid, aid, placed_at in due:
        this_run = changed is not None and placed_at == idf.n_docs
        exists = conn.execute(select(inc_cluster_state.c.id)
                              .where(inc_cluster_state.c.id == cid)).scalar_one_or_none()
        state, units = stored_state(conn, cid, idf) if exists else (None, [])
        if state is None or state.articles != {aid} or len(units) != 1:
            conn.execute(delete(inc_young).where(inc_young.c.cluster_id == cid))
            continue  # gone, grown or rebuilt: nothing to place again
        unit = units[0]
        vec = idf.vector(unit.counts)
        found = [c for c in stored_candidates(conn, vec)
                 if c != cid and (not this_run or c in recent or c in taken)
                 and aid not in state_of(c).articles]
        best, basis = choose_cluster(unit, vec, ((c, state_of(c)) for c in found), rare)
        if best is None or basis is None:
            conn.execute(update(inc_young).where(inc_young.c.cluster_id == cid)
                         .values(placed_at=idf.n_docs))
            continue
        if best not in before:
            before.update({c.id: c for c in load_clusters(conn, [best])})
        moving.absorb_cluster(cid, best)
        moving.save(set(), only={best})  # the stored state stays what the next reads
        conn.execute(delete(inc_young).where(inc_young.c.cluster_id.in_([cid, best])))
        loaded.pop(best, None)  # its centroid now holds the unit
        absorbed[cid] = best
        taken[best][aid] = basis
    records = []
    for target in sorted(taken):
        moving.keep_bases(target, taken[target])
        old = before[target].basis if target in before else ()
        records.append(moving.record(target, (*old, *taken[target].values())))
    save_clusters(conn, records)
    return records, absorbed
