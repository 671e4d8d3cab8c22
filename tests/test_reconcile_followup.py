"""Conflict camps, event times, source labels, late slots and governing attributions."""

from __future__ import annotations

import csv
from dataclasses import replace

from newsledger.model import Article, Quantity, TimeExpression
from newsledger.reconcile import build_ledger
from newsledger.reconcile.outlets import outlet_basis, outlet_label
from newsledger.reconcile.slots import settle_slot
from newsledger.reconcile.times import resolve_relative
from newsledger.report import write_outputs
from tests.test_reconcile import MINISTRY, claim_with, raid, run
from tests.test_reconcile_support import Case, span


def test_contradiction_has_two_camps_that_partition_its_claims():
    ledger = run(raid())
    control = claim_with(ledger, "control")
    conflict = next(
        k for k in ledger.conflicts if k.kind == "contradiction" and control.id in k.claim_ids
    )
    assert len(conflict.sides) == 2
    camp_a, camp_b = (set(s) for s in conflict.sides)
    assert camp_a and camp_b and not camp_a & camp_b
    assert camp_a | camp_b == set(conflict.claim_ids)
    repelled = claim_with(ledger, "repelled")
    assert {control.id, repelled.id} <= camp_a | camp_b
    assert (control.id in camp_a) != (repelled.id in camp_a)


def test_numeric_conflict_has_one_camp_per_figure():
    ledger = run(raid())
    numeric = next(k for k in ledger.conflicts if k.kind == "numeric")
    sixty, three_hundred = claim_with(ledger, "60"), claim_with(ledger, "300")
    assert [set(s) for s in numeric.sides] == [{sixty.id}, {three_hundred.id}]


def test_report_shows_camps_side_by_side(tmp_path):
    ledger = run(raid())
    paths = write_outputs(ledger, tmp_path)
    text = paths["markdown"].read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| ") and "control" in line]
    # the claim of control and the claim of repulsion stand in one row, in two columns
    assert any(
        "repelled" in row and row.index("control") < row.index("repelled") for row in rows
    )
    html = paths["html"].read_text(encoding="utf-8")
    assert "repelled" in html and "taken control" in html


def test_relative_times_resolve_against_an_anchor():
    assert resolve_relative("weekday:1", "2024-03-13") == "2024-03-12"
    assert resolve_relative("weekday:1;part_of_day:night", "2024-03-12") == "2024-03-12"
    assert resolve_relative("days:-1", "2024-03-12") == "2024-03-11"
    assert resolve_relative("today;part_of_day:morning", "2024-03-12T08:00:00") == "2024-03-12"
    assert resolve_relative("monthday:03-15..03-17", "2024-03-12") == "2024-03-15"
    assert resolve_relative("monthday:12-30", "2024-01-05") == "2023-12-30"
    assert resolve_relative("month:02;part_of_month:mid", "2024-03-12") == "2024-02"
    assert resolve_relative("clock:12:40", "2024-03-12") == "2024-03-12T12:40"
    assert resolve_relative("text:someday", "2024-03-12") is None
    assert resolve_relative("weekday:1", None) is None


def _case_with_times() -> Case:
    case = raid()
    text = case.articles[0].text
    # the article's date was inferred by the group stage: extraction left values empty
    case.articles[0] = replace(
        case.articles[0], published="2024-03-13", published_inferred=True
    )
    when = span(text, "The ministry")  # any span will do; the time is its own text
    ann = case.annotations["a1"]
    times = (
        TimeExpression(when.start, when.end, text[when.start : when.end], None,
                       relative="weekday:1", sentence=2),
    )
    case.annotations["a1"] = replace(ann, times=times)
    return case


def test_event_times_are_resolved_and_quote_the_article():
    case = _case_with_times()
    ledger = run(case)
    event = ledger.events[0]
    assert event.times
    texts = {a.id: a.text for a in ledger.articles}
    for t in event.times:
        assert texts[t.article_id][t.start : t.end] == t.text
    assert event.times[0].value == "2024-03-12"


