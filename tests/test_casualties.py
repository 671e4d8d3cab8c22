"""ACLED's conservative casualty rule over one incident's figures."""

from __future__ import annotations

import pytest

from newsledger.model import Quantity
from newsledger.reconcile.casualties import estimate_casualties, report_figures


def q(
    value: float, slot: str = "killed", qualifier: str = "exact", low=None, high=None
) -> Quantity:
    lo = value if low is None and qualifier not in {"up_to", "at_most"} else low
    hi = value if high is None and qualifier not in {"at_least", "over"} else high
    return Quantity(0, 1, str(value), value, lo, hi, qualifier=qualifier, slot=slot)


def test_lowest_credible_figure_is_best() -> None:
    est = estimate_casualties([q(60), q(100), q(300, qualifier="about")], ["TASS", "RIA", "MoD"])
    killed = est["killed"]
    assert (killed.low, killed.best, killed.high) == (60, 60, 300)
    assert "TASS" in killed.basis and "MoD" in killed.basis
    assert "wounded" not in est


def test_lower_bounds_are_not_undercut() -> None:
    est = estimate_casualties([q(3), q(5, qualifier="at_least")], [None, None])["killed"]
    assert est.best == 5
    only_bound = estimate_casualties([q(25, qualifier="at_least")], ["X"])["killed"]
    assert (only_bound.best, only_bound.high) == (25, 25)


def test_zero_reports_yield_only_without_positive_figures() -> None:
    est = estimate_casualties([q(0, "wounded"), q(2, "wounded")], ["A", "B"])["wounded"]
    assert est.best == 2 and est.low == 0
    assert "contradicted" in est.basis
    assert estimate_casualties([q(0, "wounded")], ["A"])["wounded"].best == 0


def test_ranges_count_by_their_low_end() -> None:
    est = estimate_casualties([q(5, qualifier="range", low=5, high=10)], [None])["killed"]
    assert (est.low, est.best, est.high) == (5, 5, 10)


def test_report_figures_keep_each_reports_total() -> None:
    figures = report_figures([q(4, "wounded"), q(1, "wounded"), q(1), q(3, qualifier="vague")])
    assert sorted((f.slot, f.value) for f in figures) == [("killed", 1), ("wounded", 4)]


def test_people_shot_include_the_dead() -> None:
    from dataclasses import replace

    shot = replace(q(6, "wounded"), trigger="shoot", start=0)
    dead = replace(q(2), trigger="kill", start=10)
    figures = {f.slot: f.value for f in report_figures([shot, dead])}
    assert figures == {"killed": 2, "wounded": 4}
    elsewhere = replace(dead, sentence=3)
    assert {f.slot: f.value for f in report_figures([shot, elsewhere])}["wounded"] == 6


def test_survivors_of_a_shooting_are_not_dropped_as_the_dead() -> None:
    from dataclasses import replace

    shot = replace(q(4, "wounded"), trigger="shoot", start=0)
    dead = replace(q(2), trigger="kill", start=10)
    figures = report_figures([shot, dead])
    est = estimate_casualties(figures, [None] * len(figures))
    assert (est["killed"].best, est["wounded"].best) == (2, 2)


def test_others_shot_leave_the_dead_out() -> None:
    from dataclasses import replace

    others = replace(q(6, "wounded"), trigger="shoot", start=0, subject="others")
    dead = replace(q(1), trigger="kill", start=10)
    assert {f.slot: f.value for f in report_figures([others, dead])}["wounded"] == 6


def _dated(value: float, slot: str = "wounded", **kw) -> Quantity:
    from dataclasses import replace

    return replace(q(value, slot, **kw), trigger=kw.get("trigger", "wound"))


def test_a_later_report_of_the_same_source_supersedes_an_earlier_one() -> None:
    figures = [_dated(4), _dated(5)]
    est = estimate_casualties(figures, [None, None], ["2015-01-20", "2015-01-21T09:00"])
    wounded = est["wounded"]
    assert (wounded.low, wounded.best, wounded.high) == (4, 5, 5)
    assert "superseded" in wounded.basis
    # without dates: the lowest credible figure
    assert estimate_casualties(figures, [None, None])["wounded"].best == 4
    # one source's two counts of one day: updates in an unknown order, the toll rises
    assert estimate_casualties(figures, [None, None], ["2015-01-20"] * 2)["wounded"].best == 5
    # two claimants on one day: the lowest credible figure
    two = estimate_casualties(figures, ["police", "hospital"], ["2015-01-20"] * 2)
    assert two["wounded"].best == 4


