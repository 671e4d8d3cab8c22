"""Casualty figures for one incident from many reports, by ACLED's conservative rule.

ACLED codes the lowest credible figure when reports disagree. Exact and
approximate figures are the candidates; "at least N" figures and implicit
single victims ("a man was killed") are lower bounds that an exact figure must
not undercut; "up to N" figures only bound from above. A report of no
casualties counts as the best figure only when nobody reports a positive one
(otherwise it is a contradiction for the conflict finder, not a lower figure).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from newsledger.model import Quantity

CASUALTY_SLOTS = ("killed", "wounded")
LOWER_BOUNDS = frozenset({"at_least", "over"})
UPPER_BOUNDS = frozenset({"up_to", "at_most"})
HIT_TRIGGERS = frozenset({"shoot", "hit", "strike"})  # counts of people hit, dead included


@dataclass(frozen=True)
class CasualtyEstimate:
    slot: str
    low: int | None
    best: int | None
    high: int | None
    basis: str


def report_figures(quantities: Sequence[Quantity]) -> list[Quantity]:
    """One report's own figure per casualty slot.

    Within one article smaller numbers usually describe parts of the toll ("two
    of the victims") and stray numbers come from unrelated boxes, so the figure
    stated first (headline, lead) is the report's figure. A count of people
    *shot* includes the dead ("6 shot, 2 killed" in one sentence), so it yields
    wounded = shot - killed. ACLED's lowest-figure rule then applies across
    reports, in :func:`estimate_casualties`.
    """
    out: list[Quantity] = []
    chosen: dict[str, Quantity] = {}
    for slot in CASUALTY_SLOTS:
        figures = [q for q in quantities if q.slot == slot and q.value is not None]
        counted = [q for q in figures if q.qualifier != "vague"] or figures
        if not counted:
            continue
        positive = [q for q in counted if q.value]
        if not positive:
            chosen[slot] = counted[0]
            continue
        numbered = [q for q in positive if q.qualifier != "at_least" or q.value != 1] or positive
        first = min(numbered, key=lambda q: q.start)
        chosen[slot] = first
    killed = chosen.get("killed")
    wounded = chosen.get("wounded")
    if (
        wounded is not None
        and wounded.trigger in HIT_TRIGGERS
        and killed is not None
        and killed.value
        and wounded.value is not None
        and wounded.value > killed.value
        and not _others(wounded)
        and _killed_among(killed, wounded, quantities)
    ):
        rest = wounded.value - killed.value
        # the survivors only: no longer a count of people hit
        chosen["wounded"] = replace(wounded, value=rest, low=rest, high=rest, trigger="wound")
    elif (
        wounded is not None
        and wounded.trigger in HIT_TRIGGERS
        and killed is not None
        and wounded.value == killed.value
    ):
        del chosen["wounded"]  # "shot and killed" counted twice
    out.extend(chosen.values())
    return out


def _others(q: Quantity) -> bool:
    """ "6 others shot": the count already leaves the dead out."""
    return bool(q.subject and re.search(r"\bother", q.subject, re.I))


def _killed_among(killed: Quantity, hit: Quantity, quantities: Sequence[Quantity]) -> bool:
    """The dead are among those shot when a death count sits in the same sentence, or
    when the count names the shooting ("a triple shooting": three people hit)."""
    return (
        any(q.slot == "killed" and q.value and q.sentence == hit.sentence for q in quantities)
        or killed.sentence == hit.sentence
        or bool(re.match(r"(?:double|triple|quadruple|quintuple)\b", hit.text, re.I))
    )


def _fmt(q: Quantity, claimant: str | None) -> str:
    who = claimant or "unattributed"
    return f"{q.text.strip()!r} ({who})"


def estimate_casualties(
    quantities: Sequence[Quantity], claimants: Sequence[str | None]
) -> dict[str, CasualtyEstimate]:
    """Low/best/high killed and wounded over one incident's quantities (claimants aligned)."""
    if len(claimants) != len(quantities):
        raise ValueError("claimants must be aligned with quantities")
    out: dict[str, CasualtyEstimate] = {}
    for slot in CASUALTY_SLOTS:
        figures = [
            (q, c)
            for q, c in zip(quantities, claimants, strict=True)
            if q.slot == slot and q.value is not None
        ]
        killed = out.get("killed")
        if (
            slot == "wounded"
            and killed is not None
            and killed.best
            and figures
            and all(q.trigger in HIT_TRIGGERS and (q.value or 0) <= killed.best for q, _ in figures)
        ):
            continue  # only "was shot" counts no larger than the dead: the same victims
        if not figures:
            continue
        zeros = [(q, c) for q, c in figures if q.value == 0]
        positive = [(q, c) for q, c in figures if q.value and q.value > 0]
        floors = [q.value for q, _ in positive if q.qualifier in LOWER_BOUNDS]
        floor = max(floors, default=0.0)
        exact = [
            (q, c)
            for q, c in positive
            if q.qualifier not in LOWER_BOUNDS | UPPER_BOUNDS and (q.low or q.value) >= floor
        ]
        if exact:
            q_best, _ = min(
                exact, key=lambda qc: qc[0].low if qc[0].low is not None else qc[0].value
            )
            best = q_best.low if q_best.low is not None else q_best.value
            rule = "lowest credible figure"
        elif floors:
            best = floor
            rule = "highest lower bound"
        elif positive:
            best = min(q.value for q, _ in positive if q.value is not None)
            rule = "lowest upper bound"
        else:
            best = 0.0
            rule = "reports of no casualties"
        lows = [q.low if q.low is not None else q.value for q, _ in figures]
        highs = [q.high if q.high is not None else q.value for q, _ in figures]
        used = ", ".join(_fmt(q, c) for q, c in figures)
        basis = f"{slot}: {rule} among {used}"
        if zeros and positive:
            basis += "; contradicted by reports of no casualties"
        out[slot] = CasualtyEstimate(
            slot=slot,
            low=int(min(v for v in lows if v is not None)),
            best=int(best) if best is not None else None,
            high=int(max(v for v in highs if v is not None)),
            basis=basis,
        )
    return out
