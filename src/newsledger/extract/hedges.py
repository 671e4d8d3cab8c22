"""Reports that flag their own uncertainty ("could not be independently verified").

Regular expressions over the raw text, general enough to catch the usual
newsroom formulas: a verification verb under negation or "yet to", an
"unverified / unconfirmed" predicate, and hedging adverbs. Works for any
English text without a parse.
"""

from __future__ import annotations

import re

from newsledger.model import TextSpan

_VERIFY = (
    r"(?:independently\s+)?(?:verif(?:y|ied)|confirm(?:ed)?|corroborat(?:e|ed)|authenticat(?:e|ed))"
)
_GAP = r"(?:[^.;!?\n]{0,80}?)"
PATTERNS = [
    # "could not be independently verified", "cannot immediately confirm", "was unable to verify"
    rf"\b(?:(?:could|can|did|does|do|has|have|had|was|were|is|are)(?:\s+not|n't)|cannot)"
    rf"\s+(?:be\s+|been\s+)?(?:immediately\s+|independently\s+)?{_VERIFY}\b",
    rf"\b(?:unable|not able|impossible)\s+to\s+(?:immediately\s+|independently\s+)?{_VERIFY}\b",
    # "has yet to independently confirm", "have not yet verified"
    rf"\b(?:has|have|had|is|are)\s+(?:not\s+)?yet\s+to\s+(?:be\s+)?(?:independently\s+)?{_VERIFY}\b",
    rf"\b(?:has|have|had)\s+not\s+(?:yet\s+)?(?:been\s+)?(?:independently\s+)?{_VERIFY}\b",
    # "authenticity ... remains unconfirmed", "claims remain unverified by independent sources"
    rf"\b(?:authenticity|veracity|accuracy|claims?|reports?|figures?|footage|videos?|images?)\b{_GAP}"
    r"\b(?:remains?|remained|is|are|was|were|stays?)\s+(?:still\s+)?(?:un(?:verified|confirmed|clear)"
    r"|not\s+(?:independently\s+)?(?:verified|confirmed))(?:\s+by\s+independent\s+sources)?",
    r"\b(?:un(?:verified|confirmed|substantiated)|not independently (?:verified|confirmed))"
    r"(?:\s+(?:reports?|claims?|footage|videos?|images?|information))?\b",
    r"\bno independent (?:confirmation|verification)\b",
    r"\b(?:purportedly|allegedly|reportedly|supposedly|ostensibly|apparently)\b",
    r"\b(?:purported|alleged)\b",
    r"\b(?:it|this)\s+(?:is|was)\s+(?:not|impossible to)\s+(?:clear|known|possible to verify)\b",
]
HEDGE_RE = re.compile("|".join(f"(?:{p})" for p in PATTERNS), re.IGNORECASE)


def find_hedges(text: str) -> tuple[TextSpan, ...]:
    """Hedge spans, longest match first and without overlaps."""
    spans: list[TextSpan] = []
    for m in HEDGE_RE.finditer(text):
        if m.end() > m.start():
            spans.append(TextSpan(m.start(), m.end(), m.group(0)))
    return tuple(spans)
