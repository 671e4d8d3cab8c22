"""ACLED's conservative casualty rule over one incident's figures."""

from __future__ import annotations

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
