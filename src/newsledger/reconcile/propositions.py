"""Claim equivalence: when two statements say the same thing, and when they cannot both be true.

One notion of "the same proposition" serves the reconciler (statements across
articles and languages) and the ``claims`` benchmark (answers to one question),
so the benchmark measures what the ledger does.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz

from newsledger.extract.quantities import exact_numbers
from newsledger.reconcile.lexicon import HARM, NO_HARM, OPPOSITE
from newsledger.reconcile.text import content_words, fold, overlap

SAME_WORDS = 0.5  # lexical closeness at which two statements say the same thing
SAME_WORDS_UNATTRIBUTED = 0.7  # ... when only one of them names a speaker
SAME_WORDS_WITH_ANCHOR = 0.3  # ... when they also share an outcome class or a place
OPPOSED_WORDS = 0.6  # lexical closeness at which opposite polarity is a contradiction
SAME_TARGET = 0.3  # lexical closeness at which two harm statements are about one target
NEAR_TARGET = 0.15  # ... when they also name one place
# Meaning (issue 15), calibrated on the calibration half of NAnCo (BENCHMARKS.md): statements
# join when the mean affinity between their groups reaches SAME_MEANING, the affinity being
# the cosine of vectors centred on the event's mean (CENTRE of it subtracted: e5 vectors of
# one topic all sit close, the shared part says nothing about which claim) plus WORD_WEIGHT
# times their event-weighted word overlap.
CENTRE = 0.5
WORD_WEIGHT = 0.4
SAME_MEANING = 0.75
# A long sentence carries several propositions and the event's topic: its vector is near any
# other sentence of the event (at 0.75 the bundled example joined "kyiv responds by striking
# border regions" to "these actions came in the wake of a drone assault by Kyiv"), so long
# statements are grouped by words, as before.
LONG_WORDS = 12  # distinct content words above which a statement is long
SAME_MEANING_RAW = 0.93  # uncentred cosine, for events of fewer than MIN_CENTRED statements
MIN_CENTRED = 4
WORDS_BOOST = 1.0  # added to a word-test match backed by structure (see _anchored)
# Across scripts (a Russian report of an English claim) words share nothing and e5 scores a
# translation lower (centred 0.64-0.74 on the bundled example's Russian and Ukrainian
# fixtures): one named speaker with one outcome or agreeing figure, and meaning at
# CROSS_MEANING, make one claim.
CROSS_MEANING = 0.6
MAX_MEANING_GROUP = 600
ALL = "all"  # meaning for every pair structure leaves open (the claims benchmark)
# ... only within one named speaker's statements and across scripts (the ledger)
CLAIMS = "claims"  # larger events are grouped by words only (quadratic affinity)


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
    cyrillic: bool = False  # written in Cyrillic: words cannot be compared with Latin ones
    source: str | None = None  # the article it comes from: one report's statements by words
    numbers: frozenset[float] = frozenset()  # exact figures stated ("two years", "2024")


EARLIER = frozenset({"previous", "earlier", "prior", "yesterday"})


_CYRILLIC = re.compile(r"[А-Яа-яЁёІіЇїЄєҐґ]")


def is_cyrillic(text: str) -> bool:
    return bool(_CYRILLIC.search(text))


def from_text(text: str, **fields: object) -> Proposition:
    fields.setdefault("cyrillic", is_cyrillic(text))
    fields.setdefault("numbers", exact_numbers(text))
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


def numbers_apart(a: Proposition, b: Proposition) -> bool:
    """Both state exact figures and none in common: "for two years" and "for three years"
    are near in words and meaning, and apart in what they claim."""
    return bool(a.numbers and b.numbers and not a.numbers & b.numbers)


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
    if figures is False or numbers_apart(a, b):
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


def group_propositions(
    props: Sequence[Proposition],
    vectors: np.ndarray | Embedder | None = None,
    scope: str = ALL,
) -> list[list[int]]:
    """Indices of ``props`` grouped into claims.

    With ``vectors`` (one embedding per proposition) statements are grouped by
    meaning within compatible structure (:func:`group_by_meaning`); without, by
    words:

    Greedy single pass in input order: a statement joins the first group whose
    first statement it matches (so groups do not drift by chaining) and none of
    whose members it opposes. Only groups sharing a word, outcome or slot with
    the statement are compared, so large events stay fast.
    """
    if vectors is not None and 0 < len(props) <= MAX_MEANING_GROUP:
        grouped = group_by_meaning(props, vectors, scope)
        if grouped is not None:
            return grouped
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


def compatible(a: Proposition, b: Proposition) -> bool:
    """Whether two statements' structure lets them be one claim, whatever their words.

    Same polarity and speaker, no different outcome, no place or figure apart, and
    not opposed; what remains to decide is whether they mean the same.
    """
    if a.polarity != b.polarity or not claimants_compatible(a, b):
        return False
    if a.outcome and b.outcome and a.outcome != b.outcome:
        return False
    if not places_compatible(a, b) or _figures_relation(a, b) is False:
        return False
    if numbers_apart(a, b):
        return False
    if attributed(a) != attributed(b):
        return False  # a reporter's own sentence joins a speaker's claim by words only
    return not opposed(a, b)


def _anchored(a: Proposition, b: Proposition) -> bool:
    """A word match backed by structure: one named speaker, one outcome, or agreeing figures."""
    return (
        bool(a.claimants and b.claimants)
        or (a.outcome is not None and a.outcome == b.outcome)
        or _figures_relation(a, b) is True
    )


def _across_scripts(a: Proposition, b: Proposition, cosine: float) -> bool:
    """One claim in two scripts: same named speaker, a shared outcome or figure, near meaning."""
    if not (a.claimants & b.claimants) or cosine < CROSS_MEANING:
        return False
    return (a.outcome is not None and a.outcome == b.outcome) or _figures_relation(a, b) is True


def _weighted_overlap(props: Sequence[Proposition]) -> np.ndarray:
    """Jaccard of content words weighted by rarity within these statements."""
    n = len(props)
    df: Counter[str] = Counter()
    for p in props:
        df.update(set(p.words))
    idf = {w: math.log((n + 1) / (c + 0.5)) for w, c in df.items()}
    sets = [set(p.words) for p in props]
    out = np.zeros((n, n), dtype=np.float32)
    for i in range(n):
        for j in range(i + 1, n):
            union = sets[i] | sets[j]
            if not union:
                continue
            total = sum(idf[w] for w in union)
            if total > 0:
                out[i, j] = out[j, i] = sum(idf[w] for w in sets[i] & sets[j]) / total
    return out


Embedder = Callable[[Sequence[int]], "np.ndarray | None"]


def group_by_meaning(
    props: Sequence[Proposition], vectors: np.ndarray | Embedder, scope: str = ALL
) -> list[list[int]] | None:
    """Average-linkage grouping on meaning, within what structure allows.

    Two statements the word test calls one claim on structural grounds (one
    named speaker, outcome or figure) are kept together (affinity raised by
    WORDS_BOOST); a pair whose structure is incompatible is never in one
    group, so a claim and its denial, near-duplicates to the embedder, stay
    apart. Meaning is asked only where structure leaves the question open: a
    statement that structure keeps apart from every other is never embedded. ``vectors`` is a matrix
    or a function that embeds the propositions at the given indices; None
    comes back when it has no embedder. Two statements of one report are
    compared by words (a report does not repeat its own claim in other words
    often enough to pay for it), and ``scope`` CLAIMS asks meaning only between
    statements of one named speaker and across scripts, leaving the rest to the
    word test (the ledger: embedding every sentence of every event costs more
    than parsing it, BENCHMARKS.md issue 15).
    """
    n = len(props)
    if n == 0:
        return []
    blocked = np.zeros((n, n), dtype=np.int32)
    same_pairs: list[tuple[int, int]] = []
    for i in range(n):
        for j in range(i + 1, n):
            a, b = props[i], props[j]
            same = same_proposition(a, b)
            if same:
                same_pairs.append((i, j))
            elif not compatible(a, b):
                blocked[i, j] = blocked[j, i] = 1
    # a long statement is compared by words only: its vector is its topic, near every
    # other sentence of the event, and embedding every sentence of every event would
    # cost more than the parse (BENCHMARKS.md, issue 15)
    long = np.array([len(set(p.words)) > LONG_WORDS for p in props])
    same_set = set(same_pairs)
    needed_set: set[int] = set()
    for i, j in zip(*np.nonzero(np.triu(blocked == 0, 1)), strict=True):
        across = props[i].cyrillic != props[j].cyrillic  # words cannot decide across scripts
        one_report = props[i].source is not None and props[i].source == props[j].source
        if not across and (one_report or (
            scope == CLAIMS and not props[i].claimants & props[j].claimants
        )):
            if (i, j) not in same_set:
                blocked[i, j] = blocked[j, i] = 1
            long[i] = long[j] = True  # the word test's verdict stands
            continue
        if (long[i] or long[j]) and not across:
            if (i, j) not in same_set:
                blocked[i, j] = blocked[j, i] = 1
            continue
        needed_set.update((int(i), int(j)))
    open_pairs = (blocked == 0) & ~np.eye(n, dtype=bool)
    needed = sorted(needed_set)
    v = np.zeros((n, 384), dtype=np.float32)
    if needed:
        got = vectors(needed) if callable(vectors) else np.asarray(vectors)[needed]
        if got is None:
            return None
        got = np.asarray(got, dtype=np.float32)
        if got.shape[1] != v.shape[1]:
            v = np.zeros((n, got.shape[1]), dtype=np.float32)
        v[needed] = got
        if len(needed) >= MIN_CENTRED:
            v[needed] -= CENTRE * got.mean(axis=0)
    threshold = SAME_MEANING if len(needed) >= MIN_CENTRED else SAME_MEANING_RAW
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    v = v / np.where(norms > 0, norms, 1.0)
    cosine = v @ v.T
    affinity = cosine + WORD_WEIGHT * _weighted_overlap(props)
    for i, j in zip(*np.nonzero(np.triu(open_pairs, 1)), strict=True):
        a, b = props[i], props[j]
        if (i, j) in same_set and (long[i] or long[j]) and a.cyrillic == b.cyrillic:
            # the word test's verdict stands for a long statement
            affinity[i, j] = affinity[j, i] = SAME_MEANING_RAW + WORDS_BOOST
        elif ((i, j) in same_set and _anchored(a, b)) or (
            a.cyrillic != b.cyrillic and _across_scripts(a, b, float(cosine[i, j]))
        ):
            affinity[i, j] = affinity[j, i] = affinity[i, j] + WORDS_BOOST
    # cluster-level sums of affinity and of blocked pairs, merged in place
    sums = affinity.astype(np.float64)
    sizes = np.ones(n)
    alive = np.ones(n, dtype=bool)
    members: list[list[int]] = [[i] for i in range(n)]
    np.fill_diagonal(sums, -np.inf)
    while True:
        mean = sums / np.outer(sizes, sizes)
        mean[~alive, :] = -np.inf
        mean[:, ~alive] = -np.inf
        mean[blocked > 0] = -np.inf
        flat = int(np.argmax(mean))
        x, y = divmod(flat, n)
        if not np.isfinite(mean[x, y]) or mean[x, y] < threshold:
            break
        x, y = min(x, y), max(x, y)
        sums[x, :] += sums[y, :]
        sums[:, x] += sums[:, y]
        sums[x, x] = -np.inf
        blocked[x, :] += blocked[y, :]
        blocked[:, x] += blocked[:, y]
        sizes[x] += sizes[y]
        alive[y] = False
        members[x] += members[y]
        members[y] = []
    groups = [sorted(m) for m in members if m]
    return sorted(groups, key=lambda g: g[0])
