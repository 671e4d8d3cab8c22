"""Statements: each attributed or reported piece of an event, with its evidence span.

A statement is one article's account of one proposition: an attribution (the
original speaker as claimant, never the relaying outlet) or, when a sentence
carries an event but names no speaker, the sentence itself as the outlet's own
report. Statements are merged into claims later.
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from newsledger.extract.quantities import exact_numbers
from newsledger.ingest.clean import heading_lines_end
from newsledger.model import (
    Annotations,
    Article,
    Entity,
    EventCluster,
    Evidence,
    Mention,
    Quantity,
    Resolution,
)
from newsledger.reconcile.lexicon import hedge_spans, nation_of, outcome, stance
from newsledger.reconcile.propositions import Proposition, is_cyrillic
from newsledger.reconcile.slots import settle_slot
from newsledger.reconcile.text import content_words, fold

PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})
SPEAKER_LABELS = frozenset({"ORG", "ARMED_GROUP", "PERSON", "GPE", "NORP", "GOV"})
WEAK_SPEAKER_LABELS = frozenset({"GPE", "NORP"})
_ANAPHORA = frozenset(
    {"he", "she", "they", "it", "we", "i", "the", "this", "that", "these", "those", "its",
     "their", "his", "her", "who", "which", "you", "our"}
)
_PRONOUNS = frozenset({"he", "she", "they", "it", "we", "i", "who", "which", "you"})
_DISCLAIMER = re.compile(r"verif|confirm|authentic", re.I)
_CYR_ROLES = (
    "ведомств", "відомств", "министерств", "міністерств", "губернатор", "бойц", "бійц", "боец",
    "военн", "військов", "представител", "представник", "пресс-служб", "прес-служб", "спикер",
    "речник", "глав", "мэр", "мер", "штаб", "командовани", "командуванн", "он", "она", "они",
    "він", "вона", "вони",
)  # fmt: skip
MAX_EVIDENCE = 700  # longer attribution spans fall back to the content alone


@dataclass(frozen=True)
class Statement:
    event_id: str
    article_id: str
    sentence: int
    evidence: Evidence
    content: str
    claimants: tuple[str, ...]
    claimant_label: str | None
    polarity: str
    quantities: tuple[Quantity, ...]
    places: frozenset[str]
    hedged: bool
    attributed: bool
    event_types: tuple[tuple[str, str, float], ...] = ()
    cue: str = ""  # the reporting verb as written ("confirmed", "denied")

    def proposition(
        self, figures: tuple = (), entities: Mapping[str, Entity] | None = None
    ) -> Proposition:
        names: set[str] = set()
        for eid in self.claimants:
            if entities and eid in entities:
                names.update((entities[eid].name, *entities[eid].aliases))
        return Proposition(
            words=content_words(self.content),
            polarity=stance(self.content, self.polarity),
            outcome=outcome(self.content, self.polarity),
            claimants=frozenset(self.claimants),
            claimant_label=self.claimant_label,
            claimant_names=frozenset(names),
            places=self.places,
            place_names=frozenset(
                fold(entities[p].name) for p in self.places if entities and p in entities
            ),
            figures=figures,
            cyrillic=is_cyrillic(self.content),
            source=self.article_id,
            numbers=exact_numbers(self.content),
        )


def evidence(article: Article, start: int, end: int) -> Evidence | None:
    """A span trimmed of surrounding whitespace, its quote read from the article text."""
    start, end = max(0, start), min(len(article.text), end)
    while start < end and article.text[start].isspace():
        start += 1
    while end > start and article.text[end - 1].isspace():
        end -= 1
    if end <= start:
        return None
    return Evidence(article.id, start, end, article.text[start:end])


class _ArticleView:
    """Lookups over one article's annotations: sentence of an offset, mentions, hedges."""

    def __init__(self, article: Article, ann: Annotations, resolution: Resolution) -> None:
        self.article = article
        self.ann = ann
        self.resolution = resolution
        self.starts = [s.start for s in ann.sentences]
        spans = [(h.start, h.end) for h in ann.hedges] + hedge_spans(article.text)
        self.hedged_sentences = {self.sentence_of(s) for s, _ in spans}
        # only a disclaimer ("this could not be verified") reaches back to the sentence
        # before it; "reportedly", "allegedly" hedge their own sentence
        self.disclaimer_sentences = {
            self.sentence_of(s) for s, e in spans if _DISCLAIMER.search(article.text[s:e])
        }

    def sentence_of(self, offset: int) -> int:
        return max(0, bisect.bisect_right(self.starts, offset) - 1)

    def mentions_in(self, start: int, end: int) -> list[Mention]:
        return [m for m in self.ann.mentions if m.start >= start and m.end <= end]

    def entity(self, mention: Mention) -> str | None:
        return self.resolution.entity_at(self.article.id, mention.start, mention.end)

    def places_in(self, start: int, end: int) -> frozenset[str]:
        found = set()
        for m in self.mentions_in(start, end):
            if m.label in PLACE_LABELS and (eid := self.entity(m)):
                found.add(eid)
        return frozenset(found)

    def speaker(self, start: int, end: int) -> tuple[str, ...]:
        """The entity named as speaker in a source span, if one is.

        An organisation, armed group or person in the span is the speaker ("the
        Russian governor of the Tver region, Igor Rudenya"); a place or
        nationality only when it is the whole source ("Moscow said"), not a
        modifier ("Russian volunteers fighting for Ukraine").
        """
        width = max(1, len(self.article.text[start:end].strip()))
        best: tuple[int, int, str] | None = None
        for m in self.ann.mentions:
            if m.end <= start or m.start >= end or m.label not in SPEAKER_LABELS:
                continue
            eid = self.entity(m)
            if not eid:
                continue
            if m.label in WEAK_SPEAKER_LABELS:
                if (m.end - m.start) / width < 0.6:
                    continue
                rank = 0
            else:
                rank = 1
            key = (rank, m.end - m.start, eid)
            if best is None or key[:2] > best[:2]:
                best = key
        return (best[2],) if best else ()

    def antecedent(self, pronoun: str, before: int, sentence: int) -> tuple[str, ...]:
        """The named speaker a pronoun most likely points back to.

        The nearest person ("he", "she") or organisation, group or person
        ("they", "it") named earlier in the same sentence or the one before it.
        """
        word = pronoun.split()[0].lower() if pronoun.split() else ""
        labels = {"PERSON"} if word in {"he", "she"} else SPEAKER_LABELS - WEAK_SPEAKER_LABELS
        for m in sorted(self.ann.mentions, key=lambda m: -m.start):
            if m.end > before or m.sentence < sentence - 1 or m.label not in labels:
                continue
            if eid := self.entity(m):
                return (eid,)
        return ()

    def hedged(self, sentence: int) -> bool:
        """Flagged by a hedge in its own sentence or a disclaimer in the one that follows it."""
        return sentence in self.hedged_sentences or sentence + 1 in self.disclaimer_sentences


