"""A report that opened an event of its own while the ledger was young is placed again later.

A first batch of two dozen reports of one dam burst makes the burst's own words look
common, so one more report of it, told mostly in other words, opens an event of its own;
over everything (the burst among sixty unrelated reports) the same report joins the
burst. Once the ledger has doubled, the stored path compares the lone event again and
ends where the run over everything does; so does a small event of a few such reports.
Before the doubling, or with nothing that takes it, a lone event stays as it is.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from newsledger.group import cluster_events, young
from newsledger.group.features import article_features
from newsledger.group.incremental import SMALL_EVENT, cluster_batch, load_clusters
from newsledger.group.young import place_young_again
from newsledger.model import Article, JoinBasis, Resolution
from newsledger.pipeline import analyze
from newsledger.store import LedgerStore
from newsledger.store.sql import clusters_table
from newsledger.store.state import inc_young
from tests.test_group_events import article, by_article

DAY = "2024-05-14"
PARTS = ["The Kellmoor dam burst before dawn", "floodwater swept through the villages",
         "rescue crews pulled survivors from rooftops", "the river rose through the morning",
         "boats reached families downstream", "officials opened shelters in schools"]


def _word(n: int) -> str:
    """A made-up word of its own for each n: texts that share nothing but their frame."""
    out = ""
    for _ in range(3):
        out += "bcdfghjklmnpqrstvwxz"[n % 20] + "aeiou"[n % 5]
        n //= 20
    return out


def _sentence(part: str) -> str:
    return part[0].upper() + part[1:]


BURST = [article(f"burst{i}", ". ".join(_sentence(PARTS[(i + k) % 6]) for k in range(4))
                 + f". One witness, {_word(900 + i).capitalize()}, described it.", DAY)
         for i in range(24)]
WARNED = article("warned", "Engineers had warned that the Kellmoor dam was cracked. It burst "
                 "before dawn, floodwater swept through the villages and the river rose.", DAY)
OTHERS = [article(f"other{i}", f"The {_word(3 * i)} of the {_word(3 * i + 1)} was "
                  f"{_word(3 * i + 2)}.", DAY) for i in range(60)]
# The same report as the extractor reads it (names and places on top of the words): the
# wording that is borderline, apart in the young ledger and joined over everything, differs.
WARNED_EXTRACTED = article("warned", "Engineers had warned that the Kellmoor dam was cracked. "
                           "The Kellmoor dam burst before dawn, floodwater swept through the "
                           "villages and the river rose.", DAY)
NO_ONE = Resolution(())


def _features(arts: list[Article]) -> dict:
    return {a.id: article_features(a, None, NO_ONE) for a in arts}


def _lone(conn) -> dict[str, tuple[str, int]]:
    return {cid: (aid, at) for cid, aid, at in conn.execute(
        select(inc_young.c.cluster_id, inc_young.c.article_id, inc_young.c.placed_at))}


def test_over_everything_the_report_joins_the_burst():
    assigned = by_article(cluster_events([*BURST, WARNED, *OTHERS], {}, NO_ONE, ()))
    assert assigned[WARNED.id] == assigned[BURST[0].id]


def test_the_lone_event_of_a_young_ledger_joins_once_the_ledger_has_doubled(tmp_path: Path):
    feats = _features([*BURST, WARNED, *OTHERS])
    store = LedgerStore(f"sqlite:///{tmp_path}/ledger.sqlite")
    store.add_articles([*BURST, WARNED, *OTHERS])
    with store.transaction() as conn:
        first = cluster_batch(conn, {a.id: feats[a.id] for a in [*BURST, WARNED]}, feats.get)
        assert place_young_again(conn, feats.get, 100) == ([], {})  # nothing due yet
        lone = next(c.id for c in first if c.article_ids == (WARNED.id,))
        assert _lone(conn)[lone] == (WARNED.id, len(BURST) + 1)
        burst = next(c.id for c in first if BURST[0].id in c.article_ids)
        assert burst not in _lone(conn)
    with store.transaction() as conn:
        cluster_batch(conn, {a.id: feats[a.id] for a in OTHERS[:5]}, feats.get)
        assert place_young_again(conn, feats.get, 100) == ([], {})  # not yet doubled
        assert lone in _lone(conn)
    with store.transaction() as conn:
        cluster_batch(conn, {a.id: feats[a.id] for a in OTHERS[5:]}, feats.get)
        grown, absorbed = place_young_again(conn, feats.get, 100)
        assert absorbed == {lone: burst}
        assert [c.id for c in grown] == [burst]
        assert set(grown[0].article_ids) == {a.id for a in BURST} | {WARNED.id}
        why = next(b for b in grown[0].basis if b.article_id == WARNED.id)
        assert why.rule == "wording" and why.score is not None and why.score > 0.25
        # the unrelated reports nothing took wait for the next doubling of the ledger
        n_docs = len(BURST) + 1 + len(OTHERS)
        others = {c.id: c.article_ids[0] for c in load_clusters(conn, sorted(_lone(conn)))}
        assert _lone(conn) == {cid: (aid, n_docs) for cid, aid in others.items()}
        assert sorted(others.values()) == sorted(a.id for a in OTHERS)
    store.close()


def test_at_most_the_limit_is_looked_at_oldest_first(tmp_path: Path):
    feats = _features(OTHERS)
    store = LedgerStore(f"sqlite:///{tmp_path}/ledger.sqlite")
    store.add_articles(OTHERS)
    for batch in (OTHERS[:10], OTHERS[10:20], OTHERS[20:]):
        with store.transaction() as conn:
            cluster_batch(conn, {a.id: feats[a.id] for a in batch}, feats.get)
    with store.transaction() as conn:
        before = _lone(conn)
        assert sorted(at for _, at in before.values()) == [10] * 10 + [20] * 10 + [60] * 40
        assert place_young_again(conn, feats.get, 3) == ([], {})  # 20 due, nothing takes one
        after = _lone(conn)
    store.close()
    looked = {cid for cid in before if after[cid] != before[cid]}
    assert len(looked) == 3
    assert all(before[cid][1] == 10 and after[cid][1] == len(OTHERS) for cid in looked)


# A report published the day before the others is placed first in its run, when no event
# of the burst exists yet; the burst's reports, placed after it, open their own event.
EARLY = article("early", "Residents said floodwater swept through the villages, and officials "
                "opened shelters in schools after the dam gave way.", "2024-05-13")


def test_a_lone_event_the_run_opened_is_looked_at_again_at_the_runs_end(tmp_path: Path):
    arts = [EARLY, *BURST, *OTHERS]
    feats = _features(arts)
    store = LedgerStore(f"sqlite:///{tmp_path}/ledger.sqlite")
    store.add_articles(arts)
    with store.transaction() as conn:
        placed = cluster_batch(conn, feats, feats.get)
        lone = next(c.id for c in placed if c.article_ids == (EARLY.id,))
        burst = next(c.id for c in placed if BURST[0].id in c.article_ids)
        assert EARLY.id not in next(c for c in placed if c.id == burst).article_ids
        assert _lone(conn)[lone] == (EARLY.id, len(arts))
        # the events the run did not change are as the report met them: none takes it
        assert place_young_again(conn, feats.get, 200, changed={lone}) == ([], {})
        grown, absorbed = place_young_again(conn, feats.get, 200, {c.id for c in placed})
        assert absorbed == {lone: burst}
        assert set(grown[0].article_ids) == {a.id for a in BURST} | {EARLY.id}
        # looked at once: the unrelated lone reports wait for the ledger to double
        n_docs = len(arts)
        assert sorted(at for _, at in _lone(conn).values()) == [n_docs] * len(OTHERS)
    later = article("later", "The Zorvan fair opens on Friday with music and stalls.", DAY)
    store.add_articles([later])
    with store.transaction() as conn:
        cluster_batch(conn, _features([later]), feats.get)
        before = _lone(conn)
        assert place_young_again(conn, feats.get, 200) == ([], {})
        after = _lone(conn)
    store.close()
    # only the run's own lone event was looked at; the earlier ones were not due again
    assert [cid for cid in before if before[cid] != after[cid]] == []
    assert sorted(at for _, at in after.values()) == [n_docs] * len(OTHERS) + [n_docs + 1]


@pytest.mark.parametrize("later", [10, 60], ids=["past-the-prior", "doubled"])
def test_a_run_below_the_idf_prior_leaves_its_lone_events_until_the_ledger_passes_it(
        tmp_path: Path, later: int):
    first = [EARLY, *BURST[:20]]  # 21 documents: the IDF's prior of 30 outweighs them
    arts = [*first, *OTHERS[:later]]  # 31 (past the prior, far from doubled) or 81
    feats = _features(arts)
    store = LedgerStore(f"sqlite:///{tmp_path}/ledger.sqlite")
    store.add_articles(arts)
    with store.transaction() as conn:
        placed = cluster_batch(conn, {a.id: feats[a.id] for a in first}, feats.get)
        lone = next(c.id for c in placed if c.article_ids == (EARLY.id,))
        burst = next(c.id for c in placed if BURST[0].id in c.article_ids)
        assert place_young_again(conn, feats.get, 200, {c.id for c in placed}) == ([], {})
        assert _lone(conn)[lone] == (EARLY.id, len(first))
    with store.transaction() as conn:
        placed = cluster_batch(conn, {a.id: feats[a.id] for a in OTHERS[:later]}, feats.get)
        assert burst not in {c.id for c in placed}  # not one the run changed
        _, absorbed = place_young_again(conn, feats.get, 200, {c.id for c in placed})
        assert absorbed.get(lone) == burst
        # the run's unrelated reports were looked at once and wait for the next doubling
        assert sorted(at for _, at in _lone(conn).values()) == [len(arts)] * later
    store.close()


# One more report of the warning, in the next run: it joins the lone report of it, so the
# two make a small event of their own, which the young ledger kept apart from the burst.
WARNED_AGAIN = article("warned-again", "Engineers had long warned that the Kellmoor dam was "
                       "cracked. It burst before dawn, floodwater swept through the villages "
                       "and the river rose.", DAY)


def test_a_small_event_of_a_young_ledger_joins_once_the_ledger_has_doubled(tmp_path: Path):
    arts = [*BURST, WARNED, WARNED_AGAIN, *OTHERS]
    assigned = by_article(cluster_events(arts, {}, NO_ONE, ()))
    assert assigned[WARNED.id] == assigned[WARNED_AGAIN.id] == assigned[BURST[0].id]
    feats = _features(arts)
    store = LedgerStore(f"sqlite:///{tmp_path}/ledger.sqlite")
    store.add_articles(arts)
    with store.transaction() as conn:
        first = cluster_batch(conn, {a.id: feats[a.id] for a in [*BURST, WARNED]}, feats.get)
        burst = next(c.id for c in first if BURST[0].id in c.article_ids)
    with store.transaction() as conn:
        (pair,) = cluster_batch(conn, {WARNED_AGAIN.id: feats[WARNED_AGAIN.id]}, feats.get)
        assert set(pair.article_ids) == {WARNED.id, WARNED_AGAIN.id}
        assert place_young_again(conn, feats.get, 100) == ([], {})  # not yet doubled
        assert _lone(conn)[pair.id] == (WARNED.id, len(BURST) + 1)  # still small, still due
    with store.transaction() as conn:
        cluster_batch(conn, {a.id: feats[a.id] for a in OTHERS}, feats.get)
        grown, absorbed = place_young_again(conn, feats.get, 100)
        assert absorbed == {pair.id: burst}
        assert set(grown[0].article_ids) == {a.id for a in BURST} | {WARNED.id, WARNED_AGAIN.id}
        assert {b.article_id for b in grown[0].basis
                if b.rule == "wording"} >= {WARNED.id, WARNED_AGAIN.id}
        assert pair.id not in _lone(conn) and burst not in _lone(conn)
    store.close()


def test_an_event_grown_past_a_small_one_is_not_placed_again(tmp_path: Path):
    copies = [article(f"copy{i}", WARNED.text, DAY) for i in range(SMALL_EVENT)]
    arts = [*OTHERS[:40], WARNED, *copies]
    feats = _features(arts)
    store = LedgerStore(f"sqlite:///{tmp_path}/ledger.sqlite")
    store.add_articles(arts)
    with store.transaction() as conn:
        placed = cluster_batch(conn, {a.id: feats[a.id] for a in [*OTHERS[:40], WARNED]},
                               feats.get)
        lone = next(c.id for c in placed if c.article_ids == (WARNED.id,))
    with store.transaction() as conn:
        cluster_batch(conn, {a.id: feats[a.id] for a in copies[:-1]}, feats.get)
        assert lone in _lone(conn)  # SMALL_EVENT reports: still small
        cluster_batch(conn, {copies[-1].id: feats[copies[-1].id]}, feats.get)
        held = next(c for c in load_clusters(conn, [lone]))
        assert len(held.article_ids) == SMALL_EVENT + 1
        assert lone not in _lone(conn)
    store.close()


def test_an_event_that_took_one_and_is_then_taken_hands_everything_on(
        tmp_path: Path, monkeypatch):
    """Bookkeeping of one call: A joins B, then B (still small) joins C. The choices are
    scripted, since which event a unit prefers is the placement rules' business."""
    feats = _features(OTHERS)
    store = LedgerStore(f"sqlite:///{tmp_path}/ledger.sqlite")
    store.add_articles(OTHERS)
    for batch in (OTHERS[:20], OTHERS[20:]):
        with store.transaction() as conn:
            cluster_batch(conn, {a.id: feats[a.id] for a in batch}, feats.get)
    with store.transaction() as conn:
        due = sorted(cid for cid, (_, at) in _lone(conn).items() if at == 20)
        a, b, c = due[:3]
        founder = {cid: aid for cid, (aid, _) in _lone(conn).items()}
        seen: list[str] = []

        def scripted(unit, vec, candidates, rare):  # A: B at first, C once in B; B: C
            seen.append(unit.article_id)
            if unit.article_id == founder[a]:
                return (b if seen.count(founder[a]) == 1 else c), JoinBasis(
                    unit.article_id, "wording", 0.5, ())
            if unit.article_id == founder[b]:
                return c, JoinBasis(unit.article_id, "wording", 0.5, ())
            return None, None

        monkeypatch.setattr(young, "choose_cluster", scripted)
        grown, absorbed = place_young_again(conn, feats.get, 100)
        assert absorbed == {a: c, b: c}
        assert [r.id for r in grown] == [c]
        members = {founder[a], founder[b], founder[c]}
        assert set(grown[0].article_ids) == members
        assert {x.article_id for x in grown[0].basis} == members
        stored = set(conn.execute(select(clusters_table.c.id)).scalars())
        assert c in stored and not stored & {a, b}
    store.close()


