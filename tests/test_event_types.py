"""ACLED event types per sentence, with actor and negation context."""

from __future__ import annotations

import pytest

from newsledger.extract.events import SUB_EVENT_TYPES, classify_doc, event_type_of, find_events
from newsledger.extract.nlp import english


@pytest.fixture(scope="session")
def nlp():
    return english()


def _first(nlp, text: str):
    events = find_events(nlp(text))
    assert events, text
    event = events[0]
    assert event.event_type == event_type_of(event.sub_event_type)
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


def _types(nlp, text: str) -> set[str]:
    return {e.sub_event_type for e in find_events(nlp(text))}


def test_accident_is_typed_outside_acled(nlp) -> None:
    crash = _first(
        nlp,
        "In a separate incident on Tuesday, a military plane crashed in the Ivanovo region "
        "after its engine caught fire, as reported by state media.",
    )
    assert crash.sub_event_type == "Accident"
    assert crash.event_type == "Not political violence"
    assert crash.sub_event_type not in SUB_EVENT_TYPES
    assert event_type_of("Accident") == "Not political violence"
    assert event_type_of("Armed clash") == "Battles"
    takeoff = _first(
        nlp, "The transport plane, carrying eight crew members, crashed during takeoff."
    )
    assert takeoff.sub_event_type == "Accident"
    gas = _first(nlp, "A gas leak caused an explosion that destroyed two houses.")
    assert gas.sub_event_type == "Accident"


def test_crash_with_an_attacker_cue_stays_political_violence(nlp) -> None:
    drone = _types(nlp, "A Ukrainian drone crashed into the city administration building.")
    assert "Accident" not in drone and "Air/drone strike" in drone
    downed = _types(nlp, "The helicopter crashed after it was shot down by rebels.")
    assert "Accident" not in downed
    blast = _types(nlp, "An explosion killed three people at the market.")
    assert "Accident" not in blast


def test_engage_is_a_clash_only_with_an_enemy_or_combat(nlp) -> None:
    assert "Armed clash" not in _types(
        nlp, "Both sides engage in a complex web of military and strategic maneuvers."
    )
    assert "Armed clash" not in _types(nlp, "The country is engaged in the construction of roads.")
    assert "Armed clash" in _types(nlp, "Troops engaged the militants near the border.")
    assert "Armed clash" in _types(nlp, "The two units engaged in fierce fighting overnight.")


def test_leaving_positions_behind_is_not_harm(nlp) -> None:
    retreat = "The army quickly leaves the village, leaving positions and heavy weapons behind."
    assert "Armed clash" not in _types(nlp, retreat)
    assert "Armed clash" in _types(nlp, "The ambush left three soldiers dead on the road.")


def test_national_forces_taking_ground_are_state_forces(nlp) -> None:
    event = _first(
        nlp, "Russian forces claimed to continue their advance with the capture of the village."
    )
    assert event.sub_event_type == "Government regains territory"
    rebels = _first(nlp, "Rebel fighters captured the village of Kashma on Monday.")
    assert rebels.sub_event_type == "Non-state actor overtakes territory"


def test_vetoed_accident_leaves_no_type(nlp) -> None:
    text = "The crash was blamed on terrorists."
    assert "Accident" not in _types(nlp, text)
    assert classify_doc(nlp(text)) == ("Armed clash", 0.0)


def test_weapon_named_as_a_purpose_is_no_strike(nlp) -> None:
    text = "The ship also served as a launch platform for small drones in the region."
    assert "Air/drone strike" not in _types(nlp, text)
    assert "Air/drone strike" in _types(nlp, "Small drones hit the ship in the region.")
