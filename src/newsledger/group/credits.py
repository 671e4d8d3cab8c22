"""Wire-agency credits found in an article's text ("(AP)", "© AFP", "Agence France-Presse").

A credit is recognised by where a name stands (a copyright sign, a dateline in
parentheses, "joined by", "contributed to this report", a credit glued to the
preceding word by a sloppy rewrite) and by agency-shaped names ("... Presse",
"... News Agency"), which are reduced to their initials so long and short forms
agree. The few global wires whose names have no such shape are listed as domain
vocabulary, the way a gazetteer lists cities.
"""

from __future__ import annotations

import re

# Global wire services whose names carry no "agency" word; general knowledge, not corpus data.
WIRES = (
    "AFP",
    "AP",
    "Reuters",
    "dpa",
    "EFE",
    "ANSA",
    "Xinhua",
    "Kyodo",
    "UPI",
    "AAP",
    "PTI",
    "IANS",
)
_WIRE = "|".join(WIRES)
_AGENCY_NAME = (
    r"(?:Agence|Agencia|Agenzia)(?:[ ][A-Z][\w-]*){1,3}"
    r"|(?:[A-Z][\w-]*[ ]){1,3}(?:Press(?:e)?(?:[ ]Agency)?|News[ ]Agency|Presse-Agentur|Wire)"
)
_PATTERNS = [
    re.compile(rf"©\s*(?:\(?\d{{4}}\)?\s*)?({_AGENCY_NAME}|{_WIRE})\b"),
    re.compile(rf"\(({_AGENCY_NAME}|{_WIRE})\)"),
    re.compile(
        rf"\b(?i:joined by|contributed by|according to|told|via|source:|by)\s*"
        rf"({_AGENCY_NAME}|{_WIRE})\b"
    ),
    re.compile(rf"\b({_AGENCY_NAME}|{_WIRE})\s+contributed\b"),
    re.compile(rf"(?<=[a-z.,;])({_WIRE})\b"),  # "addedAFP": a credit glued on by a rewrite
    re.compile(
        r"\b((?:Agence|Agencia|Agenzia)(?:[ ][A-Z][\w-]*){1,3}"
        r"|(?:[A-Z]\w*[ ]){1,3}Presse(?:-Agentur)?)"
    ),
]
_CASE = {w.lower(): w for w in WIRES}


def _canonical(name: str) -> str:
    """Initials of a long agency name, so "Agence France-Presse" and "AFP" agree."""
    name = " ".join(name.split())
    known = _CASE.get(name.lower())
    if known:
        return known.upper()
    parts = re.split(r"[\s-]+", name)
    parts = [p for p in parts if p and p[0].isupper()]
    return "".join(p[0] for p in parts).upper()


def wire_credits(text: str) -> tuple[str, ...]:
    """Canonical credits, sorted; agencies merely quoted as sources are not credits."""
    found: set[str] = set()
    for pattern in _PATTERNS:
        for m in pattern.finditer(text):
            found.add(_canonical(m.group(1)))
    return tuple(sorted(c for c in found if len(c) >= 2))