def test_articles_without_outlet_get_a_readable_label():
    url = Article("x", "h", "https://www.example.org/news/1", "t", title="A headline")
    titled = Article("y", "h", "/data/002_abc.txt", "t", title="  A  long headline " * 8)
    bare = Article("z", "h", "/data/003_def.txt", "t")
    named = Article("w", "h", "/data/004.txt", "t", outlet="Daily Paper", title="T")
    assert (outlet_label(url), outlet_basis(url)) == ("example.org", "host")
    assert outlet_basis(titled) == "headline" and outlet_label(titled).endswith("…”")
    assert (outlet_label(bare), outlet_basis(bare)) == ("003_def.txt", "file")
    assert (outlet_label(named), outlet_basis(named)) == ("Daily Paper", "outlet")


def test_labels_are_used_in_claims_reports_and_csv(tmp_path):
    case = raid()
    case.articles = [replace(a, outlet=None) for a in case.articles]
    ledger = run(case)
    labels = {outlet_label(a) for a in ledger.articles}
    assert all(c.outlets and set(c.outlets) <= labels for c in ledger.claims)
    paths = write_outputs(ledger, tmp_path)
    with paths["csv"].open(encoding="utf-8") as handle:
        row = next(csv.DictReader(handle))
    assert "Title a1" in row["source"] and "headline" in row["source"]
    assert "Title a1" in paths["markdown"].read_text(encoding="utf-8")


def _quantity(text: str, surface: str, subject: str) -> Quantity:
    s = span(text, surface)
    return Quantity(s.start, s.end, surface, 1.0, subject=subject)


def test_slot_from_the_words_after_a_quoted_figure():
    text = "And it adds “100 Enemy Soldiers” were killed and “Six tanks” were destroyed."
    q = settle_slot(_quantity(text, "100", "Enemy Soldiers"), text, 0)
    assert q.slot == "killed"
    tanks = settle_slot(_quantity(text, "Six", "tanks"), text, 0)
    assert tanks.slot == "destroyed"


def test_slot_from_a_list_of_losses():
    text = "TASS announced minor losses: “About 60 Ukrainian terrorists, 5 tanks and a carrier."
    assert settle_slot(_quantity(text, "About 60", "Ukrainian terrorists"), text, 0).slot == (
        "killed"
    )
    assert settle_slot(_quantity(text, "5", "tanks"), text, 0).slot == "destroyed"
    # no casualty word governs the number: it stays as the extractor left it
    plain = "The group announced plans: 60 volunteers will march."
    assert settle_slot(_quantity(plain, "60", "volunteers"), plain, 0).slot == "other"


def test_figure_after_a_cue_takes_its_claimant():
    case = Case()
    case.entity(MINISTRY, "ORG", "Russian Defence Ministry")
    text = (
        "The Russian Defence Ministry said the raid failed. "
        "The Russian Defence Ministry announced losses: “About 60 enemy soldiers and 5 tanks."
    )
    case.article(
        "b1", text, outlet="Wire", origin="g1",
        mentions=[("Russian Defence Ministry", "ORG", MINISTRY),
                  ("Russian Defence Ministry@2", "ORG", MINISTRY)],
        attributions=[("The Russian Defence Ministry", "said", "the raid failed", "asserts")],
        quantities=[("About 60", 60, "other", "enemy soldiers", None)],
    )
    ann = case.annotations["b1"]
    second = span(text, "The Russian Defence Ministry", 10)
    from newsledger.model import Attribution

    att = Attribution(second, span(text, "announced"), span(text, "losses"), sentence=1)
    case.annotations["b1"] = replace(ann, attributions=(*ann.attributions, att))
    ledger = build_ledger(
        case.articles, case.annotations, case.resolution(), case.origin_groups(),
        [case.cluster()], [],
    )
    figure = next(c for c in ledger.claims if any(q.slot == "killed" for q in c.quantities))
    assert figure.claimants == (MINISTRY,)
    quote = figure.evidence[0].quote
    assert "About 60" in quote and text[figure.evidence[0].start:].startswith(quote)


