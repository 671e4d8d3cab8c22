"""The ledger tables: the write API of the incremental pipeline and the streaming read side."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from sqlalchemy import func, select, text

from newsledger.codec import from_data
from newsledger.model import (
    Article,
    Claim,
    Conflict,
    Entity,
    EntityMention,
    EventRecord,
    Evidence,
    Ledger,
    OriginGroup,
)
from newsledger.report.ledger_json import ledger_to_data
from newsledger.store import LedgerStore
from newsledger.store import ledger_tables as lt
from tests.postgres.conftest import pg_url  # noqa: F401  (the PostgreSQL variant's fixture)


def _article(i: int, published: str | None = "2024-03-1%d") -> Article:
    return Article(
        id=f"a-{i}",
        content_hash=f"h-{i}",
        path_or_url=f"/in/{i}.txt",
        text=f"Article {i}: shelling of Белгород reported.",
        title=f"Shelling report {i}",
        published=published % i if published else None,
    )


def _entity(eid: str, name: str, *mentions: tuple[str, int, int], kind: str = "GPE") -> Entity:
    return Entity(
        id=eid,
        type=kind,
        name=name,
        aliases=(name, name.upper()),
        mentions=tuple(EntityMention(a, s, e, name) for a, s, e in mentions),
    )


def _claim(
    cid: str, event: str, statement: str, *, claimant: str = "p-1", art: str = "a-1"
) -> Claim:
    return Claim(
        id=cid,
        event_id=event,
        statement=statement,
        claimants=(claimant,),
        polarity="asserts",
        quantities=(),
        evidence=(Evidence(art, 0, 9, "Article 1"),),
        outlets=("Wire",),
        independent_origins=1,
        status="single-source",
    )


def _event(eid: str, date: str, articles: tuple[str, ...], claims: tuple[str, ...]) -> EventRecord:
    return EventRecord(
        id=eid,
        title=f"Shelling of Belgorod ({eid})",
        date=date,
        date_precision="day",
        event_type="Explosions/Remote violence",
        sub_event_type="Shelling/artillery/missile attack",
        location="g-1",
        locations=("g-1",),
        actors=("p-1",),
        article_ids=articles,
        claim_ids=claims,
        fatalities=None,
    )


def small_ledger() -> Ledger:
    articles = tuple(_article(i) for i in (1, 2, 3))
    inferred = replace(
        articles[2], published="2024-03-12", published_inferred=True, published_basis="from event"
    )
    claims = (
        _claim("c-1", "e-1", "Two people were killed", art="a-1"),
        _claim("c-3", "e-1", "Nobody was hurt", art="a-2"),
        _claim("c-2", "e-2", "A drone was shot down", art="a-3"),
    )
    conflict = Conflict(
        "k-1", "contradiction", ("c-1", "c-3"), "killed vs nobody hurt", (("c-1",), ("c-3",))
    )
    return Ledger(
        articles=(articles[0], articles[1], inferred),
        origin_groups=(OriginGroup("o-1", ("a-1", "a-2"), "shared lede"),),
        events=(
            _event("e-1", "2024-03-11", ("a-1", "a-2"), ("c-1", "c-3")),
            _event("e-2", "2024-03-13", ("a-3",), ("c-2",)),
        ),
        entities=(
            _entity("g-1", "Belgorod", ("a-1", 28, 36), ("a-2", 28, 36), ("a-3", 28, 36)),
            _entity("p-1", "Vyacheslav Gladkov", ("a-1", 0, 7), kind="PERSON"),
        ),
        claims=claims,
        conflicts=(conflict,),
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    else:
        url = request.getfixturevalue("pg_url")
    with LedgerStore(url) as s:
        yield s


def _write(store: LedgerStore, ledger: Ledger) -> int:
    store.add_articles(
        [replace(a, published=None) if a.published_inferred else a for a in ledger.articles]
    )
    with lt.transaction(store) as conn:
        run = lt.begin_run(conn)
        lt.write_full_ledger(conn, ledger, run)
        lt.finish_run(conn, run, len(ledger.articles), len(ledger.events))
    return run


def _search(store: LedgerStore, words: str) -> list[str]:
    with lt.reading(store) as conn:
        if store.dialect == "sqlite":
            sql = (
                "SELECT event_id FROM ledger_search WHERE ledger_search MATCH :q ORDER BY event_id"
            )
            q = " ".join(f'"{w}"*' for w in lt.fold(words).split())
        else:
            sql = (
                "SELECT event_id FROM ledger_search WHERE tsv @@ to_tsquery('simple', :q) "
                "ORDER BY event_id"
            )
            q = " & ".join(f"{w}:*" for w in lt.fold(words).split())
        return list(conn.execute(text(sql), {"q": q}).scalars())


def test_full_ledger_round_trips_in_export_order(store):
    ledger = small_ledger()
    run = _write(store, ledger)
    with lt.reading(store) as conn:
        assert lt.has_ledger(conn)
        assert lt.last_finished_run(conn) == run
        back = lt.load_ledger(conn)
        assert lt.changed_event_ids(conn, run) == ["e-1", "e-2"]
    assert back == ledger
    assert ledger_to_data(back) == ledger_to_data(ledger)
    # the inferred date lives in ledger_article_dates, the stored article keeps none
    assert store.load_articles()[2].published is None
    assert back.articles[2].published == "2024-03-12"


def test_search_finds_titles_statements_and_entity_names_folded(store):
    _write(store, small_ledger())
    assert _search(store, "belgorod") == ["e-1", "e-2"]
    assert _search(store, "GLADKOV") == ["e-1", "e-2"]  # actor name
    assert _search(store, "killed") == ["e-1"]  # claim statement
    assert _search(store, "drone") == ["e-2"]
    assert _search(store, "shelling report 3") == ["e-2"]  # article title
    assert _search(store, "nonexistentword") == []


def test_replace_and_delete_events_keep_search_and_links_in_step(store):
    ledger = small_ledger()
    _write(store, ledger)
    with lt.transaction(store) as conn:
        run = lt.begin_run(conn)
        changed = replace(
            ledger.events[1], title="Drone downed over Kursk", article_ids=("a-2", "a-3")
        )
        claim = _claim("c-2", "e-2", "A drone was intercepted over Kursk", art="a-2")
        lt.replace_events(conn, run, [changed], [claim], [])
        lt.finish_run(conn, run, 0, 1)
    assert _search(store, "kursk") == ["e-2"]
    assert _search(store, "shot down") == []
    with lt.reading(store) as conn:
        assert lt.changed_event_ids(conn, run) == ["e-2"]
        back = lt.load_ledger(conn)
        links = (
            conn.execute(
                select(lt.ledger_event_articles.c.article_id)
                .where(lt.ledger_event_articles.c.event_id == "e-2")
                .order_by(lt.ledger_event_articles.c.article_id)
            )
            .scalars()
            .all()
        )
    assert links == ["a-2", "a-3"]
    assert [e.id for e in back.events] == ["e-1", "e-2"]
    assert back.events[1] == changed
    assert [c.id for c in back.claims] == ["c-1", "c-3", "c-2"]
    assert back.conflicts == ledger.conflicts  # e-1's conflict untouched

    with lt.transaction(store) as conn:
        lt.delete_events(conn, ["e-1"])
    assert _search(store, "belgorod") == ["e-2"]
    with lt.reading(store) as conn:
        back = lt.load_ledger(conn)
        assert conn.execute(select(func.count()).select_from(lt.ledger_claims)).scalar() == 1
    assert [e.id for e in back.events] == ["e-2"]
    assert back.conflicts == ()


def test_entities_upsert_mentions_and_merge(store):
    _write(store, small_ledger())
    with lt.transaction(store) as conn:
        lt.upsert_entities(conn, [_entity("g-2", "Bilhorod", ("a-9", 1, 2))])  # mentions ignored
        lt.add_entity_mentions(
            conn,
            [
                ("g-2", EntityMention("a-3", 40, 48, "Bilhorod")),
                ("g-2", EntityMention("a-3", 40, 48, "Bilhorod")),
            ],
        )
    with lt.reading(store) as conn:
        g2 = next(lt.iter_entities(conn, ids=["g-2"]))
        n = conn.execute(
            select(lt.ledger_entities.c.n_mentions).where(lt.ledger_entities.c.id == "g-2")
        ).scalar_one()
    assert g2.mentions == (EntityMention("a-3", 40, 48, "Bilhorod"),) and n == 1

    with lt.transaction(store) as conn:
        lt.merge_entities(conn, {"g-2": "g-1"})
    with lt.reading(store) as conn:
        entities = {e.id: e for e in lt.iter_entities(conn)}
        n = conn.execute(
            select(lt.ledger_entities.c.n_mentions).where(lt.ledger_entities.c.id == "g-1")
        ).scalar_one()
    assert "g-2" not in entities
    assert [(m.article_id, m.start) for m in entities["g-1"].mentions] == [
        ("a-1", 28),
        ("a-2", 28),
        ("a-3", 28),
        ("a-3", 40),
    ]
    assert n == 4


def test_origin_groups_and_dates_replace(store):
    _write(store, small_ledger())
    with lt.transaction(store) as conn:
        lt.replace_origin_groups(conn, [OriginGroup("o-2", ("a-2", "a-3"), "wire copy")], ["o-1"])
        lt.set_article_dates(conn, [replace(_article(1), published="2024-03-01")])
    with lt.reading(store) as conn:
        groups = list(lt.iter_origin_groups(conn))
        articles = {a.id: (a, g) for a, g in lt.iter_articles(conn)}
    assert groups == [OriginGroup("o-2", ("a-2", "a-3"), "wire copy")]
    assert articles["a-1"][1] is None and articles["a-2"][1] == "o-2"
    assert articles["a-1"][0].published == "2024-03-01"


def test_a_failed_batch_leaves_the_ledger_as_it_was(store):
    ledger = small_ledger()
    _write(store, ledger)
    with pytest.raises(RuntimeError), lt.transaction(store) as conn:
        lt.delete_events(conn, ["e-1", "e-2"])
        raise RuntimeError("killed mid-batch")
    with lt.reading(store) as conn:
        assert lt.load_ledger(conn) == ledger
    assert _search(store, "belgorod") == ["e-1", "e-2"]


def test_an_old_ledger_gains_the_tables_on_open(tmp_path):
    import sqlite3

    path = tmp_path / "old.sqlite"
    with LedgerStore(f"sqlite:///{path}") as s:
        s.add_articles([_article(1)])
    db = sqlite3.connect(path)
    for name in [
        r[0]
        for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name LIKE 'ledger_%'"
        )
    ]:
        if not name.startswith("ledger_search_"):
            db.execute(f'DROP TABLE IF EXISTS "{name}"')
    db.commit()
    db.close()
    with LedgerStore(f"sqlite:///{path}") as s:
        assert [a.id for a in s.load_articles()] == ["a-1"]
        with lt.reading(s) as conn:
            assert not lt.has_ledger(conn)
        _write(s, small_ledger())
        assert _search(s, "drone") == ["e-2"]


def test_codec_records_are_what_the_export_holds(store):
    ledger = small_ledger()
    _write(store, ledger)
    with lt.reading(store) as conn:
        record = conn.execute(
            select(lt.ledger_events.c.record).where(lt.ledger_events.c.id == "e-1")
        ).scalar_one()
    assert from_data(EventRecord, json.loads(record)) == ledger.events[0]


def test_list_key_orders_newest_then_most_reported():
    keys = [
        lt.list_key("e-a", "2024-03-12T10:00:00+03:00", 2),
        lt.list_key("e-b", "2024-03-12T10:00:00", 1),
        lt.list_key("e-c", "2024-03-12", 9),
        lt.list_key("e-d", "2024-03-11", 50),
        lt.list_key("e-e", "1969-01-01", 1),
        lt.list_key("e-f", None, 100),
    ]
    assert keys == sorted(keys, reverse=True)
    assert all(0 < k < 2**63 for k in keys[:-1]) and keys[-1] < 2**37


def test_fold_maps_only_non_ascii_runs_and_equals_unidecode() -> None:
    from unidecode import unidecode

    from newsledger.store.ledger_tables import fold

    for value in ["Белгород «Kursk» — Tëtkino’s 1,5 km", "Plain ASCII", "", "ß İ ąčę 日本"]:
        assert fold(value) == unidecode(value).casefold()
    assert fold("Белгород") == "belgorod"