def test_different_claimants_are_not_revisions_of_each_other() -> None:
    figures = [q(60), q(100), q(300, qualifier="about")]
    est = estimate_casualties(
        figures, ["TASS", "RIA", "MoD"], ["2024-03-12", "2024-03-12", "2024-03-13"]
    )["killed"]
    assert (est.low, est.best, est.high) == (60, 60, 300)
    # the same claimant revising its own count is a revision
    later = estimate_casualties([q(60), q(100)], ["MoD", "mod"], ["2024-03-12", "2024-03-13"])
    assert later["killed"].best == 100


def test_a_later_report_without_a_count_supersedes_nothing() -> None:
    single = _dated(1, qualifier="at_least")
    est = estimate_casualties([_dated(5), single], [None, None], ["2015-01-20", "2015-01-22"])
    assert est["wounded"].best == 5
    with pytest.raises(ValueError):
        estimate_casualties([_dated(5)], [None], [])


def test_victims_described_one_by_one_are_counted() -> None:
    from dataclasses import replace

    def single(text: str, sentence: int) -> Quantity:
        return replace(
            _dated(1, qualifier="at_least"), text=text, sentence=sentence, trigger="shoot"
        )

    one_by_one = [single("A woman", 2), single("another woman", 2), single("a man", 2)]
    assert [f.value for f in report_figures(one_by_one)] == [3]
    # a headline and a lead restating one victim, or a definite "the boy", add nobody
    restated = [single("A man", 0), single("A man", 1), single("the man", 1)]
    assert [f.value for f in report_figures(restated)] == [1]


def test_stated_survivors_show_the_people_hit_include_the_dead() -> None:
    from dataclasses import replace

    shot = replace(q(4, "wounded"), trigger="shoot", start=0, sentence=0)
    died = replace(q(1, qualifier="at_least"), trigger="die", start=50, sentence=3)
    injured = replace(q(3, "wounded"), trigger="injure", start=60, sentence=3)
    figures = {f.slot: f.value for f in report_figures([shot, died, injured])}
    assert figures == {"killed": 1, "wounded": 3}
    # a "three" elsewhere that is not an injury count proves nothing
    hospital = replace(injured, trigger="hospitalize")
    assert {f.slot: f.value for f in report_figures([shot, died, hospital])}["wounded"] == 4


def test_a_gunshot_wound_suffered_by_the_dead_is_not_a_wounded_victim() -> None:
    from dataclasses import replace

    suffered = replace(q(1, "wounded", qualifier="at_least"), trigger="suffer")
    dead = replace(q(1, qualifier="at_least"), trigger="die", start=5)
    figures = report_figures([suffered, dead])
    assert [f.slot for f in figures] == ["killed"]
    # across reports too: one report's wounded victim is another's dead
    est = estimate_casualties([suffered, dead], [None, None])
    assert "wounded" not in est and est["killed"].best == 1


def test_another_person_shot_is_not_the_dead_counted_twice() -> None:
    from dataclasses import replace

    shot_dead = replace(q(1, qualifier="at_least"), trigger="shoot", subject="teen")
    shot = replace(q(1, "wounded", qualifier="at_least"), trigger="shoot", subject="teen")
    another = replace(shot, subject="another 16-year-old boy", start=40, sentence=2)
    assert [f.slot for f in report_figures([shot_dead, shot])] == ["killed"]
    figures = {f.slot: f.value for f in report_figures([shot_dead, shot, another])}
    assert figures == {"killed": 1, "wounded": 1}
    # across reports too: "another" victim hit is not the dead one
    assert "wounded" not in estimate_casualties([shot_dead, shot], [None, None])
    est = estimate_casualties([shot_dead, another], [None, None])
    assert est["wounded"].best == 1


def test_a_lone_victim_who_died_after_the_first_reports_is_not_also_wounded() -> None:
    from dataclasses import replace

    hurt = replace(_dated(1, qualifier="at_least"), trigger="injure")
    dead = replace(_dated(1, "killed", qualifier="at_least"), trigger="die")
    est = estimate_casualties([hurt, dead], [None, None], ["2015-03-31", "2015-04-02"])
    assert est["killed"].best == 1
    assert "wounded" not in est
    # a report of the same day as the death keeps its survivor ("kills one, injures another")
    same = estimate_casualties([hurt, dead], [None, None], ["2015-04-02", "2015-04-02"])
    assert same["wounded"].best == 1
    # a counted wounded figure is not one lone victim
    counted = estimate_casualties(
        [_dated(3), hurt, dead], [None] * 3, ["2015-03-31", "2015-03-31", "2015-04-02"]
    )
    assert counted["wounded"].best == 3
    # without a later death the victim stays wounded
    early = estimate_casualties([hurt, dead], [None, None], ["2015-04-03", "2015-04-02"])
    assert early["wounded"].best == 1
