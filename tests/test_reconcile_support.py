"""Hand-built records for reconcile and report tests: spans found by substring."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from newsledger.model import (
    Annotations,
    Article,
    Attribution,
    Entity,
    EntityMention,
    EventCluster,
    EventMention,
    Mention,
    OriginGroup,
    Quantity,
    Resolution,
    Sentence,
    SentenceRef,
    TextSpan,
)


def span(text: str, part: str, after: int = 0) -> TextSpan:
    """The first whole-word occurrence of ``part`` at or after ``after``."""
    found = re.compile(r"(?<!\w)" + re.escape(part) + r"(?!\w)").search(text, after)
    assert found, part
    return TextSpan(found.start(), found.end(), part)


def sentences(text: str) -> tuple[Sentence, ...]:
    out, start = [], 0
    for m in re.finditer(r"(?<=[.!?])\s+", text):
        out.append(Sentence(start, m.start()))
        start = m.end()
    if start < len(text):
        out.append(Sentence(start, len(text)))
    return tuple(out)


def sentence_of(sents: tuple[Sentence, ...], offset: int) -> int:
    return next(i for i, s in enumerate(sents) if s.start <= offset < s.end)


@dataclass
class Case:
    """A small world: articles, their annotations and the entities they mention."""

    articles: list[Article] = field(default_factory=list)
    annotations: dict[str, Annotations] = field(default_factory=dict)
    entity_types: dict[str, tuple[str, str, dict]] = field(default_factory=dict)
    entity_mentions: dict[str, list[EntityMention]] = field(
        default_factory=lambda: defaultdict(list)
    )
    origins: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def entity(self, eid: str, etype: str, name: str, **extra: object) -> None:
        self.entity_types[eid] = (etype, name, extra)

    def article(
        self,
        aid: str,
        text: str,
        *,
        outlet: str,
        origin: str,
        mentions: list[tuple[str, str, str]] = (),
        attributions: list[tuple[str | None, str, str, str]] = (),
        quantities: list[tuple[str, float, str, str, int | None]] = (),
        events: list[tuple[str, str, str]] = (),
        hedges: list[str] = (),
        language: str = "en",
    ) -> None:
        sents = sentences(text)
        ments = []
        for written, label, eid in mentions:
            surface, _, nth = written.partition("@")  # "Name@2": its second occurrence
            s = span(text, surface)
            for _ in range(int(nth or 1) - 1):
                s = span(text, surface, s.end)
            ments.append(Mention(s.start, s.end, surface, label, sentence_of(sents, s.start)))
            self.entity_mentions[eid].append(EntityMention(aid, s.start, s.end, surface))
        atts = []
        for source, cue, content, polarity in attributions:
            c = span(text, content)
            src = span(text, source) if source else None
            cue_span = span(text, cue, src.end if src else max(0, c.start - 40))
            atts.append(
                Attribution(src, cue_span, c, polarity, sentence=sentence_of(sents, c.start))
            )
        qs = []
        for surface, value, slot, subject, att in quantities:
            s = span(text, surface)
            qs.append(
                Quantity(
                    s.start,
                    s.end,
                    surface,
                    value,
                    slot=slot,
                    subject=subject,
                    attribution=att,
                    sentence=sentence_of(sents, s.start),
                )
            )
        evs = []
        for trigger, etype, sub in events:
            s = span(text, trigger)
            evs.append(EventMention(sentence_of(sents, s.start), s, etype, sub))
        hs = [span(text, h) for h in hedges]
        self.articles.append(
            Article(
                aid,
                "h" + aid,
                f"/tmp/{aid}.txt",
                text,
                title=f"Title {aid}",
                outlet=outlet,
                language=language,
                published="2024-03-12",
            )
        )
        self.annotations[aid] = Annotations(
            aid,
            "h" + aid,
            language,
            sents,
            tuple(ments),
            tuple(atts),
            tuple(qs),
            (),
            tuple(evs),
            tuple(hs),
        )
        self.origins[origin].append(aid)

    def resolution(self) -> Resolution:
        entities = []
        for eid, (etype, name, extra) in self.entity_types.items():
            ms = tuple(self.entity_mentions.get(eid, ()))
            entities.append(
                Entity(eid, etype, name, tuple(sorted({m.text for m in ms})), ms, **extra)
            )
        return Resolution(tuple(entities))

    def origin_groups(self) -> tuple[OriginGroup, ...]:
        return tuple(OriginGroup(g, tuple(a), "test") for g, a in sorted(self.origins.items()))

    def cluster(self, cid: str = "e-1", only: dict[str, list[int]] | None = None) -> EventCluster:
        refs = []
        for a in self.articles:
            n = len(self.annotations[a.id].sentences)
            keep = only.get(a.id, []) if only is not None else range(n)
            refs.extend(SentenceRef(a.id, i) for i in keep)
        ids = tuple(sorted({r.article_id for r in refs}))
        return EventCluster(
            cid, ids, tuple(refs), date="2024-03-12", date_precision="day", title="Raid"
        )
