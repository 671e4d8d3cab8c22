"""Reconcile stage on hand-built records: merging, corroboration, conflicts, status, evidence."""

from __future__ import annotations

import pytest

from newsledger.reconcile import build_ledger
from tests.test_reconcile_support import Case

LEGION, MINISTRY, MOSCOW, VILLAGE, MONITOR, REGION = (
    "p-legion",
    "p-mod",
    "p-moscow",
    "p-vil",
    "p-mon",
    "p-reg",
)


def raid() -> Case:
    case = Case()
    case.entity(LEGION, "ARMED_GROUP", "Freedom of Russia Legion")
    case.entity(MINISTRY, "ORG", "Russian Defence Ministry")
    case.entity(MOSCOW, "GPE", "Moscow", country="RU", feature="P.PPLC")
    case.entity(
        VILLAGE,
        "GPE",
        "Tetkino",
        country="RU",
        feature="P.PPL",
        admin1="Kursk",
        lat=51.27,
        lon=34.3,
    )
    case.entity(REGION, "GPE", "Kursk Oblast", country="RU", feature="A.ADM1", admin1="Kursk")
    case.entity(MONITOR, "ORG", "Astra")
    case.entity("p-bel", "GPE", "Belgorod", country="RU", feature="P.PPLA")
    a1 = (
        "The Freedom of Russia Legion said it had taken control of Tetkino in the Kursk region. "
        "The Russian defence ministry said the attack on Tetkino was repelled. "
        "The ministry said 60 Ukrainian soldiers were killed."
    )
    case.article(
        "a1",
        a1,
        outlet="Wire",
        origin="g1",
        mentions=[
            ("Freedom of Russia Legion", "ARMED_GROUP", LEGION),
            ("Tetkino", "GPE", VILLAGE),
            ("Kursk region", "GPE", REGION),
            ("Russian defence ministry", "ORG", MINISTRY),
        ],
        attributions=[
            (
                "The Freedom of Russia Legion",
                "said",
                "it had taken control of Tetkino in the Kursk region",
                "asserts",
            ),
            (
                "The Russian defence ministry",
                "said",
                "the attack on Tetkino was repelled",
                "asserts",
            ),
            ("The ministry", "said", "60 Ukrainian soldiers were killed", "asserts"),
        ],
        quantities=[("60", 60, "killed", "Ukrainian soldiers", 2)],
        events=[("taken control", "Battles", "Armed clash")],
    )
    # a rewrite of the same wire: same origin group
    a2 = "The Freedom of Russia Legion claimed it took control of Tetkino village."
    case.article(
        "a2",
        a2,
        outlet="Rewrite",
        origin="g1",
        mentions=[("Freedom of Russia Legion", "ARMED_GROUP", LEGION), ("Tetkino", "GPE", VILLAGE)],
        attributions=[
            (
                "The Freedom of Russia Legion",
                "claimed",
                "it took control of Tetkino village",
                "asserts",
            )
        ],
    )
    a3 = (
        "The Legion announced that it had seized Tiotkino. "
        "Moscow said 300 partisans were killed. "
        "The Astra channel reported that 4 Russian soldiers were killed. "
        "A drone hit the town hall in Belgorod, injuring two people. "
        "Governor X said another drone hit Belgorod without causing any casualties."
    )
    case.article(
        "a3",
        a3,
        outlet="Paper",
        origin="g2",
        mentions=[
            ("Legion", "ARMED_GROUP", LEGION),
            ("Tiotkino", "GPE", VILLAGE),
            ("Moscow", "GPE", MOSCOW),
            ("Astra", "ORG", MONITOR),
            ("Belgorod", "GPE", "p-bel"),
            ("Belgorod@2", "GPE", "p-bel"),
        ],
        attributions=[
            ("The Legion", "announced", "it had seized Tiotkino", "asserts"),
            ("Moscow", "said", "300 partisans were killed", "asserts"),
            ("The Astra channel", "reported", "4 Russian soldiers were killed", "asserts"),
            (
                "Governor X",
                "said",
                "another drone hit Belgorod without causing any casualties",
                "asserts",
            ),
        ],
        quantities=[
            ("300", 300, "killed", "partisans", 1),
            ("4", 4, "killed", "Russian soldiers", 2),
            ("two", 2, "wounded", "people", None),
        ],
        events=[("hit the town hall", "Explosions/Remote violence", "Air/drone strike")],
    )
    return case