def test_nationality_before_a_name_gives_the_speaker_a_side():
    from newsledger.reconcile.claims import context_nations

    case = Case()
    case.entity("p-agency", "ORG", "Novo Agency")
    case.entity("p-other", "ORG", "Plain Agency")
    text = "As reported by Russian state media Novo Agency, the drone fell. Plain Agency said so."
    case.article(
        "n1", text, outlet="Wire", origin="g1",
        mentions=[("Novo Agency", "ORG", "p-agency"), ("Plain Agency", "ORG", "p-other")],
    )
    found = context_nations(case.resolution().entities, {a.id: a for a in case.articles})
    assert found == {"p-agency": "RU"}


def test_pronoun_resolved_outside_the_sentence_yields_to_the_last_speaker():
    case = Case()
    case.entity(MINISTRY, "ORG", "Russian Defence Ministry")
    case.entity("p-town", "GPE", "Belgorod", country="RU", feature="P.PPLA")
    text = (
        "The Russian Defence Ministry said the attack near Belgorod was repelled. "
        "It claimed the elimination of 60 enemy soldiers."
    )
    case.article(
        "p1", text, outlet="Wire", origin="g1",
        mentions=[("Russian Defence Ministry", "ORG", MINISTRY), ("Belgorod", "GPE", "p-town")],
        attributions=[
            ("The Russian Defence Ministry", "said", "the attack near Belgorod was repelled",
             "asserts"),
            ("Belgorod", "claimed", "the elimination of 60 enemy soldiers", "asserts"),
        ],
        quantities=[("60", 60, "killed", "enemy soldiers", 1)],
    )
    ledger = run(case)
    sixty = claim_with(ledger, "60")
    assert sixty.claimants == (MINISTRY,)


# --------------------------------------------------------------- analyst follow-ups


def test_negative_content_is_the_denial_itself():
    from newsledger.reconcile.lexicon import HELD, NO_HARM, outcome, self_negative, stance

    # "According to X, there was no violation": extraction marks it "denies"; no double flip
    assert outcome("there was no violation of the border", "denies") == HELD
    assert outcome("there was no violation of the border", "asserts") == HELD
    assert outcome("nobody was hurt", "denies") == NO_HARM
    assert outcome("no one was hurt", "denies") == NO_HARM
    # a real denial of a positive content still flips
    assert outcome("the village was captured", "denies") == HELD
    # a negated advance holds; a negation inside a relative clause does not count
    assert outcome("the village was not captured") == HELD
    assert outcome("Russian forces failed to take control of the village") == HELD
    assert not self_negative("the village, which had not been shelled, was captured")
    assert stance("there was no breakthrough", "asserts") == "denies"
    assert stance("any breakthrough by the attackers", "denies") == "denies"
    assert stance("the attack was repelled", "asserts") == "asserts"
    assert stance("no fewer than 60 soldiers were killed", "asserts") == "asserts"
    assert stance("it was not only the village that was shelled", "asserts") == "asserts"


def _denial_case(polarity: str) -> Case:
    case = raid()
    case.entity("p-tass", "ORG", "TASS")
    text = "TASS reported that there was no violation of the border at Tetkino."
    case.article("n1", text, outlet="Agency", origin="g9",
                 mentions=[("TASS", "ORG", "p-tass"), ("Tetkino", "GPE", "p-vil")],
                 attributions=[("TASS", "reported",
                                "there was no violation of the border at Tetkino", polarity)])
    return case


def test_negative_content_marked_denies_reads_naturally_and_holds_ground():
    for polarity in ("denies", "asserts"):
        ledger = run(_denial_case(polarity))
        claim = claim_with(ledger, "no violation")
        assert claim.statement == "TASS: there was no violation of the border at Tetkino."
        control = claim_with(ledger, "control")
        conflict = next(k for k in ledger.conflicts if control.id in k.claim_ids)
        camp = next(set(s) for s in conflict.sides if claim.id in s)
        assert control.id not in camp and claim_with(ledger, "repelled").id in camp


