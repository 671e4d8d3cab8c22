"""Split an article into event threads: its main story and side stories.

A side story is a paragraph whose leading event sentence happens at a specific
place the main story never dwells on (a plane crash in another region, a
village taken on another front); the paragraphs after it stay with it until
the text comes back to the main story's places or refers back to its event
("the attack"). A capital that speaks ("Moscow declared", "according to Kyiv")
names who claims, not where anything happened, so it opens no side story.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from newsledger.group.features import ArticleFeatures, SentenceFeatures
from newsledger.group.text import fold

MIN_SIDE_TERMS = 15  # content words a side story needs to stand on its own
LEDE_PARAGRAPHS = 2
# Openings that announce another story; a lead place that is also a main place is then
# only a landmark ("crashed in X region, northeast of <main place>").
_SEPARATE = re.compile(
    r"\W*(?:in (?:a |an )?(?:separate|unrelated|another|other) (?:incident|development|case|news)"
    r"|separately|elsewhere|in other news|on (?:the|another) front)\b",
    re.I,
)  # substantive paragraphs that set out the main story
_SPEECH_AFTER = re.compile(
    r"\s*(?:,[^,.]{1,40},\s*)?(?:(?:also|has|had|have|then|later|quickly|\w+ly)\s+)*"
    r"(?:said|says|declared|declares|claimed|claims|announced|announces|reported|reports"
    r"|stated|states|insisted|denied|denies|asserted|alleged|accused|warned|responded"
    r"|countered|maintained|confirmed|told|added|argued|acknowledged|admitted)\b",
    re.I,
)
_SPEECH_BEFORE = re.compile(r"\baccording to\s+(?:the\s+)?\Z", re.I)
_LOCATED_BEFORE = re.compile(
    r"\b(?:in|near|at|outside|over|across|into|from)\s+(?:the\s+)?\Z", re.I
)
_EVENT_NOUNS = (
    r"(attack|incursion|raid|assault|offensive|operation|strike|shelling|bombing"
    r"|shooting|explosion|blast|crash|clash|fighting|invasion)s?\b"
)
_EVENT_NOUN = re.compile(r"\b" + _EVENT_NOUNS, re.I)
# A definite reference to an event already told ("the attack", "this raid").
_BACK_REFERENCE = re.compile(r"\b(?:the|this|that)\s+(?:[\w-]+\s+)?" + _EVENT_NOUNS, re.I)


@dataclass
class Thread:
    article_id: str
    main: bool
    sentences: list[SentenceFeatures]


def _main_places(feats: ArticleFeatures) -> set[str]:
    """Regions of the title, the lede, and any region the article returns to."""
    counts: Counter[str] = Counter()
    for s in feats.sentences:
        counts.update(set(s.regions))
    main = {p for p, c in counts.items() if c >= 2}
    title = fold(feats.article.title or "")
    if title:
        main |= {
            r
            for s in feats.sentences
            for t, r in zip(s.place_texts, s.regions, strict=True)
            if t in title
        }
    lede_paragraphs: list[int] = []
    for s in feats.sentences:
        if s.end - s.start < 30:
            continue  # headings, captions, datelines
        if s.paragraph not in lede_paragraphs:
            if len(lede_paragraphs) == LEDE_PARAGRAPHS:
                break
            lede_paragraphs.append(s.paragraph)
        main |= set(s.regions)
    return main


def _is_speaker(text: str, start: int, end: int) -> bool:
    """A place as the subject of a speech verb stands for its government (metonymy)."""
    before = text[max(0, start - 20) : start]
    if _LOCATED_BEFORE.search(before):
        return False  # "police in Springfield said": the place is where it happened
    return bool(_SPEECH_BEFORE.search(before) or _SPEECH_AFTER.match(text, end))


def own_regions(s: SentenceFeatures, text: str) -> tuple[str, ...]:
    """The regions a sentence places events in, leaving out places that only speak."""
    if len(s.place_spans) != len(s.regions):
        return s.regions
    return tuple(
        r for r, (a, b) in zip(s.regions, s.place_spans, strict=True) if not _is_speaker(text, a, b)
    )


def _event_nouns(text: str, sentences: list[SentenceFeatures]) -> set[str]:
    return {n.lower() for s in sentences for n in _EVENT_NOUN.findall(text, s.start, s.end)}


def _refers_back(text: str, first: SentenceFeatures, main: Thread, side: Thread) -> bool:
    """The paragraph opens on an event the main story told and the side story did not."""
    nouns = {n.lower() for n in _BACK_REFERENCE.findall(text, first.start, first.end)}
    if not nouns:
        return False
    return bool(nouns & _event_nouns(text, main.sentences) - _event_nouns(text, side.sentences))


def split_threads(feats: ArticleFeatures) -> list[Thread]:
    sentences = feats.sentences
    text = feats.article.text
    if not sentences:
        return [Thread(feats.article.id, True, [])]
    main_places = _main_places(feats)
    by_paragraph: dict[int, list[SentenceFeatures]] = {}
    for s in sentences:
        by_paragraph.setdefault(s.paragraph, []).append(s)
    main = Thread(feats.article.id, True, [])
    threads = [main]
    current = main
    substantive = 0
    for paragraph in sorted(by_paragraph):
        members = by_paragraph[paragraph]
        long_enough = any(s.end - s.start >= 30 for s in members)
        substantive += long_enough
        located = [own_regions(s, text) for s in members]
        lead = next((r for r in located if r), None)
        paragraph_places = {p for r in located for p in r}
        if (
            lead is not None
            and substantive > LEDE_PARAGRAPHS
            and lead[0] not in main_places
            and (
                (feats.annotated_mentions and not set(lead) & main_places)
                or _SEPARATE.match(text, members[0].start)
            )
        ):
            current = Thread(feats.article.id, False, [])
            threads.append(current)
        elif (
            paragraph_places & main_places
            or (not current.main and not any(s.has_event for s in members))
            or (
                not current.main
                and not paragraph_places
                and not _SEPARATE.match(text, members[0].start)
                and _refers_back(text, members[0], main, current)
            )
        ):
            current = main
        current.sentences.extend(members)
    if sum(len(t.sentences) for t in threads[1:]) > len(main.sentences):
        # Side stories outweighing the main one: the split misread the article.
        for thread in threads[1:]:
            main.sentences.extend(thread.sentences)
            thread.sentences = []
    for thread in threads[1:]:
        if sum(len(s.terms) for s in thread.sentences) < MIN_SIDE_TERMS:
            main.sentences.extend(thread.sentences)  # a caption or a stray line, not a story
            thread.sentences = []
    main.sentences.sort(key=lambda s: s.index)
    return [t for t in threads if t.main or t.sentences]