def _jsonl(path: Path, arts: list[Article]) -> str:
    path.write_text("".join(json.dumps({"id": a.path_or_url, "text": a.text,
                                        "published": a.published}) + "\n" for a in arts),
                    encoding="utf-8")
    return str(path)


def _ids(ledger: dict) -> dict[str, str]:
    """Record key (the part of the path after '#') -> the ledger's article id."""
    return {a["path_or_url"].rsplit("#", 1)[1]: a["id"] for a in ledger["articles"]}


def _placed(out: Path, article: Article) -> tuple[dict[str, dict], set[str]]:
    """The ledger's events, and the record keys of the articles in ``article``'s event."""
    ledger = json.loads((out / "ledger.json").read_text("utf-8"))
    key_of = {v: k for k, v in _ids(ledger).items()}
    events = {e["id"]: e for e in ledger["events"]}
    mine = next(e for e in events.values()
                if any(key_of[a] == article.path_or_url for a in e["article_ids"]))
    return events, {key_of[a] for a in mine["article_ids"]}


def test_the_pipeline_drops_the_absorbed_event_as_one_run_over_everything_places_it(
        tmp_path: Path):
    together = {a.path_or_url for a in [*BURST, WARNED_EXTRACTED]}
    one = tmp_path / "one"
    analyze([_jsonl(tmp_path / "all.jsonl", [*BURST, WARNED_EXTRACTED, *OTHERS])], one)
    assert _placed(one, WARNED_EXTRACTED)[1] == together

    out = tmp_path / "ledger"
    analyze([_jsonl(tmp_path / "first.jsonl", [*BURST, WARNED_EXTRACTED])], out)
    events, placed = _placed(out, WARNED_EXTRACTED)
    assert placed == {WARNED_EXTRACTED.path_or_url}  # apart in the young ledger
    lone = next(eid for eid, e in events.items() if len(e["article_ids"]) == 1)
    analyze([_jsonl(tmp_path / "later.jsonl", OTHERS)], out)
    events, placed = _placed(out, WARNED_EXTRACTED)
    assert lone not in events
    assert placed == together
    warned = _ids(json.loads((out / "ledger.json").read_text("utf-8")))["warned"]
    held = next(e for e in events.values() if warned in e["article_ids"])
    assert len(held["basis"]) == len(together)  # every member says why it is there
    assert [b["rule"] for b in held["basis"] if b["article_id"] == warned] == ["wording"]

    # the absorbed event's id, cited before, leads to the event that holds its report now
    from fastapi.testclient import TestClient

    from newsledger.web.app import create_app

    with TestClient(create_app(out)) as client:
        page = client.get(f"/events/{lone}", follow_redirects=False)
        assert page.status_code == 307
        assert page.headers["location"] == f"/events/{held['id']}"
        assert client.get(f"/api/events/{lone}").json()["id"] == held["id"]
        assert client.get("/api/events/ev-000000000000").status_code == 404