def test_unattributed_absence_agrees_with_the_same_absence_reported():
    case = _denial_case("denies")
    text = "There was no violation of the border at Tetkino on Tuesday."
    case.article("n2", text, outlet="Paper2", origin="g10",
                 mentions=[("Tetkino", "GPE", "p-vil")],
                 events=[("violation", "Battles", "Armed clash")])
    ledger = run(case)
    tass = claim_with(ledger, "TASS")
    # one stance ("denies") for the cue-less sentence and the reported denial: one claim
    assert {e.article_id for e in tass.evidence} == {"n1", "n2"}
    assert tass.independent_origins == 2


def test_nationality_with_a_body_noun_is_a_speaker_not_an_anaphor():
    from newsledger.reconcile.statements import is_anaphor

    assert not is_anaphor("the Russian authorities")
    assert not is_anaphor("the Kremlin")
    assert is_anaphor("the ministry") and is_anaphor("they") and is_anaphor("its spokesman")
    case = Case()
    case.entity("p-leg", "ARMED_GROUP", "Freedom of Russia Legion")
    text = ("The Freedom of Russia Legion said it had entered the village. "
            "The Russian authorities said drones targeted two oil depots.")
    case.article("r1", text, outlet="Wire", origin="o1",
                 mentions=[("Freedom of Russia Legion", "ARMED_GROUP", "p-leg")],
                 attributions=[
                     ("The Freedom of Russia Legion", "said", "it had entered the village",
                      "asserts"),
                     ("The Russian authorities", "said",
                      "drones targeted two oil depots", "asserts"),
                 ],
                 events=[("entered the village", "Battles", "Armed clash"),
                         ("drones targeted", "Explosions/Remote violence", "Air/drone strike")])
    ledger = run(case)
    depots = claim_with(ledger, "oil depots")
    assert "p-leg" not in depots.claimants
    assert depots.statement.startswith("The Russian authorities:")


def test_unresolved_pronoun_speaker_is_shown_as_unidentified():
    case = Case()
    text = "Sirens sounded in the city. \"We urge everyone to leave,\" they added."
    case.article("u1", text, outlet="Wire", origin="o1",
                 attributions=[("they", "added", "We urge everyone to leave", "asserts")],
                 events=[("Sirens sounded", "Strategic developments", "Other")])
    ledger = run(case)
    claim = claim_with(ledger, "urge everyone")
    assert claim.statement.startswith("Unidentified speaker (“they”): We urge")


def test_pronoun_speaker_takes_the_person_named_before_it():
    case = raid()
    case.entity("p-gov", "PERSON", "Roman Starovoit")
    text = ("Governor Roman Starovoit confirmed the attack on Tetkino and reported a slight "
            "injury, however he also denied any breakthrough by the attackers.")
    case.article("f1", text, outlet="Agency", origin="g7",
                 mentions=[("Roman Starovoit", "PERSON", "p-gov"), ("Tetkino", "GPE", "p-vil")],
                 attributions=[("he", "denied", "any breakthrough by the attackers", "denies")])
    ledger = run(case)
    denial = claim_with(ledger, "breakthrough")
    assert denial.claimants == ("p-gov",)
    assert denial.statement == "Roman Starovoit: denies any breakthrough by the attackers."


def test_bare_noun_phrase_keeps_its_reporting_verb():
    case = Case()
    case.entity("p-gov", "PERSON", "Roman Starovoit")
    text = "Roman Starovoit confirmed the attack on the border town."
    case.article("v1", text, outlet="Wire", origin="o1",
                 mentions=[("Roman Starovoit", "PERSON", "p-gov")],
                 attributions=[("Roman Starovoit", "confirmed", "the attack on the border town",
                                "asserts")],
                 events=[("attack", "Battles", "Armed clash")])
    ledger = run(case)
    assert claim_with(ledger, "attack").statement == (
        "Roman Starovoit: confirmed the attack on the border town."
    )


def test_quotes_cut_by_a_span_are_closed():
    from newsledger.reconcile.text import clean_content

    assert clean_content("the border “violation”") == "the border “violation”"
    assert clean_content('the assault had been "repelled."') == 'the assault had been "repelled"'
    assert clean_content("building hit”leaving two") == "“building hit” leaving two"
    assert clean_content("“To minimize harm, we urge”") == "To minimize harm, we urge"
    assert clean_content("to have taken the village") == "taken the village"


