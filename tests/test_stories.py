"""Stories: events of one happening told over days, threaded by who it is about and where."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from newsledger.group.stories import (
    MAX_DAYS_APART,
    MAX_PERSON_EVENTS,
    key_counts,
    link_keys,
    stories_of,
)
from newsledger.model import (
    Annotations,
    Attribution,
    Entity,
    EntityMention,
    EventCluster,
    EventRecord,
    Mention,
    Resolution,
    SentenceRef,
    TextSpan,
)
from newsledger.pipeline import analyze
from newsledger.store import LedgerStore
from newsledger.store import ledger_tables as lt
from newsledger.store.story_tables import iter_stories, story_of_events, update_stories


def _event(eid: str, day: str | None, *keys: str, articles: int = 1) -> EventRecord:
    return EventRecord(
        id=eid, title=f"event {eid}", date=day, date_precision="day", event_type=None,
        sub_event_type=None, location=None, locations=(), actors=(),
        article_ids=tuple(f"{eid}-a{i}" for i in range(articles)), claim_ids=(),
        fatalities=None, link_keys=tuple(sorted(keys)),
    )


def _stories(events: list[EventRecord]) -> list[tuple[str, ...]]:
    return [s.event_ids for s in stories_of(events, key_counts(events))]


def test_a_person_and_a_place_on_nearby_days_make_a_story() -> None:
    events = [
        _event("ev-1", "2025-05-06", "person:p1", "place:town", "region:XX:North"),
        _event("ev-2", "2025-05-08", "person:p1", "place:town"),
        _event("ev-3", "2025-05-07", "place:town"),  # same town, nobody in common
    ]
    stories = stories_of(events, key_counts(events), {"p1": "A. Person", "town": "Town"})
    assert [s.event_ids for s in stories] == [("ev-1", "ev-2")]
    story = stories[0]
    assert (story.first_date, story.last_date) == ("2025-05-06", "2025-05-08")
    assert story.basis == ("ev-1 ~ ev-2: A. Person at Town, 2 days apart",)


def test_what_does_not_make_a_story() -> None:
    far = _event("ev-4", "2025-07-01", "person:p1", "place:town")
    other_place = _event("ev-5", "2025-05-07", "person:p1", "place:city")
    undated = _event("ev-6", None, "person:p1", "place:town")
    first = _event("ev-1", "2025-05-06", "person:p1", "place:town")
    for second in (far, other_place, undated):
        assert _stories([first, second]) == [], second.id
    assert (date.fromisoformat(far.date) - date.fromisoformat(first.date)).days > MAX_DAYS_APART


def test_a_person_many_events_name_links_none() -> None:
    """Someone every report names (a president, a governor) is not what one story is about."""
    events = [_event(f"ev-{i}", "2025-05-06", "person:famous", "place:town")
              for i in range(MAX_PERSON_EVENTS + 1)]
    assert _stories(events) == []
    assert _stories(events[:MAX_PERSON_EVENTS]) == [tuple(e.id for e in events[:MAX_PERSON_EVENTS])]


def test_a_story_keeps_its_id_as_it_grows() -> None:
    a = _event("ev-b", "2025-05-06", "person:p1", "place:town")
    b = _event("ev-c", "2025-05-07", "person:p1", "place:town")
    (first,) = stories_of([a, b], key_counts([a, b]))
    earlier = _event("ev-a", "2025-05-05", "person:p1", "place:town")
    previous = dict.fromkeys(first.event_ids, first.id)
    (grown,) = stories_of([earlier, a, b], key_counts([earlier, a, b]), previous=previous)
    assert grown.id == first.id
    assert grown.event_ids == ("ev-a", "ev-b", "ev-c")


def test_link_keys_leave_out_people_who_only_speak() -> None:
    text = "Jo Smith was rescued in Riverton. Officer Kim Lee said the search goes on."
    aid = "art-1"
    smith = (0, 8)
    lee = (text.index("Kim Lee"), text.index("Kim Lee") + 7)
    town = (text.index("Riverton"), text.index("Riverton") + 8)
    mentions = (
        Mention(*smith, "Jo Smith", "PERSON", 0),
        Mention(*town, "Riverton", "GPE", 0),
        Mention(*lee, "Kim Lee", "PERSON", 1),
    )
    said = text.index("said")
    ann = Annotations(
        aid, "h", "en", mentions=mentions,
        attributions=(Attribution(TextSpan(*lee, "Kim Lee"), TextSpan(said, said + 4, "said"),
                                  TextSpan(said + 5, len(text) - 1, "the search goes on"),
                                  sentence=1),),
    )

    def entity(eid: str, kind: str, span: tuple[int, int], **geo: object) -> Entity:
        return Entity(eid, kind, text[span[0]:span[1]], (),
                      (EntityMention(aid, span[0], span[1], text[span[0]:span[1]]),), **geo)

    entities = (
        entity("e-smith", "PERSON", smith),
        entity("e-lee", "PERSON", lee),
        entity("e-town", "GPE", town, country="XX", admin1="North", feature="P.PPL"),
    )
    cluster = EventCluster("ev-1", (aid,), (SentenceRef(aid, 0), SentenceRef(aid, 1)))
    keys = link_keys(cluster, {aid: ann}, Resolution(entities), {e.id: e for e in entities})
    assert keys == ("person:e-smith", "place:e-town", "region:XX:North")


@pytest.fixture()
def store(tmp_path: Path):
    with LedgerStore(f"sqlite:///{tmp_path / 'ledger.sqlite'}") as s:
        yield s


def _write(store: LedgerStore, events: list[EventRecord]) -> None:
    with lt.transaction(store) as conn:
        run = lt.begin_run(conn)
        lt.replace_events(conn, run, events, [], [], entities={}, articles={})
        update_stories(conn, events, names={})
        lt.finish_run(conn, run, 0, len(events))


def _stored(store: LedgerStore) -> list:
    with lt.reading(store) as conn:
        return list(iter_stories(conn))


def test_stored_stories_grow_and_split_like_a_batch_run(store: LedgerStore) -> None:
    """Events arriving one run at a time thread into the stories one run over all gives."""
    events = [
        _event("ev-1", "2025-05-06", "person:p1", "place:town"),
        _event("ev-2", "2025-05-07", "person:p1", "person:p2", "place:town"),
        _event("ev-3", "2025-05-08", "person:p2", "place:town"),
        _event("ev-4", "2025-05-08", "person:p9", "place:city"),
    ]
    for e in events:
        _write(store, [e])
    batch = stories_of(events, key_counts(events), {})
    stored = _stored(store)
    assert [s.event_ids for s in stored] == [s.event_ids for s in batch] == [
        ("ev-1", "ev-2", "ev-3")]
    # the middle event is reconciled again and no longer names anyone: the story falls apart
    _write(store, [replace(events[1], link_keys=("place:town",))])
    assert _stored(store) == []
    # a person the next events also name stops linking once too many events name them
    crowd = [_event(f"ev-c{i}", "2025-05-06", "person:p5", "place:town")
             for i in range(MAX_PERSON_EVENTS)]
    _write(store, crowd)
    assert [len(s.event_ids) for s in _stored(store)] == [MAX_PERSON_EVENTS]
    _write(store, [_event("ev-c9", "2025-05-06", "person:p5", "place:town")])
    assert _stored(store) == []
    # ... also when two arrive in one run, and when an event of a story is removed
    pair = [_event(f"ev-d{i}", "2025-05-06", "person:p6", "place:town") for i in range(2)]
    _write(store, pair)
    assert [s.event_ids for s in _stored(store)] == [("ev-d0", "ev-d1")]
    _write(store, [_event(f"ev-d{i}", "2025-05-06", "person:p6", "place:town")
                   for i in range(2, MAX_PERSON_EVENTS + 2)])
    assert _stored(store) == []
    trio = [_event(f"ev-t{i}", "2025-05-06", "person:p7", "place:town") for i in range(3)]
    _write(store, trio)
    with lt.transaction(store) as conn:
        update_stories(conn, [], ["ev-t0"], names={})
    assert [s.event_ids for s in _stored(store)] == [("ev-t1", "ev-t2")]
    with lt.transaction(store) as conn:
        update_stories(conn, [], ["ev-t1"], names={})
        assert story_of_events(conn, ["ev-t0", "ev-t1", "ev-t2"]) == {}
    assert _stored(store) == []


def test_the_example_keeps_its_side_stories_out_of_any_story(example_ledger: dict) -> None:
    """The bundled example is one raid: its side stories (a plane crash, a front-line
    village) share no one with it, so the ledger has no story."""
    assert example_ledger["stories"] == []
    main = max(example_ledger["events"], key=lambda e: len(e["article_ids"]))
    assert len(main["article_ids"]) == 5
    assert any(k.startswith("person:") for k in main["link_keys"])
    # every event says why its reports are together, a side story why it stands apart
    rules = sorted(b["rule"] for b in main["basis"])
    assert rules[0] == "founded" and len(rules) == 5 and "founded" not in rules[1:]
    assert all(b["shared"] for b in main["basis"] if b["rule"] != "founded")
    sides = [e for e in example_ledger["events"] if e is not main]
    assert sides and all(
        [b["shared"][0] for b in e["basis"]] == ["apart:side story"] for e in sides)


GHENT = Path(__file__).parent / "fixtures" / "stories" / "ghent.jsonl"


@pytest.fixture(scope="module")
def ghent(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four reports written for this test: a bridge collapse and the recovery of a missing
    worker (two reports), a site manager charged six days later, and a fire in the same
    city two days after the collapse whose fire-brigade spokesman also speaks of the
    recovery."""
    out = tmp_path_factory.mktemp("stories") / "ledger"
    analyze([str(GHENT)], out)
    return out


