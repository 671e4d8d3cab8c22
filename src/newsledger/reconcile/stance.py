"""Stance of a report towards a claim: agrees, disagrees, discusses or unrelated.

The same four classes as the Fake News Challenge (FNC-1): a report is *unrelated*
when it is about something else, *disagrees* when it denies or debunks the claim,
*discusses* when it relays the claim without taking it as fact (hedged, attributed,
"could not be verified"), and *agrees* when it states it as fact.

Relatedness comes from meaning (the embedder's cosine between the claim and the
report's closest sentences) and from words (the share of the claim's content
words the report repeats); either alone misjudges: a rewrite shares few words, a
denial embeds like the claim. Whether a related report denies or hedges is
structural, read from its words (denial and debunking cues, hedges), since an
embedding cannot tell a claim from its denial. Thresholds are calibrated on one
half of FNC-1 (split by body id hash) and recorded in BENCHMARKS.md (issue 15).

Used by the reconciler between the statements of one event (who corroborates a
claim, who disputes it) and by the ``stance`` benchmark.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from newsledger.reconcile.lexicon import self_negative
from newsledger.reconcile.text import content_words

AGREES, DISAGREES, DISCUSSES, UNRELATED = "agrees", "disagrees", "discusses", "unrelated"
LABELS = (AGREES, DISAGREES, DISCUSSES, UNRELATED)

_SENTENCE = re.compile(r"(?<=[.!?…])[\"”’»]?\s+(?=[\"“«]?[A-ZА-ЯЁІЇЄҐ0-9])")

# A report that debunks: the claim is false, a hoax, denied, retracted.
_REFUTE = re.compile(
    r"\b(?:hoax\w*|fake[sd]?|faked|fabricat\w*|fraud\w*|false(?:ly|hood)?|untrue|not true|"
    r"debunk\w*|bogus|myth|satir\w*|prank\w*|deni\w*|deny\w*|refut\w*|rebut\w*|dismiss\w*|"
    r"retract\w*|no evidence|not (?:real|genuine|authentic)|doctored|photoshop\w*|"
    r"misleading|baseless|unfounded|nonsense|rubbish|spoof\w*|joke|"
    r"опроверг\w*|фейк\w*|ложн\w*|не соответству\w*|спростов\w*|неправд\w*)\b",
    re.I,
)
# A report that relays without taking as fact.
_HEDGE = re.compile(
    r"\b(?:reportedly|allegedly|purportedly|apparently|supposedly|rumou?r\w*|"
    r"unconfirmed|unverified|(?:not|yet to) (?:been |be )?(?:independently )?(?:confirm|verif)\w*|"
    r"(?:claim|allege|suggest)(?:s|ed)?|appear(?:s|ed)? to|said to|thought to|believed to|"
    r"may have|might have|could have|possibly|speculat\w*|according to|"
    r"якобы|предположительно|по неподтвержденным|начебто|нібито)\b",
    re.I,
)


@dataclass(frozen=True)
class StanceThresholds:
    """Calibrated on the calibration half of FNC-1 (BENCHMARKS.md, issue 15)."""

    related: float = 0.6  # combined relatedness at or above which a report is related
    embed_weight: float = 0.7  # share of the embedding in the combined relatedness
    embed_floor: float = 0.76  # e5 cosine that maps to relatedness 0 (unrelated text scores ~0.75)
    embed_ceiling: float = 0.88  # ... and to relatedness 1
    refute_share: float = 0.2  # share of the report's claim-near sentences carrying a refuting cue
    hedge_share: float = 0.1  # ... carrying a hedge, at or above which the report discusses


DEFAULT = StanceThresholds()


@dataclass(frozen=True)
class Stance:
    label: str
    relatedness: float
    word_cover: float
    similarity: float | None


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text) if s.strip()]


def word_cover(claim: Sequence[str], report_words: set[str]) -> float:
    """Share of a claim's distinct content words that the report repeats."""
    words = set(claim)
    return len(words & report_words) / len(words) if words else 0.0


def relatedness(cover: float, similarity: float | None, t: StanceThresholds = DEFAULT) -> float:
    """Words and meaning combined into one score in [0, 1]."""
    if similarity is None:
        return cover
    span = max(1e-6, t.embed_ceiling - t.embed_floor)
    meaning = min(1.0, max(0.0, (similarity - t.embed_floor) / span))
    return (1 - t.embed_weight) * cover + t.embed_weight * meaning


def stance(
    claim: str,
    report: str | Sequence[str],
    *,
    similarity: float | None = None,
    thresholds: StanceThresholds = DEFAULT,
) -> Stance:
    """The stance of ``report`` (text or its sentences) towards ``claim``.

    ``similarity`` is the embedder's cosine between the claim and the report's
    nearest sentence (None: words only). The report's stance is read from the
    sentences that share words with the claim, or from all when none does.
    """
    t = thresholds
    sentences = split_sentences(report) if isinstance(report, str) else list(report)
    claim_words = content_words(claim)
    words_of = [set(content_words(s)) for s in sentences]
    everything = set().union(*words_of) if words_of else set()
    cover = word_cover(claim_words, everything)
    score = relatedness(cover, similarity, t)
    if score < t.related:
        return Stance(UNRELATED, score, cover, similarity)
    claim_set = set(claim_words)
    near = [s for s, w in zip(sentences, words_of, strict=True) if len(w & claim_set) >= 2]
    near = near or sentences
    refuting = _REFUTE.search(claim) is not None  # "... is a hoax" headlines state the denial
    refute = sum(1 for s in near if _REFUTE.search(s) or self_negative(s)) / max(1, len(near))
    hedge = sum(1 for s in near if _HEDGE.search(s)) / max(1, len(near))
    if refute >= t.refute_share and not refuting:
        label = DISAGREES
    elif hedge >= t.hedge_share or refuting:
        label = DISCUSSES
    else:
        label = AGREES
    return Stance(label, score, cover, similarity)


def nearest_similarity(claim_vector: np.ndarray, sentence_vectors: np.ndarray) -> float | None:
    """Cosine of a claim to its nearest sentence (vectors are unit length)."""
    if sentence_vectors.size == 0:
        return None
    return float(np.max(sentence_vectors @ claim_vector))


def contradicts(
    claim: str,
    other: str,
    claim_polarity: str,
    other_polarity: str,
    similarity: float | None,
    thresholds: StanceThresholds = DEFAULT,
) -> bool:
    """Whether ``other`` disputes ``claim``: related, and denying what it asserts.

    Polarity comes from the extractor (a denial cue, or negative content); the
    stance test says whether the two are about one thing. Across scripts words
    share nothing, so relatedness is then read from meaning alone.
    """
    if claim_polarity == other_polarity:
        return stance(claim, other, similarity=similarity, thresholds=thresholds).label == DISAGREES
    if similarity is None:
        return False
    words = stance(claim, other, similarity=similarity, thresholds=thresholds)
    meaning_only = relatedness(1.0, similarity, thresholds) - (1 - thresholds.embed_weight)
    return words.label != UNRELATED or meaning_only >= thresholds.related * thresholds.embed_weight
