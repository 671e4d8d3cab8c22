"""Outputs streamed from the store equal today's whole-ledger outputs for the same ledger."""

from __future__ import annotations

import json
import re
import tracemalloc
from dataclasses import replace

import pytest

from newsledger.pipeline import analyze
from newsledger.report import write_outputs
from newsledger.report.ledger_json import ledger_to_data
from newsledger.report.stream import (
    brief_event_ids,
    write_brief_from_store,
    write_json_sections,
)
from newsledger.store import LedgerStore
from newsledger.store import ledger_tables as lt
from newsledger.store.ledger_tables import StreamedRecord


@pytest.fixture(scope="module")
def analyzed(example_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("stream")
    summary = analyze([str(example_dir)], out)
    return summary, out


def test_ledger_json_from_the_store_is_todays_export(analyzed):
    summary, out = analyzed
    expected = ledger_to_data(summary.ledger)
    text = (out / "ledger.json").read_text(encoding="utf-8")
    assert json.loads(text) == expected
    # byte for byte what the whole-ledger writer gives
    assert text == json.dumps(expected, ensure_ascii=False, indent=1) + "\n"
    assert expected["events"] and expected["claims"] and expected["entities"]


def test_brief_and_csv_from_the_store_are_todays(analyzed, tmp_path):
    summary, _ = analyzed
    today = write_outputs(summary.ledger, tmp_path)
    for kind in ("markdown", "html", "csv"):
        assert summary.outputs[kind].read_text(encoding="utf-8") == today[kind].read_text(
            encoding="utf-8"
        ), kind


def test_brief_of_a_run_covers_its_events_and_the_newest(analyzed, tmp_path):
    summary, out = analyzed
    events = summary.ledger.events
    assert len(events) >= 3
    newest = max(events, key=lambda e: (e.date or "", len(e.article_ids)))
    with LedgerStore(f"sqlite:///{out / 'ledger.sqlite'}") as store, lt.reading(store) as conn:
        run = lt.last_finished_run(conn)
        assert lt.changed_event_ids(conn, run) == sorted(e.id for e in events)
        assert brief_event_ids(conn, run, 1) == sorted(e.id for e in events)
        # a later run that changed nothing: the brief shows the one newest event
        assert brief_event_ids(conn, run + 1000, 1) == [newest.id]
        paths = write_brief_from_store(conn, tmp_path, run + 1000, latest=1)
    md = paths["markdown"].read_text(encoding="utf-8")
    assert f"This brief covers 1 event of {len(events)}" in md
    whole = summary.outputs["markdown"].read_text(encoding="utf-8")
    headings = re.compile(r"^## \d+\. ", re.M)
    assert len(headings.findall(md)) == 1 < len(headings.findall(whole))


def test_streaming_json_memory_does_not_follow_the_number_of_items(tmp_path):
    """The writer holds one item at a time: 20x the items, about the same peak."""

    def peak(n: int) -> int:
        items = ({"id": f"x-{i}", "text": "y" * 2000} for i in range(n))
        tracemalloc.start()
        with (tmp_path / f"{n}.json").open("w") as handle:
            write_json_sections(handle, [("articles", items), ("events", iter(()))])
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    small, big = peak(500), peak(10_000)
    assert big < small * 2

    def streamed(n: int) -> tuple[int, str]:
        """One entity whose mentions (one per report) are streamed, not held."""
        mentions = (
            {"article_id": f"a-{i}", "start": i, "end": i + 3, "text": "x"} for i in range(n)
        )
        record = StreamedRecord(
            {"id": "g-1", "name": "Belgorod", "mentions": []}, "mentions", mentions
        )
        path = tmp_path / f"entity-{n}.json"
        tracemalloc.start()
        with path.open("w", encoding="utf-8") as handle:
            write_json_sections(handle, [("entities", iter([record]))])
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top, path.read_text(encoding="utf-8")

    (one, small_text), (many, big_text) = streamed(500), streamed(20_000)
    assert many < one * 2
    data = json.loads(big_text)
    assert len(data["entities"][0]["mentions"]) == 20_000
    expected = {
        "schema": "newsledger/1",
        "entities": [
            {
                "id": "g-1",
                "name": "Belgorod",
                "mentions": [
                    {"article_id": f"a-{i}", "start": i, "end": i + 3, "text": "x"}
                    for i in range(500)
                ],
            }
        ],
    }
    assert small_text == json.dumps(expected, indent=1) + "\n"
    data = json.loads((tmp_path / "10000.json").read_text())
    assert len(data["articles"]) == 10_000 and data["events"] == []


def test_example_ledger_tables_round_trip(analyzed):
    summary, out = analyzed
    with LedgerStore(f"sqlite:///{out / 'ledger.sqlite'}") as store, lt.reading(store) as conn:
        back = lt.load_ledger(conn)
        one = summary.ledger.events[0]
        sub = lt.load_sub_ledger(conn, [one.id])
    assert back == replace(summary.ledger)
    assert [e.id for e in sub.events] == [one.id]
    assert {c.id for c in sub.claims} == set(one.claim_ids)
    assert {a.id for a in sub.articles} >= set(one.article_ids)
