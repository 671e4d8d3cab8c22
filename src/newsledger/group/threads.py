"""Split an article into event threads: its main story and side stories.

A side story is a paragraph whose leading event sentence happens at a specific
place the main story never dwells on (a plane crash in another region, a
village taken on another front); the paragraphs after it stay with it until
the text comes back to the main story's places.
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


def split_threads(feats: ArticleFeatures) -> list[Thread]:
    sentences = feats.sentences
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
        lead = next((s for s in members if s.regions), None)
        paragraph_places = {p for s in members for p in s.regions}
        if (
            lead is not None
            and substantive > LEDE_PARAGRAPHS
            and lead.regions[0] not in main_places
            and (
                (feats.annotated_mentions and not set(lead.regions) & main_places)
                or _SEPARATE.match(feats.article.text, members[0].start)
            )
        ):
            current = Thread(feats.article.id, False, [])
            threads.append(current)
        elif paragraph_places & main_places or (
            not current.main and not any(s.has_event for s in members)
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
