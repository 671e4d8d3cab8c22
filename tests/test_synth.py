"""The synthesiser: a big ledger as copies of a real small one, under new ids and dates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from newsledger.bench.synth import Cloner, synthesise
from newsledger.pipeline import analyze
from newsledger.store import LedgerStore
from newsledger.store import ledger_tables as lt
from newsledger.web import create_app


@pytest.fixture(scope="module")
def source_dir(example_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "source"
    analyze([str(example_dir)], out)
    return out


def test_cloner_renames_ids_everywhere_and_shifts_dates() -> None:
    cloner = Cloner(frozenset({"a-1", "e-1"}), 2, 10)
    row = {
        "id": "e-1",
        "date": "2024-03-12T10:00:00+03:00",
        "record": '{"article_ids": ["a-1", "a-9"], "times": [{"value": "2024-02-25"}], '
        '"title": "a-1"}',
    }
    new = cloner.row(row)
    assert new["id"] == "e-1-x2" and new["date"] == "2024-03-22T10:00:00+03:00"
    assert '"article_ids": ["a-1-x2", "a-9"]' in new["record"]
    assert '"value": "2024-03-06"' in new["record"]
    assert Cloner(frozenset({"a-1"}), 0, 0).row(row)["id"] == "e-1"  # copy 0 is the source


def test_synthesised_ledger_holds_the_copies(source_dir: Path, tmp_path: Path) -> None:
    target_dir = tmp_path / "big"
    with (
        LedgerStore(f"sqlite:///{source_dir / 'ledger.sqlite'}") as source,
        LedgerStore(f"sqlite:///{target_dir / 'ledger.sqlite'}") as target,
    ):
        with lt.reading(source) as conn:
            original = lt.load_ledger(conn)
        counts = synthesise(source, target, 3 * len(original.articles), span_days=30)
        assert counts["copies"] == 3
        with lt.reading(target) as conn:
            big = lt.load_ledger(conn)  # every record still decodes as the model's
            n_events = conn.execute(select(func.count()).select_from(lt.ledger_events)).scalar()
            assert lt.changed_event_ids(conn, counts["run"]) == sorted(e.id for e in big.events)
    assert len(big.articles) == 3 * len(original.articles)
    assert n_events == len(big.events) == 3 * len(original.events)
    assert len(big.claims) == 3 * len(original.claims)
    assert len(big.entities) == len(original.entities)  # the copies name the same entities
    mentions = {e.id: len(e.mentions) for e in big.entities}
    assert mentions == {e.id: 3 * len(e.mentions) for e in original.entities}

    event = original.events[0]
    copy = next(e for e in big.events if e.id == f"{event.id}-x1")
    assert copy.article_ids == tuple(f"{a}-x1" for a in event.article_ids)
    assert copy.claim_ids == tuple(f"{c}-x1" for c in event.claim_ids)
    assert copy.location == event.location and copy.title == event.title
    if event.date:
        shifted = dt.date.fromisoformat(event.date[:10]) + dt.timedelta(days=10)
        assert copy.date[:10] == shifted.isoformat()

    client = TestClient(create_app(target_dir))
    assert client.get("/api/events").json()["total"] == len(big.events)
    found = client.get("/api/events", params={"q": "belgorod", "limit": 1000}).json()["events"]
    assert len(found) % 3 == 0 and found
    assert client.get(f"/events/{copy.id}").status_code == 200
