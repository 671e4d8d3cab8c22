"""ACLED event types per sentence, with actor and negation context."""

from __future__ import annotations

import pytest

from newsledger.extract.events import SUB_EVENT_TYPES, classify_doc, find_events
from newsledger.extract.nlp import english


@pytest.fixture(scope="session")
def nlp():
    return english()


def _first(nlp, text: str):
    events = find_events(nlp(text))
    assert events, text
    event = events[0]
    assert event.event_type == SUB_EVENT_TYPES[event.sub_event_type]
    assert 0.0 <= event.score <= 1.0
    assert text[event.trigger_start : event.trigger_end]
    return event


def test_capture_by_non_state_actor(nlp) -> None:
    event = _first(nlp, "Rebel fighters captured the village of Kashma after heavy fighting.")
    assert event.sub_event_type == "Non-state actor overtakes territory"


def test_capture_by_government_forces(nlp) -> None:
    event = _first(nlp, "Government forces recaptured the town from the militants on Sunday.")
    assert event.sub_event_type == "Government regains territory"


def test_drone_strike_and_shelling(nlp) -> None:
    assert _first(nlp, "A drone strike hit the city administration building.").sub_event_type == (
        "Air/drone strike"
    )
    shelling = _first(nlp, "Two civilians were wounded by artillery shelling of the village.")
    assert shelling.sub_event_type == "Shelling/artillery/missile attack"
    assert shelling.event_type == "Explosions/Remote violence"


def test_protests(nlp) -> None:
    assert _first(
        nlp, "Thousands of students held a peaceful protest outside parliament."
    ).sub_event_type == ("Peaceful protest")
    assert _first(nlp, "Police fired tear gas to disperse the protesters.").sub_event_type == (
        "Protest with intervention"
    )


def test_negation_and_repelled_attacks(nlp) -> None:
    repelled = _first(nlp, "According to the ministry, these attempts were successfully repelled.")
    assert repelled.sub_event_type == "Armed clash" and not repelled.negated
    denied = _first(nlp, "The ministry denied that the fighters had captured the village.")
    assert denied.sub_event_type == "Non-state actor overtakes territory" and denied.negated
    assert _first(nlp, "The ministry denied any breakthrough.").negated
    assert _first(nlp, "The army did not capture the village.").negated
    assert not _first(nlp, "Fighters captured the village on Tuesday.").negated


def test_no_event_in_neutral_sentence(nlp) -> None:
    assert find_events(nlp("The weather was mild and the markets opened as usual.")) == []
    assert classify_doc(nlp("The weather was mild."))[1] == 0.0