def _ledger(out: Path) -> dict:
    return json.loads((out / "ledger.json").read_text("utf-8"))


def _titles(ledger: dict, story: dict) -> set[str]:
    by_id = {a["id"]: a["title"] for a in ledger["articles"]}
    events = {e["id"]: e for e in ledger["events"]}
    return {by_id[a] for e in story["event_ids"] for a in events[e]["article_ids"]}


def test_a_follow_up_days_later_joins_the_story_and_a_speaker_links_nothing(ghent: Path) -> None:
    ledger = _ledger(ghent)
    (story,) = ledger["stories"]
    titles = _titles(ledger, story)
    assert any("charged" in t for t in titles) and any("collapses" in t for t in titles)
    assert not any("fire" in t.lower() for t in titles)  # same city, same spokesman
    assert (story["first_date"], story["last_date"]) == ("2025-05-06", "2025-05-12")
    (line,) = story["basis"]
    assert "Marta Vandenberghe at Ghent, 6 days apart" in line
    brief = (ghent / "report.md").read_text("utf-8")
    assert "## Stories" in brief and "Marta Vandenberghe at Ghent" in brief


def test_stories_are_the_same_one_report_per_run(ghent: Path, tmp_path: Path) -> None:
    lines = GHENT.read_text("utf-8").splitlines(keepends=True)
    out = tmp_path / "ledger"
    for i, line in enumerate(lines):
        part = tmp_path / f"part{i}.jsonl"
        part.write_text(line, "utf-8")
        analyze([str(part)], out)
    once, per_run = _ledger(ghent), _ledger(out)
    assert [_titles(per_run, s) for s in per_run["stories"]] == [
        _titles(once, s) for s in once["stories"]]