def run(case: Case):
    return build_ledger(
        case.articles,
        case.annotations,
        case.resolution(),
        case.origin_groups(),
        [case.cluster()],
        [],
    )


def claim_with(ledger, *words):
    found = [c for c in ledger.claims if all(w.lower() in c.statement.lower() for w in words)]
    assert found, [c.statement for c in ledger.claims]
    return found[0]


def test_control_claim_merged_across_articles_and_spellings():
    ledger = run(raid())
    control = [c for c in ledger.claims if LEGION in c.claimants]
    assert len(control) == 1
    claim = control[0]
    assert {e.article_id for e in claim.evidence} == {"a1", "a2", "a3"}
    assert claim.statement.startswith("Freedom of Russia Legion:")
    assert set(claim.outlets) == {"Wire", "Rewrite", "Paper"}


def test_independent_origins_counts_groups_not_articles():
    ledger = run(raid())
    claim = next(c for c in ledger.claims if LEGION in c.claimants)
    assert len({e.article_id for e in claim.evidence}) == 3
    assert claim.independent_origins == 2


def test_control_against_repelled_is_a_contradiction():
    ledger = run(raid())
    control = next(c for c in ledger.claims if LEGION in c.claimants)
    repelled = claim_with(ledger, "repelled")
    contradictions = [k for k in ledger.conflicts if k.kind == "contradiction"]
    assert any({control.id, repelled.id} <= set(k.claim_ids) for k in contradictions)
    assert control.status == repelled.status == "contested"
    k = next(k for k in contradictions if control.id in k.claim_ids)
    assert "Freedom of Russia Legion" in k.explanation and "Ministry" in k.explanation


def test_numeric_disagreement_lists_each_figure_and_claimant():
    ledger = run(raid())
    numeric = [k for k in ledger.conflicts if k.kind == "numeric"]
    assert len(numeric) == 1
    k = numeric[0]
    sixty, three_hundred = claim_with(ledger, "60"), claim_with(ledger, "300")
    assert set(k.claim_ids) == {sixty.id, three_hundred.id}
    assert "60" in k.explanation and "300" in k.explanation
    assert "Moscow" in k.explanation and "Russian Defence Ministry" in k.explanation


def test_different_subjects_are_not_in_conflict():
    ledger = run(raid())
    four = claim_with(ledger, "4 Russian soldiers")
    assert all(four.id not in k.claim_ids for k in ledger.conflicts)
    assert four.status == "single-source"
    assert four.claimants == (MONITOR,)


def test_injured_against_no_casualties_is_a_contradiction():
    ledger = run(raid())
    injured, none = claim_with(ledger, "injuring two"), claim_with(ledger, "without causing")
    assert any(
        {injured.id, none.id} <= set(k.claim_ids)
        for k in ledger.conflicts
        if k.kind == "contradiction"
    )


def test_unverified_as_reported_when_a_hedge_follows():
    case = Case()
    case.entity("p-gov", "PERSON", "Governor Gladkov")
    text = (
        "Governor Gladkov said 13 people were wounded in the shelling. "
        "The authenticity of this information remains unconfirmed."
    )
    case.article(
        "b1",
        text,
        outlet="Site",
        origin="g9",
        mentions=[("Governor Gladkov", "PERSON", "p-gov")],
        attributions=[
            ("Governor Gladkov", "said", "13 people were wounded in the shelling", "asserts")
        ],
        quantities=[("13", 13, "wounded", "people", 0)],
        hedges=["remains unconfirmed"],
    )
    ledger = run(case)
    assert [c.status for c in ledger.claims] == ["unverified-as-reported"]


def test_corroborated_needs_two_origins():
    case = Case()
    case.entity("p-mayor", "PERSON", "Mayor Kutsak")
    for aid, origin in (("c1", "g1"), ("c2", "g2")):
        text = "Mayor Kutsak said schools in the city were closed because of the attacks."
        case.article(
            aid,
            text,
            outlet=f"Outlet {aid}",
            origin=origin,
            mentions=[("Mayor Kutsak", "PERSON", "p-mayor")],
            attributions=[
                (
                    "Mayor Kutsak",
                    "said",
                    "schools in the city were closed because of the attacks",
                    "asserts",
                )
            ],
        )
    ledger = run(case)
    assert len(ledger.claims) == 1
    assert ledger.claims[0].status == "corroborated"
    assert ledger.claims[0].independent_origins == 2


