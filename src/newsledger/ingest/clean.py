"""Boilerplate removal by general, conservative line rules.

Scraped news pages carry share buttons, "also read" links, photo captions and credits,
repeated headlines, copyright notices and author bios. Each rule looks at one line (a
paragraph in a text dump) and removes it whole, recording a :class:`Removal` with offsets
into the text before cleaning; a line that could be a sentence of news is kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz

from newsledger.ingest.dates import find_dateline
from newsledger.isolation import check_deadline
from newsledger.model import Removal


@dataclass(frozen=True)
class Line:
    start: int
    end: int
    text: str

    @property
    def words(self) -> int:
        return len(self.text.split())


@dataclass(frozen=True)
class Cleaned:
    text: str
    removed: tuple[Removal, ...]
    title: str | None
    byline: str | None
    dateline: str | None  # ISO date found in a dateline, when one was removed


_SHARE = re.compile(
    r"\b(?:spread the love|share(?: this(?: article| story| post)?)?(?: on| via)?|tweet|"
    r"facebook|twitter|whatsapp|telegram|linkedin|reddit|pinterest|flipboard|messenger|"
    r"email|e-mail|print|copy link|pin it|save|comments?|follow us)\b",
    re.IGNORECASE,
)
_ALSO_READ = re.compile(
    r"^\s*(?:also read|read also|read more|read next|see also|must read|don'?t miss|"
    r"related(?: content| articles?| stories| news| posts?| coverage| reading| topics)?|"
    r"more on this(?: story)?|more from [^:]{1,40}|recommended(?: for you| stories)?|"
    r"you (?:may|might) also (?:like|be interested in)|further reading|"
    r"читайте также|смотрите также|по теме)\s*(?:[:：|»>–—-]|$)",
    re.IGNORECASE,
)
_CREDIT_LINE = re.compile(
    r"^\s*[(\[]?(?:images?|photos?|photograph(?:y|s)?|pictures?|pics?|illustrations?|"
    r"graphics?|video|credits?|foto|фото)(?:\s+(?:source|sources|credits?|by))?\s*[:：]",
    re.IGNORECASE,
)
_CREDIT_MARK = re.compile(
    r"©|\bgetty images\b|\bap photo\b|\bafp photo\b|\bphoto(?:graph)? by\b|"
    r"\bshutterstock\b|/\s*reuters\b",
    re.IGNORECASE,
)
_COPYRIGHT = re.compile(
    r"all rights reserved|rights of reproduction|reproduction (?:is |strictly )?"
    r"(?:prohibited|forbidden|reserved)|may not be (?:published|reproduced|broadcast|"
    r"rewritten|redistributed)|copyright\s*(?:©|\(c\)|\d{4})|^\s*copyright\b|©\s*\(?\d{4}|"
    r"все права защищены|перепечатка",
    re.IGNORECASE,
)
# Possessive runs that start where a run starts: linear on a long word (no retry per offset).
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]++@[\w-]++(?:\.[\w-]++)+")
_PHONE = re.compile(
    r"(?<![\w.,:])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,5}\)[\s.-]?|\d{1,5}[\s.-])"
    r"\d{2,4}[\s.-]\d{2,4}(?:[\s.-]\d{2,4})?(?![\w,:])"
)
_PHONE_MIN_DIGITS = 7
_CONTACT_CUE = re.compile(
    r"\b(?:(?:contact|reach|follow|e-?mail|write to|message) (?:me|her|him|the author|"
    r"the writer|the reporter)|get in touch|twitter:|follow @)",
    re.IGNORECASE,
)
_BIO = re.compile(
    r"\b(?:is|was|has been|had been)\s+(?:a|an|the|our)\s+(?:[\w-]+\s+){0,4}"
    r"(?:reporter|journalist|correspondent|editor|writer|columnist|contributor|producer|"
    r"freelancer|author|analyst|blogger)\b",
    re.IGNORECASE,
)
_NAME = r"[A-Z][\w'’.-]+(?:\s+(?:[A-Z][\w'’.-]+|van|von|de|der|da|di|bin|al)){1,3}"
_BYLINE = re.compile(
    rf"^\s*(?:by|written by|posted by|reporting by|author)\s*:?\s+({_NAME}"
    rf"(?:\s*(?:,|and|&)\s*{_NAME})*)\s*$",
    re.IGNORECASE,
)
_NAME_LINE = re.compile(rf"^\s*{_NAME}\s*$")
_NOT_NAMES = re.compile(
    r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|"
    r"march|april|may|june|july|august|september|october|november|december|the)\b",
    re.IGNORECASE,
)
# A crumb never holds a spaced separator, so a trail splits one way only: no blow-up.
_CRUMB = r"(?:(?!\s[»›>|/]\s)[^.!?])"
_BREADCRUMB = re.compile(rf"^{_CRUMB}{{1,80}}(?:\s[»›>|/]\s{_CRUMB}{{1,40}})+$")
_SENTENCE_END = re.compile(r"[.!?…\"”»:;)]\s*$")
_BODY_MIN_WORDS = 12
_TOP_LINES = 12
_TITLE_MAX_WORDS = 25
_TITLE_SIMILARITY = 92
_CAPTION_MAX_WORDS = 20
_CREDIT_MAX_WORDS = 45
_LEDE_TITLE_WORDS = 12
_BIO_MAX_WORDS = 200
_SHARE_MAX_CHARS = 120
_LINE_MAX_CHARS = 3000
"""Longest line the boilerplate rules look at: they are for short lines (a 200-word bio is
about 1,500 characters), and a guard in characters, not words, also bounds one long word."""
_TITLE_MAX_CHARS = 500
_NAV_MAX_WORDS = 8


def split_lines(text: str) -> list[Line]:
    lines, pos = [], 0
    for raw in text.split("\n"):
        lines.append(Line(pos, pos + len(raw), raw))
        pos += len(raw) + 1
    return lines


def normalise(text: str) -> str:
    """Comparison form: lower case, single spaces, no surrounding punctuation."""
    return re.sub(r"\s+", " ", text).strip(" \t-–—|:•·*#\"'“”«»").lower()


def clean_text(
    text: str,
    *,
    title: str | None = None,
    pre_removed: Iterable[Removal] = (),
    find_title: bool = True,
) -> Cleaned:
    """Remove boilerplate lines from ``text``; choose a title when none is given."""
    lines = split_lines(text)
    reasons: dict[int, str] = {}
    pre = list(pre_removed)
    for i, line in enumerate(lines):
        if any(r.start <= line.start and line.end <= r.end for r in pre) and line.text.strip():
            reasons[i] = "pre"
    _line_rules(lines, reasons)
    top_end = _top_zone_end(lines, reasons)
    byline = _top_and_tail(lines, reasons, top_end)
    dateline = _datelines(lines, reasons, top_end)
    title_index = None
    if title is None and find_title:
        title, title_index = _choose_title(lines, reasons, top_end)
    if title:
        _repeated_titles(lines, reasons, title, title_index)
    removed = sorted(
        [
            *pre,
            *(
                Removal(lines[i].start, lines[i].end, lines[i].text, r)
                for i, r in reasons.items()
                if r != "pre"
            ),
        ],
        key=lambda r: (r.start, r.end),
    )
    kept = [line.text.rstrip() for i, line in enumerate(lines) if i not in reasons]
    cleaned = re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()
    return Cleaned(cleaned, tuple(removed), title, byline, dateline)


def _line_rules(lines: list[Line], reasons: dict[int, str]) -> None:
    """Rules that need no position in the article."""
    previous: str | None = None
    for i, line in enumerate(lines):
        check_deadline()
        stripped = line.text.strip()
        if not stripped or i in reasons:
            continue
        reason = _line_reason(stripped, line.words)
        if reason is None and previous is not None and normalise(stripped) == previous:
            reason = "duplicate line"
        if reason:
            reasons[i] = reason
        if reason == "image credit":
            _captions_above(lines, reasons, i)
        previous = normalise(stripped)


def _line_reason(stripped: str, words: int) -> str | None:
    """Length guards first: every rule is for short lines, and long lines are costly to scan."""
    if words > _BIO_MAX_WORDS or len(stripped) > _LINE_MAX_CHARS:
        return None
    if len(stripped) <= _SHARE_MAX_CHARS and _is_share_line(stripped):
        return "share buttons"
    if words <= _TITLE_MAX_WORDS and _ALSO_READ.match(stripped):
        return "related-content link"
    if words <= _CREDIT_MAX_WORDS:
        if _COPYRIGHT.search(stripped):
            return "copyright notice"
        if words <= _CAPTION_MAX_WORDS and _CREDIT_LINE.match(stripped):
            return "image credit"
        if _CREDIT_MARK.search(stripped):
            return "image caption and credit"
    if (_EMAIL.search(stripped) or _has_phone(stripped)) and (
        _CONTACT_CUE.search(stripped) or _BIO.search(stripped) or words <= 8
    ):
        return "author bio and contact details"
    return None


def _has_phone(stripped: str) -> bool:
    return any(
        sum(ch.isdigit() for ch in found.group(0)) >= _PHONE_MIN_DIGITS
        for found in _PHONE.finditer(stripped)
    )


def _is_share_line(stripped: str) -> bool:
    rest = _SHARE.sub(" ", stripped)
    return stripped != rest and not re.search(r"[^\W\d_]", rest)


def _captions_above(lines: list[Line], reasons: dict[int, str], credit: int) -> None:
    """Up to two short, unpunctuated lines right above a credit line (no gap) are its caption."""
    taken, j = 0, credit - 1
    while j >= 0 and taken < 2:
        line = lines[j]
        stripped = line.text.strip()
        if not stripped:
            break
        if j in reasons:
            if reasons[j] in ("duplicate line", "image caption"):
                j -= 1
                continue
            break
        if line.words > _CAPTION_MAX_WORDS or _SENTENCE_END.search(stripped):
            break
        reasons[j] = "image caption"
        taken += 1
        j -= 1


def _is_body(line: Line) -> bool:
    return line.words >= _BODY_MIN_WORDS and bool(_SENTENCE_END.search(line.text.strip()))


def _top_zone_end(lines: list[Line], reasons: dict[int, str]) -> int:
    """Index of the first body paragraph: headlines, datelines and navigation come before it."""
    for i, line in enumerate(lines):
        if i not in reasons and _is_body(line):
            return i
    return min(len(lines), _TOP_LINES)


def _top_and_tail(lines: list[Line], reasons: dict[int, str], top_end: int) -> str | None:
    """Navigation, bylines and bios live above the first and below the last paragraph."""
    byline = None
    for i in range(top_end):
        stripped = lines[i].text.strip()
        if not stripped or i in reasons:
            continue
        found = _byline(stripped)
        if found:
            byline = byline or found
            reasons[i] = "byline"
        elif _is_navigation(stripped):
            reasons[i] = "navigation"
    names = {_byline(line.text.strip()) for line in lines[top_end:]} - {None}
    tail_name = None
    for i in range(len(lines) - 1, top_end - 1, -1):
        stripped = lines[i].text.strip()
        if not stripped or i in reasons:
            continue
        found = _byline(stripped)
        if found:
            reasons[i] = "byline"
            tail_name = found
        elif _BIO.search(stripped) and any(stripped.startswith(n) for n in names):
            reasons[i] = "author bio"
        elif _is_navigation(stripped):
            reasons[i] = "navigation"
        elif stripped in names:
            reasons[i] = "byline"
        elif _is_tail_label(stripped):
            reasons[i] = "navigation"
        else:
            break
    return byline or tail_name


def _is_tail_label(stripped: str) -> bool:
    """A short capitalised line after the last paragraph: a name or a menu item, not news."""
    return (
        bool(_NAME_LINE.match(stripped))
        and not _NOT_NAMES.search(stripped)
        and not stripped.isupper()
        and not stripped.endswith(".")
    )


def _byline(stripped: str) -> str | None:
    if len(stripped) > _TITLE_MAX_CHARS:
        return None
    found = _BYLINE.match(stripped)
    if found and not _NOT_NAMES.search(found.group(1)):
        return found.group(1).strip()
    return None


def _is_navigation(stripped: str) -> bool:
    """A lone word (a menu or section label) or a breadcrumb trail."""
    if len(stripped) > _TITLE_MAX_CHARS:
        return False
    words = stripped.split()
    if len(words) == 1 and re.fullmatch(r"[^\W\d_]{1,20}", words[0]):
        return True
    return len(words) <= _NAV_MAX_WORDS and bool(_BREADCRUMB.match(stripped))


def _datelines(lines: list[Line], reasons: dict[int, str], top_end: int) -> str | None:
    found = None
    for i in range(min(max(top_end, 1), _TOP_LINES, len(lines))):
        if i in reasons or not lines[i].text.strip():
            continue
        value = find_dateline(lines[i].text)
        if value:
            reasons[i] = "dateline"
            found = found or value
    return found


def _choose_title(
    lines: list[Line], reasons: dict[int, str], top_end: int
) -> tuple[str | None, int | None]:
    """The first headline-like line; a later line it merely prefixes wins (label glued on)."""
    candidates = [
        i
        for i in range(min(top_end, _TOP_LINES))
        if i not in reasons and _is_headline(lines[i].text.strip())
    ]
    if candidates:
        first = candidates[0]
        head = normalise(lines[first].text)
        for j in candidates[1:]:
            other = normalise(lines[j].text)
            if head != other and head.endswith(other) and len(head) - len(other) <= 30:
                reasons[first] = "repeated title with section label"
                return lines[j].text.strip(), j
        return lines[first].text.strip(), first
    return _lede_title(lines, reasons)


def _lede_title(lines: list[Line], reasons: dict[int, str]) -> tuple[str | None, int | None]:
    """No headline line: a short first sentence of the first paragraph stands in for one."""
    for i, line in enumerate(lines):
        if i in reasons or not line.text.strip():
            continue
        first = re.split(r"(?<=[.!?])\s+", line.text.strip(), maxsplit=1)[0]
        if len(first.split()) <= _LEDE_TITLE_WORDS and first[-1:] in ".!?":
            return first.rstrip("."), i
        return None, None
    return None, None


def _is_headline(stripped: str) -> bool:
    words = stripped.split()
    return (
        3 <= len(words) <= _TITLE_MAX_WORDS
        and stripped[0].isupper() | stripped[0].isdigit()
        and not stripped.endswith((".", ",", ";", ":"))
    )


def _repeated_titles(
    lines: list[Line], reasons: dict[int, str], title: str, keep: int | None
) -> None:
    target = normalise(title)
    if len(target) < 10:
        return
    for i, line in enumerate(lines):
        if i == keep or i in reasons or not line.text.strip():
            continue
        current = normalise(line.text)
        if len(current) > 2 * len(target):
            continue
        # fuzzy only for headline-sized text: the edit distance is quadratic
        fuzzy = len(target) <= _TITLE_MAX_CHARS
        similar = fuzzy and fuzz.ratio(current, target) >= _TITLE_SIMILARITY
        if current == target or similar:
            reasons[i] = "repeated title"
        elif current.endswith(target) and _is_label(current[: -len(target)]):
            reasons[i] = "repeated title with section label"


def _is_label(prefix: str) -> bool:
    """What may be glued before a repeated headline: one to three words, a separator."""
    prefix = prefix.strip(" :|-–—»›/")
    return 0 < len(prefix.split()) <= 3 and not _SENTENCE_END.search(prefix)


def heading_lines_end(text: str, max_words: int = 15) -> int:
    """Where the body starts after heading lines glued to the front of a sentence.

    Sentence splitters join a subheading ("– Village taken –") or a headline to the
    first sentence below it; a short line without closing punctuation is such a
    heading, not part of the sentence.
    """
    cut = 0
    for m in re.finditer(r"\n\s*", text):
        if m.start() - cut > _TITLE_MAX_CHARS:
            break  # the text since the last cut only grows: it can no longer be a heading
        head = text[cut : m.start()].strip()
        if head and not re.search(r"[.!?:\"”»]$", head) and len(head.split()) <= max_words:
            cut = m.end()
    return cut