def _governing_attribution(q: Quantity, ann: Annotations) -> int | None:
    """The attribution whose cue comes last before a loose number in its sentence.

    A number the extractor left outside every attribution (a quoted list after
    "announced losses:") still belongs to the speaker whose cue governs it.
    """
    best: int | None = None
    for index, att in enumerate(ann.attributions):
        if att.sentence != q.sentence or att.cue.end > q.start:
            continue
        if att.source is None and att.via is None:
            continue
        if att.source is not None and att.source.start <= q.start < att.source.end:
            continue
        if best is None or att.cue.end > ann.attributions[best].cue.end:
            best = index
    return best


def _body_span(article: Article, start: int, end: int) -> Evidence | None:
    """A sentence's evidence without a headline or subheading glued on before it.

    A headline is the article's title, not a report of its own; a sentence
    splitter often joins it, or a short subheading line, to the first sentence
    of the paragraph below.
    """
    cut = heading_lines_end(article.text[start:end])
    ev = evidence(article, start + cut, end)
    title = article.title or ""
    if ev is not None and title and fold(ev.quote).rstrip(" .!?") == fold(title).rstrip(" .!?"):
        return None  # the headline itself
    return ev


def _label(text: str) -> str | None:
    """The speaker as written, without a headline or caption glued on before it."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else None


def is_anaphor(text: str) -> bool:
    """A short speaker phrase that points back ("he", "the ministry", "its spokesman").

    A determiner before a name or nationality names a speaker of its own ("the
    Russian authorities", "the Kremlin"): only common nouns point back.
    """
    words = text.split()
    if words and is_cyrillic(text):
        # «в ведомстве», «Губернатор заявил», «за словами бійців»: a role, not a name
        rest_named = any(w[:1].isupper() for w in words[1:])
        return len(words) <= 2 and not rest_named and words[0].lower().startswith(_CYR_ROLES)
    if not words or words[0].lower() not in _ANAPHORA or len(words) > 3:
        return False
    if words[0].lower() in _PRONOUNS:
        return True
    rest = words[1:]
    return not any(w[:1].isupper() or nation_of(w) for w in rest)


def article_statements(
    cluster: EventCluster,
    article: Article,
    ann: Annotations,
    resolution: Resolution,
    entities: Mapping[str, Entity],
) -> list[Statement]:
    """The statements one article makes about one event, in text order."""
    view = _ArticleView(article, ann, resolution)
    wanted = {ref.sentence for ref in cluster.sentences if ref.article_id == article.id}
    if not wanted or not ann.sentences:
        return []
    by_attribution: dict[int, list[Quantity]] = defaultdict(list)
    loose: dict[int, list[Quantity]] = defaultdict(list)
    for q in ann.quantities:
        if q.sentence < len(ann.sentences):
            q = settle_slot(q, article.text, ann.sentences[q.sentence].start)
        if q.attribution is None:
            owner = _governing_attribution(q, ann)
            if owner is not None:
                q = replace(q, attribution=owner)
        if q.attribution is not None and 0 <= q.attribution < len(ann.attributions):
            by_attribution[q.attribution].append(q)
        else:
            loose[q.sentence].append(q)
    events_by_sentence: dict[int, list[tuple[str, str, float]]] = defaultdict(list)
    for em in ann.events:
        events_by_sentence[em.sentence].append((em.event_type, em.sub_event_type, em.score))
    out: list[Statement] = []
    attributed_sentences: set[int] = set()
    last_speaker: tuple[int, tuple[str, ...], str | None] | None = None
    for index, att in enumerate(ann.attributions):
        if att.sentence not in wanted:
            continue
        attributed_sentences.add(att.sentence)
        spans = [s for s in (att.source, att.cue, att.content) if s is not None]
        start, end = min(s.start for s in spans), max(s.end for s in spans)
        if end - start > MAX_EVIDENCE:
            start, end = att.content.start, att.content.end
        content, content_start, content_end = att.content.text, att.content.start, att.content.end
        if att.polarity == "denies" and not att.direct and att.content.end <= att.cue.start:
            # "X confirmed ..., however he denied any breakthrough": what is denied follows
            # the cue; a clause before it is another statement
            sentence = ann.sentences[att.sentence] if att.sentence < len(ann.sentences) else None
            rest = article.text[att.cue.end : sentence.end] if sentence else ""
            if len(rest.split()) >= 2:
                content_start = att.cue.end + (len(rest) - len(rest.lstrip()))
                content_end = att.cue.end + len(rest.rstrip().rstrip("."))
                content = article.text[content_start:content_end]
                start = min(s.start for s in spans if s is not att.content)
                end = content_end
        # a figure the statement owns is part of what it says and of its evidence
        # ("it adds “100 ...” were killed"; "announced losses: “About 60 ...”")
        figures = by_attribution.get(index, ())
        if figures:
            low, high = min(q.start for q in figures), max(q.end for q in figures)
            if low < content_start:
                content_start = low
            if high > content_end and att.sentence < len(ann.sentences):
                content_end = max(high, ann.sentences[att.sentence].end)
            content = article.text[content_start:content_end]
            start, end = min(start, content_start), max(end, content_end)
        ev = evidence(article, start, end)
        if ev is None or not content.strip():
            continue
        label = _label(att.source.text) if att.source else None
        claimants = view.speaker(att.source.start, att.source.end) if att.source else ()
        # a source found outside the sentence is the extractor's guess at a pronoun's
        # antecedent; the last named speaker is the better guess
        resolved_pronoun = att.source is not None and att.sentence < len(ann.sentences) and (
            att.source.end <= ann.sentences[att.sentence].start
        )
        if last_speaker and att.sentence - last_speaker[0] <= 3 and (
            (not claimants and (label is None or is_anaphor(label))) or resolved_pronoun
        ):
            claimants, label = last_speaker[1], last_speaker[2] or label
        if not claimants and label and is_anaphor(label) and att.source is not None:
            # "Governor X confirmed the attack ..., however he denied ...": no attribution
            # named X as a speaker, but the pronoun points back to X
            claimants = view.antecedent(label, att.source.start, att.sentence)
        if claimants or (label and not is_anaphor(label)):
            last_speaker = (att.sentence, claimants, label)
        content_places = view.places_in(content_start, content_end)
        out.append(
            Statement(
                event_id=cluster.id,
                article_id=article.id,
                sentence=att.sentence,
                evidence=ev,
                content=content,
                claimants=claimants,
                claimant_label=label,
                polarity=att.polarity,
                quantities=tuple(by_attribution.get(index, ())),
                places=content_places,
                hedged=view.hedged(att.sentence),
                attributed=True,
                event_types=tuple(events_by_sentence.get(att.sentence, ())),
                cue=" ".join(att.cue.text.split()),
            )
        )
    for number, sentence in enumerate(ann.sentences):
        if number not in wanted or number in attributed_sentences:
            continue
        if number not in events_by_sentence and not any(
            q.slot != "other" for q in loose.get(number, ())
        ):
            continue
        ev = _body_span(article, sentence.start, sentence.end)
        if ev is None or len(ev.quote.split()) < 5:
            continue
        out.append(
            Statement(
                event_id=cluster.id,
                article_id=article.id,
                sentence=number,
                evidence=ev,
                content=ev.quote,
                claimants=(),
                claimant_label=None,
                polarity="asserts",  # a failed attack is an outcome ("repelled"), not a denial
                quantities=tuple(loose.get(number, ())),
                places=view.places_in(sentence.start, sentence.end),
                hedged=view.hedged(number),
                attributed=False,
                event_types=tuple(events_by_sentence.get(number, ())),
            )
        )
    out.sort(key=lambda s: (s.evidence.start, s.evidence.end))
    return out


def cluster_statements(
    cluster: EventCluster,
    articles: Mapping[str, Article],
    annotations: Mapping[str, Annotations],
    resolution: Resolution,
    entities: Mapping[str, Entity],
) -> list[Statement]:
    out: list[Statement] = []
    for article_id in sorted(set(cluster.article_ids) | {r.article_id for r in cluster.sentences}):
        article, ann = articles.get(article_id), annotations.get(article_id)
        if article is None or ann is None:
            continue
        out.extend(article_statements(cluster, article, ann, resolution, entities))
    return out


def fallback_clusters(
    articles: Sequence[Article], annotations: Mapping[str, Annotations]
) -> tuple[EventCluster, ...]:
    """Until events are clustered, each article is its own event (all its sentences)."""
    from newsledger.model import SentenceRef

    out = []
    for article in sorted(articles, key=lambda a: a.id):
        ann = annotations.get(article.id)
        if ann is None or not ann.sentences:
            continue
        refs = tuple(SentenceRef(article.id, i) for i in range(len(ann.sentences)))
        out.append(
            EventCluster(
                id=f"e-{article.content_hash[:12]}",
                article_ids=(article.id,),
                sentences=refs,
                date=(article.published or "")[:10] or None,
                date_precision="day" if article.published else None,
                title=article.title,
            )
        )
    return tuple(out)
