"""GVA (SemEval-2018 task 5) casualty counts: killed and wounded per incident from its articles.

Every article of an incident goes through the real extractor (spaCy doc,
attributions, quantities); the incident's killed/wounded quantities are then
combined by :func:`newsledger.reconcile.casualties.estimate_casualties`, each
figure dated by its article's ``dct`` (publication date) so later reports revise. An
incident with no figure for a slot is predicted 0 (so it scores only when the
gold is 0 and the articles report none).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from newsledger.bench.attribution import _english, _mentions
from newsledger.extract.attribution import find_attributions
from newsledger.extract.quantities import find_quantities
from newsledger.model import Quantity
from newsledger.reconcile.casualties import estimate_casualties, report_figures


def _gold(value: object) -> int | None:
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def article_text(doc: dict) -> str:
    """Title and body, as an article would be ingested."""
    title = (doc.get("title") or "").strip()
    body = (doc.get("content") or "").strip()
    return f"{title}\n\n{body}" if title else body


def extract_figures(texts: list[str]) -> list[tuple[list[Quantity], list[str | None]]]:
    nlp = _english()
    out = []
    for doc in nlp.pipe(texts, batch_size=16):
        atts = find_attributions(doc, _mentions(doc))
        qs = report_figures(
            [q for q in find_quantities(doc, atts) if q.slot in {"killed", "wounded"}]
        )
        claimants = [
            (
                atts[q.attribution].source.text
                if q.attribution is not None and atts[q.attribution].source
                else None
            )
            for q in qs
        ]
        out.append((qs, claimants))
    return out


def run(data: Path, limit: int | None) -> dict:
    incidents = [json.loads(line) for line in (data / "gva_incidents.jsonl").open(encoding="utf-8")]
    incidents = [
        i
        for i in incidents
        if _gold(i["num_killed"]) is not None and _gold(i["num_injured"]) is not None
    ]
    if limit:
        incidents = incidents[:limit]
    wanted = {d for i in incidents for d in i["doc_ids"]}
    docs: dict[str, dict] = {}
    for line in (data / "gva_docs.jsonl").open(encoding="utf-8"):
        d = json.loads(line)
        if d["doc_id"] in wanted:
            docs[d["doc_id"]] = d
    ids = sorted(docs)
    figures = dict(zip(ids, extract_figures([article_text(docs[i]) for i in ids]), strict=True))
    hits = Counter()
    errors: list[dict] = []
    for inc in incidents:
        qs: list[Quantity] = []
        cl: list[str | None] = []
        pub: list[str | None] = []
        for d in inc["doc_ids"]:
            if d in figures:
                qs += figures[d][0]
                cl += figures[d][1]
                pub += [docs[d].get("dct")] * len(figures[d][0])
        est = estimate_casualties(qs, cl, pub)
        pred = {
            s: (est[s].best if s in est and est[s].best is not None else 0)
            for s in ("killed", "wounded")
        }
        gold = {"killed": _gold(inc["num_killed"]), "wounded": _gold(inc["num_injured"])}
        for slot in ("killed", "wounded"):
            hits[slot] += pred[slot] == gold[slot]
        if pred != gold and len(errors) < 40:
            errors.append({"incident": inc["incident_uri"], "gold": gold, "pred": pred})
    n = len(incidents)
    return {
        "n": n,
        "metrics": {
            "killed_acc": round(hits["killed"] / n, 4) if n else 0.0,
            "wounded_acc": round(hits["wounded"] / n, 4) if n else 0.0,
        },
        "articles": len(ids),
        "sample_errors": errors[:5],
    }
