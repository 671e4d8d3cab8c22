"""Russian sentences and entities through natasha (razdel segmenter + Slovnet NER).

natasha's PER/ORG/LOC map to PERSON/ORG/GPE; an ORG whose words start with a
military-unit stem (легион, батальон, корпус, ...) becomes ARMED_GROUP. The
models ship inside the natasha/slovnet packages, so nothing is downloaded.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from newsledger.extract.entities import QUOTES, RawMention, clean_span

LABELS = {"PER": "PERSON", "ORG": "ORG", "LOC": "GPE"}
ARMED_STEMS = (
    "легион", "батальон", "корпус", "бригад", "ополчен", "арми", "полк", "дивизи",
    "гварди", "фронт", "войск", "вооруж", "отряд", "легіон", "батальйон", "дивізі", "гвард",
    "військ", "збройн", "загін",
)  # fmt: skip
PAIRS = {"«": "»", "“": "”", "„": "“", '"': '"'}


@lru_cache(maxsize=1)
def _models() -> tuple[Any, Any]:
    from natasha import NewsEmbedding, NewsNERTagger, Segmenter

    return Segmenter(), NewsNERTagger(NewsEmbedding())


def sentences(text: str) -> list[tuple[int, int]]:
    from razdel import sentenize

    return [(s.start, s.stop) for s in sentenize(text)]


def _close_quote(text: str, start: int, end: int) -> int:
    """Take in a closing quote the NER left out ("Легиона «Свобода России" + "»")."""
    piece = text[start:end]
    for left, right in PAIRS.items():
        if piece.count(left) > piece.count(right) and text[end : end + 1] == right:
            return end + 1
    return end


def mentions(text: str) -> list[RawMention]:
    from natasha import Doc

    segmenter, tagger = _models()
    doc = Doc(text)
    doc.segment(segmenter)
    doc.tag_ner(tagger)
    found: list[RawMention] = []
    for span in doc.spans:
        label = LABELS.get(span.type)
        if label is None:
            continue
        end = _close_quote(text, span.start, span.stop)
        start, end = clean_span(text, span.start, end)
        if text[end - 1 : end] in QUOTES and text[start : start + 1] not in QUOTES:
            pass  # an inner quote closing part of the name stays
        if end <= start:
            continue
        words = text[start:end].lower().split()
        if label == "ORG" and any(w.startswith(ARMED_STEMS) for w in words[:1] + words[-1:]):
            label = "ARMED_GROUP"
        found.append(RawMention(start, end, label))
    return found
