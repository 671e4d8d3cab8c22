"""Article text as escaped HTML with entity mentions, claim evidence and numbers marked.

Spans overlap freely (a mention inside two claims' evidence), so the text is cut
at every span boundary and each piece is wrapped in the marks that cover it.
Every span also gets an empty anchor (``ev-START-END``, ``m-START-END``) at its
start, so links can jump to it and the page script can light up all its pieces.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import pairwise

from markupsafe import Markup, escape

from newsledger.web.data import LedgerIndex, Record

_NUMBER = re.compile(r"\d[\d,.]*\d|\d")


@dataclass
class _Span:
    start: int
    end: int
    kind: str  # ent, ev, num
    labels: list[str] = field(default_factory=list)
    entity: Record | None = None


def _numbers_in(quote: str, values: set[float]) -> list[tuple[int, int]]:
    """Offsets of digits in ``quote`` whose value is one of the claim's quantities."""
    found = []
    for match in _NUMBER.finditer(quote):
        try:
            value = float(match.group().replace(",", ""))
        except ValueError:
            continue
        if value in values:
            found.append(match.span())
    return found


def article_spans(idx: LedgerIndex, article: Record) -> list[_Span]:
    aid, size = article["id"], len(article.get("text") or "")
    spans: dict[tuple[int, int, str], _Span] = {}

    def add(start: int, end: int, kind: str, label: str, entity: Record | None = None) -> None:
        if not (0 <= start < end <= size):
            return
        span = spans.setdefault((start, end, kind), _Span(start, end, kind, entity=entity))
        if label and label not in span.labels:
            span.labels.append(label)

    for claim in idx.claims_by_article.get(aid, []):
        values = {
            float(v)
            for q in claim.get("quantities", [])
            for v in (q.get("value"), q.get("low"), q.get("high"))
            if isinstance(v, int | float)
        }
        for ev in claim.get("evidence", []):
            if ev["article_id"] != aid:
                continue
            add(ev["start"], ev["end"], "ev", claim.get("statement", ""))
            quote = (article.get("text") or "")[ev["start"] : ev["end"]]
            for s, e in _numbers_in(quote, values):
                add(ev["start"] + s, ev["start"] + e, "num", claim.get("statement", ""))
    for entity, m in idx.mentions_by_article.get(aid, []):
        add(m["start"], m["end"], "ent", f"{entity['name']} ({entity['type']})", entity)
    return list(spans.values())


def render_article(idx: LedgerIndex, article: Record) -> Markup:
    """The cleaned text as safe HTML (the text itself is always escaped)."""
    text = article.get("text") or ""
    spans = article_spans(idx, article)
    starts: dict[int, list[_Span]] = {}
    cuts = {0, len(text)}
    for span in spans:
        cuts.update((span.start, span.end))
        starts.setdefault(span.start, []).append(span)
    bounds = sorted(cuts)
    out: list[str] = []
    for a, b in pairwise(bounds):
        for span in starts.get(a, []):
            prefix = "ev" if span.kind == "ev" else "m" if span.kind == "ent" else "n"
            out.append(f'<span class="anchor" id="{prefix}-{span.start}-{span.end}"></span>')
        covering = [s for s in spans if s.start <= a and s.end >= b]
        piece: str = str(escape(text[a:b]))
        linked = False
        for span in sorted(covering, key=lambda s: ("num", "ent", "ev").index(s.kind)):
            key = f"{span.start}-{span.end}"
            title = escape("; ".join(span.labels))
            if span.kind == "num":
                piece = f'<span class="num n-{key}" title="{title}">{piece}</span>'
            elif span.kind == "ent" and span.entity is not None and not linked:
                linked = True
                etype = escape(span.entity.get("type", "").lower())
                href = escape(f"/entities/{span.entity['id']}")
                piece = (
                    f'<a class="ent ent-{etype} m-{key}" href="{href}" title="{title}">{piece}</a>'
                )
            elif span.kind == "ev":
                piece = f'<mark class="ev ev-{key}" title="Evidence: {title}">{piece}</mark>'
        out.append(piece)
    return Markup("".join(out))
