"""CASE 2021 task 2: one ACLED sub-event type per news snippet, scored over the 25 ACLED classes.

Rows whose gold label is one of the five non-ACLED "unseen" types (subtasks 2
and 3) are left out, as in subtask 1. Predictions come from the same
classifier the extract stage uses (:func:`newsledger.extract.events.classify_doc`).
"""

from __future__ import annotations

import csv
import time
from collections import Counter
from pathlib import Path

from newsledger.extract.events import classify_doc
from newsledger.extract.nlp import english

# ACLED sub-event type -> the shared task's label code
CODES: dict[str, str] = {
    "Armed clash": "ARMED_CLASH",
    "Government regains territory": "GOV_REGAINS_TERIT",
    "Non-state actor overtakes territory": "NON_STATE_ACTOR_OVERTAKES_TER",
    "Chemical weapon": "CHEM_WEAP",
    "Air/drone strike": "AIR_STRIKE",
    "Suicide bomb": "SUIC_BOMB",
    "Shelling/artillery/missile attack": "ART_MISS_ATTACK",
    "Remote explosive/landmine/IED": "REM_EXPLOS",
    "Grenade": "GRENADE",
    "Sexual violence": "SEX_VIOL",
    "Attack": "ATTACK",
    "Abduction/forced disappearance": "ABDUCT_DISSAP",
    "Peaceful protest": "PEACE_PROTEST",
    "Protest with intervention": "PROTEST_WITH_INTER",
    "Excessive force against protesters": "FORCE_AGAINST_PROTEST",
    "Violent demonstration": "VIOL_DEMONSTR",
    "Mob violence": "MOB_VIOL",
    "Agreement": "AGREEMENT",
    "Arrests": "ARREST",
    "Change to group/activity": "CHANGE_TO_GROUP_ACT",
    "Disrupted weapons use": "DISR_WEAP",
    "Headquarters or base established": "HQ_ESTABLISHED",
    "Looting/property destruction": "PROPERTY_DISTRUCT",
    "Non-violent transfer of territory": "NON_VIOL_TERRIT_TRANSFER",
    "Other": "OTHER",
}


NON_ACLED = "NOT_ACLED"


def _find_tsv(data: Path) -> Path:
    if data.is_file():
        return data
    files = sorted(data.glob("*.tsv"))
    if not files:
        raise FileNotFoundError(f"no .tsv file under {data}")
    return files[0]


def load(data: Path, limit: int | None) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    with _find_tsv(data).open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            if row["SubType"] in CODES.values():
                rows.append((row["EventSnippet"], row["SubType"]))
            if limit is not None and len(rows) >= limit:
                break
    return rows


def f1_scores(gold: list[str], pred: list[str]) -> dict[str, float]:
    labels = sorted(set(gold))
    support = Counter(gold)
    f1s: dict[str, float] = {}
    for label in labels:
        tp = sum(1 for g, p in zip(gold, pred, strict=True) if g == p == label)
        fp = sum(1 for g, p in zip(gold, pred, strict=True) if p == label and g != label)
        fn = support[label] - tp
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1s[label] = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    n = len(gold)
    return {
        "weighted_f1": round(sum(f1s[lb] * support[lb] for lb in labels) / n, 4) if n else 0.0,
        "macro_f1": round(sum(f1s.values()) / len(labels), 4) if labels else 0.0,
        "accuracy": round(sum(g == p for g, p in zip(gold, pred, strict=True)) / n, 4)
        if n
        else 0.0,
        **{f"f1_{lb}": round(f1s[lb], 3) for lb in labels},
    }


def run(data: Path, limit: int | None) -> dict:
    rows = load(data, limit)
    nlp = english()
    started = time.perf_counter()
    # a non-ACLED type (an accident) is always wrong here: every snippet is an ACLED event
    pred = [
        CODES.get(classify_doc(doc)[0], NON_ACLED)
        for doc in nlp.pipe((t for t, _ in rows), batch_size=64)
    ]
    seconds = time.perf_counter() - started
    gold = [g for _, g in rows]
    metrics = f1_scores(gold, pred)
    confusions = Counter((g, p) for g, p in zip(gold, pred, strict=True) if g != p)
    return {
        "n": len(rows),
        "metrics": {k: v for k, v in metrics.items() if not k.startswith("f1_")},
        "per_class_f1": {k[3:]: v for k, v in metrics.items() if k.startswith("f1_")},
        "top_confusions": [f"{g}->{p}:{c}" for (g, p), c in confusions.most_common(12)],
        "non_acled_predictions": pred.count(NON_ACLED),
        "texts_per_s": round(len(rows) / seconds, 1) if seconds else None,
    }
