"""Casualty figures for one incident from many reports, by ACLED's conservative rule.

ACLED codes the lowest credible figure when reports disagree. Exact and
approximate figures are the candidates; "at least N" figures and implicit
single victims ("a man was killed") are lower bounds that an exact figure must
not undercut; "up to N" figures only bound from above. A report of no
casualties counts as the best figure only when nobody reports a positive one
(otherwise it is a contradiction for the conflict finder, not a lower figure).
With publication dates, a source's later count supersedes its earlier one
(:func:`current_figures`); different claimants still meet the lowest-figure rule.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from newsledger.model import Quantity

CASUALTY_SLOTS = ("killed", "wounded")
LOWER_BOUNDS = frozenset({"at_least", "over"})
UPPER_BOUNDS = frozenset({"up_to", "at_most"})
# counts of people hit, the dead included: "was shot", "suffered a gunshot wound"
HIT_TRIGGERS = frozenset({"shoot", "hit", "strike", "suffer", "sustain", "receive"})


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
        numbered = [q for q in positive if not _single(q)]
        if numbered:
            first = min(numbered, key=lambda q: q.start)
            chosen[slot] = first
            continue
        first = min(positive, key=lambda q: q.start)
        n = _one_by_one(positive) if slot == "wounded" else 1.0
        chosen[slot] = replace(first, value=n, low=n) if n > 1 else first
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
        and (
            _killed_among(killed, wounded, quantities)
            or _survivors_stated(wounded.value - killed.value, quantities)
        )
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
        another = [q for q in quantities if q.slot == "wounded" and _another(q)]
        if another and _single(wounded):
            # "a teen was shot and killed ... another teen was shot in the ankle": a second
            # person, not the dead one counted twice
            chosen["wounded"] = another[0]
        else:
            del chosen["wounded"]  # "shot and killed" counted twice
    out.extend(chosen.values())
    return out


def _single(q: Quantity) -> bool:
    """ "a man was shot": one victim named without a count (at least one)."""
    return q.qualifier == "at_least" and q.value == 1


def _one_by_one(singles: Sequence[Quantity]) -> float:
    """Victims described one by one ("a woman was shot in the back, another woman in the
    face and a man in the chest"): each indefinite noun phrase introduces a new person,
    while definite ones ("the boy") and repeats of the same words refer back. Counted
    within one sentence, since headline and lead often restate the same victim."""
    by_sentence: dict[int, set[str]] = defaultdict(set)
    for q in singles:
        words = q.text.lower().split()
        if words and words[0] in {"a", "an", "another"}:
            by_sentence[q.sentence].add(" ".join(words[:6]))
    return float(max((len(v) for v in by_sentence.values()), default=1))


def _survivors_stated(rest: float, quantities: Sequence[Quantity]) -> bool:
    """ "four people were shot ... one died; the other three were injured": the report
    itself states the survivors, so the count of people hit included the dead."""
    return rest > 0 and any(
        q.slot == "wounded" and q.trigger in {"injure", "wound", "hurt"} and q.value == rest
        for q in quantities
    )


def _others(q: Quantity) -> bool:
    """ "6 others shot": the count already leaves the dead out."""
    return bool(q.subject and re.search(r"\bother", q.subject, re.I))


def _another(q: Quantity) -> bool:
    """ "another man was shot": one more victim introduced, not the one already counted."""
    return _single(q) and bool(q.subject and re.match(r"another\b", q.subject, re.I))


def _killed_among(killed: Quantity, hit: Quantity, quantities: Sequence[Quantity]) -> bool:
    """The dead are among those shot when a death count sits in the same sentence, or
    when the count names the shooting ("a triple shooting": three people hit)."""
    return (
        any(q.slot == "killed" and q.value and q.sentence == hit.sentence for q in quantities)
        or killed.sentence == hit.sentence
        or bool(re.match(r"(?:double|triple|quadruple|quintuple)\b", hit.text, re.I))
    )


Dated = tuple[Quantity, str | None, str | None]  # figure, claimant, publication date


def current_figures(dated: Sequence[Dated]) -> tuple[list[Dated], list[Dated]]:
    """(current, superseded) figures: a source's later count replaces its earlier ones.

    Tolls of a developing story rise as victims are found and are revised as news
    comes in (ACLED too revises a toll on newer information), so within one source
    (one claimant, or the press itself when a figure is unattributed) only the
    figures of its latest report that gives a definite count stand; its differing
    counts of that one day are updates whose order is lost, and since such a toll
    rises, the highest stands. Different claimants are not revisions of each other:
    their figures all stand and the lowest-credible rule decides between them.
    Superseded figures still widen the low/high range.
    """
    by_source: dict[str, list[int]] = defaultdict(list)
    for k, (_, claimant, _) in enumerate(dated):
        by_source[(claimant or "").strip().lower()].append(k)
    days = [_day(d) for _, _, d in dated]
    dropped: set[int] = set()
    for idx in by_source.values():
        latest = max(
            (days[k] for k in idx if days[k] is not None and _definite(dated[k][0])), default=None
        )
        if latest is None:
            continue
        dropped.update(k for k in idx if days[k] is not None and days[k] < latest)
        # one source's counts of one day that differ: updates whose order is lost, and a
        # developing toll only rises as victims are found
        same_day = [k for k in idx if days[k] == latest and _definite(dated[k][0])]
        top = max(dated[k][0].value or 0 for k in same_day)
        dropped.update(k for k in same_day if (dated[k][0].value or 0) < top)
    current = [f for k, f in enumerate(dated) if k not in dropped]
    return current, [f for k, f in enumerate(dated) if k in dropped]


def _died_later(
    dated: Sequence[Dated],
    killed: CasualtyEstimate | None,
    quantities: Sequence[Quantity],
    dates: Sequence[str | None],
) -> list[Dated]:
    """Wounded figures without the lone victim who died after the first reports.

    A story of one victim ("a boy was shot", "a teen in critical condition") whose
    later reports tell a death ("the boy has died") is one person killed: when every
    wounded figure is such a lone victim and a later report gives a death, the
    earlier reports' victim is the one who died, not a second person hurt. A report of
    a day that already told a death ("kills one, injures another") keeps its survivor.
    """
    if killed is None or not killed.best or any(not _single(q) for q, _, _ in dated if q.value):
        return list(dated)
    deaths = [
        _day(d)
        for q, d in zip(quantities, dates, strict=True)
        if q.slot == "killed" and q.value and _day(d) is not None
    ]
    last = max(deaths, default=None)
    if last is None:
        return list(dated)
    return [
        f
        for f in dated
        if not (_single(f[0]) and (day := _day(f[2])) and day < last and day not in deaths)
    ]


def _definite(q: Quantity) -> bool:
    """A count a report commits to: not a bare "a man was shot", not "several", not none."""
    if not q.value or q.qualifier == "vague":
        return False
    return not (q.qualifier in LOWER_BOUNDS and q.value <= 1)


def _day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _fmt(q: Quantity, claimant: str | None) -> str:
    who = claimant or "unattributed"
    return f"{q.text.strip()!r} ({who})"


def estimate_casualties(
    quantities: Sequence[Quantity],
    claimants: Sequence[str | None],
    published: Sequence[str | None] | None = None,
) -> dict[str, CasualtyEstimate]:
    """Low/best/high killed and wounded over one incident's quantities (claimants aligned).

    ``published`` (aligned too, ISO dates or datetimes of the reporting articles)
    lets a claimant's later count supersede its earlier one, see :func:`current_figures`.
    """
    if len(claimants) != len(quantities):
        raise ValueError("claimants must be aligned with quantities")
    if published is not None and len(published) != len(quantities):
        raise ValueError("published must be aligned with quantities")
    dates = list(published) if published is not None else [None] * len(quantities)
    out: dict[str, CasualtyEstimate] = {}
    for slot in CASUALTY_SLOTS:
        dated = [
            (q, c, d)
            for q, c, d in zip(quantities, claimants, dates, strict=True)
            if q.slot == slot and q.value is not None
        ]
        reported = [(q, c) for q, c, _ in dated]
        if slot == "wounded":
            dated = _died_later(dated, out.get("killed"), quantities, dates)
        current, revised = current_figures(dated)
        figures = [(q, c) for q, c, _ in current]
        killed = out.get("killed")
        if (
            slot == "wounded"
            and killed is not None
            and killed.best
            and figures
            and all(
                q.trigger in HIT_TRIGGERS and not _another(q) and (q.value or 0) <= killed.best
                for q, _ in figures
            )
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
        lows = [q.low if q.low is not None else q.value for q, _ in reported]
        highs = [q.high if q.high is not None else q.value for q, _ in reported]
        used = ", ".join(_fmt(q, c) for q, c in figures)
        basis = f"{slot}: {rule} among {used}"
        if revised:
            basis += "; superseded by later reports of the same source: " + ", ".join(
                _fmt(q, c) for q, c, _ in revised
            )
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
