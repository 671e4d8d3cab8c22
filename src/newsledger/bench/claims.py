"""``claims``: answer consolidation on NAnCo (Discord Questions) by the reconciler's grouping.

Each question's answers are grouped by :func:`group_propositions`, the claim
equivalence the ledger uses to merge statements (answers carry no speaker, so
only their propositions are compared), and scored against the adjudicated
``cluster_global`` groups. ARI and B-cubed are computed per question and then
averaged over questions (macro: every question weighs the same); B-cubed is
also reported micro-averaged over all answers.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from scipy.special import comb

from newsledger import meaning
from newsledger.reconcile.propositions import from_text, group_propositions


def adjusted_rand_index(gold: Sequence[object], predicted: Sequence[object]) -> float:
    """Hubert and Arabie's ARI from the contingency table."""
    n = len(gold)
    if n < 2:
        return 1.0
    pairs = Counter(zip(gold, predicted, strict=True))
    sum_cells = sum(comb(c, 2) for c in pairs.values())
    sum_gold = sum(comb(c, 2) for c in Counter(gold).values())
    sum_pred = sum(comb(c, 2) for c in Counter(predicted).values())
    expected = sum_gold * sum_pred / comb(n, 2)
    maximum = (sum_gold + sum_pred) / 2
    if maximum == expected:
        return 1.0
    return float((sum_cells - expected) / (maximum - expected))


def bcubed(gold: Sequence[object], predicted: Sequence[object]) -> tuple[float, float]:
    """Per-item B-cubed precision and recall (means over items)."""
    g = np.asarray([hash(x) for x in gold])
    p = np.asarray([hash(x) for x in predicted])
    same_gold = g[:, None] == g[None, :]
    same_pred = p[:, None] == p[None, :]
    both = (same_gold & same_pred).sum(axis=1)
    precision = float(np.mean(both / same_pred.sum(axis=1)))
    recall = float(np.mean(both / same_gold.sum(axis=1)))
    return precision, recall


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def _dataset(data: Path) -> Path:
    return data / "nanco_dataset.json" if data.is_dir() else data


def part_of(question: str) -> str:
    """The deterministic half a question belongs to (thresholds were set on ``calibration``)."""
    digit = int(hashlib.sha1(question.encode()).hexdigest()[0], 16)
    return "calibration" if digit % 2 == 0 else "held_out"


def group_answers(answers: Sequence[str]) -> list[int]:
    """Group label of each answer, by the reconciler's claim equivalence."""
    labels = [0] * len(answers)
    props = [from_text(a) for a in answers]
    def vectors(indices: Sequence[int]) -> np.ndarray | None:
        return meaning.embed([answers[i] for i in indices])

    for label, group in enumerate(group_propositions(props, vectors)):
        for i in group:
            labels[i] = label
    return labels


def run(data: Path, limit: int | None) -> dict[str, Any]:
    questions = json.loads(_dataset(data).read_text(encoding="utf-8"))
    if limit is not None:
        questions = questions[:limit]
    aris, ps, rs, fs = [], [], [], []
    micro_p: list[float] = []
    micro_r: list[float] = []
    per_question = []
    by_part: dict[str, list[tuple[float, float, float, float]]] = {}
    for q in questions:
        answers = [a for a in q["answers"] if a.get("Answer")]
        gold = [str(a["cluster_global"]) for a in answers]
        predicted = group_answers([a["Answer"] for a in answers])
        ari = adjusted_rand_index(gold, predicted)
        p, r = bcubed(gold, predicted)
        aris.append(ari)
        ps.append(p)
        rs.append(r)
        fs.append(_f1(p, r))
        by_part.setdefault(part_of(q["question"]), []).append((ari, p, r, _f1(p, r)))
        micro_p.extend([p] * len(answers))
        micro_r.extend([r] * len(answers))
        per_question.append({
            "question": q["question"], "answers": len(answers), "gold_groups": len(set(gold)),
            "predicted_groups": len(set(predicted)), "ari": round(ari, 4),
            "bcubed_f1": round(_f1(p, r), 4),
        })
    n_answers = len(micro_p)
    mp = float(np.mean(micro_p)) if micro_p else 0.0
    mr = float(np.mean(micro_r)) if micro_r else 0.0
    return {
        "n": len(questions),
        "metrics": {
            "ari": round(float(np.mean(aris)), 4) if aris else 0.0,
            "bcubed_f1": round(float(np.mean(fs)), 4) if fs else 0.0,
            "bcubed_p": round(float(np.mean(ps)), 4) if ps else 0.0,
            "bcubed_r": round(float(np.mean(rs)), 4) if rs else 0.0,
            "bcubed_f1_micro": round(_f1(mp, mr), 4),
        },
        **{
            part: {
                "questions": len(rows),
                **{name: round(float(np.mean([row[k] for row in rows])), 4)
                   for k, name in enumerate(("ari", "bcubed_p", "bcubed_r", "bcubed_f1"))},
            }
            for part, rows in sorted(by_part.items())
        },
        "embedder": meaning.MODEL if meaning.available() else "off (words only)",
        "answers": n_answers,
        "averaging": "macro over questions (micro: over answers)",
        "per_question": per_question,
    }
