"""Claim equivalence: when two statements say the same thing, and when they cannot both be true.

One notion of "the same proposition" serves the reconciler (statements across
articles and languages) and the ``claims`` benchmark (answers to one question),
so the benchmark measures what the ledger does.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from newsledger.reconcile.lexicon import HARM, NO_HARM, OPPOSITE
from newsledger.reconcile.text import content_words, fold, overlap

SAME_WORDS = 0.5  # lexical closeness at which two statements say the same thing
SAME_WORDS_UNATTRIBUTED = 0.7  # ... when only one of them names a speaker
SAME_WORDS_WITH_ANCHOR = 0.3  # ... when they also share an outcome class or a place
OPPOSED_WORDS = 0.6  # lexical closeness at which opposite polarity is a contradiction
SAME_TARGET = 0.3  # lexical closeness at which two harm statements are about one target
NEAR_TARGET = 0.15  # ... when they also name one place


@dataclass(frozen=True)
class Figure:
    """A number in a statement: slot, whose side it counts, and its range."""

    slot: str
    side: str | None
    low: float
    high: float
    kind: str | None = None  # what is counted, for things ("tank"); None for people

    def agrees(self, other: Figure) -> bool:
        return self.low <= other.high and other.low <= self.high


@dataclass(frozen=True)
class Proposition:
    """What a statement says, reduced to what comparison needs."""

    words: tuple[str, ...]
    polarity: str = "asserts"
    outcome: str | None = None
    claimants: frozenset[str] = frozenset()
    claimant_label: str | None = None
    claimant_names: frozenset[str] = frozenset()  # names and aliases of the claimants
    places: frozenset[str] = frozenset()
    place_names: frozenset[str] = frozenset()  # folded names of ``places``
    figures: tuple[Figure, ...] = ()


EARLIER = frozenset({"previous", "earlier", "prior", "yesterday"})


def from_text(text: str, **fields: object) -> Proposition:
    return Proposition(words=content_words(text), **fields)  # type: ignore[arg-type]


def attributed(p: Proposition) -> bool:
    return bool(p.claimants or p.claimant_label)


def claimants_compatible(a: Proposition, b: Proposition) -> bool:
    """Same speaker, or one side has no named speaker (a reporter's own account).

    A speaker known only by its words ("the Russian defence ministry") matches
    an entity by its names, so it is no wildcard.
    """
    if a.claimants and b.claimants:
        return bool(a.claimants & b.claimants)
    if not attributed(a) or not attributed(b):
        return True
    names_a = a.claimant_names | ({a.claimant_label} if a.claimant_label else set())
    names_b = b.claimant_names | ({b.claimant_label} if b.claimant_label else set())
    return any(
        fuzz.token_set_ratio(fold(x), fold(y)) >= 85 for x in names_a for y in names_b
    )


def places_compatible(a: Proposition, b: Proposition) -> bool:
    return not a.places or not b.places or shared_place(a, b)


def shared_place(a: Proposition, b: Proposition) -> bool:
    """One place named in both, by entity or by name (a city and its region share one)."""
    return bool(a.places & b.places) or bool(a.place_names & b.place_names)


def _figures_relation(a: Proposition, b: Proposition) -> bool | None:
    """True when both count the same thing alike, False when they differ, None if incomparable."""
    verdict: bool | None = None
    for fa in a.figures:
        for fb in b.figures:
            if not figures_comparable(fa, fb):
                continue
            if not fa.agrees(fb):
                return False
            verdict = True
    return verdict


def sides_compatible(a: str | None, b: str | None) -> bool:
    return a is None or b is None or a == b


def figures_comparable(a: Figure, b: Figure) -> bool:
    """Same slot, same side and the same kind of thing counted."""
    return (
        a.slot == b.slot
        and sides_compatible(a.side, b.side)
        and (a.kind is None or b.kind is None or a.kind == b.kind)
    )


def same_proposition(a: Proposition, b: Proposition) -> bool:
    """Whether two statements make one claim (never across opposite polarity or outcome)."""
    if a.polarity != b.polarity or not claimants_compatible(a, b):
        return False
    if a.outcome and b.outcome and a.outcome != b.outcome:
        return False
    if not places_compatible(a, b):
        return False
    figures = _figures_relation(a, b)
    if figures is False:
        return False
    closeness = overlap(a.words, b.words)
    if figures:
        return closeness >= SAME_WORDS_WITH_ANCHOR or a.outcome == b.outcome is not None
    if a.outcome is not None and a.outcome == b.outcome and shared_place(a, b):
        return True
    if a.outcome is not None and a.outcome == b.outcome:
        return closeness >= SAME_WORDS_WITH_ANCHOR
    # A reporter's unattributed sentence joins a speaker's claim only when it says nearly
    # the same words: sharing a topic is not repeating a claim.
    if attributed(a) != attributed(b):
        return closeness >= SAME_WORDS_UNATTRIBUTED
    return closeness >= SAME_WORDS


def opposed(a: Proposition, b: Proposition) -> bool:
    """Whether two statements cannot both be true: incompatible outcomes or polarity."""
    if not places_compatible(a, b):
        return False
    if a.outcome and b.outcome and OPPOSITE.get(a.outcome) == b.outcome:
        if a.outcome in (HARM, NO_HARM):
            if (set(a.words) | set(b.words)) & EARLIER:
                return False  # "had previously been injured" is another incident
            # "nobody hurt" contradicts harm to the same target only
            closeness = overlap(a.words, b.words)
            return closeness >= SAME_TARGET or (shared_place(a, b) and closeness >= NEAR_TARGET)
        return True
    return a.polarity != b.polarity and overlap(a.words, b.words) >= OPPOSED_WORDS


def _keys(prop: Proposition) -> set[tuple[str, str]]:
    """Blocking keys: two statements can match only if they share one."""
    keys = {("w", w) for w in prop.words}
    if prop.outcome:
        keys.add(("o", prop.outcome))
    keys.update(("s", f.slot) for f in prop.figures)
    return keys


def group_propositions(props: Sequence[Proposition]) -> list[list[int]]:
    """Indices of ``props`` grouped into claims.

    Greedy single pass in input order: a statement joins the first group whose
    first statement it matches (so groups do not drift by chaining) and none of
    whose members it opposes. Only groups sharing a word, outcome or slot with
    the statement are compared, so large events stay fast.
    """
    groups: list[list[int]] = []
    index: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, prop in enumerate(props):
        keys = _keys(prop)
        shared: Counter[int] = Counter()
        for k in keys:
            # an outcome or slot in common is enough; words must be at least two
            weight = 2 if k[0] != "w" or len(prop.words) < 3 else 1
            for g in index.get(k, ()):
                shared[g] += weight
        candidates = sorted(g for g, n in shared.items() if n >= 2)
        for g in candidates:
            group = groups[g]
            members = [props[j] for j in group]
            if same_proposition(prop, members[0]) and not any(
                opposed(prop, m)
                or m.polarity != prop.polarity
                or not claimants_compatible(prop, m)
                for m in members
            ):
                group.append(i)
                break
        else:
            groups.append([i])
            for k in keys:
                index[k].append(len(groups) - 1)
    return groups
