"""A small event opened while the ledger was young is placed again once it has grown.

An article is placed once, with the document frequencies of the ledger at that moment.
In a young ledger they mislead: the first batches hold a few happenings, so each one's
own words look common and weigh little, and a report told in other words than the
first ones opens an event of its own where a run over everything would have joined
it; the next reports told in those words join it, not the main event. ``inc_young``
remembers every event of at most ``SMALL_EVENT`` reports when it opened and the number
of documents the IDF counted then; once that number has doubled, each of its units is
compared again, through the stored postings and with the same wording and identity rules
(:func:`newsledger.group.events.choose_cluster`), with the events that exist now. If
all of them choose one event, the small event is absorbed into it (its id and record are
gone, as after a merge); if none does, or they disagree, it waits for the next doubling.
An event the current run opened is also looked at once at the run's end, against the
events the run changed: a run places its articles one after the other, so the first ones
saw none of the events its later ones built (a first analyze of a thousand reports, each
happening's reports scattered through it), while every other event is as it was when they
were placed. Not in a ledger of fewer documents than the IDF's prior (``BACKGROUND``):
there every word still looks common, and the grown events of a dozen reports on related
politics take reports of another happening (NewsWCL50 in arrival order, BENCHMARKS.md).
For the same reason an event placed in such a ledger is looked at again as soon as the
ledger holds that many documents, doubled or not.
So each small event is looked at about 1 + log2(ledger size) times in its life, and at
most ``limit`` of them in one run (oldest first), which keeps the cost of a run bound to
its new articles.

Never placed again: an event that grew past ``SMALL_EVENT`` reports, or one a correction
made (corrections are replayed after this step and win). No unit joins an event that
holds one of its own reports (a side story and its article's main story stay apart, as
at their first placement).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Sequence

from sqlalchemy import Connection, delete, or_, select, update

from newsledger.group.corrections import _State
from newsledger.group.events import BACKGROUND, ClusterState, Unit, choose_cluster, rare_place
from newsledger.group.features import ArticleFeatures
from newsledger.group.incremental import (
    SMALL_EVENT,
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
PER_NEW_ARTICLE = 2  # small events looked at again per new article of the run (about what
# a steady ledger makes due per article: see docs/scale.md)
MIN_PER_RUN = 20


def limit_for(new_articles: int) -> int:
    """How many small events one run looks at again: proportional to what is new."""
    return MIN_PER_RUN + PER_NEW_ARTICLE * new_articles


def place_young_again(
    conn: Connection, features_of: Features, limit: int,
    changed: Collection[str] | None = None,
) -> tuple[list[EventCluster], dict[str, str]]:
    """Events that absorbed a small event (their new records), and the event that absorbed
    each small event gone.

    ``changed``: the events this run placed articles in. A small event the run opened has
    met every other event already, as it is now and with the same IDF, so only these are
    compared with it again (None: all).
    """
    idf = _Idf(conn, {})
    recent = frozenset(changed or ())
    due_now = inc_young.c.placed_at * GROWTH <= idf.n_docs
    if idf.n_docs >= BACKGROUND:  # fewer documents than the IDF's prior tell little apart
        due_now = or_(due_now, inc_young.c.placed_at == idf.n_docs,  # opened by this run
                      inc_young.c.placed_at < BACKGROUND)  # placed when nothing told apart
    due = conn.execute(
        select(inc_young.c.cluster_id, inc_young.c.placed_at)
        .where(due_now)
        .order_by(inc_young.c.placed_at, inc_young.c.cluster_id).limit(limit)).all()
    if not due:
        return [], {}
    rare = rare_place(idf.doc_freq, idf.n_docs)
    moving = _State(conn, features_of)
    loaded: dict[str, ClusterState] = {}
    absorbed: dict[str, str] = {}  # small event -> the event that took it
    taken: dict[str, dict[str, JoinBasis]] = defaultdict(dict)  # event -> article -> why
    before: dict[str, EventCluster] = {}

    def state_of(cid: str) -> ClusterState:
        if cid not in loaded:
            loaded[cid] = stored_state(conn, cid, idf)[0]
        return loaded[cid]

    for cid, placed_at in due:
        this_run = changed is not None and placed_at == idf.n_docs
        exists = conn.execute(select(inc_cluster_state.c.id)
                              .where(inc_cluster_state.c.id == cid)).scalar_one_or_none()
        state, units = stored_state(conn, cid, idf) if exists else (None, [])
        if state is None or len(state.articles) > SMALL_EVENT or not units:
            conn.execute(delete(inc_young).where(inc_young.c.cluster_id == cid))
            continue  # gone, grown or rebuilt: nothing to place again
        allowed = {c for c in recent | set(taken) if c != cid} if this_run else None
        best, bases = _one_choice(conn, units, state, rare, idf, state_of, allowed)
        if best is None:
            conn.execute(update(inc_young).where(inc_young.c.cluster_id == cid)
                         .values(placed_at=idf.n_docs))
            continue
        if best not in before:
            before.update({c.id: c for c in load_clusters(conn, [best])})
        size = len(state.articles | state_of(best).articles)
        moving.absorb_cluster(cid, best)
        moving.save(set(), only={best})  # the stored state stays what the next reads
        gone = [cid, best] if size > SMALL_EVENT else [cid]  # a small one stays small
        conn.execute(delete(inc_young).where(inc_young.c.cluster_id.in_(gone)))
        loaded.pop(best, None)  # its centroid now holds the unit
        absorbed[cid] = best
        # an event that absorbed another earlier in this call hands on what it took
        absorbed.update({gone_id: best for gone_id, into in absorbed.items() if into == cid})
        for aid, basis in (*bases.items(), *taken.pop(cid, {}).items(),
                           *state.basis.items()):  # members without sentences keep theirs
            taken[best].setdefault(aid, basis)
        before.pop(cid, None)
    records = []
    for target in sorted(taken):
        moving.keep_bases(target, taken[target])
        old = before[target].basis if target in before else ()
        records.append(moving.record(target, (*old, *taken[target].values())))
    save_clusters(conn, records)
    return records, absorbed


def _one_choice(
    conn: Connection, units: Sequence[Unit], state: ClusterState,
    rare: Callable[[str], bool], idf: _Idf, state_of: Callable[[str], ClusterState],
    allowed: Collection[str] | None,
) -> tuple[str | None, dict[str, JoinBasis]]:
    """The event every unit of a small event would join now, and why each report does.

    Each thread is placed as at its first placement; the event moves only if all choose
    the same one: a pair of reports that only one of them ties to another event stays.
    No unit joins an event holding one of its own reports (a side story and its
    article's main story stay apart). ``allowed``: the only events it may join (None: any).
    """
    chosen: str | None = None
    bases: dict[str, JoinBasis] = {}
    for unit in units:
        vec = idf.vector(unit.counts)
        found = [c for c in stored_candidates(conn, vec)
                 if c != state.id and (allowed is None or c in allowed)
                 and not state.articles & state_of(c).articles]
        best, basis = choose_cluster(unit, vec, ((c, state_of(c)) for c in found), rare)
        if best is None or basis is None or (chosen is not None and best != chosen):
            return None, {}
        chosen = best
        bases.setdefault(unit.article_id, basis)
    return chosen, bases