def _wire_copies() -> Case:
    case = Case()
    case.entity("p-gov", "PERSON", "Vyacheslav Gladkov")
    case.entity("p-bel", "GPE", "Belgorod", country="RU", feature="P.PPLA")
    one = ("Vyacheslav Gladkov said a drone crashed on the town hall of Belgorod without "
           "causing any casualties.")
    two = ("Vyacheslav Gladkov said a drone hit the town hall of Belgorod, leaving two "
           "people wounded.")
    for aid, text, content in (
        ("w1", one, "a drone crashed on the town hall of Belgorod without causing any casualties"),
        ("w2", two, "a drone hit the town hall of Belgorod, leaving two people wounded"),
    ):
        case.article(aid, text, outlet=f"Copy {aid}", origin="wire",
                     mentions=[("Vyacheslav Gladkov", "PERSON", "p-gov"),
                               ("Belgorod", "GPE", "p-bel")],
                     attributions=[("Vyacheslav Gladkov", "said", content, "asserts")],
                     quantities=[("two", 2, "wounded", "people", 0)] if aid == "w2" else [],
                     events=[("drone", "Explosions/Remote violence", "Air/drone strike")])
    return case


def test_same_speaker_in_both_camps_is_a_reporting_discrepancy():
    ledger = run(_wire_copies())
    (conflict,) = [k for k in ledger.conflicts if k.kind == "contradiction"]
    text = conflict.explanation
    assert text.startswith("Reports disagree about what Vyacheslav Gladkov said")
    assert "Against this" not in text and "copies of one story" in text
    assert "Copy w1" in text and "Copy w2" in text


def test_different_speakers_stay_two_camps():
    ledger = run(raid())
    control = claim_with(ledger, "control")
    conflict = next(k for k in ledger.conflicts if control.id in k.claim_ids)
    assert "Against this" in conflict.explanation
    assert "Reports disagree" not in conflict.explanation


def _raid_with_forces(forces: bool) -> Case:
    case = raid()
    case.entity("p-vol", "ARMED_GROUP", "Russian volunteers")
    mentions = [("Russian volunteers", "ARMED_GROUP", "p-vol")]
    text = "Russian volunteers said they had taken control of Tetkino."
    if forces:
        case.entity("p-forces", "ARMED_GROUP", "Russian forces")
        text += " Russian forces fought the volunteers near the border."
        mentions.append(("Russian forces", "ARMED_GROUP", "p-forces"))
    case.article("x1", text, outlet="Blog", origin="g11", mentions=mentions,
                 attributions=[("Russian volunteers", "said", "they had taken control of Tetkino",
                                "asserts")],
                 events=[("fought", "Battles", "Armed clash")] if forces else [])
    return case


def test_actor2_is_the_state_force_on_the_other_side_not_an_ally():
    ledger = run(_raid_with_forces(True))
    (event,) = ledger.events
    assert event.actors[0] == "p-legion"
    assert event.actors[1] == "p-forces"
    assert "p-vol" in event.actors[2:]


def test_actor2_falls_back_to_the_opposing_camp():
    from tests.test_reconcile import LEGION, MINISTRY

    ledger = run(_raid_with_forces(False))
    (event,) = ledger.events
    assert event.actors[:2] == (LEGION, MINISTRY)


def test_allegiance_prefix_makes_a_group_non_state():
    from newsledger.model import Entity
    from newsledger.reconcile.events import non_state

    assert non_state(Entity("a", "ARMED_GROUP", "Pro-Ukrainian Russian Forces", (), ()))
    assert not non_state(Entity("b", "ARMED_GROUP", "Russian forces", (), ()))


def test_fatalities_basis_shows_its_arithmetic():
    ledger = run(raid())
    (event,) = ledger.events
    basis = event.fatalities.basis
    best, high = event.fatalities.best, event.fatalities.high
    assert basis.startswith(f"{best} killed = ")
    assert f"up to {high} = " in basis
    # the terms named add up to the best figure
    import re

    terms = [int(x) for x in re.findall(r"(\d+) \(", basis.split(";")[0].split("=", 1)[1])]
    assert sum(terms) == best and len(terms) >= 2