def test_evidence_quotes_match_spans_and_ids_are_stable():
    case = raid()
    ledger = run(case)
    texts = {a.id: a.text for a in case.articles}
    assert ledger.claims
    for claim in ledger.claims:
        assert claim.evidence
        for ev in claim.evidence:
            assert texts[ev.article_id][ev.start : ev.end] == ev.quote
    again = run(raid())
    assert [c.id for c in again.claims] == [c.id for c in ledger.claims]
    assert [k.id for k in again.conflicts] == [k.id for k in ledger.conflicts]


def test_event_record_type_location_fatalities():
    ledger = run(raid())
    (event,) = ledger.events
    assert (event.event_type, event.sub_event_type) == (
        "Battles",
        "Non-state actor overtakes territory",
    )
    assert event.location == VILLAGE
    assert LEGION in event.actors
    assert event.fatalities is not None
    # lowest figure per side: 60 attackers (not 300) plus 4 Russian soldiers
    assert event.fatalities.best == 64
    assert event.fatalities.high == 304
    assert "enemy" in event.fatalities.basis
    assert set(event.claim_ids) == {c.id for c in ledger.claims}


@pytest.mark.parametrize("polarity", ["asserts", "denies"])
def test_opposite_polarity_never_merges(polarity):
    case = Case()
    case.entity("p-gov", "PERSON", "Governor Starovoit")
    for aid, pol in (("d1", "asserts"), ("d2", polarity)):
        text = "Governor Starovoit said there was a breach of the border near the village."
        case.article(
            aid,
            text,
            outlet=aid,
            origin=aid,
            mentions=[("Governor Starovoit", "PERSON", "p-gov")],
            attributions=[
                (
                    "Governor Starovoit",
                    "said",
                    "there was a breach of the border near the village",
                    pol,
                )
            ],
        )
    ledger = run(case)
    assert len(ledger.claims) == (1 if polarity == "asserts" else 2)
    if polarity == "denies":
        assert [k.kind for k in ledger.conflicts] == ["contradiction"]


def test_denial_reads_what_follows_the_cue_and_holds_ground():
    case = raid()
    case.entity("p-gov", "PERSON", "Roman Starovoit")
    text = ("Governor Roman Starovoit confirmed the attack on Tetkino and reported a slight "
            "injury, however he also denied any breakthrough by the attackers.")
    # an extractor that took the clause before the cue as what was denied
    case.article("f1", text, outlet="Agency", origin="g7",
                 mentions=[("Roman Starovoit", "PERSON", "p-gov"), ("Tetkino", "GPE", VILLAGE)],
                 attributions=[("he", "denied", "Governor Roman Starovoit confirmed the attack on "
                                "Tetkino and reported a slight injury", "denies")])
    ledger = run(case)
    denial = claim_with(ledger, "denies any breakthrough")
    assert denial.polarity == "denies"
    (quote,) = [e.quote for e in denial.evidence]
    assert quote == "he also denied any breakthrough by the attackers"
    control = next(c for c in ledger.claims if LEGION in c.claimants)
    assert any({control.id, denial.id} <= set(k.claim_ids) for k in ledger.conflicts)


def test_claims_of_ground_at_different_villages_are_separate_disputes():
    case = Case()
    case.entity("p-a", "ARMED_GROUP", "North Brigade")
    case.entity("p-b", "ARMED_GROUP", "South Legion")
    case.entity("p-army", "ORG", "Defence Ministry")
    case.entity("v-1", "GPE", "Alpha", feature="P.PPL")
    case.entity("v-2", "GPE", "Beta", feature="P.PPL")
    text = ("North Brigade said it had captured Alpha. South Legion said it had captured Beta. "
            "Defence Ministry said the attack had been repelled.")
    case.article("g1", text, outlet="Wire", origin="o1",
                 mentions=[("North Brigade", "ARMED_GROUP", "p-a"),
                           ("South Legion", "ARMED_GROUP", "p-b"),
                           ("Defence Ministry", "ORG", "p-army"),
                           ("Alpha", "GPE", "v-1"), ("Beta", "GPE", "v-2")],
                 attributions=[("North Brigade", "said", "it had captured Alpha", "asserts"),
                               ("South Legion", "said", "it had captured Beta", "asserts"),
                               ("Defence Ministry", "said", "the attack had been repelled",
                                "asserts")])
    ledger = run(case)
    contradictions = [k for k in ledger.conflicts if k.kind == "contradiction"]
    assert len(contradictions) == 2
    repelled = claim_with(ledger, "repelled")
    assert all(repelled.id in k.claim_ids and len(k.claim_ids) == 2 for k in contradictions)
