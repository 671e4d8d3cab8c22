"""The workbench reads the store: SQL per request, FTS search, new runs without restart."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from newsledger.pipeline import analyze
from newsledger.web import create_app
from tests.postgres.conftest import pg_url  # noqa: F401  (the PostgreSQL variant's fixture)


def _ids(items: list[dict]) -> list[str]:
    return [i["id"] for i in items]


@pytest.fixture(scope="module")
def example_files(example_dir: Path) -> list[Path]:
    return sorted(example_dir.glob("*.txt"))


def test_serves_the_store_and_follows_a_new_analyze(example_files, tmp_path):
    out = tmp_path / "ledger"
    analyze([str(p) for p in example_files[:2]], out)
    (out / "ledger.json").unlink()  # the pages need only the store
    client = TestClient(create_app(out))
    first = client.get("/api/events", params={"limit": 1000}).json()
    assert first["total"] >= 1
    assert client.get("/events").status_code == 200
    summary = analyze([str(p) for p in example_files], out)
    later = client.get("/api/events", params={"limit": 1000}).json()
    assert later["total"] == len(summary.ledger.events) > first["total"]
    expected = json.loads((out / "ledger.json").read_text(encoding="utf-8"))
    # the API's records are the export's records
    by_id = {e["id"]: e for e in expected["events"]}
    assert all(e == by_id[e["id"]] for e in later["events"])
    event = max(expected["events"], key=lambda e: len(e["article_ids"]))
    detail = client.get(f"/api/events/{event['id']}").json()
    assert _ids(detail["claims"]) == [c for c in event["claim_ids"]] or set(
        _ids(detail["claims"])
    ) == set(event["claim_ids"])
    assert client.get(f"/events/{event['id']}").status_code == 200
    for article in expected["articles"]:
        assert client.get(f"/api/articles/{article['id']}").json() == article
        assert client.get(f"/articles/{article['id']}").status_code == 200
    for entity in expected["entities"][:20]:
        assert client.get(f"/entities/{entity['id']}").status_code == 200
    claims = client.get("/api/claims", params={"limit": 5000}).json()
    assert claims["claims"] == expected["claims"]
    assert client.get("/articles").status_code == 200


def test_search_is_the_databases_full_text_search(example_files, tmp_path):
    out = tmp_path / "ledger"
    summary = analyze([str(p) for p in example_files], out)
    client = TestClient(create_app(out))

    def search(q: str) -> set[str]:
        return set(_ids(client.get("/api/events", params={"q": q, "limit": 1000}).json()["events"]))

    every = {e.id for e in summary.ledger.events}
    belgorod = search("belgorod")
    assert belgorod and belgorod <= every
    assert search("BELGOR*") == belgorod  # a word's start, any case
    assert search("belgor") == set()  # without the star: whole words only
    assert search("Белгород") == belgorod  # the Cyrillic name folds to the same words
    assert search("belgorod zzqqxx") == set()
    assert search("!!!") == set()
    page = client.get("/events", params={"q": "belgorod"}).text
    assert f"{len(belgorod)} of {len(every)} events match" in page


def test_an_old_ledger_serves_its_json_until_analyze_upgrades_it(example_files, tmp_path):
    out = tmp_path / "ledger"
    analyze([str(p) for p in example_files[:2]], out)
    db = sqlite3.connect(out / "ledger.sqlite")  # as today's version leaves it: no ledger tables
    for (name,) in db.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name LIKE 'ledger_%'"
    ).fetchall():
        db.execute(f'DROP TABLE IF EXISTS "{name}"')
    db.commit()
    db.close()
    data = json.loads((out / "ledger.json").read_text(encoding="utf-8"))
    client = TestClient(create_app(out))
    assert client.get("/api/events").json()["total"] == len(data["events"])
    summary = analyze([str(p) for p in example_files], out)
    assert client.get("/api/events").json()["total"] == len(summary.ledger.events)
    (out / "ledger.json").unlink()
    assert client.get("/api/events").json()["total"] == len(summary.ledger.events)


def test_serve_over_postgresql(example_files, tmp_path, pg_url):  # noqa: F811
    out = tmp_path / "ledger"
    summary = analyze([str(p) for p in example_files], out, db_url=pg_url)
    shutil.rmtree(out)
    out.mkdir()
    client = TestClient(create_app(out, db_url=pg_url))
    events = client.get("/api/events", params={"limit": 1000}).json()
    assert events["total"] == len(summary.ledger.events)
    assert set(_ids(client.get("/api/events", params={"q": "Белгород"}).json()["events"]))
    assert client.get("/events", params={"q": "belgorod"}).status_code == 200
    event = summary.ledger.events[0]
    assert client.get(f"/events/{event.id}").status_code == 200


def test_list_order_is_newest_then_most_reported_and_search_counts_are_capped(
    example_files, tmp_path, monkeypatch
):
    from newsledger.web import store_data

    out = tmp_path / "ledger"
    summary = analyze([str(p) for p in example_files], out)
    client = TestClient(create_app(out))
    listed = client.get("/api/events", params={"limit": 1000}).json()["events"]
    keys = [(e["date"] or "", len(e["article_ids"])) for e in listed]
    assert keys == sorted(keys, reverse=True) and len(listed) == len(summary.ledger.events)
    searched = client.get("/api/events", params={"q": "belgorod", "limit": 1000}).json()
    keys = [(e["date"] or "", len(e["article_ids"])) for e in searched["events"]]
    assert keys == sorted(keys, reverse=True)
    if searched["total"] >= 2:
        monkeypatch.setattr(store_data, "SEARCH_COUNT_CAP", 1)
        capped = client.get("/api/events", params={"q": "belgorod"}).json()
        assert capped["total"] == 1 and capped["total_is_lower_bound"] is True
        assert len(capped["events"]) == searched["total"]  # the page itself is whole
        assert "More than 1 of" in client.get("/events", params={"q": "belgorod"}).text


def test_entities_carry_their_first_mentions_and_say_how_many(example_files, tmp_path, monkeypatch):
    from newsledger.web import store_data

    out = tmp_path / "ledger"
    summary = analyze([str(p) for p in example_files], out)
    top = max(summary.ledger.entities, key=lambda e: len(e.mentions))
    assert len(top.mentions) > 2
    client = TestClient(create_app(out))
    whole = client.get("/api/entities", params={"limit": 5000}).json()["entities"]
    first = next(e for e in whole if e["id"] == top.id)
    assert len(first["mentions"]) == len(top.mentions) and "mentions_total" not in first
    monkeypatch.setattr(store_data, "MENTION_CAP", 2)
    capped = next(
        e
        for e in client.get("/api/entities", params={"limit": 5000}).json()["entities"]
        if e["id"] == top.id
    )
    assert capped["mentions"] == first["mentions"][:2]
    assert capped["mentions_total"] == len(top.mentions)
    page = client.get(f"/entities/{top.id}").text
    assert f"{len(top.mentions)} mentions (the first" in page