def test_headline_and_subheading_are_not_part_of_a_claim():
    case = Case()
    text = ("Title h1\n\nDrones struck an oil depot in the region on Tuesday night. "
            "More news follows here.\n\n– Far from the border –\n\nA second drone hit a "
            "power line near the town, officials have not commented.")
    case.article("h1", text, outlet="Wire", origin="o1",
                 events=[("Drones struck", "Explosions/Remote violence", "Air/drone strike"),
                         ("second drone hit", "Explosions/Remote violence", "Air/drone strike"),
                         ("Title", "Explosions/Remote violence", "Air/drone strike")])
    ledger = run(case)
    statements = sorted(c.statement for c in ledger.claims)
    assert any(s.startswith("Drones struck an oil depot") for s in statements), statements
    assert any(s.startswith("A second drone hit") for s in statements), statements
    assert not any("Title h1" in s or "Far from the border" in s for s in statements)
    for claim in ledger.claims:
        for ev in claim.evidence:
            assert text[ev.start : ev.end] == ev.quote


def test_only_a_disclaimer_reaches_back_to_the_sentence_before():
    def status(second: str) -> str:
        case = Case()
        case.entity("p-army", "ORG", "Defence Ministry")
        text = f"Defence Ministry said the bridge at the river was destroyed. {second}"
        case.article("d1", text, outlet="Wire", origin="o1",
                     mentions=[("Defence Ministry", "ORG", "p-army")],
                     attributions=[("Defence Ministry", "said",
                                    "the bridge at the river was destroyed", "asserts")],
                     events=[("destroyed", "Explosions/Remote violence", "Shelling")])
        return claim_with(run(case), "bridge").status

    assert status("The claim could not be independently verified.") == "unverified-as-reported"
    # an inline hedge belongs to its own sentence's claim, not to the one before it
    assert status("Separately, drones allegedly hit a fuel depot overnight.") == "single-source"


def test_a_claimants_later_report_supersedes_its_earlier_toll():
    def toll(second_day: str) -> int | None:
        case = Case()
        case.entity("p-gov", "ORG", "Regional Governor")
        for aid, day, n in (("t1", "2024-03-12", "3"), (("t2", second_day, "7"))):
            text = f"The Regional Governor said {n} civilians were killed in the shelling."
            case.article(aid, text, outlet=f"Outlet {aid}", origin=aid,
                         mentions=[("Regional Governor", "ORG", "p-gov")],
                         attributions=[("The Regional Governor", "said",
                                        f"{n} civilians were killed in the shelling", "asserts")],
                         quantities=[(n, float(n), "killed", "civilians", 0)],
                         events=[("shelling", "Explosions/Remote violence", "Shelling")])
            case.articles[-1] = replace(case.articles[-1], published=day)
        (event,) = run(case).events
        assert event.fatalities is not None
        return event.fatalities.best

    # the governor's next-day count replaces the first one ...
    assert toll("2024-03-13T09:00:00") == 7
    # ... while two counts of one day, order lost, leave the rising toll's highest
    assert toll("2024-03-12") == 7
    # an earlier-dated larger count is what the later report revised downward
    assert toll("2024-03-11") == 3


def test_claims_opposed_by_polarity_alone_form_two_camps() -> None:
    """A capture and a denial of that capture share the outcome; polarity splits them."""
    from newsledger.reconcile.claims import _contradictions, _Draft
    from newsledger.reconcile.lexicon import ADVANCE
    from newsledger.reconcile.propositions import Proposition

    words = ("forces", "captured", "village", "border", "overnight")
    drafts = [
        _Draft(statements=[], props=[Proposition(words=words, outcome=ADVANCE)], figures=[]),
        _Draft(
            statements=[],
            props=[Proposition(words=words, polarity="denies", outcome=ADVANCE)],
            figures=[],
        ),
    ]
    conflicts = _contradictions("ev-1", drafts, {})
    assert len(conflicts) == 1
    assert "Against this" in conflicts[0].explanation
