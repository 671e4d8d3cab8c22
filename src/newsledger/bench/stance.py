"""``stance``: FNC-1 headline/body stance by the reconciler's stance test.

Each (headline, body) pair is judged by :func:`newsledger.reconcile.stance.stance`
(agrees / disagrees / discusses / unrelated), the test the reconciler applies
between an event's statements. Nothing is trained: the few thresholds were
calibrated on the *calibration* half of the bodies (sha1 of the body id, even
first hex digit) and the other half (*held_out*) was never read while choosing
them; both halves are reported, and the whole set as ``metrics``.

Metrics: the FNC-1 weighted score scaled to 0-1 (0.25 for telling related from
unrelated, 0.75 more for the right related class), macro-F1 over the four
classes and per-class F1. Sentences of a body are embedded up to
``BODY_SENTENCES`` (the lead of a news body carries its stance towards its
story); with the embedder off the test uses words only.
"""

from __future__ import annotations

import csv
import hashlib
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from newsledger import meaning
from newsledger.reconcile.stance import (
    DISCUSSES,
    LABELS,
    UNRELATED,
    nearest_similarity,
    split_sentences,
    stance,
)

BODY_SENTENCES = 8
GOLD = {"agree": "agrees", "disagree": "disagrees", "discuss": DISCUSSES, "unrelated": UNRELATED}


def part_of(body_id: str) -> str:
    """The deterministic half a body belongs to."""
    digit = int(hashlib.sha1(body_id.encode()).hexdigest()[0], 16)
    return "calibration" if digit % 2 == 0 else "held_out"


def fnc_score(gold: Sequence[str], predicted: Sequence[str]) -> float:
    """FNC-1 weighted score as a share of the best possible (0-1)."""
    score = best = 0.0
    for g, p in zip(gold, predicted, strict=True):
        best += 0.25 if g == UNRELATED else 1.0
        if g == p:
            score += 0.25
            if g != UNRELATED:
                score += 0.5
        if g != UNRELATED and p != UNRELATED:
            score += 0.25
    return score / best if best else 0.0


def f1_per_class(gold: Sequence[str], predicted: Sequence[str]) -> dict[str, float]:
    out = {}
    for label in LABELS:
        tp = sum(1 for g, p in zip(gold, predicted, strict=True) if g == p == label)
        fp = sum(1 for g, p in zip(gold, predicted, strict=True) if p == label != g)
        fn = sum(1 for g, p in zip(gold, predicted, strict=True) if g == label != p)
        out[label] = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return out


def scores(gold: Sequence[str], predicted: Sequence[str]) -> dict[str, Any]:
    per_class = f1_per_class(gold, predicted)
    return {
        "weighted_score": round(fnc_score(gold, predicted), 4),
        "macro_f1": round(float(np.mean(list(per_class.values()))), 4),
        "f1": {k: round(v, 4) for k, v in per_class.items()},
        "accuracy": round(sum(g == p for g, p in zip(gold, predicted, strict=True))
                          / max(1, len(gold)), 4),
        "pairs": len(gold),
    }


def load(data: Path) -> tuple[dict[str, str], list[dict[str, str]]]:
    folder = data if data.is_dir() else data.parent
    with open(folder / "competition_test_bodies.csv", encoding="utf-8", newline="") as f:
        bodies = {r["Body ID"]: r["articleBody"] for r in csv.DictReader(f)}
    with open(folder / "competition_test_stances.csv", encoding="utf-8", newline="") as f:
        pairs = list(csv.DictReader(f))
    return bodies, pairs


def features(
    bodies: dict[str, str], pairs: Sequence[dict[str, str]]
) -> tuple[dict[str, list[str]], dict[tuple[str, str], float] | None]:
    """Body sentences, and each pair's nearest-sentence cosine (None without embedder)."""
    sentences = {b: split_sentences(text) for b, text in bodies.items()}
    if not meaning.available():
        return sentences, None
    used = sorted({p["Body ID"] for p in pairs})
    heads = sorted({p["Headline"] for p in pairs})
    head_vectors = meaning.embed(heads)
    lead = {b: sentences[b][:BODY_SENTENCES] for b in used}
    flat = [s for b in used for s in lead[b]]
    flat_vectors = meaning.embed(flat)
    assert head_vectors is not None and flat_vectors is not None
    at = 0
    body_vectors = {}
    for b in used:
        body_vectors[b] = flat_vectors[at : at + len(lead[b])]
        at += len(lead[b])
    head_index = {h: i for i, h in enumerate(heads)}
    sims: dict[tuple[str, str], float] = {}
    for p in pairs:
        key = (p["Headline"], p["Body ID"])
        if key not in sims:
            sim = nearest_similarity(head_vectors[head_index[key[0]]], body_vectors[key[1]])
            sims[key] = sim if sim is not None else 0.0
    return sentences, sims


def run(data: Path, limit: int | None) -> dict[str, Any]:
    bodies, pairs = load(data)
    if limit is not None:
        pairs = pairs[:limit]
    sentences, sims = features(bodies, pairs)
    gold, predicted, parts = [], [], []
    for p in pairs:
        key = (p["Headline"], p["Body ID"])
        result = stance(
            p["Headline"], sentences[p["Body ID"]], similarity=sims[key] if sims else None
        )
        gold.append(GOLD[p["Stance"]])
        predicted.append(result.label)
        parts.append(part_of(p["Body ID"]))
    out: dict[str, Any] = {"n": len(pairs), "metrics": scores(gold, predicted)}
    for part in ("calibration", "held_out"):
        idx = [i for i, x in enumerate(parts) if x == part]
        out[part] = scores([gold[i] for i in idx], [predicted[i] for i in idx])
    out["embedder"] = meaning.MODEL if sims is not None else "off (words only)"
    out["confusion"] = {
        f"{g}->{p}": n for (g, p), n in sorted(Counter(zip(gold, predicted, strict=True)).items())
    }
    return out