def test_the_workbench_and_exports_show_the_story(ghent: Path) -> None:
    from fastapi.testclient import TestClient
    from typer.testing import CliRunner

    from newsledger.cli import app as cli
    from newsledger.web.app import create_app

    (story,) = _ledger(ghent)["stories"]
    with TestClient(create_app(ghent)) as client:
        listed = client.get("/api/stories").json()
        assert [s["id"] for s in listed["stories"]] == [story["id"]] and listed["total"] == 1
        one = client.get(f"/api/stories/{story['id']}").json()
        assert [e["id"] for e in one["events"]] == story["event_ids"]
        page = client.get(f"/stories/{story['id']}").text
        assert "Why these events are one story" in page and "Marta Vandenberghe" in page
        event = client.get(f"/events/{story['event_ids'][0]}").text
        assert f'href="/stories/{story["id"]}"' in event
        assert client.get("/stories/st-000000000000").status_code == 404
    again = CliRunner().invoke(cli, ["analyze", str(GHENT), "--out", str(ghent)])
    assert again.exit_code == 0, again.output
    assert any("stories" in line and line.rstrip(" │").endswith("1")
               for line in again.stdout.splitlines())
    result = CliRunner().invoke(cli, ["export", str(ghent), "--format", "jsonl"])
    kinds = [json.loads(line)["kind"] for line in result.stdout.splitlines()]
    assert kinds.count("story") == 1
